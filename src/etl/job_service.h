// JobService: the jobs of lakebox.toml plus their runs, as Glue shows them. Runs execute on
// background threads (StartJobRun) or on the caller's thread (RunJob, for the CLI and workflows).
//
// A run: list the source table's objects (all partitions in the catalog) → drop those the job's
// bookmark already holds → read them with DuckDB (the query engine's table scan, the catalog's
// column types; a database of the service's own, which may write files) → transform → write
// every output file under a staging prefix the lake never shows (s3://<target bucket>/
// _lakebox_staging/<run id>/..., '_'-prefixed so crawlers and queries skip it) → commit:
// a durable commit record names the files and the new bookmark entries, then each file is moved
// into place; a commit record found at start-up (a killed commit) is rolled forward, staging
// files of runs without one are deleted. So a killed or failed run leaves nothing visible and the
// next run delivers each record exactly once. A run with no new objects writes nothing and
// SUCCEEDS with zero counts.
//
// Runs, bookmarks and commit records live in <data_dir>/etl.db (SQLite, synchronous=FULL);
// history survives restarts (a run RUNNING at a crash is marked FAILED "interrupted" at start).
// A bookmark is the set of (object key, size) pairs that SUCCEEDED runs read, not Glue's
// last-modified high-water mark: an object that arrives late, or in a partition the crawler adds
// after a newer one, is still read exactly once; an object rewritten with another size is read
// again. Output files are named part-<run id>-..., so every file tells which run wrote it.
//
// Processes: one JobService per data dir in a process. Several processes may share a data dir
// (`lakebox job run` beside `lakebox serve`): a run of another live process counts for
// ConcurrentRunsExceeded, and start-up cleanup happens only in a process that finds no other
// (a flock on <data_dir>/etl.lock).
//
// Errors (AWS names in brackets): EntityNotFound for an unknown job or run id;
// ConcurrentRunsExceeded [ConcurrentRunsExceededException] to start a job that is running
// (MaxConcurrentRuns is 1); ServiceUnavailable after Shutdown. A source table missing at run
// time makes the run FAILED with "source table vehicles.vehicles_raw does not exist in the
// catalog: run the crawler first", not an error of StartRun.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/error.h"
#include "etl/job.h"
#include "storage/object_store.h"

namespace lakebox::etl {

struct JobServiceOptions {
  std::filesystem::path data_dir;  // objects at <data_dir>/s3/<bucket>/<key>; etl.db here
  // DuckDB memory for all runs (spills to <data_dir>/tmp/etl beyond). A run reads its source
  // objects in batches of about memory_limit / 8 stored bytes (gzip JSON grows ~4x in DuckDB).
  std::string memory_limit = "2GB";
  int threads = 0;                   // DuckDB threads per run; 0 = one per core
  // Tests only: called by a run at "listed" (objects chosen, nothing read), "staged" (every file
  // written, before the commit record) and "committed" (commit record durable, no file moved).
  // An error there fails the run as a crash at that point would leave it: before "committed"
  // nothing is visible; after it the commit is completed by the job's next run or the next Open.
  std::function<Status(std::string_view point)> test_hook;
  // Optional observer (metering): called with every run this service executed once it has ended
  // (SUCCEEDED, FAILED or STOPPED; started_on_ms to completed_on_ms), on the run's thread.
  std::function<void(const JobRun&)> on_run_finished;
};

class JobService {
 public:
  // Opens etl.db, recovers interrupted commits. `catalog` and `store` must outlive the service.
  static Result<std::unique_ptr<JobService>> Open(JobServiceOptions options, std::vector<JobDefinition> jobs,
                                                  catalog::Catalog* catalog, storage::ObjectStore* store);
  ~JobService();  // Shutdown()

  std::vector<JobDefinition> Jobs() const;  // sorted by name
  Result<JobDefinition> GetJob(std::string_view name) const;

  // Starts a run on a background thread; returns its id.
  Result<std::string> StartRun(std::string_view job_name, std::string_view trigger_name = "");
  // Runs on this thread and returns the finished run (also recorded). `progress` is called from
  // this thread now and then.
  Result<JobRun> RunJob(std::string_view job_name, std::string_view trigger_name = "",
                        const std::function<void(const JobProgress&)>& progress = {});
  // Asks a running run to stop: it ends STOPPED with nothing visible (a run already past its
  // commit point completes). DuckDB's statement is interrupted, which takes up to a few seconds
  // while a partitioned Parquet COPY flushes. InvalidInput for a run that is not running here.
  Status StopRun(std::string_view job_name, std::string_view run_id);
  Result<JobRun> GetRun(std::string_view job_name, std::string_view run_id) const;
  // Newest first; at most `max_results` (0 = all).
  Result<std::vector<JobRun>> Runs(std::string_view job_name, size_t max_results = 0) const;
  // Whether a run of the job is in progress, and its progress.
  bool Running(std::string_view job_name, JobProgress* progress = nullptr) const;
  // Forgets the job's bookmark (Glue's ResetJobBookmark): the next run reads everything again.
  Status ResetBookmark(std::string_view job_name);

  // Stops running runs and waits for them. Later starts fail with ServiceUnavailable. Idempotent.
  void Shutdown();

 private:
  class Impl;
  explicit JobService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakebox::etl
