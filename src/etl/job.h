// ETL jobs (the Glue Job of the seed): a job reads a catalog table, optionally relationalizes it
// (structs flattened into columns, arrays pivoted into child tables), and writes Parquet or JSON
// objects under an s3:// target, partitioned by columns, with bookmarks so each run processes
// only the source objects no earlier successful run processed.
//
// Declared in lakebox.toml:
//   [[job]]
//   name = "vehicles_to_stage"            # required; 1-255 chars
//   source = "vehicles.vehicles_raw"      # required; "<database>.<table>" of the catalog (lower-cased)
//   transform = "relationalize"           # relationalize | none (default relationalize)
//   target = "s3://lake/stage/"           # required; s3://bucket/prefix/ (a folder, not the bucket:
//                                         #   child tables go next to it, s3://lake/stage_alerts/)
//   format = "parquet"                    # parquet | json (default parquet)
//   compression = "gzip"                  # gzip | snappy | zstd | none (default gzip); json: no snappy
//   partition_by = ["vendor"]             # output columns (after flattening/mappings)
//   bookmarks = true                      # default true
//   separator = "_"                       # flattened-name separator (1-8 of _ . -); "." for Glue parity
//   filter = "speed_kmh > 0"              # optional SQL predicate on the root's output columns
//                                         #   (after mappings); child tables follow their parents
//   target_file_size_mb = 128             # optional, 1..10240; rough upper bound per output file
//   schedule = "rate(5 minutes)"          # optional; see schedule/schedule_expression.h
//   description = "..."
//   [[job.mappings]]                      # optional: Glue's ApplyMapping, on the root table
//   source = "vehicle_status_speed_kmh"   # an output column (after flattening); each at most once
//   target = "speed_kmh"                  # new name; omitted = keep
//   type = "double"                       # Hive type to cast to (TRY_CAST); omitted = keep
//   drop = true                           # drop the column (then no target/type; dropping an
//                                         #   array's key drops its child tables)
// Columns no mapping names are kept as they are. docs/etl.md documents every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"

namespace lakebox::etl {

struct ColumnMapping {
  std::string source;
  std::optional<std::string> target;
  std::optional<std::string> type;  // Hive type string
  bool drop = false;
};

struct JobDefinition {
  std::string name;
  std::string description;
  std::string source_database;
  std::string source_table;
  std::string transform = "relationalize";  // relationalize | none
  std::string target;                       // s3://bucket/prefix/ (always ends in '/')
  std::string format = "parquet";           // parquet | json
  std::string compression = "gzip";         // gzip | snappy | zstd | none
  std::vector<std::string> partition_by;
  bool bookmarks = true;
  std::string separator = "_";
  std::string filter;  // "" = none
  int64_t target_file_size_bytes = 128ll << 20;
  std::string schedule;  // "" = none; rate(...) or cron(...)
  std::vector<ColumnMapping> mappings;
};

// Reads every [[job]] table of `root`. InvalidArgument naming the source file, the job and the key,
// with the fix ("lakebox.toml: job \"x\": compression: \"lz4\" is not one of gzip, snappy, zstd,
// none"), for unknown
// keys, wrong types, unknown transform/format/compression, missing required keys (name, source,
// target), a source that is not "<database>.<table>", a target that is not s3://bucket/..., duplicate
// names and schedules that do not parse. A source table that does not exist is accepted here.
Result<std::vector<JobDefinition>> JobDefinitionsFromToml(const toml::table& root, std::string_view source);

// Glue's JobRunState names.
enum class JobRunState { kStarting, kRunning, kStopping, kStopped, kSucceeded, kFailed };
std::string_view JobRunStateName(JobRunState state);  // STARTING | RUNNING | ... | FAILED

struct JobRun {
  std::string id;  // "jr_" + 64 hex digits, as Glue's
  std::string job_name;
  int64_t attempt = 0;
  JobRunState state = JobRunState::kStarting;
  std::string trigger_name;  // "" when started by hand; the schedule or workflow otherwise
  int64_t started_on_ms = 0;
  int64_t last_modified_on_ms = 0;
  int64_t completed_on_ms = 0;     // 0 while running
  int64_t execution_time_s = 0;    // Glue's ExecutionTime (seconds)
  std::string error_message;       // FAILED/STOPPED: why
  int64_t objects_in = 0;          // source objects read
  int64_t bytes_in = 0;            // their stored (compressed) bytes
  int64_t records_in = 0;
  int64_t records_out = 0;         // rows written to the root table
  int64_t objects_out = 0;         // objects written (all tables)
  int64_t bytes_out = 0;
  std::vector<std::string> tables_written;  // s3:// prefixes: the target and each child table's
};

// Progress of a running job, for the CLI and the status page.
struct JobProgress {
  int64_t objects_total = 0;
  int64_t objects_done = 0;
  int64_t bytes_done = 0;
  std::string phase;  // "listing" | "reading" | "writing" | "committing"
};

}  // namespace lakebox::etl
