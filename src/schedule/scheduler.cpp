#include "schedule/scheduler.h"

#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/time.h"

namespace lakebox::schedule {
namespace {

// Counting missed firings stops here (a cron(* ...) asleep for a year); the count is then a floor.
constexpr int64_t kMaxFiringsCounted = 1'000'000;

std::string FormatTime(Clock::time_point t) {
  return FormatIso8601Millis(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class SystemTimeSource final : public TimeSource {
 public:
  Clock::time_point Now() const override { return Clock::now(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 Clock::time_point deadline) const override {
    if (deadline == Clock::time_point::max()) cv.wait(lock);
    else cv.wait_until(lock, deadline);
  }
  uint64_t AddListener(std::function<void()>) override { return 0; }
  void RemoveListener(uint64_t) override {}
};

}  // namespace

TimeSource& SystemTime() {
  static SystemTimeSource source;
  return source;
}

ManualTimeSource::ManualTimeSource(Clock::time_point start) : now_(start) {}

Clock::time_point ManualTimeSource::Now() const {
  std::lock_guard lock(time_mu_);
  return now_;
}

void ManualTimeSource::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                 Clock::time_point deadline) const {
  // Time moves only in SetNow, whose listeners notify the waiter; until then there is nothing to
  // wait for but a notification.
  if (Now() < deadline) cv.wait(lock);
}

uint64_t ManualTimeSource::AddListener(std::function<void()> on_jump) {
  std::lock_guard lock(listeners_mu_);
  listeners_.emplace(next_listener_id_, std::move(on_jump));
  return next_listener_id_++;
}

void ManualTimeSource::RemoveListener(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

void ManualTimeSource::SetNow(Clock::time_point t) {
  {
    std::lock_guard lock(time_mu_);
    now_ = t;
  }
  // time_mu_ is released first: listeners take their own locks and call Now().
  std::lock_guard lock(listeners_mu_);
  for (auto& [id, listener] : listeners_) listener();
}

void ManualTimeSource::Advance(Clock::duration by) { SetNow(Now() + by); }

std::string_view TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kScheduled: return "SCHEDULED";
    case TaskState::kRunning: return "RUNNING";
    case TaskState::kIdle: return "IDLE";
  }
  return "?";
}

std::string_view RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kNone: return "";
    case RunOutcome::kSucceeded: return "SUCCEEDED";
    case RunOutcome::kFailed: return "FAILED";
  }
  return "?";
}

struct Scheduler::Task {
  std::string name;
  std::optional<ScheduleExpression> schedule;
  TaskFunction run;
  // All below GUARDED_BY(Scheduler::mu_).
  Clock::time_point anchor;
  std::optional<Clock::time_point> next_run;
  bool running = false;        // from BeginRun until the run's outcome is recorded
  bool run_requested = false;  // handed to the worker, which has not picked it up yet
  std::optional<Clock::time_point> last_start, last_end;
  std::string last_trigger;
  RunOutcome last_outcome = RunOutcome::kNone;
  std::string last_error;
  int64_t runs_started = 0, runs_succeeded = 0, runs_failed = 0, runs_skipped = 0;
  std::condition_variable wake;  // run_requested or stopping
  std::thread worker;
};

Scheduler::Scheduler(TimeSource& time) : time_(time) {
  listener_id_ = time_.AddListener([this] { OnTimeJump(); });
}

Scheduler::~Scheduler() {
  Shutdown();
  time_.RemoveListener(listener_id_);
}

Status Scheduler::Add(std::string name, std::optional<ScheduleExpression> schedule, TaskFunction run) {
  if (name.empty()) return std::unexpected(Error::InvalidArgument("a scheduled task needs a name"));
  std::lock_guard lock(mu_);
  if (stopping_)
    return std::unexpected(
        Error::ServiceUnavailable(fmt::format("cannot add task {}: the scheduler is shut down", name)));
  if (Find(name)) return std::unexpected(Error::AlreadyExists(fmt::format("a task named {} already exists", name)));
  auto task = std::make_unique<Task>();
  task->name = std::move(name);
  task->schedule = std::move(schedule);
  task->run = std::move(run);
  task->anchor = time_.Now();
  if (task->schedule) task->next_run = task->schedule->NextAfter(task->anchor, task->anchor);
  Task& added = *task;
  tasks_.push_back(std::move(task));
  added.worker = std::thread([this, &added] { Work(added); });
  loop_wake_.notify_all();
  return Ok();
}

