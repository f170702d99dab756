#include "etl/run_store.h"

#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/file_util.h"

namespace lakebox::etl {
namespace {

using catalog::StatementLease;
using catalog::Transaction;
using Kind = catalog::Transaction::Kind;

// Never edit a step that has shipped; append new ones.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE runs (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  job_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL,
  trigger_name TEXT NOT NULL,
  started_on_ms INTEGER NOT NULL,
  last_modified_on_ms INTEGER NOT NULL,
  completed_on_ms INTEGER NOT NULL,
  execution_time_s INTEGER NOT NULL,
  error_message TEXT NOT NULL,
  objects_in INTEGER NOT NULL,
  bytes_in INTEGER NOT NULL,
  records_in INTEGER NOT NULL,
  records_out INTEGER NOT NULL,
  objects_out INTEGER NOT NULL,
  bytes_out INTEGER NOT NULL,
  tables_written TEXT NOT NULL,  -- JSON array of s3:// prefixes
  owner_pid INTEGER NOT NULL,
  row_id_end INTEGER NOT NULL DEFAULT 0  -- above the row ids the run's output holds (0: none)
);
CREATE INDEX runs_by_job ON runs (job_name, sequence);
CREATE INDEX runs_by_state ON runs (state);
CREATE TABLE bookmarks (
  job_name TEXT NOT NULL,
  object_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  PRIMARY KEY (job_name, object_key, size)
) WITHOUT ROWID;
CREATE TABLE commits (
  run_id TEXT PRIMARY KEY,
  job_name TEXT NOT NULL,
  staging_dir TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE commit_files (
  run_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  staged TEXT NOT NULL,
  final_path TEXT NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
)sql",
};

constexpr std::string_view kRunColumns =
    "id, job_name, attempt, state, trigger_name, started_on_ms, last_modified_on_ms, completed_on_ms, "
    "execution_time_s, error_message, objects_in, bytes_in, records_in, records_out, objects_out, bytes_out, "
    "tables_written, sequence, owner_pid";

Status Migrate(catalog::SqliteDb& db) {
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Kind::kWrite));
  LAKEBOX_ASSIGN_OR_RETURN(std::string version_text, db.QueryText("PRAGMA user_version"));
  int64_t current = version_text.empty() ? 0 : std::stoll(version_text);
  const auto known = static_cast<int64_t>(std::size(kMigrations));
  if (current > known)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{} has schema version {}, but this lakebox knows versions up to {}: it was written by a "
                    "newer lakebox; run that version",
                    db.file().string(), current, known)));
  for (int64_t version = current + 1; version <= known; ++version) LAKEBOX_TRY(db.Exec(kMigrations[version - 1]));
  LAKEBOX_TRY(db.Exec(fmt::format("PRAGMA user_version = {}", known)));
  return txn.Commit();
}

std::optional<JobRunState> StateFromName(std::string_view name) {
  for (JobRunState state : {JobRunState::kStarting, JobRunState::kRunning, JobRunState::kStopping,
                            JobRunState::kStopped, JobRunState::kSucceeded, JobRunState::kFailed}) {
    if (JobRunStateName(state) == name) return state;
  }
  return std::nullopt;
}

// Reads a row selected with kRunColumns.
Result<StoredRun> ReadRun(const catalog::Statement& row) {
  StoredRun stored;
  JobRun& run = stored.run;
  run.id = row.ColumnText(0);
  run.job_name = row.ColumnText(1);
  run.attempt = row.ColumnInt(2);
  auto state = StateFromName(row.ColumnText(3));
  if (!state)
    return std::unexpected(
        Error::Corruption(fmt::format("etl.db: run {} has unknown state \"{}\"", run.id, row.ColumnText(3))));
  run.state = *state;
  run.trigger_name = row.ColumnText(4);
  run.started_on_ms = row.ColumnInt(5);
  run.last_modified_on_ms = row.ColumnInt(6);
  run.completed_on_ms = row.ColumnInt(7);
  run.execution_time_s = row.ColumnInt(8);
  run.error_message = row.ColumnText(9);
  run.objects_in = row.ColumnInt(10);
  run.bytes_in = row.ColumnInt(11);
  run.records_in = row.ColumnInt(12);
  run.records_out = row.ColumnInt(13);
  run.objects_out = row.ColumnInt(14);
  run.bytes_out = row.ColumnInt(15);
  auto tables = nlohmann::json::parse(row.ColumnText(16), nullptr, /*allow_exceptions=*/false);
  if (!tables.is_array())
    return std::unexpected(Error::Corruption(fmt::format("etl.db: run {} has unreadable tables_written", run.id)));
  for (const auto& table : tables) {
    if (table.is_string()) run.tables_written.push_back(table.get<std::string>());
  }
  stored.sequence = row.ColumnInt(17);
  stored.owner_pid = row.ColumnInt(18);
  return stored;
}

}  // namespace

