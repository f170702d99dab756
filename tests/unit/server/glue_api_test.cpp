#include "server/glue_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "catalog/crawler_service.h"
#include "catalog/sqlite_catalog.h"
#include "common/time.h"
#include "storage/local_object_store.h"

namespace lakebox::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kAccount = "123456789012";

json StringKeys(std::initializer_list<std::string_view> names) {
  json keys = json::array();
  for (std::string_view name : names) keys.push_back({{"Name", name}, {"Type", "string"}});
  return keys;
}

class GlueApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-glue-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto catalog = catalog::SqliteCatalog::Open(dir_ / "catalog.db");
    ASSERT_TRUE(catalog) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    crawlers_ = std::make_unique<catalog::CrawlerService>(catalog_.get(), store_.get());
    api_ = std::make_unique<GlueApi>(catalog_.get(), crawlers_.get(), /*jobs=*/nullptr, std::string(kAccount));
  }

  void TearDown() override {
    api_.reset();
    crawlers_.reset();
    store_.reset();
    catalog_.reset();
    fs::remove_all(dir_);
  }

  // Runs an operation that must succeed; returns the parsed response body.
  json Ok(std::string_view operation, const json& body) {
    std::string text = body.dump();
    Result<std::string> result = api_->Call(operation, text);
    EXPECT_TRUE(result.has_value()) << operation << ": " << (result ? "" : result.error().ToString());
    return result ? json::parse(*result) : json();
  }

  Error Fails(std::string_view operation, std::string body) {
    Result<std::string> result = api_->Call(operation, body);
    EXPECT_FALSE(result.has_value()) << operation << " succeeded: " << *result;
    return result ? Error::Internal("no error") : result.error();
  }
  Error Fails(std::string_view operation, const json& body) { return Fails(operation, body.dump()); }

  void CreateDatabase(std::string name) {
    Ok("CreateDatabase", {{"DatabaseInput", {{"Name", name}}}});
  }

  // vehicles.raw, partitioned by year/month/day/hour.
  void CreateVehiclesTable() {
    CreateDatabase("vehicles");
    Ok("CreateTable",
       {{"DatabaseName", "vehicles"},
        {"TableInput",
         {{"Name", "raw"},
          {"StorageDescriptor",
           {{"Columns", {{{"Name", "vehicle_id"}, {"Type", "string"}}}},
            {"Location", "s3://lake/raw/"}}},
          {"PartitionKeys", StringKeys({"year", "month", "day", "hour"})}}}});
  }

  // Partitions of vehicles.raw, one per {year, month, day, hour}.
  json AddPartitions(const std::vector<std::vector<std::string>>& values) {
    json inputs = json::array();
    for (const auto& v : values) {
      inputs.push_back(
          {{"Values", v},
           {"StorageDescriptor",
            {{"Location", fmt::format("s3://lake/raw/year={}/month={}/day={}/hour={}/", v[0], v[1],
                                      v[2], v[3])},
             {"Columns", {{{"Name", "vehicle_id"}, {"Type", "string"}}}}}},
           {"Parameters", {{"recordCount", "10"}}}});
    }
    return Ok("BatchCreatePartition",
              {{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"PartitionInputList", inputs}});
  }

  // The Values of every partition GetPartitions returns for `request` (following NextToken).
  std::vector<std::vector<std::string>> AllPartitionValues(json request) {
    std::vector<std::vector<std::string>> values;
    for (int pages = 0; pages < 100; ++pages) {
      json page = Ok("GetPartitions", request);
      for (const json& p : page["Partitions"]) values.push_back(p["Values"]);
      if (!page.contains("NextToken")) return values;
      request["NextToken"] = page["NextToken"];
    }
    ADD_FAILURE() << "GetPartitions never stopped paging";
    return values;
  }

  fs::path dir_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::unique_ptr<catalog::CrawlerService> crawlers_;
  std::unique_ptr<GlueApi> api_;
};

// ---- Dispatch -----------------------------------------------------------------------------------

TEST_F(GlueApiTest, UnknownOperation) {
  EXPECT_TRUE(api_->HasOperation("GetPartitions"));
  EXPECT_FALSE(api_->HasOperation("CreateJob"));
  Error e = Fails("CreateJob", std::string("{}"));
  EXPECT_EQ(e.code(), Error::Code::kUnknownOperation);
  EXPECT_THAT(e.message(), HasSubstr("AWSGlue.CreateJob"));
  EXPECT_THAT(e.message(), HasSubstr("GetCrawlerMetrics"));
  EXPECT_EQ(api_->ErrorMessageKey(), "Message");
  EXPECT_EQ(api_->TargetPrefix(), "AWSGlue");
}

