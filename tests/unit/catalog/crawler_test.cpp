#include "catalog/crawler.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog/sqlite_catalog.h"
#include "common/compression.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::catalog {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr std::string_view kVehicleStatusType =
    "struct<speed_kmh:double,engine_temp_c:double,fuel_level:double,odometer_km:int,doors_locked:boolean>";
constexpr std::string_view kGpsInfoType = "struct<latitude:double,longitude:double,altitude_m:double,heading:double>";
constexpr std::string_view kAlertsType = "array<struct<code:string,severity:int>>";

// One record shaped like the seed's (DESIGN.md "Sample data").
std::string Vehicle(int i, bool with_alert = true) {
  return fmt::format(
      R"({{"vehicle_id":"V-{:05d}","vendor":"volvo","model":"FH16","event_time":"2026-11-25T22:16:52.123Z",)"
      R"("vehicle_status":{{"speed_kmh":{}.5,"engine_temp_c":88.1,"fuel_level":0.41,"odometer_km":{},"doors_locked":true}},)"
      R"("gps_info":{{"latitude":-23.55,"longitude":-46.63,"altitude_m":760.2,"heading":271.0}},"alerts":[{}]}})",
      i, i % 100, 100000 + i, with_alert ? R"({"code":"TIRE_PRESSURE","severity":2})" : "");
}

std::string Vehicles(int first, int count, bool with_alert = true) {
  std::string out;
  for (int i = first; i < first + count; ++i) out += Vehicle(i, with_alert) + "\n";
  return out;
}

std::map<std::string, std::string> ColumnTypes(const Table& table) {
  std::map<std::string, std::string> types;
  for (const Column& column : table.storage.columns) types[column.name] = column.type;
  return types;
}

std::vector<std::string> ColumnNames(const std::vector<Column>& columns) {
  std::vector<std::string> names;
  for (const Column& column : columns) names.push_back(column.name);
  return names;
}

class CrawlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-crawler-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->EnsureBucket("lake"));
    auto catalog = SqliteCatalog::Open(dir_ / "catalog.db");
    ASSERT_TRUE(catalog) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Put(std::string_view key, std::string_view data) {
    ASSERT_TRUE(store_->Put("lake", key, data)) << key;
  }
  void Delete(std::string_view key) { ASSERT_TRUE(store_->Delete("lake", key)) << key; }

  CrawlerDefinition Define(std::vector<std::string> paths, std::string prefix = "",
                           std::string database = "vehicles") {
    CrawlerDefinition definition;
    definition.name = "test-crawler";
    definition.role = "arn:aws:iam::123456789012:role/lakebox";
    definition.database = std::move(database);
    definition.table_prefix = std::move(prefix);
    for (std::string& path : paths) definition.targets.push_back({std::move(path), {}, std::nullopt});
    EXPECT_TRUE(catalog_->CreateCrawler(definition));
    return definition;
  }

  CrawlRun Run(const CrawlerDefinition& definition) {
    std::atomic<bool> cancel{false};
    auto run = Crawl(definition, *catalog_, *store_, cancel);
    EXPECT_TRUE(run) << run.error().ToString();
    if (!run) return {};
    EXPECT_EQ(run->status, "SUCCEEDED") << run->error_message;
    return *run;
  }

  Table GetTable(std::string_view name, std::string_view database = "vehicles") {
    auto table = catalog_->GetTable(database, name);
    EXPECT_TRUE(table) << name << ": " << table.error().ToString();
    return table ? *table : Table{};
  }

  std::vector<std::string> TableNames(std::string_view database = "vehicles") {
    std::vector<std::string> names;
    auto page = catalog_->GetTables(database, "", std::nullopt, 100);
    if (!page) return names;
    for (const Table& table : page->items) names.push_back(table.name);
    return names;
  }

  std::vector<std::vector<std::string>> PartitionValues(std::string_view table) {
    std::vector<std::vector<std::string>> values;
    auto partitions = catalog_->GetPartitions("vehicles", table);
    EXPECT_TRUE(partitions) << partitions.error().ToString();
    if (partitions)
      for (const Partition& p : *partitions) values.push_back(p.values);
    return values;
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<SqliteCatalog> catalog_;
};

constexpr std::string_view kHour = "raw/year=2026/month=11/day=25/hour=";

