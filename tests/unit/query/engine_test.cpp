#include "query/engine.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "common/compression.h"
#include "query/duckdb/duckdb.h"
#include "test_support.h"

namespace lakebox::query {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void WriteFile(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// NDJSON vehicle records: vendors cycle through acme, globex, initech; speed = 10 * i + hour.
std::string VehicleRecords(int hour, int count) {
  static const char* kVendors[] = {"acme", "globex", "initech"};
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += fmt::format(
        R"({{"vehicle_id":"v{}-{}","vendor":"{}","vehicle_status":{{"speed_kmh":{}.5,"doors_locked":{}}},)"
        R"("alerts":[{{"code":{},"severity":"low"}}],"event_time":"2026-11-26 {:02}:00:{:02}"}})"
        "\n",
        hour, i, kVendors[i % 3], 10 * i + hour, i % 2 == 0 ? "true" : "false", i, hour, i);
  }
  return out;
}

// What bytes_scanned counts of a Parquet file, from DuckDB's own parquet_metadata(): the footer
// (FileMetaData, its length and "PAR1") and, per top-level column, its chunks in every row group.
struct ParquetLayout {
  int64_t footer = 0;
  std::map<std::string, int64_t> columns;
  int64_t All() const {
    int64_t all = footer;
    for (const auto& [name, bytes] : columns) all += bytes;
    return all;
  }
};

ParquetLayout Layout(const fs::path& file) {
  ParquetLayout layout;
  std::ifstream in(file, std::ios::binary);
  in.seekg(-8, std::ios::end);
  unsigned char tail[8] = {};
  in.read(reinterpret_cast<char*>(tail), 8);
  layout.footer = 8 + (tail[0] | (tail[1] << 8) | (tail[2] << 16) | (int64_t{tail[3]} << 24));
  auto db = duckdb::Database::Open("", {});
  EXPECT_TRUE(db);
  auto connection = duckdb::Connection::Open(*db);
  EXPECT_TRUE(connection);
  auto chunks = connection->Query(fmt::format(
      "SELECT split_part(path_in_schema, ', ', 1), sum(total_compressed_size)::BIGINT FROM parquet_metadata({}) "
      "GROUP BY 1",
      duckdb::QuoteLiteral(file.string())));
  EXPECT_TRUE(chunks) << chunks.error().ToString();
  for (size_t r = 0; chunks && r < chunks->RowCount(); ++r) {
    layout.columns[chunks->Text(0, r).value_or("")] = chunks->Int64(1, r);
  }
  return layout;
}

// Writes `select` as a Parquet file with a DuckDB of the test's own (no sandbox).
void WriteParquet(const fs::path& file, std::string_view select) {
  fs::create_directories(file.parent_path());
  auto db = duckdb::Database::Open("", {});
  ASSERT_OK(db);
  auto connection = duckdb::Connection::Open(*db);
  ASSERT_OK(connection);
  ASSERT_OK(connection->Execute(
      fmt::format("COPY ({}) TO {} (FORMAT parquet)", select, duckdb::QuoteLiteral(file.string()))));
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-query-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    data_dir_ = root_ / "data";
    fs::create_directories(data_dir_ / "s3" / "lake");

    auto catalog = catalog::SqliteCatalog::Open(data_dir_ / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);
    catalog::Database database;
    database.name = "vehicles";
    ASSERT_OK(catalog_->CreateDatabase(database));

    // JSON table, Firehose-style folders (not key=value), two hour partitions in the catalog
    // and a third folder the catalog does not know. Firehose's object names have no extension.
    raw_dir_ = data_dir_ / "s3/lake/raw/2026/11/26";
    WriteFile(raw_dir_ / "01/part-1.gz", Gzip(VehicleRecords(1, 4)));
    WriteFile(raw_dir_ / "01/vehicles-1-2026-11-26-01-30-00-b7e1", Gzip(VehicleRecords(1, 2)));
    WriteFile(raw_dir_ / "01/_SUCCESS", "not json");
    WriteFile(raw_dir_ / "02/part-1.gz", Gzip(VehicleRecords(2, 4)));
    WriteFile(raw_dir_ / "03/part-1.gz", Gzip(VehicleRecords(3, 5)));

    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {{"vehicle_id", "string", ""},
                           {"vendor", "string", ""},
                           {"vehicle_status", "struct<speed_kmh:double,doors_locked:boolean>", ""},
                           {"alerts", "array<struct<code:int,severity:string>>", ""},
                           {"event_time", "timestamp", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.partition_keys = {{"year", "string", ""}, {"month", "string", ""}, {"day", "string", ""},
                          {"hour", "string", ""}};
    raw.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
    ASSERT_OK(catalog_->CreateTable(raw));
    ASSERT_OK(catalog_->CreatePartitions("vehicles", "vehicles_raw", {RawPartition("01"), RawPartition("02")}));

    // Parquet table written by an unrestricted DuckDB of the test's own.
    fs::create_directories(data_dir_ / "s3/lake/stage");
    {
      auto db = duckdb::Database::Open("", {});
      ASSERT_OK(db);
      auto connection = duckdb::Connection::Open(*db);
      ASSERT_OK(connection);
      ASSERT_OK(connection->Execute(fmt::format(
          "COPY (SELECT 'v' || i AS vehicle_id, ['acme', 'globex'][i % 2 + 1] AS vendor, "
          "i * 1.5 AS speed_kmh, repeat('x', 200) || i AS notes FROM range(1000) t(i)) "
          "TO {} (FORMAT parquet)",
          duckdb::QuoteLiteral((data_dir_ / "s3/lake/stage/part-0.parquet").string()))));
    }
    catalog::Table stage;
    stage.database = "vehicles";
    stage.name = "vehicles_stage";
    stage.storage.columns = {{"vehicle_id", "string", ""},
                             {"vendor", "string", ""},
                             {"speed_kmh", "double", ""},
                             {"notes", "string", ""}};
    stage.storage.location = "s3://lake/stage/";
    stage.parameters = {{"classification", "parquet"}};
    ASSERT_OK(catalog_->CreateTable(stage));

    auto engine = Engine::Open({.data_dir = data_dir_, .memory_limit = "512MB", .threads = 2}, catalog_.get());
    ASSERT_OK(engine);
    engine_ = std::move(*engine);
  }

  void TearDown() override {
    engine_.reset();
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  catalog::Partition RawPartition(const std::string& hour) {
    catalog::Partition partition;
    partition.values = {"2026", "11", "26", hour};
    partition.storage.location = fmt::format("s3://lake/raw/2026/11/26/{}/", hour);
    return partition;
  }

  QueryResult Run(std::string_view sql, std::optional<std::string> database = std::nullopt) {
    auto result = engine_->Execute(sql, database);
    EXPECT_TRUE(result) << sql << ": " << result.error().ToString();
    return result ? *result : QueryResult{};
  }

  std::string Single(std::string_view sql) {
    auto result = Run(sql);
    if (result.rows.size() != 1 || result.rows[0].size() != 1 || !result.rows[0][0]) return "<not one value>";
    return *result.rows[0][0];
  }

  Error Refusal(std::string_view sql) {
    auto result = engine_->Execute(sql);
    if (result) return Error::Internal(fmt::format("'{}' succeeded", sql));
    return result.error();
  }

  fs::path root_;
  fs::path data_dir_;
  fs::path raw_dir_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, SelectStarLimitTenAsAthenaWritesIt) {
  QueryResult result = Run(R"(SELECT * FROM "vehicles"."vehicles_raw" limit 10;)");
  ASSERT_EQ(result.rows.size(), 10u);
  EXPECT_EQ(result.stats.rows, 10);
  EXPECT_THAT(result.column_names, ElementsAre("vehicle_id", "vendor", "vehicle_status", "alerts", "event_time",
                                               "year", "month", "day", "hour"));
  EXPECT_THAT(result.column_types,
              ElementsAre("VARCHAR", "VARCHAR", "STRUCT(speed_kmh DOUBLE, doors_locked BOOLEAN)",
                          "STRUCT(code INTEGER, severity VARCHAR)[]", "TIMESTAMP", "VARCHAR", "VARCHAR",
                          "VARCHAR", "VARCHAR"));
  EXPECT_GT(result.stats.bytes_scanned, 0);
  EXPECT_GE(result.stats.engine_time_ms, 0);
}

TEST_F(EngineTest, ReadsEveryRecordOfTheCatalogPartitionsOnly) {
  // 6 + 4 records in hours 01 and 02; hour 03 is on disk but not in the catalog; _SUCCESS is
  // skipped (it is not JSON, so reading it would fail).
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "10");
  EXPECT_EQ(Single("SELECT string_agg(DISTINCT hour, ',' ORDER BY hour) FROM vehicles.vehicles_raw"), "01,02");
  auto view = engine_->ViewSql("vehicles", "vehicles_raw");
  ASSERT_OK(view);
  EXPECT_THAT(*view, HasSubstr("UNION ALL"));
  EXPECT_THAT(*view, HasSubstr(R"('02' AS "hour")"));
  EXPECT_THAT(*view, HasSubstr("compression='gzip'"));
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("/03/")));
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("_SUCCESS")));
  EXPECT_EQ(engine_->ViewSql("vehicles", "nope").error().code(), Error::Code::kNotFound);
}

