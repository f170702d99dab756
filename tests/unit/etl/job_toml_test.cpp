#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "common/config.h"
#include "etl/job.h"
#include "test_support.h"

namespace lakebox::etl {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<std::vector<JobDefinition>> Parse(std::string_view text) {
  auto config = Config::Parse(text, "test.toml");
  if (!config) return std::unexpected(config.error());
  return JobDefinitionsFromToml(config->raw(), "test.toml");
}

std::string ErrorOf(std::string_view text) {
  auto parsed = Parse(text);
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code(), Error::Code::kInvalidArgument) << parsed.error().ToString();
  return parsed.error().message();
}

// A valid job with `extra` lines added to its table.
std::string Job(std::string_view extra) {
  return fmt::format(R"toml(
[[job]]
name = "j"
source = "vehicles.vehicles_raw"
target = "s3://lake/stage/"
{}
)toml",
                     extra);
}

TEST(JobTomlTest, ReadsTheIssuesExactForm) {
  auto jobs = Parse(R"toml(
[[job]]
name = "vehicles_to_stage"
source = "vehicles.vehicles_raw"      # a catalog table
transform = "relationalize"
target = "s3://lake/stage/"
format = "parquet"                    # parquet | json
compression = "gzip"                  # gzip | snappy | zstd | none
partition_by = ["vendor"]
bookmarks = true
)toml");
  ASSERT_OK(jobs);
  ASSERT_EQ(jobs->size(), 1u);
  const JobDefinition& j = (*jobs)[0];
  EXPECT_EQ(j.name, "vehicles_to_stage");
  EXPECT_EQ(j.source_database, "vehicles");
  EXPECT_EQ(j.source_table, "vehicles_raw");
  EXPECT_EQ(j.transform, "relationalize");
  EXPECT_EQ(j.target, "s3://lake/stage/");
  EXPECT_EQ(j.format, "parquet");
  EXPECT_EQ(j.compression, "gzip");
  EXPECT_THAT(j.partition_by, ElementsAre("vendor"));
  EXPECT_TRUE(j.bookmarks);
  EXPECT_EQ(j.separator, "_");
  EXPECT_EQ(j.filter, "");
  EXPECT_EQ(j.schedule, "");
  EXPECT_EQ(j.target_file_size_bytes, 128ll << 20);
  EXPECT_TRUE(j.mappings.empty());
}

TEST(JobTomlTest, ReadsEveryOptionalKey) {
  auto jobs = Parse(R"toml(
[[job]]
name = "flat"
description = "the seed's job"
source = "Vehicles.Vehicles_Raw"
transform = "none"
target = "s3://lake/out"
format = "json"
compression = "zstd"
bookmarks = false
separator = "."
filter = "  speed_kmh > 0 "
target_file_size_mb = 64

[[job.mappings]]
source = "vehicle_status.speed_kmh"
target = "speed_kmh"
type = "double"

[[job.mappings]]
source = "model"
drop = true

[[job]]
name = "second"
source = "a.b"
target = "s3://lake/second/"
mappings = [{ source = "x", type = "decimal(10,2)" }]
)toml");
  ASSERT_OK(jobs);
  ASSERT_EQ(jobs->size(), 2u);
  const JobDefinition& j = (*jobs)[0];
  EXPECT_EQ(j.description, "the seed's job");
  EXPECT_EQ(j.source_database, "vehicles");  // the catalog's names are lower case
  EXPECT_EQ(j.source_table, "vehicles_raw");
  EXPECT_EQ(j.transform, "none");
  EXPECT_EQ(j.target, "s3://lake/out/");  // a folder: '/' added
  EXPECT_EQ(j.format, "json");
  EXPECT_EQ(j.compression, "zstd");
  EXPECT_FALSE(j.bookmarks);
  EXPECT_EQ(j.separator, ".");
  EXPECT_EQ(j.filter, "speed_kmh > 0");
  EXPECT_EQ(j.target_file_size_bytes, 64ll << 20);
  ASSERT_EQ(j.mappings.size(), 2u);
  EXPECT_EQ(j.mappings[0].source, "vehicle_status.speed_kmh");
  EXPECT_EQ(j.mappings[0].target, "speed_kmh");
  EXPECT_EQ(j.mappings[0].type, "double");
  EXPECT_FALSE(j.mappings[0].drop);
  EXPECT_EQ(j.mappings[1].source, "model");
  EXPECT_FALSE(j.mappings[1].target);
  EXPECT_FALSE(j.mappings[1].type);
  EXPECT_TRUE(j.mappings[1].drop);
  const JobDefinition& second = (*jobs)[1];
  EXPECT_EQ(second.name, "second");
  ASSERT_EQ(second.mappings.size(), 1u);
  EXPECT_EQ(second.mappings[0].type, "decimal(10,2)");
}

