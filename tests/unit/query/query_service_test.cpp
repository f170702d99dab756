#include "query/query_service.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "common/compression.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class QueryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-qs-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    data_dir_ = pattern;
    fs::create_directories(data_dir_ / "s3/lake/raw");
    std::ofstream(data_dir_ / "s3/lake/raw/part-1", std::ios::binary)
        << Gzip(R"({"vendor":"acme","note":"say \"hi\", ok","speed":1.5})"
                "\n"
                R"({"vendor":"globex","note":null,"speed":2})"
                "\n"
                R"({"vendor":"initech","note":"","speed":3})"
                "\n");

    auto catalog = catalog::SqliteCatalog::Open(data_dir_ / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);
    catalog::Database database;
    database.name = "vehicles";
    ASSERT_OK(catalog_->CreateDatabase(database));
    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {{"vendor", "string", ""}, {"note", "string", ""}, {"speed", "double", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
    ASSERT_OK(catalog_->CreateTable(raw));

    auto engine = Engine::Open({.data_dir = data_dir_, .memory_limit = "256MB", .threads = 1,
                                  .query_timeout = std::chrono::milliseconds(1500)}, catalog_.get());
    ASSERT_OK(engine);
    engine_ = std::move(*engine);
    auto store = storage::LocalObjectStore::Open(data_dir_ / "s3");
    ASSERT_OK(store);
    store_ = std::move(*store);
    OpenService();
  }

  void OpenService() {
    auto service = QueryService::Open({.data_dir = data_dir_, .workers = 2}, engine_.get(), store_.get());
    ASSERT_OK(service);
    service_ = std::move(*service);
  }

  void TearDown() override {
    service_.reset();
    engine_.reset();
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }

  QueryExecution Wait(const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      auto execution = service_->Get(id);
      EXPECT_TRUE(execution);
      if (!execution || execution->Finished()) return execution.value_or(QueryExecution{});
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "execution " << id << " did not finish";
    return {};
  }

  std::string StartOk(std::string sql, std::string token = "") {
    auto id = service_->Start({.query = std::move(sql), .database = "vehicles", .client_request_token = token});
    EXPECT_TRUE(id) << id.error().ToString();
    return id.value_or("");
  }

  fs::path data_dir_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<QueryService> service_;
};

TEST_F(QueryServiceTest, SucceedsWithRowsStatisticsAndExactCsv) {
  std::string id = StartOk("SELECT vendor, note, speed FROM vehicles_raw ORDER BY vendor");
  EXPECT_EQ(id.size(), 36u);
  QueryExecution e = Wait(id);
  ASSERT_EQ(e.state, QueryState::kSucceeded) << e.reason;
  EXPECT_GT(e.bytes_scanned, 0);
  EXPECT_EQ(e.rows, 3);
  ASSERT_TRUE(e.completed);
  EXPECT_GE(e.total_ms, e.engine_ms);
  EXPECT_EQ(e.ResultLocation(), "s3://lake/athena-results/" + id + ".csv");
  EXPECT_EQ(e.work_group, "primary");

  auto result = service_->Results(id);
  ASSERT_OK(result);
  EXPECT_THAT((*result)->column_names, ElementsAre("vendor", "note", "speed"));
  ASSERT_EQ((*result)->rows.size(), 3u);
  EXPECT_EQ((*result)->rows[1][1], std::nullopt);

  auto csv = store_->Get("lake", "athena-results/" + id + ".csv");
  ASSERT_OK(csv);
  EXPECT_EQ(*csv,
            "\"vendor\",\"note\",\"speed\"\n"
            "\"acme\",\"say \"\"hi\"\", ok\",\"1.5\"\n"
            "\"globex\",,\"2.0\"\n"
            "\"initech\",\"\",\"3.0\"\n");
  auto metadata = store_->Get("lake", "athena-results/" + id + ".csv.metadata");
  ASSERT_OK(metadata);
  EXPECT_THAT(*metadata, HasSubstr(R"({"Name":"vendor","Type":"VARCHAR"})"));
}

TEST_F(QueryServiceTest, BadSqlFailsWithDuckDbMessage) {
  QueryExecution e = Wait(StartOk("SELEC 1"));
  EXPECT_EQ(e.state, QueryState::kFailed);
  EXPECT_THAT(e.reason, HasSubstr("syntax error"));
  ASSERT_TRUE(e.completed);
  EXPECT_FALSE(service_->Results(e.id));
}

