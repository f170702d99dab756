// JobDefinitionsFromToml: the [[job]] tables of lakebox.toml (keys documented in job.h and
// docs/etl.md). Every problem is an InvalidArgument "<file>: job \"<name>\": <key>: <what to write>".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "catalog/crawler.h"
#include "catalog/data_type.h"
#include "common/config.h"
#include "common/strings.h"
#include "etl/job.h"
#include "schedule/schedule_expression.h"

namespace lakebox::etl {
namespace {

constexpr size_t kMaxNameLength = 255;           // Glue's Job.Name
constexpr size_t kMaxDescriptionLength = 2048;   // Glue's Job.Description
constexpr size_t kMaxSeparatorLength = 8;
constexpr int64_t kMaxTargetFileSizeMb = 10240;  // 10 GiB: beyond that one file is one task anyway

constexpr std::array kTransforms = {std::string_view("relationalize"), std::string_view("none")};
constexpr std::array kFormats = {std::string_view("parquet"), std::string_view("json")};
constexpr std::array kParquetCompressions = {std::string_view("gzip"), std::string_view("snappy"),
                                             std::string_view("zstd"), std::string_view("none")};
// DuckDB writes JSON through its file-system compression: gzip and zstd, no snappy.
constexpr std::array kJsonCompressions = {std::string_view("gzip"), std::string_view("zstd"),
                                          std::string_view("none")};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// Reads one [[job]] table; `where` names it in errors ("job #2" until its name is known).
class JobReader {
 public:
  JobReader(const toml::table& table, std::string_view source, size_t number)
      : t_(table), source_(source), where_(fmt::format("job #{}", number)) {}

  Result<JobDefinition> Read() {
    // The name first, so that every later error names the job.
    if (const toml::node* name = t_.get("name"); name && name->is_string() && !name->value<std::string>()->empty())
      where_ = fmt::format("job \"{}\"", *name->value<std::string>());
    LAKEBOX_TRY(CheckKnownKeys(t_, where_,
                               {"name", "description", "source", "transform", "target", "format", "compression",
                                "partition_by", "bookmarks", "separator", "filter", "target_file_size_mb",
                                "schedule", "mappings"},
                               source_));
    LAKEBOX_TRY(RequireType("name", toml::node_type::string, "a string"));
    job_.name = String("name");
    if (job_.name.empty()) return Bad("name", "is required: the job's name, e.g. name = \"vehicles_to_stage\"");
    if (job_.name.size() > kMaxNameLength || HasControlCharacter(job_.name))
      return Bad("name", fmt::format("must be 1 to {} characters without control characters", kMaxNameLength));
    for (std::string_view key : {"description", "source", "transform", "target", "format", "compression",
                                 "separator", "filter", "schedule"})
      LAKEBOX_TRY(RequireType(key, toml::node_type::string, "a string"));
    LAKEBOX_TRY(RequireType("bookmarks", toml::node_type::boolean, "true or false"));
    LAKEBOX_TRY(RequireType("target_file_size_mb", toml::node_type::integer, "an integer number of MiB"));

    job_.description = String("description");
    if (job_.description.size() > kMaxDescriptionLength)
      return Bad("description", fmt::format("must be at most {} characters", kMaxDescriptionLength));
    LAKEBOX_TRY(ReadSource());
    LAKEBOX_TRY(ReadTarget());
    if (t_.get("transform")) {
      job_.transform = String("transform");
      if (!Contains(kTransforms, job_.transform))
        return Bad("transform", fmt::format("\"{}\" is not one of {}", job_.transform, fmt::join(kTransforms, ", ")));
    }
    LAKEBOX_TRY(ReadFormatAndCompression());
    LAKEBOX_TRY(ReadPartitionBy());
    if (t_.get("bookmarks")) job_.bookmarks = *t_.get("bookmarks")->value<bool>();
    if (t_.get("separator")) {
      job_.separator = String("separator");
      bool valid = !job_.separator.empty() && job_.separator.size() <= kMaxSeparatorLength &&
                   job_.separator.find_first_not_of("_.-") == std::string::npos;
      if (!valid)
        return Bad("separator", fmt::format("\"{}\" must be 1 to {} of the characters _ . - (\"_\" is the default, "
                                            "\".\" gives Glue's column names)",
                                            job_.separator, kMaxSeparatorLength));
    }
    job_.filter = String("filter");
    job_.filter.erase(0, std::min(job_.filter.find_first_not_of(" \t\r\n"), job_.filter.size()));
    job_.filter.erase(job_.filter.find_last_not_of(" \t\r\n") + 1);
    if (const toml::node* size = t_.get("target_file_size_mb")) {
      int64_t mb = *size->value<int64_t>();
      if (mb < 1 || mb > kMaxTargetFileSizeMb)
        return Bad("target_file_size_mb", fmt::format("{} is out of range 1..{}", mb, kMaxTargetFileSizeMb));
      job_.target_file_size_bytes = mb << 20;
    }
    if (t_.get("schedule")) {
      job_.schedule = String("schedule");
      auto parsed = schedule::ScheduleExpression::Parse(job_.schedule);
      if (!parsed) return Bad("schedule", parsed.error().message());
    }
    LAKEBOX_TRY(ReadMappings());
    return std::move(job_);
  }