TEST_F(CrawlerTest, SeedLayoutGivesOnePartitionedTable) {
  std::map<std::string, std::string> objects = {
      {fmt::format("{}21/vehicles-1-2026-11-25-21-00-00-a.gz", kHour), Gzip(Vehicles(0, 40))},
      {fmt::format("{}21/vehicles-1-2026-11-25-21-30-00-b.gz", kHour), Gzip(Vehicles(40, 60, false))},
      {fmt::format("{}22/vehicles-1-2026-11-25-22-00-00-c.gz", kHour), Gzip(Vehicles(100, 50))},
      {fmt::format("{}23/vehicles-1-2026-11-25-23-00-00-d.gz", kHour), Gzip(Vehicles(150, 25))},
  };
  uint64_t total_size = 0;
  for (const auto& [key, data] : objects) {
    Put(key, data);
    total_size += data.size();
  }
  CrawlerDefinition definition = Define({"s3://lake/raw/"}, "vehicles_");
  std::vector<CrawlProgress> reports;
  std::atomic<bool> cancel{false};
  auto run = Crawl(definition, *catalog_, *store_, cancel, [&](const CrawlProgress& p) { reports.push_back(p); });
  ASSERT_TRUE(run) << run.error().ToString();
  EXPECT_EQ(run->status, "SUCCEEDED");
  EXPECT_EQ(run->tables_created, 1);
  EXPECT_EQ(run->partitions_added, 3);
  EXPECT_EQ(run->objects_listed, 4);
  EXPECT_EQ(run->objects_read, 4);
  EXPECT_EQ(run->objects_skipped, 0);
  EXPECT_GT(run->bytes_sampled, 0);
  EXPECT_THAT(run->problems, IsEmpty());
  EXPECT_LE(run->start_time_ms, run->end_time_ms);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().objects_read, 4);
  EXPECT_EQ(reports.back().objects_listed, 4);

  ASSERT_TRUE(catalog_->GetDatabase("vehicles")) << "the crawl creates its database";
  EXPECT_THAT(TableNames(), ElementsAre("vehicles_raw"));
  Table table = GetTable("vehicles_raw");
  EXPECT_EQ(table.storage.location, "s3://lake/raw/");
  EXPECT_THAT(ColumnNames(table.storage.columns),
              ElementsAre("vehicle_id", "vendor", "model", "event_time", "vehicle_status", "gps_info", "alerts"));
  auto types = ColumnTypes(table);
  EXPECT_EQ(types["vehicle_id"], "string");
  EXPECT_EQ(types["vehicle_status"], kVehicleStatusType);
  EXPECT_EQ(types["gps_info"], kGpsInfoType);
  EXPECT_EQ(types["alerts"], kAlertsType);
  EXPECT_THAT(ColumnNames(table.partition_keys), ElementsAre("year", "month", "day", "hour"));
  for (const Column& key : table.partition_keys) EXPECT_EQ(key.type, "string");
  EXPECT_EQ(table.storage.serde_library, "org.openx.data.jsonserde.JsonSerDe");
  EXPECT_EQ(table.created_by, "arn:aws:sts::123456789012:assumed-role/lakebox/AWS-Crawler");
  EXPECT_EQ(table.version, 1);

  const Parameters& p = table.parameters;
  EXPECT_EQ(p.at("classification"), "json");
  EXPECT_EQ(p.at("compressionType"), "gzip");
  EXPECT_EQ(p.at("typeOfData"), "file");
  EXPECT_EQ(p.at("recordCount"), "175");
  EXPECT_EQ(p.at("objectCount"), "4");
  EXPECT_EQ(p.at("sizeKey"), std::to_string(total_size));
  EXPECT_EQ(p.at("averageRecordSize"), std::to_string(total_size / 175));
  EXPECT_EQ(p.at("UPDATED_BY_CRAWLER"), "test-crawler");
  EXPECT_EQ(p.at("CrawlerSchemaSerializerVersion"), "1.0");
  EXPECT_EQ(p.at("CrawlerSchemaDeserializerVersion"), "1.0");
  EXPECT_EQ(table.storage.parameters, table.parameters);

  auto partitions = catalog_->GetPartitions("vehicles", "vehicles_raw");
  ASSERT_TRUE(partitions);
  ASSERT_EQ(partitions->size(), 3u);
  const Partition& first = (*partitions)[0];
  EXPECT_THAT(first.values, ElementsAre("2026", "11", "25", "21"));
  EXPECT_EQ(first.storage.location, "s3://lake/raw/year=2026/month=11/day=25/hour=21/");
  EXPECT_EQ(first.parameters.at("objectCount"), "2");
  EXPECT_EQ(first.parameters.at("recordCount"), "100");
  EXPECT_EQ(first.storage.columns, table.storage.columns);
  EXPECT_THAT((*partitions)[2].values, ElementsAre("2026", "11", "25", "23"));
  EXPECT_EQ((*partitions)[2].parameters.at("recordCount"), "25");
}

