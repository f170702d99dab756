#include "ingest/prefix_expression.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace lakebox::ingest {
namespace {

// ---- English (en_US) text, as java.time prints it ----

constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kDayNames = {  // ISO order: Monday first
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 4> kQuarterNames = {"1st quarter", "2nd quarter",
                                                           "3rd quarter", "4th quarter"};

// Java's en_US week definition (WeekFields.of(Locale.US)): weeks start on Sunday (ISO 7) and
// the first week of a year needs only one day in it, i.e. week 1 is the week holding Jan 1.
constexpr int kWeekStartIsoDay = 7;
constexpr int kMinimalDaysInFirstWeek = 1;

// The longest `!{firehose:error-output-type}` an S3 destination produces
// (format-conversion-failed).
constexpr size_t kMaxErrorOutputTypeLength = kFormatConversionFailed.size();
constexpr size_t kRandomStringLength = 11;
// CustomTimeZone is at most 50 characters (model constraint); VV prints the zone id.
constexpr size_t kMaxZoneIdLength = 50;

int FloorMod(int64_t a, int b) { return static_cast<int>(((a % b) + b) % b); }

int LocalizedDayOfWeek(int iso_day) { return FloorMod(iso_day - kWeekStartIsoDay, 7) + 1; }

// The java.time week arithmetic (WeekFields): `day` is a day of the year (or month) whose
// localized day of week is `dow`; the result is where week 1 starts relative to day 1.
int StartOfWeekOffset(int day, int dow) {
  const int week_start = FloorMod(day - dow, 7);
  return week_start + 1 > kMinimalDaysInFirstWeek ? 7 - week_start : -week_start;
}
int ComputeWeek(int offset, int day) { return (7 + offset + (day - 1)) / 7; }

int DaysInYear(int64_t year) { return IsLeapYear(year) ? 366 : 365; }

int64_t WeekBasedYear(const CivilTime& t) {
  const int offset = StartOfWeekOffset(t.day_of_year, LocalizedDayOfWeek(t.day_of_week));
  const int week = ComputeWeek(offset, t.day_of_year);
  if (week == 0) return t.year - 1;
  const int new_year_week = ComputeWeek(offset, DaysInYear(t.year) + kMinimalDaysInFirstWeek);
  return week >= new_year_week ? t.year + 1 : t.year;
}

int WeekOfWeekBasedYear(const CivilTime& t) {
  const int offset = StartOfWeekOffset(t.day_of_year, LocalizedDayOfWeek(t.day_of_week));
  const int week = ComputeWeek(offset, t.day_of_year);
  if (week == 0) {
    // The day belongs to the last week of the previous year: count from that year's Dec 31.
    const int64_t dec31 = DaysFromCivil(t.year - 1, 12, 31);
    CivilTime last = t;
    last.year = t.year - 1;
    last.month = 12;
    last.day = 31;
    last.day_of_year = DaysInYear(t.year - 1);
    last.day_of_week = DayOfWeekFromDays(dec31);
    return WeekOfWeekBasedYear(last);
  }
  if (week > 50) {
    const int new_year_week = ComputeWeek(offset, DaysInYear(t.year) + kMinimalDaysInFirstWeek);
    if (week >= new_year_week) return week - new_year_week + 1;
  }
  return week;
}

// Java's SignStyle: NORMAL prints '-' for negatives only; EXCEEDS_PAD also prints '+' when the
// value needs more digits than the minimum width.
void AppendNumber(std::string& out, int64_t value, int min_width, bool exceeds_pad = false) {
  const uint64_t magnitude =
      value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits = fmt::format("{}", magnitude);
  if (value < 0) {
    out += '-';
  } else if (exceeds_pad && digits.size() > static_cast<size_t>(min_width)) {
    out += '+';
  }
  if (digits.size() < static_cast<size_t>(min_width)) out.append(min_width - digits.size(), '0');
  out += digits;
}

// A year field: `yy` prints the last two digits; 4+ letters pad and mark overflow with '+'.
void AppendYear(std::string& out, int64_t year, int count) {
  if (count == 2) {
    AppendNumber(out, FloorMod(year, 100), 2);
  } else {
    AppendNumber(out, year, count, count >= 4);
  }
}

// English text fields: 4 letters the full name, 5 the narrow form (its first letter), fewer
// the three-letter short form.
void AppendText(std::string& out, std::string_view full, int count) {
  if (count == 4) {
    out += full;
  } else if (count == 5) {
    out += full.substr(0, 1);
  } else {
    out += full.substr(0, 3);
  }
}

struct OffsetStyle {
  bool colon = false;
  enum Part { kNone, kOptional, kMandatory };
  Part minutes = kMandatory;
  Part seconds = kNone;
  std::string_view zero_text;
};

void AppendOffset(std::string& out, int32_t offset, const OffsetStyle& style) {
  if (offset == 0) {
    out += style.zero_text;
    return;
  }
  const int32_t abs_offset = offset < 0 ? -offset : offset;
  const int hours = abs_offset / 3600;
  const int minutes = abs_offset / 60 % 60;
  const int seconds = abs_offset % 60;
  out += offset < 0 ? '-' : '+';
  out += fmt::format("{:02}", hours);
  const bool print_minutes = style.minutes == OffsetStyle::kMandatory ||
                             (style.minutes == OffsetStyle::kOptional && (minutes | seconds) != 0);
  if (!print_minutes) return;
  if (style.colon) out += ':';
  out += fmt::format("{:02}", minutes);
  const bool print_seconds = style.seconds == OffsetStyle::kMandatory ||
                             (style.seconds == OffsetStyle::kOptional && seconds != 0);
  if (!print_seconds) return;
  if (style.colon) out += ':';
  out += fmt::format("{:02}", seconds);
}

// X / x / Z with 1-5 letters, as DateTimeFormatterBuilder maps them.
OffsetStyle OffsetStyleFor(char letter, int count) {
  using P = OffsetStyle::Part;
  static constexpr std::array<std::string_view, 5> kZeroForX = {"+00", "+0000", "+00:00",
                                                                 "+0000", "+00:00"};
  if (letter == 'Z') {
    if (count <= 3) return {false, P::kMandatory, P::kNone, "+0000"};
    return {true, P::kMandatory, P::kOptional, "Z"};  // 5; 4 is the localized "GMT" form
  }
  OffsetStyle s;
  switch (count) {
    case 1: s = {false, P::kOptional, P::kNone, ""}; break;
    case 2: s = {false, P::kMandatory, P::kNone, ""}; break;
    case 3: s = {true, P::kMandatory, P::kNone, ""}; break;
    case 4: s = {false, P::kMandatory, P::kOptional, ""}; break;
    default: s = {true, P::kMandatory, P::kOptional, ""}; break;
  }
  s.zero_text = letter == 'X' ? std::string_view("Z") : kZeroForX[count - 1];
  return s;
}

// The largest count Java accepts for a letter (0: any count up to 19).
int MaxLetterCount(char letter) {
  switch (letter) {
    case 'd': case 'h': case 'H': case 'k': case 'K': case 'm': case 's': case 'w':
      return 2;
    case 'D':
      return 3;
    case 'a':
      return 1;
    case 'S':
      return 9;
    case 'G': case 'M': case 'L': case 'Q': case 'q': case 'E': case 'e': case 'c':
    case 'X': case 'x': case 'Z':
      return 5;
    default:
      return 19;
  }
}

constexpr std::string_view kSupportedLetters = "GuyYQqMLwdDEecaHkKhmsSAnNVXxZ";
constexpr std::string_view kUnsupportedJavaLetters = "zvOWFBp";

constexpr uint64_t kUuidDomain = 0x7575696473756666ULL;  // keeps uuids apart from random strings

struct LocalTime {
  CivilTime civil;
  int32_t offset = 0;
};

LocalTime ToLocal(int64_t epoch_ms, const TimeZone& zone) {
  const int64_t seconds = epoch_ms / 1000 - (epoch_ms % 1000 < 0 ? 1 : 0);  // floor
  const int32_t offset = zone.OffsetSeconds(seconds);
  return {CivilFromUnixMillis(epoch_ms + int64_t{offset} * 1000), offset};
}

}  // namespace

uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// ---- TimestampFormat ----

Result<TimestampFormat> TimestampFormat::Compile(std::string_view pattern) {
  auto fail = [](std::string message) { return std::unexpected(Error::InvalidArgument(message)); };
  if (pattern.empty()) return fail("empty timestamp pattern");
  TimestampFormat f;
  f.pattern_ = std::string(pattern);
  auto add_literal = [&f](std::string_view text) {
    if (!f.tokens_.empty() && f.tokens_.back().letter == 0) {
      f.tokens_.back().text += text;
    } else {
      f.tokens_.push_back({0, 0, std::string(text)});
    }
  };
  int optional_depth = 0;
  for (size_t pos = 0; pos < pattern.size();) {
    const char c = pattern[pos];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      size_t end = pos;
      while (end < pattern.size() && pattern[end] == c) ++end;
      const int count = static_cast<int>(end - pos);
      if (kUnsupportedJavaLetters.find(c) != std::string_view::npos) {
        return fail(fmt::format("pattern letter '{}' is not supported by lakebox", c));
      }
      if (kSupportedLetters.find(c) == std::string_view::npos) {
        return fail(fmt::format("unknown pattern letter '{}'", c));
      }
      if (count > MaxLetterCount(c)) {
        return fail(fmt::format("too many pattern letters '{}'", pattern.substr(pos, count)));
      }
      if ((c == 'c' && count == 2) || (c == 'V' && count != 2)) {
        return fail(fmt::format("invalid pattern letters '{}'{}", pattern.substr(pos, count),
                                c == 'V' ? " (the zone id is VV)" : ""));
      }
      f.tokens_.push_back({c, count, {}});
      pos = end;
    } else if (c == '\'') {
      // Quoted text runs to the next lone quote; '' inside it (or on its own) is one quote.
      size_t end = pos + 1;
      std::string text;
      for (;; ++end) {
        if (end >= pattern.size()) {
          return fail(fmt::format("unterminated quoted text starting at pattern position {}", pos));
        }
        if (pattern[end] == '\'') {
          if (end + 1 < pattern.size() && pattern[end + 1] == '\'') {
            text += '\'';
            ++end;
            continue;
          }
          break;
        }
        text += pattern[end];
      }
      add_literal(end == pos + 1 ? std::string_view("'") : std::string_view(text));
      pos = end + 1;
    } else if (c == '[') {
      ++optional_depth;  // every field is available when formatting, so sections always print
      ++pos;
    } else if (c == ']') {
      if (optional_depth == 0) return fail("']' without a previous '['");
      --optional_depth;
      ++pos;
    } else if (c == '#' || c == '{' || c == '}') {
      return fail(fmt::format("reserved character '{}'", c));
    } else {
      add_literal(pattern.substr(pos, 1));
      ++pos;
    }
  }
  return f;
}

