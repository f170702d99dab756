#include "query/presto_functions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "query/duckdb/duckdb.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

using ::testing::HasSubstr;

class PrestoFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = duckdb::Database::Open("", {{"threads", "1"}});
    ASSERT_OK(database);
    database_.emplace(std::move(*database));
    auto connection = duckdb::Connection::Open(*database_);
    ASSERT_OK(connection);
    connection_.emplace(std::move(*connection));
    // Athena's session time zone; results of TIMESTAMP WITH TIME ZONE print in it.
    ASSERT_OK(connection_->Execute("SET TimeZone = 'UTC'"));
    ASSERT_OK(InstallPrestoFunctions(*connection_));
  }

  // The single value `expression` gives, as DuckDB's text of it; nullopt for NULL. A failure is
  // reported and gives "<error>".
  std::optional<std::string> Eval(const std::string& expression) {
    auto result = connection_->Query("SELECT CAST((" + expression + ") AS VARCHAR)");
    if (!result) {
      ADD_FAILURE() << expression << ": " << result.error().ToString();
      return "<error>";
    }
    return result->Text(0, 0);
  }

  // DuckDB's message for `expression`, which must fail.
  std::string ErrorOf(const std::string& expression) {
    auto result = connection_->Query("SELECT " + expression);
    if (result) {
      ADD_FAILURE() << expression << " did not fail";
      return "";
    }
    return result.error().message();
  }

  std::optional<duckdb::Database> database_;
  std::optional<duckdb::Connection> connection_;
};

TEST_F(PrestoFunctionsTest, DateParseTranslatesMySqlSpecifiers) {
  EXPECT_EQ(Eval("date_parse('2022/10/20/05', '%Y/%m/%d/%H')"), "2022-10-20 05:00:00");
  EXPECT_EQ(Eval("date_parse('20/10/2022 5:07:09 PM', '%d/%m/%Y %l:%i:%s %p')"), "2022-10-20 17:07:09");
  EXPECT_EQ(Eval("date_parse('Oct 1 2022 13:14:15', '%b %e %Y %T')"), "2022-10-01 13:14:15");
  EXPECT_EQ(Eval("date_parse('October 1 22 01:02:03 AM', '%M %e %y %r')"), "2022-10-01 01:02:03");
  EXPECT_EQ(Eval("date_parse('2022-10-20 05:10:00.123', '%Y-%m-%d %H:%i:%s.%f')"), "2022-10-20 05:10:00.123");
  EXPECT_EQ(Eval("date_parse('2022-032 7', '%Y-%j %k')"), "2022-02-01 07:00:00");
  EXPECT_EQ(Eval("date_parse('5 100% 2022', '%c 100%% %Y')"), "2022-05-01 00:00:00");
  EXPECT_EQ(Eval("typeof(date_parse('2022', '%Y'))"), "TIMESTAMP");
  EXPECT_EQ(Eval("date_parse(NULL, '%Y')"), std::nullopt);
  EXPECT_THAT(ErrorOf("date_parse('x', '%Y')"), HasSubstr("Could not parse string \"x\""));
}

TEST_F(PrestoFunctionsTest, DateFormatTranslatesMySqlSpecifiers) {
  EXPECT_EQ(Eval("date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')"), "10-20-2022 05");
  EXPECT_EQ(Eval("date_format(TIMESTAMP '2022-10-20 17:04:09.5', '%W %a %M %b %e %c %k %l %h %i %s %p %j %y %f')"),
            "Thursday Thu October Oct 20 10 17 5 05 04 09 PM 293 22 500000");
  EXPECT_EQ(Eval("date_format(TIMESTAMP '2022-10-20 17:04:09', '%r|%T|%%|%Q')"), "05:04:09 PM|17:04:09|%|Q");
  EXPECT_EQ(Eval("date_format(DATE '2021-01-03', '%x-%v')"), "2020-53");
  EXPECT_EQ(Eval("date_format(DATE '2022-10-20', '%Y%m%d')"), "20221020");
  EXPECT_EQ(Eval("date_format(NULL::TIMESTAMP, '%Y')"), std::nullopt);
  EXPECT_THAT(ErrorOf("date_format(TIMESTAMP '2022-10-20', '%D')"), HasSubstr("%D"));
}

