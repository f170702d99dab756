#include "common/time.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lakebox {
namespace {

constexpr int64_t kNov25Ms = 1795645012123;  // 2026-11-25T22:16:52.123Z, a Wednesday

TEST(CivilTimeTest, DaysFromCivilKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2026, 11, 25), 20782);
  EXPECT_EQ(DaysFromCivil(1600, 2, 29), -135081);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
  // Day 0 is the last day of the previous month.
  EXPECT_EQ(DaysFromCivil(2024, 3, 0), DaysFromCivil(2024, 2, 29));
}

TEST(CivilTimeTest, RoundTripsEveryDayOverEightCenturies) {
  int64_t days = DaysFromCivil(1600, 1, 1);
  const int64_t end = DaysFromCivil(2400, 12, 31);
  int expected_dow = DayOfWeekFromDays(days);
  for (; days <= end; ++days) {
    const CivilTime t = CivilFromUnixMillis(days * 86'400'000);
    ASSERT_EQ(DaysFromCivil(t.year, t.month, t.day), days);
    ASSERT_GE(t.day, 1);
    ASSERT_LE(t.day, DaysInMonth(t.year, t.month));
    ASSERT_EQ(t.day_of_week, expected_dow);
    ASSERT_EQ(t.day_of_year, days - DaysFromCivil(t.year, 1, 1) + 1);
    expected_dow = expected_dow % 7 + 1;
  }
}

TEST(CivilTimeTest, BreaksDownAnInstant) {
  const CivilTime t = CivilFromUnixMillis(kNov25Ms);
  EXPECT_EQ(t.year, 2026);
  EXPECT_EQ(t.month, 11);
  EXPECT_EQ(t.day, 25);
  EXPECT_EQ(t.hour, 22);
  EXPECT_EQ(t.minute, 16);
  EXPECT_EQ(t.second, 52);
  EXPECT_EQ(t.millisecond, 123);
  EXPECT_EQ(t.day_of_week, 3);  // Wednesday
  EXPECT_EQ(t.day_of_year, 329);
  EXPECT_EQ(UnixMillisFromCivil(t), kNov25Ms);
}

TEST(CivilTimeTest, NegativeInstantsFloorTowardsThePast) {
  const CivilTime t = CivilFromUnixMillis(-1);
  EXPECT_EQ(t.year, 1969);
  EXPECT_EQ(t.month, 12);
  EXPECT_EQ(t.day, 31);
  EXPECT_EQ(t.hour, 23);
  EXPECT_EQ(t.second, 59);
  EXPECT_EQ(t.millisecond, 999);
  EXPECT_EQ(t.day_of_week, 3);
  EXPECT_EQ(UnixMillisFromCivil(t), -1);
}

TEST(CivilTimeTest, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2026));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
  EXPECT_EQ(DaysInMonth(2026, 4), 30);
}

TEST(CivilTimeTest, FormatsIso8601) {
  EXPECT_EQ(FormatIso8601Millis(kNov25Ms), "2026-11-25T22:16:52.123Z");
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(CivilTimeTest, NowIsPlausible) {
  const int64_t now = NowMillis();
  EXPECT_GT(now, 1'704'067'200'000);  // after 2024-01-01
  EXPECT_LT(now, 4'102'444'800'000);  // before 2100-01-01
}

// ---- TimeZone on the system's tzdata ----

TEST(TimeZoneTest, DefaultAndEmptyAndUtcAreUtc) {
  EXPECT_EQ(TimeZone().name(), "UTC");
  EXPECT_EQ(TimeZone().OffsetSeconds(kNov25Ms / 1000), 0);
  for (std::string_view name : {"", "UTC"}) {
    Result<TimeZone> tz = TimeZone::Load(name, "/nonexistent-dir");  // no file is read
    ASSERT_TRUE(tz) << tz.error().ToString();
    EXPECT_EQ(tz->name(), "UTC");
    EXPECT_EQ(tz->OffsetSeconds(0), 0);
  }
}

TEST(TimeZoneTest, Tokyo) {
  Result<TimeZone> tz = TimeZone::Load("Asia/Tokyo");
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->name(), "Asia/Tokyo");
  EXPECT_EQ(tz->OffsetSeconds(kNov25Ms / 1000), 9 * 3600);
  const CivilTime t = tz->ToCivil(kNov25Ms);
  EXPECT_EQ(t.day, 26);
  EXPECT_EQ(t.hour, 7);
  EXPECT_EQ(t.day_of_week, 4);
}

