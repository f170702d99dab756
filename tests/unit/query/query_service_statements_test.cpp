// QueryService and Athena's statement types: UTILITY results are <id>.txt without a header,
// DDL fails with its type recorded, and both (with the peak memory) survive a reopen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "query/query_service.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Row = std::vector<std::optional<std::string>>;

class QueryServiceStatementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-qss-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    data_dir_ = pattern;
    fs::create_directories(data_dir_ / "s3/lake/raw");
    std::ofstream(data_dir_ / "s3/lake/raw/part-1", std::ios::binary)
        << Gzip("{\"vendor\":\"acme\",\"speed\":1.5}\n{\"vendor\":\"globex\",\"speed\":2}\n");
    auto catalog = catalog::SqliteCatalog::Open(data_dir_ / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);
    catalog::Database database;
    database.name = "vehicles";
    ASSERT_OK(catalog_->CreateDatabase(database));
    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {{"vendor", "string", ""}, {"speed", "double", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
    ASSERT_OK(catalog_->CreateTable(raw));
    auto engine = Engine::Open({.data_dir = data_dir_, .memory_limit = "256MB", .threads = 1}, catalog_.get());
    ASSERT_OK(engine);
    engine_ = std::move(*engine);
    auto store = storage::LocalObjectStore::Open(data_dir_ / "s3");
    ASSERT_OK(store);
    store_ = std::move(*store);
    OpenService();
  }

  void OpenService() {
    auto service = QueryService::Open({.data_dir = data_dir_, .workers = 1}, engine_.get(), store_.get());
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

  QueryExecution Run(std::string sql) {
    auto id = service_->Start({.query = std::move(sql), .database = "vehicles"});
    EXPECT_TRUE(id) << id.error().ToString();
    for (int i = 0; id && i < 2000; ++i) {
      auto execution = service_->Get(*id);
      if (execution && execution->Finished()) return *execution;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "no final state";
    return {};
  }

  fs::path data_dir_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<QueryService> service_;
};

TEST_F(QueryServiceStatementsTest, UtilityResultsAreTextWithoutHeader) {
  QueryExecution described = Run("DESCRIBE vehicles_raw");
  ASSERT_EQ(described.state, QueryState::kSucceeded) << described.reason;
  EXPECT_EQ(described.statement_type, "UTILITY");
  EXPECT_EQ(described.substatement_type, "DESCRIBE_TABLE");
  EXPECT_EQ(described.bytes_scanned, 0);
  EXPECT_EQ(described.ResultLocation(), "s3://lake/athena-results/" + described.id + ".txt");
  auto text = store_->Get("lake", "athena-results/" + described.id + ".txt");
  ASSERT_OK(text);
  EXPECT_EQ(*text, "vendor\tstring\t\nspeed\tdouble\t\n");
  EXPECT_TRUE(store_->Get("lake", "athena-results/" + described.id + ".txt.metadata"));
  EXPECT_FALSE(store_->Get("lake", "athena-results/" + described.id + ".csv"));

  QueryExecution select = Run("SELECT count(*) FROM vehicles_raw");
  ASSERT_EQ(select.state, QueryState::kSucceeded) << select.reason;
  EXPECT_EQ(select.statement_type, "DML");
  EXPECT_EQ(select.substatement_type, "SELECT");
  EXPECT_GT(select.bytes_scanned, 0);
  EXPECT_GT(select.peak_memory_bytes, 0);

  QueryExecution ddl = Run("DROP TABLE vehicles_raw");
  EXPECT_EQ(ddl.state, QueryState::kFailed);
  EXPECT_EQ(ddl.statement_type, "DDL");
  EXPECT_EQ(ddl.substatement_type, "DROP_TABLE");
  EXPECT_THAT(ddl.reason, HasSubstr("DROP TABLE is not supported"));

  // The history keeps the types and the peak memory; a UTILITY result reads back from its .txt.
  service_.reset();
  OpenService();
  auto again = service_->Get(described.id);
  ASSERT_OK(again);
  EXPECT_EQ(again->statement_type, "UTILITY");
  EXPECT_EQ(again->ResultLocation(), described.ResultLocation());
  auto rows = service_->Results(described.id);
  ASSERT_OK(rows);
  EXPECT_THAT((*rows)->column_names, ElementsAre("col_name", "data_type", "comment"));
  EXPECT_THAT((*rows)->rows, ElementsAre(Row{"vendor", "string", ""}, Row{"speed", "double", ""}));
  EXPECT_EQ(service_->Get(select.id)->peak_memory_bytes, select.peak_memory_bytes);
  EXPECT_EQ(service_->Get(ddl.id)->statement_type, "DDL");
}

}  // namespace
}  // namespace lakebox::query
