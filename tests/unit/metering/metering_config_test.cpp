#include "metering/metering_config.h"

#include <gtest/gtest.h>

#include "common/config.h"
#include "test_support.h"

namespace lakebox::metering {
namespace {

Result<MeteringConfig> Load(std::string_view toml_text) {
  auto config = Config::Parse(toml_text, "test.toml");
  if (!config) return std::unexpected(config.error());
  return MeteringConfigFromToml(config->raw(), "test.toml");
}

// The error message of a config that must not load.
std::string ErrorOf(std::string_view toml_text) {
  auto loaded = Load(toml_text);
  EXPECT_FALSE(loaded) << toml_text;
  if (loaded) return "";
  EXPECT_EQ(loaded.error().code(), Error::Code::kInvalidArgument);
  return loaded.error().message();
}

TEST(MeteringConfig, DefaultsAreTheSeedsUsEast1Figures) {
  auto config = Load("");
  ASSERT_OK(config);
  EXPECT_DOUBLE_EQ(config->pricing.firehose_per_gb, 0.029);
  EXPECT_DOUBLE_EQ(config->pricing.s3_per_gb_month, 0.023);
  EXPECT_DOUBLE_EQ(config->pricing.glue_job_per_dpu_hour, 0.44);
  EXPECT_DOUBLE_EQ(config->pricing.glue_crawler_per_dpu_hour, 0.44);
  EXPECT_DOUBLE_EQ(config->pricing.athena_per_tb_scanned, 5.0);
  EXPECT_DOUBLE_EQ(config->pricing.quicksight_per_month, 9.0);
  EXPECT_DOUBLE_EQ(config->metering.job_dpus, 10);
  EXPECT_DOUBLE_EQ(config->metering.crawler_dpus, 1);
  EXPECT_EQ(config->metering.storage_sample_seconds, 300);
  EXPECT_DOUBLE_EQ(config->projection.gb_per_day, 3);
  EXPECT_DOUBLE_EQ(config->projection.days, 30);
  EXPECT_DOUBLE_EQ(config->projection.job_hours, 5);
  EXPECT_DOUBLE_EQ(config->projection.crawler_hours, 5);
  EXPECT_DOUBLE_EQ(config->projection.athena_tb, 1);
  EXPECT_DOUBLE_EQ(config->projection.quicksight_authors, 1);
}

TEST(MeteringConfig, EveryKeyCanBeSetWithIntegersOrFloats) {
  auto config = Load(R"(
[pricing]
firehose_per_gb = 0.035
s3_per_gb_month = 0.025
glue_job_per_dpu_hour = 0.29
glue_crawler_per_dpu_hour = 1
athena_per_tb_scanned = 6.25
quicksight_per_month = 24
[metering]
job_dpus = 2
crawler_dpus = 0.0625
storage_sample_seconds = 60
quicksight_authors = 0
projection_gb_per_day = 10
projection_days = 31
projection_job_hours = 1.5
projection_crawler_hours = 2
projection_athena_tb = 0.5
projection_quicksight_authors = 3
)");
  ASSERT_OK(config);
  EXPECT_DOUBLE_EQ(config->pricing.firehose_per_gb, 0.035);
  EXPECT_DOUBLE_EQ(config->pricing.glue_crawler_per_dpu_hour, 1.0);
  EXPECT_DOUBLE_EQ(config->pricing.quicksight_per_month, 24.0);
  EXPECT_DOUBLE_EQ(config->metering.crawler_dpus, 0.0625);
  EXPECT_EQ(config->metering.storage_sample_seconds, 60);
  EXPECT_DOUBLE_EQ(config->metering.quicksight_authors, 0);
  EXPECT_DOUBLE_EQ(config->projection.gb_per_day, 10);
  EXPECT_DOUBLE_EQ(config->projection.days, 31);
  EXPECT_DOUBLE_EQ(config->projection.job_hours, 1.5);
  EXPECT_DOUBLE_EQ(config->projection.quicksight_authors, 3);
}

TEST(MeteringConfig, UnknownKeysNameTheFileTheKeyAndTheValidOnes) {
  std::string message = ErrorOf("[pricing]\nfirehose_per_gig = 0.03\n");
  EXPECT_NE(message.find("test.toml"), std::string::npos) << message;
  EXPECT_NE(message.find("pricing.firehose_per_gig"), std::string::npos) << message;
  EXPECT_NE(message.find("firehose_per_gb"), std::string::npos) << message;

  message = ErrorOf("[metering]\njob_dpu = 5\n");
  EXPECT_NE(message.find("metering.job_dpu"), std::string::npos) << message;
  EXPECT_NE(message.find("job_dpus"), std::string::npos) << message;
}

TEST(MeteringConfig, BadValuesAreErrorsNamingTheKey) {
  EXPECT_NE(ErrorOf("[pricing]\nathena_per_tb_scanned = \"5\"\n").find("pricing.athena_per_tb_scanned: must be a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[pricing]\ns3_per_gb_month = -0.023\n").find("pricing.s3_per_gb_month"), std::string::npos);
  EXPECT_NE(ErrorOf("[metering]\njob_dpus = 0\n").find("metering.job_dpus: 0 must be above 0"), std::string::npos);
  EXPECT_NE(ErrorOf("[metering]\ncrawler_dpus = -1\n").find("metering.crawler_dpus"), std::string::npos);
  EXPECT_NE(ErrorOf("[metering]\nstorage_sample_seconds = 0\n").find("metering.storage_sample_seconds"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[metering]\nstorage_sample_seconds = 1.5\n").find("metering.storage_sample_seconds"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[metering]\nprojection_days = -30\n").find("metering.projection_days"), std::string::npos);
  EXPECT_NE(ErrorOf("pricing = 3\n").find("pricing: must be a table"), std::string::npos);
}

}  // namespace
}  // namespace lakebox::metering