TEST_F(CrawlerTest, FirehoseDefaultLayoutGivesUnnamedPartitionKeys) {
  Put("events/2026/11/25/21/stream-1-2026-11-25-21-00-00-x", Vehicles(0, 5));
  Put("events/2026/11/25/22/stream-1-2026-11-25-22-00-00-y", Vehicles(5, 5));
  CrawlerDefinition definition = Define({"s3://lake/events"});  // no trailing slash: still a folder
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_created, 1);
  Table table = GetTable("events");
  EXPECT_EQ(table.parameters.at("compressionType"), "none");
  EXPECT_EQ(table.storage.location, "s3://lake/events/");
  EXPECT_THAT(ColumnNames(table.partition_keys), ElementsAre("partition_0", "partition_1", "partition_2", "partition_3"));
  EXPECT_THAT(PartitionValues("events"),
              ElementsAre(ElementsAre("2026", "11", "25", "21"), ElementsAre("2026", "11", "25", "22")));
}

TEST_F(CrawlerTest, NamesFollowGlueRules) {
  Put("Test-Glue.v2/a.json", Vehicles(0, 3));
  ASSERT_TRUE(store_->EnsureBucket("my-bucket"));
  ASSERT_TRUE(store_->Put("my-bucket", "x.json", Vehicles(0, 2)));
  ASSERT_TRUE(store_->Put("my-bucket", "y.json", Vehicles(2, 2)));
  CrawlerDefinition definition = Define({"s3://lake/Test-Glue.v2/", "s3://my-bucket"}, "Raw_");
  Run(definition);
  EXPECT_THAT(TableNames(), ElementsAre("raw_my_bucket", "raw_test_glue_v2"));
  Table root = GetTable("raw_my_bucket");
  EXPECT_EQ(root.storage.location, "s3://my-bucket/");
  EXPECT_THAT(root.partition_keys, IsEmpty());
  EXPECT_EQ(root.parameters.at("objectCount"), "2");
}

TEST_F(CrawlerTest, ExclusionsHiddenKeysAndMarkersAreSkipped) {
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 3));
  Put(fmt::format("{}21/b.tmp", kHour), "not even json");
  Put(fmt::format("{}21/_SUCCESS", kHour), "");
  Put(fmt::format("{}21/.hidden.json", kHour), "x");
  Put("raw/_temporary/0/part.json", "x");
  Put("raw/logs/2026/x.log", "x");
  Put("raw/folder_$folder$", "");
  CrawlerDefinition definition;
  definition.name = "test-crawler";
  definition.role = "r";
  definition.database = "vehicles";
  definition.targets = {{"s3://lake/raw/", {"**.tmp", "logs"}, std::nullopt}};
  ASSERT_TRUE(catalog_->CreateCrawler(definition));
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_listed, 1);
  EXPECT_EQ(run.objects_read, 1);
  EXPECT_THAT(run.problems, IsEmpty());
  EXPECT_EQ(GetTable("raw").parameters.at("objectCount"), "1");
}

TEST_F(CrawlerTest, IncompatibleFoldersBecomeSeparateTables) {
  Put("data/year=2017/month=01/a.json", R"({"a":1,"b":"x","c":true})" "\n");
  Put("data/year=2017/month=02/b.json", R"({"a":2,"b":"y","c":false})" "\n");
  Put("data/year=2018/month=01/c.json", R"({"x":1.5,"y":"z","z":[1,2]})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/data/"});
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_created, 2);
  EXPECT_THAT(TableNames(), ElementsAre("year_2017", "year_2018"));
  Table t2017 = GetTable("year_2017");
  EXPECT_EQ(t2017.storage.location, "s3://lake/data/year=2017/");
  EXPECT_THAT(ColumnNames(t2017.storage.columns), ElementsAre("a", "b", "c"));
  EXPECT_THAT(ColumnNames(t2017.partition_keys), ElementsAre("month"));
  EXPECT_THAT(PartitionValues("year_2017"), ElementsAre(ElementsAre("01"), ElementsAre("02")));
  Table t2018 = GetTable("year_2018");
  EXPECT_THAT(ColumnNames(t2018.storage.columns), ElementsAre("x", "y", "z"));
  EXPECT_EQ(ColumnTypes(t2018)["z"], "array<int>");
}

