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
// For the web UI (docs/web-api.md), each served when its source is given (NativeWebSources):
//   GET  /v1/dashboards              {"Dashboards":[{"Name","Title","RefreshSeconds"}]}
//   GET  /v1/dashboards/{name}       the definition (dashboard::DashboardJson);
//                                    ResourceNotFoundException for an unknown dashboard.
//   GET  /v1/dashboards/{name}/datasets/{ds}
//                                    the dataset's rows (dashboard::DatasetAnswerJson),
//                                    Cache-Control: no-store; InvalidRequestException with the
//                                    engine's message when its SQL fails, ResourceNotFoundException
//                                    for an unknown dashboard or dataset.
//   GET  /v1/queries/{id}/results.csv
//                                    an Athena execution's result file (QueryService::ReadResultFile:
//                                    text/csv, or text/plain for the .txt of a SHOW/DESCRIBE/
//                                    EXPLAIN), Content-Disposition: attachment; filename="<id>.csv";
//                                    InvalidRequestException for an unknown id or an execution
//                                    that did not succeed.
//   GET  any other path              static_files(path) (the embedded web UI): its Content-Type,
//                                    an ETag and Cache-Control: no-cache (the browser revalidates
//                                    and gets 304 while the binary is the same); unknown paths
//                                    fall through (the router's 404).
//
// The HTTP layer only translates: the logic lives in dashboard::DashboardService and
// query::QueryService.
//
// Errors use the AWS JSON error shape ({"__type", "message"}) and the same status table.
// Thread safety: Handle may run on any number of threads at once.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "ingest/ingest_service.h"
#include "server/aws_json.h"
#include "server/router.h"

namespace lakebox::dashboard {
class DashboardService;
}
namespace lakebox::query {
class QueryService;
}

namespace lakebox::server {

// A file served as is: the web UI's embedded assets. The views point into data that outlives the
// server (the binary's).
struct StaticFile {
  std::string_view content_type;
  std::string_view body;
};

// What the web UI's endpoints read; each may be null (or empty), which leaves its paths unknown.
struct NativeWebSources {
  dashboard::DashboardService* dashboards = nullptr;
  // GET /v1/queries/{id}/results.csv: an execution's result file.
  query::QueryService* queries = nullptr;
  // The file for a GET path no other endpoint takes, or nullopt.
  std::function<std::optional<StaticFile>(std::string_view path)> static_files;
};

class NativeApi {
 public:
  // `ingest`, `registry` and `web`'s services must outlive this object. `status` renders
  // GET /v1/status (may be empty).
  explicit NativeApi(ingest::IngestService* ingest, std::function<std::string()> status = {},
                     std::function<Status(std::string_view task)> run_task = {},
                     const metrics::Registry& registry = metrics::Registry::Global(),
                     NativeWebSources web = {});

  // The response for a native path, or nullopt when the path is not one of the above (a known
  // path with the wrong method is answered, with a 404 naming the right method).
  std::optional<HttpResponse> Handle(HttpRequest& request);

  // The Prometheus text served at /metrics.
  std::string RenderMetrics() const;

 private:
  HttpResponse PutNdjson(std::string_view stream, std::string& body);
  HttpResponse Flush(std::optional<std::string_view> stream);
  // GET /v1/dashboards/..., with `rest` the path after "/v1/dashboards" ("" or "/<name>...").
  std::optional<HttpResponse> Dashboards(std::string_view rest);
  HttpResponse ResultFile(std::string_view query_id);
  std::optional<HttpResponse> Static(const HttpRequest& request);
  // The ETag of a static file's body, computed once per body.
  std::string ETagOf(std::string_view body);

  ingest::IngestService* ingest_;
  std::function<std::string()> status_;
  std::function<Status(std::string_view task)> run_task_;
  const metrics::Registry& registry_;
  NativeWebSources web_;

  std::mutex etags_mu_;
  std::map<const char*, std::string> etags_;  // by body address; guarded by etags_mu_
};

}  // namespace lakebox::server
