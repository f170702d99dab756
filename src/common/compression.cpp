#include "common/compression.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/compression_internal.h"

namespace lakebox {
namespace compression_internal {

OutputBuffer::OutputBuffer(Sink sink)
    : sink_(std::move(sink)), buffer_(std::make_unique_for_overwrite<uint8_t[]>(kSinkChunk)) {}

Status OutputBuffer::Commit(size_t n) {
  used_ += n;
  total_ += n;
  if (used_ < kSinkChunk) return Ok();
  return Flush();
}

Status OutputBuffer::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), space_size());
    std::memcpy(space(), bytes.data(), n);
    bytes.remove_prefix(n);
    LAKEBOX_TRY(Commit(n));
  }
  return Ok();
}

Status OutputBuffer::Flush() {
  if (used_ == 0) return Ok();
  const size_t n = std::exchange(used_, 0);
  return sink_(std::string_view(reinterpret_cast<const char*>(buffer_.get()), n));
}

BlockCompressor::BlockCompressor(Sink sink, size_t block_size)
    : output_(std::move(sink)), block_size_(block_size) {
  staged_.reserve(block_size_);
}

Status BlockCompressor::Write(std::string_view data) {
  if (error_) return std::unexpected(*error_);
  if (finished_) return Fail(Error::Internal("Compressor::Write called after Finish"));
  if (!staged_.empty()) {
    const size_t take = std::min(data.size(), block_size_ - staged_.size());
    staged_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (staged_.size() < block_size_) return Ok();
    LAKEBOX_TRY(Feed(staged_, false));
    staged_.clear();
  }
  // Whole blocks go to the engine straight from the caller's buffer, without staging.
  while (data.size() >= block_size_) {
    LAKEBOX_TRY(Feed(data.substr(0, block_size_), false));
    data.remove_prefix(block_size_);
  }
  staged_.assign(data);
  return Ok();
}

Status BlockCompressor::Finish() {
  if (error_) return std::unexpected(*error_);
  if (finished_) return Fail(Error::Internal("Compressor::Finish called twice"));
  finished_ = true;
  LAKEBOX_TRY(Feed(staged_, true));
  staged_ = std::string();
  auto flushed = output_.Flush();
  if (!flushed) return Fail(std::move(flushed).error());
  return Ok();
}

Status BlockCompressor::Feed(std::string_view block, bool last) {
  if (!begun_) {
    begun_ = true;
    auto begun = Begin();
    if (!begun) return Fail(std::move(begun).error());
  }
  auto compressed = CompressBlock(block, last);
  if (!compressed) return Fail(std::move(compressed).error());
  return Ok();
}

Status BlockCompressor::Fail(Error error) {
  error_ = error;
  return std::unexpected(std::move(error));
}

BoundedOutput::BoundedOutput(Codec codec, size_t max_output) : codec_(codec), max_(max_output) {}

void BoundedOutput::Reserve(size_t expected) {
  // Sizes in headers are untrusted: a corrupt one must not cause a giant allocation.
  constexpr size_t kMaxReserve = 256 * 1024 * 1024;
  const size_t n = std::min({expected, max_, kMaxReserve});
  if (n > buffer_.size()) Resize(n);
}

char* BoundedOutput::space() {
  if (size_ == buffer_.size()) {
    // Grow geometrically; at the limit, one byte of slack reveals a stream that goes past it.
    const size_t wanted = std::max(size_ + 64 * 1024, size_ * 2);
    const size_t cap = max_ == SIZE_MAX ? SIZE_MAX : max_ + 1;
    Resize(std::min(wanted, cap));
  }
  return buffer_.data() + size_;
}

size_t BoundedOutput::space_size() {
  space();
  return buffer_.size() - size_;
}

Status BoundedOutput::Commit(size_t n) {
  size_ += n;
  if (size_ > max_) return std::unexpected(LimitError());
  return Ok();
}

Result<char*> BoundedOutput::Extend(size_t n) {
  if (n > max_ - size_) return std::unexpected(LimitError());
  if (size_ + n > buffer_.size()) {
    Resize(std::min(std::max(size_ + n, size_ * 2), max_));
  }
  char* p = buffer_.data() + size_;
  size_ += n;
  return p;
}

