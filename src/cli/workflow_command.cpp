// `lakebox workflow run NAME`: runs a [[workflow]] of a running `lakebox serve` now (POST
// /v1/schedules/workflow:NAME/run, the Scheduler's RunNow) and waits for it, polling GET /v1/status
// (state and elapsed time on a status line when stderr is a terminal); exit status 1 unless the
// run SUCCEEDED. The steps' own output (crawls, job runs) is in the server's log and in
// `lakebox status`.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/glue_client.h"
#include "cli/text_format.h"
#include "producer/firehose_client.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(200);

struct WorkflowFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string name;
  bool quiet = false;
};

Result<json> TaskStatus(producer::FirehoseClient& client, const std::string& task) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string body, client.GetNative("/v1/status"));
  json status = json::parse(body, nullptr, /*allow_exceptions=*/false);
  for (const json& entry : status.value("schedules", json::array())) {
    if (StringMember(entry, "name") == task) return entry;
  }
  return std::unexpected(Error::EntityNotFound(fmt::format("the server has no task {}", task)));
}

Result<int> RunWorkflow(const WorkflowFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient client,
                           producer::FirehoseClient::Create({.endpoint = flags.endpoint}));
  std::string task = "workflow:" + flags.name;
  LAKEBOX_ASSIGN_OR_RETURN(json before, TaskStatus(client, task));
  int64_t finished_before = IntegerMember(before, "runs_succeeded").value_or(0) + IntegerMember(before, "runs_failed").value_or(0);
  LAKEBOX_TRY(client.PostNative(fmt::format("/v1/schedules/{}/run", task), "{}"));
  StatusLine status(!flags.quiet && isatty(STDERR_FILENO) == 1);
  auto started = Clock::now();
  json now;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(now, TaskStatus(client, task));
    int64_t finished = IntegerMember(now, "runs_succeeded").value_or(0) + IntegerMember(now, "runs_failed").value_or(0);
    if (finished > finished_before && StringMember(now, "state") != "RUNNING") break;
    status.Show(fmt::format("workflow {}: RUNNING {:.1f} s", flags.name,
                            std::chrono::duration<double>(Clock::now() - started).count()));
    std::this_thread::sleep_for(kPollInterval);
  }
  status.Clear();
  std::string outcome = StringMember(now, "last_outcome");
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (outcome == "SUCCEEDED") {
    if (!flags.quiet) std::cout << fmt::format("workflow {}: SUCCEEDED in {:.1f} s\n", flags.name, seconds);
    return 0;
  }
  std::cerr << fmt::format("lakebox workflow run: workflow {} {}: {}\n", flags.name, outcome,
                           StringMember(now, "last_error"));
  return 1;
}

}  // namespace

void AddWorkflowCommand(CLI::App& app) {
  CLI::App* workflow = app.add_subcommand("workflow", "Workflows of a running lakebox serve (declared with [[workflow]])");
  workflow->require_subcommand(1);
  auto flags = std::make_shared<WorkflowFlags>();
  CLI::App* run = workflow->add_subcommand(
      "run", "Run a workflow now (its steps in order, each when the previous succeeded), wait for it and print its "
             "outcome; exit status 1 unless it SUCCEEDED");
  run->add_option("name", flags->name, "Workflow name")->required();
  run->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  run->add_flag("--quiet,-q", flags->quiet, "Print nothing but errors");
  run->callback([flags] {
    Result<int> code = RunWorkflow(*flags);
    if (!code) {
      std::cerr << "lakebox workflow run: " << code.error().ToString() << "\n";
      SetExitCode(1);
      return;
    }
    SetExitCode(*code);
  });
}

}  // namespace lakebox::cli
