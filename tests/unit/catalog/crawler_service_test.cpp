#include "catalog/crawler_service.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "catalog/sqlite_catalog.h"
#include "storage/local_object_store.h"

namespace lakebox::catalog {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// An object store whose reads wait while the gate is closed, to hold a crawl in RUNNING.
class GatedStore final : public storage::ObjectStore {
 public:
  explicit GatedStore(storage::ObjectStore& inner) : inner_(inner) {}

  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits until a read is blocked at the gate.
  bool WaitForWaiter() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return waiting_ > 0; });
  }

  Status EnsureBucket(std::string_view bucket) override { return inner_.EnsureBucket(bucket); }
  Result<std::vector<std::string>> ListBuckets() override { return inner_.ListBuckets(); }
  Status Put(std::string_view bucket, std::string_view key, std::string_view data) override {
    return inner_.Put(bucket, key, data);
  }
  Result<std::unique_ptr<storage::ObjectWriter>> NewWriter(std::string_view bucket, std::string_view key) override {
    return inner_.NewWriter(bucket, key);
  }
  Result<std::string> Get(std::string_view bucket, std::string_view key) override {
    Pass();
    return inner_.Get(bucket, key);
  }
  Result<std::string> GetRange(std::string_view bucket, std::string_view key, uint64_t offset,
                               uint64_t length) override {
    Pass();
    return inner_.GetRange(bucket, key, offset, length);
  }
  Result<storage::ObjectInfo> Head(std::string_view bucket, std::string_view key) override {
    return inner_.Head(bucket, key);
  }
  Result<storage::ListResult> List(std::string_view bucket, const storage::ListOptions& options) override {
    return inner_.List(bucket, options);
  }
  Status Delete(std::string_view bucket, std::string_view key) override { return inner_.Delete(bucket, key); }

 private:
  void Pass() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
  }

  storage::ObjectStore& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

class CrawlerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-crawler-service-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = storage::LocalObjectStore::Open(dir_ / "s3");
    ASSERT_TRUE(store) << store.error().ToString();
    local_ = std::move(*store);
    ASSERT_TRUE(local_->EnsureBucket("lake"));
    for (int i = 0; i < 8; ++i)
      ASSERT_TRUE(local_->Put("lake", fmt::format("raw/year=2026/month=11/o{}.json", i),
                              fmt::format(R"({{"id":{},"name":"n{}"}})" "\n", i, i)));
    store_ = std::make_unique<GatedStore>(*local_);
    auto catalog = SqliteCatalog::Open(dir_ / "catalog.db");
    ASSERT_TRUE(catalog) << catalog.error().ToString();
    catalog_ = std::move(*catalog);
    service_ = std::make_unique<CrawlerService>(catalog_.get(), store_.get());
  }
  void TearDown() override {
    store_->Open();
    service_.reset();
    fs::remove_all(dir_);
  }

  static CrawlerDefinition Definition(std::string name = "vehicles") {
    CrawlerDefinition d;
    d.name = std::move(name);
    d.role = "arn:aws:iam::000000000000:role/lakebox";
    d.database = "Vehicles";
    d.table_prefix = "vehicles_";
    d.targets = {{"s3://lake/raw/", {}, std::nullopt}};
    return d;
  }

  CrawlerState StateOf(std::string_view name) {
    auto status = service_->GetCrawler(name);
    EXPECT_TRUE(status) << status.error().ToString();
    return status ? status->state : CrawlerState::kReady;
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalObjectStore> local_;
  std::unique_ptr<GatedStore> store_;
  std::unique_ptr<SqliteCatalog> catalog_;
  std::unique_ptr<CrawlerService> service_;
};

TEST_F(CrawlerServiceTest, CreateValidates) {
  auto code_of = [&](CrawlerDefinition d) {
    Status status = service_->CreateCrawler(std::move(d));
    return status ? std::optional<Error::Code>() : status.error().code();
  };
  CrawlerDefinition d = Definition();
  d.name = "";
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.name = std::string(256, 'x');
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.role = "";
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.targets.clear();
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.targets[0].path = "file:///tmp";
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.targets[0].exclusions = {"{a,b"};
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.targets[0].sample_size = 0;
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.table_prefix = std::string(129, 'p');
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  d = Definition();
  d.schedule = "rate(5 minutes)";
  EXPECT_EQ(code_of(d), Error::Code::kInvalidInput);
  EXPECT_THAT(*service_->GetCrawlers(), ::testing::IsEmpty());

  d = Definition();
  d.database = "";
  ASSERT_TRUE(service_->CreateCrawler(d));
  auto status = service_->GetCrawler("vehicles");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->definition.database, "default");
  EXPECT_EQ(status->state, CrawlerState::kReady);
  EXPECT_FALSE(status->last_crawl);
  EXPECT_EQ(code_of(Definition()), Error::Code::kAlreadyExists);
  EXPECT_EQ(service_->GetCrawler("nope").error().code(), Error::Code::kEntityNotFound);
}

