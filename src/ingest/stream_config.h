// A delivery stream's configuration, as Firehose's CreateDeliveryStream describes it, reduced to
// what lakebox delivers: Direct PUT into an S3 bucket (the local object store) under an evaluated
// prefix, in buffers bounded by size and interval, compressed as configured.
// The server translates the Firehose JSON into this; ingest validates it and persists it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace lakebox::ingest {

enum class Compression { kUncompressed, kGzip, kZip, kSnappy, kHadoopSnappy };

// "UNCOMPRESSED" | "GZIP" | "ZIP" | "Snappy" | "HADOOP_SNAPPY" (Firehose's spelling, case-sensitive).
Result<Compression> ParseCompression(std::string_view name);
std::string_view CompressionName(Compression c);
// The extension Firehose appends for a compression when no FileExtension is set ("" for none).
std::string_view DefaultFileExtension(Compression c);

struct StreamConfig {
  std::string name;                       // 1-64 chars, [a-zA-Z0-9_.-]
  std::string role_arn;                   // stored, not enforced
  std::string bucket_arn;                 // arn:aws:s3:::<bucket>
  std::string prefix;                     // may hold !{...} expressions; "" = default time prefix
  std::optional<std::string> error_output_prefix;
  int buffer_size_mb = 5;                 // 1..128
  int buffer_interval_seconds = 300;      // 0..900
  Compression compression = Compression::kUncompressed;
  std::optional<std::string> file_extension;  // replaces the default extension when set
  std::string custom_time_zone;           // IANA name; "" = UTC
  // True when created with ExtendedS3DestinationConfiguration (vs the deprecated S3 one).
  bool extended = true;
  // Members lakebox accepts and echoes back in DescribeDeliveryStream but does not act on
  // (CloudWatchLoggingOptions, EncryptionConfiguration, ProcessingConfiguration, Tags...).
  nlohmann::json passthrough = nlohmann::json::object();

  // The bucket name: the part of bucket_arn after ":::".
  std::string Bucket() const;
};

// Checks every rule AWS applies at create time (name, ARN, buffer ranges, prefix expressions and
// the prefix/error-prefix pairing, extension and time zone syntax). InvalidArgumentException for
// semantic problems, ValidationException for modelled constraints (length, pattern, range).
// ValidationException lists every violated constraint in AWS's form ("2 validation errors
// detected: Value 'x' at 'deliveryStreamName' failed to satisfy constraint: ...; ..."), with
// member paths under extendedS3DestinationConfiguration (or s3DestinationConfiguration when
// !extended). Semantic checks (prefix_expression.h's ValidatePrefixes, then CustomTimeZone being
// a loadable zone) run only when there is no ValidationException. A `passthrough` member
// "DynamicPartitioningConfiguration" with "Enabled": true is rejected (InvalidArgument):
// lakebox does not support dynamic partitioning.
Status ValidateStreamConfig(const StreamConfig& config);

// Prefix warnings that are not errors (e.g. `YYYY`, the week-based year, where `yyyy` was meant).
std::vector<std::string> StreamConfigWarnings(const StreamConfig& config);

// Persistence form (lakebox's own; not the Firehose wire shape). Every field round-trips.
// StreamConfigFromJson: Corruption if `j` is not an object, "name" is missing, or a field has
// the wrong type or an unknown compression; absent optional fields keep their defaults.
nlohmann::json ToJson(const StreamConfig& config);
Result<StreamConfig> StreamConfigFromJson(const nlohmann::json& j);

}  // namespace lakebox::ingest
