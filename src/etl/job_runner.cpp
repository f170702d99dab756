#include "etl/job_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/time.h"
#include "etl/commit.h"
#include "etl/relationalize.h"
#include "query/table_scan.h"

namespace lakebox::etl {
namespace {

namespace fs = std::filesystem;
using query::duckdb::QuoteIdentifier;
using query::duckdb::QuoteLiteral;

constexpr std::string_view kSourceRelation = "lakebox_source";
constexpr std::string_view kBatchTable = "lakebox_batch";
constexpr std::string_view kRowIdColumn = "lakebox_row_id";
// The row position column of the batch table when the source has a column named rowid, which
// hides DuckDB's rowid pseudo-column.
constexpr std::string_view kPositionColumn = "lakebox_position";
constexpr std::string_view kHiveNull = "__HIVE_DEFAULT_PARTITION__";
// Rows of a chunk of a partitioned Parquet write, at least (tiny target sizes would otherwise
// give one row group per file).
constexpr int64_t kMinChunkRows = 10'000;

std::string Megabytes(int64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

// A partition value as DuckDB names its folder: RFC 3986 unreserved characters kept, every other
// byte %XX.
std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~';
    if (keep) out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The text a partition column's value gets in its folder name.
std::string PartitionText(std::string_view column) {
  return fmt::format("COALESCE(NULLIF(CAST({} AS VARCHAR), ''), {})", QuoteIdentifier(column), QuoteLiteral(kHiveNull));
}

// "s3://bucket/prefix/" -> "bucket/prefix" (relative to the lake root); nullopt if not of that form.
std::optional<std::string> LakeRelative(std::string_view location) {
  constexpr std::string_view kScheme = "s3://";
  if (!location.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = location.substr(kScheme.size());
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find("..") != std::string_view::npos) return std::nullopt;
  return std::string(rest);
}

struct SourceObject {
  std::string path;  // local file
  std::string key;   // s3://bucket/key
  uint64_t size = 0;
  size_t group = 0;  // index into SourceListing::key_columns
};

struct SourceListing {
  // Per catalog partition (one "" group for an unpartitioned table): its values as SQL select
  // items, ", CAST('2026' AS VARCHAR) AS "year", ...".
  std::vector<std::string> key_columns;
  std::vector<SourceObject> objects;
};

class Runner {
 public:
  Runner(const JobDefinition& job, JobRun& run, const RunEnvironment& env, const RunControl& control)
      : job_(job), run_(run), env_(env), control_(control), lake_root_(env.data_dir / "s3") {}

  // Ok when the run succeeded (its counts are in run_); otherwise why not.
  Status Execute();
  bool committed() const { return committed_; }
  bool cancelled() const { return control_.cancel != nullptr && control_.cancel->load(); }
  const std::string& staging_dir() const { return staging_dir_; }
  void DetachConnection() {
    if (connection_ && control_.attach_connection) control_.attach_connection(nullptr);
    connection_.reset();
  }

 private:
  Result<SourceListing> ListSource(const catalog::Table& table) const;
  Status CheckCancel() const;
  Status Hook(std::string_view point) const;
  void Report(std::string_view phase);
  Result<query::duckdb::Result> Query(const std::string& sql);

  // Loads the objects into the batch table; returns the row position bound (max position + 1).
  Result<int64_t> LoadBatch(const catalog::Table& table, const std::string& classification,
                            const SourceListing& listing, const std::vector<size_t>& objects);
  // (Re)defines the source view over the batch's rows with position in [from, to) (to < 0: all).
  Status DefineSource(int64_t base, int64_t from, int64_t to);
  Status WriteTable(size_t index, const PlannedTable& table, size_t batch, int64_t base, int64_t positions,
                    int64_t batch_stored_bytes, int64_t batch_rows);
  // COPY of `select` into `dir` with `options`; returns the rows written. A COPY that wrote no
  // rows leaves no files.
  Result<int64_t> Copy(const std::string& select, const fs::path& dir, const std::string& options);
  std::string FormatOptions(size_t batch, size_t chunk) const;
  Status Commit(const std::vector<PlannedTable>& plan, const std::vector<BookmarkEntry>& bookmark,
                int64_t row_id_end);

  const JobDefinition& job_;
  JobRun& run_;
  const RunEnvironment& env_;
  const RunControl& control_;
  const fs::path lake_root_;

  std::optional<query::duckdb::Connection> connection_;
  std::string staging_dir_;      // relative to the lake root; "" until created
  std::string position_column_;  // "rowid" or kPositionColumn
  JobProgress progress_;
  bool committed_ = false;
  // Partitioned Parquet output so far, to size the next chunk.
  int64_t root_rows_written_ = 0;
  int64_t root_bytes_written_ = 0;
};

Status Runner::CheckCancel() const {
  if (cancelled()) return std::unexpected(Error::Internal("cancelled"));
  return Ok();
}

Status Runner::Hook(std::string_view point) const {
  if (env_.test_hook) return env_.test_hook(point);
  return Ok();
}

void Runner::Report(std::string_view phase) {
  progress_.phase = std::string(phase);
  if (control_.progress) control_.progress(progress_);
}

Result<query::duckdb::Result> Runner::Query(const std::string& sql) {
  LAKEBOX_TRY(CheckCancel());
  return connection_->Query(sql);
}

Result<SourceListing> Runner::ListSource(const catalog::Table& table) const {
  SourceListing listing;
  std::string root = lake_root_.string() + "/";
  std::set<std::string> seen;
  auto add_files = [&](std::string_view location, size_t group) {
    for (query::ObjectFile& file : query::ListFiles(env_.data_dir, location)) {
      if (!file.path.starts_with(root) || !seen.insert(file.path).second) continue;
      std::string key = "s3://" + file.path.substr(root.size());
      listing.objects.push_back({std::move(file.path), std::move(key), file.size, group});
    }
  };
  if (table.partition_keys.empty()) {
    listing.key_columns.emplace_back();
    add_files(table.storage.location, 0);
    return listing;
  }
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::Partition> partitions,
                           env_.catalog->GetPartitions(table.database, table.name));
  for (const catalog::Partition& partition : partitions) {
    std::string keys;
    for (size_t i = 0; i < table.partition_keys.size(); ++i) {
      LAKEBOX_ASSIGN_OR_RETURN(std::string type, query::DuckTypeOfHive(table.partition_keys[i]));
      const std::string* value = i < partition.values.size() ? &partition.values[i] : nullptr;
      std::string literal = value != nullptr && *value != kHiveNull ? QuoteLiteral(*value) : "NULL";
      keys += fmt::format(", CAST({} AS {}) AS {}", literal, type, QuoteIdentifier(table.partition_keys[i].name));
    }
    listing.key_columns.push_back(std::move(keys));
    add_files(partition.storage.location, listing.key_columns.size() - 1);
  }
  return listing;
}

Result<int64_t> Runner::LoadBatch(const catalog::Table& table, const std::string& classification,
                                  const SourceListing& listing, const std::vector<size_t>& objects) {
  std::map<size_t, std::vector<query::ObjectFile>> by_group;
  for (size_t index : objects) {
    const SourceObject& object = listing.objects[index];
    by_group[object.group].push_back({object.path, object.size});
  }
  std::string select;
  for (const auto& [group, files] : by_group) {
    LAKEBOX_ASSIGN_OR_RETURN(std::string branch,
                             query::ScanSelect(table, classification, files, listing.key_columns[group]));
    if (!select.empty()) select += "\nUNION ALL\n";
    select += branch;
  }
  std::string position =
      position_column_ == "rowid" ? "" : fmt::format(", row_number() OVER () - 1 AS {}", kPositionColumn);
  std::string sql = position.empty()
                        ? fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}", kBatchTable, select)
                        : fmt::format("CREATE OR REPLACE TEMP TABLE {} AS SELECT *{} FROM ({})", kBatchTable, position,
                                      select);
  LAKEBOX_TRY(Query(sql));
  LAKEBOX_ASSIGN_OR_RETURN(auto counted, Query(fmt::format("SELECT count(*), COALESCE(max({}) + 1, 0) FROM {}",
                                                            position_column_, kBatchTable)));
  run_.records_in += counted.Int64(0, 0);
  return counted.Int64(1, 0);
}

Status Runner::DefineSource(int64_t base, int64_t from, int64_t to) {
  std::string position = position_column_ == "rowid" ? "rowid" : QuoteIdentifier(kPositionColumn);
  std::string columns = position_column_ == "rowid" ? "*" : fmt::format("* EXCLUDE ({})", position);
  std::string where = to < 0 ? "" : fmt::format(" WHERE {0} >= {1} AND {0} < {2}", position, from, to);
  LAKEBOX_TRY(Query(fmt::format("CREATE OR REPLACE TEMP VIEW {} AS SELECT {}, CAST({} + {} AS BIGINT) AS {} FROM {}{}",
                                kSourceRelation, columns, base, position, kRowIdColumn, kBatchTable, where)));
  return Ok();
}

std::string Runner::FormatOptions(size_t batch, size_t chunk) const {
  std::string codec = job_.compression == "none" ? (job_.format == "json" ? "none" : "uncompressed") : job_.compression;
  return fmt::format("FORMAT {}, COMPRESSION {}, FILENAME_PATTERN {}", job_.format, QuoteLiteral(codec),
                     QuoteLiteral(fmt::format("part-{}-{:05}-{:05}-{{i}}", run_.id, batch, chunk)));
}

Result<int64_t> Runner::Copy(const std::string& select, const fs::path& dir, const std::string& options) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec) return std::unexpected(Error::Io(fmt::format("creating {}: {}", dir.parent_path().string(), ec.message())));
  LAKEBOX_ASSIGN_OR_RETURN(auto result,
                           Query(fmt::format("COPY ({}) TO {} ({})", select, QuoteLiteral(dir.string()), options)));
  int64_t rows = result.Int64(0, 0);
  // DuckDB writes a file even for no rows.
  if (rows == 0) LAKEBOX_TRY(RemoveTree(dir));
  return rows;
}

