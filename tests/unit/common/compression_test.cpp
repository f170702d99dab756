#include "common/compression.h"

#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include "common/crc32c.h"

namespace lakebox {
namespace {

// ~350-byte vehicle readings shaped like DESIGN.md's sample record, with varying values.
std::string VehicleJsonLines(size_t min_bytes, uint32_t seed) {
  static constexpr const char* kVendors[] = {"volvo", "scania", "man", "daf", "iveco"};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::string out;
  for (int i = 0; out.size() < min_bytes; ++i) {
    out += fmt::format(
        R"({{"vehicle_id":"V-{:05d}","vendor":"{}","model":"FH{}","event_time":"2026-11-25T22:{:02d}:{:02d}.{:03d}Z",)"
        R"("vehicle_status":{{"speed_kmh":{:.1f},"engine_temp_c":{:.1f},"fuel_level":{:.2f},"odometer_km":{},"doors_locked":{}}},)"
        R"("gps_info":{{"latitude":{:.5f},"longitude":{:.5f},"altitude_m":{:.1f},"heading":{:.1f}}},)"
        R"("alerts":[{{"code":"TIRE_PRESSURE","severity":{}}}]}})"
        "\n",
        rng() % 1000, kVendors[rng() % 5], 12 + rng() % 6, (i / 60) % 60, i % 60, rng() % 1000,
        unit(rng) * 120, 70 + unit(rng) * 30, unit(rng), 100000 + rng() % 900000,
        rng() % 2 ? "true" : "false", -23.5 + unit(rng), -46.6 + unit(rng), 700 + unit(rng) * 100,
        unit(rng) * 360, rng() % 4);
  }
  return out;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// Compresses `input`, handing it to Write in pieces of `piece` bytes.
Result<std::string> Compress(Codec codec, std::string_view input,
                             const CompressorOptions& options = {}, size_t piece = SIZE_MAX) {
  std::string out;
  LAKEBOX_ASSIGN_OR_RETURN(auto compressor, NewCompressor(
                                                codec,
                                                [&out](std::string_view bytes) {
                                                  out.append(bytes);
                                                  return Ok();
                                                },
                                                options));
  while (!input.empty()) {
    const size_t n = std::min(piece, input.size());
    LAKEBOX_TRY(compressor->Write(input.substr(0, n)));
    input.remove_prefix(n);
  }
  LAKEBOX_TRY(compressor->Finish());
  return out;
}

template <size_t N>
std::string_view Bytes(const char (&literal)[N]) {
  return {literal, N - 1};
}

struct CodecConfig {
  const char* name;
  Codec codec;
  GzipBackend backend = GzipBackend::kIsal;

  CompressorOptions options() const {
    CompressorOptions options;
    options.gzip_backend = backend;
    return options;
  }
};

void PrintTo(const CodecConfig& config, std::ostream* os) { *os << config.name; }

class CodecTest : public ::testing::TestWithParam<CodecConfig> {
 protected:
  Codec codec() const { return GetParam().codec; }

  std::string MustCompress(std::string_view input, size_t piece = SIZE_MAX) {
    auto compressed = Compress(codec(), input, GetParam().options(), piece);
    EXPECT_TRUE(compressed.has_value()) << compressed.error().ToString();
    return compressed.value_or("");
  }

  void ExpectRoundTrip(const std::string& input) {
    const std::string compressed = MustCompress(input);
    auto decompressed = Decompress(codec(), compressed);
    ASSERT_TRUE(decompressed.has_value()) << decompressed.error().ToString();
    EXPECT_EQ(decompressed->size(), input.size());
    EXPECT_TRUE(*decompressed == input);
  }
};

TEST_P(CodecTest, RoundTripsEmptyInput) { ExpectRoundTrip(""); }

TEST_P(CodecTest, RoundTripsOneByte) { ExpectRoundTrip("x"); }

// Over 1 MiB, so libdeflate writes several gzip members.
TEST_P(CodecTest, RoundTripsRandomBytes) { ExpectRoundTrip(RandomBytes(1536 * 1024 + 17, 1)); }

TEST_P(CodecTest, RoundTripsJsonLinesAndShrinksThem) {
  const std::string input = VehicleJsonLines(3 * 1024 * 1024, 2);
  ExpectRoundTrip(input);
  if (codec() != Codec::kNone) {
    EXPECT_LT(MustCompress(input).size(), input.size() / 2);
  }
}

TEST_P(CodecTest, OutputDoesNotDependOnWriteSizes) {
  const std::string input = VehicleJsonLines(2 * 1024 * 1024, 3);
  const std::string whole = MustCompress(input);
  EXPECT_TRUE(MustCompress(input, 350) == whole);
  EXPECT_TRUE(MustCompress(input, 7919) == whole);
  EXPECT_TRUE(MustCompress(input, 1024 * 1024 + 1) == whole);
}

TEST_P(CodecTest, ManyTinyWritesRoundTrip) {
  const std::string input = VehicleJsonLines(300 * 1024, 4);
  const std::string compressed = MustCompress(input, 1);
  EXPECT_TRUE(compressed == MustCompress(input));
  auto decompressed = Decompress(codec(), compressed);
  ASSERT_TRUE(decompressed.has_value()) << decompressed.error().ToString();
  EXPECT_TRUE(*decompressed == input);
}

TEST_P(CodecTest, SameInputTwiceGivesSameBytes) {
  const std::string input = VehicleJsonLines(1024 * 1024, 5) + RandomBytes(100000, 5);
  EXPECT_TRUE(MustCompress(input) == MustCompress(input));
  EXPECT_TRUE(MustCompress("") == MustCompress(""));
}

TEST_P(CodecTest, DetectCodecRecognisesOutput) {
  const std::string compressed = MustCompress(VehicleJsonLines(10000, 6));
  const bool has_magic = codec() != Codec::kNone && codec() != Codec::kHadoopSnappy;
  EXPECT_EQ(DetectCodec(compressed), has_magic ? codec() : Codec::kNone);
}

TEST_P(CodecTest, TruncatedInputIsCorruption) {
  if (codec() == Codec::kNone) GTEST_SKIP() << "uncompressed data has no structure to truncate";
  const std::string compressed = MustCompress(VehicleJsonLines(200000, 7));
  for (size_t keep : {compressed.size() - 1, compressed.size() / 2, size_t{3}}) {
    auto result = Decompress(codec(), compressed.substr(0, keep));
    ASSERT_FALSE(result.has_value()) << "kept " << keep << " of " << compressed.size();
    EXPECT_EQ(result.error().code(), Error::Code::kCorruption) << result.error().ToString();
  }
}

TEST_P(CodecTest, FlippedByteIsCorruption) {
  // Hadoop snappy has no checksum; a flipped literal byte decodes to different data silently.
  if (codec() == Codec::kNone || codec() == Codec::kHadoopSnappy) GTEST_SKIP();
  const std::string input = VehicleJsonLines(200000, 8);
  std::string compressed = MustCompress(input);
  compressed[compressed.size() / 2] ^= 0x20;
  auto result = Decompress(codec(), compressed);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Error::Code::kCorruption) << result.error().ToString();
}

TEST_P(CodecTest, MaxOutputIsEnforced) {
  const std::string input = VehicleJsonLines(300000, 9);
  const std::string compressed = MustCompress(input);
  auto exact = Decompress(codec(), compressed, input.size());
  ASSERT_TRUE(exact.has_value()) << exact.error().ToString();
  EXPECT_TRUE(*exact == input);
  auto over = Decompress(codec(), compressed, input.size() - 1);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code(), Error::Code::kLimitExceeded) << over.error().ToString();
}

TEST_P(CodecTest, SinkReceivesBoundedNonEmptyPieces) {
  std::vector<size_t> pieces;
  std::string out;
  auto compressor = NewCompressor(
      codec(),
      [&](std::string_view bytes) {
        pieces.push_back(bytes.size());
        out.append(bytes);
        return Ok();
      },
      GetParam().options());
  ASSERT_TRUE(compressor.has_value());
  const std::string input = RandomBytes(1024 * 1024, 10);
  ASSERT_TRUE((*compressor)->Write(input).has_value());
  ASSERT_TRUE((*compressor)->Finish().has_value());
  ASSERT_GE(pieces.size(), 2u);
  for (size_t n : pieces) {
    EXPECT_GT(n, 0u);
    EXPECT_LE(n, 256u * 1024);
  }
  EXPECT_TRUE(out == MustCompress(input));
}

TEST_P(CodecTest, SinkErrorIsReturnedAndSticks) {
  int calls = 0;
  auto compressor = NewCompressor(
      codec(),
      [&](std::string_view) -> Status {
        ++calls;
        return std::unexpected(Error::Io("disk full"));
      },
      GetParam().options());
  ASSERT_TRUE(compressor.has_value());
  Status written = (*compressor)->Write(VehicleJsonLines(1024 * 1024, 11));
  Status finished = (*compressor)->Finish();
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().code(), Error::Code::kIo);
  EXPECT_EQ(finished.error().message(), "disk full");
  EXPECT_EQ(calls, 1);
  Status again = (*compressor)->Write("more");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Error::Code::kIo);
  EXPECT_EQ(calls, 1);
  if (!written.has_value()) {
    EXPECT_EQ(written.error().code(), Error::Code::kIo);
  }
}