TEST_F(PrestoFunctionsTest, JodaFormatAndParse) {
  EXPECT_EQ(Eval("format_datetime(TIMESTAMP '2022-10-20 05:10:00.123', 'yyyy-MM-dd HH:mm:ss.SSS')"),
            "2022-10-20 05:10:00.123");
  EXPECT_EQ(Eval("format_datetime(TIMESTAMP '2022-01-02 15:04:05', 'EEEE, MMMM d, yy h:mm a ''at'' D')"),
            "Sunday, January 2, 22 3:04 PM at 2");
  EXPECT_EQ(Eval("parse_datetime('20/10/2022 05:10', 'dd/MM/yyyy HH:mm')"), "2022-10-20 05:10:00+00");
  EXPECT_EQ(Eval("parse_datetime('2022-10-20T05:10:00+0200', 'yyyy-MM-dd''T''HH:mm:ssZ')"), "2022-10-20 03:10:00+00");
  EXPECT_EQ(Eval("typeof(parse_datetime('2022', 'yyyy'))"), "TIMESTAMP WITH TIME ZONE");
}

TEST_F(PrestoFunctionsTest, Iso8601) {
  EXPECT_EQ(Eval("from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00')"), "2020-05-11 10:15:05.055+00");
  EXPECT_EQ(Eval("from_iso8601_timestamp('2020-05-11')"), "2020-05-11 00:00:00+00");
  EXPECT_EQ(Eval("from_iso8601_timestamp('2020-05-11T11:15:05Z')"), "2020-05-11 11:15:05+00");
  EXPECT_EQ(Eval("typeof(from_iso8601_timestamp('2020-05-11'))"), "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(Eval("from_iso8601_timestamp(NULL)"), std::nullopt);

  EXPECT_EQ(Eval("from_iso8601_date('2020-05-11')"), "2020-05-11");
  EXPECT_EQ(Eval("from_iso8601_date('2020-W10')"), "2020-03-02");
  EXPECT_EQ(Eval("from_iso8601_date('2020-W10-3')"), "2020-03-04");
  EXPECT_EQ(Eval("from_iso8601_date('2021-W01')"), "2021-01-04");
  EXPECT_EQ(Eval("from_iso8601_date('2020-123')"), "2020-05-02");
  EXPECT_EQ(Eval("from_iso8601_date('2020-05')"), "2020-05-01");
  EXPECT_EQ(Eval("typeof(from_iso8601_date('2020-W10'))"), "DATE");
  EXPECT_EQ(Eval("from_iso8601_date(NULL)"), std::nullopt);

  EXPECT_EQ(Eval("to_iso8601(DATE '2020-05-11')"), "2020-05-11");
  EXPECT_EQ(Eval("to_iso8601(TIMESTAMP '2020-05-11 11:15:05.055')"), "2020-05-11T11:15:05.055");
  EXPECT_EQ(Eval("to_iso8601(TIMESTAMPTZ '2020-05-11 11:15:05.055+01:00')"), "2020-05-11T10:15:05.055Z");
  EXPECT_EQ(Eval("to_iso8601(NULL::DATE)"), std::nullopt);
  EXPECT_EQ(Eval("to_iso8601('2020-05-11 11:15:05.055')"), "2020-05-11T11:15:05.055");
  // An argument DuckDB types only later, an aggregate, once failed as an ambiguous overload.
  EXPECT_EQ(Eval("(SELECT to_iso8601(max(t)) FROM (VALUES (TIMESTAMPTZ '2020-05-11 11:15:05.055+00')) v(t))"),
            "2020-05-11T11:15:05.055Z");
  EXPECT_EQ(Eval("(SELECT to_iso8601(max(d)) FROM (VALUES (DATE '2020-05-11')) v(d))"), "2020-05-11");
  ASSERT_OK(connection_->Execute("SET TimeZone = 'America/St_Johns'"));
  EXPECT_EQ(Eval("to_iso8601(TIMESTAMPTZ '2020-05-11 11:15:05.055+00')"), "2020-05-11T08:45:05.055-02:30");
}

TEST_F(PrestoFunctionsTest, UnixTime) {
  EXPECT_EQ(Eval("from_unixtime(1588000000)"), "2020-04-27 15:06:40+00");
  EXPECT_EQ(Eval("from_unixtime(1588000000.5)"), "2020-04-27 15:06:40.5+00");
  EXPECT_EQ(Eval("from_unixtime(1588000000, 'America/New_York')"), "2020-04-27 11:06:40");
  EXPECT_EQ(Eval("from_unixtime(NULL)"), std::nullopt);
  EXPECT_EQ(Eval("to_unixtime(TIMESTAMP '2020-01-01 00:00:01.5')"), "1577836801.5");
  EXPECT_EQ(Eval("to_unixtime(from_unixtime(1588000000))"), "1588000000.0");
  EXPECT_EQ(Eval("typeof(to_unixtime(DATE '1970-01-02'))"), "DOUBLE");
  EXPECT_EQ(Eval("to_unixtime(NULL)"), std::nullopt);
}

TEST_F(PrestoFunctionsTest, DateAddAndDiffTakePrestoArguments) {
  EXPECT_EQ(Eval("date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')"), "2020-03-01 00:01:26");
  EXPECT_EQ(Eval("date_add('HOUR', 9, TIMESTAMP '2020-03-01 00:00:00')"), "2020-03-01 09:00:00");
  EXPECT_EQ(Eval("date_add('day', -1, TIMESTAMPTZ '2020-03-01 00:00:00 UTC')"), "2020-02-29 00:00:00+00");
  EXPECT_EQ(Eval("date_add('day', 1, DATE '2020-02-28')"), "2020-02-29");
  EXPECT_EQ(Eval("typeof(date_add('day', 1, DATE '2020-02-28'))"), "DATE");
  EXPECT_EQ(Eval("date_add('month', 1, DATE '2020-01-31')"), "2020-02-29");
  EXPECT_EQ(Eval("date_add('quarter', 1, DATE '2020-01-31')"), "2020-04-30");
  EXPECT_EQ(Eval("date_add('week', 2, DATE '2020-01-01')"), "2020-01-15");
  EXPECT_EQ(Eval("date_add('year', 1, TIMESTAMP '2020-02-29 10:00')"), "2021-02-28 10:00:00");
  EXPECT_EQ(Eval("date_add('millisecond', 1500, TIMESTAMP '2020-02-29 10:00')"), "2020-02-29 10:00:01.5");
  EXPECT_EQ(Eval("date_add('day', NULL, DATE '2020-01-01')"), std::nullopt);
  // DuckDB's own two-argument form still works.
  EXPECT_EQ(Eval("date_add(DATE '2020-01-01', INTERVAL 1 DAY)"), "2020-01-02 00:00:00");
  EXPECT_THAT(ErrorOf("date_add('fortnight', 1, DATE '2020-01-01')"), HasSubstr("'fortnight' is not a valid"));

  EXPECT_EQ(Eval("date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00')"), "86400");
  EXPECT_EQ(Eval("date_diff('day', DATE '2020-03-01', DATE '2020-03-02')"), "1");
  EXPECT_EQ(Eval("date_diff('millisecond', TIMESTAMP '2020-06-01 12:30:45', TIMESTAMP '2020-06-02 12:30:45.123456')"),
            "86400123");
  // Whole units elapsed, not boundaries crossed (DuckDB's date_diff gives 1 here).
  EXPECT_EQ(Eval("date_diff('day', TIMESTAMP '2020-03-01 23:00', TIMESTAMP '2020-03-02 01:00')"), "0");
  EXPECT_EQ(Eval("date_diff('month', DATE '2020-03-31', DATE '2020-01-31')"), "-2");
}

TEST_F(PrestoFunctionsTest, DateFields) {
  EXPECT_EQ(Eval("day_of_week(DATE '2024-01-07')"), "7");  // a Sunday
  EXPECT_EQ(Eval("dow(DATE '2024-01-08')"), "1");          // a Monday
  EXPECT_EQ(Eval("day_of_year(DATE '2024-02-01')"), "32");
  EXPECT_EQ(Eval("doy(TIMESTAMP '2024-12-31 10:00')"), "366");
  EXPECT_EQ(Eval("day_of_month(DATE '2024-02-10')"), "10");
  EXPECT_EQ(Eval("week_of_year(DATE '2021-01-01')"), "53");
  EXPECT_EQ(Eval("year_of_week(DATE '2021-01-01')"), "2020");
  EXPECT_EQ(Eval("yow(DATE '2021-01-04')"), "2021");
  EXPECT_EQ(Eval("last_day_of_month(DATE '2024-02-10')"), "2024-02-29");
  EXPECT_EQ(Eval("millisecond(TIMESTAMP '2001-08-22 03:04:05.321')"), "321");
  EXPECT_EQ(Eval("current_timezone()"), "UTC");
  EXPECT_EQ(Eval("with_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles')"),
            "2022-11-01 16:08:07.321+00");
  EXPECT_EQ(Eval("to_milliseconds(INTERVAL '1 day 2 seconds')"), "86402000");
  EXPECT_EQ(Eval("day_of_week(NULL::DATE)"), std::nullopt);
}

TEST_F(PrestoFunctionsTest, Json) {
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":{"b":[1,2,{"c":"x"}]}}', '$.a.b[2].c'))"), "x");
  EXPECT_EQ(Eval(R"(json_extract_scalar('[1,2,3]', '$[2]'))"), "3");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a b":1}', '$["a b"]'))"), "1");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"store":{"book":"b"}}', '$.store[book]'))"), "b");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":true}', '$.a'))"), "true");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":1.5}', '$.a'))"), "1.5");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":"[x \"q\""}', '$.a'))"), R"([x "q")");
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":null}', '$.a'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":{"x":1}}', '$.a'))"), std::nullopt);  // not a scalar
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":[1]}', '$.a'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(json_extract_scalar('{"a":1}', '$.missing'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(json_extract_scalar('not json', '$.a'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(json_extract_scalar(NULL, '$.a'))"), std::nullopt);

  // json_extract is DuckDB's own: same results for valid JSON.
  EXPECT_EQ(Eval(R"(json_extract('{"a":{"x": 1, "y" : [1, 2]}}', '$.a'))"), R"({"x":1,"y":[1,2]})");
  EXPECT_EQ(Eval(R"(json_extract('{"a":"s"}', '$.a'))"), R"("s")");

  EXPECT_EQ(Eval("json_array_length('[1,2,3]')"), "3");
  EXPECT_EQ(Eval(R"(json_array_length('{"a":1}'))"), std::nullopt);
  EXPECT_EQ(Eval("json_array_length('nope')"), std::nullopt);
  EXPECT_EQ(Eval("typeof(json_array_length('[]'))"), "BIGINT");

  EXPECT_EQ(Eval(R"(json_size('{"x": {"a": 1, "b": 2}}', '$.x'))"), "2");
  EXPECT_EQ(Eval(R"(json_size('{"x": [1, 2, 3]}', '$.x'))"), "3");
  EXPECT_EQ(Eval(R"(json_size('{"x": {"a": 1, "b": 2}}', '$.x.a'))"), "0");
  EXPECT_EQ(Eval(R"(json_size('{"x": 1}', '$.y'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(json_size('{"x": null}', '$.x'))"), "0");
  EXPECT_EQ(Eval("json_size('bad', '$')"), std::nullopt);

  EXPECT_EQ(Eval("json_format(json_parse('[1, 2,  3]'))"), "[1,2,3]");
  EXPECT_EQ(Eval(R"(json_format(JSON '"a"'))"), R"("a")");
  EXPECT_EQ(Eval("typeof(json_parse('1'))"), "JSON");
  EXPECT_THAT(ErrorOf("json_parse('not_json')"), HasSubstr("Malformed JSON"));
  EXPECT_EQ(Eval("is_json_scalar('1')"), "true");
  EXPECT_EQ(Eval("is_json_scalar('[1, 2, 3]')"), "false");
}

