// An in-memory IngestService for the server tests: it records every call, keeps streams in a map,
// and fails or blocks on cue. Thread-safe (the loopback tests call it from connection threads).
#pragma once

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/ingest_service.h"

namespace lakebox::server::testing {

class FakeIngestService final : public ingest::IngestService {
 public:
  struct PutCall {
    std::string stream;
    std::vector<std::string> records;
  };

  Result<ingest::StreamDescription> CreateStream(ingest::StreamConfig config) override {
    std::lock_guard lock(mutex_);
    if (streams_.contains(config.name))
      return std::unexpected(Error::ResourceInUse(fmt::format("{} already exists", config.name)));
    created_.push_back(config);
    ingest::StreamDescription description;
    description.arn =
        fmt::format("arn:aws:firehose:us-east-1:000000000000:deliverystream/{}", config.name);
    description.create_time_ms = 1756000000123;
    description.update_time_ms = 1756000000456;
    description.config = std::move(config);
    streams_[description.config.name] = description;
    return description;
  }

  Result<ingest::StreamDescription> EnsureStream(ingest::StreamConfig config) override {
    return CreateStream(std::move(config));
  }

  Result<ingest::StreamDescription> DescribeStream(std::string_view name) const override {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(std::string(name));
    if (it == streams_.end()) return std::unexpected(NotFound(name));
    return it->second;
  }

  std::vector<std::string> ListStreams() const override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, description] : streams_) names.push_back(name);
    return names;
  }

  Status DeleteStream(std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (streams_.erase(std::string(name)) == 0) return std::unexpected(NotFound(name));
    deleted_.emplace_back(name);
    return Ok();
  }

  Result<std::vector<std::string>> PutRecords(std::string_view stream,
                                              std::span<const std::string_view> records) override {
    std::unique_lock lock(mutex_);
    ++put_attempts_;
    attempts_changed_.notify_all();
    released_.wait(lock, [this] { return !block_puts_; });
    if (put_error_) return std::unexpected(*put_error_);
    if (!streams_.contains(std::string(stream))) return std::unexpected(NotFound(stream));
    PutCall call{std::string(stream), {}};
    std::vector<std::string> ids;
    for (std::string_view record : records) {
      call.records.emplace_back(record);
      ids.push_back(fmt::format("id-{}", next_id_++));
    }
    puts_.push_back(std::move(call));
    return ids;
  }

  Status Flush(std::optional<std::string_view> stream) override {
    std::lock_guard lock(mutex_);
    if (stream && !streams_.contains(std::string(*stream)))
      return std::unexpected(NotFound(*stream));
    flushes_.push_back(stream ? std::optional<std::string>(*stream) : std::nullopt);
    return Ok();
  }

  std::vector<ingest::StreamStats> Stats() const override {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  Status Shutdown() override { return Ok(); }

  // ---- Test controls and observations. ----

  // Adds a stream directly (no CreateStream call recorded).
  void AddStream(std::string name) {
    ingest::StreamConfig config;
    config.name = name;
    config.role_arn = "arn:aws:iam::000000000000:role/firehose";
    config.bucket_arn = "arn:aws:s3:::lake";
    ingest::StreamDescription description;
    description.arn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + name;
    description.config = std::move(config);
    std::lock_guard lock(mutex_);
    streams_[name] = std::move(description);
  }
  void FailPutsWith(std::optional<Error> error) {
    std::lock_guard lock(mutex_);
    put_error_ = std::move(error);
  }
  void SetStats(std::vector<ingest::StreamStats> stats) {
    std::lock_guard lock(mutex_);
    stats_ = std::move(stats);
  }
  // While blocked, PutRecords waits (after counting the attempt) until Unblock().
  void BlockPuts() {
    std::lock_guard lock(mutex_);
    block_puts_ = true;
  }
  void Unblock() {
    std::lock_guard lock(mutex_);
    block_puts_ = false;
    released_.notify_all();
  }
  void WaitForPutAttempts(int n) {
    std::unique_lock lock(mutex_);
    attempts_changed_.wait(lock, [&] { return put_attempts_ >= n; });
  }

  std::vector<ingest::StreamConfig> created() const {
    std::lock_guard lock(mutex_);
    return created_;
  }
  std::vector<PutCall> puts() const {
    std::lock_guard lock(mutex_);
    return puts_;
  }
  std::vector<std::string> deleted() const {
    std::lock_guard lock(mutex_);
    return deleted_;
  }
  std::vector<std::optional<std::string>> flushes() const {
    std::lock_guard lock(mutex_);
    return flushes_;
  }

 private:
  static Error NotFound(std::string_view name) {
    return Error::ResourceNotFound(
        fmt::format("Firehose {} under account 000000000000 not found.", name));
  }

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::condition_variable attempts_changed_;
  std::map<std::string, ingest::StreamDescription> streams_;
  std::vector<ingest::StreamConfig> created_;
  std::vector<PutCall> puts_;
  std::vector<std::string> deleted_;
  std::vector<std::optional<std::string>> flushes_;
  std::vector<ingest::StreamStats> stats_;
  std::optional<Error> put_error_;
  bool block_puts_ = false;
  int put_attempts_ = 0;
  int next_id_ = 0;
};

}  // namespace lakebox::server::testing
