#include "catalog/sqlite_catalog.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "catalog/sqlite_util.h"
#include "common/time.h"
#include "test_support.h"

namespace lakebox::catalog {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The error of a failed call, or an Internal error saying it succeeded (so EXPECT_EQ on code and
// message fails with a readable diff).
template <typename T>
Error ErrorOf(const Result<T>& result) {
  if (result) return Error::Internal("the call succeeded");
  return result.error();
}

Database MakeDatabase(std::string name) {
  Database database;
  database.name = std::move(name);
  database.description = "vehicle telemetry";
  database.location_uri = "s3://lake/";
  database.parameters = {{"owner", "data-team"}};
  return database;
}

Table MakeTable(std::string database, std::string name, int partition_key_count = 0) {
  Table table;
  table.database = std::move(database);
  table.name = std::move(name);
  table.description = "raw records";
  table.storage.columns = {{"vehicle_id", "string", ""},
                           {"speed", "int", "km/h"},
                           {"vehicle_status", "struct<engine:string,fuel:double>", ""},
                           {"alerts", "array<struct<code:int,message:string>>", ""}};
  table.storage.location = "s3://lake/raw/";
  table.storage.input_format = "org.apache.hadoop.mapred.TextInputFormat";
  table.storage.output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
  table.storage.compressed = true;
  table.storage.serde_library = "org.openx.data.jsonserde.JsonSerDe";
  table.storage.serde_parameters = {{"paths", "alerts,speed,vehicle_id,vehicle_status"}};
  table.storage.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
  const char* keys[] = {"year", "month", "day", "hour"};
  for (int i = 0; i < partition_key_count; ++i) table.partition_keys.push_back({keys[i], "string", ""});
  table.parameters = {{"classification", "json"}, {"compressionType", "gzip"}, {"recordCount", "1000"}};
  table.created_by = "arn:aws:sts::000000000000:assumed-role/crawler/AWS-Crawler";
  return table;
}

Partition MakePartition(std::vector<std::string> values) {
  Partition partition;
  partition.values = std::move(values);
  std::string folder;
  for (const std::string& value : partition.values) folder += value + "/";
  partition.storage.location = "s3://lake/raw/" + folder;
  partition.storage.columns = {{"vehicle_id", "string", ""}};
  partition.parameters = {{"recordCount", "10"}, {"objectCount", "1"}};
  return partition;
}

CrawlerDefinition MakeCrawler(std::string name) {
  CrawlerDefinition crawler;
  crawler.name = std::move(name);
  crawler.role = "arn:aws:iam::000000000000:role/crawler";
  crawler.database = "vehicles";
  crawler.description = "raw vehicle data";
  S3Target target;
  target.path = "s3://lake/raw/";
  target.exclusions = {"**.tmp", "_*"};
  target.sample_size = 20;
  crawler.targets = {target, S3Target{"s3://lake/other/", {}, std::nullopt}};
  crawler.table_prefix = "vehicles_";
  crawler.schedule = "cron(15 * * * ? *)";
  crawler.update_behavior = UpdateBehavior::kLog;
  crawler.delete_behavior = DeleteBehavior::kDeleteFromDatabase;
  crawler.recrawl_behavior = RecrawlBehavior::kCrawlNewFoldersOnly;
  crawler.configuration = R"({"Version":1.0})";
  return crawler;
}

// A record schema the size of the seed's vehicle records (about 500 characters).
constexpr std::string_view kVehicleSchema =
    "struct<vehicle_id:string,timestamp:string,vehicle_status:struct<engine_status:string,fuel_level:double,"
    "battery_voltage:double,odometer_km:bigint,speed_kmh:int,engine_temp_c:int,tire_pressure:struct<front_left:"
    "double,front_right:double,rear_left:double,rear_right:double>>,gps_info:struct<latitude:double,longitude:"
    "double,altitude_m:double,heading:int,satellites:int>,driver:struct<driver_id:string,name:string,shift:string>,"
    "alerts:array<struct<code:string,severity:string,message:string,raised_at:string>>,trip_id:string>";

std::vector<CrawledObject> MakeObjects(int count, std::string_view tag) {
  std::vector<CrawledObject> objects(count);
  for (int i = 0; i < count; ++i) {
    CrawledObject& object = objects[i];
    object.key = fmt::format("s3://lake/raw/{}/object-{:06}.gz", tag, i);
    object.size = static_cast<uint64_t>(1000 + i);
    object.modified_ms = 1'700'000'000'000 + i;
    object.etag = fmt::format("\"etag-{}-{}\"", tag, i);
    object.table = "vehicles_raw";
    object.classification = "json";
    object.compression = "gzip";
    object.schema = kVehicleSchema;
    object.records = 500 + i;
  }
  return objects;
}

std::vector<std::string> Names(const std::vector<Table>& tables) {
  std::vector<std::string> names;
  for (const Table& table : tables) names.push_back(table.name);
  return names;
}

class SqliteCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-catalog-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ / "catalog.db";
    auto catalog = SqliteCatalog::Open(file_);
    ASSERT_TRUE(catalog) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }

  // A raw connection to the same file, to look under the interface.
  int64_t CountRows(std::string_view table) {
    auto db = SqliteDb::Open(file_);
    EXPECT_TRUE(db);
    auto text = db->QueryText(fmt::format("SELECT COUNT(*) FROM {}", table));
    EXPECT_TRUE(text) << text.error().ToString();
    return std::stoll(*text);
  }

