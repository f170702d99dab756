#include "common/log.h"

#include <spdlog/spdlog.h>

namespace lakebox {

Status SetupLogging(std::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off")
    return std::unexpected(Error::InvalidArgument(
        fmt::format("unknown log level \"{}\" (use trace, debug, info, warn or error)", level)));
  spdlog::set_level(parsed);
  // UTC timestamps so logs line up with object keys and prefix evaluation.
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  return Ok();
}

}  // namespace lakebox
