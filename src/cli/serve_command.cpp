// `lakebox serve`: everything in one process — the AWS-compatible endpoint, ingest and delivery.
#include <signal.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "catalog/crawler_service.h"
#include "catalog/crawler_toml.h"
#include "catalog/sqlite_catalog.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/file_util.h"
#include "common/log.h"
#include "ingest/ingest_service.h"
#include "ingest/stream_toml.h"
#include "query/engine.h"
#include "query/query_service.h"
#include "server/server.h"
#include "storage/local_object_store.h"
#include "storage/throttled_object_store.h"

namespace lakebox::cli {
namespace {

struct ServeFlags {
  std::string config_path;
  std::string data_dir;
  std::string listen;
  std::string log_level;
};

// Blocks SIGINT and SIGTERM in every thread (threads inherit the mask), so that the main thread
// alone receives them through sigwait and can shut down in order.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

Result<Config> LoadConfig(const ServeFlags& flags) {
  Config config;
  if (!flags.config_path.empty()) {
    LAKEBOX_ASSIGN_OR_RETURN(config, Config::LoadFile(flags.config_path));
  } else if (std::filesystem::exists("lakebox.toml")) {
    LAKEBOX_ASSIGN_OR_RETURN(config, Config::LoadFile("lakebox.toml"));
  }
  if (!flags.data_dir.empty()) config.storage.data_dir = flags.data_dir;
  if (!flags.listen.empty()) config.server.listen = flags.listen;
  if (!flags.log_level.empty()) config.log.level = flags.log_level;
  return config;
}

Status Serve(const ServeFlags& flags) {
  sigset_t signals = BlockShutdownSignals();
  LAKEBOX_ASSIGN_OR_RETURN(Config config, LoadConfig(flags));
  LAKEBOX_TRY(SetupLogging(config.log.level));
  LAKEBOX_ASSIGN_OR_RETURN(auto listen, ParseListenAddress(config.server.listen));
  const std::filesystem::path data_dir = config.storage.data_dir;
  LAKEBOX_TRY(CreateDirs(data_dir));

  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> store,
                           storage::LocalObjectStore::Open(data_dir / "s3"));
  if (config.storage.max_write_bytes_per_second > 0)
    store = std::make_unique<storage::ThrottledObjectStore>(std::move(store),
                                                            config.storage.max_write_bytes_per_second);

  ingest::IngestOptions ingest_options;
  ingest_options.data_dir = data_dir;
  ingest_options.region = config.aws.region;
  ingest_options.account_id = config.aws.account_id;
  ingest_options.max_buffered_bytes_per_stream = config.ingest.max_buffered_bytes_per_stream;
  ingest_options.min_free_disk_bytes = config.ingest.min_free_disk_bytes;
  ingest_options.delivery_threads = config.ingest.delivery_threads;
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<ingest::IngestService> ingest,
                           ingest::IngestService::Open(ingest_options, store.get()));

  LAKEBOX_ASSIGN_OR_RETURN(std::vector<ingest::StreamConfig> declared,
                           ingest::StreamConfigsFromToml(config.raw(), config.source_name, config.aws.account_id));
  for (ingest::StreamConfig& stream : declared) {
    std::string name = stream.name;
    auto ensured = ingest->EnsureStream(std::move(stream));
    if (!ensured) return std::unexpected(ensured.error().WithContext(fmt::format("stream {} in {}", name, config.source_name)));
  }

  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<catalog::SqliteCatalog> catalog,
                           catalog::SqliteCatalog::Open(data_dir / "catalog.db"));
  catalog::CrawlerService crawlers(catalog.get(), store.get());
  LAKEBOX_ASSIGN_OR_RETURN(
      std::vector<catalog::CrawlerDefinition> declared_crawlers,
      catalog::CrawlerDefinitionsFromToml(config.raw(), config.source_name, config.aws.account_id));
  for (catalog::CrawlerDefinition& crawler : declared_crawlers) {
    std::string name = crawler.name;
    auto ensured = crawlers.EnsureCrawler(std::move(crawler));
    if (!ensured)
      return std::unexpected(
          ensured.error().WithContext(fmt::format("crawler {} in {}", name, config.source_name)));
  }

  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<query::Engine> engine,
                           query::Engine::Open({.data_dir = data_dir,
                                                .memory_limit = config.query.memory_limit,
                                                .max_concurrent_queries = config.query.max_concurrent_queries,
                                                .query_timeout = std::chrono::seconds(config.query.timeout_seconds)},
                                               catalog.get()));
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<query::QueryService> queries,
                           query::QueryService::Open({.data_dir = data_dir, .workers = config.query.max_concurrent_queries},
                                                     engine.get(), store.get()));

  server::ServerOptions server_options;
  server_options.host = listen.first;
  server_options.port = listen.second;
  server_options.max_connections = config.server.max_connections;
  server_options.max_inflight_body_bytes = config.server.max_inflight_body_bytes;
  server_options.account_id = config.aws.account_id;
  LAKEBOX_ASSIGN_OR_RETURN(
      std::unique_ptr<server::Server> server,
      server::Server::Start(server_options,
                            {.ingest = ingest.get(),
                             .catalog = catalog.get(),
                             .crawlers = &crawlers,
                             .queries = queries.get()}));
  spdlog::info("lakebox serving on http://{}:{} (data dir {})", listen.first, server->port(),
               std::filesystem::absolute(data_dir).string());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}: stopping the endpoint, then delivering everything buffered",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  server->Stop();
  // Running queries finish (queued ones come back FAILED at the next start).
  queries->Shutdown();
  // A running crawl is cancelled (its run ends CANCELLED) rather than waited for; then ingest
  // delivers everything it buffered.
  crawlers.Shutdown();
  Status shutdown = ingest->Shutdown();
  if (!shutdown) return shutdown;
  spdlog::info("lakebox stopped cleanly");
  return Ok();
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run lakebox: the Firehose-, Glue- and Athena-compatible endpoint, ingest and delivery into the local lake, "
      "and the crawlers");
  cmd->add_option("--config", flags->config_path,
                  "TOML config file (default: ./lakebox.toml if it exists; see docs/configuration.md)");
  cmd->add_option("--data-dir", flags->data_dir, "Where the lake and lakebox's state live (default ./lakebox-data)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on (default 127.0.0.1:4566)");
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn or error (default info)");
  cmd->callback([flags] {
    Status s = Serve(*flags);
    if (!s) {
      spdlog::error("{}", s.error().ToString());
      SetExitCode(1);
    }
  });
}

}  // namespace lakebox::cli