  int64_t Counter() {
    auto counter = catalog_->ChangeCounter();
    EXPECT_TRUE(counter) << counter.error().ToString();
    return counter.value_or(-1);
  }

  void CreateVehiclesTable(int partition_key_count = 4) {
    ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
    ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw", partition_key_count)));
  }

  fs::path dir_;
  fs::path file_;
  std::unique_ptr<SqliteCatalog> catalog_;
};

// ---- Opening

TEST_F(SqliteCatalogTest, OpenCreatesAWalDatabaseAtTheCurrentSchemaVersion) {
  EXPECT_TRUE(fs::exists(file_));
  auto db = SqliteDb::Open(file_);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->QueryText("PRAGMA journal_mode").value_or(""), "wal");
  EXPECT_EQ(db->QueryText("SELECT MAX(version) FROM schema_version").value_or(""),
            std::to_string(SqliteCatalog::SchemaVersion()));
  EXPECT_EQ(Counter(), 0);
}

TEST_F(SqliteCatalogTest, ReopeningDoesNotRunMigrationsAgain) {
  catalog_.reset();
  for (int i = 0; i < 2; ++i) {
    auto reopened = SqliteCatalog::Open(file_);
    ASSERT_TRUE(reopened) << reopened.error().ToString();
  }
  EXPECT_EQ(CountRows("schema_version"), SqliteCatalog::SchemaVersion());
  EXPECT_EQ(CountRows("change_counter"), 1);
}

TEST_F(SqliteCatalogTest, OpenRejectsACatalogFromANewerLakebox) {
  catalog_.reset();
  {
    auto db = SqliteDb::Open(file_);
    ASSERT_TRUE(db);
    ASSERT_OK(db->Exec("INSERT INTO schema_version (version, applied_time_ms) VALUES (99, 0)"));
  }
  auto reopened = SqliteCatalog::Open(file_);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(reopened.error().message(), ::testing::HasSubstr("schema version 99"));
}

TEST_F(SqliteCatalogTest, OpenRejectsAFileThatIsNotADatabase) {
  fs::path garbage = dir_ / "garbage.db";
  std::ofstream(garbage) << std::string(4096, 'x');
  auto opened = SqliteCatalog::Open(garbage);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Error::Code::kCorruption) << opened.error().ToString();
}

TEST_F(SqliteCatalogTest, OpenFailsInAMissingDirectory) {
  auto opened = SqliteCatalog::Open(dir_ / "missing" / "catalog.db");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Error::Code::kIo) << opened.error().ToString();
}

// ---- Databases

TEST_F(SqliteCatalogTest, DatabaseCrudWithLowerCasedNames) {
  const int64_t before = NowMillis();
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("Vehicles")));
  auto database = catalog_->GetDatabase("VEHICLES");
  ASSERT_TRUE(database) << database.error().ToString();
  EXPECT_EQ(database->name, "vehicles");
  EXPECT_EQ(database->description, "vehicle telemetry");
  EXPECT_EQ(database->location_uri, "s3://lake/");
  EXPECT_EQ(database->parameters, (Parameters{{"owner", "data-team"}}));
  EXPECT_GE(database->create_time_ms, before);
  EXPECT_LE(database->create_time_ms, NowMillis());

  Error duplicate = ErrorOf(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  EXPECT_EQ(duplicate.code(), Error::Code::kAlreadyExists);
  EXPECT_EQ(duplicate.message(), "Database vehicles already exists.");

  ASSERT_OK(catalog_->DeleteDatabase("vehicles"));
  Error missing = ErrorOf(catalog_->GetDatabase("vehicles"));
  EXPECT_EQ(missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(missing.message(), "Database vehicles not found.");
  Error delete_missing = ErrorOf(catalog_->DeleteDatabase("vehicles"));
  EXPECT_EQ(delete_missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(delete_missing.message(), "Database vehicles not found.");
}

TEST_F(SqliteCatalogTest, InvalidNamesAreInvalidInput) {
  EXPECT_EQ(ErrorOf(catalog_->CreateDatabase(MakeDatabase(""))).code(), Error::Code::kInvalidInput);
  EXPECT_EQ(ErrorOf(catalog_->CreateDatabase(MakeDatabase(std::string(256, 'a')))).code(),
            Error::Code::kInvalidInput);
  EXPECT_EQ(ErrorOf(catalog_->GetTable("vehicles", "bad\nname")).code(), Error::Code::kInvalidInput);
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  Table table = MakeTable("vehicles", "t");
  table.storage.columns.push_back({"", "string", ""});
  EXPECT_EQ(ErrorOf(catalog_->CreateTable(table)).code(), Error::Code::kInvalidInput);
  EXPECT_EQ(ErrorOf(catalog_->CreateCrawler(MakeCrawler(""))).code(), Error::Code::kInvalidInput);
}

TEST_F(SqliteCatalogTest, GetDatabasesPaginatesInNameOrder) {
  for (std::string name : {"delta", "alpha", "echo", "charlie", "bravo"})
    ASSERT_OK(catalog_->CreateDatabase(MakeDatabase(name)));
  auto first = catalog_->GetDatabases(std::nullopt, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].name, "alpha");
  EXPECT_EQ(first->items[1].name, "bravo");
  ASSERT_TRUE(first->next_token);
  auto second = catalog_->GetDatabases(first->next_token, 2);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].name, "charlie");
  ASSERT_TRUE(second->next_token);
  auto third = catalog_->GetDatabases(second->next_token, 2);
  ASSERT_TRUE(third);
  ASSERT_EQ(third->items.size(), 1u);
  EXPECT_EQ(third->items[0].name, "echo");
  EXPECT_FALSE(third->next_token);

  auto all = catalog_->GetDatabases(std::nullopt, 5);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 5u);
  EXPECT_FALSE(all->next_token) << "a page that ends exactly at the last database has no next page";

  EXPECT_EQ(ErrorOf(catalog_->GetDatabases(std::string("not base64!"), 2)).code(), Error::Code::kInvalidInput);
  EXPECT_EQ(ErrorOf(catalog_->GetDatabases(std::nullopt, 0)).code(), Error::Code::kInvalidInput);
}

