// ThrottledObjectStore: wraps another ObjectStore and caps the bytes per second written through
// it, summed over all concurrent Puts and writers (config: storage.max_write_bytes_per_second).
// It lets an operator bound the disk bandwidth that delivery takes from everything else on the
// machine, and lets tests simulate a slow object store.
//
// The cap is a token bucket: `burst_bytes` of credit accumulate while idle and are spent at once;
// beyond that, writes proceed at `bytes_per_second`. A write waits (sleeps in the calling thread)
// before it reaches the inner store, and large writes are passed on in slices so the inner store
// sees a steady stream. Writers are served in the order they ask. Reads, listings and deletes are
// not throttled.
//
// Thread safety: as ObjectStore.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "storage/object_store.h"

namespace lakebox::storage {

struct ThrottleOptions {
  uint64_t bytes_per_second = 0;  // 0 = no limit
  // Credit that builds up while idle. 0 = a tenth of a second's worth of bytes_per_second.
  uint64_t burst_bytes = 0;
};

class ThrottledObjectStore final : public ObjectStore {
 public:
  ThrottledObjectStore(std::unique_ptr<ObjectStore> inner, ThrottleOptions options);
  // `bytes_per_second` with the default burst.
  ThrottledObjectStore(std::unique_ptr<ObjectStore> inner, uint64_t bytes_per_second)
      : ThrottledObjectStore(std::move(inner), ThrottleOptions{bytes_per_second, 0}) {}

  Status EnsureBucket(std::string_view bucket) override;
  Result<std::vector<std::string>> ListBuckets() override;
  // Streams `data` through a throttled writer: as atomic and durable as the inner store's writer.
  Status Put(std::string_view bucket, std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view bucket,
                                                  std::string_view key) override;
  Result<std::string> Get(std::string_view bucket, std::string_view key) override;
  Result<std::string> GetRange(std::string_view bucket, std::string_view key, uint64_t offset,
                               uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) override;
  Result<ListResult> List(std::string_view bucket, const ListOptions& options = {}) override;
  Status Delete(std::string_view bucket, std::string_view key) override;

 private:
  class Writer;

  // Writes `data` to `writer` in slices, waiting for each slice's share of bandwidth.
  Status ThrottledAppend(ObjectWriter& writer, std::string_view data);
  // Reserves `bytes` of bandwidth; returns when the caller may write them.
  void Acquire(uint64_t bytes);

  const std::unique_ptr<ObjectStore> inner_;
  const ThrottleOptions options_;
  const size_t slice_bytes_;
  std::mutex mutex_;
  // The time at which all bandwidth reserved so far is used up; guarded by mutex_.
  std::chrono::steady_clock::time_point reserved_until_;
};

}  // namespace lakebox::storage