TEST_F(EngineTest, CountByVendor) {
  QueryResult result =
      Run("SELECT vendor, count(*) AS n FROM vehicles.vehicles_raw GROUP BY vendor ORDER BY vendor");
  ASSERT_EQ(result.rows.size(), 3u);
  // hour 01: i = 0..3 and 0..1 -> acme 3, globex 2, initech 1; hour 02: i = 0..3 -> 2, 1, 1.
  EXPECT_EQ(result.rows[0], (std::vector<std::optional<std::string>>{"acme", "5"}));
  EXPECT_EQ(result.rows[1], (std::vector<std::optional<std::string>>{"globex", "3"}));
  EXPECT_EQ(result.rows[2], (std::vector<std::optional<std::string>>{"initech", "2"}));
  EXPECT_THAT(result.column_types, ElementsAre("VARCHAR", "BIGINT"));
}

// Athena's dialect: the Presto functions are installed, resolve from a database's schema, and the
// session time zone is UTC whatever the machine's.
TEST_F(EngineTest, PrestoFunctionsInUtcFromAnyDatabase) {
  auto result = engine_->Execute(
      "SELECT date_parse('2025-01-31 13:45:00', '%Y-%m-%d %H:%i:%s') AS t, cardinality([1, 2, 3]) AS n, "
      "to_unixtime(from_iso8601_timestamp('1970-01-02T00:00:00')) AS s, current_setting('TimeZone') AS tz, "
      "approx_distinct(vendor) AS vendors FROM vehicles_raw",
      "vehicles");
  ASSERT_OK(result);
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0], (std::vector<std::optional<std::string>>{"2025-01-31 13:45:00", "3", "86400.0", "UTC", "3"}));
}

