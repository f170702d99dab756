// Workflows, as the seed's Glue workflow: steps that run in order, each only when the previous one
// succeeded (produce -> crawl raw -> job -> crawl stage). A workflow runs on its schedule or on
// demand; the Scheduler runs it as one task, so two runs of one workflow never overlap.
//
// This file knows steps only by kind and name; what a step does (put records, crawl, run a job) is
// the StepRunner the caller passes, so schedule/ depends on no other component.
//
// Thread safety: the definitions are plain values; RunWorkflow may run on any thread.
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "schedule/schedule_expression.h"

namespace lakebox::schedule {

enum class StepKind {
  kProduce,  // run a [[schedule]] producer once: its stream and record count
  kCrawl,    // run a [[crawler]]
  kJob,      // run a [[job]]
};
std::string_view StepKindName(StepKind kind);  // "produce" | "crawl" | "job", as the TOML key

struct WorkflowStep {
  StepKind kind = StepKind::kCrawl;
  std::string target;  // the [[schedule]], [[crawler]] or [[job]] name

  bool operator==(const WorkflowStep&) const = default;
};

struct WorkflowDefinition {
  std::string name;
  std::optional<ScheduleExpression> schedule;  // nullopt: runs only on demand
  std::vector<WorkflowStep> steps;             // at least one
};

// Runs one step to its end (a crawl or job run that finished, not one that was merely started) and
// returns its outcome. `stop` is the workflow run's stop token.
using StepRunner = std::function<Status(const WorkflowStep& step, std::stop_token stop)>;

// Runs `workflow`'s steps in order, logging each. Returns the first failing step's error, with its
// code and the message prefixed "workflow <name>: step <i> of <n> (<kind> <target>): ", so later
// steps do not run. If `stop` is requested between steps, the remaining steps are not started and
// the result is a ServiceUnavailable error naming the first step not run.
Status RunWorkflow(const WorkflowDefinition& workflow, const StepRunner& run_step, std::stop_token stop);

}  // namespace lakebox::schedule
