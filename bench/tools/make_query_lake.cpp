// make_query_lake: writes the lake the query benchmark (bench/query/run.sh) queries, straight onto
// disk under one bucket directory:
//
//  raw/   what Firehose delivers with the seed's stream (its Prefix, GZIP, a 60 s buffer): gzip
//         NDJSON objects of lakebox's own vehicle records (VehicleGenerator, fixed seed),
//           raw/year=YYYY/month=MM/day=dd/hour=HH/vehicles-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz
//         --records records with event times spread evenly over --hours hours from --start-ms;
//         one object per --object-seconds of event time (never across an hour), named by the
//         time of its first record, compressed with lakebox's own gzip (ISA-L level 1).
//  stage/ the same records flattened as the ETL job (issue 5, relationalize + partition_by
//         vendor) will write them: struct fields as top-level columns (vehicle_status_speed_kmh,
//         gps_info_latitude, ...), `alerts` replaced by a BIGINT join key, the raw partition
//         keys kept as columns, as gzip Parquet partitioned by vendor:
//           stage/vendor=<v>/part-<n>.parquet
//         Written by DuckDB directly (COPY ... TO (FORMAT parquet, COMPRESSION gzip,
//         PARTITION_BY (vendor))) from the raw objects, because the ETL job that will produce
//         it is not there yet. The alerts child table (stage_alerts/) is not written.
//
// With --clickhouse-csv FILE it also writes the stage's rows (vendor included, booleans as 0/1)
// as CSV without a header, in the column order of STAGE_COLUMNS below, for loading ClickHouse.
//
// Prints one tab-separated line per data set: set, objects, records, json_bytes, stored_bytes
// (json_bytes is 0 for the Parquet and CSV sets).
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/compression.h"
#include "common/time.h"
#include "producer/vehicle_generator.h"
#include "query/duckdb/duckdb.h"
#include "raw_lake_names.h"

namespace {

namespace fs = std::filesystem;
namespace duck = lakebox::query::duckdb;

struct Options {
  fs::path bucket_dir;
  int64_t records = 1'000'000;
  int hours = 24;
  int object_seconds = 60;  // the seed's BufferingHints IntervalInSeconds
  uint64_t seed = 7;
  int64_t start_ms = 1'764'028'800'000;  // 2025-11-25T00:00:00Z
  bool stage = true;
  fs::path clickhouse_csv;
  std::string memory_limit = "2GB";
  int threads = 0;
};

// The columns of the raw JSON, as DuckDB types: what the crawler infers from these records (its
// int is INTEGER), which the ETL job reads them with.
constexpr std::string_view kRawColumns =
    "{'vehicle_id': 'VARCHAR', 'vendor': 'VARCHAR', 'model': 'VARCHAR', 'event_time': 'VARCHAR', "
    "'vehicle_status': 'STRUCT(speed_kmh DOUBLE, engine_temp_c DOUBLE, fuel_level DOUBLE, "
    "odometer_km INTEGER, doors_locked BOOLEAN)', "
    "'gps_info': 'STRUCT(latitude DOUBLE, longitude DOUBLE, altitude_m DOUBLE, heading DOUBLE)', "
    "'alerts': 'STRUCT(code VARCHAR, severity INTEGER)[]'}";

// The flattened columns (relationalize with separator "_"), vendor included; {doors} is the
// expression of vehicle_status_doors_locked (BOOLEAN for Parquet, 0/1 for the CSV).
constexpr std::string_view kStageSelect =
    "SELECT vehicle_id, vendor, model, event_time, "
    "vehicle_status.speed_kmh AS vehicle_status_speed_kmh, "
    "vehicle_status.engine_temp_c AS vehicle_status_engine_temp_c, "
    "vehicle_status.fuel_level AS vehicle_status_fuel_level, "
    "vehicle_status.odometer_km AS vehicle_status_odometer_km, "
    "{doors} AS vehicle_status_doors_locked, "
    "gps_info.latitude AS gps_info_latitude, gps_info.longitude AS gps_info_longitude, "
    "gps_info.altitude_m AS gps_info_altitude_m, gps_info.heading AS gps_info_heading, "
    "CASE WHEN alerts IS NULL THEN NULL ELSE row_number() OVER () END::BIGINT AS alerts, "
    "year, month, day, hour "
    "FROM read_json({files}, columns={columns}, format='newline_delimited', compression='gzip', "
    "hive_partitioning=true, hive_types_autocast=false)";

int Fail(const std::string& message) {
  fmt::print(stderr, "make_query_lake: {}\n", message);
  return 1;
}

struct Totals {
  int64_t objects = 0;
  int64_t records = 0;
  int64_t json_bytes = 0;
  int64_t stored_bytes = 0;
};

class RawWriter {
 public:
  explicit RawWriter(fs::path raw_dir) : raw_dir_(std::move(raw_dir)) {}

