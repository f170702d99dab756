#include "catalog/classifier.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "catalog/parquet_footer.h"
#include "common/compression.h"
#include "test_support.h"

namespace lakebox::catalog {
namespace {

namespace fs = std::filesystem;
using Kind = DataType::Kind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// An object store in memory that counts what it hands out.
class MemoryStore final : public storage::ObjectStore {
 public:
  Status EnsureBucket(std::string_view) override { return Ok(); }
  Result<std::vector<std::string>> ListBuckets() override {
    return std::vector<std::string>{"lake"};
  }
  Status Put(std::string_view, std::string_view key, std::string_view data) override {
    objects_[std::string(key)] = std::string(data);
    return Ok();
  }
  Result<std::unique_ptr<storage::ObjectWriter>> NewWriter(std::string_view,
                                                           std::string_view) override {
    return std::unexpected(Error::Internal("not used"));
  }
  Result<std::string> Get(std::string_view bucket, std::string_view key) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return std::unexpected(storage::NoSuchKeyError(bucket, key));
    ++reads_;
    bytes_served_ += it->second.size();
    return it->second;
  }
  Result<std::string> GetRange(std::string_view bucket, std::string_view key, uint64_t offset,
                               uint64_t length) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return std::unexpected(storage::NoSuchKeyError(bucket, key));
    if (offset >= it->second.size()) return std::unexpected(Error::InvalidArgument("InvalidRange"));
    ++reads_;
    std::string piece = it->second.substr(offset, length);
    bytes_served_ += piece.size();
    return piece;
  }
  Result<storage::ObjectInfo> Head(std::string_view bucket, std::string_view key) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return std::unexpected(storage::NoSuchKeyError(bucket, key));
    return storage::ObjectInfo{it->first, it->second.size(), 0, "etag"};
  }
  Result<storage::ListResult> List(std::string_view, const storage::ListOptions&) override {
    return std::unexpected(Error::Internal("not used"));
  }
  Status Delete(std::string_view, std::string_view key) override {
    objects_.erase(std::string(key));
    return Ok();
  }

  int reads() const { return reads_; }
  uint64_t bytes_served() const { return bytes_served_; }

 private:
  std::map<std::string, std::string> objects_;
  int reads_ = 0;
  uint64_t bytes_served_ = 0;
};

std::string Compress(Codec codec, std::string_view data, const CompressorOptions& options = {}) {
  std::string out;
  auto compressor = NewCompressor(
      codec,
      [&](std::string_view piece) {
        out.append(piece);
        return Ok();
      },
      options);
  EXPECT_TRUE(compressor);
  EXPECT_TRUE((*compressor)->Write(data));
  EXPECT_TRUE((*compressor)->Finish());
  return out;
}

// One vehicle reading in the shape of producer::VehicleGenerator (DESIGN.md "Sample data").
std::string VehicleRecord(int i, bool with_alerts) {
  return fmt::format(
      R"({{"vehicle_id":"V-{:05d}","vendor":"volvo","model":"FH16","event_time":"2026-11-25T22:16:{:02d}.123Z",)"
      R"("vehicle_status":{{"speed_kmh":{}.{},"engine_temp_c":88.1,"fuel_level":0.412,"odometer_km":{},"doors_locked":{}}},)"
      R"("gps_info":{{"latitude":-23.55012,"longitude":-46.63321,"altitude_m":760.2,"heading":271.0}},)"
      R"("alerts":[{}]}})"
      "\n",
      i % 200 + 1, i % 60, i % 110, i % 10, 100000 + i, i % 2 == 0 ? "true" : "false",
      with_alerts ? R"({"code":"TIRE_PRESSURE","severity":2},{"code":"LOW_FUEL","severity":1})"
                  : "");
}

std::string VehicleRecords(int count, int first_alert = 5) {
  std::string out;
  for (int i = 0; i < count; ++i) out += VehicleRecord(i, i >= first_alert && i % 7 == 5);
  return out;
}

constexpr std::string_view kVehicleSchema =
    "struct<vehicle_id:string,vendor:string,model:string,event_time:string,"
    "vehicle_status:struct<speed_kmh:double,engine_temp_c:double,fuel_level:double,odometer_km:int,"
    "doors_locked:boolean>,"
    "gps_info:struct<latitude:double,longitude:double,altitude_m:double,heading:double>,"
    "alerts:array<struct<code:string,severity:int>>>";

std::string ReadFixture(std::string_view name) { return ReadTestdata("catalog", name); }

class ClassifierTest : public ::testing::Test {
 protected:
  Result<ObjectSample> Sample(const std::string& key, std::string_view data,
                              const SampleOptions& options = {}) {
    EXPECT_TRUE(store_.Put("lake", key, data));
    return SampleObject(store_, "lake", storage::ObjectInfo{key, data.size(), 0, "e"}, options);
  }

  ObjectSample MustSample(std::string_view data, const SampleOptions& options = {}) {
    auto sample = Sample("obj", data, options);
    EXPECT_TRUE(sample) << sample.error().ToString();
    return sample ? *sample : ObjectSample{};
  }

  // The JSON schema of `data`, as a Hive string.
  std::string JsonSchema(std::string_view data) {
    ObjectSample sample = MustSample(data);
    EXPECT_EQ(sample.classification, "json");
    return sample.schema.ToHive();
  }

  MemoryStore store_;
};

// ---- JSON