TEST_F(EngineTest, NestedFieldsAndTypedColumns) {
  EXPECT_EQ(Single("SELECT max(vehicle_status.speed_kmh) FROM vehicles.vehicles_raw"), "32.5");
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw WHERE vehicle_status.doors_locked"), "5");
  EXPECT_EQ(Single("SELECT sum(alerts[1].code) FROM vehicles.vehicles_raw"), "13");
  EXPECT_EQ(Single("SELECT max(event_time) FROM vehicles.vehicles_raw"), "2026-11-26 02:00:03");
  // Nested values print as DuckDB casts them to VARCHAR; NULLs stay NULL; order is kept.
  QueryResult nested = Run(
      "SELECT vehicle_id, vehicle_status, alerts, CASE WHEN vehicle_id = 'v2-1' THEN NULL ELSE alerts END AS maybe, "
      "vehicle_status.speed_kmh AS speed "
      "FROM vehicles.vehicles_raw WHERE hour = '02' ORDER BY vehicle_id DESC LIMIT 3;  ");
  ASSERT_EQ(nested.rows.size(), 3u);
  EXPECT_THAT(nested.column_names, ElementsAre("vehicle_id", "vehicle_status", "alerts", "maybe", "speed"));
  EXPECT_THAT(nested.column_types,
              ElementsAre("VARCHAR", "STRUCT(speed_kmh DOUBLE, doors_locked BOOLEAN)",
                          "STRUCT(code INTEGER, severity VARCHAR)[]", "STRUCT(code INTEGER, severity VARCHAR)[]",
                          "DOUBLE"));
  EXPECT_EQ(nested.rows[0][0], "v2-3");
  EXPECT_EQ(nested.rows[2][0], "v2-1");
  EXPECT_EQ(nested.rows[2][1], "{speed_kmh=12.5, doors_locked=false}");  // Athena's text, not DuckDB's
  EXPECT_EQ(nested.rows[2][2], "[{code=1, severity=low}]");
  EXPECT_EQ(nested.rows[2][3], std::nullopt);
  EXPECT_EQ(nested.rows[2][4], "12.5");
}

TEST_F(EngineTest, PartitionFilterCountsOnlyThatPartition) {
  int64_t hour1 = static_cast<int64_t>(fs::file_size(raw_dir_ / "01/part-1.gz") +
                                       fs::file_size(raw_dir_ / "01/vehicles-1-2026-11-26-01-30-00-b7e1"));
  int64_t hour2 = static_cast<int64_t>(fs::file_size(raw_dir_ / "02/part-1.gz"));
  // Compressed bytes, as stored, of the catalog partitions' objects (hour 03 and _SUCCESS are
  // not part of the table).
  EXPECT_EQ(Run("SELECT count(*) FROM vehicles.vehicles_raw").stats.bytes_scanned, hour1 + hour2);
  QueryResult only2 = Run("SELECT count(*) FROM vehicles.vehicles_raw WHERE hour = '02'");
  ASSERT_EQ(only2.rows.size(), 1u);
  EXPECT_EQ(only2.rows[0][0], "4");
  EXPECT_EQ(only2.stats.bytes_scanned, hour2);
  // Key conditions among others, qualified, in any form DuckDB evaluates; other conditions and
  // OR with a non-key column do not prune.
  EXPECT_EQ(Run("SELECT count(*) FROM vehicles.vehicles_raw r WHERE r.vendor = 'acme' AND r.\"HOUR\" IN ('01') "
                "AND day = '26'")
                .stats.bytes_scanned,
            hour1);
  EXPECT_EQ(Run("SELECT count(*) FROM vehicles.vehicles_raw WHERE CAST(hour AS INTEGER) > 1").stats.bytes_scanned,
            hour2);
  EXPECT_EQ(Run("SELECT count(*) FROM vehicles.vehicles_raw WHERE hour = '02' OR vendor = 'acme'")
                .stats.bytes_scanned,
            hour1 + hour2);
  QueryResult none = Run("SELECT count(*) FROM vehicles.vehicles_raw WHERE hour = '03'");
  EXPECT_EQ(none.rows[0][0], "0");
  EXPECT_EQ(none.stats.bytes_scanned, 0);
  // The same table twice: the union of what each reference reads.
  EXPECT_EQ(Run("SELECT (SELECT count(*) FROM vehicles.vehicles_raw WHERE hour = '01'), "
                "(SELECT count(*) FROM vehicles.vehicles_raw WHERE hour = '01')")
                .stats.bytes_scanned,
            hour1);
}

