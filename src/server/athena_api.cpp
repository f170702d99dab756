#include "server/athena_api.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/base64.h"
#include "query/query_service.h"
#include "server/aws_json.h"

namespace lakebox::server {
namespace {

using nlohmann::json;

constexpr size_t kMaxQueryBytes = 262144;

// One request: the parsed body and its constraint violations.
class Request {
 public:
  Status Parse(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      body_ = json::object();
      return Ok();
    }
    body_ = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (body_.is_discarded() || !body_.is_object())
      return std::unexpected(Error::Serialization("The request body is not a JSON object"));
    return Ok();
  }

  // The string member `key` of `object` (JSON null = absent), with its length checked.
  Result<std::optional<std::string>> String(const json& object, std::string_view key, std::string_view path,
                                            bool required, size_t min_length, size_t max_length) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) errors_.NotNull(path);
      return std::nullopt;
    }
    if (!it->is_string())
      return std::unexpected(Error::Serialization(fmt::format("{} must be a string", key)));
    std::string value = it->get<std::string>();
    if (value.size() < min_length)
      errors_.Add(value, path, fmt::format("Member must have length greater than or equal to {}", min_length));
    if (value.size() > max_length)
      errors_.Add(value.substr(0, 256), path,
                  fmt::format("Member must have length less than or equal to {}", max_length));
    return value;
  }

  Result<std::optional<int64_t>> Int(std::string_view key, std::string_view path, int64_t min, int64_t max) {
    auto it = body_.find(key);
    if (it == body_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) return std::unexpected(Error::Serialization(fmt::format("{} must be an integer", key)));
    int64_t value = it->get<int64_t>();
    if (value < min)
      errors_.Add(std::to_string(value), path, fmt::format("Member must have value greater than or equal to {}", min));
    if (value > max)
      errors_.Add(std::to_string(value), path, fmt::format("Member must have value less than or equal to {}", max));
    return value;
  }

  // The object member `key` of the body; an empty object when absent.
  Result<json> Object(std::string_view key) {
    auto it = body_.find(key);
    if (it == body_.end() || it->is_null()) return json::object();
    if (!it->is_object()) return std::unexpected(Error::Serialization(fmt::format("{} must be an object", key)));
    return *it;
  }

  // A pagination token: the offset it encodes.
  Result<size_t> Offset(std::string_view path) {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, String(body_, "NextToken", path, false, 1, 1024));
    if (!token) return 0;
    auto decoded = Base64Decode(*token);
    size_t offset = 0;
    if (decoded) {
      auto [end, ec] = std::from_chars(decoded->data(), decoded->data() + decoded->size(), offset);
      if (ec == std::errc() && end == decoded->data() + decoded->size()) return offset;
    }
    return std::unexpected(Error::InvalidRequest("The NextToken is not one lakebox returned"));
  }

  const json& body() const { return body_; }
  Status Checked() const { return errors_.ToStatus(); }

 private:
  json body_;
  ValidationErrors errors_;
};

Result<std::string> IdOnlyRequest(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(auto id, request.String(request.body(), "QueryExecutionId", "queryExecutionId", true, 1, 128));
  LAKEBOX_TRY(request.Checked());
  return *std::move(id);
}

