#include "ingest/stream_toml.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace lakebox::ingest {
namespace {

Result<std::vector<StreamConfig>> Parse(std::string_view text) {
  auto config = Config::Parse(text, "test.toml");
  if (!config) return std::unexpected(config.error());
  return StreamConfigsFromToml(config->raw(), "test.toml", "000000000000");
}

TEST(StreamTomlTest, ReadsTheSeedStream) {
  auto streams = Parse(R"(
[[stream]]
name = "vehicles"
bucket_arn = "arn:aws:s3:::lake"
prefix = "raw/year=!{timestamp:yyyy}/"
error_output_prefix = "err/!{firehose:error-output-type}/"
compression = "GZIP"
buffer_size_mb = 128
buffer_interval_seconds = 900
custom_time_zone = "America/Sao_Paulo"

[[stream]]
name = "logs"
bucket_arn = "arn:aws:s3:::lake"
)");
  ASSERT_TRUE(streams) << streams.error().ToString();
  ASSERT_EQ(streams->size(), 2u);
  const StreamConfig& v = (*streams)[0];
  EXPECT_EQ(v.name, "vehicles");
  EXPECT_EQ(v.Bucket(), "lake");
  EXPECT_EQ(v.compression, Compression::kGzip);
  EXPECT_EQ(v.buffer_size_mb, 128);
  EXPECT_EQ(v.buffer_interval_seconds, 900);
  EXPECT_EQ(v.custom_time_zone, "America/Sao_Paulo");
  EXPECT_EQ(v.error_output_prefix, "err/!{firehose:error-output-type}/");
  EXPECT_EQ(v.role_arn, "arn:aws:iam::000000000000:role/lakebox");
  EXPECT_TRUE(ValidateStreamConfig(v)) << ValidateStreamConfig(v).error().ToString();
  const StreamConfig& logs = (*streams)[1];
  EXPECT_EQ(logs.compression, Compression::kUncompressed);
  EXPECT_EQ(logs.buffer_size_mb, 5);
  EXPECT_EQ(logs.buffer_interval_seconds, 300);
}

TEST(StreamTomlTest, ErrorsNameTheStreamAndKey) {
  auto missing = Parse("[[stream]]\nname = \"x\"\n");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("bucket_arn"), std::string::npos);
  auto unknown = Parse("[[stream]]\nname = \"x\"\nbucket_arn = \"arn:aws:s3:::b\"\nbuffer_mb = 3\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("buffer_mb"), std::string::npos);
  auto compression = Parse("[[stream]]\nname = \"x\"\nbucket_arn = \"arn:aws:s3:::b\"\ncompression = \"gzip\"\n");
  ASSERT_FALSE(compression);  // Firehose's names are case-sensitive: GZIP
  auto type = Parse("[[stream]]\nname = \"x\"\nbucket_arn = \"arn:aws:s3:::b\"\nbuffer_size_mb = \"big\"\n");
  ASSERT_FALSE(type);
  EXPECT_FALSE(Parse("stream = 3\n"));
}

}  // namespace
}  // namespace lakebox::ingest