TEST_F(PrestoFunctionsTest, Aggregates) {
  auto result = connection_->Query(
      "SELECT approx_distinct(x), approx_distinct(x, 0.01), approx_percentile(x, 0.5), "
      "CAST(approx_percentile(x, [0.5, 0.9]) AS VARCHAR), every(x >= 0), every(x > 0), "
      "arbitrary(x) IS NOT NULL, count_if(x > 50) FROM range(101) t(x)");
  ASSERT_OK(result);
  int64_t distinct = result->Int64(0, 0);
  EXPECT_GE(distinct, 95);  // an estimate
  EXPECT_LE(distinct, 105);
  EXPECT_EQ(result->Int64(1, 0), distinct);
  EXPECT_EQ(result->Text(2, 0), "50");
  EXPECT_EQ(result->Text(3, 0), "[50, 90]");
  EXPECT_EQ(result->Text(4, 0), "true");
  EXPECT_EQ(result->Text(5, 0), "false");
  EXPECT_EQ(result->Text(6, 0), "true");
  EXPECT_EQ(result->Text(7, 0), "50");

  auto grouped = connection_->Query(
      "SELECT g, approx_distinct(x), approx_percentile(x, 0.5) FROM "
      "(SELECT x % 2 AS g, x FROM range(10) t(x)) GROUP BY g ORDER BY g");
  ASSERT_OK(grouped);
  ASSERT_EQ(grouped->RowCount(), 2u);
  EXPECT_EQ(grouped->Text(1, 0), "5");
  EXPECT_EQ(grouped->Text(2, 1), "5");
}

