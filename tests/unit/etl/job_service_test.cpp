#include "etl/job_service.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "catalog/crawler.h"
#include "catalog/sqlite_catalog.h"
#include "etl/run_store.h"
#include "query/duckdb/duckdb.h"
#include "query/engine.h"
#include "query/table_scan.h"
#include "storage/local_object_store.h"
#include "test_support.h"

namespace lakebox::etl {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kVendors[] = {"volvo", "scania", "man"};

// `count` vehicle records shaped like the seed's, numbered from `first`: vendors cycle through
// kVendors, record i has i % 3 alerts.
std::string VehicleRecords(int first, int count) {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    std::string alerts;
    for (int a = 0; a < i % 3; ++a)
      alerts += fmt::format(R"({}{{"code":"A{}","severity":{}}})", a ? "," : "", a, a + 1);
    out += fmt::format(
        R"({{"vehicle_id":"V-{:05}","vendor":"{}","model":"FH16","event_time":"2026-11-26T10:00:{:02}.000Z",)"
        R"("vehicle_status":{{"speed_kmh":{}.5,"engine_temp_c":88.1,"doors_locked":true}},)"
        R"("gps_info":{{"latitude":-23.55,"longitude":-46.63}},"alerts":[{}]}})"
        "\n",
        i, kVendors[i % 3], i % 60, i, alerts);
  }
  return out;
}

int AlertsOf(int first, int count) {
  int alerts = 0;
  for (int i = first; i < first + count; ++i) alerts += i % 3;
  return alerts;
}

// Blocks a run at one hook point until released.
class Gate {
 public:
  Status Pass() {
    std::unique_lock lock(mu_);
    arrived_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    return Ok();
  }
  bool WaitArrived() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return arrived_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool arrived_ = false;
  bool open_ = false;
};

class JobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-etl-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    data_dir_ = root_ / "data";
    fs::create_directories(data_dir_ / "s3" / "lake");
    auto store = storage::LocalObjectStore::Open(data_dir_ / "s3");
    ASSERT_OK(store);
    store_ = std::move(*store);
    auto catalog = catalog::SqliteCatalog::Open(data_dir_ / "catalog.db");
    ASSERT_OK(catalog);
    catalog_ = std::move(*catalog);

    // What the crawler makes of Firehose's gzip NDJSON under raw/dt=.../.
    catalog::Database database;
    database.name = "vehicles";
    ASSERT_OK(catalog_->CreateDatabase(database));
    catalog::Table raw;
    raw.database = "vehicles";
    raw.name = "vehicles_raw";
    raw.storage.columns = {
        {"vehicle_id", "string", ""},
        {"vendor", "string", ""},
        {"model", "string", ""},
        {"event_time", "string", ""},
        {"vehicle_status", "struct<speed_kmh:double,engine_temp_c:double,doors_locked:boolean>", ""},
        {"gps_info", "struct<latitude:double,longitude:double>", ""},
        {"alerts", "array<struct<code:string,severity:int>>", ""}};
    raw.storage.location = "s3://lake/raw/";
    raw.partition_keys = {{"dt", "string", ""}};
    raw.parameters = {{"classification", "json"}, {"compressionType", "gzip"}};
    ASSERT_OK(catalog_->CreateTable(raw));

    job_.name = "vehicles_to_stage";
    job_.source_database = "vehicles";
    job_.source_table = "vehicles_raw";
    job_.target = "s3://lake/stage/";
    job_.partition_by = {"vendor"};

    auto db = query::duckdb::Database::Open("", {});
    ASSERT_OK(db);
    reader_db_.emplace(std::move(*db));
    auto connection = query::duckdb::Connection::Open(*reader_db_);
    ASSERT_OK(connection);
    reader_.emplace(std::move(*connection));
  }

  void TearDown() override {
    service_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Writes a gzip NDJSON object into raw/dt=<dt>/ and makes sure the catalog has its partition.
  void AddObject(const std::string& dt, const std::string& name, int first, int count) {
    ASSERT_OK(store_->Put("lake", fmt::format("raw/dt={}/{}", dt, name), Gzip(VehicleRecords(first, count))));
    catalog::Partition partition;
    partition.database = "vehicles";
    partition.table = "vehicles_raw";
    partition.values = {dt};
    partition.storage.location = fmt::format("s3://lake/raw/dt={}/", dt);
    auto created = catalog_->CreatePartitions("vehicles", "vehicles_raw", {partition});
    ASSERT_OK(created);
  }

  void Open(std::vector<JobDefinition> jobs = {}) {
    service_.reset();
    JobServiceOptions options;
    options.data_dir = data_dir_;
    options.memory_limit = "1GB";
    options.threads = 2;
    options.test_hook = [this](std::string_view point) -> Status {
      std::function<Status(std::string_view)> hook;
      {
        std::lock_guard lock(hook_mu_);
        hook = hook_;
      }
      return hook ? hook(point) : Ok();
    };
    if (jobs.empty()) jobs = {job_};
    auto service = JobService::Open(options, std::move(jobs), catalog_.get(), store_.get());
    ASSERT_OK(service);
    service_ = std::move(*service);
  }

  void SetHook(std::function<Status(std::string_view)> hook) {
    std::lock_guard lock(hook_mu_);
    hook_ = std::move(hook);
  }

  // Fails the run at `point` as a crash there would.
  void FailAt(std::string point) {
    SetHook([point](std::string_view at) -> Status {
      if (at == point) return std::unexpected(Error::Io(fmt::format("injected failure at {}", point)));
      return Ok();
    });
  }

  JobRun Run(const std::string& name = "vehicles_to_stage") {
    auto run = service_->RunJob(name);
    EXPECT_TRUE(run) << run.error().ToString();
    return run ? *run : JobRun{};
  }

  JobRun WaitFinished(const std::string& job, const std::string& id) {
    for (int i = 0; i < 3000 && service_->Running(job); ++i) std::this_thread::sleep_for(10ms);
    auto run = service_->GetRun(job, id);
    EXPECT_TRUE(run) << run.error().ToString();
    return run ? *run : JobRun{};
  }

  int64_t Query(const std::string& sql) {
    auto result = reader_->Query(sql);
    EXPECT_TRUE(result) << result.error().ToString();
    return result && result->RowCount() > 0 ? result->Int64(0, 0) : -1;
  }

  std::string Files(std::string_view folder) {
    return query::duckdb::QuoteLiteral((data_dir_ / "s3/lake" / folder).string() + "/**");
  }
  int64_t ParquetRows(std::string_view folder) {
    if (!fs::exists(data_dir_ / "s3/lake" / folder)) return 0;
    return Query(fmt::format("SELECT count(*) FROM read_parquet({})", Files(folder)));
  }
  // Relative paths of the regular files under lake/<folder>.
  std::set<std::string> FilesUnder(std::string_view folder) {
    std::set<std::string> files;
    fs::path dir = data_dir_ / "s3/lake" / folder;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), dir).string());
    return files;
  }

  fs::path root_;
  fs::path data_dir_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  JobDefinition job_;
  std::unique_ptr<JobService> service_;
  std::mutex hook_mu_;
  std::function<Status(std::string_view)> hook_;
  std::optional<query::duckdb::Database> reader_db_;
  std::optional<query::duckdb::Connection> reader_;
};

