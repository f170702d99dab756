#include "schedule/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "common/time.h"
#include "test_support.h"

namespace lakebox::schedule {
namespace {

using ::testing::HasSubstr;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-03-04T10:00:00Z
const Clock::time_point kT0 =
    Clock::time_point(std::chrono::milliseconds(UnixMillisFromCivil({.year = 2026, .month = 3, .day = 4, .hour = 10})));

ScheduleExpression Expr(std::string_view text) { return *ScheduleExpression::Parse(text); }

// Blocks tasks until opened, and tells the test when a task is inside.
class Gate {
 public:
  Status Pass() {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    return Ok();
  }
  void WaitEntered(int count) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= count; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

TaskStatus StatusOf(const Scheduler& scheduler, std::string_view name) {
  for (const TaskStatus& s : scheduler.Tasks())
    if (s.name == name) return s;
  ADD_FAILURE() << "no task " << name;
  return {};
}

TEST(SchedulerTest, RunsARateScheduleOnTime) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  std::atomic<int> runs = 0;
  ASSERT_OK(scheduler.Add("producer", Expr("rate(1 minute)"), [&](std::stop_token) {
    ++runs;
    return Ok();
  }));
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(StatusOf(scheduler, "producer").next_run, kT0 + minutes(1));

  time.Advance(seconds(59));
  EXPECT_EQ(StatusOf(scheduler, "producer").runs_started, 0);
  time.Advance(seconds(1));
  ASSERT_OK(scheduler.WaitUntilIdle("producer"));
  TaskStatus s = StatusOf(scheduler, "producer");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(s.runs_started, 1);
  EXPECT_EQ(s.runs_succeeded, 1);
  EXPECT_EQ(s.runs_skipped, 0);
  EXPECT_EQ(s.state, TaskState::kScheduled);
  EXPECT_EQ(s.expression, "rate(1 minute)");
  EXPECT_EQ(s.last_start, kT0 + minutes(1));
  EXPECT_EQ(s.last_end, kT0 + minutes(1));
  EXPECT_EQ(s.last_trigger, "schedule");
  EXPECT_EQ(s.last_outcome, RunOutcome::kSucceeded);
  EXPECT_EQ(s.next_run, kT0 + minutes(2));

  time.Advance(minutes(1));
  ASSERT_OK(scheduler.WaitUntilIdle("producer"));
  EXPECT_EQ(runs, 2);
}

TEST(SchedulerTest, RunsACronScheduleOnItsMinutes) {
  ManualTimeSource time(kT0 + minutes(2));  // 10:02
  Scheduler scheduler(time);
  ASSERT_OK(scheduler.Add("crawl", Expr("cron(0/5 * * * ? *)"), [](std::stop_token) { return Ok(); }));
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(StatusOf(scheduler, "crawl").next_run, kT0 + minutes(5));
  time.SetNow(kT0 + minutes(5));
  ASSERT_OK(scheduler.WaitUntilIdle("crawl"));
  EXPECT_EQ(StatusOf(scheduler, "crawl").last_start, kT0 + minutes(5));
  EXPECT_EQ(StatusOf(scheduler, "crawl").next_run, kT0 + minutes(10));
}

TEST(SchedulerTest, ARunningTaskIsNotStartedTwiceAndTheFiringIsCounted) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  Gate gate;
  ASSERT_OK(scheduler.Add("job", Expr("rate(1 minute)"), [&](std::stop_token) { return gate.Pass(); }));
  ASSERT_OK(scheduler.Start());

  time.Advance(minutes(1));
  gate.WaitEntered(1);
  time.Advance(minutes(1));  // still running: skipped
  TaskStatus s = StatusOf(scheduler, "job");
  EXPECT_EQ(s.state, TaskState::kRunning);
  EXPECT_EQ(s.runs_started, 1);
  EXPECT_EQ(s.runs_skipped, 1);
  time.Advance(minutes(2));  // two more firings pass while it runs
  EXPECT_EQ(StatusOf(scheduler, "job").runs_skipped, 3);
  EXPECT_EQ(StatusOf(scheduler, "job").next_run, kT0 + minutes(5));

