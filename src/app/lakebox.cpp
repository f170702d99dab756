#include "app/lakebox.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "catalog/crawler_service.h"
#include "catalog/crawler_toml.h"
#include "catalog/sqlite_catalog.h"
#include "common/file_util.h"
#include "common/time.h"
#include "dashboard/dashboard_service.h"
#include "dashboard/dashboard_toml.h"
#include "etl/job_service.h"
#include "ingest/ingest_service.h"
#include "ingest/stream_toml.h"
#include "metering/billing.h"
#include "metering/meter.h"
#include "producer/vehicle_generator.h"
#include "query/engine.h"
#include "query/query_service.h"
#include "schedule/schedule_toml.h"
#include "schedule/scheduler.h"
#include "schedule/workflow.h"
#include "storage/local_object_store.h"
#include "storage/throttled_object_store.h"

namespace lakebox::app {
namespace {

using nlohmann::json;

// Records per PutRecords call of a scheduled producer: PutRecordBatch's limit.
constexpr size_t kProducerBatch = 500;
// The first run of a producer lays its readings over this long before now.
constexpr int64_t kProducerFirstSpanMs = 60'000;
// How long a producer waits before retrying when ingest pushes back.
constexpr auto kBackpressureRetry = std::chrono::milliseconds(200);
// How often a workflow step polls a crawler it waits for.
constexpr auto kStepPoll = std::chrono::milliseconds(100);

json TimeOrNull(int64_t ms) { return ms > 0 ? json(FormatIso8601Millis(ms)) : json(nullptr); }

json TimeOrNull(const std::optional<schedule::Clock::time_point>& t) {
  if (!t) return nullptr;
  return FormatIso8601Millis(
      std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count());
}

// A producer schedule's generator: the same fleet across runs, so vehicles keep moving.
struct Producer {
  schedule::ProducerSchedule definition;
  std::mutex mu;
  producer::VehicleGenerator generator;
  // The event time of the last reading sent, 0 before the first run; guarded by mu.
  int64_t last_event_ms = 0;

  explicit Producer(schedule::ProducerSchedule d)
      : definition(std::move(d)), generator(producer::VehicleGenerator::kDefaultVehicles, std::random_device{}()) {}
};

}  // namespace

struct Lakebox::Parts {
  Config config;
  std::unique_ptr<storage::ObjectStore> store;
  // After the store it samples, before the services that report to it (destroyed in reverse).
  std::unique_ptr<metering::Meter> meter;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<catalog::SqliteCatalog> catalog;
  std::unique_ptr<catalog::CrawlerService> crawlers;
  std::unique_ptr<query::Engine> engine;
  std::unique_ptr<query::QueryService> queries;
  std::unique_ptr<dashboard::DashboardService> dashboards;  // runs SQL on `engine`
  std::unique_ptr<etl::JobService> jobs;
  std::unique_ptr<schedule::Scheduler> scheduler;
  std::map<std::string, std::unique_ptr<Producer>, std::less<>> producers;
  std::vector<schedule::WorkflowDefinition> workflows;

  std::mutex mu;
  bool started = false;      // guarded by mu
  bool shut_down = false;    // guarded by mu
  Status shutdown_status;    // guarded by mu

