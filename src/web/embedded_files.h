// Internal to the web component: the table of embedded files that cmake/web_assets.cmake
// generates (one entry per file, by its name under /assets/).
#pragma once

#include <span>
#include <string_view>

namespace lakebox::web::internal {

struct EmbeddedFile {
  std::string_view name;  // the file name, e.g. "index.html", "echarts.min.js"
  std::string_view body;
};

std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace lakebox::web::internal
