#include "common/config.h"

#include <cctype>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace lakebox {
namespace {

Error KeyError(std::string_view source, std::string_view key, std::string_view problem) {
  return Error::InvalidArgument(fmt::format("{}: {}: {}", source, key, problem));
}

Result<std::string> GetString(const toml::table& t, std::string_view section, std::string_view key,
                              std::string_view source, std::string current) {
  const toml::node* node = t.get(key);
  if (!node) return current;
  if (auto v = node->value<std::string>()) return *v;
  return std::unexpected(KeyError(source, fmt::format("{}.{}", section, key), "must be a string"));
}

Result<int64_t> GetInt(const toml::table& t, std::string_view section, std::string_view key,
                       std::string_view source, int64_t current, int64_t min, int64_t max) {
  const toml::node* node = t.get(key);
  if (!node) return current;
  auto v = node->value<int64_t>();
  if (!v || !node->is_integer())
    return std::unexpected(KeyError(source, fmt::format("{}.{}", section, key), "must be an integer"));
  if (*v < min || *v > max)
    return std::unexpected(KeyError(source, fmt::format("{}.{}", section, key),
                                    fmt::format("{} is out of range {}..{}", *v, min, max)));
  return *v;
}

Result<uint64_t> GetSize(const toml::table& t, std::string_view section, std::string_view key,
                         std::string_view source, uint64_t current) {
  const toml::node* node = t.get(key);
  if (!node) return current;
  auto v = ParseByteSize(*node, fmt::format("{}.{}", section, key));
  if (!v) return std::unexpected(v.error().WithContext(source));
  return *v;
}

const toml::table* Section(const toml::table& root, std::string_view name) {
  const toml::node* node = root.get(name);
  return node ? node->as_table() : nullptr;
}

}  // namespace

Status CheckKnownKeys(const toml::table& table, std::string_view table_name,
                      std::initializer_list<std::string_view> allowed, std::string_view source_name) {
  for (const auto& [key, value] : table) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key.str() == a;
    if (!known) {
      std::string valid;
      for (std::string_view a : allowed) valid += fmt::format("{}{}", valid.empty() ? "" : ", ", a);
      return std::unexpected(KeyError(
          source_name, table_name.empty() ? std::string(key.str()) : fmt::format("{}.{}", table_name, key.str()),
          fmt::format("unknown key (valid keys here: {})", valid)));
    }
  }
  return Ok();
}

Result<uint64_t> ParseByteSize(const toml::node& node, std::string_view key) {
  if (node.is_integer()) {
    int64_t v = *node.value<int64_t>();
    if (v < 0) return std::unexpected(Error::InvalidArgument(fmt::format("{}: must not be negative", key)));
    return static_cast<uint64_t>(v);
  }
  auto text = node.value<std::string>();
  if (!text)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}: must be a number of bytes or a string like \"512MiB\"", key)));
  std::string_view s = *text;
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
  if (ec != std::errc() || end == s.data())
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: cannot read size \"{}\"", key, s)));
  std::string unit(end, s.data() + s.size());
  std::erase_if(unit, [](unsigned char c) { return std::isspace(c); });
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<std::string_view, uint64_t> kUnits[] = {
      {"", 1},          {"b", 1},
      {"k", 1000},      {"kb", 1000},       {"kib", 1ull << 10},
      {"m", 1000000},   {"mb", 1000000},    {"mib", 1ull << 20},
      {"g", 1000000000}, {"gb", 1000000000}, {"gib", 1ull << 30},
      {"tb", 1000000000000ull}, {"tib", 1ull << 40}};
  for (const auto& [name, factor] : kUnits)
    if (unit == name) return number * factor;
  return std::unexpected(Error::InvalidArgument(
      fmt::format("{}: unknown unit in \"{}\" (use B, KB, KiB, MB, MiB, GB, GiB)", key, s)));
}

Result<std::pair<std::string, uint16_t>> ParseListenAddress(std::string_view listen) {
  auto bad = [&] {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("listen address \"{}\" must be HOST:PORT, e.g. 127.0.0.1:4566", listen)));
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
  return std::pair{host, static_cast<uint16_t>(port)};
}