std::string BookmarkToken(std::string_view key, uint64_t size) { return fmt::format("{}:{}", size, key); }

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::filesystem::path& file) {
  LAKEBOX_ASSIGN_OR_RETURN(catalog::SqliteDb db, catalog::SqliteDb::OpenWal(file, kBusyTimeoutMs, "job run store"));
  // FULL: a commit record or a finished run must survive a power cut once written.
  LAKEBOX_TRY(db.Exec("PRAGMA synchronous=FULL"));
  LAKEBOX_TRY(Migrate(db));
  std::filesystem::path dir = file.parent_path();
  LAKEBOX_TRY(FsyncDir(dir.empty() ? std::filesystem::path(".") : dir));
  return std::unique_ptr<RunStore>(new RunStore(std::move(db)));
}

Result<int64_t> RunStore::AddRun(const JobRun& run) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease insert,
        db_.Prepare("INSERT INTO runs (id, job_name, attempt, state, trigger_name, started_on_ms, "
                    "last_modified_on_ms, completed_on_ms, execution_time_s, error_message, objects_in, bytes_in, "
                    "records_in, records_out, objects_out, bytes_out, tables_written, owner_pid) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, '', 0, 0, 0, 0, 0, 0, '[]', ?8)"));
    LAKEBOX_TRY(insert->Bind(1, run.id)
                    .Bind(2, run.job_name)
                    .Bind(3, run.attempt)
                    .Bind(4, JobRunStateName(run.state))
                    .Bind(5, run.trigger_name)
                    .Bind(6, run.started_on_ms)
                    .Bind(7, run.last_modified_on_ms)
                    .Bind(8, static_cast<int64_t>(getpid()))
                    .Run());
  }
  int64_t sequence = sqlite3_last_insert_rowid(db_.get());
  LAKEBOX_TRY(txn.Commit());
  return sequence;
}

Status RunStore::UpdateRunLocked(const JobRun& run) {
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementLease update,
      db_.Prepare("UPDATE runs SET state = ?2, last_modified_on_ms = ?3, completed_on_ms = ?4, execution_time_s = ?5, "
                  "error_message = ?6, objects_in = ?7, bytes_in = ?8, records_in = ?9, records_out = ?10, "
                  "objects_out = ?11, bytes_out = ?12, tables_written = ?13 WHERE id = ?1"));
  LAKEBOX_TRY(update->Bind(1, run.id)
                  .Bind(2, JobRunStateName(run.state))
                  .Bind(3, run.last_modified_on_ms)
                  .Bind(4, run.completed_on_ms)
                  .Bind(5, run.execution_time_s)
                  .Bind(6, run.error_message)
                  .Bind(7, run.objects_in)
                  .Bind(8, run.bytes_in)
                  .Bind(9, run.records_in)
                  .Bind(10, run.records_out)
                  .Bind(11, run.objects_out)
                  .Bind(12, run.bytes_out)
                  .Bind(13, nlohmann::json(run.tables_written).dump())
                  .Run());
  if (update->Changes() != 1) return std::unexpected(Error::Internal(fmt::format("etl.db: run {} is missing", run.id)));
  return Ok();
}

Status RunStore::UpdateRun(const JobRun& run) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(UpdateRunLocked(run));
  return txn.Commit();
}

Result<std::vector<StoredRun>> RunStore::QueryRuns(std::string_view where, std::string_view job_name,
                                                   size_t limit) const {
  // ?1 is the job name (when `where` uses it), ?2 the limit (-1: none, as SQLite reads it).
  std::string sql = fmt::format("SELECT {} FROM runs WHERE {} ORDER BY sequence DESC LIMIT ?2", kRunColumns, where);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query, db_.Prepare(sql));
  query->Bind(1, job_name).Bind(2, limit > 0 ? static_cast<int64_t>(limit) : int64_t{-1});
  std::vector<StoredRun> runs;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    LAKEBOX_ASSIGN_OR_RETURN(StoredRun run, ReadRun(*query));
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<StoredRun> RunStore::GetRun(std::string_view job_name, std::string_view run_id) const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementLease query,
      db_.Prepare(fmt::format("SELECT {} FROM runs WHERE job_name = ?1 AND id = ?2", kRunColumns)));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, job_name).Bind(2, run_id).Step());
  if (!found)
    return std::unexpected(Error::EntityNotFound(fmt::format("Job run {} of job {} not found", run_id, job_name)));
  return ReadRun(*query);
}

