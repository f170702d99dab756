#include "dashboard/dashboard_service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "dashboard/typed_json.h"

namespace lakebox::dashboard {
namespace {

std::string Names(const std::vector<std::string>& names) {
  return names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string DatasetAnswerJson(const DatasetAnswer& answer) {
  const DatasetResult& result = *answer.result;
  nlohmann::json columns = nlohmann::json::array();
  for (const DatasetColumn& column : result.columns) columns.push_back({{"Name", column.name}, {"Type", column.type}});
  // The rows are already JSON text (typed_json.h): spliced in, not parsed again.
  return fmt::format(R"({{"Columns":{},"Rows":{},"BytesScanned":{},"EngineMillis":{},"ComputedAt":"{}","Cached":{}}})",
                     columns.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), result.rows_json,
                     result.bytes_scanned, result.engine_millis, FormatIso8601Millis(result.computed_at_ms),
                     answer.cached ? "true" : "false");
}

DashboardService::DashboardService(std::vector<Dashboard> dashboards, Runner runner, DashboardServiceOptions options)
    : dashboards_(std::move(dashboards)), runner_(std::move(runner)), options_(std::move(options)) {
  for (const Dashboard& dashboard : dashboards_) {
    // Half the refresh interval: a page refreshing every N s then sees data at most ~1.5 N s old,
    // while any number of pages cost one run per N/2 s.
    auto ttl = std::max<std::chrono::milliseconds>(options_.min_cache_ttl,
                                                   std::chrono::milliseconds(dashboard.refresh_seconds * 500));
    for (const Dataset& dataset : dashboard.datasets) {
      auto slot = std::make_unique<Slot>();
      slot->dashboard = &dashboard;
      slot->dataset = &dataset;
      slot->ttl = ttl;
      slots_.emplace(std::pair{dashboard.name, dataset.name}, std::move(slot));
    }
  }
}

DashboardService::DashboardService(std::vector<Dashboard> dashboards, query::Engine* engine,
                                   DashboardServiceOptions options)
    : DashboardService(
          std::move(dashboards),
          [engine](std::string_view sql, const std::optional<std::string>& database) {
            return engine->Execute(sql, database);
          },
          std::move(options)) {}

Result<const Dashboard*> DashboardService::Get(std::string_view name) const {
  std::vector<std::string> names;
  for (const Dashboard& dashboard : dashboards_) {
    if (dashboard.name == name) return &dashboard;
    names.push_back(dashboard.name);
  }
  return std::unexpected(
      Error::ResourceNotFound(fmt::format("Dashboard {} was not found; the dashboards are: {}", name, Names(names))));
}

Result<DatasetAnswer> DashboardService::RunDataset(std::string_view dashboard_name, std::string_view dataset_name) {
  LAKEBOX_ASSIGN_OR_RETURN(const Dashboard* dashboard, Get(dashboard_name));
  auto it = slots_.find(std::pair{std::string(dashboard_name), std::string(dataset_name)});
  if (it == slots_.end()) {
    std::vector<std::string> names;
    for (const Dataset& dataset : dashboard->datasets) names.push_back(dataset.name);
    return std::unexpected(Error::ResourceNotFound(fmt::format(
        "Dashboard {} has no dataset {}; its datasets are: {}", dashboard->name, dataset_name, Names(names))));
  }
  Slot& slot = *it->second;

  std::unique_lock lock(slot.mu);
  if (slot.running) {
    // Share the run in flight rather than start another one.
    uint64_t awaited = slot.runs_finished;
    slot.done.wait(lock, [&] { return slot.runs_finished != awaited; });
    if (!*slot.last) return std::unexpected(slot.last->error());
    return DatasetAnswer{**slot.last, false};
  }
  if (slot.last && options_.now() - slot.last_at < slot.ttl) {
    if (!*slot.last) return std::unexpected(slot.last->error());
    return DatasetAnswer{**slot.last, true};
  }
  slot.running = true;
  lock.unlock();

  Result<std::shared_ptr<const DatasetResult>> outcome = Run(slot);

  lock.lock();
  slot.last = outcome;
  slot.last_at = options_.now();
  slot.running = false;
  ++slot.runs_finished;
  lock.unlock();
  slot.done.notify_all();
  if (!outcome) return std::unexpected(outcome.error());
  return DatasetAnswer{*outcome, false};
}

Result<std::shared_ptr<const DatasetResult>> DashboardService::Run(const Slot& slot) {
  const std::string& database = slot.dashboard->database;
  Result<query::QueryResult> ran =
      runner_(slot.dataset->sql, database.empty() ? std::nullopt : std::optional<std::string>(database));
  if (!ran) {
    spdlog::debug("dashboard {}: dataset {} failed: {}", slot.dashboard->name, slot.dataset->name,
                  ran.error().ToString());
    return std::unexpected(Error::InvalidRequest(ran.error().message()));
  }
  if (options_.on_query) options_.on_query(ran->stats);
  if (ran->rows.size() > options_.max_rows)
    return std::unexpected(Error::InvalidRequest(fmt::format(
        "dataset {} of dashboard {} returned {} rows; a dashboard dataset may return at most {}: aggregate (GROUP "
        "BY) or add a LIMIT",
        slot.dataset->name, slot.dashboard->name, ran->rows.size(), options_.max_rows)));
  auto result = std::make_shared<DatasetResult>();
  for (size_t i = 0; i < ran->column_names.size(); ++i)
    result->columns.push_back({ran->column_names[i], i < ran->column_types.size() ? ran->column_types[i] : "VARCHAR"});
  result->rows_json = TypedRowsJson(*ran);
  result->row_count = static_cast<int64_t>(ran->rows.size());
  result->bytes_scanned = ran->stats.bytes_scanned;
  result->engine_millis = std::llround(ran->stats.engine_time_ms);
  result->computed_at_ms = NowMillis();
  return std::shared_ptr<const DatasetResult>(std::move(result));
}

}  // namespace lakebox::dashboard
