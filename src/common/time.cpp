#include "common/time.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace lakebox {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kMillisPerDay = kSecondsPerDay * 1000;
constexpr int32_t kMaxUtcOffset = 26 * 3600;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct CivilDate {
  int64_t year;
  int month;
  int day;
};

// Inverse of DaysFromCivil. Works in 400-year eras (146097 days) of years that start on
// March 1, so the leap day is the last day of its year and needs no special case.
CivilDate CivilFromDays(int64_t days) {
  const int64_t shifted = days + 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = FloorDiv(shifted, 146097);
  const int64_t day_of_era = shifted - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_march_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t march_month = (5 * day_of_march_year + 2) / 153;               // 0 = March
  const int day = static_cast<int>(day_of_march_year - (153 * march_month + 2) / 5 + 1);
  const int month = static_cast<int>(march_month < 10 ? march_month + 3 : march_month - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// ---- POSIX TZ rules (the TZif footer), e.g. "CET-1CEST,M3.5.0,M10.5.0/3" ----

struct PosixDate {
  enum class Kind { kJulianNoLeap, kZeroBased, kMonthWeekDay };
  Kind kind = Kind::kMonthWeekDay;
  int day = 0;      // Jn: 1-365; n: 0-365
  int month = 0;    // Mm.w.d
  int week = 0;     // 1-5, 5 = the last such weekday of the month
  int weekday = 0;  // 0 = Sunday
  int32_t time = 7200;  // local seconds after midnight; may be negative or exceed a day (v3)
};

struct PosixTz {
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  PosixDate start;  // DST begins (expressed in standard time)
  PosixDate end;    // DST ends (expressed in daylight time)
};

class PosixTzParser {
 public:
  explicit PosixTzParser(std::string_view s) : s_(s) {}

  std::optional<PosixTz> Parse() {
    PosixTz tz;
    if (!SkipName()) return std::nullopt;
    std::optional<int32_t> std_west = ParseHms(24);
    if (!std_west) return std::nullopt;
    tz.std_offset = -*std_west;
    if (AtEnd()) return tz;
    if (!SkipName()) return std::nullopt;
    tz.has_dst = true;
    tz.dst_offset = tz.std_offset + 3600;
    if (!AtEnd() && Peek() != ',') {
      std::optional<int32_t> dst_west = ParseHms(24);
      if (!dst_west) return std::nullopt;
      tz.dst_offset = -*dst_west;
    }
    // POSIX leaves the default rule to the implementation; tzdata always writes one.
    if (!Consume(',')) return std::nullopt;
    std::optional<PosixDate> start = ParseDate();
    if (!start || !Consume(',')) return std::nullopt;
    std::optional<PosixDate> end = ParseDate();
    if (!end || !AtEnd()) return std::nullopt;
    tz.start = *start;
    tz.end = *end;
    return tz;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || Peek() != c) return false;
    ++pos_;
    return true;
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  // "<+0330>" or three or more letters; the abbreviation itself is not needed.
  bool SkipName() {
    if (Consume('<')) {
      size_t close = s_.find('>', pos_);
      if (close == std::string_view::npos || close == pos_) return false;
      pos_ = close + 1;
      return true;
    }
    size_t begin = pos_;
    while (!AtEnd() && IsAlpha(Peek())) ++pos_;
    return pos_ - begin >= 3;
  }

  std::optional<int> ParseInt(int max_digits) {
    size_t begin = pos_;
    int value = 0;
    while (!AtEnd() && IsDigit(Peek()) && pos_ - begin < static_cast<size_t>(max_digits)) {
      value = value * 10 + (Peek() - '0');
      ++pos_;
    }
    if (pos_ == begin) return std::nullopt;
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds, with the sign as written.
  std::optional<int32_t> ParseHms(int max_hours) {
    int sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    std::optional<int> hours = ParseInt(3);
    if (!hours || *hours > max_hours) return std::nullopt;
    int minutes = 0;
    int seconds = 0;
    if (Consume(':')) {
      std::optional<int> m = ParseInt(2);
      if (!m || *m > 59) return std::nullopt;
      minutes = *m;
      if (Consume(':')) {
        std::optional<int> sec = ParseInt(2);
        if (!sec || *sec > 59) return std::nullopt;
        seconds = *sec;
      }
    }
    return sign * (*hours * 3600 + minutes * 60 + seconds);
  }

  std::optional<PosixDate> ParseDate() {
    PosixDate d;
    if (Consume('J')) {
      std::optional<int> n = ParseInt(3);
      if (!n || *n < 1 || *n > 365) return std::nullopt;
      d.kind = PosixDate::Kind::kJulianNoLeap;
      d.day = *n;
    } else if (Consume('M')) {
      std::optional<int> month = ParseInt(2);
      if (!month || *month < 1 || *month > 12 || !Consume('.')) return std::nullopt;
      std::optional<int> week = ParseInt(1);
      if (!week || *week < 1 || *week > 5 || !Consume('.')) return std::nullopt;
      std::optional<int> weekday = ParseInt(1);
      if (!weekday || *weekday > 6) return std::nullopt;
      d.kind = PosixDate::Kind::kMonthWeekDay;
      d.month = *month;
      d.week = *week;
      d.weekday = *weekday;
    } else {
      std::optional<int> n = ParseInt(3);
      if (!n || *n > 365) return std::nullopt;
      d.kind = PosixDate::Kind::kZeroBased;
      d.day = *n;
    }
    if (Consume('/')) {
      // TZif v3 allows -167..167 hours here.
      std::optional<int32_t> t = ParseHms(167);
      if (!t) return std::nullopt;
      d.time = *t;
    }
    return d;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

int64_t PosixDateDays(const PosixDate& d, int64_t year) {
  const int64_t jan1 = DaysFromCivil(year, 1, 1);
  switch (d.kind) {
    case PosixDate::Kind::kJulianNoLeap:
      // Jn never counts February 29: day 60 is always March 1.
      return jan1 + d.day - 1 + (IsLeapYear(year) && d.day >= 60 ? 1 : 0);
    case PosixDate::Kind::kZeroBased:
      return jan1 + d.day;
    case PosixDate::Kind::kMonthWeekDay: {
      const int64_t first = DaysFromCivil(year, d.month, 1);
      const int first_weekday = DayOfWeekFromDays(first) % 7;  // 0 = Sunday
      int64_t day = first + (d.weekday - first_weekday + 7) % 7 + 7 * (d.week - 1);
      const int64_t month_end = first + DaysInMonth(year, d.month);
      while (day >= month_end) day -= 7;
      return day;
    }
  }
  return jan1;
}

int32_t PosixOffset(const PosixTz& tz, int64_t utc_seconds) {
  if (!tz.has_dst) return tz.std_offset;
  const int64_t year =
      CivilFromDays(FloorDiv(utc_seconds + tz.std_offset, kSecondsPerDay)).year;
  const int64_t start =
      PosixDateDays(tz.start, year) * kSecondsPerDay + tz.start.time - tz.std_offset;
  const int64_t end = PosixDateDays(tz.end, year) * kSecondsPerDay + tz.end.time - tz.dst_offset;
  // Southern-hemisphere rules have DST across New Year: start after end within one year.
  const bool dst = start < end ? (utc_seconds >= start && utc_seconds < end)
                               : !(utc_seconds >= end && utc_seconds < start);
  return dst ? tz.dst_offset : tz.std_offset;
}

// ---- TZif ----

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool Skip(uint64_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  std::optional<uint64_t> ReadBigEndian(int width) {
    if (remaining() < static_cast<size_t>(width)) return std::nullopt;
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    return v;
  }
  std::string_view Rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  uint64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  uint64_t DataSize(int time_width) const {
    return timecnt * (time_width + 1) + typecnt * 6 + charcnt + leapcnt * (time_width + 4) +
           isstdcnt + isutcnt;
  }
};

std::optional<TzifHeader> ReadTzifHeader(ByteReader& r, std::string_view bytes) {
  if (r.remaining() < 44 || bytes.substr(r.pos(), 4) != "TZif") return std::nullopt;
  TzifHeader h;
  h.version = bytes[r.pos() + 4];
  r.Skip(20);
  std::array<uint64_t*, 6> counts = {&h.isutcnt, &h.isstdcnt, &h.leapcnt,
                                     &h.timecnt, &h.typecnt,  &h.charcnt};
  for (uint64_t* c : counts) *c = *r.ReadBigEndian(4);
  return h;
}

}  // namespace

// ---- civil time ----

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsLeapYear(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // Count in March-based years so that February's length only matters at a year's end.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t year_of_era = y - era * 400;                     // [0, 399]
  const int64_t march_month = (month + 9) % 12;                  // 0 = March
  const int64_t day_of_year = (153 * march_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int DayOfWeekFromDays(int64_t days) {
  // 1970-01-01 was a Thursday (ISO 4).
  return static_cast<int>((days + 3) - FloorDiv(days + 3, 7) * 7) + 1;
}

CivilTime CivilFromUnixMillis(int64_t ms) {
  const int64_t days = FloorDiv(ms, kMillisPerDay);
  const int64_t ms_of_day = ms - days * kMillisPerDay;
  const CivilDate date = CivilFromDays(days);
  CivilTime t;
  t.year = date.year;
  t.month = date.month;
  t.day = date.day;
  t.hour = static_cast<int>(ms_of_day / 3'600'000);
  t.minute = static_cast<int>(ms_of_day / 60'000 % 60);
  t.second = static_cast<int>(ms_of_day / 1000 % 60);
  t.millisecond = static_cast<int>(ms_of_day % 1000);
  t.day_of_week = DayOfWeekFromDays(days);
  t.day_of_year = static_cast<int>(days - DaysFromCivil(date.year, 1, 1) + 1);
  return t;
}

int64_t UnixMillisFromCivil(const CivilTime& t) {
  return DaysFromCivil(t.year, t.month, t.day) * kMillisPerDay + t.hour * 3'600'000LL +
         t.minute * 60'000LL + t.second * 1000LL + t.millisecond;
}

std::string FormatIso8601Millis(int64_t ms) {
  const CivilTime t = CivilFromUnixMillis(ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.year, t.month, t.day, t.hour,
                     t.minute, t.second, t.millisecond);
}

// ---- TimeZone ----

namespace {

struct ZoneRules {
  int32_t initial_offset = 0;             // before the first transition: time type 0
  std::vector<int64_t> transition_times;  // ascending UTC seconds
  std::vector<int32_t> transition_offsets;
  std::optional<PosixTz> rule;            // after the last transition
};

Error UnknownZone(std::string_view name) {
  return Error::InvalidArgument(
      fmt::format("unknown time zone {}: use an IANA name such as Asia/Tokyo", name));
}

Result<ZoneRules> ParseTzif(std::string_view name, std::string_view bytes);

}  // namespace

struct TimeZone::Data {
  std::string name;
  ZoneRules rules;
};

TimeZone::TimeZone() : TimeZone(Utc()) {}

TimeZone::TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

TimeZone TimeZone::Utc() {
  static const std::shared_ptr<const Data> kUtc = [] {
    auto d = std::make_shared<Data>();
    d->name = "UTC";
    return d;
  }();
  return TimeZone(kUtc);
}

Result<TimeZone> TimeZone::Load(std::string_view iana_name,
                                const std::filesystem::path& zoneinfo_dir) {
  if (iana_name.empty() || iana_name == "UTC") return Utc();
  const bool bad_chars = std::any_of(iana_name.begin(), iana_name.end(), [](char c) {
    return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '/' || c == '_' || c == '+' || c == '-');
  });
  if (bad_chars || iana_name.front() == '/' || iana_name.find("..") != std::string_view::npos) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "invalid time zone name '{}': an IANA name has only letters, digits and / _ + - "
        "(e.g. Asia/Tokyo)",
        iana_name)));
  }
  const std::filesystem::path path = zoneinfo_dir / std::string(iana_name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::unexpected(UnknownZone(iana_name));
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(Error::IoFromErrno("open", path.string()));
  // Real TZif files are a few KiB; the cap keeps a stray huge file from being slurped.
  constexpr size_t kMaxTzifBytes = 1 << 20;
  std::string bytes;
  bytes.resize(kMaxTzifBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > kMaxTzifBytes) return std::unexpected(UnknownZone(iana_name));
  auto data = std::make_shared<Data>();
  data->name = std::string(iana_name);
  LAKEBOX_ASSIGN_OR_RETURN(data->rules, ParseTzif(iana_name, bytes));
  return TimeZone(std::move(data));
}

const std::string& TimeZone::name() const { return data_->name; }

int32_t TimeZone::OffsetSeconds(int64_t utc_seconds) const {
  const ZoneRules& d = data_->rules;
  if (d.transition_times.empty() || utc_seconds >= d.transition_times.back()) {
    if (d.rule) return PosixOffset(*d.rule, utc_seconds);
    return d.transition_offsets.empty() ? d.initial_offset : d.transition_offsets.back();
  }
  auto it = std::upper_bound(d.transition_times.begin(), d.transition_times.end(), utc_seconds);
  if (it == d.transition_times.begin()) return d.initial_offset;
  return d.transition_offsets[static_cast<size_t>(it - d.transition_times.begin()) - 1];
}

CivilTime TimeZone::ToCivil(int64_t utc_ms) const {
  const int32_t offset = OffsetSeconds(FloorDiv(utc_ms, 1000));
  return CivilFromUnixMillis(utc_ms + int64_t{offset} * 1000);
}

namespace {

Result<ZoneRules> ParseTzif(std::string_view name, std::string_view bytes) {
  auto corrupt = [&](std::string_view why) {
    return std::unexpected(
        Error::Corruption(fmt::format("time zone file for {} is malformed: {}", name, why)));
  };
  ByteReader r(bytes);
  std::optional<TzifHeader> h = ReadTzifHeader(r, bytes);
  if (!h) return std::unexpected(UnknownZone(name));  // not a TZif file (e.g. zone.tab)
  int time_width = 4;
  if (h->version >= '2') {
    // Skip the 32-bit v1 block: the v2+ block that follows has 64-bit times and a footer.
    if (!r.Skip(h->DataSize(4))) return corrupt("truncated v1 data");
    h = ReadTzifHeader(r, bytes);
    if (!h) return corrupt("missing v2 header");
    time_width = 8;
  }
  if (h->typecnt == 0) return corrupt("no time types");
  if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
      (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
    return corrupt("inconsistent counts");
  }
  if (h->DataSize(time_width) > r.remaining()) return corrupt("truncated data");

  std::vector<int64_t> times(h->timecnt);
  for (int64_t& t : times) {
    uint64_t raw = *r.ReadBigEndian(time_width);
    t = time_width == 4 ? static_cast<int32_t>(raw) : static_cast<int64_t>(raw);
  }
  if (!std::is_sorted(times.begin(), times.end())) return corrupt("transitions out of order");
  std::vector<uint8_t> type_of(h->timecnt);
  for (uint8_t& t : type_of) {
    t = static_cast<uint8_t>(*r.ReadBigEndian(1));
    if (t >= h->typecnt) return corrupt("transition names an unknown time type");
  }
  std::vector<int32_t> type_offsets(h->typecnt);
  for (int32_t& off : type_offsets) {
    off = static_cast<int32_t>(*r.ReadBigEndian(4));
    r.Skip(2);  // isdst, abbreviation index: not needed for offsets
    // Real offsets stay within about 16 hours; this also keeps -offset from overflowing.
    if (off < -kMaxUtcOffset || off > kMaxUtcOffset) return corrupt("implausible UTC offset");
  }
  // Abbreviations, leap seconds (POSIX time ignores them) and the std/wall and UT/local
  // indicators (only used for POSIX-TZ-less rule files) are not needed.
  r.Skip(h->charcnt + h->leapcnt * (time_width + 4) + h->isstdcnt + h->isutcnt);

  ZoneRules zone;
  zone.initial_offset = type_offsets[0];
  zone.transition_times = std::move(times);
  zone.transition_offsets.reserve(type_of.size());
  for (uint8_t t : type_of) zone.transition_offsets.push_back(type_offsets[t]);

  if (time_width == 8) {
    std::string_view rest = r.Rest();
    if (rest.empty() || rest.front() != '\n') return corrupt("missing footer");
    size_t close = rest.find('\n', 1);
    if (close == std::string_view::npos) return corrupt("unterminated footer");
    std::string_view footer = rest.substr(1, close - 1);
    if (!footer.empty()) {
      std::optional<PosixTz> rule = PosixTzParser(footer).Parse();
      if (!rule) {
        return std::unexpected(Error::Corruption(
            fmt::format("time zone file for {} has an unsupported rule '{}'", name, footer)));
      }
      zone.rule = *rule;
    }
  }
  return zone;
}

}  // namespace

}  // namespace lakebox
