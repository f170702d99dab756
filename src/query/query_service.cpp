#include "query/query_service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include <spdlog/spdlog.h>

#include "query/athena_statements.h"
#include "storage/object_store.h"

namespace lakebox::query {
namespace {

using nlohmann::json;
using Clock = QueryExecution::Clock;

constexpr std::string_view kStates[] = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"};

std::string NewUuid() {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t hi = random(), lo = random();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                       // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);           // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                     lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

int64_t Millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point FromMillis(int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

json ToJson(const QueryExecution& e) {
  json j = {{"id", e.id},
            {"query", e.query},
            {"catalog", e.catalog},
            {"work_group", e.work_group},
            {"output_location", e.output_location},
            {"client_request_token", e.client_request_token},
            {"state", QueryStateName(e.state)},
            {"reason", e.reason},
            {"submitted_ms", Millis(e.submitted)},
            {"bytes_scanned", e.bytes_scanned},
            {"engine_ms", e.engine_ms},
            {"total_ms", e.total_ms},
            {"queue_ms", e.queue_ms},
            {"rows", e.rows},
            {"peak_memory_bytes", e.peak_memory_bytes},
            {"statement_type", e.statement_type},
            {"substatement_type", e.substatement_type},
            {"column_names", e.column_names},
            {"column_types", e.column_types}};
  if (e.database) j["database"] = *e.database;
  if (e.completed) j["completed_ms"] = Millis(*e.completed);
  return j;
}

QueryExecution FromJson(const json& j) {
  QueryExecution e;
  e.id = j.at("id").get<std::string>();
  e.query = j.at("query").get<std::string>();
  if (j.contains("database")) e.database = j["database"].get<std::string>();
  e.catalog = j.at("catalog").get<std::string>();
  e.work_group = j.at("work_group").get<std::string>();
  e.output_location = j.at("output_location").get<std::string>();
  e.client_request_token = j.value("client_request_token", "");
  std::string state = j.at("state").get<std::string>();
  for (size_t i = 0; i < std::size(kStates); ++i)
    if (kStates[i] == state) e.state = static_cast<QueryState>(i);
  e.reason = j.at("reason").get<std::string>();
  e.submitted = FromMillis(j.at("submitted_ms").get<int64_t>());
  if (j.contains("completed_ms")) e.completed = FromMillis(j["completed_ms"].get<int64_t>());
  e.bytes_scanned = j.at("bytes_scanned").get<int64_t>();
  e.engine_ms = j.at("engine_ms").get<int64_t>();
  e.total_ms = j.at("total_ms").get<int64_t>();
  e.queue_ms = j.at("queue_ms").get<int64_t>();
  e.rows = j.at("rows").get<int64_t>();
  // Records from before these fields existed were all SELECTs.
  e.peak_memory_bytes = j.value("peak_memory_bytes", int64_t{0});
  e.statement_type = j.value("statement_type", "DML");
  e.substatement_type = j.value("substatement_type", "SELECT");
  e.column_names = j.at("column_names").get<std::vector<std::string>>();
  e.column_types = j.at("column_types").get<std::vector<std::string>>();
  return e;
}

// "s3://bucket/prefix/" → (bucket, "prefix/"); nullopt when it is not an S3 location.
std::optional<std::pair<std::string, std::string>> SplitS3(std::string_view location) {
  constexpr std::string_view kScheme = "s3://";
  if (!location.starts_with(kScheme)) return std::nullopt;
  location.remove_prefix(kScheme.size());
  size_t slash = location.find('/');
  std::string bucket(location.substr(0, slash));
  if (bucket.empty()) return std::nullopt;
  std::string key = slash == std::string_view::npos ? "" : std::string(location.substr(slash + 1));
  return std::pair{std::move(bucket), std::move(key)};
}

void AppendCsvField(std::string* out, std::string_view value) {
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string ToCsv(const QueryResult& result) {
  std::string out;
  for (size_t i = 0; i < result.column_names.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendCsvField(&out, result.column_names[i]);
  }
  out.push_back('\n');
  for (const auto& row : result.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out.push_back(',');
      if (row[i]) AppendCsvField(&out, *row[i]);
    }
    out.push_back('\n');
  }
  return out;
}

// Athena's .txt result of a UTILITY statement: a line per row, cells separated by tabs.
std::string ToText(const QueryResult& result) {
  std::string out;
  for (const auto& row : result.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out.push_back('\t');
      if (row[i]) out += *row[i];
    }
    out.push_back('\n');
  }
  return out;
}

// The inverse of ToText for `columns` cells a line (an empty cell reads back as ""; a cell
// holding a tab or line break does not read back).
std::vector<std::vector<std::optional<std::string>>> FromText(std::string_view text, size_t columns) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    std::vector<std::optional<std::string>> row;
    size_t cell = 0;
    while (row.size() + 1 < columns) {
      size_t tab = line.find('\t', cell);
      if (tab == std::string_view::npos) break;
      row.emplace_back(std::string(line.substr(cell, tab - cell)));
      cell = tab + 1;
    }
    row.emplace_back(std::string(line.substr(cell)));
    row.resize(std::max<size_t>(columns, 1));
    rows.push_back(std::move(row));
    start = end + 1;
  }
  return rows;
}

// The inverse of ToCsv (quoted fields may hold ',', '"' doubled and line breaks); the header row
// is dropped.
std::vector<std::vector<std::optional<std::string>>> FromCsv(std::string_view csv) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::vector<std::optional<std::string>> row;
  size_t i = 0;
  while (i < csv.size()) {
    std::optional<std::string> field;
    if (csv[i] == '"') {
      field.emplace();
      ++i;
      while (i < csv.size()) {
        if (csv[i] == '"') {
          if (i + 1 < csv.size() && csv[i + 1] == '"') {
            field->push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field->push_back(csv[i++]);
      }
    }
    row.push_back(std::move(field));
    if (i < csv.size() && csv[i] == ',') {
      ++i;
      continue;
    }
    ++i;  // '\n'
    rows.push_back(std::move(row));
    row.clear();
  }
  if (!rows.empty()) rows.erase(rows.begin());
  return rows;
}

}  // namespace

std::string_view QueryStateName(QueryState state) { return kStates[static_cast<int>(state)]; }

Result<std::unique_ptr<QueryService>> QueryService::Open(QueryServiceOptions options, Engine* engine,
                                                         storage::ObjectStore* store) {
  std::filesystem::path dir = options.data_dir / "athena";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(Error::Io(fmt::format("creating {}: {}", dir.string(), ec.message())));
  std::filesystem::path path = dir / "history.jsonl";

  std::map<std::string, QueryExecution, std::less<>> replayed;
  std::vector<std::string> order;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      // A line cut short by a crash mid-append is the only one that can fail to parse; skip it.
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) continue;
      QueryExecution execution;
      try {
        execution = FromJson(j);
      } catch (const json::exception&) {
        continue;
      }
      if (!replayed.contains(execution.id)) order.push_back(execution.id);
      replayed[execution.id] = std::move(execution);
    }
  }

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(Error::IoFromErrno("open", path.string()));
  int workers = std::max(1, options.workers);
  std::unique_ptr<QueryService> service(new QueryService(std::move(options), engine, store, fd));
  {
    std::lock_guard lock(service->mu_);
    for (const std::string& id : order) {
      QueryExecution& execution = replayed[id];
      if (!execution.Finished()) {
        execution.state = QueryState::kFailed;
        execution.reason = "lakebox stopped before the query finished";
        execution.completed = Clock::now();
        LAKEBOX_TRY(service->Persist(execution));
      }
      if (!execution.client_request_token.empty()) service->tokens_[execution.client_request_token] = id;
      service->entries_[id] = Entry{std::move(execution), nullptr};
    }
    service->order_ = std::move(order);
  }
  for (int i = 0; i < workers; ++i) service->workers_.emplace_back([s = service.get()] { s->Work(); });
  return service;
}