double EpochSeconds(query::QueryExecution::Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

json ExecutionJson(const query::QueryExecution& e) {
  json status = {{"State", query::QueryStateName(e.state)}, {"SubmissionDateTime", EpochSeconds(e.submitted)}};
  if (e.completed) status["CompletionDateTime"] = EpochSeconds(*e.completed);
  if (!e.reason.empty()) status["StateChangeReason"] = e.reason;
  if (e.state == query::QueryState::kFailed)
    status["AthenaError"] = {{"ErrorCategory", 2}, {"ErrorType", 1100}, {"Retryable", false}, {"ErrorMessage", e.reason}};
  json context = {{"Catalog", e.catalog}};
  if (e.database) context["Database"] = *e.database;
  return {{"QueryExecutionId", e.id},
          {"Query", e.query},
          {"StatementType", e.statement_type},
          {"SubstatementType", e.substatement_type},
          {"ResultConfiguration", {{"OutputLocation", e.ResultLocation()}}},
          {"QueryExecutionContext", std::move(context)},
          {"Status", std::move(status)},
          {"Statistics",
           {{"DataScannedInBytes", e.bytes_scanned},
            {"EngineExecutionTimeInMillis", e.engine_ms},
            {"TotalExecutionTimeInMillis", e.total_ms},
            {"QueryQueueTimeInMillis", e.queue_ms},
            {"QueryPlanningTimeInMillis", 0},
            {"ServiceProcessingTimeInMillis", 0},
            // lakebox's own: SDKs parse only the members of their model and skip this one.
            {"LakeboxPeakMemoryInBytes", e.peak_memory_bytes}}},
          {"WorkGroup", e.work_group},
          {"EngineVersion", {{"SelectedEngineVersion", "AUTO"}, {"EffectiveEngineVersion", "Athena engine version 3"}}}};
}

// Athena's (Trino's) name, precision and scale for a DuckDB type name.
struct AthenaType {
  std::string name;
  int64_t precision = 0;
  int64_t scale = 0;
};

AthenaType ToAthenaType(std::string_view duckdb) {
  if (duckdb.ends_with("[]") || duckdb.starts_with("LIST")) return {"array"};
  if (duckdb.starts_with("STRUCT")) return {"row"};
  if (duckdb.starts_with("MAP")) return {"map"};
  if (duckdb.starts_with("DECIMAL")) {
    AthenaType type{"decimal", 18, 3};
    int p = 0, s = 0;
    if (std::sscanf(std::string(duckdb).c_str(), "DECIMAL(%d,%d)", &p, &s) == 2) type = {"decimal", p, s};
    return type;
  }
  if (duckdb.starts_with("TIMESTAMP")) return {"timestamp", 3};
  static const std::map<std::string_view, AthenaType> kTypes = {
      {"BIGINT", {"bigint", 19}},     {"HUGEINT", {"decimal", 38}}, {"UBIGINT", {"decimal", 20}},
      {"INTEGER", {"integer", 10}},   {"UINTEGER", {"bigint", 19}}, {"SMALLINT", {"smallint", 5}},
      {"USMALLINT", {"integer", 10}}, {"TINYINT", {"tinyint", 3}},  {"UTINYINT", {"smallint", 5}},
      {"DOUBLE", {"double", 17}},     {"FLOAT", {"real", 17}},      {"BOOLEAN", {"boolean"}},
      {"DATE", {"date"}},             {"BLOB", {"varbinary", 2147483647}}};
  auto it = kTypes.find(duckdb);
  if (it != kTypes.end()) return it->second;
  return {"varchar", 2147483647};
}

json Datum(const std::optional<std::string>& cell) {
  if (!cell) return json::object();
  return {{"VarCharValue", *cell}};
}

}  // namespace

const std::map<std::string_view, AthenaApi::Handler>& AthenaApi::Handlers() {
  static const std::map<std::string_view, Handler> handlers = {
      {"StartQueryExecution", &AthenaApi::StartQueryExecution},
      {"GetQueryExecution", &AthenaApi::GetQueryExecution},
      {"GetQueryResults", &AthenaApi::GetQueryResults},
      {"ListQueryExecutions", &AthenaApi::ListQueryExecutions},
      {"BatchGetQueryExecution", &AthenaApi::BatchGetQueryExecution},
      {"StopQueryExecution", &AthenaApi::StopQueryExecution}};
  return handlers;
}

bool AthenaApi::HasOperation(std::string_view operation) const { return Handlers().contains(operation); }

Result<std::string> AthenaApi::Call(std::string_view operation, std::string& body) {
  auto it = Handlers().find(operation);
  if (it == Handlers().end()) {
    std::vector<std::string_view> names;
    for (const auto& [name, handler] : Handlers()) names.push_back(name);
    return std::unexpected(Error::UnknownOperation(fmt::format(
        "lakebox does not implement AmazonAthena.{}; supported: {}", operation, fmt::join(names, ", "))));
  }
  return (this->*(it->second))(body);
}

Result<std::string> AthenaApi::StartQueryExecution(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  const json& root = request.body();
  LAKEBOX_ASSIGN_OR_RETURN(auto query, request.String(root, "QueryString", "queryString", true, 1, kMaxQueryBytes));
  LAKEBOX_ASSIGN_OR_RETURN(auto token,
                           request.String(root, "ClientRequestToken", "clientRequestToken", false, 32, 128));
  LAKEBOX_ASSIGN_OR_RETURN(auto work_group, request.String(root, "WorkGroup", "workGroup", false, 1, 128));
  LAKEBOX_ASSIGN_OR_RETURN(json context, request.Object("QueryExecutionContext"));
  LAKEBOX_ASSIGN_OR_RETURN(auto database, request.String(context, "Database", "queryExecutionContext.database",
                                                         false, 1, 255));
  LAKEBOX_ASSIGN_OR_RETURN(auto catalog, request.String(context, "Catalog", "queryExecutionContext.catalog",
                                                        false, 1, 256));
  LAKEBOX_ASSIGN_OR_RETURN(json result_configuration, request.Object("ResultConfiguration"));
  LAKEBOX_ASSIGN_OR_RETURN(auto output, request.String(result_configuration, "OutputLocation",
                                                       "resultConfiguration.outputLocation", false, 0, 1024));
  LAKEBOX_TRY(request.Checked());

  query::StartQueryRequest start{.query = std::move(*query), .database = std::move(database)};
  if (catalog) start.catalog = std::move(*catalog);
  if (output) start.output_location = std::move(*output);
  if (work_group) start.work_group = std::move(*work_group);
  if (token) start.client_request_token = std::move(*token);
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, queries_->Start(std::move(start)));
  return json{{"QueryExecutionId", id}}.dump();
}

