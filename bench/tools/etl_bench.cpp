// etl_bench: the ETL benchmark's three steps (bench/etl/run.sh), each one process so that each
// measured run has its own peak RSS:
//
//   etl_bench make-lake --data-dir D [--bytes B]
//       Writes raw gzip NDJSON vehicle records straight into D/s3/lake/raw/ as Firehose delivers the
//       seed's stream (Prefix raw/year=!{timestamp:YYYY}/month=.../day=.../hour=.../, GZIP, one
//       object per --object-seconds of arrival time, never across an hour), the producer sending
//       --records-per-minute records (the seed's Lambda: 5,000 a minute; its buffer: 900 s), until
//       the JSON adds up to --bytes. Then crawls s3://lake/raw/ in process (CrawlerService, table
//       prefix "vehicles_") into vehicles.vehicles_raw, the job's source.
//       Prints: objects, records, json_bytes, stored_bytes, partitions, crawl_s (tab-separated).
//
//   etl_bench lakebox --data-dir D [--compression gzip]
//       Runs the seed's job vehicles_to_stage (relationalize, gzip Parquet partitioned by vendor,
//       bookmarks) through etl::JobService::RunJob, with the options `lakebox serve` gives it
//       (memory_limit 2GB, a DuckDB thread per core). Before the clock starts it deletes what an
//       earlier run wrote (s3://lake/stage/ and stage_alerts/) and resets the job's bookmark, so
//       every repetition reads every object. The time is RunJob's, listing to commit (fsync and
//       rename included); the phases are the run's JobProgress phases, summed over batches.
//       Prints: state, wall_s, records_in, records_out, objects_in, bytes_in, objects_out,
//       bytes_out, peak_rss_kb, user_s, sys_s, batches, listing_s, reading_s, writing_s,
//       committing_s, child_rows (counted from the Parquet footers after the run), error.
//
//   etl_bench duckdb --data-dir D --out DIR --mode root|full [--compression gzip]
//       DuckDB alone on the same files with the same read_json column types (the catalog's), the
//       same configuration as the job's database (memory_limit, preserve_insertion_order=false):
//        root: the ceiling the issue asks for, one plain
//              COPY (SELECT <flattened columns> FROM read_json(...)) TO DIR/stage
//              (FORMAT parquet, COMPRESSION gzip, PARTITION_BY (vendor));
//              the alerts array is left out (a plain COPY has no row id to key a child table by).
//        full: the job's work written by hand: the records into a temp table, the root COPY as
//              above plus the alerts join key (the rowid), and the alerts child table
//              (id, index, alerts_val_code, alerts_val_severity) COPYed to DIR/stage_alerts.
//       The output is fsynced after the clock stops (sync_s, reported apart: lakebox's time
//       includes its fsyncs).
//       --compression (both steps) other than the seed's gzip shows what the output codec costs.
//       Prints: mode, wall_s, sync_s, root_rows, child_rows, objects_out, bytes_out, peak_rss_kb,
//       user_s, sys_s, load_s, root_s, child_s.
#include <fcntl.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "catalog/crawler_service.h"
#include "catalog/sqlite_catalog.h"
#include "common/compression.h"
#include "common/file_util.h"
#include "common/time.h"
#include "etl/job.h"
#include "etl/job_service.h"
#include "producer/vehicle_generator.h"
#include "query/duckdb/duckdb.h"
#include "query/table_scan.h"
#include "storage/local_object_store.h"
#include "raw_lake_names.h"

