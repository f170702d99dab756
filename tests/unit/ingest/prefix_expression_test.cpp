#include "ingest/prefix_expression.h"

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace lakebox::ingest {
namespace {

constexpr int64_t kNov25Ms = 1795645012123;  // 2026-11-25T22:16:52.123Z, a Wednesday

// The seed article's prefixes.
constexpr std::string_view kSeedPrefix =
    "raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
constexpr std::string_view kSeedErrorPrefix =
    "fherroroutputbase/!{firehose:random-string}/!{firehose:error-output-type}/"
    "!{timestamp:yyyy/MM/dd}/";

int64_t UtcMs(int64_t y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  CivilTime t;
  t.year = y;
  t.month = mo;
  t.day = d;
  t.hour = h;
  t.minute = mi;
  t.second = s;
  return UnixMillisFromCivil(t);
}

TimeZone Zone(std::string_view name) {
  Result<TimeZone> tz = TimeZone::Load(name);
  EXPECT_TRUE(tz) << tz.error().ToString();
  return tz ? *tz : TimeZone();
}

std::string Format(std::string_view pattern, int64_t ms, const TimeZone& zone = TimeZone()) {
  Result<TimestampFormat> f = TimestampFormat::Compile(pattern);
  EXPECT_TRUE(f) << pattern << ": " << f.error().ToString();
  return f ? f->Format(ms, zone) : std::string();
}

std::string Eval(std::string_view prefix, const EvalContext& ctx) {
  Result<CompiledPrefix> p = CompiledPrefix::Compile(prefix);
  EXPECT_TRUE(p) << prefix << ": " << p.error().ToString();
  return p ? Evaluate(*p, ctx) : std::string();
}

// ---- TimestampFormat ----

// Expected values are java.time's output (DateTimeFormatter.ofPattern, JDK 17, locale en).
TEST(TimestampFormatTest, MatchesJavaForEveryLetter) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"yyyy", "2026"}, {"yy", "26"}, {"y", "2026"}, {"yyyyy", "02026"}, {"uuuu", "2026"},
      {"YYYY", "2026"}, {"G", "AD"}, {"GGGG", "Anno Domini"}, {"Q", "4"}, {"QQQ", "Q4"},
      {"QQQQ", "4th quarter"}, {"M", "11"}, {"MM", "11"}, {"MMM", "Nov"},
      {"MMMM", "November"}, {"MMMMM", "N"}, {"L", "11"}, {"w", "48"}, {"ww", "48"},
      {"d", "25"}, {"dd", "25"}, {"D", "329"}, {"DDD", "329"}, {"E", "Wed"},
      {"EEEE", "Wednesday"}, {"EEEEE", "W"}, {"e", "4"}, {"ee", "04"}, {"eee", "Wed"},
      {"c", "4"}, {"a", "PM"}, {"H", "22"}, {"HH", "22"}, {"k", "22"}, {"K", "10"},
      {"h", "10"}, {"hh", "10"}, {"m", "16"}, {"mm", "16"}, {"s", "52"}, {"ss", "52"},
      {"S", "1"}, {"SSS", "123"}, {"SSSSSS", "123000"}, {"A", "80212123"},
      {"n", "123000000"}, {"N", "80212123000000"}, {"VV", "UTC"}, {"X", "Z"},
      {"XXX", "Z"}, {"x", "+00"}, {"xxx", "+00:00"}, {"Z", "+0000"}, {"ZZZZ", "GMT"},
      {"ZZZZZ", "Z"}, {"yyyy/MM/dd/HH/", "2026/11/25/22/"},
      {"yyyy-MM-dd'T'HH", "2026-11-25T22"}, {"'year='yyyy'/month='MM", "year=2026/month=11"},
      {"''", "'"}, {"'o''clock' h a", "o'clock 10 PM"}, {"[yyyy]-MM", "2026-11"},
      {"yyyy!MM@dd", "2026!11@25"},
  };
  for (const auto& [pattern, expected] : cases) {
    EXPECT_EQ(Format(pattern, kNov25Ms), expected) << pattern;
  }
}

