// `lakebox demo`: the seed story in one command, in one process. It starts lakebox with the seed's
// pipeline (examples/vehicles.toml, compiled in), creates the seed's delivery stream through the
// Firehose API with its exact Prefix and ErrorOutputPrefix, runs the vehicle producer (the seed's
// Lambda), flushes, crawls the raw data, runs the Glue job vehicles_to_stage, crawls the stage
// table, prints the seed's Athena query and the cost report, then serves the dashboards and keeps
// running the pipeline every --interval seconds until Ctrl-C (or exits with --exit).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/lakebox.h"
#include "catalog/crawler_service.h"
#include "cli/athena_client.h"
#include "cli/commands.h"
#include "cli/cost_format.h"
#include "cli/endpoint.h"
#include "cli/query_runner.h"
#include "cli/text_format.h"
#include "common/config.h"
#include "common/log.h"
#include "common/time.h"
#include "etl/job_service.h"
#include "metering/meter.h"
#include "producer/firehose_client.h"
#include "server/server.h"
#include "storage/object_store.h"

namespace lakebox::cli {

// examples/vehicles.toml as it was at build time (generated demo_config.cpp).
extern const char kDemoConfigToml[];

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSteps = 8;
constexpr std::string_view kStream = "vehicles";
constexpr std::string_view kProducer = "producer";  // the [[schedule]] in examples/vehicles.toml
constexpr std::string_view kWorkflow = "workflow:vehicles_pipeline";
constexpr std::string_view kSeedQuery = R"(SELECT * FROM "vehicles"."vehicles_stage" limit 10;)";

struct DemoFlags {
  std::string data_dir = "lakebox-demo";
  std::string listen = "127.0.0.1:4566";
  std::string log_level = "warn";
  bool exit_when_done = false;
  int interval_seconds = 60;
};

// The seed's stream, as its console steps describe it: the exact Prefix and ErrorOutputPrefix,
// GZIP, and a 10 s buffer interval instead of the seed's 900 s so that the dashboard moves.
std::string CreateStreamRequest() {
  nlohmann::json request = {
      {"DeliveryStreamName", kStream},
      {"DeliveryStreamType", "DirectPut"},
      {"ExtendedS3DestinationConfiguration",
       {{"RoleARN", "arn:aws:iam::000000000000:role/firehose"},
        {"BucketARN", "arn:aws:s3:::lake"},
        {"Prefix", "raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"},
        {"ErrorOutputPrefix",
         "fherroroutputbase/!{firehose:random-string}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"},
        {"BufferingHints", {{"SizeInMBs", 128}, {"IntervalInSeconds", 10}}},
        {"CompressionFormat", "GZIP"}}}};
  return request.dump();
}

// One numbered step on stdout: its title, then what it did and how long it took, indented (so that
// a warning logged during the step sits between the two).
class Steps {
 public:
  void Begin(std::string_view title) {
    ++step_;
    started_ = Clock::now();
    std::cout << fmt::format("[{}/{}] {}\n", step_, kSteps, title) << std::flush;
  }
  void Done(std::string_view detail) {
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    std::cout << fmt::format("      {} ({:.2f} s)\n", detail, seconds) << std::flush;
  }

 private:
  int step_ = 0;
  Clock::time_point started_;
};

// Objects and bytes stored under s3://lake/<prefix>, and how many of them end in `suffix`.
struct PrefixSummary {
  int64_t objects = 0;
  int64_t bytes = 0;
};

Result<PrefixSummary> Summarize(storage::ObjectStore& store, std::string_view prefix, std::string_view suffix) {
  LAKEBOX_ASSIGN_OR_RETURN(auto objects, storage::ListAllObjects(store, "lake", prefix));
  PrefixSummary summary;
  for (const auto& object : objects) {
    if (!object.key.ends_with(suffix)) continue;
    ++summary.objects;
    summary.bytes += static_cast<int64_t>(object.size);
  }
  return summary;
}

Status CheckCrawl(const Result<catalog::CrawlRun>& run, std::string_view crawler) {
  if (!run) return std::unexpected(run.error().WithContext(fmt::format("crawler {}", crawler)));
  if (run->status != "SUCCEEDED")
    return std::unexpected(Error::Internal(fmt::format("crawler {} {}: {}", crawler, run->status, run->error_message)));
  return Ok();
}

// Steps 1 to 8; `endpoint` is the server's base URL.
Status RunStory(app::Lakebox& lake, const std::string& endpoint) {
  Steps steps;
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient firehose, producer::FirehoseClient::Create({.endpoint = endpoint}));