namespace {

namespace fs = std::filesystem;
namespace duck = lakebox::query::duckdb;
using Clock = std::chrono::steady_clock;
using lakebox::Error;
using lakebox::Result;
using lakebox::Status;

constexpr std::string_view kBucket = "lake";
constexpr std::string_view kDatabase = "vehicles";
constexpr std::string_view kRawTable = "vehicles_raw";
constexpr std::string_view kJobName = "vehicles_to_stage";
constexpr std::string_view kTarget = "s3://lake/stage/";

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Usage {
  int64_t peak_rss_kb = 0;
  double user_s = 0;
  double sys_s = 0;
};

Usage ProcessUsage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {usage.ru_maxrss, seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

int Fail(std::string_view what, const Error& error) {
  fmt::print(stderr, "etl_bench: {}: {}\n", what, error.ToString());
  return 1;
}

// ---------------------------------------------------------------------------------- make-lake

struct LakeOptions {
  fs::path data_dir;
  int64_t bytes = 1'000'000'000;
  int64_t records_per_minute = 5'000;
  int object_seconds = 900;
  uint64_t seed = 7;
  int64_t start_ms = 1'764'028'800'000;  // 2025-11-25T00:00:00Z
};

struct LakeTotals {
  int64_t objects = 0;
  int64_t records = 0;
  int64_t json_bytes = 0;
  int64_t stored_bytes = 0;
  std::map<std::string, int> partitions;
};

// Writes `json` gzip-compressed as the object Firehose would name for an object opened at `first_ms`.
Status WriteObject(const fs::path& raw_dir, int64_t first_ms, const std::string& json, LakeTotals* totals) {
  lakebox::CivilTime t = lakebox::CivilFromUnixMillis(first_ms);
  std::string partition = lakebox::bench::RawPartition(t);
  fs::path dir = raw_dir / partition;
  LAKEBOX_TRY(lakebox::CreateDirs(dir));
  std::string compressed;
  auto compressor = lakebox::NewCompressor(lakebox::Codec::kGzip, [&](std::string_view out) {
    compressed.append(out);
    return lakebox::Ok();
  });
  if (!compressor) return std::unexpected(compressor.error());
  LAKEBOX_TRY((*compressor)->Write(json));
  LAKEBOX_TRY((*compressor)->Finish());
  fs::path path = dir / lakebox::bench::RawObjectName(t, static_cast<uint64_t>(totals->objects));
  LAKEBOX_ASSIGN_OR_RETURN(lakebox::UniqueFd fd, lakebox::UniqueFd::Open(path, O_WRONLY | O_CREAT | O_TRUNC));
  LAKEBOX_TRY(lakebox::WriteAll(fd.get(), compressed, path));
  LAKEBOX_TRY(fd.Close(path));
  totals->objects += 1;
  totals->json_bytes += static_cast<int64_t>(json.size());
  totals->stored_bytes += static_cast<int64_t>(compressed.size());
  totals->partitions[partition] += 1;
  return lakebox::Ok();
}

Result<LakeTotals> WriteRaw(const LakeOptions& opt) {
  const fs::path raw_dir = opt.data_dir / "s3" / kBucket / "raw";
  lakebox::producer::VehicleGenerator generator(lakebox::producer::VehicleGenerator::kDefaultVehicles, opt.seed);
  const int64_t window_ms = static_cast<int64_t>(opt.object_seconds) * 1000;
  LakeTotals totals;
  std::string json;
  int64_t window = -1;
  int64_t hour = -1;
  int64_t first_ms = 0;
  int64_t written_json = 0;  // JSON bytes of the objects written, plus the open one's
  for (int64_t i = 0; written_json < opt.bytes; ++i) {
    int64_t offset = i * 60'000 / opt.records_per_minute;
    if (offset / window_ms != window || offset / 3'600'000 != hour) {
      if (!json.empty()) LAKEBOX_TRY(WriteObject(raw_dir, first_ms, json, &totals));
      json.clear();
      window = offset / window_ms;
      hour = offset / 3'600'000;
      first_ms = opt.start_ms + offset;
    }
    std::string record = generator.Next(opt.start_ms + offset);
    written_json += static_cast<int64_t>(record.size());
    json += record;
    totals.records += 1;
  }
  if (!json.empty()) LAKEBOX_TRY(WriteObject(raw_dir, first_ms, json, &totals));
  return totals;
}

int MakeLake(const LakeOptions& opt) {
  auto totals = WriteRaw(opt);
  if (!totals) return Fail("writing the raw objects", totals.error());

  auto store = lakebox::storage::LocalObjectStore::Open(opt.data_dir / "s3");
  if (!store) return Fail("opening the object store", store.error());
  auto catalog = lakebox::catalog::SqliteCatalog::Open(opt.data_dir / "catalog.db");
  if (!catalog) return Fail("opening the catalog", catalog.error());
  lakebox::catalog::CrawlerService crawlers(catalog->get(), store->get());
  lakebox::catalog::CrawlerDefinition crawler;
  crawler.name = std::string(kRawTable);
  crawler.role = "bench";
  crawler.database = std::string(kDatabase);
  crawler.table_prefix = "vehicles_";
  crawler.targets.push_back({.path = fmt::format("s3://{}/raw/", kBucket)});
  if (auto created = crawlers.CreateCrawler(crawler); !created) return Fail("creating the crawler", created.error());
  auto start = Clock::now();
  auto run = crawlers.RunCrawler(crawler.name);
  double crawl_s = SecondsSince(start);
  if (!run) return Fail("crawling", run.error());
  if (run->status != "SUCCEEDED")
    return Fail("crawling", Error::Internal(fmt::format("crawl {}: {}", run->status, run->error_message)));
  auto table = (*catalog)->GetTable(kDatabase, kRawTable);
  if (!table) return Fail("the crawled table", table.error());
  std::string columns;
  for (const auto& column : table->storage.columns) columns += fmt::format(" {}:{}", column.name, column.type);
  for (const auto& column : table->partition_keys)
    columns += fmt::format(" {}:{} (partition)", column.name, column.type);
  fmt::print(stderr, "etl_bench: {}.{} columns:{}\n", kDatabase, kRawTable, columns);
  fmt::print("{}\t{}\t{}\t{}\t{}\t{:.3f}\n", totals->objects, totals->records, totals->json_bytes,
             totals->stored_bytes, totals->partitions.size(), crawl_s);
  return 0;
}

// ------------------------------------------------------------------------------------ lakebox

struct RunOptions {
  fs::path data_dir;
  std::string memory_limit = "2GB";
  int threads = 0;
  std::string compression = "gzip";  // of the Parquet output; the seed's is gzip
};

lakebox::etl::JobDefinition SeedJob(std::string_view compression) {
  lakebox::etl::JobDefinition job;
  job.name = std::string(kJobName);
  job.source_database = std::string(kDatabase);
  job.source_table = std::string(kRawTable);
  job.transform = "relationalize";
  job.target = std::string(kTarget);
  job.format = "parquet";
  job.compression = std::string(compression);
  job.partition_by = {"vendor"};
  job.bookmarks = true;
  return job;
}

// Rows of the Parquet files below `dir` (from their footers), 0 if there are none.
Result<int64_t> CountChildRows(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  LAKEBOX_ASSIGN_OR_RETURN(auto database, duck::Database::Open("", {{"threads", "1"}}));
  LAKEBOX_ASSIGN_OR_RETURN(auto connection, duck::Connection::Open(database));
  LAKEBOX_ASSIGN_OR_RETURN(auto result, connection.Query(fmt::format(
                                            "SELECT count(*) FROM read_parquet({})",
                                            duck::QuoteLiteral((dir / "**" / "*.parquet").string()))));
  return result.Int64(0, 0);
}

int RunLakebox(const RunOptions& opt) {
  // What an earlier repetition wrote: the root table and its child table.
  for (std::string_view folder : {"stage", "stage_alerts"}) {
    std::error_code ec;
    fs::remove_all(opt.data_dir / "s3" / kBucket / folder, ec);
    if (ec) return Fail("removing the previous output", Error::Io(ec.message()));
  }
  auto store = lakebox::storage::LocalObjectStore::Open(opt.data_dir / "s3");
  if (!store) return Fail("opening the object store", store.error());
  auto catalog = lakebox::catalog::SqliteCatalog::Open(opt.data_dir / "catalog.db");
  if (!catalog) return Fail("opening the catalog", catalog.error());
  lakebox::etl::JobServiceOptions options{.data_dir = opt.data_dir, .memory_limit = opt.memory_limit,
                                          .threads = opt.threads};
  auto jobs = lakebox::etl::JobService::Open(options, {SeedJob(opt.compression)}, catalog->get(), store->get());
  if (!jobs) return Fail("opening the job service", jobs.error());
  if (auto reset = (*jobs)->ResetBookmark(kJobName); !reset) return Fail("resetting the bookmark", reset.error());

  // Time per phase, from the run's progress reports (one at each phase change).
  std::map<std::string, double> phase_s;
  std::string phase;
  auto phase_start = Clock::now();
  int batches = 0;
  auto progress = [&](const lakebox::etl::JobProgress& p) {
    if (p.phase == phase) return;
    auto now = Clock::now();
    if (!phase.empty()) phase_s[phase] += std::chrono::duration<double>(now - phase_start).count();
    if (p.phase == "reading") ++batches;
    phase = p.phase;
    phase_start = now;
  };
  auto start = Clock::now();
  auto run = (*jobs)->RunJob(kJobName, "", progress);
  double wall_s = SecondsSince(start);
  if (!phase.empty()) phase_s[phase] += std::chrono::duration<double>(Clock::now() - phase_start).count();
  if (!run) return Fail("running the job", run.error());
  (*jobs)->Shutdown();
  Usage usage = ProcessUsage();  // before the count below, which is not part of the run
  auto child_rows = CountChildRows(opt.data_dir / "s3" / kBucket / "stage_alerts");
  if (!child_rows) return Fail("counting the alerts rows written", child_rows.error());
  fmt::print("{}\t{:.3f}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.2f}\t{:.2f}\t{}\t{:.3f}\t{:.3f}\t{:.3f}\t{:.3f}\t{}\t{}\n",
             lakebox::etl::JobRunStateName(run->state), wall_s, run->records_in, run->records_out, run->objects_in,
             run->bytes_in, run->objects_out, run->bytes_out, usage.peak_rss_kb, usage.user_s, usage.sys_s, batches,
             phase_s["listing"], phase_s["reading"], phase_s["writing"], phase_s["committing"], *child_rows,
             run->error_message.empty() ? "-" : run->error_message);
  return run->state == lakebox::etl::JobRunState::kSucceeded ? 0 : 1;
}

// ------------------------------------------------------------------------------------- duckdb

struct DuckOptions {
  RunOptions run;
  fs::path out;
  std::string mode = "root";
};

// The flattened root columns, as relationalize names them (separator "_"); vendor included.
constexpr std::string_view kRootColumns =
    "vehicle_id, vendor, model, event_time, "
    "vehicle_status.speed_kmh AS vehicle_status_speed_kmh, "
    "vehicle_status.engine_temp_c AS vehicle_status_engine_temp_c, "
    "vehicle_status.fuel_level AS vehicle_status_fuel_level, "
    "vehicle_status.odometer_km AS vehicle_status_odometer_km, "
    "vehicle_status.doors_locked AS vehicle_status_doors_locked, "
    "gps_info.latitude AS gps_info_latitude, gps_info.longitude AS gps_info_longitude, "
    "gps_info.altitude_m AS gps_info_altitude_m, gps_info.heading AS gps_info_heading";

// read_json over every raw object, with the crawled table's column types, partition keys from the
// folder names (as strings, as the catalog types them).
Result<std::string> ReadJson(const RunOptions& opt) {
  LAKEBOX_ASSIGN_OR_RETURN(auto catalog, lakebox::catalog::SqliteCatalog::Open(opt.data_dir / "catalog.db"));
  LAKEBOX_ASSIGN_OR_RETURN(auto table, catalog->GetTable(kDatabase, kRawTable));
  std::string columns;
  for (const auto& column : table.storage.columns) {
    LAKEBOX_ASSIGN_OR_RETURN(std::string type, lakebox::query::DuckTypeOfHive(column));
    columns += fmt::format("{}{}: {}", columns.empty() ? "" : ", ", duck::QuoteLiteral(column.name),
                           duck::QuoteLiteral(type));
  }
  fs::path glob = opt.data_dir / "s3" / kBucket / "raw" / "*" / "*" / "*" / "*" / "*";
  return fmt::format(
      "read_json({}, columns={{{}}}, format='newline_delimited', compression='gzip', hive_partitioning=true, "
      "hive_types_autocast=false)",
      duck::QuoteLiteral(glob.string()), columns);
}

// fsyncs every file below `dir` and every directory; returns (files, bytes).
Result<std::pair<int64_t, int64_t>> SyncOutput(const fs::path& dir) {
  int64_t files = 0;
  int64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) {
      LAKEBOX_TRY(lakebox::FsyncDir(it->path()));
      continue;
    }
    LAKEBOX_ASSIGN_OR_RETURN(lakebox::UniqueFd fd, lakebox::UniqueFd::Open(it->path(), O_RDONLY));
    LAKEBOX_TRY(lakebox::SyncFd(fd.get(), it->path()));
    files += 1;
    bytes += static_cast<int64_t>(it->file_size(ec));
  }
  if (ec) return std::unexpected(Error::Io(fmt::format("listing {}: {}", dir.string(), ec.message())));
  LAKEBOX_TRY(lakebox::FsyncDir(dir));
  return std::pair{files, bytes};
}

