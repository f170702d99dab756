#include "ingest/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/file_util.h"

namespace lakebox::ingest {
namespace {

constexpr char kMagic[8] = {'L', 'K', 'B', 'W', 'A', 'L', '0', '1'};
// One entry's body may not exceed this: it guards the reader against a garbage length field
// allocating gigabytes. The largest legitimate entry is one NDJSON request (server-side limit).
constexpr uint32_t kMaxEntryBody = 1u << 30;

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // the formats are little-endian, like the machines lakebox runs on
  out->append(b, 4);
}
void PutU64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}
uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// True when every byte from `offset` to the end is zero: a file extended by a crash before its
// data reached the disk. That is a torn tail, not corruption.
Result<bool> RestIsZero(int fd, uint64_t offset, uint64_t file_size, const std::filesystem::path& path) {
  std::string chunk;
  while (offset < file_size) {
    chunk.resize(std::min<uint64_t>(file_size - offset, 1 << 20));
    LAKEBOX_TRY(ReadExactAt(fd, offset, chunk, path));
    if (chunk.find_first_not_of('\0') != std::string::npos) return false;
    offset += chunk.size();
  }
  return true;
}

std::string EncodeHeader(const WalSegmentHeader& h) {
  std::string out(kMagic, sizeof(kMagic));
  PutU64(&out, h.sequence);
  PutU64(&out, h.stream_nonce);
  PutU32(&out, h.version_id);
  PutU32(&out, Crc32c(out));
  return out;
}

}  // namespace

size_t WalEntrySize(std::span<const std::string_view> records) {
  size_t size = kWalEntryOverhead;
  for (std::string_view r : records) size += kWalRecordOverhead + r.size();
  return size;
}

void EncodeWalEntry(int64_t arrival_ms, std::span<const std::string_view> records, std::string* out) {
  size_t start = out->size();
  size_t body_length = WalEntrySize(records) - 8;
  out->reserve(start + 8 + body_length);
  PutU32(out, 0);  // crc, filled in below
  PutU32(out, static_cast<uint32_t>(body_length));
  PutU64(out, static_cast<uint64_t>(arrival_ms));
  PutU32(out, static_cast<uint32_t>(records.size()));
  for (std::string_view r : records) {
    PutU32(out, static_cast<uint32_t>(r.size()));
    out->append(r);
  }
  uint32_t crc = Crc32c(std::string_view(out->data() + start + 4, out->size() - start - 4));
  std::memcpy(out->data() + start, &crc, 4);
}

std::filesystem::path WalSegmentPath(const std::filesystem::path& wal_dir, uint64_t sequence) {
  return wal_dir / fmt::format("{:016x}.wal", sequence);
}

Result<std::vector<uint64_t>> ListWalSegments(const std::filesystem::path& wal_dir) {
  std::vector<uint64_t> sequences;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(wal_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 20 || !name.ends_with(".wal")) continue;
    uint64_t seq = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + 16, seq, 16);
    if (err == std::errc() && end == name.data() + 16) sequences.push_back(seq);
  }
  if (ec) return std::unexpected(Error::Io(fmt::format("listing {}: {}", wal_dir.string(), ec.message())));
  std::sort(sequences.begin(), sequences.end());
  return sequences;
}

// ---------------------------------------------------------------------------------------------
// WalSegmentWriter

WalSegmentWriter::WalSegmentWriter(std::filesystem::path path, WalSegmentHeader header, int fd)
    : path_(std::move(path)), header_(header), fd_(fd), queued_end_(kWalHeaderSize), durable_end_(kWalHeaderSize) {}

WalSegmentWriter::~WalSegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<WalSegmentWriter>> WalSegmentWriter::Create(const std::filesystem::path& path,
                                                                   const WalSegmentHeader& header) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(Error::IoFromErrno("creating WAL segment", path.string()));
  std::unique_ptr<WalSegmentWriter> writer(new WalSegmentWriter(path, header, fd));
  std::string encoded = EncodeHeader(header);
  LAKEBOX_TRY(WriteAll(fd, encoded, path));
  if (::fdatasync(fd) != 0) return std::unexpected(Error::IoFromErrno("syncing WAL segment", path.string()));
  // The segment's directory entry must be durable too, or a crash could lose a file whose
  // records were acknowledged.
  LAKEBOX_TRY(FsyncDir(path.parent_path()));
  return writer;
}

uint64_t WalSegmentWriter::size() const {
  std::lock_guard lock(mu_);
  return queued_end_;
}

bool WalSegmentWriter::failed() const {
  std::lock_guard lock(mu_);
  return failure_.has_value();
}

Result<uint64_t> WalSegmentWriter::Enqueue(std::string_view entry) {
  std::lock_guard lock(mu_);
  if (failure_) return std::unexpected(*failure_);
  if (closed_) return std::unexpected(Error::Internal(fmt::format("{} is sealed", path_.string())));
  pending_.append(entry);
  queued_end_ += entry.size();
  return queued_end_;
}

