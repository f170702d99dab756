#include "storage/local_object_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "common/file_util.h"

namespace lakebox::storage {
namespace {

// Appends smaller than this are gathered before writing: delivery appends compressor output in
// small pieces, and one write(2) per piece would dominate the cost of a put.
constexpr size_t kWriteBufferBytes = 256 * 1024;

ObjectInfo InfoFromStat(std::string key, const struct stat& st) {
  int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  ObjectInfo info;
  info.key = std::move(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.modified_ms = mtime_ns / 1'000'000;
  info.etag = fmt::format("{:x}-{:x}-{:x}", static_cast<uint64_t>(st.st_ino),
                          static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(mtime_ns));
  return info;
}

Status ValidateNames(std::string_view bucket, std::string_view key) {
  LAKEBOX_TRY(ValidateBucketName(bucket));
  return ValidateObjectKey(key);
}

// Where a listing resumes. A page that ended on a common prefix resumes after every key under
// that prefix, which "after key X" cannot express.
struct Position {
  enum class Kind : char { kStart = 0, kAfterKey = 'k', kAfterPrefix = 'p' };
  Kind kind = Kind::kStart;
  std::string value;
};

// Hex, so the token is opaque and safe in a URL or XML whatever bytes the key holds.
std::string EncodeToken(const Position& position) {
  std::string token = fmt::format("{:02x}", static_cast<unsigned char>(position.kind));
  for (unsigned char c : position.value) token += fmt::format("{:02x}", c);
  return token;
}

Result<Position> DecodeToken(std::string_view token) {
  auto invalid = [] {
    return std::unexpected(
        Error::InvalidArgument("InvalidArgument: the continuation token provided is incorrect"));
  };
  if (token.size() < 2 || token.size() % 2 != 0) return invalid();
  std::string bytes;
  for (size_t i = 0; i < token.size(); i += 2) {
    unsigned value = 0;
    for (char c : token.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<unsigned>(c - 'a' + 10);
      } else {
        return invalid();
      }
    }
    bytes += static_cast<char>(value);
  }
  Position position;
  position.kind = static_cast<Position::Kind>(bytes[0]);
  position.value = bytes.substr(1);
  if ((position.kind != Position::Kind::kAfterKey &&
       position.kind != Position::Kind::kAfterPrefix) ||
      position.value.empty()) {
    return invalid();
  }
  return position;
}

// One page of a listing, produced by walking the bucket's directory tree in key order.
class ListWalk {
 public:
  ListWalk(const ListOptions& options, Position position)
      : options_(options), position_(std::move(position)) {}

  // Walks `dir`, all of whose keys start with `dir_prefix` ("" for the bucket, else "a/b/").
  // Returns false once the page is full.
  Result<bool> Walk(const std::filesystem::path& dir, const std::string& dir_prefix) {
    auto listed = ReadDir(dir);
    if (!listed) {
      // Delete removes emptied directories concurrently; a vanished one has no keys.
      if (listed.error().code() == Error::Code::kNotFound) return true;
      return std::unexpected(listed.error());
    }
    std::vector<DirEntry>& entries = *listed;
    // Every key under directory "a" starts with "a/", so the directory sorts as "a/": keys are
    // in byte order only if "a-b" (0x2d) comes before "a/..." (0x2f) before "a0".
    auto sort_name = [](const DirEntry& e) {
      return e.type == FileType::kDirectory ? e.name + '/' : e.name;
    };
    std::sort(entries.begin(), entries.end(),
              [&](const DirEntry& a, const DirEntry& b) { return sort_name(a) < sort_name(b); });

    for (const DirEntry& entry : entries) {
      // The rest of this directory rolls up into the common prefix just emitted.
      if (!last_prefix_.empty() && dir_prefix.starts_with(last_prefix_)) return true;
      if (entry.type == FileType::kDirectory) {
        std::string subtree = dir_prefix + entry.name + '/';
        if (!MayHoldWantedKeys(subtree)) continue;
        LAKEBOX_ASSIGN_OR_RETURN(bool more, Walk(dir / entry.name, subtree));
        if (!more) return false;
      } else if (entry.type == FileType::kRegular) {
        std::string key = dir_prefix + entry.name;
        if (!key.starts_with(options_.prefix) || !IsAfterPosition(key)) continue;
        if (!options_.delimiter.empty()) {
          size_t at = key.find(options_.delimiter, options_.prefix.size());
          if (at != std::string::npos) {
            std::string common_prefix = key.substr(0, at + options_.delimiter.size());
            if (common_prefix == last_prefix_) continue;
            if (!Emit(Position::Kind::kAfterPrefix, std::move(common_prefix), nullptr))
              return false;
            continue;
          }
        }
        std::filesystem::path path = dir / entry.name;
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) {
          if (errno == ENOENT) continue;  // deleted since ReadDir
          return std::unexpected(Error::IoFromErrno("stat", path.string()));
        }
        if (!Emit(Position::Kind::kAfterKey, std::move(key), &st)) return false;
      }
    }
    return true;
  }

