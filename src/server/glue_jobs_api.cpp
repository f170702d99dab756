// The Glue API's job operations over etl::JobService. Jobs are declared in lakebox.toml, so the
// API reads and runs them but does not create them (CreateJob and UpdateJob are unknown
// operations). Shapes follow Glue's Job and JobRun; what lakebox measures beyond them (objects,
// records and bytes in and out, the tables written) is in a JobRun's extra member
// "LakeboxStatistics" (and, while a run is RUNNING, "LakeboxProgress"), which the aws CLI and
// boto3 drop and raw calls see.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "etl/job.h"
#include "etl/job_service.h"
#include "server/glue_api.h"
#include "server/glue_request.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using namespace glue;

constexpr StringRule kRequiredJobName{
    .required = true, .min_length = 1, .max_length = 255, .charset = Charset::kSingleLine};
constexpr StringRule kRunId{.min_length = 1, .max_length = 255, .charset = Charset::kSingleLine};
constexpr StringRule kRequiredRunId{
    .required = true, .min_length = 1, .max_length = 255, .charset = Charset::kSingleLine};
// Glue's defaults for a job: 2,880 minutes (48 hours) of timeout, one concurrent run.
constexpr int64_t kJobTimeoutMinutes = 2880;
constexpr std::string_view kJobLogGroup = "/aws-glue/jobs";

json JobJson(const etl::JobDefinition& job, std::string_view account_id) {
  std::string partition_by;
  for (const std::string& column : job.partition_by) {
    if (!partition_by.empty()) partition_by += ",";
    partition_by += column;
  }
  // The declaration, as the job arguments a Glue script would read.
  json arguments = {
      {"--job-bookmark-option", job.bookmarks ? "job-bookmark-enable" : "job-bookmark-disable"},
      {"--source", fmt::format("{}.{}", job.source_database, job.source_table)},
      {"--transform", job.transform},
      {"--target", job.target},
      {"--format", job.format},
      {"--compression", job.compression},
      {"--partition-by", partition_by},
  };
  if (!job.filter.empty()) arguments["--filter"] = job.filter;
  json out = {
      {"Name", job.name},
      {"Role", fmt::format("arn:aws:iam::{}:role/lakebox", account_id)},
      {"ExecutionProperty", {{"MaxConcurrentRuns", 1}}},
      {"Command", {{"Name", "glueetl"}, {"ScriptLocation", "lakebox:" + job.transform}, {"PythonVersion", "3"}}},
      {"DefaultArguments", std::move(arguments)},
      {"MaxRetries", 0},
      {"Timeout", kJobTimeoutMinutes},
      {"GlueVersion", "4.0"},
      {"ExecutionClass", "STANDARD"},
  };
  if (!job.description.empty()) out["Description"] = job.description;
  return out;
}

json JobRunJson(const etl::JobRun& run) {
  json out = {
      {"Id", run.id},
      {"Attempt", run.attempt},
      {"JobName", run.job_name},
      {"StartedOn", Seconds(run.started_on_ms)},
      {"LastModifiedOn", Seconds(run.last_modified_on_ms)},
      {"JobRunState", std::string(etl::JobRunStateName(run.state))},
      {"Arguments", json::object()},
      {"PredecessorRuns", json::array()},
      {"ExecutionTime", run.execution_time_s},
      {"Timeout", kJobTimeoutMinutes},
      {"LogGroupName", kJobLogGroup},
      {"GlueVersion", "4.0"},
      {"LakeboxStatistics",
       {{"ObjectsIn", run.objects_in},
        {"BytesIn", run.bytes_in},
        {"RecordsIn", run.records_in},
        {"RecordsOut", run.records_out},
        {"ObjectsOut", run.objects_out},
        {"BytesOut", run.bytes_out},
        {"TablesWritten", run.tables_written}}},
  };
  if (!run.trigger_name.empty()) out["TriggerName"] = run.trigger_name;
  if (run.completed_on_ms > 0) out["CompletedOn"] = Seconds(run.completed_on_ms);
  if (!run.error_message.empty()) out["ErrorMessage"] = run.error_message;
  return out;
}

}  // namespace

Result<etl::JobService*> GlueApi::Jobs(std::string_view job_name) const {
  if (jobs_ == nullptr) return std::unexpected(Error::EntityNotFound(fmt::format("Job {} not found", job_name)));
  return jobs_;
}

Result<std::string> GlueApi::GetJob(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name,
                           Object::Root(request).String("JobName", kRequiredJobName));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobDefinition job, jobs->GetJob(*name));
  return Dump({{"Job", JobJson(job, catalog_id_)}});
}

