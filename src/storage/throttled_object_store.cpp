#include "storage/throttled_object_store.h"

#include <algorithm>
#include <thread>

namespace lakebox::storage {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::nanoseconds TimeFor(uint64_t bytes, uint64_t bytes_per_second) {
  return std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(bytes) * 1e9 /
                                                       static_cast<double>(bytes_per_second)));
}

}  // namespace

class ThrottledObjectStore::Writer final : public ObjectWriter {
 public:
  Writer(ThrottledObjectStore* store, std::unique_ptr<ObjectWriter> inner)
      : store_(store), inner_(std::move(inner)) {}

  Status Append(std::string_view data) override { return store_->ThrottledAppend(*inner_, data); }
  Result<ObjectInfo> Commit() override { return inner_->Commit(); }
  void Abort() override { inner_->Abort(); }

 private:
  ThrottledObjectStore* const store_;
  const std::unique_ptr<ObjectWriter> inner_;  // aborts itself if destroyed uncommitted
};

ThrottledObjectStore::ThrottledObjectStore(std::unique_ptr<ObjectStore> inner,
                                           ThrottleOptions options)
    : inner_(std::move(inner)),
      options_{options.bytes_per_second,
               options.burst_bytes != 0 ? options.burst_bytes : options.bytes_per_second / 10},
      // About a tenth of a second per slice: smooth for the disk, few enough wake-ups.
      slice_bytes_(std::clamp<uint64_t>(options.bytes_per_second / 10, 4096, 1 << 20)),
      reserved_until_(Clock::now()) {}

void ThrottledObjectStore::Acquire(uint64_t bytes) {
  Clock::time_point wake;
  {
    std::lock_guard lock(mutex_);
    Clock::time_point now = Clock::now();
    // Each caller books the next `bytes` of bandwidth after everything booked before it (GCRA).
    // Idle time counts as credit up to the burst, because the wait is shortened by the burst.
    reserved_until_ = std::max(reserved_until_, now) + TimeFor(bytes, options_.bytes_per_second);
    wake = reserved_until_ - TimeFor(options_.burst_bytes, options_.bytes_per_second);
  }
  std::this_thread::sleep_until(wake);
}

Status ThrottledObjectStore::ThrottledAppend(ObjectWriter& writer, std::string_view data) {
  if (options_.bytes_per_second == 0) return writer.Append(data);
  while (!data.empty()) {
    std::string_view slice = data.substr(0, slice_bytes_);
    Acquire(slice.size());
    LAKEBOX_TRY(writer.Append(slice));
    data.remove_prefix(slice.size());
  }
  return Ok();
}

Status ThrottledObjectStore::EnsureBucket(std::string_view bucket) {
  return inner_->EnsureBucket(bucket);
}

Result<std::vector<std::string>> ThrottledObjectStore::ListBuckets() {
  return inner_->ListBuckets();
}

Status ThrottledObjectStore::Put(std::string_view bucket, std::string_view key,
                                 std::string_view data) {
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer, NewWriter(bucket, key));
  LAKEBOX_TRY(writer->Append(data));
  LAKEBOX_TRY(writer->Commit());
  return Ok();
}

Result<std::unique_ptr<ObjectWriter>> ThrottledObjectStore::NewWriter(std::string_view bucket,
                                                                      std::string_view key) {
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> inner, inner_->NewWriter(bucket, key));
  return std::make_unique<Writer>(this, std::move(inner));
}

Result<std::string> ThrottledObjectStore::Get(std::string_view bucket, std::string_view key) {
  return inner_->Get(bucket, key);
}

Result<std::string> ThrottledObjectStore::GetRange(std::string_view bucket, std::string_view key,
                                                   uint64_t offset, uint64_t length) {
  return inner_->GetRange(bucket, key, offset, length);
}

Result<ObjectInfo> ThrottledObjectStore::Head(std::string_view bucket, std::string_view key) {
  return inner_->Head(bucket, key);
}

Result<ListResult> ThrottledObjectStore::List(std::string_view bucket, const ListOptions& options) {
  return inner_->List(bucket, options);
}

Status ThrottledObjectStore::Delete(std::string_view bucket, std::string_view key) {
  return inner_->Delete(bucket, key);
}

}  // namespace lakebox::storage
