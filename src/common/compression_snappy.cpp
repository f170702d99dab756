// Snappy in its two container formats: the snappy framing format and Hadoop's block format.

#include <cstring>
#include <string>
#include <utility>

#include <snappy.h>

#include "common/compression_internal.h"
#include "common/crc32c.h"

namespace lakebox::compression_internal {
namespace {

// framing_format.txt: a chunk holds at most 65536 bytes of uncompressed data.
constexpr size_t kFramingBlock = 64 * 1024;
// Hadoop's decoder decompresses each chunk into a buffer of io.compression.codec.snappy.buffersize
// (256 KiB by default), and the compressed chunk must fit it too; 64 KiB of input keeps both
// well inside.
constexpr size_t kHadoopBlock = 64 * 1024;

constexpr std::string_view kStreamIdentifier("\xff\x06\x00\x00sNaPpY", 10);
constexpr uint8_t kChunkCompressed = 0x00;
constexpr uint8_t kChunkUncompressed = 0x01;
constexpr uint8_t kChunkPadding = 0xfe;
constexpr uint8_t kChunkStreamIdentifier = 0xff;
constexpr uint8_t kFirstSkippableChunk = 0x80;

class SnappyFramingCompressor final : public BlockCompressor {
 public:
  explicit SnappyFramingCompressor(Sink sink)
      : BlockCompressor(std::move(sink), kFramingBlock),
        scratch_(snappy::MaxCompressedLength(kFramingBlock), '\0') {}

 private:
  Status Begin() override { return output().Append(kStreamIdentifier); }

  Status CompressBlock(std::string_view block, bool) override {
    if (block.empty()) return Ok();
    size_t compressed_size = 0;
    snappy::RawCompress(block.data(), block.size(), scratch_.data(), &compressed_size);
    // Incompressible input is stored as is: smaller, and cheaper to read back.
    const bool stored = compressed_size >= block.size();
    const std::string_view body =
        stored ? block : std::string_view(scratch_.data(), compressed_size);
    const uint32_t chunk_size = static_cast<uint32_t>(4 + body.size());
    std::string header;
    header.push_back(static_cast<char>(stored ? kChunkUncompressed : kChunkCompressed));
    header.push_back(static_cast<char>(chunk_size));
    header.push_back(static_cast<char>(chunk_size >> 8));
    header.push_back(static_cast<char>(chunk_size >> 16));
    AppendLe32(&header, MaskedCrc32c(block));
    LAKEBOX_TRY(output().Append(header));
    return output().Append(body);
  }

  std::string scratch_;
};

class HadoopSnappyCompressor final : public BlockCompressor {
 public:
  explicit HadoopSnappyCompressor(Sink sink)
      : BlockCompressor(std::move(sink), kHadoopBlock),
        scratch_(snappy::MaxCompressedLength(kHadoopBlock), '\0') {}

 private:
  Status CompressBlock(std::string_view block, bool) override {
    if (block.empty()) return Ok();
    size_t compressed_size = 0;
    snappy::RawCompress(block.data(), block.size(), scratch_.data(), &compressed_size);
    std::string header;
    AppendBe32(&header, static_cast<uint32_t>(block.size()));
    AppendBe32(&header, static_cast<uint32_t>(compressed_size));
    LAKEBOX_TRY(output().Append(header));
    return output().Append(std::string_view(scratch_.data(), compressed_size));
  }

  std::string scratch_;
};

// Decompresses one raw snappy block into `out`, returning the uncompressed bytes written.
Result<std::string_view> UncompressInto(std::string_view compressed, size_t max_size,
                                        BoundedOutput& out, std::string_view what) {
  size_t size = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &size)) {
    return std::unexpected(Error::Corruption(fmt::format("{}: bad snappy block header", what)));
  }
  if (size > max_size) {
    return std::unexpected(Error::Corruption(
        fmt::format("{}: snappy block of {} bytes exceeds the {} allowed", what, size, max_size)));
  }
  LAKEBOX_ASSIGN_OR_RETURN(char* dst, out.Extend(size));
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), dst)) {
    return std::unexpected(Error::Corruption(fmt::format("{}: corrupt snappy block", what)));
  }
  return std::string_view(dst, size);
}

}  // namespace

Result<std::unique_ptr<Compressor>> NewSnappyFramingCompressor(Sink sink) {
  return std::make_unique<SnappyFramingCompressor>(std::move(sink));
}

Result<std::unique_ptr<Compressor>> NewHadoopSnappyCompressor(Sink sink) {
  return std::make_unique<HadoopSnappyCompressor>(std::move(sink));
}