Result<std::string> GlueApi::GetJobs(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(ListRequest listing, ReadListRequest(body, 1000));
  const auto& [max_results, after] = listing;
  std::vector<etl::JobDefinition> all = jobs_ ? jobs_->Jobs() : std::vector<etl::JobDefinition>{};
  PageBounds page = PageOf(
      all.size(), max_results.value_or(100), [&](size_t i) { return !after || all[i].name > *after; },
      [&](size_t i) { return all[i].name; });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i) list.push_back(JobJson(all[i], catalog_id_));
  return ListResponse("Jobs", std::move(list), page.next_token);
}

Result<std::string> GlueApi::StartJobRun(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("JobName", kRequiredJobName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> retry_of, root.String("JobRunId", kRunId));
  LAKEBOX_TRY(root.Map("Arguments"));
  LAKEBOX_TRY(root.Integer("Timeout", IntRule{.min = 1}));
  LAKEBOX_TRY(request.Checked());
  // A retry of an earlier run (JobRunId) is a new run of the same job here: the bookmark makes
  // it process exactly what the failed one did not commit.
  (void)retry_of;
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, jobs->StartRun(*name));
  return Dump({{"JobRunId", id}});
}

Result<std::string> GlueApi::GetJobRun(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("JobName", kRequiredJobName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> run_id, root.String("RunId", kRequiredRunId));
  LAKEBOX_TRY(root.Bool("PredecessorsIncluded"));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobRun run, jobs->GetRun(*name, *run_id));
  json out = JobRunJson(run);
  // How far a running run got (lakebox's extension; `lakebox job run` shows it).
  etl::JobProgress progress;
  if (run.state == etl::JobRunState::kRunning && jobs->Running(*name, &progress)) {
    out["LakeboxProgress"] = {{"Phase", progress.phase},
                              {"ObjectsTotal", progress.objects_total},
                              {"ObjectsDone", progress.objects_done},
                              {"BytesDone", progress.bytes_done}};
  }
  return Dump({{"JobRun", std::move(out)}});
}

Result<std::string> GlueApi::GetJobRuns(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("JobName", kRequiredJobName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 200}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> after, DecodeToken(token));
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  LAKEBOX_TRY(jobs->GetJob(*name));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<etl::JobRun> runs, jobs->Runs(*name));  // newest first
  // The token names the last run returned; the page resumes after it even if runs started since.
  size_t resume = 0;
  if (after) {
    auto it = std::find_if(runs.begin(), runs.end(), [&](const etl::JobRun& run) { return run.id == *after; });
    if (it == runs.end())
      return std::unexpected(Error::InvalidInput("Invalid NextToken: the run it names no longer exists."));
    resume = static_cast<size_t>(it - runs.begin()) + 1;
  }
  PageBounds page = PageOf(
      runs.size(), max_results.value_or(100), [&](size_t i) { return i >= resume; },
      [&](size_t i) { return runs[i].id; });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i) list.push_back(JobRunJson(runs[i]));
  return ListResponse("JobRuns", std::move(list), page.next_token);
}

Result<std::string> GlueApi::BatchStopJobRun(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("JobName", kRequiredJobName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> ids,
                           root.Strings("JobRunIds", kRunId, ListRule{.required = true, .max_items = 25}));
  if (ids && ids->empty())
    request.errors().Add("[]", "jobRunIds", "Member must have length greater than or equal to 1");
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  // Per run: stopped, or an error entry saying why not (Glue answers 200 either way).
  json stopped = json::array();
  json errors = json::array();
  for (const std::string& id : *ids) {
    Status status = jobs->StopRun(*name, id);
    if (status) {
      stopped.push_back({{"JobName", *name}, {"JobRunId", id}});
    } else {
      errors.push_back({{"JobName", *name},
                        {"JobRunId", id},
                        {"ErrorDetail",
                         {{"ErrorCode", std::string(status.error().AwsName())},
                          {"ErrorMessage", status.error().message()}}}});
    }
  }
  return Dump({{"SuccessfulSubmissions", std::move(stopped)}, {"Errors", std::move(errors)}});
}

Result<std::string> GlueApi::ResetJobBookmark(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("JobName", kRequiredJobName));
  LAKEBOX_TRY(root.String("RunId", kRunId));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(etl::JobService * jobs, Jobs(*name));
  LAKEBOX_TRY(jobs->ResetBookmark(*name));
  return Dump({{"JobBookmarkEntry", {{"JobName", *name}, {"Version", 0}, {"Run", 0}, {"Attempt", 0}}}});
}

}  // namespace lakebox::server
