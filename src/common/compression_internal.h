// Shared machinery of the codecs in compression_*.cpp. Not part of the public API: include
// common/compression.h instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/compression.h"

namespace lakebox::compression_internal {

// Size of the pieces handed to a Sink.
inline constexpr size_t kSinkChunk = 256 * 1024;

// Collects compressed bytes and hands them to the sink in kSinkChunk pieces. Engines that stream
// (ISA-L, zlib, zstd) write straight into Space() and Commit; block codecs Append.
class OutputBuffer {
 public:
  explicit OutputBuffer(Sink sink);

  // Free space at the end of the buffer: never empty.
  uint8_t* space() { return buffer_.get() + used_; }
  size_t space_size() const { return kSinkChunk - used_; }
  // Records `n` bytes written at space(); hands the buffer to the sink when it is full.
  Status Commit(size_t n);
  Status Append(std::string_view bytes);
  // Hands whatever is buffered to the sink.
  Status Flush();
  // Bytes committed since construction (given to the sink or still buffered).
  uint64_t total() const { return total_; }

 private:
  Sink sink_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t used_ = 0;
  uint64_t total_ = 0;
};

// A Compressor that feeds its engine fixed-size blocks, whatever the sizes of the Write calls.
// This makes the output a function of the input bytes alone (see DETERMINISM in compression.h),
// and lets tiny writes (one ~350-byte record each) reach the engine in efficient batches.
class BlockCompressor : public Compressor {
 public:
  Status Write(std::string_view data) final;
  Status Finish() final;

 protected:
  BlockCompressor(Sink sink, size_t block_size);

  // Called once, before the first block: writes the format's header, if any.
  virtual Status Begin() { return Ok(); }
  // Compresses the next `block` of input: exactly block_size bytes, except on the final call
  // (`last`), which gets the remaining 0 to block_size bytes and must write the trailer.
  virtual Status CompressBlock(std::string_view block, bool last) = 0;

  OutputBuffer& output() { return output_; }

 private:
  Status Feed(std::string_view block, bool last);
  Status Fail(Error error);

  OutputBuffer output_;
  size_t block_size_;
  std::string staged_;
  bool begun_ = false;
  bool finished_ = false;
  std::optional<Error> error_;
};

// Decompressed output that may not grow beyond a limit.
class BoundedOutput {
 public:
  BoundedOutput(Codec codec, size_t max_output);

  // Pre-sizes for `expected` bytes (clipped to the limit and to 256 MiB). A hint only.
  void Reserve(size_t expected);
  // Free space at the end: at least one byte. It may extend one byte past the limit, so that a
  // stream producing more than the limit is caught by Commit.
  char* space();
  size_t space_size();
  // Records `n` bytes written at space(). Error::LimitExceeded past the limit.
  Status Commit(size_t n);
  // `n` contiguous bytes appended for the caller to fill. Error::LimitExceeded past the limit.
  Result<char*> Extend(size_t n);
  Status Append(std::string_view bytes);
  size_t size() const { return size_; }
  std::string Take() &&;

 private:
  void Resize(size_t n);
  Error LimitError() const;

  Codec codec_;
  size_t max_;
  std::string buffer_;
  size_t size_ = 0;
};

// Little- and big-endian fixed-width integers, as the formats store them.
void AppendLe16(std::string* out, uint16_t v);
void AppendLe32(std::string* out, uint32_t v);
void AppendBe32(std::string* out, uint32_t v);
uint16_t LoadLe16(const char* p);
uint32_t LoadLe32(const char* p);
uint32_t LoadBe32(const char* p);

// Factories and decoders, one pair per format family (compression_deflate.cpp,
// compression_snappy.cpp, compression_zstd.cpp). Factories validate options as NewCompressor
// documents.
Result<std::unique_ptr<Compressor>> NewGzipCompressor(Sink sink, const CompressorOptions& options);
Result<std::unique_ptr<Compressor>> NewZipCompressor(Sink sink, const CompressorOptions& options);
Result<std::unique_ptr<Compressor>> NewSnappyFramingCompressor(Sink sink);
Result<std::unique_ptr<Compressor>> NewHadoopSnappyCompressor(Sink sink);
Result<std::unique_ptr<Compressor>> NewZstdCompressor(Sink sink, const CompressorOptions& options);

Result<std::string> DecompressGzip(std::string_view data, size_t max_output);
Result<std::string> DecompressZip(std::string_view data, size_t max_output);
Result<std::string> DecompressSnappyFraming(std::string_view data, size_t max_output);
Result<std::string> DecompressHadoopSnappy(std::string_view data, size_t max_output);
Result<std::string> DecompressZstd(std::string_view data, size_t max_output);

}  // namespace lakebox::compression_internal
