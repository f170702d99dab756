#include "ingest/stream_toml.h"

#include <fmt/format.h>

#include "common/config.h"

namespace lakebox::ingest {

Result<std::vector<StreamConfig>> StreamConfigsFromToml(const toml::table& root, std::string_view source_name,
                                                        std::string_view account_id) {
  std::vector<StreamConfig> configs;
  const toml::node* node = root.get("stream");
  if (!node) return configs;
  const toml::array* array = node->as_array();
  if (!array)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}: stream: declare streams as [[stream]] tables", source_name)));
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* t = (*array)[i].as_table();
    std::string where = fmt::format("stream #{}", i + 1);
    if (!t) return std::unexpected(Error::InvalidArgument(fmt::format("{}: {} must be a table", source_name, where)));
    LAKEBOX_TRY(CheckKnownKeys(*t, "stream",
                               {"name", "bucket_arn", "role_arn", "prefix", "error_output_prefix", "compression",
                                "buffer_size_mb", "buffer_interval_seconds", "file_extension", "custom_time_zone"},
                               source_name));
    auto bad = [&](std::string_view key, std::string_view problem) {
      return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}: {}: {}", source_name, where, key, problem)));
    };
    auto string_of = [&](std::string_view key) -> std::optional<std::string> {
      const toml::node* n = t->get(key);
      return n ? n->value<std::string>() : std::nullopt;
    };
    for (std::string_view key : {"name", "bucket_arn", "role_arn", "prefix", "error_output_prefix", "compression",
                                 "file_extension", "custom_time_zone"})
      if (t->get(key) && !t->get(key)->is_string()) return bad(key, "must be a string");
    for (std::string_view key : {"buffer_size_mb", "buffer_interval_seconds"})
      if (t->get(key) && !t->get(key)->is_integer()) return bad(key, "must be an integer");

    StreamConfig c;
    auto name = string_of("name");
    if (!name) return bad("name", "is required (the delivery stream's name)");
    c.name = *name;
    where = fmt::format("stream \"{}\"", c.name);
    auto bucket = string_of("bucket_arn");
    if (!bucket) return bad("bucket_arn", "is required, e.g. \"arn:aws:s3:::lake\"");
    c.bucket_arn = *bucket;
    c.role_arn = string_of("role_arn").value_or(fmt::format("arn:aws:iam::{}:role/lakebox", account_id));
    c.prefix = string_of("prefix").value_or("");
    c.error_output_prefix = string_of("error_output_prefix");
    if (auto compression = string_of("compression")) {
      auto parsed = ParseCompression(*compression);
      if (!parsed) return bad("compression", parsed.error().message());
      c.compression = *parsed;
    }
    c.buffer_size_mb = static_cast<int>(t->get("buffer_size_mb") ? *t->get("buffer_size_mb")->value<int64_t>()
                                                                  : c.buffer_size_mb);
    c.buffer_interval_seconds = static_cast<int>(
        t->get("buffer_interval_seconds") ? *t->get("buffer_interval_seconds")->value<int64_t>()
                                          : c.buffer_interval_seconds);
    c.file_extension = string_of("file_extension");
    c.custom_time_zone = string_of("custom_time_zone").value_or("");
    configs.push_back(std::move(c));
  }
  return configs;
}

}  // namespace lakebox::ingest