Result<std::vector<JobRun>> RunStore::Runs(std::string_view job_name, size_t max_results) const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<StoredRun> stored, QueryRuns("job_name = ?1", job_name, max_results));
  std::vector<JobRun> runs;
  runs.reserve(stored.size());
  for (StoredRun& run : stored) runs.push_back(std::move(run.run));
  return runs;
}

Result<std::vector<StoredRun>> RunStore::UnfinishedRuns(std::string_view job_name) const {
  std::lock_guard lock(mu_);
  return QueryRuns("(?1 = '' OR job_name = ?1) AND state IN ('STARTING', 'RUNNING', 'STOPPING')", job_name, 0);
}

Status RunStore::Bookmark(std::string_view job_name, BookmarkSet* bookmark) const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare("SELECT object_key, size FROM bookmarks WHERE job_name = ?1"));
  query->Bind(1, job_name);
  bookmark->clear();
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    bookmark->insert(BookmarkToken(query->ColumnText(0), static_cast<uint64_t>(query->ColumnInt(1))));
  }
  return Ok();
}

Result<int64_t> RunStore::RowIdBase(std::string_view job_name) const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare("SELECT COALESCE(MAX(row_id_end), 0) FROM runs WHERE job_name = ?1"));
  LAKEBOX_TRY(query->Bind(1, job_name).Step());
  return query->ColumnInt(0);
}

Status RunStore::ResetBookmark(std::string_view job_name) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove, db_.Prepare("DELETE FROM bookmarks WHERE job_name = ?1"));
  LAKEBOX_TRY(remove->Bind(1, job_name).Run());
  return txn.Commit();
}

Status RunStore::RecordCommit(const JobRun& run, int64_t row_id_end, std::string_view staging_dir,
                              const std::vector<StagedFile>& files, const std::vector<BookmarkEntry>& bookmark) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(UpdateRunLocked(run));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease update, db_.Prepare("UPDATE runs SET row_id_end = ?2 WHERE id = ?1"));
    LAKEBOX_TRY(update->Bind(1, run.id).Bind(2, row_id_end).Run());
  }
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert,
                             db_.Prepare("INSERT INTO commits (run_id, job_name, staging_dir) VALUES (?1, ?2, ?3)"));
    LAKEBOX_TRY(insert->Bind(1, run.id).Bind(2, run.job_name).Bind(3, staging_dir).Run());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease insert,
        db_.Prepare("INSERT INTO commit_files (run_id, position, staged, final_path) VALUES (?1, ?2, ?3, ?4)"));
    LAKEBOX_TRY(insert->Bind(1, run.id)
                    .Bind(2, static_cast<int64_t>(i))
                    .Bind(3, files[i].staged)
                    .Bind(4, files[i].final_path)
                    .Run());
  }
  for (const BookmarkEntry& entry : bookmark) {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease insert,
        db_.Prepare("INSERT OR REPLACE INTO bookmarks (job_name, object_key, size, run_id) VALUES (?1, ?2, ?3, ?4)"));
    LAKEBOX_TRY(insert->Bind(1, run.job_name)
                    .Bind(2, entry.key)
                    .Bind(3, static_cast<int64_t>(entry.size))
                    .Bind(4, run.id)
                    .Run());
  }
  return txn.Commit();
}

Status RunStore::FinishCommit(const JobRun& run) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(UpdateRunLocked(run));
  for (std::string_view sql : {"DELETE FROM commit_files WHERE run_id = ?1", "DELETE FROM commits WHERE run_id = ?1"}) {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove, db_.Prepare(sql));
    LAKEBOX_TRY(remove->Bind(1, run.id).Run());
  }
  return txn.Commit();
}

Result<std::vector<PendingCommit>> RunStore::PendingCommits(std::string_view job_name) const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  std::vector<PendingCommit> commits;
  {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease query,
        db_.Prepare(job_name.empty() ? "SELECT run_id, job_name, staging_dir FROM commits ORDER BY run_id"
                                     : "SELECT run_id, job_name, staging_dir FROM commits WHERE job_name = ?1 "
                                       "ORDER BY run_id"));
    if (!job_name.empty()) query->Bind(1, job_name);
    while (true) {
      LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
      if (!row) break;
      commits.push_back({std::string(query->ColumnText(0)), std::string(query->ColumnText(1)),
                         std::string(query->ColumnText(2)), {}});
    }
  }
  for (PendingCommit& commit : commits) {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease query,
        db_.Prepare("SELECT staged, final_path FROM commit_files WHERE run_id = ?1 ORDER BY position"));
    query->Bind(1, commit.run_id);
    while (true) {
      LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
      if (!row) break;
      commit.files.push_back({std::string(query->ColumnText(0)), std::string(query->ColumnText(1))});
    }
  }
  return commits;
}

}  // namespace lakebox::etl