TEST(JobTomlTest, NoJobsIsEmpty) {
  auto jobs = Parse("[log]\nlevel = \"info\"\n");
  ASSERT_OK(jobs);
  EXPECT_TRUE(jobs->empty());
}

TEST(JobTomlTest, RefusesUnknownValuesListingTheValidOnes) {
  EXPECT_EQ(ErrorOf(Job("transform = \"flatten\"")),
            "test.toml: job \"j\": transform: \"flatten\" is not one of relationalize, none");
  EXPECT_EQ(ErrorOf(Job("format = \"csv\"")), "test.toml: job \"j\": format: \"csv\" is not one of parquet, json");
  EXPECT_EQ(ErrorOf(Job("compression = \"lz4\"")),
            "test.toml: job \"j\": compression: \"lz4\" is not one of gzip, snappy, zstd, none");
  EXPECT_EQ(ErrorOf(Job("format = \"json\"\ncompression = \"snappy\"")),
            "test.toml: job \"j\": compression: \"snappy\" is not one of gzip, zstd, none (the compressions of "
            "format = \"json\")");
  EXPECT_EQ(ErrorOf(Job("format = \"json\"\ncompression = \"gzip\"")), "parsed");
  EXPECT_EQ(ErrorOf(Job("format = \"parquet\"\ncompression = \"snappy\"")), "parsed");
}

TEST(JobTomlTest, RefusesMissingRequiredKeys) {
  EXPECT_THAT(ErrorOf("[[job]]\nsource = \"a.b\"\ntarget = \"s3://lake/x/\"\n"),
              AllOf(HasSubstr("test.toml: job #1: name: is required"), HasSubstr("name = \"vehicles_to_stage\"")));
  EXPECT_THAT(ErrorOf("[[job]]\nname = \"j\"\ntarget = \"s3://lake/x/\"\n"),
              AllOf(HasSubstr("test.toml: job \"j\": source: is required"), HasSubstr("vehicles.vehicles_raw")));
  EXPECT_THAT(ErrorOf("[[job]]\nname = \"j\"\nsource = \"a.b\"\n"),
              AllOf(HasSubstr("test.toml: job \"j\": target: is required"), HasSubstr("s3://lake/stage/")));
  EXPECT_THAT(ErrorOf("[[job]]\nname = \"\"\nsource = \"a.b\"\ntarget = \"s3://lake/x/\"\n"),
              HasSubstr("job #1: name: is required"));
}

TEST(JobTomlTest, RefusesBadSourcesAndTargets) {
  for (std::string_view source : {"vehicles_raw", ".t", "db.", "a.b.c", "a b.c"}) {
    EXPECT_THAT(ErrorOf(fmt::format("[[job]]\nname = \"j\"\nsource = \"{}\"\ntarget = \"s3://lake/x/\"\n", source)),
                AllOf(HasSubstr("job \"j\": source: "), HasSubstr("must be \"<database>.<table>\"")))
        << source;
  }
  for (std::string_view target : {"/tmp/stage", "s3:/lake/stage", "s3://Bad_Bucket/stage/", "http://lake/stage/"}) {
    EXPECT_THAT(ErrorOf(fmt::format("[[job]]\nname = \"j\"\nsource = \"a.b\"\ntarget = \"{}\"\n", target)),
                AllOf(HasSubstr("job \"j\": target: "), HasSubstr("e.g. target = \"s3://lake/stage/\"")))
        << target;
  }
  // Child tables go next to the target, so the bucket itself is no target.
  for (std::string_view target : {"s3://lake", "s3://lake/"}) {
    EXPECT_THAT(ErrorOf(fmt::format("[[job]]\nname = \"j\"\nsource = \"a.b\"\ntarget = \"{}\"\n", target)),
                HasSubstr("job \"j\": target: \"" + std::string(target) + "\" must name a folder inside the bucket"));
  }
}