  Status RunCrawlStep(const std::string& name, std::stop_token stop);
  Status RunJobStep(const std::string& name, const std::string& trigger, std::stop_token stop);
  Status RunProduceStep(const std::string& name, std::stop_token stop, bool flush);
  Status AddTasks();
};

Status Lakebox::Parts::RunProduceStep(const std::string& name, std::stop_token stop, bool flush) {
  auto it = producers.find(name);
  if (it == producers.end()) return std::unexpected(Error::EntityNotFound(fmt::format("no [[schedule]] named {}", name)));
  Producer& p = *it->second;
  std::lock_guard lock(p.mu);
  int64_t left = p.definition.records;
  std::vector<std::string> records;
  std::vector<std::string_view> views;
  // The run's readings are laid out evenly in time since the previous run's last one (the first
  // run: over the minute before now), as if the fleet had reported all along: each vehicle then
  // moves between its readings and the map draws routes, where one timestamp for the whole run
  // would repeat each vehicle's position `records / fleet` times.
  const int64_t run_end_ms = NowMillis();
  const int64_t run_start_ms = std::clamp<int64_t>(p.last_event_ms, run_end_ms - kProducerFirstSpanMs, run_end_ms);
  const int64_t total = p.definition.records;
  int64_t sent = 0;
  while (left > 0) {
    if (stop.stop_requested())
      return std::unexpected(Error::ServiceUnavailable(
          fmt::format("producer {} stopped with {} of {} records not sent", name, left, p.definition.records)));
    size_t n = static_cast<size_t>(std::min<int64_t>(left, kProducerBatch));
    records.clear();
    views.clear();
    for (size_t i = 0; i < n; ++i) {
      ++sent;
      p.last_event_ms = run_start_ms + (run_end_ms - run_start_ms) * sent / total;
      records.push_back(p.generator.Next(p.last_event_ms));
    }
    for (const std::string& record : records) views.push_back(record);
    while (true) {
      auto put = ingest->PutRecords(p.definition.stream, views);
      if (put) break;
      if (put.error().code() != Error::Code::kServiceUnavailable || stop.stop_requested())
        return std::unexpected(put.error().WithContext(fmt::format("producer {} into stream {}", name, p.definition.stream)));
      std::this_thread::sleep_for(kBackpressureRetry);
    }
    left -= static_cast<int64_t>(n);
  }
  spdlog::info("producer {}: put {} records into stream {}", name, p.definition.records, p.definition.stream);
  if (flush) return ingest->Flush(p.definition.stream);
  return Ok();
}

Status Lakebox::Parts::RunCrawlStep(const std::string& name, std::stop_token stop) {
  std::stop_callback cancel(stop, [&] { (void)crawlers->StopCrawler(name); });
  while (true) {
    auto run = crawlers->RunCrawler(name);
    if (run) {
      if (run->status == "SUCCEEDED") return Ok();
      return std::unexpected(Error::Internal(fmt::format("crawler {} {}{}{}", name, run->status,
                                                         run->error_message.empty() ? "" : ": ", run->error_message)));
    }
    if (run.error().code() != Error::Code::kCrawlerRunning || stop.stop_requested()) return std::unexpected(run.error());
    // Another run (its own schedule, StartCrawler) is in progress: wait for it, then crawl, so
    // this step sees everything the steps before it wrote.
    (void)crawlers->WaitUntilReady(name, std::chrono::duration_cast<std::chrono::milliseconds>(kStepPoll) * 10);
  }
}

Status Lakebox::Parts::RunJobStep(const std::string& name, const std::string& trigger, std::stop_token stop) {
  std::optional<std::string> run_id;
  std::mutex run_mu;
  std::stop_callback cancel(stop, [&] {
    std::lock_guard lock(run_mu);
    if (run_id) (void)jobs->StopRun(name, *run_id);
  });
  while (true) {
    auto run = jobs->RunJob(name, trigger);
    if (run) {
      if (run->state == etl::JobRunState::kSucceeded) return Ok();
      return std::unexpected(Error::Internal(fmt::format("job {} run {} {}: {}", name, run->id,
                                                         etl::JobRunStateName(run->state), run->error_message)));
    }
    if (run.error().code() != Error::Code::kConcurrentRunsExceeded || stop.stop_requested())
      return std::unexpected(run.error());
    std::this_thread::sleep_for(kStepPoll);
  }
}

Status Lakebox::Parts::AddTasks() {
  for (auto& [name, producer] : producers) {
    std::string schedule_name = name;
    LAKEBOX_TRY(scheduler->Add("schedule:" + name, producer->definition.expression,
                               [this, schedule_name](std::stop_token stop) {
                                 return RunProduceStep(schedule_name, stop, /*flush=*/false);
                               }));
  }
  LAKEBOX_ASSIGN_OR_RETURN(auto crawler_list, crawlers->GetCrawlers());
  for (const catalog::CrawlerStatus& crawler : crawler_list) {
    if (crawler.definition.schedule.empty()) continue;
    auto expression = schedule::ScheduleExpression::Parse(crawler.definition.schedule);
    if (!expression)
      return std::unexpected(expression.error().WithContext(fmt::format("crawler {} schedule", crawler.definition.name)));
    std::string name = crawler.definition.name;
    LAKEBOX_TRY(scheduler->Add("crawler:" + name, *std::move(expression),
                               [this, name](std::stop_token stop) { return RunCrawlStep(name, stop); }));
  }
  for (const etl::JobDefinition& job : jobs->Jobs()) {
    if (job.schedule.empty()) continue;
    LAKEBOX_ASSIGN_OR_RETURN(auto expression, schedule::ScheduleExpression::Parse(job.schedule));
    std::string name = job.name;
    LAKEBOX_TRY(scheduler->Add("job:" + name, std::move(expression),
                               [this, name](std::stop_token stop) { return RunJobStep(name, "schedule", stop); }));
  }
  for (const schedule::WorkflowDefinition& workflow : workflows) {
    const schedule::WorkflowDefinition* definition = &workflow;
    LAKEBOX_TRY(scheduler->Add(
        "workflow:" + workflow.name, workflow.schedule, [this, definition](std::stop_token stop) {
          std::string trigger = "workflow:" + definition->name;
          return schedule::RunWorkflow(
              *definition,
              [this, trigger](const schedule::WorkflowStep& step, std::stop_token step_stop) -> Status {
                switch (step.kind) {
                  case schedule::StepKind::kProduce: return RunProduceStep(step.target, step_stop, /*flush=*/true);
                  case schedule::StepKind::kCrawl: return RunCrawlStep(step.target, step_stop);
                  case schedule::StepKind::kJob: return RunJobStep(step.target, trigger, step_stop);
                }
                return std::unexpected(Error::Internal("unknown workflow step kind"));
              },
              stop);
        }));
  }
  return Ok();
}

Lakebox::Lakebox(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Lakebox::~Lakebox() { (void)Shutdown(); }

Result<std::unique_ptr<Lakebox>> Lakebox::Open(const Config& config) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  const std::filesystem::path data_dir = config.storage.data_dir;
  const std::string& source = config.source_name;
  LAKEBOX_TRY(CreateDirs(data_dir));

  LAKEBOX_ASSIGN_OR_RETURN(parts->store, storage::LocalObjectStore::Open(data_dir / "s3"));
  if (config.storage.max_write_bytes_per_second > 0)
    parts->store = std::make_unique<storage::ThrottledObjectStore>(std::move(parts->store),
                                                                   config.storage.max_write_bytes_per_second);

  LAKEBOX_ASSIGN_OR_RETURN(metering::MeteringConfig metering_config,
                           metering::MeteringConfigFromToml(config.raw(), source));
  LAKEBOX_ASSIGN_OR_RETURN(parts->meter, metering::Meter::Open({.data_dir = data_dir, .config = metering_config},
                                                               parts->store.get()));
  metering::Meter* meter = parts->meter.get();

  ingest::IngestOptions ingest_options;
  ingest_options.data_dir = data_dir;
  ingest_options.region = config.aws.region;
  ingest_options.account_id = config.aws.account_id;
  ingest_options.max_buffered_bytes_per_stream = config.ingest.max_buffered_bytes_per_stream;
  ingest_options.min_free_disk_bytes = config.ingest.min_free_disk_bytes;
  ingest_options.delivery_threads = config.ingest.delivery_threads;
  ingest_options.on_put = [meter](std::string_view stream, std::span<const std::string_view> records) {
    meter->RecordPut(stream, records);
  };
  LAKEBOX_ASSIGN_OR_RETURN(parts->ingest, ingest::IngestService::Open(ingest_options, parts->store.get()));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<ingest::StreamConfig> streams,
                           ingest::StreamConfigsFromToml(config.raw(), source, config.aws.account_id));
  for (ingest::StreamConfig& stream : streams) {
    std::string name = stream.name;
    auto ensured = parts->ingest->EnsureStream(std::move(stream));
    if (!ensured) return std::unexpected(ensured.error().WithContext(fmt::format("stream {} in {}", name, source)));
  }