// ---- Tables

TEST_F(SqliteCatalogTest, TableCrudRoundTripsEveryField) {
  Error no_database = ErrorOf(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw")));
  EXPECT_EQ(no_database.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(no_database.message(), "Database vehicles not found.");

  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  const int64_t before = NowMillis();
  Table input = MakeTable("Vehicles", "Vehicles_Raw", 4);
  input.storage.columns[0].name = "Vehicle_ID";
  input.partition_keys[0].name = "YEAR";
  input.version = 42;           // catalog-owned: ignored
  input.create_time_ms = 7;     // catalog-owned: ignored
  ASSERT_OK(catalog_->CreateTable(input));

  auto table = catalog_->GetTable("vehicles", "VEHICLES_RAW");
  ASSERT_TRUE(table) << table.error().ToString();
  Table expected = MakeTable("vehicles", "vehicles_raw", 4);
  EXPECT_EQ(table->database, "vehicles");
  EXPECT_EQ(table->name, "vehicles_raw");
  EXPECT_EQ(table->description, expected.description);
  EXPECT_EQ(table->owner, "owner");
  EXPECT_EQ(table->table_type, "EXTERNAL_TABLE");
  EXPECT_EQ(table->storage, expected.storage) << "column names are lower-cased, types kept";
  EXPECT_EQ(table->partition_keys, expected.partition_keys);
  EXPECT_EQ(table->parameters, expected.parameters);
  EXPECT_EQ(table->created_by, expected.created_by);
  EXPECT_EQ(table->version, 1);
  EXPECT_GE(table->create_time_ms, before);
  EXPECT_EQ(table->update_time_ms, table->create_time_ms);

  Error duplicate = ErrorOf(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw")));
  EXPECT_EQ(duplicate.code(), Error::Code::kAlreadyExists);
  EXPECT_EQ(duplicate.message(), "Table vehicles_raw already exists.");

  Error missing = ErrorOf(catalog_->GetTable("vehicles", "nope"));
  EXPECT_EQ(missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(missing.message(), "Table nope not found.");
  EXPECT_EQ(ErrorOf(catalog_->GetTable("nodb", "vehicles_raw")).message(), "Database nodb not found.");
  EXPECT_EQ(ErrorOf(catalog_->GetTables("nodb", "", std::nullopt, 10)).message(), "Database nodb not found.");

  ASSERT_OK(catalog_->DeleteTable("vehicles", "vehicles_raw"));
  EXPECT_EQ(ErrorOf(catalog_->GetTable("vehicles", "vehicles_raw")).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(ErrorOf(catalog_->DeleteTable("vehicles", "vehicles_raw")).message(), "Table vehicles_raw not found.");
}

TEST_F(SqliteCatalogTest, UpdateTableKeepsEveryPreviousDefinitionAsAVersion) {
  CreateVehiclesTable(0);
  auto created = catalog_->GetTable("vehicles", "vehicles_raw");
  ASSERT_TRUE(created);

  Table second = MakeTable("vehicles", "vehicles_raw");
  second.storage.columns.push_back({"odometer", "bigint", ""});
  ASSERT_OK(catalog_->UpdateTable(second));
  Table third = second;
  third.storage.columns[1].type = "double";
  third.parameters["recordCount"] = "2000";
  ASSERT_OK(catalog_->UpdateTable(third));

  auto current = catalog_->GetTable("vehicles", "vehicles_raw");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 3);
  EXPECT_EQ(current->storage.columns, third.storage.columns);
  EXPECT_EQ(current->parameters.at("recordCount"), "2000");
  EXPECT_EQ(current->create_time_ms, created->create_time_ms);
  EXPECT_GE(current->update_time_ms, created->update_time_ms);

  auto versions = catalog_->GetTableVersions("vehicles", "vehicles_raw");
  ASSERT_TRUE(versions) << versions.error().ToString();
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].version, 3);
  EXPECT_EQ((*versions)[0].storage.columns, third.storage.columns);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].storage.columns, second.storage.columns);
  EXPECT_EQ((*versions)[2].version, 1);
  EXPECT_EQ((*versions)[2].storage.columns, MakeTable("", "").storage.columns);
  for (const Table& version : *versions) {
    EXPECT_EQ(version.database, "vehicles");
    EXPECT_EQ(version.name, "vehicles_raw");
  }

  Error missing = ErrorOf(catalog_->UpdateTable(MakeTable("vehicles", "nope")));
  EXPECT_EQ(missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(missing.message(), "Table nope not found.");
  EXPECT_EQ(ErrorOf(catalog_->GetTableVersions("vehicles", "nope")).message(), "Table nope not found.");
}

TEST_F(SqliteCatalogTest, DeleteTableRemovesItsPartitionsAndVersions) {
  CreateVehiclesTable(4);
  ASSERT_OK(catalog_->UpdateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  auto errors = catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"2026", "07", "13", "14"})});
  ASSERT_TRUE(errors);
  ASSERT_THAT(*errors, IsEmpty());
  ASSERT_OK(catalog_->DeleteTable("vehicles", "vehicles_raw"));
  EXPECT_EQ(CountRows("partitions"), 0);
  EXPECT_EQ(CountRows("table_versions"), 0);

  ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  auto versions = catalog_->GetTableVersions("vehicles", "vehicles_raw");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].version, 1);
  auto partitions = catalog_->GetPartitions("vehicles", "vehicles_raw");
  ASSERT_TRUE(partitions);
  EXPECT_THAT(*partitions, IsEmpty());
}