QueryService::~QueryService() {
  Shutdown();
  ::close(history_fd_);
}

void QueryService::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  });
}

Status QueryService::Persist(const QueryExecution& execution) {
  std::string line = ToJson(execution).dump() + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(history_fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(Error::IoFromErrno("write", "athena/history.jsonl"));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fdatasync(history_fd_) != 0) return std::unexpected(Error::IoFromErrno("fdatasync", "athena/history.jsonl"));
  return Ok();
}

Result<std::string> QueryService::Start(StartQueryRequest request) {
  if (request.query.empty()) return std::unexpected(Error::InvalidRequest("QueryString must not be empty"));
  std::string location = request.output_location.empty() ? options_.default_output_location : request.output_location;
  if (!SplitS3(location))
    return std::unexpected(Error::InvalidRequest(
        fmt::format("OutputLocation '{}' is not an S3 location (s3://bucket/path/)", location)));
  if (!location.ends_with('/')) location.push_back('/');

  std::lock_guard lock(mu_);
  if (!request.client_request_token.empty()) {
    auto it = tokens_.find(request.client_request_token);
    if (it != tokens_.end()) return it->second;
  }
  QueryExecution execution;
  execution.id = NewUuid();
  StatementKind kind = ClassifyStatement(request.query);
  execution.statement_type = std::move(kind.type);
  execution.substatement_type = std::move(kind.substatement);
  execution.query = std::move(request.query);
  execution.database = std::move(request.database);
  execution.catalog = std::move(request.catalog);
  execution.work_group = std::move(request.work_group);
  execution.output_location = std::move(location);
  execution.client_request_token = request.client_request_token;
  execution.submitted = Clock::now();
  LAKEBOX_TRY(Persist(execution));
  std::string id = execution.id;
  entries_[id] = Entry{std::move(execution), nullptr};
  order_.push_back(id);
  if (!request.client_request_token.empty()) tokens_[request.client_request_token] = id;
  queue_.push_back(id);
  cv_.notify_one();
  return id;
}