TEST_F(ClassifierTest, VehicleRecordsGiveTheExactSchemaEvenWithAlertsEmptyAtFirst) {
  const std::string data = VehicleRecords(200);
  ASSERT_EQ(data.substr(0, data.find('\n')).find("\"alerts\":[]"), data.find("\"alerts\":[]"));
  ObjectSample sample = MustSample(data);
  EXPECT_EQ(sample.classification, "json");
  EXPECT_EQ(sample.compression, "none");
  EXPECT_EQ(sample.schema.ToHive(), kVehicleSchema);
  EXPECT_EQ(sample.records_sampled, 200);
  EXPECT_EQ(sample.estimated_records, 200);
  EXPECT_EQ(sample.bytes_read, static_cast<int64_t>(data.size()));
  EXPECT_TRUE(sample.table_parameters.empty());
}

TEST_F(ClassifierTest, OnlyEmptyAlertsPrintAsArrayOfString) {
  EXPECT_THAT(JsonSchema(VehicleRecords(3, 100)), HasSubstr(",alerts:array<string>>"));
}

TEST_F(ClassifierTest, RecordsBackToBackWithoutNewlines) {
  EXPECT_EQ(JsonSchema(R"({"a":1}{"b":"x"}  {"a":2,"c":true})"),
            "struct<a:int,b:string,c:boolean>");
}

TEST_F(ClassifierTest, TopLevelArrayElementsAreRecords) {
  ObjectSample sample = MustSample(R"([{"a":1},{"a":2,"b":[1.5]}, {"c":null}])");
  EXPECT_EQ(sample.schema.ToHive(), "struct<a:int,b:array<double>,c:string>");
  EXPECT_EQ(sample.records_sampled, 3);
  EXPECT_EQ(sample.estimated_records, 3);
}

TEST_F(ClassifierTest, NumberTypes) {
  EXPECT_EQ(
      JsonSchema(R"({"small":2147483647,"neg":-2147483648,"big":2147483648,"millis":1764108000000,)"
                 R"("frac":1.0,"exp":1e5,"huge":18446744073709551615,"zero":-0})"),
      "struct<small:int,neg:int,big:bigint,millis:bigint,frac:double,exp:double,huge:double,"
      "zero:int>");
}

TEST_F(ClassifierTest, TypesWidenAcrossRecords) {
  EXPECT_EQ(JsonSchema("{\"n\":1}\n{\"n\":5000000000}\n"), "struct<n:bigint>");
  EXPECT_EQ(JsonSchema("{\"n\":1}\n{\"n\":5000000000}\n{\"n\":0.5}\n"), "struct<n:double>");
  EXPECT_EQ(JsonSchema("{\"n\":0.5}\n{\"n\":1}\n"), "struct<n:double>");
  EXPECT_EQ(JsonSchema("{\"n\":1}\n{\"n\":true}\n"), "struct<n:string>");
  EXPECT_EQ(JsonSchema("{\"n\":1}\n{\"n\":\"1\"}\n{\"n\":2}\n"), "struct<n:string>");
  EXPECT_EQ(JsonSchema("{\"n\":{\"a\":1}}\n{\"n\":3}\n{\"n\":{\"b\":1}}\n"), "struct<n:string>");
  EXPECT_EQ(JsonSchema("{\"n\":[1]}\n{\"n\":{\"a\":1}}\n"), "struct<n:string>");
  EXPECT_EQ(JsonSchema(R"({"n":[1,2.5,3]})"), "struct<n:array<double>>");
  EXPECT_EQ(JsonSchema(R"({"n":[1,"x"]})"), "struct<n:array<string>>");
}

TEST_F(ClassifierTest, StructsUnionTheirFieldsInFirstSeenOrder) {
  EXPECT_EQ(
      JsonSchema("{\"s\":{\"b\":1,\"a\":2}}\n{\"s\":{\"c\":1,\"a\":2}}\n{\"t\":1,\"s\":{}}\n"),
      "struct<s:struct<b:int,a:int,c:int>,t:int>");
  EXPECT_EQ(JsonSchema(R"({"list":[{"x":1},{"y":"a"},{"x":2.5}]})"),
            "struct<list:array<struct<x:double,y:string>>>");
}

TEST_F(ClassifierTest, NullsAndEmptyArraysWaitForLaterRecords) {
  EXPECT_EQ(JsonSchema("{\"a\":null,\"b\":[],\"c\":[[]]}\n"),
            "struct<a:string,b:array<string>,c:array<array<string>>>");
  EXPECT_EQ(
      JsonSchema("{\"a\":null,\"b\":[],\"c\":[[]]}\n{\"a\":7,\"b\":[{\"k\":true}],\"c\":[[1]]}\n"
                 "{\"a\":null,\"b\":[null]}\n"),
      "struct<a:int,b:array<struct<k:boolean>>,c:array<array<int>>>");
}

TEST_F(ClassifierTest, KeysAreLowerCasedAndTheFirstOfACollisionWins) {
  EXPECT_EQ(JsonSchema(R"({"Speed":1,"speed":"fast","GPS":{"Lat":1.5,"LAT":"x"}})"
                       "\n"
                       R"({"SPEED":2})"),
            "struct<speed:int,gps:struct<lat:double>>");
  EXPECT_EQ(JsonSchema(R"({"dup":1,"dup":"x"})"), "struct<dup:int>");
}

TEST_F(ClassifierTest, EscapedAndNonAsciiKeys) {
  EXPECT_EQ(JsonSchema(R"({"a\u0042":1,"café":2})"), "struct<ab:int,café:int>");
}