TEST_F(SqliteCatalogTest, DeleteDatabaseCascadesToTablesVersionsAndPartitions) {
  CreateVehiclesTable(4);
  ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", "vehicles_clean")));
  ASSERT_OK(catalog_->UpdateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  ASSERT_TRUE(catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"2026", "07", "13", "14"})}));
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("other")));
  ASSERT_OK(catalog_->CreateTable(MakeTable("other", "kept")));

  ASSERT_OK(catalog_->DeleteDatabase("vehicles"));
  EXPECT_EQ(CountRows("tables"), 1);
  EXPECT_EQ(CountRows("table_versions"), 0);
  EXPECT_EQ(CountRows("partitions"), 0);
  EXPECT_TRUE(catalog_->GetTable("other", "kept"));

  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  auto tables = catalog_->GetTables("vehicles", "", std::nullopt, 100);
  ASSERT_TRUE(tables);
  EXPECT_THAT(tables->items, IsEmpty());
}

TEST_F(SqliteCatalogTest, GetTablesPaginatesOver250Tables) {
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  std::vector<std::string> names;
  for (int i = 0; i < 250; ++i) names.push_back(fmt::format("table_{:03}", i));
  std::vector<std::string> shuffled = names;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  for (const std::string& name : shuffled) ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", name)));

  const std::map<int, std::vector<size_t>> expected_page_sizes = {
      {100, {100, 100, 50}}, {50, {50, 50, 50, 50, 50}}, {1000, {250}}};
  for (const auto& [page_size, expected_sizes] : expected_page_sizes) {
    std::vector<std::string> seen;
    std::vector<size_t> page_sizes;
    std::optional<std::string> token;
    do {
      auto page = catalog_->GetTables("vehicles", "", token, page_size);
      ASSERT_TRUE(page) << page.error().ToString();
      for (const std::string& name : Names(page->items)) seen.push_back(name);
      page_sizes.push_back(page->items.size());
      token = page->next_token;
      ASSERT_LE(page_sizes.size(), 300u) << "pagination does not end";
    } while (token);
    EXPECT_EQ(seen, names) << "page size " << page_size;
    EXPECT_EQ(page_sizes, expected_sizes) << "page size " << page_size;
  }
}

TEST_F(SqliteCatalogTest, GetTablesFiltersByAFullMatchRegex) {
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  for (std::string name : {"vehicles_raw", "vehicles_clean", "other", "raw_vehicles_x", "vehicles_2026"})
    ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", name)));

  auto prefixed = catalog_->GetTables("vehicles", "vehicles_.*", std::nullopt, 100);
  ASSERT_TRUE(prefixed);
  EXPECT_THAT(Names(prefixed->items), ElementsAre("vehicles_2026", "vehicles_clean", "vehicles_raw"));

  auto exact = catalog_->GetTables("vehicles", "vehicles", std::nullopt, 100);
  ASSERT_TRUE(exact);
  EXPECT_THAT(exact->items, IsEmpty()) << "the expression must match the whole name";

  auto alternatives = catalog_->GetTables("vehicles", "other|.*_raw", std::nullopt, 100);
  ASSERT_TRUE(alternatives);
  EXPECT_THAT(Names(alternatives->items), ElementsAre("other", "vehicles_raw"));

  // Pages of one, with non-matching names between the matches.
  std::vector<std::string> seen;
  std::optional<std::string> token;
  int pages = 0;
  do {
    auto page = catalog_->GetTables("vehicles", "vehicles_.*", token, 1);
    ASSERT_TRUE(page);
    for (const std::string& name : Names(page->items)) seen.push_back(name);
    token = page->next_token;
    ++pages;
  } while (token && pages < 10);
  EXPECT_THAT(seen, ElementsAre("vehicles_2026", "vehicles_clean", "vehicles_raw"));
  EXPECT_EQ(pages, 3);

  Error invalid = ErrorOf(catalog_->GetTables("vehicles", "vehicles_(", std::nullopt, 100));
  EXPECT_EQ(invalid.code(), Error::Code::kInvalidInput);
}

// ---- Partitions

