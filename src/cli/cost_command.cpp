// `lakebox cost [--month YYYY-MM] [--data-dir DIR] [--config FILE] [--json]`: the month's metered
// usage priced as AWS would bill it, the seed's 3 GB/day projection and what lakebox used here
// (docs/cost.md). It reads <data_dir>/metering.db directly, so it works whether or not
// `lakebox serve` is running (SQLite WAL: a running server keeps writing meanwhile), and the
// prices from lakebox.toml's [pricing] (default ./lakebox.toml when it exists, as serve).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/cost_format.h"
#include "cli/endpoint.h"
#include "common/time.h"
#include "metering/billing.h"
#include "metering/cost_report.h"
#include "metering/metering_config.h"
#include "metering/usage_store.h"

namespace lakebox::cli {
namespace {

struct CostFlags {
  std::string month;
  std::string data_dir;
  std::string config_path;
  bool json_output = false;
};

Status Cost(const CostFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(Config config, LoadConfig({.config_path = flags.config_path, .data_dir = flags.data_dir}));
  LAKEBOX_ASSIGN_OR_RETURN(metering::MeteringConfig metering_config,
                           metering::MeteringConfigFromToml(config.raw(), config.source_name));
  const int64_t now = NowMillis();
  std::string month = flags.month.empty() ? metering::MonthOf(now) : flags.month;
  LAKEBOX_TRY(metering::ParseMonth(month));

  const std::filesystem::path file = config.storage.data_dir / "metering.db";
  if (!std::filesystem::exists(file))
    return std::unexpected(Error::NotFound(fmt::format(
        "no usage metered yet in {}: run `lakebox serve --data-dir {}` (or `lakebox demo`) first, or pass the "
        "data dir it uses with --data-dir",
        config.storage.data_dir.string(), config.storage.data_dir.string())));
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<metering::UsageStore> store, metering::UsageStore::Open(file));
  LAKEBOX_ASSIGN_OR_RETURN(metering::MonthUsage usage, store->ReadMonth(month));
  metering::CostReport report = metering::BuildCostReport(usage, metering_config, now);

  if (flags.json_output) {
    std::cout << metering::CostReportJson(report).dump(2) << "\n";
    return Ok();
  }
  std::cout << FormatCostReport(report);
  if (usage.services.empty()) {
    LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string> months, store->Months());
    std::string known;
    for (const std::string& m : months) known += (known.empty() ? "" : ", ") + m;
    std::cout << fmt::format("\nNothing was metered in {}; months with usage: {} (--month YYYY-MM)\n", month,
                             known.empty() ? "none" : known);
  }
  return Ok();
}

}  // namespace

void AddCostCommand(CLI::App& app) {
  auto flags = std::make_shared<CostFlags>();
  CLI::App* cmd = app.add_subcommand(
      "cost", "What this lake would cost on AWS: the month's metered usage (Firehose, S3, Glue, Athena, QuickSight) "
              "at [pricing] prices, the seed's 3 GB/day projection, and the CPU and disk lakebox used here");
  cmd->add_option("--month", flags->month, "Calendar month in UTC, YYYY-MM (default: this month)");
  cmd->add_option("--data-dir", flags->data_dir, "The lake's data dir (default: lakebox.toml's, else ./lakebox-data)");
  cmd->add_option("--config", flags->config_path,
                  "TOML config file with [pricing] and [metering] (default: ./lakebox.toml if it exists)");
  cmd->add_flag("--json", flags->json_output, "Print the report as JSON (the shape of /v1/status \"metering\")");
  cmd->callback([flags] {
    Status s = Cost(*flags);
    if (!s) {
      std::cerr << "lakebox cost: " << s.error().message() << "\n";
      SetExitCode(1);
    }
  });
}

}  // namespace lakebox::cli