Status Runner::WriteTable(size_t index, const PlannedTable& table, size_t batch, int64_t base, int64_t positions,
                          int64_t batch_stored_bytes, int64_t batch_rows) {
  fs::path table_dir = lake_root_ / staging_dir_ / std::to_string(index);
  std::string file_size = fmt::format(", FILE_SIZE_BYTES {}", std::max<int64_t>(job_.target_file_size_bytes, 1));
  int64_t rows = 0;
  if (table.partition_by.empty()) {
    LAKEBOX_ASSIGN_OR_RETURN(rows, Copy(table.select_sql, table_dir / fmt::format("{:05}", batch),
                                        FormatOptions(batch, 0) + file_size));
  } else if (job_.format == "parquet") {
    // One file per partition per COPY: split the batch into row ranges of about the target
    // size, estimated from the output so far, else from the input's stored size per row (gzip
    // JSON is about 3x its gzip Parquet; Parquet input about 1x, so a first chunk may overshoot).
    std::string replace;
    std::string keys;
    for (const std::string& column : table.partition_by) {
      replace += fmt::format("{}{} AS {}", replace.empty() ? "" : ", ", PartitionText(column), QuoteIdentifier(column));
      keys += fmt::format("{}{}", keys.empty() ? "" : ", ", QuoteIdentifier(column));
    }
    std::string select = fmt::format("SELECT * REPLACE ({}) FROM ({})", replace, table.select_sql);
    size_t chunk = 0;
    for (int64_t from = 0; from < positions; ++chunk) {
      int64_t bytes_per_row = root_rows_written_ > 0 ? root_bytes_written_ / root_rows_written_
                                                     : batch_stored_bytes / std::max<int64_t>(batch_rows, 1) / 2;
      int64_t chunk_rows = std::max(kMinChunkRows, job_.target_file_size_bytes / std::max<int64_t>(bytes_per_row, 1));
      LAKEBOX_TRY(DefineSource(base, from, from + chunk_rows));
      fs::path dir = table_dir / fmt::format("{:05}-{:05}", batch, chunk);
      std::string options = FormatOptions(batch, chunk) + fmt::format(", PARTITION_BY ({})", keys);
      LAKEBOX_ASSIGN_OR_RETURN(int64_t written, Copy(select, dir, options));
      LAKEBOX_ASSIGN_OR_RETURN(std::vector<TreeFile> files, FilesBelow(dir));
      for (const TreeFile& file : files) root_bytes_written_ += static_cast<int64_t>(file.size);
      root_rows_written_ += written;
      rows += written;
      from += chunk_rows;
    }
    LAKEBOX_TRY(DefineSource(base, 0, -1));
  } else {
    // DuckDB cannot partition JSON output: one COPY per partition value.
    std::string texts;
    std::string keys;
    for (const std::string& column : table.partition_by) {
      texts += fmt::format("{}{}", texts.empty() ? "" : ", ", PartitionText(column));
      keys += fmt::format("{}{}", keys.empty() ? "" : ", ", QuoteIdentifier(column));
    }
    LAKEBOX_ASSIGN_OR_RETURN(auto values,
                             Query(fmt::format("SELECT DISTINCT {} FROM ({}) ORDER BY ALL", texts, table.select_sql)));
    for (size_t row = 0; row < values.RowCount(); ++row) {
      std::string where;
      fs::path dir = table_dir / fmt::format("{:05}", batch);
      for (size_t i = 0; i < table.partition_by.size(); ++i) {
        std::string value = values.Text(i, row).value_or(std::string(kHiveNull));
        where += fmt::format("{}{} = {}", where.empty() ? "" : " AND ", PartitionText(table.partition_by[i]),
                             QuoteLiteral(value));
        dir /= table.partition_by[i] + "=" + EscapePartitionValue(value);
      }
      std::string select =
          fmt::format("SELECT * EXCLUDE ({}) FROM ({}) WHERE {}", keys, table.select_sql, where);
      LAKEBOX_ASSIGN_OR_RETURN(int64_t written, Copy(select, dir, FormatOptions(batch, 0) + file_size));
      rows += written;
    }
  }
  if (index == 0) run_.records_out += rows;
  return Ok();
}