TEST_F(SqliteCatalogTest, CreatePartitionsReportsPerPartitionErrorsAndCreatesTheRest) {
  CreateVehiclesTable(4);
  std::vector<Partition> batch = {MakePartition({"2026", "07", "13", "14"}), MakePartition({"2026", "07", "13", "15"}),
                                  MakePartition({"2026", "07", "13", "14"}),  // duplicate within the batch
                                  MakePartition({"2026", "07"})};             // too few values
  auto errors = catalog_->CreatePartitions("Vehicles", "Vehicles_Raw", batch);
  ASSERT_TRUE(errors) << errors.error().ToString();
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_EQ((*errors)[0].first, (std::vector<std::string>{"2026", "07", "13", "14"}));
  EXPECT_EQ((*errors)[0].second.code(), Error::Code::kAlreadyExists);
  EXPECT_EQ((*errors)[0].second.message(), "Partition already exists.");
  EXPECT_EQ((*errors)[1].first, (std::vector<std::string>{"2026", "07"}));
  EXPECT_EQ((*errors)[1].second.code(), Error::Code::kInvalidInput);

  auto again = catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"2026", "07", "13", "15"})});
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].second.code(), Error::Code::kAlreadyExists);

  auto partitions = catalog_->GetPartitions("vehicles", "vehicles_raw");
  ASSERT_TRUE(partitions);
  EXPECT_EQ(partitions->size(), 2u);

  Error no_table = ErrorOf(catalog_->CreatePartitions("vehicles", "nope", {MakePartition({"1", "2", "3", "4"})}));
  EXPECT_EQ(no_table.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(no_table.message(), "Table nope not found.");
}

TEST_F(SqliteCatalogTest, PartitionsAreUnsupportedOnAnUnpartitionedTable) {
  CreateVehiclesTable(0);
  auto errors = catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({})});
  ASSERT_TRUE(errors);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].second.code(), Error::Code::kInvalidInput);
  EXPECT_EQ(CountRows("partitions"), 0);
}

TEST_F(SqliteCatalogTest, PartitionGetUpdateDelete) {
  CreateVehiclesTable(4);
  const std::vector<std::string> values = {"2026", "07", "13", "14"};
  Partition input = MakePartition(values);
  input.storage.columns[0].name = "Vehicle_ID";
  ASSERT_TRUE(catalog_->CreatePartitions("vehicles", "vehicles_raw", {input}));

  auto partition = catalog_->GetPartition("vehicles", "vehicles_raw", values);
  ASSERT_TRUE(partition) << partition.error().ToString();
  EXPECT_EQ(partition->database, "vehicles");
  EXPECT_EQ(partition->table, "vehicles_raw");
  EXPECT_EQ(partition->values, values);
  EXPECT_EQ(partition->storage, MakePartition(values).storage);
  EXPECT_EQ(partition->parameters, MakePartition(values).parameters);
  EXPECT_GT(partition->create_time_ms, 0);

  Partition update = *partition;
  update.database = "VEHICLES";
  update.parameters["recordCount"] = "99";
  update.storage.location = "s3://lake/raw/elsewhere/";
  ASSERT_OK(catalog_->UpdatePartition(update));
  auto updated = catalog_->GetPartition("vehicles", "vehicles_raw", values);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->parameters.at("recordCount"), "99");
  EXPECT_EQ(updated->storage.location, "s3://lake/raw/elsewhere/");
  EXPECT_EQ(updated->create_time_ms, partition->create_time_ms);
  EXPECT_GE(updated->update_time_ms, partition->update_time_ms);

  Error wrong_count = ErrorOf(catalog_->GetPartition("vehicles", "vehicles_raw", {"2026"}));
  EXPECT_EQ(wrong_count.code(), Error::Code::kInvalidInput);
  Error missing = ErrorOf(catalog_->GetPartition("vehicles", "vehicles_raw", {"2026", "07", "13", "99"}));
  EXPECT_EQ(missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(missing.message(), "Cannot find partition.");
  Partition absent = MakePartition({"2026", "07", "13", "99"});
  absent.database = "vehicles";
  absent.table = "vehicles_raw";
  EXPECT_EQ(ErrorOf(catalog_->UpdatePartition(absent)).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(ErrorOf(catalog_->GetPartition("vehicles", "nope", values)).message(), "Table nope not found.");

  ASSERT_OK(catalog_->DeletePartition("vehicles", "vehicles_raw", values));
  EXPECT_EQ(ErrorOf(catalog_->GetPartition("vehicles", "vehicles_raw", values)).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(ErrorOf(catalog_->DeletePartition("vehicles", "vehicles_raw", values)).code(),
            Error::Code::kEntityNotFound);
}

TEST_F(SqliteCatalogTest, GetPartitionsIsOrderedByValues) {
  CreateVehiclesTable(2);
  // "a" < "a!" element-wise, although the JSON text ["a!",...] sorts before ["a",...].
  std::vector<std::vector<std::string>> values = {{"b", "1"}, {"a!", "1"}, {"a", "2"}, {"a", "10"}, {"a", "1"}};
  std::vector<Partition> batch;
  for (const auto& v : values) batch.push_back(MakePartition(v));
  auto errors = catalog_->CreatePartitions("vehicles", "vehicles_raw", batch);
  ASSERT_TRUE(errors);
  ASSERT_THAT(*errors, IsEmpty());
  auto partitions = catalog_->GetPartitions("vehicles", "vehicles_raw");
  ASSERT_TRUE(partitions);
  std::vector<std::vector<std::string>> order;
  for (const Partition& partition : *partitions) order.push_back(partition.values);
  EXPECT_THAT(order, ElementsAre(std::vector<std::string>{"a", "1"}, std::vector<std::string>{"a", "10"},
                                 std::vector<std::string>{"a", "2"}, std::vector<std::string>{"a!", "1"},
                                 std::vector<std::string>{"b", "1"}));
}

// ---- Crawlers

void ExpectSameDefinition(const CrawlerDefinition& actual, const CrawlerDefinition& expected) {
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.role, expected.role);
  EXPECT_EQ(actual.database, expected.database);
  EXPECT_EQ(actual.description, expected.description);
  EXPECT_EQ(actual.targets, expected.targets);
  EXPECT_EQ(actual.table_prefix, expected.table_prefix);
  EXPECT_EQ(actual.schedule, expected.schedule);
  EXPECT_EQ(actual.update_behavior, expected.update_behavior);
  EXPECT_EQ(actual.delete_behavior, expected.delete_behavior);
  EXPECT_EQ(actual.recrawl_behavior, expected.recrawl_behavior);
  EXPECT_EQ(actual.configuration, expected.configuration);
}

TEST_F(SqliteCatalogTest, CrawlerDefinitionCrud) {
  const int64_t before = NowMillis();
  CrawlerDefinition input = MakeCrawler("Vehicles-Crawler");
  ASSERT_OK(catalog_->CreateCrawler(input));
  auto crawler = catalog_->GetCrawler("Vehicles-Crawler");
  ASSERT_TRUE(crawler) << crawler.error().ToString();
  ExpectSameDefinition(*crawler, input);
  EXPECT_EQ(crawler->version, 1);
  EXPECT_GE(crawler->create_time_ms, before);
  EXPECT_EQ(crawler->update_time_ms, crawler->create_time_ms);
  EXPECT_EQ(ErrorOf(catalog_->GetCrawler("vehicles-crawler")).code(), Error::Code::kEntityNotFound)
      << "crawler names are case-sensitive";

  Error duplicate = ErrorOf(catalog_->CreateCrawler(input));
  EXPECT_EQ(duplicate.code(), Error::Code::kAlreadyExists);
  EXPECT_EQ(duplicate.message(), "Crawler Vehicles-Crawler already exists.");

  CrawlerDefinition changed = input;
  changed.targets.pop_back();
  changed.update_behavior = UpdateBehavior::kUpdateInDatabase;
  changed.delete_behavior = DeleteBehavior::kDeprecateInDatabase;
  changed.recrawl_behavior = RecrawlBehavior::kCrawlEverything;
  changed.schedule = "";
  ASSERT_OK(catalog_->UpdateCrawler(changed));
  auto updated = catalog_->GetCrawler("Vehicles-Crawler");
  ASSERT_TRUE(updated);
  ExpectSameDefinition(*updated, changed);
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->create_time_ms, crawler->create_time_ms);

  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("alpha")));
  auto all = catalog_->GetCrawlers();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Vehicles-Crawler");  // byte order: upper case first
  EXPECT_EQ((*all)[1].name, "alpha");

  ASSERT_OK(catalog_->DeleteCrawler("alpha"));
  Error missing = ErrorOf(catalog_->GetCrawler("alpha"));
  EXPECT_EQ(missing.code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(missing.message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->UpdateCrawler(MakeCrawler("alpha"))).message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->DeleteCrawler("alpha")).message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->RecordCrawlRun("alpha", CrawlRun{})).message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->GetCrawlRuns("alpha", 5)).message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->GetCrawledObjects("alpha")).message(), "Crawler alpha not found.");
  EXPECT_EQ(ErrorOf(catalog_->SetCrawledObjects("alpha", {})).message(), "Crawler alpha not found.");
}