  LAKEBOX_ASSIGN_OR_RETURN(parts->catalog, catalog::SqliteCatalog::Open(data_dir / "catalog.db"));
  parts->crawlers = std::make_unique<catalog::CrawlerService>(
      parts->catalog.get(), parts->store.get(), [meter](std::string_view crawler, const catalog::CrawlRun& run) {
        meter->RecordCrawlerRun(crawler, run.start_time_ms, run.end_time_ms);
      });
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::CrawlerDefinition> crawlers,
                           catalog::CrawlerDefinitionsFromToml(config.raw(), source, config.aws.account_id));
  for (catalog::CrawlerDefinition& crawler : crawlers) {
    std::string name = crawler.name;
    auto ensured = parts->crawlers->EnsureCrawler(std::move(crawler));
    if (!ensured) return std::unexpected(ensured.error().WithContext(fmt::format("crawler {} in {}", name, source)));
  }

  LAKEBOX_ASSIGN_OR_RETURN(parts->engine,
                           query::Engine::Open({.data_dir = data_dir,
                                                .memory_limit = config.query.memory_limit,
                                                .max_concurrent_queries = config.query.max_concurrent_queries,
                                                .query_timeout = std::chrono::seconds(config.query.timeout_seconds)},
                                               parts->catalog.get()));
  query::QueryServiceOptions query_options{.data_dir = data_dir, .workers = config.query.max_concurrent_queries};
  query_options.on_finished = [meter](const query::QueryExecution& e) {
    if (metering::AthenaBillable(query::QueryStateName(e.state), e.statement_type, e.bytes_scanned))
      meter->RecordQuery(e.bytes_scanned);
  };
  LAKEBOX_ASSIGN_OR_RETURN(parts->queries,
                           query::QueryService::Open(std::move(query_options), parts->engine.get(), parts->store.get()));

  LAKEBOX_ASSIGN_OR_RETURN(std::vector<dashboard::Dashboard> dashboards,
                           dashboard::ConfiguredDashboards(config.raw(), source));
  // A dataset run is what QuickSight's direct query runs on Athena: a billed SELECT. Answers
  // from the dashboard cache run nothing and cost nothing.
  dashboard::DashboardServiceOptions dashboard_options;
  dashboard_options.on_query = [meter](const query::QueryStats& stats) {
    meter->RecordQuery(stats.bytes_scanned, metering::kDashboardSource);
  };
  parts->dashboards = std::make_unique<dashboard::DashboardService>(std::move(dashboards), parts->engine.get(),
                                                                     std::move(dashboard_options));

  LAKEBOX_ASSIGN_OR_RETURN(std::vector<etl::JobDefinition> jobs, etl::JobDefinitionsFromToml(config.raw(), source));
  etl::JobServiceOptions job_options{.data_dir = data_dir};
  job_options.on_run_finished = [meter](const etl::JobRun& run) {
    meter->RecordJobRun(run.job_name, run.started_on_ms, run.completed_on_ms);
  };
  LAKEBOX_ASSIGN_OR_RETURN(parts->jobs, etl::JobService::Open(std::move(job_options), std::move(jobs),
                                                              parts->catalog.get(), parts->store.get()));

  LAKEBOX_ASSIGN_OR_RETURN(schedule::ScheduleConfig schedules, schedule::ScheduleConfigFromToml(config.raw(), source));
  for (schedule::ProducerSchedule& producer : schedules.schedules) {
    std::string name = producer.name;
    parts->producers.emplace(name, std::make_unique<Producer>(std::move(producer)));
  }
  std::vector<std::string> crawler_names;
  LAKEBOX_ASSIGN_OR_RETURN(auto crawler_list, parts->crawlers->GetCrawlers());
  for (const auto& crawler : crawler_list) crawler_names.push_back(crawler.definition.name);
  std::vector<std::string> job_names;
  for (const auto& job : parts->jobs->Jobs()) job_names.push_back(job.name);
  LAKEBOX_TRY(schedule::CheckWorkflowReferences(schedules.workflows, crawler_names, job_names, source));
  parts->workflows = std::move(schedules.workflows);

  parts->scheduler = std::make_unique<schedule::Scheduler>();
  LAKEBOX_TRY(parts->AddTasks());
  LAKEBOX_TRY(parts->meter->Start());
  return std::unique_ptr<Lakebox>(new Lakebox(std::move(parts)));
}

