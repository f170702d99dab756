#include "schedule/schedule_expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time.h"
#include "test_support.h"

namespace lakebox::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// "2026-03-04T10:00" or "2026-03-04T10:00:30" (UTC) as a time point.
Clock::time_point At(std::string_view text) {
  CivilTime t;
  t.year = std::stoi(std::string(text.substr(0, 4)));
  t.month = std::stoi(std::string(text.substr(5, 2)));
  t.day = std::stoi(std::string(text.substr(8, 2)));
  t.hour = std::stoi(std::string(text.substr(11, 2)));
  t.minute = std::stoi(std::string(text.substr(14, 2)));
  if (text.size() > 16) t.second = std::stoi(std::string(text.substr(17, 2)));
  return Clock::time_point(std::chrono::milliseconds(UnixMillisFromCivil(t)));
}

// "2026-03-04T10:00:00.000Z", or "none".
std::string Format(std::optional<Clock::time_point> t) {
  if (!t) return "none";
  return FormatIso8601Millis(std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count());
}

ScheduleExpression MustParse(std::string_view text) {
  auto parsed = ScheduleExpression::Parse(text);
  EXPECT_TRUE(parsed) << parsed.error().ToString();
  if (!parsed) return *ScheduleExpression::Parse("rate(1 day)");
  return *parsed;
}

// The next firing of a cron after `after`, formatted.
std::string Next(std::string_view expression, std::string_view after) {
  return Format(MustParse(expression).NextAfter(At(after), At("2000-01-01T00:00")));
}

// The first `count` firings after `after`, formatted without seconds ("2026-03-04T10:00").
std::vector<std::string> Firings(std::string_view expression, std::string_view after, int count) {
  ScheduleExpression e = MustParse(expression);
  std::vector<std::string> out;
  Clock::time_point t = At(after);
  for (int i = 0; i < count; ++i) {
    auto next = e.NextAfter(t, t);
    if (!next) break;
    out.push_back(Format(next).substr(0, 16));
    t = *next;
  }
  return out;
}

std::string ErrorOf(std::string_view text) {
  auto parsed = ScheduleExpression::Parse(text);
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code(), Error::Code::kInvalidArgument);
  return parsed.error().message();
}

// --- The examples of EventBridge's documentation -------------------------------------------

TEST(CronTest, DailyAtTenUtc) {
  EXPECT_EQ(Next("cron(0 10 * * ? *)", "2026-03-04T09:59:30"), "2026-03-04T10:00:00.000Z");
  EXPECT_EQ(Next("cron(0 10 * * ? *)", "2026-03-04T10:00"), "2026-03-05T10:00:00.000Z");  // strictly after
}

TEST(CronTest, DailyAtQuarterPastNoon) {
  EXPECT_EQ(Next("cron(15 12 * * ? *)", "2026-03-04T12:15:01"), "2026-03-05T12:15:00.000Z");
}

TEST(CronTest, WeekdaysAtSixPm) {
  // 2026-03-06 is a Friday.
  EXPECT_THAT(Firings("cron(0 18 ? * MON-FRI *)", "2026-03-05T18:00", 3),
              ElementsAre("2026-03-06T18:00", "2026-03-09T18:00", "2026-03-10T18:00"));
}

TEST(CronTest, FirstOfEveryMonth) {
  EXPECT_THAT(Firings("cron(0 8 1 * ? *)", "2026-01-01T08:00", 2), ElementsAre("2026-02-01T08:00", "2026-03-01T08:00"));
}

TEST(CronTest, EveryFifteenMinutes) {
  EXPECT_EQ(Next("cron(0/15 * * * ? *)", "2026-03-04T10:07"), "2026-03-04T10:15:00.000Z");
  EXPECT_EQ(Next("cron(0/15 * * * ? *)", "2026-03-04T23:45"), "2026-03-05T00:00:00.000Z");
}

TEST(CronTest, EveryTenMinutesOnWeekdays) {
  EXPECT_EQ(Next("cron(0/10 * ? * MON-FRI *)", "2026-03-06T23:55"), "2026-03-09T00:00:00.000Z");
}