  ListResult Finish() {
    if (truncated_) result_.next_token = EncodeToken(last_);
    return std::move(result_);
  }

 private:
  // Whether the directory whose keys all start with `subtree` can hold a key for this page.
  bool MayHoldWantedKeys(std::string_view subtree) const {
    const std::string& prefix = options_.prefix;
    if (!subtree.starts_with(prefix) && !prefix.starts_with(subtree)) return false;
    if (!last_prefix_.empty() && subtree.starts_with(last_prefix_)) return false;
    const std::string& at = position_.value;
    switch (position_.kind) {
      case Position::Kind::kStart:
        return true;
      case Position::Kind::kAfterKey:
        // Every key of the subtree is smaller than `at` when `subtree` is smaller and not a prefix.
        return subtree >= at || at.starts_with(subtree);
      case Position::Kind::kAfterPrefix:
        if (subtree.starts_with(at)) return false;
        return at.starts_with(subtree) || subtree > at;
    }
    return true;
  }

  bool IsAfterPosition(std::string_view key) const {
    switch (position_.kind) {
      case Position::Kind::kStart:
        return true;
      case Position::Kind::kAfterKey:
        return key > position_.value;
      case Position::Kind::kAfterPrefix:
        return key > position_.value && !key.starts_with(position_.value);
    }
    return true;
  }

  // Adds an object (with its stat) or a common prefix (st == nullptr). False if the page is
  // already full, in which case the entry is left for the next page.
  bool Emit(Position::Kind kind, std::string value, const struct stat* st) {
    if (emitted_ == static_cast<size_t>(options_.max_keys)) {
      truncated_ = true;
      return false;
    }
    ++emitted_;
    last_ = {kind, value};
    if (st != nullptr) {
      result_.objects.push_back(InfoFromStat(std::move(value), *st));
    } else {
      last_prefix_ = value;
      result_.common_prefixes.push_back(std::move(value));
    }
    return true;
  }

  const ListOptions& options_;
  const Position position_;
  ListResult result_;
  size_t emitted_ = 0;
  bool truncated_ = false;
  Position last_;            // the last entry emitted, where the next page resumes
  std::string last_prefix_;  // the last common prefix emitted
};

}  // namespace

class LocalObjectStore::Writer final : public ObjectWriter {
 public:
  Writer(LocalObjectStore* store, std::string_view bucket, std::string_view key,
         std::filesystem::path temp, UniqueFd fd)
      : store_(store), bucket_(bucket), key_(key), temp_(std::move(temp)), fd_(std::move(fd)) {}

  ~Writer() override { Abort(); }

  Status Append(std::string_view data) override {
    LAKEBOX_TRY(CheckOpen());
    if (buffer_.size() + data.size() <= kWriteBufferBytes) {
      buffer_.append(data);
      return Ok();
    }
    LAKEBOX_TRY(AbortOnError(Flush()));
    if (data.size() >= kWriteBufferBytes) return AbortOnError(WriteAll(fd_.get(), data, temp_));
    buffer_.append(data);
    return Ok();
  }

  Result<ObjectInfo> Commit() override {
    LAKEBOX_TRY(CheckOpen());
    Result<ObjectInfo> info = [&]() -> Result<ObjectInfo> {
      LAKEBOX_TRY(Flush());
      LAKEBOX_TRY(SyncFd(fd_.get(), temp_));
      struct stat st;
      if (::fstat(fd_.get(), &st) != 0) {
        return std::unexpected(Error::IoFromErrno("stat", temp_.string()));
      }
      LAKEBOX_TRY(fd_.Close(temp_));
      LAKEBOX_TRY(store_->Publish(temp_, bucket_, key_));
      return InfoFromStat(key_, st);  // rename keeps the inode, size and mtime
    }();
    if (!info) {
      Abort();
      return info;
    }
    state_ = State::kCommitted;
    return info;
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    fd_ = UniqueFd();
    ::unlink(temp_.c_str());  // ENOENT if Publish got as far as the rename: nothing to clean
    buffer_.clear();
  }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  Status CheckOpen() const {
    if (state_ == State::kOpen) return Ok();
    return std::unexpected(
        Error::Internal(fmt::format("writer for '{}' in bucket '{}' already {}", key_, bucket_,
                                    state_ == State::kCommitted ? "committed" : "aborted")));
  }