Status Runner::Commit(const std::vector<PlannedTable>& plan, const std::vector<BookmarkEntry>& bookmark,
                      int64_t row_id_end) {
  // Staged "<staging>/<table>/<batch dir>/<rest>" goes to "<table target>/<rest>".
  std::vector<StagedFile> files;
  std::set<std::string> final_names;
  for (size_t index = 0; index < plan.size(); ++index) {
    auto target = LakeRelative(plan[index].target);
    if (!target)
      return std::unexpected(
          Error::InvalidArgument(fmt::format("table target {} is not s3://bucket/prefix/", plan[index].target)));
    std::string table_dir = fmt::format("{}/{}", staging_dir_, index);
    LAKEBOX_ASSIGN_OR_RETURN(std::vector<TreeFile> staged, FilesBelow(lake_root_ / table_dir));
    if (staged.empty()) continue;
    run_.tables_written.push_back(plan[index].target);
    for (TreeFile& file : staged) {
      size_t slash = file.relative_path.find('/');
      if (slash == std::string::npos) continue;  // not written by a COPY
      std::string final_path = *target + "/" + file.relative_path.substr(slash + 1);
      if (!final_names.insert(final_path).second)
        return std::unexpected(Error::Internal(fmt::format("two staged files map to {}", final_path)));
      run_.objects_out += 1;
      run_.bytes_out += static_cast<int64_t>(file.size);
      files.push_back({table_dir + "/" + file.relative_path, std::move(final_path)});
    }
  }
  LAKEBOX_TRY(SyncTree(lake_root_ / staging_dir_));
  LAKEBOX_TRY(Hook("staged"));
  LAKEBOX_TRY(CheckCancel());

  Report("committing");
  run_.last_modified_on_ms = NowMillis();
  LAKEBOX_TRY(env_.runs->RecordCommit(run_, row_id_end, staging_dir_, files, bookmark));
  committed_ = true;
  LAKEBOX_TRY(Hook("committed"));
  LAKEBOX_TRY(MoveIntoPlace(lake_root_, files));
  run_.state = JobRunState::kSucceeded;
  run_.completed_on_ms = run_.last_modified_on_ms = NowMillis();
  run_.execution_time_s = (run_.completed_on_ms - run_.started_on_ms + 500) / 1000;
  LAKEBOX_TRY(env_.runs->FinishCommit(run_));
  if (Status removed = RemoveTree(lake_root_ / staging_dir_); !removed)
    spdlog::warn("job {} run {}: {}", run_.job_name, run_.id, removed.error().ToString());
  return Ok();
}

