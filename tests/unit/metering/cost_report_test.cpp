#include "metering/cost_report.h"

#include <gtest/gtest.h>

#include "metering/billing.h"
#include "test_support.h"

namespace lakebox::metering {
namespace {

const CostLine& LineOf(const std::vector<CostLine>& lines, std::string_view service) {
  for (const CostLine& line : lines)
    if (line.service == service) return line;
  ADD_FAILURE() << "no line " << service;
  static const CostLine kNone;
  return kNone;
}

// The seed: "Let's assume that you produce 3Gb/day of raw data ~90Gb/month. You will pay: ..."
TEST(Projection, ReproducesTheSeedsFiguresWithItsFirehoseSlipCorrected) {
  MeteringConfig config;
  std::vector<CostLine> lines = ProjectionLines(config);
  ASSERT_EQ(lines.size(), 6u);
  // The seed writes 2.31 USD, but 0.029 USD * 3 * 30 = 2.61.
  EXPECT_NEAR(LineOf(lines, "Kinesis Data Firehose").cost, 2.61, 1e-9);
  EXPECT_NEAR(LineOf(lines, "Kinesis Data Firehose").usage, 90, 1e-9);
  EXPECT_NEAR(LineOf(lines, "Amazon S3").cost, 2.07, 1e-9);
  EXPECT_NEAR(LineOf(lines, "AWS Glue job").cost, 22.0, 1e-9);
  EXPECT_NEAR(LineOf(lines, "AWS Glue job").usage, 50, 1e-9);  // 10 DPU * 5 hours
  EXPECT_NEAR(LineOf(lines, "AWS Glue crawler").cost, 2.2, 1e-9);
  EXPECT_NEAR(LineOf(lines, "Amazon Athena").cost, 5.0, 1e-9);
  EXPECT_NEAR(LineOf(lines, "Amazon QuickSight").cost, 9.0, 1e-9);

  CostReport report = BuildCostReport(MonthUsage{.month = "2026-11"}, config, 0);
  // The seed's 42.58 plus the 0.30 of its Firehose slip.
  EXPECT_NEAR(report.projection_total, 42.88, 1e-9);
}

TEST(Projection, FollowsTheConfiguredAssumptionsAndPrices) {
  MeteringConfig config;
  config.projection.gb_per_day = 10;
  config.projection.days = 31;
  config.pricing.firehose_per_gb = 0.1;
  config.metering.job_dpus = 2;
  config.projection.job_hours = 3;
  std::vector<CostLine> lines = ProjectionLines(config);
  EXPECT_NEAR(LineOf(lines, "Kinesis Data Firehose").cost, 31.0, 1e-9);
  EXPECT_NEAR(LineOf(lines, "AWS Glue job").cost, 2 * 3 * 0.44, 1e-9);
}

TEST(CostReport, PricesTheMonthsUsageAsBilled) {
  MonthUsage usage;
  usage.month = "2026-11";
  usage.services["firehose"]["vehicles"] = {{"records", 10}, {"bytes", 4100}, {"billed_bytes", 51200}};
  usage.services["firehose"]["other"] = {{"records", 1}, {"bytes", 6000}, {"billed_bytes", 10240}};
  usage.services["athena"]["athena"] = {{"queries", 2}, {"bytes_scanned", 1000}, {"billed_bytes", 20 << 20}};
  usage.services["glue_job"]["to_stage"] = {{"runs", 1}, {"run_ms", 1500}, {"billed_ms", 60000}, {"dpu_ms", 600000}};
  usage.services["glue_crawler"]["raw"] = {{"runs", 2}, {"run_ms", 3000}, {"billed_ms", 1200000}, {"dpu_ms", 1200000}};
  usage.services["s3"]["lake/raw"] = {{"byte_hours", 730ll << 30}};  // 1 GB for a whole (AWS) month
  usage.services["local"][""] = {{"cpu_us", 2'500'000}, {"disk_bytes", 12345}, {"first_ms", 1000}};
  MeteringConfig config;
  CostReport report = BuildCostReport(usage, config, /*now_ms=*/0);

  ASSERT_EQ(report.lines.size(), 6u);
  const CostLine& firehose = LineOf(report.lines, "Kinesis Data Firehose");
  EXPECT_DOUBLE_EQ(firehose.usage, 61440.0 / kBytesPerGb);
  EXPECT_DOUBLE_EQ(firehose.cost, 61440.0 / kBytesPerGb * 0.029);
  ASSERT_EQ(firehose.details.size(), 2u);
  EXPECT_EQ(firehose.details[1]["Name"], "vehicles");
  EXPECT_EQ(firehose.details[1]["BilledBytes"], 51200);

  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon S3").usage, 1.0);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon S3").cost, 0.023);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "AWS Glue job").usage, 600000.0 / 3'600'000);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "AWS Glue crawler").usage, 1200000.0 / 3'600'000);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "AWS Glue crawler").details[0]["BilledSeconds"], 1200.0);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon Athena").usage, 20.0 / (1024 * 1024));
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon QuickSight").cost, 9.0);
  double sum = 0;
  for (const CostLine& line : report.lines) sum += line.cost;
  EXPECT_DOUBLE_EQ(report.total, sum);
  EXPECT_DOUBLE_EQ(report.cpu_seconds, 2.5);
  EXPECT_EQ(report.disk_bytes, 12345);
  EXPECT_EQ(report.since_ms, 1000);

  // Small records: the report says what Firehose's 5 KB increments would do to the projection.
  bool noted = false;
  for (const std::string& note : report.notes) noted = noted || note.find("5 KB increments") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(CostReport, StorageCountsFromTheLastSampleUntilNowOrTheMonthsEnd) {
  auto november = ParseMonth("2026-11");
  ASSERT_OK(november);
  const int64_t hour = kMillisPerHour;
  MonthUsage usage;
  usage.month = "2026-11";
  usage.last_samples = {{"lake/raw", 1 << 30, november->end_ms - 10 * hour}};
  MeteringConfig config;
  // 4 hours after the sample: 4 GB-hours.
  CostReport report = BuildCostReport(usage, config, november->end_ms - 6 * hour);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon S3").usage, 4.0 / kHoursPerMonth);
  // Long after the month ended: the 10 hours up to its end.
  report = BuildCostReport(usage, config, november->end_ms + 100 * hour);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon S3").usage, 10.0 / kHoursPerMonth);
  // A month before the sample gets none of it.
  usage.month = "2026-10";
  report = BuildCostReport(usage, config, november->end_ms);
  EXPECT_DOUBLE_EQ(LineOf(report.lines, "Amazon S3").usage, 0.0);
}