TEST(CronTest, EveryFiveMinutesDuringOfficeHours) {
  EXPECT_THAT(Firings("cron(0/5 8-17 ? * MON-FRI *)", "2026-03-06T17:50", 3),
              ElementsAre("2026-03-06T17:55", "2026-03-09T08:00", "2026-03-09T08:05"));
}

TEST(CronTest, FirstMondayOfEachMonth) {
  EXPECT_THAT(Firings("cron(0 9 ? * 2#1 *)", "2026-01-01T00:00", 4),
              ElementsAre("2026-01-05T09:00", "2026-02-02T09:00", "2026-03-02T09:00", "2026-04-06T09:00"));
}

// --- Lists, ranges, increments, names ---------------------------------------------------------

TEST(CronTest, IncrementFromAValueRunsToTheEndOfTheField) {
  EXPECT_THAT(Firings("cron(1/10 3 * * ? *)", "2026-03-04T03:30", 4),
              ElementsAre("2026-03-04T03:31", "2026-03-04T03:41", "2026-03-04T03:51", "2026-03-05T03:01"));
}

TEST(CronTest, IncrementOnARange) {
  EXPECT_THAT(Firings("cron(10-30/5 4 * * ? *)", "2026-03-04T04:00", 6),
              ElementsAre("2026-03-04T04:10", "2026-03-04T04:15", "2026-03-04T04:20", "2026-03-04T04:25",
                          "2026-03-04T04:30", "2026-03-05T04:10"));
  EXPECT_THAT(Firings("cron(0 0 1 1-12/3 ? *)", "2026-01-01T00:00", 3),
              ElementsAre("2026-04-01T00:00", "2026-07-01T00:00", "2026-10-01T00:00"));
}

TEST(CronTest, IncrementLargerThanTheFieldGivesTheStartOnly) {
  EXPECT_THAT(Firings("cron(15/65 10 * * ? *)", "2026-03-04T00:00", 2),
              ElementsAre("2026-03-04T10:15", "2026-03-05T10:15"));
}

TEST(CronTest, ListsMixValuesRangesAndIncrements) {
  EXPECT_THAT(Firings("cron(0 1-3/2,11,20-21 * * ? *)", "2026-03-04T00:00", 6),
              ElementsAre("2026-03-04T01:00", "2026-03-04T03:00", "2026-03-04T11:00", "2026-03-04T20:00",
                          "2026-03-04T21:00", "2026-03-05T01:00"));
}

TEST(CronTest, BackwardRangesWrapAround) {
  EXPECT_THAT(Firings("cron(0 22-1 * * ? *)", "2026-03-04T02:00", 5),
              ElementsAre("2026-03-04T22:00", "2026-03-04T23:00", "2026-03-05T00:00", "2026-03-05T01:00",
                          "2026-03-05T22:00"));
  // FRI-MON: Friday 6, Saturday 7, Sunday 8, Monday 9 March 2026; then Friday 13.
  EXPECT_THAT(Firings("cron(0 12 ? * FRI-MON *)", "2026-03-04T00:00", 5),
              ElementsAre("2026-03-06T12:00", "2026-03-07T12:00", "2026-03-08T12:00", "2026-03-09T12:00",
                          "2026-03-13T12:00"));
  EXPECT_THAT(Firings("cron(0 0 1 NOV-FEB ? *)", "2026-03-01T00:00", 4),
              ElementsAre("2026-11-01T00:00", "2026-12-01T00:00", "2027-01-01T00:00", "2027-02-01T00:00"));
  // Hours 22-2/2 step across midnight: 22, 0, 2.
  EXPECT_THAT(Firings("cron(0 22-2/2 * * ? *)", "2026-03-04T12:00", 4),
              ElementsAre("2026-03-04T22:00", "2026-03-05T00:00", "2026-03-05T02:00", "2026-03-05T22:00"));
}