Result<QueryExecution> QueryService::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return std::unexpected(Error::InvalidRequest(fmt::format("QueryExecution {} was not found", id)));
  return it->second.execution;
}

Result<QueryService::Entry> QueryService::SucceededEntry(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return std::unexpected(Error::InvalidRequest(fmt::format("QueryExecution {} was not found", id)));
  const QueryExecution& e = it->second.execution;
  if (e.state == QueryState::kQueued || e.state == QueryState::kRunning)
    return std::unexpected(Error::InvalidRequest(
        fmt::format("Query has not yet finished. Current state: {}", QueryStateName(e.state))));
  if (e.state != QueryState::kSucceeded)
    return std::unexpected(Error::InvalidRequest(
        fmt::format("Query did not succeed. Current state: {}. {}", QueryStateName(e.state), e.reason)));
  return it->second;
}

Result<std::string> QueryService::ReadFileOf(const QueryExecution& execution) {
  auto where = SplitS3(execution.ResultLocation());  // Start accepts only s3:// output locations
  return store_->Get(where->first, where->second);
}

Result<QueryService::ResultFile> QueryService::ReadResultFile(std::string_view id) {
  LAKEBOX_ASSIGN_OR_RETURN(Entry entry, SucceededEntry(id));
  LAKEBOX_ASSIGN_OR_RETURN(std::string contents, ReadFileOf(entry.execution));
  std::string location = entry.execution.ResultLocation();
  return ResultFile{.name = location.substr(location.rfind('/') + 1), .contents = std::move(contents)};
}

Result<std::shared_ptr<const QueryResult>> QueryService::Results(std::string_view id) {
  LAKEBOX_ASSIGN_OR_RETURN(Entry entry, SucceededEntry(id));
  if (entry.result) return entry.result;
  // From before a reopen: read the result file back.
  const QueryExecution& execution = entry.execution;
  LAKEBOX_ASSIGN_OR_RETURN(std::string csv, ReadFileOf(execution));
  auto result = std::make_shared<QueryResult>();
  result->column_names = execution.column_names;
  result->column_types = execution.column_types;
  result->rows = execution.statement_type == "UTILITY" ? FromText(csv, execution.column_names.size()) : FromCsv(csv);
  result->stats = {.bytes_scanned = execution.bytes_scanned,
                   .engine_time_ms = static_cast<double>(execution.engine_ms),
                   .rows = execution.rows,
                   .peak_memory_bytes = execution.peak_memory_bytes};
  std::lock_guard lock(mu_);
  entries_[execution.id].result = result;
  return std::shared_ptr<const QueryResult>(result);
}

