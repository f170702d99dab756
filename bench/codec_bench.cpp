// Throughput of the byte codecs on the ingest path: whole-object compression of vehicle JSON lines
// (every codec and gzip backend), gzip decompression (the crawler), base64 decoding of
// PutRecordBatch bodies and CRC-32C (WAL, snappy framing).
//
// Run a Release build: build/<dir>/codec_bench. Compression ratios appear as the `ratio` counter
// (input bytes / output bytes).

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "common/base64.h"
#include "common/compression.h"
#include "common/crc32c.h"

namespace lakebox {
namespace {

// Readings from a fleet driving around a few cities, shaped like DESIGN.md's sample record
// (~350 bytes each): ids repeat, positions drift, values vary.
std::vector<std::string> VehicleRecords(size_t total_bytes) {
  struct City {
    double latitude, longitude, altitude;
  };
  static constexpr City kCities[] = {
      {-23.55, -46.63, 760}, {-22.91, -43.17, 10}, {-19.92, -43.94, 850}};
  static constexpr const char* kVendors[] = {"volvo", "scania", "mercedes", "man", "iveco"};
  static constexpr const char* kModels[] = {"FH16", "R450", "Actros", "TGX", "S-Way"};
  static constexpr const char* kAlerts[] = {"TIRE_PRESSURE", "ENGINE_TEMP", "LOW_FUEL",
                                            "DOOR_OPEN"};
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  struct Vehicle {
    double latitude, longitude, altitude, heading, odometer;
  };
  std::vector<Vehicle> fleet(1000);
  for (size_t i = 0; i < fleet.size(); ++i) {
    const City& city = kCities[i % 3];
    fleet[i] = {city.latitude + unit(rng) * 0.2 - 0.1, city.longitude + unit(rng) * 0.2 - 0.1,
                city.altitude + unit(rng) * 50, unit(rng) * 360, 10000 + unit(rng) * 500000};
  }
  std::vector<std::string> records;
  size_t bytes = 0;
  for (uint64_t n = 0; bytes < total_bytes; ++n) {
    const size_t id = rng() % fleet.size();
    Vehicle& v = fleet[id];
    const double speed = unit(rng) * 110;
    v.heading = std::fmod(v.heading + unit(rng) * 30 - 15 + 360, 360);
    v.latitude += std::cos(v.heading * std::numbers::pi / 180) * speed * 1e-5;
    v.longitude += std::sin(v.heading * std::numbers::pi / 180) * speed * 1e-5;
    v.odometer += speed / 360;
    const uint64_t ms = 1795990612123 + n * 37;  // 2026-11-25T...
    std::string alerts;
    if (rng() % 4 == 0) {
      alerts = fmt::format(R"({{"code":"{}","severity":{}}})", kAlerts[rng() % 4], 1 + rng() % 3);
    }
    std::string record = fmt::format(
        R"({{"vehicle_id":"V-{:05d}","vendor":"{}","model":"{}","event_time":"2026-11-25T{:02d}:{:02d}:{:02d}.{:03d}Z",)"
        R"("vehicle_status":{{"speed_kmh":{:.1f},"engine_temp_c":{:.1f},"fuel_level":{:.2f},"odometer_km":{},"doors_locked":{}}},)"
        R"("gps_info":{{"latitude":{:.6f},"longitude":{:.6f},"altitude_m":{:.1f},"heading":{:.1f}}},)"
        R"("alerts":[{}]}})"
        "\n",
        id, kVendors[id % 5], kModels[id % 5], ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60,
        ms % 1000, speed, 80 + unit(rng) * 20, unit(rng), static_cast<uint64_t>(v.odometer),
        speed > 1 ? "true" : "false", v.latitude, v.longitude, v.altitude + unit(rng), v.heading,
        alerts);
    bytes += record.size();
    records.push_back(std::move(record));
  }
  return records;
}

const std::string& Corpus() {
  static const std::string corpus = [] {
    std::string all;
    for (const std::string& r : VehicleRecords(64 * 1024 * 1024)) all += r;
    return all;
  }();
  return corpus;
}

void RunCompression(benchmark::State& state, Codec codec, GzipBackend backend, size_t write_size) {
  const std::string& input = Corpus();
  CompressorOptions options;
  options.gzip_backend = backend;
  size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    auto compressor = NewCompressor(
        codec,
        [&](std::string_view bytes) {
          compressed += bytes.size();
          return Ok();
        },
        options);
    if (!compressor) {
      state.SkipWithError(compressor.error().ToString().c_str());
      return;
    }
    for (size_t pos = 0; pos < input.size(); pos += write_size) {
      if (!(*compressor)->Write(std::string_view(input).substr(pos, write_size))) {
        state.SkipWithError("Write failed");
        return;
      }
    }
    if (!(*compressor)->Finish()) {
      state.SkipWithError("Finish failed");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["ratio"] = static_cast<double>(input.size()) / static_cast<double>(compressed);
}

constexpr size_t kMiB = 1024 * 1024;

void BM_GzipIsal(benchmark::State& state) {
  RunCompression(state, Codec::kGzip, GzipBackend::kIsal, kMiB);
}
void BM_GzipLibdeflate(benchmark::State& state) {
  RunCompression(state, Codec::kGzip, GzipBackend::kLibdeflate, kMiB);
}
void BM_GzipZlib(benchmark::State& state) {
  RunCompression(state, Codec::kGzip, GzipBackend::kZlib, kMiB);
}
void BM_ZipIsal(benchmark::State& state) {
  RunCompression(state, Codec::kZip, GzipBackend::kIsal, kMiB);
}
void BM_Zstd(benchmark::State& state) {
  RunCompression(state, Codec::kZstd, GzipBackend::kIsal, kMiB);
}
void BM_SnappyFraming(benchmark::State& state) {
  RunCompression(state, Codec::kSnappy, GzipBackend::kIsal, kMiB);
}
void BM_HadoopSnappy(benchmark::State& state) {
  RunCompression(state, Codec::kHadoopSnappy, GzipBackend::kIsal, kMiB);
}
// Ingest appends one record at a time; this shows what per-record Write calls cost.
void BM_GzipIsalRecordWrites(benchmark::State& state) {
  RunCompression(state, Codec::kGzip, GzipBackend::kIsal, 350);
}

BENCHMARK(BM_GzipIsal)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GzipLibdeflate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GzipZlib)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZipIsal)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Zstd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnappyFraming)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HadoopSnappy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GzipIsalRecordWrites)->Unit(benchmark::kMillisecond);