TEST(TimestampFormatTest, OffsetsAndZoneIds) {
  const TimeZone kolkata = Zone("Asia/Kolkata");
  EXPECT_EQ(Format("XXX", kNov25Ms, kolkata), "+05:30");
  EXPECT_EQ(Format("xx", kNov25Ms, kolkata), "+0530");
  EXPECT_EQ(Format("X", kNov25Ms, kolkata), "+0530");
  EXPECT_EQ(Format("ZZZZ", kNov25Ms, kolkata), "GMT+05:30");
  EXPECT_EQ(Format("VV", kNov25Ms, kolkata), "Asia/Kolkata");
  EXPECT_EQ(Format("HH:mm", kNov25Ms, kolkata), "03:46");
  const TimeZone st_johns = Zone("America/St_Johns");
  EXPECT_EQ(Format("XXX", kNov25Ms, st_johns), "-03:30");
  EXPECT_EQ(Format("Z", kNov25Ms, st_johns), "-0330");
  EXPECT_EQ(Format("HH:mm", kNov25Ms, st_johns), "18:46");
}

// Java's en week definition: weeks start on Sunday and week 1 holds January 1. Expected values
// from java.time for 2026-12-20 .. 2027-01-05 at 10:00 UTC.
TEST(TimestampFormatTest, WeekBasedYearAroundNewYear) {
  const std::vector<std::tuple<int, int, int, std::string_view>> cases = {
      {2026, 12, 20, "2026-52 1"}, {2026, 12, 26, "2026-52 7"}, {2026, 12, 27, "2027-01 1"},
      {2026, 12, 28, "2027-01 2"}, {2026, 12, 31, "2027-01 5"}, {2027, 1, 1, "2027-01 6"},
      {2027, 1, 2, "2027-01 7"},   {2027, 1, 3, "2027-02 1"},   {2027, 1, 5, "2027-02 3"},
  };
  for (const auto& [y, m, d, expected] : cases) {
    EXPECT_EQ(Format("YYYY-ww e", UtcMs(y, m, d, 10)), expected) << y << "-" << m << "-" << d;
    EXPECT_EQ(Format("yyyy", UtcMs(y, m, d, 10)), std::to_string(y));
  }
}

TEST(TimestampFormatTest, RejectsWhatJavaRejects) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"", "empty timestamp pattern"},
      {"b", "unknown pattern letter 'b'"},
      {"yyyy/MM/ddT", "unknown pattern letter 'T'"},
      {"z", "pattern letter 'z' is not supported by lakebox"},
      {"MMMMMM", "too many pattern letters 'MMMMMM'"},
      {"HHH", "too many pattern letters 'HHH'"},
      {"aa", "too many pattern letters 'aa'"},
      {"DDDD", "too many pattern letters 'DDDD'"},
      {"SSSSSSSSSS", "too many pattern letters 'SSSSSSSSSS'"},
      {"cc", "invalid pattern letters 'cc'"},
      {"V", "invalid pattern letters 'V' (the zone id is VV)"},
      {"'abc", "unterminated quoted text starting at pattern position 0"},
      {"]", "']' without a previous '['"},
      {"#", "reserved character '#'"},
      {"yyyy{", "reserved character '{'"},
  };
  for (const auto& [pattern, message] : cases) {
    Result<TimestampFormat> f = TimestampFormat::Compile(pattern);
    ASSERT_FALSE(f) << pattern;
    EXPECT_EQ(f.error().code(), Error::Code::kInvalidArgument);
    EXPECT_EQ(f.error().message(), message) << pattern;
  }
}

TEST(TimestampFormatTest, MaxLengthBoundsTheOutput) {
  const TimeZone kolkata = Zone("Asia/Kolkata");
  for (std::string_view pattern : {"yyyy/MM/dd/HH/", "MMMM EEEE GGGG QQQQ", "ZZZZ VV a",
                                   "SSSSSSSSS n N A D"}) {
    Result<TimestampFormat> f = TimestampFormat::Compile(pattern);
    ASSERT_TRUE(f);
    for (int64_t ms = UtcMs(2026, 1, 1); ms < UtcMs(2027, 1, 1); ms += 86'400'000 * 7 + 3'600'123) {
      EXPECT_LE(f->Format(ms, kolkata).size(), f->MaxLength()) << pattern;
    }
  }
  EXPECT_EQ(TimestampFormat::Compile("yyyy/MM/dd/HH/")->MaxLength(), 14u);
}

// ---- prefixes ----