TEST_P(CodecTest, WriteAfterFinishIsAnError) {
  auto compressor = NewCompressor(
      codec(), [](std::string_view) { return Ok(); }, GetParam().options());
  ASSERT_TRUE(compressor.has_value());
  ASSERT_TRUE((*compressor)->Finish().has_value());
  Status written = (*compressor)->Write("late");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code(), Error::Code::kInternal);
}

INSTANTIATE_TEST_SUITE_P(
    AllCodecs, CodecTest,
    ::testing::Values(CodecConfig{"none", Codec::kNone},
                      CodecConfig{"gzip_isal", Codec::kGzip, GzipBackend::kIsal},
                      CodecConfig{"gzip_libdeflate", Codec::kGzip, GzipBackend::kLibdeflate},
                      CodecConfig{"gzip_zlib", Codec::kGzip, GzipBackend::kZlib},
                      CodecConfig{"zip_isal", Codec::kZip, GzipBackend::kIsal},
                      CodecConfig{"zip_zlib", Codec::kZip, GzipBackend::kZlib},
                      CodecConfig{"snappy", Codec::kSnappy},
                      CodecConfig{"hadoop_snappy", Codec::kHadoopSnappy},
                      CodecConfig{"zstd", Codec::kZstd}),
    [](const ::testing::TestParamInfo<CodecConfig>& info) { return std::string(info.param.name); });