TEST_F(PrestoFunctionsTest, CardinalityAndElementAt) {
  EXPECT_EQ(Eval("cardinality([1, 2, 3])"), "3");
  EXPECT_EQ(Eval("cardinality([])"), "0");
  EXPECT_EQ(Eval("cardinality(NULL::INTEGER[])"), std::nullopt);
  EXPECT_EQ(Eval("cardinality(MAP {'a': 1, 'b': 2})"), "2");
  EXPECT_EQ(Eval("cardinality(MAP {1: [1], 2: [2], 3: []})"), "3");
  EXPECT_EQ(Eval("typeof(cardinality([1]))"), "BIGINT");

  EXPECT_EQ(Eval("element_at([10, 20, 30], 1)"), "10");
  EXPECT_EQ(Eval("element_at([10, 20, 30], -1)"), "30");
  EXPECT_EQ(Eval("element_at([10, 20, 30], 4)"), std::nullopt);
  EXPECT_EQ(Eval("element_at([10, 20, 30], -4)"), std::nullopt);
  EXPECT_EQ(Eval("element_at([10, 20, 30], NULL)"), std::nullopt);
  EXPECT_EQ(Eval("element_at(MAP {'a': 1}, 'a')"), "1");
  EXPECT_EQ(Eval("element_at(MAP {'a': 1}, 'b')"), std::nullopt);
  EXPECT_EQ(Eval("element_at(MAP {0: 'zero'}, 0)"), "zero");  // a key, not an index
  EXPECT_EQ(Eval("element_at(MAP {'a': {'x': [1]}}, 'a')"), "{'x': [1]}");
  EXPECT_THAT(ErrorOf("element_at([1, 2], 0)"), HasSubstr("SQL array indices start at 1"));
}

