#include "metering/meter.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/time.h"
#include "metering/billing.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::metering {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = kMillisPerHour;

int64_t At(int64_t year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  CivilTime t;
  t.year = year;
  t.month = month;
  t.day = day;
  t.hour = hour;
  t.minute = minute;
  t.second = second;
  return UnixMillisFromCivil(t);
}

const CostLine& LineOf(const CostReport& report, std::string_view service) {
  for (const CostLine& line : report.lines)
    if (line.service == service) return line;
  ADD_FAILURE() << "no line " << service;
  static const CostLine kNone;
  return kNone;
}

class MeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-meter-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    ASSERT_OK(store);
    store_ = std::move(*store);
    ASSERT_OK(store_->EnsureBucket("lake"));
    now_ = At(2026, 11, 25, 12);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<Meter> OpenMeter() {
    MeterOptions options;
    options.data_dir = dir_;
    options.now_ms = [this] { return now_.load(); };
    auto meter = Meter::Open(std::move(options), store_.get());
    EXPECT_TRUE(meter) << meter.error().ToString();
    return meter ? std::move(*meter) : nullptr;
  }

  CostReport ReportOf(Meter& meter, std::string_view month = {}) {
    auto report = meter.Report(month);
    EXPECT_TRUE(report) << report.error().ToString();
    return report ? *report : CostReport{};
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::atomic<int64_t> now_{0};
};

TEST_F(MeterTest, CountsPutsPerStreamWithFirehoseBilledBytes) {
  auto meter = OpenMeter();
  ASSERT_NE(meter, nullptr);
  std::string big(6000, 'x');
  std::vector<std::string_view> batch = {"hello", "", big};
  meter->RecordPut("vehicles", batch);
  std::vector<std::string_view> one = {"abc"};
  meter->RecordPut("other", one);
  meter->RecordPut("vehicles", one);

  CostReport report = ReportOf(*meter);
  EXPECT_EQ(report.month, "2026-11");
  const CostLine& firehose = LineOf(report, "Kinesis Data Firehose");
  ASSERT_EQ(firehose.details.size(), 2u);
  const auto& vehicles = firehose.details[1];
  EXPECT_EQ(vehicles["Name"], "vehicles");
  EXPECT_EQ(vehicles["Records"], 4);
  EXPECT_EQ(vehicles["Bytes"], 5 + 0 + 6000 + 3);
  EXPECT_EQ(vehicles["BilledBytes"], 5120 + 5120 + 10240 + 5120);
  EXPECT_EQ(firehose.details[0]["BilledBytes"], 5120);
  EXPECT_DOUBLE_EQ(firehose.usage, (25600.0 + 5120.0) / kBytesPerGb);
}

