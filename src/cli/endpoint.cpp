#include "cli/endpoint.h"

#include <filesystem>

#include "app/lakebox.h"
#include "server/server.h"
#include "web/web_assets.h"

namespace lakebox::cli {
namespace {

// The web UI built into the binary (src/web): "/" and "/assets/...".
std::optional<server::StaticFile> ServeWebAsset(std::string_view path) {
  std::optional<web::Asset> asset = web::FindAsset(path);
  if (!asset) return std::nullopt;
  return server::StaticFile{.content_type = asset->content_type, .body = asset->body};
}

}  // namespace

Result<Config> LoadConfig(const ConfigOverrides& overrides) {
  Config config;
  if (!overrides.config_path.empty()) {
    LAKEBOX_ASSIGN_OR_RETURN(config, Config::LoadFile(overrides.config_path));
  } else if (std::filesystem::exists("lakebox.toml")) {
    LAKEBOX_ASSIGN_OR_RETURN(config, Config::LoadFile("lakebox.toml"));
  }
  if (!overrides.data_dir.empty()) config.storage.data_dir = overrides.data_dir;
  if (!overrides.listen.empty()) config.server.listen = overrides.listen;
  if (!overrides.log_level.empty()) config.log.level = overrides.log_level;
  return config;
}

sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

Result<std::unique_ptr<server::Server>> StartEndpoint(const Config& config, app::Lakebox& lake) {
  LAKEBOX_ASSIGN_OR_RETURN(auto listen, ParseListenAddress(config.server.listen));
  server::ServerOptions options;
  options.host = listen.first;
  options.port = listen.second;
  options.max_connections = config.server.max_connections;
  options.max_inflight_body_bytes = config.server.max_inflight_body_bytes;
  options.account_id = config.aws.account_id;
  app::Lakebox* lake_ptr = &lake;
  return server::Server::Start(options, {.ingest = &lake.ingest(),
                                         .catalog = &lake.catalog(),
                                         .crawlers = &lake.crawlers(),
                                         .queries = &lake.queries(),
                                         .jobs = &lake.jobs(),
                                         .status = [lake_ptr] { return lake_ptr->StatusJson().dump(); },
                                         .run_task = [lake_ptr](std::string_view task) {
                                           return lake_ptr->RunTaskNow(task);
                                         },
                                         .dashboards = &lake.dashboards(),
                                         .static_files = ServeWebAsset});
}

}  // namespace lakebox::cli
