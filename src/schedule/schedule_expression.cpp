#include "schedule/schedule_expression.h"

#include <array>
#include <bitset>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "common/time.h"

namespace lakebox::schedule {
namespace {

constexpr int kMinYear = 1970, kMaxYear = 2199;
// The longest rate accepted: 100 years keeps every firing time inside system_clock's range.
constexpr int64_t kMaxRateSeconds = 36500LL * 86400;

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// The values of one field, indexed by value - min (years need 230 slots).
using ValueSet = std::bitset<kMaxYear - kMinYear + 1>;

struct FieldInfo {
  std::string_view name;  // as AWS's documentation names it
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] is value min + i; empty when none
  bool wraps;                               // a range may run past max back to min
  bool allows_increment;
  std::string_view hint;  // how to write a valid value
};

const FieldInfo kMinutes{"Minutes", 0, 59, {}, true, true, "use 0-59"};
const FieldInfo kHours{"Hours", 0, 23, {}, true, true, "use 0-23"};
const FieldInfo kDayOfMonth{"Day-of-month", 1, 31, {}, true, true, "use 1-31, L, LW or nW (e.g. 15W)"};
const FieldInfo kMonth{"Month", 1, 12, kMonthNames, true, true, "use 1-12 or JAN-DEC"};
const FieldInfo kDayOfWeek{"Day-of-week", 1, 7, kWeekdayNames, true, false,
                           "use 1-7 (1 = Sunday) or SUN-SAT, L, nL (e.g. 6L) or n#k (e.g. 2#1)"};
const FieldInfo kYear{"Year", kMinYear, kMaxYear, {}, false, true, "use 1970-2199"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A non-negative decimal integer that fits an int, or nullopt.
std::optional<int> ParseInt(std::string_view s) {
  if (!AllDigits(s)) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitBlanks(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

std::vector<std::string_view> SplitCommas(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// AWS numbering of the weekday of a civil date: 1 = Sunday ... 7 = Saturday.
int AwsWeekday(int64_t year, int month, int day) {
  return DayOfWeekFromDays(DaysFromCivil(year, month, day)) % 7 + 1;
}

// Parses one field made of comma-separated items (value, *, a-b, with /n where allowed).
class FieldParser {
 public:
  FieldParser(std::string_view expression, const FieldInfo& field) : expression_(expression), field_(field) {}

  Result<ValueSet> Parse(std::string_view text) const {
    ValueSet set;
    for (std::string_view item : SplitCommas(text)) {
      if (item.empty())
        return std::unexpected(Fail(fmt::format(
            "{} field '{}' has an empty list item; separate values with single commas, e.g. 1,15", field_.name,
            text)));
      LAKEBOX_TRY(AddItem(item, set));
    }
    return set;
  }

  Result<int> Value(std::string_view token) const {
    if (auto number = ParseInt(token)) {
      if (*number < field_.min || *number > field_.max)
        return std::unexpected(
            Fail(fmt::format("{} value {} is out of range; {}", field_.name, token, field_.hint)));
      return *number;
    }
    std::string upper = Upper(token);
    for (size_t i = 0; i < field_.names.size(); ++i)
      if (upper == field_.names[i]) return field_.min + static_cast<int>(i);
    return std::unexpected(Fail(fmt::format("{} value '{}' is not valid; {}", field_.name, token, field_.hint)));
  }

  Error Fail(std::string problem) const {
    return Error::InvalidArgument(fmt::format("{}: {}", expression_, problem));
  }

 private:
  Status AddItem(std::string_view item, ValueSet& set) const {
    int start = field_.min, end = field_.max, step = 1;
    std::string_view range = item;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!field_.allows_increment)
        return std::unexpected(Fail(fmt::format("'/' is not allowed in {} ('{}'); list the days instead, "
                                                "e.g. MON,WED,FRI",
                                                field_.name, item)));
      std::string_view increment = item.substr(slash + 1);
      auto parsed = ParseInt(increment);
      if (!parsed || *parsed < 1)
        return std::unexpected(Fail(fmt::format("{} increment in '{}' must be a positive integer, e.g. 0/5",
                                                field_.name, item)));
      step = *parsed;
      range = item.substr(0, slash);
      if (range.empty())
        return std::unexpected(Fail(fmt::format("{} item '{}' needs a start before '/', e.g. 0/5 or */5",
                                                field_.name, item)));
    }
    if (range == "*") {
      // '*' and '*/n' cover the whole field from its minimum.
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      auto first = Value(range.substr(0, dash));
      if (!first) return std::unexpected(first.error());
      auto last = Value(range.substr(dash + 1));
      if (!last) return std::unexpected(last.error());
      start = *first;
      end = *last;
      if (start > end && !field_.wraps)
        return std::unexpected(Fail(fmt::format("{} range '{}' runs backwards; write it as {}-{}", field_.name,
                                                range, range.substr(dash + 1), range.substr(0, dash))));
    } else {
      auto value = Value(range);
      if (!value) return std::unexpected(value.error());
      start = *value;
      // A single value is itself, unless an increment makes it the start of a run to the maximum.
      end = step > 1 || range.size() != item.size() ? field_.max : *value;
    }
    // Walk from start to end in steps, wrapping past max to min when the range runs backwards.
    int span = field_.max - field_.min + 1;
    int length = ((end - start) % span + span) % span;
    for (int offset = 0; offset <= length; offset += step)
      set.set(static_cast<size_t>((start - field_.min + offset) % span));
    return Ok();
  }

  std::string_view expression_;
  const FieldInfo& field_;
};

// The first set bit of `set` at or after index `from` below `limit`, or -1.
int NextSet(const ValueSet& set, int from, int limit) {
  for (int i = std::max(from, 0); i < limit; ++i)
    if (set.test(static_cast<size_t>(i))) return i;
  return -1;
}

}  // namespace

struct ScheduleExpression::Spec {
  bool is_rate = false;
  // rate
  std::chrono::seconds period{0};
  bool seconds_unit = false;
  // cron: each set indexed by value - field min.
  ValueSet minutes, hours, months, years;
  enum class DayRule {
    kDaysOfMonth,     // days_of_month
    kLastDay,         // L
    kLastWeekday,     // LW
    kNearestWeekday,  // nW: day
    kWeekdays,        // weekdays (bit 0 = Sunday)
    kLastOfWeekday,   // nL: weekday
    kNthWeekday,      // n#k: weekday, nth
  } day_rule = DayRule::kDaysOfMonth;
  ValueSet days_of_month, weekdays;
  int day = 0;
  int weekday = 0;  // 1 = Sunday
  int nth = 0;

  // Bit d set for each day d (1-31) of year-month on which the cron fires.
  uint32_t MatchingDays(int64_t year, int month) const;
  std::optional<Clock::time_point> NextCron(Clock::time_point after) const;
};

uint32_t ScheduleExpression::Spec::MatchingDays(int64_t year, int month) const {
  const int days_in_month = DaysInMonth(year, month);
  const int first_weekday = AwsWeekday(year, month, 1);
  auto weekday_of = [&](int d) { return (first_weekday - 1 + d - 1) % 7 + 1; };
  auto is_weekend = [&](int d) { return weekday_of(d) == 1 || weekday_of(d) == 7; };
  uint32_t days = 0;
  switch (day_rule) {
    case DayRule::kDaysOfMonth:
      for (int d = 1; d <= days_in_month; ++d)
        if (days_of_month.test(static_cast<size_t>(d - 1))) days |= 1u << d;
      break;
    case DayRule::kLastDay:
      days = 1u << days_in_month;
      break;
    case DayRule::kLastWeekday: {
      int d = days_in_month;
      while (is_weekend(d)) --d;
      days = 1u << d;
      break;
    }
    case DayRule::kNearestWeekday: {
      // Quartz's rule, which AWS follows: never leave the month, and a month without the day has no
      // firing (31W skips 30-day months).
      if (day > days_in_month) break;
      int d = day;
      if (weekday_of(d) == 7) d = d > 1 ? d - 1 : d + 2;                  // Saturday: Friday, or Monday 3rd
      else if (weekday_of(d) == 1) d = d < days_in_month ? d + 1 : d - 2;  // Sunday: Monday, or Friday
      days = 1u << d;
      break;
    }
    case DayRule::kWeekdays:
      for (int d = 1; d <= days_in_month; ++d)
        if (weekdays.test(static_cast<size_t>(weekday_of(d) - 1))) days |= 1u << d;
      break;
    case DayRule::kLastOfWeekday: {
      int d = days_in_month;
      while (weekday_of(d) != weekday) --d;
      days = 1u << d;
      break;
    }
    case DayRule::kNthWeekday: {
      int d = 1 + (weekday - first_weekday + 7) % 7 + 7 * (nth - 1);
      if (d <= days_in_month) days = 1u << d;
      break;
    }
  }
  return days;
}

std::optional<Clock::time_point> ScheduleExpression::Spec::NextCron(Clock::time_point after) const {
  // Candidate: the first whole minute after `after`; each field then moves it forward to the next
  // value that field allows, resetting the smaller fields, until all six agree.
  auto start = std::chrono::floor<std::chrono::minutes>(after) + std::chrono::minutes(1);
  CivilTime t = CivilFromUnixMillis(
      std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count());
  int64_t year = t.year;
  int month = t.month, day = t.day, hour = t.hour, minute = t.minute;
  if (year < kMinYear) year = kMinYear, month = 1, day = 1, hour = 0, minute = 0;

  auto next_month = [&] {
    if (++month > 12) month = 1, ++year;
    day = 1, hour = 0, minute = 0;
  };
  while (true) {
    if (year > kMaxYear) return std::nullopt;
    if (!years.test(static_cast<size_t>(year - kMinYear))) {
      int y = NextSet(years, static_cast<int>(year - kMinYear), kMaxYear - kMinYear + 1);
      if (y < 0) return std::nullopt;
      year = kMinYear + y, month = 1, day = 1, hour = 0, minute = 0;
    }
    if (!months.test(static_cast<size_t>(month - 1))) {
      int m = NextSet(months, month - 1, 12);
      if (m < 0) {
        month = 12;
        next_month();
        continue;
      }
      month = m + 1, day = 1, hour = 0, minute = 0;
    }
    uint32_t days = MatchingDays(year, month);
    int d = day;
    while (d <= 31 && !(days & (1u << d))) ++d;
    if (d > 31) {
      next_month();
      continue;
    }
    if (d != day) day = d, hour = 0, minute = 0;
    int h = NextSet(hours, hour, 24);
    if (h < 0) {
      ++day, hour = 0, minute = 0;  // a day past the month's end finds no match and moves on
      continue;
    }
    if (h != hour) hour = h, minute = 0;
    int m = NextSet(minutes, minute, 60);
    if (m < 0) {
      ++hour, minute = 0;
      if (hour > 23) ++day, hour = 0;
      continue;
    }
    CivilTime fire{.year = year, .month = month, .day = day, .hour = hour, .minute = m};
    return Clock::time_point(std::chrono::milliseconds(UnixMillisFromCivil(fire)));
  }
}

namespace {

Result<std::unique_ptr<ScheduleExpression::Spec>> ParseRate(std::string_view text, std::string_view body);
Result<std::unique_ptr<ScheduleExpression::Spec>> ParseCron(std::string_view text, std::string_view body);

}  // namespace

Result<ScheduleExpression> ScheduleExpression::Parse(std::string_view text) {
  auto fail = [&](std::string problem) {
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}", text, problem)));
  };
  if (text.empty())
    return std::unexpected(Error::InvalidArgument(
        "empty schedule expression: write rate(5 minutes) or cron(0 12 * * ? *)"));
  if (text.size() > kMaxLength)
    return fail(fmt::format("a schedule expression is at most {} characters", kMaxLength));
  if (std::isspace(static_cast<unsigned char>(text.front())) || std::isspace(static_cast<unsigned char>(text.back())))
    return fail("remove the blanks before and after the expression");
  Result<std::unique_ptr<Spec>> spec = std::unexpected(Error::Internal("unparsed"));
  if (text.starts_with("rate(") && text.ends_with(")")) {
    spec = ParseRate(text, text.substr(5, text.size() - 6));
  } else if (text.starts_with("cron(") && text.ends_with(")")) {
    spec = ParseCron(text, text.substr(5, text.size() - 6));
  } else {
    return fail("a schedule expression is rate(value unit) or cron(six fields), e.g. rate(5 minutes) or "
                "cron(0 12 * * ? *)");
  }
  if (!spec) return std::unexpected(spec.error());
  return ScheduleExpression(std::string(text), std::move(*spec));
}

namespace {

Result<std::unique_ptr<ScheduleExpression::Spec>> ParseRate(std::string_view text, std::string_view body) {
  auto fail = [&](std::string problem) {
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}", text, problem)));
  };
  std::vector<std::string_view> parts = SplitBlanks(body);
  if (parts.size() != 2) return fail("write rate(value unit), e.g. rate(5 minutes) or rate(1 hour)");
  auto value = ParseInt(parts[0]);
  if (!value || *value < 1)
    return fail(fmt::format("the value '{}' must be a positive integer, e.g. rate(5 minutes)", parts[0]));
  struct Unit {
    std::string_view singular, plural;
    int64_t seconds;
  };
  static constexpr Unit kUnits[] = {
      {"minute", "minutes", 60}, {"hour", "hours", 3600}, {"day", "days", 86400}, {"second", "seconds", 1}};
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits)
    if (parts[1] == u.singular || parts[1] == u.plural) unit = &u;
  if (!unit)
    return fail(fmt::format("unknown unit '{}'; use minute(s), hour(s) or day(s), e.g. rate(5 minutes) "
                            "(lakebox also takes second(s), which AWS does not)",
                            parts[1]));
  if (*value == 1 && parts[1] != unit->singular)
    return fail(fmt::format("use the singular unit for 1: rate(1 {})", unit->singular));
  if (*value > 1 && parts[1] != unit->plural)
    return fail(fmt::format("use the plural unit for values above 1: rate({} {})", *value, unit->plural));
  if (*value > kMaxRateSeconds / unit->seconds)
    return fail(fmt::format("the period is at most 100 years ({} {})", kMaxRateSeconds / unit->seconds,
                            unit->plural));
  auto spec = std::make_unique<ScheduleExpression::Spec>();
  spec->is_rate = true;
  spec->period = std::chrono::seconds(*value * unit->seconds);
  spec->seconds_unit = unit->seconds == 1;
  return spec;
}