  gate.Open();
  ASSERT_OK(scheduler.WaitUntilIdle("job"));
  time.Advance(minutes(1));
  ASSERT_OK(scheduler.WaitUntilIdle("job"));
  s = StatusOf(scheduler, "job");
  EXPECT_EQ(s.runs_started, 2);
  EXPECT_EQ(s.runs_succeeded, 2);
  EXPECT_EQ(s.runs_skipped, 3);
}

TEST(SchedulerTest, ALongTaskDoesNotDelayAnother) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  Gate gate;
  std::atomic<int> producer_runs = 0;
  ASSERT_OK(scheduler.Add("slow_job", Expr("rate(1 minute)"), [&](std::stop_token) { return gate.Pass(); }));
  ASSERT_OK(scheduler.Add("producer", Expr("rate(1 minute)"), [&](std::stop_token) {
    ++producer_runs;
    return Ok();
  }));
  ASSERT_OK(scheduler.Start());
  for (int i = 1; i <= 3; ++i) {
    time.Advance(minutes(1));
    ASSERT_OK(scheduler.WaitUntilIdle("producer"));
    EXPECT_EQ(producer_runs, i);
  }
  EXPECT_EQ(StatusOf(scheduler, "slow_job").runs_started, 1);
  EXPECT_EQ(StatusOf(scheduler, "slow_job").runs_skipped, 2);
  gate.Open();
}

TEST(SchedulerTest, MissedFiringsRunOnceAndCountAsSkipped) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  std::atomic<int> runs = 0;
  ASSERT_OK(scheduler.Add("producer", Expr("rate(1 minute)"), [&](std::stop_token) {
    ++runs;
    return Ok();
  }));
  ASSERT_OK(scheduler.Start());
  time.Advance(minutes(10) + seconds(30));  // ten firings passed at once
  ASSERT_OK(scheduler.WaitUntilIdle("producer"));
  TaskStatus s = StatusOf(scheduler, "producer");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(s.runs_started, 1);
  EXPECT_EQ(s.runs_skipped, 9);
  EXPECT_EQ(s.next_run, kT0 + minutes(11));
}

TEST(SchedulerTest, SchedulesBeginAtStart) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  ASSERT_OK(scheduler.Add("producer", Expr("rate(5 minutes)"), [](std::stop_token) { return Ok(); }));
  time.Advance(minutes(7));  // not started: nothing fires, nothing is missed
  EXPECT_EQ(StatusOf(scheduler, "producer").runs_started, 0);
  ASSERT_OK(scheduler.Start());
  TaskStatus s = StatusOf(scheduler, "producer");
  EXPECT_EQ(s.next_run, kT0 + minutes(12));
  EXPECT_EQ(s.runs_skipped, 0);

  // A task added after Start counts from when it was added.
  time.Advance(minutes(1));
  ASSERT_OK(scheduler.Add("late", Expr("rate(5 minutes)"), [](std::stop_token) { return Ok(); }));
  EXPECT_EQ(StatusOf(scheduler, "late").next_run, kT0 + minutes(13));
  time.SetNow(kT0 + minutes(13));
  ASSERT_OK(scheduler.WaitUntilIdle("late"));
  EXPECT_EQ(StatusOf(scheduler, "late").runs_started, 1);
  EXPECT_EQ(StatusOf(scheduler, "producer").runs_started, 1);
}

TEST(SchedulerTest, RecordsFailuresAndExceptions) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  ASSERT_OK(scheduler.Add("failing", Expr("rate(1 minute)"),
                          [](std::stop_token) -> Status { return std::unexpected(Error::Io("disk full")); }));
  ASSERT_OK(scheduler.Add("throwing", Expr("rate(1 minute)"),
                          [](std::stop_token) -> Status { throw std::runtime_error("oops"); }));
  ASSERT_OK(scheduler.Start());
  time.Advance(minutes(1));
  ASSERT_OK(scheduler.WaitUntilIdle("failing"));
  ASSERT_OK(scheduler.WaitUntilIdle("throwing"));
  TaskStatus failing = StatusOf(scheduler, "failing");
  EXPECT_EQ(failing.last_outcome, RunOutcome::kFailed);
  EXPECT_EQ(RunOutcomeName(failing.last_outcome), "FAILED");
  EXPECT_THAT(failing.last_error, HasSubstr("disk full"));
  EXPECT_EQ(failing.runs_failed, 1);
  EXPECT_EQ(failing.runs_succeeded, 0);
  TaskStatus throwing = StatusOf(scheduler, "throwing");
  EXPECT_EQ(throwing.last_outcome, RunOutcome::kFailed);
  EXPECT_THAT(throwing.last_error, HasSubstr("the task threw: oops"));

  // The schedule goes on after a failure.
  time.Advance(minutes(1));
  ASSERT_OK(scheduler.WaitUntilIdle("failing"));
  EXPECT_EQ(StatusOf(scheduler, "failing").runs_failed, 2);
}