TEST_F(SqliteCatalogTest, CrawlRunsAreListedNewestFirstUpToTheLimit) {
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("c")));
  for (int64_t start : {3000, 1000, 5000, 2000, 4000}) {
    CrawlRun run;
    run.status = start == 5000 ? "FAILED" : "SUCCEEDED";
    run.error_message = start == 5000 ? "disk full" : "";
    run.start_time_ms = start;
    run.end_time_ms = start + 500;
    run.tables_created = static_cast<int>(start / 1000);
    run.tables_updated = 2;
    run.tables_deleted = 3;
    run.partitions_added = 4;
    run.partitions_deleted = 5;
    run.objects_listed = 10'000'000'000;
    run.objects_read = 7;
    run.bytes_sampled = 8;
    run.objects_skipped = 2;
    run.problems = {"s3://lake/raw/x.gz: truncated gzip data", "s3://lake/raw/y.json: not JSON"};
    ASSERT_OK(catalog_->RecordCrawlRun("c", run));
  }
  auto runs = catalog_->GetCrawlRuns("c", 3);
  ASSERT_TRUE(runs) << runs.error().ToString();
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].start_time_ms, 5000);
  EXPECT_EQ((*runs)[1].start_time_ms, 4000);
  EXPECT_EQ((*runs)[2].start_time_ms, 3000);
  const CrawlRun& newest = (*runs)[0];
  EXPECT_EQ(newest.status, "FAILED");
  EXPECT_EQ(newest.error_message, "disk full");
  EXPECT_EQ(newest.end_time_ms, 5500);
  EXPECT_EQ(newest.tables_created, 5);
  EXPECT_EQ(newest.tables_updated, 2);
  EXPECT_EQ(newest.tables_deleted, 3);
  EXPECT_EQ(newest.partitions_added, 4);
  EXPECT_EQ(newest.partitions_deleted, 5);
  EXPECT_EQ(newest.objects_listed, 10'000'000'000);
  EXPECT_EQ(newest.objects_read, 7);
  EXPECT_EQ(newest.bytes_sampled, 8);
  EXPECT_EQ(newest.objects_skipped, 2);
  EXPECT_THAT(newest.problems,
              ElementsAre("s3://lake/raw/x.gz: truncated gzip data", "s3://lake/raw/y.json: not JSON"));

  auto all = catalog_->GetCrawlRuns("c", 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 5u);
  auto none = catalog_->GetCrawlRuns("c", 0);
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(SqliteCatalogTest, SetCrawledObjectsReplacesTheCrawlersMemory) {
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("c")));
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("other")));
  auto empty = catalog_->GetCrawledObjects("c");
  ASSERT_TRUE(empty);
  EXPECT_THAT(*empty, IsEmpty());

  std::vector<CrawledObject> first = MakeObjects(3, "a");
  first[2] = CrawledObject{first[2].key, 10, 5, "\"e\"", "", "", "", "", 0};  // a skipped object
  first[1].size = uint64_t{1} << 40;
  first[1].schema = "struct<a:int>";  // three distinct schemas, "" included
  ASSERT_OK(catalog_->SetCrawledObjects("c", first));
  ASSERT_OK(catalog_->SetCrawledObjects("other", MakeObjects(2, "o")));
  auto stored = catalog_->GetCrawledObjects("c");
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, first);

  std::vector<CrawledObject> second = MakeObjects(2, "b");
  ASSERT_OK(catalog_->SetCrawledObjects("c", second));
  stored = catalog_->GetCrawledObjects("c");
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, second);
  auto other = catalog_->GetCrawledObjects("other");
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, MakeObjects(2, "o")) << "another crawler's memory is untouched";

  // A key given twice keeps the last entry.
  std::vector<CrawledObject> twice = MakeObjects(1, "d");
  twice.push_back(twice[0]);
  twice[1].size = 5;
  ASSERT_OK(catalog_->SetCrawledObjects("c", twice));
  stored = catalog_->GetCrawledObjects("c");
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].size, 5u);

  ASSERT_OK(catalog_->RecordCrawlRun("c", CrawlRun{}));
  ASSERT_OK(catalog_->DeleteCrawler("c"));
  EXPECT_EQ(CountRows("crawl_runs"), 0);
  EXPECT_EQ(CountRows("crawled_objects"), 2) << "only the other crawler's objects remain";
  EXPECT_EQ(CountRows("crawled_schemas"), 1) << "only the other crawler's schema remains";
}

