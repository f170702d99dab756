// PlanTables' SQL is run on an in-memory DuckDB over a source table shaped like the seed's
// records (with a row id column), and the rows of every planned table are checked.
#include "etl/relationalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "query/duckdb/duckdb.h"
#include "query/table_scan.h"
#include "test_support.h"

namespace lakebox::etl {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view kRowId = "__row_id";

// The columns the crawler gives the seed's records, then a partition key.
const std::vector<catalog::Column> kSeedColumns = {
    {"vehicle_id", "string", ""},
    {"vendor", "string", ""},
    {"vehicle_status", "struct<speed_kmh:double,engine_temp_c:double,doors_locked:boolean>", ""},
    {"gps_info", "struct<latitude:double,longitude:double>", ""},
    {"alerts", "array<struct<code:string,severity:int>>", ""},
    {"partition_0", "string", ""},
};

// Row ids 10, 11, ... (not 0-based, so that a key mixed up with an index shows).
constexpr std::string_view kSeedRows = R"sql(
  (10, 'V-1', 'volvo', {'speed_kmh': 63.5, 'engine_temp_c': 88.0, 'doors_locked': true},
   {'latitude': -23.5, 'longitude': -46.5}, [{'code': 'TIRE_PRESSURE', 'severity': 2}, {'code': 'ENGINE_TEMP', 'severity': 3}], 'p'),
  (11, 'V-2', 'scania', {'speed_kmh': 0.0, 'engine_temp_c': 70.0, 'doors_locked': false},
   {'latitude': -20.0, 'longitude': -40.0}, [], 'p'),
  (12, 'V-3', 'volvo', NULL, {'latitude': NULL, 'longitude': -41.0}, NULL, 'p'),
  (13, 'V-4', 'man', {'speed_kmh': 90.0, 'engine_temp_c': NULL, 'doors_locked': true},
   NULL, [{'code': 'LOW_FUEL', 'severity': 1}], 'q'))sql";

JobDefinition SeedJob() {
  JobDefinition job;
  job.name = "vehicles_to_stage";
  job.source_database = "vehicles";
  job.source_table = "vehicles_raw";
  job.target = "s3://lake/stage/";
  job.partition_by = {"vendor"};
  return job;
}

class RelationalizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = query::duckdb::Database::Open("", {{"threads", "1"}});
    ASSERT_OK(database);
    database_.emplace(std::move(*database));
    auto connection = query::duckdb::Connection::Open(*database_);
    ASSERT_OK(connection);
    connection_.emplace(std::move(*connection));
  }

  // Creates table "source" with `columns` (as the catalog types them) and a row id column, and
  // inserts `rows` (a VALUES list: row id first).
  void CreateSource(const std::vector<catalog::Column>& columns, std::string_view rows) {
    std::string definition = fmt::format("{} BIGINT", query::duckdb::QuoteIdentifier(kRowId));
    for (const auto& column : columns) {
      auto type = query::DuckTypeOfHive(column);
      ASSERT_OK(type);
      definition += fmt::format(", {} {}", query::duckdb::QuoteIdentifier(column.name), *type);
    }
    ASSERT_OK(connection_->Execute(fmt::format("CREATE TABLE source ({})", definition)));
    ASSERT_OK(connection_->Execute(fmt::format("INSERT INTO source VALUES {}", rows)));
  }

  std::vector<PlannedTable> Plan(const JobDefinition& job, const std::vector<catalog::Column>& columns) {
    auto tables = PlanTables(job, columns, "source", kRowId);
    EXPECT_TRUE(tables) << tables.error().ToString();
    return tables ? *tables : std::vector<PlannedTable>{};
  }

  // The rows of `sql`, sorted, each as its cells joined by " | " (NULL as "NULL").
  std::vector<std::string> Rows(const std::string& sql) {
    auto result = connection_->Query(fmt::format("SELECT * FROM ({}) ORDER BY ALL", sql));
    EXPECT_TRUE(result) << result.error().ToString() << "\n" << sql;
    std::vector<std::string> rows;
    if (!result) return rows;
    for (size_t row = 0; row < result->RowCount(); ++row) {
      std::string line;
      for (size_t column = 0; column < result->ColumnCount(); ++column)
        line += fmt::format("{}{}", column ? " | " : "", result->Text(column, row).value_or("NULL"));
      rows.push_back(line);
    }
    return rows;
  }

  // The names and DuckDB types of the columns of `sql`'s result.
  std::vector<std::string> Columns(const std::string& sql) {
    auto result = connection_->Query(fmt::format("SELECT * FROM ({}) LIMIT 0", sql));
    EXPECT_TRUE(result) << result.error().ToString() << "\n" << sql;
    std::vector<std::string> columns;
    if (!result) return columns;
    for (size_t column = 0; column < result->ColumnCount(); ++column)
      columns.push_back(result->ColumnName(column) + " " + result->ColumnType(column));
    return columns;
  }

  std::string PlanError(const JobDefinition& job, const std::vector<catalog::Column>& columns) {
    auto tables = PlanTables(job, columns, "source", kRowId);
    if (tables) return "planned";
    EXPECT_EQ(tables.error().code(), Error::Code::kInvalidArgument);
    return tables.error().message();
  }

  std::optional<query::duckdb::Database> database_;
  std::optional<query::duckdb::Connection> connection_;
};

