#include "cli/athena_client.h"

#include <thread>
#include <utility>

#include <fmt/format.h>

#include "cli/glue_client.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kAthenaTargetPrefix = "AmazonAthena.";
// GetQueryResults' largest page (AWS-REFERENCE.md 5.4).
constexpr int kResultPageSize = 1000;

bool IsFinal(std::string_view state) { return state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED"; }

const json& Member(const json& object, std::string_view name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::vector<QueryCell> RowCells(const json& row) {
  std::vector<QueryCell> cells;
  const json& data = Member(row, "Data");
  if (!data.is_array()) return cells;
  for (const json& datum : data) {
    auto value = datum.is_object() ? datum.find("VarCharValue") : datum.end();
    if (datum.is_object() && value != datum.end() && value->is_string()) {
      cells.emplace_back(value->get<std::string>());
    } else {
      cells.emplace_back(std::nullopt);
    }
  }
  return cells;
}

}  // namespace

Result<AthenaClient> AthenaClient::Create(std::string_view endpoint) {
  producer::ClientOptions options;
  options.endpoint = std::string(endpoint);
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient client, producer::FirehoseClient::Create(options));
  return AthenaClient(std::move(client));
}

Result<json> AthenaClient::Call(std::string_view operation, const json& request) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string body,
                           client_.CallTarget(fmt::format("{}{}", kAthenaTargetPrefix, operation), request.dump()));
  auto response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    return std::unexpected(Error::Serialization(
        fmt::format("the answer to {} is not a JSON object: {}", operation, body.substr(0, 200))));
  }
  return response;
}

Result<std::string> AthenaClient::Start(std::string_view sql, std::string_view database) {
  json request = {{"QueryString", sql}, {"WorkGroup", "primary"}};
  if (!database.empty()) request["QueryExecutionContext"] = {{"Database", database}};
  LAKEBOX_ASSIGN_OR_RETURN(json response, Call("StartQueryExecution", request));
  std::string id = StringMember(response, "QueryExecutionId");
  if (id.empty()) {
    return std::unexpected(Error::Serialization(
        fmt::format("StartQueryExecution answered without a QueryExecutionId: {}", response.dump())));
  }
  return id;
}

Result<QueryExecution> AthenaClient::Wait(const std::string& id, std::chrono::milliseconds interval,
                                          const std::function<void(const QueryExecution&)>& progress) {
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(json response, Call("GetQueryExecution", {{"QueryExecutionId", id}}));
    QueryExecution execution = ParseQueryExecution(Member(response, "QueryExecution"));
    if (execution.id.empty()) execution.id = id;
    if (IsFinal(execution.state)) return execution;
    if (progress) progress(execution);
    std::this_thread::sleep_for(interval);
  }
}

Result<QueryResults> AthenaClient::Results(const QueryExecution& execution) {
  QueryResults results;
  json request = {{"QueryExecutionId", execution.id}, {"MaxResults", kResultPageSize}};
  bool first_page = true;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(json page, Call("GetQueryResults", request));
    const json& result_set = Member(page, "ResultSet");
    if (first_page) {
      const json& info = Member(Member(result_set, "ResultSetMetadata"), "ColumnInfo");
      if (info.is_array()) {
        for (const json& column : info) {
          std::string name = StringMember(column, "Label");
          if (name.empty()) name = StringMember(column, "Name");
          results.columns.push_back({std::move(name), StringMember(column, "Type")});
        }
      }
    }
    const json& rows = Member(result_set, "Rows");
    if (rows.is_array()) {
      bool skip_header = first_page && execution.statement_type == "DML";
      for (const json& row : rows) {
        if (skip_header) {
          skip_header = false;
          continue;
        }
        results.rows.push_back(RowCells(row));
      }
    }
    first_page = false;
    std::string token = StringMember(page, "NextToken");
    if (token.empty()) return results;
    request["NextToken"] = token;
  }
}

QueryExecution ParseQueryExecution(const json& query_execution) {
  QueryExecution execution;
  execution.id = StringMember(query_execution, "QueryExecutionId");
  execution.statement_type = StringMember(query_execution, "StatementType");
  const json& status = Member(query_execution, "Status");
  execution.state = StringMember(status, "State");
  execution.reason = StringMember(status, "StateChangeReason");
  if (execution.reason.empty()) {
    execution.reason = StringMember(Member(status, "AthenaError"), "ErrorMessage");
  }
  execution.output_location = StringMember(Member(query_execution, "ResultConfiguration"), "OutputLocation");
  const json& statistics = Member(query_execution, "Statistics");
  execution.data_scanned_bytes = IntegerMember(statistics, "DataScannedInBytes");
  execution.engine_millis = IntegerMember(statistics, "EngineExecutionTimeInMillis");
  execution.total_millis = IntegerMember(statistics, "TotalExecutionTimeInMillis");
  execution.peak_memory_bytes = IntegerMember(statistics, "LakeboxPeakMemoryInBytes");
  return execution;
}

bool IsNumericType(std::string_view type) {
  for (std::string_view numeric : {"tinyint", "smallint", "integer", "int", "bigint", "real", "float", "double",
                                   "decimal"}) {
    if (type == numeric || (type.starts_with(numeric) && type.size() > numeric.size() &&
                            type[numeric.size()] == '(')) {
      return true;
    }
  }
  return false;
}

}  // namespace lakebox::cli
