// make_ingest_bodies: writes the request bodies of the ingest benchmark (bench/ingest/run.sh) ahead
// of time, so the load generator only replays bytes and does not compete with the server for CPU.
//
// From N records of lakebox's own vehicle generator it writes, into --out-dir:
//   firehose-<B>/NNNNNN.json    PutRecordBatch bodies of B records each (base64 Data), for lakebox
//   ndjson-<B>/NNNNNN.ndjson    the same records as NDJSON, one file per batch of B, for the peers
//                               (ClickHouse HTTP INSERT ... FORMAT JSONEachRow, PostgreSQL COPY)
//   <set>/index.tsv             one line per file: path, records, payload bytes, file bytes
//   manifest.tsv                totals: records, payload bytes, mean record bytes, seed
// "Payload" is always the decoded record bytes (what a consumer gets back), the unit of MB/s.
// Every set holds the same records in the same order; a batch size that does not divide N is an
// error, so every request of a set carries exactly B records.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "producer/vehicle_generator.h"

namespace {

namespace fs = std::filesystem;

constexpr int kMaxFirehoseBatch = 500;

struct Options {
  int64_t records = 100'000;
  fs::path out_dir = "bench-ingest-data";
  uint64_t seed = 42;
  int vehicles = lakebox::producer::VehicleGenerator::kDefaultVehicles;
  int64_t start_ms = 1'764'028'800'000;  // 2025-11-25T00:00:00Z: fixed, so runs are reproducible
  int64_t step_ms = 10;                  // event_time advance per record (fleet-wide)
  std::string stream = "bench";
  int firehose_batch = 500;
  std::vector<int> peer_batches = {500, 10'000};
};

// One set of files (one file per batch) plus its index.
class BatchSetWriter {
 public:
  BatchSetWriter(fs::path dir, std::string extension) : dir_(std::move(dir)), ext_(std::move(extension)) {}

  bool Open(std::string* error) {
    std::error_code ec;
    fs::remove_all(dir_, ec);  // stale files from a run with another N would be replayed too
    fs::create_directories(dir_, ec);
    if (ec) {
      *error = fmt::format("cannot create {}: {}", dir_.string(), ec.message());
      return false;
    }
    index_.open(dir_ / "index.tsv", std::ios::binary | std::ios::trunc);
    if (!index_) {
      *error = fmt::format("cannot write {}: {}", (dir_ / "index.tsv").string(), std::strerror(errno));
      return false;
    }
    return true;
  }

  bool Write(std::string_view contents, int64_t records, uint64_t payload_bytes, std::string* error) {
    fs::path path = dir_ / fmt::format("{:06d}{}", files_, ext_);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) {
      *error = fmt::format("cannot write {}: {}", path.string(), std::strerror(errno));
      return false;
    }
    index_ << fs::absolute(path).string() << '\t' << records << '\t' << payload_bytes << '\t'
           << contents.size() << '\n';
    ++files_;
    return true;
  }

  bool Close(std::string* error) {
    index_.close();
    if (!index_) {
      *error = fmt::format("cannot write {}", (dir_ / "index.tsv").string());
      return false;
    }
    return true;
  }

  int64_t files() const { return files_; }