TEST_F(ClassifierTest, NonObjectRecordsAreNotJson) {
  for (std::string_view data :
       {"{\"a\":1}\n42\n", "[1,2,3]", "{\"a\":1}\n\"text\"\n", "[[{\"a\":1}]]"}) {
    auto sample = Sample("bad", data);
    ASSERT_FALSE(sample) << data;
    EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
    EXPECT_THAT(sample.error().message(), StartsWith("not JSON, CSV or Parquet (first bytes: "));
  }
  auto sample = Sample("number", "{\"a\":1}\n42\n");
  EXPECT_THAT(sample.error().message(), HasSubstr("record 2 at byte 8 is a number, not an object"));
}

TEST_F(ClassifierTest, PlainTextIsNotClassified) {
  auto sample = Sample("text", "hello world\nthis is not json\n");
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  EXPECT_EQ(sample.error().message(),
            "not JSON, CSV or Parquet (first bytes: \"hello world\\x0athis is not ...\")");
  auto blank = Sample("blank", " \n\n ");
  ASSERT_FALSE(blank);
  EXPECT_THAT(blank.error().message(), StartsWith("not JSON, CSV or Parquet"));
}

TEST_F(ClassifierTest, EmptyObject) {
  auto sample = Sample("empty", "");
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  EXPECT_EQ(sample.error().message(), "empty object");
}

TEST_F(ClassifierTest, MalformedJsonIsNotJson) {
  auto sample = Sample("bad", "{\"a\":1}\n{\"a\":}\n{\"a\":2}\n");
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  EXPECT_THAT(sample.error().message(), HasSubstr("record 2 at byte 8 is malformed JSON"));
  EXPECT_FALSE(Sample("no-records", "[]"));
}

TEST_F(ClassifierTest, TruncatedLastRecordOfAWholeObjectIsAnError) {
  auto sample = Sample("trunc", "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"b\":[1,");
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  EXPECT_THAT(sample.error().message(), HasSubstr("incomplete JSON record at byte 16"));
}

TEST_F(ClassifierTest, PartialLastRecordOfACutSampleIsDropped) {
  const std::string data = VehicleRecords(100);
  SampleOptions options;
  options.max_sample_bytes = data.size() / 2 + 17;  // inside a record
  ObjectSample sample = MustSample(data, options);
  EXPECT_EQ(sample.schema.ToHive(), kVehicleSchema);
  const int64_t complete = std::count(data.begin(), data.begin() + options.max_sample_bytes, '\n');
  EXPECT_EQ(sample.records_sampled, complete);
  EXPECT_NEAR(sample.estimated_records, 100, 5);
  EXPECT_EQ(sample.bytes_read, static_cast<int64_t>(options.max_sample_bytes));
}

TEST_F(ClassifierTest, CutTopLevelArrayKeepsItsCompleteElements) {
  std::string data = "[";
  for (int i = 0; i < 50; ++i)
    data += fmt::format(R"({}{{"id":{},"name":"n{}","tags":["a","]"]}})", i ? "," : "", i, i);
  data += "]";
  SampleOptions options;
  options.max_sample_bytes = data.size() / 2;
  ObjectSample sample = MustSample(data, options);
  EXPECT_EQ(sample.schema.ToHive(), "struct<id:int,name:string,tags:array<string>>");
  EXPECT_GT(sample.records_sampled, 20);
  EXPECT_LT(sample.records_sampled, 26);
}

TEST_F(ClassifierTest, ASampleCutAnywhereKeepsItsCompleteRecords) {
  const std::string ndjson =
      "{\"city\":\"S\u00e3o Paulo ✓\",\"n\":1}\n{\"city\":\"Bras\u00edlia "
      "𝄞\",\"n\":2,\"e\":\"a\\\"b\"}"
      "{\"city\":\"Rio\",\"n\":3}\n";
  const std::string array =
      "[" + std::string(R"({"s":"ção","k":[1,{"x":"]"}]},{"s":"b","k":[]},{"s":"c"})") + "]";
  for (const std::string& data : {ndjson, array}) {
    for (size_t limit = 1; limit < data.size(); ++limit) {
      SampleOptions options;
      options.max_sample_bytes = limit;
      auto sample = Sample(fmt::format("cut-{}", limit), data, options);
      if (!sample) {
        // Only a sample without one complete record (even after reading on 10 times) fails.
        EXPECT_THAT(sample.error().message(), HasSubstr("no complete JSON record")) << limit;
        continue;
      }
      EXPECT_EQ(sample->classification, "json") << limit;
      EXPECT_GE(sample->records_sampled, 1) << limit;
      EXPECT_EQ(sample->schema.fields().front().second, DataType::Primitive(Kind::kString))
          << limit;
    }
  }
}

TEST_F(ClassifierTest, MaxRecordsBoundsTypingButCountsTheRest) {
  std::string data;
  for (int i = 0; i < 30; ++i) data += "{\"a\":1}\n";
  data += "{\"a\":\"late\",\"b\":1}\n";
  SampleOptions options;
  options.max_records = 30;
  ObjectSample sample = MustSample(data, options);
  EXPECT_EQ(sample.schema.ToHive(), "struct<a:int>");
  EXPECT_EQ(sample.records_sampled, 30);
  EXPECT_EQ(sample.estimated_records, 31);
}

