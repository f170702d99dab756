#include "catalog/crawler_toml.h"

#include <fmt/format.h>

#include "catalog/crawler.h"
#include "catalog/glob.h"
#include "common/config.h"

namespace lakebox::catalog {
namespace {

constexpr int kMinSampleSize = 1, kMaxSampleSize = 249;  // Glue's S3Target.SampleSize range

}  // namespace

Result<std::vector<CrawlerDefinition>> CrawlerDefinitionsFromToml(const toml::table& root, std::string_view source,
                                                                  std::string_view account_id) {
  std::vector<CrawlerDefinition> definitions;
  const toml::node* node = root.get("crawler");
  if (!node) return definitions;
  const toml::array* array = node->as_array();
  if (!array)
    return std::unexpected(
        Error::InvalidArgument(fmt::format("{}: crawler: declare crawlers as [[crawler]] tables", source)));
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* t = (*array)[i].as_table();
    std::string where = fmt::format("crawler #{}", i + 1);
    if (!t) return std::unexpected(Error::InvalidArgument(fmt::format("{}: {} must be a table", source, where)));
    LAKEBOX_TRY(CheckKnownKeys(*t, "crawler",
                               {"name", "database", "role", "targets", "table_prefix", "schedule", "update_behavior",
                                "delete_behavior", "recrawl_behavior", "description"},
                               source));
    auto bad = [&](std::string_view key, std::string_view problem) {
      return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}: {}: {}", source, where, key, problem)));
    };
    for (std::string_view key : {"name", "database", "role", "table_prefix", "schedule", "update_behavior",
                                 "delete_behavior", "recrawl_behavior", "description"})
      if (t->get(key) && !t->get(key)->is_string()) return bad(key, "must be a string");
    auto string_of = [&](std::string_view key) { return t->get(key) ? *t->get(key)->value<std::string>() : ""; };

    CrawlerDefinition d;
    d.name = string_of("name");
    if (d.name.empty()) return bad("name", "is required (the crawler's name)");
    where = fmt::format("crawler \"{}\"", d.name);
    d.database = t->get("database") ? string_of("database") : "default";
    d.role = t->get("role") ? string_of("role") : fmt::format("arn:aws:iam::{}:role/lakebox", account_id);
    d.table_prefix = string_of("table_prefix");
    d.schedule = string_of("schedule");
    d.description = string_of("description");
    if (t->get("update_behavior")) {
      auto parsed = ParseUpdateBehavior(string_of("update_behavior"));
      if (!parsed) return bad("update_behavior", parsed.error().message());
      d.update_behavior = *parsed;
    }
    if (t->get("delete_behavior")) {
      auto parsed = ParseDeleteBehavior(string_of("delete_behavior"));
      if (!parsed) return bad("delete_behavior", parsed.error().message());
      d.delete_behavior = *parsed;
    }
    if (t->get("recrawl_behavior")) {
      auto parsed = ParseRecrawlBehavior(string_of("recrawl_behavior"));
      if (!parsed) return bad("recrawl_behavior", parsed.error().message());
      d.recrawl_behavior = *parsed;
    }

    const toml::array* targets = t->get("targets") ? t->get("targets")->as_array() : nullptr;
    if (!targets || targets->empty())
      return bad("targets", "is required: a list of S3 paths, e.g. [\"s3://lake/raw/\"]");
    for (size_t j = 0; j < targets->size(); ++j) {
      const toml::node& item = (*targets)[j];
      std::string key = fmt::format("targets[{}]", j);
      S3Target target;
      if (auto path = item.value<std::string>(); path && item.is_string()) {
        target.path = *path;
      } else if (const toml::table* table = item.as_table()) {
        LAKEBOX_TRY(CheckKnownKeys(*table, fmt::format("crawler.{}", key), {"path", "exclusions", "sample_size"}, source));
        const toml::node* path_node = table->get("path");
        if (!path_node || !path_node->is_string()) return bad(key, "needs path = \"s3://bucket/folder/\"");
        target.path = *path_node->value<std::string>();
        if (const toml::node* exclusions = table->get("exclusions")) {
          const toml::array* list = exclusions->as_array();
          if (!list) return bad(key + ".exclusions", "must be a list of glob patterns");
          for (const toml::node& pattern : *list) {
            if (!pattern.is_string()) return bad(key + ".exclusions", "must be a list of glob patterns");
            target.exclusions.push_back(*pattern.value<std::string>());
          }
        }
        if (const toml::node* size = table->get("sample_size")) {
          auto value = size->value<int64_t>();
          if (!size->is_integer() || *value < kMinSampleSize || *value > kMaxSampleSize)
            return bad(key + ".sample_size", fmt::format("must be an integer from {} to {}", kMinSampleSize,
                                                         kMaxSampleSize));
          target.sample_size = static_cast<int>(*value);
        }
      } else {
        return bad(key, "must be an S3 path or a table { path = ..., exclusions = [...] }");
      }
      if (auto parsed = ParseS3Path(target.path); !parsed) return bad(key, parsed.error().message());
      if (auto globs = CompileGlobs(target.exclusions); !globs) return bad(key, globs.error().message());
      d.targets.push_back(std::move(target));
    }
    definitions.push_back(std::move(d));
  }
  return definitions;
}

}  // namespace lakebox::catalog
