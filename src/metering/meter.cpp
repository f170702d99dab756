#include "metering/meter.h"

#include <sys/resource.h>

#include <cmath>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/time.h"
#include "metering/billing.h"
#include "storage/object_store.h"

namespace lakebox::metering {
namespace {

int64_t ProcessCpuMicros() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto micros = [](const timeval& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000 + t.tv_usec; };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

// Bytes of the regular files under `dir`; files that vanish while it walks are skipped.
int64_t DirectoryBytes(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      uint64_t size = it->file_size(file_ec);
      if (!file_ec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

// Stored bytes by "bucket/first-key-component" (a key without '/' counts under "bucket").
Result<std::map<std::string, int64_t>> StoredBytesByPrefix(storage::ObjectStore& store) {
  std::map<std::string, int64_t> bytes;
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string> buckets, store.ListBuckets());
  for (const std::string& bucket : buckets) {
    storage::ListOptions options;
    while (true) {
      auto page = store.List(bucket, options);
      // A bucket deleted between ListBuckets and List holds nothing.
      if (!page && storage::IsNoSuchBucket(page.error())) break;
      if (!page) return std::unexpected(page.error().WithContext(fmt::format("listing bucket {}", bucket)));
      for (const storage::ObjectInfo& object : page->objects) {
        size_t slash = object.key.find('/');
        std::string prefix = slash == std::string::npos ? bucket : bucket + "/" + object.key.substr(0, slash);
        bytes[prefix] += static_cast<int64_t>(object.size);
      }
      if (!page->next_token) break;
      options.continuation_token = page->next_token;
    }
  }
  return bytes;
}

// Updates with the same key and op become one.
std::vector<UsageUpdate> Compact(std::vector<UsageUpdate> updates) {
  using Key = std::tuple<std::string, std::string, std::string, std::string, UsageUpdate::Op>;
  std::map<Key, size_t> index;
  std::vector<UsageUpdate> out;
  for (UsageUpdate& u : updates) {
    Key key{u.month, u.service, u.dimension, u.metric, u.op};
    auto [it, inserted] = index.emplace(std::move(key), out.size());
    if (inserted) {
      out.push_back(std::move(u));
      continue;
    }
    UsageUpdate& kept = out[it->second];
    switch (u.op) {
      case UsageUpdate::Op::kAdd: kept.value += u.value; break;
      case UsageUpdate::Op::kSet: kept.value = u.value; break;
      case UsageUpdate::Op::kMin: kept.value = std::min(kept.value, u.value); break;
      case UsageUpdate::Op::kMax: kept.value = std::max(kept.value, u.value); break;
    }
  }
  return out;
}

UsageUpdate Add(std::string month, std::string_view service, std::string_view dimension, std::string_view metric,
                int64_t value) {
  return {std::move(month), std::string(service), std::string(dimension), std::string(metric), value,
          UsageUpdate::Op::kAdd};
}

}  // namespace

Result<std::unique_ptr<Meter>> Meter::Open(MeterOptions options, storage::ObjectStore* store) {
  if (!options.now_ms) options.now_ms = [] { return NowMillis(); };
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<UsageStore> usage, UsageStore::Open(options.data_dir / "metering.db"));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<StorageSample> samples, usage->LastSamples());
  auto meter = std::unique_ptr<Meter>(new Meter(std::move(options), store, std::move(usage)));
  meter->last_samples_ = std::move(samples);
  return meter;
}

Meter::Meter(MeterOptions options, storage::ObjectStore* store, std::unique_ptr<UsageStore> usage)
    : options_(std::move(options)), store_(store), usage_(std::move(usage)) {}

Meter::~Meter() {
  if (Status stopped = Stop(); !stopped) spdlog::warn("metering: {}", stopped.error().ToString());
}

Status Meter::Start() {
  {
    std::lock_guard lock(thread_mu_);
    if (running_) return Ok();
    running_ = true;
    stopping_ = false;
  }
  // Without a first sample the meter still counts; the next one integrates from there.
  if (Status sampled = SampleStorage(); !sampled)
    spdlog::warn("metering: first storage sample: {}", sampled.error().ToString());
  thread_ = std::thread([this] { Loop(); });
  return Ok();
}