  steps.Begin("Creating the seed's Firehose delivery stream \"vehicles\" (CreateDeliveryStream)");
  auto created = firehose.Call("CreateDeliveryStream", CreateStreamRequest());
  if (!created && created.error().code() != Error::Code::kResourceInUse) return std::unexpected(created.error());
  steps.Done(created ? "Prefix raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
                     : "it exists already in this data dir: reusing it");

  steps.Begin("Producing vehicle records (the seed's Lambda)");
  LAKEBOX_TRY(lake.Produce(kProducer));
  steps.Done("5,000 records put into the stream, acknowledged once in its write-ahead log");

  steps.Begin("Flushing the stream (instead of waiting for its buffer interval)");
  LAKEBOX_TRY(firehose.PostNative(fmt::format("/v1/streams/{}/flush", kStream), "{}"));
  LAKEBOX_ASSIGN_OR_RETURN(PrefixSummary raw, Summarize(lake.store(), "raw/", ".gz"));
  steps.Done(fmt::format("{} gzip objects, {} under s3://lake/raw/year=/month=/day=/hour=/", FormatCount(raw.objects),
                         FormatBytes(raw.bytes)));

  steps.Begin("Crawling s3://lake/raw/ with the Glue crawler vehicles_raw");
  auto raw_crawl = lake.crawlers().RunCrawler("vehicles_raw");
  LAKEBOX_TRY(CheckCrawl(raw_crawl, "vehicles_raw"));
  steps.Done(fmt::format("table vehicles.vehicles_raw: {} objects listed, {} partitions added (vehicle_status and "
                         "gps_info are structs)",
                         raw_crawl->objects_listed, raw_crawl->partitions_added));

