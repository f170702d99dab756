#include "common/file_util.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lakebox {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lakebox-fileutil-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Names(const fs::path& dir) {
    auto entries = ReadDir(dir);
    EXPECT_TRUE(entries);
    std::vector<std::string> names;
    for (const DirEntry& e : *entries) names.push_back(e.name);
    return names;
  }

  fs::path dir_;
};

TEST_F(FileUtilTest, WriteFileAtomicCreatesAndReplaces) {
  fs::path path = dir_ / "state.json";
  ASSERT_TRUE(WriteFileAtomic(path, "one"));
  EXPECT_EQ(*ReadFile(path), "one");
  ASSERT_TRUE(WriteFileAtomic(path, std::string("t\0o", 3)));
  EXPECT_EQ(*ReadFile(path), std::string("t\0o", 3));
  EXPECT_THAT(Names(dir_), ElementsAre("state.json"));  // no temp file left behind
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::owner_read, fs::perms::owner_read);
}

TEST_F(FileUtilTest, WriteFileAtomicFailsCleanlyWithoutTheDirectory) {
  auto status = WriteFileAtomic(dir_ / "missing" / "f", "x");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Error::Code::kNotFound);
  EXPECT_THAT(status.error().message(), ::testing::HasSubstr("missing/f"));
}

TEST_F(FileUtilTest, RemoveStaleTempFilesRemovesOnlyTemps) {
  std::ofstream(dir_ / ".state.json.lakebox-tmp.123.0") << "partial";
  std::ofstream(dir_ / "state.json") << "kept";
  std::ofstream(dir_ / ".hidden") << "kept";
  EXPECT_TRUE(IsTempFileName(".state.json.lakebox-tmp.123.0"));
  EXPECT_FALSE(IsTempFileName("state.json"));
  EXPECT_FALSE(IsTempFileName("x.lakebox-tmp.1.2"));
  ASSERT_TRUE(RemoveStaleTempFiles(dir_));
  EXPECT_THAT(Names(dir_), ElementsAre(".hidden", "state.json"));
}

TEST_F(FileUtilTest, ReadFileErrors) {
  auto missing = ReadFile(dir_ / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Error::Code::kNotFound);
  auto directory = ReadFile(dir_);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code(), Error::Code::kIo);
}

TEST_F(FileUtilTest, CreateDirsMakesTheWholeChainAndIsIdempotent) {
  fs::path deep = dir_ / "a" / "b" / "c";
  ASSERT_TRUE(CreateDirs(deep));
  EXPECT_TRUE(fs::is_directory(deep));
  ASSERT_TRUE(CreateDirs(deep));
  ASSERT_TRUE(CreateDirs(dir_ / "a" / "b" / "d/"));  // trailing slash
  EXPECT_TRUE(fs::is_directory(dir_ / "a/b/d"));

  std::ofstream(dir_ / "file") << "x";
  auto blocked = CreateDirs(dir_ / "file" / "sub");
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code(), Error::Code::kIo);
  EXPECT_THAT(blocked.error().message(), ::testing::HasSubstr("not a directory"));
}

TEST_F(FileUtilTest, ReadDirIsSortedAndTyped) {
  fs::create_directory(dir_ / "b-dir");
  std::ofstream(dir_ / "a-file") << "x";
  std::ofstream(dir_ / "C") << "x";
  fs::create_symlink(dir_ / "a-file", dir_ / "link");
  auto entries = ReadDir(dir_);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].name, "C");
  EXPECT_EQ((*entries)[1].name, "a-file");
  EXPECT_EQ((*entries)[1].type, FileType::kRegular);
  EXPECT_EQ((*entries)[2].name, "b-dir");
  EXPECT_EQ((*entries)[2].type, FileType::kDirectory);
  EXPECT_EQ((*entries)[3].type, FileType::kOther);
  EXPECT_EQ(ReadDir(dir_ / "nope").error().code(), Error::Code::kNotFound);
}

TEST_F(FileUtilTest, RenameDurableReplacesTheTarget) {
  ASSERT_TRUE(WriteFileAtomic(dir_ / "from", "new"));
  ASSERT_TRUE(WriteFileAtomic(dir_ / "to", "old"));
  ASSERT_TRUE(RenameDurable(dir_ / "from", dir_ / "to"));
  EXPECT_EQ(*ReadFile(dir_ / "to"), "new");
  EXPECT_FALSE(fs::exists(dir_ / "from"));
  EXPECT_EQ(RenameDurable(dir_ / "from", dir_ / "to").error().code(), Error::Code::kNotFound);
}

TEST_F(FileUtilTest, UniqueFdOwnsAndMovesTheDescriptor) {
  auto opened = UniqueFd::Open(dir_ / "f", O_WRONLY | O_CREAT, 0644);
  ASSERT_TRUE(opened);
  UniqueFd fd = std::move(*opened);
  EXPECT_FALSE(opened->valid());
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(WriteAll(fd.get(), "hello", dir_ / "f"));
  ASSERT_TRUE(SyncFd(fd.get(), dir_ / "f"));
  int raw = fd.get();
  ASSERT_TRUE(fd.Close());
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // really closed
  EXPECT_TRUE(fd.Close());               // closing again is a no-op

  auto reader = UniqueFd::Open(dir_ / "f", O_RDONLY);
  ASSERT_TRUE(reader);
  std::string buf(3, '\0');
  ASSERT_TRUE(ReadExactAt(reader->get(), 1, buf, dir_ / "f"));
  EXPECT_EQ(buf, "ell");
  std::string too_long(10, '\0');
  auto short_read = ReadExactAt(reader->get(), 0, too_long, dir_ / "f");
  ASSERT_FALSE(short_read);
  EXPECT_EQ(short_read.error().code(), Error::Code::kIo);
}

TEST_F(FileUtilTest, FreeDiskBytes) {
  auto free_bytes = FreeDiskBytes(dir_);
  ASSERT_TRUE(free_bytes);
  EXPECT_GT(*free_bytes, 0u);
  EXPECT_EQ(FreeDiskBytes(dir_ / "nope").error().code(), Error::Code::kNotFound);
}

}  // namespace
}  // namespace lakebox