TEST_F(CrawlerServiceTest, StartRunsInTheBackgroundUntilReady) {
  ASSERT_TRUE(service_->CreateCrawler(Definition()));
  store_->Close();
  ASSERT_TRUE(service_->StartCrawler("vehicles"));
  ASSERT_TRUE(store_->WaitForWaiter());
  EXPECT_EQ(StateOf("vehicles"), CrawlerState::kRunning);
  Status again = service_->StartCrawler("vehicles");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Error::Code::kCrawlerRunning);
  EXPECT_EQ(again.error().message(), "Crawler with name vehicles has already started");
  EXPECT_EQ(service_->UpdateCrawler(Definition()).error().code(), Error::Code::kCrawlerRunning);
  EXPECT_EQ(service_->DeleteCrawler("vehicles").error().code(), Error::Code::kCrawlerRunning);
  EXPECT_EQ(service_->RunCrawler("vehicles").error().code(), Error::Code::kCrawlerRunning);
  EXPECT_EQ(service_->WaitUntilReady("vehicles", 10ms).error().code(), Error::Code::kCrawlerRunning);

  store_->Open();
  ASSERT_TRUE(service_->WaitUntilReady("vehicles", 10s));
  auto status = service_->GetCrawler("vehicles");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, CrawlerState::kReady);
  ASSERT_TRUE(status->last_crawl);
  EXPECT_EQ(status->last_crawl->status, "SUCCEEDED");
  EXPECT_EQ(status->last_crawl->objects_read, 8);
  EXPECT_EQ(status->last_crawl->tables_created, 1);
  auto table = catalog_->GetTable("vehicles", "vehicles_raw");
  ASSERT_TRUE(table) << table.error().ToString();
  EXPECT_EQ(table->parameters.at("objectCount"), "8");

  // READY again: it can start again (and reads nothing new).
  ASSERT_TRUE(service_->StartCrawler("vehicles"));
  ASSERT_TRUE(service_->WaitUntilReady("vehicles", 10s));
  EXPECT_EQ(service_->GetCrawler("vehicles")->last_crawl->objects_read, 0);
  EXPECT_EQ(catalog_->GetCrawlRuns("vehicles", 10)->size(), 2u);
}

TEST_F(CrawlerServiceTest, StopCancelsARunningCrawl) {
  ASSERT_TRUE(service_->CreateCrawler(Definition()));
  Status idle = service_->StopCrawler("vehicles");
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().code(), Error::Code::kCrawlerNotRunning);
  EXPECT_EQ(service_->StopCrawler("nope").error().code(), Error::Code::kEntityNotFound);

  store_->Close();
  ASSERT_TRUE(service_->StartCrawler("vehicles"));
  ASSERT_TRUE(store_->WaitForWaiter());
  ASSERT_TRUE(service_->StopCrawler("vehicles"));
  EXPECT_EQ(StateOf("vehicles"), CrawlerState::kStopping);
  EXPECT_EQ(service_->StopCrawler("vehicles").error().code(), Error::Code::kCrawlerStopping);
  EXPECT_EQ(service_->StartCrawler("vehicles").error().code(), Error::Code::kCrawlerRunning);
  store_->Open();
  ASSERT_TRUE(service_->WaitUntilReady("vehicles", 10s));
  auto status = service_->GetCrawler("vehicles");
  ASSERT_TRUE(status->last_crawl);
  EXPECT_EQ(status->last_crawl->status, "CANCELLED");
  EXPECT_LT(status->last_crawl->objects_read, 8);
  EXPECT_FALSE(catalog_->GetTable("vehicles", "vehicles_raw")) << "a crawl stopped while reading writes no table";

  // The next run reads everything.
  auto run = service_->RunCrawler("vehicles");
  ASSERT_TRUE(run) << run.error().ToString();
  EXPECT_EQ(run->status, "SUCCEEDED");
  EXPECT_EQ(run->objects_read, 8);
}