 private:
  std::unexpected<Error> Bad(std::string_view key, std::string_view problem) const {
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}: {}: {}", source_, where_, key, problem)));
  }

  Status RequireType(std::string_view key, toml::node_type type, std::string_view what) const {
    const toml::node* node = t_.get(key);
    if (node && node->type() != type) return Bad(key, fmt::format("must be {}", what));
    return Ok();
  }

  std::string String(std::string_view key) const {
    const toml::node* node = t_.get(key);
    return node ? *node->value<std::string>() : "";
  }

  Status ReadSource() {
    if (!t_.get("source"))
      return Bad("source", "is required: the catalog table to read, e.g. source = \"vehicles.vehicles_raw\"");
    std::string source = String("source");
    size_t dot = source.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == source.size() ||
        source.find('.', dot + 1) != std::string::npos || source.find_first_of(" \t/\"`") != std::string::npos)
      return Bad("source", fmt::format("\"{}\" must be \"<database>.<table>\" of the catalog, e.g. "
                                       "\"vehicles.vehicles_raw\"",
                                       source));
    // The catalog keeps names in lower case, as Glue's does.
    job_.source_database = AsciiLower(source.substr(0, dot));
    job_.source_table = AsciiLower(source.substr(dot + 1));
    return Ok();
  }

  Status ReadTarget() {
    constexpr std::string_view kExample = "e.g. target = \"s3://lake/stage/\"";
    if (!t_.get("target")) return Bad("target", fmt::format("is required: the S3 folder to write, {}", kExample));
    std::string target = String("target");
    auto parsed = catalog::ParseS3Path(target);
    if (!parsed) return Bad("target", fmt::format("{} ({})", parsed.error().message(), kExample));
    // Child tables are written next to the target (s3://lake/stage_alerts/), so the target must
    // be a folder inside the bucket, not the bucket itself.
    if (parsed->prefix.empty() || parsed->prefix.find("//") != std::string::npos ||
        parsed->prefix.find("..") != std::string::npos)
      return Bad("target", fmt::format("\"{}\" must name a folder inside the bucket (child tables are written "
                                       "next to it), {}",
                                       target, kExample));
    job_.target = fmt::format("s3://{}/{}", parsed->bucket, parsed->prefix);
    return Ok();
  }

  Status ReadFormatAndCompression() {
    if (t_.get("format")) {
      job_.format = String("format");
      if (!Contains(kFormats, job_.format))
        return Bad("format", fmt::format("\"{}\" is not one of {}", job_.format, fmt::join(kFormats, ", ")));
    }
    if (t_.get("compression")) {
      job_.compression = String("compression");
      if (job_.format == "json" && !Contains(kJsonCompressions, job_.compression))
        return Bad("compression", fmt::format("\"{}\" is not one of {} (the compressions of format = \"json\")",
                                              job_.compression, fmt::join(kJsonCompressions, ", ")));
      if (!Contains(kParquetCompressions, job_.compression))
        return Bad("compression",
                   fmt::format("\"{}\" is not one of {}", job_.compression, fmt::join(kParquetCompressions, ", ")));
    }
    return Ok();
  }