void TimestampFormat::AppendTo(std::string& out, const CivilTime& t, int32_t offset_seconds,
                               std::string_view zone_id) const {
  const int64_t ms_of_day = ((t.hour * 60LL + t.minute) * 60 + t.second) * 1000 + t.millisecond;
  for (const Token& tok : tokens_) {
    const int n = tok.count;
    switch (tok.letter) {
      case 0: out += tok.text; break;
      case 'G':
        if (n <= 3) {
          out += t.year >= 1 ? "AD" : "BC";
        } else {
          AppendText(out, t.year >= 1 ? "Anno Domini" : "Before Christ", n);
        }
        break;
      case 'u': AppendYear(out, t.year, n); break;
      case 'y': AppendYear(out, t.year >= 1 ? t.year : 1 - t.year, n); break;
      case 'Y': AppendYear(out, WeekBasedYear(t), n); break;
      case 'Q': case 'q': {
        const int quarter = (t.month - 1) / 3 + 1;
        if (n <= 2 || n == 5) {
          AppendNumber(out, quarter, n == 5 ? 1 : n);
        } else if (n == 3) {
          out += fmt::format("Q{}", quarter);
        } else {
          out += kQuarterNames[quarter - 1];
        }
        break;
      }
      case 'M': case 'L':
        if (n <= 2) {
          AppendNumber(out, t.month, n);
        } else {
          AppendText(out, kMonthNames[t.month - 1], n);
        }
        break;
      case 'w': AppendNumber(out, WeekOfWeekBasedYear(t), n); break;
      case 'd': AppendNumber(out, t.day, n); break;
      case 'D': AppendNumber(out, t.day_of_year, n); break;
      case 'E': AppendText(out, kDayNames[t.day_of_week - 1], n); break;
      case 'e': case 'c':
        if (n <= 2) {
          AppendNumber(out, LocalizedDayOfWeek(t.day_of_week), n);
        } else {
          AppendText(out, kDayNames[t.day_of_week - 1], n);
        }
        break;
      case 'a': out += t.hour < 12 ? "AM" : "PM"; break;
      case 'H': AppendNumber(out, t.hour, n); break;
      case 'k': AppendNumber(out, t.hour == 0 ? 24 : t.hour, n); break;
      case 'K': AppendNumber(out, t.hour % 12, n); break;
      case 'h': AppendNumber(out, t.hour % 12 == 0 ? 12 : t.hour % 12, n); break;
      case 'm': AppendNumber(out, t.minute, n); break;
      case 's': AppendNumber(out, t.second, n); break;
      case 'S': out += fmt::format("{:03}000000", t.millisecond).substr(0, n); break;
      case 'A': AppendNumber(out, ms_of_day, n); break;
      case 'n': AppendNumber(out, t.millisecond * 1'000'000LL, n); break;
      case 'N': AppendNumber(out, ms_of_day * 1'000'000LL, n); break;
      case 'V': out += zone_id; break;
      case 'X': case 'x': case 'Z':
        if (tok.letter == 'Z' && n == 4) {
          out += "GMT";
          AppendOffset(out, offset_seconds,
                       {true, OffsetStyle::kMandatory, OffsetStyle::kOptional, ""});
        } else {
          AppendOffset(out, offset_seconds, OffsetStyleFor(tok.letter, n));
        }
        break;
    }
  }
}

