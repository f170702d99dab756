// Running one SQL statement on a running `lakebox serve` through its Athena API, and printing a
// result set as CSV or JSON lines: what `lakebox query` and the `lakebox sql` shell share.
//
// RunStatement is StartQueryExecution, GetQueryExecution every 50 ms until the state is final
// (StopQueryExecution once `interrupted` turns true, so Ctrl-C cancels on the server), then every
// page of GetQueryResults when the query SUCCEEDED.
//
// Thread safety: the functions are as thread-safe as the AthenaClient they are given (not).
#pragma once

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include "cli/athena_client.h"
#include "common/error.h"

namespace lakebox::cli {

struct RunOptions {
  // Catalog database for unqualified names (QueryExecutionContext.Database); none when empty.
  std::string database;
  // Polled while the query runs: when it becomes true, StopQueryExecution is sent (once) and the
  // query's final state (CANCELLED, normally) is still awaited. Null: never interrupted.
  const std::atomic<bool>* interrupted = nullptr;
  // Draw "RUNNING 1.2 s" on a stderr status line (erased afterwards) for queries running longer
  // than 300 ms. Only sensible when stderr is a terminal.
  bool show_status = false;
};

struct StatementRun {
  QueryExecution execution;  // final: SUCCEEDED, FAILED or CANCELLED
  QueryResults results;      // filled when SUCCEEDED
  bool stop_requested = false;
  std::chrono::milliseconds client_elapsed{0};  // from Start to the final state, as seen here
};

// Runs `sql` as described above. A FAILED or CANCELLED query is a StatementRun, not an error.
// Errors: the server's refusal at Start (InvalidRequest with DuckDB's message for a syntax error),
// transport errors (Io when the server cannot be reached) as AthenaClient documents.
Result<StatementRun> RunStatement(AthenaClient& client, std::string_view sql, const RunOptions& options);

// "12 rows, 41.3 kB scanned, 70.5 MB peak memory, 35 ms": rows returned, DataScannedInBytes,
// LakeboxPeakMemoryInBytes (left out when the server gives none), TotalExecutionTimeInMillis (the
// client's elapsed time when the server gave none).
std::string RunSummary(const StatementRun& run);

// A cell as one line of text: NULL spelled out, line breaks and tabs as \n, \t, \r.
std::string TableCell(const QueryCell& cell);

// The rows under their column names, aligned (numbers to the right), one line per row.
std::string RenderTable(const QueryResults& results);

// RFC 4180 CSV: a header line, then one line per row; quoted only when needed; NULL is an empty
// field, the empty string "".
void PrintCsv(const QueryResults& results, std::ostream& out);

// One JSON object per row, keys in column order; numbers and booleans typed by the column, NULL
// as null, everything else (structs and arrays in Athena's text rendering) as strings.
void PrintJsonLines(const QueryResults& results, std::ostream& out);

}  // namespace lakebox::cli
