// Logging: spdlog, one process-wide logger writing to stderr. Components log through spdlog's
// free functions (spdlog::info(...)); this only configures it.
#pragma once

#include <string_view>

#include "common/error.h"

namespace lakebox {

// Sets the level ("trace".."error") and a compact pattern with UTC timestamps.
Status SetupLogging(std::string_view level);

}  // namespace lakebox