TEST_F(CrawlerTest, DissimilarFilesAndMixedDepthsSplitPerFileAndFolder) {
  Put("legislators/persons.json", R"({"id":"p1","name":"Ann","birth_date":"1970-01-01"})" "\n");
  Put("legislators/memberships.json", R"({"person_id":"p1","organization_id":"o1","start_date":"2000"})" "\n");
  Put("legislators/areas/2026/areas.csv", "id,name,population\n1,north,100\n2,south,200\n");
  CrawlerDefinition definition = Define({"s3://lake/legislators/"});
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_created, 3);
  EXPECT_THAT(TableNames(), ElementsAre("areas", "memberships_json", "persons_json"));
  EXPECT_EQ(GetTable("persons_json").storage.location, "s3://lake/legislators/persons.json");
  Table areas = GetTable("areas");
  EXPECT_EQ(areas.parameters.at("classification"), "csv");
  EXPECT_THAT(ColumnNames(areas.storage.columns), ElementsAre("id", "name", "population"));
  EXPECT_THAT(ColumnNames(areas.partition_keys), ElementsAre("partition_0"));
}

TEST_F(CrawlerTest, DifferentCompressionSplits) {
  Put("mixed/a.json", Vehicles(0, 2));
  Put("mixed/b.json.gz", Gzip(Vehicles(2, 2)));
  Run(Define({"s3://lake/mixed/"}));
  EXPECT_THAT(TableNames(), ElementsAre("a_json", "b_json_gz"));
  EXPECT_EQ(GetTable("b_json_gz").parameters.at("compressionType"), "gzip");
}

TEST_F(CrawlerTest, SchemaDriftAddsColumnsAndWidensTypesInANewVersion) {
  Put(fmt::format("{}21/a.json", kHour), R"({"id":1,"speed":60,"status":{"ok":true}})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  Run(definition);
  Table before = GetTable("raw");
  EXPECT_THAT(ColumnNames(before.storage.columns), ElementsAre("id", "speed", "status"));
  EXPECT_EQ(ColumnTypes(before)["speed"], "int");

  Put(fmt::format("{}22/b.json", kHour), R"({"id":2,"speed":61.5,"status":{"ok":false,"code":7},"driver":"x"})" "\n");
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_read, 1);
  EXPECT_EQ(run.tables_updated, 1);
  EXPECT_EQ(run.partitions_added, 1);
  Table after = GetTable("raw");
  EXPECT_EQ(after.version, 2);
  EXPECT_THAT(ColumnNames(after.storage.columns), ElementsAre("id", "speed", "status", "driver"));
  auto types = ColumnTypes(after);
  EXPECT_EQ(types["speed"], "double");
  EXPECT_EQ(types["status"], "struct<ok:boolean,code:int>");
  EXPECT_EQ(types["driver"], "string");
  auto versions = catalog_->GetTableVersions("vehicles", "raw");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(ColumnTypes((*versions)[1])["speed"], "int");

  // Removing the object that widened the type does not narrow it back: columns only widen.
  Delete(fmt::format("{}22/b.json", kHour));
  Run(definition);
  EXPECT_EQ(ColumnTypes(GetTable("raw"))["speed"], "double");
}

TEST_F(CrawlerTest, UpdateBehaviorLogLeavesTheTableButAddsPartitions) {
  Put(fmt::format("{}21/a.json", kHour), R"({"id":1,"speed":60,"a":1,"b":2})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  definition.update_behavior = UpdateBehavior::kLog;
  Run(definition);
  Put(fmt::format("{}22/b.json", kHour), R"({"id":2,"speed":61.5,"a":1,"b":2,"driver":"x"})" "\n");
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_updated, 0);
  EXPECT_EQ(run.partitions_added, 1);
  Table table = GetTable("raw");
  EXPECT_EQ(table.version, 1);
  EXPECT_THAT(ColumnNames(table.storage.columns), ElementsAre("id", "speed", "a", "b"));
  EXPECT_EQ(table.parameters.at("objectCount"), "1");
  EXPECT_EQ(PartitionValues("raw").size(), 2u);
}

