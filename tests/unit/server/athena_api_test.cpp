#include "server/athena_api.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "common/compression.h"
#include "query/engine.h"
#include "query/query_service.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

class AthenaApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-athena-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "s3/lake/raw");
    std::string records;
    for (int i = 0; i < 5; ++i)
      records += fmt::format(R"({{"vendor":"v{}","speed":{},"note":{}}})"
                             "\n",
                             i, i, i == 2 ? "null" : "\"n\"");
    std::ofstream(dir_ / "s3/lake/raw/part-1", std::ios::binary) << Gzip(records);

    auto catalog = catalog::SqliteCatalog::Open(dir_ / "catalog.db");
    ASSERT_TRUE(catalog) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
    catalog::Database database;
    database.name = "vehicles";
    ASSERT_TRUE(catalog_->CreateDatabase(database));
    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {{"vendor", "string", ""}, {"speed", "bigint", ""}, {"note", "string", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
    ASSERT_TRUE(catalog_->CreateTable(raw));

    auto engine = query::Engine::Open({.data_dir = dir_, .memory_limit = "256MB", .threads = 1}, catalog_.get());
    ASSERT_TRUE(engine) << engine.error().ToString();
    engine_ = std::move(*engine);
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    auto queries = query::QueryService::Open({.data_dir = dir_, .workers = 2}, engine_.get(), store_.get());
    ASSERT_TRUE(queries) << queries.error().ToString();
    queries_ = std::move(*queries);
    api_ = std::make_unique<AthenaApi>(queries_.get());
  }

  void TearDown() override {
    api_.reset();
    queries_.reset();
    engine_.reset();
    catalog_.reset();
    fs::remove_all(dir_);
  }

  json Ok(std::string_view operation, const json& body) {
    std::string text = body.dump();
    Result<std::string> result = api_->Call(operation, text);
    EXPECT_TRUE(result) << operation << ": " << result.error().ToString();
    return result ? json::parse(*result) : json();
  }

  Error Fails(std::string_view operation, const json& body) {
    std::string text = body.dump();
    Result<std::string> result = api_->Call(operation, text);
    EXPECT_FALSE(result) << operation << " succeeded: " << *result;
    return result ? Error::Internal("") : result.error();
  }

  json WaitFinished(const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      json execution = Ok("GetQueryExecution", {{"QueryExecutionId", id}})["QueryExecution"];
      std::string state = execution["Status"]["State"];
      if (state != "QUEUED" && state != "RUNNING") return execution;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << id << " did not finish";
    return {};
  }

  std::string Start(std::string sql) {
    return Ok("StartQueryExecution",
              {{"QueryString", std::move(sql)}, {"QueryExecutionContext", {{"Database", "vehicles"}}}})
        ["QueryExecutionId"];
  }

  fs::path dir_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<query::Engine> engine_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<query::QueryService> queries_;
  std::unique_ptr<AthenaApi> api_;
};

TEST_F(AthenaApiTest, ExecutionShape) {
  std::string id = Start(R"(SELECT * FROM "vehicles"."vehicles_raw" limit 10;)");
  json e = WaitFinished(id);
  EXPECT_EQ(e["QueryExecutionId"], id);
  EXPECT_EQ(e["Status"]["State"], "SUCCEEDED");
  EXPECT_TRUE(e["Status"]["SubmissionDateTime"].is_number());
  EXPECT_TRUE(e["Status"]["CompletionDateTime"].is_number());
  EXPECT_EQ(e["StatementType"], "DML");
  EXPECT_EQ(e["ResultConfiguration"]["OutputLocation"], "s3://lake/athena-results/" + id + ".csv");
  EXPECT_EQ(e["QueryExecutionContext"]["Database"], "vehicles");
  EXPECT_EQ(e["QueryExecutionContext"]["Catalog"], "AwsDataCatalog");
  EXPECT_GT(e["Statistics"]["DataScannedInBytes"].get<int64_t>(), 0);
  EXPECT_TRUE(e["Statistics"]["TotalExecutionTimeInMillis"].is_number());
  EXPECT_TRUE(e["Statistics"]["QueryQueueTimeInMillis"].is_number());
  EXPECT_EQ(e["WorkGroup"], "primary");
  EXPECT_EQ(e["EngineVersion"]["EffectiveEngineVersion"], "Athena engine version 3");
  EXPECT_TRUE(store_->Head("lake", "athena-results/" + id + ".csv"));
}

