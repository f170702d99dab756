#include "ingest/ingest_service.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <random>
#include <shared_mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/time.h"
#include "ingest/delivery_stream.h"

namespace lakebox::ingest {

std::string_view StreamStatusName(StreamStatus s) {
  switch (s) {
    case StreamStatus::kCreating: return "CREATING";
    case StreamStatus::kActive: return "ACTIVE";
    case StreamStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

namespace {

// How often interval-based sealing and the free-disk reading are checked. Also the delay of
// IntervalInSeconds = 0 ("zero buffering"), which Firehose delivers within a few seconds.
constexpr auto kTick = std::chrono::milliseconds(100);

class IngestServiceImpl final : public IngestService {
 public:
  IngestServiceImpl(IngestOptions options, storage::ObjectStore* store)
      : options_(std::move(options)), delivery_slots_(std::clamp(options_.delivery_threads, 1, 64)) {
    env_.store = store;
    env_.options = &options_;
    env_.delivery_slots = &delivery_slots_;
    env_.free_disk_bytes = &free_disk_bytes_;
  }

  ~IngestServiceImpl() override { (void)Shutdown(); }

  Status Open() {
    LAKEBOX_TRY(CreateDirs(StreamsDir()));
    RefreshFreeDisk();
    LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDir(StreamsDir()));
    std::vector<std::unique_ptr<DeliveryStream>> deleting;
    for (const DirEntry& e : entries) {
      if (e.type != FileType::kDirectory) continue;
      auto loaded = DeliveryStream::Load(StreamsDir() / e.name, env_);
      if (!loaded) return std::unexpected(loaded.error().WithContext(fmt::format("loading stream {}", e.name)));
      std::unique_ptr<DeliveryStream> stream = std::move(*loaded);
      if (stream->Describe().status == StreamStatus::kDeleting) {
        deleting.push_back(std::move(stream));  // a delete interrupted by a crash: finish it
        continue;
      }
      streams_.emplace(stream->name(), std::move(stream));
    }
    for (auto& stream : deleting) {
      spdlog::info("stream {}: finishing an interrupted delete", stream->name());
      LAKEBOX_TRY(stream->Delete());
    }
    ticker_ = std::thread([this] { TickLoop(); });
    return Ok();
  }

  Result<StreamDescription> CreateStream(StreamConfig config) override {
    LAKEBOX_TRY(ValidateStreamConfig(config));
    std::unique_lock lock(mu_);
    if (shut_down_) return std::unexpected(Error::ServiceUnavailable("lakebox is shutting down"));
    if (streams_.contains(config.name))
      return std::unexpected(Error::ResourceInUse(fmt::format("Firehose {} under accountId {} already exists",
                                                              config.name, options_.account_id)));
    for (const std::string& warning : StreamConfigWarnings(config))
      spdlog::warn("stream {}: {}", config.name, warning);
    StreamRecord record;
    int64_t now = NowMillis();
    record.description.arn = fmt::format("arn:aws:firehose:{}:{}:deliverystream/{}", options_.region,
                                         options_.account_id, config.name);
    record.description.status = StreamStatus::kActive;
    record.description.create_time_ms = now;
    record.description.update_time_ms = now;
    record.description.version_id = 1;
    record.description.config = std::move(config);
    record.nonce = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    std::string name = record.description.config.name;
    LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<DeliveryStream> stream,
                             DeliveryStream::Create(StreamsDir() / name, std::move(record), env_));
    StreamDescription description = stream->Describe();
    streams_.emplace(name, std::move(stream));
    spdlog::info("stream {}: created", name);
    return description;
  }

  Result<StreamDescription> EnsureStream(StreamConfig config) override {
    {
      std::shared_lock lock(mu_);
      auto it = streams_.find(config.name);
      if (it != streams_.end()) {
        StreamDescription existing = it->second->Describe();
        if (ToJson(existing.config) != ToJson(config))
          spdlog::warn("stream {}: the configuration in lakebox.toml differs from the existing stream's; the "
                       "existing stream is kept (delete it to apply the new configuration)",
                       config.name);
        return existing;
      }
    }
    return CreateStream(std::move(config));
  }

  Result<StreamDescription> DescribeStream(std::string_view name) const override {
    std::shared_lock lock(mu_);
    auto it = streams_.find(std::string(name));
    if (it == streams_.end()) return std::unexpected(NotFound(name));
    return it->second->Describe();
  }

  std::vector<std::string> ListStreams() const override {
    std::shared_lock lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, stream] : streams_) names.push_back(name);
    return names;  // std::map: already alphabetical
  }

