#include "dashboard/dashboard_service.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "dashboard/dashboard_toml.h"
#include "query/duckdb/duckdb.h"
#include "test_support.h"

namespace lakebox::dashboard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

Dashboard TwoDatasets(int refresh_seconds) {
  Dashboard d;
  d.name = "fleet";
  d.database = "vehicles";
  d.refresh_seconds = refresh_seconds;
  d.datasets = {{"counts", "SELECT vendor, n FROM t"}, {"other", "SELECT 1"}};
  return d;
}

query::QueryResult CountsResult() {
  query::QueryResult result;
  result.column_names = {"vendor", "n"};
  result.column_types = {"VARCHAR", "BIGINT"};
  result.rows = {{"volvo", "3"}, {"scania", "2"}};
  result.stats.bytes_scanned = 1234;
  result.stats.engine_time_ms = 6.6;
  return result;
}

// A runner that counts its runs and answers CountsResult() or `error`.
struct FakeRunner {
  std::atomic<int> runs{0};
  std::optional<Error> error;
  std::string last_sql;
  std::optional<std::string> last_database;

  DashboardService::Runner Get() {
    return [this](std::string_view sql, const std::optional<std::string>& database) -> Result<query::QueryResult> {
      ++runs;
      last_sql = sql;
      last_database = database;
      if (error) return std::unexpected(*error);
      return CountsResult();
    };
  }
};

class DashboardServiceTest : public ::testing::Test {
 protected:
  DashboardServiceOptions Options() {
    DashboardServiceOptions options;
    options.now = [this] { return now_; };
    options.on_query = [this](const query::QueryStats& stats) { metered_.push_back(stats.bytes_scanned); };
    return options;
  }

  Clock::time_point now_ = Clock::time_point(std::chrono::hours(1));
  std::vector<int64_t> metered_;
  FakeRunner runner_;
};