TEST_F(CrawlerTest, AnArrayFirstSeenEmptyTakesItsTypeFromLaterObjects) {
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 3, /*with_alert=*/false));
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  Run(definition);
  EXPECT_EQ(ColumnTypes(GetTable("raw"))["alerts"], "array<string>");
  Put(fmt::format("{}22/b.json", kHour), Vehicles(3, 3));
  Run(definition);
  EXPECT_EQ(ColumnTypes(GetTable("raw"))["alerts"], kAlertsType);
}

TEST_F(CrawlerTest, ANoOpRecrawlReadsNothingAndWritesNothing) {
  for (int hour = 0; hour < 3; ++hour)
    for (int i = 0; i < 3; ++i) Put(fmt::format("{}{:02d}/o{}.gz", kHour, hour, i), Gzip(Vehicles(i * 10, 10, i != 0)));
  CrawlerDefinition definition = Define({"s3://lake/raw/"}, "vehicles_");
  Run(definition);
  auto counter = catalog_->ChangeCounter();
  ASSERT_TRUE(counter);
  auto memory = catalog_->GetCrawledObjects("test-crawler");
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->size(), 9u);

  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_listed, 9);
  EXPECT_EQ(run.objects_read, 0);
  EXPECT_EQ(run.bytes_sampled, 0);
  EXPECT_EQ(run.tables_created + run.tables_updated + run.tables_deleted, 0);
  EXPECT_EQ(run.partitions_added + run.partitions_deleted, 0);
  EXPECT_EQ(GetTable("vehicles_raw").version, 1);
  EXPECT_EQ(*catalog_->ChangeCounter(), *counter);
  EXPECT_EQ(*catalog_->GetCrawledObjects("test-crawler"), *memory);
}

TEST_F(CrawlerTest, AnIncrementalCrawlReadsOnlyNewAndChangedObjects) {
  for (int hour = 0; hour < 10; ++hour)
    for (int i = 0; i < 100; ++i) Put(fmt::format("{}{:02d}/o{:03d}.json", kHour, hour, i), Vehicle(hour * 100 + i) + "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  CrawlRun first = Run(definition);
  EXPECT_EQ(first.objects_read, 1000);
  EXPECT_EQ(first.partitions_added, 10);

  for (int i = 0; i < 100; ++i) Put(fmt::format("{}10/n{:03d}.json", kHour, i), Vehicle(2000 + i) + "\n" + Vehicle(3000 + i) + "\n");
  CrawlRun second = Run(definition);
  EXPECT_EQ(second.objects_listed, 1100);
  EXPECT_EQ(second.objects_read, 100);
  EXPECT_EQ(second.partitions_added, 1);
  EXPECT_EQ(second.tables_updated, 1);  // its statistics
  Table table = GetTable("raw");
  EXPECT_EQ(table.parameters.at("objectCount"), "1100");
  EXPECT_EQ(table.parameters.at("recordCount"), "1200");

  // A rewritten object is read again; the statistics of its partition follow.
  Put(fmt::format("{}03/o000.json", kHour), Vehicles(0, 5));
  CrawlRun third = Run(definition);
  EXPECT_EQ(third.objects_read, 1);
  EXPECT_EQ(GetTable("raw").parameters.at("recordCount"), "1204");
  auto partition = catalog_->GetPartition("vehicles", "raw", {"2026", "11", "25", "03"});
  ASSERT_TRUE(partition);
  EXPECT_EQ(partition->parameters.at("recordCount"), "104");
}

TEST_F(CrawlerTest, DeleteFromDatabaseDropsEmptyPartitionsAndTables) {
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 2));
  Put(fmt::format("{}22/b.json", kHour), Vehicles(2, 2));
  Put("other/x.json", R"({"k":1})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/", "s3://lake/other/"});
  definition.delete_behavior = DeleteBehavior::kDeleteFromDatabase;
  Run(definition);
  ASSERT_EQ(PartitionValues("raw").size(), 2u);

  Delete(fmt::format("{}22/b.json", kHour));
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.partitions_deleted, 1);
  EXPECT_THAT(PartitionValues("raw"), ElementsAre(ElementsAre("2026", "11", "25", "21")));
  EXPECT_EQ(GetTable("raw").parameters.at("objectCount"), "1");

  Delete("other/x.json");
  run = Run(definition);
  EXPECT_EQ(run.tables_deleted, 1);
  EXPECT_THAT(TableNames(), ElementsAre("raw"));
  EXPECT_EQ(catalog_->GetCrawledObjects("test-crawler")->size(), 1u);
}