TEST_F(MeterTest, UsageAddsUpAcrossReopens) {
  std::vector<std::string_view> records = {"0123456789"};
  {
    auto meter = OpenMeter();
    ASSERT_NE(meter, nullptr);
    meter->RecordPut("vehicles", records);
    meter->RecordQuery(3 << 20);
    meter->RecordJobRun("to_stage", now_ - 1500, now_);
    // Destroying the meter writes what it counted.
  }
  {
    auto meter = OpenMeter();
    ASSERT_NE(meter, nullptr);
    meter->RecordPut("vehicles", records);
    meter->RecordPut("vehicles", records);
    meter->RecordQuery(0, kDashboardSource);
    meter->RecordCrawlerRun("raw", now_ - 30'000, now_);
    ASSERT_OK(meter->Stop());
  }
  auto meter = OpenMeter();
  ASSERT_NE(meter, nullptr);
  CostReport report = ReportOf(*meter);
  EXPECT_EQ(LineOf(report, "Kinesis Data Firehose").details[0]["Records"], 3);
  EXPECT_EQ(LineOf(report, "Kinesis Data Firehose").details[0]["Bytes"], 30);

  const CostLine& athena = LineOf(report, "Amazon Athena");
  ASSERT_EQ(athena.details.size(), 2u);
  EXPECT_EQ(athena.details[0]["Name"], "athena");
  EXPECT_EQ(athena.details[0]["Queries"], 1);
  EXPECT_EQ(athena.details[0]["BytesScanned"], 3 << 20);
  EXPECT_EQ(athena.details[0]["BilledBytes"], 10 << 20);  // the 10 MB minimum
  EXPECT_EQ(athena.details[1]["Name"], "dashboards");
  EXPECT_EQ(athena.details[1]["BilledBytes"], 10 << 20);
  EXPECT_DOUBLE_EQ(athena.usage, 20.0 / (1024 * 1024));

  // A 1.5 s job run bills one minute at 10 DPUs; a 30 s crawl ten minutes at 1 DPU.
  const CostLine& job = LineOf(report, "AWS Glue job");
  EXPECT_DOUBLE_EQ(job.usage, 10.0 / 60);
  EXPECT_EQ(job.details[0]["Runs"], 1);
  EXPECT_DOUBLE_EQ(job.details[0]["Seconds"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(job.details[0]["BilledSeconds"].get<double>(), 60.0);
  const CostLine& crawler = LineOf(report, "AWS Glue crawler");
  EXPECT_DOUBLE_EQ(crawler.usage, 10.0 / 60);
  EXPECT_DOUBLE_EQ(crawler.cost, 10.0 / 60 * 0.44);

  EXPECT_GT(report.cpu_seconds, 0);  // getrusage of this test process
  EXPECT_EQ(report.since_ms, now_.load());
}

TEST_F(MeterTest, ConfiguredDpusScaleGlueRuns) {
  MeterOptions options;
  options.data_dir = dir_;
  options.now_ms = [this] { return now_.load(); };
  options.config.metering.job_dpus = 2;
  options.config.metering.crawler_dpus = 0.5;
  auto meter = Meter::Open(std::move(options), store_.get());
  ASSERT_OK(meter);
  (*meter)->RecordJobRun("job", now_ - 120'000, now_);        // 2 minutes at 2 DPUs
  (*meter)->RecordCrawlerRun("crawler", now_ - 1'200'000, now_);  // 20 minutes at 0.5 DPU
  CostReport report = ReportOf(**meter);
  EXPECT_DOUBLE_EQ(LineOf(report, "AWS Glue job").usage, 4.0 / 60);
  EXPECT_DOUBLE_EQ(LineOf(report, "AWS Glue crawler").usage, 10.0 / 60);
}

TEST_F(MeterTest, CountersGoToTheMonthTheyAreWrittenIn) {
  auto meter = OpenMeter();
  ASSERT_NE(meter, nullptr);
  std::vector<std::string_view> records = {"a"};
  now_ = At(2026, 11, 30, 23, 59, 59);
  meter->RecordPut("vehicles", records);
  ASSERT_OK(meter->Flush());
  now_ = At(2026, 12, 1);
  meter->RecordPut("vehicles", records);
  meter->RecordPut("vehicles", records);
  // A job run belongs to the month it ended in.
  meter->RecordJobRun("to_stage", At(2026, 11, 30, 23, 59, 30), At(2026, 12, 1, 0, 0, 30));
  ASSERT_OK(meter->Flush());

  CostReport november = ReportOf(*meter, "2026-11");
  EXPECT_EQ(LineOf(november, "Kinesis Data Firehose").details[0]["Records"], 1);
  EXPECT_TRUE(LineOf(november, "AWS Glue job").details.empty());
  CostReport december = ReportOf(*meter, "2026-12");
  EXPECT_EQ(LineOf(december, "Kinesis Data Firehose").details[0]["Records"], 2);
  EXPECT_EQ(LineOf(december, "AWS Glue job").details[0]["Runs"], 1);
  EXPECT_TRUE(ReportOf(*meter, "2026-10").lines[0].details.empty());
  EXPECT_FALSE(meter->Report("2026-1"));
}

TEST_F(MeterTest, StoredBytesIntegrateIntoGbMonthsByPrefix) {
  auto meter = OpenMeter();
  ASSERT_NE(meter, nullptr);
  const std::string mib(1 << 20, 'x');
  ASSERT_OK(store_->Put("lake", "raw/a.gz", mib));
  ASSERT_OK(store_->Put("lake", "raw/b.gz", mib));
  ASSERT_OK(store_->Put("lake", "athena-results/q.csv", mib));
  ASSERT_OK(meter->SampleStorage());
  // 2 MiB in lake/raw and 1 MiB in lake/athena-results for 10 hours, then lake/raw doubles.
  now_ += 10 * kHour;
  ASSERT_OK(store_->Put("lake", "raw/c.gz", mib));
  ASSERT_OK(store_->Put("lake", "raw/d.gz", mib));
  ASSERT_OK(store_->Delete("lake", "athena-results/q.csv"));
  ASSERT_OK(meter->SampleStorage());

  CostReport report = ReportOf(*meter);  // at the second sample: nothing since it
  const CostLine& s3 = LineOf(report, "Amazon S3");
  ASSERT_EQ(s3.details.size(), 2u);
  EXPECT_EQ(s3.details[0]["Name"], "lake/athena-results");
  EXPECT_EQ(s3.details[0]["StoredBytes"], 0);
  EXPECT_EQ(s3.details[1]["Name"], "lake/raw");
  EXPECT_EQ(s3.details[1]["StoredBytes"], 4 << 20);
  // Between samples the average of both: raw (2 + 4) / 2 MiB, results (1 + 0) / 2 MiB, 10 hours.
  const double raw_gb_months = 3.0 * 10 / 1024 / kHoursPerMonth;
  const double results_gb_months = 0.5 * 10 / 1024 / kHoursPerMonth;
  EXPECT_NEAR(s3.details[1]["GBMonths"].get<double>(), raw_gb_months, 1e-12);
  EXPECT_NEAR(s3.details[0]["GBMonths"].get<double>(), results_gb_months, 1e-12);
  EXPECT_NEAR(s3.usage, raw_gb_months + results_gb_months, 1e-12);
  EXPECT_NEAR(s3.cost, (raw_gb_months + results_gb_months) * 0.023, 1e-12);

  // Five hours later, without a sample, the report counts the last sample's 4 MiB until now.
  now_ += 5 * kHour;
  report = ReportOf(*meter);
  EXPECT_NEAR(LineOf(report, "Amazon S3").usage, raw_gb_months + results_gb_months + 4.0 * 5 / 1024 / kHoursPerMonth,
              1e-12);
  EXPECT_GT(report.disk_bytes, 4 << 20);  // the data dir holds the objects
}

TEST_F(MeterTest, StorageWhileStoppedCountsAndSplitsAtMonthBoundaries) {
  const std::string mib(1 << 20, 'x');
  ASSERT_OK(store_->Put("lake", "raw/a.gz", mib));
  now_ = At(2026, 11, 30, 20);
  {
    auto meter = OpenMeter();
    ASSERT_NE(meter, nullptr);
    ASSERT_OK(meter->Start());  // samples at once
    ASSERT_OK(meter->Stop());   // and at the end
  }
  // lakebox stays stopped for 10 hours, across the end of November.
  now_ = At(2026, 12, 1, 6);
  auto meter = OpenMeter();
  ASSERT_NE(meter, nullptr);
  ASSERT_OK(meter->SampleStorage());
  EXPECT_NEAR(LineOf(ReportOf(*meter, "2026-11"), "Amazon S3").usage, 4.0 / 1024 / kHoursPerMonth, 1e-12);
  EXPECT_NEAR(LineOf(ReportOf(*meter, "2026-12"), "Amazon S3").usage, 6.0 / 1024 / kHoursPerMonth, 1e-12);
}

TEST_F(MeterTest, BackgroundThreadWritesCountersForOtherReaders) {
  MeterOptions options;
  options.data_dir = dir_;
  options.flush_interval = std::chrono::milliseconds(10);
  auto meter = Meter::Open(std::move(options), store_.get());
  ASSERT_OK(meter);
  ASSERT_OK((*meter)->Start());
  std::vector<std::string_view> records = {"abc"};
  (*meter)->RecordPut("vehicles", records);
  // Another reader of metering.db (as `lakebox cost`) sees the put once the thread has flushed.
  auto reader = UsageStore::Open(dir_ / "metering.db");
  ASSERT_OK(reader);
  int64_t seen = 0;
  for (int i = 0; i < 500 && seen == 0; ++i) {
    auto usage = (*reader)->ReadMonth(MonthOf(NowMillis()));
    ASSERT_OK(usage);
    seen = usage->Get(kFirehose, "vehicles", kRecords);
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen, 1);
  ASSERT_OK((*meter)->Stop());
}

}  // namespace
}  // namespace lakebox::metering