TEST_F(PrestoFunctionsTest, Arrays) {
  EXPECT_EQ(Eval("array_join([1, NULL, 2], ',')"), "1,2");
  EXPECT_EQ(Eval("array_join(['a', NULL, 'b'], ', ', 'x')"), "a, x, b");
  EXPECT_EQ(Eval("array_join([], ',')"), "");
  EXPECT_EQ(Eval("array_join(NULL::INTEGER[], ',')"), std::nullopt);

  EXPECT_EQ(Eval("array_max([1, 5, 3])"), "5");
  EXPECT_EQ(Eval("array_max([1, NULL])"), std::nullopt);
  EXPECT_EQ(Eval("array_min(['b', 'a'])"), "a");
  EXPECT_EQ(Eval("array_position([10, 20], 20)"), "2");
  EXPECT_EQ(Eval("array_position([10, 20], 30)"), "0");
  EXPECT_EQ(Eval("array_position(NULL::INTEGER[], 1)"), std::nullopt);
  EXPECT_EQ(Eval("array_remove([1, NULL, 2, 1], 1)"), "[NULL, 2]");
  EXPECT_EQ(Eval("arrays_overlap([1, 2], [2, 3])"), "true");
  EXPECT_EQ(Eval("arrays_overlap([1], [3])"), "false");
  EXPECT_EQ(Eval("contains([1, 2], 2)"), "true");  // DuckDB's own

  EXPECT_EQ(Eval("slice([1, 2, 3, 4, 5], 2, 2)"), "[2, 3]");
  EXPECT_EQ(Eval("slice([1, 2, 3, 4, 5], -2, 2)"), "[4, 5]");
  EXPECT_EQ(Eval("slice([1, 2, 3, 4, 5], 4, 5)"), "[4, 5]");
  EXPECT_EQ(Eval("slice([1, 2, 3, 4, 5], -6, 2)"), "[]");
  EXPECT_EQ(Eval("slice([1, 2, 3], 9, 1)"), "[]");
  EXPECT_THAT(ErrorOf("slice([1, 2, 3], 0, 1)"), HasSubstr("SQL array indices start at 1"));

  EXPECT_EQ(Eval("sequence(1, 5)"), "[1, 2, 3, 4, 5]");
  EXPECT_EQ(Eval("sequence(3, 1)"), "[3, 2, 1]");
  EXPECT_EQ(Eval("sequence(1, 10, 3)"), "[1, 4, 7, 10]");
  EXPECT_EQ(Eval("sequence(DATE '2020-01-30', DATE '2020-02-01')"), "[2020-01-30, 2020-01-31, 2020-02-01]");
  EXPECT_EQ(Eval("sequence(DATE '2020-01-01', DATE '2020-03-01', INTERVAL 1 MONTH)"),
            "[2020-01-01, 2020-02-01, 2020-03-01]");

  EXPECT_EQ(Eval("reverse([1, 2, 3])"), "[3, 2, 1]");
  EXPECT_EQ(Eval("reverse('abc')"), "cba");
}