TEST_F(JobServiceTest, RunWritesGzipParquetPartitionedByVendorAndAlertsChildTable) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  AddObject("2026-11-26", "part-2.gz", 10, 5);
  Open();
  JobRun run = Run();
  ASSERT_EQ(run.state, JobRunState::kSucceeded) << run.error_message;
  EXPECT_TRUE(run.id.starts_with("jr_"));
  EXPECT_EQ(run.id.size(), 3u + 64u);
  EXPECT_EQ(run.objects_in, 2);
  EXPECT_GT(run.bytes_in, 0);
  EXPECT_EQ(run.records_in, 15);
  EXPECT_EQ(run.records_out, 15);
  EXPECT_THAT(run.tables_written, ElementsAre("s3://lake/stage/", "s3://lake/stage_alerts/"));
  EXPECT_GT(run.completed_on_ms, 0);

  // One folder per vendor, files named after the run, nothing else under stage/.
  std::set<std::string> files = FilesUnder("stage");
  ASSERT_EQ(files.size(), 3u);
  for (const std::string& file : files) {
    EXPECT_TRUE(file.starts_with("vendor=")) << file;
    EXPECT_THAT(file, HasSubstr("/part-" + run.id + "-"));
    EXPECT_TRUE(file.ends_with(".parquet")) << file;
  }
  EXPECT_EQ(run.objects_out, static_cast<int64_t>(files.size() + FilesUnder("stage_alerts").size()));
  EXPECT_EQ(ParquetRows("stage"), 15);
  std::string volvo = (data_dir_ / "s3/lake/stage/vendor=volvo/*.parquet").string();
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM read_parquet({})", query::duckdb::QuoteLiteral(volvo))), 5);
  // Flat columns; the partition column lives in the folder name only.
  auto columns =
      reader_->Query(fmt::format("DESCRIBE SELECT * FROM read_parquet({}, hive_partitioning=false)", Files("stage")));
  ASSERT_OK(columns);
  std::set<std::string> names;
  for (size_t i = 0; i < columns->RowCount(); ++i) names.insert(*columns->Text(0, i));
  EXPECT_TRUE(names.contains("vehicle_status_speed_kmh"));
  EXPECT_TRUE(names.contains("gps_info_latitude"));
  EXPECT_FALSE(names.contains("vendor"));
  EXPECT_FALSE(names.contains("vehicle_status"));
  // gzip in every column chunk.
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM parquet_metadata({}) WHERE compression <> 'GZIP'", Files("stage"))),
            0);
  EXPECT_GT(Query(fmt::format("SELECT count(*) FROM parquet_metadata({})", Files("stage"))), 0);

  // The alerts child table joins back to its parents.
  EXPECT_EQ(ParquetRows("stage_alerts"), AlertsOf(0, 15));
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM read_parquet({}) a JOIN read_parquet({}) r ON a.id = r.alerts",
                              Files("stage_alerts"), Files("stage"))),
            AlertsOf(0, 15));

  // Nothing staged is left; the run is recorded.
  EXPECT_THAT(FilesUnder("_lakebox_staging"), IsEmpty());
  auto runs = service_->Runs("vehicles_to_stage");
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].id, run.id);
  EXPECT_EQ((*runs)[0].state, JobRunState::kSucceeded);
  EXPECT_EQ((*runs)[0].records_out, 15);
  EXPECT_THAT((*runs)[0].tables_written, ElementsAre("s3://lake/stage/", "s3://lake/stage_alerts/"));
}

TEST_F(JobServiceTest, CrawledOutputIsAFlatTableTheQueryEngineReads) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  AddObject("2026-11-27", "part-1.gz", 10, 5);
  Open();
  ASSERT_EQ(Run().state, JobRunState::kSucceeded);
  // The crawler of the seed's second half.
  catalog::CrawlerDefinition crawler;
  crawler.name = "lake";
  crawler.role = "r";
  crawler.database = "vehicles";
  crawler.table_prefix = "vehicles_";
  crawler.targets = {{"s3://lake/stage/", {}, std::nullopt}, {"s3://lake/stage_alerts/", {}, std::nullopt}};
  ASSERT_OK(catalog_->CreateCrawler(crawler));
  std::atomic<bool> cancel = false;
  auto crawl = catalog::Crawl(crawler, *catalog_, *store_, cancel);
  ASSERT_OK(crawl);
  auto stage = catalog_->GetTable("vehicles", "vehicles_stage");
  ASSERT_OK(stage);
  for (const auto& column : stage->storage.columns) {
    EXPECT_THAT(column.type, ::testing::Not(HasSubstr("struct"))) << column.name;
  }
  ASSERT_EQ(stage->partition_keys.size(), 1u);
  EXPECT_EQ(stage->partition_keys[0].name, "vendor");

  query::EngineOptions options;
  options.data_dir = data_dir_;
  auto engine = query::Engine::Open(options, catalog_.get());
  ASSERT_OK(engine);
  auto count = (*engine)->Execute(R"(SELECT count(*) FROM "vehicles"."vehicles_stage")");
  ASSERT_OK(count);
  EXPECT_EQ(count->rows[0][0], "15");
  auto joined = (*engine)->Execute(
      "SELECT count(*) FROM vehicles.vehicles_stage_alerts a JOIN vehicles.vehicles_stage s ON a.id = s.alerts "
      "WHERE s.vendor = 'man'");
  ASSERT_OK(joined);
  EXPECT_EQ(joined->rows[0][0], "10");  // records 2, 5, 8, 11, 14 with 2 alerts each
}