CompressorOptions WithBackend(GzipBackend backend) {
  CompressorOptions options;
  options.gzip_backend = backend;
  return options;
}

uint32_t ZlibCrc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

uint32_t Le32(std::string_view s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

uint16_t Le16(std::string_view s, size_t at) {
  uint16_t v;
  std::memcpy(&v, s.data() + at, 2);
  return v;
}

uint32_t Be32(std::string_view s, size_t at) { return __builtin_bswap32(Le32(s, at)); }

TEST(GzipTest, HeaderIsFixedForEveryBackend) {
  const std::string_view kHeader("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  for (auto backend : {GzipBackend::kIsal, GzipBackend::kLibdeflate, GzipBackend::kZlib}) {
    auto gz = Compress(Codec::kGzip, "hello", WithBackend(backend));
    ASSERT_TRUE(gz.has_value());
    EXPECT_EQ(gz->substr(0, 10), kHeader) << static_cast<int>(backend);
  }
}

TEST(GzipTest, TrailerHoldsCrc32AndSize) {
  const std::string input = VehicleJsonLines(500000, 12);
  for (auto backend : {GzipBackend::kIsal, GzipBackend::kZlib}) {
    auto gz = Compress(Codec::kGzip, input, WithBackend(backend));
    ASSERT_TRUE(gz.has_value());
    EXPECT_EQ(Le32(*gz, gz->size() - 8), ZlibCrc32(input));
    EXPECT_EQ(Le32(*gz, gz->size() - 4), input.size());
  }
}

TEST(GzipTest, LibdeflateWritesOneMemberPerMebibyte) {
  const std::string input = VehicleJsonLines(2 * 1024 * 1024 + 5, 13);
  auto gz = Compress(Codec::kGzip, input, WithBackend(GzipBackend::kLibdeflate));
  ASSERT_TRUE(gz.has_value());
  // The last member covers the tail after two full 1 MiB members.
  EXPECT_EQ(Le32(*gz, gz->size() - 4), input.size() - 2 * 1024 * 1024);
  EXPECT_EQ(Le32(*gz, gz->size() - 8), ZlibCrc32(std::string_view(input).substr(2 * 1024 * 1024)));
}

TEST(GzipTest, DecompressesConcatenatedMembers) {
  auto a = Compress(Codec::kGzip, "first line\n", WithBackend(GzipBackend::kIsal));
  auto b = Compress(Codec::kGzip, "", WithBackend(GzipBackend::kZlib));
  auto c = Compress(Codec::kGzip, "second line\n", WithBackend(GzipBackend::kLibdeflate));
  ASSERT_TRUE(a && b && c);
  auto joined = Decompress(Codec::kGzip, *a + *b + *c);
  ASSERT_TRUE(joined.has_value()) << joined.error().ToString();
  EXPECT_EQ(*joined, "first line\nsecond line\n");
}

TEST(GzipTest, RejectsTrailingGarbageAndEmptyInput) {
  auto gz = Compress(Codec::kGzip, "payload");
  ASSERT_TRUE(gz.has_value());
  auto garbage = Decompress(Codec::kGzip, *gz + "not gzip");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code(), Error::Code::kCorruption);
  EXPECT_NE(garbage.error().message().find(std::to_string(gz->size())), std::string::npos)
      << garbage.error().message();
  auto empty = Decompress(Codec::kGzip, "");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), Error::Code::kCorruption);
}

