#include "server/native_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "dashboard/dashboard_service.h"
#include "query/query_service.h"

namespace lakebox::server {
namespace {

constexpr size_t kMaxRecordBytes = 1'024'000;
constexpr std::string_view kStreamsPrefix = "/v1/streams/";
constexpr std::string_view kSchedulesPrefix = "/v1/schedules/";
constexpr std::string_view kRunSuffix = "/run";
constexpr std::string_view kDashboardsPath = "/v1/dashboards";
constexpr std::string_view kDashboardsPrefix = "/v1/dashboards/";
constexpr std::string_view kQueriesPrefix = "/v1/queries/";
constexpr std::string_view kResultsSuffix = "/results.csv";

HttpResponse JsonResponse(std::string body) {
  HttpResponse response;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const Error& error) { return AwsErrorResponse(error, "message"); }

HttpResponse WrongMethod(const HttpRequest& request, std::string_view method) {
  return ErrorResponse(Error::NotFound(fmt::format(
      "{} {} is not an endpoint: use {} {}", request.method, request.path, method, request.path)));
}

// Prometheus label values escape \, " and newline.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

struct StreamSeries {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  double (*value)(const ingest::StreamStats&);
};

constexpr StreamSeries kStreamSeries[] = {
    {"lakebox_stream_records_received_total", "counter", "Records accepted by the stream.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.records_received); }},
    {"lakebox_stream_bytes_received_total", "counter", "Record bytes accepted by the stream.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.bytes_received); }},
    {"lakebox_stream_objects_delivered_total", "counter", "Objects written to the bucket.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.objects_delivered); }},
    {"lakebox_stream_bytes_delivered_total", "counter",
     "Object bytes written to the bucket (after compression).",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.bytes_delivered); }},
    {"lakebox_stream_delivery_errors_total", "counter", "Failed delivery attempts.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.delivery_errors); }},
    {"lakebox_stream_buffered_bytes", "gauge", "Record bytes accepted but not yet delivered.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.buffered_bytes); }},
    {"lakebox_stream_wal_bytes", "gauge", "Write-ahead log bytes on disk.",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.wal_bytes); }},
    {"lakebox_stream_last_delivery_timestamp_seconds", "gauge",
     "When the stream last delivered an object (0: never).",
     [](const ingest::StreamStats& s) { return static_cast<double>(s.last_delivery_ms) / 1000.0; }},
};

}  // namespace

NativeApi::NativeApi(ingest::IngestService* ingest, std::function<std::string()> status,
                     std::function<Status(std::string_view task)> run_task, const metrics::Registry& registry,
                     NativeWebSources web)
    : ingest_(ingest),
      status_(std::move(status)),
      run_task_(std::move(run_task)),
      registry_(registry),
      web_(std::move(web)) {}

std::optional<HttpResponse> NativeApi::Handle(HttpRequest& request) {
  std::string_view path = request.path;
  std::optional<HttpResponse> response;
  if (path == "/healthz") {
    if (request.method != "GET") {
      response = WrongMethod(request, "GET");
    } else {
      response.emplace();
      response->content_type = "text/plain; charset=utf-8";
      response->body = "ok";
    }
    response->operation = "native.healthz";
  } else if (path == "/metrics") {
    if (request.method != "GET") {
      response = WrongMethod(request, "GET");
    } else {
      response.emplace();
      response->content_type = "text/plain; version=0.0.4; charset=utf-8";
      response->body = RenderMetrics();
    }
    response->operation = "native.metrics";
  } else if (path == "/v1/status") {
    if (!status_) return std::nullopt;
    if (request.method != "GET") {
      response = WrongMethod(request, "GET");
    } else {
      response.emplace();
      response->content_type = "application/json";
      response->body = status_();
    }
    response->operation = "native.status";
  } else if (path.starts_with(kSchedulesPrefix) && path.ends_with(kRunSuffix) &&
             path.size() > kSchedulesPrefix.size() + kRunSuffix.size()) {
    if (!run_task_) return std::nullopt;
    std::string_view task = path.substr(kSchedulesPrefix.size(), path.size() - kSchedulesPrefix.size() - kRunSuffix.size());
    if (request.method != "POST") {
      response = WrongMethod(request, "POST");
    } else if (Status started = run_task_(task); !started) {
      response = ErrorResponse(started.error());
    } else {
      response.emplace();
      response->content_type = "application/json";
      response->body = R"({"started":true})";
    }
    response->operation = "native.run_task";
  } else if (path == "/v1/flush") {
    response = request.method == "POST" ? Flush(std::nullopt) : WrongMethod(request, "POST");
    response->operation = "native.flush";
  } else if (path.starts_with(kStreamsPrefix)) {
    std::string_view rest = path.substr(kStreamsPrefix.size());
    size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
    std::string_view stream = rest.substr(0, slash);
    std::string_view action = rest.substr(slash + 1);
    if (action == "records") {
      response =
          request.method == "POST" ? PutNdjson(stream, request.body) : WrongMethod(request, "POST");
      response->operation = "native.records";
    } else if (action == "flush") {
      response = request.method == "POST" ? Flush(stream) : WrongMethod(request, "POST");
      response->operation = "native.flush";
    }
  } else if (web_.dashboards && (path == kDashboardsPath || path.starts_with(kDashboardsPrefix))) {
    if (request.method != "GET") {
      response = WrongMethod(request, "GET");
      response->operation = "native.dashboards";
    } else {
      response = Dashboards(path.substr(kDashboardsPath.size()));
    }
  } else if (web_.queries && path.starts_with(kQueriesPrefix) && path.ends_with(kResultsSuffix) &&
             path.size() > kQueriesPrefix.size() + kResultsSuffix.size()) {
    std::string_view id =
        path.substr(kQueriesPrefix.size(), path.size() - kQueriesPrefix.size() - kResultsSuffix.size());
    if (id.find('/') == std::string_view::npos) {
      response = request.method == "GET" ? ResultFile(id) : WrongMethod(request, "GET");
      response->operation = "native.results_csv";
    }
  }
  if (!response && request.method == "GET") response = Static(request);
  return response;
}

std::optional<HttpResponse> NativeApi::Dashboards(std::string_view rest) {
  dashboard::DashboardService& dashboards = *web_.dashboards;
  std::optional<HttpResponse> response;
  if (rest.empty() || rest == "/") {
    nlohmann::json list = nlohmann::json::array();
    for (const dashboard::Dashboard& d : dashboards.List()) list.push_back(dashboard::DashboardSummaryJson(d));
    response = JsonResponse(nlohmann::json{{"Dashboards", std::move(list)}}.dump());
    response->operation = "native.dashboards";
    return response;
  }
  rest.remove_prefix(1);  // the '/'
  size_t slash = rest.find('/');
  std::string_view name = rest.substr(0, slash);
  if (slash == std::string_view::npos) {
    Result<const dashboard::Dashboard*> found = dashboards.Get(name);
    response = found ? JsonResponse(dashboard::DashboardJson(**found).dump()) : ErrorResponse(found.error());
    response->operation = "native.dashboard";
    return response;
  }
  std::string_view after = rest.substr(slash + 1);
  constexpr std::string_view kDatasets = "datasets/";
  if (!after.starts_with(kDatasets) || after.size() == kDatasets.size() ||
      after.find('/', kDatasets.size()) != std::string_view::npos)
    return std::nullopt;
  Result<dashboard::DatasetAnswer> answer = dashboards.RunDataset(name, after.substr(kDatasets.size()));
  response = answer ? JsonResponse(dashboard::DatasetAnswerJson(*answer)) : ErrorResponse(answer.error());
  // The page polls: a browser cache must never answer in lakebox's place.
  response->headers.emplace_back("Cache-Control", "no-store");
  response->operation = "native.dataset";
  return response;
}

HttpResponse NativeApi::ResultFile(std::string_view query_id) {
  Result<query::QueryService::ResultFile> file = web_.queries->ReadResultFile(query_id);
  if (!file) return ErrorResponse(file.error());
  HttpResponse response;
  response.content_type = file->name.ends_with(".csv") ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8";
  response.body = std::move(file->contents);
  response.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", file->name));
  return response;
}

std::optional<HttpResponse> NativeApi::Static(const HttpRequest& request) {
  if (!web_.static_files) return std::nullopt;
  std::optional<StaticFile> file = web_.static_files(request.path);
  if (!file) return std::nullopt;
  HttpResponse response;
  response.operation = "native.static";
  std::string etag = ETagOf(file->body);
  // no-cache: the browser asks every time, and gets a 304 without the body while the binary (and
  // so the file) is the same; a new lakebox build is seen at the next load.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("ETag", etag);
  if (request.if_none_match == etag) {
    response.status = 304;
    return response;
  }
  response.content_type = file->content_type;
  response.body = file->body;
  return response;
}

std::string NativeApi::ETagOf(std::string_view body) {
  std::lock_guard lock(etags_mu_);
  auto it = etags_.find(body.data());
  if (it != etags_.end()) return it->second;
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a, 64 bits
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  std::string etag = fmt::format("\"{:016x}-{:x}\"", hash, body.size());
  etags_.emplace(body.data(), etag);
  return etag;
}

HttpResponse NativeApi::PutNdjson(std::string_view stream, std::string& body) {
  // Every record is a line plus its "\n"; give a last line without one its newline up front, so
  // that the views below all point into the same (no longer growing) buffer.
  if (!body.empty() && body.back() != '\n') body += '\n';
  std::vector<std::string_view> records;
  size_t line_number = 0;
  for (size_t begin = 0; begin < body.size();) {
    size_t end = body.find('\n', begin) + 1;
    ++line_number;
    size_t size = end - begin;
    if (size > kMaxRecordBytes)
      return ErrorResponse(Error::Validation(
          fmt::format("line {} is {} bytes long with its newline; a record may be at most {} bytes "
                      "(nothing was appended)",
                      line_number, size, kMaxRecordBytes)));
    if (size > 1) records.emplace_back(body.data() + begin, size);
    begin = end;
  }
  if (records.empty()) {
    // Nothing to append, but a typo in the stream name should still be reported.
    if (Result<ingest::StreamDescription> described = ingest_->DescribeStream(stream); !described)
      return ErrorResponse(described.error());
    return JsonResponse("{\"RecordCount\":0}");
  }
  Result<std::vector<std::string>> ids = ingest_->PutRecords(stream, records);
  if (!ids) return ErrorResponse(ids.error());
  return JsonResponse(fmt::format("{{\"RecordCount\":{}}}", records.size()));
}

HttpResponse NativeApi::Flush(std::optional<std::string_view> stream) {
  if (Status flushed = ingest_->Flush(stream); !flushed) return ErrorResponse(flushed.error());
  return JsonResponse("{\"flushed\":true}");
}

std::string NativeApi::RenderMetrics() const {
  std::string text = registry_.RenderPrometheus();
  std::vector<ingest::StreamStats> stats = ingest_->Stats();
  if (stats.empty()) return text;
  for (const StreamSeries& series : kStreamSeries) {
    fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", series.name,
                   series.help, series.name, series.type);
    for (const ingest::StreamStats& stream : stats)
      fmt::format_to(std::back_inserter(text), "{}{{stream=\"{}\"}} {}\n", series.name,
                     EscapeLabel(stream.name), series.value(stream));
  }
  return text;
}

}  // namespace lakebox::server