TEST_F(QueryServiceTest, SandboxRefusalFailsAndWritesNothing) {
  fs::path target = data_dir_ / "s3/lake/copied.csv";
  QueryExecution e = Wait(StartOk(fmt::format("COPY (SELECT 1) TO '{}'", target.string())));
  EXPECT_EQ(e.state, QueryState::kFailed);
  EXPECT_THAT(e.reason, HasSubstr("Permission Error"));
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(QueryServiceTest, UnknownTableNamesTheCatalog) {
  QueryExecution e = Wait(StartOk("SELECT * FROM nope"));
  EXPECT_EQ(e.state, QueryState::kFailed);
  EXPECT_THAT(e.reason, HasSubstr("vehicles.vehicles_raw"));
}

TEST_F(QueryServiceTest, UnknownIdAndOutputLocation) {
  auto missing = service_->Get("00000000-0000-4000-8000-000000000000");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("was not found"));
  EXPECT_FALSE(service_->Stop("nope"));
  EXPECT_FALSE(service_->Start({.query = "SELECT 1", .output_location = "/tmp/x/"}));
  EXPECT_FALSE(service_->Start({.query = ""}));
  auto custom = service_->Start({.query = "SELECT 1 AS one", .output_location = "s3://other/out"});
  ASSERT_OK(custom);
  QueryExecution e = Wait(*custom);
  EXPECT_EQ(e.ResultLocation(), "s3://other/out/" + *custom + ".csv");
  auto csv = store_->Get("other", "out/" + *custom + ".csv");
  ASSERT_OK(csv);
  EXPECT_EQ(*csv, "\"one\"\n\"1\"\n");
}

TEST_F(QueryServiceTest, ResultsBeforeCompletionAndStop) {
  // Both workers busy with slow queries, so the third stays QUEUED.
  const std::string slow = "SELECT count(*) FROM range(3000000000) t(i) WHERE i % 7 = 3";
  std::string a = StartOk(slow), b = StartOk(slow), queued = StartOk("SELECT 1");
  auto running = service_->Results(queued);
  ASSERT_FALSE(running);
  EXPECT_THAT(running.error().message(), HasSubstr("Query has not yet finished. Current state: "));
  ASSERT_OK(service_->Stop(queued));
  ASSERT_OK(service_->Stop(a));
  ASSERT_OK(service_->Stop(b));
  for (const std::string& id : {a, b, queued}) {
    QueryExecution e = Wait(id);
    EXPECT_EQ(e.state, QueryState::kCancelled);
    EXPECT_FALSE(store_->Head("lake", "athena-results/" + id + ".csv"));
  }
  // Stopping a finished execution changes nothing.
  QueryExecution done = Wait(StartOk("SELECT 2"));
  ASSERT_EQ(done.state, QueryState::kSucceeded);
  ASSERT_OK(service_->Stop(done.id));
  EXPECT_EQ(service_->Get(done.id)->state, QueryState::kSucceeded);
}

TEST_F(QueryServiceTest, ListNewestFirstAndIdempotencyToken) {
  std::string first = StartOk("SELECT 1", "token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  std::string second = StartOk("SELECT 2");
  EXPECT_EQ(StartOk("SELECT 1", "token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), first);
  auto other = service_->Start({.query = "SELECT 3", .work_group = "other"});
  ASSERT_OK(other);
  EXPECT_THAT(service_->List("primary"), ElementsAre(second, first));
  EXPECT_THAT(service_->List("other"), ElementsAre(*other));
}

TEST_F(QueryServiceTest, HistorySurvivesReopen) {
  QueryExecution ok = Wait(StartOk("SELECT vendor, note FROM vehicles_raw ORDER BY vendor"));
  ASSERT_EQ(ok.state, QueryState::kSucceeded);
  QueryExecution bad = Wait(StartOk("SELEC 1", "token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
  service_.reset();
  OpenService();
  EXPECT_EQ(StartOk("SELEC 1", "token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), bad.id);

  auto again = service_->Get(ok.id);
  ASSERT_OK(again);
  EXPECT_EQ(again->state, QueryState::kSucceeded);
  EXPECT_EQ(again->bytes_scanned, ok.bytes_scanned);
  EXPECT_EQ(again->query, ok.query);
  EXPECT_EQ(again->database, "vehicles");
  auto result = service_->Results(ok.id);
  ASSERT_OK(result);
  EXPECT_THAT((*result)->column_names, ElementsAre("vendor", "note"));
  EXPECT_THAT((*result)->column_types, ElementsAre("VARCHAR", "VARCHAR"));
  ASSERT_EQ((*result)->rows.size(), 3u);
  EXPECT_EQ((*result)->rows[0][1], "say \"hi\", ok");
  EXPECT_EQ((*result)->rows[1][1], std::nullopt);
  EXPECT_EQ((*result)->rows[2][0], "initech");
  EXPECT_EQ((*result)->rows[2][1], "");
  EXPECT_EQ(service_->Get(bad.id)->reason, bad.reason);
  EXPECT_THAT(service_->List("primary"), ElementsAre(bad.id, ok.id));
}

}  // namespace
}  // namespace lakebox::query