  steps.Begin("Running the Glue job vehicles_to_stage (relationalize to gzip Parquet, partitioned by vendor)");
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobRun run, lake.jobs().RunJob("vehicles_to_stage", "demo"));
  if (run.state != etl::JobRunState::kSucceeded)
    return std::unexpected(Error::Internal(
        fmt::format("job vehicles_to_stage run {} {}: {}", run.id, etl::JobRunStateName(run.state), run.error_message)));
  steps.Done(fmt::format("{} records in, {} rows out, {} Parquet objects ({})", FormatCount(run.records_in),
                         FormatCount(run.records_out), FormatCount(run.objects_out), FormatBytes(run.bytes_out)));

  steps.Begin("Crawling the stage tables with the crawler vehicles_stage");
  auto stage_crawl = lake.crawlers().RunCrawler("vehicles_stage");
  LAKEBOX_TRY(CheckCrawl(stage_crawl, "vehicles_stage"));
  steps.Done("tables vehicles.vehicles_stage (flat columns) and vehicles.vehicles_stage_alerts");

  steps.Begin(fmt::format("Querying as the seed does in Athena: {}", kSeedQuery));
  LAKEBOX_ASSIGN_OR_RETURN(AthenaClient athena, AthenaClient::Create(endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(StatementRun query, RunStatement(athena, kSeedQuery, {}));
  if (query.execution.state != "SUCCEEDED")
    return std::unexpected(Error::Internal(
        fmt::format("the seed's query {} {}: {}", query.execution.id, query.execution.state, query.execution.reason)));
  steps.Done(RunSummary(query));
  std::cout << "\n" << RenderTable(query.results) << "\n";

  steps.Begin("Pricing what this run used (the seed's \"How much will it cost?\")");
  LAKEBOX_TRY(lake.meter().SampleStorage());  // the lake as it is now, for the S3 line
  LAKEBOX_ASSIGN_OR_RETURN(metering::CostReport report, lake.meter().Report());
  steps.Done("the seed's us-east-1 prices applied to what was metered; `lakebox cost` prints it any time");
  std::cout << "\n" << FormatCostReport(report) << "\n";
  return Ok();
}

// Runs the pipeline every `interval` until SIGINT or SIGTERM arrives in `signals`.
void KeepProducing(app::Lakebox& lake, const sigset_t& signals, std::chrono::seconds interval) {
  auto next = Clock::now();
  while (true) {
    if (Clock::now() >= next) {
      auto started = lake.RunTaskNow(kWorkflow);
      if (started)
        std::cout << fmt::format("{}  pipeline run started: produce 5,000 -> crawl raw -> job -> crawl stage\n",
                                 FormatIso8601Millis(NowMillis()))
                  << std::flush;
      else if (started.error().code() != Error::Code::kConcurrentRunsExceeded)
        std::cout << fmt::format("pipeline run not started: {}\n", started.error().ToString()) << std::flush;
      next = Clock::now() + interval;
    }
    timespec wait{.tv_sec = 1, .tv_nsec = 0};
    if (sigtimedwait(&signals, nullptr, &wait) > 0) return;
  }
}

Status Demo(const DemoFlags& flags) {
  sigset_t signals = BlockShutdownSignals();
  LAKEBOX_ASSIGN_OR_RETURN(Config config, Config::Parse(kDemoConfigToml, "examples/vehicles.toml (built into lakebox)"));
  config.storage.data_dir = flags.data_dir;
  config.server.listen = flags.listen;
  config.log.level = flags.log_level;
  LAKEBOX_TRY(SetupLogging(config.log.level));

  std::cout << fmt::format("lakebox demo: the seed's serverless data lake on this machine (data dir {})\n\n",
                           std::filesystem::absolute(config.storage.data_dir).string());
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<app::Lakebox> lake, app::Lakebox::Open(config));
  auto endpoint_server = StartEndpoint(config, *lake);
  if (!endpoint_server) {
    return std::unexpected(endpoint_server.error().WithContext(
        fmt::format("starting the endpoint on {} (another lakebox running? pass --listen 127.0.0.1:PORT)",
                    config.server.listen)));
  }
  std::unique_ptr<server::Server> server = std::move(*endpoint_server);
  LAKEBOX_ASSIGN_OR_RETURN(auto listen, ParseListenAddress(config.server.listen));
  std::string endpoint = fmt::format("http://{}:{}", listen.first, server->port());

  Status story = RunStory(*lake, endpoint);
  if (story) {
    std::cout << fmt::format("Dashboard:   {}/#/dashboards/vehicles\n", endpoint)
              << fmt::format("SQL console: {}/#/console\n", endpoint)
              << fmt::format("Status:      {}/#/status\n", endpoint)
              << fmt::format("AWS CLI:     aws --endpoint-url {} firehose|glue|athena ...\n", endpoint);
    if (!flags.exit_when_done) {
      std::cout << fmt::format("\nRunning the pipeline every {} s (produce -> crawl -> job -> crawl); Ctrl-C stops.\n",
                               flags.interval_seconds)
                << std::flush;
      KeepProducing(*lake, signals, std::chrono::seconds(flags.interval_seconds));
      std::cout << "\nStopping: delivering what is buffered ...\n" << std::flush;
    }
  }
  server->Stop();
  Status shutdown = lake->Shutdown();
  LAKEBOX_TRY(story);
  return shutdown;
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the seed story end to end: create the seed's Firehose stream, produce vehicle records, flush, crawl, run "
      "the Glue job, crawl the stage table, query it as the seed does in Athena and price it; then serve the "
      "dashboards and run the pipeline on a schedule until Ctrl-C");
  cmd->add_option("--data-dir", flags->data_dir, "Where the demo's lake lives; best empty or new (default ./lakebox-demo)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT for the endpoint and dashboards (default 127.0.0.1:4566)");
  cmd->add_flag("--exit", flags->exit_when_done, "Exit after the story instead of serving and producing until Ctrl-C");
  cmd->add_option("--interval", flags->interval_seconds, "Seconds between pipeline runs after the story (default 60)")
      ->check(CLI::Range(5, 86400));
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn or error (default warn)");
  cmd->callback([flags] {
    Status s = Demo(*flags);
    if (!s) {
      std::cout << "\n" << std::flush;
      spdlog::error("lakebox demo: {}", s.error().ToString());
      SetExitCode(1);
    }
  });
}

}  // namespace lakebox::cli