TEST_F(ClassifierTest, ReadsOnWhenTheFirstRecordIsLargerThanTheSample) {
  std::string data = "{\"blob\":\"" + std::string(5000, 'x') + "\",\"n\":1}\n{\"n\":2}\n";
  SampleOptions options;
  options.max_sample_bytes = 1000;
  ObjectSample sample = MustSample(data, options);
  EXPECT_EQ(sample.schema.ToHive(), "struct<blob:string,n:int>");
  // A record beyond 10 steps of the limit is not searched for.
  options.max_sample_bytes = 100;
  auto too_far = Sample("far", data, options);
  ASSERT_FALSE(too_far);
  EXPECT_THAT(too_far.error().message(),
              HasSubstr("no complete JSON record in the first 1000 bytes"));
}

// ---- Compression

TEST_F(ClassifierTest, CompressedObjectsAreDetectedByMagicBytes) {
  const std::string data = VehicleRecords(300);
  for (Codec codec : {Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    ObjectSample sample = MustSample(Compress(codec, data));
    EXPECT_EQ(sample.classification, "json") << CodecName(codec);
    EXPECT_EQ(sample.compression, CodecName(codec));
    EXPECT_EQ(sample.schema.ToHive(), kVehicleSchema) << CodecName(codec);
    EXPECT_EQ(sample.estimated_records, 300) << CodecName(codec);
  }
}

TEST_F(ClassifierTest, ConcatenatedGzipMembers) {
  const std::string data =
      Compress(Codec::kGzip, "{\"a\":1}\n") + Compress(Codec::kGzip, "{\"b\":2.5}\n");
  ObjectSample sample = MustSample(data);
  EXPECT_EQ(sample.schema.ToHive(), "struct<a:int,b:double>");
  EXPECT_EQ(sample.estimated_records, 2);
}

TEST_F(ClassifierTest, CompressedCsv) {
  ObjectSample sample = MustSample(Compress(Codec::kZstd, "id,name\n1,a\n2,b\n"));
  EXPECT_EQ(sample.classification, "csv");
  EXPECT_EQ(sample.compression, "zstd");
}

TEST_F(ClassifierTest, TruncatedOrCorruptCompressedDataIsCorruption) {
  const std::string data = VehicleRecords(300);
  const std::string gzip = Compress(Codec::kGzip, data);
  auto truncated = Sample("t.gz", std::string_view(gzip).substr(0, gzip.size() / 2));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), Error::Code::kCorruption);
  EXPECT_THAT(truncated.error().message(), HasSubstr("gzip data is truncated"));

  const std::string zstd = Compress(Codec::kZstd, data);
  auto truncated_zstd = Sample("t.zst", std::string_view(zstd).substr(0, zstd.size() - 10));
  ASSERT_FALSE(truncated_zstd);
  EXPECT_EQ(truncated_zstd.error().code(), Error::Code::kCorruption);
  EXPECT_THAT(truncated_zstd.error().message(), HasSubstr("zstd"));

  std::string snappy = Compress(Codec::kSnappy, data);
  snappy[snappy.size() / 2] ^= 0x55;
  auto corrupt_snappy = Sample("c.sz", snappy);
  ASSERT_FALSE(corrupt_snappy);
  EXPECT_EQ(corrupt_snappy.error().code(), Error::Code::kCorruption);
  EXPECT_THAT(corrupt_snappy.error().message(), HasSubstr("snappy"));

  std::string bad_crc = gzip;
  bad_crc[bad_crc.size() - 6] ^= 0x01;  // inside the CRC-32 trailer
  auto crc = Sample("crc.gz", bad_crc);
  ASSERT_FALSE(crc);
  EXPECT_EQ(crc.error().code(), Error::Code::kCorruption);
}

TEST_F(ClassifierTest, ZipIsNotSupported) {
  auto sample = Sample("x.zip", Compress(Codec::kZip, "{\"a\":1}\n"));
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  EXPECT_THAT(sample.error().message(), HasSubstr("zip"));
}

// ---- Bounded sampling

class BoundedSamplingTest : public ClassifierTest {
 protected:
  static const std::string& BigNdjson() {
    static const std::string data = [] {
      std::string block;
      for (int i = 0; block.size() < (1u << 20); ++i) block += VehicleRecord(i, i % 7 == 5);
      std::string out;
      out.reserve(51 << 20);
      while (out.size() < (50u << 20)) out += block;
      return out;
    }();
    return data;
  }
  static int64_t Records(std::string_view data) {
    return std::count(data.begin(), data.end(), '\n');
  }
};

TEST_F(BoundedSamplingTest, A50MegabyteObjectReadsAboutOneMegabyte) {
  const std::string& data = BigNdjson();
  ObjectSample sample = MustSample(data);
  EXPECT_EQ(sample.schema.ToHive(), kVehicleSchema);
  EXPECT_EQ(sample.records_sampled, 1000);
  EXPECT_LE(sample.bytes_read, (1 << 20) + (64 << 10));
  EXPECT_GE(sample.bytes_read, 1 << 20);
  EXPECT_EQ(static_cast<uint64_t>(sample.bytes_read), store_.bytes_served());
  EXPECT_NEAR(static_cast<double>(sample.estimated_records), static_cast<double>(Records(data)),
              Records(data) * 0.02);
}

