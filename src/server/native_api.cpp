#include "server/native_api.h"

#include <fmt/format.h>

#include <vector>

namespace lakebox::server {
namespace {

constexpr size_t kMaxRecordBytes = 1'024'000;
constexpr std::string_view kStreamsPrefix = "/v1/streams/";
constexpr std::string_view kSchedulesPrefix = "/v1/schedules/";
constexpr std::string_view kRunSuffix = "/run";

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
                     std::function<Status(std::string_view task)> run_task, const metrics::Registry& registry)
    : ingest_(ingest), status_(std::move(status)), run_task_(std::move(run_task)), registry_(registry) {}

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
  }
  return response;
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
