#include "schedule/schedule_toml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config.h"
#include "test_support.h"

namespace lakebox::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<ScheduleConfig> Parse(std::string_view text) {
  auto config = Config::Parse(text, "test.toml");
  if (!config) return std::unexpected(config.error());
  return ScheduleConfigFromToml(config->raw(), "test.toml");
}

std::string ErrorOf(std::string_view text) {
  auto parsed = Parse(text);
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code(), Error::Code::kInvalidArgument) << parsed.error().ToString();
  return parsed.error().message();
}

constexpr std::string_view kSeedPipeline = R"toml(
[[schedule]]
name = "producer"
expression = "rate(1 minute)"
stream = "vehicles"
records = 2000

[[schedule]]
name = "nightly"
expression = "cron(0 2 * * ? *)"
stream = "vehicles"

[[workflow]]
name = "vehicles_pipeline"
schedule = "rate(5 minutes)"
steps = [ { produce = "producer" }, { crawl = "vehicles_raw" }, { job = "vehicles_to_stage" }, { crawl = "vehicles_stage" } ]

[[workflow]]
name = "on_demand"
steps = [ { job = "vehicles_to_stage" } ]
)toml";

TEST(ScheduleTomlTest, ReadsSchedulesAndWorkflows) {
  auto config = Parse(kSeedPipeline);
  ASSERT_OK(config);
  ASSERT_EQ(config->schedules.size(), 2u);
  const ProducerSchedule& producer = config->schedules[0];
  EXPECT_EQ(producer.name, "producer");
  EXPECT_EQ(producer.expression.text(), "rate(1 minute)");
  EXPECT_EQ(producer.stream, "vehicles");
  EXPECT_EQ(producer.records, 2000);
  EXPECT_EQ(config->schedules[1].records, 5000);  // the seed's Lambda
  EXPECT_EQ(config->schedules[1].expression.text(), "cron(0 2 * * ? *)");

  ASSERT_EQ(config->workflows.size(), 2u);
  const WorkflowDefinition& pipeline = config->workflows[0];
  EXPECT_EQ(pipeline.name, "vehicles_pipeline");
  ASSERT_TRUE(pipeline.schedule);
  EXPECT_EQ(pipeline.schedule->text(), "rate(5 minutes)");
  EXPECT_THAT(pipeline.steps,
              ElementsAre(WorkflowStep{StepKind::kProduce, "producer"}, WorkflowStep{StepKind::kCrawl, "vehicles_raw"},
                          WorkflowStep{StepKind::kJob, "vehicles_to_stage"},
                          WorkflowStep{StepKind::kCrawl, "vehicles_stage"}));
  EXPECT_FALSE(config->workflows[1].schedule);
}

TEST(ScheduleTomlTest, NoSectionsIsEmpty) {
  auto config = Parse("[server]\nlisten = \"127.0.0.1:4566\"\n");
  ASSERT_OK(config);
  EXPECT_TRUE(config->schedules.empty());
  EXPECT_TRUE(config->workflows.empty());
}

TEST(ScheduleTomlTest, ScheduleErrors) {
  EXPECT_EQ(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\nrecods = 5\n"),
            "test.toml: schedule \"p\": recods: unknown key (valid keys here: name, expression, stream, records)");
  EXPECT_EQ(ErrorOf("[[schedule]]\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"),
            "test.toml: schedule #1: name: is required: the schedule's name, e.g. name = \"producer\"");
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = 5\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"),
              HasSubstr("schedule #1: name: must be a string"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"),
              HasSubstr("schedule #1: name: must not be empty"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nstream = \"s\"\n"),
              HasSubstr("schedule \"p\": expression: is required: when to run, e.g. expression = \"rate(1 minute)\""));
  EXPECT_EQ(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minutes)\"\nstream = \"s\"\n"),
            "test.toml: schedule \"p\": expression: rate(1 minutes): use the singular unit for 1: rate(1 minute)");
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"cron(0 * * * * *)\"\nstream = \"s\"\n"),
              HasSubstr("schedule \"p\": expression: cron(0 * * * * *): Day-of-month and Day-of-week cannot both "
                        "be specified"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\n"),
              HasSubstr("schedule \"p\": stream: is required: the delivery stream to put to"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\nrecords = 0\n"),
              HasSubstr("schedule \"p\": records: must be an integer from 1 to 100000000"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\nrecords = \"5\"\n"),
              HasSubstr("records: must be an integer"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"
                      "[[schedule]]\nname = \"p\"\nexpression = \"rate(2 minutes)\"\nstream = \"s\"\n"),
              HasSubstr("schedule \"p\": name: another [[schedule]] has this name"));
  EXPECT_THAT(ErrorOf("[schedule]\nname = \"p\"\n"),
              HasSubstr("test.toml: schedule: declare each one as a [[schedule]] table (double brackets)"));
}