TEST_F(PrestoFunctionsTest, Strings) {
  EXPECT_EQ(Eval("split('a,b,,c', ',')"), "[a, b, '', c]");
  EXPECT_EQ(Eval("split('a,b,c,d', ',', 2)"), "[a, 'b,c,d']");
  EXPECT_EQ(Eval("split('a,b', ',', 5)"), "[a, b]");
  EXPECT_EQ(Eval("split(NULL, ',')"), std::nullopt);
  EXPECT_THAT(ErrorOf("split('a,b', ',', 0)"), HasSubstr("Limit must be positive"));

  EXPECT_EQ(Eval("split_part('a,b,c', ',', 2)"), "b");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', 4)"), std::nullopt);
  EXPECT_THAT(ErrorOf("split_part('a,b', ',', 0)"), HasSubstr("Index must be greater than zero"));

  EXPECT_EQ(Eval("replace('abcabc', 'b')"), "acac");
  EXPECT_EQ(Eval("replace('abc', 'b', 'X')"), "aXc");
  EXPECT_EQ(Eval("strpos('abc', 'z')"), "0");  // DuckDB's own
  EXPECT_EQ(Eval("codepoint('A')"), "65");
  EXPECT_EQ(Eval("levenshtein_distance('kitten', 'sitting')"), "3");
  EXPECT_EQ(Eval("hamming_distance('abc', 'abd')"), "1");
  EXPECT_EQ(Eval("from_utf8(to_utf8('hé'))"), "hé");
}

