// `lakebox status`: what an operator checks first, from a running `lakebox serve` (GET /v1/status):
// streams (received, delivered, buffered, last delivery), crawlers and jobs (state, last run),
// and every schedule (state, last and next run, outcome). --json prints the server's JSON as is.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/glue_client.h"
#include "cli/text_format.h"
#include "producer/firehose_client.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;

struct StatusFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  bool json_output = false;
};

// A string member, "-" when absent, null or empty.
std::string Text(const json& object, std::string_view member) {
  std::string value = StringMember(object, member);
  return value.empty() ? "-" : value;
}

int64_t Number(const json& object, std::string_view member) { return IntegerMember(object, member).value_or(0); }

std::string Render(const json& status) {
  std::string out = fmt::format("lakebox status at {}\n", Text(status, "time"));

  out += "\nSTREAMS\n";
  TextTable streams({"NAME", "RECORDS IN", "BYTES IN", "OBJECTS OUT", "BUFFERED", "LAST DELIVERY", "ERRORS"},
                    {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight,
                     TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kLeft,
                     TextTable::Align::kRight});
  for (const json& s : status.value("streams", json::array())) {
    streams.AddRow({Text(s, "name"), FormatCount(Number(s, "records_received")), FormatBytes(Number(s, "bytes_received")),
                    FormatCount(Number(s, "objects_delivered")), FormatBytes(Number(s, "buffered_bytes")),
                    Text(s, "last_delivery"), FormatCount(Number(s, "delivery_errors"))});
  }
  out += streams.empty() ? "  (none)\n" : streams.Render("  ");

  out += "\nCRAWLERS\n";
  TextTable crawlers({"NAME", "STATE", "SCHEDULE", "LAST RUN", "STARTED", "ERROR"});
  for (const json& c : status.value("crawlers", json::array())) {
    json last = c.value("last_crawl", json::object());
    crawlers.AddRow({Text(c, "name"), Text(c, "state"), Text(c, "schedule"), Text(last, "status"), Text(last, "start"),
                     StringMember(last, "error")});
  }
  out += crawlers.empty() ? "  (none)\n" : crawlers.Render("  ");

  out += "\nJOBS\n";
  TextTable jobs({"NAME", "STATE", "SCHEDULE", "LAST RUN", "STARTED", "RECORDS IN", "ROWS OUT", "ERROR"},
                 {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
                  TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight});
  for (const json& j : status.value("jobs", json::array())) {
    json last = j.value("last_run", json::object());
    std::string state = Text(j, "state");
    if (json progress = j.value("progress", json::object()); !progress.empty()) {
      state += fmt::format(" ({} {}/{})", Text(progress, "phase"), Number(progress, "objects_done"),
                           Number(progress, "objects_total"));
    }
    jobs.AddRow({Text(j, "name"), state, Text(j, "schedule"), Text(last, "state"), Text(last, "started"),
                 FormatCount(Number(last, "records_in")), FormatCount(Number(last, "records_out")),
                 StringMember(last, "error")});
  }
  out += jobs.empty() ? "  (none)\n" : jobs.Render("  ");

  out += "\nSCHEDULES\n";
  TextTable tasks({"TASK", "EXPRESSION", "STATE", "LAST START", "OUTCOME", "NEXT RUN", "RUNS", "SKIPPED", "LAST ERROR"},
                  {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
                   TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kRight,
                   TextTable::Align::kRight});
  for (const json& t : status.value("schedules", json::array())) {
    tasks.AddRow({Text(t, "name"), Text(t, "expression"), Text(t, "state"), Text(t, "last_start"),
                  Text(t, "last_outcome"), Text(t, "next_run"), FormatCount(Number(t, "runs_started")),
                  FormatCount(Number(t, "runs_skipped")), StringMember(t, "last_error")});
  }
  out += tasks.empty() ? "  (none: add schedules to lakebox.toml, see docs/schedules.md)\n" : tasks.Render("  ");

  // The headline of the cost report; `lakebox cost` prints every line of it.
  out += "\nCOST\n";
  json metering = status.value("metering", json::object());
  if (metering.contains("Total")) {
    json projection = metering.value("Projection", json::object());
    out += fmt::format("  {} so far: {} {:.2f} at AWS prices; a month at {} GB/day: {} {:.2f} (lakebox cost for every line)\n",
                       Text(metering, "Month"), Text(metering, "Currency"), metering.value("Total", 0.0),
                       projection.value("GBPerDay", 0.0), Text(metering, "Currency"), projection.value("Total", 0.0));
  } else {
    out += fmt::format("  not available: {}\n", Text(metering, "error"));
  }
  return out;
}

Status ShowStatus(const StatusFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient client,
                           producer::FirehoseClient::Create({.endpoint = flags.endpoint}));
  LAKEBOX_ASSIGN_OR_RETURN(std::string body, client.GetNative("/v1/status"));
  json status = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded() || !status.is_object())
    return std::unexpected(Error::Serialization("GET /v1/status did not answer a JSON object"));
  if (flags.json_output) {
    std::cout << status.dump(2) << "\n";
  } else {
    std::cout << Render(status);
  }
  return Ok();
}

}  // namespace

void AddStatusCommand(CLI::App& app) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Show a running lakebox serve's streams, crawlers, jobs and schedules (state, last and next run) and "
      "this month's cost at AWS prices");
  cmd->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  cmd->add_flag("--json", flags->json_output, "Print the status as JSON (the GET /v1/status answer)");
  cmd->callback([flags] {
    Status s = ShowStatus(*flags);
    if (!s) {
      std::cerr << "lakebox status: " << s.error().ToString() << "\n";
      SetExitCode(1);
    }
  });
}

}  // namespace lakebox::cli