Result<std::string> AthenaApi::GetQueryExecution(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, IdOnlyRequest(body));
  LAKEBOX_ASSIGN_OR_RETURN(query::QueryExecution execution, queries_->Get(id));
  return json{{"QueryExecution", ExecutionJson(execution)}}.dump();
}

Result<std::string> AthenaApi::GetQueryResults(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(auto id, request.String(request.body(), "QueryExecutionId", "queryExecutionId", true, 1, 128));
  LAKEBOX_ASSIGN_OR_RETURN(auto max_results, request.Int("MaxResults", "maxResults", 1, 1000));
  LAKEBOX_ASSIGN_OR_RETURN(size_t offset, request.Offset("nextToken"));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(std::shared_ptr<const query::QueryResult> result, queries_->Results(*id));
  LAKEBOX_ASSIGN_OR_RETURN(query::QueryExecution execution, queries_->Get(*id));

  // Row i of the paged sequence: with a header (DML only, as Athena), 0 is the header and i > 0
  // is result row i - 1; without, row i is result row i.
  const size_t header = execution.statement_type == "DML" ? 1 : 0;
  const size_t total = result->rows.size() + header;
  const size_t limit = static_cast<size_t>(max_results.value_or(1000));
  json rows = json::array();
  size_t next = offset;
  for (; next < total && next - offset < limit; ++next) {
    json data = json::array();
    if (next < header) {
      for (const std::string& name : result->column_names) data.push_back({{"VarCharValue", name}});
    } else {
      for (const auto& cell : result->rows[next - header]) data.push_back(Datum(cell));
    }
    rows.push_back({{"Data", std::move(data)}});
  }
  json columns = json::array();
  for (size_t i = 0; i < result->column_names.size(); ++i) {
    AthenaType type = ToAthenaType(result->column_types[i]);
    columns.push_back({{"CatalogName", "hive"},
                       {"SchemaName", ""},
                       {"TableName", ""},
                       {"Name", result->column_names[i]},
                       {"Label", result->column_names[i]},
                       {"Type", type.name},
                       {"Precision", type.precision},
                       {"Scale", type.scale},
                       {"Nullable", "UNKNOWN"},
                       {"CaseSensitive", type.name == "varchar"}});
  }
  json response = {{"UpdateCount", 0},
                   {"ResultSet", {{"Rows", std::move(rows)}, {"ResultSetMetadata", {{"ColumnInfo", std::move(columns)}}}}}};
  if (next < total) response["NextToken"] = Base64Encode(std::to_string(next));
  return response.dump();
}

Result<std::string> AthenaApi::ListQueryExecutions(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(auto max_results, request.Int("MaxResults", "maxResults", 0, 50));
  LAKEBOX_ASSIGN_OR_RETURN(auto work_group, request.String(request.body(), "WorkGroup", "workGroup", false, 1, 128));
  LAKEBOX_ASSIGN_OR_RETURN(size_t offset, request.Offset("nextToken"));
  LAKEBOX_TRY(request.Checked());

  std::vector<std::string> ids = queries_->List(work_group.value_or("primary"));
  size_t limit = max_results && *max_results > 0 ? static_cast<size_t>(*max_results) : 50;
  size_t end = std::min(ids.size(), offset + limit);
  json page = json::array();
  for (size_t i = offset; i < end; ++i) page.push_back(ids[i]);
  json response = {{"QueryExecutionIds", std::move(page)}};
  if (end < ids.size()) response["NextToken"] = Base64Encode(std::to_string(end));
  return response.dump();
}

Result<std::string> AthenaApi::BatchGetQueryExecution(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  auto it = request.body().find("QueryExecutionIds");
  if (it == request.body().end() || it->is_null())
    return std::unexpected(Error::Validation(
        "1 validation error detected: Value null at 'queryExecutionIds' failed to satisfy constraint: Member must "
        "not be null"));
  if (!it->is_array()) return std::unexpected(Error::Serialization("QueryExecutionIds must be a list"));
  if (it->empty() || it->size() > 50)
    return std::unexpected(Error::Validation(fmt::format(
        "1 validation error detected: Value at 'queryExecutionIds' failed to satisfy constraint: Member must "
        "have length between 1 and 50 (it has {})",
        it->size())));
  json found = json::array(), unprocessed = json::array();
  for (const json& id : *it) {
    if (!id.is_string()) return std::unexpected(Error::Serialization("QueryExecutionIds must hold strings"));
    auto execution = queries_->Get(id.get<std::string>());
    if (execution) {
      found.push_back(ExecutionJson(*execution));
    } else {
      unprocessed.push_back({{"QueryExecutionId", id},
                             {"ErrorCode", "INVALID_INPUT"},
                             {"ErrorMessage", execution.error().message()}});
    }
  }
  return json{{"QueryExecutions", std::move(found)}, {"UnprocessedQueryExecutionIds", std::move(unprocessed)}}
      .dump();
}

Result<std::string> AthenaApi::StopQueryExecution(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, IdOnlyRequest(body));
  LAKEBOX_TRY(queries_->Stop(id));
  return std::string("{}");
}

}  // namespace lakebox::server