  Status DeleteStream(std::string_view name) override {
    std::unique_ptr<DeliveryStream> stream;
    {
      std::unique_lock lock(mu_);
      auto it = streams_.find(std::string(name));
      if (it == streams_.end()) return std::unexpected(NotFound(name));
      stream = std::move(it->second);
      streams_.erase(it);
    }
    // Outside the lock: draining can take a while and must not block other streams.
    LAKEBOX_TRY(stream->Delete());
    spdlog::info("stream {}: deleted", name);
    return Ok();
  }

  Result<std::vector<std::string>> PutRecords(std::string_view name,
                                              std::span<const std::string_view> records) override {
    std::shared_lock lock(mu_);
    auto it = streams_.find(std::string(name));
    if (it == streams_.end()) return std::unexpected(NotFound(name));
    // Holding the shared lock keeps the stream alive; deletes and shutdown take it exclusively.
    auto ids = it->second->Put(records);
    if (ids && options_.on_put) options_.on_put(name, records);
    return ids;
  }

  Status Flush(std::optional<std::string_view> name) override {
    std::shared_lock lock(mu_);
    if (name) {
      auto it = streams_.find(std::string(*name));
      if (it == streams_.end()) return std::unexpected(NotFound(*name));
      return it->second->Flush();
    }
    for (auto& [n, stream] : streams_) LAKEBOX_TRY(stream->Flush());
    return Ok();
  }

  std::vector<StreamStats> Stats() const override {
    std::shared_lock lock(mu_);
    std::vector<StreamStats> stats;
    for (const auto& [name, stream] : streams_) stats.push_back(stream->Stats());
    return stats;
  }

  Status Shutdown() override {
    {
      std::lock_guard lock(tick_mu_);
      if (shut_down_) return Ok();
      shut_down_ = true;
    }
    tick_cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    std::unique_lock lock(mu_);
    Status result = Ok();
    for (auto& [name, stream] : streams_) {
      Status closed = stream->Close();
      if (!closed) {
        spdlog::error("{}", closed.error().message());
        result = closed;
      }
    }
    streams_.clear();
    return result;
  }

 private:
  std::filesystem::path StreamsDir() const { return options_.data_dir / "streams"; }

  Error NotFound(std::string_view name) const {
    return Error::ResourceNotFound(fmt::format("Firehose {} under account {} not found.", name, options_.account_id));
  }

  void RefreshFreeDisk() {
    auto free = FreeDiskBytes(options_.data_dir);
    free_disk_bytes_.store(free ? *free : UINT64_MAX, std::memory_order_relaxed);
  }

  void TickLoop() {
    std::unique_lock tick_lock(tick_mu_);
    while (!shut_down_) {
      tick_cv_.wait_for(tick_lock, kTick, [&] { return shut_down_.load(); });
      if (shut_down_) return;
      tick_lock.unlock();
      RefreshFreeDisk();
      int64_t now = NowMillis();
      {
        std::shared_lock lock(mu_);
        for (auto& [name, stream] : streams_) stream->SealIfDue(now);
      }
      tick_lock.lock();
    }
  }

  IngestOptions options_;
  std::counting_semaphore<64> delivery_slots_;
  std::atomic<uint64_t> free_disk_bytes_{UINT64_MAX};
  StreamEnvironment env_;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<DeliveryStream>> streams_;

  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  std::atomic<bool> shut_down_{false};
  std::thread ticker_;
};

}  // namespace

Result<std::unique_ptr<IngestService>> IngestService::Open(IngestOptions options, storage::ObjectStore* store) {
  auto service = std::make_unique<IngestServiceImpl>(std::move(options), store);
  LAKEBOX_TRY(service->Open());
  return service;
}

}  // namespace lakebox::ingest