TEST(GzipTest, RejectsLevelsOutsideTheEngineRange) {
  const std::pair<GzipBackend, int> cases[] = {{GzipBackend::kIsal, 4},
                                               {GzipBackend::kIsal, -1},
                                               {GzipBackend::kLibdeflate, 13},
                                               {GzipBackend::kZlib, 10}};
  for (auto [backend, level] : cases) {
    CompressorOptions options = WithBackend(backend);
    options.level = level;
    auto compressor = NewCompressor(
        Codec::kGzip, [](std::string_view) { return Ok(); }, options);
    ASSERT_FALSE(compressor.has_value()) << level;
    EXPECT_EQ(compressor.error().code(), Error::Code::kInvalidArgument);
  }
  CompressorOptions zstd_options;
  zstd_options.level = 1000;
  auto zstd = NewCompressor(
      Codec::kZstd, [](std::string_view) { return Ok(); }, zstd_options);
  ASSERT_FALSE(zstd.has_value());
  EXPECT_EQ(zstd.error().code(), Error::Code::kInvalidArgument);
}

TEST(GzipTest, HigherLevelsWork) {
  const std::string input = VehicleJsonLines(300000, 14);
  const std::pair<GzipBackend, int> cases[] = {{GzipBackend::kIsal, 0},
                                               {GzipBackend::kIsal, 3},
                                               {GzipBackend::kLibdeflate, 6},
                                               {GzipBackend::kZlib, 9}};
  for (auto [backend, level] : cases) {
    CompressorOptions options = WithBackend(backend);
    options.level = level;
    auto gz = Compress(Codec::kGzip, input, options);
    ASSERT_TRUE(gz.has_value()) << gz.error().ToString();
    auto back = Decompress(Codec::kGzip, *gz);
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_TRUE(*back == input);
  }
}