Status Lakebox::StartSchedules() {
  std::lock_guard lock(parts_->mu);
  if (parts_->started || parts_->shut_down) return Ok();
  parts_->started = true;
  LAKEBOX_TRY(parts_->scheduler->Start());
  for (const schedule::TaskStatus& task : parts_->scheduler->Tasks()) {
    spdlog::info("schedule {}: {}, next run {}", task.name, task.expression.empty() ? "on demand" : task.expression,
                 TimeOrNull(task.next_run).dump());
  }
  return Ok();
}

Status Lakebox::Produce(std::string_view schedule_name, std::stop_token stop) {
  return parts_->RunProduceStep(std::string(schedule_name), stop, /*flush=*/false);
}

Status Lakebox::RunTaskNow(std::string_view task) {
  Status status = parts_->scheduler->RunNow(task);
  if (!status && status.error().code() == Error::Code::kEntityNotFound) {
    std::string known;
    for (const schedule::TaskStatus& t : parts_->scheduler->Tasks()) known += (known.empty() ? "" : ", ") + t.name;
    return std::unexpected(Error::EntityNotFound(
        fmt::format("no scheduled task {}; the tasks are: {}", task, known.empty() ? "(none)" : known)));
  }
  return status;
}

json Lakebox::StatusJson() const {
  json streams = json::array();
  for (const ingest::StreamStats& s : parts_->ingest->Stats()) {
    streams.push_back({{"name", s.name},
                       {"records_received", s.records_received},
                       {"bytes_received", s.bytes_received},
                       {"objects_delivered", s.objects_delivered},
                       {"bytes_delivered", s.bytes_delivered},
                       {"buffered_bytes", s.buffered_bytes},
                       {"wal_bytes", s.wal_bytes},
                       {"last_delivery", TimeOrNull(s.last_delivery_ms)},
                       {"delivery_errors", s.delivery_errors}});
  }
  json crawlers = json::array();
  if (auto list = parts_->crawlers->GetCrawlers(); list) {
    for (const catalog::CrawlerStatus& c : *list) {
      json entry = {{"name", c.definition.name},
                    {"state", std::string(catalog::CrawlerStateName(c.state))},
                    {"schedule", c.definition.schedule},
                    {"targets", json::array()}};
      for (const auto& target : c.definition.targets) entry["targets"].push_back(target.path);
      if (c.last_crawl) {
        entry["last_crawl"] = {{"status", c.last_crawl->status},
                               {"start", TimeOrNull(c.last_crawl->start_time_ms)},
                               {"end", TimeOrNull(c.last_crawl->end_time_ms)},
                               {"error", c.last_crawl->error_message},
                               {"tables_created", c.last_crawl->tables_created},
                               {"tables_updated", c.last_crawl->tables_updated},
                               {"partitions_added", c.last_crawl->partitions_added},
                               {"objects_read", c.last_crawl->objects_read}};
      }
      crawlers.push_back(std::move(entry));
    }
  }
  json jobs = json::array();
  for (const etl::JobDefinition& job : parts_->jobs->Jobs()) {
    etl::JobProgress progress;
    bool running = parts_->jobs->Running(job.name, &progress);
    json entry = {{"name", job.name},
                  {"source", job.source_database + "." + job.source_table},
                  {"target", job.target},
                  {"schedule", job.schedule},
                  {"state", running ? "RUNNING" : "READY"}};
    if (running) {
      entry["progress"] = {{"phase", progress.phase},
                           {"objects_done", progress.objects_done},
                           {"objects_total", progress.objects_total},
                           {"bytes_done", progress.bytes_done}};
    }
    if (auto runs = parts_->jobs->Runs(job.name, 1); runs && !runs->empty()) {
      const etl::JobRun& run = runs->front();
      entry["last_run"] = {{"id", run.id},
                           {"state", std::string(etl::JobRunStateName(run.state))},
                           {"started", TimeOrNull(run.started_on_ms)},
                           {"completed", TimeOrNull(run.completed_on_ms)},
                           {"execution_time_s", run.execution_time_s},
                           {"records_in", run.records_in},
                           {"records_out", run.records_out},
                           {"objects_out", run.objects_out},
                           {"error", run.error_message}};
    }
    jobs.push_back(std::move(entry));
  }
  json tasks = json::array();
  for (const schedule::TaskStatus& t : parts_->scheduler->Tasks()) {
    tasks.push_back({{"name", t.name},
                     {"expression", t.expression},
                     {"state", std::string(schedule::TaskStateName(t.state))},
                     {"next_run", TimeOrNull(t.next_run)},
                     {"last_start", TimeOrNull(t.last_start)},
                     {"last_end", TimeOrNull(t.last_end)},
                     {"last_trigger", t.last_trigger},
                     {"last_outcome", std::string(schedule::RunOutcomeName(t.last_outcome))},
                     {"last_error", t.last_error},
                     {"runs_started", t.runs_started},
                     {"runs_succeeded", t.runs_succeeded},
                     {"runs_failed", t.runs_failed},
                     {"runs_skipped", t.runs_skipped}});
  }
  json dashboards = json::array();
  for (const dashboard::Dashboard& d : parts_->dashboards->List())
    dashboards.push_back({{"name", d.name}, {"title", d.title}, {"url", "/#/dashboards/" + d.name}});
  return {{"time", FormatIso8601Millis(NowMillis())},
          {"streams", std::move(streams)},
          {"crawlers", std::move(crawlers)},
          {"jobs", std::move(jobs)},
          {"schedules", std::move(tasks)},
          {"dashboards", std::move(dashboards)},
          {"metering", parts_->meter->ReportJson()}};
}

