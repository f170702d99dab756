// Whole-object compression codecs: Firehose's CompressionFormat values (UNCOMPRESSED, GZIP, ZIP,
// Snappy, HADOOP_SNAPPY) plus zstd, as streaming compressors that hand their output to a sink, and
// a one-shot Decompress for tests and the crawler.
//
// Formats written:
//   kGzip          RFC 1952 gzip. Backend kIsal and kZlib write one member; kLibdeflate (not a
//                  streaming library) writes one member per 1 MiB of input. Concatenated members
//                  are valid gzip that every reader (gzip, zlib, Python, Java, DuckDB) decodes.
//   kZip           A .zip archive holding one deflated entry named `zip_entry_name`, streamed:
//                  the local header has general purpose bit 3 set and the CRC-32 and sizes follow
//                  the data in a data descriptor (and are repeated in the central directory).
//                  No ZIP64: an entry must stay below 4 GiB.
//   kSnappy        The snappy framing format
//   (github.com/google/snappy/blob/main/framing_format.txt):
//                  stream identifier chunk, then chunks of at most 64 KiB of input, each with the
//                  masked CRC-32C of its uncompressed bytes. This is Firehose's "Snappy".
//   kHadoopSnappy  Hadoop's BlockCompressorStream layout: per block of at most 64 KiB of input, a
//                  big-endian uint32 uncompressed length, then a big-endian uint32 compressed
//                  length and a raw snappy block. Empty input gives empty output.
//   kZstd          One zstd frame with a content checksum.
//
// DETERMINISM. For the same input bytes and the same options, a compressor produces the same output
// bytes, however the input is split across Write calls and on every run. lakebox relies on this:
// after a crash it replays its write-ahead log and rewrites the same object key, which must get
// the same bytes. To that end the gzip header has mtime 0, no name and OS byte 255 ("unknown"),
// the zip entry's timestamp is fixed at 1980-01-01 00:00:00 (the DOS epoch) with no extra fields,
// and every compressor feeds its engine fixed-size blocks regardless of how Write was called.
// Another library version may change the bytes, and so may another CPU (ISA-L and libdeflate
// pick code paths by CPU features); the same binary on the same machine does not.
//
// Memory: a compressor holds at most one input block (64 KiB to 1 MiB), the engine's own state
// (a few MiB at most at level 1) and 256 KiB of output before calling the sink, so a 128 MiB
// object is produced with bounded memory.
//
// Thread safety: a Compressor is used by one thread at a time. The free functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox {

enum class Codec {
  kNone,
  kGzip,
  kZip,
  kSnappy,        // snappy framing format
  kHadoopSnappy,  // Hadoop block format
  kZstd,
};

// "none", "gzip", "zip", "snappy", "hadoop_snappy", "zstd": for logs and messages.
std::string_view CodecName(Codec codec);

// The deflate engine used for gzip (and for zip, see CompressorOptions::gzip_backend).
// The default, ISA-L, measured fastest on vehicle JSON (bench/codec_bench.cpp).
enum class GzipBackend { kIsal, kLibdeflate, kZlib };

struct CompressorOptions {
  // Compression level, in the engine's own scale; the default favours speed, as Firehose does.
  // Valid: ISA-L 0-3, libdeflate 0-12, zlib 0-9, zstd ZSTD_minCLevel()..ZSTD_maxCLevel().
  // Ignored by kNone, kSnappy and kHadoopSnappy.
  int level = 1;
  // Engine for kGzip. kZip deflates with ISA-L for kIsal and kLibdeflate (libdeflate cannot stream
  // a single deflate stream) and with zlib for kZlib.
  GzipBackend gzip_backend = GzipBackend::kIsal;
  // Name of the single entry of a kZip archive (1 to 65535 bytes).
  std::string zip_entry_name = "data";
};

// Receives compressed output in order. Its failure aborts compression and is returned by the
// Write or Finish that called it.
using Sink = std::function<Status(std::string_view)>;

// A streaming compressor. Call Write any number of times, then Finish exactly once; the sink has
// received the complete compressed object when Finish returns success. The sink is called only
// from Write and Finish, with pieces of about 256 KiB (smaller at the end).
// After any error the compressor is unusable: later calls return the same error.
class Compressor {
 public:
  virtual ~Compressor();
  // Compresses `data` (which need not outlive the call).
  // Errors: the sink's error; Error::InvalidArgument if a kZip entry would exceed 4 GiB;
  // Error::Internal if called after Finish or on an engine failure.
  virtual Status Write(std::string_view data) = 0;
  // Flushes buffered input and writes the format's trailer. Errors as for Write.
  virtual Status Finish() = 0;
};

// A compressor for `codec` writing to `sink`.
// Errors: Error::InvalidArgument for a level outside the engine's range or an empty / over-long
// zip entry name; Error::Internal if the engine cannot be initialised (out of memory).
Result<std::unique_ptr<Compressor>> NewCompressor(Codec codec, Sink sink,
                                                  const CompressorOptions& options = {});

// Decompresses a whole object. kGzip accepts concatenated members (and decodes with zlib, the
// reference implementation); kZip requires exactly one file entry (as the Glue crawler does) stored
// or deflated, and checks its CRC-32; kSnappy checks every chunk's CRC-32C and skips padding and
// skippable chunks; kZstd accepts concatenated frames; kNone returns `data`.
// Errors: Error::Corruption (with the offset and what was wrong) for truncated, malformed or
// checksum-failing input, including empty input for kGzip, kZip, kSnappy and kZstd;
// Error::LimitExceeded if the output would exceed `max_output` bytes; Error::InvalidArgument for
// a zip archive with several entries or encryption.
Result<std::string> Decompress(Codec codec, std::string_view data, size_t max_output = SIZE_MAX);

// The beginning of a compressed object, decoded: what DecompressPrefix returns.
struct DecompressedPrefix {
  std::string data;       // the first min(max_output, all) decompressed bytes
  bool complete = false;  // the object's streams all ended within `input`: `data` is everything
  size_t consumed = 0;    // bytes of `input` that produced `data` (when stopped at max_output,
                          // the decoder may have read a few bytes more: an estimate)
};

// Decodes the start of a compressed object, to sample a large object without reading or decoding
// all of it. `input` is the whole object when `input_is_whole`, else its first bytes. Decoding
// stops without error once `max_output` bytes are out (data.size() == max_output, complete false
// unless the object ends exactly there). When a partial `input` runs out first, what it decoded
// comes back with complete == false and data.size() < max_output: read more of the object and
// call again. Supported: kNone (a copy of the first max_output bytes), kGzip (concatenated
// members; ISA-L, checking each member's CRC-32), kZstd (concatenated frames), kSnappy (framing
// format, checking each chunk's CRC-32C).
// Errors: Error::Corruption for malformed or checksum-failing data met before the limit, and for
// a whole `input` that ends mid-stream ("gzip data is truncated: ..."), including an empty one;
// Error::InvalidArgument for kZip and kHadoopSnappy (use Decompress).
Result<DecompressedPrefix> DecompressPrefix(Codec codec, std::string_view input,
                                            bool input_is_whole, size_t max_output);

// The codec whose magic bytes start `head` (the first bytes of an object; 10 are enough):
// gzip 1f 8b, zip "PK\3\4", snappy framing ff 06 00 00 "sNaPpY", zstd 28 b5 2f fd.
// kNone when nothing matches: uncompressed data, and also Hadoop snappy, which has no magic.
Codec DetectCodec(std::string_view head);

}  // namespace lakebox