TEST(PrefixTest, SeedPrefixInUtc) {
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  EXPECT_EQ(Eval(kSeedPrefix, ctx), "raw/year=2026/month=11/day=25/hour=22/");
}

TEST(PrefixTest, SeedPrefixAroundNewYearUsesTheWeekBasedYear) {
  // YYYY is the week-based year: Dec 27-31 2026 already belong to 2027's first week.
  const std::vector<std::tuple<int64_t, std::string_view>> cases = {
      {UtcMs(2026, 12, 26, 23), "raw/year=2026/month=12/day=26/hour=23/"},
      {UtcMs(2026, 12, 27, 0), "raw/year=2027/month=12/day=27/hour=00/"},
      {UtcMs(2026, 12, 28, 5), "raw/year=2027/month=12/day=28/hour=05/"},
      {UtcMs(2026, 12, 31, 23), "raw/year=2027/month=12/day=31/hour=23/"},
      {UtcMs(2027, 1, 1, 0), "raw/year=2027/month=01/day=01/hour=00/"},
      {UtcMs(2027, 1, 3, 12), "raw/year=2027/month=01/day=03/hour=12/"},
  };
  for (const auto& [ms, expected] : cases) {
    EvalContext ctx;
    ctx.instant_ms = ms;
    EXPECT_EQ(Eval(kSeedPrefix, ctx), expected);
  }
}

TEST(PrefixTest, SeedErrorPrefix) {
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.random_seed = 42;
  ctx.error_output_type = kFormatConversionFailed;
  const std::string key = Eval(kSeedErrorPrefix, ctx);
  EXPECT_EQ(key, "fherroroutputbase/" + RandomString(42, 0) +
                     "/format-conversion-failed/2026/11/25/");
  EXPECT_TRUE(std::regex_match(
      key, std::regex("fherroroutputbase/[0-9a-f]{11}/format-conversion-failed/2026/11/25/")));
  // Dec 31 late evening in UTC is Jan 1 in Tokyo: yyyy moves with the zone.
  ctx.instant_ms = UtcMs(2026, 12, 31, 20);
  ctx.zone = Zone("Asia/Tokyo");
  ctx.error_output_type = kProcessingFailed;
  EXPECT_EQ(Eval(kSeedErrorPrefix, ctx),
            "fherroroutputbase/" + RandomString(42, 0) + "/processing-failed/2027/01/01/");
}

TEST(PrefixTest, CustomTimeZones) {
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.zone = Zone("Asia/Tokyo");
  EXPECT_EQ(Eval(kSeedPrefix, ctx), "raw/year=2026/month=11/day=26/hour=07/");
  ctx.zone = Zone("America/Sao_Paulo");
  EXPECT_EQ(Eval(kSeedPrefix, ctx), "raw/year=2026/month=11/day=25/hour=19/");
  // New York across the spring-forward gap: 06:59:59Z is 01:59 EST, 07:00Z is 03:00 EDT.
  ctx.zone = Zone("America/New_York");
  ctx.instant_ms = UtcMs(2026, 3, 8, 6, 59, 59);
  EXPECT_EQ(Eval("!{timestamp:yyyy-MM-dd HH:mm XXX}", ctx), "2026-03-08 01:59 -05:00");
  ctx.instant_ms = UtcMs(2026, 3, 8, 7);
  EXPECT_EQ(Eval("!{timestamp:yyyy-MM-dd HH:mm XXX}", ctx), "2026-03-08 03:00 -04:00");
}

TEST(PrefixTest, EveryTimestampSeesTheSameInstant) {
  EvalContext ctx;
  ctx.instant_ms = UtcMs(2026, 12, 31, 23, 59, 59) + 999;
  EXPECT_EQ(
      Eval("!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH:mm:ss.SSS}", ctx),
      "2026/12/31/23:59:59.999");
}