Status Runner::Execute() {
  Report("listing");
  auto table = env_.catalog->GetTable(job_.source_database, job_.source_table);
  if (!table) {
    if (table.error().code() == Error::Code::kEntityNotFound)
      return std::unexpected(Error::EntityNotFound(fmt::format(
          "source table {}.{} does not exist in the catalog: run the crawler first", job_.source_database,
          job_.source_table)));
    return std::unexpected(table.error().WithContext(
        fmt::format("reading source table {}.{} from the catalog", job_.source_database, job_.source_table)));
  }
  std::string classification = query::Classification(*table);
  if (classification != "json" && classification != "parquet")
    return std::unexpected(Error::InvalidInput(fmt::format(
        "source table {}.{} has classification '{}': jobs read json and parquet tables", job_.source_database,
        job_.source_table, classification)));
  std::string bucket = TargetBucket(job_.target);
  if (bucket.empty())
    return std::unexpected(Error::InvalidArgument(fmt::format("target {} is not s3://bucket/prefix/", job_.target)));

  LAKEBOX_ASSIGN_OR_RETURN(SourceListing listing, ListSource(*table));
  BookmarkSet bookmark;
  if (job_.bookmarks) {
    LAKEBOX_TRY(env_.runs->Bookmark(job_.name, &bookmark));
  }
  std::vector<size_t> fresh;
  std::vector<BookmarkEntry> entries;
  for (size_t i = 0; i < listing.objects.size(); ++i) {
    const SourceObject& object = listing.objects[i];
    if (bookmark.contains(BookmarkToken(object.key, object.size))) continue;
    fresh.push_back(i);
    if (job_.bookmarks) entries.push_back({object.key, object.size});
    run_.objects_in += 1;
    run_.bytes_in += static_cast<int64_t>(object.size);
  }
  progress_.objects_total = run_.objects_in;
  Report("listing");
  LAKEBOX_TRY(Hook("listed"));
  LAKEBOX_TRY(CheckCancel());
  if (fresh.empty()) {
    // Nothing to write and nothing to add to the bookmark: no commit needed.
    run_.state = JobRunState::kSucceeded;
    run_.completed_on_ms = run_.last_modified_on_ms = NowMillis();
    run_.execution_time_s = (run_.completed_on_ms - run_.started_on_ms + 500) / 1000;
    return env_.runs->UpdateRun(run_);
  }

  std::vector<catalog::Column> columns = table->storage.columns;
  columns.insert(columns.end(), table->partition_keys.begin(), table->partition_keys.end());
  position_column_ = "rowid";
  for (const catalog::Column& column : columns) {
    if (AsciiLower(column.name) == "rowid") position_column_ = std::string(kPositionColumn);
  }
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<PlannedTable> plan,
                           PlanTables(job_, columns, QuoteIdentifier(kSourceRelation), kRowIdColumn));
  if (job_.format == "json" && job_.compression == "snappy")
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "job {}: compression snappy is not available for format json; use gzip, zstd or none", job_.name)));

  LAKEBOX_TRY(env_.store->EnsureBucket(bucket));
  staging_dir_ = StagingDir(bucket, run_.id);
  LAKEBOX_TRY(CreateDirs(lake_root_ / staging_dir_));
  LAKEBOX_ASSIGN_OR_RETURN(auto connection, query::duckdb::Connection::Open(*env_.duckdb));
  connection_.emplace(std::move(connection));
  if (control_.attach_connection) control_.attach_connection(&*connection_);

  // Batches of whole objects, in listing order (partition by partition).
  std::vector<std::vector<size_t>> batches;
  int64_t batch_bytes = 0;
  for (size_t index : fresh) {
    if (batches.empty() || (batch_bytes > 0 && batch_bytes + static_cast<int64_t>(listing.objects[index].size) >
                                                   env_.batch_bytes)) {
      batches.emplace_back();
      batch_bytes = 0;
    }
    batches.back().push_back(index);
    batch_bytes += static_cast<int64_t>(listing.objects[index].size);
  }

  LAKEBOX_ASSIGN_OR_RETURN(const int64_t row_id_base, env_.runs->RowIdBase(job_.name));
  int64_t positions_before = 0;
  for (size_t batch = 0; batch < batches.size(); ++batch) {
    Report("reading");
    int64_t records_before = run_.records_in;
    LAKEBOX_ASSIGN_OR_RETURN(int64_t positions, LoadBatch(*table, classification, listing, batches[batch]));
    int64_t base = row_id_base + positions_before;
    LAKEBOX_TRY(DefineSource(base, 0, -1));
    int64_t stored = 0;
    for (size_t index : batches[batch]) stored += static_cast<int64_t>(listing.objects[index].size);
    Report("writing");
    for (size_t index = 0; index < plan.size(); ++index)
      LAKEBOX_TRY(WriteTable(index, plan[index], batch, base, positions, stored, run_.records_in - records_before));
    LAKEBOX_TRY(Query(fmt::format("DROP VIEW {}; DROP TABLE {}", kSourceRelation, kBatchTable)));
    positions_before += positions;
    progress_.objects_done += static_cast<int64_t>(batches[batch].size());
    progress_.bytes_done += stored;
  }
  DetachConnection();
  return Commit(plan, entries, row_id_base + positions_before);
}

}  // namespace

