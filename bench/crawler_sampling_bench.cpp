// Throughput of the crawler's per-object work: catalog::SampleObject (read a bounded sample,
// decompress it, classify it, infer the schema) on vehicle records from lakebox's own generator
// (producer::VehicleGenerator), stored in a LocalObjectStore in a temporary folder (so reads come
// from the page cache, as on a warm crawl).
//
// Objects: plain NDJSON and gzip NDJSON (as Firehose delivers it), each 1 MiB (sampled whole,
// like the objects of a small-buffer stream) and 64 MiB (of which the first 1 MiB is sampled).
// bytes_per_second counts decompressed JSON parsed (the sample's size), the goal being at least
// 300 MB/s on one core; `stored_MBps` counts bytes read from the store.
//
// Run a Release build: build/<dir>/crawler_sampling_bench.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "catalog/classifier.h"
#include "common/compression.h"
#include "producer/vehicle_generator.h"
#include "storage/local_object_store.h"

namespace lakebox {
namespace {

namespace fs = std::filesystem;

// Readings of a 200-truck fleet, one per 50 ms: as many as fit in `bytes` of NDJSON.
std::string VehicleNdjson(size_t bytes) {
  producer::VehicleGenerator generator(producer::VehicleGenerator::kDefaultVehicles, 2026);
  std::string out;
  out.reserve(bytes);
  for (int64_t now_ms = 1795990612123;; now_ms += 50) {
    const std::string record = generator.Next(now_ms);
    if (out.size() + record.size() > bytes) return out;
    out += record;
  }
}

std::string Gzip(std::string_view data) {
  std::string out;
  auto compressor = NewCompressor(Codec::kGzip, [&](std::string_view piece) {
    out.append(piece);
    return Ok();
  });
  if (!compressor || !(*compressor)->Write(data) || !(*compressor)->Finish()) std::abort();
  return out;
}

// The objects, written once into a store under a temporary folder removed at exit.
class Lake {
 public:
  static Lake& Get() {
    static Lake lake;
    return lake;
  }

  storage::ObjectStore& store() { return *store_; }
  const storage::ObjectInfo& object(const std::string& key) { return objects_.at(key); }
  // The object's size decompressed.
  size_t json_size(const std::string& key) { return json_sizes_.at(key); }

 private:
  Lake() {
    std::string pattern = (fs::temp_directory_path() / "lakebox-sampling-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    if (!store || !(*store)->EnsureBucket("lake")) std::abort();
    store_ = std::move(*store);
    for (size_t mib : {1, 64}) {
      const std::string ndjson = VehicleNdjson(mib << 20);
      Add(fmt::format("ndjson-{}m", mib), ndjson, ndjson.size());
      Add(fmt::format("gzip-{}m", mib), Gzip(ndjson), ndjson.size());
    }
  }
  ~Lake() { fs::remove_all(dir_); }

  void Add(const std::string& key, std::string_view data, size_t json_size) {
    json_sizes_[key] = json_size;
    if (!store_->Put("lake", key, data)) std::abort();
    auto info = store_->Head("lake", key);
    if (!info) std::abort();
    objects_[key] = *info;
  }

  fs::path dir_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::map<std::string, storage::ObjectInfo> objects_;
  std::map<std::string, size_t> json_sizes_;
};

void SampleBench(benchmark::State& state, const std::string& key, int max_records) {
  Lake& lake = Lake::Get();
  const storage::ObjectInfo& object = lake.object(key);
  catalog::SampleOptions options;
  options.max_records = max_records;
  // The decoded sample: max_sample_bytes, or the whole object when smaller.
  const int64_t sample_bytes =
      static_cast<int64_t>(std::min(lake.json_size(key), options.max_sample_bytes));
  int64_t parsed = 0;
  int64_t stored = 0;
  for (auto _ : state) {
    auto sample = catalog::SampleObject(lake.store(), "lake", object, options);
    if (!sample || sample->classification != "json") {
      state.SkipWithError(sample ? "not classified as json" : sample.error().ToString().c_str());
      return;
    }
    parsed += sample_bytes;
    stored += sample->bytes_read;
    benchmark::DoNotOptimize(sample->schema);
  }
  state.SetBytesProcessed(parsed);
  state.counters["stored_MBps"] =
      benchmark::Counter(static_cast<double>(stored) / 1e6, benchmark::Counter::kIsRate);
}

void BM_SampleNdjson1MiB(benchmark::State& state) { SampleBench(state, "ndjson-1m", 1000); }
void BM_SampleNdjson1MiBEveryRecord(benchmark::State& state) {
  SampleBench(state, "ndjson-1m", INT_MAX);
}
void BM_SampleNdjson64MiB(benchmark::State& state) { SampleBench(state, "ndjson-64m", 1000); }
void BM_SampleGzip1MiB(benchmark::State& state) { SampleBench(state, "gzip-1m", 1000); }
void BM_SampleGzip64MiB(benchmark::State& state) { SampleBench(state, "gzip-64m", 1000); }
void BM_SampleGzip64MiBEveryRecord(benchmark::State& state) {
  SampleBench(state, "gzip-64m", INT_MAX);
}

BENCHMARK(BM_SampleNdjson1MiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleNdjson1MiBEveryRecord)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleNdjson64MiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleGzip1MiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleGzip64MiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SampleGzip64MiBEveryRecord)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lakebox

BENCHMARK_MAIN();
