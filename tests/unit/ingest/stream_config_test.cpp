#include "ingest/stream_config.h"

#include <string>

#include <gtest/gtest.h>

namespace lakebox::ingest {
namespace {

StreamConfig ValidConfig() {
  StreamConfig c;
  c.name = "vehicles";
  c.role_arn = "arn:aws:iam::000000000000:role/firehose-role";
  c.bucket_arn = "arn:aws:s3:::lake";
  c.prefix =
      "raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
  c.error_output_prefix =
      "fherroroutputbase/!{firehose:random-string}/!{firehose:error-output-type}/"
      "!{timestamp:yyyy/MM/dd}/";
  return c;
}

void ExpectError(const Status& s, Error::Code code, std::string_view message) {
  ASSERT_FALSE(s) << "expected: " << message;
  EXPECT_EQ(s.error().code(), code) << s.error().ToString();
  EXPECT_EQ(s.error().message(), message);
}

TEST(CompressionTest, ParsesFirehoseSpellingsOnly) {
  const std::vector<std::pair<std::string_view, Compression>> cases = {
      {"UNCOMPRESSED", Compression::kUncompressed}, {"GZIP", Compression::kGzip},
      {"ZIP", Compression::kZip},                   {"Snappy", Compression::kSnappy},
      {"HADOOP_SNAPPY", Compression::kHadoopSnappy},
  };
  for (const auto& [name, c] : cases) {
    Result<Compression> parsed = ParseCompression(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(*parsed, c);
    EXPECT_EQ(CompressionName(c), name);
  }
  for (std::string_view bad : {"gzip", "SNAPPY", "", "ZSTD"}) {
    Result<Compression> parsed = ParseCompression(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code(), Error::Code::kValidation);
  }
  EXPECT_EQ(ParseCompression("gzip").error().message(),
            "1 validation error detected: Value 'gzip' at 'compressionFormat' failed to satisfy "
            "constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, "
            "HADOOP_SNAPPY]");
}

TEST(CompressionTest, DefaultExtensions) {
  EXPECT_EQ(DefaultFileExtension(Compression::kUncompressed), "");
  EXPECT_EQ(DefaultFileExtension(Compression::kGzip), ".gz");
  EXPECT_EQ(DefaultFileExtension(Compression::kZip), ".zip");
  EXPECT_EQ(DefaultFileExtension(Compression::kSnappy), ".snappy");
  EXPECT_EQ(DefaultFileExtension(Compression::kHadoopSnappy), ".hsnappy");
}

TEST(StreamConfigTest, Bucket) {
  StreamConfig c;
  c.bucket_arn = "arn:aws:s3:::lake";
  EXPECT_EQ(c.Bucket(), "lake");
  c.bucket_arn = "arn:aws-cn:s3:::my.bucket-1";
  EXPECT_EQ(c.Bucket(), "my.bucket-1");
  c.bucket_arn = "not-an-arn";
  EXPECT_EQ(c.Bucket(), "");
}

TEST(ValidateStreamConfigTest, AcceptsValidConfigs) {
  EXPECT_TRUE(ValidateStreamConfig(ValidConfig()));
  StreamConfig c = ValidConfig();
  c.prefix = "";
  c.error_output_prefix.reset();
  c.buffer_size_mb = 128;
  c.buffer_interval_seconds = 0;
  c.compression = Compression::kGzip;
  c.file_extension = ".json.gz";
  c.custom_time_zone = "America/Sao_Paulo";
  c.name = std::string(64, 'a');
  c.role_arn = "arn:aws-us-gov:iam::123456789012:role/service-role/Fire_hose+=,.@-";
  c.bucket_arn = "arn:aws:s3:::" + std::string(255, 'b');
  EXPECT_TRUE(ValidateStreamConfig(c)) << ValidateStreamConfig(c).error().ToString();
  c.file_extension = "";  // the pattern allows the empty string
  c.custom_time_zone = "UTC";
  c.buffer_size_mb = 1;
  c.buffer_interval_seconds = 900;
  EXPECT_TRUE(ValidateStreamConfig(c));
}

TEST(ValidateStreamConfigTest, StreamName) {
  StreamConfig c = ValidConfig();
  c.name = std::string(65, 'n');
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "1 validation error detected: Value '" + c.name +
                  "' at 'deliveryStreamName' failed to satisfy constraint: Member must have "
                  "length less than or equal to 64");
  c.name = "my stream";
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "1 validation error detected: Value 'my stream' at 'deliveryStreamName' failed to "
              "satisfy constraint: Member must satisfy regular expression pattern: "
              "[a-zA-Z0-9_.-]+");
  c.name = "";
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "2 validation errors detected: Value '' at 'deliveryStreamName' failed to satisfy "
              "constraint: Member must have length greater than or equal to 1; Value '' at "
              "'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular "
              "expression pattern: [a-zA-Z0-9_.-]+");
}