TEST_F(EngineTest, BytesScannedCountsEveryNamedTableOnce) {
  ParquetLayout stage = Layout(data_dir_ / "s3/lake/stage/part-0.parquet");
  // JSON objects count whole (LIMIT or not); a Parquet view that reads no column counts its footer.
  int64_t raw = Run("SELECT 1 FROM vehicles.vehicles_raw LIMIT 1").stats.bytes_scanned;
  EXPECT_EQ(raw, Run("SELECT count(*) FROM vehicles.vehicles_raw").stats.bytes_scanned);
  EXPECT_EQ(Run("SELECT 1 FROM vehicles.vehicles_stage LIMIT 1").stats.bytes_scanned, stage.footer);
  // The join reads vendor from the stage table (its join key), whatever it reads from raw.
  EXPECT_EQ(Run("SELECT count(*) FROM vehicles.vehicles_raw r JOIN vehicles.vehicles_stage s USING (vendor) "
                "WHERE r.vehicle_id IN (SELECT vehicle_id FROM \"VEHICLES\".vehicles_raw)")
                .stats.bytes_scanned,
            raw + stage.footer + stage.columns["vendor"]);
  auto unqualified = engine_->Execute("SELECT count(*) FROM vehicles_stage", "vehicles");
  ASSERT_OK(unqualified);
  EXPECT_EQ(unqualified->stats.bytes_scanned, stage.footer);
  EXPECT_EQ(Run("SELECT 42").stats.bytes_scanned, 0);
}

TEST_F(EngineTest, ParquetCountsTheFooterAndTheChunksOfTheColumnsRead) {
  const fs::path file = data_dir_ / "s3/lake/stage/part-0.parquet";
  ParquetLayout layout = Layout(file);
  ASSERT_EQ(layout.columns.size(), 4u);
  // The rest of the file is the leading "PAR1" and the bloom filter DuckDB writes for vendor
  // (dictionary-encoded), which are not counted.
  ASSERT_LT(layout.All(), static_cast<int64_t>(fs::file_size(file)) - 4);

  const int64_t all = Run("SELECT * FROM vehicles.vehicles_stage").stats.bytes_scanned;
  const int64_t vendor = Run("SELECT vendor FROM vehicles.vehicles_stage").stats.bytes_scanned;
  EXPECT_EQ(all, layout.All());
  EXPECT_EQ(vendor, layout.footer + layout.columns["vendor"]);
  EXPECT_LT(vendor, all / 4);  // notes, 200 characters a row, is most of the file
  // A column read only by a filter is read too; so are an aggregate's arguments.
  EXPECT_EQ(Run("SELECT vendor FROM vehicles.vehicles_stage WHERE speed_kmh > 100").stats.bytes_scanned,
            layout.footer + layout.columns["vendor"] + layout.columns["speed_kmh"]);
  EXPECT_EQ(Run("SELECT max(length(notes)) FROM vehicles.vehicles_stage").stats.bytes_scanned,
            layout.footer + layout.columns["notes"]);
  // count(*) of an unpartitioned table: DuckDB answers from the footers' row counts.
  QueryResult count = Run("SELECT count(*) FROM vehicles.vehicles_stage");
  EXPECT_EQ(count.rows[0][0], "1000");
  EXPECT_EQ(count.stats.bytes_scanned, layout.footer);
  // Several statements: only the last is profiled, so Parquet views count whole files.
  EXPECT_EQ(Run("SELECT 1; SELECT vendor FROM vehicles.vehicles_stage").stats.bytes_scanned,
            static_cast<int64_t>(fs::file_size(file)));
  // EXPLAIN reads nothing.
  EXPECT_EQ(Run("EXPLAIN SELECT * FROM vehicles.vehicles_stage").stats.bytes_scanned, 0);
}