TEST_F(DashboardServiceTest, UnknownDashboardsAndDatasetsAreResourceNotFound) {
  DashboardService service({TwoDatasets(10)}, runner_.Get(), Options());
  auto missing = service.Get("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Error::Code::kResourceNotFound);
  EXPECT_EQ(missing.error().message(), "Dashboard nope was not found; the dashboards are: fleet");
  auto no_dashboard = service.RunDataset("nope", "counts");
  ASSERT_FALSE(no_dashboard);
  EXPECT_EQ(no_dashboard.error().code(), Error::Code::kResourceNotFound);
  auto no_dataset = service.RunDataset("fleet", "speeds");
  ASSERT_FALSE(no_dataset);
  EXPECT_EQ(no_dataset.error().code(), Error::Code::kResourceNotFound);
  EXPECT_EQ(no_dataset.error().message(), "Dashboard fleet has no dataset speeds; its datasets are: counts, other");
  EXPECT_EQ(runner_.runs, 0);
  auto found = service.Get("fleet");
  ASSERT_OK(found);
  EXPECT_EQ((*found)->name, "fleet");
  EXPECT_EQ(service.List().size(), 1u);
}

TEST_F(DashboardServiceTest, RunsTheSqlInTheDashboardsDatabaseAndTypesTheRows) {
  DashboardService service({TwoDatasets(10)}, runner_.Get(), Options());
  auto answer = service.RunDataset("fleet", "counts");
  ASSERT_OK(answer);
  EXPECT_EQ(runner_.last_sql, "SELECT vendor, n FROM t");
  EXPECT_EQ(runner_.last_database, "vehicles");
  EXPECT_FALSE(answer->cached);
  const DatasetResult& result = *answer->result;
  ASSERT_EQ(result.columns.size(), 2u);
  EXPECT_EQ(result.columns[1].name, "n");
  EXPECT_EQ(result.columns[1].type, "BIGINT");
  EXPECT_EQ(result.row_count, 2);
  EXPECT_EQ(result.bytes_scanned, 1234);
  EXPECT_EQ(result.engine_millis, 7);
  EXPECT_GT(result.computed_at_ms, 0);

  json body = json::parse(DatasetAnswerJson(*answer));
  EXPECT_EQ(body["Columns"], json::parse(R"([{"Name":"vendor","Type":"VARCHAR"},{"Name":"n","Type":"BIGINT"}])"));
  EXPECT_EQ(body["Rows"], json::parse(R"([["volvo",3],["scania",2]])"));
  EXPECT_EQ(body["BytesScanned"], 1234);
  EXPECT_EQ(body["EngineMillis"], 7);
  EXPECT_EQ(body["Cached"], false);
  EXPECT_THAT(body["ComputedAt"].get<std::string>(), ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z"));
  EXPECT_EQ(metered_, std::vector<int64_t>{1234});

  // Without a database the SQL runs without a default one.
  Dashboard no_database = TwoDatasets(10);
  no_database.database = "";
  DashboardService plain({no_database}, runner_.Get(), Options());
  ASSERT_OK(plain.RunDataset("fleet", "counts"));
  EXPECT_EQ(runner_.last_database, std::nullopt);
}

TEST_F(DashboardServiceTest, AResultIsReusedForHalfTheRefreshInterval) {
  DashboardService service({TwoDatasets(10)}, runner_.Get(), Options());
  auto first = service.RunDataset("fleet", "counts");
  ASSERT_OK(first);
  now_ += std::chrono::milliseconds(4999);
  auto second = service.RunDataset("fleet", "counts");
  ASSERT_OK(second);
  EXPECT_TRUE(second->cached);
  EXPECT_EQ(second->result, first->result);  // the same object, not a copy
  EXPECT_EQ(json::parse(DatasetAnswerJson(*second))["Cached"], true);
  EXPECT_EQ(runner_.runs, 1);
  EXPECT_EQ(metered_.size(), 1u);  // a cached answer is not a query

  // Each dataset has its own slot.
  ASSERT_OK(service.RunDataset("fleet", "other"));
  EXPECT_EQ(runner_.runs, 2);

  now_ += std::chrono::milliseconds(1);
  auto third = service.RunDataset("fleet", "counts");
  ASSERT_OK(third);
  EXPECT_FALSE(third->cached);
  EXPECT_NE(third->result, first->result);
  EXPECT_EQ(runner_.runs, 3);
}

TEST_F(DashboardServiceTest, TheCacheLastsAtLeastTheMinimum) {
  // refresh_seconds = 0 (never) and 1 (half is 500 ms) both get the 1 s minimum.
  Dashboard never = TwoDatasets(0);
  Dashboard fast = TwoDatasets(1);
  fast.name = "fast";
  DashboardService service({never, fast}, runner_.Get(), Options());
  for (std::string_view name : {"fleet", "fast"}) {
    ASSERT_OK(service.RunDataset(name, "counts"));
    now_ += std::chrono::milliseconds(999);
    auto again = service.RunDataset(name, "counts");
    ASSERT_OK(again);
    EXPECT_TRUE(again->cached) << name;
    now_ += std::chrono::milliseconds(1);
    again = service.RunDataset(name, "counts");
    ASSERT_OK(again);
    EXPECT_FALSE(again->cached) << name;
  }
  EXPECT_EQ(runner_.runs, 4);
}

TEST_F(DashboardServiceTest, ConcurrentRequestsCostOneRun) {
  // The runner holds its run until every request has arrived, so without coalescing the requests
  // that find no result yet would each start a run of their own; with it they wait for the first
  // run (and any that reach the service after it ended find its result in the cache).
  constexpr int kRequests = 8;
  std::mutex mu;
  std::condition_variable arrived_cv;
  int arrived = 0;
  std::atomic<int> runs{0};
  DashboardService::Runner runner = [&](std::string_view, const std::optional<std::string>&) -> Result<query::QueryResult> {
    ++runs;
    std::unique_lock lock(mu);
    arrived_cv.wait(lock, [&] { return arrived == kRequests; });
    return CountsResult();
  };
  DashboardService service({TwoDatasets(10)}, runner, Options());
  std::vector<std::thread> threads;
  std::vector<Result<DatasetAnswer>> answers(kRequests, std::unexpected(Error::Internal("not run")));
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      {
        std::lock_guard lock(mu);
        ++arrived;
      }
      arrived_cv.notify_all();
      answers[i] = service.RunDataset("fleet", "counts");
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(runs, 1);
  for (const auto& answer : answers) {
    ASSERT_OK(answer);
    EXPECT_EQ(answer->result, answers[0]->result);
  }
}

TEST_F(DashboardServiceTest, AFailedRunIsInvalidRequestWithTheEnginesMessageAndIsReusedToo) {
  runner_.error = Error::InvalidArgument("Catalog Error: Table with name vehicles_stage does not exist!");
  DashboardService service({TwoDatasets(10)}, runner_.Get(), Options());
  auto failed = service.RunDataset("fleet", "counts");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), Error::Code::kInvalidRequest);
  EXPECT_EQ(failed.error().message(), "Catalog Error: Table with name vehicles_stage does not exist!");
  EXPECT_FALSE(service.RunDataset("fleet", "counts"));
  EXPECT_EQ(runner_.runs, 1);
  EXPECT_TRUE(metered_.empty());  // Athena does not bill failed queries

  // Once the table exists, the next run after the interval succeeds.
  runner_.error.reset();
  now_ += std::chrono::seconds(5);
  ASSERT_OK(service.RunDataset("fleet", "counts"));
  EXPECT_EQ(runner_.runs, 2);
}