TEST_F(PrestoFunctionsTest, RegularExpressions) {
  EXPECT_EQ(Eval(R"(regexp_like('1a 2b 14m', '\d+b'))"), "true");
  EXPECT_EQ(Eval("regexp_like('abc', '^b')"), "false");
  EXPECT_EQ(Eval(R"(regexp_extract('1a 2b 14m', '\d+'))"), "1");
  EXPECT_EQ(Eval(R"(regexp_extract('1a 2b 14m', '(\d+)([a-z]+)', 2))"), "a");
  EXPECT_EQ(Eval(R"(regexp_extract('abc', '\d+'))"), std::nullopt);
  EXPECT_EQ(Eval(R"(regexp_extract('abc', '(\d+)', 1))"), std::nullopt);
  EXPECT_EQ(Eval(R"(regexp_replace('1a 2b 14m', '\d+[ab] '))"), "14m");
  EXPECT_EQ(Eval(R"(regexp_replace('1a 2b 14m', '(\d+)([ab]) ', '3c$2 '))"), "3ca 3cb 14m");
  EXPECT_EQ(Eval("regexp_replace('aaa', 'a', 'b')"), "bbb");
  EXPECT_EQ(Eval(R"(regexp_replace('abc', 'b', '\$'))"), "a$c");
  EXPECT_EQ(Eval(R"(regexp_replace('a.b', '\.', '\\'))"), R"(a\b)");
  EXPECT_EQ(Eval(R"(regexp_split('1a 2b 14m', '\s*[a-z]+\s*'))"), "[1, 2, 14, '']");
  EXPECT_EQ(Eval(R"(regexp_count('1a 2b 14m', '\s*[a-z]+\s*'))"), "3");
}

TEST_F(PrestoFunctionsTest, Math) {
  EXPECT_EQ(Eval("is_nan(nan())"), "true");
  EXPECT_EQ(Eval("is_infinite(infinity())"), "true");
  EXPECT_EQ(Eval("is_finite(1.0)"), "true");
  EXPECT_EQ(Eval("e()"), "2.718281828459045");
  EXPECT_EQ(Eval("rand() < 1"), "true");
  EXPECT_EQ(Eval("truncate(-1.9)"), "-1");
  EXPECT_EQ(Eval("truncate(1.567, 2)"), "1.56");
}

TEST_F(PrestoFunctionsTest, ResolveOnOtherConnectionsWhateverTheSearchPath) {
  ASSERT_OK(connection_->Execute(
      "CREATE SCHEMA vehicles; CREATE VIEW vehicles.trips AS SELECT [1, 2, 3] AS stops, '{\"k\":\"v\"}' AS doc"));
  auto other = duckdb::Connection::Open(*database_);
  ASSERT_OK(other);
  for (const char* select_schema : {"USE vehicles", "SET search_path = 'vehicles'", "SET schema = 'vehicles'"}) {
    ASSERT_OK(other->Execute(select_schema));
    auto result = other->Query(
        "SELECT cardinality(stops), element_at(stops, -1), json_extract_scalar(doc, '$.k'), "
        "date_diff('day', DATE '2020-01-01', DATE '2020-01-03'), CAST(date_parse('2020', '%Y') AS VARCHAR) "
        "FROM trips");
    ASSERT_OK(result);
    EXPECT_EQ(result->Text(0, 0), "3") << select_schema;
    EXPECT_EQ(result->Text(1, 0), "3") << select_schema;
    EXPECT_EQ(result->Text(2, 0), "v") << select_schema;
    EXPECT_EQ(result->Text(3, 0), "2") << select_schema;
    EXPECT_EQ(result->Text(4, 0), "2020-01-01 00:00:00") << select_schema;
  }
  // Every name is a macro in memory.main.
  auto macros = other->Query(
      "SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = 'memory' "
      "AND schema_name = 'main' AND function_type = 'macro'");
  ASSERT_OK(macros);
  std::set<std::string> installed;
  for (size_t row = 0; row < macros->RowCount(); ++row) installed.insert(macros->Text(0, row).value_or(""));
  auto names = PrestoFunctionNames();
  EXPECT_GE(names.size(), 60u);
  for (std::string_view name : names) EXPECT_TRUE(installed.contains(std::string(name))) << name;
}

TEST_F(PrestoFunctionsTest, BuiltinsStayReachableAndInstallIsIdempotent) {
  ASSERT_OK(InstallPrestoFunctions(*connection_));
  // DuckDB's boundary-counting date_diff, behind the Presto one.
  EXPECT_EQ(Eval("system.main.date_diff('day', TIMESTAMP '2020-03-01 23:00', TIMESTAMP '2020-03-02 01:00')"), "1");
  EXPECT_EQ(Eval("system.main.regexp_replace('aaa', 'a', 'b')"), "baa");
  auto names = PrestoFunctionNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "date_parse"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "lakebox_mysql_format"), names.end());
}

}  // namespace
}  // namespace lakebox::query