Result<std::string> DecompressSnappyFraming(std::string_view data, size_t max_output) {
  if (!data.starts_with(kStreamIdentifier)) {
    return std::unexpected(Error::Corruption(
        data.empty() ? "snappy stream is empty"
                     : "snappy stream does not start with the stream identifier chunk"));
  }
  BoundedOutput out(Codec::kSnappy, max_output);
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 4) {
      return std::unexpected(Error::Corruption(
          fmt::format("snappy stream is truncated: partial chunk header at byte {}", pos)));
    }
    const auto type = static_cast<uint8_t>(data[pos]);
    const size_t size = static_cast<uint8_t>(data[pos + 1]) |
                        (static_cast<size_t>(static_cast<uint8_t>(data[pos + 2])) << 8) |
                        (static_cast<size_t>(static_cast<uint8_t>(data[pos + 3])) << 16);
    const size_t chunk_start = pos;
    pos += 4;
    if (data.size() - pos < size) {
      return std::unexpected(Error::Corruption(
          fmt::format("snappy stream is truncated: the chunk at byte {} needs {} bytes, {} remain",
                      chunk_start, size, data.size() - pos)));
    }
    const std::string_view body = data.substr(pos, size);
    pos += size;
    const std::string what = fmt::format("snappy chunk at byte {}", chunk_start);

    if (type == kChunkStreamIdentifier) {
      if (body != kStreamIdentifier.substr(4)) {
        return std::unexpected(Error::Corruption(what + ": bad stream identifier"));
      }
      continue;
    }
    if (type == kChunkCompressed || type == kChunkUncompressed) {
      if (body.size() < 4)
        return std::unexpected(Error::Corruption(what + ": too short for its CRC"));
      const uint32_t stored_crc = LoadLe32(body.data());
      std::string_view chunk_data;
      if (type == kChunkCompressed) {
        LAKEBOX_ASSIGN_OR_RETURN(chunk_data,
                                 UncompressInto(body.substr(4), kFramingBlock, out, what));
      } else {
        if (body.size() - 4 > kFramingBlock) {
          return std::unexpected(Error::Corruption(what + ": uncompressed chunk over 64 KiB"));
        }
        LAKEBOX_ASSIGN_OR_RETURN(char* dst, out.Extend(body.size() - 4));
        std::memcpy(dst, body.data() + 4, body.size() - 4);
        chunk_data = std::string_view(dst, body.size() - 4);
      }
      const uint32_t actual_crc = MaskedCrc32c(chunk_data);
      if (actual_crc != stored_crc) {
        return std::unexpected(
            Error::Corruption(fmt::format("{}: CRC-32C mismatch (stored {:08x}, computed {:08x})",
                                          what, stored_crc, actual_crc)));
      }
      continue;
    }
    if (type == kChunkPadding || type >= kFirstSkippableChunk) continue;
    return std::unexpected(
        Error::Corruption(fmt::format("{}: reserved unskippable chunk type 0x{:02x}", what, type)));
  }
  return std::move(out).Take();
}

Result<std::string> DecompressHadoopSnappy(std::string_view data, size_t max_output) {
  BoundedOutput out(Codec::kHadoopSnappy, max_output);
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t block_start = pos;
    if (data.size() - pos < 4) {
      return std::unexpected(Error::Corruption(fmt::format(
          "hadoop snappy data is truncated: partial block header at byte {}", block_start)));
    }
    const uint32_t block_size = LoadBe32(data.data() + pos);
    pos += 4;
    // A block is one or more snappy chunks that together decompress to block_size bytes.
    size_t produced = 0;
    while (produced < block_size) {
      if (data.size() - pos < 4) {
        return std::unexpected(Error::Corruption(
            fmt::format("hadoop snappy data is truncated: block at byte {} has {} of its {} bytes",
                        block_start, produced, block_size)));
      }
      const uint32_t chunk_size = LoadBe32(data.data() + pos);
      const std::string what = fmt::format("hadoop snappy chunk at byte {}", pos);
      pos += 4;
      if (data.size() - pos < chunk_size) {
        return std::unexpected(Error::Corruption(fmt::format(
            "{}: truncated, needs {} bytes, {} remain", what, chunk_size, data.size() - pos)));
      }
      LAKEBOX_ASSIGN_OR_RETURN(auto chunk, UncompressInto(data.substr(pos, chunk_size),
                                                          block_size - produced, out, what));
      produced += chunk.size();
      pos += chunk_size;
    }
  }
  return std::move(out).Take();
}

}  // namespace lakebox::compression_internal