TEST_F(EngineTest, PartitionedParquetCountsTheSelectedPartitionsAndColumns) {
  const fs::path one = data_dir_ / "s3/lake/pq/dt=1/a.parquet";
  const fs::path two = data_dir_ / "s3/lake/pq/dt=2/a.parquet";
  WriteParquet(one, "SELECT i AS id, repeat('x', 100) || i AS payload FROM range(2000) t(i)");
  WriteParquet(two, "SELECT i AS id, repeat('y', 50) || i AS payload FROM range(500) t(i)");
  catalog::Table table;
  table.database = "vehicles";
  table.name = "pq";
  table.storage.columns = {{"id", "bigint", ""}, {"payload", "string", ""}};
  table.storage.location = "s3://lake/pq/";
  table.partition_keys = {{"dt", "string", ""}};
  table.parameters = {{"classification", "parquet"}};
  ASSERT_OK(catalog_->CreateTable(table));
  std::vector<catalog::Partition> partitions(2);
  for (int i = 0; i < 2; ++i) {
    partitions[i].values = {std::to_string(i + 1)};
    partitions[i].storage.location = fmt::format("s3://lake/pq/dt={}/", i + 1);
  }
  ASSERT_OK(catalog_->CreatePartitions("vehicles", "pq", partitions));
  ParquetLayout first = Layout(one);
  ParquetLayout second = Layout(two);

  EXPECT_EQ(Run("SELECT * FROM vehicles.pq").stats.bytes_scanned, first.All() + second.All());
  QueryResult payload = Run("SELECT max(payload) FROM vehicles.pq WHERE dt = '2'");
  EXPECT_EQ(payload.rows[0][0], "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy99");
  EXPECT_EQ(payload.stats.bytes_scanned, second.footer + second.columns["payload"]);
  // Partition keys only: the footers are all DuckDB reads.
  QueryResult keys = Run("SELECT dt, count(*) FROM vehicles.pq GROUP BY dt ORDER BY dt");
  EXPECT_EQ(keys.rows[1], (std::vector<std::optional<std::string>>{"2", "500"}));
  EXPECT_EQ(keys.stats.bytes_scanned, first.footer + second.footer);
  // count(*): the footers, and through a UNION ALL view one column per branch (engine.h).
  int64_t count = Run("SELECT count(*) FROM vehicles.pq").stats.bytes_scanned;
  EXPECT_GE(count, first.footer + second.footer);
  EXPECT_LT(count, first.All() + second.All());
}

// A table whose partitions sit under key=value folders is ONE hive-partitioned scan over the
// catalog partitions' files, and a filter on its key still drops the other partitions' files.
TEST_F(EngineTest, KeyValueFoldersAreOneScanThatAFilterPrunes) {
  WriteParquet(data_dir_ / "s3/lake/hv/dt=1/a.parquet", "SELECT i AS id FROM range(30) t(i)");
  WriteParquet(data_dir_ / "s3/lake/hv/dt=2/a.parquet", "SELECT i AS id FROM range(20) t(i)");
  // On disk, not in the catalog: stays invisible.
  WriteParquet(data_dir_ / "s3/lake/hv/dt=3/a.parquet", "SELECT i AS id FROM range(7) t(i)");
  catalog::Table table;
  table.database = "vehicles";
  table.name = "hv";
  table.storage.columns = {{"id", "bigint", ""}};
  table.storage.location = "s3://lake/hv/";
  table.partition_keys = {{"dt", "string", ""}};
  table.parameters = {{"classification", "parquet"}};
  ASSERT_OK(catalog_->CreateTable(table));
  std::vector<catalog::Partition> partitions(2);
  for (int i = 0; i < 2; ++i) {
    partitions[i].values = {std::to_string(i + 1)};
    partitions[i].storage.location = fmt::format("s3://lake/hv/dt={}/", i + 1);
  }
  ASSERT_OK(catalog_->CreatePartitions("vehicles", "hv", partitions));

  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.hv"), "50");  // also rebuilds the views
  auto view = engine_->ViewSql("vehicles", "hv");
  ASSERT_OK(view);
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("UNION ALL")));
  EXPECT_THAT(*view, HasSubstr("hive_partitioning=true, hive_types_autocast=false"));
  EXPECT_THAT(*view, ::testing::Not(HasSubstr("dt=3")));
  EXPECT_EQ(Single("SELECT string_agg(DISTINCT dt, ',' ORDER BY dt) FROM vehicles.hv"), "1,2");
  QueryResult types = Run("SELECT * FROM vehicles.hv LIMIT 1");
  EXPECT_THAT(types.column_types, ElementsAre("BIGINT", "VARCHAR"));
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.hv WHERE dt = '2'"), "20");

  // The scan opens only the filtered partition's file (EXPLAIN ANALYZE's "Scanning Files").
  auto plan_of = [&](const std::string& sql) {
    std::string plan;
    for (const auto& row : Run("EXPLAIN ANALYZE " + sql).rows) {
      for (const auto& cell : row) plan += cell.value_or("");
    }
    return plan;
  };
  EXPECT_THAT(plan_of("SELECT max(id) FROM vehicles.hv WHERE dt = '2'"), HasSubstr("Scanning Files: 1/2"));
  EXPECT_THAT(plan_of("SELECT max(id) FROM vehicles.hv WHERE dt = '2' OR dt = '1'"),
              ::testing::Not(HasSubstr("Scanning Files: 1/2")));
  // bytes_scanned still counts the selected partition's files only.
  const int64_t second = Layout(data_dir_ / "s3/lake/hv/dt=2/a.parquet").footer +
                         Layout(data_dir_ / "s3/lake/hv/dt=2/a.parquet").columns["id"];
  EXPECT_EQ(Run("SELECT max(id) FROM vehicles.hv WHERE dt = '2'").stats.bytes_scanned, second);
}

