// The per-stream write-ahead log. Format and crash rules: docs/durability.md.
//
// A stream's WAL is a folder of segment files, `<seq as 16 hex digits>.wal`. One segment holds
// exactly the records of one future object: the open segment is the stream's buffer, and
// sealing it (size or interval reached, flush, shutdown) hands it to delivery. So the WAL *is*
// the buffer; records are never held in memory beyond the request that carries them.
//
// Segment layout (little-endian):
//   header  : "LKBWAL01" | u64 sequence | u64 stream_nonce | u32 version_id | u32 crc32c(previous 28 bytes)
//   entry*  : u32 crc32c(rest of entry) | u32 body_length | body
//   body    : i64 arrival_ms | u32 record_count | (u32 record_length | record bytes) * record_count
// One entry is one PutRecords call, so a torn write loses a whole (unacknowledged) call, never
// part of one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox::ingest {

struct WalSegmentHeader {
  uint64_t sequence = 0;      // position of the segment in the stream, starting at 1
  uint64_t stream_nonce = 0;  // random per stream incarnation; seeds the object key's random parts
  uint32_t version_id = 1;    // the stream's VersionId when the segment was opened (it is in the key)
};

inline constexpr size_t kWalHeaderSize = 32;
inline constexpr size_t kWalEntryOverhead = 8 + 12;  // crc + length, arrival + count
inline constexpr size_t kWalRecordOverhead = 4;

// Size of the entry EncodeWalEntry produces, without building it.
size_t WalEntrySize(std::span<const std::string_view> records);
// Appends one encoded entry to *out.
void EncodeWalEntry(int64_t arrival_ms, std::span<const std::string_view> records, std::string* out);

std::filesystem::path WalSegmentPath(const std::filesystem::path& wal_dir, uint64_t sequence);
// Sequences of the segment files in `wal_dir`, ascending. Other files are ignored.
Result<std::vector<uint64_t>> ListWalSegments(const std::filesystem::path& wal_dir);

// The open segment. Appends are group-committed: many threads Enqueue and then WaitDurable; one
// of them writes everything queued so far and fdatasyncs it for all. After a write or sync error
// the writer is failed for good (a sticky error): the file is cut back to what was durable, and
// the owner must seal it and open a new segment.
// Thread-safe.
class WalSegmentWriter {
 public:
  static Result<std::unique_ptr<WalSegmentWriter>> Create(const std::filesystem::path& path,
                                                          const WalSegmentHeader& header);
  ~WalSegmentWriter();

  // Queues an encoded entry (EncodeWalEntry). Returns the segment size after it: the position
  // to pass to WaitDurable. Fails only if the writer is closed or failed.
  Result<uint64_t> Enqueue(std::string_view entry);
  // Blocks until every byte before `position` is written and fdatasync'd.
  Status WaitDurable(uint64_t position);
  // Makes everything queued durable and closes the file. Idempotent.
  Status Close();

  const WalSegmentHeader& header() const { return header_; }
  const std::filesystem::path& path() const { return path_; }
  // Bytes queued so far, header included.
  uint64_t size() const;
  // True after a write or sync error; the segment takes no more entries.
  bool failed() const;

 private:
  WalSegmentWriter(std::filesystem::path path, WalSegmentHeader header, int fd);

  const std::filesystem::path path_;
  const WalSegmentHeader header_;
  mutable std::mutex mu_;
  std::condition_variable synced_cv_;
  int fd_;
  std::string pending_;            // queued, not yet written
  std::string writing_;            // being written by the current leader (kept to reuse capacity)
  uint64_t queued_end_;            // position after the last queued byte
  uint64_t durable_end_;           // position after the last durable byte
  bool leader_active_ = false;     // some thread is writing + syncing
  bool closed_ = false;
  std::optional<Error> failure_;   // sticky
};

struct WalEntry {
  int64_t arrival_ms = 0;
  std::vector<std::string_view> records;  // views into the reader's buffer, valid until Next()
};

// Reads a segment back, entry by entry, verifying checksums. A short or bad final entry is a
// torn tail: a write that was never acknowledged, so it ends the segment quietly (torn_tail()).
// A bad entry followed by more data is corruption.
class WalSegmentReader {
 public:
  static Result<WalSegmentReader> Open(const std::filesystem::path& path);
  WalSegmentReader(WalSegmentReader&&) noexcept;
  WalSegmentReader& operator=(WalSegmentReader&&) noexcept;
  ~WalSegmentReader();

  const WalSegmentHeader& header() const { return header_; }
  // false at the end of the segment.
  Result<bool> Next(WalEntry* entry);
  bool torn_tail() const { return torn_tail_; }
  uint64_t file_size() const { return file_size_; }

 private:
  WalSegmentReader(std::filesystem::path path, int fd, uint64_t file_size, WalSegmentHeader header);

  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint64_t offset_ = kWalHeaderSize;
  WalSegmentHeader header_;
  std::string buffer_;
  bool torn_tail_ = false;
};

}  // namespace lakebox::ingest
