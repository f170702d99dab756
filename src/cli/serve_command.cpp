// `lakebox serve`: everything in one process — the AWS-compatible endpoint over app::Lakebox
// (ingest and delivery, catalog and crawlers, queries, ETL jobs and the schedules).
#include <signal.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/lakebox.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "server/server.h"

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
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<app::Lakebox> lake, app::Lakebox::Open(config));

  server::ServerOptions server_options;
  server_options.host = listen.first;
  server_options.port = listen.second;
  server_options.max_connections = config.server.max_connections;
  server_options.max_inflight_body_bytes = config.server.max_inflight_body_bytes;
  server_options.account_id = config.aws.account_id;
  app::Lakebox* lake_ptr = lake.get();
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<server::Server> server,
                           server::Server::Start(server_options, {.ingest = &lake->ingest(),
                                                                  .catalog = &lake->catalog(),
                                                                  .crawlers = &lake->crawlers(),
                                                                  .queries = &lake->queries(),
                                                                  .jobs = &lake->jobs(),
                                                                  .status = [lake_ptr] { return lake_ptr->StatusJson().dump(); },
                                                                  .run_task = [lake_ptr](std::string_view task) {
                                                                    return lake_ptr->RunTaskNow(task);
                                                                  }}));
  spdlog::info("lakebox serving on http://{}:{} (data dir {})", listen.first, server->port(),
               std::filesystem::absolute(config.storage.data_dir).string());
  LAKEBOX_TRY(lake->StartSchedules());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}: stopping the endpoint, then delivering everything buffered",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  server->Stop();
  // Scheduled runs are asked to stop, running queries finish, a running job run is stopped (none
  // of it becomes visible) and a running crawl cancelled; then ingest delivers what it buffered.
  LAKEBOX_TRY(lake->Shutdown());
  spdlog::info("lakebox stopped cleanly");
  return Ok();
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run lakebox: the Firehose-, Glue- and Athena-compatible endpoint, ingest and delivery into the local lake, "
      "the crawlers, ETL jobs and the schedules and workflows of lakebox.toml");
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