TEST(PrefixTest, RandomStringsAreFreshPerOccurrenceAndDeterministic) {
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.random_seed = 7;
  const std::string prefix = "!{firehose:random-string}/!{firehose:random-string}/";
  const std::string a = Eval(prefix, ctx);
  EXPECT_EQ(a, RandomString(7, 0) + "/" + RandomString(7, 1) + "/");
  EXPECT_NE(RandomString(7, 0), RandomString(7, 1));
  EXPECT_EQ(Eval(prefix, ctx), a);  // a replay reproduces the key
  ctx.random_seed = 8;
  EXPECT_NE(Eval(prefix, ctx), a);
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    const std::string r = RandomString(seed, 0);
    ASSERT_EQ(r.size(), 11u);
    ASSERT_EQ(r.find_first_not_of("0123456789abcdef"), std::string::npos) << r;
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(PrefixTest, DeterministicUuid) {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    const std::string u = DeterministicUuid(seed);
    ASSERT_TRUE(std::regex_match(u, shape)) << u;
    EXPECT_EQ(DeterministicUuid(seed), u);
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(PrefixTest, CompileErrorsNameTheProblemAndPosition) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"raw/!{timestamp:yyyy", "Prefix has an invalid expression at position 4: '!{' must start "
                               "an expression of the form !{namespace:value}, and this one has "
                               "no closing '}'"},
      {"a!{nocolon}", "Prefix has an invalid expression at position 1: '!{nocolon}' is not of "
                      "the form !{namespace:value}"},
      {"!{:x}", "Prefix has an invalid expression at position 0: '!{:x}' is not of the form "
                "!{namespace:value}"},
      {"x/!{foo:bar}", "Prefix has an invalid expression at position 2: '!{foo:bar}': unknown "
                       "namespace 'foo' (use timestamp, firehose, partitionKeyFromQuery or "
                       "partitionKeyFromLambda)"},
      {"!{Timestamp:yyyy}", "Prefix has an invalid expression at position 0: '!{Timestamp:yyyy}'"
                            ": unknown namespace 'Timestamp' (use timestamp, firehose, "
                            "partitionKeyFromQuery or partitionKeyFromLambda)"},
      {"!{firehose:uuid}", "Prefix has an invalid expression at position 0: '!{firehose:uuid}': "
                           "the firehose namespace has only random-string and error-output-type"},
      {"!{timestamp:}", "Prefix has an invalid expression at position 0: '!{timestamp:}': empty "
                        "timestamp pattern"},
      {"y=!{timestamp:bb}", "Prefix has an invalid expression at position 2: "
                            "'!{timestamp:bb}': unknown pattern letter 'b'"},
      {"!{partitionKeyFromQuery:}", "Prefix has an invalid expression at position 0: "
                                    "'!{partitionKeyFromQuery:}' names no partition key"},
      {"c=!{partitionKeyFromQuery:customer}/",
       "Prefix uses !{partitionKeyFromQuery:customer} at position 2: lakebox does not support "
       "dynamic partitioning (partitionKeyFromQuery / partitionKeyFromLambda); use "
       "!{timestamp:...} and !{firehose:random-string} expressions"},
  };
  for (const auto& [prefix, message] : cases) {
    Result<CompiledPrefix> p = CompiledPrefix::Compile(prefix);
    ASSERT_FALSE(p) << prefix;
    EXPECT_EQ(p.error().code(), Error::Code::kInvalidArgument);
    EXPECT_EQ(p.error().message(), message);
  }
  Result<CompiledPrefix> p =
      CompiledPrefix::Compile("e/!{partitionKeyFromLambda:k}", "ErrorOutputPrefix");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message().rfind("ErrorOutputPrefix uses", 0), 0u) << p.error().message();
}

TEST(PrefixTest, LiteralTextIsKeptAsIs) {
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  // '!' not followed by '{', and braces on their own, are literal.
  EXPECT_EQ(Eval("a!b{c}d!/", ctx), "a!b{c}d!/");
  Result<CompiledPrefix> p = CompiledPrefix::Compile("a!b{c}d!/");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_expressions());
  EXPECT_EQ(p->MaxEvaluatedLength(), 9u);
}

TEST(PrefixTest, EffectivePrefixAppendsTheDefaultOnlyWithoutExpressions) {
  EXPECT_EQ(EffectivePrefix(""), kDefaultTimePrefix);
  EXPECT_EQ(EffectivePrefix("legacy"), "legacy!{timestamp:yyyy/MM/dd/HH/}");
  EXPECT_EQ(EffectivePrefix("logs/"), "logs/!{timestamp:yyyy/MM/dd/HH/}");
  EXPECT_EQ(EffectivePrefix("r/!{firehose:random-string}/"), "r/!{firehose:random-string}/");
  EXPECT_EQ(EffectivePrefix(kSeedPrefix), kSeedPrefix);

  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  EXPECT_EQ(Eval(EffectivePrefix(""), ctx), "2026/11/25/22/");
  EXPECT_EQ(Eval(EffectivePrefix("legacy"), ctx), "legacy2026/11/25/22/");  // no '/' inserted
  EXPECT_EQ(Eval(EffectivePrefix("logs/"), ctx), "logs/2026/11/25/22/");
}