TEST(ScheduleTomlTest, WorkflowErrors) {
  EXPECT_EQ(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { job = \"j\" } ]\nshedule = \"rate(5 minutes)\"\n"),
            "test.toml: workflow \"w\": shedule: unknown key (valid keys here: name, schedule, steps)");
  EXPECT_THAT(ErrorOf("[[workflow]]\nsteps = [ { job = \"j\" } ]\n"), HasSubstr("workflow #1: name: is required"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nschedule = \"every hour\"\nsteps = [ { job = \"j\" } ]\n"),
              HasSubstr("workflow \"w\": schedule: every hour: a schedule expression is rate("));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nschedule = 5\nsteps = [ { job = \"j\" } ]\n"),
              HasSubstr("workflow \"w\": schedule: must be a string"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\n"),
              HasSubstr("workflow \"w\": steps: is required: a list of steps"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = []\n"), HasSubstr("steps: is required"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = \"crawl\"\n"), HasSubstr("steps: is required"));
  EXPECT_EQ(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { job = \"j\" }, { crawler = \"c\" } ]\n"),
            "test.toml: workflow \"w\": steps[1]: unknown key 'crawler'; a step is exactly one of "
            "{ produce = \"<schedule name>\" }, { crawl = \"<crawler name>\" } or { job = \"<job name>\" }");
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { job = \"j\", crawl = \"c\" } ]\n"),
              HasSubstr("steps[0]: a step is exactly one of"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ \"j\" ]\n"),
              HasSubstr("steps[0]: a step is exactly one of"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ {} ]\n"), HasSubstr("steps[0]: a step is exactly one of"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { job = 3 } ]\n"),
              HasSubstr("steps[0].job: must be the name of a [[job]] as a string"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { crawl = \"\" } ]\n"),
              HasSubstr("steps[0].crawl: must be the name of a [[crawler]]"));
  EXPECT_THAT(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { job = \"j\" } ]\n"
                      "[[workflow]]\nname = \"w\"\nsteps = [ { job = \"j\" } ]\n"),
              HasSubstr("workflow \"w\": name: another [[workflow]] has this name"));
  EXPECT_THAT(ErrorOf("[workflow]\nname = \"w\"\n"), HasSubstr("declare each one as a [[workflow]] table"));
}

TEST(ScheduleTomlTest, ProduceStepsNameASchedule) {
  EXPECT_EQ(ErrorOf("[[workflow]]\nname = \"w\"\nsteps = [ { produce = \"producer\" } ]\n"),
            "test.toml: workflow \"w\": steps[0]: produce = \"producer\" names no [[schedule]]; declare one with "
            "[[schedule]] name = \"producer\"");
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"
                      "[[workflow]]\nname = \"w\"\nsteps = [ { crawl = \"c\" }, { produce = \"producer\" } ]\n"),
              HasSubstr("steps[1]: produce = \"producer\" names no [[schedule]]; known schedules: p"));
  EXPECT_THAT(ErrorOf("[[schedule]]\nname = \"p\"\nexpression = \"rate(1 minute)\"\nstream = \"s\"\n"
                      "[[workflow]]\nname = \"p\"\nsteps = [ { crawl = \"c\" } ]\n"),
              HasSubstr("workflow \"p\": name: a [[schedule]] has this name too"));
}

TEST(ScheduleTomlTest, CheckWorkflowReferences) {
  auto config = Parse(kSeedPipeline);
  ASSERT_OK(config);
  std::vector<std::string> crawlers = {"vehicles_raw", "vehicles_stage"}, jobs = {"vehicles_to_stage"};
  ASSERT_OK(CheckWorkflowReferences(config->workflows, crawlers, jobs, "test.toml"));

  auto missing_crawler = CheckWorkflowReferences(config->workflows, {"vehicles_raw", "other"}, jobs, "test.toml");
  ASSERT_FALSE(missing_crawler);
  EXPECT_EQ(missing_crawler.error().code(), Error::Code::kInvalidArgument);
  EXPECT_EQ(missing_crawler.error().message(),
            "test.toml: workflow \"vehicles_pipeline\": steps[3]: crawl = \"vehicles_stage\" names no crawler; known "
            "crawlers: vehicles_raw, other");
  auto no_jobs = CheckWorkflowReferences(config->workflows, crawlers, {}, "test.toml");
  ASSERT_FALSE(no_jobs);
  EXPECT_THAT(no_jobs.error().message(),
              HasSubstr("steps[2]: job = \"vehicles_to_stage\" names no job; none is declared: add a [[job]] table "
                        "named \"vehicles_to_stage\""));
}

// --- RunWorkflow -------------------------------------------------------------------------

WorkflowDefinition Pipeline() {
  auto config = Parse(kSeedPipeline);
  EXPECT_TRUE(config);
  return config->workflows[0];
}

TEST(WorkflowTest, RunsStepsInOrder) {
  std::vector<std::string> ran;
  ASSERT_OK(RunWorkflow(
      Pipeline(),
      [&](const WorkflowStep& step, std::stop_token) {
        ran.push_back(fmt::format("{} {}", StepKindName(step.kind), step.target));
        return Ok();
      },
      std::stop_token()));
  EXPECT_THAT(ran,
              ElementsAre("produce producer", "crawl vehicles_raw", "job vehicles_to_stage", "crawl vehicles_stage"));
}

TEST(WorkflowTest, StopsAtTheFirstFailure) {
  std::vector<std::string> ran;
  Status result = RunWorkflow(
      Pipeline(),
      [&](const WorkflowStep& step, std::stop_token) -> Status {
        ran.push_back(step.target);
        if (step.target == "vehicles_raw") return std::unexpected(Error::EntityNotFound("no such bucket"));
        return Ok();
      },
      std::stop_token());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), Error::Code::kEntityNotFound);
  EXPECT_EQ(result.error().message(), "workflow vehicles_pipeline: step 2 of 4 (crawl vehicles_raw): no such bucket");
  EXPECT_THAT(ran, ElementsAre("producer", "vehicles_raw"));
}

TEST(WorkflowTest, StopRequestedBetweenStepsStartsNoMore) {
  std::stop_source stop;
  std::vector<std::string> ran;
  Status result = RunWorkflow(
      Pipeline(),
      [&](const WorkflowStep& step, std::stop_token) {
        ran.push_back(step.target);
        stop.request_stop();
        return Ok();
      },
      stop.get_token());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), Error::Code::kServiceUnavailable);
  EXPECT_THAT(result.error().message(), HasSubstr("step 2 of 4 (crawl vehicles_raw): not started"));
  EXPECT_THAT(ran, ElementsAre("producer"));
}

}  // namespace
}  // namespace lakebox::schedule