Status Meter::Stop() {
  bool was_running;
  {
    std::lock_guard lock(thread_mu_);
    was_running = running_;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(thread_mu_);
    running_ = false;
    stopping_ = false;
  }
  return was_running ? SampleStorage() : Flush();
}

void Meter::Loop() {
  const int64_t sample_every_ms = options_.config.metering.storage_sample_seconds * 1000;
  int64_t last_sample = Now();
  bool failing = false;  // log a failing write once, not every second
  std::unique_lock lock(thread_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Status written = Ok();
    if (Now() - last_sample >= sample_every_ms) {
      last_sample = Now();
      written = SampleStorage();
    } else {
      written = Flush();
    }
    if (!written && !failing) spdlog::warn("metering: {} (retrying)", written.error().ToString());
    if (written && failing) spdlog::info("metering: writing metering.db works again");
    failing = !written;
    lock.lock();
  }
}

Meter::StreamCounters& Meter::Counters(std::string_view stream) {
  {
    std::shared_lock lock(streams_mu_);
    auto it = streams_.find(stream);
    if (it != streams_.end()) return *it->second;
  }
  std::unique_lock lock(streams_mu_);
  auto [it, inserted] = streams_.try_emplace(std::string(stream));
  if (inserted) it->second = std::make_unique<StreamCounters>();
  return *it->second;
}

void Meter::RecordPut(std::string_view stream, std::span<const std::string_view> records) {
  uint64_t bytes = 0;
  uint64_t billed = 0;
  for (std::string_view record : records) {
    bytes += record.size();
    billed += FirehoseBilledBytes(record.size());
  }
  StreamCounters& counters = Counters(stream);
  counters.records.fetch_add(records.size(), std::memory_order_relaxed);
  counters.bytes.fetch_add(bytes, std::memory_order_relaxed);
  counters.billed_bytes.fetch_add(billed, std::memory_order_relaxed);
}

void Meter::AddPending(UsageUpdate update) {
  std::lock_guard lock(pending_mu_);
  pending_.push_back(std::move(update));
}

void Meter::RecordQuery(int64_t bytes_scanned, std::string_view source) {
  std::string month = MonthOf(Now());
  AddPending(Add(month, kAthena, source, kQueries, 1));
  AddPending(Add(month, kAthena, source, kBytesScanned, std::max<int64_t>(bytes_scanned, 0)));
  AddPending(Add(month, kAthena, source, kBilledBytes, AthenaBilledBytes(bytes_scanned)));
}

void Meter::RecordJobRun(std::string_view job, int64_t start_ms, int64_t end_ms) {
  RecordGlueRun(kGlueJob, job, start_ms, end_ms, kGlueJobMinimumMillis, options_.config.metering.job_dpus);
}

void Meter::RecordCrawlerRun(std::string_view crawler, int64_t start_ms, int64_t end_ms) {
  RecordGlueRun(kGlueCrawler, crawler, start_ms, end_ms, kGlueCrawlerMinimumMillis,
                options_.config.metering.crawler_dpus);
}

void Meter::RecordGlueRun(std::string_view service, std::string_view name, int64_t start_ms, int64_t end_ms,
                          int64_t minimum_ms, double dpus) {
  std::string month = MonthOf(end_ms);
  int64_t billed = GlueBilledMillis(start_ms, end_ms, minimum_ms);
  AddPending(Add(month, service, name, kRuns, 1));
  AddPending(Add(month, service, name, kRunMillis, std::max<int64_t>(end_ms - start_ms, 0)));
  AddPending(Add(month, service, name, kBilledMillis, billed));
  AddPending(Add(month, service, name, kDpuMillis, std::llround(static_cast<double>(billed) * dpus)));
}

void Meter::TakeCounters(const std::string& month, std::vector<UsageUpdate>& updates) {
  std::shared_lock lock(streams_mu_);
  for (const auto& [stream, counters] : streams_) {
    uint64_t records = counters->records.exchange(0, std::memory_order_relaxed);
    uint64_t bytes = counters->bytes.exchange(0, std::memory_order_relaxed);
    uint64_t billed = counters->billed_bytes.exchange(0, std::memory_order_relaxed);
    if (records == 0 && bytes == 0 && billed == 0) continue;
    updates.push_back(Add(month, kFirehose, stream, kRecords, static_cast<int64_t>(records)));
    updates.push_back(Add(month, kFirehose, stream, kBytes, static_cast<int64_t>(bytes)));
    updates.push_back(Add(month, kFirehose, stream, kBilledBytes, static_cast<int64_t>(billed)));
  }
}

