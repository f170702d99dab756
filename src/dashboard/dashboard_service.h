// dashboard::DashboardService: the dashboards lakebox serves (dashboard_toml.h) and their
// datasets' results, for the web UI (GET /v1/dashboards/..., docs/web-api.md).
//
// RunDataset runs a dataset's SQL on the query engine directly (not through Athena's query
// executions: no history, no result files), with the dashboard's database as the default
// database. In AWS terms these are still Athena queries (QuickSight's direct query), so each
// engine run that succeeds is reported to DashboardServiceOptions::on_query, for metering.
//
// Every open page re-fetches every dataset each refresh interval, so results are shared:
//  - Cache: the last outcome of each dataset (its result, or its error) is answered again for
//    half the dashboard's refresh interval, at least min_cache_ttl (a dashboard with
//    refresh_seconds = 0 gets min_cache_ttl). Only the last outcome per dataset is kept, so
//    memory is bounded by the datasets declared.
//  - Coalescing: while a dataset runs, other requests for it wait for that run and share its
//    outcome instead of starting their own: N browser tabs cost one engine run per interval.
// A result over max_rows rows is an error (a chart cannot draw it; aggregate or add a LIMIT).
//
// Errors of RunDataset: ResourceNotFound for an unknown dashboard or dataset (naming the ones
// there are); InvalidRequest with the engine's message for SQL that fails (a table not crawled
// yet, a typo, the engine's time limit) and for a result over max_rows.
//
// Thread safety: every method may be called from any number of threads at once. The definitions
// never change after construction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "dashboard/dashboard.h"
#include "query/engine.h"

namespace lakebox::dashboard {

struct DashboardServiceOptions {
  // Called after each engine run that succeeded, with its statistics (bytes scanned: Athena's
  // bill). Not called for answers from the cache or for failed runs. May be empty.
  std::function<void(const query::QueryStats&)> on_query;
  // The shortest time a dataset's outcome is reused.
  std::chrono::milliseconds min_cache_ttl{1000};
  // Rows a dataset may return.
  size_t max_rows = 10'000;
  // The cache's clock (tests give a fake one).
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

struct DatasetColumn {
  std::string name;
  std::string type;  // DuckDB's type name: "VARCHAR", "BIGINT", "DOUBLE", "DECIMAL(10,1)", ...
};

// One run of a dataset's SQL.
struct DatasetResult {
  std::vector<DatasetColumn> columns;
  std::string rows_json;  // a JSON array of rows, each an array of typed cells (typed_json.h)
  int64_t row_count = 0;
  int64_t bytes_scanned = 0;
  int64_t engine_millis = 0;
  int64_t computed_at_ms = 0;  // Unix epoch milliseconds, when the run finished
};

struct DatasetAnswer {
  std::shared_ptr<const DatasetResult> result;
  // True when the result was computed before the request arrived (from the cache); false when
  // the request started the run or waited for the run in flight.
  bool cached = false;
};

// GET /v1/dashboards/<name>/datasets/<ds>'s body:
//   {"Columns":[{"Name","Type"}],"Rows":[[...]],"BytesScanned":N,"EngineMillis":N,
//    "ComputedAt":"2026-11-25T22:16:52.123Z","Cached":false}
std::string DatasetAnswerJson(const DatasetAnswer& answer);

class DashboardService {
 public:
  // Runs one dataset's SQL with unqualified names resolved in `database` (none when nullopt).
  using Runner =
      std::function<Result<query::QueryResult>(std::string_view sql, const std::optional<std::string>& database)>;

  // Serves `dashboards` (names unique, as ConfiguredDashboards gives them), running SQL with
  // `runner`.
  DashboardService(std::vector<Dashboard> dashboards, Runner runner, DashboardServiceOptions options = {});
  // Runs SQL on `engine` (which must outlive the service).
  DashboardService(std::vector<Dashboard> dashboards, query::Engine* engine, DashboardServiceOptions options = {});

  DashboardService(const DashboardService&) = delete;
  DashboardService& operator=(const DashboardService&) = delete;

  // Every dashboard, in configuration order.
  const std::vector<Dashboard>& List() const { return dashboards_; }

  // The dashboard named `name`; ResourceNotFound naming the dashboards there are.
  Result<const Dashboard*> Get(std::string_view name) const;

  // The result of dataset `dataset` of dashboard `dashboard`, from the cache or run now (see the
  // top of this file). Errors: see the top of this file.
  Result<DatasetAnswer> RunDataset(std::string_view dashboard, std::string_view dataset);

 private:
  // The cache slot of one dataset.
  struct Slot {
    const Dashboard* dashboard = nullptr;
    const Dataset* dataset = nullptr;
    std::chrono::milliseconds ttl{0};

    std::mutex mu;
    std::condition_variable done;
    bool running = false;         // guarded by mu
    uint64_t runs_finished = 0;   // guarded by mu; moves when a run's outcome is stored
    std::optional<Result<std::shared_ptr<const DatasetResult>>> last;  // guarded by mu
    std::chrono::steady_clock::time_point last_at;                    // guarded by mu
  };

  Result<std::shared_ptr<const DatasetResult>> Run(const Slot& slot);

  std::vector<Dashboard> dashboards_;
  Runner runner_;
  DashboardServiceOptions options_;
  // Keyed by (dashboard name, dataset name); built once, so lookups need no lock.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Slot>> slots_;
};

}  // namespace lakebox::dashboard