int RunDuck(const DuckOptions& opt) {
  if (opt.mode != "root" && opt.mode != "full") return Fail("--mode", Error::InvalidArgument("root or full"));
  std::error_code ec;
  fs::remove_all(opt.out, ec);
  fs::create_directories(opt.out / "tmp", ec);
  if (ec) return Fail("creating --out", Error::Io(ec.message()));
  auto read_json = ReadJson(opt.run);
  if (!read_json) return Fail("the source table", read_json.error());

  std::vector<std::pair<std::string, std::string>> config = {{"memory_limit", opt.run.memory_limit},
                                                             {"temp_directory", (opt.out / "tmp").string()},
                                                             {"preserve_insertion_order", "false"},
                                                             {"autoinstall_known_extensions", "false"},
                                                             {"autoload_known_extensions", "false"}};
  if (opt.run.threads > 0) config.emplace_back("threads", std::to_string(opt.run.threads));
  auto database = duck::Database::Open("", config);
  if (!database) return Fail("opening DuckDB", database.error());
  auto connection = duck::Connection::Open(*database);
  if (!connection) return Fail("connecting to DuckDB", connection.error());
  const std::string stage = duck::QuoteLiteral((opt.out / "stage").string());
  const std::string stage_alerts = duck::QuoteLiteral((opt.out / "stage_alerts").string());
  const std::string codec = opt.run.compression == "none" ? "uncompressed" : opt.run.compression;
  const std::string partitioned = fmt::format("FORMAT parquet, COMPRESSION {}, PARTITION_BY (vendor)", codec);

  double load_s = 0, root_s = 0, child_s = 0;
  int64_t root_rows = 0, child_rows = 0;
  auto timed = [&](const std::string& sql, double* seconds, int64_t* rows) -> Status {
    auto start = Clock::now();
    LAKEBOX_ASSIGN_OR_RETURN(auto result, connection->Query(sql));
    *seconds = SecondsSince(start);
    if (rows != nullptr) *rows = result.Int64(0, 0);
    return lakebox::Ok();
  };
  auto start = Clock::now();
  Status status;
  if (opt.mode == "root") {
    status = timed(fmt::format("COPY (SELECT {}, year, month, day, hour FROM {}) TO {} ({})", kRootColumns, *read_json,
                               stage, partitioned),
                   &root_s, &root_rows);
  } else {
    status = timed(fmt::format("CREATE TEMP TABLE src AS SELECT * FROM {}", *read_json), &load_s, nullptr);
    if (status)
      status = timed(fmt::format("COPY (SELECT {}, CASE WHEN alerts IS NULL THEN NULL ELSE rowid END AS alerts, year, "
                                 "month, day, hour FROM src) TO {} ({})",
                                 kRootColumns, stage, partitioned),
                     &root_s, &root_rows);
    if (status)
      status = timed(fmt::format("COPY (SELECT id, CAST(index AS INTEGER) AS index, val.code AS alerts_val_code, "
                                 "val.severity AS alerts_val_severity FROM (SELECT rowid AS id, UNNEST(alerts) AS val, "
                                 "generate_subscripts(alerts, 1) - 1 AS index FROM src)) TO {} (FORMAT parquet, "
                                 "COMPRESSION {})",
                                 stage_alerts, codec),
                     &child_s, &child_rows);
  }
  double wall_s = SecondsSince(start);
  if (!status) return Fail(fmt::format("DuckDB {}", opt.mode), status.error());
  fs::remove_all(opt.out / "tmp", ec);
  auto sync_start = Clock::now();
  auto output = SyncOutput(opt.out);
  double sync_s = SecondsSince(sync_start);
  if (!output) return Fail("syncing the output", output.error());
  Usage usage = ProcessUsage();
  fmt::print("{}\t{:.3f}\t{:.3f}\t{}\t{}\t{}\t{}\t{}\t{:.2f}\t{:.2f}\t{:.3f}\t{:.3f}\t{:.3f}\n", opt.mode, wall_s,
             sync_s, root_rows, child_rows, output->first, output->second, usage.peak_rss_kb, usage.user_s,
             usage.sys_s, load_s, root_s, child_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The ETL benchmark's steps: write and crawl the raw lake, run the job, run DuckDB alone."};
  app.require_subcommand(1);

  LakeOptions lake;
  CLI::App* make_lake = app.add_subcommand("make-lake", "Write raw gzip NDJSON as Firehose delivers it, then crawl it");
  make_lake->add_option("--data-dir", lake.data_dir, "lakebox data dir (the lake is <data-dir>/s3/lake)")->required();
  make_lake->add_option("--bytes", lake.bytes, "Raw JSON bytes to write (uncompressed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  make_lake->add_option("--records-per-minute", lake.records_per_minute, "Producer rate (event and arrival time)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  make_lake->add_option("--object-seconds", lake.object_seconds, "Firehose buffer interval: seconds per object")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  make_lake->add_option("--seed", lake.seed, "Seed of the vehicle generator")->capture_default_str();
  make_lake->add_option("--start-ms", lake.start_ms, "Time of the first record (epoch ms)")->capture_default_str();

  RunOptions run;
  CLI::App* lakebox = app.add_subcommand("lakebox", "Run the job vehicles_to_stage in process (JobService::RunJob)");
  lakebox->add_option("--data-dir", run.data_dir, "lakebox data dir written by make-lake")->required();
  lakebox->add_option("--memory-limit", run.memory_limit, "JobServiceOptions::memory_limit")->capture_default_str();
  lakebox->add_option("--threads", run.threads, "DuckDB threads (0: one per core)")->capture_default_str();
  lakebox->add_option("--compression", run.compression, "The job's compression (the seed's is gzip)")
      ->check(CLI::IsMember({"gzip", "snappy", "zstd", "none"}))
      ->capture_default_str();

  DuckOptions duck_options;
  CLI::App* duckdb = app.add_subcommand("duckdb", "DuckDB's COPY on the same files, the ceiling");
  duckdb->add_option("--data-dir", duck_options.run.data_dir, "lakebox data dir written by make-lake")->required();
  duckdb->add_option("--out", duck_options.out, "Output folder (emptied first)")->required();
  duckdb->add_option("--mode", duck_options.mode, "root: one plain COPY; full: root and alerts tables")
      ->check(CLI::IsMember({"root", "full"}))
      ->capture_default_str();
  duckdb->add_option("--compression", duck_options.run.compression, "Parquet compression (the seed's is gzip)")
      ->check(CLI::IsMember({"gzip", "snappy", "zstd", "none"}))
      ->capture_default_str();
  duckdb->add_option("--memory-limit", duck_options.run.memory_limit, "DuckDB memory_limit")->capture_default_str();
  duckdb->add_option("--threads", duck_options.run.threads, "DuckDB threads (0: one per core)")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (*make_lake) return MakeLake(lake);
  if (*lakebox) return RunLakebox(run);
  return RunDuck(duck_options);
}