TEST(CronTest, NamesAreCaseInsensitiveAndNumbersMayHaveLeadingZeros) {
  EXPECT_EQ(Next("cron(05 07 ? jan-Mar mOn *)", "2026-01-01T00:00"), "2026-01-05T07:05:00.000Z");
  EXPECT_EQ(Next("cron(0 0 1 dec ? *)", "2026-01-01T00:00"), "2026-12-01T00:00:00.000Z");
}

TEST(CronTest, WeekdayNumbersStartOnSunday) {
  // 1 = Sunday, 7 = Saturday. 2026-03-08 is a Sunday.
  EXPECT_EQ(Next("cron(0 0 ? * 1 *)", "2026-03-04T00:00"), "2026-03-08T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 ? * 7 *)", "2026-03-04T00:00"), "2026-03-07T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 ? * SUN,SAT *)", "2026-03-04T00:00"), "2026-03-07T00:00:00.000Z");
}

// --- L, W, # -------------------------------------------------------------------------------

TEST(CronTest, LastDayOfMonthFollowsMonthLengthsAndLeapYears) {
  EXPECT_THAT(Firings("cron(0 0 L * ? *)", "2024-01-15T00:00", 4),
              ElementsAre("2024-01-31T00:00", "2024-02-29T00:00", "2024-03-31T00:00", "2024-04-30T00:00"));
  EXPECT_EQ(Next("cron(0 0 L 2 ? *)", "2025-01-01T00:00"), "2025-02-28T00:00:00.000Z");
  // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
  EXPECT_EQ(Next("cron(0 0 L 2 ? *)", "2100-01-01T00:00"), "2100-02-28T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 29 2 ? *)", "2000-03-01T00:00"), "2004-02-29T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 29 2 ? *)", "2096-03-01T00:00"), "2104-02-29T00:00:00.000Z");
}

TEST(CronTest, LastWeekdayOfMonth) {
  // January 2026 ends on Saturday the 31st, May on Sunday the 31st, July on Friday the 31st.
  EXPECT_THAT(Firings("cron(0 21 LW * ? *)", "2026-01-01T00:00", 7),
              ElementsAre("2026-01-30T21:00", "2026-02-27T21:00", "2026-03-31T21:00", "2026-04-30T21:00",
                          "2026-05-29T21:00", "2026-06-30T21:00", "2026-07-31T21:00"));
}

TEST(CronTest, NearestWeekdayStaysInItsMonth) {
  // 15 August 2026 is a Saturday (Friday 14th), 15 November a Sunday (Monday 16th).
  EXPECT_EQ(Next("cron(0 0 15W 8 ? *)", "2026-01-01T00:00"), "2026-08-14T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 15W 11 ? *)", "2026-01-01T00:00"), "2026-11-16T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 15W 3 ? *)", "2026-01-01T00:00"), "2026-03-16T00:00:00.000Z");  // Sunday 15th
  EXPECT_EQ(Next("cron(0 0 15W 4 ? *)", "2026-01-01T00:00"), "2026-04-15T00:00:00.000Z");  // a Wednesday
  // 1 August 2026 is a Saturday: the nearest weekday in August is Monday the 3rd, not Friday 31 July.
  EXPECT_EQ(Next("cron(0 0 1W 8 ? *)", "2026-07-01T00:00"), "2026-08-03T00:00:00.000Z");
  // 1 February 2026 is a Sunday: Monday the 2nd.
  EXPECT_EQ(Next("cron(0 0 1W 2 ? *)", "2026-01-01T00:00"), "2026-02-02T00:00:00.000Z");
}

TEST(CronTest, NearestWeekdayToThe31stSkipsShorterMonths) {
  // Quartz's schedule for 31W in 2027 (EventBridge's cron is Quartz's): only months with a 31st;
  // Sunday 31 January and Sunday 31 October move back to Friday, Saturday 31 July to Friday.
  EXPECT_THAT(Firings("cron(5 10 31W * ? 2027)", "2027-01-01T00:00", 8),
              ElementsAre("2027-01-29T10:05", "2027-03-31T10:05", "2027-05-31T10:05", "2027-07-30T10:05",
                          "2027-08-31T10:05", "2027-10-29T10:05", "2027-12-31T10:05"));
}

