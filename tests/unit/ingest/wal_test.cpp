#include "ingest/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lakebox::ingest {
namespace {

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lakebox-wal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::vector<std::string>> ReadAll(const std::filesystem::path& path, bool* torn = nullptr) {
    auto reader = WalSegmentReader::Open(path);
    EXPECT_TRUE(reader) << reader.error().ToString();
    std::vector<std::vector<std::string>> entries;
    WalEntry entry;
    while (true) {
      auto next = reader->Next(&entry);
      EXPECT_TRUE(next) << next.error().ToString();
      if (!next || !*next) break;
      entries.emplace_back(entry.records.begin(), entry.records.end());
    }
    if (torn) *torn = reader->torn_tail();
    return entries;
  }

  Status Append(WalSegmentWriter& writer, int64_t arrival, std::vector<std::string_view> records) {
    std::string entry;
    EncodeWalEntry(arrival, records, &entry);
    EXPECT_EQ(entry.size(), WalEntrySize(records));
    auto end = writer.Enqueue(entry);
    if (!end) return std::unexpected(end.error());
    return writer.WaitDurable(*end);
  }

  std::filesystem::path dir_;
};

TEST_F(WalTest, RoundTripsEntriesAndHeader) {
  auto path = WalSegmentPath(dir_, 7);
  auto writer = WalSegmentWriter::Create(path, {7, 0xabcdef, 3});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(Append(**writer, 1000, {"a\n", "", "ccc\n"}));
  ASSERT_TRUE(Append(**writer, 2000, {std::string(100000, 'x')}));
  ASSERT_TRUE((*writer)->Close());

  auto reader = WalSegmentReader::Open(path);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->header().sequence, 7u);
  EXPECT_EQ(reader->header().stream_nonce, 0xabcdefu);
  EXPECT_EQ(reader->header().version_id, 3u);
  WalEntry entry;
  ASSERT_TRUE(*reader->Next(&entry));
  EXPECT_EQ(entry.arrival_ms, 1000);
  ASSERT_EQ(entry.records.size(), 3u);
  EXPECT_EQ(entry.records[0], "a\n");
  EXPECT_EQ(entry.records[1], "");
  EXPECT_EQ(entry.records[2], "ccc\n");
  ASSERT_TRUE(*reader->Next(&entry));
  EXPECT_EQ(entry.arrival_ms, 2000);
  EXPECT_EQ(entry.records[0].size(), 100000u);
  EXPECT_FALSE(*reader->Next(&entry));
  EXPECT_FALSE(reader->torn_tail());
}

TEST_F(WalTest, ListsSegmentsInOrderAndIgnoresOtherFiles) {
  for (uint64_t seq : {3, 1, 20}) ASSERT_TRUE(WalSegmentWriter::Create(WalSegmentPath(dir_, seq), {seq, 1, 1}));
  std::ofstream(dir_ / "notes.txt") << "x";
  auto list = ListWalSegments(dir_);
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, (std::vector<uint64_t>{1, 3, 20}));
}

TEST_F(WalTest, RefusesToOverwriteAnExistingSegment) {
  auto path = WalSegmentPath(dir_, 1);
  ASSERT_TRUE(WalSegmentWriter::Create(path, {1, 1, 1}));
  EXPECT_FALSE(WalSegmentWriter::Create(path, {1, 1, 1}));
}

TEST_F(WalTest, TornTailEndsTheSegmentQuietly) {
  auto path = WalSegmentPath(dir_, 1);
  {
    auto writer = WalSegmentWriter::Create(path, {1, 1, 1});
    ASSERT_TRUE(Append(**writer, 1, {"first\n"}));
    ASSERT_TRUE(Append(**writer, 2, {"second\n"}));
    ASSERT_TRUE((*writer)->Close());
  }
  // Cut the last entry in half, as a crash in the middle of a write would.
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 5);
  bool torn = false;
  auto entries = ReadAll(path, &torn);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0][0], "first\n");
  EXPECT_TRUE(torn);
}

TEST_F(WalTest, ZeroFilledTailIsTornNotCorrupt) {
  auto path = WalSegmentPath(dir_, 1);
  {
    auto writer = WalSegmentWriter::Create(path, {1, 1, 1});
    ASSERT_TRUE(Append(**writer, 1, {"first\n"}));
    ASSERT_TRUE((*writer)->Close());
  }
  std::ofstream(path, std::ios::app | std::ios::binary) << std::string(4096, '\0');
  bool torn = false;
  auto entries = ReadAll(path, &torn);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(torn);
}

TEST_F(WalTest, CorruptionInTheMiddleIsAnError) {
  auto path = WalSegmentPath(dir_, 1);
  {
    auto writer = WalSegmentWriter::Create(path, {1, 1, 1});
    ASSERT_TRUE(Append(**writer, 1, {"first record\n"}));
    ASSERT_TRUE(Append(**writer, 2, {"second record\n"}));
    ASSERT_TRUE((*writer)->Close());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kWalHeaderSize + 8 + 12 + 4 + 2);  // inside the first record's bytes
    f.put('X');
  }
  auto reader = WalSegmentReader::Open(path);
  ASSERT_TRUE(reader);
  WalEntry entry;
  auto next = reader->Next(&entry);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code(), Error::Code::kCorruption);
}

TEST_F(WalTest, BadHeaderIsCorruption) {
  auto path = WalSegmentPath(dir_, 1);
  std::ofstream(path, std::ios::binary) << std::string(64, 'z');
  auto reader = WalSegmentReader::Open(path);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), Error::Code::kCorruption);
}

TEST_F(WalTest, ConcurrentAppendsAreAllDurableAndIntact) {
  auto path = WalSegmentPath(dir_, 1);
  auto created = WalSegmentWriter::Create(path, {1, 1, 1});
  ASSERT_TRUE(created);
  WalSegmentWriter& writer = **created;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string record = "t" + std::to_string(t) + "-" + std::to_string(i) + "\n";
        ASSERT_TRUE(Append(writer, i, {record}));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(writer.Close());
  auto entries = ReadAll(path);
  ASSERT_EQ(entries.size(), size_t{kThreads * kPerThread});
  std::set<std::string> seen;
  for (const auto& e : entries) seen.insert(e.at(0));
  EXPECT_EQ(seen.size(), size_t{kThreads * kPerThread});
}

TEST_F(WalTest, ClosedWriterRefusesAppends) {
  auto writer = WalSegmentWriter::Create(WalSegmentPath(dir_, 1), {1, 1, 1});
  ASSERT_TRUE((*writer)->Close());
  std::string entry;
  std::vector<std::string_view> records{"x"};
  EncodeWalEntry(1, records, &entry);
  EXPECT_FALSE((*writer)->Enqueue(entry));
}

}  // namespace
}  // namespace lakebox::ingest