Status Meter::WriteLocked(int64_t now, const std::vector<StorageSample>* samples) {
  std::string month = MonthOf(now);
  std::vector<UsageUpdate> updates;
  {
    std::lock_guard lock(pending_mu_);
    updates.swap(pending_);
  }
  TakeCounters(month, updates);
  int64_t cpu = ProcessCpuMicros();
  if (cpu > last_cpu_us_) updates.push_back(Add(month, kLocal, "", kCpuMicros, cpu - last_cpu_us_));
  last_cpu_us_ = std::max(cpu, last_cpu_us_);
  updates.push_back({month, std::string(kLocal), "", std::string(kFirstMillis), now, UsageUpdate::Op::kMin});
  updates = Compact(std::move(updates));
  Status applied = usage_->Apply(updates, samples);
  if (!applied) {
    // Kept for the next write: metering catches up once the disk does.
    std::lock_guard lock(pending_mu_);
    pending_.insert(pending_.end(), std::make_move_iterator(updates.begin()), std::make_move_iterator(updates.end()));
  }
  return applied;
}

Status Meter::Flush() {
  std::lock_guard lock(db_mu_);
  return WriteLocked(Now(), nullptr);
}

Status Meter::SampleStorage() {
  std::lock_guard lock(db_mu_);
  return SampleLocked();
}

Status Meter::SampleLocked() {
  const int64_t now = Now();
  std::map<std::string, int64_t> stored;
  if (store_ != nullptr) {
    auto listed = StoredBytesByPrefix(*store_);
    if (!listed) {
      // The counters still go out; storage waits for the next sample.
      (void)WriteLocked(now, nullptr);
      return std::unexpected(listed.error().WithContext("sampling stored bytes"));
    }
    stored = std::move(*listed);
  }
  // Byte-hours since the last sample of each prefix: the average of the two samples over the
  // interval, split at month boundaries. A prefix gone since counts as 0 bytes now.
  std::map<std::string, StorageSample> previous;
  for (const StorageSample& s : last_samples_) previous[s.prefix] = s;
  std::vector<UsageUpdate> updates;
  for (const auto& [prefix, old] : previous) {
    auto it = stored.find(prefix);
    double average = (static_cast<double>(old.bytes) + static_cast<double>(it == stored.end() ? 0 : it->second)) / 2;
    int64_t from = old.sampled_ms;
    while (from < now) {
      std::string month = MonthOf(from);
      int64_t to = std::min(now, ParseMonth(month)->end_ms);
      int64_t byte_hours = std::llround(average * static_cast<double>(to - from) / kMillisPerHour);
      if (byte_hours > 0) updates.push_back(Add(month, kS3, prefix, kByteHours, byte_hours));
      from = to;
    }
  }
  std::vector<StorageSample> samples;
  for (const auto& [prefix, bytes] : stored) samples.push_back({prefix, bytes, now});
  updates.push_back({MonthOf(now), std::string(kLocal), "", std::string(kDiskBytes), DirectoryBytes(options_.data_dir),
                     UsageUpdate::Op::kSet});
  {
    std::lock_guard lock(pending_mu_);
    pending_.insert(pending_.end(), std::make_move_iterator(updates.begin()), std::make_move_iterator(updates.end()));
  }
  LAKEBOX_TRY(WriteLocked(now, &samples));
  last_samples_ = std::move(samples);
  return Ok();
}

Result<CostReport> Meter::Report(std::string_view month) {
  std::string wanted = month.empty() ? MonthOf(Now()) : std::string(month);
  LAKEBOX_TRY(ParseMonth(wanted));
  std::lock_guard lock(db_mu_);
  if (Status written = WriteLocked(Now(), nullptr); !written)
    spdlog::warn("metering: {}", written.error().ToString());
  LAKEBOX_ASSIGN_OR_RETURN(MonthUsage usage, usage_->ReadMonth(wanted));
  return BuildCostReport(usage, options_.config, Now());
}

nlohmann::json Meter::ReportJson() {
  auto report = Report();
  if (!report) return {{"error", report.error().ToString()}};
  return CostReportJson(*report);
}

}  // namespace lakebox::metering