TEST(ZipTest, ArchiveLayoutIsStandard) {
  const std::string input = VehicleJsonLines(700000, 15);
  CompressorOptions options;
  options.zip_entry_name = "records.json";
  auto zip = Compress(Codec::kZip, input, options);
  ASSERT_TRUE(zip.has_value());
  const std::string_view z = *zip;
  const size_t name_size = options.zip_entry_name.size();

  // Local file header: bit 3 set, deflate, fixed DOS time, CRC and sizes deferred.
  ASSERT_EQ(Le32(z, 0), 0x04034b50u);
  EXPECT_EQ(Le16(z, 4), 20);
  EXPECT_EQ(Le16(z, 6), 0x0008);
  EXPECT_EQ(Le16(z, 8), 8);
  EXPECT_EQ(Le16(z, 10), 0);       // 00:00:00
  EXPECT_EQ(Le16(z, 12), 0x0021);  // 1980-01-01
  EXPECT_EQ(Le32(z, 14), 0u);
  EXPECT_EQ(Le32(z, 18), 0u);
  EXPECT_EQ(Le32(z, 22), 0u);
  EXPECT_EQ(Le16(z, 26), name_size);
  EXPECT_EQ(Le16(z, 28), 0);
  EXPECT_EQ(z.substr(30, name_size), "records.json");

  // End of central directory, then the central directory it points to.
  const size_t eocd = z.size() - 22;
  ASSERT_EQ(Le32(z, eocd), 0x06054b50u);
  EXPECT_EQ(Le16(z, eocd + 8), 1);
  EXPECT_EQ(Le16(z, eocd + 10), 1);
  const uint32_t central_size = Le32(z, eocd + 12);
  const uint32_t central = Le32(z, eocd + 16);
  EXPECT_EQ(central_size, 46 + name_size);
  EXPECT_EQ(central + central_size, eocd);
  ASSERT_EQ(Le32(z, central), 0x02014b50u);
  EXPECT_EQ(Le16(z, central + 8), 0x0008);
  EXPECT_EQ(Le16(z, central + 10), 8);
  EXPECT_EQ(Le32(z, central + 16), ZlibCrc32(input));
  const uint32_t compressed_size = Le32(z, central + 20);
  EXPECT_EQ(Le32(z, central + 24), input.size());
  EXPECT_EQ(Le32(z, central + 42), 0u);  // local header offset
  EXPECT_EQ(z.substr(central + 46, name_size), "records.json");

  // Data descriptor right after the compressed data, just before the central directory.
  const size_t descriptor = 30 + name_size + compressed_size;
  EXPECT_EQ(descriptor + 16, central);
  EXPECT_EQ(Le32(z, descriptor), 0x08074b50u);
  EXPECT_EQ(Le32(z, descriptor + 4), ZlibCrc32(input));
  EXPECT_EQ(Le32(z, descriptor + 8), compressed_size);
  EXPECT_EQ(Le32(z, descriptor + 12), input.size());

  // The entry data is a raw deflate stream that zlib inflates back to the input.
  std::string inflated(input.size(), '\0');
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, -MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data() + 30 + name_size));
  zs.avail_in = compressed_size;
  zs.next_out = reinterpret_cast<Bytef*>(inflated.data());
  zs.avail_out = static_cast<uInt>(inflated.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(zs.avail_in, 0u);
  inflateEnd(&zs);
  EXPECT_TRUE(inflated == input);
}

TEST(ZipTest, LibdeflateBackendDeflatesWithIsal) {
  const std::string input = VehicleJsonLines(100000, 19);
  auto with_libdeflate = Compress(Codec::kZip, input, WithBackend(GzipBackend::kLibdeflate));
  auto with_isal = Compress(Codec::kZip, input, WithBackend(GzipBackend::kIsal));
  ASSERT_TRUE(with_libdeflate && with_isal);
  EXPECT_TRUE(*with_libdeflate == *with_isal);
}

TEST(ZipTest, NonAsciiEntryNameSetsTheUtf8Flag) {
  CompressorOptions options;
  options.zip_entry_name = "v\xc3\xa9hicules.json";
  auto zip = Compress(Codec::kZip, "{}", options);
  ASSERT_TRUE(zip.has_value());
  EXPECT_EQ(Le16(*zip, 6), 0x0808);
}

TEST(ZipTest, RejectsEmptyEntryName) {
  CompressorOptions options;
  options.zip_entry_name = "";
  auto compressor = NewCompressor(
      Codec::kZip, [](std::string_view) { return Ok(); }, options);
  ASSERT_FALSE(compressor.has_value());
  EXPECT_EQ(compressor.error().code(), Error::Code::kInvalidArgument);
}