 private:
  fs::path dir_;
  std::string ext_;
  std::ofstream index_;
  int64_t files_ = 0;
};

int Run(const Options& opt) {
  std::string error;
  std::set<int> sizes(opt.peer_batches.begin(), opt.peer_batches.end());
  sizes.insert(opt.firehose_batch);
  for (int b : sizes) {
    if (opt.records % b != 0) {
      fmt::print(stderr, "make_ingest_bodies: --records {} is not a multiple of batch size {}\n", opt.records, b);
      return 2;
    }
  }

  BatchSetWriter firehose(opt.out_dir / fmt::format("firehose-{}", opt.firehose_batch), ".json");
  std::vector<BatchSetWriter> peers;
  for (int b : opt.peer_batches) peers.emplace_back(opt.out_dir / fmt::format("ndjson-{}", b), ".ndjson");
  if (!firehose.Open(&error)) {
    fmt::print(stderr, "make_ingest_bodies: {}\n", error);
    return 1;
  }
  for (auto& p : peers) {
    if (!p.Open(&error)) {
      fmt::print(stderr, "make_ingest_bodies: {}\n", error);
      return 1;
    }
  }

  // Open batches: the Firehose body being built, and one NDJSON buffer per peer batch size.
  const std::string stream_json = nlohmann::json(opt.stream).dump();
  std::string body;
  int64_t body_records = 0;
  uint64_t body_payload = 0;
  std::vector<std::string> ndjson(peers.size());

  auto start_body = [&] {
    body.clear();
    body += R"({"DeliveryStreamName":)";
    body += stream_json;
    body += R"(,"Records":[)";
    body_records = 0;
    body_payload = 0;
  };
  start_body();

  lakebox::producer::VehicleGenerator generator(opt.vehicles, opt.seed);
  uint64_t total_payload = 0;
  size_t min_record = SIZE_MAX;
  size_t max_record = 0;
  for (int64_t i = 0; i < opt.records; ++i) {
    std::string record = generator.Next(opt.start_ms + i * opt.step_ms);
    total_payload += record.size();
    min_record = std::min(min_record, record.size());
    max_record = std::max(max_record, record.size());

    if (body_records > 0) body += ',';
    body += R"({"Data":")";
    body += lakebox::Base64Encode(record);
    body += R"("})";
    ++body_records;
    body_payload += record.size();
    if (body_records == opt.firehose_batch) {
      body += "]}";
      if (!firehose.Write(body, body_records, body_payload, &error)) {
        fmt::print(stderr, "make_ingest_bodies: {}\n", error);
        return 1;
      }
      start_body();
    }

    for (size_t p = 0; p < peers.size(); ++p) {
      ndjson[p] += record;
      if ((i + 1) % opt.peer_batches[p] == 0) {
        if (!peers[p].Write(ndjson[p], opt.peer_batches[p], ndjson[p].size(), &error)) {
          fmt::print(stderr, "make_ingest_bodies: {}\n", error);
          return 1;
        }
        ndjson[p].clear();
      }
    }
  }

  bool closed = firehose.Close(&error);
  for (auto& p : peers) closed = closed && p.Close(&error);
  if (!closed) {
    fmt::print(stderr, "make_ingest_bodies: {}\n", error);
    return 1;
  }

  double mean = static_cast<double>(total_payload) / static_cast<double>(opt.records);
  fs::path manifest_path = opt.out_dir / "manifest.tsv";
  std::ofstream manifest(manifest_path, std::ios::binary | std::ios::trunc);
  manifest << "records\t" << opt.records << '\n'
           << "payload_bytes\t" << total_payload << '\n'
           << "mean_record_bytes\t" << fmt::format("{:.3f}", mean) << '\n'
           << "min_record_bytes\t" << min_record << '\n'
           << "max_record_bytes\t" << max_record << '\n'
           << "seed\t" << opt.seed << '\n'
           << "vehicles\t" << opt.vehicles << '\n'
           << "stream\t" << opt.stream << '\n'
           << "firehose_batch\t" << opt.firehose_batch << '\n';
  manifest.close();
  if (!manifest) {
    fmt::print(stderr, "make_ingest_bodies: cannot write {}\n", manifest_path.string());
    return 1;
  }

  fmt::print("{} records, {} payload bytes (mean {:.1f}, min {}, max {}) -> {}\n", opt.records, total_payload,
             mean, min_record, max_record, opt.out_dir.string());
  fmt::print("  firehose-{}: {} PutRecordBatch bodies\n", opt.firehose_batch, firehose.files());
  for (size_t p = 0; p < peers.size(); ++p) {
    fmt::print("  ndjson-{}: {} files\n", opt.peer_batches[p], peers[p].files());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{
      "Writes the pre-built request bodies of the ingest benchmark: PutRecordBatch JSON bodies for lakebox\n"
      "and the same vehicle records as per-batch NDJSON files for ClickHouse and PostgreSQL."};
  app.add_option("-n,--records", opt.records, "Number of vehicle records (a multiple of every batch size)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-o,--out-dir", opt.out_dir, "Directory to write into (its sets are replaced)")
      ->capture_default_str();
  app.add_option("--seed", opt.seed, "Seed of the vehicle generator")->capture_default_str();
  app.add_option("--vehicles", opt.vehicles, "Fleet size")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--start-ms", opt.start_ms, "event_time of the first record (Unix epoch ms)")
      ->capture_default_str();
  app.add_option("--step-ms", opt.step_ms, "event_time advance per record")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--stream", opt.stream, "DeliveryStreamName written into the bodies")->capture_default_str();
  app.add_option("--firehose-batch", opt.firehose_batch, "Records per PutRecordBatch body (1-500)")
      ->check(CLI::Range(1, kMaxFirehoseBatch))
      ->capture_default_str();
  app.add_option("--peer-batches", opt.peer_batches, "Records per NDJSON file, one set per size")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return Run(opt);
}