std::string TimestampFormat::Format(int64_t epoch_ms, const TimeZone& zone) const {
  const LocalTime local = ToLocal(epoch_ms, zone);
  std::string out;
  AppendTo(out, local.civil, local.offset, zone.name());
  return out;
}

size_t TimestampFormat::MaxLength() const {
  size_t total = 0;
  for (const Token& tok : tokens_) {
    const size_t n = static_cast<size_t>(tok.count);
    switch (tok.letter) {
      case 0: total += tok.text.size(); break;
      case 'G': total += n == 4 ? 13 : n == 5 ? 1 : 2; break;
      case 'u': case 'y': case 'Y': total += n == 2 ? 2 : std::max<size_t>(n, 4); break;
      case 'Q': case 'q': total += n == 4 ? 11 : n == 5 ? 1 : 2; break;
      case 'M': case 'L': total += n == 4 ? 9 : n == 5 ? 1 : n == 3 ? 3 : 2; break;
      case 'E': total += n == 4 ? 9 : n == 5 ? 1 : 3; break;
      case 'e': case 'c': total += n == 4 ? 9 : n == 5 ? 1 : n; break;
      case 'D': total += 3; break;
      case 'S': total += n; break;
      case 'A': total += std::max<size_t>(n, 8); break;
      case 'n': total += std::max<size_t>(n, 9); break;
      case 'N': total += std::max<size_t>(n, 14); break;
      case 'V': total += kMaxZoneIdLength; break;
      case 'X': case 'x': case 'Z': total += 12; break;  // "GMT+HH:MM:SS"
      default: total += 2; break;  // a, d, h, H, k, K, m, s, w
    }
  }
  return total;
}

