#include "query/duckdb/duckdb.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakebox::query::duckdb {
namespace {

using ::testing::HasSubstr;

class DuckDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = Database::Open("", {{"threads", "1"}});
    ASSERT_TRUE(database) << database.error().ToString();
    database_.emplace(std::move(*database));
    auto connection = Connection::Open(*database_);
    ASSERT_TRUE(connection) << connection.error().ToString();
    connection_.emplace(std::move(*connection));
  }

  std::optional<Database> database_;
  std::optional<Connection> connection_;
};

TEST_F(DuckDbTest, ResultGivesNamesTypesAndText) {
  auto result = connection_->Query(
      "SELECT 42::BIGINT AS n, NULL::VARCHAR AS missing, 'it''s' AS s, 1.25::DECIMAL(5,2) AS d, "
      "{'a': 1} AS st, [1, 2] AS l, MAP {'k': 1} AS m FROM range(3)");
  ASSERT_TRUE(result) << result.error().ToString();
  ASSERT_EQ(result->ColumnCount(), 7u);
  EXPECT_EQ(result->RowCount(), 3u);
  EXPECT_EQ(result->ColumnName(0), "n");
  EXPECT_EQ(result->ColumnType(0), "BIGINT");
  EXPECT_EQ(result->ColumnType(1), "VARCHAR");
  EXPECT_EQ(result->ColumnType(3), "DECIMAL(5,2)");
  EXPECT_EQ(result->ColumnType(4), "STRUCT(a INTEGER)");
  EXPECT_EQ(result->ColumnType(5), "INTEGER[]");
  EXPECT_EQ(result->ColumnType(6), "MAP(VARCHAR, INTEGER)");
  EXPECT_EQ(result->Text(0, 2), "42");
  EXPECT_EQ(result->Int64(0, 2), 42);
  EXPECT_TRUE(result->IsNull(1, 0));
  EXPECT_EQ(result->Text(1, 0), std::nullopt);
  EXPECT_EQ(result->Text(2, 0), "it's");
  EXPECT_EQ(result->Text(3, 0), "1.25");
}

TEST_F(DuckDbTest, ErrorsCarryDuckDbsMessage) {
  auto parse = connection_->Query("SELEC 1");
  ASSERT_FALSE(parse);
  EXPECT_EQ(parse.error().code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(parse.error().message(), HasSubstr("Parser Error"));
  auto catalog = connection_->Query("SELECT * FROM nowhere");
  ASSERT_FALSE(catalog);
  EXPECT_THAT(catalog.error().message(), HasSubstr("Catalog Error"));
  auto option = Database::Open("", {{"no_such_option", "1"}});
  ASSERT_FALSE(option);
  EXPECT_THAT(option.error().message(), HasSubstr("no_such_option"));
}

TEST_F(DuckDbTest, QueryCheckedStopsAtTheFirstRefusedStatement) {
  std::vector<duckdb_statement_type> seen;
  auto allow_selects = [&](duckdb_statement_type type) -> Status {
    seen.push_back(type);
    if (type == DUCKDB_STATEMENT_TYPE_SELECT) return {};
    return std::unexpected(Error::InvalidArgument(std::string(StatementTypeName(type))));
  };
  auto ok = connection_->QueryChecked("SELECT 1; SELECT 2 AS two", allow_selects);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->ColumnName(0), "two");
  seen.clear();
  auto refused = connection_->QueryChecked("SELECT 1; CREATE TABLE t (a INT); SELECT 3", allow_selects);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "CREATE");
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(connection_->Query("SELECT * FROM t"));  // never created
  EXPECT_EQ(connection_->StatementCount("SELECT 1; SELECT 2;"), 2u);
  EXPECT_EQ(connection_->StatementCount("SELEC"), 0u);
}

TEST(QuoteTest, LiteralsAndIdentifiers) {
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace lakebox::query::duckdb
