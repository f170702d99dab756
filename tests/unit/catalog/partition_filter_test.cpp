#include "catalog/partition_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakebox::catalog {
namespace {

using ::testing::HasSubstr;

// The crawler's keys: all strings.
const std::vector<Column> kCrawled = {
    {"year", "string", ""}, {"month", "string", ""}, {"day", "string", ""}, {"hour", "string", ""}};

class PartitionFilterTest : public ::testing::Test {
 protected:
  // Whether `expression` selects the partition with `values`; fails the test on a parse error.
  static bool Selects(std::string_view expression, const std::vector<std::string>& values,
                      const std::vector<Column>& keys = kCrawled) {
    Result<PartitionFilter> filter = PartitionFilter::Parse(expression, keys);
    EXPECT_TRUE(filter.has_value()) << expression << ": "
                                    << (filter ? "" : filter.error().ToString());
    return filter && filter->Matches(values);
  }

  static Error ParseError(std::string_view expression, const std::vector<Column>& keys = kCrawled) {
    Result<PartitionFilter> filter = PartitionFilter::Parse(expression, keys);
    EXPECT_FALSE(filter.has_value()) << expression << " parsed";
    return filter ? Error::Internal("parsed") : filter.error();
  }

  const std::vector<std::string> p_ = {"2026", "07", "13", "09"};
};

TEST_F(PartitionFilterTest, EmptyExpressionMatchesEverything) {
  EXPECT_TRUE(Selects("", p_));
  EXPECT_TRUE(Selects("  \n", p_));
  EXPECT_TRUE(Selects("", {}, {}));
}

TEST_F(PartitionFilterTest, StringComparisonsWithQuotedLiterals) {
  EXPECT_TRUE(Selects("year = '2026'", p_));
  EXPECT_FALSE(Selects("year = '2025'", p_));
  EXPECT_TRUE(Selects("year != '2025'", p_));
  EXPECT_TRUE(Selects("year <> '2025'", p_));
  // Strings compare byte by byte: "07" < "7", and "09" != "9".
  EXPECT_TRUE(Selects("month < '7'", p_));
  EXPECT_FALSE(Selects("hour = '9'", p_));
  EXPECT_TRUE(Selects("month >= '07'", p_));
  EXPECT_TRUE(Selects("month <= '07'", p_));
  EXPECT_FALSE(Selects("month > '07'", p_));
}

TEST_F(PartitionFilterTest, NumberLiteralsCompareNumericallyOnStringKeysHoldingDigits) {
  EXPECT_TRUE(Selects("hour = 9", p_));
  EXPECT_TRUE(Selects("hour = 9.0", p_));
  EXPECT_TRUE(Selects("month < 10", p_));  // as strings, "07" < "10" too, but:
  EXPECT_TRUE(Selects("month > 6", {"2026", "10", "01", "00"}));  // "10" > "6" only as numbers
  EXPECT_FALSE(Selects("month > '6'", {"2026", "10", "01", "00"}));
  EXPECT_TRUE(Selects("year >= 2026 AND year < 2027", p_));
  EXPECT_TRUE(Selects("hour > -1", p_));
  EXPECT_TRUE(Selects("hour < 1e2", p_));
  // A literal may come first.
  EXPECT_TRUE(Selects("14 > hour", p_));
}

TEST_F(PartitionFilterTest, NonNumericValueInANumericComparisonIsUnknown) {
  std::vector<Column> keys = {{"region", "string", ""}};
  EXPECT_FALSE(Selects("region = 1", {"eu"}, keys));
  EXPECT_FALSE(Selects("region != 1", {"eu"}, keys));
  // Unknown stays unknown under NOT (SQL three-valued logic).
  EXPECT_FALSE(Selects("NOT region = 1", {"eu"}, keys));
  EXPECT_TRUE(Selects("region = 1 OR region = 'eu'", {"eu"}, keys));
}

TEST_F(PartitionFilterTest, NumericKeyTypesCastStringLiterals) {
  std::vector<Column> keys = {{"year", "int", ""}, {"score", "decimal(5,2)", ""}};
  EXPECT_TRUE(Selects("year = '2026'", {"2026", "1.5"}, keys));
  EXPECT_TRUE(Selects("year = '02026'", {"2026", "1.5"}, keys));
  EXPECT_TRUE(Selects("score > '1.25'", {"2026", "1.5"}, keys));
  EXPECT_TRUE(Selects("score BETWEEN 1 AND 2", {"2026", "1.50"}, keys));
  Error e = ParseError("year = 'abc'", keys);
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("'abc' is not a number, but partition key year has type int"));
  EXPECT_THAT(e.message(), HasSubstr("position 8"));
}