bool TimestampFormat::UsesLetter(char letter) const {
  return std::any_of(tokens_.begin(), tokens_.end(),
                     [letter](const Token& t) { return t.letter == letter; });
}

// ---- parsing prefixes ----

namespace {

enum class PieceKind { kLiteral, kTimestamp, kRandomString, kErrorOutputType, kPartitionKey };

struct Piece {
  PieceKind kind = PieceKind::kLiteral;
  std::string_view text;  // the literal, or the whole `!{...}` expression
  size_t pos = 0;
  std::optional<TimestampFormat> format;
};

// Rule 1 and the validity of each expression. Partition-key expressions are returned, not
// rejected, so the callers can apply the rule that fits.
Result<std::vector<Piece>> ParsePieces(std::string_view text, std::string_view field) {
  std::vector<Piece> pieces;
  auto fail = [&](size_t pos, std::string_view why) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "{} has an invalid expression at position {}: {}", field, pos, why)));
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = text.find("!{", i);
    if (start == std::string_view::npos) {
      pieces.push_back({PieceKind::kLiteral, text.substr(i), i, std::nullopt});
      break;
    }
    if (start > i)
      pieces.push_back({PieceKind::kLiteral, text.substr(i, start - i), i, std::nullopt});
    const size_t close = text.find('}', start + 2);
    if (close == std::string_view::npos) {
      return fail(start, "'!{' must start an expression of the form !{namespace:value}, "
                         "and this one has no closing '}'");
    }
    const std::string_view expr = text.substr(start, close + 1 - start);
    const std::string_view body = text.substr(start + 2, close - start - 2);
    const size_t colon = body.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(start, fmt::format("'{}' is not of the form !{{namespace:value}}", expr));
    }
    const std::string_view ns = body.substr(0, colon);
    const std::string_view value = body.substr(colon + 1);
    Piece piece{PieceKind::kLiteral, expr, start, std::nullopt};
    if (ns == "timestamp") {
      Result<TimestampFormat> format = TimestampFormat::Compile(value);
      if (!format) {
        return fail(start, fmt::format("'{}': {}", expr, format.error().message()));
      }
      piece.kind = PieceKind::kTimestamp;
      piece.format = std::move(*format);
    } else if (ns == "firehose") {
      if (value == "random-string") {
        piece.kind = PieceKind::kRandomString;
      } else if (value == "error-output-type") {
        piece.kind = PieceKind::kErrorOutputType;
      } else {
        return fail(start, fmt::format("'{}': the firehose namespace has only random-string and "
                                       "error-output-type",
                                       expr));
      }
    } else if (ns == "partitionKeyFromQuery" || ns == "partitionKeyFromLambda") {
      if (value.empty()) return fail(start, fmt::format("'{}' names no partition key", expr));
      piece.kind = PieceKind::kPartitionKey;
    } else {
      return fail(start, fmt::format("'{}': unknown namespace '{}' (use timestamp, firehose, "
                                     "partitionKeyFromQuery or partitionKeyFromLambda)",
                                     expr, ns));
    }
    pieces.push_back(std::move(piece));
    i = close + 1;
  }
  return pieces;
}

