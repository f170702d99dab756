#include "storage/object_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lakebox::storage {
namespace {

TEST(ValidateBucketNameTest, AcceptsS3Names) {
  const std::vector<std::string> names = {"lake",  "abc",       "my-bucket.logs-2026", "1bucket",
                                          "a.b.c", "192.168.5", std::string(63, 'b')};
  for (const std::string& name : names) EXPECT_TRUE(ValidateBucketName(name)) << name;
}

TEST(ValidateBucketNameTest, RejectsNamesS3Rejects) {
  const std::vector<std::string> names = {"",
                                          "ab",
                                          "Lake",
                                          "under_score",
                                          ".tmp",
                                          "-lake",
                                          "lake-",
                                          "lake.",
                                          "a..b",
                                          "192.168.5.4",
                                          "sp ace",
                                          "slash/y",
                                          std::string(64, 'b')};
  for (const std::string& name : names) {
    auto status = ValidateBucketName(name);
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().code(), Error::Code::kInvalidArgument);
    EXPECT_NE(status.error().message().find("InvalidBucketName"), std::string::npos);
  }
}

TEST(ValidateObjectKeyTest, AcceptsOrdinaryKeys) {
  const std::vector<std::string> keys = {"a",
                                         "raw/year=2026/month=11/part-0001.json.gz",
                                         "..a",
                                         "a..b/c",
                                         ".hidden",
                                         "a/.b",
                                         "spaces and ünïcode/é",
                                         "a\\b",
                                         "x:y*z?"};
  for (const std::string& key : keys) EXPECT_TRUE(ValidateObjectKey(key)) << key;
  EXPECT_TRUE(ValidateObjectKey(std::string(255, 'k')));
  std::string long_key;
  while (long_key.size() < 1024) long_key += std::string(200, 'k') + "/";
  long_key.resize(1024);
  EXPECT_TRUE(ValidateObjectKey(long_key));
}

TEST(ValidateObjectKeyTest, RejectsKeysThatWouldEscapeOrAlias) {
  const std::vector<std::string> keys = {
      "",  "/abs",   "a//b",  "dir/",  "..",
      ".", "a/../b", "a/./b", "../up", std::string("nul\0byte", 8)};
  for (const std::string& key : keys) {
    auto status = ValidateObjectKey(key);
    ASSERT_FALSE(status) << key;
    EXPECT_EQ(status.error().code(), Error::Code::kInvalidArgument);
  }
  EXPECT_FALSE(ValidateObjectKey(std::string(1025, 'k')));  // S3's limit
  EXPECT_FALSE(ValidateObjectKey(std::string(256, 'k')));   // one segment over NAME_MAX
}

TEST(ObjectStoreErrorsTest, NoSuchBucketIsTellableFromNoSuchKey) {
  Error bucket = NoSuchBucketError("lake");
  Error key = NoSuchKeyError("lake", "NoSuchBucket");
  EXPECT_EQ(bucket.code(), Error::Code::kNotFound);
  EXPECT_EQ(key.code(), Error::Code::kNotFound);
  EXPECT_TRUE(IsNoSuchBucket(bucket));
  EXPECT_FALSE(IsNoSuchBucket(key));
  EXPECT_FALSE(IsNoSuchBucket(Error::Io("NoSuchBucket")));
}

}  // namespace
}  // namespace lakebox::storage