Result<Config> Config::Parse(std::string_view toml_text, std::string_view source_name) {
  Config config;
  config.source_name = std::string(source_name);
  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error.
  try {
    config.raw_ = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& err) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}:{}:{}: {}", source_name, err.source().begin.line, err.source().begin.column,
                    err.description())));
  }
  const toml::table& root = config.raw_;
  std::string_view src = config.source_name;

  // Top-level names owned by other components are listed so that a typo anywhere is caught.
  LAKEBOX_TRY(
      CheckKnownKeys(root, "", {"server", "storage", "ingest", "query", "aws", "log", "stream", "crawler", "job", "schedule", "workflow", "dashboard", "pricing", "metering"}, src));

  if (const toml::table* t = Section(root, "server")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "server", {"listen", "max_connections", "max_inflight_body_bytes"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(config.server.listen, GetString(*t, "server", "listen", src, config.server.listen));
    LAKEBOX_TRY(ParseListenAddress(config.server.listen));
    LAKEBOX_ASSIGN_OR_RETURN(config.server.max_connections,
                             GetInt(*t, "server", "max_connections", src, config.server.max_connections, 1, 65536));
    LAKEBOX_ASSIGN_OR_RETURN(config.server.max_inflight_body_bytes,
                             GetSize(*t, "server", "max_inflight_body_bytes", src,
                                     config.server.max_inflight_body_bytes));
  }
  if (const toml::table* t = Section(root, "storage")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "storage", {"data_dir", "max_write_bytes_per_second"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(std::string dir,
                             GetString(*t, "storage", "data_dir", src, config.storage.data_dir.string()));
    config.storage.data_dir = dir;
    LAKEBOX_ASSIGN_OR_RETURN(config.storage.max_write_bytes_per_second,
                             GetSize(*t, "storage", "max_write_bytes_per_second", src,
                                     config.storage.max_write_bytes_per_second));
  }
  if (const toml::table* t = Section(root, "ingest")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "ingest",
                               {"max_buffered_bytes_per_stream", "min_free_disk_bytes", "delivery_threads"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(config.ingest.max_buffered_bytes_per_stream,
                             GetSize(*t, "ingest", "max_buffered_bytes_per_stream", src,
                                     config.ingest.max_buffered_bytes_per_stream));
    LAKEBOX_ASSIGN_OR_RETURN(config.ingest.min_free_disk_bytes,
                             GetSize(*t, "ingest", "min_free_disk_bytes", src, config.ingest.min_free_disk_bytes));
    LAKEBOX_ASSIGN_OR_RETURN(config.ingest.delivery_threads,
                             GetInt(*t, "ingest", "delivery_threads", src, config.ingest.delivery_threads, 1, 64));
  }
  if (const toml::table* t = Section(root, "query")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "query", {"timeout_seconds", "memory_limit", "max_concurrent_queries"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(config.query.timeout_seconds,
                             GetInt(*t, "query", "timeout_seconds", src,
                                    static_cast<int64_t>(config.query.timeout_seconds), 1, 7 * 24 * 3600));
    // Passed to DuckDB as written ("4GB", "512MiB"); DuckDB reports a value it cannot read at start.
    LAKEBOX_ASSIGN_OR_RETURN(config.query.memory_limit,
                             GetString(*t, "query", "memory_limit", src, config.query.memory_limit));
    LAKEBOX_ASSIGN_OR_RETURN(config.query.max_concurrent_queries,
                             GetInt(*t, "query", "max_concurrent_queries", src,
                                    config.query.max_concurrent_queries, 1, 64));
  }
  if (const toml::table* t = Section(root, "aws")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "aws", {"region", "account_id"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(config.aws.region, GetString(*t, "aws", "region", src, config.aws.region));
    LAKEBOX_ASSIGN_OR_RETURN(config.aws.account_id, GetString(*t, "aws", "account_id", src, config.aws.account_id));
    if (config.aws.account_id.size() != 12 ||
        !std::all_of(config.aws.account_id.begin(), config.aws.account_id.end(), ::isdigit))
      return std::unexpected(KeyError(src, "aws.account_id", "must be 12 digits, e.g. \"000000000000\""));
  }
  if (const toml::table* t = Section(root, "log")) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "log", {"level"}, src));
    LAKEBOX_ASSIGN_OR_RETURN(config.log.level, GetString(*t, "log", "level", src, config.log.level));
    static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
    if (std::find(std::begin(kLevels), std::end(kLevels), config.log.level) == std::end(kLevels))
      return std::unexpected(KeyError(src, "log.level", "must be one of trace, debug, info, warn, error"));
  }
  return config;
}

Result<Config> Config::LoadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("cannot read config file {} (pass --config FILE, or leave it out for the defaults)",
                    path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path.string());
}

}  // namespace lakebox