// Archives written by Python's zipfile (date_time 2020-01-02 03:04:06), as a second opinion.
constexpr char kPythonStoredZip[] =
    "\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x83\x18\x22\x50\x66\xc0\x5a\x19"
    "\x10\x00\x00\x00\x10\x00\x00\x00\x0c\x00\x00\x00\x72\x65\x63\x6f\x72\x64"
    "\x73\x2e\x6a\x73\x6f\x6e\x7b\x22\x61\x22\x3a\x31\x7d\x0a\x7b\x22\x61\x22"
    "\x3a\x32\x7d\x0a\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x83\x18"
    "\x22\x50\x66\xc0\x5a\x19\x10\x00\x00\x00\x10\x00\x00\x00\x0c\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00\x72\x65\x63\x6f"
    "\x72\x64\x73\x2e\x6a\x73\x6f\x6e\x50\x4b\x05\x06\x00\x00\x00\x00\x01\x00"
    "\x01\x00\x3a\x00\x00\x00\x3a\x00\x00\x00\x00\x00";
constexpr char kPythonDeflatedZipWithDirectory[] =
    "\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x83\x18\x22\x50\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x64\x69\x72\x2f\x50\x4b"
    "\x03\x04\x14\x00\x00\x00\x08\x00\x83\x18\x22\x50\x79\xcb\x97\x1f\x1a\x00"
    "\x00\x00\x3f\x00\x00\x00\x0a\x00\x00\x00\x64\x69\x72\x2f\x78\x2e\x6a\x73"
    "\x6f\x6e\xab\x56\x2a\x4b\xcd\xc8\x4c\xce\x49\x8d\xcf\x4c\x51\xb2\x52\x0a"
    "\xd3\x35\x54\xaa\xe5\xaa\x26\x5a\x10\x00\x50\x4b\x01\x02\x14\x03\x14\x00"
    "\x00\x00\x00\x00\x83\x18\x22\x50\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00"
    "\x00\x00\x64\x69\x72\x2f\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00"
    "\x83\x18\x22\x50\x79\xcb\x97\x1f\x1a\x00\x00\x00\x3f\x00\x00\x00\x0a\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x22\x00\x00\x00\x64\x69"
    "\x72\x2f\x78\x2e\x6a\x73\x6f\x6e\x50\x4b\x05\x06\x00\x00\x00\x00\x02\x00"
    "\x02\x00\x6a\x00\x00\x00\x64\x00\x00\x00\x00\x00";
constexpr char kPythonTwoFileZip[] =
    "\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x83\x18\x22\x50\xb7\xef\xdc\x83"
    "\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x61\x31\x50\x4b\x03\x04"
    "\x14\x00\x00\x00\x00\x00\x83\x18\x22\x50\x0d\xbe\xd5\x1a\x01\x00\x00\x00"
    "\x01\x00\x00\x00\x01\x00\x00\x00\x62\x32\x50\x4b\x01\x02\x14\x03\x14\x00"
    "\x00\x00\x00\x00\x83\x18\x22\x50\xb7\xef\xdc\x83\x01\x00\x00\x00\x01\x00"
    "\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00"
    "\x00\x00\x61\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x83\x18\x22"
    "\x50\x0d\xbe\xd5\x1a\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x80\x01\x20\x00\x00\x00\x62\x50\x4b\x05\x06"
    "\x00\x00\x00\x00\x02\x00\x02\x00\x5e\x00\x00\x00\x40\x00\x00\x00\x00\x00";

TEST(ZipTest, ReadsArchivesFromOtherWriters) {
  auto stored = Decompress(Codec::kZip, Bytes(kPythonStoredZip));
  ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
  EXPECT_EQ(*stored, "{\"a\":1}\n{\"a\":2}\n");

  auto deflated = Decompress(Codec::kZip, Bytes(kPythonDeflatedZipWithDirectory));
  ASSERT_TRUE(deflated.has_value()) << deflated.error().ToString();
  EXPECT_EQ(*deflated,
            "{\"vehicle_id\":\"V-1\"}\n{\"vehicle_id\":\"V-1\"}\n{\"vehicle_id\":\"V-1\"}\n");
}

TEST(ZipTest, RejectsArchivesWithSeveralFiles) {
  auto result = Decompress(Codec::kZip, Bytes(kPythonTwoFileZip));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Error::Code::kInvalidArgument);
}

TEST(ZipTest, DetectsStoredDataWithAWrongCrc) {
  std::string archive(Bytes(kPythonStoredZip));
  archive[30 + 12 + 3] ^= 0x01;  // a byte of the stored entry data
  auto result = Decompress(Codec::kZip, archive);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Error::Code::kCorruption);
  EXPECT_NE(result.error().message().find("CRC-32"), std::string::npos);
}