TEST_F(SqliteCatalogTest, SetCrawledObjectsReplaces20000ObjectsQuickly) {
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("c")));
  std::vector<CrawledObject> first = MakeObjects(20'000, "first");
  std::vector<CrawledObject> second = MakeObjects(20'000, "second");

  auto start = std::chrono::steady_clock::now();
  ASSERT_OK(catalog_->SetCrawledObjects("c", first));
  auto after_first = std::chrono::steady_clock::now();
  ASSERT_OK(catalog_->SetCrawledObjects("c", second));
  auto after_second = std::chrono::steady_clock::now();
  auto stored = catalog_->GetCrawledObjects("c");
  auto after_read = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("[ timing ] SetCrawledObjects 20,000 into empty: %.1f ms; replacing 20,000: %.1f ms; "
              "GetCrawledObjects 20,000: %.1f ms\n",
              ms(after_first - start), ms(after_second - after_first), ms(after_read - after_second));

  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, second);
}

// ---- Change counter

TEST_F(SqliteCatalogTest, ChangeCounterMovesOnlyOnDatabaseTableAndPartitionChanges) {
  int64_t last = Counter();
  auto expect_moved = [&](bool moved, const char* what) {
    int64_t now = Counter();
    if (moved) {
      EXPECT_GT(now, last) << what;
    } else {
      EXPECT_EQ(now, last) << what;
    }
    last = now;
  };
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  expect_moved(true, "CreateDatabase");
  ASSERT_OK(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  expect_moved(true, "CreateTable");
  ASSERT_OK(catalog_->UpdateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  expect_moved(true, "UpdateTable");
  ASSERT_TRUE(catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"1", "2", "3", "4"})}));
  expect_moved(true, "CreatePartitions");
  ASSERT_TRUE(catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"1", "2", "3", "4"})}));
  expect_moved(false, "CreatePartitions that created nothing");
  Partition update = MakePartition({"1", "2", "3", "4"});
  update.database = "vehicles";
  update.table = "vehicles_raw";
  ASSERT_OK(catalog_->UpdatePartition(update));
  expect_moved(true, "UpdatePartition");

  // Reads, failures and crawler bookkeeping leave it alone.
  ASSERT_TRUE(catalog_->GetTable("vehicles", "vehicles_raw"));
  ASSERT_TRUE(catalog_->GetPartitions("vehicles", "vehicles_raw"));
  EXPECT_FALSE(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  EXPECT_FALSE(catalog_->CreateTable(MakeTable("vehicles", "vehicles_raw")));
  EXPECT_FALSE(catalog_->DeleteTable("vehicles", "nope"));
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("c")));
  ASSERT_OK(catalog_->UpdateCrawler(MakeCrawler("c")));
  ASSERT_OK(catalog_->RecordCrawlRun("c", CrawlRun{}));
  ASSERT_OK(catalog_->SetCrawledObjects("c", MakeObjects(10, "x")));
  ASSERT_OK(catalog_->DeleteCrawler("c"));
  expect_moved(false, "reads, failed writes and crawler changes");

  ASSERT_OK(catalog_->DeletePartition("vehicles", "vehicles_raw", {"1", "2", "3", "4"}));
  expect_moved(true, "DeletePartition");
  ASSERT_OK(catalog_->DeleteTable("vehicles", "vehicles_raw"));
  expect_moved(true, "DeleteTable");
  ASSERT_OK(catalog_->DeleteDatabase("vehicles"));
  expect_moved(true, "DeleteDatabase");
}