TEST(CronTest, NthWeekdayOfMonth) {
  // Second Tuesday (3#2).
  EXPECT_THAT(Firings("cron(0 12 ? * 3#2 *)", "2026-01-01T00:00", 3),
              ElementsAre("2026-01-13T12:00", "2026-02-10T12:00", "2026-03-10T12:00"));
  // Fifth Friday: only months that have one (January, May, July, October 2026).
  EXPECT_THAT(Firings("cron(0 12 ? * FRI#5 *)", "2026-01-01T00:00", 4),
              ElementsAre("2026-01-30T12:00", "2026-05-29T12:00", "2026-07-31T12:00", "2026-10-30T12:00"));
}

TEST(CronTest, LastGivenWeekdayOfMonth) {
  EXPECT_THAT(Firings("cron(0 12 ? * 6L *)", "2026-01-01T00:00", 3),
              ElementsAre("2026-01-30T12:00", "2026-02-27T12:00", "2026-03-27T12:00"));
  EXPECT_EQ(Next("cron(0 12 ? * friL *)", "2026-07-01T00:00"), "2026-07-31T12:00:00.000Z");
}

TEST(CronTest, LAloneInDayOfWeekIsSaturday) {
  EXPECT_THAT(Firings("cron(0 12 ? * L *)", "2026-03-04T00:00", 2),
              ElementsAre("2026-03-07T12:00", "2026-03-14T12:00"));
}

// --- Years and boundaries -----------------------------------------------------------------

