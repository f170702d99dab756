// The Athena client of `lakebox query`: runs one SQL statement on a running `lakebox serve`
// through its Athena API (AWS-REFERENCE.md 5.2-5.4) as any AWS client would: StartQueryExecution,
// GetQueryExecution until the state is final, then every page of GetQueryResults.
//
// Thread safety: an AthenaClient is not thread-safe (one connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "producer/firehose_client.h"

namespace lakebox::cli {

// A query's outcome as GetQueryExecution reports it.
struct QueryExecution {
  std::string id;
  std::string state;           // SUCCEEDED, FAILED or CANCELLED once final
  std::string reason;          // Status.StateChangeReason
  std::string statement_type;  // DML, DDL or UTILITY
  std::string output_location;
  std::optional<int64_t> data_scanned_bytes;
  std::optional<int64_t> engine_millis;
  std::optional<int64_t> total_millis;
  std::optional<int64_t> peak_memory_bytes;  // Statistics.LakeboxPeakMemoryInBytes (lakebox's own)
};

// A result set: the columns (ColumnInfo) and the data rows, header row removed. A cell is
// nullopt for SQL NULL (Athena's empty Datum).
struct QueryColumn {
  std::string name;
  std::string type;  // Trino type name: varchar, bigint, double, row, ...
};
using QueryCell = std::optional<std::string>;
struct QueryResults {
  std::vector<QueryColumn> columns;
  std::vector<std::vector<QueryCell>> rows;
};

class AthenaClient {
 public:
  // `endpoint` is the server's base URL; it is not contacted yet. Errors: as
  // producer::FirehoseClient::Create.
  static Result<AthenaClient> Create(std::string_view endpoint);

  // AmazonAthena.<operation> with `request`; returns the response object. Errors: the server's
  // (InvalidRequestException with its Message, e.g. a syntax error at Start), transport errors
  // as producer::FirehoseClient documents, Serialization if the answer is not a JSON object.
  Result<nlohmann::json> Call(std::string_view operation, const nlohmann::json& request);

  // StartQueryExecution of `sql` in the `primary` workgroup, with `database` as the
  // QueryExecutionContext unless empty. Returns the QueryExecutionId.
  Result<std::string> Start(std::string_view sql, std::string_view database);

  // GetQueryExecution every `interval` until the query is SUCCEEDED, FAILED or CANCELLED;
  // `progress` (if set) is called after each non-final answer. A FAILED query is a QueryExecution,
  // not an error.
  Result<QueryExecution> Wait(const std::string& id, std::chrono::milliseconds interval,
                              const std::function<void(const QueryExecution&)>& progress = {});

  // Every page of GetQueryResults. The first row of a DML result is the header row: it is dropped.
  Result<QueryResults> Results(const QueryExecution& execution);

 private:
  explicit AthenaClient(producer::FirehoseClient client) : client_(std::move(client)) {}

  producer::FirehoseClient client_;
};

// The GetQueryExecution answer's QueryExecution member, read into a QueryExecution.
QueryExecution ParseQueryExecution(const nlohmann::json& query_execution);

// Whether a Trino type name is numeric (right-aligned, unquoted in JSON output).
bool IsNumericType(std::string_view type);

}  // namespace lakebox::cli