Status Scheduler::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_)
    return std::unexpected(
        Error::ResourceInUse(stopping_ ? "the scheduler is shut down" : "the scheduler is already running"));
  started_ = true;
  Clock::time_point now = time_.Now();
  for (auto& task : tasks_) {
    task->anchor = now;
    if (task->schedule) task->next_run = task->schedule->NextAfter(now, now);
  }
  loop_running_ = true;
  loop_ = std::thread([this] { Loop(); });
  return Ok();
}

Status Scheduler::RunNow(std::string_view name) {
  std::lock_guard lock(mu_);
  if (stopping_)
    return std::unexpected(Error::ServiceUnavailable(fmt::format("cannot run {}: the scheduler is shut down", name)));
  Task* task = Find(name);
  if (!task) {
    std::string known;
    for (const auto& t : tasks_) known += fmt::format("{}{}", known.empty() ? "" : ", ", t->name);
    return std::unexpected(Error::EntityNotFound(
        fmt::format("no scheduled task named {} (known: {})", name, known.empty() ? "none" : known)));
  }
  if (task->running)
    return std::unexpected(Error::ConcurrentRunsExceeded(fmt::format(
        "{} is already running (started {}); wait for it to finish", name, FormatTime(*task->last_start))));
  BeginRun(*task, time_.Now(), "manual");
  return Ok();
}

Status Scheduler::WaitUntilIdle(std::string_view name) {
  std::unique_lock lock(mu_);
  Task* task = Find(name);
  if (!task) return std::unexpected(Error::EntityNotFound(fmt::format("no scheduled task named {}", name)));
  run_done_.wait(lock, [&] { return !task->running; });
  return Ok();
}

void Scheduler::Shutdown() {
  std::lock_guard shutting_down(shutdown_mu_);  // one Shutdown joins the threads; a second waits, then finds none
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    loop_wake_.notify_all();
    jump_seen_.notify_all();
    for (auto& task : tasks_) task->wake.notify_all();
  }
  stop_.request_stop();
  if (loop_.joinable()) loop_.join();
  // Workers are joined outside mu_ (they need it to finish); tasks_ no longer changes once
  // stopping_ is set, so iterating it here is safe.
  for (auto& task : tasks_)
    if (task->worker.joinable()) task->worker.join();
}

std::vector<TaskStatus> Scheduler::Tasks() const {
  std::lock_guard lock(mu_);
  std::vector<TaskStatus> out;
  out.reserve(tasks_.size());
  for (const auto& task : tasks_) {
    TaskStatus s;
    s.name = task->name;
    s.expression = task->schedule ? task->schedule->text() : "";
    s.state = task->running ? TaskState::kRunning : task->next_run ? TaskState::kScheduled : TaskState::kIdle;
    s.next_run = task->next_run;
    s.last_start = task->last_start;
    s.last_end = task->last_end;
    s.last_trigger = task->last_trigger;
    s.last_outcome = task->last_outcome;
    s.last_error = task->last_error;
    s.runs_started = task->runs_started;
    s.runs_succeeded = task->runs_succeeded;
    s.runs_failed = task->runs_failed;
    s.runs_skipped = task->runs_skipped;
    out.push_back(std::move(s));
  }
  return out;
}