TEST_F(JobServiceTest, RunWithNothingNewWritesNothing) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  ASSERT_EQ(Run().state, JobRunState::kSucceeded);
  std::set<std::string> before = FilesUnder("");
  JobRun second = Run();
  EXPECT_EQ(second.state, JobRunState::kSucceeded) << second.error_message;
  EXPECT_EQ(second.objects_in, 0);
  EXPECT_EQ(second.records_in, 0);
  EXPECT_EQ(second.records_out, 0);
  EXPECT_EQ(second.objects_out, 0);
  EXPECT_THAT(second.tables_written, IsEmpty());
  EXPECT_EQ(FilesUnder(""), before);
  EXPECT_EQ(ParquetRows("stage"), 10);
}

TEST_F(JobServiceTest, NextRunProcessesOnlyNewObjectsWithFreshJoinKeys) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  ASSERT_EQ(Run().state, JobRunState::kSucceeded);
  AddObject("2026-11-26", "part-2.gz", 10, 7);  // beside a processed one
  AddObject("2026-11-27", "part-1.gz", 17, 4);  // in a new partition
  JobRun second = Run();
  ASSERT_EQ(second.state, JobRunState::kSucceeded) << second.error_message;
  EXPECT_EQ(second.objects_in, 2);
  EXPECT_EQ(second.records_in, 11);
  EXPECT_EQ(second.records_out, 11);
  EXPECT_EQ(ParquetRows("stage"), 21);
  EXPECT_EQ(Query(fmt::format("SELECT count(DISTINCT vehicle_id) FROM read_parquet({})", Files("stage"))), 21);
  // Join keys do not repeat across runs: every alert has exactly one parent.
  EXPECT_EQ(Query(fmt::format("SELECT count(DISTINCT alerts) FROM read_parquet({})", Files("stage"))), 21);
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM read_parquet({}) a JOIN read_parquet({}) r ON a.id = r.alerts",
                              Files("stage_alerts"), Files("stage"))),
            AlertsOf(0, 21));
  // A rewritten object (another size) is read again; Firehose never rewrites, but a user may.
  AddObject("2026-11-27", "part-1.gz", 100, 2);
  JobRun third = Run();
  EXPECT_EQ(third.objects_in, 1);
  EXPECT_EQ(third.records_in, 2);
}

TEST_F(JobServiceTest, FailureBeforeCommitLeavesNothingVisibleAndNextRunDeliversOnce) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  AddObject("2026-11-26", "part-2.gz", 10, 5);
  Open();
  FailAt("staged");
  JobRun failed = Run();
  EXPECT_EQ(failed.state, JobRunState::kFailed);
  EXPECT_THAT(failed.error_message, HasSubstr("injected failure at staged"));
  EXPECT_EQ(failed.records_out, 0);
  EXPECT_EQ(failed.objects_out, 0);
  EXPECT_THAT(FilesUnder(""), ::testing::Not(::testing::Contains(::testing::HasSubstr("stage"))));
  EXPECT_THAT(FilesUnder("_lakebox_staging"), IsEmpty());

  SetHook({});
  JobRun next = Run();
  ASSERT_EQ(next.state, JobRunState::kSucceeded) << next.error_message;
  EXPECT_EQ(next.objects_in, 2);
  EXPECT_EQ(ParquetRows("stage"), 15);
  EXPECT_EQ(Query(fmt::format("SELECT count(DISTINCT vehicle_id) FROM read_parquet({})", Files("stage"))), 15);
  EXPECT_EQ(ParquetRows("stage_alerts"), AlertsOf(0, 15));
}

