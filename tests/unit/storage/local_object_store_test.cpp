#include "storage/local_object_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "common/file_util.h"

namespace lakebox::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename T>
Status StatusOf(const Result<T>& result) {
  if (!result) return std::unexpected(result.error());
  return Ok();
}

// ListOptions built field by field (designated initializers that skip fields trip
// -Wmissing-field-initializers).
ListOptions Opts(std::string prefix, std::string delimiter = "", std::string start_after = "",
                 int max_keys = 1000) {
  ListOptions options;
  options.prefix = std::move(prefix);
  options.delimiter = std::move(delimiter);
  options.start_after = std::move(start_after);
  options.max_keys = max_keys;
  return options;
}

ListOptions Token(std::string token) {
  ListOptions options;
  options.continuation_token = std::move(token);
  return options;
}

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    root_ = dir_ / "s3";
    auto store = LocalObjectStore::Open(root_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->EnsureBucket("lake"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void PutOrDie(std::string_view key, std::string_view data = "x") {
    auto put = store_->Put("lake", key, data);
    ASSERT_TRUE(put) << key << ": " << put.error().ToString();
  }

  // Creates the object's file directly, as a user copying files in would: much faster than a
  // durable Put (two fsyncs) when a test needs thousands of keys.
  void Touch(const std::string& key) {
    fs::path path = root_ / "lake" / key;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << key;
  }

  std::vector<std::string> Keys(const ListResult& page) {
    std::vector<std::string> keys;
    for (const ObjectInfo& info : page.objects) keys.push_back(info.key);
    return keys;
  }

  ListResult ListOrDie(ListOptions options) {
    auto page = store_->List("lake", options);
    EXPECT_TRUE(page) << page.error().ToString();
    return page ? std::move(*page) : ListResult{};
  }

  std::vector<std::string> TempFiles() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(root_ / ".tmp")) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
  fs::path root_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, PutThenGetReturnsTheBytesFromAPlainFile) {
  std::string data("binary\0data\n", 12);
  PutOrDie("raw/year=2026/part-1.json", data);
  auto got = store_->Get("lake", "raw/year=2026/part-1.json");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, data);
  // Users read the lake directly: the object is exactly this file.
  auto on_disk = ReadFile(root_ / "lake/raw/year=2026/part-1.json");
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(*on_disk, data);
}

TEST_F(LocalObjectStoreTest, PutReplacesAndChangesTheEtag) {
  PutOrDie("k", "first");
  auto before = store_->Head("lake", "k");
  ASSERT_TRUE(before);
  PutOrDie("k", "other");  // same size: the etag must still change
  auto after = store_->Head("lake", "k");
  ASSERT_TRUE(after);
  EXPECT_EQ(*store_->Get("lake", "k"), "other");
  EXPECT_NE(before->etag, after->etag);
  EXPECT_EQ(store_->Head("lake", "k")->etag, after->etag);  // stable while unchanged
}

TEST_F(LocalObjectStoreTest, EmptyObject) {
  PutOrDie("empty", "");
  EXPECT_EQ(*store_->Get("lake", "empty"), "");
  EXPECT_EQ(store_->Head("lake", "empty")->size, 0u);
}

TEST_F(LocalObjectStoreTest, MissingBucketIsNoSuchBucket) {
  for (const Status& result :
       {store_->Put("nope", "k", "x"), store_->Delete("nope", "k"),
        StatusOf(store_->Get("nope", "k")), StatusOf(store_->Head("nope", "k")),
        StatusOf(store_->List("nope")), StatusOf(store_->NewWriter("nope", "k"))}) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code(), Error::Code::kNotFound);
    EXPECT_TRUE(IsNoSuchBucket(result.error())) << result.error().message();
  }
}

TEST_F(LocalObjectStoreTest, MissingKeyIsNoSuchKey) {
  PutOrDie("dir/file");
  // A plain miss, a "directory" of other keys, and a key below an object.
  for (std::string_view key : {"missing", "dir", "dir/file/below", "dir/missing"}) {
    auto got = store_->Get("lake", key);
    ASSERT_FALSE(got) << key;
    EXPECT_EQ(got.error().code(), Error::Code::kNotFound);
    EXPECT_THAT(got.error().message(), HasSubstr("NoSuchKey")) << key;
    EXPECT_FALSE(IsNoSuchBucket(got.error()));
    auto head = store_->Head("lake", key);
    ASSERT_FALSE(head);
    EXPECT_THAT(head.error().message(), HasSubstr("NoSuchKey")) << key;
    auto range = store_->GetRange("lake", key, 0, 1);
    ASSERT_FALSE(range);
    EXPECT_THAT(range.error().message(), HasSubstr("NoSuchKey")) << key;
  }
}

