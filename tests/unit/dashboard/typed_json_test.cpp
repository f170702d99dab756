#include "dashboard/typed_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lakebox::dashboard {
namespace {

using nlohmann::json;

std::string Cell(JsonKind kind, std::optional<std::string> text) {
  std::string out;
  AppendTypedCell(&out, kind, text);
  return out;
}

TEST(TypedJsonTest, KindsOfDuckDbTypes) {
  for (std::string_view type : {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                                "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL(10,2)", "DECIMAL(38,0)"})
    EXPECT_EQ(JsonKindOf(type), JsonKind::kNumber) << type;
  EXPECT_EQ(JsonKindOf("BOOLEAN"), JsonKind::kBoolean);
  for (std::string_view type : {"VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "INTERVAL", "BLOB", "UUID",
                                "INTEGER[]", "STRUCT(a INTEGER)", "MAP(VARCHAR, INTEGER)"})
    EXPECT_EQ(JsonKindOf(type), JsonKind::kString) << type;
}

TEST(TypedJsonTest, NumbersAreWrittenAsDuckDbPrintedThem) {
  EXPECT_EQ(Cell(JsonKind::kNumber, "42"), "42");
  EXPECT_EQ(Cell(JsonKind::kNumber, "-7"), "-7");
  EXPECT_EQ(Cell(JsonKind::kNumber, "12.50"), "12.50");
  EXPECT_EQ(Cell(JsonKind::kNumber, "1e+20"), "1e+20");
  EXPECT_EQ(Cell(JsonKind::kNumber, "-1.5E-05"), "-1.5E-05");
  EXPECT_EQ(Cell(JsonKind::kNumber, "0"), "0");
  // A HUGEINT keeps every digit in the JSON text.
  EXPECT_EQ(Cell(JsonKind::kNumber, "170141183460469231731687303715884105727"),
            "170141183460469231731687303715884105727");
  // JSON has no NaN or infinity.
  EXPECT_EQ(Cell(JsonKind::kNumber, "nan"), "null");
  EXPECT_EQ(Cell(JsonKind::kNumber, "inf"), "null");
  EXPECT_EQ(Cell(JsonKind::kNumber, "-inf"), "null");
  EXPECT_EQ(Cell(JsonKind::kNumber, "-Infinity"), "null");
  // Text that is not a JSON number stays a string, so the output is always JSON.
  EXPECT_EQ(Cell(JsonKind::kNumber, "007"), "\"007\"");
  EXPECT_EQ(Cell(JsonKind::kNumber, "1."), "\"1.\"");
  EXPECT_EQ(Cell(JsonKind::kNumber, ".5"), "\".5\"");
  EXPECT_EQ(Cell(JsonKind::kNumber, ""), "\"\"");
  EXPECT_EQ(Cell(JsonKind::kNumber, "+1"), "\"+1\"");
}

TEST(TypedJsonTest, BooleansStringsAndNulls) {
  EXPECT_EQ(Cell(JsonKind::kBoolean, "true"), "true");
  EXPECT_EQ(Cell(JsonKind::kBoolean, "false"), "false");
  EXPECT_EQ(Cell(JsonKind::kBoolean, "maybe"), "\"maybe\"");
  EXPECT_EQ(Cell(JsonKind::kString, "42"), "\"42\"");
  EXPECT_EQ(Cell(JsonKind::kString, "say \"hi\"\n\\"), R"("say \"hi\"\n\\")");
  EXPECT_EQ(Cell(JsonKind::kString, "São Paulo"), "\"São Paulo\"");
  EXPECT_EQ(Cell(JsonKind::kString, std::string("bad \xff byte")), "\"bad \xEF\xBF\xBD byte\"");
  for (JsonKind kind : {JsonKind::kNumber, JsonKind::kBoolean, JsonKind::kString})
    EXPECT_EQ(Cell(kind, std::nullopt), "null");
}

TEST(TypedJsonTest, RowsOfAResult) {
  query::QueryResult result;
  result.column_names = {"vendor", "records", "avg_speed", "locked", "day", "status"};
  result.column_types = {"VARCHAR", "BIGINT", "DECIMAL(4,1)", "BOOLEAN", "DATE", "STRUCT(speed DOUBLE)"};
  result.rows = {{"volvo", "12", "50.5", "true", "2026-11-25", "{'speed': 1.5}"},
                 {std::nullopt, "0", std::nullopt, "false", std::nullopt, std::nullopt}};
  json rows = json::parse(TypedRowsJson(result));
  EXPECT_EQ(rows, json::parse(R"([["volvo",12,50.5,true,"2026-11-25","{'speed': 1.5}"],
                                  [null,0,null,false,null,null]])"));
  EXPECT_TRUE(rows[0][1].is_number_integer());
  EXPECT_TRUE(rows[0][2].is_number_float());

  query::QueryResult empty;
  empty.column_names = {"n"};
  empty.column_types = {"BIGINT"};
  EXPECT_EQ(TypedRowsJson(empty), "[]");
}

}  // namespace
}  // namespace lakebox::dashboard