Status WalSegmentWriter::WaitDurable(uint64_t position) {
  std::unique_lock lock(mu_);
  while (true) {
    if (durable_end_ >= position) return Ok();
    if (failure_) return std::unexpected(*failure_);
    if (leader_active_) {
      synced_cv_.wait(lock);
      continue;
    }
    // Become the leader: write and sync everything queued so far, for every waiter at once.
    leader_active_ = true;
    writing_.clear();
    writing_.swap(pending_);
    uint64_t end = queued_end_;
    lock.unlock();
    Status written = WriteAll(fd_, writing_, path_);
    if (written && ::fdatasync(fd_) != 0) written = std::unexpected(Error::IoFromErrno("syncing WAL segment", path_.string()));
    lock.lock();
    leader_active_ = false;
    if (written) {
      durable_end_ = end;
    } else {
      // Cut the file back to what is durable so the segment stays readable to its end; nothing
      // after durable_end_ was acknowledged.
      failure_ = written.error();
      if (::ftruncate(fd_, static_cast<off_t>(durable_end_)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0) {
        // The reader treats a bad tail as torn, so the segment is still safe to deliver.
      }
    }
    synced_cv_.notify_all();
  }
}

Status WalSegmentWriter::Close() {
  uint64_t end;
  {
    std::lock_guard lock(mu_);
    if (closed_ && !leader_active_ && pending_.empty()) return failure_ ? Status(std::unexpected(*failure_)) : Ok();
    closed_ = true;
    end = queued_end_;
  }
  Status s = WaitDurable(end);
  std::lock_guard lock(mu_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// WalSegmentReader

WalSegmentReader::WalSegmentReader(std::filesystem::path path, int fd, uint64_t file_size, WalSegmentHeader header)
    : path_(std::move(path)), fd_(fd), file_size_(file_size), header_(header) {}

WalSegmentReader::WalSegmentReader(WalSegmentReader&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      file_size_(other.file_size_),
      offset_(other.offset_),
      header_(other.header_),
      buffer_(std::move(other.buffer_)),
      torn_tail_(other.torn_tail_) {}

WalSegmentReader& WalSegmentReader::operator=(WalSegmentReader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    file_size_ = other.file_size_;
    offset_ = other.offset_;
    header_ = other.header_;
    buffer_ = std::move(other.buffer_);
    torn_tail_ = other.torn_tail_;
  }
  return *this;
}

WalSegmentReader::~WalSegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<WalSegmentReader> WalSegmentReader::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(Error::IoFromErrno("opening WAL segment", path.string()));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return std::unexpected(Error::IoFromErrno("stat of WAL segment", path.string()));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  char raw[kWalHeaderSize];
  if (size < kWalHeaderSize) {
    ::close(fd);
    return std::unexpected(Error::Corruption(fmt::format("{}: shorter than a segment header", path.string())));
  }
  if (Status s = ReadExactAt(fd, 0, std::span<char>(raw, kWalHeaderSize), path); !s) {
    ::close(fd);
    return std::unexpected(s.error());
  }
  if (std::memcmp(raw, kMagic, sizeof(kMagic)) != 0 ||
      GetU32(raw + 28) != Crc32c(std::string_view(raw, 28))) {
    ::close(fd);
    return std::unexpected(Error::Corruption(fmt::format("{}: bad segment header", path.string())));
  }
  WalSegmentHeader header{GetU64(raw + 8), GetU64(raw + 16), GetU32(raw + 24)};
  return WalSegmentReader(path, fd, size, header);
}

Result<bool> WalSegmentReader::Next(WalEntry* entry) {
  entry->records.clear();
  if (torn_tail_ || offset_ >= file_size_) return false;
  auto torn = [&] {
    torn_tail_ = true;
    return false;
  };
  if (file_size_ - offset_ < 8) return torn();
  char head[8];
  LAKEBOX_TRY(ReadExactAt(fd_, offset_, std::span<char>(head, 8), path_));
  uint32_t crc = GetU32(head);
  uint32_t body_length = GetU32(head + 4);
  uint64_t entry_end = offset_ + 8 + body_length;
  if (body_length < 12 || body_length > kMaxEntryBody || entry_end > file_size_) {
    // A length that runs past the end is the signature of a write cut short by a crash.
    if (entry_end >= file_size_ || body_length > kMaxEntryBody) return torn();
    LAKEBOX_ASSIGN_OR_RETURN(bool zero_tail, RestIsZero(fd_, offset_, file_size_, path_));
    if (zero_tail) return torn();
    return std::unexpected(Error::Corruption(fmt::format("{}: bad entry length at offset {}", path_.string(), offset_)));
  }
  buffer_.resize(body_length + 4);
  std::memcpy(buffer_.data(), head + 4, 4);
  LAKEBOX_TRY(ReadExactAt(fd_, offset_ + 8, std::span<char>(buffer_.data() + 4, body_length), path_));
  if (Crc32c(buffer_) != crc) {
    if (entry_end == file_size_) return torn();
    LAKEBOX_ASSIGN_OR_RETURN(bool zero_tail, RestIsZero(fd_, offset_, file_size_, path_));
    if (zero_tail) return torn();
    return std::unexpected(Error::Corruption(
        fmt::format("{}: checksum mismatch at offset {} (the segment is kept for inspection)", path_.string(), offset_)));
  }
  const char* p = buffer_.data() + 4;
  const char* end = buffer_.data() + buffer_.size();
  entry->arrival_ms = static_cast<int64_t>(GetU64(p));
  uint32_t count = GetU32(p + 8);
  p += 12;
  entry->records.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (end - p < 4) return std::unexpected(Error::Corruption(fmt::format("{}: truncated record", path_.string())));
    uint32_t length = GetU32(p);
    p += 4;
    if (static_cast<uint64_t>(end - p) < length)
      return std::unexpected(Error::Corruption(fmt::format("{}: truncated record", path_.string())));
    entry->records.emplace_back(p, length);
    p += length;
  }
  offset_ = entry_end;
  return true;
}

}  // namespace lakebox::ingest