TEST_F(DashboardServiceTest, TooManyRowsIsAnError) {
  DashboardServiceOptions options = Options();
  options.max_rows = 1;
  DashboardService service({TwoDatasets(10)}, runner_.Get(), options);
  auto answer = service.RunDataset("fleet", "counts");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), Error::Code::kInvalidRequest);
  EXPECT_THAT(answer.error().message(),
              HasSubstr("dataset counts of dashboard fleet returned 2 rows; a dashboard dataset may return at most 1"));
}

// The built-in dashboard's SQL on the stage table the seed's job writes (its columns and types,
// partitioned by vendor), through the real engine.
class BuiltinDashboardOnEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-dashboard-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::path data_dir = root_ / "data";
    fs::create_directories(data_dir / "s3/lake");
    auto catalog = catalog::SqliteCatalog::Open(data_dir / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);
    ASSERT_OK(catalog_->CreateDatabase({.name = "vehicles"}));

    // Vehicles V-1..V-3 (volvo, volvo, scania): V-1 reports at minutes 00 and 01, the others at
    // minute 00 only; V-1's latest reading is at 12:01:30 at (-23.5, -46.6) doing 80 km/h.
    struct Reading {
      const char* vendor;
      const char* id;
      const char* model;
      const char* time;
      double speed, lat, lon;
    };
    const std::vector<Reading> readings = {
        {"volvo", "V-1", "FH", "2026-11-25T12:00:10.000Z", 20, -23.0, -46.0},
        {"volvo", "V-1", "FH", "2026-11-25T12:01:30.000Z", 80, -23.5, -46.6},
        {"volvo", "V-1", "FH", "2026-11-25T12:00:50.500Z", 40, -23.2, -46.2},
        {"volvo", "V-2", "FM", "2026-11-25T12:00:20.000Z", 10, -22.9, -43.2},
        {"scania", "V-3", "R 450", "2026-11-25T12:00:40.000Z", 60, -25.4, -49.3},
    };
    auto db = query::duckdb::Database::Open("", {});
    ASSERT_OK(db);
    auto connection = query::duckdb::Connection::Open(*db);
    ASSERT_OK(connection);
    std::vector<catalog::Partition> partitions;
    for (std::string vendor : {"volvo", "scania"}) {
      std::string values;
      for (const Reading& r : readings) {
        if (r.vendor != vendor) continue;
        values += fmt::format("{}('{}', '{}', '{}', {}::DOUBLE, {}::DOUBLE, {}::DOUBLE, 0::BIGINT)",
                              values.empty() ? "" : ", ", r.id, r.model, r.time, r.speed, r.lat, r.lon);
      }
      fs::path file = data_dir / "s3/lake/stage" / ("vendor=" + vendor) / "part-0.parquet";
      fs::create_directories(file.parent_path());
      ASSERT_OK(connection->Execute(fmt::format(
          "COPY (SELECT * FROM (VALUES {}) t(vehicle_id, model, event_time, vehicle_status_speed_kmh, "
          "gps_info_latitude, gps_info_longitude, alerts)) TO {} (FORMAT parquet)",
          values, query::duckdb::QuoteLiteral(file.string()))));
      catalog::Partition partition;
      partition.values = {vendor};
      partition.storage.location = fmt::format("s3://lake/stage/vendor={}/", vendor);
      partitions.push_back(partition);
    }
    catalog::Table stage;
    stage.database = "vehicles";
    stage.name = "vehicles_stage";
    stage.storage.columns = {{"vehicle_id", "string", ""},
                             {"model", "string", ""},
                             {"event_time", "string", ""},
                             {"vehicle_status_speed_kmh", "double", ""},
                             {"gps_info_latitude", "double", ""},
                             {"gps_info_longitude", "double", ""},
                             {"alerts", "bigint", ""}};
    stage.storage.location = "s3://lake/stage/";
    stage.partition_keys = {{"vendor", "string", ""}};
    stage.parameters = {{"classification", "parquet"}};
    ASSERT_OK(catalog_->CreateTable(stage));
    ASSERT_OK(catalog_->CreatePartitions("vehicles", "vehicles_stage", partitions));

    auto engine = query::Engine::Open({.data_dir = data_dir, .memory_limit = "256MB", .threads = 2}, catalog_.get());
    ASSERT_OK(engine);
    engine_ = std::move(*engine);
    auto builtin = BuiltinDashboards();
    ASSERT_OK(builtin);
    service_ = std::make_unique<DashboardService>(*std::move(builtin), engine_.get());
  }

  void TearDown() override {
    service_.reset();
    engine_.reset();
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // {"Columns":[names], "Rows":[...]} of a built-in dataset.
  json Run(std::string_view dataset) {
    auto answer = service_->RunDataset("vehicles", dataset);
    EXPECT_TRUE(answer) << dataset << ": " << answer.error().ToString();
    if (!answer) return json();
    json body = json::parse(DatasetAnswerJson(*answer));
    json names = json::array();
    for (const json& column : body["Columns"]) names.push_back(column["Name"]);
    return {{"Columns", names}, {"Rows", body["Rows"]}, {"Types", body["Columns"]}};
  }

  fs::path root_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<query::Engine> engine_;
  std::unique_ptr<DashboardService> service_;
};

