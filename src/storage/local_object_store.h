// LocalObjectStore: the object store on the local file system, lakebox's default S3.
//
// Layout: object `key` of bucket `b` is the plain file `<root>/b/<key>` ('/' in keys makes
// directories), with nothing else beside it, so users, tests and other tools (DuckDB, jq, zcat)
// read the lake directly. `root` is `<data-dir>/s3`. Files copied in by hand are objects too;
// entries that are neither regular files nor directories (symlinks, sockets) are not listed.
//
// Durability: a put writes a temp file in `<root>/.tmp/` (same file system, so rename works;
// never listed, since no bucket name starts with '.'), fsyncs it, renames it to its key, and
// fsyncs the key's directory. Open() deletes temp files left by a crash, so only one process may
// use a root at a time.
//
// Differences from S3, all consequences of keys being paths:
//  - A key cannot be both an object and a "directory" of other keys: with object "a" stored,
//    putting "a/b" fails with InvalidArgument, and so does putting "a" while "a/b" exists.
//  - Deleting an object removes directories it leaves empty, up to the bucket.
//
// ETag: hex of the file's (inode, size, mtime in ns), e.g. "1a2b-400-17f0c3a9b2d1e000". A put
// always makes a new inode and a new mtime, so the ETag changes on every rewrite, and computing it
// costs one stat instead of hashing the whole object (MD5 runs at well under 1 GB/s, so a 128 MiB
// object would cost a few hundred milliseconds per put).
// It contains '-' like S3's multipart ETags, so clients do not mistake it for a content MD5.
//
// Thread safety: as ObjectStore.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <shared_mutex>

#include "common/file_util.h"
#include "storage/object_store.h"

namespace lakebox::storage {

class LocalObjectStore final : public ObjectStore {
 public:
  // Creates `root` and `<root>/.tmp` if needed and deletes stale temp files.
  static Result<std::unique_ptr<LocalObjectStore>> Open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  Status EnsureBucket(std::string_view bucket) override;
  Result<std::vector<std::string>> ListBuckets() override;
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

  explicit LocalObjectStore(std::filesystem::path root);

  // `bucket`'s directory after checking the name and that it exists (NoSuchBucket).
  Result<std::filesystem::path> BucketDir(std::string_view bucket) const;
  // NoSuchBucket or NoSuchKey if that explains why the key's file could not be opened or
  // stat'ed, else `original`.
  Error MissingObjectError(std::string_view bucket, std::string_view key, Error original) const;
  // An object opened for reading, with its size; NoSuchKey/NoSuchBucket if it is not a file.
  struct OpenedObject {
    std::filesystem::path path;
    UniqueFd fd;
    uint64_t size = 0;
  };
  Result<OpenedObject> OpenObject(std::string_view bucket, std::string_view key) const;
  // Moves a committed writer's temp file to its key (see Writer::Commit).
  Status Publish(const std::filesystem::path& temp, std::string_view bucket, std::string_view key);

  const std::filesystem::path root_;
  const std::filesystem::path temp_dir_;
  std::atomic<uint64_t> temp_counter_{0};
  // Shared while a put creates directories and renames into them; exclusive while Delete
  // removes empty directories, so a directory is never removed under a put about to use it.
  std::shared_mutex dir_mutex_;
};

}  // namespace lakebox::storage