TEST_F(JobServiceTest, CommitCutShortIsRolledForwardAtOpen) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  FailAt("committed");
  JobRun cut = Run();
  EXPECT_EQ(cut.state, JobRunState::kFailed);
  EXPECT_THAT(cut.error_message, HasSubstr("committed"));
  // Decided but not yet visible: the files wait in staging.
  EXPECT_THAT(FilesUnder("stage"), IsEmpty());
  EXPECT_THAT(FilesUnder("_lakebox_staging"), ::testing::Not(IsEmpty()));

  // "Restart": the commit record is rolled forward.
  SetHook({});
  Open();
  auto rolled = service_->GetRun("vehicles_to_stage", cut.id);
  ASSERT_OK(rolled);
  EXPECT_EQ(rolled->state, JobRunState::kSucceeded);
  EXPECT_EQ(rolled->error_message, "");
  EXPECT_EQ(rolled->records_out, 10);
  EXPECT_EQ(ParquetRows("stage"), 10);
  EXPECT_EQ(ParquetRows("stage_alerts"), AlertsOf(0, 10));
  EXPECT_THAT(FilesUnder("_lakebox_staging"), IsEmpty());
  // Its objects are in the bookmark.
  JobRun next = Run();
  EXPECT_EQ(next.state, JobRunState::kSucceeded);
  EXPECT_EQ(next.objects_in, 0);
  EXPECT_EQ(ParquetRows("stage"), 10);
}

TEST_F(JobServiceTest, CommitCutShortIsRolledForwardByTheNextRun) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  FailAt("committed");
  JobRun cut = Run();
  ASSERT_EQ(cut.state, JobRunState::kFailed);
  SetHook({});
  AddObject("2026-11-26", "part-2.gz", 10, 3);
  JobRun next = Run();
  ASSERT_EQ(next.state, JobRunState::kSucceeded) << next.error_message;
  EXPECT_EQ(next.objects_in, 1);
  EXPECT_EQ(ParquetRows("stage"), 13);
  auto rolled = service_->GetRun("vehicles_to_stage", cut.id);
  ASSERT_OK(rolled);
  EXPECT_EQ(rolled->state, JobRunState::kSucceeded);
}

TEST_F(JobServiceTest, RunLeftRunningByACrashIsFailedAtOpenAndItsStagingDeleted) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  {
    auto store = RunStore::Open(data_dir_ / "etl.db");
    ASSERT_OK(store);
    JobRun crashed;
    crashed.id = "jr_" + std::string(64, 'a');
    crashed.job_name = "vehicles_to_stage";
    crashed.state = JobRunState::kRunning;
    crashed.started_on_ms = 1000;
    ASSERT_OK((*store)->AddRun(crashed));
  }
  fs::path staged = data_dir_ / "s3/lake/_lakebox_staging" / ("jr_" + std::string(64, 'a')) / "0/00000/part.parquet";
  fs::create_directories(staged.parent_path());
  std::ofstream(staged) << "half written";

  Open();
  auto crashed = service_->GetRun("vehicles_to_stage", "jr_" + std::string(64, 'a'));
  ASSERT_OK(crashed);
  EXPECT_EQ(crashed->state, JobRunState::kFailed);
  EXPECT_THAT(crashed->error_message, HasSubstr("interrupted by a restart"));
  EXPECT_FALSE(fs::exists(staged.parent_path().parent_path().parent_path()));
  JobRun next = Run();
  EXPECT_EQ(next.state, JobRunState::kSucceeded);
  EXPECT_EQ(next.objects_in, 1);
}

TEST_F(JobServiceTest, MissingSourceTableFailsTheRunWithTheFix) {
  JobDefinition job = job_;
  job.name = "orphan";
  job.source_table = "vehicles_later";
  Open({job});
  JobRun run = Run("orphan");
  EXPECT_EQ(run.state, JobRunState::kFailed);
  EXPECT_EQ(run.error_message,
            "source table vehicles.vehicles_later does not exist in the catalog: run the crawler first");
  auto recorded = service_->GetRun("orphan", run.id);
  ASSERT_OK(recorded);
  EXPECT_EQ(recorded->state, JobRunState::kFailed);
  EXPECT_EQ(recorded->error_message, run.error_message);
}

TEST_F(JobServiceTest, SecondStartWhileRunningIsConcurrentRunsExceeded) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  Gate gate;
  SetHook([&](std::string_view point) { return point == "listed" ? gate.Pass() : Ok(); });
  auto id = service_->StartRun("vehicles_to_stage", "every_5_minutes");
  ASSERT_OK(id);
  ASSERT_TRUE(gate.WaitArrived());
  JobProgress progress;
  EXPECT_TRUE(service_->Running("vehicles_to_stage", &progress));
  EXPECT_EQ(progress.objects_total, 1);
  auto again = service_->StartRun("vehicles_to_stage");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Error::Code::kConcurrentRunsExceeded);
  auto direct = service_->RunJob("vehicles_to_stage");
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code(), Error::Code::kConcurrentRunsExceeded);
  auto running = service_->GetRun("vehicles_to_stage", *id);
  ASSERT_OK(running);
  EXPECT_EQ(running->state, JobRunState::kRunning);
  EXPECT_EQ(running->trigger_name, "every_5_minutes");

  gate.Open();
  JobRun finished = WaitFinished("vehicles_to_stage", *id);
  EXPECT_EQ(finished.state, JobRunState::kSucceeded) << finished.error_message;
  EXPECT_EQ(finished.records_out, 10);
}