TEST_F(LocalObjectStoreTest, GetRange) {
  PutOrDie("k", "0123456789");
  EXPECT_EQ(*store_->GetRange("lake", "k", 0, 4), "0123");
  EXPECT_EQ(*store_->GetRange("lake", "k", 3, 4), "3456");
  EXPECT_EQ(*store_->GetRange("lake", "k", 8, 100), "89");  // clipped at the end, like S3
  EXPECT_EQ(*store_->GetRange("lake", "k", 9, UINT64_MAX), "9");
  EXPECT_EQ(*store_->GetRange("lake", "k", 5, 0), "");
  for (uint64_t offset : {10u, 11u}) {
    auto out = store_->GetRange("lake", "k", offset, 1);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code(), Error::Code::kInvalidArgument);
    EXPECT_THAT(out.error().message(), HasSubstr("InvalidRange"));
  }
}

TEST_F(LocalObjectStoreTest, HeadMatchesCommit) {
  auto writer = store_->NewWriter("lake", "a/b");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Append("hello"));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto committed = (*writer)->Commit();
  ASSERT_TRUE(committed) << committed.error().ToString();
  auto head = store_->Head("lake", "a/b");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->key, "a/b");
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, committed->etag);
  EXPECT_EQ(head->modified_ms, committed->modified_ms);
  EXPECT_NEAR(static_cast<double>(head->modified_ms), static_cast<double>(now_ms), 60'000);
  EXPECT_EQ(committed->key, "a/b");
  EXPECT_EQ(committed->size, 5u);
}