// Bytes processed = decompressed bytes.
void BM_GunzipZlib(benchmark::State& state) {
  const std::string& input = Corpus();
  std::string gz;
  auto compressor = NewCompressor(Codec::kGzip, [&](std::string_view b) {
    gz.append(b);
    return Ok();
  });
  if (!compressor || !(*compressor)->Write(input) || !(*compressor)->Finish()) {
    state.SkipWithError("compression failed");
    return;
  }
  for (auto _ : state) {
    auto out = Decompress(Codec::kGzip, gz);
    if (!out || out->size() != input.size()) {
      state.SkipWithError("decompression failed");
      return;
    }
    benchmark::DoNotOptimize(out->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_GunzipZlib)->Unit(benchmark::kMillisecond);

// A PutRecordBatch body's worth: 500 base64 records (~240 KB of text), decoded into one buffer
// the way ingest does. Bytes processed = base64 text bytes.
void BM_Base64DecodeBatch(benchmark::State& state) {
  const std::vector<std::string> records = VehicleRecords(500 * 350);
  std::vector<std::string> encoded;
  size_t text_bytes = 0;
  for (size_t i = 0; i < 500 && i < records.size(); ++i) {
    encoded.push_back(Base64Encode(records[i]));
    text_bytes += encoded.back().size();
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const std::string& text : encoded) {
      if (!Base64DecodeAppend(text, &out)) {
        state.SkipWithError("decode failed");
        return;
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text_bytes));
}
BENCHMARK(BM_Base64DecodeBatch);

// One large text, to see the loop without per-record overhead.
void BM_Base64DecodeLarge(benchmark::State& state) {
  const std::string text = Base64Encode(std::string_view(Corpus()).substr(0, 8 * kMiB));
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!Base64DecodeAppend(text, &out)) {
      state.SkipWithError("decode failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Base64DecodeLarge);

void BM_Base64Encode(benchmark::State& state) {
  const std::string_view data = std::string_view(Corpus()).substr(0, 8 * kMiB);
  for (auto _ : state) benchmark::DoNotOptimize(Base64Encode(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Base64Encode);

// Argument: buffer size (a WAL record batch is tens to hundreds of KB).
void BM_Crc32c(benchmark::State& state) {
  const std::string_view data =
      std::string_view(Corpus()).substr(0, static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Crc32c)->Arg(4096)->Arg(256 * 1024)->Arg(64 * 1024 * 1024);

}  // namespace
}  // namespace lakebox

BENCHMARK_MAIN();