storage::ObjectStore& Lakebox::store() { return *parts_->store; }
ingest::IngestService& Lakebox::ingest() { return *parts_->ingest; }
catalog::Catalog& Lakebox::catalog() { return *parts_->catalog; }
catalog::CrawlerService& Lakebox::crawlers() { return *parts_->crawlers; }
query::QueryService& Lakebox::queries() { return *parts_->queries; }
etl::JobService& Lakebox::jobs() { return *parts_->jobs; }
schedule::Scheduler& Lakebox::scheduler() { return *parts_->scheduler; }
dashboard::DashboardService& Lakebox::dashboards() { return *parts_->dashboards; }
metering::Meter& Lakebox::meter() { return *parts_->meter; }

Status Lakebox::Shutdown() {
  {
    std::lock_guard lock(parts_->mu);
    if (parts_->shut_down) return parts_->shutdown_status;
    parts_->shut_down = true;
  }
  // Scheduled runs first (they use every other service), then queries (running ones finish), jobs
  // (a running run is stopped: nothing of it becomes visible), crawlers (a running crawl is
  // cancelled), and ingest last, which delivers everything it buffered.
  parts_->scheduler->Shutdown();
  parts_->queries->Shutdown();
  parts_->jobs->Shutdown();
  parts_->crawlers->Shutdown();
  Status status = parts_->ingest->Shutdown();
  // Last: the puts ingest accepted while shutting down, and what it delivered, are metered.
  if (Status stopped = parts_->meter->Stop(); !stopped) spdlog::warn("metering: {}", stopped.error().ToString());
  std::lock_guard lock(parts_->mu);
  parts_->shutdown_status = status;
  return status;
}

}  // namespace lakebox::app