TEST_F(LocalObjectStoreTest, ListsInByteOrderAcrossDirectories) {
  // "a-b" < "a/x" < "a0": a directory's keys sort by "<dir>/", not by the directory name.
  std::vector<std::string> keys = {"b", "a0", "a-b", "a/x", "a/y/z!", "a/y/z/q", "A", "a/y-1"};
  for (const std::string& key : keys) PutOrDie(key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(Keys(ListOrDie(ListOptions())), keys);
  EXPECT_THAT(keys, ElementsAre("A", "a-b", "a/x", "a/y-1", "a/y/z!", "a/y/z/q", "a0", "b"));
}

TEST_F(LocalObjectStoreTest, ListWithPrefix) {
  for (auto key : {"a-b", "a/x", "a/y/z", "a0", "b/c", "ab/c"}) PutOrDie(key);
  EXPECT_THAT(Keys(ListOrDie(Opts("a/"))), ElementsAre("a/x", "a/y/z"));
  EXPECT_THAT(Keys(ListOrDie(Opts("a"))), ElementsAre("a-b", "a/x", "a/y/z", "a0", "ab/c"));
  EXPECT_THAT(Keys(ListOrDie(Opts("a/y"))), ElementsAre("a/y/z"));
  EXPECT_THAT(Keys(ListOrDie(Opts("a/y/z"))), ElementsAre("a/y/z"));
  EXPECT_THAT(Keys(ListOrDie(Opts("a/y/z/"))), IsEmpty());
  EXPECT_THAT(Keys(ListOrDie(Opts("zzz"))), IsEmpty());
}

TEST_F(LocalObjectStoreTest, ListWithSlashDelimiter) {
  for (auto key : {"a-b", "a/x", "a/y/z", "a/y/w", "a0", "b/c/d", "top"}) PutOrDie(key);
  ListResult root = ListOrDie(Opts("", "/"));
  EXPECT_THAT(Keys(root), ElementsAre("a-b", "a0", "top"));
  EXPECT_THAT(root.common_prefixes, ElementsAre("a/", "b/"));
  EXPECT_FALSE(root.next_token);

  ListResult a = ListOrDie(Opts("a/", "/"));
  EXPECT_THAT(Keys(a), ElementsAre("a/x"));
  EXPECT_THAT(a.common_prefixes, ElementsAre("a/y/"));

  // A prefix that ends inside a segment rolls up at the next '/'.
  ListResult partial = ListOrDie(Opts("a/y", "/"));
  EXPECT_THAT(Keys(partial), IsEmpty());
  EXPECT_THAT(partial.common_prefixes, ElementsAre("a/y/"));
}

TEST_F(LocalObjectStoreTest, ListWithOtherDelimiter) {
  for (auto key : {"x-1", "x-2", "x/y-3", "y", "z-9/q"}) PutOrDie(key);
  ListResult page = ListOrDie(Opts("", "-"));
  EXPECT_THAT(Keys(page), ElementsAre("y"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("x-", "x/y-", "z-"));
}

TEST_F(LocalObjectStoreTest, EmptyDirectoriesAreNotCommonPrefixes) {
  PutOrDie("a/b");
  fs::create_directories(root_ / "lake/empty/deeper");
  ListResult page = ListOrDie(Opts("", "/"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("a/"));
}

TEST_F(LocalObjectStoreTest, PaginatesOver2500KeysInOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back(fmt::format("d{}/obj-{:04}", i % 7, i));
  for (const std::string& key : keys) Touch(key);
  std::sort(keys.begin(), keys.end());

  std::vector<std::string> listed;
  std::vector<size_t> page_sizes;
  ListOptions options;  // max_keys defaults to 1000
  do {
    ListResult page = ListOrDie(options);
    page_sizes.push_back(page.objects.size());
    for (auto& key : Keys(page)) listed.push_back(key);
    options.continuation_token = page.next_token;
  } while (options.continuation_token);
  EXPECT_THAT(page_sizes, ElementsAre(1000, 1000, 500));
  EXPECT_EQ(listed, keys);

  auto all = ListAllObjects(*store_, "lake", "d3/");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<size_t>(std::count_if(keys.begin(), keys.end(), [](auto& k) {
              return k.starts_with("d3/");
            })));
}

TEST_F(LocalObjectStoreTest, PaginatesCommonPrefixesEachOnce) {
  std::vector<std::string> expected_prefixes;
  for (int d = 0; d < 30; ++d) {
    for (int f = 0; f < 3; ++f) Touch(fmt::format("p/{:02}/f{}", d, f));
    expected_prefixes.push_back(fmt::format("p/{:02}/", d));
  }
  Touch("p/zz-object");
  std::vector<std::string> prefixes, objects;
  ListOptions options = Opts("p/", "/", "", 7);
  int pages = 0;
  do {
    ListResult page = ListOrDie(options);
    EXPECT_LE(page.objects.size() + page.common_prefixes.size(), 7u);
    prefixes.insert(prefixes.end(), page.common_prefixes.begin(), page.common_prefixes.end());
    for (auto& key : Keys(page)) objects.push_back(key);
    options.continuation_token = page.next_token;
    ++pages;
  } while (options.continuation_token && pages < 100);
  EXPECT_EQ(prefixes, expected_prefixes);
  EXPECT_THAT(objects, ElementsAre("p/zz-object"));
  EXPECT_EQ(pages, 5);  // 31 entries in pages of 7
}

TEST_F(LocalObjectStoreTest, StartAfterAndMaxKeys) {
  for (auto key : {"a", "b/1", "b/2", "c"}) PutOrDie(key);
  EXPECT_THAT(Keys(ListOrDie(Opts("", "", "b/1"))), ElementsAre("b/2", "c"));
  EXPECT_THAT(Keys(ListOrDie(Opts("", "", "b"))), ElementsAre("b/1", "b/2", "c"));
  EXPECT_THAT(Keys(ListOrDie(Opts("", "", "c"))), IsEmpty());
  // As in S3, a common prefix is listed when any key under it comes after start_after.
  EXPECT_THAT(ListOrDie(Opts("", "/", "b/1")).common_prefixes, ElementsAre("b/"));

  ListResult zero = ListOrDie(Opts("", "", "", 0));
  EXPECT_THAT(zero.objects, IsEmpty());
  EXPECT_FALSE(zero.next_token);

  ListResult exact = ListOrDie(Opts("", "", "", 4));  // exactly full: nothing more to fetch
  EXPECT_EQ(exact.objects.size(), 4u);
  EXPECT_FALSE(exact.next_token);
}

TEST_F(LocalObjectStoreTest, RejectsBadListArguments) {
  for (auto options : {Token("zz"), Token(""), Token("6b"), Opts("", "", "", -1)}) {
    auto page = store_->List("lake", options);
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code(), Error::Code::kInvalidArgument);
  }
}

TEST_F(LocalObjectStoreTest, DeleteRemovesEmptiedDirectoriesUpToTheBucket) {
  PutOrDie("a/b/c/one");
  PutOrDie("a/keep");
  ASSERT_TRUE(store_->Delete("lake", "a/b/c/one"));
  EXPECT_FALSE(fs::exists(root_ / "lake/a/b"));
  EXPECT_TRUE(fs::exists(root_ / "lake/a/keep"));
  ASSERT_TRUE(store_->Delete("lake", "a/keep"));
  EXPECT_FALSE(fs::exists(root_ / "lake/a"));
  EXPECT_TRUE(fs::is_directory(root_ / "lake"));
  EXPECT_THAT(ListOrDie(ListOptions()).objects, IsEmpty());
}

TEST_F(LocalObjectStoreTest, DeletingAMissingKeyIsOk) {
  PutOrDie("dir/file");
  EXPECT_TRUE(store_->Delete("lake", "never"));
  EXPECT_TRUE(store_->Delete("lake", "dir"));             // a directory, not an object
  EXPECT_TRUE(store_->Delete("lake", "dir/file/below"));  // below an object
  EXPECT_TRUE(store_->Get("lake", "dir/file"));
}

TEST_F(LocalObjectStoreTest, NothingIsVisibleBeforeCommit) {
  PutOrDie("k", "old");
  auto writer = store_->NewWriter("lake", "k");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Append("new "));
  ASSERT_TRUE((*writer)->Append(std::string(1 << 20, 'n')));  // past the write buffer
  EXPECT_EQ(*store_->Get("lake", "k"), "old");
  EXPECT_THAT(Keys(ListOrDie(ListOptions())), ElementsAre("k"));  // the temp file is not listed
  EXPECT_EQ(TempFiles().size(), 1u);
  ASSERT_TRUE((*writer)->Commit());
  EXPECT_EQ(store_->Get("lake", "k")->size(), 4u + (1 << 20));
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(LocalObjectStoreTest, AbortedAndDroppedWritersLeaveNothing) {
  {
    auto writer = store_->NewWriter("lake", "aborted/k");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Append("data"));
    (*writer)->Abort();
    (*writer)->Abort();  // idempotent
    auto late = (*writer)->Append("more");
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code(), Error::Code::kInternal);
    EXPECT_FALSE((*writer)->Commit());
  }
  {
    auto writer = store_->NewWriter("lake", "dropped/k");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Append("data"));
  }
  EXPECT_THAT(TempFiles(), IsEmpty());
  EXPECT_THAT(ListOrDie(ListOptions()).objects, IsEmpty());
  EXPECT_FALSE(fs::exists(root_ / "lake/aborted"));
  EXPECT_FALSE(fs::exists(root_ / "lake/dropped"));
}

