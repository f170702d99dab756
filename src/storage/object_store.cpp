#include "storage/object_store.h"

#include <fmt/format.h>

namespace lakebox::storage {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxSegmentBytes = 255;  // NAME_MAX on Linux file systems

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Four dot-separated groups of 1-3 digits: S3 refuses bucket names formatted as IP addresses.
bool LooksLikeIpv4(std::string_view name) {
  int groups = 0;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view group = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (group.empty() || group.size() > 3) return false;
    for (char c : group) {
      if (c < '0' || c > '9') return false;
    }
    ++groups;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return groups == 4;
}

Error InvalidKey(std::string_view key, std::string_view why) {
  return Error::InvalidArgument(fmt::format("invalid object key '{}': {}", key, why));
}

}  // namespace

Status ValidateBucketName(std::string_view bucket) {
  auto invalid = [&](std::string_view why) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "InvalidBucketName: '{}' {}; bucket names are 3-63 characters of lowercase letters, "
        "digits, '.' and '-', starting and ending with a letter or digit",
        bucket, why)));
  };
  if (bucket.size() < 3 || bucket.size() > 63) return invalid("is not 3-63 characters long");
  for (char c : bucket) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return invalid("has a character not allowed");
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    return invalid("does not start and end with a letter or digit");
  }
  if (bucket.find("..") != std::string_view::npos) return invalid("contains \"..\"");
  if (LooksLikeIpv4(bucket)) return invalid("is formatted as an IP address");
  return Ok();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return std::unexpected(InvalidKey(key, "the key is empty"));
  if (key.size() > kMaxKeyBytes) {
    return std::unexpected(InvalidKey(
        key.substr(0, 64),
        fmt::format("the key is {} bytes long, the limit is {}", key.size(), kMaxKeyBytes)));
  }
  if (key.find('\0') != std::string_view::npos) {
    return std::unexpected(InvalidKey(key, "the key contains a NUL byte"));
  }
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (segment.empty()) {
      return std::unexpected(
          InvalidKey(key, "the key has an empty segment (a leading or trailing '/', or \"//\")"));
    }
    if (segment == "." || segment == "..") {
      return std::unexpected(InvalidKey(key, "the key has a \".\" or \"..\" segment"));
    }
    if (segment.size() > kMaxSegmentBytes) {
      return std::unexpected(InvalidKey(
          key, fmt::format("a segment between '/' is longer than {} bytes", kMaxSegmentBytes)));
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Ok();
}

Error NoSuchBucketError(std::string_view bucket) {
  return Error::NotFound(fmt::format("NoSuchBucket: the bucket '{}' does not exist", bucket));
}

Error NoSuchKeyError(std::string_view bucket, std::string_view key) {
  return Error::NotFound(fmt::format("NoSuchKey: no object '{}' in bucket '{}'", key, bucket));
}

bool IsNoSuchBucket(const Error& error) {
  return error.code() == Error::Code::kNotFound && error.message().starts_with("NoSuchBucket");
}

Result<std::vector<ObjectInfo>> ListAllObjects(ObjectStore& store, std::string_view bucket,
                                               std::string_view prefix) {
  std::vector<ObjectInfo> objects;
  ListOptions options;
  options.prefix = std::string(prefix);
  do {
    LAKEBOX_ASSIGN_OR_RETURN(ListResult page, store.List(bucket, options));
    objects.insert(objects.end(), std::make_move_iterator(page.objects.begin()),
                   std::make_move_iterator(page.objects.end()));
    options.continuation_token = std::move(page.next_token);
  } while (options.continuation_token);
  return objects;
}

}  // namespace lakebox::storage