TEST_F(CrawlerTest, DeprecateInDatabaseMarksAVanishedTableOnce) {
  Put("other/x.json", R"({"k":1})" "\n");
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 2));
  Put(fmt::format("{}22/b.json", kHour), Vehicles(2, 2));
  CrawlerDefinition definition = Define({"s3://lake/raw/", "s3://lake/other/"});
  ASSERT_EQ(definition.delete_behavior, DeleteBehavior::kDeprecateInDatabase);  // Glue's default
  Run(definition);

  Delete("other/x.json");
  Delete(fmt::format("{}22/b.json", kHour));
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_deleted, 0);
  EXPECT_EQ(run.partitions_deleted, 0);
  Table other = GetTable("other");
  ASSERT_TRUE(other.parameters.contains("DEPRECATED_BY_CRAWLER"));
  EXPECT_EQ(other.parameters.at("DEPRECATED_BY_CRAWLER"), std::to_string(run.start_time_ms));
  EXPECT_EQ(PartitionValues("raw").size(), 2u);  // partitions are only deleted by DELETE_FROM_DATABASE

  run = Run(definition);  // marked once, not again
  EXPECT_EQ(run.tables_updated, 0);
  EXPECT_EQ(GetTable("other").version, 2);

  Put("other/x.json", R"({"k":2})" "\n");  // back again: no longer deprecated
  Run(definition);
  EXPECT_FALSE(GetTable("other").parameters.contains("DEPRECATED_BY_CRAWLER"));
}

TEST_F(CrawlerTest, DeleteBehaviorLogKeepsEverything) {
  Put("other/x.json", R"({"k":1})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/other/"});
  definition.delete_behavior = DeleteBehavior::kLog;
  Run(definition);
  Delete("other/x.json");
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_deleted + run.tables_updated, 0);
  Table table = GetTable("other");
  EXPECT_EQ(table.version, 1);
  EXPECT_FALSE(table.parameters.contains("DEPRECATED_BY_CRAWLER"));
}

TEST_F(CrawlerTest, BadObjectsAreReportedAndSkipped) {
  std::string good = Gzip(Vehicles(0, 20));
  Put(fmt::format("{}21/good.gz", kHour), good);
  Put(fmt::format("{}21/truncated.gz", kHour), good.substr(0, good.size() / 2));
  Put(fmt::format("{}21/text.json", kHour), "this is not json at all\n");
  Put(fmt::format("{}21/empty.json", kHour), "");
  Put("other/ok.json", R"({"k":1})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/", "s3://lake/other/"});
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_listed, 5);
  EXPECT_EQ(run.objects_read, 5);
  EXPECT_EQ(run.objects_skipped, 3);
  ASSERT_EQ(run.problems.size(), 3u);
  std::string prefix = fmt::format("s3://lake/{}21/", kHour);
  EXPECT_THAT(run.problems, ::testing::UnorderedElementsAre(StartsWith(prefix + "empty.json: empty object"),
                                                           StartsWith(prefix + "text.json: not JSON, CSV or Parquet"),
                                                           StartsWith(prefix + "truncated.gz: ")));
  EXPECT_THAT(TableNames(), ElementsAre("other", "raw"));
  Table raw = GetTable("raw");
  EXPECT_EQ(raw.parameters.at("objectCount"), "1");
  EXPECT_EQ(raw.parameters.at("recordCount"), "20");
  EXPECT_EQ(ColumnTypes(raw)["vehicle_status"], kVehicleStatusType);

  // Remembered: not read or reported again until they change.
  CrawlRun again = Run(definition);
  EXPECT_EQ(again.objects_read, 0);
  EXPECT_THAT(again.problems, IsEmpty());
  Put(fmt::format("{}21/empty.json", kHour), Gzip(Vehicles(100, 2)));  // gzip, as its sibling
  again = Run(definition);
  EXPECT_EQ(again.objects_read, 1);
  EXPECT_EQ(GetTable("raw").parameters.at("objectCount"), "2");
}