TEST_F(LocalObjectStoreTest, CommitIntoAVanishedBucketIsNoSuchBucket) {
  ASSERT_TRUE(store_->EnsureBucket("gone"));
  auto writer = store_->NewWriter("gone", "a/b");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Append("data"));
  fs::remove_all(root_ / "gone");
  auto committed = (*writer)->Commit();
  ASSERT_FALSE(committed);
  EXPECT_TRUE(IsNoSuchBucket(committed.error())) << committed.error().message();
  EXPECT_FALSE(fs::exists(root_ / "gone"));  // not recreated behind the user's back
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(LocalObjectStoreTest, CommittedWriterRefusesMore) {
  auto writer = store_->NewWriter("lake", "k");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Commit());
  EXPECT_FALSE((*writer)->Append("x"));
  EXPECT_FALSE((*writer)->Commit());
  (*writer)->Abort();  // must not remove the committed object
  EXPECT_EQ(*store_->Get("lake", "k"), "");
}

TEST_F(LocalObjectStoreTest, ManySmallAppendsAndLargeOnes) {
  std::string expected;
  auto writer = store_->NewWriter("lake", "big");
  ASSERT_TRUE(writer);
  for (int i = 0; i < 20000; ++i) {
    std::string piece = fmt::format("record {}\n", i);
    if (i % 5000 == 0) piece += std::string(300 * 1024, static_cast<char>('a' + i / 5000));
    expected += piece;
    ASSERT_TRUE((*writer)->Append(piece));
  }
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, expected.size());
  EXPECT_EQ(*store_->Get("lake", "big"), expected);
}

