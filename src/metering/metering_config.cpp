#include "metering/metering_config.h"

#include <fmt/format.h>

#include "common/config.h"

namespace lakebox::metering {
namespace {

Error KeyError(std::string_view source, std::string_view section, std::string_view key, std::string_view problem) {
  return Error::InvalidArgument(fmt::format("{}: {}.{}: {}", source, section, key, problem));
}

// A number (integer or float) at least `min` (strictly above it when `exclusive`); absent keeps `value`.
Status ReadNumber(const toml::table& table, std::string_view source, std::string_view section, std::string_view key,
                  double min, bool exclusive, double& value) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Ok();
  std::optional<double> number;
  if (node->is_integer()) number = static_cast<double>(*node->value<int64_t>());
  else if (node->is_floating_point()) number = *node->value<double>();
  if (!number) return std::unexpected(KeyError(source, section, key, "must be a number, e.g. 0.44"));
  if (exclusive ? *number <= min : *number < min)
    return std::unexpected(KeyError(source, section, key,
                                    fmt::format("{} must be {} {}", *number, exclusive ? "above" : "at least", min)));
  value = *number;
  return Ok();
}

// The section's table; nullptr when absent.
Result<const toml::table*> Section(const toml::table& root, std::string_view name, std::string_view source) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table())
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}: must be a table: [{}]", source, name, name)));
  return node->as_table();
}

}  // namespace

Result<MeteringConfig> MeteringConfigFromToml(const toml::table& root, std::string_view source) {
  MeteringConfig config;
  LAKEBOX_ASSIGN_OR_RETURN(const toml::table* pricing, Section(root, "pricing", source));
  if (const toml::table* t = pricing) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "pricing",
                               {"firehose_per_gb", "s3_per_gb_month", "glue_job_per_dpu_hour",
                                "glue_crawler_per_dpu_hour", "athena_per_tb_scanned", "quicksight_per_month"},
                               source));
    Pricing& p = config.pricing;
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "firehose_per_gb", 0, false, p.firehose_per_gb));
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "s3_per_gb_month", 0, false, p.s3_per_gb_month));
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "glue_job_per_dpu_hour", 0, false, p.glue_job_per_dpu_hour));
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "glue_crawler_per_dpu_hour", 0, false, p.glue_crawler_per_dpu_hour));
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "athena_per_tb_scanned", 0, false, p.athena_per_tb_scanned));
    LAKEBOX_TRY(ReadNumber(*t, source, "pricing", "quicksight_per_month", 0, false, p.quicksight_per_month));
  }
  LAKEBOX_ASSIGN_OR_RETURN(const toml::table* metering, Section(root, "metering", source));
  if (const toml::table* t = metering) {
    LAKEBOX_TRY(CheckKnownKeys(*t, "metering",
                               {"job_dpus", "crawler_dpus", "storage_sample_seconds", "quicksight_authors",
                                "projection_gb_per_day", "projection_days", "projection_job_hours",
                                "projection_crawler_hours", "projection_athena_tb", "projection_quicksight_authors"},
                               source));
    MeteringSettings& m = config.metering;
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "job_dpus", 0, true, m.job_dpus));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "crawler_dpus", 0, true, m.crawler_dpus));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "quicksight_authors", 0, false, m.quicksight_authors));
    if (const toml::node* node = t->get("storage_sample_seconds")) {
      auto seconds = node->value<int64_t>();
      if (!node->is_integer() || *seconds < 1 || *seconds > 86400)
        return std::unexpected(KeyError(source, "metering", "storage_sample_seconds",
                                        "must be an integer number of seconds in 1..86400, e.g. 300"));
      m.storage_sample_seconds = *seconds;
    }
    Projection& p = config.projection;
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_gb_per_day", 0, false, p.gb_per_day));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_days", 0, false, p.days));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_job_hours", 0, false, p.job_hours));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_crawler_hours", 0, false, p.crawler_hours));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_athena_tb", 0, false, p.athena_tb));
    LAKEBOX_TRY(ReadNumber(*t, source, "metering", "projection_quicksight_authors", 0, false, p.quicksight_authors));
  }
  return config;
}

}  // namespace lakebox::metering