const Piece* FindKind(const std::vector<Piece>& pieces, PieceKind kind) {
  auto it = std::find_if(pieces.begin(), pieces.end(),
                         [kind](const Piece& p) { return p.kind == kind; });
  return it == pieces.end() ? nullptr : &*it;
}

bool HasExpressions(const std::vector<Piece>& pieces) {
  return std::any_of(pieces.begin(), pieces.end(),
                     [](const Piece& p) { return p.kind != PieceKind::kLiteral; });
}

Error DynamicPartitioningUnsupported(std::string_view field, const Piece& p) {
  return Error::InvalidArgument(fmt::format(
      "{} uses {} at position {}: lakebox does not support dynamic partitioning "
      "(partitionKeyFromQuery / partitionKeyFromLambda); use !{{timestamp:...}} and "
      "!{{firehose:random-string}} expressions",
      field, p.text, p.pos));
}

bool HasErrorOutputPrefix(const std::optional<std::string>& error_output_prefix) {
  return error_output_prefix.has_value() && !error_output_prefix->empty();
}

}  // namespace

Result<CompiledPrefix> CompiledPrefix::Compile(std::string_view text, std::string_view field) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<Piece> pieces, ParsePieces(text, field));
  CompiledPrefix compiled;
  compiled.text_ = std::string(text);
  for (Piece& p : pieces) {
    switch (p.kind) {
      case PieceKind::kLiteral:
        compiled.segments_.push_back({Kind::kLiteral, std::string(p.text), std::nullopt});
        break;
      case PieceKind::kTimestamp:
        compiled.segments_.push_back({Kind::kTimestamp, {}, std::move(p.format)});
        break;
      case PieceKind::kRandomString:
        compiled.segments_.push_back({Kind::kRandomString, {}, std::nullopt});
        break;
      case PieceKind::kErrorOutputType:
        compiled.segments_.push_back({Kind::kErrorOutputType, {}, std::nullopt});
        break;
      case PieceKind::kPartitionKey:
        return std::unexpected(DynamicPartitioningUnsupported(field, p));
    }
  }
  return compiled;
}

bool CompiledPrefix::has_expressions() const {
  return std::any_of(segments_.begin(), segments_.end(),
                     [](const Segment& s) { return s.kind != Kind::kLiteral; });
}

bool CompiledPrefix::has_timestamp() const {
  return std::any_of(segments_.begin(), segments_.end(),
                     [](const Segment& s) { return s.kind == Kind::kTimestamp; });
}

bool CompiledPrefix::has_error_output_type() const {
  return std::any_of(segments_.begin(), segments_.end(),
                     [](const Segment& s) { return s.kind == Kind::kErrorOutputType; });
}

