// zstd: one frame per object, with a content checksum.

#include <utility>

#include <zstd.h>

#include "common/compression_internal.h"

namespace lakebox::compression_internal {
namespace {

constexpr size_t kZstdBlock = 256 * 1024;

class ZstdCompressor final : public BlockCompressor {
 public:
  static Result<std::unique_ptr<Compressor>> Create(Sink sink, int level) {
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
      return std::unexpected(Error::InvalidArgument(
          fmt::format("compression level {} is out of range for zstd (valid: {} to {})", level,
                      ZSTD_minCLevel(), ZSTD_maxCLevel())));
    }
    ZSTD_CCtx* context = ZSTD_createCCtx();
    if (context == nullptr) return std::unexpected(Error::Internal("ZSTD_createCCtx failed"));
    std::unique_ptr<Compressor> compressor(new ZstdCompressor(std::move(sink), context));
    for (auto [parameter, value] :
         {std::pair{ZSTD_c_compressionLevel, level}, std::pair{ZSTD_c_checksumFlag, 1}}) {
      const size_t rc = ZSTD_CCtx_setParameter(context, parameter, value);
      if (ZSTD_isError(rc)) {
        return std::unexpected(Error::Internal(
            fmt::format("ZSTD_CCtx_setParameter failed: {}", ZSTD_getErrorName(rc))));
      }
    }
    return compressor;
  }

  ~ZstdCompressor() override { ZSTD_freeCCtx(context_); }

 private:
  ZstdCompressor(Sink sink, ZSTD_CCtx* context)
      : BlockCompressor(std::move(sink), kZstdBlock), context_(context) {}

  Status CompressBlock(std::string_view block, bool last) override {
    ZSTD_inBuffer in{block.data(), block.size(), 0};
    const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    while (true) {
      ZSTD_outBuffer out{output().space(), output().space_size(), 0};
      const size_t remaining = ZSTD_compressStream2(context_, &out, &in, mode);
      if (ZSTD_isError(remaining)) {
        return std::unexpected(Error::Internal(
            fmt::format("ZSTD_compressStream2 failed: {}", ZSTD_getErrorName(remaining))));
      }
      LAKEBOX_TRY(output().Commit(out.pos));
      // With ZSTD_e_end, `remaining` is what is still to be flushed; 0 once the frame is complete.
      if (last ? remaining == 0 : in.pos == in.size) return Ok();
    }
  }

  ZSTD_CCtx* context_;
};

}  // namespace

Result<std::unique_ptr<Compressor>> NewZstdCompressor(Sink sink, const CompressorOptions& options) {
  return ZstdCompressor::Create(std::move(sink), options.level);
}

Result<std::string> DecompressZstd(std::string_view data, size_t max_output) {
  if (data.empty()) return std::unexpected(Error::Corruption("zstd data is empty"));
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!context) return std::unexpected(Error::Internal("ZSTD_createDCtx failed"));
  BoundedOutput out(Codec::kZstd, max_output);
  const unsigned long long content_size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (content_size != ZSTD_CONTENTSIZE_UNKNOWN && content_size != ZSTD_CONTENTSIZE_ERROR) {
    out.Reserve(content_size);
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t hint = 1;  // 0 exactly when a frame has been completely decoded and flushed
  while (true) {
    const size_t in_before = in.pos;
    ZSTD_outBuffer dst{out.space(), out.space_size(), 0};
    hint = ZSTD_decompressStream(context.get(), &dst, &in);
    if (ZSTD_isError(hint)) {
      return std::unexpected(Error::Corruption(
          fmt::format("corrupt zstd data near byte {}: {}", in.pos, ZSTD_getErrorName(hint))));
    }
    LAKEBOX_TRY(out.Commit(dst.pos));
    if (hint == 0 && in.pos == in.size) break;
    // The decoder may still hold input it has consumed; stop only once a call makes no progress.
    if (in.pos == in_before && dst.pos == 0) break;
  }
  if (hint != 0) {
    return std::unexpected(Error::Corruption(
        fmt::format("zstd data is truncated: the last frame ends early at byte {}", data.size())));
  }
  return std::move(out).Take();
}

}  // namespace lakebox::compression_internal
