// DEFLATE-based formats: gzip (ISA-L, libdeflate or zlib) and single-entry zip.

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <utility>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include "common/compression_internal.h"

namespace lakebox::compression_internal {
namespace {

// mtime 0, no flags, XFL 0, OS 255 (unknown): identical on every host and every run.
constexpr std::string_view kGzipHeader("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
constexpr size_t kStreamBlock = 256 * 1024;
// libdeflate compresses whole buffers; each becomes one gzip member.
constexpr size_t kLibdeflateBlock = 1024 * 1024;

uint32_t Crc32(uint32_t crc, std::string_view data) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

Status CheckLevel(std::string_view engine, int level, int min, int max) {
  if (level >= min && level <= max) return Ok();
  return std::unexpected(Error::InvalidArgument(fmt::format(
      "compression level {} is out of range for {} (valid: {} to {})", level, engine, min, max)));
}

// A raw DEFLATE stream (no wrapper) that can be fed block by block.
class RawDeflater {
 public:
  virtual ~RawDeflater() = default;
  // Compresses `input` into `out`; `last` ends the stream.
  virtual Status Deflate(std::string_view input, bool last, OutputBuffer& out) = 0;
};

class IsalDeflater final : public RawDeflater {
 public:
  static Result<std::unique_ptr<RawDeflater>> Create(int level) {
    LAKEBOX_TRY(CheckLevel("ISA-L", level, ISAL_DEF_MIN_LEVEL, ISAL_DEF_MAX_LEVEL));
    static constexpr size_t kLevelBufSize[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                               ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    return std::unique_ptr<RawDeflater>(new IsalDeflater(level, kLevelBufSize[level]));
  }

  Status Deflate(std::string_view input, bool last, OutputBuffer& out) override {
    stream_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uint32_t>(input.size());
    stream_.end_of_stream = last ? 1 : 0;
    while (true) {
      stream_.next_out = out.space();
      stream_.avail_out = static_cast<uint32_t>(out.space_size());
      const int rc = isal_deflate(&stream_);
      if (rc != COMP_OK) {
        return std::unexpected(
            Error::Internal(fmt::format("ISA-L deflate failed with code {}", rc)));
      }
      LAKEBOX_TRY(out.Commit(out.space_size() - stream_.avail_out));
      // Without end_of_stream, ISA-L may hold back (a copy of) the input's tail for later.
      const bool done = last ? stream_.internal_state.state == ZSTATE_END : stream_.avail_in == 0;
      if (done) return Ok();
    }
  }

 private:
  IsalDeflater(int level, size_t level_buf_size)
      : level_buf_(level_buf_size > 0 ? std::make_unique_for_overwrite<uint8_t[]>(level_buf_size)
                                      : nullptr) {
    isal_deflate_init(&stream_);
    stream_.level = static_cast<uint32_t>(level);
    stream_.level_buf = level_buf_.get();
    stream_.level_buf_size = static_cast<uint32_t>(level_buf_size);
    stream_.gzip_flag = IGZIP_DEFLATE;
    stream_.flush = NO_FLUSH;
  }

  std::unique_ptr<uint8_t[]> level_buf_;
  isal_zstream stream_;
};

class ZlibDeflater final : public RawDeflater {
 public:
  static Result<std::unique_ptr<RawDeflater>> Create(int level) {
    LAKEBOX_TRY(CheckLevel("zlib", level, 0, 9));
    std::unique_ptr<ZlibDeflater> deflater(new ZlibDeflater());
    // Negative window bits: raw deflate; the gzip/zip framing is ours.
    const int rc =
        deflateInit2(&deflater->stream_, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
      return std::unexpected(
          Error::Internal(fmt::format("zlib deflateInit2 failed with code {}", rc)));
    }
    deflater->initialised_ = true;
    return std::unique_ptr<RawDeflater>(std::move(deflater));
  }

  ~ZlibDeflater() override {
    if (initialised_) deflateEnd(&stream_);
  }

  Status Deflate(std::string_view input, bool last, OutputBuffer& out) override {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    while (true) {
      stream_.next_out = out.space();
      stream_.avail_out = static_cast<uInt>(out.space_size());
      const int rc = deflate(&stream_, last ? Z_FINISH : Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return std::unexpected(
            Error::Internal(fmt::format("zlib deflate failed with code {}", rc)));
      }
      const bool output_full = stream_.avail_out == 0;
      LAKEBOX_TRY(out.Commit(out.space_size() - stream_.avail_out));
      if (last ? rc == Z_STREAM_END : (stream_.avail_in == 0 && !output_full)) return Ok();
    }
  }

 private:
  ZlibDeflater() = default;

  z_stream stream_{};
  bool initialised_ = false;
};

Result<std::unique_ptr<RawDeflater>> NewRawDeflater(GzipBackend backend, int level) {
  if (backend == GzipBackend::kZlib) return ZlibDeflater::Create(level);
  return IsalDeflater::Create(level);
}

std::string GzipTrailer(uint32_t crc, uint64_t input_size) {
  std::string trailer;
  AppendLe32(&trailer, crc);
  AppendLe32(&trailer, static_cast<uint32_t>(input_size));  // ISIZE is the size modulo 2^32
  return trailer;
}

// One gzip member around a streaming raw deflater (ISA-L or zlib).
class StreamingGzipCompressor final : public BlockCompressor {
 public:
  StreamingGzipCompressor(Sink sink, std::unique_ptr<RawDeflater> deflater)
      : BlockCompressor(std::move(sink), kStreamBlock), deflater_(std::move(deflater)) {}

 private:
  Status Begin() override { return output().Append(kGzipHeader); }

  Status CompressBlock(std::string_view block, bool last) override {
    crc_ = Crc32(crc_, block);
    input_size_ += block.size();
    LAKEBOX_TRY(deflater_->Deflate(block, last, output()));
    if (!last) return Ok();
    return output().Append(GzipTrailer(crc_, input_size_));
  }

  std::unique_ptr<RawDeflater> deflater_;
  uint32_t crc_ = 0;
  uint64_t input_size_ = 0;
};

// libdeflate has no streaming API: every 1 MiB block becomes a complete gzip member.
class LibdeflateGzipCompressor final : public BlockCompressor {
 public:
  static Result<std::unique_ptr<Compressor>> Create(Sink sink, int level) {
    LAKEBOX_TRY(CheckLevel("libdeflate", level, 0, 12));
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
    if (compressor == nullptr) {
      return std::unexpected(Error::Internal("libdeflate_alloc_compressor failed"));
    }
    return std::unique_ptr<Compressor>(new LibdeflateGzipCompressor(std::move(sink), compressor));
  }

  ~LibdeflateGzipCompressor() override { libdeflate_free_compressor(compressor_); }

 private:
  LibdeflateGzipCompressor(Sink sink, libdeflate_compressor* compressor)
      : BlockCompressor(std::move(sink), kLibdeflateBlock),
        compressor_(compressor),
        scratch_(libdeflate_deflate_compress_bound(compressor, kLibdeflateBlock), '\0') {}

  Status CompressBlock(std::string_view block, bool last) override {
    // Empty input still needs one (empty) member to be a valid gzip file.
    if (block.empty() && members_ > 0) return Ok();
    const size_t n = libdeflate_deflate_compress(compressor_, block.data(), block.size(),
                                                 scratch_.data(), scratch_.size());
    if (n == 0) return std::unexpected(Error::Internal("libdeflate_deflate_compress failed"));
    ++members_;
    LAKEBOX_TRY(output().Append(kGzipHeader));
    LAKEBOX_TRY(output().Append(std::string_view(scratch_.data(), n)));
    return output().Append(GzipTrailer(Crc32(0, block), block.size()));
  }

  libdeflate_compressor* compressor_;
  std::string scratch_;
  uint64_t members_ = 0;
};

// Zip format constants (PKWARE APPNOTE.TXT).
constexpr uint32_t kZipLocalHeaderSig = 0x04034b50;
constexpr uint32_t kZipDataDescriptorSig = 0x08074b50;
constexpr uint32_t kZipCentralHeaderSig = 0x02014b50;
constexpr uint32_t kZipEndOfCentralDirSig = 0x06054b50;
constexpr size_t kZipLocalHeaderSize = 30;
constexpr size_t kZipCentralHeaderSize = 46;
constexpr size_t kZipEndOfCentralDirSize = 22;
constexpr uint16_t kZipVersion = 20;  // 2.0: deflate and data descriptors
constexpr uint16_t kZipFlagDataDescriptor = 1u << 3;
constexpr uint16_t kZipFlagUtf8Name = 1u << 11;
constexpr uint16_t kZipMethodStored = 0;
constexpr uint16_t kZipMethodDeflated = 8;
constexpr uint16_t kZipDosTime = 0;                        // 00:00:00
constexpr uint16_t kZipDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, the DOS epoch
constexpr uint16_t kZipMadeByUnix = (3 << 8) | kZipVersion;
constexpr uint32_t kZipExternalAttrs = 0100644u << 16;  // regular file, rw-r--r--
constexpr uint64_t kZip32Max = 0xFFFFFFFFu;

// A single deflated entry, streamed: sizes and CRC go in a data descriptor after the data.
class ZipCompressor final : public BlockCompressor {
 public:
  ZipCompressor(Sink sink, std::unique_ptr<RawDeflater> deflater, std::string entry_name)
      : BlockCompressor(std::move(sink), kStreamBlock),
        deflater_(std::move(deflater)),
        name_(std::move(entry_name)) {
    flags_ = kZipFlagDataDescriptor;
    if (std::any_of(name_.begin(), name_.end(), [](char c) { return c & 0x80; })) {
      flags_ |= kZipFlagUtf8Name;
    }
  }

 private:
  Status Begin() override {
    std::string header;
    AppendLe32(&header, kZipLocalHeaderSig);
    AppendLe16(&header, kZipVersion);
    AppendLe16(&header, flags_);
    AppendLe16(&header, kZipMethodDeflated);
    AppendLe16(&header, kZipDosTime);
    AppendLe16(&header, kZipDosDate);
    AppendLe32(&header, 0);  // CRC-32, compressed and uncompressed size: in the data descriptor
    AppendLe32(&header, 0);
    AppendLe32(&header, 0);
    AppendLe16(&header, static_cast<uint16_t>(name_.size()));
    AppendLe16(&header, 0);  // extra field length
    header += name_;
    data_offset_ = header.size();
    return output().Append(header);
  }

  Status CompressBlock(std::string_view block, bool last) override {
    if (input_size_ + block.size() > kZip32Max) {
      return std::unexpected(Error::InvalidArgument(
          "zip entry would exceed 4 GiB, which needs ZIP64; lakebox writes plain zip only"));
    }
    crc_ = Crc32(crc_, block);
    input_size_ += block.size();
    LAKEBOX_TRY(deflater_->Deflate(block, last, output()));
    if (!last) return Ok();

    const uint64_t compressed_size = output().total() - data_offset_;
    std::string tail;
    AppendLe32(&tail, kZipDataDescriptorSig);
    AppendLe32(&tail, crc_);
    AppendLe32(&tail, static_cast<uint32_t>(compressed_size));
    AppendLe32(&tail, static_cast<uint32_t>(input_size_));
    const uint64_t central_offset = output().total() + tail.size();
    if (compressed_size > kZip32Max || central_offset > kZip32Max) {
      return std::unexpected(Error::InvalidArgument(
          "zip archive would exceed 4 GiB, which needs ZIP64; lakebox writes plain zip only"));
    }

    AppendLe32(&tail, kZipCentralHeaderSig);
    AppendLe16(&tail, kZipMadeByUnix);
    AppendLe16(&tail, kZipVersion);
    AppendLe16(&tail, flags_);
    AppendLe16(&tail, kZipMethodDeflated);
    AppendLe16(&tail, kZipDosTime);
    AppendLe16(&tail, kZipDosDate);
    AppendLe32(&tail, crc_);
    AppendLe32(&tail, static_cast<uint32_t>(compressed_size));
    AppendLe32(&tail, static_cast<uint32_t>(input_size_));
    AppendLe16(&tail, static_cast<uint16_t>(name_.size()));
    AppendLe16(&tail, 0);  // extra field length
    AppendLe16(&tail, 0);  // comment length
    AppendLe16(&tail, 0);  // disk number start
    AppendLe16(&tail, 0);  // internal attributes
    AppendLe32(&tail, kZipExternalAttrs);
    AppendLe32(&tail, 0);  // offset of the local header
    tail += name_;
    const size_t central_size = kZipCentralHeaderSize + name_.size();

    AppendLe32(&tail, kZipEndOfCentralDirSig);
    AppendLe16(&tail, 0);  // this disk
    AppendLe16(&tail, 0);  // disk with the central directory
    AppendLe16(&tail, 1);  // entries on this disk
    AppendLe16(&tail, 1);  // entries in total
    AppendLe32(&tail, static_cast<uint32_t>(central_size));
    AppendLe32(&tail, static_cast<uint32_t>(central_offset));
    AppendLe16(&tail, 0);  // comment length
    return output().Append(tail);
  }

  std::unique_ptr<RawDeflater> deflater_;
  std::string name_;
  uint16_t flags_;
  uint64_t data_offset_ = 0;
  uint32_t crc_ = 0;
  uint64_t input_size_ = 0;
};

// Frees a zlib inflate stream on every exit path.
class Inflater {
 public:
  explicit Inflater(int window_bits) : rc_(inflateInit2(&stream_, window_bits)) {}
  ~Inflater() {
    if (rc_ == Z_OK) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  Status Check() const {
    if (rc_ == Z_OK) return Ok();
    return std::unexpected(
        Error::Internal(fmt::format("zlib inflateInit2 failed with code {}", rc_)));
  }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
  int rc_;
};

std::string ZlibMessage(const z_stream& stream, int rc) {
  return stream.msg != nullptr ? std::string(stream.msg) : fmt::format("zlib code {}", rc);
}

}  // namespace

Result<std::unique_ptr<Compressor>> NewGzipCompressor(Sink sink, const CompressorOptions& options) {
  if (options.gzip_backend == GzipBackend::kLibdeflate) {
    return LibdeflateGzipCompressor::Create(std::move(sink), options.level);
  }
  LAKEBOX_ASSIGN_OR_RETURN(auto deflater, NewRawDeflater(options.gzip_backend, options.level));
  return std::make_unique<StreamingGzipCompressor>(std::move(sink), std::move(deflater));
}

Result<std::unique_ptr<Compressor>> NewZipCompressor(Sink sink, const CompressorOptions& options) {
  if (options.zip_entry_name.empty() || options.zip_entry_name.size() > 0xFFFF) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "zip entry name must be 1 to 65535 bytes, got {}", options.zip_entry_name.size())));
  }
  LAKEBOX_ASSIGN_OR_RETURN(auto deflater, NewRawDeflater(options.gzip_backend, options.level));
  return std::make_unique<ZipCompressor>(std::move(sink), std::move(deflater),
                                         options.zip_entry_name);
}