  Status AbortOnError(Status status) {
    if (!status) Abort();
    return status;
  }

  Status Flush() {
    if (buffer_.empty()) return Ok();
    LAKEBOX_TRY(WriteAll(fd_.get(), buffer_, temp_));
    buffer_.clear();
    return Ok();
  }

  LocalObjectStore* const store_;
  const std::string bucket_;
  const std::string key_;
  const std::filesystem::path temp_;
  UniqueFd fd_;
  std::string buffer_;
  State state_ = State::kOpen;
};

LocalObjectStore::LocalObjectStore(std::filesystem::path root)
    : root_(std::move(root)), temp_dir_(root_ / ".tmp") {}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(
    const std::filesystem::path& root) {
  LAKEBOX_TRY(CreateDirs(root));
  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(root));
  LAKEBOX_TRY(CreateDirs(store->temp_dir_));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> stale, ReadDir(store->temp_dir_));
  for (const DirEntry& entry : stale) {
    std::filesystem::path path = store->temp_dir_ / entry.name;
    if (entry.type == FileType::kRegular && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return std::unexpected(Error::IoFromErrno("remove stale temp file", path.string()));
    }
  }
  return store;
}

Result<std::filesystem::path> LocalObjectStore::BucketDir(std::string_view bucket) const {
  LAKEBOX_TRY(ValidateBucketName(bucket));
  std::filesystem::path dir = root_ / bucket;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return std::unexpected(NoSuchBucketError(bucket));
  }
  return dir;
}

Error LocalObjectStore::MissingObjectError(std::string_view bucket, std::string_view key,
                                           Error original) const {
  struct stat st;
  std::filesystem::path dir = root_ / bucket;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return NoSuchBucketError(bucket);
  std::filesystem::path path = dir / key;
  if (::stat(path.c_str(), &st) != 0) {
    // ENOTDIR: a segment of the key is an object, so no object can be below it.
    if (errno == ENOENT || errno == ENOTDIR) return NoSuchKeyError(bucket, key);
    return original;
  }
  if (!S_ISREG(st.st_mode)) return NoSuchKeyError(bucket, key);  // a directory of other keys
  return original;
}

Status LocalObjectStore::EnsureBucket(std::string_view bucket) {
  LAKEBOX_TRY(ValidateBucketName(bucket));
  return CreateDirs(root_ / bucket);
}

Result<std::vector<std::string>> LocalObjectStore::ListBuckets() {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDir(root_));
  std::vector<std::string> buckets;
  for (DirEntry& entry : entries) {
    if (entry.type == FileType::kDirectory && ValidateBucketName(entry.name)) {
      buckets.push_back(std::move(entry.name));
    }
  }
  return buckets;
}

Status LocalObjectStore::Put(std::string_view bucket, std::string_view key, std::string_view data) {
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer, NewWriter(bucket, key));
  LAKEBOX_TRY(writer->Append(data));
  LAKEBOX_TRY(writer->Commit());
  return Ok();
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view bucket,
                                                                  std::string_view key) {
  LAKEBOX_TRY(ValidateObjectKey(key));
  LAKEBOX_TRY(BucketDir(bucket));
  std::filesystem::path temp = temp_dir_ / fmt::format("{}-{}", ::getpid(), temp_counter_++);
  LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd,
                           UniqueFd::Open(temp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0644));
  return std::make_unique<Writer>(this, bucket, key, std::move(temp), std::move(fd));
}

Status LocalObjectStore::Publish(const std::filesystem::path& temp, std::string_view bucket,
                                 std::string_view key) {
  std::shared_lock lock(dir_mutex_);
  LAKEBOX_ASSIGN_OR_RETURN(std::filesystem::path bucket_dir, BucketDir(bucket));
  std::filesystem::path target = bucket_dir / key;
  // CreateDirs syncs every directory it creates, so the fsync after the rename covers the whole
  // path to the object and not only its last name.
  Status dirs = CreateDirs(target.parent_path());
  if (!dirs) {
    // Most likely a segment of the key is already an object; say so rather than "not a directory".
    size_t slash = key.find('/');
    while (slash != std::string_view::npos) {
      struct stat st;
      std::filesystem::path path = bucket_dir / key.substr(0, slash);
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        return std::unexpected(Error::InvalidArgument(fmt::format(
            "cannot put '{}' in bucket '{}': '{}' is an object, and the local object store cannot "
            "also store keys below it",
            key, bucket, key.substr(0, slash))));
      }
      slash = key.find('/', slash + 1);
    }
    return dirs;
  }
  struct stat st;
  if (::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "cannot put '{}' in bucket '{}': keys below '{}/' exist, and the local object store cannot "
        "also store an object there",
        key, bucket, key)));
  }
  return RenameDurable(temp, target);
}