TEST(PrefixTest, DefaultErrorOutputPrefix) {
  EXPECT_EQ(DefaultErrorOutputPrefix("myFirehosePrefix/"),
            "myFirehosePrefix/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/");
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.error_output_type = kProcessingFailed;
  EXPECT_EQ(Eval(DefaultErrorOutputPrefix("myFirehosePrefix/"), ctx),
            "myFirehosePrefix/processing-failed/2026/11/25/22/");
  EXPECT_EQ(Eval(DefaultErrorOutputPrefix(""), ctx), "processing-failed/2026/11/25/22/");
}

Status Validate(std::string_view prefix, std::optional<std::string> error_prefix,
                bool dynamic_partitioning = false) {
  return ValidatePrefixes(prefix, error_prefix, dynamic_partitioning);
}

void ExpectRejected(const Status& s, std::string_view message) {
  ASSERT_FALSE(s) << "expected: " << message;
  EXPECT_EQ(s.error().code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(s.error().message(), message);
}

TEST(ValidatePrefixesTest, AcceptsTheDocumentedExamples) {
  EXPECT_TRUE(Validate(kSeedPrefix, std::string(kSeedErrorPrefix)));
  EXPECT_TRUE(Validate("", std::nullopt));
  EXPECT_TRUE(Validate("", std::string("myFirehoseFailures/!{firehose:error-output-type}/")));
  EXPECT_TRUE(Validate("myFirehosePrefix", std::nullopt));
  EXPECT_TRUE(Validate(
      "myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}",
      std::string("myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/"
                  "!{timestamp:dd}")));
  EXPECT_TRUE(Validate(
      "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
      "hour=!{timestamp:HH}/",
      std::string("myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/"
                  "!{firehose:error-output-type}")));
}

TEST(ValidatePrefixesTest, Rule1WellFormedExpressions) {
  ExpectRejected(Validate("raw/!{timestamp:yyyy/", std::string("e/!{firehose:error-output-type}")),
                 "Prefix has an invalid expression at position 4: '!{' must start an expression "
                 "of the form !{namespace:value}, and this one has no closing '}'");
  ExpectRejected(Validate("raw/", std::string("e/!{firehose:error-output-type}/!{")),
                 "ErrorOutputPrefix has an invalid expression at position 32: '!{' must start an "
                 "expression of the form !{namespace:value}, and this one has no closing '}'");
}

TEST(ValidatePrefixesTest, Rule2NoErrorOutputTypeInPrefix) {
  ExpectRejected(Validate("x/!{firehose:error-output-type}/",
                          std::string("e/!{firehose:error-output-type}/")),
                 "Prefix can't contain !{firehose:error-output-type} (position 2): it is allowed "
                 "only in ErrorOutputPrefix");
}

TEST(ValidatePrefixesTest, Rule3ErrorPrefixWithExpressionsNeedsTheType) {
  ExpectRejected(Validate("d/!{timestamp:yyyy}/", std::string("e/!{timestamp:yyyy}/")),
                 "ErrorOutputPrefix contains expressions, so it must contain "
                 "!{firehose:error-output-type} at least once");
  // A purely literal error prefix is accepted.
  EXPECT_TRUE(Validate("d/!{timestamp:yyyy}/", std::string("errors/")));
}

TEST(ValidatePrefixesTest, Rule4ErrorPrefixRequiredWhenPrefixHasExpressions) {
  const std::string message = "ErrorOutputPrefix can't be null when Prefix contains expressions";
  ExpectRejected(Validate("!{timestamp:yyyy/MM/dd}", std::nullopt), message);
  ExpectRejected(Validate("r/!{firehose:random-string}/", std::string()), message);
  EXPECT_TRUE(Validate("plain/", std::nullopt));
}

TEST(ValidatePrefixesTest, Rule5NoPartitionKeysInErrorPrefix) {
  ExpectRejected(
      Validate("d/", std::string("e/!{firehose:error-output-type}/!{partitionKeyFromQuery:c}/")),
      "ErrorOutputPrefix can't contain !{partitionKeyFromQuery:c} (position 32): partition keys "
      "are allowed only in Prefix");
}

TEST(ValidatePrefixesTest, Rule6DynamicPartitioningNeedsAnErrorPrefix) {
  ExpectRejected(Validate("d/", std::nullopt, /*dynamic_partitioning=*/true),
                 "ErrorOutputPrefix is required when dynamic partitioning is enabled");
}

TEST(ValidatePrefixesTest, PartitionKeysInPrefixAreUnsupported) {
  ExpectRejected(Validate("c=!{partitionKeyFromLambda:customer}/",
                          std::string("e/!{firehose:error-output-type}/")),
                 "Prefix uses !{partitionKeyFromLambda:customer} at position 2: lakebox does not "
                 "support dynamic partitioning (partitionKeyFromQuery / partitionKeyFromLambda); "
                 "use !{timestamp:...} and !{firehose:random-string} expressions");
}

TEST(ValidatePrefixesTest, Rule7AtMost512EvaluatedCharacters) {
  // A literal Prefix gets yyyy/MM/dd/HH/ (14 characters) appended.
  EXPECT_TRUE(Validate(std::string(498, 'x'), std::string("errors/")));
  ExpectRejected(Validate(std::string(499, 'x'), std::string("errors/")),
                 "Prefix can be at most 512 characters once evaluated, and this one can reach 513");
  // An explicit error prefix: the type counts as its longest S3 value (24 characters).
  const std::string type = "!{firehose:error-output-type}";
  EXPECT_TRUE(Validate("d/", "e/" + type + std::string(486, 'y')));
  ExpectRejected(Validate("d/", "e/" + type + std::string(487, 'y')),
                 "ErrorOutputPrefix can be at most 512 characters once evaluated, and this one "
                 "can reach 513");
  // The default error prefix adds 39 characters to a literal Prefix.
  EXPECT_TRUE(Validate(std::string(473, 'x'), std::nullopt));
  const Status s = Validate(std::string(474, 'x'), std::nullopt);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message().rfind("The default ErrorOutputPrefix (xxx", 0), 0u)
      << s.error().message();
  EXPECT_NE(s.error().message().find("can reach 513"), std::string::npos);
  // Timestamp patterns count at their longest (MMMM: September).
  EXPECT_TRUE(Validate(std::string(503, 'x') + "!{timestamp:MMMM}", std::string("errors/")));
  EXPECT_FALSE(Validate(std::string(504, 'x') + "!{timestamp:MMMM}", std::string("errors/")));
}

