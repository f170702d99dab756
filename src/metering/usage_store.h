// UsageStore: the metered usage in <data_dir>/metering.db (SQLite, WAL), so it adds up across
// restarts and `lakebox cost` can read it while `lakebox serve` writes it.
//
// Two tables:
//   usage(month, service, dimension, metric, value)  one integer per calendar month (UTC,
//       "2026-11"), service (kFirehose, kS3, ...), dimension (the stream, prefix, job, crawler or
//       query source; "" for kLocal) and metric (kRecords, kBytes, ...). Counters add up; a few
//       gauges keep the last, lowest or highest value written (see UsageUpdate::Op).
//   storage_samples(prefix, bytes, sampled_ms)  the last sample of stored bytes per S3 prefix
//       ("lake/raw"), from which the next sample integrates byte-hours.
//
// Errors: SQLite's, as catalog/sqlite_util.h maps them (Io, Corruption, ServiceUnavailable when
// another process holds the write lock past the busy timeout).
// Thread safety: none; the owner serialises calls (Meter holds a mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/sqlite_util.h"
#include "common/error.h"

namespace lakebox::metering {

// Services (the `service` column).
inline constexpr std::string_view kFirehose = "firehose";
inline constexpr std::string_view kS3 = "s3";
inline constexpr std::string_view kGlueJob = "glue_job";
inline constexpr std::string_view kGlueCrawler = "glue_crawler";
inline constexpr std::string_view kAthena = "athena";
inline constexpr std::string_view kLocal = "local";

// Metrics (the `metric` column).
inline constexpr std::string_view kRecords = "records";            // firehose
inline constexpr std::string_view kBytes = "bytes";                // firehose: record bytes received
inline constexpr std::string_view kBilledBytes = "billed_bytes";   // firehose, athena
inline constexpr std::string_view kByteHours = "byte_hours";       // s3
inline constexpr std::string_view kRuns = "runs";                  // glue_job, glue_crawler
inline constexpr std::string_view kRunMillis = "run_ms";           // measured start → end
inline constexpr std::string_view kBilledMillis = "billed_ms";     // after the minimum per run
inline constexpr std::string_view kDpuMillis = "dpu_ms";           // billed_ms × DPUs
inline constexpr std::string_view kQueries = "queries";            // athena
inline constexpr std::string_view kBytesScanned = "bytes_scanned"; // athena
inline constexpr std::string_view kCpuMicros = "cpu_us";           // local: user + system CPU
inline constexpr std::string_view kDiskBytes = "disk_bytes";       // local: last sample (gauge)
inline constexpr std::string_view kFirstMillis = "first_ms";       // local: first metered instant (gauge)

struct UsageUpdate {
  enum class Op { kAdd, kSet, kMin, kMax };
  std::string month;
  std::string service;
  std::string dimension;
  std::string metric;
  int64_t value = 0;
  Op op = Op::kAdd;
};

struct StorageSample {
  std::string prefix;  // "bucket/first-key-component"
  int64_t bytes = 0;
  int64_t sampled_ms = 0;
};

// One month's usage: service → dimension → metric → value.
struct MonthUsage {
  std::string month;
  std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> services;
  // The last storage sample (any month), to count storage since it.
  std::vector<StorageSample> last_samples;

  int64_t Get(std::string_view service, std::string_view dimension, std::string_view metric) const;
};

class UsageStore {
 public:
  // Opens (creating) the database and its tables.
  static Result<std::unique_ptr<UsageStore>> Open(const std::filesystem::path& file);

  // Applies the updates and, when `samples` is given, replaces the storage samples with them,
  // all in one transaction.
  Status Apply(std::span<const UsageUpdate> updates, const std::vector<StorageSample>* samples = nullptr);

  Result<MonthUsage> ReadMonth(std::string_view month);
  Result<std::vector<StorageSample>> LastSamples();
  // Months with usage, oldest first.
  Result<std::vector<std::string>> Months();

 private:
  explicit UsageStore(catalog::SqliteDb db) : db_(std::move(db)) {}
  catalog::SqliteDb db_;
};

}  // namespace lakebox::metering
