#include "server/firehose_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "fake_ingest_service.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeIngestService;
using ::testing::HasSubstr;

class FirehoseApiTest : public ::testing::Test {
 protected:
  // Runs an operation; returns the parsed response body.
  json Ok(std::string_view operation, std::string body) {
    Result<std::string> result = api_.Call(operation, body);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().ToString());
    return result ? json::parse(*result) : json();
  }
  json Ok(std::string_view operation, const json& body) { return Ok(operation, body.dump()); }

  Error Fails(std::string_view operation, std::string body) {
    Result<std::string> result = api_.Call(operation, body);
    EXPECT_FALSE(result.has_value()) << "unexpected success: " << *result;
    return result ? Error::Internal("no error") : result.error();
  }
  Error Fails(std::string_view operation, const json& body) {
    return Fails(operation, body.dump());
  }

  static json MinimalCreate(std::string name = "orders") {
    return {{"DeliveryStreamName", name},
            {"ExtendedS3DestinationConfiguration",
             {{"RoleARN", "arn:aws:iam::000000000000:role/firehose"},
              {"BucketARN", "arn:aws:s3:::lake"}}}};
  }

  // Built as text: large batches through nlohmann::json are slow in Debug builds.
  static std::string Batch(const std::vector<std::string>& records, std::string name = "orders") {
    std::string body = R"({"DeliveryStreamName":")" + name + R"(","Records":[)";
    for (size_t i = 0; i < records.size(); ++i) {
      body += i ? "," : "";
      body += R"({"Data":")" + Base64Encode(records[i]) + R"("})";
    }
    return body + "]}";
  }

  FakeIngestService ingest_;
  FirehoseApi api_{&ingest_};
};

// ---- CreateDeliveryStream ----------------------------------------------------------------

TEST_F(FirehoseApiTest, CreateMinimalExtendedStreamUsesDefaults) {
  json response = Ok("CreateDeliveryStream", MinimalCreate());
  EXPECT_EQ(response, json({{"DeliveryStreamARN",
                             "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders"}}));
  ASSERT_EQ(ingest_.created().size(), 1u);
  ingest::StreamConfig c = ingest_.created()[0];
  EXPECT_EQ(c.name, "orders");
  EXPECT_EQ(c.role_arn, "arn:aws:iam::000000000000:role/firehose");
  EXPECT_EQ(c.bucket_arn, "arn:aws:s3:::lake");
  EXPECT_EQ(c.prefix, "");
  EXPECT_FALSE(c.error_output_prefix.has_value());
  EXPECT_EQ(c.buffer_size_mb, 5);
  EXPECT_EQ(c.buffer_interval_seconds, 300);
  EXPECT_EQ(c.compression, ingest::Compression::kUncompressed);
  EXPECT_FALSE(c.file_extension.has_value());
  EXPECT_EQ(c.custom_time_zone, "");
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.passthrough, json::object());
}

TEST_F(FirehoseApiTest, CreateMapsEveryMemberAndKeepsTheRestAsPassthrough) {
  json request = MinimalCreate();
  request["DeliveryStreamType"] = "DirectPut";
  request["Tags"] = json::array({{{"Key", "team"}, {"Value", "data"}}});
  request["DeliveryStreamEncryptionConfigurationInput"] = {{"KeyType", "AWS_OWNED_CMK"}};
  json& d = request["ExtendedS3DestinationConfiguration"];
  d["Prefix"] = "raw/year=!{timestamp:yyyy}/";
  d["ErrorOutputPrefix"] = "errors/!{firehose:error-output-type}/";
  d["BufferingHints"] = {{"SizeInMBs", 64}, {"IntervalInSeconds", 60}};
  d["CompressionFormat"] = "GZIP";
  d["FileExtension"] = ".json.gz";
  d["CustomTimeZone"] = "Asia/Tokyo";
  d["CloudWatchLoggingOptions"] = {{"Enabled", true}, {"LogGroupName", "g"}};
  d["EncryptionConfiguration"] = {{"NoEncryptionConfig", "NoEncryption"}};
  d["ProcessingConfiguration"] = {{"Enabled", false}};
  d["S3BackupMode"] = "Disabled";
  d["DataFormatConversionConfiguration"] = {{"Enabled", false}};
  d["DynamicPartitioningConfiguration"] = {{"Enabled", false}};
  Ok("CreateDeliveryStream", request);

  ASSERT_EQ(ingest_.created().size(), 1u);
  ingest::StreamConfig c = ingest_.created()[0];
  EXPECT_EQ(c.prefix, "raw/year=!{timestamp:yyyy}/");
  EXPECT_EQ(c.error_output_prefix, "errors/!{firehose:error-output-type}/");
  EXPECT_EQ(c.buffer_size_mb, 64);
  EXPECT_EQ(c.buffer_interval_seconds, 60);
  EXPECT_EQ(c.compression, ingest::Compression::kGzip);
  EXPECT_EQ(c.file_extension, ".json.gz");
  EXPECT_EQ(c.custom_time_zone, "Asia/Tokyo");
  EXPECT_EQ(c.passthrough,
            json({{"Tags", request["Tags"]},
                  {"DeliveryStreamEncryptionConfigurationInput", {{"KeyType", "AWS_OWNED_CMK"}}},
                  {"CloudWatchLoggingOptions", d["CloudWatchLoggingOptions"]},
                  {"EncryptionConfiguration", d["EncryptionConfiguration"]},
                  {"ProcessingConfiguration", d["ProcessingConfiguration"]},
                  {"S3BackupMode", "Disabled"},
                  {"DataFormatConversionConfiguration", {{"Enabled", false}}},
                  {"DynamicPartitioningConfiguration", {{"Enabled", false}}}}));
}

