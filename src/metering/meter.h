// metering::Meter: lakebox's usage, metered as it happens and kept in <data_dir>/metering.db
// (UsageStore), by calendar month (UTC), priced by the cost report (cost_report.h, docs/cost.md).
//
// What it meters, and how:
//  - Firehose: records, bytes and billed bytes (5 KB increments) per stream, from RecordPut. Puts
//    are a hot path, so they only add to in-memory atomic counters; a background thread writes
//    the counters to SQLite about once a second (flush_interval) and at Stop. A crash loses at
//    most that last second of *metering*, never data; the counters of a flush go to the month in
//    which the flush happens.
//  - S3: stored bytes by prefix (bucket + first key component: "lake/raw", "lake/athena-results"),
//    listed from the ObjectStore at Start, every storage_sample_seconds and at Stop, integrated
//    into byte-hours between samples (the average of the two samples over the interval, split at
//    month boundaries). The interval since the last sample of an earlier process (while lakebox
//    was stopped) counts too: the data stayed stored.
//  - Athena: one query and its bytes scanned per RecordQuery (billed per query: rounded up to the
//    MB, 10 MB minimum). Callers decide what is billable (AthenaBillable in billing.h).
//  - Glue: each job run and crawl from start to end, billed per second with a minimum per run (1
//    minute for jobs, 10 for crawls), times the configured DPUs.
//  - Local: CPU seconds of this process (getrusage, the delta since the last flush) and the bytes
//    of files in the data dir (at each storage sample).
//
// Thread safety: every method may be called from any thread. The Record* methods never block
// on SQLite.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "metering/cost_report.h"
#include "metering/metering_config.h"
#include "metering/usage_store.h"

namespace lakebox::storage {
class ObjectStore;
}

namespace lakebox::metering {

struct MeterOptions {
  std::filesystem::path data_dir;  // metering.db here; its files are the local disk usage
  MeteringConfig config;
  // How often the background thread writes counters to metering.db.
  std::chrono::milliseconds flush_interval = std::chrono::seconds(1);
  // The wall clock, epoch milliseconds; tests replace it.
  std::function<int64_t()> now_ms;
};

// Where Athena-billed queries come from (the `dimension` of their usage).
inline constexpr std::string_view kAthenaApiSource = "athena";        // Athena API, CLI, console
inline constexpr std::string_view kDashboardSource = "dashboards";    // dashboard datasets (QuickSight direct query)

class Meter {
 public:
  // Opens (creating) <data_dir>/metering.db. `store` (may be null: no S3 sampling) must outlive
  // the meter. Nothing runs in the background until Start.
  static Result<std::unique_ptr<Meter>> Open(MeterOptions options, storage::ObjectStore* store);
  ~Meter();  // Stop()
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  // Takes the first storage sample and starts the background thread. Idempotent.
  Status Start();
  // Stops the thread, then writes the counters and a last storage sample. Idempotent; the
  // Record* methods keep counting afterwards, for a later Flush.
  Status Stop();

  // Successful Firehose puts of `records` (the decoded record bytes) into `stream`.
  void RecordPut(std::string_view stream, std::span<const std::string_view> records);
  // One billed Athena query that scanned `bytes_scanned`.
  void RecordQuery(int64_t bytes_scanned, std::string_view source = kAthenaApiSource);
  // A finished Glue job run or crawl, start and end in epoch milliseconds.
  void RecordJobRun(std::string_view job, int64_t start_ms, int64_t end_ms);
  void RecordCrawlerRun(std::string_view crawler, int64_t start_ms, int64_t end_ms);

  // Writes what is counted in memory to metering.db now.
  Status Flush();
  // Samples stored bytes and the data dir now, and writes them with the counters.
  Status SampleStorage();

  // The report for `month` ("YYYY-MM"; "" = the current month), counters flushed first.
  Result<CostReport> Report(std::string_view month = {});
  // Report() as JSON (cost_report.h); on error {"error": message}.
  nlohmann::json ReportJson();

  const MeteringConfig& config() const { return options_.config; }

 private:
  struct StreamCounters {
    std::atomic<uint64_t> records{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> billed_bytes{0};
  };

  Meter(MeterOptions options, storage::ObjectStore* store, std::unique_ptr<UsageStore> usage);

  int64_t Now() const { return options_.now_ms(); }
  // A Glue job run or crawl of `service` (kGlueJob, kGlueCrawler), billed with `minimum_ms`.
  void RecordGlueRun(std::string_view service, std::string_view name, int64_t start_ms, int64_t end_ms,
                     int64_t minimum_ms, double dpus);
  StreamCounters& Counters(std::string_view stream);
  void AddPending(UsageUpdate update);
  // Moves the in-memory counters into updates for `month`.
  void TakeCounters(const std::string& month, std::vector<UsageUpdate>& updates);
  // Writes counters, pending updates and (when given) a new storage sample; updates that cannot
  // be written are kept for the next try. With db_mu_ held.
  Status WriteLocked(int64_t now, const std::vector<StorageSample>* samples);
  Status SampleLocked();
  void Loop();

  MeterOptions options_;
  storage::ObjectStore* store_;

  std::shared_mutex streams_mu_;
  std::map<std::string, std::unique_ptr<StreamCounters>, std::less<>> streams_;  // guarded by streams_mu_

  std::mutex pending_mu_;
  std::vector<UsageUpdate> pending_;  // guarded by pending_mu_

  std::mutex db_mu_;  // serialises the store and the fields below
  std::unique_ptr<UsageStore> usage_;
  std::vector<StorageSample> last_samples_;
  int64_t last_cpu_us_ = 0;

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool running_ = false;   // guarded by thread_mu_
  bool stopping_ = false;  // guarded by thread_mu_
  std::thread thread_;
};

}  // namespace lakebox::metering