TEST_F(RelationalizeTest, FlattensTheSeedsRecordAndPivotsAlertsOut) {
  CreateSource(kSeedColumns, kSeedRows);
  std::vector<PlannedTable> tables = Plan(SeedJob(), kSeedColumns);
  ASSERT_EQ(tables.size(), 2u);

  const PlannedTable& root = tables[0];
  EXPECT_EQ(root.target, "s3://lake/stage/");
  EXPECT_THAT(root.partition_by, ElementsAre("vendor"));
  EXPECT_THAT(root.columns,
              ElementsAre("vehicle_id", "vendor", "vehicle_status_speed_kmh", "vehicle_status_engine_temp_c",
                          "vehicle_status_doors_locked", "gps_info_latitude", "gps_info_longitude", "alerts",
                          "partition_0"));
  EXPECT_THAT(Columns(root.select_sql),
              ElementsAre("vehicle_id VARCHAR", "vendor VARCHAR", "vehicle_status_speed_kmh DOUBLE",
                          "vehicle_status_engine_temp_c DOUBLE", "vehicle_status_doors_locked BOOLEAN",
                          "gps_info_latitude DOUBLE", "gps_info_longitude DOUBLE", "alerts BIGINT",
                          "partition_0 VARCHAR"));
  // A NULL struct gives NULL fields; a NULL array a NULL key; an empty array a key without rows.
  EXPECT_THAT(Rows(root.select_sql),
              ElementsAre("V-1 | volvo | 63.5 | 88.0 | true | -23.5 | -46.5 | 10 | p",
                          "V-2 | scania | 0.0 | 70.0 | false | -20.0 | -40.0 | 11 | p",
                          "V-3 | volvo | NULL | NULL | NULL | NULL | -41.0 | NULL | p",
                          "V-4 | man | 90.0 | NULL | true | NULL | NULL | 13 | q"));

  const PlannedTable& alerts = tables[1];
  EXPECT_EQ(alerts.target, "s3://lake/stage_alerts/");
  EXPECT_THAT(alerts.partition_by, IsEmpty());
  EXPECT_THAT(alerts.columns, ElementsAre("id", "index", "alerts_val_code", "alerts_val_severity"));
  EXPECT_THAT(Columns(alerts.select_sql),
              ElementsAre("id BIGINT", "index INTEGER", "alerts_val_code VARCHAR", "alerts_val_severity INTEGER"));
  EXPECT_THAT(Rows(alerts.select_sql),
              ElementsAre("10 | 0 | TIRE_PRESSURE | 2", "10 | 1 | ENGINE_TEMP | 3", "13 | 0 | LOW_FUEL | 1"));

  // The child joins back to its parents on the array's key.
  EXPECT_THAT(Rows(fmt::format("SELECT r.vehicle_id, c.index, c.alerts_val_code FROM ({}) r JOIN ({}) c "
                               "ON r.alerts = c.id",
                               root.select_sql, alerts.select_sql)),
              ElementsAre("V-1 | 0 | TIRE_PRESSURE", "V-1 | 1 | ENGINE_TEMP", "V-4 | 0 | LOW_FUEL"));
}