TEST(ObjectKeyTest, PrefixPlusFirehoseSuffix) {
  Result<DeliveryPrefixes> prefixes =
      CompileDeliveryPrefixes(kSeedPrefix, std::string(kSeedErrorPrefix));
  ASSERT_TRUE(prefixes) << prefixes.error().ToString();
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.random_seed = 5;
  Result<std::string> key = ObjectKey(prefixes->data, ctx, "orders", 1, ".gz");
  ASSERT_TRUE(key) << key.error().ToString();
  EXPECT_EQ(*key, "raw/year=2026/month=11/day=25/hour=22/orders-1-2026-11-25-22-16-52-" +
                      DeterministicUuid(5) + ".gz");
  // Deterministic: the same context gives the same key; another seed another uuid.
  EXPECT_EQ(*ObjectKey(prefixes->data, ctx, "orders", 1, ".gz"), *key);
  ctx.random_seed = 6;
  EXPECT_NE(*ObjectKey(prefixes->data, ctx, "orders", 1, ".gz"), *key);

  // The suffix time follows the zone too; UNCOMPRESSED has no extension.
  ctx.zone = Zone("Asia/Tokyo");
  key = ObjectKey(prefixes->data, ctx, "vehicles", 3, "");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "raw/year=2026/month=11/day=26/hour=07/vehicles-3-2026-11-26-07-16-52-" +
                      DeterministicUuid(6));

  ctx.error_output_type = kProcessingFailed;
  key = ObjectKey(prefixes->error, ctx, "vehicles", 3, "");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "fherroroutputbase/" + RandomString(6, 0) +
                      "/processing-failed/2026/11/26/vehicles-3-2026-11-26-07-16-52-" +
                      DeterministicUuid(6));
}