TEST(ValidateStreamConfigTest, Arns) {
  for (std::string_view bad :
       {"arn:aws:iam::00000000000:role/r", "arn:aws:iam::000000000000:user/r",
        "arn:aws:iam::000000000000:role/", "aws:iam::000000000000:role/r",
        "arn:aws:iam::000000000000:role/r r"}) {
    StreamConfig c = ValidConfig();
    c.role_arn = std::string(bad);
    ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
                "1 validation error detected: Value '" + c.role_arn +
                    "' at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy "
                    "constraint: Member must satisfy regular expression pattern: "
                    "arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+");
  }
  for (std::string_view bad : {"arn:aws:s3:::", "arn:aws:s3:::bad/bucket", "arn:aws:s3::lake",
                               "s3://lake"}) {
    StreamConfig c = ValidConfig();
    c.bucket_arn = std::string(bad);
    ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
                "1 validation error detected: Value '" + c.bucket_arn +
                    "' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy "
                    "constraint: Member must satisfy regular expression pattern: "
                    "arn:.*:s3:::[\\w\\.\\-]{1,255}");
  }
  StreamConfig c = ValidConfig();
  c.bucket_arn = "arn:aws:s3:::" + std::string(256, 'b');
  EXPECT_FALSE(ValidateStreamConfig(c));
  // The deprecated S3DestinationConfiguration reports its own member path.
  c = ValidConfig();
  c.extended = false;
  c.role_arn = "";
  const Status s = ValidateStreamConfig(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("at 's3DestinationConfiguration.roleARN'"),
            std::string::npos)
      << s.error().message();
}

TEST(ValidateStreamConfigTest, BufferingHints) {
  StreamConfig c = ValidConfig();
  c.buffer_size_mb = 0;
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "1 validation error detected: Value '0' at "
              "'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy "
              "constraint: Member must have value greater than or equal to 1");
  c.buffer_size_mb = 129;
  c.buffer_interval_seconds = 901;
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "2 validation errors detected: Value '129' at "
              "'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy "
              "constraint: Member must have value less than or equal to 128; Value '901' at "
              "'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to "
              "satisfy constraint: Member must have value less than or equal to 900");
  c = ValidConfig();
  c.buffer_interval_seconds = -1;
  EXPECT_FALSE(ValidateStreamConfig(c));
}

TEST(ValidateStreamConfigTest, FileExtension) {
  for (std::string_view bad : {"gz", ".GZ", ".", ".json gz"}) {
    StreamConfig c = ValidConfig();
    c.file_extension = std::string(bad);
    ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
                "1 validation error detected: Value '" + std::string(bad) +
                    "' at 'extendedS3DestinationConfiguration.fileExtension' failed to satisfy "
                    "constraint: Member must satisfy regular expression pattern: "
                    "^$|\\.[0-9a-z!\\-_.*'()]+");
  }
  StreamConfig c = ValidConfig();
  c.file_extension = "." + std::string(128, 'x');
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "1 validation error detected: Value '" + *c.file_extension +
                  "' at 'extendedS3DestinationConfiguration.fileExtension' failed to satisfy "
                  "constraint: Member must have length less than or equal to 128");
  c.file_extension = ".a!-_.*'()9";
  EXPECT_TRUE(ValidateStreamConfig(c));
}

TEST(ValidateStreamConfigTest, CustomTimeZone) {
  StreamConfig c = ValidConfig();
  c.custom_time_zone = "Etc/GMT+9";  // a real zone, but outside the model's pattern
  ExpectError(ValidateStreamConfig(c), Error::Code::kValidation,
              "1 validation error detected: Value 'Etc/GMT+9' at "
              "'extendedS3DestinationConfiguration.customTimeZone' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: ^$|[a-zA-Z/_]+");
  c.custom_time_zone = "Mars/Olympus_Mons";
  ExpectError(ValidateStreamConfig(c), Error::Code::kInvalidArgument,
              "unknown time zone Mars/Olympus_Mons: use an IANA name such as Asia/Tokyo");
  c.custom_time_zone = std::string(51, 'Z');
  const Status s = ValidateStreamConfig(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Error::Code::kValidation);
  EXPECT_NE(s.error().message().find("length less than or equal to 50"), std::string::npos);
  c.custom_time_zone = "Asia/Tokyo";
  EXPECT_TRUE(ValidateStreamConfig(c));
}

