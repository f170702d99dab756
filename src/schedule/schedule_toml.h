// [[schedule]] and [[workflow]] tables of lakebox.toml (docs/schedules.md).
//
//   [[schedule]]                     # run the vehicle producer on a schedule: the seed's
//   name = "producer"                # CloudWatch Events rule triggering its Lambda. Required.
//   expression = "rate(1 minute)"    # required; see schedule_expression.h
//   stream = "vehicles"              # required: the delivery stream to put to
//   records = 5000                   # records per run; default 5000 (the seed's Lambda)
//
//   [[workflow]]                     # a Glue workflow: steps in order, each when the previous succeeded
//   name = "vehicles_pipeline"       # required
//   schedule = "rate(5 minutes)"     # optional: without it the workflow runs only on demand
//   steps = [ { produce = "producer" }, { crawl = "vehicles_raw" }, { job = "vehicles_to_stage" },
//             { crawl = "vehicles_stage" } ]
//
// Names of crawlers and jobs belong to other components: CheckWorkflowReferences checks them
// against the names the caller knows, once every section is loaded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"
#include "schedule/schedule_expression.h"
#include "schedule/workflow.h"

namespace lakebox::schedule {

// A producer run on a schedule.
struct ProducerSchedule {
  static constexpr int64_t kDefaultRecords = 5000;
  static constexpr int64_t kMaxRecords = 100'000'000;

  std::string name;
  ScheduleExpression expression;
  std::string stream;
  int64_t records = kDefaultRecords;
};

struct ScheduleConfig {
  std::vector<ProducerSchedule> schedules;
  std::vector<WorkflowDefinition> workflows;
};

// Reads every [[schedule]] and [[workflow]] table of `root` (a parsed lakebox.toml; `source` is its
// name for messages). InvalidArgument naming the source, the entry and the key, with the fix, for:
// a section not written as an array of tables, unknown keys, wrong types, missing required keys,
// empty names, expressions that do not parse, records out of 1-100000000, a step that is not
// exactly one of produce/crawl/job, a workflow without steps, duplicate names (a schedule and a
// workflow may not share one either: both become Scheduler tasks), and a produce step naming no
// [[schedule]]. Crawler and job names are not checked here (see CheckWorkflowReferences).
Result<ScheduleConfig> ScheduleConfigFromToml(const toml::table& root, std::string_view source);

// InvalidArgument for the first crawl or job step whose target is not among `crawlers` / `jobs`
// (the names declared in [[crawler]] / [[job]] or existing in the catalog), listing the known ones:
//   lakebox.toml: workflow "vehicles_pipeline": steps[1]: crawl = "vehicles_rw" names no crawler;
//   known crawlers: vehicles_raw, vehicles_stage
Status CheckWorkflowReferences(const std::vector<WorkflowDefinition>& workflows,
                               const std::vector<std::string>& crawlers, const std::vector<std::string>& jobs,
                               std::string_view source);

}  // namespace lakebox::schedule
