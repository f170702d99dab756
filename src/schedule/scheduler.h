// The scheduler: runs named tasks on their schedules, as the seed's CloudWatch Events rule
// triggers its producer Lambda and Glue triggers start crawlers, jobs and workflows.
//
// A task is a name, an optional ScheduleExpression (none: it runs only when asked, RunNow) and a
// function. One scheduler thread computes firing times; every task runs on its own worker thread,
// so a long run of one task never delays another task's firings.
//
// The overlap rule: a task still running at one of its firing times is not started a second time.
// That firing is skipped, counted in TaskStatus::runs_skipped and logged. Firings that passed while
// the scheduler could not act on them (the machine slept, the clock jumped) are not replayed: the
// most recent one runs, the earlier ones count as skipped.
//
// Schedules begin at Start(): a rate(...) counts its periods from then (or from Add, for a task
// added later), as EventBridge counts a rule's rate from the rule's creation.
//
// Time comes from a TimeSource. SystemTime() is the wall clock; tests use ManualTimeSource and
// advance it instead of sleeping.
//
// Thread safety: every method of Scheduler and ManualTimeSource may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/error.h"
#include "schedule/schedule_expression.h"

namespace lakebox::schedule {

// Where the scheduler reads the time and how it waits for it.
class TimeSource {
 public:
  virtual ~TimeSource() = default;

  virtual Clock::time_point Now() const = 0;

  // Blocks on `cv` (whose mutex `lock` holds) until this source's time reaches `deadline`
  // (Clock::time_point::max(): no deadline) or `cv` is notified. May return early; callers re-check.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         Clock::time_point deadline) const = 0;

  // `on_jump` is called after every jump of this source's time (ManualTimeSource::SetNow/Advance),
  // on the thread that made it; the wall clock never calls it. The id is for RemoveListener, which
  // returns only once no call of that listener is in progress.
  virtual uint64_t AddListener(std::function<void()> on_jump) = 0;
  virtual void RemoveListener(uint64_t id) = 0;
};

// The wall clock (std::chrono::system_clock), shared by the process.
TimeSource& SystemTime();

// A clock that moves only when told to, for tests.
class ManualTimeSource final : public TimeSource {
 public:
  explicit ManualTimeSource(Clock::time_point start);

  Clock::time_point Now() const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 Clock::time_point deadline) const override;
  uint64_t AddListener(std::function<void()> on_jump) override;
  void RemoveListener(uint64_t id) override;

  // Moves the time forward and returns once every listener has seen it: for a started Scheduler,
  // once every firing due by then has been handed to its task or counted as skipped (the runs
  // themselves go on in their own threads). REQUIRES: `t` >= Now(); `by` >= 0.
  void SetNow(Clock::time_point t);
  void Advance(Clock::duration by);

 private:
  mutable std::mutex time_mu_;
  Clock::time_point now_;
  std::mutex listeners_mu_;  // held while listeners run, so RemoveListener waits for them
  uint64_t next_listener_id_ = 1;
  std::map<uint64_t, std::function<void()>> listeners_;
};

// A task's function. `stop` is requested when the scheduler shuts down: a long task should check
// it (or register a std::stop_callback) and return early. A returned error is the run's outcome;
// an exception escaping the function is caught and recorded as an Internal error.
using TaskFunction = std::function<Status(std::stop_token stop)>;

enum class TaskState {
  kScheduled,  // waiting for its next firing
  kRunning,    // a run is in progress
  kIdle,       // nothing scheduled: an on-demand task, or a cron whose years are all past
};
std::string_view TaskStateName(TaskState state);  // "SCHEDULED" | "RUNNING" | "IDLE"

enum class RunOutcome { kNone, kSucceeded, kFailed };
std::string_view RunOutcomeName(RunOutcome outcome);  // "" | "SUCCEEDED" | "FAILED"

// A snapshot of one task, for `lakebox status`, the dashboard and the logs.
struct TaskStatus {
  std::string name;
  std::string expression;  // the schedule's text; "" for an on-demand task
  TaskState state = TaskState::kIdle;
  std::optional<Clock::time_point> next_run;    // the next firing; nullopt when kIdle
  std::optional<Clock::time_point> last_start;  // of the running run, or else of the last one
  std::optional<Clock::time_point> last_end;    // of the last finished run
  std::string last_trigger;                     // of the run at last_start: "schedule" | "manual"
  RunOutcome last_outcome = RunOutcome::kNone;  // of the last finished run
  std::string last_error;                       // its error (Error::ToString()) when kFailed
  int64_t runs_started = 0;
  int64_t runs_succeeded = 0;
  int64_t runs_failed = 0;
  int64_t runs_skipped = 0;  // firings not started: still running, or missed (see the overlap rule)
};

class Scheduler {
 public:
  // `time` must outlive the scheduler.
  explicit Scheduler(TimeSource& time = SystemTime());
  // Shuts down (see Shutdown).
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Adds a task; `schedule` nullopt makes it on-demand only. Allowed before and after Start.
  // InvalidArgument for an empty name, AlreadyExists for a name already added, ServiceUnavailable
  // after Shutdown.
  Status Add(std::string name, std::optional<ScheduleExpression> schedule, TaskFunction run);

  // Starts firing schedules. ResourceInUse if already started or shut down.
  Status Start();

  // Starts a run of `name` now, whatever its schedule (Glue's StartJobRun / StartWorkflowRun).
  // EntityNotFound for an unknown name, ConcurrentRunsExceeded while it is running,
  // ServiceUnavailable after Shutdown.
  Status RunNow(std::string_view name);

  // Blocks until `name` has no run in progress. EntityNotFound for an unknown name.
  Status WaitUntilIdle(std::string_view name);

  // Stops firing, requests stop on every running task's stop_token and waits for the runs to
  // return. A run handed to a task but not begun is recorded as failed ("cancelled"). Idempotent.
  void Shutdown();

  // Every task, in the order added.
  std::vector<TaskStatus> Tasks() const;

 private:
  struct Task;

  void Loop();
  void Work(Task& task);
  void Fire(Task& task, Clock::time_point now);        // REQUIRES: mu_ held
  void BeginRun(Task& task, Clock::time_point now, std::string_view trigger);  // REQUIRES: mu_ held
  void OnTimeJump();
  Task* Find(std::string_view name);  // REQUIRES: mu_ held

  TimeSource& time_;
  uint64_t listener_id_ = 0;
  std::stop_source stop_;
  std::mutex shutdown_mu_;  // serializes Shutdown calls

  mutable std::mutex mu_;
  std::condition_variable loop_wake_;  // time jumped, a task was added, or shutting down
  std::condition_variable run_done_;   // a run ended (WaitUntilIdle)
  std::condition_variable jump_seen_;  // the loop caught up with a time jump
  std::vector<std::unique_ptr<Task>> tasks_;  // GUARDED_BY(mu_)
  bool started_ = false;                      // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  bool loop_running_ = false;                 // GUARDED_BY(mu_)
  uint64_t jumps_ = 0;                        // GUARDED_BY(mu_): time jumps announced
  uint64_t jumps_seen_ = 0;                   // GUARDED_BY(mu_): jumps the loop has acted on
  std::thread loop_;
};

}  // namespace lakebox::schedule
