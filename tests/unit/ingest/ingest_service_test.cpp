#include "ingest/ingest_service.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/compression.h"
#include "common/file_util.h"
#include "storage/local_object_store.h"

namespace lakebox::ingest {
namespace {

namespace fs = std::filesystem;

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("lakebox-ingest-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    service_.reset();  // delivers what is buffered while the folder still exists
    store_.reset();
    fs::remove_all(root_);
  }

  // Opens store + service on `data_dir`.
  void Open(const fs::path& data_dir) {
    service_.reset();
    auto store = storage::LocalObjectStore::Open(data_dir / "s3");
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    IngestOptions options;
    options.data_dir = data_dir;
    auto service = IngestService::Open(options, store_.get());
    ASSERT_TRUE(service) << service.error().ToString();
    service_ = std::move(*service);
  }

  static StreamConfig SeedStream(Compression compression = Compression::kGzip) {
    StreamConfig c;
    c.name = "vehicles";
    c.role_arn = "arn:aws:iam::000000000000:role/firehose";
    c.bucket_arn = "arn:aws:s3:::lake";
    c.prefix = "raw/year=!{timestamp:YYYY}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
    c.error_output_prefix =
        "fherroroutputbase/!{firehose:random-string}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/";
    c.buffer_size_mb = 128;
    c.buffer_interval_seconds = 900;
    c.compression = compression;
    return c;
  }

  // key -> object bytes (decompressed), for every object under the bucket.
  std::map<std::string, std::string> Objects(const fs::path& data_dir, Codec codec) {
    std::map<std::string, std::string> out;
    fs::path bucket = data_dir / "s3" / "lake";
    if (!fs::exists(bucket)) return out;
    for (const auto& e : fs::recursive_directory_iterator(bucket)) {
      if (!e.is_regular_file()) continue;
      auto bytes = ReadFile(e.path());
      EXPECT_TRUE(bytes);
      auto plain = Decompress(codec, *bytes);
      EXPECT_TRUE(plain) << plain.error().ToString();
      out[fs::relative(e.path(), bucket).string()] = *plain;
    }
    return out;
  }

  Result<std::vector<std::string>> Put(std::vector<std::string> records) {
    std::vector<std::string_view> views(records.begin(), records.end());
    return service_->PutRecords("vehicles", views);
  }

  fs::path root_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::unique_ptr<IngestService> service_;
};

TEST_F(IngestServiceTest, FlushDeliversOneGzipObjectUnderTheEvaluatedPrefix) {
  Open(root_);
  ASSERT_TRUE(service_->CreateStream(SeedStream()));
  auto ids = Put({"{\"a\":1}\n", "{\"a\":2}\n"});
  ASSERT_TRUE(ids) << ids.error().ToString();
  EXPECT_EQ(ids->size(), 2u);
  EXPECT_NE((*ids)[0], (*ids)[1]);
  ASSERT_TRUE(service_->Flush(std::nullopt));
  auto objects = Objects(root_, Codec::kGzip);
  ASSERT_EQ(objects.size(), 1u);
  const auto& [key, content] = *objects.begin();
  EXPECT_TRUE(key.starts_with("raw/year=")) << key;
  EXPECT_TRUE(key.ends_with(".gz")) << key;
  EXPECT_NE(key.find("/vehicles-1-"), std::string::npos) << key;
  EXPECT_EQ(content, "{\"a\":1}\n{\"a\":2}\n");
  // Nothing left in the WAL.
  auto stats = service_->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].buffered_bytes, 0u);
  EXPECT_EQ(stats[0].objects_delivered, 1u);
  EXPECT_EQ(stats[0].records_received, 2u);
}

TEST_F(IngestServiceTest, DuplicateAndUnknownStreams) {
  Open(root_);
  ASSERT_TRUE(service_->CreateStream(SeedStream()));
  auto again = service_->CreateStream(SeedStream());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Error::Code::kResourceInUse);
  std::vector<std::string_view> one{"x"};
  auto put = service_->PutRecords("nope", one);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code(), Error::Code::kResourceNotFound);
  EXPECT_EQ(service_->ListStreams(), std::vector<std::string>{"vehicles"});
}

TEST_F(IngestServiceTest, StreamsAndUndeliveredRecordsSurviveAGracefulRestart) {
  Open(root_);
  ASSERT_TRUE(service_->CreateStream(SeedStream()));
  ASSERT_TRUE(Put({"one\n", "two\n"}));
  ASSERT_TRUE(service_->Shutdown());  // delivers what is buffered
  Open(root_);
  auto described = service_->DescribeStream("vehicles");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->config.prefix, SeedStream().prefix);
  ASSERT_TRUE(Put({"three\n"}));
  ASSERT_TRUE(service_->Flush("vehicles"));
  std::string all;
  for (const auto& [key, content] : Objects(root_, Codec::kGzip)) all += content;
  std::multiset<std::string> lines;
  for (size_t pos = 0; pos < all.size();) {
    size_t nl = all.find('\n', pos);
    lines.insert(all.substr(pos, nl - pos));
    pos = nl + 1;
  }
  EXPECT_EQ(lines, (std::multiset<std::string>{"one", "two", "three"}));
}