TEST_F(RelationalizeTest, DotSeparatorGivesGluesQuotedNames) {
  CreateSource(kSeedColumns, kSeedRows);
  JobDefinition job = SeedJob();
  job.separator = ".";
  job.filter = "\"vehicle_status.speed_kmh\" > 50";
  std::vector<PlannedTable> tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_THAT(tables[0].columns,
              ElementsAre("vehicle_id", "vendor", "vehicle_status.speed_kmh", "vehicle_status.engine_temp_c",
                          "vehicle_status.doors_locked", "gps_info.latitude", "gps_info.longitude", "alerts",
                          "partition_0"));
  EXPECT_THAT(Rows(fmt::format("SELECT vehicle_id, \"vehicle_status.speed_kmh\", \"gps_info.latitude\" FROM ({})",
                               tables[0].select_sql)),
              ElementsAre("V-1 | 63.5 | -23.5", "V-4 | 90.0 | NULL"));
  EXPECT_EQ(tables[1].target, "s3://lake/stage_alerts/");  // table names always join with '_'
  EXPECT_THAT(tables[1].columns, ElementsAre("id", "index", "alerts.val.code", "alerts.val.severity"));
  EXPECT_THAT(Rows(tables[1].select_sql),
              ElementsAre("10 | 0 | TIRE_PRESSURE | 2", "10 | 1 | ENGINE_TEMP | 3", "13 | 0 | LOW_FUEL | 1"));
}

TEST_F(RelationalizeTest, FilterKeepsChildRowsOfPassingParentsOnly) {
  CreateSource(kSeedColumns, kSeedRows);
  JobDefinition job = SeedJob();
  job.filter = "vehicle_status_speed_kmh < 80 OR vendor = 'scania'";
  std::vector<PlannedTable> tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_THAT(Rows("SELECT vehicle_id, alerts FROM (" + tables[0].select_sql + ")"),
              ElementsAre("V-1 | 10", "V-2 | 11"));
  EXPECT_EQ(Columns(tables[0].select_sql).size(), 9u);  // the row id is not an output column
  EXPECT_THAT(Rows(tables[1].select_sql), ElementsAre("10 | 0 | TIRE_PRESSURE | 2", "10 | 1 | ENGINE_TEMP | 3"));

  job.filter = "vehicle_status_speed_kmh > 80";
  tables = Plan(job, kSeedColumns);
  EXPECT_THAT(Rows(tables[0].select_sql), ElementsAre("V-4 | man | 90.0 | NULL | true | NULL | NULL | 13 | q"));
  EXPECT_THAT(Rows(tables[1].select_sql), ElementsAre("13 | 0 | LOW_FUEL | 1"));

  // An invalid filter is DuckDB's to report, when the run binds the SQL.
  job.filter = "no_such_column > 1";
  tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 2u);
  auto bad = connection_->Query(tables[0].select_sql);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("no_such_column"));
}

TEST_F(RelationalizeTest, MappingsRenameCastAndDrop) {
  CreateSource(kSeedColumns, kSeedRows);
  JobDefinition job = SeedJob();
  job.mappings = {
      {.source = "vehicle_status_speed_kmh", .target = "speed_kmh", .type = "int"},
      {.source = "Vehicle_Id", .target = "vehicle", .type = std::nullopt},  // names match case-insensitively
      {.source = "vehicle_status_engine_temp_c", .target = std::nullopt, .type = "string"},
      {.source = "gps_info_longitude", .drop = true},
      {.source = "gps_info_latitude", .drop = true},
      {.source = "vehicle_status_doors_locked", .drop = true},
      {.source = "partition_0", .drop = true},
  };
  job.filter = "speed_kmh > 0";  // the filter sees the mapped names
  std::vector<PlannedTable> tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_THAT(Columns(tables[0].select_sql),
              ElementsAre("vehicle VARCHAR", "vendor VARCHAR", "speed_kmh INTEGER",
                          "vehicle_status_engine_temp_c VARCHAR", "alerts BIGINT"));
  EXPECT_THAT(Rows(tables[0].select_sql), ElementsAre("V-1 | volvo | 64 | 88.0 | 10", "V-4 | man | 90 | NULL | 13"));
  EXPECT_THAT(Rows(tables[1].select_sql), ElementsAre("10 | 0 | TIRE_PRESSURE | 2", "10 | 1 | ENGINE_TEMP | 3",
                                                      "13 | 0 | LOW_FUEL | 1"));

  // Dropping an array's key drops its child table.
  job = SeedJob();
  job.mappings = {{.source = "alerts", .drop = true}};
  tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_THAT(tables[0].columns, ::testing::Not(::testing::Contains("alerts")));
}