TEST_F(LocalObjectStoreTest, OpenRemovesStaleTempFiles) {
  auto writer = store_->NewWriter("lake", "k");  // as if the process crashed mid-put
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Append("partial"));
  std::ofstream(root_ / ".tmp" / "123-4") << "stale";
  ASSERT_EQ(TempFiles().size(), 2u);
  auto reopened = LocalObjectStore::Open(root_);
  ASSERT_TRUE(reopened);
  EXPECT_THAT(TempFiles(), IsEmpty());
  EXPECT_FALSE((*reopened)->Head("lake", "k"));
}

TEST_F(LocalObjectStoreTest, ListBucketsSkipsTheTempDirAndStrayNames) {
  ASSERT_TRUE(store_->EnsureBucket("b-2"));
  ASSERT_TRUE(store_->EnsureBucket("a.1"));
  ASSERT_TRUE(store_->EnsureBucket("lake"));  // idempotent
  fs::create_directories(root_ / "Not_A_Bucket");
  std::ofstream(root_ / "file") << "x";
  auto buckets = store_->ListBuckets();
  ASSERT_TRUE(buckets);
  EXPECT_THAT(*buckets, ElementsAre("a.1", "b-2", "lake"));
}

TEST_F(LocalObjectStoreTest, RejectsInvalidNamesBeforeTouchingDisk) {
  for (std::string_view key : {"", "/abs", "a//b", "a/../../etc/passwd", "./a", "dir/"}) {
    auto put = store_->Put("lake", key, "x");
    ASSERT_FALSE(put) << key;
    EXPECT_EQ(put.error().code(), Error::Code::kInvalidArgument) << key;
    EXPECT_EQ(store_->Get("lake", key).error().code(), Error::Code::kInvalidArgument) << key;
    EXPECT_EQ(store_->Delete("lake", key).error().code(), Error::Code::kInvalidArgument) << key;
  }
  for (std::string_view bucket : {".tmp", "..", "UPPER", "ab"}) {
    EXPECT_EQ(store_->EnsureBucket(bucket).error().code(), Error::Code::kInvalidArgument) << bucket;
    EXPECT_EQ(store_->Put(bucket, "k", "x").error().code(), Error::Code::kInvalidArgument)
        << bucket;
  }
  EXPECT_FALSE(fs::exists(dir_ / "etc"));
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(LocalObjectStoreTest, AKeyCannotBeBothAnObjectAndADirectory) {
  PutOrDie("a", "object");
  auto below = store_->Put("lake", "a/b", "x");
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code(), Error::Code::kInvalidArgument);
  EXPECT_THAT(below.error().message(), HasSubstr("'a' is an object"));

  PutOrDie("d/e", "x");
  auto over = store_->Put("lake", "d", "x");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(*store_->Get("lake", "a"), "object");
  EXPECT_EQ(*store_->Get("lake", "d/e"), "x");
  EXPECT_THAT(TempFiles(), IsEmpty());
}

TEST_F(LocalObjectStoreTest, FilesAddedByHandAreObjects) {
  fs::create_directories(root_ / "lake/manual");
  std::ofstream(root_ / "lake/manual/data.csv") << "a,b\n";
  fs::create_symlink(root_ / "lake/manual/data.csv", root_ / "lake/manual/link");
  EXPECT_THAT(Keys(ListOrDie(ListOptions())), ElementsAre("manual/data.csv"));
  EXPECT_EQ(*store_->Get("lake", "manual/data.csv"), "a,b\n");
}

TEST_F(LocalObjectStoreTest, ConcurrentPutsAndDeletesInSharedDirectories) {
  // Deletes remove emptied directories while other threads put into them.
  constexpr int kThreads = 4;
  constexpr int kRounds = 150;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string key = fmt::format("shared/{}/t{}", i % 3, t);
        std::string data = fmt::format("{}-{}", t, i);
        if (!store_->Put("lake", key, data)) ++failures;
        auto got = store_->Get("lake", key);
        if (!got || *got != data) ++failures;
        if (!store_->Delete("lake", key)) ++failures;
        if (!store_->List("lake", Opts("shared/"))) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(ListOrDie(ListOptions()).objects, IsEmpty());
  EXPECT_FALSE(fs::exists(root_ / "lake/shared"));
}

}  // namespace
}  // namespace lakebox::storage
