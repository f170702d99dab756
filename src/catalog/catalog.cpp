#include "catalog/catalog.h"

#include <cctype>

#include <fmt/format.h>

namespace lakebox::catalog {

Result<std::string> NormalizeName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > 255)
    return std::unexpected(Error::InvalidInput(
        fmt::format("{} name must be 1 to 255 characters long, got {} characters", what, name.size())));
  std::string normalized;
  normalized.reserve(name.size());
  for (char c : name) {
    // Glue's single-line string pattern: no control characters (tabs, newlines) in names.
    if (static_cast<unsigned char>(c) < 0x20)
      return std::unexpected(Error::InvalidInput(
          fmt::format("{} name \"{}\" contains a control character", what, name)));
    normalized.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return normalized;
}

}  // namespace lakebox::catalog
