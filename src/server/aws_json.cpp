#include "server/aws_json.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <random>

namespace lakebox::server {

int HttpStatusFor(Error::Code code) {
  switch (code) {
    case Error::Code::kInvalidArgument:
    case Error::Code::kValidation:
    case Error::Code::kSerialization:
    case Error::Code::kUnknownOperation:
    case Error::Code::kResourceNotFound:
    case Error::Code::kResourceInUse:
    case Error::Code::kLimitExceeded:
    case Error::Code::kEntityNotFound:
    case Error::Code::kAlreadyExists:
    case Error::Code::kInvalidInput:
    case Error::Code::kCrawlerRunning:
    case Error::Code::kCrawlerNotRunning:
    case Error::Code::kCrawlerStopping:
    case Error::Code::kConcurrentRunsExceeded:
    case Error::Code::kInvalidRequest: return 400;
    case Error::Code::kServiceUnavailable: return 503;
    case Error::Code::kNotFound: return 404;
    case Error::Code::kIo:
    case Error::Code::kCorruption:
    case Error::Code::kInternal: return 500;
  }
  return 500;
}

HttpResponse AwsErrorResponse(const Error& error, std::string_view message_key) {
  HttpResponse response;
  response.status = HttpStatusFor(error.code());
  response.content_type = kAwsJsonContentType;
  response.error_type = error.AwsName();
  response.body = "{\"__type\":";
  AppendJsonString(&response.body, error.AwsName());
  response.body += ',';
  AppendJsonString(&response.body, message_key);
  response.body += ':';
  AppendJsonString(&response.body, error.message());
  response.body += '}';
  return response;
}

HttpResponse AwsJsonResponse(std::string body) {
  HttpResponse response;
  response.content_type = kAwsJsonContentType;
  response.body = std::move(body);
  return response;
}

std::string NewRequestId() {
  // Request ids only need to be unique, not unpredictable: a per-thread generator seeded once
  // from the OS keeps this off any lock.
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t word = generator();
    for (size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[bytes[i] >> 4];
    id += kHex[bytes[i] & 0x0f];
  }
  return id;
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + s.size() + 2);
  *out += '"';
  // Most strings (record ids, names, ARNs) need no escaping: copy the longest plain run at once
  // instead of appending character by character.
  while (!s.empty()) {
    size_t plain = 0;
    while (plain < s.size() && s[plain] != '"' && s[plain] != '\\' &&
           static_cast<unsigned char>(s[plain]) >= 0x20)
      ++plain;
    out->append(s.data(), plain);
    s.remove_prefix(plain);
    if (s.empty()) break;
    char c = s.front();
    s.remove_prefix(1);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:  // the other control characters
        *out += "\\u00";
        *out += kHex[(c >> 4) & 0x0f];
        *out += kHex[c & 0x0f];
    }
  }
  *out += '"';
}

void ValidationErrors::NotNull(std::string_view member_path) {
  violations_.push_back(fmt::format(
      "Value null at '{}' failed to satisfy constraint: Member must not be null", member_path));
}

void ValidationErrors::Add(std::string_view value, std::string_view member_path,
                           std::string_view constraint) {
  violations_.push_back(fmt::format("Value '{}' at '{}' failed to satisfy constraint: {}", value,
                                    member_path, constraint));
}

Status ValidationErrors::ToStatus() const {
  if (violations_.empty()) return Ok();
  return std::unexpected(Error::Validation(
      fmt::format("{} validation error{} detected: {}", violations_.size(),
                  violations_.size() == 1 ? "" : "s", fmt::join(violations_, "; "))));
}

}  // namespace lakebox::server