TEST(SchedulerTest, OnDemandTasksRunOnlyWhenAsked) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  Gate gate;
  ASSERT_OK(scheduler.Add("pipeline", std::nullopt, [&](std::stop_token) { return gate.Pass(); }));
  ASSERT_OK(scheduler.Start());
  TaskStatus s = StatusOf(scheduler, "pipeline");
  EXPECT_EQ(s.state, TaskState::kIdle);
  EXPECT_EQ(TaskStateName(s.state), "IDLE");
  EXPECT_EQ(s.expression, "");
  EXPECT_FALSE(s.next_run);
  time.Advance(std::chrono::hours(24));
  EXPECT_EQ(StatusOf(scheduler, "pipeline").runs_started, 0);

  ASSERT_OK(scheduler.RunNow("pipeline"));
  gate.WaitEntered(1);
  EXPECT_EQ(StatusOf(scheduler, "pipeline").state, TaskState::kRunning);
  auto again = scheduler.RunNow("pipeline");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Error::Code::kConcurrentRunsExceeded);
  EXPECT_THAT(again.error().message(), HasSubstr("pipeline is already running"));
  gate.Open();
  ASSERT_OK(scheduler.WaitUntilIdle("pipeline"));
  s = StatusOf(scheduler, "pipeline");
  EXPECT_EQ(s.last_trigger, "manual");
  EXPECT_EQ(s.runs_succeeded, 1);
  EXPECT_EQ(s.state, TaskState::kIdle);

  auto unknown = scheduler.RunNow("nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Error::Code::kEntityNotFound);
  EXPECT_THAT(unknown.error().message(), HasSubstr("no scheduled task named nope (known: pipeline)"));
}

TEST(SchedulerTest, RunNowDoesNotMoveTheSchedule) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  ASSERT_OK(scheduler.Add("producer", Expr("rate(1 minute)"), [](std::stop_token) { return Ok(); }));
  ASSERT_OK(scheduler.Start());
  time.Advance(seconds(30));
  ASSERT_OK(scheduler.RunNow("producer"));
  ASSERT_OK(scheduler.WaitUntilIdle("producer"));
  EXPECT_EQ(StatusOf(scheduler, "producer").next_run, kT0 + minutes(1));
  EXPECT_EQ(StatusOf(scheduler, "producer").last_start, kT0 + seconds(30));
}

TEST(SchedulerTest, AddAndStartErrors) {
  ManualTimeSource time(kT0);
  Scheduler scheduler(time);
  auto noop = [](std::stop_token) { return Ok(); };
  ASSERT_OK(scheduler.Add("a", Expr("rate(1 minute)"), noop));
  auto duplicate = scheduler.Add("a", Expr("rate(2 minutes)"), noop);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), Error::Code::kAlreadyExists);
  auto unnamed = scheduler.Add("", std::nullopt, noop);
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error().code(), Error::Code::kInvalidArgument);
  ASSERT_OK(scheduler.Start());
  EXPECT_FALSE(scheduler.Start());
  scheduler.Shutdown();
  scheduler.Shutdown();  // idempotent
  auto late = scheduler.Add("b", std::nullopt, noop);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Error::Code::kServiceUnavailable);
  EXPECT_FALSE(scheduler.RunNow("a"));
}

TEST(SchedulerTest, ShutdownStopsRunningTasksAndWaitsForThem) {
  ManualTimeSource time(kT0);
  auto scheduler = std::make_unique<Scheduler>(time);
  std::promise<void> entered;
  std::atomic<bool> returned = false;
  ASSERT_OK(scheduler->Add("crawl", Expr("rate(1 minute)"), [&](std::stop_token stop) -> Status {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    entered.set_value();
    cv.wait(lock, stop, [] { return false; });  // until stop is requested
    returned = true;
    return std::unexpected(Error::Internal("stopped"));
  }));
  ASSERT_OK(scheduler->Start());
  time.Advance(minutes(1));
  entered.get_future().wait();
  scheduler->Shutdown();
  EXPECT_TRUE(returned);
  TaskStatus s = StatusOf(*scheduler, "crawl");
  EXPECT_EQ(s.last_outcome, RunOutcome::kFailed);
  EXPECT_THAT(s.last_error, HasSubstr("stopped"));
  scheduler.reset();
  time.Advance(minutes(1));  // the scheduler no longer listens
}

TEST(SchedulerTest, RunsOnTheWallClock) {
  // rate(1 second), the lakebox extension, on the real clock: two runs arrive.
  Scheduler scheduler;
  std::promise<void> second_run;
  std::atomic<int> runs = 0;
  ASSERT_OK(scheduler.Add("tick", Expr("rate(1 second)"), [&](std::stop_token) {
    if (++runs == 2) second_run.set_value();
    return Ok();
  }));
  ASSERT_OK(scheduler.Start());
  // A generous bound that only guards against a hang; the runs come after about two seconds.
  ASSERT_EQ(second_run.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  scheduler.Shutdown();
  EXPECT_GE(StatusOf(scheduler, "tick").runs_started, 2);
}

}  // namespace
}  // namespace lakebox::schedule