size_t CompiledPrefix::MaxEvaluatedLength() const {
  size_t total = 0;
  for (const Segment& s : segments_) {
    switch (s.kind) {
      case Kind::kLiteral: total += s.literal.size(); break;
      case Kind::kTimestamp: total += s.format->MaxLength(); break;
      case Kind::kRandomString: total += kRandomStringLength; break;
      case Kind::kErrorOutputType: total += kMaxErrorOutputTypeLength; break;
    }
  }
  return total;
}

bool CompiledPrefix::TimestampUsesLetter(char letter) const {
  return std::any_of(segments_.begin(), segments_.end(), [letter](const Segment& s) {
    return s.kind == Kind::kTimestamp && s.format->UsesLetter(letter);
  });
}

// ---- evaluation ----

std::string RandomString(uint64_t seed, uint32_t index) {
  return fmt::format("{:011x}", Mix64(seed + Mix64(index)) >> (64 - 4 * kRandomStringLength));
}

std::string DeterministicUuid(uint64_t seed) {
  uint64_t hi = Mix64(seed ^ kUuidDomain);
  uint64_t lo = Mix64(hi);
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

std::string Evaluate(const CompiledPrefix& prefix, const EvalContext& ctx) {
  const LocalTime local = ToLocal(ctx.instant_ms, ctx.zone);
  std::string out;
  uint32_t random_index = 0;
  for (const CompiledPrefix::Segment& s : prefix.segments_) {
    switch (s.kind) {
      case CompiledPrefix::Kind::kLiteral: out += s.literal; break;
      case CompiledPrefix::Kind::kTimestamp:
        s.format->AppendTo(out, local.civil, local.offset, ctx.zone.name());
        break;
      case CompiledPrefix::Kind::kRandomString:
        out += RandomString(ctx.random_seed, random_index++);
        break;
      case CompiledPrefix::Kind::kErrorOutputType: out += ctx.error_output_type; break;
    }
  }
  return out;
}

std::string EffectivePrefix(std::string_view prefix) {
  // Every "!{" must start an expression (ValidatePrefixes), so its presence is the test.
  if (prefix.find("!{") != std::string_view::npos) return std::string(prefix);
  return fmt::format("{}{}", prefix, kDefaultTimePrefix);
}

std::string DefaultErrorOutputPrefix(std::string_view prefix) {
  return fmt::format("{}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd/HH}}/", prefix);
}

Status ValidatePrefixes(std::string_view prefix,
                        const std::optional<std::string>& error_output_prefix,
                        bool dynamic_partitioning) {
  // Rule 1 (and each expression's own validity).
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<Piece> data, ParsePieces(prefix, "Prefix"));
  const bool has_error_prefix = HasErrorOutputPrefix(error_output_prefix);
  std::vector<Piece> error;
  if (has_error_prefix) {
    LAKEBOX_ASSIGN_OR_RETURN(error, ParsePieces(*error_output_prefix, "ErrorOutputPrefix"));
  }
  // Rule 2.
  if (const Piece* p = FindKind(data, PieceKind::kErrorOutputType)) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "Prefix can't contain !{{firehose:error-output-type}} (position {}): it is allowed only "
        "in ErrorOutputPrefix",
        p->pos)));
  }
  // Rule 3.
  if (HasExpressions(error) && !FindKind(error, PieceKind::kErrorOutputType)) {
    return std::unexpected(Error::InvalidArgument(
        "ErrorOutputPrefix contains expressions, so it must contain "
        "!{firehose:error-output-type} at least once"));
  }
  // Rule 4.
  if (!has_error_prefix && HasExpressions(data)) {
    return std::unexpected(Error::InvalidArgument(
        "ErrorOutputPrefix can't be null when Prefix contains expressions"));
  }
  // Rule 5.
  if (const Piece* p = FindKind(error, PieceKind::kPartitionKey)) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "ErrorOutputPrefix can't contain {} (position {}): partition keys are allowed only in "
        "Prefix",
        p->text, p->pos)));
  }
  // Rule 6.
  if (dynamic_partitioning && !has_error_prefix) {
    return std::unexpected(Error::InvalidArgument(
        "ErrorOutputPrefix is required when dynamic partitioning is enabled"));
  }
  if (const Piece* p = FindKind(data, PieceKind::kPartitionKey)) {
    return std::unexpected(DynamicPartitioningUnsupported("Prefix", *p));
  }
  // Rule 7, on the prefixes as delivered (the default parts included).
  LAKEBOX_ASSIGN_OR_RETURN(CompiledPrefix data_prefix,
                           CompiledPrefix::Compile(EffectivePrefix(prefix), "Prefix"));
  LAKEBOX_ASSIGN_OR_RETURN(
      CompiledPrefix error_prefix,
      CompiledPrefix::Compile(
          has_error_prefix ? *error_output_prefix : DefaultErrorOutputPrefix(prefix),
          "ErrorOutputPrefix"));
  const std::string default_error_field =
      fmt::format("The default ErrorOutputPrefix ({})", error_prefix.text());
  for (const auto& [field, compiled] :
       {std::pair<std::string_view, const CompiledPrefix*>{"Prefix", &data_prefix},
        {has_error_prefix ? std::string_view("ErrorOutputPrefix") : default_error_field,
         &error_prefix}}) {
    const size_t max = compiled->MaxEvaluatedLength();
    if (max > kMaxEvaluatedPrefixLength) {
      return std::unexpected(Error::InvalidArgument(fmt::format(
          "{} can be at most {} characters once evaluated, and this one can reach {}", field,
          kMaxEvaluatedPrefixLength, max)));
    }
  }
  return Ok();
}