  // Writes the buffered records as one object named by `first_ms`; nothing if none.
  lakebox::Status Flush(int64_t first_ms) {
    if (records_ == 0) return lakebox::Ok();
    lakebox::CivilTime t = lakebox::CivilFromUnixMillis(first_ms);
    fs::path dir = raw_dir_ / lakebox::bench::RawPartition(t);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return std::unexpected(lakebox::Error::IoFromErrno("creating", dir.string()));
    compressed_.clear();
    auto compressor = lakebox::NewCompressor(lakebox::Codec::kGzip, [&](std::string_view out) {
      compressed_.append(out);
      return lakebox::Ok();
    });
    if (!compressor) return std::unexpected(compressor.error());
    LAKEBOX_TRY((*compressor)->Write(json_));
    LAKEBOX_TRY((*compressor)->Finish());
    fs::path path = dir / lakebox::bench::RawObjectName(t, static_cast<uint64_t>(totals_.objects));
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(compressed_.data(), static_cast<std::streamsize>(compressed_.size()));
    out.close();
    if (!out) return std::unexpected(lakebox::Error::IoFromErrno("writing", path.string()));
    totals_.objects += 1;
    totals_.records += records_;
    totals_.json_bytes += static_cast<int64_t>(json_.size());
    totals_.stored_bytes += static_cast<int64_t>(compressed_.size());
    json_.clear();
    records_ = 0;
    return lakebox::Ok();
  }
  void Append(const std::string& record) {
    json_ += record;
    ++records_;
  }
  const Totals& totals() const { return totals_; }

 private:
  fs::path raw_dir_;
  std::string json_;
  std::string compressed_;
  int64_t records_ = 0;
  Totals totals_;
};

lakebox::Result<Totals> WriteRaw(const Options& opt) {
  lakebox::producer::VehicleGenerator generator(lakebox::producer::VehicleGenerator::kDefaultVehicles, opt.seed);
  RawWriter writer(opt.bucket_dir / "raw");
  const int64_t span_ms = static_cast<int64_t>(opt.hours) * 3'600'000;
  const int64_t window_ms = static_cast<int64_t>(opt.object_seconds) * 1000;
  int64_t window = -1;
  int64_t hour = -1;
  int64_t first_ms = 0;
  for (int64_t i = 0; i < opt.records; ++i) {
    int64_t offset = span_ms * i / opt.records;
    int64_t now_ms = opt.start_ms + offset;
    if (offset / window_ms != window || offset / 3'600'000 != hour) {
      LAKEBOX_TRY(writer.Flush(first_ms));
      window = offset / window_ms;
      hour = offset / 3'600'000;
      first_ms = now_ms;
    }
    writer.Append(generator.Next(now_ms));
  }
  LAKEBOX_TRY(writer.Flush(first_ms));
  return writer.totals();
}

Totals SizeOfTree(const fs::path& root, std::string_view extension) {
  Totals totals;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().string().ends_with(extension)) {
      totals.objects += 1;
      totals.stored_bytes += static_cast<int64_t>(it->file_size(ec));
    }
  }
  return totals;
}

