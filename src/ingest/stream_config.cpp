#include "ingest/stream_config.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "common/time.h"
#include "ingest/prefix_expression.h"

namespace lakebox::ingest {
namespace {

constexpr std::array<std::pair<std::string_view, Compression>, 5> kCompressionNames = {{
    {"UNCOMPRESSED", Compression::kUncompressed},
    {"GZIP", Compression::kGzip},
    {"ZIP", Compression::kZip},
    {"Snappy", Compression::kSnappy},
    {"HADOOP_SNAPPY", Compression::kHadoopSnappy},
}};

// The model's patterns, spelled as AWS prints them in ValidationException messages.
constexpr std::string_view kNamePattern = "[a-zA-Z0-9_.-]+";
constexpr std::string_view kRoleArnPattern = R"(arn:.*:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+)";
constexpr std::string_view kBucketArnPattern = R"(arn:.*:s3:::[\w\.\-]{1,255})";
constexpr std::string_view kFileExtensionPattern = R"(^$|\.[0-9a-z!\-_.*'()]+)";
constexpr std::string_view kTimeZonePattern = "^$|[a-zA-Z/_]+";

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  return std::all_of(s.begin(), s.end(), pred);
}

// Hand-written matchers for the model's regular expressions (full match, Java semantics):
// std::regex recurses per character and would overflow the stack on a long hostile value.

bool MatchesName(std::string_view s) {
  return !s.empty() &&
         AllOf(s, [](char c) { return IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-'; });
}

// "arn:" .* <marker> <tail>, where `.` is any character but a line terminator.
template <typename TailMatcher>
bool MatchesArn(std::string_view s, std::string_view marker, TailMatcher tail_matches) {
  if (!s.starts_with("arn:")) return false;
  for (size_t p = s.find(marker, 4); p != std::string_view::npos; p = s.find(marker, p + 1)) {
    const std::string_view any = s.substr(4, p - 4);
    if (any.find_first_of("\r\n") != std::string_view::npos) return false;
    if (tail_matches(s.substr(p + marker.size()))) return true;
  }
  return false;
}

bool MatchesRoleArn(std::string_view s) {
  return MatchesArn(s, ":iam::", [](std::string_view tail) {
    if (tail.size() < 12 + 6 + 1 || !AllOf(tail.substr(0, 12), IsDigit) ||
        tail.substr(12, 6) != ":role/") {
      return false;
    }
    return AllOf(tail.substr(18), [](char c) {
      return IsAsciiAlnum(c) || std::string_view("_+=,.@-/").find(c) != std::string_view::npos;
    });
  });
}

bool MatchesBucketArn(std::string_view s) {
  return MatchesArn(s, ":s3:::", [](std::string_view tail) {
    return !tail.empty() && tail.size() <= 255 &&
           AllOf(tail, [](char c) { return IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-'; });
  });
}

bool MatchesFileExtension(std::string_view s) {
  if (s.empty()) return true;
  return s.size() >= 2 && s[0] == '.' && AllOf(s.substr(1), [](char c) {
           return (c >= 'a' && c <= 'z') || IsDigit(c) ||
                  std::string_view("!-_.*'()").find(c) != std::string_view::npos;
         });
}

bool MatchesTimeZone(std::string_view s) {
  return AllOf(s, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '_';
  });
}

// Collects modelled-constraint violations in AWS's ValidationException wording.
class Violations {
 public:
  void Length(std::string_view value, std::string_view path, size_t min, size_t max) {
    if (value.size() < min) {
      Add(value, path, fmt::format("Member must have length greater than or equal to {}", min));
    }
    if (value.size() > max) {
      Add(value, path, fmt::format("Member must have length less than or equal to {}", max));
    }
  }
  void Pattern(std::string_view value, std::string_view path, bool matches,
               std::string_view pattern) {
    if (!matches) {
      Add(value, path,
          fmt::format("Member must satisfy regular expression pattern: {}", pattern));
    }
  }
  void Range(int value, std::string_view path, int min, int max) {
    const std::string text = fmt::format("{}", value);
    if (value < min) {
      Add(text, path, fmt::format("Member must have value greater than or equal to {}", min));
    }
    if (value > max) {
      Add(text, path, fmt::format("Member must have value less than or equal to {}", max));
    }
  }

  Status ToStatus() const {
    if (items_.empty()) return Ok();
    return std::unexpected(Error::Validation(
        fmt::format("{} validation error{} detected: {}", items_.size(),
                    items_.size() == 1 ? "" : "s", fmt::join(items_, "; "))));
  }

 private:
  void Add(std::string_view value, std::string_view path, std::string_view constraint) {
    items_.push_back(fmt::format("Value '{}' at '{}' failed to satisfy constraint: {}", value,
                                 path, constraint));
  }
  std::vector<std::string> items_;
};

bool DynamicPartitioningEnabled(const nlohmann::json& passthrough) {
  if (!passthrough.is_object()) return false;
  auto dp = passthrough.find("DynamicPartitioningConfiguration");
  if (dp == passthrough.end() || !dp->is_object()) return false;
  auto enabled = dp->find("Enabled");
  return enabled != dp->end() && enabled->is_boolean() && enabled->get<bool>();
}

// ---- JSON reading ----

Error BadField(std::string_view key, std::string_view expected) {
  return Error::Corruption(fmt::format("stream config: field '{}' must be {}", key, expected));
}

Status ReadString(const nlohmann::json& j, std::string_view key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return Ok();
  if (!it->is_string()) return std::unexpected(BadField(key, "a string"));
  out = it->get<std::string>();
  return Ok();
}

Status ReadOptionalString(const nlohmann::json& j, std::string_view key,
                          std::optional<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out.reset();
    return Ok();
  }
  if (!it->is_string()) return std::unexpected(BadField(key, "a string or null"));
  out = it->get<std::string>();
  return Ok();
}

Status ReadInt(const nlohmann::json& j, std::string_view key, int& out) {
  auto it = j.find(key);
  if (it == j.end()) return Ok();
  if (!it->is_number_integer()) return std::unexpected(BadField(key, "an integer"));
  const int64_t v = it->get<int64_t>();
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return std::unexpected(BadField(key, "a 32-bit integer"));
  }
  out = static_cast<int>(v);
  return Ok();
}

Status ReadBool(const nlohmann::json& j, std::string_view key, bool& out) {
  auto it = j.find(key);
  if (it == j.end()) return Ok();
  if (!it->is_boolean()) return std::unexpected(BadField(key, "true or false"));
  out = it->get<bool>();
  return Ok();
}

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  for (const auto& [n, c] : kCompressionNames) {
    if (n == name) return c;
  }
  return std::unexpected(Error::Validation(fmt::format(
      "1 validation error detected: Value '{}' at 'compressionFormat' failed to satisfy "
      "constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, "
      "HADOOP_SNAPPY]",
      name)));
}

std::string_view CompressionName(Compression c) {
  for (const auto& [n, value] : kCompressionNames) {
    if (value == c) return n;
  }
  return "UNCOMPRESSED";
}

std::string_view DefaultFileExtension(Compression c) {
  switch (c) {
    case Compression::kUncompressed: return "";
    case Compression::kGzip: return ".gz";
    case Compression::kZip: return ".zip";
    case Compression::kSnappy: return ".snappy";
    case Compression::kHadoopSnappy: return ".hsnappy";
  }
  return "";
}

std::string StreamConfig::Bucket() const {
  const size_t p = bucket_arn.rfind(":::");
  return p == std::string::npos ? std::string() : bucket_arn.substr(p + 3);
}

Status ValidateStreamConfig(const StreamConfig& config) {
  const std::string dest =
      config.extended ? "extendedS3DestinationConfiguration" : "s3DestinationConfiguration";
  auto path = [&dest](std::string_view member) { return fmt::format("{}.{}", dest, member); };

  Violations v;
  v.Length(config.name, "deliveryStreamName", 1, 64);
  v.Pattern(config.name, "deliveryStreamName", MatchesName(config.name), kNamePattern);
  v.Length(config.role_arn, path("roleARN"), 1, 512);
  v.Pattern(config.role_arn, path("roleARN"), MatchesRoleArn(config.role_arn), kRoleArnPattern);
  v.Length(config.bucket_arn, path("bucketARN"), 1, 2048);
  v.Pattern(config.bucket_arn, path("bucketARN"), MatchesBucketArn(config.bucket_arn),
            kBucketArnPattern);
  v.Length(config.prefix, path("prefix"), 0, 1024);
  if (config.error_output_prefix) {
    v.Length(*config.error_output_prefix, path("errorOutputPrefix"), 0, 1024);
  }
  v.Range(config.buffer_size_mb, path("bufferingHints.sizeInMBs"), 1, 128);
  v.Range(config.buffer_interval_seconds, path("bufferingHints.intervalInSeconds"), 0, 900);
  if (config.file_extension) {
    v.Length(*config.file_extension, path("fileExtension"), 0, 128);
    v.Pattern(*config.file_extension, path("fileExtension"),
              MatchesFileExtension(*config.file_extension), kFileExtensionPattern);
  }
  v.Length(config.custom_time_zone, path("customTimeZone"), 0, 50);
  v.Pattern(config.custom_time_zone, path("customTimeZone"),
            MatchesTimeZone(config.custom_time_zone), kTimeZonePattern);
  LAKEBOX_TRY(v.ToStatus());

  const bool dynamic_partitioning = DynamicPartitioningEnabled(config.passthrough);
  LAKEBOX_TRY(
      ValidatePrefixes(config.prefix, config.error_output_prefix, dynamic_partitioning));
  if (dynamic_partitioning) {
    return std::unexpected(Error::InvalidArgument(
        "lakebox does not support dynamic partitioning: leave "
        "DynamicPartitioningConfiguration out or set its Enabled to false, and partition with "
        "!{timestamp:...} expressions in Prefix"));
  }
  LAKEBOX_TRY(TimeZone::Load(config.custom_time_zone));
  return Ok();
}

std::vector<std::string> StreamConfigWarnings(const StreamConfig& config) {
  std::vector<std::string> warnings = PrefixWarnings(config.prefix, "Prefix");
  if (config.error_output_prefix) {
    std::vector<std::string> more =
        PrefixWarnings(*config.error_output_prefix, "ErrorOutputPrefix");
    warnings.insert(warnings.end(), more.begin(), more.end());
  }
  return warnings;
}

nlohmann::json ToJson(const StreamConfig& config) {
  nlohmann::json j = {
      {"name", config.name},
      {"role_arn", config.role_arn},
      {"bucket_arn", config.bucket_arn},
      {"prefix", config.prefix},
      {"error_output_prefix", nullptr},
      {"buffer_size_mb", config.buffer_size_mb},
      {"buffer_interval_seconds", config.buffer_interval_seconds},
      {"compression", CompressionName(config.compression)},
      {"file_extension", nullptr},
      {"custom_time_zone", config.custom_time_zone},
      {"extended", config.extended},
      {"passthrough", config.passthrough},
  };
  if (config.error_output_prefix) j["error_output_prefix"] = *config.error_output_prefix;
  if (config.file_extension) j["file_extension"] = *config.file_extension;
  return j;
}

Result<StreamConfig> StreamConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return std::unexpected(Error::Corruption("stream config: expected a JSON object"));
  }
  if (!j.contains("name")) {
    return std::unexpected(Error::Corruption("stream config: field 'name' is missing"));
  }
  StreamConfig c;
  LAKEBOX_TRY(ReadString(j, "name", c.name));
  LAKEBOX_TRY(ReadString(j, "role_arn", c.role_arn));
  LAKEBOX_TRY(ReadString(j, "bucket_arn", c.bucket_arn));
  LAKEBOX_TRY(ReadString(j, "prefix", c.prefix));
  LAKEBOX_TRY(ReadOptionalString(j, "error_output_prefix", c.error_output_prefix));
  LAKEBOX_TRY(ReadInt(j, "buffer_size_mb", c.buffer_size_mb));
  LAKEBOX_TRY(ReadInt(j, "buffer_interval_seconds", c.buffer_interval_seconds));
  std::string compression(CompressionName(c.compression));
  LAKEBOX_TRY(ReadString(j, "compression", compression));
  Result<Compression> parsed = ParseCompression(compression);
  if (!parsed) {
    return std::unexpected(BadField("compression", "one of UNCOMPRESSED, GZIP, ZIP, Snappy, "
                                                   "HADOOP_SNAPPY"));
  }
  c.compression = *parsed;
  LAKEBOX_TRY(ReadOptionalString(j, "file_extension", c.file_extension));
  LAKEBOX_TRY(ReadString(j, "custom_time_zone", c.custom_time_zone));
  LAKEBOX_TRY(ReadBool(j, "extended", c.extended));
  if (auto it = j.find("passthrough"); it != j.end()) {
    if (!it->is_object()) return std::unexpected(BadField("passthrough", "an object"));
    c.passthrough = *it;
  }
  return c;
}

}  // namespace lakebox::ingest