TEST(JobTomlTest, RefusesUnknownKeysAndWrongTypes) {
  EXPECT_THAT(ErrorOf(Job("compresion = \"gzip\"")),
              AllOf(HasSubstr("test.toml: job \"j\".compresion: unknown key"), HasSubstr("compression")));
  EXPECT_THAT(ErrorOf("[[job]]\nnmae = \"j\"\n"), HasSubstr("test.toml: job #1.nmae: unknown key"));
  EXPECT_EQ(ErrorOf(Job("bookmarks = \"yes\"")), "test.toml: job \"j\": bookmarks: must be true or false");
  EXPECT_EQ(ErrorOf(Job("format = 1")), "test.toml: job \"j\": format: must be a string");
  EXPECT_EQ(ErrorOf("[[job]]\nname = 7\n"), "test.toml: job #1: name: must be a string");
  EXPECT_THAT(ErrorOf(Job("partition_by = \"vendor\"")),
              HasSubstr("job \"j\": partition_by: must be a list of output column names, e.g. partition_by = "
                        "[\"vendor\"]"));
  EXPECT_THAT(ErrorOf(Job("partition_by = [1]")), HasSubstr("partition_by: must be a list"));
  EXPECT_THAT(ErrorOf(Job("partition_by = [\"vendor\", \"Vendor\"]")),
              HasSubstr("partition_by: \"Vendor\" is listed twice"));
  EXPECT_EQ(ErrorOf(Job("target_file_size_mb = \"128MB\"")),
            "test.toml: job \"j\": target_file_size_mb: must be an integer number of MiB");
  EXPECT_EQ(ErrorOf(Job("target_file_size_mb = 0")),
            "test.toml: job \"j\": target_file_size_mb: 0 is out of range 1..10240");
  EXPECT_THAT(ErrorOf(Job("separator = \"/\"")), HasSubstr("job \"j\": separator: \"/\" must be 1 to 8 of"));
  EXPECT_THAT(ErrorOf(Job("separator = \"\"")), HasSubstr("separator: \"\" must be"));
  EXPECT_THAT(ErrorOf("job = { name = \"j\" }\n"), HasSubstr("test.toml: job: declare jobs as [[job]] tables"));
}

TEST(JobTomlTest, RefusesBadMappings) {
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\ntarget = \"x\"")),
              HasSubstr("job \"j\": mappings[0].source: is required"));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"\ntype = \"float8\"")),
              AllOf(HasSubstr("job \"j\": mappings[0].type: \"float8\" is not a Hive type"),
                    HasSubstr("decimal(10,2)")));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"\ndrop = true\ntarget = \"b\"")),
              HasSubstr("job \"j\": mappings[0]: drop = true removes the column"));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"")), HasSubstr("mappings[0]: does nothing"));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"\nrename = \"b\"")),
              HasSubstr("job \"j\": mappings[0].rename: unknown key"));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"\ndrop = 1")),
              HasSubstr("mappings[0].drop: must be true or false"));
  EXPECT_THAT(ErrorOf(Job("[[job.mappings]]\nsource = \"a\"\ndrop = true\n[[job.mappings]]\nsource = \"A\"\n"
                          "target = \"b\"")),
              HasSubstr("mappings[1].source: \"A\" is mapped twice"));
  EXPECT_THAT(ErrorOf(Job("mappings = \"a:b\"")), HasSubstr("job \"j\": mappings: must be [[job.mappings]] tables"));
}

TEST(JobTomlTest, RefusesDuplicateNames) {
  EXPECT_EQ(ErrorOf(Job("") + Job("")),
            "test.toml: job \"j\": name: another [[job]] has the same name; job names must be unique");
}

// Schedules are checked by schedule::ScheduleExpression::Parse (its own tests cover the syntax).
TEST(JobTomlScheduleTest, AcceptsValidSchedulesAndRefusesInvalidOnes) {
  auto jobs = Parse(Job("schedule = \"rate(5 minutes)\""));
  ASSERT_OK(jobs);
  EXPECT_EQ((*jobs)[0].schedule, "rate(5 minutes)");
  ASSERT_OK(Parse(Job("schedule = \"cron(0 * * * ? *)\"")));
  EXPECT_THAT(ErrorOf(Job("schedule = \"every 5 minutes\"")), HasSubstr("test.toml: job \"j\": schedule: "));
  EXPECT_THAT(ErrorOf(Job("schedule = \"rate(1 minutes)\"")), HasSubstr("job \"j\": schedule: "));
  EXPECT_EQ(ErrorOf(Job("schedule = 5")), "test.toml: job \"j\": schedule: must be a string");
}

}  // namespace
}  // namespace lakebox::etl