TEST_F(BuiltinDashboardOnEngineTest, LatestPositionIsOneRowPerVehicleFromItsLatestReading) {
  json latest = Run("latest_positions");
  EXPECT_EQ(latest["Columns"],
            json({"vehicle_id", "vendor", "model", "latitude", "longitude", "speed_kmh", "event_time"}));
  EXPECT_EQ(latest["Rows"], json::parse(R"([
      ["V-1", "volvo", "FH", -23.5, -46.6, 80.0, "2026-11-25T12:01:30.000Z"],
      ["V-2", "volvo", "FM", -22.9, -43.2, 10.0, "2026-11-25T12:00:20.000Z"],
      ["V-3", "scania", "R 450", -25.4, -49.3, 60.0, "2026-11-25T12:00:40.000Z"]])"));
}

TEST_F(BuiltinDashboardOnEngineTest, CountsMinutesAndSpeeds) {
  EXPECT_EQ(Run("records_by_vendor")["Rows"], json::parse(R"([["volvo", 4], ["scania", 1]])"));
  json totals = Run("totals");
  EXPECT_EQ(totals["Columns"], json({"records", "vehicles"}));
  EXPECT_EQ(totals["Rows"], json::parse("[[5, 3]]"));
  EXPECT_EQ(Run("records_per_minute")["Rows"],
            json::parse(R"([["2026-11-25T12:00:00Z", 4], ["2026-11-25T12:01:00Z", 1]])"));
  json speed = Run("speed_by_vendor");
  EXPECT_EQ(speed["Rows"], json::parse(R"([["scania", 60.0], ["volvo", 37.5]])"));
}

TEST_F(BuiltinDashboardOnEngineTest, EveryVisualNamesColumnsOfItsDataset) {
  auto dashboard = service_->Get("vehicles");
  ASSERT_OK(dashboard);
  for (const Visual& visual : (*dashboard)->visuals) {
    json columns = Run(visual.dataset)["Columns"];
    std::vector<std::string> named;
    std::visit(
        [&](const auto& f) {
          using T = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<T, MapFields>) {
            named = {f.latitude, f.longitude, *f.label};
            named.insert(named.end(), f.details.begin(), f.details.end());
          } else if constexpr (std::is_same_v<T, CategoryFields>) {
            named = {f.category, f.value};
          } else if constexpr (std::is_same_v<T, LineFields>) {
            named = {f.x, f.y};
          } else if constexpr (std::is_same_v<T, KpiFields>) {
            named = {f.value};
          } else {
            named = f.columns;
          }
        },
        visual.fields);
    for (const std::string& column : named)
      EXPECT_NE(std::find(columns.begin(), columns.end(), column), columns.end())
          << visual.id << " names " << column << ", not a column of " << visual.dataset << ": " << columns.dump();
  }
}

TEST_F(BuiltinDashboardOnEngineTest, AMissingTableIsTheEnginesMessage) {
  Dashboard broken;
  broken.name = "broken";
  broken.database = "vehicles";
  broken.datasets = {{"x", "SELECT count(*) FROM vehicles_nope"}};
  DashboardService service({broken}, engine_.get());
  auto answer = service.RunDataset("broken", "x");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), Error::Code::kInvalidRequest);
  EXPECT_THAT(answer.error().message(), HasSubstr("vehicles_nope"));
  EXPECT_THAT(answer.error().message(), HasSubstr("vehicles.vehicles_stage"));  // the engine lists the tables
}

}  // namespace
}  // namespace lakebox::dashboard
