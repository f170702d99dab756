// `lakebox job list|run|runs`: the ETL jobs of a running `lakebox serve`, through its Glue API as
// any client would. `job run NAME` is StartJobRun, then GetJobRun every 200 ms (state, elapsed time
// and the run's progress on a status line when stderr is a terminal) until the run is over, then
// its summary; exit status 1 unless it SUCCEEDED.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/glue_client.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(200);

struct JobFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string name;
  bool quiet = false;
  int max_runs = 20;
};

bool Finished(std::string_view state) {
  return state == "SUCCEEDED" || state == "FAILED" || state == "STOPPED" || state == "TIMEOUT" || state == "ERROR";
}

int64_t Statistic(const json& run, std::string_view member) {
  return IntegerMember(run.value("LakeboxStatistics", json::object()), member).value_or(0);
}

std::string Progress(const json& run) {
  json progress = run.value("LakeboxProgress", json::object());
  std::string phase = StringMember(progress, "Phase");
  if (phase.empty()) return "";
  int64_t total = IntegerMember(progress, "ObjectsTotal").value_or(0);
  int64_t done = IntegerMember(progress, "ObjectsDone").value_or(0);
  std::string out = " " + phase;
  if (total > 0) out += fmt::format(" {}/{} objects", FormatCount(done), FormatCount(total));
  return out;
}

void PrintSummary(const json& run) {
  std::string state = StringMember(run, "JobRunState");
  std::cout << fmt::format("job {} run {}: {} in {} s\n", StringMember(run, "JobName"), StringMember(run, "Id"),
                           state, IntegerMember(run, "ExecutionTime").value_or(0));
  TextTable summary;
  summary.AddRow({"read", fmt::format("{} objects, {}, {} records", FormatCount(Statistic(run, "ObjectsIn")),
                                      FormatBytes(Statistic(run, "BytesIn")), FormatCount(Statistic(run, "RecordsIn")))});
  summary.AddRow({"wrote", fmt::format("{} objects, {}, {} root rows", FormatCount(Statistic(run, "ObjectsOut")),
                                       FormatBytes(Statistic(run, "BytesOut")),
                                       FormatCount(Statistic(run, "RecordsOut")))});
  json tables = run.value("LakeboxStatistics", json::object()).value("TablesWritten", json::array());
  for (const json& table : tables) {
    if (table.is_string()) summary.AddRow({"table", table.get<std::string>()});
  }
  std::cout << summary.Render("  ");
}

Result<int> RunJob(const JobFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(json started, client.Call("StartJobRun", {{"JobName", flags.name}}));
  std::string id = StringMember(started, "JobRunId");
  StatusLine status(!flags.quiet && isatty(STDERR_FILENO) == 1);
  auto begin = Clock::now();
  json run;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(json response, client.Call("GetJobRun", {{"JobName", flags.name}, {"RunId", id}}));
    run = response.value("JobRun", json::object());
    std::string state = StringMember(run, "JobRunState");
    if (Finished(state)) break;
    double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    status.Show(fmt::format("job {}: {} {:.1f} s{}", flags.name, state, elapsed, Progress(run)));
    std::this_thread::sleep_for(kPollInterval);
  }
  status.Clear();
  if (!flags.quiet) PrintSummary(run);
  std::string state = StringMember(run, "JobRunState");
  if (state == "SUCCEEDED") return 0;
  std::cerr << fmt::format("lakebox job run: run {} of job {} {}: {}\n", id, flags.name, state,
                           StringMember(run, "ErrorMessage"));
  return 1;
}

std::string Duration(const json& run) {
  auto seconds = IntegerMember(run, "ExecutionTime");
  return seconds ? fmt::format("{} s", *seconds) : "-";
}

Result<int> ListRuns(const JobFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(json response,
                           client.Call("GetJobRuns", {{"JobName", flags.name}, {"MaxResults", flags.max_runs}}));
  TextTable table({"RUN", "STATE", "STARTED", "TIME", "OBJECTS IN", "RECORDS IN", "ROWS OUT", "BYTES OUT", "ERROR"},
                  {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kRight,
                   TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
                   TextTable::Align::kRight});
  for (const json& run : response.value("JobRuns", json::array())) {
    table.AddRow({StringMember(run, "Id"), StringMember(run, "JobRunState"), FormatGlueTime(run.value("StartedOn", json())),
                  Duration(run), FormatCount(Statistic(run, "ObjectsIn")), FormatCount(Statistic(run, "RecordsIn")),
                  FormatCount(Statistic(run, "RecordsOut")), FormatBytes(Statistic(run, "BytesOut")),
                  StringMember(run, "ErrorMessage")});
  }
  if (table.empty()) {
    std::cout << fmt::format("job {} has not run yet\n", flags.name);
  } else {
    std::cout << table.Render();
  }
  return 0;
}

Result<int> ListJobs(const JobFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> jobs, client.CallAll("GetJobs", json::object(), "Jobs"));
  TextTable table({"JOB", "SOURCE", "TARGET", "FORMAT", "PARTITION BY"});
  for (const json& job : jobs) {
    json arguments = job.value("DefaultArguments", json::object());
    table.AddRow({StringMember(job, "Name"), StringMember(arguments, "--source"), StringMember(arguments, "--target"),
                  StringMember(arguments, "--format") + "/" + StringMember(arguments, "--compression"),
                  StringMember(arguments, "--partition-by")});
  }
  if (table.empty()) {
    std::cout << "no jobs: declare them with [[job]] in lakebox.toml (see docs/etl.md)\n";
  } else {
    std::cout << table.Render();
  }
  return 0;
}

void Finish(std::string_view command, const Result<int>& code) {
  if (!code) {
    std::cerr << "lakebox job " << command << ": " << code.error().ToString() << "\n";
    SetExitCode(1);
    return;
  }
  SetExitCode(*code);
}

}  // namespace

void AddJobCommand(CLI::App& app) {
  CLI::App* job = app.add_subcommand("job", "ETL jobs of a running lakebox serve (declared with [[job]] in lakebox.toml)");
  job->require_subcommand(1);
  auto flags = std::make_shared<JobFlags>();

  CLI::App* list = job->add_subcommand("list", "List the jobs with their source, target and format");
  list->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  list->callback([flags] { Finish("list", ListJobs(*flags)); });

  CLI::App* run = job->add_subcommand(
      "run", "Start a run of a job, show its progress, wait until it finishes and print its summary; exit status 1 "
             "unless it SUCCEEDED");
  run->add_option("name", flags->name, "Job name")->required();
  run->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  run->add_flag("--quiet,-q", flags->quiet, "Print nothing but errors (no progress, no summary)");
  run->callback([flags] { Finish("run", RunJob(*flags)); });

  CLI::App* runs = job->add_subcommand("runs", "List the recent runs of a job, newest first");
  runs->add_option("name", flags->name, "Job name")->required();
  runs->add_option("--max", flags->max_runs, "How many runs to show (1-200)")->check(CLI::Range(1, 200))->capture_default_str();
  runs->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  runs->callback([flags] { Finish("runs", ListRuns(*flags)); });
}

}  // namespace lakebox::cli
