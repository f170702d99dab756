#include "etl/job_service.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <algorithm>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/time.h"
#include "etl/commit.h"
#include "etl/job_runner.h"
#include "etl/run_store.h"
#include "query/duckdb/duckdb.h"

namespace lakebox::etl {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMinBatchBytes = 16ll << 20;

// "jr_" + 64 hex digits, as Glue's job run ids.
std::string NewRunId() {
  std::random_device random;
  std::string id = "jr_";
  for (int i = 0; i < 8; ++i) id += fmt::format("{:08x}", static_cast<uint32_t>(random()));
  return id;
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// DuckDB's memory_limit text ("2GB", "512 MiB", "1.5GB") in bytes; nullopt if it does not parse.
std::optional<int64_t> ParseBytes(std::string_view text) {
  size_t end = 0;
  double number = 0;
  try {
    number = std::stod(std::string(text), &end);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit;
  for (char c : text.substr(end)) {
    if (c != ' ') unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static const std::map<std::string, double> kUnits = {
      {"", 1.0},   {"b", 1.0},   {"bytes", 1.0}, {"kb", 1e3},          {"mb", 1e6},           {"gb", 1e9},
      {"tb", 1e12}, {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end() || number <= 0) return std::nullopt;
  return static_cast<int64_t>(number * it->second);
}

Error UnknownJob(std::string_view name) { return Error::EntityNotFound(fmt::format("Job {} not found", name)); }

}  // namespace

class JobService::Impl {
 public:
  // A job that is running, or has run, in this process.
  struct Slot {
    bool running = false;
    bool stopping = false;
    std::string run_id;
    int64_t started_ms = 0;
    std::shared_ptr<std::atomic<bool>> cancel;
    std::string stop_reason;
    JobProgress progress;
    query::duckdb::Connection* connection = nullptr;  // while the run has one open
    std::thread thread;                               // the last background run
  };

  Impl(JobServiceOptions options, std::map<std::string, JobDefinition, std::less<>> jobs,
       std::unique_ptr<RunStore> runs, query::duckdb::Database duckdb, UniqueFd lock,
       catalog::Catalog* catalog, storage::ObjectStore* store)
      : options_(std::move(options)),
        jobs_(std::move(jobs)),
        runs_(std::move(runs)),
        duckdb_(std::move(duckdb)),
        lock_(std::move(lock)) {
    env_.data_dir = options_.data_dir;
    env_.catalog = catalog;
    env_.store = store;
    env_.runs = runs_.get();
    env_.duckdb = &duckdb_;
    env_.batch_bytes = std::max(kMinBatchBytes, ParseBytes(options_.memory_limit).value_or(2ll << 30) / 8);
    env_.test_hook = options_.test_hook;
  }

  // Completes what a crashed process left: commits rolled forward, unfinished runs FAILED,
  // staging folders of runs without a commit record deleted. Only when no other process uses
  // the data dir.
  void Recover();

  Result<const JobDefinition*> Job(std::string_view name) const {
    auto it = jobs_.find(name);
    if (it == jobs_.end()) return std::unexpected(UnknownJob(name));
    return &it->second;
  }

  // With mu_ held: records a new run of `job` and marks its slot running.
  Result<JobRun> Begin(const JobDefinition& job, std::string_view trigger_name);
  // Runs a begun run to its end on this thread.
  JobRun Execute(const JobDefinition& job, JobRun run, const std::function<void(const JobProgress&)>& progress);
  // With mu_ held: the run as the slot sees it (RUNNING/STOPPING while in progress here).
  void Overlay(JobRun& run) const;

  JobServiceOptions options_;
  const std::map<std::string, JobDefinition, std::less<>> jobs_;
  std::unique_ptr<RunStore> runs_;
  query::duckdb::Database duckdb_;
  UniqueFd lock_;  // shared flock on <data_dir>/etl.lock while the service is open
  RunEnvironment env_;

  mutable std::mutex mu_;
  std::condition_variable idle_;                    // a slot stopped running
  std::map<std::string, Slot, std::less<>> slots_;  // guarded by mu_
  bool shut_down_ = false;                          // guarded by mu_
};

void JobService::Impl::Recover() {
  auto commits = runs_->PendingCommits("");
  if (!commits) {
    spdlog::error("etl: cannot read pending commits: {}", commits.error().ToString());
    return;
  }
  std::set<std::string> kept;          // staging folders of commits still pending
  std::set<std::string> kept_runs;     // and their runs, whose counts stay
  for (const PendingCommit& commit : *commits) {
    if (Status rolled = RollForward(commit, env_); !rolled) {
      spdlog::error("job {} run {}: cannot roll its commit forward (retried at the job's next run): {}",
                    commit.job_name, commit.run_id, rolled.error().ToString());
      kept.insert(commit.staging_dir);
      kept_runs.insert(commit.run_id);
    }
  }
  if (auto unfinished = runs_->UnfinishedRuns(""); unfinished) {
    for (StoredRun& stored : *unfinished) {
      if (kept_runs.contains(stored.run.id)) continue;
      if (Status marked = MarkInterrupted(std::move(stored.run), "", env_); !marked)
        spdlog::error("etl: {}", marked.error().ToString());
    }
  } else {
    spdlog::error("etl: cannot read unfinished runs: {}", unfinished.error().ToString());
  }
  auto staging = StagingDirs(env_.data_dir / "s3");
  if (!staging) {
    spdlog::error("etl: cannot list staging folders: {}", staging.error().ToString());
    return;
  }
  for (const std::string& dir : *staging) {
    if (kept.contains(dir)) continue;
    spdlog::info("etl: deleting staging folder {} of a run that did not commit", dir);
    if (Status removed = RemoveTree(env_.data_dir / "s3" / dir); !removed)
      spdlog::warn("etl: {}", removed.error().ToString());
  }
}

Result<JobRun> JobService::Impl::Begin(const JobDefinition& job, std::string_view trigger_name) {
  if (shut_down_) return std::unexpected(Error::ServiceUnavailable("the job service is shutting down"));
  Slot& slot = slots_[job.name];
  if (slot.running)
    return std::unexpected(Error::ConcurrentRunsExceeded(fmt::format(
        "Concurrent runs exceeded for job {}: run {} is in progress (MaxConcurrentRuns is 1)", job.name, slot.run_id)));
  // A run of another live process counts too (lakebox job run beside lakebox serve).
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<StoredRun> unfinished, runs_->UnfinishedRuns(job.name));
  for (const StoredRun& other : unfinished) {
    if (other.owner_pid != getpid() && ProcessAlive(other.owner_pid))
      return std::unexpected(Error::ConcurrentRunsExceeded(
          fmt::format("Concurrent runs exceeded for job {}: run {} is in progress in another lakebox process (pid "
                      "{}) (MaxConcurrentRuns is 1)",
                      job.name, other.run.id, other.owner_pid)));
  }
  if (slot.thread.joinable()) slot.thread.join();  // the previous run's thread, done

  JobRun run;
  run.id = NewRunId();
  run.job_name = job.name;
  run.state = JobRunState::kRunning;
  run.trigger_name = std::string(trigger_name);
  run.started_on_ms = run.last_modified_on_ms = NowMillis();
  LAKEBOX_TRY(runs_->AddRun(run));
  slot.running = true;
  slot.stopping = false;
  slot.run_id = run.id;
  slot.started_ms = run.started_on_ms;
  slot.cancel = std::make_shared<std::atomic<bool>>(false);
  slot.stop_reason.clear();
  slot.progress = {};
  slot.connection = nullptr;
  spdlog::info("job {} run {}: started{}", job.name, run.id,
               trigger_name.empty() ? "" : fmt::format(" by {}", trigger_name));
  return run;
}

JobRun JobService::Impl::Execute(const JobDefinition& job, JobRun run,
                                 const std::function<void(const JobProgress&)>& progress) {
  Slot* slot;
  std::shared_ptr<std::atomic<bool>> cancel;
  {
    std::lock_guard lock(mu_);
    slot = &slots_[job.name];
    cancel = slot->cancel;
  }
  // What an earlier process or run of this job left: commits cut short, then runs that are no
  // longer running anywhere (this slot is the job's only runner in the process, and Begin found no
  // live one elsewhere).
  std::set<std::string> pending_runs;
  if (auto commits = runs_->PendingCommits(job.name); commits) {
    for (const PendingCommit& commit : *commits) {
      if (Status rolled = RollForward(commit, env_); !rolled) {
        spdlog::error("job {} run {}: cannot roll its commit forward: {}", commit.job_name, commit.run_id,
                      rolled.error().ToString());
        pending_runs.insert(commit.run_id);
      }
    }
  }
  std::string bucket = TargetBucket(job.target);
  if (auto unfinished = runs_->UnfinishedRuns(job.name); unfinished) {
    for (StoredRun& stale : *unfinished) {
      if (stale.run.id == run.id || pending_runs.contains(stale.run.id)) continue;
      if (Status marked = MarkInterrupted(std::move(stale.run), bucket, env_); !marked)
        spdlog::error("etl: {}", marked.error().ToString());
    }
  }

  RunControl control;
  control.cancel = cancel.get();
  control.progress = [&](const JobProgress& p) {
    {
      std::lock_guard lock(mu_);
      slot->progress = p;
    }
    if (progress) progress(p);
  };
  control.attach_connection = [&](query::duckdb::Connection* connection) {
    std::lock_guard lock(mu_);
    slot->connection = connection;
    // A stop that came before the connection existed.
    if (connection != nullptr && cancel->load()) connection->Interrupt();
  };
  control.stop_reason = [&] {
    std::lock_guard lock(mu_);
    return slot->stop_reason.empty() ? std::string("stopped by request") : slot->stop_reason;
  };
  JobRun finished = ExecuteRun(job, std::move(run), env_, control);

  std::string summary = RunSummary(finished);
  if (finished.state == JobRunState::kFailed) spdlog::error("{}", summary);
  else spdlog::info("{}", summary);
  if (options_.on_run_finished) options_.on_run_finished(finished);
  {
    std::lock_guard lock(mu_);
    slot->running = false;
    slot->stopping = false;
    slot->connection = nullptr;
    idle_.notify_all();
  }
  return finished;
}

void JobService::Impl::Overlay(JobRun& run) const {
  auto slot = slots_.find(run.job_name);
  if (slot == slots_.end() || !slot->second.running || slot->second.run_id != run.id) return;
  if (run.state == JobRunState::kRunning && slot->second.stopping) run.state = JobRunState::kStopping;
  if (run.completed_on_ms == 0) run.execution_time_s = (NowMillis() - run.started_on_ms) / 1000;
}

JobService::JobService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JobService::~JobService() { Shutdown(); }

Result<std::unique_ptr<JobService>> JobService::Open(JobServiceOptions options, std::vector<JobDefinition> jobs,
                                                     catalog::Catalog* catalog, storage::ObjectStore* store) {
  std::error_code ec;
  fs::path data_dir = fs::weakly_canonical(fs::absolute(options.data_dir, ec), ec);
  if (ec) return std::unexpected(Error::IoFromErrno("resolving data dir", options.data_dir.string()));
  options.data_dir = data_dir;
  std::map<std::string, JobDefinition, std::less<>> by_name;
  for (JobDefinition& job : jobs) {
    std::string name = job.name;
    if (!by_name.emplace(name, std::move(job)).second)
      return std::unexpected(Error::InvalidArgument(fmt::format("job '{}' is declared twice", name)));
  }

  fs::path temp_dir = data_dir / "tmp" / "etl";
  LAKEBOX_TRY(CreateDirs(temp_dir));
  // Every process using the data dir holds a shared lock; one that gets it exclusively is alone
  // and may clean up what crashed processes left.
  fs::path lock_file = data_dir / "etl.lock";
  LAKEBOX_ASSIGN_OR_RETURN(UniqueFd lock, UniqueFd::Open(lock_file, O_RDWR | O_CREAT));
  bool alone = ::flock(lock.get(), LOCK_EX | LOCK_NB) == 0;
  if (!alone && errno != EWOULDBLOCK) return std::unexpected(Error::IoFromErrno("locking", lock_file.string()));

  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<RunStore> runs, RunStore::Open(data_dir / "etl.db"));
  std::vector<std::pair<std::string, std::string>> config = {
      {"memory_limit", options.memory_limit},
      {"temp_directory", temp_dir.string()},
      // Output order does not matter, and keeping it costs memory in COPY.
      {"preserve_insertion_order", "false"},
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
  };
  if (options.threads > 0) config.emplace_back("threads", std::to_string(options.threads));
  LAKEBOX_ASSIGN_OR_RETURN(auto duckdb, query::duckdb::Database::Open("", config));

  auto impl = std::make_unique<Impl>(std::move(options), std::move(by_name), std::move(runs), std::move(duckdb),
                                     std::move(lock), catalog, store);
  if (alone) {
    impl->Recover();
  } else {
    spdlog::info("etl: another lakebox process uses {}; interrupted runs are left for it to clean up",
                 data_dir.string());
  }
  // Blocks while another process recovers (it holds the lock exclusively).
  while (::flock(impl->lock_.get(), LOCK_SH) != 0) {
    if (errno != EINTR) return std::unexpected(Error::IoFromErrno("locking", lock_file.string()));
  }
  return std::unique_ptr<JobService>(new JobService(std::move(impl)));
}

std::vector<JobDefinition> JobService::Jobs() const {
  std::vector<JobDefinition> jobs;
  for (const auto& [name, job] : impl_->jobs_) jobs.push_back(job);
  return jobs;
}

Result<JobDefinition> JobService::GetJob(std::string_view name) const {
  LAKEBOX_ASSIGN_OR_RETURN(const JobDefinition* job, impl_->Job(name));
  return *job;
}

Result<std::string> JobService::StartRun(std::string_view job_name, std::string_view trigger_name) {
  LAKEBOX_ASSIGN_OR_RETURN(const JobDefinition* job, impl_->Job(job_name));
  std::lock_guard lock(impl_->mu_);
  LAKEBOX_ASSIGN_OR_RETURN(JobRun run, impl_->Begin(*job, trigger_name));
  std::string id = run.id;
  impl_->slots_[job->name].thread = std::thread([impl = impl_.get(), job, run = std::move(run)]() mutable {
    impl->Execute(*job, std::move(run), {});
  });
  return id;
}

Result<JobRun> JobService::RunJob(std::string_view job_name, std::string_view trigger_name,
                                  const std::function<void(const JobProgress&)>& progress) {
  LAKEBOX_ASSIGN_OR_RETURN(const JobDefinition* job, impl_->Job(job_name));
  JobRun run;
  {
    std::lock_guard lock(impl_->mu_);
    LAKEBOX_ASSIGN_OR_RETURN(run, impl_->Begin(*job, trigger_name));
  }
  return impl_->Execute(*job, std::move(run), progress);
}

Status JobService::StopRun(std::string_view job_name, std::string_view run_id) {
  LAKEBOX_TRY(impl_->Job(job_name));
  {
    std::lock_guard lock(impl_->mu_);
    auto slot = impl_->slots_.find(job_name);
    if (slot != impl_->slots_.end() && slot->second.running && slot->second.run_id == run_id) {
      Impl::Slot& running = slot->second;
      if (running.stopping) return Ok();
      running.stopping = true;
      running.stop_reason = "stopped by request";
      running.cancel->store(true);
      if (running.connection != nullptr) running.connection->Interrupt();
      spdlog::info("job {} run {}: stopping", job_name, run_id);
      return Ok();
    }
  }
  LAKEBOX_ASSIGN_OR_RETURN(StoredRun stored, impl_->runs_->GetRun(job_name, run_id));
  if (stored.run.state == JobRunState::kRunning || stored.run.state == JobRunState::kStarting ||
      stored.run.state == JobRunState::kStopping) {
    return std::unexpected(Error::InvalidInput(
        fmt::format("Job run {} of job {} runs in another lakebox process (pid {}): stop it there", run_id, job_name,
                    stored.owner_pid)));
  }
  return std::unexpected(Error::InvalidInput(fmt::format("Job run {} of job {} is {}: only a running job run can be "
                                                         "stopped",
                                                         run_id, job_name, JobRunStateName(stored.run.state))));
}

Result<JobRun> JobService::GetRun(std::string_view job_name, std::string_view run_id) const {
  LAKEBOX_TRY(impl_->Job(job_name));
  LAKEBOX_ASSIGN_OR_RETURN(StoredRun stored, impl_->runs_->GetRun(job_name, run_id));
  std::lock_guard lock(impl_->mu_);
  impl_->Overlay(stored.run);
  return std::move(stored.run);
}

Result<std::vector<JobRun>> JobService::Runs(std::string_view job_name, size_t max_results) const {
  LAKEBOX_TRY(impl_->Job(job_name));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<JobRun> runs, impl_->runs_->Runs(job_name, max_results));
  std::lock_guard lock(impl_->mu_);
  for (JobRun& run : runs) impl_->Overlay(run);
  return runs;
}

bool JobService::Running(std::string_view job_name, JobProgress* progress) const {
  std::lock_guard lock(impl_->mu_);
  auto slot = impl_->slots_.find(job_name);
  if (slot == impl_->slots_.end() || !slot->second.running) return false;
  if (progress != nullptr) *progress = slot->second.progress;
  return true;
}

Status JobService::ResetBookmark(std::string_view job_name) {
  LAKEBOX_TRY(impl_->Job(job_name));
  LAKEBOX_TRY(impl_->runs_->ResetBookmark(job_name));
  spdlog::info("job {}: bookmark reset; the next run reads every object of its source", job_name);
  return Ok();
}

void JobService::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu_);
    impl_->shut_down_ = true;
    for (auto& [name, slot] : impl_->slots_) {
      if (slot.running && !slot.stopping) {
        slot.stopping = true;
        slot.stop_reason = "stopped: lakebox is shutting down";
        slot.cancel->store(true);
        if (slot.connection != nullptr) slot.connection->Interrupt();
      }
      if (slot.thread.joinable()) threads.push_back(std::move(slot.thread));
    }
  }
  // Without the lock: a finishing run takes it for its last steps.
  for (std::thread& thread : threads) thread.join();
  // Runs of RunJob on other threads.
  std::unique_lock lock(impl_->mu_);
  impl_->idle_.wait(lock, [&] {
    return std::all_of(impl_->slots_.begin(), impl_->slots_.end(),
                       [](const auto& entry) { return !entry.second.running; });
  });
}

}  // namespace lakebox::etl