std::string StageSelect(const fs::path& raw_dir, std::string_view doors) {
  std::string select(kStageSelect);
  auto replace = [&select](std::string_view key, std::string_view value) {
    size_t at = select.find(key);
    select.replace(at, key.size(), value);
  };
  replace("{doors}", doors);
  replace("{files}", duck::QuoteLiteral((raw_dir / "*/*/*/*/*.gz").string()));
  replace("{columns}", kRawColumns);
  return select;
}

int Run(const Options& opt) {
  if (opt.records <= 0 || opt.hours <= 0 || opt.object_seconds <= 0) return Fail("counts must be positive");
  auto raw = WriteRaw(opt);
  if (!raw) return Fail(raw.error().ToString());
  fmt::print("raw\t{}\t{}\t{}\t{}\n", raw->objects, raw->records, raw->json_bytes, raw->stored_bytes);
  std::fflush(stdout);
  if (!opt.stage && opt.clickhouse_csv.empty()) return 0;

  std::vector<std::pair<std::string, std::string>> config = {{"memory_limit", opt.memory_limit},
                                                             {"preserve_insertion_order", "false"}};
  if (opt.threads > 0) config.emplace_back("threads", std::to_string(opt.threads));
  auto database = duck::Database::Open("", config);
  if (!database) return Fail(database.error().ToString());
  auto connection = duck::Connection::Open(*database);
  if (!connection) return Fail(connection.error().ToString());
  const fs::path raw_dir = opt.bucket_dir / "raw";

  if (opt.stage) {
    const fs::path stage_dir = opt.bucket_dir / "stage";
    std::error_code ec;
    fs::remove_all(stage_dir, ec);
    auto status = connection->Execute(fmt::format(
        "COPY ({}) TO {} (FORMAT parquet, COMPRESSION gzip, PARTITION_BY (vendor), FILENAME_PATTERN 'part-{{i}}')",
        StageSelect(raw_dir, "vehicle_status.doors_locked"), duck::QuoteLiteral(stage_dir.string())));
    if (!status) return Fail("writing the stage table: " + status.error().ToString());
    Totals stage = SizeOfTree(stage_dir, ".parquet");
    fmt::print("stage\t{}\t{}\t0\t{}\n", stage.objects, raw->records, stage.stored_bytes);
    std::fflush(stdout);
  }
  if (!opt.clickhouse_csv.empty()) {
    auto status = connection->Execute(fmt::format(
        "COPY ({}) TO {} (FORMAT csv, HEADER false)",
        StageSelect(raw_dir, "CAST(vehicle_status.doors_locked AS INTEGER)"),
        duck::QuoteLiteral(opt.clickhouse_csv.string())));
    if (!status) return Fail("writing the ClickHouse CSV: " + status.error().ToString());
    std::error_code ec;
    fmt::print("clickhouse_csv\t1\t{}\t0\t{}\n", raw->records, fs::file_size(opt.clickhouse_csv, ec));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Writes the query benchmark's lake: raw gzip NDJSON as Firehose delivers it, and the flattened "
               "Parquet stage table."};
  app.add_option("--bucket-dir", opt.bucket_dir, "The bucket's directory (<data-dir>/s3/<bucket>)")->required();
  app.add_option("--records", opt.records, "Vehicle records")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--hours", opt.hours, "Hours of event time the records are spread over (hour partitions)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--object-seconds", opt.object_seconds, "Event-time seconds per raw object (Firehose's buffer interval)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", opt.seed, "Seed of the vehicle generator")->capture_default_str();
  app.add_option("--start-ms", opt.start_ms, "Event time of the first record (epoch ms)")->capture_default_str();
  app.add_flag("!--no-stage", opt.stage, "Do not write the Parquet stage table");
  app.add_option("--clickhouse-csv", opt.clickhouse_csv, "Also write the flattened rows as CSV to this file");
  app.add_option("--memory-limit", opt.memory_limit, "DuckDB's memory_limit for the stage and CSV writes")
      ->capture_default_str();
  app.add_option("--threads", opt.threads, "DuckDB threads (0: one per core)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return Run(opt);
}