TEST_F(PartitionFilterTest, PrecedenceIsOrThenAndThenNot) {
  // a OR b AND c = a OR (b AND c)
  EXPECT_TRUE(Selects("year = '2026' OR year = '2000' AND month = '01'", p_));
  EXPECT_FALSE(Selects("(year = '2026' OR year = '2000') AND month = '01'", p_));
  // NOT binds tighter than AND.
  EXPECT_FALSE(Selects("NOT year = '2026' AND month = '07'", p_));
  EXPECT_TRUE(Selects("NOT (year = '2026' AND month = '01')", p_));
  EXPECT_TRUE(Selects("NOT NOT year = '2026'", p_));
  EXPECT_TRUE(Selects("((year = '2026'))", p_));
}

TEST_F(PartitionFilterTest, KeywordsAndKeysAreCaseInsensitive) {
  EXPECT_TRUE(Selects("YEAR = '2026' and Month = '07' Or hour = 'x'", p_));
  EXPECT_TRUE(Selects("`year` = '2026' AND \"month\" = '07'", p_));
}

TEST_F(PartitionFilterTest, StringLiteralsEscapeQuotesByDoubling) {
  std::vector<Column> keys = {{"name", "string", ""}};
  EXPECT_TRUE(Selects("name = 'o''brien'", {"o'brien"}, keys));
}

TEST_F(PartitionFilterTest, In) {
  EXPECT_TRUE(Selects("month IN ('06', '07')", p_));
  EXPECT_FALSE(Selects("month IN ('06', '08')", p_));
  EXPECT_TRUE(Selects("month NOT IN ('06', '08')", p_));
  EXPECT_TRUE(Selects("hour IN (8, 9, 10)", p_));  // numeric: 9 matches "09"
  EXPECT_FALSE(Selects("hour IN ('9')", p_));
  EXPECT_TRUE(Selects("hour in (9)", p_));
}

TEST_F(PartitionFilterTest, Between) {
  EXPECT_TRUE(Selects("day BETWEEN '10' AND '20'", p_));
  EXPECT_TRUE(Selects("day BETWEEN '13' AND '13'", p_));
  EXPECT_FALSE(Selects("day BETWEEN '14' AND '20'", p_));
  EXPECT_TRUE(Selects("day NOT BETWEEN '14' AND '20'", p_));
  EXPECT_TRUE(Selects("hour BETWEEN 8 AND 10", p_));
  // BETWEEN's AND is not the logical AND.
  EXPECT_TRUE(Selects("day BETWEEN '10' AND '20' AND year = '2026'", p_));
  EXPECT_FALSE(Selects("day BETWEEN '10' AND '20' AND year = '2025'", p_));
}

TEST_F(PartitionFilterTest, Like) {
  std::vector<Column> keys = {{"vendor", "string", ""}};
  EXPECT_TRUE(Selects("vendor LIKE 'vol%'", {"volvo"}, keys));
  EXPECT_TRUE(Selects("vendor LIKE '%v%o'", {"volvo"}, keys));
  EXPECT_TRUE(Selects("vendor LIKE 'v_lvo'", {"volvo"}, keys));
  EXPECT_FALSE(Selects("vendor LIKE 'v_vo'", {"volvo"}, keys));
  EXPECT_TRUE(Selects("vendor LIKE '%'", {""}, keys));
  EXPECT_FALSE(Selects("vendor LIKE 'Volvo'", {"volvo"}, keys));  // case-sensitive
  EXPECT_TRUE(Selects("vendor NOT LIKE 'scania%'", {"volvo"}, keys));
  // '_' is one character, not one byte.
  EXPECT_TRUE(Selects("vendor LIKE 'sk_da'", {"sk\xc3\xb6" "da"}, keys));
  EXPECT_TRUE(Selects("vendor LIKE '%a%a%a'", {"banana"}, keys));
  EXPECT_FALSE(Selects("vendor LIKE '%a%a%a%a'", {"banana"}, keys));
}

