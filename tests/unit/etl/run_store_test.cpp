#include "etl/run_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "etl/commit.h"
#include "test_support.h"

namespace lakebox::etl {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-runstore-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Reopen() {
    store_.reset();
    auto store = RunStore::Open(dir_ / "etl.db");
    ASSERT_OK(store);
    store_ = std::move(*store);
  }
  static JobRun NewRun(std::string id, std::string job = "j") {
    JobRun run;
    run.id = std::move(id);
    run.job_name = std::move(job);
    run.state = JobRunState::kRunning;
    run.started_on_ms = run.last_modified_on_ms = 1000;
    return run;
  }
  void WriteFile(const fs::path& path, std::string_view data) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << data;
  }

  fs::path dir_;
  std::unique_ptr<RunStore> store_;
};

TEST_F(RunStoreTest, RunsRoundTripNewestFirstAndSurviveReopen) {
  ASSERT_OK(store_->AddRun(NewRun("jr_1")));
  ASSERT_OK(store_->AddRun(NewRun("jr_2")));
  ASSERT_OK(store_->AddRun(NewRun("jr_other", "k")));
  JobRun done = NewRun("jr_1");
  done.state = JobRunState::kSucceeded;
  done.trigger_name = "t";  // not rewritten by UpdateRun
  done.completed_on_ms = 5000;
  done.execution_time_s = 4;
  done.objects_in = 2;
  done.bytes_in = 300;
  done.records_in = 10;
  done.records_out = 9;
  done.objects_out = 3;
  done.bytes_out = 120;
  done.tables_written = {"s3://lake/stage/", "s3://lake/stage_alerts/"};
  ASSERT_OK(store_->UpdateRun(done));
  Reopen();

  auto runs = store_->Runs("j", 0);
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, "jr_2");
  EXPECT_EQ((*runs)[1].id, "jr_1");
  auto one = store_->Runs("j", 1);
  ASSERT_OK(one);
  ASSERT_EQ(one->size(), 1u);

  auto stored = store_->GetRun("j", "jr_1");
  ASSERT_OK(stored);
  EXPECT_EQ(stored->run.state, JobRunState::kSucceeded);
  EXPECT_EQ(stored->run.completed_on_ms, 5000);
  EXPECT_EQ(stored->run.records_out, 9);
  EXPECT_EQ(stored->run.bytes_out, 120);
  EXPECT_THAT(stored->run.tables_written, ElementsAre("s3://lake/stage/", "s3://lake/stage_alerts/"));
  EXPECT_EQ(stored->owner_pid, getpid());
  EXPECT_EQ(store_->GetRun("k", "jr_1").error().code(), Error::Code::kEntityNotFound);

  auto unfinished = store_->UnfinishedRuns("");
  ASSERT_OK(unfinished);
  EXPECT_EQ(unfinished->size(), 2u);  // jr_2 and jr_other
  auto unfinished_j = store_->UnfinishedRuns("j");
  ASSERT_OK(unfinished_j);
  ASSERT_EQ(unfinished_j->size(), 1u);
  EXPECT_EQ((*unfinished_j)[0].run.id, "jr_2");
}