// Layouts the one scan cannot read as the catalog says keep one UNION branch per partition:
// Hive's NULL marker, a value that a folder name would escape, folders that are not key=value.
TEST_F(EngineTest, OtherPartitionLayoutsKeepOneBranchPerPartition) {
  struct Case {
    std::string name;
    std::string value;
    std::string folder;
  };
  for (const Case& c : {Case{"nul", "__HIVE_DEFAULT_PARTITION__", "dt=__HIVE_DEFAULT_PARTITION__"},
                        Case{"esc", "a b:c", "dt=a%20b%3Ac"}, Case{"plain", "1", "1"},
                        Case{"upper", "1", "DT=1"}}) {
    WriteParquet(data_dir_ / "s3/lake" / c.name / c.folder / "a.parquet", "SELECT i AS id FROM range(3) t(i)");
    WriteParquet(data_dir_ / "s3/lake" / c.name / "dt=9/a.parquet", "SELECT i AS id FROM range(2) t(i)");
    catalog::Table table;
    table.database = "vehicles";
    table.name = c.name;
    table.storage.columns = {{"id", "bigint", ""}};
    table.storage.location = fmt::format("s3://lake/{}/", c.name);
    table.partition_keys = {{"dt", "string", ""}};
    table.parameters = {{"classification", "parquet"}};
    ASSERT_OK(catalog_->CreateTable(table));
    std::vector<catalog::Partition> partitions(2);
    partitions[0].values = {c.value};
    partitions[0].storage.location = fmt::format("s3://lake/{}/{}/", c.name, c.folder);
    partitions[1].values = {"9"};
    partitions[1].storage.location = fmt::format("s3://lake/{}/dt=9/", c.name);
    ASSERT_OK(catalog_->CreatePartitions("vehicles", c.name, partitions));
    std::string expected = c.value == "__HIVE_DEFAULT_PARTITION__" ? "NULL" : c.value;
    EXPECT_EQ(Single(fmt::format("SELECT coalesce(max(dt) FILTER (WHERE dt <> '9'), 'NULL') || ':' || count(*) "
                                 "FROM vehicles.{}",
                                 c.name)),
              expected + ":5")
        << c.name;
    auto view = engine_->ViewSql("vehicles", c.name);
    ASSERT_OK(view);
    EXPECT_THAT(*view, HasSubstr("UNION ALL")) << c.name;
  }
}

TEST_F(EngineTest, AFooterIsReadAgainWhenItsFileChanges) {
  const fs::path file = data_dir_ / "s3/lake/stage/part-0.parquet";
  const int64_t before = Layout(file).All();
  EXPECT_EQ(Run("SELECT * FROM vehicles.vehicles_stage").stats.bytes_scanned, before);
  // The same path, other content: the view still reads it, and the cached footer is stale.
  WriteParquet(file,
               "SELECT 'w' || i AS vehicle_id, 'acme' AS vendor, i * 2.0 AS speed_kmh, 'n' AS notes FROM range(10) t(i)");
  const int64_t after_layout = Layout(file).All();
  ASSERT_NE(after_layout, before);
  QueryResult after = Run("SELECT * FROM vehicles.vehicles_stage");
  EXPECT_EQ(after.rows.size(), 10u);
  EXPECT_EQ(after.stats.bytes_scanned, after_layout);
}

TEST_F(EngineTest, PeakMemoryIsMeasuredPerQuery) {
  // One connection, so every query runs on the one whose profiler has seen the heavy query.
  auto engine = Engine::Open(
      {.data_dir = data_dir_, .memory_limit = "512MB", .threads = 2, .max_concurrent_queries = 1}, catalog_.get());
  ASSERT_OK(engine);
  const std::string heavy_sql = "SELECT count(DISTINCT i) FROM range(3000000) t(i)";
  auto heavy = (*engine)->Execute(heavy_sql);
  ASSERT_OK(heavy);
  EXPECT_GT(heavy->stats.peak_memory_bytes, int64_t{16} << 20);
  auto light = (*engine)->Execute("SELECT 42");
  ASSERT_OK(light);
  EXPECT_LT(light->stats.peak_memory_bytes, heavy->stats.peak_memory_bytes / 4);
  // The profiler's running maximum does not rise again; the sampling still sees the query.
  auto again = (*engine)->Execute(heavy_sql);
  ASSERT_OK(again);
  EXPECT_GT(again->stats.peak_memory_bytes, int64_t{16} << 20);
  // Statements answered from the catalog use no DuckDB memory.
  auto tables = (*engine)->Execute("SHOW TABLES IN vehicles");
  ASSERT_OK(tables);
  EXPECT_EQ(tables->stats.peak_memory_bytes, 0);
}

