// Wall-clock time, civil (calendar) time, and IANA time zones, without the C library's
// TZ-environment-dependent functions (localtime, timegm, mktime).
//
// Instants are int64 milliseconds (or seconds where named so) since 1970-01-01T00:00:00Z.
// Civil conversions use the proleptic Gregorian calendar and are exact for every int64 day count
// that fits a year in int64; leap seconds do not exist here (POSIX time).
//
// A TimeZone is loaded once from a TZif file (RFC 8536, versions 1-4) under /usr/share/zoneinfo
// (Debian package `tzdata`) and is then an immutable value: cheap to copy (one shared_ptr), and
// safe to use from any number of threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox {

// The system clock, in epoch milliseconds.
int64_t NowMillis();

// A broken-down civil time. The fields are always normalised (month 1-12, day 1-31, ...).
struct CivilTime {
  int64_t year = 1970;
  int month = 1;        // 1-12
  int day = 1;          // 1-31
  int hour = 0;         // 0-23
  int minute = 0;       // 0-59
  int second = 0;       // 0-59
  int millisecond = 0;  // 0-999
  int day_of_week = 4;  // ISO numbering: 1 = Monday ... 7 = Sunday
  int day_of_year = 1;  // 1-366

  bool operator==(const CivilTime&) const = default;
};

bool IsLeapYear(int64_t year);
int DaysInMonth(int64_t year, int month);  // REQUIRES: 1 <= month <= 12
// Days since 1970-01-01 of year-month-day. REQUIRES: 1 <= month <= 12; `day` may be any value
// (day 0 is the last day of the previous month, and so on).
int64_t DaysFromCivil(int64_t year, int month, int day);
// ISO day of week (1 = Monday ... 7 = Sunday) of a day count from DaysFromCivil.
int DayOfWeekFromDays(int64_t days);

// The UTC civil time of an instant, and back. UnixMillisFromCivil reads year..millisecond only
// (day_of_week and day_of_year are ignored) and REQUIRES 1 <= month <= 12.
CivilTime CivilFromUnixMillis(int64_t ms);
int64_t UnixMillisFromCivil(const CivilTime& t);

// "2026-11-25T22:16:52.123Z" (UTC, always three fraction digits).
std::string FormatIso8601Millis(int64_t ms);

// An IANA time zone: its UTC offset at any instant, from the zone's transition table and, for
// instants after the last listed transition, its POSIX TZ rule (the TZif v2+ footer).
class TimeZone {
 public:
  static constexpr std::string_view kDefaultZoneInfoDir = "/usr/share/zoneinfo";

  // UTC.
  TimeZone();
  static TimeZone Utc();

  // Loads `iana_name` (e.g. "Asia/Tokyo") from `zoneinfo_dir`. "" and "UTC" are UTC without
  // reading any file. Errors:
  //  - InvalidArgument for a name containing "..", starting with '/', or with characters outside
  //    [A-Za-z0-9/_+-], and for a name with no TZif file ("unknown time zone X: use an IANA name
  //    such as Asia/Tokyo");
  //  - Corruption for a file that starts like TZif but is malformed, or whose footer rule cannot
  //    be parsed.
  static Result<TimeZone> Load(std::string_view iana_name,
                               const std::filesystem::path& zoneinfo_dir = kDefaultZoneInfoDir);

  // The name it was loaded by ("UTC" for UTC).
  const std::string& name() const;

  // Seconds east of UTC in effect at `utc_seconds` (Asia/Tokyo: 32400).
  int32_t OffsetSeconds(int64_t utc_seconds) const;

  // The local civil time at an instant.
  CivilTime ToCivil(int64_t utc_ms) const;

 private:
  struct Data;
  explicit TimeZone(std::shared_ptr<const Data> data);

  std::shared_ptr<const Data> data_;
};

}  // namespace lakebox
