// What `lakebox serve` and `lakebox demo` share: loading lakebox.toml with the command-line
// overrides, and putting the HTTP endpoint (AWS APIs, native API, web UI) in front of an
// app::Lakebox.
#pragma once

#include <signal.h>

#include <memory>
#include <string>

#include "common/config.h"
#include "common/error.h"

namespace lakebox::app {
class Lakebox;
}
namespace lakebox::server {
class Server;
}

namespace lakebox::cli {

// Command-line values that override lakebox.toml; empty = keep the file's (or the default).
struct ConfigOverrides {
  std::string config_path;  // "" = ./lakebox.toml when it exists, else the defaults
  std::string data_dir;
  std::string listen;
  std::string log_level;
};

Result<Config> LoadConfig(const ConfigOverrides& overrides);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards (threads
// inherit the mask), so that the main thread alone receives them, through sigwait, and can shut
// down in order. Call it before starting any thread.
sigset_t BlockShutdownSignals();

// Starts the endpoint on config.server.listen over everything `lake` serves (which must outlive
// the server), including the embedded web UI at "/".
Result<std::unique_ptr<server::Server>> StartEndpoint(const Config& config, app::Lakebox& lake);

}  // namespace lakebox::cli
