// Firehose's S3 key prefixes: the `!{namespace:value}` expression language of Prefix and
// ErrorOutputPrefix, the Java DateTimeFormatter patterns inside `!{timestamp:...}`, the rules
// that pair the two prefixes, and the object-name suffix. AWS-REFERENCE.md §2.1-§2.4.
//
//   data key  = Evaluate(EffectivePrefix(Prefix)) + suffix
//   error key = Evaluate(ErrorOutputPrefix or DefaultErrorOutputPrefix(Prefix)) + suffix
//   suffix    = <stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>
//
// Determinism: evaluation is a pure function of (compiled prefix, EvalContext). Random parts
// (`!{firehose:random-string}`, the suffix uuid) come from EvalContext::random_seed, so replaying
// a write-ahead-log segment with the same instant and seed rewrites the same key.
//
// Choices where AWS's behaviour is not documented (each is also noted where it applies):
//  - `Y` (week-based year) and `w`/`W`/`e`/`c` follow Java's en_US week definition (weeks start
//    on Sunday; week 1 is the week containing January 1). Firehose is a JVM service and
//    DateTimeFormatter.ofPattern uses the JVM's default locale, which is en_US on a POSIX/C or
//    en_US host. So 2026-12-27..31 format `YYYY` as 2027; ISO-8601 would give 2026 there and
//    2026 for 2027-01-01..03. Either way `YYYY` is almost always a mistake for `yyyy`, and
//    PrefixWarnings says so.
//  - The default time prefix is appended only to a Prefix with no expression at all: a Prefix
//    with only `!{firehose:random-string}` gets nothing appended (real-AWS observation, §2.3).
//  - `!{firehose:random-string}` is 11 lower-case hex digits (AWS's example: `5abf82daaa5`).
//  - The suffix time is the same instant as the prefix's (first record's arrival), not the time
//    of the write, so that a replay reproduces it.
//
// Thread safety: every type here is an immutable value after construction; all functions may be
// called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/time.h"

namespace lakebox::ingest {

// Values of `!{firehose:error-output-type}` that an S3 destination produces.
inline constexpr std::string_view kProcessingFailed = "processing-failed";
inline constexpr std::string_view kFormatConversionFailed = "format-conversion-failed";

// AWS: neither prefix may be longer than this once evaluated.
inline constexpr size_t kMaxEvaluatedPrefixLength = 512;

// What Firehose appends to a Prefix without expressions (and what an empty Prefix becomes).
inline constexpr std::string_view kDefaultTimePrefix = "!{timestamp:yyyy/MM/dd/HH/}";

// A compiled Java DateTimeFormatter pattern, formatting in English (en_US) like Firehose.
// Supported letters (count = repetitions, padding as Java's):
//   G era (AD); u y year (yy = two digits); Y week-based year; Q q quarter (1, 01, Q4,
//   4th quarter); M L month (1, 01, Nov, November, N); w week of week-based year; d day;
//   D day of year; E day name (Wed, Wednesday, W); e c localized day number (Sunday = 1) or name;
//   a AM/PM; H 0-23; k 1-24; K 0-11; h 1-12; m; s; S fraction (SSS = milliseconds); A milli of
//   day; n nano of second; N nano of day; VV zone id; X x Z offsets.
// 'text' is literal and '' is a quote; '[' and ']' (optional sections) always print their
// contents; any other non-letter is literal.
// Errors (InvalidArgument): an unknown letter ("unknown pattern letter 'b'"), a Java letter
// lakebox does not support (z v O W F B p), too many letters, an unterminated quote, a ']'
// without '[', a reserved character ('#', '{', '}'), an empty pattern.
class TimestampFormat {
 public:
  static Result<TimestampFormat> Compile(std::string_view pattern);

  // The local time of `epoch_ms` in `zone`, formatted.
  std::string Format(int64_t epoch_ms, const TimeZone& zone) const;
  // The same, appended to `out`, for a caller that already has the local civil time and offset.
  void AppendTo(std::string& out, const CivilTime& local, int32_t offset_seconds,
                std::string_view zone_id) const;

  // An upper bound of Format's length for years 0-9999 and zone ids of up to 50 characters.
  size_t MaxLength() const;
  // True if the pattern uses `letter` as a field (not inside quotes).
  bool UsesLetter(char letter) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    char letter = 0;  // 0: literal text
    int count = 0;
    std::string text;
  };
  std::string pattern_;
  std::vector<Token> tokens_;
};

struct EvalContext {
  int64_t instant_ms = 0;  // arrival time of the first record in the object
  TimeZone zone;           // the stream's CustomTimeZone (UTC by default)
  uint64_t random_seed = 0;
  std::string_view error_output_type;  // for `!{firehose:error-output-type}`
};

// A prefix parsed into literal text and expressions, evaluated exactly as written (nothing is
// appended; see EffectivePrefix for that).
class CompiledPrefix {
 public:
  // `field` ("Prefix" or "ErrorOutputPrefix") names the input in error messages, which also
  // give the 0-based position of the offending expression. InvalidArgument for: a `!{` that
  // does not start a well-formed `!{namespace:value}`; an unknown namespace or firehose value;
  // an empty or invalid timestamp pattern; and partitionKeyFromQuery / partitionKeyFromLambda
  // (dynamic partitioning, which lakebox does not support).
  static Result<CompiledPrefix> Compile(std::string_view text, std::string_view field = "Prefix");