TEST(CostReport, JsonHasTheContractsShape) {
  MonthUsage usage;
  usage.month = "2026-11";
  usage.services["firehose"]["vehicles"] = {{"records", 1}, {"bytes", 100}, {"billed_bytes", 5120}};
  nlohmann::json json = CostReportJson(BuildCostReport(usage, MeteringConfig{}, 0));
  EXPECT_EQ(json["Month"], "2026-11");
  EXPECT_EQ(json["Currency"], "USD");
  ASSERT_EQ(json["Lines"].size(), 6u);
  for (const auto& line : json["Lines"]) {
    for (const char* key : {"Service", "Usage", "Unit", "UnitPrice", "Cost", "Details"})
      EXPECT_TRUE(line.contains(key)) << key;
  }
  EXPECT_EQ(json["Lines"][0]["Service"], "Kinesis Data Firehose");
  EXPECT_TRUE(json["Total"].is_number());
  EXPECT_EQ(json["Projection"]["GBPerDay"], 3.0);
  EXPECT_EQ(json["Projection"]["Lines"].size(), 6u);
  EXPECT_NEAR(json["Projection"]["Total"].get<double>(), 42.88, 1e-9);
  EXPECT_TRUE(json["Local"]["CpuSeconds"].is_number());
  EXPECT_TRUE(json["Local"]["DiskBytes"].is_number());
  EXPECT_TRUE(json["Local"]["Since"].is_null());
}

}  // namespace
}  // namespace lakebox::metering