TEST_F(BoundedSamplingTest, ACompressed50MegabyteObjectReadsLessThanOneMegabyte) {
  const std::string& data = BigNdjson();
  for (Codec codec : {Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    const std::string compressed = Compress(codec, data);
    const uint64_t served_before = store_.bytes_served();
    ObjectSample sample = MustSample(compressed);
    EXPECT_EQ(sample.schema.ToHive(), kVehicleSchema) << CodecName(codec);
    EXPECT_EQ(sample.records_sampled, 1000);
    EXPECT_LE(sample.bytes_read, 1 << 20) << CodecName(codec);
    if (compressed.size() > (1 << 20)) {
      EXPECT_LT(sample.bytes_read, static_cast<int64_t>(compressed.size()) / 4) << CodecName(codec);
    } else {
      // zstd shrinks these records 50 times: the whole object is under the limit, one read.
      EXPECT_EQ(sample.bytes_read, static_cast<int64_t>(compressed.size())) << CodecName(codec);
    }
    EXPECT_EQ(static_cast<uint64_t>(sample.bytes_read), store_.bytes_served() - served_before);
    // The compression ratio comes from the sample; zstd's decoder reads a block ahead, so its
    // estimate runs low by up to a block's worth.
    EXPECT_NEAR(static_cast<double>(sample.estimated_records), static_cast<double>(Records(data)),
                Records(data) * 0.2)
        << CodecName(codec);
  }
}

// ---- CSV

TEST_F(ClassifierTest, CsvWithHeader) {
  ObjectSample sample = MustSample(
      "VendorID,pickup,passenger_count,total_amount,paid\n"
      "1,2026-01-01 10:00,2,12.5,true\n"
      "2,2026-01-01 10:05,,7,FALSE\n"
      "1,2026-01-01 10:09,1,1e3,true\n");
  EXPECT_EQ(sample.classification, "csv");
  EXPECT_EQ(sample.compression, "none");
  EXPECT_EQ(sample.schema.ToHive(),
            "struct<vendorid:bigint,pickup:string,passenger_count:bigint,total_amount:double,paid:"
            "boolean>");
  EXPECT_THAT(sample.csv_header,
              ElementsAre("VendorID", "pickup", "passenger_count", "total_amount", "paid"));
  EXPECT_EQ(sample.table_parameters, (Parameters{{"delimiter", ","},
                                                 {"skip.header.line.count", "1"},
                                                 {"areColumnsQuoted", "false"},
                                                 {"columnsOrdered", "true"}}));
  EXPECT_EQ(sample.records_sampled, 3);
  EXPECT_EQ(sample.estimated_records, 3);
}

TEST_F(ClassifierTest, CsvWithoutHeaderNamesColumnsCol0) {
  ObjectSample sample = MustSample("1|x|2.5\r\n2|y|3\r\n3|z|-1\r\n");
  EXPECT_EQ(sample.classification, "csv");
  EXPECT_EQ(sample.schema.ToHive(), "struct<col0:bigint,col1:string,col2:double>");
  EXPECT_TRUE(sample.csv_header.empty());
  EXPECT_EQ(sample.table_parameters.at("delimiter"), "|");
  EXPECT_FALSE(sample.table_parameters.contains("skip.header.line.count"));
  EXPECT_EQ(sample.estimated_records, 3);
}

TEST_F(ClassifierTest, CsvOfOnlyStringsHasNoHeader) {
  ObjectSample sample = MustSample("name\tcity\nana\trio\nbia\tsao paulo\n");
  EXPECT_EQ(sample.schema.ToHive(), "struct<col0:string,col1:string>");
  EXPECT_EQ(sample.table_parameters.at("delimiter"), "\t");
  EXPECT_EQ(sample.estimated_records, 3);
}

TEST_F(ClassifierTest, QuotedCsv) {
  ObjectSample sample = MustSample("id;comment\n1;\"a;b \"\"quoted\"\"\nnext line\"\n2;plain\n");
  EXPECT_EQ(sample.classification, "csv");
  EXPECT_EQ(sample.schema.ToHive(), "struct<id:bigint,comment:string>");
  EXPECT_EQ(sample.table_parameters.at("delimiter"), ";");
  EXPECT_EQ(sample.table_parameters.at("areColumnsQuoted"), "true");
  EXPECT_EQ(sample.estimated_records, 2);
}

TEST_F(ClassifierTest, NotCsv) {
  for (std::string_view data :
       {"a,b\n", "a,b\n1,2,3\n4,5\n", "one column\n1\n2\n", "x,\"unterminated\n1,2\n"}) {
    auto sample = Sample("bad.csv", data);
    ASSERT_FALSE(sample) << data;
    EXPECT_EQ(sample.error().code(), Error::Code::kInvalidInput);
  }
}

// ---- Parquet

struct ParquetCase {
  std::string_view file;
  std::string_view schema;
  int64_t rows;
};

TEST_F(ClassifierTest, ParquetSchemasAndRowCountsFromTheFooter) {
  const ParquetCase cases[] = {
      {"vehicles.parquet",
       "struct<vehicle_id:string,event_time:timestamp,"
       "vehicle_status:struct<speed_kmh:double,odometer_km:bigint,doors_locked:boolean>,"
       "alerts:array<struct<code:string,severity:int>>>",
       100},
      {"types.parquet",
       "struct<price:decimal(9,2),amount:decimal(18,4),big_amount:decimal(38,10),day:date,ts:"
       "timestamp,"
       "ts_tz:timestamp,ratio:double,score:double,tiny:int,small:int,medium:int,large:bigint,"
       "uint32_col:bigint,payload:binary,flag:boolean,camelname:string,tags:map<string,int>,"
       "numbers:array<int>,matrix:array<array<decimal(2,1)>>,"
       "nested:struct<inner:struct<deep:array<struct<x:int>>>>>",
       3},
      {"empty.parquet", "struct<id:int,name:string>", 0},
      {"row_groups.parquet", "struct<k:int>", 250000},
  };
  for (const ParquetCase& c : cases) {
    const std::string data = ReadFixture(c.file);
    ObjectSample sample = MustSample(data);
    EXPECT_EQ(sample.classification, "parquet") << c.file;
    EXPECT_EQ(sample.compression, "none") << c.file;
    EXPECT_EQ(sample.schema.ToHive(), c.schema) << c.file;
    EXPECT_EQ(sample.estimated_records, c.rows) << c.file;
    EXPECT_EQ(sample.records_sampled, 0) << c.file;
  }
}

TEST_F(ClassifierTest, LargeParquetReadsOnlyHeadAndFooter) {
  // Data pages are never read, so padding the file's middle leaves its footer usable.
  const std::string fixture = ReadFixture("vehicles.parquet");
  const std::string data = fixture.substr(0, 4) + std::string(20 << 20, '\0') + fixture.substr(4);
  ObjectSample sample = MustSample(data);
  EXPECT_EQ(sample.classification, "parquet");
  EXPECT_EQ(sample.estimated_records, 100);
  EXPECT_LE(sample.bytes_read, 2 * (64 << 10));
  EXPECT_EQ(store_.reads(), 2);
}

TEST_F(ClassifierTest, DamagedParquetIsCorruption) {
  const std::string data = ReadFixture("types.parquet");
  for (size_t cut : {size_t{1}, size_t{8}, data.size() / 2}) {
    auto sample = Sample("t.parquet", std::string_view(data).substr(0, data.size() - cut));
    ASSERT_FALSE(sample) << cut;
    EXPECT_EQ(sample.error().code(), Error::Code::kCorruption) << cut;
  }
  std::string bad_length = data;
  bad_length[data.size() - 6] = '\x7f';  // footer length now beyond the file
  auto sample = Sample("l.parquet", bad_length);
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Error::Code::kCorruption);
}