std::vector<std::string> QueryService::List(std::string_view work_group) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it)
    if (entries_.find(*it)->second.execution.work_group == work_group) ids.push_back(*it);
  return ids;
}

Status QueryService::Stop(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return std::unexpected(Error::InvalidRequest(fmt::format("QueryExecution {} was not found", id)));
  QueryExecution& e = it->second.execution;
  if (e.Finished()) return Ok();
  e.state = QueryState::kCancelled;
  e.reason = "Query was cancelled by user";
  e.completed = Clock::now();
  e.total_ms = Millis(*e.completed) - Millis(e.submitted);
  return Persist(e);
}

void QueryService::Work() {
  while (true) {
    std::string id;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
    }
    Run(id);
  }
}

void QueryService::Run(const std::string& id) {
  std::string sql;
  std::optional<std::string> database;
  {
    std::lock_guard lock(mu_);
    QueryExecution& e = entries_[id].execution;
    if (e.state != QueryState::kQueued) return;  // cancelled while queued
    e.state = QueryState::kRunning;
    e.queue_ms = Millis(Clock::now()) - Millis(e.submitted);
    // A lost RUNNING record changes nothing a restart reports (QUEUED or RUNNING come back FAILED).
    if (Status persisted = Persist(e); !persisted)
      spdlog::warn("athena history: {}", persisted.error().ToString());
    sql = e.query;
    database = e.database;
  }
  Result<QueryResult> result = engine_->Execute(sql, database);
  QueryExecution snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = entries_[id].execution;
  }
  Status written = Ok();
  if (result && snapshot.state == QueryState::kRunning) {
    snapshot.column_names = result->column_names;
    snapshot.column_types = result->column_types;
    written = WriteResultFiles(snapshot, *result);
  }

  std::lock_guard lock(mu_);
  Entry& entry = entries_[id];
  QueryExecution& e = entry.execution;
  if (e.state != QueryState::kRunning) return;  // cancelled while running
  e.completed = Clock::now();
  e.total_ms = Millis(*e.completed) - Millis(e.submitted);
  if (!result) {
    e.state = QueryState::kFailed;
    e.reason = result.error().message();
  } else if (!written) {
    e.state = QueryState::kFailed;
    e.reason = fmt::format("writing the result to {}: {}", e.ResultLocation(), written.error().message());
  } else {
    e.state = QueryState::kSucceeded;
    e.bytes_scanned = result->stats.bytes_scanned;
    e.engine_ms = static_cast<int64_t>(result->stats.engine_time_ms);
    e.rows = result->stats.rows;
    e.peak_memory_bytes = result->stats.peak_memory_bytes;
    e.column_names = result->column_names;
    e.column_types = result->column_types;
    entry.result = std::make_shared<const QueryResult>(std::move(*result));
  }
  // The state is kept in memory either way; a lost record makes a restart report it FAILED.
  if (Status persisted = Persist(e); !persisted)
    spdlog::warn("athena history: {}", persisted.error().ToString());
  if (options_.on_finished) options_.on_finished(e);
}

Status QueryService::WriteResultFiles(const QueryExecution& execution, const QueryResult& result) {
  auto where = SplitS3(execution.ResultLocation());
  LAKEBOX_TRY(store_->EnsureBucket(where->first));
  const bool utility = execution.statement_type == "UTILITY";
  LAKEBOX_TRY(store_->Put(where->first, where->second, utility ? ToText(result) : ToCsv(result)));
  json columns = json::array();
  for (size_t i = 0; i < result.column_names.size(); ++i)
    columns.push_back({{"Name", result.column_names[i]}, {"Type", result.column_types[i]}});
  json metadata = {{"QueryExecutionId", execution.id}, {"Columns", std::move(columns)}};
  return store_->Put(where->first, where->second + ".metadata", metadata.dump());
}

}  // namespace lakebox::query
