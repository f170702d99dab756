// app::Lakebox: the whole lake assembled from one lakebox.toml, as `lakebox serve` (and the demo)
// run it. It opens, in order, the object store (<data_dir>/s3), ingest with its [[stream]]s, the
// catalog with its [[crawler]]s, the query engine and service, the ETL job service with its
// [[job]]s, the dashboards (the built-in ones and [[dashboard]]s, their datasets run on the query
// engine), and the scheduler with every schedule the config declares:
//   - "schedule:<name>"  a [[schedule]]: the vehicle producer puts `records` records into its stream
//                        (the seed's CloudWatch Events rule triggering its Lambda);
//   - "crawler:<name>"   a crawler with a `schedule` (Glue's crawler schedule);
//   - "job:<name>"       a job with a `schedule` (a Glue scheduled trigger);
//   - "workflow:<name>"  a [[workflow]]: its steps in order, each when the previous succeeded. A
//                        produce step also flushes the stream, so the crawl after it sees every
//                        record; crawl and job steps wait for their run to end and fail the
//                        workflow unless it SUCCEEDED.
// Every task runs on its own thread and is never started twice at once (schedule/scheduler.h).
// A workflow's crawl or job step on a crawler/job that is already running waits for that run,
// then runs its own.
//
// What the HTTP layer serves is reached through the accessors; StatusJson() is the operator's view
// (GET /v1/status, `lakebox status`): streams, crawlers, jobs, schedules and metering.
//
// Metering (metering/meter.h, docs/cost.md): the meter opens right after the object store, every
// service reports its usage to it (puts, finished queries, job runs, crawls), and its sampler
// runs from the end of Open until Shutdown.
//
// Shutdown order: scheduler (running tasks are asked to stop) → queries → jobs → crawlers →
// ingest (which delivers everything it buffered) → meter (last counters and storage sample).
//
// Thread safety: every method may be called from any thread after Open.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/config.h"
#include "common/error.h"

namespace lakebox::storage {
class ObjectStore;
}
namespace lakebox::ingest {
class IngestService;
}
namespace lakebox::catalog {
class Catalog;
class CrawlerService;
}  // namespace lakebox::catalog
namespace lakebox::query {
class Engine;
class QueryService;
}  // namespace lakebox::query
namespace lakebox::etl {
class JobService;
}
namespace lakebox::schedule {
class Scheduler;
}
namespace lakebox::metering {
class Meter;
}
namespace lakebox::dashboard {
class DashboardService;
}

namespace lakebox::app {

class Lakebox {
 public:
  // Opens everything (see above) without starting the schedules. Errors: the first component's
  // that fails, with the config file named for declarations that do not validate, and for a
  // workflow step naming no crawler or job.
  static Result<std::unique_ptr<Lakebox>> Open(const Config& config);
  ~Lakebox();  // Shutdown()

  // Starts firing the schedules. Idempotent.
  Status StartSchedules();

  // Runs a [[schedule]] producer once on this thread: its records into its stream (retrying while
  // ingest pushes back), without flushing. EntityNotFound for an unknown schedule name.
  Status Produce(std::string_view schedule_name, std::stop_token stop = {});

  // Starts a scheduled task ("workflow:<name>", "job:<name>", ...) now, on its own thread.
  // EntityNotFound naming the tasks there are; ConcurrentRunsExceeded while it is running.
  Status RunTaskNow(std::string_view task);

  // Streams, crawlers, jobs and scheduled tasks with their state, last and next run, as JSON
  // (documented in docs/status.md).
  nlohmann::json StatusJson() const;

  storage::ObjectStore& store();
  ingest::IngestService& ingest();
  catalog::Catalog& catalog();
  catalog::CrawlerService& crawlers();
  query::QueryService& queries();
  etl::JobService& jobs();
  schedule::Scheduler& scheduler();
  // The built-in dashboards and lakebox.toml's [[dashboard]]s (dashboard/dashboard_toml.h).
  dashboard::DashboardService& dashboards();
  // Usage and cost; Meter::RecordQuery meters queries run outside the Athena API (dashboards).
  metering::Meter& meter();

  // Stops the schedules and the services in order; returns ingest's shutdown status. Idempotent.
  Status Shutdown();

 private:
  struct Parts;
  explicit Lakebox(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace lakebox::app