Result<std::string> DecompressGzip(std::string_view data, size_t max_output) {
  if (data.empty()) return std::unexpected(Error::Corruption("gzip data is empty"));
  Inflater inflater(MAX_WBITS + 16);  // +16: expect the gzip wrapper
  LAKEBOX_TRY(inflater.Check());
  z_stream& zs = inflater.stream();
  BoundedOutput out(Codec::kGzip, max_output);
  // ISIZE of the last member: the exact size for the usual single member below 4 GiB. DEFLATE
  // expands at most 1032:1, which bounds the hint when the trailer is garbage.
  if (data.size() >= 18) {
    out.Reserve(std::min<size_t>(LoadLe32(data.data() + data.size() - 4), data.size() * 1032));
  }

  size_t fed = 0;  // bytes of `data` handed to zlib so far
  size_t member_start = 0;
  while (true) {
    if (zs.avail_in == 0 && fed < data.size()) {
      const size_t piece = std::min<size_t>(data.size() - fed, UINT_MAX);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      zs.avail_in = static_cast<uInt>(piece);
      fed += piece;
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.space());
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.space_size(), UINT_MAX));
    const uInt avail_out = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    LAKEBOX_TRY(out.Commit(avail_out - zs.avail_out));
    const size_t consumed = fed - zs.avail_in;
    if (rc == Z_STREAM_END) {
      if (consumed == data.size()) return std::move(out).Take();
      // Another member follows (concatenated gzip); anything else fails its header check.
      member_start = consumed;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (consumed == data.size() && zs.avail_out > 0) {
        return std::unexpected(Error::Corruption(fmt::format(
            "gzip data is truncated: the member starting at byte {} ends early at byte {}",
            member_start, data.size())));
      }
      continue;
    }
    if (rc == Z_MEM_ERROR) return std::unexpected(Error::Internal("zlib inflate: out of memory"));
    return std::unexpected(
        Error::Corruption(fmt::format("corrupt gzip data in the member starting at byte {}: {}",
                                      member_start, ZlibMessage(zs, rc))));
  }
}

