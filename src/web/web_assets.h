// The web UI (web/: the dashboards, the SQL console and the status page) and the npm files it
// loads, built into the binary so that `lakebox serve` needs nothing on disk to serve it.
//
// URL paths: "/" and "/index.html" are web/index.html (a single page app with hash routes
// #/dashboards/<name>, #/console, #/status); "/assets/<file>" is any other embedded file by its
// name: app.css, the ES modules of web/js/ (api.js, ...), echarts.min.js,
// topojson-client.min.js and countries-50m.json. cmake/web_assets.cmake decides which files are in.
//
// Thread safety: FindAsset may be called from any thread; the bodies are static data.
#pragma once

#include <optional>
#include <string_view>

namespace lakebox::web {

struct Asset {
  std::string_view content_type;  // from the file's extension, e.g. "text/javascript; charset=utf-8"
  std::string_view body;          // the file's bytes, valid for the life of the process
};

// The embedded file for a URL path (no query string); nullopt for any other path, including
// "/assets/" with nothing after it or with a '/' in the name.
std::optional<Asset> FindAsset(std::string_view url_path);

}  // namespace lakebox::web
