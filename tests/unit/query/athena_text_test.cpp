#include "query/athena_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "query/duckdb/duckdb.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

class AthenaTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = duckdb::Database::Open("", {{"threads", "1"}});
    ASSERT_TRUE(database) << database.error().ToString();
    database_.emplace(std::move(*database));
    auto connection = duckdb::Connection::Open(*database_);
    ASSERT_TRUE(connection) << connection.error().ToString();
    connection_.emplace(std::move(*connection));
  }

  // `value` rendered by AthenaTextSql from its own DuckDB type.
  std::optional<std::string> Athena(const std::string& value) {
    auto typed = connection_->Query("SELECT " + value + " AS v");
    EXPECT_TRUE(typed) << typed.error().ToString();
    if (!typed) return std::nullopt;
    std::string type = typed->ColumnType(0);
    auto sql = AthenaTextSql("v", type);
    EXPECT_TRUE(sql) << type << ": " << sql.error().ToString();
    if (!sql) return std::nullopt;
    auto rendered = connection_->Query("SELECT " + *sql + " FROM (SELECT " + value + " AS v)");
    EXPECT_TRUE(rendered) << *sql << ": " << rendered.error().ToString();
    if (!rendered) return std::nullopt;
    return rendered->Text(0, 0);
  }

  std::optional<duckdb::Database> database_;
  std::optional<duckdb::Connection> connection_;
};

TEST_F(AthenaTextTest, StructsArraysAndMapsAsAthenaPrintsThem) {
  EXPECT_EQ(Athena("{'speed_kmh': 63.2, 'doors_locked': true}"), "{speed_kmh=63.2, doors_locked=true}");
  EXPECT_EQ(Athena("[1, 2, 3]"), "[1, 2, 3]");
  EXPECT_EQ(Athena("[{'code': 'TIRE_PRESSURE', 'severity': 2}]"), "[{code=TIRE_PRESSURE, severity=2}]");
  EXPECT_EQ(Athena("MAP {'volvo': 12, 'scania': 7}"), "{volvo=12, scania=7}");
  EXPECT_EQ(Athena("{'a': [[1], []], 'm': MAP {'k': {'x': 'y'}}}"), "{a=[[1], []], m={k={x=y}}}");
  EXPECT_EQ(Athena("{'at': TIMESTAMP '2026-11-25 22:16:52.123', 'd': 1.50::DECIMAL(5,2)}"),
            "{at=2026-11-25 22:16:52.123, d=1.50}");
  EXPECT_EQ(Athena("array_value(1, 2)"), "[1, 2]");  // a fixed-size ARRAY, INTEGER[2]
}

TEST_F(AthenaTextTest, NullsInsideArePrintedAsNullAndANullValueStaysNull) {
  EXPECT_EQ(Athena("[1, NULL]"), "[1, null]");
  EXPECT_EQ(Athena("{'a': NULL::INTEGER, 'b': 'x'}"), "{a=null, b=x}");
  EXPECT_EQ(Athena("NULL::STRUCT(a INTEGER)"), std::nullopt);
  EXPECT_EQ(Athena("NULL::INTEGER[]"), std::nullopt);
  EXPECT_EQ(Athena("[]::INTEGER[]"), "[]");
}

TEST_F(AthenaTextTest, FieldNamesThatNeedQuotes) {
  EXPECT_EQ(Athena("{'a b': 1, 'it''s': 2, 'x\"y': 3}"), "{a b=1, it's=2, x\"y=3}");
  EXPECT_EQ(Athena("{'on day': DATE '2026-11-25', 'u': 1}"), "{on day=2026-11-25, u=1}");
}

TEST(AthenaTextSqlTest, UnreadableTypesAreErrors) {
  EXPECT_FALSE(AthenaTextSql("v", "STRUCT(a INTEGER"));
  EXPECT_FALSE(AthenaTextSql("v", "MAP(VARCHAR)"));
  EXPECT_FALSE(AthenaTextSql("v", "INTEGER[2"));
  EXPECT_TRUE(AthenaTextSql("v", "UNION(a INTEGER, b VARCHAR)"));  // a scalar here: DuckDB's cast
}

}  // namespace
}  // namespace lakebox::query