TEST_F(CrawlerTest, CrawlNewFoldersOnlyReadsOnlyNewFolders) {
  Put(fmt::format("{}21/a.json", kHour), R"({"id":1,"a":1,"b":2,"c":3})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  definition.recrawl_behavior = RecrawlBehavior::kCrawlNewFoldersOnly;
  Run(definition);

  Put(fmt::format("{}21/b.json", kHour), R"({"id":2,"a":1,"b":2,"c":3})" "\n");  // known folder: ignored
  Put(fmt::format("{}22/c.json", kHour), R"({"id":3,"a":1,"b":2,"c":3,"extra":"x"})" "\n");  // new folder
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_read, 1);
  EXPECT_EQ(run.partitions_added, 1);
  EXPECT_EQ(run.tables_updated, 0);  // update behavior acts as LOG
  Table table = GetTable("raw");
  EXPECT_EQ(table.version, 1);
  EXPECT_THAT(ColumnNames(table.storage.columns), ElementsAre("id", "a", "b", "c"));
  EXPECT_EQ(table.parameters.at("objectCount"), "1");
  EXPECT_EQ(PartitionValues("raw").size(), 2u);
}

TEST_F(CrawlerTest, ATableDeletedByHandIsMadeAgain) {
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 2));
  Put(fmt::format("{}22/b.json", kHour), Vehicles(2, 2));
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  Run(definition);
  ASSERT_TRUE(catalog_->DeleteTable("vehicles", "raw"));
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_created, 1);
  EXPECT_EQ(run.objects_read, 1);  // one object, to describe the table
  EXPECT_EQ(run.partitions_added, 2);
  Table table = GetTable("raw");
  EXPECT_EQ(table.parameters.at("objectCount"), "2");
  EXPECT_EQ(ColumnTypes(table)["alerts"], kAlertsType);
}

TEST_F(CrawlerTest, CollidingNamesGetAHashSuffix) {
  Put("a/data/x.json", R"({"k":1})" "\n");
  Put("b/data/y.json", R"({"k":2})" "\n");
  CrawlerDefinition definition = Define({"s3://lake/b/data/", "s3://lake/a/data/"});
  Run(definition);
  auto names = TableNames();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "data");
  EXPECT_THAT(names[1], ::testing::MatchesRegex("data_[0-9a-f]{8}"));
  EXPECT_EQ(GetTable("data").storage.location, "s3://lake/a/data/");

  // Stable: a second run changes nothing.
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.tables_created + run.tables_updated + run.tables_deleted, 0);
}

TEST_F(CrawlerTest, ATableOfTheSameNameElsewhereIsNotTakenOver) {
  ASSERT_TRUE(catalog_->CreateDatabase(Database{"vehicles"}));
  Table foreign;
  foreign.database = "vehicles";
  foreign.name = "raw";
  foreign.storage.location = "s3://elsewhere/raw/";
  foreign.storage.columns = {{"a", "string", ""}};
  ASSERT_TRUE(catalog_->CreateTable(foreign));
  Put(fmt::format("{}21/a.json", kHour), Vehicles(0, 2));
  Run(Define({"s3://lake/raw/"}));
  EXPECT_EQ(GetTable("raw").storage.location, "s3://elsewhere/raw/");
  EXPECT_EQ(GetTable("raw").version, 1);
  EXPECT_EQ(TableNames().size(), 2u);
}

TEST_F(CrawlerTest, SampleSizeLimitsReadsPerFolder) {
  for (int i = 0; i < 10; ++i) Put(fmt::format("{}21/o{}.json", kHour, i), Vehicles(i * 4, 4));
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  definition.targets[0].sample_size = 3;
  CrawlRun run = Run(definition);
  EXPECT_EQ(run.objects_read, 3);
  Table table = GetTable("raw");
  EXPECT_EQ(table.parameters.at("objectCount"), "10");
  // Every object holds 4 records of nearly the same size: the estimate is close.
  int64_t records = std::stoll(table.parameters.at("recordCount"));
  EXPECT_GE(records, 38);
  EXPECT_LE(records, 42);
  EXPECT_EQ(Run(definition).objects_read, 0);
}