TEST_F(JobServiceTest, StopRunEndsTheRunStoppedWithNothingVisible) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  Gate gate;
  SetHook([&](std::string_view point) { return point == "listed" ? gate.Pass() : Ok(); });
  auto id = service_->StartRun("vehicles_to_stage");
  ASSERT_OK(id);
  ASSERT_TRUE(gate.WaitArrived());
  ASSERT_OK(service_->StopRun("vehicles_to_stage", *id));
  ASSERT_OK(service_->StopRun("vehicles_to_stage", *id));  // again while stopping: fine
  auto stopping = service_->GetRun("vehicles_to_stage", *id);
  ASSERT_OK(stopping);
  EXPECT_EQ(stopping->state, JobRunState::kStopping);
  gate.Open();
  JobRun stopped = WaitFinished("vehicles_to_stage", *id);
  EXPECT_EQ(stopped.state, JobRunState::kStopped);
  EXPECT_EQ(stopped.error_message, "stopped by request");
  EXPECT_THAT(FilesUnder("stage"), IsEmpty());
  EXPECT_THAT(FilesUnder("_lakebox_staging"), IsEmpty());

  auto finished = service_->StopRun("vehicles_to_stage", *id);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code(), Error::Code::kInvalidInput);
  auto unknown = service_->StopRun("vehicles_to_stage", "jr_nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Error::Code::kEntityNotFound);

  SetHook({});
  JobRun next = Run();
  EXPECT_EQ(next.state, JobRunState::kSucceeded);
  EXPECT_EQ(next.objects_in, 1);
  EXPECT_EQ(ParquetRows("stage"), 10);
}

TEST_F(JobServiceTest, StagedFilesAreInvisibleToListingsUntilCommitted) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  Open();
  Gate gate;
  SetHook([&](std::string_view point) { return point == "staged" ? gate.Pass() : Ok(); });
  auto id = service_->StartRun("vehicles_to_stage");
  ASSERT_OK(id);
  ASSERT_TRUE(gate.WaitArrived());
  EXPECT_THAT(FilesUnder("_lakebox_staging"), ::testing::Not(IsEmpty()));
  for (const auto& file : query::ListFiles(data_dir_, "s3://lake/")) {
    EXPECT_THAT(file.path, ::testing::Not(HasSubstr("_lakebox_staging")));
  }
  EXPECT_THAT(FilesUnder("stage"), IsEmpty());
  gate.Open();
  EXPECT_EQ(WaitFinished("vehicles_to_stage", *id).state, JobRunState::kSucceeded);
  EXPECT_EQ(ParquetRows("stage"), 10);
}

TEST_F(JobServiceTest, ResetBookmarkReadsEverythingAgain) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  AddObject("2026-11-27", "part-1.gz", 10, 2);
  Open();
  ASSERT_EQ(Run().objects_in, 2);
  ASSERT_OK(service_->ResetBookmark("vehicles_to_stage"));
  JobRun again = Run();
  EXPECT_EQ(again.objects_in, 2);
  EXPECT_EQ(again.records_in, 12);
}

TEST_F(JobServiceTest, BookmarksOffReadEverythingEveryRun) {
  AddObject("2026-11-26", "part-1.gz", 0, 10);
  job_.bookmarks = false;
  Open();
  ASSERT_EQ(Run().objects_in, 1);
  EXPECT_EQ(Run().objects_in, 1);
  EXPECT_EQ(ParquetRows("stage"), 20);
}