// Day-of-month's special forms, each the whole field: L, LW, nW. Returns false if `field` is none.
Result<bool> ParseDayOfMonthSpecial(const FieldParser& parser, std::string_view field,
                                    ScheduleExpression::Spec& spec) {
  using DayRule = ScheduleExpression::Spec::DayRule;
  std::string upper = Upper(field);
  if (upper.find_first_of("LW") == std::string::npos) return false;
  if (upper == "L") {
    spec.day_rule = DayRule::kLastDay;
    return true;
  }
  if (upper == "LW") {
    spec.day_rule = DayRule::kLastWeekday;
    return true;
  }
  if (upper.size() >= 2 && upper.back() == 'W' && AllDigits(std::string_view(upper).substr(0, upper.size() - 1))) {
    auto day = parser.Value(std::string_view(field).substr(0, field.size() - 1));
    if (!day) return std::unexpected(day.error());
    spec.day_rule = DayRule::kNearestWeekday;
    spec.day = *day;
    return true;
  }
  return std::unexpected(parser.Fail(fmt::format(
      "Day-of-month '{}' is not valid: L (last day), LW (last weekday) and nW (weekday nearest day n, e.g. "
      "15W) must each be the whole field, and L-n is not supported",
      field)));
}

// Day-of-week's special forms, each the whole field: L, nL, n#k. Returns false if `field` is none.
Result<bool> ParseDayOfWeekSpecial(const FieldParser& parser, std::string_view field,
                                   ScheduleExpression::Spec& spec) {
  using DayRule = ScheduleExpression::Spec::DayRule;
  std::string upper = Upper(field);
  if (size_t hash = upper.find('#'); hash != std::string::npos) {
    if (upper.find_first_of(",-/") != std::string::npos)
      return std::unexpected(parser.Fail(fmt::format(
          "Day-of-week '{}': '#' must be the only expression in the field (3#1,6#3 is two); use one n#k, "
          "e.g. 2#1 for the first Monday",
          field)));
    auto weekday = parser.Value(std::string_view(field).substr(0, hash));
    if (!weekday) return std::unexpected(weekday.error());
    auto nth = ParseInt(std::string_view(field).substr(hash + 1));
    if (!nth || *nth < 1 || *nth > 5)
      return std::unexpected(parser.Fail(fmt::format(
          "Day-of-week '{}': the number after '#' is the week of the month, 1-5, e.g. 2#1 for the first "
          "Monday",
          field)));
    spec.day_rule = DayRule::kNthWeekday;
    spec.weekday = *weekday;
    spec.nth = *nth;
    return true;
  }
  if (upper == "L") {
    // Quartz's meaning, which AWS documents as "the last day of the week": Saturday.
    spec.day_rule = DayRule::kWeekdays;
    spec.weekdays.set(6);
    return true;
  }
  if (upper.size() >= 2 && upper.back() == 'L' && upper.find_first_of(",-/") == std::string::npos) {
    auto weekday = parser.Value(std::string_view(field).substr(0, field.size() - 1));
    if (!weekday) return std::unexpected(weekday.error());
    spec.day_rule = DayRule::kLastOfWeekday;
    spec.weekday = *weekday;
    return true;
  }
  // A weekday name contains no L, so an L here is misplaced.
  if (upper.find('L') != std::string::npos)
    return std::unexpected(parser.Fail(fmt::format(
        "Day-of-week '{}' is not valid: L (Saturday) and nL (last weekday n of the month, e.g. 6L for the "
        "last Friday) must each be the whole field",
        field)));
  return false;
}