TEST_F(CrawlerTest, ACancelledCrawlChangesNothing) {
  for (int i = 0; i < 20; ++i) Put(fmt::format("{}21/o{}.json", kHour, i), Vehicles(i, 1));
  CrawlerDefinition definition = Define({"s3://lake/raw/"});
  std::atomic<bool> cancel{true};
  auto run = Crawl(definition, *catalog_, *store_, cancel);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "CANCELLED");
  EXPECT_EQ(run->objects_read, 0);
  EXPECT_THAT(TableNames(), IsEmpty());
  EXPECT_THAT(*catalog_->GetCrawledObjects("test-crawler"), IsEmpty());
  EXPECT_EQ(Run(definition).objects_read, 20);
}

TEST_F(CrawlerTest, AMissingBucketFailsTheRun) {
  CrawlerDefinition definition = Define({"s3://nope/raw/"});
  std::atomic<bool> cancel{false};
  auto run = Crawl(definition, *catalog_, *store_, cancel);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "FAILED");
  EXPECT_THAT(run->error_message, HasSubstr("NoSuchBucket"));
  EXPECT_THAT(run->error_message, HasSubstr("s3://nope/raw/"));
}

TEST_F(CrawlerTest, AnInvalidDefinitionIsAnError) {
  CrawlerDefinition definition = Define({"http://lake/raw/"});
  std::atomic<bool> cancel{false};
  auto run = Crawl(definition, *catalog_, *store_, cancel);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code(), Error::Code::kInvalidInput);
  definition.targets = {{"s3://lake/raw/", {"[oops"}, std::nullopt}};
  run = Crawl(definition, *catalog_, *store_, cancel);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code(), Error::Code::kInvalidInput);
}

TEST(CrawlerHelpersTest, ParsesS3Paths) {
  auto path = ParseS3Path("s3://lake/raw/year=2026");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->bucket, "lake");
  EXPECT_EQ(path->prefix, "raw/year=2026/");
  path = ParseS3Path("s3://lake");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->prefix, "");
  EXPECT_EQ(ParseS3Path("s3://lake/")->prefix, "");
  EXPECT_FALSE(ParseS3Path("s3://UPPER/x"));
  EXPECT_FALSE(ParseS3Path("lake/raw/"));
  EXPECT_EQ(ParseS3Path("s3:/lake").error().code(), Error::Code::kInvalidInput);
}

TEST(CrawlerHelpersTest, BehaviorNamesRoundTrip) {
  EXPECT_EQ(*ParseUpdateBehavior("LOG"), UpdateBehavior::kLog);
  EXPECT_EQ(UpdateBehaviorName(UpdateBehavior::kUpdateInDatabase), "UPDATE_IN_DATABASE");
  EXPECT_EQ(*ParseDeleteBehavior("DEPRECATE_IN_DATABASE"), DeleteBehavior::kDeprecateInDatabase);
  EXPECT_EQ(DeleteBehaviorName(DeleteBehavior::kDeleteFromDatabase), "DELETE_FROM_DATABASE");
  EXPECT_EQ(*ParseRecrawlBehavior("CRAWL_NEW_FOLDERS_ONLY"), RecrawlBehavior::kCrawlNewFoldersOnly);
  EXPECT_EQ(RecrawlBehaviorName(RecrawlBehavior::kCrawlEverything), "CRAWL_EVERYTHING");
  auto bad = ParseDeleteBehavior("delete");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Error::Code::kInvalidInput);
  EXPECT_THAT(bad.error().message(), HasSubstr("DELETE_FROM_DATABASE"));
}

TEST(CrawlerHelpersTest, SummaryLine) {
  CrawlRun run;
  run.status = "SUCCEEDED";
  run.tables_created = 1;
  run.partitions_added = 1;
  run.objects_read = 10;
  run.bytes_sampled = 1'600'000;
  run.objects_skipped = 2;
  run.start_time_ms = 1000;
  run.end_time_ms = 1120;
  EXPECT_EQ(CrawlSummary("vehicles", run),
            "crawler vehicles: 1 table created, 0 updated, 0 deleted, 1 partition added, 0 deleted, 10 objects read "
            "(1.6 MB sampled), 2 skipped, 0.12 s");
  run.status = "FAILED";
  run.error_message = "boom";
  EXPECT_THAT(CrawlSummary("vehicles", run), StartsWith("crawler vehicles FAILED (boom): "));
}

}  // namespace
}  // namespace lakebox::catalog