TEST_F(RunStoreTest, CommitRecordsBookmarkAndRowIdsAtOnce) {
  ASSERT_OK(store_->AddRun(NewRun("jr_1")));
  auto base = store_->RowIdBase("j");
  ASSERT_OK(base);
  EXPECT_EQ(*base, 0);
  std::vector<StagedFile> files = {{"lake/_lakebox_staging/jr_1/0/00000/a.parquet", "lake/stage/a.parquet"},
                                   {"lake/_lakebox_staging/jr_1/1/00000/b.parquet", "lake/stage_x/b.parquet"}};
  ASSERT_OK(store_->RecordCommit(NewRun("jr_1"), 42, "lake/_lakebox_staging/jr_1", files,
                                 {{"s3://lake/raw/a.gz", 10}, {"s3://lake/raw/b.gz", 20}}));
  Reopen();
  auto pending = store_->PendingCommits("");
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].run_id, "jr_1");
  EXPECT_EQ((*pending)[0].job_name, "j");
  EXPECT_EQ((*pending)[0].staging_dir, "lake/_lakebox_staging/jr_1");
  EXPECT_EQ((*pending)[0].files, files);
  auto other_job = store_->PendingCommits("k");
  ASSERT_OK(other_job);
  EXPECT_THAT(*other_job, IsEmpty());

  BookmarkSet bookmark;
  ASSERT_OK(store_->Bookmark("j", &bookmark));
  EXPECT_EQ(bookmark.size(), 2u);
  EXPECT_TRUE(bookmark.contains(BookmarkToken("s3://lake/raw/a.gz", 10)));
  EXPECT_FALSE(bookmark.contains(BookmarkToken("s3://lake/raw/a.gz", 11)));
  base = store_->RowIdBase("j");
  ASSERT_OK(base);
  EXPECT_EQ(*base, 42);

  JobRun done = NewRun("jr_1");
  done.state = JobRunState::kSucceeded;
  ASSERT_OK(store_->FinishCommit(done));
  pending = store_->PendingCommits("");
  ASSERT_OK(pending);
  EXPECT_THAT(*pending, IsEmpty());
  EXPECT_EQ(store_->GetRun("j", "jr_1")->run.state, JobRunState::kSucceeded);

  ASSERT_OK(store_->ResetBookmark("j"));
  ASSERT_OK(store_->Bookmark("j", &bookmark));
  EXPECT_THAT(bookmark, IsEmpty());
  EXPECT_EQ(*store_->RowIdBase("j"), 42);  // join keys still never repeat
}

TEST_F(RunStoreTest, MoveIntoPlaceIsRepeatableAndReportsLostFiles) {
  fs::path lake = dir_ / "s3";
  WriteFile(lake / "lake/_lakebox_staging/jr_1/0/00000/vendor=a/p.parquet", "a");
  WriteFile(lake / "lake/_lakebox_staging/jr_1/0/00000/vendor=b/p.parquet", "bb");
  std::vector<StagedFile> files = {
      {"lake/_lakebox_staging/jr_1/0/00000/vendor=a/p.parquet", "lake/stage/vendor=a/p.parquet"},
      {"lake/_lakebox_staging/jr_1/0/00000/vendor=b/p.parquet", "lake/stage/vendor=b/p.parquet"}};

  auto staged = FilesBelow(lake / "lake/_lakebox_staging/jr_1");
  ASSERT_OK(staged);
  ASSERT_EQ(staged->size(), 2u);
  EXPECT_EQ((*staged)[0].relative_path, "0/00000/vendor=a/p.parquet");
  EXPECT_EQ((*staged)[1].size, 2u);
  ASSERT_OK(SyncTree(lake / "lake/_lakebox_staging/jr_1"));
  auto dirs = StagingDirs(lake);
  ASSERT_OK(dirs);
  EXPECT_THAT(*dirs, ElementsAre("lake/_lakebox_staging/jr_1"));

  // A first attempt moved one file and "crashed".
  fs::create_directories(lake / "lake/stage/vendor=a");
  fs::rename(lake / files[0].staged, lake / files[0].final_path);
  ASSERT_OK(MoveIntoPlace(lake, files));
  ASSERT_OK(MoveIntoPlace(lake, files));
  EXPECT_TRUE(fs::exists(lake / "lake/stage/vendor=a/p.parquet"));
  EXPECT_EQ(fs::file_size(lake / "lake/stage/vendor=b/p.parquet"), 2u);

  fs::remove(lake / "lake/stage/vendor=b/p.parquet");
  auto lost = MoveIntoPlace(lake, files);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), Error::Code::kNotFound);
  EXPECT_THAT(lost.error().message(), ::testing::HasSubstr("lake/stage/vendor=b/p.parquet"));

  ASSERT_OK(RemoveTree(lake / "lake/_lakebox_staging/jr_1"));
  ASSERT_OK(RemoveTree(lake / "lake/_lakebox_staging/jr_1"));
  dirs = StagingDirs(lake);
  ASSERT_OK(dirs);
  EXPECT_THAT(*dirs, IsEmpty());
}

}  // namespace
}  // namespace lakebox::etl