  const std::string& text() const { return text_; }
  bool has_expressions() const;
  bool has_timestamp() const;
  bool has_error_output_type() const;
  // An upper bound of the evaluated length (see TimestampFormat::MaxLength).
  size_t MaxEvaluatedLength() const;
  // True if any `!{timestamp:...}` uses `letter`.
  bool TimestampUsesLetter(char letter) const;

 private:
  friend std::string Evaluate(const CompiledPrefix& prefix, const EvalContext& ctx);
  enum class Kind { kLiteral, kTimestamp, kRandomString, kErrorOutputType };
  struct Segment {
    Kind kind = Kind::kLiteral;
    std::string literal;
    std::optional<TimestampFormat> format;
  };
  std::string text_;
  std::vector<Segment> segments_;
};

// Every `!{timestamp}` sees ctx.instant_ms in ctx.zone; the n-th `!{firehose:random-string}`
// (0-based) is RandomString(ctx.random_seed, n).
std::string Evaluate(const CompiledPrefix& prefix, const EvalContext& ctx);

// SplitMix64's finalizer: a bijection whose outputs look independent for nearby inputs. Used to
// derive seeds (e.g. from a stream nonce and a WAL segment number).
uint64_t Mix64(uint64_t z);

// 11 lower-case hex digits, a pure function of (seed, index).
std::string RandomString(uint64_t seed, uint32_t index);
// A version-4-shaped UUID ("a9fa96af-e4e4-409f-bac3-1f804714faaa"), a pure function of seed.
std::string DeterministicUuid(uint64_t seed);

// The prefix Firehose delivers data under: `prefix` itself if it has any expression, otherwise
// `prefix` + kDefaultTimePrefix by plain concatenation ("legacy" -> "legacy2026/07/13/14/",
// "" -> "2026/07/13/14/").
std::string EffectivePrefix(std::string_view prefix);

// The error location when ErrorOutputPrefix is absent (allowed only for a Prefix without
// expressions): `prefix` + "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/". The AWS
// docs disagree on the slash after the type and on the hour; lakebox keeps both, matching the
// doc example (myFirehosePrefix/processing-failed/2018/08/27/) plus the hour of the data prefix.
std::string DefaultErrorOutputPrefix(std::string_view prefix);

// The AWS rules for the pair (§2.4), in order; InvalidArgument naming the rule broken:
//  1. `!{` only as the start of a well-formed expression (and each expression must compile);
//  2. Prefix must not contain `!{firehose:error-output-type}`;
//  3. an ErrorOutputPrefix with expressions must contain `!{firehose:error-output-type}`
//     (a purely literal one is accepted);
//  4. ErrorOutputPrefix may be absent (or empty) only if Prefix has no expressions;
//  5. no partitionKeyFromQuery / partitionKeyFromLambda in ErrorOutputPrefix;
//  6. with dynamic partitioning, ErrorOutputPrefix is required;
//  -  then, as lakebox has no dynamic partitioning, any partitionKey* expression in Prefix;
//  7. each prefix at most 512 characters once evaluated (checked on the upper bound of the
//     effective prefixes, default parts included, with S3's longest error-output-type).
Status ValidatePrefixes(std::string_view prefix,
                        const std::optional<std::string>& error_output_prefix,
                        bool dynamic_partitioning = false);

// Warnings for a prefix that is valid but probably not what was meant: `Y` (week-based year;
// differs from `yyyy` around New Year), `D` next to `M` (day of year, not day of month), `m`
// without an hour (minute, not month), `h`/`K` without `a` (12-hour clock). Empty for an
// invalid prefix. `field` names the prefix in the messages.
std::vector<std::string> PrefixWarnings(std::string_view prefix, std::string_view field = "Prefix");

// The two compiled prefixes one stream delivers under, after ValidatePrefixes.
struct DeliveryPrefixes {
  CompiledPrefix data;   // EffectivePrefix(prefix)
  CompiledPrefix error;  // the ErrorOutputPrefix if non-empty, else DefaultErrorOutputPrefix
};
Result<DeliveryPrefixes> CompileDeliveryPrefixes(
    std::string_view prefix, const std::optional<std::string>& error_output_prefix);

// The full object key: Evaluate(prefix, ctx) + "<stream_name>-<version_id>-<yyyy>-<MM>-<dd>-
// <HH>-<mm>-<ss>-<uuid><extension>", the suffix time being ctx.instant_ms in ctx.zone and the
// uuid DeterministicUuid(ctx.random_seed) (derived apart from the random strings, so the two
// never share bits). InvalidArgument if the evaluated prefix is longer than
// kMaxEvaluatedPrefixLength.
Result<std::string> ObjectKey(const CompiledPrefix& prefix, const EvalContext& ctx,
                              std::string_view stream_name, int version_id,
                              std::string_view extension);

}  // namespace lakebox::ingest
