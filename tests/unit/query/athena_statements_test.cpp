#include "query/athena_statements.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "catalog/sqlite_catalog.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Row = std::vector<std::optional<std::string>>;

TEST(ClassifyStatementTest, AthenasStatementTypes) {
  struct Case {
    std::string sql;
    std::string type;
    std::string substatement;
  };
  const std::vector<Case> cases = {
      {"SELECT 1", "DML", "SELECT"},
      {"  -- a comment\n/* another */ select * from t limit 10;", "DML", "SELECT"},
      {"(SELECT 1) UNION ALL (SELECT 2)", "DML", "SELECT"},
      {"WITH x AS (SELECT 1) SELECT * FROM x", "DML", "SELECT"},
      {"VALUES (1)", "DML", "SELECT"},
      {"INSERT INTO t SELECT 1", "DML", "INSERT"},
      {"SHOW TABLES", "UTILITY", "SHOW_TABLES"},
      {"show databases", "UTILITY", "SHOW_DATABASES"},
      {"SHOW SCHEMAS LIKE 'v*'", "UTILITY", "SHOW_DATABASES"},
      {"SHOW COLUMNS IN t", "UTILITY", "SHOW_COLUMNS"},
      {"SHOW PARTITIONS t", "UTILITY", "SHOW_PARTITIONS"},
      {"SHOW CREATE TABLE t", "UTILITY", "SHOW_CREATE_TABLE"},
      {"DESCRIBE t", "UTILITY", "DESCRIBE_TABLE"},
      {"desc db.t", "UTILITY", "DESCRIBE_TABLE"},
      {"EXPLAIN SELECT 1", "UTILITY", "EXPLAIN"},
      {"CREATE EXTERNAL TABLE t (a int)", "DDL", "CREATE_TABLE"},
      {"CREATE OR REPLACE VIEW v AS SELECT 1", "DDL", "CREATE_VIEW"},
      {"CREATE SCHEMA s", "DDL", "CREATE_DATABASE"},
      {"DROP TABLE IF EXISTS t", "DDL", "DROP_TABLE"},
      {"ALTER TABLE t ADD PARTITION (dt='1')", "DDL", "ALTER_TABLE"},
      {"MSCK REPAIR TABLE t", "DDL", "MSCK_REPAIR_TABLE"},
      {"COPY t TO 'x'", "DML", "COPY"},
      {"", "DML", "SELECT"},
  };
  for (const Case& c : cases) {
    StatementKind kind = ClassifyStatement(c.sql);
    EXPECT_EQ(kind.type, c.type) << c.sql;
    EXPECT_EQ(kind.substatement, c.substatement) << c.sql;
  }
}

TEST(CheckExplainedStatementsTest, OnlyQueriesMayBeExplained) {
  for (std::string_view sql : {"EXPLAIN SELECT 1", "EXPLAIN ANALYZE SELECT 1", "explain analyze with x as (select 1) "
                               "select * from x", "EXPLAIN (FORMAT json) SELECT 1", "EXPLAIN (SELECT 1)",
                               "EXPLAIN ANALYZE ((SELECT 1))", "SELECT 'explain analyze copy'"}) {
    auto checked = CheckExplainedStatements(sql);
    EXPECT_TRUE(checked) << sql << ": " << checked.error().ToString();
  }
  for (std::string_view sql : {"EXPLAIN ANALYZE COPY (SELECT 1) TO 'x'", "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
                               "EXPLAIN (FORMAT json) INSERT INTO t VALUES (1)", "explain /* x */ analyse copy t to 'x'",
                               "SELECT 1; EXPLAIN ANALYZE COPY t TO 'x'", "EXPLAIN"}) {
    auto checked = CheckExplainedStatements(sql);
    ASSERT_FALSE(checked) << sql;
    EXPECT_THAT(checked.error().message(), HasSubstr("Permission Error")) << sql;
  }
  // Statements split as DuckDB splits them: not inside strings, identifiers or comments.
  EXPECT_THAT(*CheckExplainedStatements("SELECT ';' AS \"a;b\" -- ;\n; /* ; */ EXPLAIN SELECT $x$;$x$;"),
              ElementsAre(false, true));
  EXPECT_THAT(*CheckExplainedStatements("SELECT E'\\';'; SELECT 'it''s;'"), ElementsAre(false, false));
}

class AnswerFromCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-stmt-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    auto catalog = catalog::SqliteCatalog::Open(root_ / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);
    for (std::string name : {"vehicles", "default", "audit"}) {
      catalog::Database database;
      database.name = name;
      ASSERT_OK(catalog_->CreateDatabase(database));
    }
    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {{"vehicle_id", "string", "the VIN"}, {"status", "struct<speed_kmh:double>", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.partition_keys = {{"year", "string", ""}, {"ts", "string", ""}};
    raw.parameters = {{"classification", "json"}};
    ASSERT_OK(catalog_->CreateTable(raw));
    catalog::Partition p1, p2;
    p1.values = {"2025", "01:00"};
    p1.storage.location = "s3://lake/raw/a/";
    p2.values = {"2026", "a/b c"};
    p2.storage.location = "s3://lake/raw/b/";
    ASSERT_OK(catalog_->CreatePartitions("vehicles", "vehicles_raw", {p1, p2}));
    catalog::Table stage = raw;
    stage.name = "vehicles_stage";
    stage.partition_keys.clear();
    ASSERT_OK(catalog_->CreateTable(stage));
  }

  void TearDown() override {
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  QueryResult Answer(std::string_view sql, std::optional<std::string> database = "vehicles") {
    auto answer = AnswerFromCatalog(sql, *catalog_, database);
    EXPECT_TRUE(answer) << sql << " is not answered from the catalog";
    if (!answer) return {};
    EXPECT_TRUE(*answer) << sql << ": " << answer->error().ToString();
    return *answer ? **answer : QueryResult{};
  }

  Error Refusal(std::string_view sql) {
    auto answer = AnswerFromCatalog(sql, *catalog_, "vehicles");
    if (!answer || *answer) return Error::Internal(std::string(sql) + " was not refused");
    return answer->error();
  }

  fs::path root_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
};

TEST_F(AnswerFromCatalogTest, QueriesAreNotUtilityStatements) {
  EXPECT_FALSE(AnswerFromCatalog("SELECT 1", *catalog_, std::nullopt));
  EXPECT_FALSE(AnswerFromCatalog("EXPLAIN SELECT 1", *catalog_, std::nullopt));
  EXPECT_FALSE(AnswerFromCatalog("", *catalog_, std::nullopt));
}

TEST_F(AnswerFromCatalogTest, ShowDatabases) {
  QueryResult all = Answer("SHOW DATABASES");
  EXPECT_THAT(all.column_names, ElementsAre("database_name"));
  EXPECT_THAT(all.column_types, ElementsAre("VARCHAR"));
  EXPECT_THAT(all.rows, ElementsAre(Row{"audit"}, Row{"default"}, Row{"vehicles"}));
  EXPECT_THAT(Answer("show schemas like 'VEH*'").rows, ElementsAre(Row{"vehicles"}));
  EXPECT_THAT(Answer("SHOW SCHEMAS LIKE 'audit|default';").rows, ElementsAre(Row{"audit"}, Row{"default"}));
}

TEST_F(AnswerFromCatalogTest, ShowTables) {
  QueryResult in_context = Answer("SHOW TABLES");
  EXPECT_THAT(in_context.column_names, ElementsAre("tab_name"));
  EXPECT_THAT(in_context.rows, ElementsAre(Row{"vehicles_raw"}, Row{"vehicles_stage"}));
  EXPECT_THAT(Answer("SHOW TABLES IN `vehicles` '*raw'").rows, ElementsAre(Row{"vehicles_raw"}));
  EXPECT_THAT(Answer("SHOW TABLES FROM \"Vehicles\" '.*stage|nothing'").rows, ElementsAre(Row{"vehicles_stage"}));
  EXPECT_TRUE(Answer("SHOW TABLES", std::nullopt).rows.empty());  // the "default" database
  Error unknown = Refusal("SHOW TABLES IN nope");
  EXPECT_THAT(unknown.message(), HasSubstr("Database nope does not exist"));
  EXPECT_THAT(unknown.message(), HasSubstr("audit, default, vehicles"));
}

TEST_F(AnswerFromCatalogTest, ShowColumnsListsPartitionKeysLast) {
  QueryResult columns = Answer("SHOW COLUMNS IN vehicles_raw");
  EXPECT_THAT(columns.column_names, ElementsAre("field"));
  EXPECT_THAT(columns.rows, ElementsAre(Row{"vehicle_id"}, Row{"status"}, Row{"year"}, Row{"ts"}));
  EXPECT_EQ(Answer("SHOW COLUMNS FROM vehicles_stage FROM vehicles", std::nullopt).rows.size(), 2u);
  EXPECT_EQ(Answer("show columns in vehicles.VEHICLES_STAGE", std::nullopt).rows.size(), 2u);
}

TEST_F(AnswerFromCatalogTest, DescribeHasHiveTypesAndThePartitionTrailer) {
  QueryResult described = Answer("DESCRIBE vehicles.vehicles_raw", std::nullopt);
  EXPECT_THAT(described.column_names, ElementsAre("col_name", "data_type", "comment"));
  EXPECT_THAT(described.rows,
              ElementsAre(Row{"vehicle_id", "string", "the VIN"}, Row{"status", "struct<speed_kmh:double>", ""},
                          Row{"year", "string", ""}, Row{"ts", "string", ""}, Row{"", "", ""},
                          Row{"# Partition Information", "", ""}, Row{"# col_name", "data_type", "comment"},
                          Row{"", "", ""}, Row{"year", "string", ""}, Row{"ts", "string", ""}));
  EXPECT_EQ(Answer("desc vehicles_stage").rows.size(), 2u);
  EXPECT_THAT(Refusal("DESCRIBE FORMATTED vehicles_raw").message(), HasSubstr("DESCRIBE FORMATTED is not supported"));
  Error unknown = Refusal("DESCRIBE vehicles.nope");
  EXPECT_EQ(unknown.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("Table vehicles.nope does not exist"));
  EXPECT_THAT(unknown.message(), HasSubstr("vehicles.vehicles_raw, vehicles.vehicles_stage"));
}

TEST_F(AnswerFromCatalogTest, ShowPartitionsEscapesValuesAsHive) {
  QueryResult partitions = Answer("SHOW PARTITIONS vehicles_raw");
  EXPECT_THAT(partitions.column_names, ElementsAre("partition"));
  EXPECT_THAT(partitions.rows, ElementsAre(Row{"year=2025/ts=01%3A00"}, Row{"year=2026/ts=a%2Fb c"}));
  EXPECT_THAT(Refusal("SHOW PARTITIONS vehicles_stage").message(),
              HasSubstr("vehicles.vehicles_stage is not a partitioned table"));
}

TEST_F(AnswerFromCatalogTest, OtherUtilityStatementsAreRefused) {
  EXPECT_THAT(Refusal("SHOW CREATE TABLE vehicles_raw").message(), HasSubstr("SHOW CREATE TABLE is not supported"));
  EXPECT_THAT(Refusal("SHOW TBLPROPERTIES vehicles_raw").message(), HasSubstr("lakebox answers SHOW DATABASES"));
  EXPECT_THAT(Refusal("SHOW TABLES; SELECT 1").message(), HasSubstr("only statement"));
  EXPECT_THAT(Refusal("SHOW TABLES IN vehicles '('").message(), HasSubstr("bad pattern"));
}

}  // namespace
}  // namespace lakebox::query