// ---- StorageDescriptorFor

TEST_F(ClassifierTest, StorageDescriptorForJson) {
  ObjectSample sample = MustSample(R"({"zeta":1,"alpha":{"b":true},"mid":[1]})");
  sample.compression = "gzip";
  const StorageDescriptor sd = StorageDescriptorFor(sample, "s3://lake/raw/");
  EXPECT_EQ(sd.location, "s3://lake/raw/");
  EXPECT_THAT(sd.columns,
              ElementsAre(Column{"zeta", "int", ""}, Column{"alpha", "struct<b:boolean>", ""},
                          Column{"mid", "array<int>", ""}));
  EXPECT_EQ(sd.input_format, "org.apache.hadoop.mapred.TextInputFormat");
  EXPECT_EQ(sd.output_format, "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
  EXPECT_EQ(sd.serde_library, "org.openx.data.jsonserde.JsonSerDe");
  EXPECT_EQ(sd.serde_parameters, (Parameters{{"paths", "alpha,mid,zeta"}}));
  EXPECT_FALSE(sd.compressed);
  EXPECT_EQ(sd.parameters,
            (Parameters{
                {"classification", "json"}, {"compressionType", "gzip"}, {"typeOfData", "file"}}));
}

TEST_F(ClassifierTest, StorageDescriptorForCsvAndParquet) {
  const StorageDescriptor csv =
      StorageDescriptorFor(MustSample("a|b\nx|1\ny|2\n"), "s3://lake/csv/");
  EXPECT_EQ(csv.serde_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(csv.serde_parameters, (Parameters{{"field.delim", "|"}}));
  EXPECT_EQ(csv.parameters.at("classification"), "csv");
  EXPECT_EQ(csv.parameters.at("skip.header.line.count"), "1");
  EXPECT_EQ(csv.parameters.at("delimiter"), "|");

  const StorageDescriptor quoted =
      StorageDescriptorFor(MustSample("a,b\n\"x\",1\ny,2\n"), "s3://lake/q/");
  EXPECT_EQ(quoted.serde_library, "org.apache.hadoop.hive.serde2.OpenCSVSerde");
  EXPECT_EQ(quoted.serde_parameters, (Parameters{{"separatorChar", ","}, {"quoteChar", "\""}}));

  const StorageDescriptor parquet =
      StorageDescriptorFor(MustSample(ReadFixture("empty.parquet")), "s3://lake/p/");
  EXPECT_EQ(parquet.input_format, "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
  EXPECT_EQ(parquet.output_format,
            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
  EXPECT_EQ(parquet.serde_library, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
  EXPECT_EQ(parquet.serde_parameters, (Parameters{{"serialization.format", "1"}}));
  EXPECT_THAT(parquet.columns, ElementsAre(Column{"id", "int", ""}, Column{"name", "string", ""}));
  EXPECT_EQ(parquet.parameters.at("compressionType"), "none");
}

// ---- DecompressPrefix (common/compression.h), which sampling is built on

TEST(DecompressPrefixTest, StopsAtTheLimitAndReportsCompleteness) {
  const std::string data = VehicleRecords(2000);
  for (Codec codec : {Codec::kNone, Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    const std::string stored = codec == Codec::kNone ? data : Compress(codec, data);
    auto cut = DecompressPrefix(codec, stored, true, 100000);
    ASSERT_TRUE(cut) << CodecName(codec) << ": " << cut.error().ToString();
    EXPECT_EQ(cut->data, data.substr(0, 100000)) << CodecName(codec);
    EXPECT_FALSE(cut->complete);
    EXPECT_GT(cut->consumed, 0u);
    EXPECT_LT(cut->consumed, stored.size());

    auto all = DecompressPrefix(codec, stored, true, data.size());
    ASSERT_TRUE(all) << CodecName(codec);
    EXPECT_EQ(all->data, data);
    EXPECT_TRUE(all->complete) << CodecName(codec);
    EXPECT_EQ(all->consumed, stored.size());

    auto short_by_one = DecompressPrefix(codec, stored, true, data.size() - 1);
    ASSERT_TRUE(short_by_one);
    EXPECT_FALSE(short_by_one->complete) << CodecName(codec);
  }
}

TEST(DecompressPrefixTest, APartialInputAsksForMore) {
  const std::string data = VehicleRecords(2000);
  for (Codec codec : {Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    const std::string stored = Compress(codec, data);
    auto partial = DecompressPrefix(codec, std::string_view(stored).substr(0, stored.size() / 3),
                                    false, SIZE_MAX);
    ASSERT_TRUE(partial) << CodecName(codec) << ": " << partial.error().ToString();
    EXPECT_FALSE(partial->complete);
    EXPECT_GT(partial->data.size(), 0u) << CodecName(codec);
    EXPECT_LT(partial->data.size(), data.size());
    EXPECT_EQ(partial->data, data.substr(0, partial->data.size()));
    // The same bytes as a whole object are truncated.
    auto whole = DecompressPrefix(codec, std::string_view(stored).substr(0, stored.size() / 3),
                                  true, SIZE_MAX);
    ASSERT_FALSE(whole) << CodecName(codec);
    EXPECT_EQ(whole.error().code(), Error::Code::kCorruption);
    EXPECT_THAT(whole.error().message(), HasSubstr(CodecName(codec)));
  }
}

TEST(DecompressPrefixTest, GzipMemberBoundaryOfAPartialInputIsNotTheEnd) {
  const std::string first = Compress(Codec::kGzip, "first\n");
  const std::string both = first + Compress(Codec::kGzip, "second\n");
  auto partial = DecompressPrefix(Codec::kGzip, first, false, SIZE_MAX);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->data, "first\n");
  EXPECT_FALSE(partial->complete);
  auto whole = DecompressPrefix(Codec::kGzip, both, true, SIZE_MAX);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->data, "first\nsecond\n");
  EXPECT_TRUE(whole->complete);
}

TEST(DecompressPrefixTest, ManyGzipMembers) {
  // libdeflate writes one member per MiB of input.
  std::string data;
  for (int i = 0; data.size() < (3u << 20); ++i) data += VehicleRecord(i, i % 3 == 0);
  CompressorOptions options;
  options.gzip_backend = GzipBackend::kLibdeflate;
  const std::string stored = Compress(Codec::kGzip, data, options);
  auto prefix = DecompressPrefix(Codec::kGzip, stored, true, (5u << 20) / 2);
  ASSERT_TRUE(prefix) << prefix.error().ToString();
  EXPECT_EQ(prefix->data, data.substr(0, (5u << 20) / 2));
  EXPECT_FALSE(prefix->complete);
  auto all = DecompressPrefix(Codec::kGzip, stored, true, SIZE_MAX);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->data, data);
  EXPECT_TRUE(all->complete);
}

TEST(DecompressPrefixTest, EmptyAndUnsupported) {
  for (Codec codec : {Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    auto empty = DecompressPrefix(codec, "", true, 10);
    ASSERT_FALSE(empty) << CodecName(codec);
    EXPECT_EQ(empty.error().code(), Error::Code::kCorruption);
    auto nothing_yet = DecompressPrefix(codec, "", false, 10);
    ASSERT_TRUE(nothing_yet);
    EXPECT_TRUE(nothing_yet->data.empty());
    EXPECT_FALSE(nothing_yet->complete);
  }
  EXPECT_EQ(DecompressPrefix(Codec::kZip, "PK", true, 10).error().code(),
            Error::Code::kInvalidArgument);
  EXPECT_EQ(DecompressPrefix(Codec::kHadoopSnappy, "x", true, 10).error().code(),
            Error::Code::kInvalidArgument);
}

TEST(DecompressPrefixTest, GarbageAfterAGzipMemberIsCorruption) {
  const std::string data = Compress(Codec::kGzip, "x\n") + "garbage!";
  auto result = DecompressPrefix(Codec::kGzip, data, true, SIZE_MAX);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), Error::Code::kCorruption);
}

// ---- ParseParquetFooter on hand-built Thrift (forms DuckDB does not write)

// A minimal Thrift compact-protocol writer.
class CompactWriter {
 public:
  void Field(int id, uint8_t type) {
    const int delta = id - last_.back();
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      Varint((static_cast<uint64_t>(id) << 1) ^ static_cast<uint64_t>(id >> 15));
    }
    last_.back() = id;
  }
  void I32(int id, int32_t v) {
    Field(id, 5);
    Zigzag(v);
  }
  void I64(int id, int64_t v) {
    Field(id, 6);
    Zigzag(v);
  }
  void String(int id, std::string_view s) {
    Field(id, 8);
    Varint(s.size());
    out_ += s;
  }
  void BeginStruct(int id) {
    Field(id, 12);
    last_.push_back(0);
  }
  void BeginListOfStructs(int id, size_t n) {
    Field(id, 9);
    ListHeader(12, n);
  }
  void BeginElement() { last_.push_back(0); }
  void End() {
    out_.push_back(0);
    last_.pop_back();
  }
  void ListHeader(uint8_t type, size_t n) {
    if (n < 15) {
      out_.push_back(static_cast<char>((n << 4) | type));
    } else {
      out_.push_back(static_cast<char>(0xf0 | type));
      Varint(n);
    }
  }
  void Raw(std::string_view bytes) { out_ += bytes; }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Zigzag(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  std::string Finish() {
    out_.push_back(0);
    return out_;
  }

 private:
  std::string out_;
  std::vector<int> last_{0};
};

struct Element {
  std::string name;
  int type = -1;  // physical type, -1 for a group
  int repetition = 1;
  int children = -1;
  int converted = -1;
};

std::string FileMetaData(const std::vector<Element>& elements, int64_t rows,
                         bool with_unknown_fields) {
  CompactWriter w;
  w.I32(1, 2);
  if (with_unknown_fields) {
    // Fields a reader must skip: a double, a bool, a map, a set of i32, a list of binaries and
    // a nested struct with a far field id (long-form header).
    w.Field(20, 7);
    w.Raw(std::string(8, '\x11'));
    w.Field(21, 1);
    w.Field(22, 11);
    w.Varint(2);
    w.Raw("\x85");  // binary keys, i32 values
    w.Varint(1);
    w.Raw("k");
    w.Zigzag(5);
    w.Varint(2);
    w.Raw("kk");
    w.Zigzag(-5);
    w.Field(23, 10);
    w.ListHeader(5, 3);
    w.Zigzag(1);
    w.Zigzag(2);
    w.Zigzag(3);
    w.Field(24, 9);
    w.ListHeader(8, 16);
    for (int i = 0; i < 16; ++i) {
      w.Varint(1);
      w.Raw("x");
    }
    w.BeginStruct(25);
    w.I64(300, 7);
    w.Field(301, 9);
    w.ListHeader(1, 2);  // list of bools: one byte each
    w.Raw("\x01\x02");
    w.End();
  }
  w.BeginListOfStructs(2, elements.size());
  for (const Element& e : elements) {
    w.BeginElement();
    if (e.type >= 0) w.I32(1, e.type);
    w.I32(3, e.repetition);
    w.String(4, e.name);
    if (e.children >= 0) w.I32(5, e.children);
    if (e.converted >= 0) w.I32(6, e.converted);
    w.End();
  }
  w.I64(3, rows);
  return w.Finish();
}

TEST(ParquetFooterTest, LegacyListsRepeatedFieldsAndSkippedFields) {
  const std::vector<Element> elements = {
      {"schema", -1, 0, 5, -1},
      {"two_level", -1, 1, 1, 3},  // LIST { repeated int32 element }
      {"element", 1, 2, -1, -1},
      {"tuple_list", -1, 1, 1, 3},  // LIST { repeated group tuple_list_tuple { a; b } }
      {"tuple_list_tuple", -1, 2, 1, -1},
      {"a", 6, 0, -1, 0},
      {"scores", 5, 2, -1, -1},     // repeated double outside a LIST
      {"legacy_map", -1, 1, 1, 2},  // MAP_KEY_VALUE { repeated group map { key; value } }
      {"map", -1, 2, 2, -1},
      {"key", 6, 0, -1, 0},
      {"value", 4, 1, -1, -1},
      {"Raw", 6, 1, -1, -1},  // BYTE_ARRAY without annotation
  };
  std::vector<Element> all = elements;
  all[0].children = 5;
  for (bool unknown : {false, true}) {
    auto footer = ParseParquetFooter(FileMetaData(all, 42, unknown));
    ASSERT_TRUE(footer) << footer.error().ToString();
    EXPECT_EQ(footer->num_rows, 42);
    EXPECT_EQ(footer->schema.ToHive(),
              "struct<two_level:array<int>,tuple_list:array<struct<a:string>>,"
              "scores:array<double>,legacy_map:map<string,double>,raw:binary>");
  }
}

TEST(ParquetFooterTest, EveryTruncationFailsCleanly) {
  const std::string data = ReadFixture("types.parquet");
  auto length = ParquetFooterLength(std::string_view(data).substr(data.size() - kParquetTailSize));
  ASSERT_TRUE(length);
  const std::string_view metadata =
      std::string_view(data).substr(data.size() - kParquetTailSize - *length, *length);
  ASSERT_TRUE(ParseParquetFooter(metadata));
  for (size_t n = 0; n < metadata.size(); ++n) {
    auto footer = ParseParquetFooter(metadata.substr(0, n));
    ASSERT_FALSE(footer) << n;
    EXPECT_EQ(footer.error().code(), Error::Code::kCorruption) << n;
  }
}

TEST(ParquetFooterTest, GarbageFailsCleanly) {
  std::string garbage;
  uint32_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    garbage.clear();
    for (int i = 0; i < 64; ++i) {
      x = x * 1103515245 + 12345;
      garbage.push_back(static_cast<char>(x >> 16));
    }
    auto footer = ParseParquetFooter(garbage);
    if (!footer) {
      EXPECT_EQ(footer.error().code(), Error::Code::kCorruption);
    }
  }
  EXPECT_EQ(ParquetFooterLength("short").error().code(), Error::Code::kCorruption);
  EXPECT_EQ(ParquetFooterLength(std::string_view("\x10\0\0\0PARE", 8)).error().code(),
            Error::Code::kInvalidInput);
  EXPECT_EQ(*ParquetFooterLength(std::string_view("\x10\x01\0\0PAR1", 8)), 0x110u);
}

}  // namespace
}  // namespace lakebox::catalog
