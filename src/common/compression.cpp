#include "common/compression.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include <isa-l/igzip_lib.h>
#include <snappy.h>
#include <zstd.h>

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

// The prefix decoders below write into a buffer of max_output + 1 bytes: when the extra byte
// fills, the object goes on past the limit (so it is not complete) and the output is cut back.

Result<DecompressedPrefix> GzipPrefix(std::string_view input, bool input_is_whole, size_t limit) {
  if (input.empty()) {
    if (input_is_whole) return std::unexpected(Error::Corruption("gzip data is empty"));
    return DecompressedPrefix{};
  }
  // inflate_state holds the Huffman tables (tens of KiB): keep it off the stack.
  auto state = std::make_unique<inflate_state>();
  isal_inflate_init(state.get());
  state->crc_flag = ISAL_GZIP;
  std::string out;
  out.resize_and_overwrite(std::min<size_t>(limit, 4 * 1024 * 1024),
                           [](char*, size_t n) { return n; });
  size_t produced = 0;
  size_t member_start = 0;
  const auto* base = reinterpret_cast<const uint8_t*>(input.data());
  size_t fed = 0;  // bytes of input handed to ISA-L (it takes at most 4 GiB at a time)
  auto consumed = [&] { return fed - state->avail_in; };
  while (true) {
    if (state->avail_in == 0 && fed < input.size()) {
      const size_t piece = std::min<size_t>(input.size() - fed, UINT32_MAX);
      state->next_in = const_cast<uint8_t*>(base + fed);
      state->avail_in = static_cast<uint32_t>(piece);
      fed += piece;
    }
    if (produced == out.size()) {
      if (out.size() == limit) break;
      const size_t grown = std::min(limit, out.size() * 2);
      out.resize_and_overwrite(grown, [](char*, size_t n) { return n; });
    }
    const size_t room = std::min<size_t>(out.size() - produced, UINT32_MAX);
    state->next_out = reinterpret_cast<uint8_t*>(out.data() + produced);
    state->avail_out = static_cast<uint32_t>(room);
    const int rc = isal_inflate(state.get());
    produced += room - state->avail_out;
    if (rc < 0) {
      return std::unexpected(Error::Corruption(fmt::format(
          "corrupt gzip data in the member starting at byte {}: {}", member_start,
          rc == ISAL_INCORRECT_CHECKSUM ? "CRC-32 mismatch"
          : rc == ISAL_INVALID_WRAPPER  ? "invalid gzip header"
                                       : fmt::format("invalid deflate data (ISA-L code {})", rc))));
    }
    if (state->block_state == ISAL_BLOCK_FINISH) {
      if (consumed() == input.size()) {
        out.resize(produced);
        return DecompressedPrefix{std::move(out), input_is_whole, input.size()};
      }
      // Another member follows (concatenated gzip); anything else fails its header check.
      member_start = consumed();
      const uint8_t* next_in = state->next_in;
      const uint32_t avail_in = state->avail_in;
      isal_inflate_reset(state.get());
      state->crc_flag = ISAL_GZIP;
      state->next_in = const_cast<uint8_t*>(next_in);
      state->avail_in = avail_in;
      continue;
    }
    if (state->avail_in == 0 && fed == input.size() && state->avail_out > 0) {
      if (input_is_whole) {
        return std::unexpected(Error::Corruption(fmt::format(
            "gzip data is truncated: the member starting at byte {} ends early at byte {}",
            member_start, input.size())));
      }
      out.resize(produced);
      return DecompressedPrefix{std::move(out), false, input.size()};
    }
  }
  return DecompressedPrefix{std::move(out), false, consumed()};
}