Result<std::string> DecompressZip(std::string_view data, size_t max_output) {
  auto corrupt = [](std::string message) {
    return std::unexpected(Error::Corruption("zip archive: " + message));
  };
  // The end-of-central-directory record is the last 22 bytes plus an optional comment (< 64 KiB).
  if (data.size() < kZipEndOfCentralDirSize) return corrupt("too short to be a zip archive");
  size_t eocd = data.size() - kZipEndOfCentralDirSize;
  const size_t lowest = eocd > 0xFFFF ? eocd - 0xFFFF : 0;
  while (LoadLe32(data.data() + eocd) != kZipEndOfCentralDirSig) {
    if (eocd == lowest) return corrupt("no end-of-central-directory record (truncated?)");
    --eocd;
  }
  const char* e = data.data() + eocd;
  const uint16_t entries = LoadLe16(e + 10);
  const uint32_t central_size = LoadLe32(e + 12);
  const uint32_t central_offset = LoadLe32(e + 16);
  if (LoadLe16(e + 4) != 0 || LoadLe16(e + 6) != 0 || entries == 0xFFFF ||
      central_offset == kZip32Max) {
    return std::unexpected(
        Error::InvalidArgument("zip archive: multi-disk and ZIP64 archives are not supported"));
  }
  if (uint64_t{central_offset} + central_size > eocd) {
    return corrupt("central directory lies outside the archive");
  }

  // Find the single file entry (directory entries, names ending in '/', are ignored).
  size_t pos = central_offset;
  int files = 0;
  const char* entry = nullptr;
  for (uint16_t i = 0; i < entries; ++i) {
    if (pos + kZipCentralHeaderSize > eocd || LoadLe32(data.data() + pos) != kZipCentralHeaderSig) {
      return corrupt(fmt::format("bad central directory entry at byte {}", pos));
    }
    const char* h = data.data() + pos;
    const size_t name_size = LoadLe16(h + 28);
    const size_t entry_size =
        kZipCentralHeaderSize + name_size + LoadLe16(h + 30) + LoadLe16(h + 32);
    if (pos + entry_size > eocd)
      return corrupt(fmt::format("central directory entry {} overruns", i));
    const std::string_view name(h + kZipCentralHeaderSize, name_size);
    if (!name.ends_with('/')) {
      ++files;
      entry = h;
    }
    pos += entry_size;
  }
  if (files != 1) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("zip archive holds {} files; only single-file archives are supported", files)));
  }

  const uint16_t flags = LoadLe16(entry + 8);
  const uint16_t method = LoadLe16(entry + 10);
  const uint32_t crc = LoadLe32(entry + 16);
  const uint32_t compressed_size = LoadLe32(entry + 20);
  const uint32_t size = LoadLe32(entry + 24);
  const uint32_t local_offset = LoadLe32(entry + 42);
  if (flags & 1) {
    return std::unexpected(
        Error::InvalidArgument("zip archive: encrypted entries are not supported"));
  }
  if (method != kZipMethodStored && method != kZipMethodDeflated) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "zip archive: compression method {} is not supported (only stored and deflated)", method)));
  }
  if (uint64_t{local_offset} + kZipLocalHeaderSize > data.size() ||
      LoadLe32(data.data() + local_offset) != kZipLocalHeaderSig) {
    return corrupt(fmt::format("no local file header at byte {}", local_offset));
  }
  const char* local = data.data() + local_offset;
  const uint64_t data_start =
      uint64_t{local_offset} + kZipLocalHeaderSize + LoadLe16(local + 26) + LoadLe16(local + 28);
  if (data_start + compressed_size > data.size()) {
    return corrupt(fmt::format("entry data ({} bytes at byte {}) runs past the end",
                               compressed_size, data_start));
  }
  const std::string_view compressed = data.substr(data_start, compressed_size);

  BoundedOutput out(Codec::kZip, max_output);
  if (method == kZipMethodStored) {
    if (compressed_size != size) return corrupt("stored entry sizes disagree");
    LAKEBOX_TRY(out.Append(compressed));
  } else {
    LAKEBOX_ASSIGN_OR_RETURN(char* dst, out.Extend(size));
    Inflater inflater(-MAX_WBITS);
    LAKEBOX_TRY(inflater.Check());
    z_stream& zs = inflater.stream();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    zs.avail_in = static_cast<uInt>(compressed.size());
    // One spare byte shows whether the stream holds more than the declared size.
    char spare;
    zs.next_out = reinterpret_cast<Bytef*>(dst);
    zs.avail_out = size;
    int rc = inflate(&zs, Z_FINISH);
    if (rc != Z_STREAM_END && zs.avail_out == 0) {
      zs.next_out = reinterpret_cast<Bytef*>(&spare);
      zs.avail_out = 1;
      rc = inflate(&zs, Z_FINISH);
    }
    if (zs.total_out > size) {
      return corrupt(
          fmt::format("entry inflates to more than the {} bytes its header declares", size));
    }
    if (rc != Z_STREAM_END) {
      return corrupt(rc == Z_BUF_ERROR && zs.avail_in == 0
                         ? std::string("entry data is truncated")
                         : "corrupt entry data: " + ZlibMessage(zs, rc));
    }
    if (zs.total_out != size) {
      return corrupt(fmt::format("entry inflates to {} bytes, but its header declares {}",
                                 zs.total_out, size));
    }
  }
  std::string result = std::move(out).Take();
  const uint32_t actual = Crc32(0, result);
  if (actual != crc) {
    return corrupt(fmt::format("CRC-32 mismatch: stored {:08x}, computed {:08x}", crc, actual));
  }
  return result;
}

}  // namespace lakebox::compression_internal