TEST_F(JobServiceTest, JsonOutputPartitionedWithFilterAndMappings) {
  AddObject("2026-11-26", "part-1.gz", 0, 12);
  job_.name = "to_json";
  job_.target = "s3://lake/json/";
  job_.format = "json";
  job_.compression = "gzip";
  job_.filter = "speed_kmh >= 4";
  job_.mappings = {{"vehicle_status_speed_kmh", "speed_kmh", std::nullopt, false}};
  Open({job_});
  JobRun run = Run("to_json");
  ASSERT_EQ(run.state, JobRunState::kSucceeded) << run.error_message;
  EXPECT_EQ(run.records_in, 12);
  EXPECT_EQ(run.records_out, 8);
  std::set<std::string> files = FilesUnder("json");
  ASSERT_EQ(files.size(), 3u);
  for (const std::string& file : files) {
    EXPECT_TRUE(file.starts_with("vendor=")) << file;
    EXPECT_TRUE(file.ends_with(".json.gz")) << file;
  }
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM read_json({}) WHERE speed_kmh >= 4", Files("json"))), 8);
  // Children of filtered-out parents are left out too.
  EXPECT_EQ(Query(fmt::format("SELECT count(*) FROM read_json({})", Files("json_alerts"))), AlertsOf(4, 8));
}

TEST_F(JobServiceTest, NullPartitionValuesGoToHivesDefaultPartition) {
  ASSERT_OK(store_->Put("lake", "raw/dt=x/part-1.gz",
                        Gzip(R"({"vehicle_id":"V-1","vendor":null,"alerts":[]})"
                             "\n"
                             R"({"vehicle_id":"V-2","vendor":"a/b","alerts":null})"
                             "\n")));
  catalog::Partition partition;
  partition.database = "vehicles";
  partition.table = "vehicles_raw";
  partition.values = {"x"};
  partition.storage.location = "s3://lake/raw/dt=x/";
  ASSERT_OK(catalog_->CreatePartitions("vehicles", "vehicles_raw", {partition}));
  Open();
  JobRun run = Run();
  ASSERT_EQ(run.state, JobRunState::kSucceeded) << run.error_message;
  std::set<std::string> folders;
  for (const std::string& file : FilesUnder("stage")) folders.insert(file.substr(0, file.find('/')));
  EXPECT_THAT(folders, ElementsAre("vendor=__HIVE_DEFAULT_PARTITION__", "vendor=a%2Fb"));
  EXPECT_THAT(run.tables_written, ElementsAre("s3://lake/stage/"));  // no alerts at all
}

TEST_F(JobServiceTest, SmallTargetFileSizeSplitsPartitionedOutput) {
  AddObject("2026-11-26", "part-1.gz", 0, 30000);
  job_.target_file_size_bytes = 64 << 10;
  Open();
  JobRun run = Run();
  ASSERT_EQ(run.state, JobRunState::kSucceeded) << run.error_message;
  EXPECT_EQ(ParquetRows("stage"), 30000);
  EXPECT_GT(FilesUnder("stage").size(), 3u);
}

TEST_F(JobServiceTest, UnknownJobsAndShutdown) {
  JobDefinition other = job_;
  other.name = "a_first";
  Open({job_, other});
  std::vector<JobDefinition> jobs = service_->Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].name, "a_first");
  ASSERT_OK(service_->GetJob("vehicles_to_stage"));
  EXPECT_EQ(service_->GetJob("nope").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->StartRun("nope").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->RunJob("nope").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->Runs("nope").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->GetRun("nope", "jr_x").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->GetRun("vehicles_to_stage", "jr_x").error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(service_->ResetBookmark("nope").error().code(), Error::Code::kEntityNotFound);
  EXPECT_FALSE(service_->Running("vehicles_to_stage"));
  service_->Shutdown();
  service_->Shutdown();
  EXPECT_EQ(service_->StartRun("vehicles_to_stage").error().code(), Error::Code::kServiceUnavailable);
}

TEST_F(JobServiceTest, RunsAreNewestFirstAndSurviveARestart) {
  AddObject("2026-11-26", "part-1.gz", 0, 3);
  Open();
  JobRun first = Run();
  JobRun second = Run();
  JobRun third = Run();
  Open();
  auto runs = service_->Runs("vehicles_to_stage");
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].id, third.id);
  EXPECT_EQ((*runs)[2].id, first.id);
  auto two = service_->Runs("vehicles_to_stage", 2);
  ASSERT_OK(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].id, second.id);
}

}  // namespace
}  // namespace lakebox::etl