TEST_F(RelationalizeTest, NestedArraysRecurseWithKeysUniquePerChildRow) {
  const std::vector<catalog::Column> columns = {
      {"alerts", "array<struct<code:string,tags:array<string>>>", ""},
      {"matrix", "array<array<int>>", ""},
      {"info", "struct<tags:array<string>,meta:map<string,int>>", ""},
  };
  CreateSource(columns, R"sql(
      (1, [{'code': 'A', 'tags': ['x', 'y']}, {'code': 'B', 'tags': NULL}, NULL], [[1, 2], [], NULL], {'tags': ['t'], 'meta': MAP {'k': 1}}),
      (2, [{'code': 'C', 'tags': ['z']}], NULL, NULL),
      (3, [], [[3]], {'tags': NULL, 'meta': NULL}))sql");
  JobDefinition job = SeedJob();
  job.partition_by = {};
  std::vector<PlannedTable> tables = Plan(job, columns);
  ASSERT_EQ(tables.size(), 6u);
  const PlannedTable& root = tables[0];
  EXPECT_THAT(Columns(root.select_sql),
              ElementsAre("alerts BIGINT", "matrix BIGINT", "info_tags BIGINT", "info_meta MAP(VARCHAR, INTEGER)"));
  // (Result::Text gives "" for nested values: cast them to VARCHAR.)
  EXPECT_THAT(Rows(fmt::format("SELECT alerts, matrix, info_tags, CAST(info_meta AS VARCHAR) FROM ({})",
                               root.select_sql)),
              ElementsAre("1 | 1 | 1 | {k=1}", "2 | NULL | NULL | NULL", "3 | 3 | NULL | NULL"));

  // Depth first: alerts, its tags, matrix, its inner arrays, info.tags.
  std::vector<std::string> targets;
  for (const auto& table : tables) targets.push_back(table.target);
  EXPECT_THAT(targets, ElementsAre("s3://lake/stage/", "s3://lake/stage_alerts/", "s3://lake/stage_alerts_val_tags/",
                                   "s3://lake/stage_matrix/", "s3://lake/stage_matrix_val/",
                                   "s3://lake/stage_info_tags/"));

  // A child row's key for its own arrays is id * 2^20 + index.
  const PlannedTable& alerts = tables[1];
  EXPECT_THAT(alerts.columns, ElementsAre("id", "index", "alerts_val_code", "alerts_val_tags"));
  EXPECT_THAT(Rows(alerts.select_sql), ElementsAre("1 | 0 | A | 1048576", "1 | 1 | B | NULL", "1 | 2 | NULL | NULL",
                                                   "2 | 0 | C | 2097152"));
  const PlannedTable& tags = tables[2];
  EXPECT_THAT(tags.columns, ElementsAre("id", "index", "alerts_val_tags_val"));
  EXPECT_THAT(Rows(tags.select_sql), ElementsAre("1048576 | 0 | x", "1048576 | 1 | y", "2097152 | 0 | z"));
  EXPECT_THAT(Rows(fmt::format("SELECT c.id, c.alerts_val_code, g.alerts_val_tags_val FROM ({}) c JOIN ({}) g "
                               "ON c.alerts_val_tags = g.id",
                               alerts.select_sql, tags.select_sql)),
              ElementsAre("1 | A | x", "1 | A | y", "2 | C | z"));

  EXPECT_THAT(tables[3].columns, ElementsAre("id", "index", "matrix_val"));
  EXPECT_THAT(Rows(tables[3].select_sql),
              ElementsAre("1 | 0 | 1048576", "1 | 1 | 1048577", "1 | 2 | NULL", "3 | 0 | 3145728"));
  EXPECT_THAT(tables[4].columns, ElementsAre("id", "index", "matrix_val_val"));
  EXPECT_THAT(Rows(tables[4].select_sql),
              ElementsAre("1048576 | 0 | 1", "1048576 | 1 | 2", "3145728 | 0 | 3"));

  EXPECT_THAT(tables[5].columns, ElementsAre("id", "index", "info_tags_val"));
  EXPECT_THAT(Rows(tables[5].select_sql), ElementsAre("1 | 0 | t"));
}

TEST_F(RelationalizeTest, NestedKeysThatWouldOverflowFailTheRun) {
  const std::vector<catalog::Column> columns = {{"m", "array<array<int>>", ""}};
  CreateSource(columns, "(8796093022207, [[1]]), (8796093022208, [[2]])");  // 2^43 - 1 and 2^43
  JobDefinition job = SeedJob();
  job.partition_by = {};
  std::vector<PlannedTable> tables = Plan(job, columns);
  ASSERT_EQ(tables.size(), 3u);
  auto result = connection_->Query(tables[1].select_sql);
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message(), HasSubstr("nested too deep"));
  ASSERT_OK(connection_->Execute("DELETE FROM source WHERE __row_id > 8796093022207"));
  EXPECT_THAT(Rows(tables[2].select_sql), ElementsAre("9223372036853727232 | 0 | 1"));
}

