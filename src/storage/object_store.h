// The object store: lakebox's S3. Buckets hold objects named by keys; an object is written
// whole and atomically, read whole or by byte range, listed in key order, deleted.
//
// The interface is deliberately as narrow as S3's core so that an S3-backed implementation can
// sit behind it. Implementations: LocalObjectStore (files under <data-dir>/s3, the default) and
// ThrottledObjectStore (caps write bandwidth of another store).
//
// Names (checked by every implementation, so a key that works on one works on all):
//  - Bucket names follow S3's rules: 3 to 63 characters of lowercase letters, digits, '.' and
//    '-'; first and last a letter or digit; no ".."; not an IPv4 address ("192.168.5.4").
//    So a bucket name never starts with '.', which LocalObjectStore relies on for its temp dir.
//  - Keys are 1 to 1024 bytes (S3's limit) split by '/' into segments. Rejected, because a file
//    system would alias or escape them: an empty segment (a leading '/', a trailing '/' as in
//    S3 "folder" markers, or "//"), a "." or ".." segment, a NUL byte, a segment longer than
//    255 bytes (NAME_MAX). Any other bytes are allowed; keys are compared as raw bytes.
//  Invalid names fail with InvalidArgument before anything is touched.
//
// Errors: NotFound for a missing bucket (message starts "NoSuchBucket") or object ("NoSuchKey");
// InvalidArgument for invalid names, ranges and continuation tokens; Io when the disk fails.
//
// Thread safety: an ObjectStore may be used from any number of threads at once. One ObjectWriter
// is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // last modification, Unix epoch milliseconds
  // Changes whenever the object is rewritten; stable otherwise. Not an MD5 of the content (see
  // the implementation), and without the quotes S3 puts around it on the wire.
  std::string etag;
};

struct ListOptions {
  // Only keys that start with `prefix`.
  std::string prefix;
  // If not empty, keys whose remainder after `prefix` contains `delimiter` are rolled up into one
  // common prefix each (prefix + remainder up to and including the first delimiter), as S3 does;
  // "/" lists one level of a directory-like hierarchy.
  std::string delimiter;
  // Only keys (and common prefixes) strictly after this one. Ignored when continuation_token is
  // set.
  std::string start_after;
  // ListResult::next_token of the previous page, to continue that listing.
  std::optional<std::string> continuation_token;
  // Upper bound on objects + common prefixes in one page; fewer may come back (S3 caps a page at
  // 1000), so page until next_token is empty. 0 returns an empty page.
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;           // in key order
  std::vector<std::string> common_prefixes;  // in order, each once across all pages
  // Set when more entries follow: pass it as ListOptions::continuation_token. Opaque.
  std::optional<std::string> next_token;
};

// A streaming put. Nothing is visible under the key until Commit returns Ok; a crash at any
// point leaves the key's previous object (or none), never part of the new one. Destroying a
// writer that was not committed aborts it. After Commit or Abort (or a failed Append/Commit,
// which aborts) further calls fail with Internal.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;

  virtual Status Append(std::string_view data) = 0;
  // Makes the object durable and visible under its key, replacing any previous object.
  // NotFound (NoSuchBucket) if the bucket disappeared meanwhile. After an Io error the new object
  // may or may not have replaced the old one, and is not known to be durable: put it again.
  virtual Result<ObjectInfo> Commit() = 0;
  // Discards what was written. Idempotent.
  virtual void Abort() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Creates the bucket if it does not exist. Idempotent.
  virtual Status EnsureBucket(std::string_view bucket) = 0;
  // Bucket names in order.
  virtual Result<std::vector<std::string>> ListBuckets() = 0;

  // Writes `data` as the object, durably and atomically (see ObjectWriter).
  virtual Status Put(std::string_view bucket, std::string_view key, std::string_view data) = 0;
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view bucket,
                                                          std::string_view key) = 0;

  virtual Result<std::string> Get(std::string_view bucket, std::string_view key) = 0;
  // Bytes [offset, min(offset + length, size)), as an HTTP Range request. Like S3, offset must be
  // inside the object (offset < size), else InvalidArgument ("InvalidRange").
  virtual Result<std::string> GetRange(std::string_view bucket, std::string_view key,
                                       uint64_t offset, uint64_t length) = 0;
  virtual Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) = 0;

  // One page of the bucket's keys in byte order, as S3 ListObjectsV2.
  virtual Result<ListResult> List(std::string_view bucket, const ListOptions& options = {}) = 0;

  // Removes the object. Deleting a missing key is Ok, as in S3 (the bucket must exist).
  virtual Status Delete(std::string_view bucket, std::string_view key) = 0;
};

// Every object whose key starts with `prefix`, in key order, following pagination.
Result<std::vector<ObjectInfo>> ListAllObjects(ObjectStore& store, std::string_view bucket,
                                               std::string_view prefix = {});

// The name checks described at the top. InvalidArgument with the reason.
Status ValidateBucketName(std::string_view bucket);
Status ValidateObjectKey(std::string_view key);

// The errors every implementation returns for a missing bucket or object. IsNoSuchBucket tells
// the first from the second on an error as the store returned it (before WithContext).
Error NoSuchBucketError(std::string_view bucket);
Error NoSuchKeyError(std::string_view bucket, std::string_view key);
bool IsNoSuchBucket(const Error& error);

}  // namespace lakebox::storage
