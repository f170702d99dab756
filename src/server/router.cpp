#include "server/router.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "server/native_api.h"

namespace lakebox::server {
namespace {

constexpr std::string_view kRequestsTotal = "lakebox_http_requests_total";
constexpr std::string_view kErrorsTotal = "lakebox_errors_total";
constexpr std::string_view kRequestSeconds = "lakebox_http_request_duration_seconds";

// Requests range from ~0.1 ms (healthz) over ~1 ms (a put waiting for the WAL fsync) to seconds
// (a flush waiting for delivery).
const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = metrics::ExponentialBuckets(0.0001, 2.5, 14);
  return buckets;
}

}  // namespace

Router::Router(std::unique_ptr<NativeApi> native, metrics::Registry& registry)
    : native_(std::move(native)), registry_(registry) {}

Router::~Router() = default;

void Router::AddAwsService(std::unique_ptr<AwsJsonService> service) {
  std::string prefix(service->TargetPrefix());
  services_.emplace(std::move(prefix), std::move(service));
}

HttpResponse Router::Handle(HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  HttpResponse response = Route(request);
  response.request_id = NewRequestId();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Record(response, seconds, request.method, request.path);
  return response;
}

HttpResponse Router::Reject(const Error& error) {
  HttpResponse response = AwsErrorResponse(error, "message");
  response.operation = "transport";
  response.request_id = NewRequestId();
  Record(response, 0, "-", "-");
  return response;
}

HttpResponse Router::Route(HttpRequest& request) {
  if (request.path == "/" && request.method == "POST") return CallAws(request);
  if (native_) {
    if (std::optional<HttpResponse> response = native_->Handle(request))
      return *std::move(response);
  }
  HttpResponse response = AwsErrorResponse(
      Error::NotFound(fmt::format("lakebox has no endpoint {} {}: AWS APIs are POST / with an "
                                  "X-Amz-Target header; native ones are under /v1/",
                                  request.method, request.path)),
      "message");
  response.operation = "unknown";
  return response;
}

HttpResponse Router::CallAws(HttpRequest& request) {
  std::string_view target = request.amz_target;
  size_t dot = target.find('.');
  auto service_it =
      dot == std::string_view::npos ? services_.end() : services_.find(target.substr(0, dot));
  if (service_it == services_.end()) {
    HttpResponse response = AwsErrorResponse(
        Error::UnknownOperation(
            target.empty() ? std::string("missing X-Amz-Target header: AWS JSON requests name "
                                         "their operation there, e.g. "
                                         "Firehose_20150804.PutRecordBatch")
                           : fmt::format("unknown X-Amz-Target {}", target)),
        "message");
    response.operation = "unknown";
    return response;
  }
  AwsJsonService& service = *service_it->second;
  std::string_view operation = target.substr(dot + 1);
  std::string label = service.HasOperation(operation)
                          ? fmt::format("{}.{}", service.Name(), operation)
                          : fmt::format("{}.unknown", service.Name());
  Result<std::string> result = service.Call(operation, request.body);
  HttpResponse response = result ? AwsJsonResponse(*std::move(result))
                                 : AwsErrorResponse(result.error(), service.ErrorMessageKey());
  response.operation = std::move(label);
  return response;
}

void Router::Record(const HttpResponse& response, double seconds, std::string_view method,
                    std::string_view path) {
  std::string status = std::to_string(response.status);
  registry_
      .Counter(kRequestsTotal, "HTTP requests served, by operation and status.",
               {{"operation", response.operation}, {"status", status}})
      .Inc();
  registry_
      .Histogram(kRequestSeconds, "Time from routing a request to having its response.",
                 LatencyBuckets(), {{"operation", response.operation}})
      .Observe(seconds);
  if (response.error_type.empty()) {
    spdlog::debug("{} {} {} -> {} in {:.3f} ms [{}]", method, path, response.operation,
                  response.status, seconds * 1e3, response.request_id);
    return;
  }
  registry_
      .Counter(kErrorsTotal, "Error responses, by AWS error code.", {{"code", response.error_type}})
      .Inc();
  spdlog::warn("{} {} {} -> {} {} [{}]", method, path, response.operation, response.status,
               response.body, response.request_id);
}

}  // namespace lakebox::server
