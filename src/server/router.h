// Request routing, independent of the transport: `POST /` with an X-Amz-Target header goes to
// the AWS JSON service owning the target's prefix (a table from prefix to handler object, so Glue
// and Athena are one AddAwsService call each); every other path goes to the native API; anything
// else is a 404. The router also stamps each response with a request id and records the
// per-request log line and metrics.
//
// Metrics recorded (in the registry given to the constructor):
//   lakebox_http_requests_total{operation,status}        counter
//   lakebox_errors_total{code}                           counter (AWS error name)
//   lakebox_http_request_duration_seconds{operation}     histogram
//
// Thread safety: after construction, Handle may be called from any number of threads at once
// (services must allow that too).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/metrics.h"
#include "server/aws_json.h"

namespace lakebox::server {

class NativeApi;

// One HTTP request, as the handlers see it.
struct HttpRequest {
  std::string_view method;      // "GET", "POST", ...
  std::string_view path;        // the target without its query string
  std::string_view amz_target;  // X-Amz-Target, "" when absent
  // The body, owned by the transport. Handlers may modify it in place (append, reserve): the
  // records they pass to ingest are views into it. The transport reserves SIMDJSON_PADDING bytes
  // of spare capacity so that JSON parsing needs no copy.
  std::string& body;
  std::string_view if_none_match = {};  // If-None-Match, "" when absent (static files' ETags)
};

// An AWS JSON 1.1 service: every operation is `POST /` with `X-Amz-Target: <prefix>.<Operation>`.
class AwsJsonService {
 public:
  virtual ~AwsJsonService() = default;

  // The X-Amz-Target prefix, e.g. "Firehose_20150804".
  virtual std::string_view TargetPrefix() const = 0;
  // A short name for logs and metric labels, e.g. "Firehose".
  virtual std::string_view Name() const = 0;
  // The member naming the error message in error bodies: "message" (Firehose), "Message" (Glue).
  virtual std::string_view ErrorMessageKey() const = 0;
  // Whether `operation` is one this service implements (metric labels use "unknown" otherwise).
  virtual bool HasOperation(std::string_view operation) const = 0;

  // Runs `operation` on the JSON request `body`; returns the JSON response body.
  // UnknownOperationException for an operation the service does not implement.
  virtual Result<std::string> Call(std::string_view operation, std::string& body) = 0;
};

class Router {
 public:
  // `native` may be null (then only AWS targets are served). Metrics go to `registry`, which
  // must outlive the router.
  Router(std::unique_ptr<NativeApi> native,
         metrics::Registry& registry = metrics::Registry::Global());
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a service under its TargetPrefix(). REQUIRES: not called concurrently with Handle,
  // and no service with the same prefix registered.
  void AddAwsService(std::unique_ptr<AwsJsonService> service);

  // Routes one request. Never fails: errors become AWS JSON error responses.
  HttpResponse Handle(HttpRequest& request);

  // The response for a request the transport refuses before routing it (malformed HTTP, a body
  // over the limit, too many connections), logged and counted like routed ones under the
  // operation "transport".
  HttpResponse Reject(const Error& error);

 private:
  HttpResponse Route(HttpRequest& request);
  HttpResponse CallAws(HttpRequest& request);
  void Record(const HttpResponse& response, double seconds, std::string_view method,
              std::string_view path);

  std::unique_ptr<NativeApi> native_;
  metrics::Registry& registry_;
  std::map<std::string, std::unique_ptr<AwsJsonService>, std::less<>> services_;
};

}  // namespace lakebox::server