TEST_F(CrawlerServiceTest, RunCrawlerIsSynchronousAndRecorded) {
  ASSERT_TRUE(service_->CreateCrawler(Definition()));
  int reports = 0;
  auto run = service_->RunCrawler("vehicles", [&](const CrawlProgress&) { ++reports; });
  ASSERT_TRUE(run) << run.error().ToString();
  EXPECT_EQ(run->status, "SUCCEEDED");
  EXPECT_EQ(run->partitions_added, 1);
  EXPECT_GT(reports, 0);
  auto status = service_->GetCrawler("vehicles");
  ASSERT_TRUE(status->last_crawl);
  EXPECT_EQ(status->last_crawl->start_time_ms, run->start_time_ms);
  EXPECT_EQ(service_->RunCrawler("nope").error().code(), Error::Code::kEntityNotFound);

  // A definition that fails at crawl time (a missing bucket) gives a FAILED run, not an error.
  CrawlerDefinition missing = Definition("missing");
  missing.targets[0].path = "s3://no-such-bucket/";
  ASSERT_TRUE(service_->CreateCrawler(missing));
  auto failed = service_->RunCrawler("missing");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "FAILED");
  EXPECT_THAT(failed->error_message, HasSubstr("NoSuchBucket"));
  EXPECT_EQ(service_->GetCrawler("missing")->last_crawl->status, "FAILED");
}

TEST_F(CrawlerServiceTest, UpdateDeleteAndEnsure) {
  EXPECT_EQ(service_->UpdateCrawler(Definition()).error().code(), Error::Code::kEntityNotFound);
  ASSERT_TRUE(service_->EnsureCrawler(Definition()));
  EXPECT_EQ(service_->GetCrawler("vehicles")->definition.version, 1);
  ASSERT_TRUE(service_->EnsureCrawler(Definition()));  // unchanged: no new version
  EXPECT_EQ(service_->GetCrawler("vehicles")->definition.version, 1);
  CrawlerDefinition changed = Definition();
  changed.table_prefix = "v_";
  ASSERT_TRUE(service_->EnsureCrawler(changed));
  auto status = service_->GetCrawler("vehicles");
  EXPECT_EQ(status->definition.version, 2);
  EXPECT_EQ(status->definition.table_prefix, "v_");
  EXPECT_EQ(status->definition.database, "vehicles");

  ASSERT_TRUE(service_->CreateCrawler(Definition("another")));
  auto all = service_->GetCrawlers();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].definition.name, "another");
  EXPECT_EQ(CrawlerStateName((*all)[1].state), "READY");

  ASSERT_TRUE(service_->RunCrawler("vehicles"));
  ASSERT_TRUE(service_->DeleteCrawler("vehicles"));
  EXPECT_EQ(service_->GetCrawler("vehicles").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->DeleteCrawler("vehicles").error().code(), Error::Code::kEntityNotFound);
  EXPECT_TRUE(catalog_->GetTable("vehicles", "v_raw")) << "deleting a crawler keeps its tables";
}

TEST_F(CrawlerServiceTest, ShutdownStopsRunningCrawls) {
  ASSERT_TRUE(service_->CreateCrawler(Definition()));
  store_->Close();
  ASSERT_TRUE(service_->StartCrawler("vehicles"));
  ASSERT_TRUE(store_->WaitForWaiter());
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    store_->Open();
  });
  service_->Shutdown();
  opener.join();
  EXPECT_EQ(StateOf("vehicles"), CrawlerState::kReady);
  EXPECT_EQ(service_->GetCrawler("vehicles")->last_crawl->status, "CANCELLED");
  EXPECT_EQ(service_->StartCrawler("vehicles").error().code(), Error::Code::kServiceUnavailable);
  service_->Shutdown();  // idempotent
}

TEST(CrawlerStateTest, Names) {
  EXPECT_EQ(CrawlerStateName(CrawlerState::kReady), "READY");
  EXPECT_EQ(CrawlerStateName(CrawlerState::kRunning), "RUNNING");
  EXPECT_EQ(CrawlerStateName(CrawlerState::kStopping), "STOPPING");
}

}  // namespace
}  // namespace lakebox::catalog