Result<DecompressedPrefix> ZstdPrefix(std::string_view input, bool input_is_whole, size_t limit) {
  if (input.empty()) {
    if (input_is_whole) return std::unexpected(Error::Corruption("zstd data is empty"));
    return DecompressedPrefix{};
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!context) return std::unexpected(Error::Internal("ZSTD_createDCtx failed"));
  std::string out;
  out.resize_and_overwrite(std::min<size_t>(limit, 4 * 1024 * 1024),
                           [](char*, size_t n) { return n; });
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t produced = 0;
  size_t hint = 1;  // 0 exactly when a frame has been completely decoded and flushed
  while (true) {
    if (produced == out.size()) {
      if (out.size() == limit) return DecompressedPrefix{std::move(out), false, in.pos};
      out.resize_and_overwrite(std::min(limit, out.size() * 2), [](char*, size_t n) { return n; });
    }
    const size_t in_before = in.pos;
    ZSTD_outBuffer dst{out.data() + produced, out.size() - produced, 0};
    hint = ZSTD_decompressStream(context.get(), &dst, &in);
    if (ZSTD_isError(hint)) {
      return std::unexpected(Error::Corruption(
          fmt::format("corrupt zstd data near byte {}: {}", in.pos, ZSTD_getErrorName(hint))));
    }
    produced += dst.pos;
    if (hint == 0 && in.pos == in.size) break;
    // The decoder may still hold input it has consumed; stop only once a call makes no progress.
    if (in.pos == in_before && dst.pos == 0) break;
  }
  out.resize(produced);
  if (hint != 0 && input_is_whole) {
    return std::unexpected(Error::Corruption(
        fmt::format("zstd data is truncated: the last frame ends early at byte {}", input.size())));
  }
  return DecompressedPrefix{std::move(out), hint == 0 && input_is_whole, in.pos};
}

// Walks the chunk headers to the first chunk boundary past the limit (or the last whole chunk of
// a partial input), then decodes up to there with the full decoder, which checks every chunk.
Result<DecompressedPrefix> SnappyPrefix(std::string_view input, bool input_is_whole, size_t limit) {
  size_t pos = 0;
  size_t decoded = 0;
  bool ended = true;
  while (pos < input.size() && decoded < limit) {
    if (input.size() - pos < 4) {
      ended = false;
      break;
    }
    const auto type = static_cast<uint8_t>(input[pos]);
    const size_t size = LoadLe32(input.data() + pos) >> 8;  // 24-bit length after the type
    if (input.size() - pos - 4 < size) {
      ended = false;
      break;
    }
    const std::string_view body = input.substr(pos + 4, size);
    pos += 4 + size;
    size_t n = 0;
    if (type == 0x00 && body.size() >= 4) {
      // A malformed chunk ends the walk; the decoder below reports it.
      if (!snappy::GetUncompressedLength(body.data() + 4, body.size() - 4, &n)) break;
    } else if (type == 0x01 && body.size() >= 4) {
      n = body.size() - 4;
    }
    decoded += n;
  }
  // A whole input that ends inside a chunk: the decoder reports where.
  if (!ended && input_is_whole) pos = input.size();
  if (pos == 0 && !input_is_whole) return DecompressedPrefix{};
  LAKEBOX_ASSIGN_OR_RETURN(std::string data,
                           DecompressSnappyFraming(input.substr(0, pos), SIZE_MAX));
  const bool complete = input_is_whole && pos == input.size() && data.size() < limit;
  if (data.size() > limit) data.resize(limit);
  return DecompressedPrefix{std::move(data), complete, pos};
}

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

Result<DecompressedPrefix> DecompressPrefix(Codec codec, std::string_view input,
                                            bool input_is_whole, size_t max_output) {
  namespace ci = compression_internal;
  const size_t limit = max_output == SIZE_MAX ? SIZE_MAX : max_output + 1;
  Result<DecompressedPrefix> result;
  switch (codec) {
    case Codec::kNone: {
      const size_t n = std::min(input.size(), max_output);
      return DecompressedPrefix{std::string(input.substr(0, n)),
                                input_is_whole && n == input.size(), n};
    }
    case Codec::kGzip:
      result = ci::GzipPrefix(input, input_is_whole, limit);
      break;
    case Codec::kZstd:
      result = ci::ZstdPrefix(input, input_is_whole, limit);
      break;
    case Codec::kSnappy:
      result = ci::SnappyPrefix(input, input_is_whole, limit);
      break;
    case Codec::kZip:
    case Codec::kHadoopSnappy:
      return std::unexpected(Error::InvalidArgument(
          fmt::format("DecompressPrefix does not support {}", CodecName(codec))));
  }
  if (result && result->data.size() > max_output) {
    result->data.resize(max_output);
    result->complete = false;
  }
  return result;
}

Codec DetectCodec(std::string_view head) {
  if (head.starts_with("\x1f\x8b")) return Codec::kGzip;
  if (head.starts_with("PK\x03\x04")) return Codec::kZip;
  if (head.starts_with(std::string_view("\xff\x06\x00\x00sNaPpY", 10))) return Codec::kSnappy;
  if (head.starts_with("\x28\xb5\x2f\xfd")) return Codec::kZstd;
  return Codec::kNone;
}

}  // namespace lakebox