TEST(ObjectKeyTest, RejectsAnEvaluatedPrefixOver512Characters) {
  Result<CompiledPrefix> ok = CompiledPrefix::Compile(std::string(512, 'k'));
  Result<CompiledPrefix> too_long = CompiledPrefix::Compile(std::string(513, 'k'));
  ASSERT_TRUE(ok);
  ASSERT_TRUE(too_long);
  EXPECT_TRUE(ObjectKey(*ok, EvalContext{}, "s", 1, ""));
  Result<std::string> key = ObjectKey(*too_long, EvalContext{}, "s", 1, "");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code(), Error::Code::kInvalidArgument);
  EXPECT_NE(key.error().message().find("513 characters long"), std::string::npos);
}

TEST(CompileDeliveryPrefixesTest, DefaultsForEmptyPrefixes) {
  Result<DeliveryPrefixes> prefixes = CompileDeliveryPrefixes("", std::nullopt);
  ASSERT_TRUE(prefixes) << prefixes.error().ToString();
  EvalContext ctx;
  ctx.instant_ms = kNov25Ms;
  ctx.error_output_type = kProcessingFailed;
  EXPECT_EQ(Evaluate(prefixes->data, ctx), "2026/11/25/22/");
  EXPECT_EQ(Evaluate(prefixes->error, ctx), "processing-failed/2026/11/25/22/");
  // An explicitly empty ErrorOutputPrefix is treated as absent.
  prefixes = CompileDeliveryPrefixes("logs/", std::string());
  ASSERT_TRUE(prefixes);
  EXPECT_EQ(Evaluate(prefixes->error, ctx), "logs/processing-failed/2026/11/25/22/");
}

TEST(CompileDeliveryPrefixesTest, SeedPairAndRejection) {
  Result<DeliveryPrefixes> prefixes =
      CompileDeliveryPrefixes(kSeedPrefix, std::string(kSeedErrorPrefix));
  ASSERT_TRUE(prefixes);
  EXPECT_TRUE(prefixes->data.has_timestamp());
  EXPECT_FALSE(prefixes->data.has_error_output_type());
  EXPECT_TRUE(prefixes->error.has_error_output_type());
  EXPECT_EQ(prefixes->data.text(), kSeedPrefix);
  EXPECT_EQ(prefixes->error.text(), kSeedErrorPrefix);
  Result<DeliveryPrefixes> bad = CompileDeliveryPrefixes(kSeedPrefix, std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "ErrorOutputPrefix can't be null when Prefix contains expressions");
}

TEST(PrefixWarningsTest, FlagsLikelyMistakes) {
  std::vector<std::string> w = PrefixWarnings(kSeedPrefix);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("Prefix uses Y, the week-based year", 0), 0u) << w[0];
  EXPECT_NE(w[0].find("Use yyyy"), std::string::npos);

  EXPECT_TRUE(PrefixWarnings(kSeedErrorPrefix, "ErrorOutputPrefix").empty());
  EXPECT_TRUE(PrefixWarnings("").empty());
  EXPECT_TRUE(PrefixWarnings("!{timestamp:yyyy/MM/dd/HH/mm}").empty());
  EXPECT_TRUE(PrefixWarnings("!{timestamp:yyyy/DDD}").empty());  // day of year on purpose
  EXPECT_TRUE(PrefixWarnings("!{timestamp:hh a}").empty());
  EXPECT_TRUE(PrefixWarnings("!{timestamp:bad pattern}").empty());  // invalid: no warnings

  w = PrefixWarnings("!{timestamp:yyyy/MM/DD}");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("Prefix uses D (day of the year", 0), 0u) << w[0];
  w = PrefixWarnings("y=!{timestamp:yyyy}/m=!{timestamp:mm}/", "ErrorOutputPrefix");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("ErrorOutputPrefix uses m (minute", 0), 0u) << w[0];
  w = PrefixWarnings("!{timestamp:yyyy/MM/dd/hh}");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("Prefix uses a 12-hour clock", 0), 0u) << w[0];
  EXPECT_EQ(PrefixWarnings("!{timestamp:YYYY/MM/DD/hh}").size(), 3u);
}

}  // namespace
}  // namespace lakebox::ingest
