// One Firehose delivery stream: its open WAL segment (the buffer), the sealed segments waiting
// for delivery, and the thread that turns each sealed segment into one object.
// Internal to ingest/; IngestService is the public face.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <semaphore>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "ingest/ingest_service.h"
#include "ingest/wal.h"

namespace lakebox::storage {
class ObjectStore;
}

namespace lakebox::ingest {

// What the service shares with every stream.
struct StreamEnvironment {
  storage::ObjectStore* store = nullptr;
  const IngestOptions* options = nullptr;
  std::counting_semaphore<64>* delivery_slots = nullptr;  // caps concurrent deliveries
  // Free bytes on the data dir's file system, refreshed by the service's ticker.
  const std::atomic<uint64_t>* free_disk_bytes = nullptr;
};

// The persisted part of a stream (<stream dir>/stream.json).
struct StreamRecord {
  StreamDescription description;
  uint64_t nonce = 0;          // random per incarnation; seeds the random parts of object keys
  uint64_t sequence_floor = 1; // every segment sequence ever used is below this
};

class DeliveryStream {
 public:
  // A new stream: creates its folder and persists it.
  static Result<std::unique_ptr<DeliveryStream>> Create(const std::filesystem::path& dir, StreamRecord record,
                                                        const StreamEnvironment& env);
  // A stream found on disk: every WAL segment left by the last run is sealed and queued.
  static Result<std::unique_ptr<DeliveryStream>> Load(const std::filesystem::path& dir,
                                                      const StreamEnvironment& env);
  ~DeliveryStream();

  const std::string& name() const { return name_; }
  StreamDescription Describe() const;
  StreamStats Stats() const;

  Result<std::vector<std::string>> Put(std::span<const std::string_view> records);

  // Seals the open segment when its interval has elapsed (called by the service's ticker).
  void SealIfDue(int64_t now_ms);
  // Seals the open segment and waits until everything sealed so far is delivered.
  Status Flush();
  // Persists DELETING, refuses further puts, delivers everything, stops the delivery thread and
  // removes the stream's folder.
  Status Delete();
  // Delivers everything buffered and stops the delivery thread. The stream stays on disk.
  Status Close();

 private:
  struct SealedSegment {
    uint64_t sequence = 0;
    std::shared_ptr<WalSegmentWriter> writer;  // null for segments found at startup
    uint64_t record_bytes = 0;                 // unknown (0) for segments found at startup
    uint64_t wal_bytes = 0;
  };

  DeliveryStream(std::filesystem::path dir, StreamRecord record, const StreamEnvironment& env);

  Status Persist();                       // REQUIRES: mu_ held
  Status OpenSegmentLocked();             // REQUIRES: mu_ held
  void SealLocked();                      // REQUIRES: mu_ held
  void StartDeliveryThread();
  void DeliveryLoop();
  // Writes one sealed segment as an object, then removes the segment.
  Status DeliverSegment(const SealedSegment& segment, uint64_t* object_bytes);
  std::filesystem::path WalDir() const { return dir_ / "wal"; }

  const std::filesystem::path dir_;
  const std::string name_;
  const StreamEnvironment env_;

  mutable std::mutex mu_;
  std::condition_variable delivered_cv_;   // a segment was delivered, or a delivery failed
  std::condition_variable sealed_cv_;      // a segment was sealed, or stopping_ changed
  StreamRecord record_;
  std::shared_ptr<WalSegmentWriter> open_;
  uint64_t open_record_bytes_ = 0;
  int64_t open_first_arrival_ms_ = 0;
  uint64_t next_sequence_ = 1;
  std::deque<SealedSegment> sealed_;
  uint64_t sealed_through_ = 0;     // highest sequence sealed
  uint64_t delivered_through_ = 0;  // highest sequence delivered (delivery is in order)
  uint64_t buffered_bytes_ = 0;     // record bytes in the open and sealed segments
  uint64_t wal_bytes_ = 0;
  uint64_t delivery_failures_ = 0;  // attempts that failed, ever
  std::optional<Error> last_delivery_error_;
  bool stopping_ = false;
  bool accepting_ = true;

  // Statistics (under mu_).
  uint64_t records_received_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t objects_delivered_ = 0;
  uint64_t bytes_delivered_ = 0;
  int64_t last_delivery_ms_ = 0;

  std::thread delivery_thread_;
};

}  // namespace lakebox::ingest