TEST_F(PartitionFilterTest, HiveDefaultPartitionIsNull) {
  std::vector<std::string> null_hour = {"2026", "07", "13", "__HIVE_DEFAULT_PARTITION__"};
  EXPECT_TRUE(Selects("hour IS NULL", null_hour));
  EXPECT_FALSE(Selects("hour IS NOT NULL", null_hour));
  EXPECT_FALSE(Selects("hour IS NULL", p_));
  EXPECT_TRUE(Selects("hour IS NOT NULL", p_));
  // Comparisons with NULL are unknown either way.
  EXPECT_FALSE(Selects("hour = '09'", null_hour));
  EXPECT_FALSE(Selects("hour != '09'", null_hour));
  EXPECT_FALSE(Selects("NOT hour = '09'", null_hour));
  EXPECT_TRUE(Selects("hour = '09' OR year = '2026'", null_hour));
  EXPECT_FALSE(Selects("hour = '09' AND year = '2026'", null_hour));
  // A missing value is NULL too.
  EXPECT_TRUE(Selects("hour IS NULL", {"2026"}));
}

TEST_F(PartitionFilterTest, UnknownKeyNamesTheValidOnes) {
  Error e = ParseError("partition_0 = '2026'");
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("unknown partition key \"partition_0\""));
  EXPECT_THAT(e.message(), HasSubstr("year, month, day, hour"));
  EXPECT_THAT(ParseError("x = 1", {}).message(), HasSubstr("the table has no partition keys"));
}

TEST_F(PartitionFilterTest, SyntaxErrorsNameThePosition) {
  struct Case {
    std::string_view expression;
    std::string_view expected;
  };
  for (const Case& c : std::vector<Case>{
           {"year", "expected a comparison (=, !=, <>, <, <=, >, >=, IN, BETWEEN, LIKE or IS) at position 5 (found the end"},
           {"year = ", "expected a partition key, a 'string' or a number at position 8"},
           {"year = '2026", "unterminated string literal at position 8"},
           {"year = '2026' month = '07'", "expected AND, OR or the end of the expression at position 15 (found \"month"},
           {"(year = '2026'", "expected ')' at position 15"},
           {"year = '2026')", "expected AND, OR or the end of the expression at position 14"},
           {"year IN ()", "expected a literal ('text' or a number) at position 10"},
           {"year IN ('1' '2')", "expected ',' or ')' in the IN list at position 14"},
           {"year IN (hour)", "expected a literal"},
           {"day BETWEEN '1' OR '2'", "expected AND between the bounds of BETWEEN at position 17"},
           {"day LIKE 5", "expected a 'pattern' after LIKE at position 10"},
           {"day IS '5'", "expected NULL after IS"},
           {"day NOT = '5'", "expected IN, BETWEEN or LIKE after NOT"},
           {"year = 12abc", "\"12abc\" is not a number at position 8"},
           {"year = 1 AND", "expected a partition key, a 'string' or a number at position 13"},
           {"year # 1", "unexpected character '#' at position 6"},
           {"AND year = 1", "expected a partition key, a 'string' or a number at position 1"},
       }) {
    Error e = ParseError(c.expression);
    EXPECT_EQ(e.code(), Error::Code::kInvalidInput) << c.expression;
    EXPECT_THAT(e.message(), HasSubstr(c.expected)) << c.expression;
    EXPECT_THAT(e.message(), HasSubstr(std::string(c.expression))) << c.expression;
  }
}

TEST_F(PartitionFilterTest, DeepNestingIsRefusedNotACrash) {
  std::string deep = std::string(5000, '(') + "year = '2026'" + std::string(5000, ')');
  EXPECT_THAT(ParseError(deep).message(), HasSubstr("nest deeper than 100 levels"));
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_THAT(ParseError(nots + "year = '2026'").message(), HasSubstr("nest deeper"));
  std::string fine = std::string(50, '(') + "year = '2026'" + std::string(50, ')');
  EXPECT_TRUE(Selects(fine, p_));
}

TEST_F(PartitionFilterTest, CopiesShareTheParsedExpression) {
  Result<PartitionFilter> filter = PartitionFilter::Parse("hour >= 9", kCrawled);
  ASSERT_TRUE(filter.has_value());
  PartitionFilter copy = *filter;
  EXPECT_TRUE(copy.Matches(p_));
  EXPECT_FALSE(copy.Matches({"2026", "07", "13", "08"}));
}

}  // namespace
}  // namespace lakebox::catalog