TEST(TimeZoneTest, SaoPauloHadDstUntil2019) {
  Result<TimeZone> tz = TimeZone::Load("America/Sao_Paulo");
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->OffsetSeconds(1516017600), -2 * 3600);  // 2018-01-15: southern summer DST
  EXPECT_EQ(tz->OffsetSeconds(1518919199), -2 * 3600);  // 2018-02-18T01:59:59Z
  EXPECT_EQ(tz->OffsetSeconds(1518919200), -3 * 3600);  // DST ended
  EXPECT_EQ(tz->OffsetSeconds(1768478400), -3 * 3600);  // 2026-01-15: no DST since 2019
  EXPECT_EQ(tz->OffsetSeconds(4102444800), -3 * 3600);  // 2100, from the footer rule
}

TEST(TimeZoneTest, NewYorkAcrossBothTransitions) {
  Result<TimeZone> tz = TimeZone::Load("America/New_York");
  ASSERT_TRUE(tz) << tz.error().ToString();
  // Spring forward: 2026-03-08 02:00 EST does not exist.
  CivilTime before = tz->ToCivil(1772953199'000);
  CivilTime after = tz->ToCivil(1772953200'000);
  EXPECT_EQ(before.hour, 1);
  EXPECT_EQ(before.minute, 59);
  EXPECT_EQ(after.hour, 3);
  EXPECT_EQ(after.minute, 0);
  EXPECT_EQ(tz->OffsetSeconds(1772953199), -5 * 3600);
  EXPECT_EQ(tz->OffsetSeconds(1772953200), -4 * 3600);
  // Fall back: 01:xx happens twice on 2026-11-01.
  before = tz->ToCivil(1793512799'000);
  after = tz->ToCivil(1793512800'000);
  EXPECT_EQ(before.hour, 1);
  EXPECT_EQ(after.hour, 1);
  EXPECT_EQ(after.minute, 0);
  EXPECT_EQ(tz->OffsetSeconds(1793512799), -4 * 3600);
  EXPECT_EQ(tz->OffsetSeconds(1793512800), -5 * 3600);
}

TEST(TimeZoneTest, FooterRulesDecideTheFarFuture) {
  struct Case {
    const char* zone;
    int64_t utc_seconds;
    int32_t offset;
  } cases[] = {
      {"America/New_York", 4118083200, -4 * 3600},  // 2100-07-01
      {"America/New_York", 4102444800, -5 * 3600},  // 2100-01-01
      {"Australia/Sydney", 4103654400, 11 * 3600},  // 2100-01-15: DST across New Year
      {"Australia/Sydney", 4118083200, 10 * 3600},
      {"Europe/Dublin", 4102444800, 0},             // "negative DST" in winter
      {"Europe/Dublin", 4118083200, 3600},
  };
  for (const Case& c : cases) {
    Result<TimeZone> tz = TimeZone::Load(c.zone);
    ASSERT_TRUE(tz) << tz.error().ToString();
    EXPECT_EQ(tz->OffsetSeconds(c.utc_seconds), c.offset) << c.zone << " " << c.utc_seconds;
  }
}

TEST(TimeZoneTest, RejectsUnsafeNames) {
  for (std::string_view name : {"../etc/passwd", "/etc/localtime", "Asia/../Asia/Tokyo",
                                "Asia/Tokyo;rm", "Asia/Tokyo ", "zone.tab"}) {
    Result<TimeZone> tz = TimeZone::Load(name);
    ASSERT_FALSE(tz) << name;
    EXPECT_EQ(tz.error().code(), Error::Code::kInvalidArgument) << name;
    EXPECT_NE(tz.error().message().find("invalid time zone name"), std::string::npos)
        << tz.error().message();
  }
}

TEST(TimeZoneTest, UnknownZones) {
  for (std::string_view name : {"Mars/Olympus_Mons", "Asia", "Asia/Tokyo/x"}) {
    Result<TimeZone> tz = TimeZone::Load(name);
    ASSERT_FALSE(tz) << name;
    EXPECT_EQ(tz.error().code(), Error::Code::kInvalidArgument);
    EXPECT_EQ(tz.error().message(),
              fmt::format("unknown time zone {}: use an IANA name such as Asia/Tokyo", name));
  }
}

TEST(TimeZoneTest, CopiesShareAndWorkAcrossThreads) {
  Result<TimeZone> loaded = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([zone = *loaded, &failures, i] {
      for (int64_t s = 1'700'000'000; s < 1'800'000'000; s += 86'400) {
        const int32_t off = zone.OffsetSeconds(s);
        if (off != 3600 && off != 7200) ++failures[i];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// ---- TimeZone on crafted TZif files ----

class TzifDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("lakebox-time-test-{}-{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "Test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void Put32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift);
  }
  static void Put64(std::string& out, uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift);
  }

  struct Zone {
    std::vector<int64_t> times;
    std::vector<uint8_t> types;
    std::vector<int32_t> offsets;
  };

  // One header + data block in the given time width.
  static std::string Block(char version, const Zone& z, int width) {
    std::string out = "TZif";
    out += version;
    out.append(15, '\0');
    for (uint32_t count : {0u, 0u, 0u, static_cast<uint32_t>(z.times.size()),
                           static_cast<uint32_t>(z.offsets.size()), 2u}) {
      Put32(out, count);
    }
    for (int64_t t : z.times) {
      if (width == 4) {
        Put32(out, static_cast<uint32_t>(t));
      } else {
        Put64(out, static_cast<uint64_t>(t));
      }
    }
    for (uint8_t type : z.types) out += static_cast<char>(type);
    for (int32_t off : z.offsets) {
      Put32(out, static_cast<uint32_t>(off));
      out += '\0';
      out += '\0';
    }
    out += std::string("X\0", 2);
    return out;
  }

  static std::string V1(const Zone& z) { return Block('\0', z, 4); }
  static std::string V2(const Zone& z, std::string_view footer, char version = '2') {
    return Block(version, z, 4) + Block(version, z, 8) + "\n" + std::string(footer) + "\n";
  }

  void Write(std::string_view name, std::string_view bytes) {
    std::ofstream out(dir_ / std::string(name), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  std::filesystem::path dir_;
};

TEST_F(TzifDirTest, Version1UsesTheTransitionTable) {
  Write("Test/V1", V1({{1000, 2000}, {1, 2}, {100, 3600, 7200}}));
  Result<TimeZone> tz = TimeZone::Load("Test/V1", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->name(), "Test/V1");
  EXPECT_EQ(tz->OffsetSeconds(999), 100);  // before the first transition: type 0
  EXPECT_EQ(tz->OffsetSeconds(1000), 3600);
  EXPECT_EQ(tz->OffsetSeconds(1999), 3600);
  EXPECT_EQ(tz->OffsetSeconds(2000), 7200);
  EXPECT_EQ(tz->OffsetSeconds(4'000'000'000), 7200);  // no footer in v1: the last type stays
}

TEST_F(TzifDirTest, Version2UsesSixtyFourBitTimesAndTheFooter) {
  // One transition beyond 2038 (only representable in the 64-bit block), then a US-style rule.
  Write("Test/V2", V2({{5'000'000'000}, {1}, {0, 3600}}, "EST5EDT,M3.2.0,M11.1.0"));
  Result<TimeZone> tz = TimeZone::Load("Test/V2", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->OffsetSeconds(4'999'999'999), 0);
  // After the last transition the footer rules: 2128-07-01 (EDT) and 2129-01-01 (EST).
  const int64_t july = DaysFromCivil(2128, 7, 1) * 86400;
  const int64_t january = DaysFromCivil(2129, 1, 1) * 86400;
  EXPECT_EQ(tz->OffsetSeconds(july), -4 * 3600);
  EXPECT_EQ(tz->OffsetSeconds(january), -5 * 3600);
}

TEST_F(TzifDirTest, FooterRuleForms) {
  // Julian-day (Jn, n) and Mm.w.d rules with explicit times, v3 negative times and a quoted name.
  Write("Test/Julian", V2({{}, {}, {0}}, "AAA-1BBB,J60/1,300/-1:30", '3'));
  Result<TimeZone> tz = TimeZone::Load("Test/Julian", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  // J60 is March 1 even in a leap year; DST starts at 01:00 local standard time (00:00 UTC).
  const int64_t mar1_2028 = DaysFromCivil(2028, 3, 1) * 86400;
  EXPECT_EQ(tz->OffsetSeconds(mar1_2028 - 1), 3600);
  EXPECT_EQ(tz->OffsetSeconds(mar1_2028), 7200);
  // Zero-based day 300 of 2028 is Oct 27 (leap year); ends at -01:30 local DST = Oct 26 20:30 UTC.
  const int64_t end_2028 = DaysFromCivil(2028, 10, 27) * 86400 - 5400 - 7200;
  EXPECT_EQ(tz->OffsetSeconds(end_2028 - 1), 7200);
  EXPECT_EQ(tz->OffsetSeconds(end_2028), 3600);

  Write("Test/Quoted", V2({{}, {}, {0}}, "<+0545>-5:45"));
  tz = TimeZone::Load("Test/Quoted", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->OffsetSeconds(0), 5 * 3600 + 45 * 60);

  // Last Sunday of the month (week 5), southern hemisphere ordering.
  Write("Test/South", V2({{}, {}, {0}}, "<-03>3<-02>,M10.5.0/0,M2.5.0/0"));
  tz = TimeZone::Load("Test/South", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->OffsetSeconds(DaysFromCivil(2030, 1, 10) * 86400), -2 * 3600);
  EXPECT_EQ(tz->OffsetSeconds(DaysFromCivil(2030, 6, 10) * 86400), -3 * 3600);
  // 2030-10-27 is the last Sunday of October: DST from 00:00 local standard (03:00 UTC).
  const int64_t oct27 = DaysFromCivil(2030, 10, 27) * 86400 + 3 * 3600;
  EXPECT_EQ(tz->OffsetSeconds(oct27 - 1), -3 * 3600);
  EXPECT_EQ(tz->OffsetSeconds(oct27), -2 * 3600);
}

TEST_F(TzifDirTest, MalformedFiles) {
  Write("Test/NotTzif", "# tzdb data for something\n");
  Result<TimeZone> tz = TimeZone::Load("Test/NotTzif", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kInvalidArgument);

  std::string truncated = V1({{1000, 2000}, {1, 2}, {100, 3600, 7200}});
  truncated.resize(truncated.size() - 10);
  Write("Test/Truncated", truncated);
  tz = TimeZone::Load("Test/Truncated", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kCorruption);

  Write("Test/BadType", V1({{1000}, {5}, {0}}));
  tz = TimeZone::Load("Test/BadType", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kCorruption);

  Write("Test/BadOffset", V1({{}, {}, {INT32_MIN}}));
  tz = TimeZone::Load("Test/BadOffset", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kCorruption);

  Write("Test/BadFooter", V2({{}, {}, {0}}, "EST5EDT"));  // DST without a rule
  tz = TimeZone::Load("Test/BadFooter", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kCorruption);
  EXPECT_NE(tz.error().message().find("EST5EDT"), std::string::npos);
}

TEST_F(TzifDirTest, TheDirectoryIsTheOverride) {
  // A real zone is unknown in a directory that lacks it.
  Result<TimeZone> tz = TimeZone::Load("Asia/Tokyo", dir_);
  ASSERT_FALSE(tz);
  EXPECT_EQ(tz.error().code(), Error::Code::kInvalidArgument);
  std::filesystem::copy_file(std::filesystem::path(TimeZone::kDefaultZoneInfoDir) / "Asia/Tokyo",
                             dir_ / "Test/Tokyo");
  tz = TimeZone::Load("Test/Tokyo", dir_);
  ASSERT_TRUE(tz) << tz.error().ToString();
  EXPECT_EQ(tz->OffsetSeconds(kNov25Ms / 1000), 9 * 3600);
}

}  // namespace
}  // namespace lakebox