void Scheduler::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    uint64_t jumps = jumps_;
    Clock::time_point now = time_.Now();
    std::optional<Clock::time_point> earliest;
    for (auto& task : tasks_) {
      if (task->next_run && *task->next_run <= now) Fire(*task, now);
      if (task->next_run && (!earliest || *task->next_run < *earliest)) earliest = task->next_run;
    }
    jumps_seen_ = jumps;
    jump_seen_.notify_all();
    time_.WaitUntil(loop_wake_, lock, earliest.value_or(Clock::time_point::max()));
  }
  loop_running_ = false;
  jump_seen_.notify_all();
}

void Scheduler::Fire(Task& task, Clock::time_point now) {
  // Every firing time from next_run up to now is due; at most one of them can start.
  int64_t due = 0;
  Clock::time_point last_due = *task.next_run;
  std::optional<Clock::time_point> next = task.next_run;
  while (next && *next <= now && due < kMaxFiringsCounted) {
    ++due;
    last_due = *next;
    next = task.schedule->NextAfter(*next, task.anchor);
  }
  if (next && *next <= now) next = task.schedule->NextAfter(now, task.anchor);
  task.next_run = next;

  if (task.running) {
    task.runs_skipped += due;
    spdlog::warn("schedule: {} is still running (started {}); skipped {} firing(s), the last due {}", task.name,
                 FormatTime(*task.last_start), due, FormatTime(last_due));
    return;
  }
  if (due > 1) {
    task.runs_skipped += due - 1;
    spdlog::warn("schedule: {}: {} firing(s) passed while the scheduler could not act (e.g. the machine slept); "
                 "running once now",
                 task.name, due);
  }
  BeginRun(task, now, "schedule");
}

void Scheduler::BeginRun(Task& task, Clock::time_point now, std::string_view trigger) {
  task.running = true;
  task.run_requested = true;
  task.last_start = now;
  task.last_trigger = std::string(trigger);
  ++task.runs_started;
  task.wake.notify_all();
}

void Scheduler::Work(Task& task) {
  std::unique_lock lock(mu_);
  while (true) {
    task.wake.wait(lock, [&] { return stopping_ || task.run_requested; });
    if (stopping_) {
      if (task.run_requested) {
        task.run_requested = false;
        task.running = false;
        task.last_outcome = RunOutcome::kFailed;
        task.last_error = "cancelled: the scheduler shut down before the run began";
        ++task.runs_failed;
        run_done_.notify_all();
      }
      return;
    }
    task.run_requested = false;
    const std::string trigger = task.last_trigger;
    const int64_t run_number = task.runs_started;
    lock.unlock();

    spdlog::info("schedule: {} started (run {}, {})", task.name, run_number, trigger);
    Clock::time_point begin = time_.Now();
    Status result;
    try {
      result = task.run(stop_.get_token());
    } catch (const std::exception& e) {
      result = std::unexpected(Error::Internal(fmt::format("the task threw: {}", e.what())));
    } catch (...) {
      result = std::unexpected(Error::Internal("the task threw a non-standard exception"));
    }
    Clock::time_point end = time_.Now();
    if (result)
      spdlog::info("schedule: {} succeeded in {:.3f}s (run {})", task.name, Seconds(end - begin), run_number);
    else
      spdlog::warn("schedule: {} failed after {:.3f}s (run {}): {}", task.name, Seconds(end - begin), run_number,
                   result.error().ToString());

    lock.lock();
    task.running = false;
    task.last_end = end;
    if (result) {
      task.last_outcome = RunOutcome::kSucceeded;
      task.last_error.clear();
      ++task.runs_succeeded;
    } else {
      task.last_outcome = RunOutcome::kFailed;
      task.last_error = result.error().ToString();
      ++task.runs_failed;
    }
    run_done_.notify_all();
  }
}

void Scheduler::OnTimeJump() {
  std::unique_lock lock(mu_);
  uint64_t jump = ++jumps_;
  loop_wake_.notify_all();
  jump_seen_.wait(lock, [&] { return jumps_seen_ >= jump || stopping_ || !loop_running_; });
}

Scheduler::Task* Scheduler::Find(std::string_view name) {
  for (auto& task : tasks_)
    if (task->name == name) return task.get();
  return nullptr;
}

}  // namespace lakebox::schedule
