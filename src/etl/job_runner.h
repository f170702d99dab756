// One job run from start to end (private to etl/; JobService owns the runs). The steps, as
// job_service.h describes them:
//  1. listing: the source table from the catalog, its objects (every catalog partition's files,
//     or the table location's when it is unpartitioned; query::ListFiles, so '_' and '.' names
//     are skipped), less the job's bookmark (RunStore: the (key, size) pairs of earlier
//     SUCCEEDED runs; all objects when bookmarks are off). Nothing new: SUCCEEDED, zero counts.
//  2. reading, in batches of whole objects of about RunEnvironment::batch_bytes stored bytes (so
//     memory stays bounded whatever the run's size): the objects become a DuckDB temp table with
//     the catalog's column types (query::ScanSelect; partition values as columns), seen through
//     the view lakebox_source with a BIGINT row id: RunStore::RowIdBase (above every row id of the
//     job's committed runs) + the row's position in the run. Ids are unique across the job's runs
//     (runs of a job never overlap), so child tables of different runs never share join keys, and
//     they stay small (relationalize.h multiplies them by 2^20 for arrays inside arrays).
//  3. writing: each table of PlanTables (relationalize.h) is COPYed into the run's staging folder
//     (commit.h) as Parquet or JSON with the job's compression. Partitioned Parquet uses
//     DuckDB's PARTITION_BY in row-range chunks sized to target_file_size_bytes (DuckDB 1.4
//     cannot rotate files of a partitioned COPY); partitioned JSON (which DuckDB cannot
//     partition) writes one COPY per partition value. NULL and '' partition values are written
//     as Hive's __HIVE_DEFAULT_PARTITION__; other values are percent-encoded as DuckDB does
//     (letters, digits and -._~ kept). Files are named part-<run id>-<batch>-<chunk>-<n>.<ext>.
//  4. committing: staged files fsynced, then RunStore::RecordCommit (the commit point), the files
//     renamed into place (MoveIntoPlace), RunStore::FinishCommit (SUCCEEDED), staging deleted.
// The cancel flag is checked before every DuckDB statement and the connection can be interrupted
// (RunControl); a run cancelled before its commit point ends STOPPED, one that fails FAILED, both
// with their staging deleted. After the commit point a run always completes (or is rolled forward
// by RollForward when moving its files failed).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/error.h"
#include "etl/job.h"
#include "etl/run_store.h"
#include "query/duckdb/duckdb.h"
#include "storage/object_store.h"

namespace lakebox::etl {

struct RunEnvironment {
  std::filesystem::path data_dir;  // absolute; the lake is <data_dir>/s3
  catalog::Catalog* catalog = nullptr;
  storage::ObjectStore* store = nullptr;
  RunStore* runs = nullptr;
  query::duckdb::Database* duckdb = nullptr;
  int64_t batch_bytes = 256ll << 20;  // stored source bytes read into DuckDB at once
  // Tests: called at "listed", "staged" and "committed" (see JobServiceOptions::test_hook).
  std::function<Status(std::string_view point)> test_hook;
};

struct RunControl {
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const JobProgress&)> progress;  // may be empty
  // Called with the run's DuckDB connection once it is open, and with nullptr before it closes,
  // so another thread can Interrupt() it in between. May be empty.
  std::function<void(query::duckdb::Connection*)> attach_connection;
  // Why a cancelled run stopped ("stopped by request").
  std::function<std::string()> stop_reason;
};

// Runs `run` (already recorded with AddRun as RUNNING) to its end, records its final state and
// returns it.
JobRun ExecuteRun(const JobDefinition& job, JobRun run, const RunEnvironment& env, const RunControl& control);

// Completes a commit that was cut short: moves its remaining files, records the run SUCCEEDED and
// deletes its staging folder. Errors: Io (the commit stays pending), etl.db errors.
Status RollForward(const PendingCommit& commit, const RunEnvironment& env);

// Records a run that a crash (or a dead process) left unfinished as FAILED and deletes its
// staging folder in `bucket` ("" = leave staging to the caller).
Status MarkInterrupted(JobRun run, std::string_view bucket, const RunEnvironment& env);

// The log line of a finished run, e.g. "job vehicles_to_stage run jr_3f…: 40 objects (151.9 MB)
// in, 2990221 records in, 2990221 out, 14 objects (49.2 MB) written to 2 tables, 27.31 s".
std::string RunSummary(const JobRun& run);

// The bucket of "s3://bucket/prefix/", "" if `target` is not of that form.
std::string TargetBucket(std::string_view target);

}  // namespace lakebox::etl