TEST_F(RelationalizeTest, TransformNoneKeepsColumnsAsTheyAre) {
  CreateSource(kSeedColumns, kSeedRows);
  JobDefinition job = SeedJob();
  job.transform = "none";
  job.filter = "vehicle_status.speed_kmh > 60";
  job.mappings = {{.source = "partition_0", .drop = true}};
  std::vector<PlannedTable> tables = Plan(job, kSeedColumns);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_THAT(tables[0].columns, ElementsAre("vehicle_id", "vendor", "vehicle_status", "gps_info", "alerts"));
  EXPECT_EQ(Columns(tables[0].select_sql)[4], "alerts STRUCT(code VARCHAR, severity INTEGER)[]");
  EXPECT_THAT(Rows("SELECT vehicle_id, CAST(alerts AS VARCHAR) FROM (" + tables[0].select_sql + ")"),
              ElementsAre("V-1 | [{'code': TIRE_PRESSURE, 'severity': 2}, {'code': ENGINE_TEMP, 'severity': 3}]",
                          "V-4 | [{'code': LOW_FUEL, 'severity': 1}]"));
}

TEST_F(RelationalizeTest, PartitionColumnsMustBeScalarRootColumns) {
  JobDefinition job = SeedJob();
  job.partition_by = {"VENDOR", "partition_0"};
  auto tables = PlanTables(job, kSeedColumns, "source", kRowId);
  ASSERT_OK(tables);
  EXPECT_THAT((*tables)[0].partition_by, ElementsAre("vendor", "partition_0"));  // the column's own spelling

  job.partition_by = {"vendr"};
  EXPECT_THAT(PlanError(job, kSeedColumns),
              AllOf(HasSubstr("job \"vehicles_to_stage\": partition_by column \"vendr\" is not an output column"),
                    HasSubstr("vehicle_id, vendor, vehicle_status_speed_kmh")));
  job.partition_by = {"vehicle_status"};  // flattened away
  EXPECT_THAT(PlanError(job, kSeedColumns), HasSubstr("\"vehicle_status\" is not an output column"));
  job.transform = "none";
  EXPECT_THAT(PlanError(job, kSeedColumns),
              HasSubstr("partition_by column \"vehicle_status\" is a struct; partition columns must be scalar"));
  job.partition_by = {"vendor"};
  job.mappings = {{.source = "vendor", .target = "make"}};
  EXPECT_THAT(PlanError(job, kSeedColumns), HasSubstr("partition_by column \"vendor\" is not an output column"));
}

TEST_F(RelationalizeTest, RefusesBadMappingsAndNameClashes) {
  JobDefinition job = SeedJob();
  job.mappings = {{.source = "speed_kmh", .target = "speed"}};
  EXPECT_THAT(PlanError(job, kSeedColumns),
              AllOf(HasSubstr("mapping source \"speed_kmh\" is not an output column"),
                    HasSubstr("vehicle_status_speed_kmh")));
  job.mappings = {{.source = "vendor", .type = "struct<"}};
  EXPECT_THAT(PlanError(job, kSeedColumns), HasSubstr("mapping of \"vendor\": type \"struct<\" is not a Hive type"));
  job.mappings = {{.source = "vendor", .target = "vehicle_id"}};
  EXPECT_THAT(PlanError(job, kSeedColumns), HasSubstr("the root table has two columns named \"vehicle_id\""));

  // vehicle_status.speed_kmh and a top-level vehicle_status_speed_kmh flatten to one name.
  std::vector<catalog::Column> clash = kSeedColumns;
  clash.push_back({"vehicle_status_speed_kmh", "double", ""});
  job = SeedJob();
  EXPECT_THAT(PlanError(job, clash), HasSubstr("two columns named \"vehicle_status_speed_kmh\""));
  job.separator = ".";
  EXPECT_EQ(PlanError(job, clash), "planned");

  std::vector<catalog::Column> row_id = {{"__row_id", "bigint", ""}, {"a", "int", ""}};
  EXPECT_THAT(PlanError(SeedJob(), row_id), HasSubstr("has the name of the run's row id column"));
  std::vector<catalog::Column> bad_type = {{"a", "struct<x:", ""}};
  EXPECT_THAT(PlanError(SeedJob(), bad_type), HasSubstr("source column \"a\" has type \"struct<x:\""));
}

}  // namespace
}  // namespace lakebox::etl
