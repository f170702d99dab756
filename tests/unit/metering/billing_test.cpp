#include "metering/billing.h"

#include <gtest/gtest.h>

#include "common/time.h"
#include "test_support.h"

namespace lakebox::metering {
namespace {

int64_t At(int64_t year, int month, int day, int hour = 0, int minute = 0, int second = 0, int ms = 0) {
  CivilTime t;
  t.year = year;
  t.month = month;
  t.day = day;
  t.hour = hour;
  t.minute = minute;
  t.second = second;
  t.millisecond = ms;
  return UnixMillisFromCivil(t);
}

TEST(FirehoseBilling, EachRecordIsRoundedUpToTheNext5KB) {
  EXPECT_EQ(FirehoseBilledBytes(0), 5120u);  // an empty record still takes one increment
  EXPECT_EQ(FirehoseBilledBytes(1), 5120u);
  EXPECT_EQ(FirehoseBilledBytes(412), 5120u);  // a seed vehicle record
  EXPECT_EQ(FirehoseBilledBytes(5120), 5120u);
  EXPECT_EQ(FirehoseBilledBytes(5121), 10240u);
  EXPECT_EQ(FirehoseBilledBytes(3 * 1024), 5 * 1024u);    // AWS's example: 3 KB bills as 5 KB
  EXPECT_EQ(FirehoseBilledBytes(12 * 1024), 15 * 1024u);  // ... and 12 KB as 15 KB
  EXPECT_EQ(FirehoseBilledBytes(1'024'000), 1'024'000u);  // the largest record: 200 increments exactly
}

TEST(AthenaBilling, RoundsUpToTheMegabyteWithATenMegabyteMinimum) {
  constexpr int64_t kMb = 1 << 20;
  EXPECT_EQ(AthenaBilledBytes(0), 10 * kMb);
  EXPECT_EQ(AthenaBilledBytes(1), 10 * kMb);
  EXPECT_EQ(AthenaBilledBytes(10 * kMb), 10 * kMb);
  EXPECT_EQ(AthenaBilledBytes(10 * kMb + 1), 11 * kMb);
  EXPECT_EQ(AthenaBilledBytes(25 * kMb + kMb / 2), 26 * kMb);
  EXPECT_EQ(AthenaBilledBytes(-5), 10 * kMb);
}

TEST(AthenaBilling, OnlySucceededOrCancelledDmlIsBilled) {
  EXPECT_TRUE(AthenaBillable("SUCCEEDED", "DML", 0));
  EXPECT_TRUE(AthenaBillable("SUCCEEDED", "DML", 123));
  EXPECT_FALSE(AthenaBillable("FAILED", "DML", 123));
  EXPECT_TRUE(AthenaBillable("CANCELLED", "DML", 123));
  EXPECT_FALSE(AthenaBillable("CANCELLED", "DML", 0));
  EXPECT_FALSE(AthenaBillable("SUCCEEDED", "DDL", 0));
  EXPECT_FALSE(AthenaBillable("SUCCEEDED", "UTILITY", 0));
}

TEST(GlueBilling, JobRunsHaveAOneMinuteMinimumThenPerSecond) {
  EXPECT_EQ(GlueBilledMillis(1000, 1500, kGlueJobMinimumMillis), 60'000);
  EXPECT_EQ(GlueBilledMillis(0, 60'000, kGlueJobMinimumMillis), 60'000);
  EXPECT_EQ(GlueBilledMillis(0, 61'200, kGlueJobMinimumMillis), 62'000);  // per second, rounded up
  EXPECT_EQ(GlueBilledMillis(0, 600'000, kGlueJobMinimumMillis), 600'000);
  EXPECT_EQ(GlueBilledMillis(5000, 0, kGlueJobMinimumMillis), 60'000);  // a clock step back
}

TEST(GlueBilling, CrawlsHaveATenMinuteMinimum) {
  EXPECT_EQ(GlueBilledMillis(0, 30'000, kGlueCrawlerMinimumMillis), 600'000);
  EXPECT_EQ(GlueBilledMillis(0, 700'100, kGlueCrawlerMinimumMillis), 701'000);
}

TEST(Months, AreCalendarMonthsInUtc) {
  EXPECT_EQ(MonthOf(At(2026, 11, 30, 23, 59, 59, 999)), "2026-11");
  EXPECT_EQ(MonthOf(At(2026, 12, 1)), "2026-12");
  EXPECT_EQ(MonthOf(At(2027, 1, 1)), "2027-01");
  EXPECT_EQ(MonthOf(0), "1970-01");

  auto november = ParseMonth("2026-11");
  ASSERT_OK(november);
  EXPECT_EQ(november->begin_ms, At(2026, 11, 1));
  EXPECT_EQ(november->end_ms, At(2026, 12, 1));
  auto december = ParseMonth("2026-12");
  ASSERT_OK(december);
  EXPECT_EQ(december->end_ms, At(2027, 1, 1));
  auto february = ParseMonth("2028-02");  // a leap year
  ASSERT_OK(february);
  EXPECT_EQ(february->end_ms - february->begin_ms, 29ll * 24 * 3600 * 1000);
}

TEST(Months, MalformedMonthsAreRejected) {
  for (std::string_view bad : {"", "2026", "2026-1", "2026-13", "2026-00", "26-11-01", "2026/11", "abcd-11", "2026-1x"}) {
    auto parsed = ParseMonth(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code(), Error::Code::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find("YYYY-MM"), std::string::npos);
  }
}

}  // namespace
}  // namespace lakebox::metering