  Status ReadPartitionBy() {
    const toml::node* node = t_.get("partition_by");
    if (!node) return Ok();
    constexpr std::string_view kHow = "must be a list of output column names, e.g. partition_by = [\"vendor\"]";
    const toml::array* list = node->as_array();
    if (!list) return Bad("partition_by", kHow);
    std::set<std::string> seen;
    for (const toml::node& item : *list) {
      if (!item.is_string() || item.value<std::string>()->empty()) return Bad("partition_by", kHow);
      std::string column = *item.value<std::string>();
      if (!seen.insert(AsciiLower(column)).second)
        return Bad("partition_by", fmt::format("\"{}\" is listed twice", column));
      job_.partition_by.push_back(std::move(column));
    }
    return Ok();
  }

  Status ReadMappings() {
    const toml::node* node = t_.get("mappings");
    if (!node) return Ok();
    constexpr std::string_view kHow =
        "must be [[job.mappings]] tables with source = \"<output column>\" and target, type or drop = true";
    const toml::array* list = node->as_array();
    if (!list) return Bad("mappings", kHow);
    std::set<std::string> sources;
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::table* m = (*list)[i].as_table();
      std::string key = fmt::format("mappings[{}]", i);
      if (!m) return Bad(key, kHow);
      LAKEBOX_TRY(CheckKnownKeys(*m, fmt::format("{}: {}", where_, key), {"source", "target", "type", "drop"},
                                 source_));
      for (std::string_view field : {"source", "target", "type"}) {
        const toml::node* value = m->get(field);
        if (value && !value->is_string()) return Bad(fmt::format("{}.{}", key, field), "must be a string");
      }
      const toml::node* drop = m->get("drop");
      if (drop && !drop->is_boolean()) return Bad(key + ".drop", "must be true or false");

      ColumnMapping mapping;
      mapping.source = m->get("source") ? *m->get("source")->value<std::string>() : "";
      if (mapping.source.empty())
        return Bad(key + ".source", "is required: the output column to map, e.g. \"vehicle_status_speed_kmh\"");
      if (!sources.insert(AsciiLower(mapping.source)).second)
        return Bad(key + ".source", fmt::format("\"{}\" is mapped twice; merge the two mappings", mapping.source));
      if (m->get("target")) {
        mapping.target = *m->get("target")->value<std::string>();
        if (mapping.target->empty() || HasControlCharacter(*mapping.target))
          return Bad(key + ".target", "must be a non-empty column name");
      }
      if (m->get("type")) {
        mapping.type = *m->get("type")->value<std::string>();
        if (auto parsed = catalog::ParseHiveType(*mapping.type); !parsed)
          return Bad(key + ".type", fmt::format("\"{}\" is not a Hive type ({}); e.g. double, bigint, string, "
                                                "timestamp, decimal(10,2)",
                                                *mapping.type, parsed.error().message()));
      }
      mapping.drop = drop && *drop->value<bool>();
      if (mapping.drop && (mapping.target || mapping.type))
        return Bad(key, "drop = true removes the column: remove target and type, or drop");
      if (!mapping.drop && !mapping.target && !mapping.type)
        return Bad(key, "does nothing: give target (a new name), type (a Hive type to cast to) or drop = true");
      job_.mappings.push_back(std::move(mapping));
    }
    return Ok();
  }

  const toml::table& t_;
  std::string_view source_;
  std::string where_;
  JobDefinition job_;
};

}  // namespace

Result<std::vector<JobDefinition>> JobDefinitionsFromToml(const toml::table& root, std::string_view source) {
  std::vector<JobDefinition> jobs;
  const toml::node* node = root.get("job");
  if (!node) return jobs;
  const toml::array* array = node->as_array();
  if (!array)
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: job: declare jobs as [[job]] tables", source)));
  std::set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = (*array)[i].as_table();
    if (!table)
      return std::unexpected(
          Error::InvalidArgument(fmt::format("{}: job #{}: declare jobs as [[job]] tables", source, i + 1)));
    LAKEBOX_ASSIGN_OR_RETURN(JobDefinition job, JobReader(*table, source, i + 1).Read());
    if (!names.insert(job.name).second)
      return std::unexpected(Error::InvalidArgument(
          fmt::format("{}: job \"{}\": name: another [[job]] has the same name; job names must be unique", source,
                      job.name)));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace lakebox::etl
