// lakebox's own HTTP endpoints, beside the AWS APIs:
//
//   POST /v1/streams/{name}/records  NDJSON body: one record per non-empty line, the record being
//                                    the line plus "\n" (no base64). The whole body is appended
//                                    in ONE PutRecords call, so it is all or nothing. A record
//                                    over 1,024,000 bytes is a ValidationException naming its
//                                    line, and nothing is appended. -> {"RecordCount": N}
//   POST /v1/flush                   Flush every stream; answers when delivery is done.
//   POST /v1/streams/{name}/flush    Flush one stream.           -> {"flushed": true}
//   GET  /v1/status                  The operator's view as JSON: streams, crawlers, jobs and
//                                    schedules (docs/status.md); 404 when the server has none.
//   POST /v1/schedules/{task}/run    Starts a scheduled task now ("workflow:vehicles_pipeline",
//                                    "job:x", ...): {"started": true}; EntityNotFoundException for
//                                    an unknown task, ConcurrentRunsExceededException while it runs.
//   GET  /healthz                    200 "ok"
//   GET  /metrics                    Prometheus text: the metrics registry plus per-stream series
//                                    from IngestService::Stats() (lakebox_stream_*).
//
// Errors use the AWS JSON error shape ({"__type", "message"}) and the same status table.
// Thread safety: Handle may run on any number of threads at once.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/metrics.h"
#include "ingest/ingest_service.h"
#include "server/aws_json.h"
#include "server/router.h"

namespace lakebox::server {

class NativeApi {
 public:
  // `ingest` and `registry` must outlive this object. `status` renders GET /v1/status (may be
  // empty).
  explicit NativeApi(ingest::IngestService* ingest, std::function<std::string()> status = {},
                     std::function<Status(std::string_view task)> run_task = {},
                     const metrics::Registry& registry = metrics::Registry::Global());

  // The response for a native path, or nullopt when the path is not one of the above (a known
  // path with the wrong method is answered, with a 404 naming the right method).
  std::optional<HttpResponse> Handle(HttpRequest& request);

  // The Prometheus text served at /metrics.
  std::string RenderMetrics() const;

 private:
  HttpResponse PutNdjson(std::string_view stream, std::string& body);
  HttpResponse Flush(std::optional<std::string_view> stream);

  ingest::IngestService* ingest_;
  std::function<std::string()> status_;
  std::function<Status(std::string_view task)> run_task_;
  const metrics::Registry& registry_;
};

}  // namespace lakebox::server
