// `lakebox crawl NAME`: runs a crawler of a running `lakebox serve` and waits for it, through the
// Glue API as any client would: StartCrawler, GetCrawler every 200 ms until the crawler is READY
// again (its state and elapsed time on a status line when stderr is a terminal), then the run's
// summary from GetCrawlerMetrics and LastCrawl. Exit status 1 when the run FAILED or was
// CANCELLED (or the server could not be asked), 0 otherwise.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/glue_client.h"
#include "common/time.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(200);
// A crawler that is READY this long after StartCrawler without having recorded a run that began
// after the call never started: give up instead of polling forever.
constexpr auto kStartGrace = std::chrono::seconds(10);

struct CrawlFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string name;
  bool quiet = false;
};

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Glue timestamps are epoch seconds, maybe fractional.
std::optional<int64_t> GlueTimeMillis(const json& value) {
  if (value.is_number()) return static_cast<int64_t>(value.get<double>() * 1000.0);
  return std::nullopt;
}

// Polls GetCrawler until the run that StartCrawler began (or the one already running) is over;
// returns the crawler's final description.
Result<json> WaitForRun(GlueClient& client, const CrawlFlags& flags, int64_t requested_ms, bool already_running,
                        StatusLine& status) {
  auto started = Clock::now();
  bool seen_busy = already_running;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(json response, client.Call("GetCrawler", {{"Name", flags.name}}));
    json crawler = response.value("Crawler", json::object());
    std::string state = StringMember(crawler, "State");
    if (state != "READY") {
      seen_busy = true;
      double elapsed = SecondsSince(started);
      if (auto server_elapsed = IntegerMember(crawler, "CrawlElapsedTime"); server_elapsed && *server_elapsed > 0) {
        elapsed = static_cast<double>(*server_elapsed) / 1000.0;
      }
      status.Show(fmt::format("crawling {}: {} {:.1f} s", flags.name, state.empty() ? "?" : state, elapsed));
    } else {
      json last = crawler.value("LastCrawl", json::object());
      auto last_start = GlueTimeMillis(last.value("StartTime", json()));
      // StartTime may be rounded down to the second: allow that much before the request.
      bool ours = last_start && *last_start >= requested_ms - 1000;
      if (seen_busy || ours) return crawler;
      if (Clock::now() - started > kStartGrace) {
        return std::unexpected(Error::Internal(fmt::format(
            "crawler {} is READY {} s after StartCrawler but has no run that began then", flags.name,
            std::chrono::duration_cast<std::chrono::seconds>(kStartGrace).count())));
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void PrintSummary(const CrawlFlags& flags, const json& crawler, const json& metrics, double elapsed_seconds) {
  const json last = crawler.value("LastCrawl", json::object());
  std::string run_status = StringMember(last, "Status");
  double seconds = elapsed_seconds;
  if (auto it = metrics.find("LastRuntimeSeconds"); it != metrics.end() && it->is_number()) {
    seconds = it->get<double>();
  }
  std::cout << fmt::format("crawler {}: {} in {:.2f} s\n", flags.name, run_status.empty() ? "done" : run_status,
                           seconds);
  auto count = [&](std::string_view member) { return IntegerMember(metrics, member).value_or(0); };
  TextTable summary;
  summary.AddRow({"tables", fmt::format("{} created, {} updated, {} deleted", count("TablesCreated"),
                                        count("TablesUpdated"), count("TablesDeleted"))});
  if (metrics.contains("PartitionsAdded")) {
    std::string partitions = fmt::format("{} added", FormatCount(count("PartitionsAdded")));
    if (metrics.contains("PartitionsDeleted")) {
      partitions += fmt::format(", {} deleted", FormatCount(count("PartitionsDeleted")));
    }
    summary.AddRow({"partitions", partitions});
  }
  if (metrics.contains("ObjectsListed") || metrics.contains("ObjectsRead")) {
    summary.AddRow({"objects", fmt::format("{} listed, {} read, {} skipped", FormatCount(count("ObjectsListed")),
                                           FormatCount(count("ObjectsRead")), FormatCount(count("ObjectsSkipped")))});
  }
  if (metrics.contains("BytesSampled")) {
    summary.AddRow({"sampled", FormatBytes(count("BytesSampled"))});
  }
  std::cout << summary.Render("  ");
  if (auto problems = metrics.find("Problems"); problems != metrics.end() && problems->is_array() &&
                                                !problems->empty()) {
    std::cout << fmt::format("problems ({}):\n", problems->size());
    for (const json& problem : *problems) {
      std::cout << "  " << (problem.is_string() ? problem.get<std::string>() : problem.dump()) << "\n";
    }
  }
}

// The exit status: 1 when the run did not succeed.
Result<int> Crawl(const CrawlFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  StatusLine status(!flags.quiet && isatty(STDERR_FILENO) == 1);
  auto started = Clock::now();
  int64_t requested_ms = NowMillis();
  bool already_running = false;
  auto start = client.Call("StartCrawler", {{"Name", flags.name}});
  if (!start) {
    if (start.error().code() != Error::Code::kCrawlerRunning) return std::unexpected(std::move(start).error());
    already_running = true;
    if (!flags.quiet) std::cerr << fmt::format("crawler {} is already running: waiting for that run\n", flags.name);
  }
  LAKEBOX_ASSIGN_OR_RETURN(json crawler, WaitForRun(client, flags, requested_ms, already_running, status));
  status.Clear();
  double elapsed = SecondsSince(started);
  LAKEBOX_ASSIGN_OR_RETURN(json response, client.Call("GetCrawlerMetrics", {{"CrawlerNameList", {flags.name}}}));
  json metrics = json::object();
  if (auto list = response.find("CrawlerMetricsList"); list != response.end() && list->is_array()) {
    for (const json& entry : *list) {
      if (StringMember(entry, "CrawlerName") == flags.name) metrics = entry;
    }
  }
  if (!flags.quiet) PrintSummary(flags, crawler, metrics, elapsed);
  json last = crawler.value("LastCrawl", json::object());
  std::string run_status = StringMember(last, "Status");
  if (run_status != "FAILED" && run_status != "CANCELLED") return 0;
  std::string message = StringMember(last, "ErrorMessage");
  std::cerr << fmt::format("lakebox crawl: the run of crawler {} {}{}{}\n", flags.name,
                           run_status == "FAILED" ? "failed" : "was cancelled", message.empty() ? "" : ": ", message);
  return 1;
}

}  // namespace

void AddCrawlCommand(CLI::App& app) {
  auto flags = std::make_shared<CrawlFlags>();
  CLI::App* cmd = app.add_subcommand(
      "crawl",
      "Run a crawler (declared in lakebox.toml or created with aws glue create-crawler), wait until it "
      "finishes and print its summary; exit status 1 if the run failed");
  cmd->add_option("name", flags->name, "Crawler name")->required();
  cmd->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  cmd->add_flag("--quiet,-q", flags->quiet, "Print nothing but errors (no progress, no summary)");
  cmd->callback([flags] {
    Result<int> code = Crawl(*flags);
    if (!code) {
      std::cerr << "lakebox crawl: " << code.error().ToString() << "\n";
      SetExitCode(1);
      return;
    }
    SetExitCode(*code);
  });
}

}  // namespace lakebox::cli