std::string TargetBucket(std::string_view target) {
  auto relative = LakeRelative(target);
  if (!relative) return "";
  return relative->substr(0, relative->find('/'));
}

JobRun ExecuteRun(const JobDefinition& job, JobRun run, const RunEnvironment& env, const RunControl& control) {
  Runner runner(job, run, env, control);
  Status status = runner.Execute();
  runner.DetachConnection();
  if (status) return run;

  run.completed_on_ms = run.last_modified_on_ms = NowMillis();
  run.execution_time_s = (run.completed_on_ms - run.started_on_ms + 500) / 1000;
  if (runner.committed()) {
    // Past the commit point: the output is decided; what is left is moving files.
    run.state = JobRunState::kFailed;
    run.error_message = fmt::format(
        "the run committed its output but could not move it into place ({}); lakebox completes the move at the "
        "job's next run or its next start",
        status.error().message());
  } else {
    if (runner.cancelled()) {
      run.state = JobRunState::kStopped;
      run.error_message = control.stop_reason ? control.stop_reason() : "stopped by request";
    } else {
      run.state = JobRunState::kFailed;
      run.error_message = status.error().message();
    }
    // Nothing of it may become visible; its counts describe nothing written.
    run.records_out = run.objects_out = run.bytes_out = 0;
    run.tables_written.clear();
    if (!runner.staging_dir().empty()) {
      if (Status removed = RemoveTree(env.data_dir / "s3" / runner.staging_dir()); !removed)
        spdlog::warn("job {} run {}: {}", run.job_name, run.id, removed.error().ToString());
    }
  }
  if (Status recorded = env.runs->UpdateRun(run); !recorded)
    spdlog::error("job {} run {}: cannot record its end: {}", run.job_name, run.id, recorded.error().ToString());
  return run;
}