Result<LocalObjectStore::OpenedObject> LocalObjectStore::OpenObject(std::string_view bucket,
                                                                   std::string_view key) const {
  LAKEBOX_TRY(ValidateNames(bucket, key));
  OpenedObject object;
  object.path = root_ / bucket / key;
  auto fd = UniqueFd::Open(object.path, O_RDONLY);
  if (!fd) return std::unexpected(MissingObjectError(bucket, key, fd.error()));
  struct stat st;
  if (::fstat(fd->get(), &st) != 0)
    return std::unexpected(Error::IoFromErrno("stat", object.path.string()));
  if (!S_ISREG(st.st_mode)) return std::unexpected(NoSuchKeyError(bucket, key));
  object.fd = std::move(*fd);
  object.size = static_cast<uint64_t>(st.st_size);
  return object;
}

Result<std::string> LocalObjectStore::Get(std::string_view bucket, std::string_view key) {
  LAKEBOX_ASSIGN_OR_RETURN(OpenedObject object, OpenObject(bucket, key));
  std::string data(static_cast<size_t>(object.size), '\0');
  LAKEBOX_TRY(ReadExactAt(object.fd.get(), 0, data, object.path));
  return data;
}

Result<std::string> LocalObjectStore::GetRange(std::string_view bucket, std::string_view key,
                                               uint64_t offset, uint64_t length) {
  LAKEBOX_ASSIGN_OR_RETURN(OpenedObject object, OpenObject(bucket, key));
  if (offset >= object.size) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "InvalidRange: offset {} is not inside object '{}' of {} bytes", offset, key, object.size)));
  }
  std::string data(static_cast<size_t>(std::min(length, object.size - offset)), '\0');
  LAKEBOX_TRY(ReadExactAt(object.fd.get(), offset, data, object.path));
  return data;
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view bucket, std::string_view key) {
  LAKEBOX_TRY(ValidateNames(bucket, key));
  std::filesystem::path path = root_ / bucket / key;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return std::unexpected(
        MissingObjectError(bucket, key, Error::IoFromErrno("stat", path.string())));
  }
  if (!S_ISREG(st.st_mode)) return std::unexpected(NoSuchKeyError(bucket, key));
  return InfoFromStat(std::string(key), st);
}

Result<ListResult> LocalObjectStore::List(std::string_view bucket, const ListOptions& options) {
  LAKEBOX_ASSIGN_OR_RETURN(std::filesystem::path bucket_dir, BucketDir(bucket));
  if (options.max_keys < 0) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("max_keys is {}; it must be 0 or more", options.max_keys)));
  }
  Position position;
  if (options.continuation_token) {
    LAKEBOX_ASSIGN_OR_RETURN(position, DecodeToken(*options.continuation_token));
  } else if (!options.start_after.empty()) {
    position = {Position::Kind::kAfterKey, options.start_after};
  }
  if (options.max_keys == 0) return ListResult{};
  ListWalk walk(options, std::move(position));
  LAKEBOX_TRY(walk.Walk(bucket_dir, ""));
  return walk.Finish();
}

Status LocalObjectStore::Delete(std::string_view bucket, std::string_view key) {
  LAKEBOX_TRY(ValidateObjectKey(key));
  LAKEBOX_ASSIGN_OR_RETURN(std::filesystem::path bucket_dir, BucketDir(bucket));
  std::filesystem::path path = bucket_dir / key;
  if (::unlink(path.c_str()) != 0) {
    // Missing, below an object (ENOTDIR), or a directory of other keys (EISDIR): no such object.
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Ok();
    return std::unexpected(Error::IoFromErrno("delete", path.string()));
  }
  std::filesystem::path dir = path.parent_path();
  if (dir != bucket_dir) {
    std::unique_lock lock(dir_mutex_);
    // rmdir fails on a directory that is not empty, which ends the climb.
    while (dir != bucket_dir && ::rmdir(dir.c_str()) == 0) dir = dir.parent_path();
  }
  // Makes the last removed name's removal durable. If the directory vanished meanwhile, the
  // Delete that removed it synced its parent.
  Status synced = FsyncDir(dir);
  if (!synced && synced.error().code() != Error::Code::kNotFound) return synced;
  return Ok();
}

}  // namespace lakebox::storage