std::vector<std::string> PrefixWarnings(std::string_view prefix, std::string_view field) {
  std::vector<std::string> warnings;
  Result<CompiledPrefix> compiled = CompiledPrefix::Compile(prefix, field);
  if (!compiled) return warnings;
  auto uses = [&](char c) { return compiled->TimestampUsesLetter(c); };
  if (uses('Y')) {
    warnings.push_back(fmt::format(
        "{} uses Y, the week-based year: in the days around New Year it differs from the "
        "calendar year (2026-12-27 is in week-based year 2027), which puts those objects under "
        "the wrong year. Use yyyy for the calendar year.",
        field));
  }
  if (uses('D') && (uses('M') || uses('L'))) {
    warnings.push_back(fmt::format(
        "{} uses D (day of the year, 1-366) together with a month: for the day of the month "
        "use d, as in yyyy/MM/dd.",
        field));
  }
  if (uses('m') && !uses('H') && !uses('h') && !uses('k') && !uses('K')) {
    warnings.push_back(fmt::format(
        "{} uses m (minute of the hour) without an hour: for the month use M, as in yyyy/MM/dd.",
        field));
  }
  if ((uses('h') || uses('K')) && !uses('a')) {
    warnings.push_back(fmt::format(
        "{} uses a 12-hour clock (h or K) without a (AM/PM): for the hour of the day (0-23) "
        "use H, as in HH.",
        field));
  }
  return warnings;
}

Result<DeliveryPrefixes> CompileDeliveryPrefixes(
    std::string_view prefix, const std::optional<std::string>& error_output_prefix) {
  LAKEBOX_TRY(ValidatePrefixes(prefix, error_output_prefix));
  LAKEBOX_ASSIGN_OR_RETURN(CompiledPrefix data,
                           CompiledPrefix::Compile(EffectivePrefix(prefix), "Prefix"));
  LAKEBOX_ASSIGN_OR_RETURN(
      CompiledPrefix error,
      CompiledPrefix::Compile(HasErrorOutputPrefix(error_output_prefix)
                                  ? *error_output_prefix
                                  : DefaultErrorOutputPrefix(prefix),
                              "ErrorOutputPrefix"));
  return DeliveryPrefixes{std::move(data), std::move(error)};
}

Result<std::string> ObjectKey(const CompiledPrefix& prefix, const EvalContext& ctx,
                              std::string_view stream_name, int version_id,
                              std::string_view extension) {
  std::string key = Evaluate(prefix, ctx);
  if (key.size() > kMaxEvaluatedPrefixLength) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "the evaluated prefix is {} characters long; AWS allows at most {}: '{}'", key.size(),
        kMaxEvaluatedPrefixLength, key.substr(0, 64))));
  }
  const CivilTime t = ctx.zone.ToCivil(ctx.instant_ms);
  key += fmt::format("{}-{}-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{}{}", stream_name, version_id,
                     t.year, t.month, t.day, t.hour, t.minute, t.second,
                     DeterministicUuid(ctx.random_seed), extension);
  return key;
}

}  // namespace lakebox::ingest
