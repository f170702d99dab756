// RunStore: <data_dir>/etl.db, the durable state of ETL jobs (private to etl/).
//
//  - runs: every job run (JobRun's fields) plus its sequence number (SQLite AUTOINCREMENT, never
//    reused; the order of runs), the pid of the process that ran it (to tell a live run of another
//    process from one a crash left RUNNING) and the end of the row ids its output uses.
//  - bookmarks: per job, the (object key, size) pairs that SUCCEEDED runs processed. A key set,
//    not Glue's last-modified high-water mark: a late-arriving object with an old timestamp, or
//    a partition the crawler adds after a later one, is still read exactly once, and an object
//    rewritten with another size is read again (Firehose never rewrites its objects).
//  - commits: the commit record of a run: its staging folder and the staged → final names of its
//    files. Written in one transaction together with the run's bookmark entries and counts (the
//    commit point); removed, in one transaction with the run becoming SUCCEEDED, once every file
//    is in place. A record found later belongs to a commit that was cut short: roll it forward.
//
// Paths in commit records are relative to the lake root (<data_dir>/s3), "bucket/key".
// Durability: WAL with synchronous=FULL; every method is one transaction.
// Thread safety: every method may be called from any thread (one connection behind a mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "catalog/sqlite_util.h"
#include "common/error.h"
#include "etl/job.h"

namespace lakebox::etl {

struct StoredRun {
  JobRun run;
  int64_t sequence = 0;
  int64_t owner_pid = 0;
};

struct StagedFile {
  std::string staged;  // "bucket/_lakebox_staging/<run id>/..."
  std::string final_path;  // "bucket/stage/vendor=volvo/part-....parquet"
  bool operator==(const StagedFile&) const = default;
};

struct BookmarkEntry {
  std::string key;  // "s3://bucket/key"
  uint64_t size = 0;
};

struct PendingCommit {
  std::string run_id;
  std::string job_name;
  std::string staging_dir;  // relative to the lake root
  std::vector<StagedFile> files;
};

// The (key, size) pairs of a bookmark, as "size:key" strings for a cheap hash set.
using BookmarkSet = std::unordered_set<std::string>;
std::string BookmarkToken(std::string_view key, uint64_t size);

class RunStore {
 public:
  static constexpr int kBusyTimeoutMs = 10'000;

  // Opens (creating) the database. Errors as SqliteDb (Io, Corruption), InvalidArgument for a
  // schema newer than this build's.
  static Result<std::unique_ptr<RunStore>> Open(const std::filesystem::path& file);

  // Records a new run (id, job, state, trigger, started_on_ms, ...) owned by this process; returns
  // its sequence number.
  Result<int64_t> AddRun(const JobRun& run);
  // Rewrites the run's state, times, error and counts.
  Status UpdateRun(const JobRun& run);
  // EntityNotFound when the job has no run with that id.
  Result<StoredRun> GetRun(std::string_view job_name, std::string_view run_id) const;
  // Newest first; at most `max_results` (0 = all).
  Result<std::vector<JobRun>> Runs(std::string_view job_name, size_t max_results) const;
  // Runs still STARTING, RUNNING or STOPPING; of one job, or of every job when `job_name` is empty.
  Result<std::vector<StoredRun>> UnfinishedRuns(std::string_view job_name) const;

  // Fills `bookmark` with the job's entries (an out-parameter: g++ 12 misreports a returned
  // std::expected of a hash set as freeing a non-heap object).
  Status Bookmark(std::string_view job_name, BookmarkSet* bookmark) const;
  Status ResetBookmark(std::string_view job_name);

  // Where the row ids of the job's next run start: above every row id a committed run of the job
  // wrote (so join keys of child tables never repeat across runs), 0 for the first.
  Result<int64_t> RowIdBase(std::string_view job_name) const;

  // The commit point, one transaction: stores `run` (its counts; the state is kept as given) and
  // the end of its row ids, the commit record and the bookmark entries.
  Status RecordCommit(const JobRun& run, int64_t row_id_end, std::string_view staging_dir,
                      const std::vector<StagedFile>& files, const std::vector<BookmarkEntry>& bookmark);
  // One transaction: deletes the run's commit record and stores `run` (SUCCEEDED).
  Status FinishCommit(const JobRun& run);
  // Commit records (of one job, or all when `job_name` is empty).
  Result<std::vector<PendingCommit>> PendingCommits(std::string_view job_name) const;

 private:
  explicit RunStore(catalog::SqliteDb db) : db_(std::move(db)) {}

  Status UpdateRunLocked(const JobRun& run);
  Result<std::vector<StoredRun>> QueryRuns(std::string_view where, std::string_view job_name, size_t limit) const;

  mutable std::mutex mu_;
  mutable catalog::SqliteDb db_;  // guarded by mu_
};

}  // namespace lakebox::etl