std::string FramingChunk(uint8_t type, std::string_view body) {
  std::string chunk(1, static_cast<char>(type));
  chunk.push_back(static_cast<char>(body.size()));
  chunk.push_back(static_cast<char>(body.size() >> 8));
  chunk.push_back(static_cast<char>(body.size() >> 16));
  return chunk + std::string(body);
}

std::string Le32Bytes(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

constexpr std::string_view kSnappyStreamIdentifier("\xff\x06\x00\x00sNaPpY", 10);

TEST(SnappyFramingTest, ChunksFollowTheFramingFormat) {
  const std::string json = VehicleJsonLines(200000, 16);
  const std::string random = RandomBytes(70000, 16);
  auto framed = Compress(Codec::kSnappy, json + random);
  ASSERT_TRUE(framed.has_value());
  const std::string input = json + random;
  ASSERT_TRUE(framed->starts_with(kSnappyStreamIdentifier));
  size_t pos = kSnappyStreamIdentifier.size();
  size_t covered = 0;
  int stored_chunks = 0;
  while (pos < framed->size()) {
    const uint8_t type = static_cast<uint8_t>((*framed)[pos]);
    const uint32_t size = Le32(*framed, pos) >> 8;
    const std::string_view body = std::string_view(*framed).substr(pos + 4, size);
    std::string data;
    if (type == 0x00) {
      ASSERT_TRUE(snappy::Uncompress(body.data() + 4, body.size() - 4, &data));
    } else {
      ASSERT_EQ(type, 0x01);
      data = body.substr(4);
      ++stored_chunks;
    }
    EXPECT_LE(data.size(), 65536u);
    EXPECT_EQ(data, input.substr(covered, data.size()));
    EXPECT_EQ(Le32(body, 0), MaskedCrc32c(data));
    covered += data.size();
    pos += 4 + size;
  }
  EXPECT_EQ(covered, input.size());
  EXPECT_GE(stored_chunks, 1);  // random bytes do not compress, so they are stored
}

TEST(SnappyFramingTest, DecodesAHandBuiltStream) {
  // A raw snappy block by hand: varint length 5, then a literal tag ((5 - 1) << 2) and the bytes.
  const std::string hello_block = std::string("\x05\x10", 2) + "hello";
  const std::string stream = std::string(kSnappyStreamIdentifier) +
                             FramingChunk(0x80, "skippable") + FramingChunk(0xfe, "pad") +
                             FramingChunk(0x00, Le32Bytes(MaskedCrc32c("hello")) + hello_block) +
                             FramingChunk(0x01, Le32Bytes(MaskedCrc32c(" world")) + " world") +
                             std::string(kSnappyStreamIdentifier);
  auto decoded = Decompress(Codec::kSnappy, stream);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, "hello world");
}

TEST(SnappyFramingTest, RejectsBadCrcReservedChunksAndMissingIdentifier) {
  const std::string id(kSnappyStreamIdentifier);
  const std::string bad_crc = id + FramingChunk(0x01, Le32Bytes(MaskedCrc32c("abc") ^ 1) + "abc");
  const std::string reserved = id + FramingChunk(0x02, "x");
  const std::string no_id = FramingChunk(0x01, Le32Bytes(MaskedCrc32c("abc")) + "abc");
  for (const std::string& stream : {bad_crc, reserved, no_id, std::string()}) {
    auto decoded = Decompress(Codec::kSnappy, stream);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error().code(), Error::Code::kCorruption) << decoded.error().ToString();
  }
}

TEST(HadoopSnappyTest, BlocksCarryBigEndianLengths) {
  const std::string input = VehicleJsonLines(150000, 17);
  auto hadoop = Compress(Codec::kHadoopSnappy, input);
  ASSERT_TRUE(hadoop.has_value());
  size_t pos = 0;
  size_t covered = 0;
  while (pos < hadoop->size()) {
    const uint32_t block_size = Be32(*hadoop, pos);
    const uint32_t chunk_size = Be32(*hadoop, pos + 4);
    EXPECT_EQ(block_size, std::min<size_t>(65536, input.size() - covered));
    std::string data;
    ASSERT_TRUE(snappy::Uncompress(hadoop->data() + pos + 8, chunk_size, &data));
    EXPECT_EQ(data, input.substr(covered, block_size));
    covered += block_size;
    pos += 8 + chunk_size;
  }
  EXPECT_EQ(covered, input.size());
  EXPECT_EQ(pos, hadoop->size());
}

