// make_crawler_lake: writes the lake the crawler benchmark (bench/crawler/run.sh) crawls, straight
// onto disk as Firehose would have delivered it: gzip NDJSON objects of lakebox's own vehicle
// records under Hive partition folders of one bucket directory.
//
//   <bucket-dir>/<prefix>part=NNN/obj-NNNNNN.json.gz
//
// --objects objects spread round-robin over --partitions folders (0: no partition folders), each
// holding --records records, or, with --bytes, records adding up to about that many JSON bytes
// over all objects (for a few large objects). Records come from VehicleGenerator with a fixed seed
// and event times, so a data set is the same on every run. Compression is gzip through lakebox's
// own compressor (ISA-L, level 1, as lakebox delivers).
//
// Prints one line of totals, tab-separated: objects, records, json_bytes, stored_bytes.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/compression.h"
#include "producer/vehicle_generator.h"

namespace {

namespace fs = std::filesystem;

struct Options {
  fs::path bucket_dir;
  std::string prefix = "small/";
  int64_t objects = 10'000;
  int partitions = 100;
  int64_t records = 5;
  int64_t bytes = 0;  // > 0: total JSON bytes instead of --records per object
  uint64_t seed = 7;
  int64_t start_ms = 1'764'028'800'000;  // 2025-11-25T00:00:00Z
};

int Fail(const std::string& message) {
  fmt::print(stderr, "make_crawler_lake: {}\n", message);
  return 1;
}

int Run(const Options& opt) {
  if (!opt.prefix.empty() && opt.prefix.back() != '/') return Fail("--prefix must end in '/'");
  lakebox::producer::VehicleGenerator generator(lakebox::producer::VehicleGenerator::kDefaultVehicles, opt.seed);
  int64_t bytes_per_object = opt.bytes > 0 ? opt.bytes / opt.objects : 0;
  int64_t total_records = 0;
  int64_t json_bytes = 0;
  int64_t stored_bytes = 0;
  int64_t now_ms = opt.start_ms;
  std::string json;
  std::string compressed;
  for (int64_t i = 0; i < opt.objects; ++i) {
    fs::path dir = opt.bucket_dir / opt.prefix;
    if (opt.partitions > 0) dir /= fmt::format("part={:03d}", i % opt.partitions);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Fail(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

    json.clear();
    int64_t records = 0;
    while (bytes_per_object > 0 ? static_cast<int64_t>(json.size()) < bytes_per_object : records < opt.records) {
      json += generator.Next(now_ms);
      now_ms += 10;
      ++records;
    }
    compressed.clear();
    auto compressor = lakebox::NewCompressor(lakebox::Codec::kGzip, [&](std::string_view out) {
      compressed.append(out);
      return lakebox::Ok();
    });
    if (!compressor) return Fail(compressor.error().ToString());
    if (auto s = (*compressor)->Write(json); !s) return Fail(s.error().ToString());
    if (auto s = (*compressor)->Finish(); !s) return Fail(s.error().ToString());

    fs::path path = dir / fmt::format("obj-{:06d}.json.gz", i);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
    out.close();
    if (!out) return Fail(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    total_records += records;
    json_bytes += static_cast<int64_t>(json.size());
    stored_bytes += static_cast<int64_t>(compressed.size());
  }
  fmt::print("{}\t{}\t{}\t{}\n", opt.objects, total_records, json_bytes, stored_bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Writes gzip NDJSON vehicle objects under Hive partition folders, for the crawler benchmark."};
  app.add_option("--bucket-dir", opt.bucket_dir, "The bucket's directory (<data-dir>/s3/<bucket>)")->required();
  app.add_option("--prefix", opt.prefix, "Folder under the bucket, ending in '/'")->capture_default_str();
  app.add_option("--objects", opt.objects, "Number of objects")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--partitions", opt.partitions, "Partition folders part=NNN (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--records", opt.records, "Records per object")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--bytes", opt.bytes, "Total JSON bytes over all objects (replaces --records)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", opt.seed, "Seed of the vehicle generator")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return Run(opt);
}