Status RollForward(const PendingCommit& commit, const RunEnvironment& env) {
  fs::path lake_root = env.data_dir / "s3";
  if (Status moved = MoveIntoPlace(lake_root, commit.files); !moved) {
    if (moved.error().code() != Error::Code::kNotFound) return moved;
    // Lost files cannot come back; finishing the commit keeps it from failing forever.
    spdlog::error("job {} run {}: rolling its commit forward: {}", commit.job_name, commit.run_id,
                  moved.error().message());
  }
  LAKEBOX_ASSIGN_OR_RETURN(StoredRun stored, env.runs->GetRun(commit.job_name, commit.run_id));
  JobRun& run = stored.run;
  run.state = JobRunState::kSucceeded;
  run.error_message.clear();
  run.last_modified_on_ms = NowMillis();
  if (run.completed_on_ms == 0) {
    run.completed_on_ms = run.last_modified_on_ms;
    run.execution_time_s = (run.completed_on_ms - run.started_on_ms + 500) / 1000;
  }
  LAKEBOX_TRY(env.runs->FinishCommit(run));
  if (Status removed = RemoveTree(lake_root / commit.staging_dir); !removed)
    spdlog::warn("job {} run {}: {}", commit.job_name, commit.run_id, removed.error().ToString());
  spdlog::info("job {} run {}: its commit was rolled forward ({} files moved into place)", commit.job_name,
               commit.run_id, commit.files.size());
  return Ok();
}