TEST(ValidateStreamConfigTest, PrefixLengthIsAValidationError) {
  StreamConfig c = ValidConfig();
  c.prefix = std::string(1025, 'p');
  c.error_output_prefix = std::string(1025, 'e');
  const Status s = ValidateStreamConfig(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Error::Code::kValidation);
  EXPECT_EQ(s.error().message().rfind("2 validation errors detected: Value 'ppp", 0), 0u);
  EXPECT_NE(s.error().message().find("at 'extendedS3DestinationConfiguration.prefix' failed to "
                                     "satisfy constraint: Member must have length less than or "
                                     "equal to 1024"),
            std::string::npos);
  EXPECT_NE(s.error().message().find("'extendedS3DestinationConfiguration.errorOutputPrefix'"),
            std::string::npos);
}

TEST(ValidateStreamConfigTest, PrefixRulesAreInvalidArgument) {
  StreamConfig c = ValidConfig();
  c.error_output_prefix.reset();
  ExpectError(ValidateStreamConfig(c), Error::Code::kInvalidArgument,
              "ErrorOutputPrefix can't be null when Prefix contains expressions");
  c = ValidConfig();
  c.prefix = "raw/!{timestamp:yyyy";
  const Status s = ValidateStreamConfig(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Error::Code::kInvalidArgument);
  c = ValidConfig();
  c.prefix = std::string(600, 'p');  // within the schema's 1024, beyond 512 once evaluated
  c.error_output_prefix = "errors/";
  ExpectError(ValidateStreamConfig(c), Error::Code::kInvalidArgument,
              "Prefix can be at most 512 characters once evaluated, and this one can reach 614");
}

TEST(ValidateStreamConfigTest, DynamicPartitioningIsRejected) {
  StreamConfig c = ValidConfig();
  c.passthrough["DynamicPartitioningConfiguration"] = {{"Enabled", true}};
  ExpectError(ValidateStreamConfig(c), Error::Code::kInvalidArgument,
              "lakebox does not support dynamic partitioning: leave "
              "DynamicPartitioningConfiguration out or set its Enabled to false, and partition "
              "with !{timestamp:...} expressions in Prefix");
  // Rule 6 comes first: the error prefix is required with dynamic partitioning.
  c.prefix = "plain/";
  c.error_output_prefix.reset();
  ExpectError(ValidateStreamConfig(c), Error::Code::kInvalidArgument,
              "ErrorOutputPrefix is required when dynamic partitioning is enabled");
  c = ValidConfig();
  c.passthrough["DynamicPartitioningConfiguration"] = {{"Enabled", false}};
  EXPECT_TRUE(ValidateStreamConfig(c));
}

TEST(ValidateStreamConfigTest, ValidationErrorsComeBeforeSemanticOnes) {
  StreamConfig c = ValidConfig();
  c.error_output_prefix.reset();  // a semantic error...
  c.buffer_size_mb = 500;         // ...and a modelled one: the modelled one is reported
  const Status s = ValidateStreamConfig(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Error::Code::kValidation);
}

TEST(StreamConfigWarningsTest, SeedPrefixGetsTheWeekYearWarning) {
  std::vector<std::string> w = StreamConfigWarnings(ValidConfig());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("Prefix uses Y, the week-based year", 0), 0u) << w[0];
  StreamConfig c = ValidConfig();
  c.prefix = "raw/!{timestamp:yyyy/MM/dd/HH}/";
  c.error_output_prefix = "err/!{firehose:error-output-type}/!{timestamp:YYYY/MM/DD}/";
  w = StreamConfigWarnings(c);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].rfind("ErrorOutputPrefix uses Y", 0), 0u) << w[0];
  EXPECT_EQ(w[1].rfind("ErrorOutputPrefix uses D", 0), 0u) << w[1];
}