TEST_F(AthenaApiTest, ResultsHeaderFirstThenPages) {
  std::string id = Start("SELECT vendor, speed, note FROM vehicles_raw ORDER BY vendor");
  WaitFinished(id);
  json page = Ok("GetQueryResults", {{"QueryExecutionId", id}, {"MaxResults", 2}});
  json rows = page["ResultSet"]["Rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], json::parse(R"({"Data":[{"VarCharValue":"vendor"},{"VarCharValue":"speed"},{"VarCharValue":"note"}]})"));
  EXPECT_EQ(rows[1], json::parse(R"({"Data":[{"VarCharValue":"v0"},{"VarCharValue":"0"},{"VarCharValue":"n"}]})"));
  json columns = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"];
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0]["Type"], "varchar");
  EXPECT_EQ(columns[0]["CaseSensitive"], true);
  EXPECT_EQ(columns[0]["Precision"], 2147483647);
  EXPECT_EQ(columns[1]["Type"], "bigint");
  EXPECT_EQ(columns[1]["Precision"], 19);
  EXPECT_EQ(columns[1]["Nullable"], "UNKNOWN");
  EXPECT_EQ(columns[1]["CatalogName"], "hive");

  std::vector<json> all = {rows[1]};
  while (page.contains("NextToken")) {
    page = Ok("GetQueryResults", {{"QueryExecutionId", id}, {"MaxResults", 2}, {"NextToken", page["NextToken"]}});
    for (const json& row : page["ResultSet"]["Rows"]) all.push_back(row);
  }
  ASSERT_EQ(all.size(), 5u);  // no second header
  EXPECT_EQ(all[2]["Data"][2], json::object());  // NULL
  EXPECT_EQ(all[4]["Data"][0]["VarCharValue"], "v4");
}

TEST_F(AthenaApiTest, FailedExecutionAndResultsRefused) {
  std::string id = Start("SELEC 1");
  json e = WaitFinished(id);
  EXPECT_EQ(e["Status"]["State"], "FAILED");
  EXPECT_THAT(e["Status"]["StateChangeReason"].get<std::string>(), HasSubstr("syntax error"));
  EXPECT_EQ(e["Status"]["AthenaError"]["ErrorCategory"], 2);
  Error error = Fails("GetQueryResults", {{"QueryExecutionId", id}});
  EXPECT_THAT(error.message(), HasSubstr("FAILED"));
}

TEST_F(AthenaApiTest, RequestChecking) {
  EXPECT_EQ(Fails("StartQueryExecution", json::object()).code(), Error::Code::kValidation);
  EXPECT_EQ(Fails("StartQueryExecution", {{"QueryString", ""}}).code(), Error::Code::kValidation);
  EXPECT_EQ(Fails("StartQueryExecution", {{"QueryString", 1}}).code(), Error::Code::kSerialization);
  EXPECT_EQ(Fails("StartQueryExecution", {{"QueryString", std::string(262145, 'x')}}).code(),
            Error::Code::kValidation);
  EXPECT_EQ(Fails("StartQueryExecution", {{"QueryString", "SELECT 1"}, {"ClientRequestToken", "short"}}).code(),
            Error::Code::kValidation);
  EXPECT_EQ(Fails("GetQueryResults", {{"QueryExecutionId", "x"}, {"MaxResults", 1001}}).code(),
            Error::Code::kValidation);
  EXPECT_EQ(Fails("ListQueryExecutions", {{"MaxResults", 51}}).code(), Error::Code::kValidation);
  EXPECT_THAT(Fails("GetQueryExecution", {{"QueryExecutionId", "nope"}}).message(),
              HasSubstr("QueryExecution nope was not found"));
  EXPECT_EQ(Fails("Nope", json::object()).code(), Error::Code::kUnknownOperation);
}

TEST_F(AthenaApiTest, IdempotencyListBatchAndStop) {
  json start = {{"QueryString", "SELECT 1"}, {"ClientRequestToken", std::string(40, 't')}};
  std::string first = Ok("StartQueryExecution", start)["QueryExecutionId"];
  EXPECT_EQ(Ok("StartQueryExecution", start)["QueryExecutionId"], first);
  std::string second = Start("SELECT 2");
  std::string third = Start("SELECT 3");

  json page = Ok("ListQueryExecutions", {{"MaxResults", 2}});
  EXPECT_EQ(page["QueryExecutionIds"], json({third, second}));
  page = Ok("ListQueryExecutions", {{"MaxResults", 2}, {"NextToken", page["NextToken"]}});
  EXPECT_EQ(page["QueryExecutionIds"], json({first}));
  EXPECT_FALSE(page.contains("NextToken"));

  json batch = Ok("BatchGetQueryExecution", {{"QueryExecutionIds", {first, "nope"}}});
  ASSERT_EQ(batch["QueryExecutions"].size(), 1u);
  EXPECT_EQ(batch["QueryExecutions"][0]["QueryExecutionId"], first);
  EXPECT_EQ(batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"], "nope");

  WaitFinished(first);
  EXPECT_EQ(Ok("StopQueryExecution", {{"QueryExecutionId", first}}), json::object());
  EXPECT_EQ(WaitFinished(first)["Status"]["State"], "SUCCEEDED");
  EXPECT_THAT(Fails("StopQueryExecution", {{"QueryExecutionId", "nope"}}).message(), HasSubstr("was not found"));
}

}  // namespace
}  // namespace lakebox::server