Status MarkInterrupted(JobRun run, std::string_view bucket, const RunEnvironment& env) {
  run.state = JobRunState::kFailed;
  run.error_message =
      "interrupted by a restart of lakebox: nothing of the run is visible, and the job's next run reads its objects";
  run.completed_on_ms = run.last_modified_on_ms = NowMillis();
  run.execution_time_s = (run.completed_on_ms - run.started_on_ms + 500) / 1000;
  run.records_out = run.objects_out = run.bytes_out = 0;
  run.tables_written.clear();
  LAKEBOX_TRY(env.runs->UpdateRun(run));
  if (!bucket.empty()) LAKEBOX_TRY(RemoveTree(env.data_dir / "s3" / StagingDir(bucket, run.id)));
  spdlog::warn("job {} run {}: marked FAILED, interrupted by a restart", run.job_name, run.id);
  return Ok();
}

std::string RunSummary(const JobRun& run) {
  std::string outcome = run.state == JobRunState::kSucceeded ? "" : fmt::format(" {}", JobRunStateName(run.state));
  if (!run.error_message.empty()) outcome += fmt::format(" ({})", run.error_message);
  int64_t elapsed_ms = (run.completed_on_ms > 0 ? run.completed_on_ms : NowMillis()) - run.started_on_ms;
  return fmt::format("job {} run {}{}: {} object{} ({}) in, {} records in, {} out, {} object{} ({}) written to {} "
                     "table{}, {:.2f} s",
                     run.job_name, run.id, outcome, run.objects_in, run.objects_in == 1 ? "" : "s",
                     Megabytes(run.bytes_in), run.records_in, run.records_out, run.objects_out,
                     run.objects_out == 1 ? "" : "s", Megabytes(run.bytes_out), run.tables_written.size(),
                     run.tables_written.size() == 1 ? "" : "s", static_cast<double>(elapsed_ms) / 1000.0);
}

}  // namespace lakebox::etl