std::string Be32Bytes(uint32_t v) { return Le32Bytes(__builtin_bswap32(v)); }

TEST(HadoopSnappyTest, DecodesABlockSplitIntoSeveralChunks) {
  std::string first, second;
  snappy::Compress("hadoop ", 7, &first);
  snappy::Compress("snappy", 6, &second);
  const std::string data = Be32Bytes(13) + Be32Bytes(static_cast<uint32_t>(first.size())) + first +
                           Be32Bytes(static_cast<uint32_t>(second.size())) + second;
  auto decoded = Decompress(Codec::kHadoopSnappy, data);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, "hadoop snappy");
}

TEST(HadoopSnappyTest, RejectsAChunkLargerThanItsBlock) {
  std::string chunk;
  snappy::Compress("too long", 8, &chunk);
  const std::string data = Be32Bytes(3) + Be32Bytes(static_cast<uint32_t>(chunk.size())) + chunk;
  auto decoded = Decompress(Codec::kHadoopSnappy, data);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code(), Error::Code::kCorruption);
}

TEST(ZstdTest, DecompressesConcatenatedFrames) {
  auto a = Compress(Codec::kZstd, "frame one, ");
  auto b = Compress(Codec::kZstd, "frame two");
  ASSERT_TRUE(a && b);
  auto joined = Decompress(Codec::kZstd, *a + *b);
  ASSERT_TRUE(joined.has_value()) << joined.error().ToString();
  EXPECT_EQ(*joined, "frame one, frame two");
}

TEST(DetectCodecTest, MatchesMagicBytesOnly) {
  EXPECT_EQ(DetectCodec(std::string_view("\x1f\x8b\x08", 3)), Codec::kGzip);
  EXPECT_EQ(DetectCodec("PK\x03\x04rest"), Codec::kZip);
  EXPECT_EQ(DetectCodec(kSnappyStreamIdentifier), Codec::kSnappy);
  EXPECT_EQ(DetectCodec("\x28\xb5\x2f\xfd"), Codec::kZstd);
  EXPECT_EQ(DetectCodec("{\"vehicle_id\":1}"), Codec::kNone);
  EXPECT_EQ(DetectCodec(""), Codec::kNone);
  EXPECT_EQ(DetectCodec("\x1f"), Codec::kNone);
  EXPECT_EQ(DetectCodec("PK\x05\x06"), Codec::kNone);  // an empty zip has no local header
  EXPECT_EQ(DetectCodec(kSnappyStreamIdentifier.substr(0, 9)), Codec::kNone);
}

TEST(CodecNameTest, NamesEveryCodec) {
  EXPECT_EQ(CodecName(Codec::kNone), "none");
  EXPECT_EQ(CodecName(Codec::kGzip), "gzip");
  EXPECT_EQ(CodecName(Codec::kZip), "zip");
  EXPECT_EQ(CodecName(Codec::kSnappy), "snappy");
  EXPECT_EQ(CodecName(Codec::kHadoopSnappy), "hadoop_snappy");
  EXPECT_EQ(CodecName(Codec::kZstd), "zstd");
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  // RFC 3720 B.4.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32cTest, ExtendsPiecewise) {
  const std::string data = RandomBytes(100000, 18);
  const uint32_t whole = Crc32c(data);
  for (size_t split : {size_t{0}, size_t{1}, size_t{4095}, size_t{50000}, data.size()}) {
    const std::string_view view(data);
    EXPECT_EQ(Crc32c(view.substr(split), Crc32c(view.substr(0, split))), whole) << split;
  }
}

TEST(Crc32cTest, MaskedFormRotatesAndAddsTheSnappyConstant) {
  EXPECT_EQ(MaskedCrc32c("123456789"), 0xC78AB0E5u);
}

}  // namespace
}  // namespace lakebox
