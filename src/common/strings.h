// Small text helpers shared across components.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace lakebox {

// `text` with A-Z turned into a-z and every other byte (UTF-8 included) kept: how Hive, Glue and
// SQL keywords compare names, independent of the process's locale.
std::string AsciiLower(std::string_view text);

}  // namespace lakebox