Status BoundedOutput::Append(std::string_view bytes) {
  LAKEBOX_ASSIGN_OR_RETURN(char* p, Extend(bytes.size()));
  std::memcpy(p, bytes.data(), bytes.size());
  return Ok();
}

void BoundedOutput::Resize(size_t n) {
  // Bytes past size_ are scratch: leaving them uninitialised spares a memset of the whole buffer,
  // and pages reserved from an optimistic size hint are never touched.
  buffer_.resize_and_overwrite(n, [](char*, size_t count) { return count; });
}

std::string BoundedOutput::Take() && {
  buffer_.resize(size_);
  return std::move(buffer_);
}

Error BoundedOutput::LimitError() const {
  return Error::LimitExceeded(
      fmt::format("decompressed {} data exceeds the limit of {} bytes", CodecName(codec_), max_));
}

void AppendLe16(std::string* out, uint16_t v) {
  const char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out->append(b, 2);
}

void AppendLe32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out->append(b, 4);
}

void AppendBe32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

uint16_t LoadLe16(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

uint32_t LoadBe32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

namespace {

// kNone: the bytes as they are, batched into kSinkChunk pieces.
class PassThroughCompressor final : public BlockCompressor {
 public:
  explicit PassThroughCompressor(Sink sink) : BlockCompressor(std::move(sink), kSinkChunk) {}

 private:
  Status CompressBlock(std::string_view block, bool) override { return output().Append(block); }
};

}  // namespace
}  // namespace compression_internal

Compressor::~Compressor() = default;

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kGzip:
      return "gzip";
    case Codec::kZip:
      return "zip";
    case Codec::kSnappy:
      return "snappy";
    case Codec::kHadoopSnappy:
      return "hadoop_snappy";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<std::unique_ptr<Compressor>> NewCompressor(Codec codec, Sink sink,
                                                  const CompressorOptions& options) {
  namespace ci = compression_internal;
  switch (codec) {
    case Codec::kNone:
      return std::make_unique<ci::PassThroughCompressor>(std::move(sink));
    case Codec::kGzip:
      return ci::NewGzipCompressor(std::move(sink), options);
    case Codec::kZip:
      return ci::NewZipCompressor(std::move(sink), options);
    case Codec::kSnappy:
      return ci::NewSnappyFramingCompressor(std::move(sink));
    case Codec::kHadoopSnappy:
      return ci::NewHadoopSnappyCompressor(std::move(sink));
    case Codec::kZstd:
      return ci::NewZstdCompressor(std::move(sink), options);
  }
  return std::unexpected(
      Error::InvalidArgument(fmt::format("unknown codec {}", static_cast<int>(codec))));
}

Result<std::string> Decompress(Codec codec, std::string_view data, size_t max_output) {
  namespace ci = compression_internal;
  switch (codec) {
    case Codec::kNone: {
      ci::BoundedOutput out(codec, max_output);
      LAKEBOX_TRY(out.Append(data));
      return std::move(out).Take();
    }
    case Codec::kGzip:
      return ci::DecompressGzip(data, max_output);
    case Codec::kZip:
      return ci::DecompressZip(data, max_output);
    case Codec::kSnappy:
      return ci::DecompressSnappyFraming(data, max_output);
    case Codec::kHadoopSnappy:
      return ci::DecompressHadoopSnappy(data, max_output);
    case Codec::kZstd:
      return ci::DecompressZstd(data, max_output);
  }
  return std::unexpected(
      Error::InvalidArgument(fmt::format("unknown codec {}", static_cast<int>(codec))));
}

Codec DetectCodec(std::string_view head) {
  if (head.starts_with("\x1f\x8b")) return Codec::kGzip;
  if (head.starts_with("PK\x03\x04")) return Codec::kZip;
  if (head.starts_with(std::string_view("\xff\x06\x00\x00sNaPpY", 10))) return Codec::kSnappy;
  if (head.starts_with("\x28\xb5\x2f\xfd")) return Codec::kZstd;
  return Codec::kNone;
}

}  // namespace lakebox