Result<std::unique_ptr<ScheduleExpression::Spec>> ParseCron(std::string_view text, std::string_view body) {
  auto fail = [&](std::string problem) {
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}", text, problem)));
  };
  std::vector<std::string_view> fields = SplitBlanks(body);
  if (fields.size() != 6)
    return fail(fmt::format("cron needs six fields (Minutes Hours Day-of-month Month Day-of-week Year), found "
                            "{}; e.g. cron(0 12 * * ? *) runs every day at 12:00 UTC",
                            fields.size()));
  const std::string_view dom = fields[2], dow = fields[4];
  if (dom == "?" && dow == "?")
    return fail("Day-of-month and Day-of-week cannot both be '?'; give one of them, e.g. "
                "cron(0 12 * * ? *) (every day) or cron(0 12 ? * MON *) (Mondays)");
  if (dom != "?" && dow != "?")
    return fail(fmt::format("Day-of-month and Day-of-week cannot both be specified; use '?' in one of them, "
                            "e.g. cron({} {} {} {} ? {})",
                            fields[0], fields[1], fields[2], fields[3], fields[5]));
  static const FieldInfo* const kFields[] = {&kMinutes, &kHours, &kDayOfMonth, &kMonth, &kDayOfWeek, &kYear};
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].find('?') != std::string_view::npos && !(fields[i] == "?" && (i == 2 || i == 4)))
      return fail(fmt::format("'?' is only allowed as the whole Day-of-month or Day-of-week field, not in {} "
                              "('{}')",
                              kFields[i]->name, fields[i]));

  auto spec = std::make_unique<ScheduleExpression::Spec>();
  auto parse_into = [&](const FieldInfo& field, std::string_view value, ValueSet& out) -> Status {
    auto set = FieldParser(text, field).Parse(value);
    if (!set) return std::unexpected(set.error());
    out = *set;
    return Ok();
  };
  LAKEBOX_TRY(parse_into(kMinutes, fields[0], spec->minutes));
  LAKEBOX_TRY(parse_into(kHours, fields[1], spec->hours));
  LAKEBOX_TRY(parse_into(kMonth, fields[3], spec->months));
  LAKEBOX_TRY(parse_into(kYear, fields[5], spec->years));
  if (dom != "?") {
    FieldParser parser(text, kDayOfMonth);
    LAKEBOX_ASSIGN_OR_RETURN(bool special, ParseDayOfMonthSpecial(parser, dom, *spec));
    if (!special) {
      spec->day_rule = ScheduleExpression::Spec::DayRule::kDaysOfMonth;
      LAKEBOX_TRY(parse_into(kDayOfMonth, dom, spec->days_of_month));
    }
  } else {
    FieldParser parser(text, kDayOfWeek);
    LAKEBOX_ASSIGN_OR_RETURN(bool special, ParseDayOfWeekSpecial(parser, dow, *spec));
    if (!special) {
      spec->day_rule = ScheduleExpression::Spec::DayRule::kWeekdays;
      LAKEBOX_TRY(parse_into(kDayOfWeek, dow, spec->weekdays));
    }
  }
  return spec;
}

}  // namespace