TEST(CronTest, CrossesYearAndMonthEnds) {
  EXPECT_EQ(Next("cron(0 0 1 1 ? *)", "2026-12-31T23:59"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("cron(59 23 31 12 ? *)", "2026-12-31T23:59"), "2027-12-31T23:59:00.000Z");
  EXPECT_EQ(Next("cron(* * * * ? *)", "2026-12-31T23:59:59"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 31 * ? *)", "2026-04-01T00:00"), "2026-05-31T00:00:00.000Z");  // April has 30
}

TEST(CronTest, YearField) {
  EXPECT_EQ(Next("cron(0 0 1 1 ? 2030)", "2026-06-01T00:00"), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 1 1 ? 2030)", "2030-01-01T00:00"), "none");
  EXPECT_EQ(Next("cron(0 0 1 1 ? 2025/5)", "2026-01-01T00:00"), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 0 1 1 ? 2020-2022,2028)", "2022-01-01T00:00"), "2028-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("cron(0 12 * * ? *)", "2199-12-31T12:00"), "none");  // years end at 2199
  EXPECT_EQ(Next("cron(0 12 * * ? *)", "1960-05-05T00:00"), "1970-01-01T12:00:00.000Z");
}

TEST(CronTest, ImpossibleDatesNeverFire) {
  EXPECT_EQ(Next("cron(0 0 30 2 ? *)", "2026-01-01T00:00"), "none");
  EXPECT_EQ(Next("cron(0 0 31 4,6,9,11 ? *)", "2026-01-01T00:00"), "none");
}

TEST(CronTest, NextIsStrictlyAfterAndOnWholeMinutes) {
  ScheduleExpression e = MustParse("cron(* * * * ? *)");
  Clock::time_point t = At("2026-03-04T10:00") + std::chrono::nanoseconds(1);
  EXPECT_EQ(Format(e.NextAfter(t, t)), "2026-03-04T10:01:00.000Z");
  EXPECT_EQ(Format(e.NextAfter(At("2026-03-04T10:00") - std::chrono::nanoseconds(1), t)),
            "2026-03-04T10:00:00.000Z");
}

TEST(CronTest, EveryFiringBetweenTwoFiringsGivesTheSecond) {
  // Moving `after` anywhere in [previous firing, next firing) gives the same next firing.
  for (std::string_view text : {"cron(0 9 ? * 2#1 *)", "cron(30 6 LW * ? *)", "cron(0/20 22-2 ? * FRI-MON *)",
                                "cron(0 0 31W * ? *)", "cron(7 7 L 2 ? *)"}) {
    ScheduleExpression e = MustParse(text);
    Clock::time_point previous = At("2026-01-01T00:00");
    for (int i = 0; i < 20; ++i) {
      auto next = e.NextAfter(previous, previous);
      ASSERT_TRUE(next) << text;
      ASSERT_GT(*next, previous) << text;
      Clock::time_point middle = previous + (*next - previous) / 2;
      EXPECT_EQ(e.NextAfter(middle, middle), next) << text << " after " << Format(middle);
      EXPECT_EQ(e.NextAfter(*next - std::chrono::seconds(1), middle), next) << text;
      previous = *next;
    }
  }
}

// --- rate() -------------------------------------------------------------------------------

TEST(RateTest, CountsFromTheAnchor) {
  ScheduleExpression e = MustParse("rate(5 minutes)");
  EXPECT_TRUE(e.is_rate());
  EXPECT_FALSE(e.is_lakebox_extension());
  EXPECT_EQ(e.rate_period(), std::chrono::minutes(5));
  Clock::time_point anchor = At("2026-03-04T10:00:30");
  EXPECT_EQ(Format(e.NextAfter(At("2026-03-04T10:03"), anchor)), "2026-03-04T10:05:30.000Z");
  EXPECT_EQ(Format(e.NextAfter(At("2026-03-04T10:05:30"), anchor)), "2026-03-04T10:10:30.000Z");
  EXPECT_EQ(Format(e.NextAfter(anchor, anchor)), "2026-03-04T10:05:30.000Z");  // not at the anchor itself
  EXPECT_EQ(Format(e.NextAfter(At("2026-03-04T09:00"), anchor)), "2026-03-04T10:05:30.000Z");
  EXPECT_EQ(Format(e.NextAfter(At("2027-03-04T10:05:29"), anchor)), "2027-03-04T10:05:30.000Z");
}

TEST(RateTest, Units) {
  EXPECT_EQ(MustParse("rate(1 minute)").rate_period(), std::chrono::minutes(1));
  EXPECT_EQ(MustParse("rate(1 hour)").rate_period(), std::chrono::hours(1));
  EXPECT_EQ(MustParse("rate(12 hours)").rate_period(), std::chrono::hours(12));
  EXPECT_EQ(MustParse("rate(1 day)").rate_period(), std::chrono::hours(24));
  EXPECT_EQ(MustParse("rate(7 days)").rate_period(), std::chrono::hours(24 * 7));
}

TEST(RateTest, SecondsAreALakeboxExtension) {
  ScheduleExpression e = MustParse("rate(30 seconds)");
  EXPECT_TRUE(e.is_lakebox_extension());
  EXPECT_EQ(e.rate_period(), std::chrono::seconds(30));
  EXPECT_TRUE(MustParse("rate(1 second)").is_lakebox_extension());
  Clock::time_point anchor = At("2026-03-04T10:00");
  EXPECT_EQ(Format(e.NextAfter(At("2026-03-04T10:00:45"), anchor)), "2026-03-04T10:01:00.000Z");
  EXPECT_FALSE(MustParse("cron(0 12 * * ? *)").is_lakebox_extension());
}

// --- Invalid expressions and their messages --------------------------------------------------

TEST(ParseErrorTest, RateUnitMustAgreeWithTheValue) {
  EXPECT_EQ(ErrorOf("rate(1 minutes)"), "rate(1 minutes): use the singular unit for 1: rate(1 minute)");
  EXPECT_EQ(ErrorOf("rate(5 hour)"), "rate(5 hour): use the plural unit for values above 1: rate(5 hours)");
  EXPECT_EQ(ErrorOf("rate(1 seconds)"), "rate(1 seconds): use the singular unit for 1: rate(1 second)");
}

TEST(ParseErrorTest, RateValueAndUnit) {
  EXPECT_THAT(ErrorOf("rate(0 minutes)"), HasSubstr("must be a positive integer"));
  EXPECT_THAT(ErrorOf("rate(-5 minutes)"), HasSubstr("must be a positive integer"));
  EXPECT_THAT(ErrorOf("rate(1.5 hours)"), HasSubstr("must be a positive integer"));
  EXPECT_THAT(ErrorOf("rate(5 weeks)"), HasSubstr("unknown unit 'weeks'; use minute(s), hour(s) or day(s)"));
  EXPECT_THAT(ErrorOf("rate(5 Minutes)"), HasSubstr("unknown unit"));
  EXPECT_THAT(ErrorOf("rate(5minutes)"), HasSubstr("write rate(value unit)"));
  EXPECT_THAT(ErrorOf("rate()"), HasSubstr("write rate(value unit)"));
  EXPECT_THAT(ErrorOf("rate(99999999 days)"), HasSubstr("at most 100 years"));
}

TEST(ParseErrorTest, NotAnExpression) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("write rate(5 minutes) or cron(0 12 * * ? *)"));
  EXPECT_THAT(ErrorOf("every 5 minutes"), StartsWith("every 5 minutes: a schedule expression is rate("));
  EXPECT_THAT(ErrorOf("Cron(0 12 * * ? *)"), HasSubstr("a schedule expression is rate("));
  EXPECT_THAT(ErrorOf("cron(0 12 * * ? *"), HasSubstr("a schedule expression is rate("));
  EXPECT_THAT(ErrorOf("at(2026-03-04T10:00:00)"), HasSubstr("a schedule expression is rate("));
  EXPECT_THAT(ErrorOf("rate(5 minutes) "), HasSubstr("remove the blanks before and after the expression"));
  EXPECT_EQ(Next("cron( 0  12 * * ? * )", "2026-03-04T00:00"), "2026-03-04T12:00:00.000Z");  // blanks inside are fine
  EXPECT_THAT(ErrorOf("cron(" + std::string(300, '1') + ")"), HasSubstr("at most 256 characters"));
}

