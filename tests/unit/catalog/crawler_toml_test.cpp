#include "catalog/crawler_toml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config.h"

namespace lakebox::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<std::vector<CrawlerDefinition>> Parse(std::string_view text) {
  auto config = Config::Parse(text, "test.toml");
  if (!config) return std::unexpected(config.error());
  return CrawlerDefinitionsFromToml(config->raw(), "test.toml", "123456789012");
}

std::string ErrorOf(std::string_view text) {
  auto parsed = Parse(text);
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code(), Error::Code::kInvalidArgument) << parsed.error().ToString();
  return parsed.error().message();
}

TEST(CrawlerTomlTest, ReadsEveryKey) {
  auto crawlers = Parse(R"toml(
[[crawler]]
name = "vehicles"
database = "vehicles"
role = "arn:aws:iam::123456789012:role/crawler"
targets = [{ path = "s3://lake/raw/", exclusions = ["**.tmp", "errors/**"], sample_size = 10 }, "s3://lake/more"]
table_prefix = "vehicles_"
schedule = "cron(0 * * * ? *)"
update_behavior = "LOG"
delete_behavior = "DELETE_FROM_DATABASE"
recrawl_behavior = "CRAWL_NEW_FOLDERS_ONLY"
description = "the seed's raw records"
)toml");
  ASSERT_TRUE(crawlers) << crawlers.error().ToString();
  ASSERT_EQ(crawlers->size(), 1u);
  const CrawlerDefinition& c = (*crawlers)[0];
  EXPECT_EQ(c.name, "vehicles");
  EXPECT_EQ(c.database, "vehicles");
  EXPECT_EQ(c.role, "arn:aws:iam::123456789012:role/crawler");
  ASSERT_EQ(c.targets.size(), 2u);
  EXPECT_EQ(c.targets[0].path, "s3://lake/raw/");
  EXPECT_THAT(c.targets[0].exclusions, ElementsAre("**.tmp", "errors/**"));
  EXPECT_EQ(c.targets[0].sample_size, 10);
  EXPECT_EQ(c.targets[1].path, "s3://lake/more");
  EXPECT_FALSE(c.targets[1].sample_size);
  EXPECT_EQ(c.table_prefix, "vehicles_");
  EXPECT_EQ(c.schedule, "cron(0 * * * ? *)");
  EXPECT_EQ(c.update_behavior, UpdateBehavior::kLog);
  EXPECT_EQ(c.delete_behavior, DeleteBehavior::kDeleteFromDatabase);
  EXPECT_EQ(c.recrawl_behavior, RecrawlBehavior::kCrawlNewFoldersOnly);
  EXPECT_EQ(c.description, "the seed's raw records");
}

TEST(CrawlerTomlTest, Defaults) {
  auto crawlers = Parse(R"(
[[crawler]]
name = "a"
targets = ["s3://lake/raw/"]

[[crawler]]
name = "b"
targets = ["s3://lake/stage/"]
)");
  ASSERT_TRUE(crawlers) << crawlers.error().ToString();
  ASSERT_EQ(crawlers->size(), 2u);
  const CrawlerDefinition& a = (*crawlers)[0];
  EXPECT_EQ(a.database, "default");
  EXPECT_EQ(a.role, "arn:aws:iam::123456789012:role/lakebox");
  EXPECT_EQ(a.update_behavior, UpdateBehavior::kUpdateInDatabase);
  EXPECT_EQ(a.delete_behavior, DeleteBehavior::kDeprecateInDatabase);
  EXPECT_EQ(a.recrawl_behavior, RecrawlBehavior::kCrawlEverything);
  EXPECT_EQ(a.table_prefix, "");
  EXPECT_EQ(a.schedule, "");
  EXPECT_EQ((*crawlers)[1].name, "b");
  EXPECT_TRUE(Parse("")->empty());
}

TEST(CrawlerTomlTest, RejectsMistakesNamingTheKey) {
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [\"s3://lake/x/\"]\ntable_prefx = \"x\"\n"),
              HasSubstr("crawler.table_prefx: unknown key"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [{ path = \"s3://lake/x/\", exclusion = [] }]\n"),
              HasSubstr("crawler.targets[0].exclusion: unknown key"));
  EXPECT_THAT(ErrorOf("[[crawler]]\ntargets = [\"s3://lake/x/\"]\n"), HasSubstr("name: is required"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\n"), HasSubstr("crawler \"a\": targets: is required"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = []\n"), HasSubstr("targets: is required"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = \"s3://lake/x/\"\n"), HasSubstr("targets: is required"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [3]\n"), HasSubstr("targets[0]: must be an S3 path"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [\"lake/x\"]\n"), HasSubstr("targets[0]: S3 target path"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [{ path = \"s3://lake/x/\", exclusions = [\"[x\"] }]\n"),
              HasSubstr("targets[0]: exclusion pattern \"[x\""));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [{ path = \"s3://lake/x/\", sample_size = 250 }]\n"),
              HasSubstr("targets[0].sample_size: must be an integer from 1 to 249"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [{ exclusions = [] }]\n"), HasSubstr("needs path"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [\"s3://lake/x/\"]\nupdate_behavior = \"MERGE\"\n"),
              HasSubstr("update_behavior: UpdateBehavior \"MERGE\" is not one of LOG, UPDATE_IN_DATABASE"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [\"s3://lake/x/\"]\ndelete_behavior = \"NONE\"\n"),
              HasSubstr("delete_behavior"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = \"a\"\ntargets = [\"s3://lake/x/\"]\nrecrawl_behavior = \"X\"\n"),
              HasSubstr("recrawl_behavior"));
  EXPECT_THAT(ErrorOf("[[crawler]]\nname = 7\ntargets = [\"s3://lake/x/\"]\n"), HasSubstr("name: must be a string"));
  EXPECT_THAT(ErrorOf("[crawler]\nname = \"a\"\n"), HasSubstr("declare crawlers as [[crawler]] tables"));
}

}  // namespace
}  // namespace lakebox::catalog