TEST_F(EngineTest, ShowAndDescribeAreAnsweredFromTheCatalog) {
  QueryResult tables = Run("SHOW TABLES IN vehicles");
  EXPECT_THAT(tables.column_names, ElementsAre("tab_name"));
  ASSERT_EQ(tables.rows.size(), 2u);
  EXPECT_EQ(tables.rows[0][0], "vehicles_raw");
  EXPECT_EQ(tables.stats.rows, 2);
  EXPECT_EQ(tables.stats.bytes_scanned, 0);
  auto described = engine_->Execute("DESCRIBE vehicles_raw", "vehicles");
  ASSERT_OK(described);
  EXPECT_THAT(described->column_names, ElementsAre("col_name", "data_type", "comment"));
  EXPECT_EQ(described->rows[2], (std::vector<std::optional<std::string>>{
                                    "vehicle_status", "struct<speed_kmh:double,doors_locked:boolean>", ""}));
  EXPECT_EQ(Run("SHOW PARTITIONS vehicles.vehicles_raw").rows[1][0], "year=2026/month=11/day=26/hour=02");
  Error unknown = Refusal("DESCRIBE vehicles.nope");
  EXPECT_THAT(unknown.message(), HasSubstr("vehicles.nope does not exist"));
  EXPECT_THAT(unknown.message(), HasSubstr("vehicles.vehicles_raw, vehicles.vehicles_stage"));
}

TEST_F(EngineTest, DdlIsRefusedWithAClearReason) {
  const std::vector<std::string> ddl = {
      "CREATE TABLE vehicles.t AS SELECT 1",
      "CREATE EXTERNAL TABLE vehicles.t (a int) LOCATION 's3://lake/t/'",
      "DROP VIEW vehicles.vehicles_raw",
      "DROP TABLE vehicles.vehicles_raw",
      "ALTER TABLE vehicles.vehicles_raw ADD PARTITION (year='2027')",
      "MSCK REPAIR TABLE vehicles.vehicles_raw",
  };
  for (const auto& sql : ddl) {
    Error error = Refusal(sql);
    EXPECT_EQ(error.code(), Error::Code::kInvalidArgument) << sql;
    EXPECT_THAT(error.message(), HasSubstr("is not supported")) << sql;
    EXPECT_THAT(error.message(), HasSubstr("DDL statements")) << sql;
  }
  EXPECT_THAT(Refusal("DROP TABLE vehicles.vehicles_raw").message(), ::testing::StartsWith("DROP TABLE is not"));
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "10");
  auto table = catalog_->GetTable("vehicles", "vehicles_raw");
  EXPECT_TRUE(table);
}

TEST_F(EngineTest, ParquetTable) {
  QueryResult by_vendor = Run(
      R"(SELECT vendor, count(*), sum(speed_kmh) FROM "vehicles"."vehicles_stage" GROUP BY 1 ORDER BY 1)");
  ASSERT_EQ(by_vendor.rows.size(), 2u);
  EXPECT_EQ(by_vendor.rows[0], (std::vector<std::optional<std::string>>{"acme", "500", "374250.0"}));
  EXPECT_EQ(by_vendor.rows[1], (std::vector<std::optional<std::string>>{"globex", "500", "375000.0"}));
  QueryResult every_column = Run("SELECT * FROM vehicles.vehicles_stage ORDER BY speed_kmh DESC LIMIT 2");
  ASSERT_EQ(every_column.rows.size(), 2u);
  EXPECT_EQ(every_column.rows[0][0], "v999");
  EXPECT_EQ(every_column.rows[1][0], "v998");
  EXPECT_THAT(every_column.column_types, ElementsAre("VARCHAR", "VARCHAR", "DOUBLE", "VARCHAR"));
}

TEST_F(EngineTest, DefaultDatabaseResolvesUnqualifiedNames) {
  auto result = engine_->Execute("SELECT count(*) FROM vehicles_raw", "vehicles");
  ASSERT_OK(result);
  EXPECT_EQ(result->rows[0][0], "10");
  auto unknown = engine_->Execute("SELECT 1", "nope");
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message(), HasSubstr("vehicles.vehicles_raw"));
}

TEST_F(EngineTest, UnknownTableNamesTheCatalogsTables) {
  Error error = Refusal("SELECT * FROM vehicles.no_such_table");
  EXPECT_EQ(error.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(error.message(), HasSubstr("Catalog Error"));
  EXPECT_THAT(error.message(), HasSubstr("vehicles.vehicles_raw, vehicles.vehicles_stage"));
}

TEST_F(EngineTest, BadSqlCarriesDuckDbsMessage) {
  Error error = Refusal("SELEC 1");
  EXPECT_EQ(error.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(error.message(), HasSubstr("Parser Error"));
}

TEST_F(EngineTest, ViewsFollowTheCatalog) {
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "10");
  ASSERT_OK(catalog_->CreatePartitions("vehicles", "vehicles_raw", {RawPartition("03")}));
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "15");
  ASSERT_OK(catalog_->DeleteTable("vehicles", "vehicles_stage"));
  Error error = Refusal("SELECT * FROM vehicles.vehicles_stage");
  EXPECT_THAT(error.message(), HasSubstr("Catalog Error"));
}

TEST_F(EngineTest, TableWithoutDataIsEmptyWithItsColumns) {
  catalog::Table empty;
  empty.database = "vehicles";
  empty.name = "empty_json";
  empty.storage.columns = {{"a", "bigint", ""}, {"b", "map<string,int>", ""}};
  empty.storage.location = "s3://lake/nothing-here/";
  empty.partition_keys = {{"dt", "string", ""}};
  empty.parameters = {{"classification", "json"}};
  ASSERT_OK(catalog_->CreateTable(empty));
  QueryResult result = Run("SELECT * FROM vehicles.empty_json");
  EXPECT_TRUE(result.rows.empty());
  EXPECT_THAT(result.column_types, ElementsAre("BIGINT", "MAP(VARCHAR, INTEGER)", "VARCHAR"));
}