// A crash after the object was written but before its WAL segment was removed: the replay must
// rewrite the same key with the same bytes, so the record is in the lake once.
TEST_F(IngestServiceTest, ReplayingADeliveredSegmentRewritesTheSameKey) {
  // Put, copy the data dir while the records are only in the WAL (the crash image), deliver.
  fs::path a = root_ / "a";
  Open(a);
  ASSERT_TRUE(service_->CreateStream(SeedStream()));
  ASSERT_TRUE(Put({"gamma\n"}));
  fs::path image = root_ / "image";
  fs::copy(a, image, fs::copy_options::recursive);  // records durable in the WAL, not delivered
  ASSERT_TRUE(service_->Flush(std::nullopt));
  auto delivered = Objects(a, Codec::kGzip);
  ASSERT_EQ(delivered.size(), 1u);
  service_.reset();

  // Put the delivered object into the crash image too (delivery finished, WAL not yet removed).
  for (const auto& e : fs::recursive_directory_iterator(a / "s3")) {
    if (!e.is_regular_file()) continue;
    fs::path target = image / fs::relative(e.path(), a);
    fs::create_directories(target.parent_path());
    fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing);
  }
  Open(image);
  ASSERT_TRUE(service_->Flush(std::nullopt));
  auto replayed = Objects(image, Codec::kGzip);
  EXPECT_EQ(replayed, delivered);  // same single key, same content
  auto raw_a = ReadFile(a / "s3" / "lake" / delivered.begin()->first);
  auto raw_image = ReadFile(image / "s3" / "lake" / delivered.begin()->first);
  EXPECT_EQ(*raw_a, *raw_image);  // byte-identical: compression is deterministic
}

TEST_F(IngestServiceTest, UndeliveredWalIsDeliveredAtTheNextStart) {
  fs::path a = root_ / "a";
  Open(a);
  ASSERT_TRUE(service_->CreateStream(SeedStream(Compression::kUncompressed)));
  ASSERT_TRUE(Put({"r1\n", "r2\n"}));
  fs::path image = root_ / "image";
  fs::copy(a, image, fs::copy_options::recursive);  // as if the process died here
  service_.reset();
  Open(image);
  ASSERT_TRUE(service_->Flush(std::nullopt));
  auto objects = Objects(image, Codec::kNone);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects.begin()->second, "r1\nr2\n");
  EXPECT_FALSE(objects.begin()->first.ends_with(".gz"));
}

TEST_F(IngestServiceTest, BackpressureRefusesPutsOverTheBufferLimit) {
  auto store = storage::LocalObjectStore::Open(root_ / "s3");
  ASSERT_TRUE(store);
  store_ = std::move(*store);
  IngestOptions options;
  options.data_dir = root_;
  options.max_buffered_bytes_per_stream = 1000;
  auto service = IngestService::Open(options, store_.get());
  ASSERT_TRUE(service);
  service_ = std::move(*service);
  ASSERT_TRUE(service_->CreateStream(SeedStream()));
  ASSERT_TRUE(Put({std::string(900, 'a')}));
  auto refused = Put({std::string(200, 'b')});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Error::Code::kServiceUnavailable);
  ASSERT_TRUE(service_->Flush(std::nullopt));
  EXPECT_TRUE(Put({std::string(200, 'b')}));  // delivery freed the buffer
}

TEST_F(IngestServiceTest, DeleteDrainsThenRemoves) {
  Open(root_);
  ASSERT_TRUE(service_->CreateStream(SeedStream(Compression::kUncompressed)));
  ASSERT_TRUE(Put({"last\n"}));
  ASSERT_TRUE(service_->DeleteStream("vehicles"));
  EXPECT_TRUE(service_->ListStreams().empty());
  auto objects = Objects(root_, Codec::kNone);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects.begin()->second, "last\n");
  EXPECT_FALSE(fs::exists(root_ / "streams" / "vehicles"));
  auto missing = service_->DeleteStream("vehicles");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Error::Code::kResourceNotFound);
}

TEST_F(IngestServiceTest, SizeLimitSplitsObjects) {
  Open(root_);
  StreamConfig c = SeedStream(Compression::kUncompressed);
  c.buffer_size_mb = 1;
  ASSERT_TRUE(service_->CreateStream(c));
  std::string record(300 * 1024, 'x');
  record.back() = '\n';
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(Put({record}));
  ASSERT_TRUE(service_->Flush(std::nullopt));
  auto objects = Objects(root_, Codec::kNone);
  // 7 x 300 KiB with a 1 MiB buffer: objects of 3, 3 and 1 records.
  ASSERT_EQ(objects.size(), 3u);
  size_t total = 0;
  for (const auto& [key, content] : objects) {
    EXPECT_LE(content.size(), size_t{1} << 20);
    total += content.size();
  }
  EXPECT_EQ(total, 7 * record.size());
}

}  // namespace
}  // namespace lakebox::ingest