// ---- Persistence and sharing

TEST_F(SqliteCatalogTest, ReopenKeepsEverything) {
  CreateVehiclesTable(4);
  ASSERT_OK(catalog_->UpdateTable(MakeTable("vehicles", "vehicles_raw", 4)));
  ASSERT_TRUE(catalog_->CreatePartitions("vehicles", "vehicles_raw", {MakePartition({"2026", "07", "13", "14"})}));
  ASSERT_OK(catalog_->CreateCrawler(MakeCrawler("c")));
  CrawlRun run;
  run.status = "SUCCEEDED";
  run.start_time_ms = 1234;
  run.objects_read = 3;
  ASSERT_OK(catalog_->RecordCrawlRun("c", run));
  ASSERT_OK(catalog_->SetCrawledObjects("c", MakeObjects(5, "a")));
  const int64_t counter = Counter();

  catalog_.reset();
  auto reopened = SqliteCatalog::Open(file_);
  ASSERT_TRUE(reopened) << reopened.error().ToString();
  catalog_ = std::move(*reopened);

  EXPECT_TRUE(catalog_->GetDatabase("vehicles"));
  auto table = catalog_->GetTable("vehicles", "vehicles_raw");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->version, 2);
  EXPECT_EQ(table->storage, MakeTable("", "", 4).storage);
  auto versions = catalog_->GetTableVersions("vehicles", "vehicles_raw");
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->size(), 2u);
  auto partition = catalog_->GetPartition("vehicles", "vehicles_raw", {"2026", "07", "13", "14"});
  ASSERT_TRUE(partition);
  EXPECT_EQ(partition->storage.location, "s3://lake/raw/2026/07/13/14/");
  auto crawler = catalog_->GetCrawler("c");
  ASSERT_TRUE(crawler);
  ExpectSameDefinition(*crawler, MakeCrawler("c"));
  auto runs = catalog_->GetCrawlRuns("c", 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].start_time_ms, 1234);
  EXPECT_EQ((*runs)[0].objects_read, 3);
  auto objects = catalog_->GetCrawledObjects("c");
  ASSERT_TRUE(objects);
  EXPECT_EQ(*objects, MakeObjects(5, "a"));
  EXPECT_EQ(Counter(), counter);
}

TEST_F(SqliteCatalogTest, TwoInstancesOnOneFileSeeEachOthersWrites) {
  auto second_result = SqliteCatalog::Open(file_);
  ASSERT_TRUE(second_result) << second_result.error().ToString();
  std::unique_ptr<SqliteCatalog> second = std::move(*second_result);

  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));
  EXPECT_TRUE(second->GetDatabase("vehicles"));
  ASSERT_OK(second->CreateTable(MakeTable("vehicles", "vehicles_raw")));
  EXPECT_TRUE(catalog_->GetTable("vehicles", "vehicles_raw"));
  EXPECT_EQ(second->ChangeCounter().value_or(-1), Counter());
  EXPECT_EQ(ErrorOf(second->CreateDatabase(MakeDatabase("vehicles"))).code(), Error::Code::kAlreadyExists);

  ASSERT_OK(second->CreateCrawler(MakeCrawler("c")));
  ASSERT_OK(catalog_->SetCrawledObjects("c", MakeObjects(100, "a")));
  auto objects = second->GetCrawledObjects("c");
  ASSERT_TRUE(objects);
  EXPECT_EQ(objects->size(), 100u);
}

TEST_F(SqliteCatalogTest, ConcurrentWritersOnTwoInstancesAllSucceed) {
  auto second_result = SqliteCatalog::Open(file_);
  ASSERT_TRUE(second_result) << second_result.error().ToString();
  std::unique_ptr<SqliteCatalog> second = std::move(*second_result);
  ASSERT_OK(catalog_->CreateDatabase(MakeDatabase("vehicles")));

  // Two threads per instance: within an instance the mutex serialises them; across instances
  // SQLite's write lock and busy timeout do.
  constexpr int kTablesPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    SqliteCatalog* catalog = t % 2 == 0 ? catalog_.get() : second.get();
    threads.emplace_back([catalog, t, &failures] {
      for (int i = 0; i < kTablesPerThread; ++i) {
        if (!catalog->CreateTable(MakeTable("vehicles", fmt::format("t{}_{:02}", t, i)))) ++failures;
        if (!catalog->GetTables("vehicles", "", std::nullopt, 10)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = catalog_->GetTables("vehicles", "", std::nullopt, 1000);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 4u * kTablesPerThread);
  EXPECT_EQ(Counter(), 1 + 4 * kTablesPerThread);
}

}  // namespace
}  // namespace lakebox::catalog
