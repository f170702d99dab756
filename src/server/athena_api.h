// The Athena API (X-Amz-Target prefix `AmazonAthena`, AWS-REFERENCE.md §5): translates Athena's
// JSON into calls on query::QueryService and its executions back into Athena's shapes. No query
// logic lives here.
//
// Operations: StartQueryExecution, GetQueryExecution, GetQueryResults, ListQueryExecutions,
// BatchGetQueryExecution, StopQueryExecution.
//
// Requests: a body that is not a JSON object, or a member of the wrong type, is a
// SerializationException; modelled constraints (QueryString 1-262144 bytes, ClientRequestToken
// 32-128, MaxResults 1-1000 for results and 0-50 for listings, BatchGet's 1-50 ids) give a
// ValidationException; semantic refusals (unknown id, results before SUCCEEDED, an OutputLocation
// that is not s3://...) are the service's InvalidArgument errors. Unknown members are ignored.
// Errors are `Message`-keyed.
//
// Responses: GetQueryExecution's QueryExecution has QueryExecutionId, Query, StatementType (DML
// for SELECT, UTILITY for SHOW/DESCRIBE/EXPLAIN, DDL for the refused CREATE/DROP/ALTER) with its
// SubstatementType,
// ResultConfiguration.OutputLocation (the full .csv path), QueryExecutionContext, Status (State,
// StateChangeReason when FAILED or CANCELLED, SubmissionDateTime, CompletionDateTime as epoch
// seconds with a fraction, AthenaError{ErrorCategory 2, ErrorType 1100, Retryable false,
// ErrorMessage} when FAILED), Statistics (DataScannedInBytes, EngineExecutionTimeInMillis,
// TotalExecutionTimeInMillis, QueryQueueTimeInMillis, ServiceProcessingTimeInMillis 0,
// QueryPlanningTimeInMillis 0, and lakebox's LakeboxPeakMemoryInBytes, which SDKs ignore), WorkGroup and EngineVersion{AUTO, Athena engine version 3}.
// GetQueryResults: the header row first on the first page only, cells as VarCharValue, NULL as
// {}; ColumnInfo with Athena's type names (varchar, bigint, integer, smallint, tinyint, double,
// real, boolean, date, timestamp, decimal, varbinary, array, map, row; "varchar" for any other),
// CatalogName "hive", Nullable "UNKNOWN", CaseSensitive true for varchar only. NextToken is the
// base64 of the next row's offset; MaxResults defaults to 1000 and counts the header row.
// ListQueryExecutions: the work group's ids newest first (WorkGroup defaults to primary),
// MaxResults default 50, NextToken likewise an offset.
//
// Thread safety: Call may run on any number of threads at once.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/router.h"

namespace lakebox::query {
class QueryService;
}

namespace lakebox::server {

class AthenaApi final : public AwsJsonService {
 public:
  // `queries` must outlive this object.
  explicit AthenaApi(query::QueryService* queries) : queries_(queries) {}

  std::string_view TargetPrefix() const override { return "AmazonAthena"; }
  std::string_view Name() const override { return "Athena"; }
  std::string_view ErrorMessageKey() const override { return "Message"; }
  bool HasOperation(std::string_view operation) const override;
  Result<std::string> Call(std::string_view operation, std::string& body) override;

 private:
  using Handler = Result<std::string> (AthenaApi::*)(std::string_view body);
  static const std::map<std::string_view, Handler>& Handlers();

  Result<std::string> StartQueryExecution(std::string_view body);
  Result<std::string> GetQueryExecution(std::string_view body);
  Result<std::string> GetQueryResults(std::string_view body);
  Result<std::string> ListQueryExecutions(std::string_view body);
  Result<std::string> BatchGetQueryExecution(std::string_view body);
  Result<std::string> StopQueryExecution(std::string_view body);

  query::QueryService* queries_;
};

}  // namespace lakebox::server