TEST(ParseErrorTest, DayOfMonthAndDayOfWeek) {
  EXPECT_EQ(ErrorOf("cron(0 * * * * *)"),
            "cron(0 * * * * *): Day-of-month and Day-of-week cannot both be specified; use '?' in one of them, "
            "e.g. cron(0 * * * ? *)");
  EXPECT_THAT(ErrorOf("cron(0 12 1 * MON *)"), HasSubstr("cannot both be specified"));
  EXPECT_THAT(ErrorOf("cron(0 12 ? * ? *)"), HasSubstr("cannot both be '?'"));
  EXPECT_THAT(ErrorOf("cron(? 12 * * ? *)"), HasSubstr("'?' is only allowed as the whole Day-of-month or "
                                                       "Day-of-week field, not in Minutes"));
  EXPECT_THAT(ErrorOf("cron(0 12 1,? * ? *)"), HasSubstr("'?' is only allowed"));
}

TEST(ParseErrorTest, FieldCount) {
  EXPECT_THAT(ErrorOf("cron(0 12 * * ?)"),
              HasSubstr("cron needs six fields (Minutes Hours Day-of-month Month Day-of-week Year), found 5"));
  EXPECT_THAT(ErrorOf("cron(0 0 12 * * ? *)"), HasSubstr("found 7"));
}

TEST(ParseErrorTest, ValuesOutOfRange) {
  EXPECT_EQ(ErrorOf("cron(60 * * * ? *)"), "cron(60 * * * ? *): Minutes value 60 is out of range; use 0-59");
  EXPECT_THAT(ErrorOf("cron(0 24 * * ? *)"), HasSubstr("Hours value 24 is out of range; use 0-23"));
  EXPECT_THAT(ErrorOf("cron(0 0 0 * ? *)"), HasSubstr("Day-of-month value 0 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 32 * ? *)"), HasSubstr("Day-of-month value 32 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 1 13 ? *)"), HasSubstr("Month value 13 is out of range; use 1-12 or JAN-DEC"));
  EXPECT_THAT(ErrorOf("cron(0 0 1 JANUARY ? *)"), HasSubstr("Month value 'JANUARY' is not valid"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 0 *)"), HasSubstr("Day-of-week value 0 is out of range; use 1-7 (1 = Sunday)"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 8 *)"), HasSubstr("Day-of-week value 8 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * MONDAY *)"), HasSubstr("Day-of-week value 'MONDAY' is not valid"));
  EXPECT_THAT(ErrorOf("cron(0 0 * * ? 1969)"), HasSubstr("Year value 1969 is out of range; use 1970-2199"));
  EXPECT_THAT(ErrorOf("cron(0 0 * * ? 2200)"), HasSubstr("Year value 2200 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 * * ? 99999999999)"), HasSubstr("Year value '99999999999' is not valid"));
}