TEST_F(FirehoseApiTest, CreateAcceptsTheDeprecatedS3Destination) {
  json request = {{"DeliveryStreamName", "legacy"},
                  {"S3DestinationConfiguration",
                   {{"RoleARN", "arn:aws:iam::000000000000:role/r"},
                    {"BucketARN", "arn:aws:s3:::lake"},
                    {"CompressionFormat", "Snappy"}}}};
  Ok("CreateDeliveryStream", request);
  ASSERT_EQ(ingest_.created().size(), 1u);
  EXPECT_FALSE(ingest_.created()[0].extended);
  EXPECT_EQ(ingest_.created()[0].compression, ingest::Compression::kSnappy);
}

TEST_F(FirehoseApiTest, CreateRejectsOtherStreamTypes) {
  json request = MinimalCreate();
  request["DeliveryStreamType"] = "KinesisStreamAsSource";
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("lakebox supports only DirectPut delivery streams"));

  request["DeliveryStreamType"] = "Sideways";
  e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_EQ(e.message(),
            "1 validation error detected: Value 'Sideways' at 'deliveryStreamType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [DirectPut, "
            "KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]");
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateNamesAnUnsupportedDestination) {
  json request = {{"DeliveryStreamName", "orders"},
                  {"RedshiftDestinationConfiguration", {{"RoleARN", "r"}}}};
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("RedshiftDestinationConfiguration"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateNeedsExactlyOneDestination) {
  Error none = Fails("CreateDeliveryStream", json{{"DeliveryStreamName", "orders"}});
  EXPECT_EQ(none.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(none.message(), HasSubstr("exactly one destination"));

  json two = MinimalCreate();
  two["S3DestinationConfiguration"] = two["ExtendedS3DestinationConfiguration"];
  Error e = Fails("CreateDeliveryStream", two);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(),
              HasSubstr("ExtendedS3DestinationConfiguration and S3DestinationConfiguration"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateNeedsBothBufferingHints) {
  json request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"]["BufferingHints"] = {{"SizeInMBs", 10}};
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("SizeInMBs and IntervalInSeconds"));
  request["ExtendedS3DestinationConfiguration"]["BufferingHints"] = {{"IntervalInSeconds", 0}};
  EXPECT_EQ(Fails("CreateDeliveryStream", request).code(), Error::Code::kInvalidArgument);
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateRejectsFormatConversionUnlessDisabled) {
  json request = MinimalCreate();
  // Enabled defaults to true for DataFormatConversionConfiguration.
  request["ExtendedS3DestinationConfiguration"]["DataFormatConversionConfiguration"] =
      json::object({{"SchemaConfiguration", json::object()}});
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("does not support DataFormatConversionConfiguration"));
  EXPECT_THAT(e.message(), HasSubstr("Parquet"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateRejectsEnabledDynamicPartitioning) {
  json request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"]["DynamicPartitioningConfiguration"] = {
      {"Enabled", true}};
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("does not support DynamicPartitioningConfiguration"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateReportsMissingRequiredMembers) {
  Error e =
      Fails("CreateDeliveryStream",
            json{{"ExtendedS3DestinationConfiguration", {{"BucketARN", "arn:aws:s3:::lake"}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_EQ(e.message(),
            "2 validation errors detected: Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null; Value null at "
            "'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member "
            "must not be null");

  json request = MinimalCreate();
  request["DeliveryStreamName"] = nullptr;  // null is absent
  e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.message(),
            "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateChecksTheStreamNameConstraints) {
  Error e = Fails("CreateDeliveryStream", MinimalCreate(std::string(65, 'a')));
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("at 'deliveryStreamName' failed to satisfy constraint: "
                                     "Member must have length less than or equal to 64"));
  e = Fails("CreateDeliveryStream", MinimalCreate("has space"));
  EXPECT_THAT(e.message(),
              HasSubstr("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateRejectsAnUnknownCompressionFormat) {
  json request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"]["CompressionFormat"] = "gzip";
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("Value 'gzip' at "
                                     "'extendedS3DestinationConfiguration.compressionFormat'"));
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreateRejectsWrongTypesAndMalformedJson) {
  json request = MinimalCreate();
  request["DeliveryStreamName"] = 5;
  EXPECT_EQ(Fails("CreateDeliveryStream", request).code(), Error::Code::kSerialization);

  request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"]["BufferingHints"] = {{"SizeInMBs", "5"},
                                                                     {"IntervalInSeconds", 60}};
  Error e = Fails("CreateDeliveryStream", request);
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  EXPECT_THAT(e.message(), HasSubstr("SizeInMBs"));

  request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"] = "s3";
  EXPECT_EQ(Fails("CreateDeliveryStream", request).code(), Error::Code::kSerialization);

  EXPECT_EQ(Fails("CreateDeliveryStream", std::string("{\"DeliveryStreamName\":")).code(),
            Error::Code::kSerialization);
  EXPECT_EQ(Fails("CreateDeliveryStream", std::string("[1]")).code(), Error::Code::kSerialization);
  EXPECT_TRUE(ingest_.created().empty());
}

TEST_F(FirehoseApiTest, CreatePassesIngestErrorsThrough) {
  Ok("CreateDeliveryStream", MinimalCreate());
  EXPECT_EQ(Fails("CreateDeliveryStream", MinimalCreate()).code(), Error::Code::kResourceInUse);
}

// ---- DescribeDeliveryStream --------------------------------------------------------------

TEST_F(FirehoseApiTest, DescribeFillsTheFullShapeWithDefaults) {
  json request = MinimalCreate();
  request["ExtendedS3DestinationConfiguration"]["Prefix"] = "raw/";
  request["ExtendedS3DestinationConfiguration"]["ProcessingConfiguration"] = {{"Enabled", false}};
  Ok("CreateDeliveryStream", request);

  json d = Ok("DescribeDeliveryStream", json{{"DeliveryStreamName", "orders"}});
  const json& s = d.at("DeliveryStreamDescription");
  EXPECT_EQ(s.at("DeliveryStreamName"), "orders");
  EXPECT_EQ(s.at("DeliveryStreamARN"),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders");
  EXPECT_EQ(s.at("DeliveryStreamStatus"), "ACTIVE");
  EXPECT_EQ(s.at("DeliveryStreamType"), "DirectPut");
  EXPECT_EQ(s.at("VersionId"), "1");
  EXPECT_DOUBLE_EQ(s.at("CreateTimestamp").get<double>(), 1756000000.123);
  EXPECT_DOUBLE_EQ(s.at("LastUpdateTimestamp").get<double>(), 1756000000.456);
  EXPECT_EQ(s.at("DeliveryStreamEncryptionConfiguration"), json({{"Status", "DISABLED"}}));
  EXPECT_EQ(s.at("HasMoreDestinations"), false);
  ASSERT_EQ(s.at("Destinations").size(), 1u);
  const json& destination = s.at("Destinations")[0];
  EXPECT_EQ(destination.at("DestinationId"), "destinationId-000000000001");

  json s3 = {{"RoleARN", "arn:aws:iam::000000000000:role/firehose"},
             {"BucketARN", "arn:aws:s3:::lake"},
             {"Prefix", "raw/"},
             {"BufferingHints", {{"SizeInMBs", 5}, {"IntervalInSeconds", 300}}},
             {"CompressionFormat", "UNCOMPRESSED"},
             {"EncryptionConfiguration", {{"NoEncryptionConfig", "NoEncryption"}}},
             {"CloudWatchLoggingOptions", {{"Enabled", false}}}};
  EXPECT_EQ(destination.at("S3DestinationDescription"), s3);
  json extended = s3;
  extended["S3BackupMode"] = "Disabled";
  extended["ProcessingConfiguration"] = {{"Enabled", false}};
  EXPECT_EQ(destination.at("ExtendedS3DestinationDescription"), extended);
}

TEST_F(FirehoseApiTest, DescribeEchoesPassthroughAndEncryption) {
  json request = MinimalCreate();
  request["DeliveryStreamEncryptionConfigurationInput"] = {{"KeyType", "AWS_OWNED_CMK"}};
  json& d = request["ExtendedS3DestinationConfiguration"];
  d["CompressionFormat"] = "GZIP";
  d["ErrorOutputPrefix"] = "errors/";
  d["FileExtension"] = ".gz";
  d["CustomTimeZone"] = "Asia/Tokyo";
  d["S3BackupMode"] = "Enabled";
  d["S3BackupConfiguration"] = {{"BucketARN", "arn:aws:s3:::backup"}};
  Ok("CreateDeliveryStream", request);

  json s = Ok("DescribeDeliveryStream", json{{"DeliveryStreamName", "orders"}})
               .at("DeliveryStreamDescription");
  EXPECT_EQ(s.at("DeliveryStreamEncryptionConfiguration"),
            json({{"KeyType", "AWS_OWNED_CMK"}, {"Status", "ENABLED"}}));
  const json& e = s.at("Destinations")[0].at("ExtendedS3DestinationDescription");
  EXPECT_EQ(e.at("CompressionFormat"), "GZIP");
  EXPECT_EQ(e.at("ErrorOutputPrefix"), "errors/");
  EXPECT_EQ(e.at("FileExtension"), ".gz");
  EXPECT_EQ(e.at("CustomTimeZone"), "Asia/Tokyo");
  EXPECT_EQ(e.at("S3BackupMode"), "Enabled");
  EXPECT_EQ(e.at("S3BackupDescription"), json({{"BucketARN", "arn:aws:s3:::backup"}}));
  EXPECT_FALSE(e.contains("S3BackupConfiguration"));
  // The deprecated description has only the S3 members.
  const json& s3 = s.at("Destinations")[0].at("S3DestinationDescription");
  EXPECT_FALSE(s3.contains("S3BackupMode"));
  EXPECT_FALSE(s3.contains("FileExtension"));
}

TEST_F(FirehoseApiTest, DescribeALegacyStreamHasOnlyTheS3Description) {
  Ok("CreateDeliveryStream",
     json{{"DeliveryStreamName", "legacy"},
          {"S3DestinationConfiguration",
           {{"RoleARN", "arn:aws:iam::000000000000:role/r"}, {"BucketARN", "arn:aws:s3:::lake"}}}});
  json destination = Ok("DescribeDeliveryStream", json{{"DeliveryStreamName", "legacy"}})
                         .at("DeliveryStreamDescription")
                         .at("Destinations")[0];
  EXPECT_TRUE(destination.contains("S3DestinationDescription"));
  EXPECT_FALSE(destination.contains("ExtendedS3DestinationDescription"));
}

TEST_F(FirehoseApiTest, DescribeAfterTheOnlyDestinationListsNone) {
  ingest_.AddStream("orders");
  json s = Ok("DescribeDeliveryStream",
              json{{"DeliveryStreamName", "orders"},
                   {"ExclusiveStartDestinationId", "destinationId-000000000001"}})
               .at("DeliveryStreamDescription");
  EXPECT_EQ(s.at("Destinations"), json::array());
  EXPECT_EQ(s.at("HasMoreDestinations"), false);
}

TEST_F(FirehoseApiTest, DescribeErrors) {
  EXPECT_EQ(Fails("DescribeDeliveryStream", json{{"DeliveryStreamName", "nope"}}).code(),
            Error::Code::kResourceNotFound);
  EXPECT_EQ(Fails("DescribeDeliveryStream", json::object()).code(), Error::Code::kValidation);
  ingest_.AddStream("orders");
  Error e = Fails("DescribeDeliveryStream", json{{"DeliveryStreamName", "orders"}, {"Limit", 0}});
  EXPECT_EQ(e.message(),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
}

// ---- ListDeliveryStreams -----------------------------------------------------------------

TEST_F(FirehoseApiTest, ListIsAlphabeticalWithLimitAndStart) {
  for (std::string name : {"c", "a", "d", "b"}) ingest_.AddStream(name);
  EXPECT_EQ(
      Ok("ListDeliveryStreams", std::string("{}")),
      json({{"DeliveryStreamNames", {"a", "b", "c", "d"}}, {"HasMoreDeliveryStreams", false}}));
  EXPECT_EQ(
      Ok("ListDeliveryStreams", std::string("")),  // an empty body is an empty request
      json({{"DeliveryStreamNames", {"a", "b", "c", "d"}}, {"HasMoreDeliveryStreams", false}}));
  EXPECT_EQ(Ok("ListDeliveryStreams", json{{"Limit", 2}}),
            json({{"DeliveryStreamNames", {"a", "b"}}, {"HasMoreDeliveryStreams", true}}));
  EXPECT_EQ(
      Ok("ListDeliveryStreams", json{{"Limit", 2}, {"ExclusiveStartDeliveryStreamName", "b"}}),
      json({{"DeliveryStreamNames", {"c", "d"}}, {"HasMoreDeliveryStreams", false}}));
  EXPECT_EQ(Ok("ListDeliveryStreams", json{{"DeliveryStreamType", "DirectPut"}, {"Limit", 1}}),
            json({{"DeliveryStreamNames", {"a"}}, {"HasMoreDeliveryStreams", true}}));
  EXPECT_EQ(Ok("ListDeliveryStreams", json{{"DeliveryStreamType", "KinesisStreamAsSource"}}),
            json({{"DeliveryStreamNames", json::array()}, {"HasMoreDeliveryStreams", false}}));
}

TEST_F(FirehoseApiTest, ListDefaultsToTenNames) {
  for (int i = 0; i < 12; ++i) ingest_.AddStream(fmt::format("s{:02}", i));
  json response = Ok("ListDeliveryStreams", std::string("{}"));
  EXPECT_EQ(response.at("DeliveryStreamNames").size(), 10u);
  EXPECT_EQ(response.at("HasMoreDeliveryStreams"), true);
}

TEST_F(FirehoseApiTest, ListErrors) {
  EXPECT_THAT(Fails("ListDeliveryStreams", json{{"Limit", 10001}}).message(),
              HasSubstr("Member must have value less than or equal to 10000"));
  EXPECT_EQ(Fails("ListDeliveryStreams", json{{"Limit", "10"}}).code(),
            Error::Code::kSerialization);
  EXPECT_EQ(Fails("ListDeliveryStreams", json{{"DeliveryStreamType", "Nope"}}).code(),
            Error::Code::kValidation);
}

// ---- DeleteDeliveryStream ----------------------------------------------------------------

TEST_F(FirehoseApiTest, DeleteCallsIngestAndAnswersEmpty) {
  ingest_.AddStream("orders");
  EXPECT_EQ(Ok("DeleteDeliveryStream",
               json{{"DeliveryStreamName", "orders"}, {"AllowForceDelete", true}}),
            json::object());
  EXPECT_THAT(ingest_.deleted(), ElementsAre("orders"));
  EXPECT_EQ(Fails("DeleteDeliveryStream", json{{"DeliveryStreamName", "orders"}}).code(),
            Error::Code::kResourceNotFound);
  EXPECT_EQ(Fails("DeleteDeliveryStream", json{{"AllowForceDelete", "yes"}}).code(),
            Error::Code::kSerialization);
}

// ---- PutRecord ---------------------------------------------------------------------------

TEST_F(FirehoseApiTest, PutRecordDecodesAndAnswersTheRecordId) {
  ingest_.AddStream("orders");
  json response = Ok("PutRecord", json{{"DeliveryStreamName", "orders"},
                                       {"Record", {{"Data", Base64Encode("{\"a\":1}\n")}}}});
  EXPECT_EQ(response, json({{"RecordId", "id-0"}, {"Encrypted", false}}));
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_EQ(ingest_.puts()[0].stream, "orders");
  EXPECT_THAT(ingest_.puts()[0].records, ElementsAre("{\"a\":1}\n"));
}

TEST_F(FirehoseApiTest, PutRecordAcceptsEmptyDataAndEscapedBase64) {
  ingest_.AddStream("orders");
  Ok("PutRecord", json{{"DeliveryStreamName", "orders"}, {"Record", {{"Data", ""}}}});
  // "/w==" is 0xff; JSON may escape the slash.
  Ok("PutRecord", std::string(R"({"DeliveryStreamName":"orders","Record":{"Data":"\/w=="}})"));
  ASSERT_EQ(ingest_.puts().size(), 2u);
  EXPECT_THAT(ingest_.puts()[0].records, ElementsAre(""));
  EXPECT_THAT(ingest_.puts()[1].records, ElementsAre("\xff"));
}

TEST_F(FirehoseApiTest, PutRecordErrorsChangeNothing) {
  ingest_.AddStream("orders");
  Error e =
      Fails("PutRecord", json{{"DeliveryStreamName", "orders"},
                              {"Record", {{"Data", Base64Encode(std::string(1'024'001, 'x'))}}}});
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), HasSubstr("at 'record.data' failed to satisfy constraint: Member must "
                                     "have length less than or equal to 1024000"));
  e = Fails("PutRecord", json{{"DeliveryStreamName", "orders"}, {"Record", json::object()}});
  EXPECT_EQ(e.message(),
            "1 validation error detected: Value null at 'record.data' failed to satisfy "
            "constraint: Member must not be null");
  e = Fails("PutRecord", json{{"DeliveryStreamName", "orders"}});
  EXPECT_THAT(e.message(), HasSubstr("Value null at 'record'"));
  e = Fails("PutRecord", json{{"DeliveryStreamName", "orders"}, {"Record", {{"Data", "abc"}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  e = Fails("PutRecord", json{{"DeliveryStreamName", "orders"}, {"Record", {{"Data", "ab!="}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  e = Fails("PutRecord", json{{"DeliveryStreamName", 7}, {"Record", {{"Data", ""}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  e = Fails("PutRecord", json{{"DeliveryStreamName", "orders"}, {"Record", {{"Data", 12}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  EXPECT_TRUE(ingest_.puts().empty());
}

TEST_F(FirehoseApiTest, PutRecordToAnUnknownStreamIsNotFound) {
  Error e = Fails("PutRecord", json{{"DeliveryStreamName", "nope"}, {"Record", {{"Data", ""}}}});
  EXPECT_EQ(e.code(), Error::Code::kResourceNotFound);
}

// ---- PutRecordBatch ----------------------------------------------------------------------

TEST_F(FirehoseApiTest, PutRecordBatchAppendsAllRecordsInOneCall) {
  ingest_.AddStream("orders");
  json response = Ok("PutRecordBatch", Batch({"one\n", "", "three\n"}));
  EXPECT_EQ(response,
            json({{"FailedPutCount", 0},
                  {"Encrypted", false},
                  {"RequestResponses",
                   {{{"RecordId", "id-0"}}, {{"RecordId", "id-1"}}, {{"RecordId", "id-2"}}}}}));
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_THAT(ingest_.puts()[0].records, ElementsAre("one\n", "", "three\n"));
}

TEST_F(FirehoseApiTest, PutRecordBatchIgnoresUnknownMembersAndWhitespace) {
  ingest_.AddStream("orders");
  std::string body =
      " {\"Extra\": {\"x\": [1, 2]}, \"Records\" : [ {\"Data\" : \"YQ==\" , "
      "\"Other\": 1} ], \"DeliveryStreamName\" : \"orders\" }\n";
  Ok("PutRecordBatch", body);
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_THAT(ingest_.puts()[0].records, ElementsAre("a"));
}

TEST_F(FirehoseApiTest, PutRecordBatchOf501RecordsIsAValidationError) {
  ingest_.AddStream("orders");
  Error e = Fails("PutRecordBatch", Batch(std::vector<std::string>(501, "x")));
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), ::testing::StartsWith("1 validation error detected: Value '"));
  EXPECT_THAT(e.message(), HasSubstr("at 'records' failed to satisfy constraint: Member must have "
                                     "length less than or equal to 500"));
  Ok("PutRecordBatch", Batch(std::vector<std::string>(500, "x")));
  ASSERT_EQ(ingest_.puts().size(), 1u);
  EXPECT_EQ(ingest_.puts()[0].records.size(), 500u);
}

TEST_F(FirehoseApiTest, PutRecordBatchChecksEachRecordSize) {
  ingest_.AddStream("orders");
  Error e = Fails("PutRecordBatch",
                  Batch({"ok", std::string(1'024'001, 'x'), std::string(1'024'000, 'y')}));
  EXPECT_EQ(e.code(), Error::Code::kValidation);
  EXPECT_THAT(e.message(), ::testing::StartsWith("1 validation error detected: "));
  EXPECT_THAT(e.message(), HasSubstr("at 'records.2.member.data' failed to satisfy constraint: "
                                     "Member must have length less than or equal to 1024000"));
  EXPECT_TRUE(ingest_.puts().empty());
}

TEST_F(FirehoseApiTest, PutRecordBatchOver4MiBIsInvalidArgument) {
  ingest_.AddStream("orders");
  Error e =
      Fails("PutRecordBatch", Batch(std::vector<std::string>(5, std::string(1'000'000, 'z'))));
  EXPECT_EQ(e.code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("Records size exceeds 4 MB limit"));
  EXPECT_TRUE(ingest_.puts().empty());
  // Exactly 4 MiB is allowed.
  std::vector<std::string> records(4, std::string(1'024'000, 'z'));
  records.push_back(std::string((4 << 20) - 4 * 1'024'000, 'z'));
  Ok("PutRecordBatch", Batch(records));
  records.back() += 'z';
  EXPECT_EQ(Fails("PutRecordBatch", Batch(records)).code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(ingest_.puts().size(), 1u);
}

TEST_F(FirehoseApiTest, PutRecordBatchShapeErrors) {
  ingest_.AddStream("orders");
  Error e = Fails("PutRecordBatch", std::string(""));
  EXPECT_EQ(e.message(),
            "2 validation errors detected: Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null; Value null at 'records' failed to satisfy "
            "constraint: Member must not be null");
  e = Fails("PutRecordBatch", json{{"DeliveryStreamName", "orders"}, {"Records", json::array()}});
  EXPECT_THAT(e.message(), HasSubstr("Member must have length greater than or equal to 1"));
  e = Fails("PutRecordBatch", json{{"DeliveryStreamName", "orders"},
                                   {"Records", {{{"Data", "YQ=="}}, json::object(), nullptr}}});
  EXPECT_EQ(e.message(),
            "2 validation errors detected: Value null at 'records.2.member.data' failed to "
            "satisfy constraint: Member must not be null; Value null at 'records.3.member' "
            "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(
      Fails("PutRecordBatch", json{{"DeliveryStreamName", "orders"}, {"Records", "YQ=="}}).code(),
      Error::Code::kSerialization);
  EXPECT_EQ(
      Fails("PutRecordBatch", json{{"DeliveryStreamName", "orders"}, {"Records", {"YQ=="}}}).code(),
      Error::Code::kSerialization);
  EXPECT_EQ(Fails("PutRecordBatch",
                  std::string(R"({"DeliveryStreamName":"orders","Records":[{"Data":"YQ=="})"))
                .code(),
            Error::Code::kSerialization);
  EXPECT_EQ(
      Fails("PutRecordBatch", std::string(R"({"DeliveryStreamName":"orders","Records":[]} {})"))
          .code(),
      Error::Code::kSerialization);
  EXPECT_EQ(Fails("PutRecordBatch", std::string("\"text\"")).code(), Error::Code::kSerialization);
  // One bad blob anywhere rejects the whole batch.
  e = Fails("PutRecordBatch", json{{"DeliveryStreamName", "orders"},
                                   {"Records", {{{"Data", "YQ=="}}, {{"Data", "Y=Q="}}}}});
  EXPECT_EQ(e.code(), Error::Code::kSerialization);
  EXPECT_THAT(e.message(), HasSubstr("records.2.member.data"));
  EXPECT_TRUE(ingest_.puts().empty());
}

TEST_F(FirehoseApiTest, PutRecordBatchUnderBackpressureFailsWhole) {
  ingest_.AddStream("orders");
  ingest_.FailPutsWith(Error::ServiceUnavailable("slow down"));
  Error e = Fails("PutRecordBatch", Batch({"a", "b"}));
  EXPECT_EQ(e.code(), Error::Code::kServiceUnavailable);
  EXPECT_TRUE(ingest_.puts().empty());
}

TEST_F(FirehoseApiTest, UnknownOperation) {
  EXPECT_FALSE(api_.HasOperation("UpdateDestination"));
  EXPECT_TRUE(api_.HasOperation("PutRecordBatch"));
  Error e = Fails("UpdateDestination", std::string("{}"));
  EXPECT_EQ(e.code(), Error::Code::kUnknownOperation);
}

}  // namespace
}  // namespace lakebox::server
