#include "storage/throttled_object_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/local_object_store.h"

namespace lakebox::storage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = 1 << 20;

ThrottleOptions Rate(uint64_t bytes_per_second, uint64_t burst_bytes = 0) {
  ThrottleOptions options;
  options.bytes_per_second = bytes_per_second;
  options.burst_bytes = burst_bytes;
  return options;
}

class ThrottledObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-throttle-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<ThrottledObjectStore> MakeStore(ThrottleOptions options) {
    auto local = LocalObjectStore::Open(dir_ / "s3");
    EXPECT_TRUE(local);
    auto store = std::make_unique<ThrottledObjectStore>(std::move(*local), options);
    EXPECT_TRUE(store->EnsureBucket("lake"));
    return store;
  }

  static double SecondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  fs::path dir_;
};

// Only lower bounds: a loaded machine may always be slower, never faster than the cap allows.

TEST_F(ThrottledObjectStoreTest, PutTakesAtLeastSizeOverRateMinusBurst) {
  auto store = MakeStore(Rate(4 * kMiB));  // burst: 0.4 MiB (a tenth of a second)
  std::string data(2 * kMiB, 'x');
  auto start = Clock::now();
  ASSERT_TRUE(store->Put("lake", "k", data));
  EXPECT_GE(SecondsSince(start), (2.0 - 0.4) / 4 - 0.001);
  EXPECT_EQ(*store->Get("lake", "k"), data);
}

TEST_F(ThrottledObjectStoreTest, ConcurrentWritersShareTheRate) {
  auto store = MakeStore(Rate(4 * kMiB, 256 * 1024));
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto writer = store->NewWriter("lake", "w" + std::to_string(t));
      ASSERT_TRUE(writer);
      for (int i = 0; i < 16; ++i) ASSERT_TRUE((*writer)->Append(std::string(64 * 1024, 'a' + t)));
      ASSERT_TRUE((*writer)->Commit());
    });
  }
  for (auto& thread : threads) thread.join();
  // 2 MiB in total at 4 MiB/s, less the 0.25 MiB burst.
  EXPECT_GE(SecondsSince(start), (2.0 - 0.25) / 4 - 0.001);
  EXPECT_EQ(store->Get("lake", "w0")->size(), kMiB);
  EXPECT_EQ(*store->Get("lake", "w1"), std::string(kMiB, 'b'));
}

TEST_F(ThrottledObjectStoreTest, IdleTimeBuildsUpOnlyTheBurst) {
  auto store = MakeStore(Rate(2 * kMiB, 512 * 1024));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // more idle time than the burst
  auto start = Clock::now();
  ASSERT_TRUE(store->Put("lake", "k", std::string(kMiB, 'x')));
  EXPECT_GE(SecondsSince(start), (1.0 - 0.5) / 2 - 0.001);
}

TEST_F(ThrottledObjectStoreTest, RateOnlyConstructorUsesATenthOfASecondOfBurst) {
  auto local = LocalObjectStore::Open(dir_ / "s3");
  ASSERT_TRUE(local);
  ThrottledObjectStore store(std::move(*local), 2 * kMiB);
  ASSERT_TRUE(store.EnsureBucket("lake"));
  auto start = Clock::now();
  ASSERT_TRUE(store.Put("lake", "k", std::string(kMiB, 'x')));
  EXPECT_GE(SecondsSince(start), (1.0 - 0.2) / 2 - 0.001);
}

TEST_F(ThrottledObjectStoreTest, PassesEverythingElseThrough) {
  auto store = MakeStore(Rate(0));  // no limit
  ASSERT_TRUE(store->Put("lake", "a/b", "0123456789"));
  EXPECT_EQ(*store->GetRange("lake", "a/b", 2, 3), "234");
  EXPECT_EQ(store->Head("lake", "a/b")->size, 10u);
  EXPECT_EQ(store->List("lake")->objects.size(), 1u);
  EXPECT_EQ(*store->ListBuckets(), std::vector<std::string>{"lake"});
  EXPECT_TRUE(store->Delete("lake", "a/b"));
  EXPECT_FALSE(store->Get("lake", "a/b"));
  EXPECT_FALSE(store->Put("lake", "/bad", "x"));
  {
    auto writer = store->NewWriter("lake", "dropped");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Append("x"));
  }
  EXPECT_FALSE(store->Head("lake", "dropped"));
}

}  // namespace
}  // namespace lakebox::storage