void ExpectSameConfig(const StreamConfig& a, const StreamConfig& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.role_arn, b.role_arn);
  EXPECT_EQ(a.bucket_arn, b.bucket_arn);
  EXPECT_EQ(a.prefix, b.prefix);
  EXPECT_EQ(a.error_output_prefix, b.error_output_prefix);
  EXPECT_EQ(a.buffer_size_mb, b.buffer_size_mb);
  EXPECT_EQ(a.buffer_interval_seconds, b.buffer_interval_seconds);
  EXPECT_EQ(a.compression, b.compression);
  EXPECT_EQ(a.file_extension, b.file_extension);
  EXPECT_EQ(a.custom_time_zone, b.custom_time_zone);
  EXPECT_EQ(a.extended, b.extended);
  EXPECT_EQ(a.passthrough, b.passthrough);
}

TEST(StreamConfigJsonTest, RoundTripsEveryField) {
  StreamConfig c = ValidConfig();
  c.buffer_size_mb = 64;
  c.buffer_interval_seconds = 60;
  c.compression = Compression::kHadoopSnappy;
  c.file_extension = ".hs";
  c.custom_time_zone = "Asia/Tokyo";
  c.extended = false;
  c.passthrough = {{"CloudWatchLoggingOptions", {{"Enabled", true}, {"LogGroupName", "g"}}},
                   {"Tags", nlohmann::json::array({{{"Key", "k"}, {"Value", "v"}}})}};
  const nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["compression"], "HADOOP_SNAPPY");
  Result<StreamConfig> back = StreamConfigFromJson(j);
  ASSERT_TRUE(back) << back.error().ToString();
  ExpectSameConfig(*back, c);
  // Through text, as it is persisted.
  back = StreamConfigFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back);
  ExpectSameConfig(*back, c);

  StreamConfig defaults;
  defaults.name = "d";
  const nlohmann::json dj = ToJson(defaults);
  EXPECT_TRUE(dj["error_output_prefix"].is_null());
  EXPECT_TRUE(dj["file_extension"].is_null());
  back = StreamConfigFromJson(dj);
  ASSERT_TRUE(back);
  ExpectSameConfig(*back, defaults);
  // An empty error prefix stays distinct from an absent one.
  defaults.error_output_prefix = "";
  back = StreamConfigFromJson(ToJson(defaults));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->error_output_prefix, std::optional<std::string>(""));
}

TEST(StreamConfigJsonTest, MissingOptionalFieldsKeepDefaults) {
  Result<StreamConfig> c = StreamConfigFromJson({{"name", "n"}});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->name, "n");
  EXPECT_EQ(c->buffer_size_mb, 5);
  EXPECT_EQ(c->buffer_interval_seconds, 300);
  EXPECT_EQ(c->compression, Compression::kUncompressed);
  EXPECT_FALSE(c->error_output_prefix);
  EXPECT_TRUE(c->extended);
  EXPECT_EQ(c->passthrough, nlohmann::json::object());
}

TEST(StreamConfigJsonTest, RejectsMalformedDocuments) {
  const std::vector<std::pair<nlohmann::json, std::string_view>> cases = {
      {nlohmann::json::array(), "stream config: expected a JSON object"},
      {{{"prefix", "p"}}, "stream config: field 'name' is missing"},
      {{{"name", 5}}, "stream config: field 'name' must be a string"},
      {{{"name", "n"}, {"buffer_size_mb", "5"}},
       "stream config: field 'buffer_size_mb' must be an integer"},
      {{{"name", "n"}, {"buffer_size_mb", 1LL << 40}},
       "stream config: field 'buffer_size_mb' must be a 32-bit integer"},
      {{{"name", "n"}, {"compression", "gzip"}},
       "stream config: field 'compression' must be one of UNCOMPRESSED, GZIP, ZIP, Snappy, "
       "HADOOP_SNAPPY"},
      {{{"name", "n"}, {"error_output_prefix", 1}},
       "stream config: field 'error_output_prefix' must be a string or null"},
      {{{"name", "n"}, {"extended", "yes"}},
       "stream config: field 'extended' must be true or false"},
      {{{"name", "n"}, {"passthrough", "x"}},
       "stream config: field 'passthrough' must be an object"},
  };
  for (const auto& [j, message] : cases) {
    Result<StreamConfig> c = StreamConfigFromJson(j);
    ASSERT_FALSE(c) << j.dump();
    EXPECT_EQ(c.error().code(), Error::Code::kCorruption);
    EXPECT_EQ(c.error().message(), message);
  }
}

}  // namespace
}  // namespace lakebox::ingest