std::optional<Clock::time_point> ScheduleExpression::NextAfter(Clock::time_point after,
                                                               Clock::time_point anchor) const {
  if (!spec_->is_rate) return spec_->NextCron(after);
  using Ticks = Clock::duration::rep;
  const Ticks period = std::chrono::duration_cast<Clock::duration>(spec_->period).count();
  Ticks k = 1;
  if (after >= anchor) {
    Ticks elapsed = 0;
    if (__builtin_sub_overflow(after.time_since_epoch().count(), anchor.time_since_epoch().count(), &elapsed))
      return std::nullopt;
    k = elapsed / period + 1;
  }
  Ticks offset = 0, next = 0;
  if (__builtin_mul_overflow(k, period, &offset) ||
      __builtin_add_overflow(anchor.time_since_epoch().count(), offset, &next))
    return std::nullopt;
  return Clock::time_point(Clock::duration(next));
}

bool ScheduleExpression::is_rate() const { return spec_->is_rate; }
std::chrono::seconds ScheduleExpression::rate_period() const { return spec_->period; }
bool ScheduleExpression::is_lakebox_extension() const { return spec_->is_rate && spec_->seconds_unit; }

ScheduleExpression::ScheduleExpression(std::string text, std::unique_ptr<Spec> spec)
    : text_(std::move(text)), spec_(std::move(spec)) {}
ScheduleExpression::ScheduleExpression(const ScheduleExpression& other)
    : text_(other.text_), spec_(std::make_unique<Spec>(*other.spec_)) {}
ScheduleExpression& ScheduleExpression::operator=(const ScheduleExpression& other) {
  if (this != &other) {
    text_ = other.text_;
    spec_ = std::make_unique<Spec>(*other.spec_);
  }
  return *this;
}
ScheduleExpression::ScheduleExpression(ScheduleExpression&&) noexcept = default;
ScheduleExpression& ScheduleExpression::operator=(ScheduleExpression&&) noexcept = default;
ScheduleExpression::~ScheduleExpression() = default;

}  // namespace lakebox::schedule
