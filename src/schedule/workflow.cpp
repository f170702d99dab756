#include "schedule/workflow.h"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace lakebox::schedule {

std::string_view StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kProduce: return "produce";
    case StepKind::kCrawl: return "crawl";
    case StepKind::kJob: return "job";
  }
  return "?";
}

Status RunWorkflow(const WorkflowDefinition& workflow, const StepRunner& run_step, std::stop_token stop) {
  const size_t total = workflow.steps.size();
  for (size_t i = 0; i < total; ++i) {
    const WorkflowStep& step = workflow.steps[i];
    std::string where = fmt::format("workflow {}: step {} of {} ({} {})", workflow.name, i + 1, total,
                                    StepKindName(step.kind), step.target);
    if (stop.stop_requested())
      return std::unexpected(
          Error::ServiceUnavailable(fmt::format("{}: not started, lakebox is shutting down", where)));
    spdlog::info("{}: started", where);
    auto begin = std::chrono::steady_clock::now();
    Status result = run_step(step, stop);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    if (!result) {
      spdlog::warn("{}: failed after {:.3f}s; the remaining steps do not run: {}", where, seconds,
                   result.error().ToString());
      return std::unexpected(result.error().WithContext(where));
    }
    spdlog::info("{}: succeeded in {:.3f}s", where, seconds);
  }
  return Ok();
}

}  // namespace lakebox::schedule