TEST_F(GlueApiTest, BodiesThatAreNotTheJsonExpectedAreSerializationErrors) {
  EXPECT_EQ(Fails("GetDatabase", std::string("{not json")).code(), Error::Code::kSerialization);
  EXPECT_EQ(Fails("GetDatabase", std::string("[1]")).code(), Error::Code::kSerialization);
  Error e = Fails("GetDatabase", json{{"Name", 5}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  EXPECT_THAT(e.message(), HasSubstr("Name must be a string, not number"));
  e = Fails("CreateTable", json{{"DatabaseName", "d"},
                               {"TableInput", {{"Name", "t"}, {"StorageDescriptor", {{"Columns", {{{"Name", 1}}}}}}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  EXPECT_THAT(e.message(), HasSubstr("TableInput.StorageDescriptor.Columns[0].Name must be a string"));
  // An empty body is an empty request: a validation error, not a serialization one.
  EXPECT_EQ(Fails("GetDatabase", std::string("")).code(), Error::Code::kValidation);
}

// ---- Databases ----------------------------------------------------------------------------------

TEST_F(GlueApiTest, CreateAndGetDatabase) {
  int64_t before = NowMillis();
  EXPECT_EQ(Ok("CreateDatabase", {{"DatabaseInput",
                                   {{"Name", "Vehicles"},
                                    {"Description", "fleet\ndata"},
                                    {"LocationUri", "s3://lake/"},
                                    {"Parameters", {{"owner", "ops"}}}}},
                                  {"Tags", {{"team", "x"}}}}),
            json::object());
  json db = Ok("GetDatabase", {{"Name", "VEHICLES"}})["Database"];
  EXPECT_EQ(db["Name"], "vehicles");
  EXPECT_EQ(db["Description"], "fleet\ndata");
  EXPECT_EQ(db["LocationUri"], "s3://lake/");
  EXPECT_EQ(db["Parameters"], json({{"owner", "ops"}}));
  EXPECT_EQ(db["CatalogId"], kAccount);
  ASSERT_TRUE(db["CreateTime"].is_number());
  EXPECT_GE(db["CreateTime"].get<double>(), before / 1000.0 - 1);
  EXPECT_LE(db["CreateTime"].get<double>(), NowMillis() / 1000.0 + 1);
  EXPECT_EQ(db["CreateTableDefaultPermissions"][0]["Principal"]["DataLakePrincipalIdentifier"],
            "IAM_ALLOWED_PRINCIPALS");

  CreateDatabase("bare");
  json minimal = Ok("GetDatabase", {{"Name", "bare"}})["Database"];
  EXPECT_FALSE(minimal.contains("Description"));
  EXPECT_FALSE(minimal.contains("LocationUri"));
  EXPECT_EQ(minimal["Parameters"], json::object());
}

TEST_F(GlueApiTest, DatabaseErrors) {
  CreateDatabase("vehicles");
  Error e = Fails("CreateDatabase", json{{"DatabaseInput", {{"Name", "vehicles"}}}});
  EXPECT_EQ(e.code(), Error::Code::kAlreadyExists);
  e = Fails("GetDatabase", json{{"Name", "nope"}});
  EXPECT_EQ(e.code(), Error::Code::kEntityNotFound);
  EXPECT_THAT(e.message(), HasSubstr("nope"));
  EXPECT_EQ(Fails("DeleteDatabase", json{{"Name", "nope"}}).code(), Error::Code::kEntityNotFound);

  e = Fails("CreateDatabase", json::object());
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_EQ(e.message(),
            "1 validation error detected: Value null at 'databaseInput' failed to satisfy "
            "constraint: Member must not be null");
  e = Fails("CreateDatabase",
            json{{"DatabaseInput", {{"Name", std::string(256, 'a')}, {"Description", "tab\x01"}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("2 validation errors detected: "));
  EXPECT_THAT(e.message(), HasSubstr("at 'databaseInput.name' failed to satisfy constraint: Member "
                                     "must have length less than or equal to 255"));
  EXPECT_THAT(e.message(), HasSubstr("at 'databaseInput.description' failed to satisfy constraint: "
                                     "Member must satisfy regular expression pattern"));
  e = Fails("CreateDatabase", json{{"DatabaseInput", {{"Name", "line\nbreak"}}}});
  EXPECT_THAT(e.message(), HasSubstr("'databaseInput.name'"));

  // Validation comes before semantic refusals; neither creates anything.
  e = Fails("CreateDatabase", json{{"DatabaseInput", {{"Name", ""}, {"TargetDatabase", {{"DatabaseName", "x"}}}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  e = Fails("CreateDatabase", json{{"DatabaseInput", {{"Name", "link"}, {"TargetDatabase", {{"DatabaseName", "x"}}}}}});
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("resource links"));
  EXPECT_EQ(Fails("GetDatabase", json{{"Name", "link"}}).code(), Error::Code::kEntityNotFound);
}

TEST_F(GlueApiTest, GetDatabasesPages) {
  for (std::string name : {"e", "d", "c", "b", "a"}) CreateDatabase(name);
  std::vector<std::string> names;
  json request = {{"MaxResults", 2}};
  int pages = 0;
  for (;; ++pages) {
    json page = Ok("GetDatabases", request);
    EXPECT_LE(page["DatabaseList"].size(), 2u);
    for (const json& db : page["DatabaseList"]) names.push_back(db["Name"]);
    if (!page.contains("NextToken")) break;
    request["NextToken"] = page["NextToken"];
  }
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(names, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_EQ(Ok("GetDatabases", json::object())["DatabaseList"].size(), 5u);
  EXPECT_EQ(Ok("GetDatabases", {{"ResourceShareType", "FOREIGN"}})["DatabaseList"], json::array());

  Error e = Fails("GetDatabases", json{{"MaxResults", 0}, {"ResourceShareType", "MINE"}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value '0' at 'maxResults' failed to satisfy constraint: "
                                     "Member must have value greater than or equal to 1"));
  EXPECT_THAT(e.message(), HasSubstr("at 'resourceShareType' failed to satisfy constraint: Member "
                                     "must satisfy enum value set: [FOREIGN, ALL, FEDERATED]"));
  EXPECT_THAT(Fails("GetDatabases", json{{"MaxResults", 101}}).message(),
              HasSubstr("Member must have value less than or equal to 100"));
  EXPECT_EQ(Fails("GetDatabases", json{{"MaxResults", 1.5}}).code(), Error::Code::kSerialization);
}

TEST_F(GlueApiTest, DeleteDatabaseTakesItsTables) {
  CreateVehiclesTable();
  EXPECT_EQ(Ok("DeleteDatabase", {{"Name", "vehicles"}}), json::object());
  EXPECT_EQ(Fails("GetDatabase", json{{"Name", "vehicles"}}).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("GetTable", json{{"DatabaseName", "vehicles"}, {"Name", "raw"}}).code(),
            Error::Code::kEntityNotFound);
}

// ---- Tables -------------------------------------------------------------------------------------

TEST_F(GlueApiTest, CreateAndGetTableShape) {
  CreateDatabase("vehicles");
  json input = {
      {"Name", "Raw"},
      {"Description", "vehicle readings"},
      {"Owner", "ops"},
      {"TableType", "EXTERNAL_TABLE"},
      {"Parameters", {{"classification", "json"}}},
      {"StorageDescriptor",
       {{"Columns",
         {{{"Name", "Vehicle_ID"}, {"Type", "string"}, {"Comment", "the id"}},
          {{"Name", "gps_info"}, {"Type", "struct<latitude:double,longitude:double>"}}}},
        {"Location", "s3://lake/raw/"},
        {"InputFormat", "org.apache.hadoop.mapred.TextInputFormat"},
        {"OutputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
        {"Compressed", true},
        {"NumberOfBuckets", 0},
        {"SerdeInfo",
         {{"Name", "ignored"},
          {"SerializationLibrary", "org.openx.data.jsonserde.JsonSerDe"},
          {"Parameters", {{"paths", "vehicle_id,gps_info"}}}}},
        {"Parameters", {{"classification", "json"}}},
        {"StoredAsSubDirectories", false}}},
      {"PartitionKeys", StringKeys({"year"})}};
  EXPECT_EQ(Ok("CreateTable", {{"DatabaseName", "Vehicles"}, {"TableInput", input}}), json::object());

  json t = Ok("GetTable", {{"DatabaseName", "vehicles"}, {"Name", "RAW"}})["Table"];
  EXPECT_EQ(t["Name"], "raw");
  EXPECT_EQ(t["DatabaseName"], "vehicles");
  EXPECT_EQ(t["Description"], "vehicle readings");
  EXPECT_EQ(t["Owner"], "ops");
  EXPECT_EQ(t["TableType"], "EXTERNAL_TABLE");
  EXPECT_EQ(t["Parameters"], json({{"classification", "json"}}));
  EXPECT_EQ(t["VersionId"], "1");
  EXPECT_EQ(t["IsRegisteredWithLakeFormation"], false);
  EXPECT_EQ(t["CatalogId"], kAccount);
  EXPECT_TRUE(t["CreateTime"].is_number());
  EXPECT_TRUE(t["UpdateTime"].is_number());
  EXPECT_EQ(t["PartitionKeys"], StringKeys({"year"}));
  json sd = t["StorageDescriptor"];
  EXPECT_EQ(sd["Columns"],
            json::parse(R"([{"Name":"vehicle_id","Type":"string","Comment":"the id"},
                            {"Name":"gps_info","Type":"struct<latitude:double,longitude:double>"}])"));
  EXPECT_EQ(sd["Location"], "s3://lake/raw/");
  EXPECT_EQ(sd["InputFormat"], "org.apache.hadoop.mapred.TextInputFormat");
  EXPECT_EQ(sd["OutputFormat"], "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
  EXPECT_EQ(sd["Compressed"], true);
  EXPECT_EQ(sd["NumberOfBuckets"], -1);
  EXPECT_EQ(sd["BucketColumns"], json::array());
  EXPECT_EQ(sd["SortColumns"], json::array());
  EXPECT_EQ(sd["StoredAsSubDirectories"], false);
  EXPECT_EQ(sd["SerdeInfo"], json({{"SerializationLibrary", "org.openx.data.jsonserde.JsonSerDe"},
                                   {"Parameters", {{"paths", "vehicle_id,gps_info"}}}}));
  EXPECT_EQ(sd["Parameters"], json({{"classification", "json"}}));
}

TEST_F(GlueApiTest, PartitionKeysArePresentEvenWhenNoneWereGiven) {
  CreateDatabase("d");
  Ok("CreateTable", {{"DatabaseName", "d"}, {"TableInput", {{"Name", "t"}}}});
  json t = Ok("GetTable", {{"DatabaseName", "d"}, {"Name", "t"}})["Table"];
  EXPECT_EQ(t["PartitionKeys"], json::array());
  EXPECT_EQ(t["StorageDescriptor"]["Columns"], json::array());
  EXPECT_FALSE(t.contains("Owner"));
  EXPECT_FALSE(t.contains("CreatedBy"));
}

TEST_F(GlueApiTest, CreateTableErrorsChangeNothing) {
  EXPECT_EQ(Fails("CreateTable", json{{"DatabaseName", "nope"}, {"TableInput", {{"Name", "t"}}}}).code(),
            Error::Code::kEntityNotFound);
  CreateVehiclesTable();
  EXPECT_EQ(Fails("CreateTable", json{{"DatabaseName", "vehicles"}, {"TableInput", {{"Name", "raw"}}}}).code(),
            Error::Code::kAlreadyExists);

  Error e = Fails("CreateTable", json{{"DatabaseName", "vehicles"}});
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("TableInput is required"));

  e = Fails("CreateTable",
            json{{"TableInput",
                  {{"Name", "t2"},
                   {"StorageDescriptor",
                    {{"Columns", {{{"Name", "a"}}, {{"Type", "int"}}}}, {"InputFormat", std::string(129, 'x')}}}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("3 validation errors detected"));
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'databaseName'"));
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'tableInput.storageDescriptor.columns.2.member.name'"));
  EXPECT_THAT(e.message(), HasSubstr("at 'tableInput.storageDescriptor.inputFormat' failed to satisfy "
                                     "constraint: Member must have length less than or equal to 128"));

  struct Refused {
    json input;
    std::string_view message;
  };
  for (const Refused& r : std::vector<Refused>{
           {{{"Name", "t2"}, {"StorageDescriptor", {{"BucketColumns", {"a"}}}}}, "bucketed"},
           {{{"Name", "t2"}, {"StorageDescriptor", {{"SortColumns", {{{"Column", "a"}, {"SortOrder", 1}}}}}}}, "sorted"},
           {{{"Name", "t2"}, {"ViewOriginalText", "SELECT 1"}, {"TableType", "VIRTUAL_VIEW"}}, "views"},
           {{{"Name", "t2"}, {"TargetTable", {{"Name", "x"}}}}, "resource links"},
       }) {
    e = Fails("CreateTable", json{{"DatabaseName", "vehicles"}, {"TableInput", r.input}});
    EXPECT_EQ(e.code(), Error::Code::kInvalidInput) << r.input;
    EXPECT_THAT(e.message(), HasSubstr(r.message));
  }
  // Empty ones are fine.
  Ok("CreateTable", {{"DatabaseName", "vehicles"},
                     {"TableInput", {{"Name", "t3"}, {"StorageDescriptor", {{"BucketColumns", json::array()}}}}}});
  json tables = Ok("GetTables", {{"DatabaseName", "vehicles"}})["TableList"];
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0]["Name"], "raw");
  EXPECT_EQ(tables[1]["Name"], "t3");
}

TEST_F(GlueApiTest, GetTablesFiltersByRegexAndPages) {
  CreateDatabase("d");
  for (std::string name : {"vehicles_raw", "vehicles_stage", "orders", "vehicles_curated"})
    Ok("CreateTable", {{"DatabaseName", "d"}, {"TableInput", {{"Name", name}}}});
  std::vector<std::string> names;
  json request = {{"DatabaseName", "d"}, {"Expression", "vehicles_.*"}, {"MaxResults", 2}};
  for (int pages = 0; pages < 10; ++pages) {
    json page = Ok("GetTables", request);
    for (const json& t : page["TableList"]) names.push_back(t["Name"]);
    if (!page.contains("NextToken")) break;
    request["NextToken"] = page["NextToken"];
  }
  EXPECT_THAT(names, ElementsAre("vehicles_curated", "vehicles_raw", "vehicles_stage"));
  EXPECT_EQ(Fails("GetTables", json{{"DatabaseName", "nope"}}).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("GetTables", json{{"DatabaseName", "d"}, {"Expression", "("}}).code(),
            Error::Code::kInvalidInput);
  EXPECT_EQ(Fails("GetTables", json{{"DatabaseName", "d"}, {"NextToken", "%%%"}}).code(),
            Error::Code::kInvalidInput);
}

TEST_F(GlueApiTest, UpdateTableKeepsVersions) {
  CreateVehiclesTable();
  json before = Ok("GetTable", {{"DatabaseName", "vehicles"}, {"Name", "raw"}})["Table"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  json input = {{"Name", "raw"},
                {"StorageDescriptor",
                 {{"Columns", {{{"Name", "vehicle_id"}, {"Type", "string"}}, {{"Name", "speed"}, {"Type", "double"}}}},
                  {"Location", "s3://lake/raw/"}}},
                {"PartitionKeys", StringKeys({"year", "month", "day", "hour"})}};
  EXPECT_EQ(Ok("UpdateTable", {{"DatabaseName", "vehicles"}, {"TableInput", input}}), json::object());
  json after = Ok("GetTable", {{"DatabaseName", "vehicles"}, {"Name", "raw"}})["Table"];
  EXPECT_EQ(after["VersionId"], "2");
  EXPECT_EQ(after["StorageDescriptor"]["Columns"].size(), 2u);
  EXPECT_EQ(after["CreateTime"], before["CreateTime"]);
  EXPECT_GT(after["UpdateTime"].get<double>(), before["UpdateTime"].get<double>());

  json versions = Ok("GetTableVersions", {{"DatabaseName", "vehicles"}, {"TableName", "raw"}})["TableVersions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["VersionId"], "2");
  EXPECT_EQ(versions[0]["Table"]["VersionId"], "2");
  EXPECT_EQ(versions[0]["Table"]["StorageDescriptor"]["Columns"].size(), 2u);
  EXPECT_EQ(versions[1]["VersionId"], "1");
  EXPECT_EQ(versions[1]["Table"]["StorageDescriptor"]["Columns"].size(), 1u);

  // One at a time, newest first.
  json first = Ok("GetTableVersions", {{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"MaxResults", 1}});
  ASSERT_EQ(first["TableVersions"].size(), 1u);
  EXPECT_EQ(first["TableVersions"][0]["VersionId"], "2");
  ASSERT_TRUE(first.contains("NextToken"));
  json second = Ok("GetTableVersions", {{"DatabaseName", "vehicles"},
                                        {"TableName", "raw"},
                                        {"MaxResults", 1},
                                        {"NextToken", first["NextToken"]}});
  ASSERT_EQ(second["TableVersions"].size(), 1u);
  EXPECT_EQ(second["TableVersions"][0]["VersionId"], "1");
  EXPECT_FALSE(second.contains("NextToken"));
  EXPECT_EQ(Fails("GetTableVersions",
                  json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"NextToken", "bm90IGEgbnVtYmVy"}})
                .code(),
            Error::Code::kInvalidInput);

  EXPECT_EQ(Fails("UpdateTable", json{{"DatabaseName", "vehicles"}, {"TableInput", {{"Name", "nope"}}}}).code(),
            Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("GetTableVersions", json{{"DatabaseName", "vehicles"}, {"TableName", "nope"}}).code(),
            Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("UpdateTable", json{{"DatabaseName", "vehicles"}}).code(), Error::Code::kInvalidInput);
}

TEST_F(GlueApiTest, DeleteTable) {
  CreateVehiclesTable();
  EXPECT_EQ(Ok("DeleteTable", {{"DatabaseName", "vehicles"}, {"Name", "raw"}}), json::object());
  EXPECT_EQ(Fails("GetTable", json{{"DatabaseName", "vehicles"}, {"Name", "raw"}}).code(),
            Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("DeleteTable", json{{"DatabaseName", "vehicles"}, {"Name", "raw"}}).code(),
            Error::Code::kEntityNotFound);
  Error e = Fails("DeleteTable", json{{"DatabaseName", "vehicles"}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'name'"));
}

// ---- Partitions ---------------------------------------------------------------------------------

TEST_F(GlueApiTest, BatchCreatePartitionReportsFailuresPerPartition) {
  CreateVehiclesTable();
  EXPECT_EQ(AddPartitions({{"2026", "07", "13", "09"}, {"2026", "07", "13", "10"}}),
            json({{"Errors", json::array()}}));
  json response = Ok("BatchCreatePartition",
                     {{"DatabaseName", "vehicles"},
                      {"TableName", "raw"},
                      {"PartitionInputList",
                       {{{"Values", {"2026", "07", "13", "09"}}},
                        {{"Values", {"2026", "07"}}},
                        {{"Values", {"2026", "07", "13", "11"}}}}}});
  ASSERT_EQ(response["Errors"].size(), 2u);
  EXPECT_EQ(response["Errors"][0]["PartitionValues"], json({"2026", "07", "13", "09"}));
  EXPECT_EQ(response["Errors"][0]["ErrorDetail"]["ErrorCode"], "AlreadyExistsException");
  EXPECT_EQ(response["Errors"][1]["PartitionValues"], json({"2026", "07"}));
  EXPECT_EQ(response["Errors"][1]["ErrorDetail"]["ErrorCode"], "InvalidInputException");
  EXPECT_FALSE(response["Errors"][1]["ErrorDetail"]["ErrorMessage"].get<std::string>().empty());
  EXPECT_EQ(AllPartitionValues({{"DatabaseName", "vehicles"}, {"TableName", "raw"}}).size(), 3u);

  EXPECT_EQ(Fails("BatchCreatePartition",
                  json{{"DatabaseName", "vehicles"}, {"TableName", "nope"}, {"PartitionInputList", json::array()}})
                .code(),
            Error::Code::kEntityNotFound);
  json too_many = json::array();
  for (int i = 0; i < 101; ++i) too_many.push_back({{"Values", {"2027", "01", "01", std::to_string(i)}}});
  Error e = Fails("BatchCreatePartition",
                  json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"PartitionInputList", too_many}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("at 'partitionInputList' failed to satisfy constraint: Member must "
                                     "have length less than or equal to 100"));
  e = Fails("BatchCreatePartition", json{{"DatabaseName", "vehicles"},
                                         {"TableName", "raw"},
                                         {"PartitionInputList", {{{"Values", {"2027", "", "01", "01"}}}}}});
  EXPECT_THAT(e.message(), HasSubstr("at 'partitionInputList.1.member.values.2.member' failed"));
  EXPECT_EQ(AllPartitionValues({{"DatabaseName", "vehicles"}, {"TableName", "raw"}}).size(), 3u);
}

TEST_F(GlueApiTest, GetPartitionsShapeAndExpression) {
  CreateVehiclesTable();
  AddPartitions({{"2026", "07", "13", "09"},
                 {"2026", "07", "13", "10"},
                 {"2026", "07", "14", "00"},
                 {"2025", "12", "31", "23"}});
  json page = Ok("GetPartitions", {{"DatabaseName", "vehicles"},
                                   {"TableName", "raw"},
                                   {"Expression", "year = '2026' AND hour = 9"}});
  ASSERT_EQ(page["Partitions"].size(), 1u);
  json p = page["Partitions"][0];
  EXPECT_EQ(p["Values"], json({"2026", "07", "13", "09"}));
  EXPECT_EQ(p["DatabaseName"], "vehicles");
  EXPECT_EQ(p["TableName"], "raw");
  EXPECT_EQ(p["CatalogId"], kAccount);
  EXPECT_TRUE(p["CreationTime"].is_number());
  EXPECT_TRUE(p["LastAccessTime"].is_number());
  EXPECT_EQ(p["Parameters"], json({{"recordCount", "10"}}));
  EXPECT_EQ(p["StorageDescriptor"]["Location"], "s3://lake/raw/year=2026/month=07/day=13/hour=09/");
  EXPECT_EQ(p["StorageDescriptor"]["Columns"].size(), 1u);
  EXPECT_FALSE(page.contains("NextToken"));

  using Values = std::vector<std::vector<std::string>>;
  json request = {{"DatabaseName", "vehicles"}, {"TableName", "raw"}};
  request["Expression"] = "month > 7 OR (day BETWEEN '14' AND '20')";
  EXPECT_EQ(AllPartitionValues(request), (Values{{"2025", "12", "31", "23"}, {"2026", "07", "14", "00"}}));
  request["Expression"] = "hour IN ('09', '10') AND NOT day LIKE '1%4'";
  EXPECT_EQ(AllPartitionValues(request), (Values{{"2026", "07", "13", "09"}, {"2026", "07", "13", "10"}}));

  request["Expression"] = "";
  request["ExcludeColumnSchema"] = true;
  json excluded = Ok("GetPartitions", request);
  ASSERT_EQ(excluded["Partitions"].size(), 4u);
  EXPECT_FALSE(excluded["Partitions"][0]["StorageDescriptor"].contains("Columns"));
  EXPECT_TRUE(excluded["Partitions"][0]["StorageDescriptor"].contains("Location"));
}

TEST_F(GlueApiTest, GetPartitionsPagesAndSegments) {
  CreateVehiclesTable();
  std::vector<std::vector<std::string>> all;
  for (int hour = 0; hour < 24; ++hour) all.push_back({"2026", "07", "13", fmt::format("{:02}", hour)});
  AddPartitions(all);

  json request = {{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"MaxResults", 5}};
  json first = Ok("GetPartitions", request);
  EXPECT_EQ(first["Partitions"].size(), 5u);
  EXPECT_EQ(AllPartitionValues(request), all);  // 5 pages, in order, none twice
  // A page resumes after the token's partition even when partitions were added in between.
  AddPartitions({{"2026", "07", "13", "00a"}});
  json resumed = request;
  resumed["NextToken"] = first["NextToken"];
  json second = Ok("GetPartitions", resumed);
  EXPECT_EQ(second["Partitions"][0]["Values"], json({"2026", "07", "13", "05"}));

  // Segments are disjoint and cover everything.
  std::vector<std::vector<std::string>> union_of_segments;
  for (int segment = 0; segment < 3; ++segment) {
    json seg = {{"DatabaseName", "vehicles"},
                {"TableName", "raw"},
                {"Segment", {{"SegmentNumber", segment}, {"TotalSegments", 3}}}};
    auto values = AllPartitionValues(seg);
    EXPECT_LT(values.size(), 25u);
    union_of_segments.insert(union_of_segments.end(), values.begin(), values.end());
  }
  std::sort(union_of_segments.begin(), union_of_segments.end());
  EXPECT_EQ(union_of_segments, AllPartitionValues({{"DatabaseName", "vehicles"}, {"TableName", "raw"}}));

  Error e = Fails("GetPartitions", json{{"DatabaseName", "vehicles"},
                                        {"TableName", "raw"},
                                        {"Segment", {{"SegmentNumber", 3}, {"TotalSegments", 3}}}});
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  e = Fails("GetPartitions", json{{"DatabaseName", "vehicles"},
                                  {"TableName", "raw"},
                                  {"MaxResults", 1001},
                                  {"Segment", {{"SegmentNumber", 0}, {"TotalSegments", 11}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("at 'maxResults'"));
  EXPECT_THAT(e.message(), HasSubstr("at 'segment.totalSegments'"));
  EXPECT_THAT(Fails("GetPartitions", json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"Segment", json::object()}})
                  .message(),
              HasSubstr("Value null at 'segment.segmentNumber'"));
  EXPECT_EQ(Fails("GetPartitions", json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"NextToken", "e30="}})
                .code(),
            Error::Code::kInvalidInput);
}

TEST_F(GlueApiTest, GetPartitionsErrors) {
  CreateVehiclesTable();
  Error e = Fails("GetPartitions", json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"Expression", "year ="}});
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("position 7"));
  e = Fails("GetPartitions", json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}, {"Expression", "partition_0 = '1'"}});
  EXPECT_EQ(e.code(), Error::Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("year, month, day, hour"));
  EXPECT_EQ(Fails("GetPartitions", json{{"DatabaseName", "vehicles"}, {"TableName", "nope"}}).code(),
            Error::Code::kEntityNotFound);
  e = Fails("GetPartitions", json{{"DatabaseName", "vehicles"}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'tableName'"));
}

TEST_F(GlueApiTest, GetPartition) {
  CreateVehiclesTable();
  AddPartitions({{"2026", "07", "13", "09"}});
  json p = Ok("GetPartition", {{"DatabaseName", "vehicles"},
                               {"TableName", "raw"},
                               {"PartitionValues", {"2026", "07", "13", "09"}}})["Partition"];
  EXPECT_EQ(p["Values"], json({"2026", "07", "13", "09"}));
  EXPECT_EQ(p["StorageDescriptor"]["Location"], "s3://lake/raw/year=2026/month=07/day=13/hour=09/");
  EXPECT_EQ(Fails("GetPartition", json{{"DatabaseName", "vehicles"},
                                       {"TableName", "raw"},
                                       {"PartitionValues", {"2026", "07", "13", "10"}}})
                .code(),
            Error::Code::kEntityNotFound);
  Error e = Fails("GetPartition", json{{"DatabaseName", "vehicles"}, {"TableName", "raw"}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'partitionValues'"));
}

// ---- Crawlers -----------------------------------------------------------------------------------

json MinimalCrawler(std::string name) {
  return {{"Name", name},
          {"Role", "arn:aws:iam::123456789012:role/glue"},
          {"Targets", {{"S3Targets", {{{"Path", "s3://lake/raw/"}}}}}}};
}

TEST_F(GlueApiTest, CreateCrawlerDefaultsAndShape) {
  int64_t before = NowMillis();
  EXPECT_EQ(Ok("CreateCrawler", MinimalCrawler("vehicles")), json::object());
  json c = Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"];
  EXPECT_EQ(c["Name"], "vehicles");
  EXPECT_EQ(c["Role"], "arn:aws:iam::123456789012:role/glue");
  EXPECT_EQ(c["DatabaseName"], "default");
  EXPECT_EQ(c["State"], "READY");
  EXPECT_EQ(c["Version"], 1);
  EXPECT_EQ(c["CrawlElapsedTime"], 0);
  EXPECT_EQ(c["Classifiers"], json::array());
  EXPECT_EQ(c["LineageConfiguration"], json({{"CrawlerLineageSettings", "DISABLE"}}));
  EXPECT_EQ(c["SchemaChangePolicy"],
            json({{"UpdateBehavior", "UPDATE_IN_DATABASE"}, {"DeleteBehavior", "DEPRECATE_IN_DATABASE"}}));
  EXPECT_EQ(c["RecrawlPolicy"], json({{"RecrawlBehavior", "CRAWL_EVERYTHING"}}));
  EXPECT_EQ(c["Targets"]["S3Targets"], json::parse(R"([{"Path":"s3://lake/raw/","Exclusions":[]}])"));
  EXPECT_EQ(c["Targets"]["JdbcTargets"], json::array());
  EXPECT_EQ(c["Targets"]["DynamoDBTargets"], json::array());
  EXPECT_GE(c["CreationTime"].get<double>(), before / 1000.0 - 1);
  EXPECT_TRUE(c["LastUpdated"].is_number());
  // Absent until set, or until the first run.
  for (const char* member : {"Description", "TablePrefix", "Schedule", "LastCrawl", "Configuration"})
    EXPECT_FALSE(c.contains(member)) << member;
}

TEST_F(GlueApiTest, CreateCrawlerWithEveryMember) {
  json request = MinimalCrawler("Vehicles");
  request["DatabaseName"] = "Fleet";
  request["Description"] = "raw vehicle data";
  request["Schedule"] = "cron(15 12 * * ? *)";
  request["TablePrefix"] = "vehicles_";
  request["SchemaChangePolicy"] = {{"UpdateBehavior", "LOG"}, {"DeleteBehavior", "DELETE_FROM_DATABASE"}};
  request["RecrawlPolicy"] = {{"RecrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY"}};
  request["Configuration"] = R"({"Version":1.0})";
  request["LineageConfiguration"] = {{"CrawlerLineageSettings", "DISABLE"}};
  request["Targets"]["S3Targets"][0]["Exclusions"] = {"**.tmp", "_temporary/**"};
  request["Targets"]["S3Targets"][0]["SampleSize"] = 10;
  Ok("CreateCrawler", request);
  json c = Ok("GetCrawler", {{"Name", "Vehicles"}})["Crawler"];
  EXPECT_EQ(c["Name"], "Vehicles");  // crawler names keep their case
  EXPECT_EQ(c["DatabaseName"], "fleet");
  EXPECT_EQ(c["Description"], "raw vehicle data");
  EXPECT_EQ(c["Schedule"], json({{"ScheduleExpression", "cron(15 12 * * ? *)"}, {"State", "NOT_SCHEDULED"}}));
  EXPECT_EQ(c["TablePrefix"], "vehicles_");
  EXPECT_EQ(c["SchemaChangePolicy"], json({{"UpdateBehavior", "LOG"}, {"DeleteBehavior", "DELETE_FROM_DATABASE"}}));
  EXPECT_EQ(c["RecrawlPolicy"], json({{"RecrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY"}}));
  EXPECT_EQ(c["Configuration"], R"({"Version":1.0})");
  EXPECT_EQ(c["Targets"]["S3Targets"],
            json::parse(R"([{"Path":"s3://lake/raw/","Exclusions":["**.tmp","_temporary/**"],"SampleSize":10}])"));
}

TEST_F(GlueApiTest, CreateCrawlerErrorsChangeNothing) {
  Ok("CreateCrawler", MinimalCrawler("vehicles"));
  EXPECT_EQ(Fails("CreateCrawler", MinimalCrawler("vehicles")).code(), Error::Code::kAlreadyExists);

  Error e = Fails("CreateCrawler", json::object());
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("3 validation errors detected"));
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'name'"));
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'role'"));
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'targets'"));

  json bad_enum = MinimalCrawler("other");
  bad_enum["SchemaChangePolicy"] = {{"UpdateBehavior", "IGNORE"}};
  bad_enum["TablePrefix"] = std::string(129, 'p');
  e = Fails("CreateCrawler", bad_enum);
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value 'IGNORE' at 'schemaChangePolicy.updateBehavior' failed to satisfy "
                                     "constraint: Member must satisfy enum value set: [LOG, UPDATE_IN_DATABASE]"));
  EXPECT_THAT(e.message(), HasSubstr("at 'tablePrefix'"));

  struct Refused {
    std::string member;
    json value;
    std::string_view message;
  };
  for (const Refused& r : std::vector<Refused>{
           {"Targets", {{"JdbcTargets", {{{"ConnectionName", "db"}}}}}, "lakebox crawls only S3 targets, not JdbcTargets"},
           {"Targets", {{"S3Targets", json::array()}}, "at least one S3 target"},
           {"Targets", {{"S3Targets", {{{"Path", "http://lake/raw/"}}}}}, "s3://"},
           {"Classifiers", {"my-csv"}, "custom classifiers"},
           {"RecrawlPolicy", {{"RecrawlBehavior", "CRAWL_EVENT_MODE"}}, "CRAWL_EVENT_MODE"},
           {"Configuration", "Version=1", "Configuration must be a JSON object"},
           {"Schedule", "every day", "not a cron expression"},
       }) {
    json request = MinimalCrawler("other");
    request[r.member] = r.value;
    e = Fails("CreateCrawler", request);
    EXPECT_EQ(e.code(), Error::Code::kInvalidInput) << r.member << ": " << e.ToString();
    EXPECT_THAT(e.message(), HasSubstr(r.message));
  }
  EXPECT_EQ(Fails("GetCrawler", json{{"Name", "other"}}).code(), Error::Code::kEntityNotFound);
}

TEST_F(GlueApiTest, UpdateCrawlerMergesOntoTheDefinition) {
  json create = MinimalCrawler("vehicles");
  create["Description"] = "raw";
  create["DatabaseName"] = "fleet";
  Ok("CreateCrawler", create);
  json before = Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"];
  EXPECT_EQ(Ok("UpdateCrawler", {{"Name", "vehicles"},
                                 {"TablePrefix", "vehicles_"},
                                 {"SchemaChangePolicy", {{"DeleteBehavior", "LOG"}}}}),
            json::object());
  json after = Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"];
  EXPECT_EQ(after["TablePrefix"], "vehicles_");
  EXPECT_EQ(after["SchemaChangePolicy"],
            json({{"UpdateBehavior", "UPDATE_IN_DATABASE"}, {"DeleteBehavior", "LOG"}}));
  EXPECT_EQ(after["Description"], "raw");
  EXPECT_EQ(after["DatabaseName"], "fleet");
  EXPECT_EQ(after["Role"], before["Role"]);
  EXPECT_EQ(after["Targets"], before["Targets"]);
  EXPECT_EQ(after["Version"], 2);

  // An empty Description removes it.
  Ok("UpdateCrawler", {{"Name", "vehicles"}, {"Description", ""}});
  EXPECT_FALSE(Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"].contains("Description"));

  EXPECT_EQ(Fails("UpdateCrawler", json{{"Name", "nope"}, {"TablePrefix", "x"}}).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("UpdateCrawler", json{{"Name", "vehicles"}, {"Targets", {{"HudiTargets", {{{"Paths", {"x"}}}}}}}}).code(),
            Error::Code::kInvalidInput);
  EXPECT_EQ(Fails("UpdateCrawler", json{{"TablePrefix", "x"}}).code(), Error::Code::kValidation);
  EXPECT_EQ(Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"]["Version"], 3);
}

TEST_F(GlueApiTest, StartCrawlerCrawlsAndReportsItsCounters) {
  ASSERT_TRUE(store_->EnsureBucket("lake"));
  std::string records;
  for (int i = 0; i < 5; ++i)
    records += fmt::format(R"({{"vehicle_id":"V-{}","gps_info":{{"latitude":1.5,"longitude":2.5}}}})"
                           "\n",
                           i);
  ASSERT_TRUE(store_->Put("lake", "raw/year=2026/month=07/day=13/hour=09/a.json", records));
  ASSERT_TRUE(store_->Put("lake", "raw/year=2026/month=07/day=13/hour=09/b.json", records));
  ASSERT_TRUE(store_->Put("lake", "raw/year=2026/month=07/day=13/hour=09/empty.json", ""));
  json create = MinimalCrawler("vehicles");
  create["DatabaseName"] = "vehicles";
  create["TablePrefix"] = "vehicles_";
  Ok("CreateCrawler", create);

  EXPECT_EQ(Ok("StartCrawler", {{"Name", "vehicles"}}), json::object());
  ASSERT_TRUE(crawlers_->WaitUntilReady("vehicles", std::chrono::seconds(30)));
  json c = Ok("GetCrawler", {{"Name", "vehicles"}})["Crawler"];
  EXPECT_EQ(c["State"], "READY");
  ASSERT_TRUE(c.contains("LastCrawl")) << c;
  EXPECT_EQ(c["LastCrawl"]["Status"], "SUCCEEDED");
  EXPECT_EQ(c["LastCrawl"]["LogGroup"], "/aws-glue/crawlers");
  EXPECT_EQ(c["LastCrawl"]["LogStream"], "vehicles");
  EXPECT_TRUE(c["LastCrawl"]["StartTime"].is_number());

  json m = Ok("GetCrawlerMetrics", {{"CrawlerNameList", {"vehicles"}}})["CrawlerMetricsList"];
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["CrawlerName"], "vehicles");
  EXPECT_EQ(m[0]["TimeLeftSeconds"], 0);
  EXPECT_EQ(m[0]["StillEstimating"], false);
  EXPECT_GE(m[0]["LastRuntimeSeconds"].get<double>(), 0);
  EXPECT_EQ(m[0]["MedianRuntimeSeconds"], m[0]["LastRuntimeSeconds"]);
  EXPECT_EQ(m[0]["TablesCreated"], 1);
  EXPECT_EQ(m[0]["TablesUpdated"], 0);
  EXPECT_EQ(m[0]["TablesDeleted"], 0);
  EXPECT_EQ(m[0]["ObjectsListed"], 3);
  EXPECT_EQ(m[0]["ObjectsRead"], 3);
  EXPECT_EQ(m[0]["ObjectsSkipped"], 1);
  EXPECT_EQ(m[0]["BytesSampled"], 2 * records.size());
  EXPECT_EQ(m[0]["PartitionsAdded"], 1);
  ASSERT_EQ(m[0]["Problems"].size(), 1u);
  EXPECT_THAT(m[0]["Problems"][0].get<std::string>(), HasSubstr("empty.json"));

  json table = Ok("GetTable", {{"DatabaseName", "vehicles"}, {"Name", "vehicles_raw"}})["Table"];
  EXPECT_EQ(table["PartitionKeys"], StringKeys({"year", "month", "day", "hour"}));
  json partitions = Ok("GetPartitions", {{"DatabaseName", "vehicles"},
                                         {"TableName", "vehicles_raw"},
                                         {"Expression", "year = '2026' AND hour = 9"}})["Partitions"];
  ASSERT_EQ(partitions.size(), 1u);
  EXPECT_EQ(partitions[0]["Values"], json({"2026", "07", "13", "09"}));

  // Nothing new: the second run reads nothing, and the metrics say so.
  Ok("StartCrawler", {{"Name", "vehicles"}});
  ASSERT_TRUE(crawlers_->WaitUntilReady("vehicles", std::chrono::seconds(30)));
  m = Ok("GetCrawlerMetrics", json::object())["CrawlerMetricsList"];
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["ObjectsListed"], 3);
  EXPECT_EQ(m[0]["ObjectsRead"], 0);
  EXPECT_EQ(m[0]["TablesCreated"], 0);
  EXPECT_EQ(m[0]["Problems"], json::array());
}

TEST_F(GlueApiTest, CrawlerLifecycleErrors) {
  EXPECT_EQ(Fails("StartCrawler", json{{"Name", "nope"}}).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("GetCrawler", json{{"Name", "nope"}}).code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(Fails("DeleteCrawler", json{{"Name", "nope"}}).code(), Error::Code::kEntityNotFound);
  Ok("CreateCrawler", MinimalCrawler("vehicles"));
  EXPECT_EQ(Fails("StopCrawler", json{{"Name", "vehicles"}}).code(), Error::Code::kCrawlerNotRunning);
  EXPECT_EQ(Fails("StartCrawler", json{{"Name", ""}}).code(), Error::Code::kValidation);
  EXPECT_EQ(Ok("DeleteCrawler", {{"Name", "vehicles"}}), json::object());
  EXPECT_EQ(Fails("GetCrawler", json{{"Name", "vehicles"}}).code(), Error::Code::kEntityNotFound);
}

TEST_F(GlueApiTest, GetCrawlersAndMetricsPage) {
  for (std::string name : {"c", "a", "b"}) Ok("CreateCrawler", MinimalCrawler(name));
  json first = Ok("GetCrawlers", {{"MaxResults", 2}});
  ASSERT_EQ(first["Crawlers"].size(), 2u);
  EXPECT_EQ(first["Crawlers"][0]["Name"], "a");
  EXPECT_EQ(first["Crawlers"][1]["Name"], "b");
  ASSERT_TRUE(first.contains("NextToken"));
  json second = Ok("GetCrawlers", {{"MaxResults", 2}, {"NextToken", first["NextToken"]}});
  ASSERT_EQ(second["Crawlers"].size(), 1u);
  EXPECT_EQ(second["Crawlers"][0]["Name"], "c");
  EXPECT_FALSE(second.contains("NextToken"));

  // Unknown names in the list are left out; a crawler that never ran has zeros.
  json m = Ok("GetCrawlerMetrics", {{"CrawlerNameList", {"b", "nope"}}});
  ASSERT_EQ(m["CrawlerMetricsList"].size(), 1u);
  json b = m["CrawlerMetricsList"][0];
  EXPECT_EQ(b["CrawlerName"], "b");
  EXPECT_EQ(b["LastRuntimeSeconds"], 0);
  EXPECT_EQ(b["MedianRuntimeSeconds"], 0);
  EXPECT_EQ(b["ObjectsRead"], 0);
  EXPECT_EQ(b["Problems"], json::array());
  json paged = Ok("GetCrawlerMetrics", {{"MaxResults", 1}});
  ASSERT_EQ(paged["CrawlerMetricsList"].size(), 1u);
  EXPECT_EQ(paged["CrawlerMetricsList"][0]["CrawlerName"], "a");
  paged = Ok("GetCrawlerMetrics", {{"MaxResults", 1}, {"NextToken", paged["NextToken"]}});
  EXPECT_EQ(paged["CrawlerMetricsList"][0]["CrawlerName"], "b");

  EXPECT_EQ(Fails("GetCrawlers", json{{"MaxResults", 0}}).code(), Error::Code::kValidation);
  json names = json::array();
  for (int i = 0; i < 101; ++i) names.push_back(fmt::format("c{}", i));
  Error e = Fails("GetCrawlerMetrics", json{{"CrawlerNameList", names}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("at 'crawlerNameList'"));
  EXPECT_EQ(Fails("GetCrawlers", json{{"NextToken", "!!"}}).code(), Error::Code::kInvalidInput);
}

}  // namespace
}  // namespace lakebox::server
