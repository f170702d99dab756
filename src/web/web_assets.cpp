#include "web/web_assets.h"

#include <algorithm>
#include <utility>

#include "web/embedded_files.h"

namespace lakebox::web {
namespace {

constexpr std::string_view kAssetsPrefix = "/assets/";

std::string_view ContentType(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  };
  for (const auto& [extension, type] : kTypes)
    if (name.ends_with(extension)) return type;
  return "application/octet-stream";
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view url_path) {
  std::string_view name;
  if (url_path == "/" || url_path == "/index.html") {
    name = "index.html";
  } else if (url_path.starts_with(kAssetsPrefix)) {
    name = url_path.substr(kAssetsPrefix.size());
    if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto files = internal::EmbeddedFiles();
  auto it = std::ranges::find(files, name, &internal::EmbeddedFile::name);
  if (it == files.end()) return std::nullopt;
  return Asset{.content_type = ContentType(name), .body = it->body};
}

}  // namespace lakebox::web