TEST_F(EngineTest, SandboxRefusesFilesOutsideTheLake) {
  WriteFile(root_ / "outside.json", "{\"secret\": 1}\n");
  EXPECT_THAT(Refusal("SELECT * FROM read_csv('/etc/passwd')").message(), HasSubstr("Permission Error"));
  EXPECT_THAT(Refusal(fmt::format("SELECT * FROM read_json({})",
                                  duckdb::QuoteLiteral((root_ / "outside.json").string())))
                  .message(),
              HasSubstr("Permission Error"));
  EXPECT_THAT(Refusal(fmt::format("SELECT * FROM read_text({})",
                                  duckdb::QuoteLiteral((data_dir_ / "catalog.db").string())))
                  .message(),
              HasSubstr("Permission Error"));
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "10");
}

TEST_F(EngineTest, SandboxRefusesEverythingButQueries) {
  fs::path target = data_dir_ / "s3/lake/stolen.csv";
  const std::vector<std::string> refused = {
      fmt::format("COPY (SELECT 1) TO {}", duckdb::QuoteLiteral(target.string())),
      fmt::format("ATTACH {} AS other", duckdb::QuoteLiteral((root_ / "other.duckdb").string())),
      "INSTALL httpfs",
      "LOAD httpfs",
      "SET enable_external_access = true",
      "SET allowed_directories = ['/']",
      "PRAGMA enable_profiling",
      fmt::format("EXPORT DATABASE {}", duckdb::QuoteLiteral((root_ / "export").string())),
      // A refused statement after an allowed one still stops the query.
      "SELECT 1; DROP SCHEMA vehicles CASCADE",
      // EXPLAIN ANALYZE runs what it explains: only queries may be explained.
      fmt::format("EXPLAIN ANALYZE COPY (SELECT 1) TO {}", duckdb::QuoteLiteral(target.string())),
      fmt::format("explain analyse /* a /* nested */ comment */ COPY (SELECT 1) TO {}",
                  duckdb::QuoteLiteral(target.string())),
      fmt::format("SELECT ';'; EXPLAIN ANALYZE COPY (SELECT 1) TO {}", duckdb::QuoteLiteral(target.string())),
      fmt::format("SELECT E'\\';'; EXPLAIN ANALYZE COPY (SELECT 1) TO {}", duckdb::QuoteLiteral(target.string())),
      "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
      "EXPLAIN ANALYZE CREATE OR REPLACE VIEW vehicles.vehicles_raw AS SELECT 1 AS x",
  };
  for (const auto& sql : refused) {
    Error error = Refusal(sql);
    EXPECT_EQ(error.code(), Error::Code::kInvalidArgument) << sql;
    EXPECT_THAT(error.message(), HasSubstr("Permission Error")) << sql;
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(root_ / "other.duckdb"));
  EXPECT_FALSE(fs::exists(root_ / "export"));
  EXPECT_EQ(Single("SELECT count(*) FROM vehicles.vehicles_raw"), "10");
  // EXPLAIN, and EXPLAIN ANALYZE of a query, still run.
  EXPECT_FALSE(Run("EXPLAIN SELECT count(*) FROM vehicles.vehicles_raw").rows.empty());
  EXPECT_FALSE(Run("EXPLAIN ANALYZE SELECT count(*) FROM vehicles.vehicles_raw").rows.empty());
  EXPECT_FALSE(Run("EXPLAIN (FORMAT json) (SELECT 1)").rows.empty());
}

TEST_F(EngineTest, QueryOverItsTimeLimitIsInterrupted) {
  auto limited = Engine::Open({.data_dir = data_dir_,
                               .threads = 1,
                               .max_concurrent_queries = 1,
                               .query_timeout = std::chrono::milliseconds(200)},
                              catalog_.get());
  ASSERT_OK(limited);
  auto start = std::chrono::steady_clock::now();
  auto slow = (*limited)->Execute("SELECT sum(hash(i)) FROM range(100000000000) t(i)");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code(), Error::Code::kLimitExceeded);
  EXPECT_THAT(slow.error().message(), HasSubstr("time limit of 200 ms"));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  // The same (only) connection runs the next query normally.
  auto next = (*limited)->Execute("SELECT count(*) FROM vehicles.vehicles_raw");
  ASSERT_OK(next);
  EXPECT_EQ(next->rows[0][0], "10");
}

TEST_F(EngineTest, ConcurrentQueriesGetTheirOwnResults) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong = 0;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string hour = (t + i) % 2 == 0 ? "01" : "02";
        auto result = engine_->Execute(fmt::format("SELECT count(*) FROM vehicles_raw WHERE hour = '{}'", hour),
                                       "vehicles");
        if (!result || result->rows.size() != 1 || result->rows[0][0] != (hour == "01" ? "6" : "4")) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace lakebox::query
