// `lakebox serve`: everything in one process — the AWS-compatible endpoint and the web UI over
// app::Lakebox (ingest and delivery, catalog and crawlers, queries, ETL jobs, the schedules,
// dashboards and metering).
#include <signal.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/lakebox.h"
#include "cli/commands.h"
#include "cli/endpoint.h"
#include "common/config.h"
#include "common/log.h"
#include "server/server.h"

namespace lakebox::cli {
namespace {

Status Serve(const ConfigOverrides& flags) {
  sigset_t signals = BlockShutdownSignals();
  LAKEBOX_ASSIGN_OR_RETURN(Config config, LoadConfig(flags));
  LAKEBOX_TRY(SetupLogging(config.log.level));
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<app::Lakebox> lake, app::Lakebox::Open(config));
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<server::Server> server, StartEndpoint(config, *lake));
  LAKEBOX_ASSIGN_OR_RETURN(auto listen, ParseListenAddress(config.server.listen));
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
  auto flags = std::make_shared<ConfigOverrides>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run lakebox: the Firehose-, Glue- and Athena-compatible endpoint, ingest and delivery into the local lake, "
      "the crawlers, ETL jobs and the schedules and workflows of lakebox.toml, and the web UI at / (dashboards, SQL "
      "console, status)");
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
