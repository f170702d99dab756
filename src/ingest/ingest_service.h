// The ingest component's public face: Kinesis Data Firehose Direct PUT delivery streams.
//
// Durability contract (docs/durability.md): PutRecords returns only after the records are in the
// stream's write-ahead log and fsync'd (group commit across concurrent callers). Each WAL segment
// holds exactly the records of one future object; the object key is derived from the segment's
// number and the arrival time of its first record, so replaying a segment after a crash rewrites
// the same key with the same bytes. A segment is deleted only after its object is durable.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "ingest/stream_config.h"

namespace lakebox::storage {
class ObjectStore;
}

namespace lakebox::ingest {

struct IngestOptions {
  std::filesystem::path data_dir;                  // streams live in <data_dir>/streams/<name>/
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Backpressure: puts answer ServiceUnavailableException while a stream holds more than this
  // many undelivered bytes (open buffer + sealed segments waiting for delivery) ...
  uint64_t max_buffered_bytes_per_stream = 1ull << 30;
  // ... or while the data dir's file system has less than this free.
  uint64_t min_free_disk_bytes = 512ull << 20;
  // Concurrent object deliveries across all streams.
  int delivery_threads = 2;
  // Optional observer (metering): called after each successful PutRecords with the stream and its
  // records (the decoded bytes), on the caller's thread, so it must be cheap.
  std::function<void(std::string_view stream, std::span<const std::string_view> records)> on_put;
};

enum class StreamStatus { kCreating, kActive, kDeleting };
std::string_view StreamStatusName(StreamStatus s);

struct StreamDescription {
  StreamConfig config;
  std::string arn;
  StreamStatus status = StreamStatus::kActive;
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
  int version_id = 1;
};

struct StreamStats {
  std::string name;
  uint64_t records_received = 0;
  uint64_t bytes_received = 0;
  uint64_t objects_delivered = 0;
  uint64_t bytes_delivered = 0;        // object bytes (after compression)
  uint64_t buffered_bytes = 0;         // undelivered record bytes (open + sealed segments)
  uint64_t wal_bytes = 0;              // WAL bytes on disk
  int64_t last_delivery_ms = 0;        // 0 = never
  uint64_t delivery_errors = 0;
};

class IngestService {
 public:
  virtual ~IngestService() = default;

  // Opens the data dir: loads persisted streams and replays undelivered WAL segments.
  // `store` must outlive the service.
  static Result<std::unique_ptr<IngestService>> Open(IngestOptions options,
                                                     storage::ObjectStore* store);

  // ResourceInUseException if the name exists; InvalidArgument/Validation per ValidateStreamConfig.
  virtual Result<StreamDescription> CreateStream(StreamConfig config) = 0;
  // Creates the stream if absent; if present with the same config does nothing (lakebox.toml).
  virtual Result<StreamDescription> EnsureStream(StreamConfig config) = 0;
  virtual Result<StreamDescription> DescribeStream(std::string_view name) const = 0;
  // Alphabetical.
  virtual std::vector<std::string> ListStreams() const = 0;
  // Delivers everything buffered, then removes the stream. ResourceNotFoundException if unknown.
  virtual Status DeleteStream(std::string_view name) = 0;

  // Appends records durably; returns one RecordId per record, in order. All or nothing:
  // ServiceUnavailableException under backpressure, ResourceNotFoundException for an unknown
  // or deleting stream. Records are the decoded bytes, at most 1,024,000 each.
  virtual Result<std::vector<std::string>> PutRecords(
      std::string_view stream, std::span<const std::string_view> records) = 0;

  // Seals the open buffer of one stream (or all when nullopt) and returns after every sealed
  // segment of it has been delivered as an object.
  virtual Status Flush(std::optional<std::string_view> stream) = 0;

  virtual std::vector<StreamStats> Stats() const = 0;

  // Stops timers, delivers everything buffered, joins the delivery threads. Idempotent.
  virtual Status Shutdown() = 0;
};

}  // namespace lakebox::ingest
