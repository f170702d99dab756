// lakebox's HTTP listener: one port serving the AWS JSON 1.1 APIs (Firehose, Glue and
// Athena) and the native endpoints (native_api.h).
//
// Design: Boost.Beast, synchronous, one thread per connection. Handlers block by contract
// (PutRecords waits for the WAL group-commit fsync, Flush and DeleteDeliveryStream wait for
// delivery), so a thread per connection keeps one slow request from stalling any other, with no
// handler pool to size. Connections are HTTP/1.1 keep-alive and capped at max_connections; a
// connection over the cap gets 503 ServiceUnavailableException (which SDKs retry) and is closed.
// Sockets are non-blocking underneath and every wait is a poll() with a timeout, so a client
// that stops sending or reading is dropped after `idle_timeout`, and Stop() can wake the
// connections that sit idle between requests.
//
// Bodies: POST / accepts up to max_aws_body_bytes, /v1/... up to max_ndjson_body_bytes; a larger
// body is refused (400 InvalidArgumentException) and the connection closed. The body buffer is
// sized from Content-Length plus simdjson's padding before reading, so parsing needs no copy.
//
// Thread safety: port() may be called from any thread; Stop() from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "ingest/ingest_service.h"
#include "server/native_api.h"

namespace lakebox::catalog {
class Catalog;
class CrawlerService;
}  // namespace lakebox::catalog

namespace lakebox::query {
class QueryService;
}
namespace lakebox::etl {
class JobService;
}

namespace lakebox::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a host name to resolve
  uint16_t port = 4566;            // 0 picks a free port; Server::port() tells which
  int max_connections = 512;
  size_t max_aws_body_bytes = 8 << 20;  // a full PutRecordBatch is ~5.6 MB of base64
  size_t max_ndjson_body_bytes = 64 << 20;
  // Request bodies being received or handled at once, across connections. A request that would
  // exceed it is answered 503 ServiceUnavailableException (which SDKs retry) before its body is
  // read, so memory stays bounded however many producers push at once.
  size_t max_inflight_body_bytes = 256 << 20;
  // A connection that sends (or accepts) nothing for this long is closed, whether it is between
  // requests or in the middle of one.
  std::chrono::milliseconds idle_timeout{60'000};
  // The AWS account id lakebox answers as: Glue's CatalogId.
  std::string account_id = "000000000000";
};

// What the endpoint serves; each must outlive the server. Firehose and the native API need
// `ingest`; the Glue API is served only when both `catalog` and `crawlers` are given, the Athena
// API only when `queries` is.
struct Services {
  ingest::IngestService* ingest = nullptr;
  catalog::Catalog* catalog = nullptr;
  catalog::CrawlerService* crawlers = nullptr;
  query::QueryService* queries = nullptr;
  etl::JobService* jobs = nullptr;
  // GET /v1/status's JSON (app::Lakebox::StatusJson); without it the path is unknown.
  std::function<std::string()> status;
  // POST /v1/schedules/{task}/run: runs a scheduled task now (Scheduler::RunNow); without it the
  // path is unknown.
  std::function<Status(std::string_view task)> run_task;
  // GET /v1/dashboards/...: the dashboards and their datasets; without it the paths are unknown.
  dashboard::DashboardService* dashboards = nullptr;
  // The file for a GET path no endpoint takes (the embedded web UI: "/" is its index.html), or
  // nullopt (a 404). Without it such paths are 404s.
  std::function<std::optional<StaticFile>(std::string_view path)> static_files;
};

class Server {
 public:
  // Binds, listens and starts accepting on a background thread. REQUIRES: services.ingest.
  // Errors: InvalidArgument for a host that is not an address and does not resolve; Io when the
  // address cannot be bound (in use, no permission).
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, Services services);

  // Stops (see Stop).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port listened on (the chosen one when options.port was 0).
  uint16_t port() const;

  // Stops accepting, closes idle connections, lets in-flight requests finish (their responses
  // say Connection: close), and joins every thread. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace lakebox::server