TEST(ParseErrorTest, RangesListsAndIncrements) {
  EXPECT_THAT(ErrorOf("cron(0 0 * * ? 2030-2025)"), HasSubstr("Year range '2030-2025' runs backwards; write it as "
                                                              "2025-2030"));
  EXPECT_THAT(ErrorOf("cron(0/0 * * * ? *)"), HasSubstr("Minutes increment in '0/0' must be a positive integer"));
  EXPECT_THAT(ErrorOf("cron(0/x * * * ? *)"), HasSubstr("must be a positive integer"));
  EXPECT_THAT(ErrorOf("cron(/5 * * * ? *)"), HasSubstr("needs a start before '/'"));
  EXPECT_THAT(ErrorOf("cron(0 0 1,,2 * ? *)"), HasSubstr("empty list item"));
  EXPECT_THAT(ErrorOf("cron(0 0 1, * ? *)"), HasSubstr("empty list item"));
  EXPECT_THAT(ErrorOf("cron(5- 0 * * ? *)"), HasSubstr("Minutes value '' is not valid"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 1/2 *)"), HasSubstr("'/' is not allowed in Day-of-week"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * */2 *)"), HasSubstr("'/' is not allowed in Day-of-week"));
}

TEST(ParseErrorTest, SpecialCharacters) {
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 3#1,6#3 *)"), HasSubstr("'#' must be the only expression in the field"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 2#6 *)"), HasSubstr("the number after '#' is the week of the month, 1-5"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 2#0 *)"), HasSubstr("1-5"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 9#1 *)"), HasSubstr("Day-of-week value 9 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 L-3 * ? *)"), HasSubstr("L-n is not supported"));
  EXPECT_THAT(ErrorOf("cron(0 0 8L * ? *)"), HasSubstr("must each be the whole field"));
  EXPECT_THAT(ErrorOf("cron(0 0 L,15 * ? *)"), HasSubstr("must each be the whole field"));
  EXPECT_THAT(ErrorOf("cron(0 0 W * ? *)"), HasSubstr("must each be the whole field"));
  EXPECT_THAT(ErrorOf("cron(0 0 32W * ? *)"), HasSubstr("Day-of-month value 32 is out of range"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 1,6L *)"), HasSubstr("must each be the whole field"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * L-2 *)"), HasSubstr("must each be the whole field"));
  EXPECT_THAT(ErrorOf("cron(0 0 ? * 8L *)"), HasSubstr("Day-of-week value 8 is out of range"));
  EXPECT_THAT(ErrorOf("cron(L 0 * * ? *)"), HasSubstr("Minutes value 'L' is not valid"));
  EXPECT_THAT(ErrorOf("cron(0 0 1W ? ? *)"), HasSubstr("not in Month"));
}

TEST(ParseTest, KeepsTheTextAndCopies) {
  ScheduleExpression e = MustParse("cron(0 9 ? * 2#1 *)");
  EXPECT_EQ(e.text(), "cron(0 9 ? * 2#1 *)");
  EXPECT_FALSE(e.is_rate());
  ScheduleExpression copy = e;
  ScheduleExpression assigned = MustParse("rate(1 day)");
  assigned = copy;
  EXPECT_EQ(assigned.text(), e.text());
  EXPECT_EQ(assigned.NextAfter(At("2026-01-01T00:00"), At("2026-01-01T00:00")),
            e.NextAfter(At("2026-01-01T00:00"), At("2026-01-01T00:00")));
}

}  // namespace
}  // namespace lakebox::schedule
