// `lakebox produce vehicles`: the seed's Lambda "dummy generator" as a command. It simulates the
// fleet (producer::VehicleGenerator) and sends its readings to a delivery stream through the
// Firehose API (producer::Produce), so it works against any lakebox, local or remote.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/text_format.h"
#include "common/time.h"
#include "producer/firehose_client.h"
#include "producer/vehicle_generator.h"

namespace lakebox::cli {
namespace {

struct ProduceVehiclesOptions {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string stream;
  int64_t count = 5000;
  size_t batch = producer::kMaxBatchRecords;
  int vehicles = producer::VehicleGenerator::kDefaultVehicles;
  uint64_t seed = 0;
  bool seed_given = false;
  double interval_seconds = 10.0;
  bool quiet = false;
};

// A single status line on stderr, redrawn at most ten times a second.
class ProgressLine {
 public:
  explicit ProgressLine(int64_t total) : total_(total) {}

  void Update(const producer::ProduceStats& stats) {
    auto now = std::chrono::steady_clock::now();
    if (stats.records < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    fmt::print(stderr, "\r\x1b[Ksent {}/{} records ({:.0f}%), {:.0f} records/s, {} retries", stats.records, total_,
               100.0 * stats.records / total_, stats.RecordsPerSecond(), stats.retries);
    drawn_ = true;
  }

  void Clear() {
    if (drawn_) fmt::print(stderr, "\r\x1b[K");
    drawn_ = false;
  }

 private:
  int64_t total_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

int RunProduceVehicles(const ProduceVehiclesOptions& options) {
  uint64_t seed = options.seed_given ? options.seed : std::random_device{}();
  producer::VehicleGenerator generator(options.vehicles, seed);

  // A one-shot run lays its readings out in time as if the fleet had been reporting all along:
  // each vehicle reports every `interval` seconds and the last round ends now, so the run draws
  // routes on the map instead of one point per vehicle.
  int64_t now_ms = NowMillis();
  int64_t fleet = options.vehicles;
  int64_t interval_ms = static_cast<int64_t>(options.interval_seconds * 1000.0);
  int64_t rounds = (options.count + fleet - 1) / fleet;
  int64_t start_ms = now_ms - std::max<int64_t>(rounds - 1, 0) * interval_ms;
  int64_t index = 0;
  producer::RecordSource next_record = [&] {
    int64_t t = start_ms + (index / fleet) * interval_ms + (index % fleet) * interval_ms / fleet;
    ++index;
    return generator.Next(t);
  };

  producer::ClientOptions client_options;
  client_options.endpoint = options.endpoint;
  auto client = producer::FirehoseClient::Create(client_options);
  if (!client) {
    fmt::print(stderr, "error: {}\n", client.error().ToString());
    return 1;
  }
  producer::ProduceOptions produce_options;
  produce_options.batch_records = options.batch;

  bool show_progress = !options.quiet && isatty(STDERR_FILENO) == 1;
  ProgressLine progress_line(options.count);
  producer::ProgressCallback progress;
  if (show_progress) progress = [&](const producer::ProduceStats& stats) { progress_line.Update(stats); };

  auto stats = producer::Produce(*client, options.stream, options.count, next_record, produce_options, progress);
  progress_line.Clear();
  if (!stats) {
    fmt::print(stderr, "error: {}\n", stats.error().ToString());
    return 1;
  }
  if (!options.quiet) {
    fmt::print("sent {} records ({}) to {} in {:.2f} s, {} retries\n", stats->records, FormatBytes(stats->bytes),
               options.stream, stats->elapsed_seconds, stats->retries);
  }
  return 0;
}

}  // namespace

void AddProduceCommand(CLI::App& app) {
  CLI::App* produce = app.add_subcommand("produce", "Send sample data to a delivery stream through the Firehose API");
  produce->require_subcommand(1);

  auto options = std::make_shared<ProduceVehiclesOptions>();
  CLI::App* vehicles = produce->add_subcommand(
      "vehicles",
      "Simulate a fleet of trucks around Brazilian cities and send their telemetry (the seed's Lambda "
      "\"dummy generator\"): one JSON record per reading, newline-terminated");
  vehicles->add_option("--endpoint", options->endpoint, "Firehose endpoint URL of a running `lakebox serve`")
      ->capture_default_str();
  vehicles->add_option("--stream", options->stream, "Delivery stream to put the records to")->required();
  vehicles->add_option("--count", options->count, "Number of records to send")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  vehicles
      ->add_option("--batch", options->batch,
                   fmt::format("Records per PutRecordBatch request (1-{}; a request also stays under 4 MiB)",
                               producer::kMaxBatchRecords))
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, producer::kMaxBatchRecords));
  vehicles->add_option("--vehicles", options->vehicles, "Fleet size; vehicle ids are V-00001, V-00002, ...")
      ->capture_default_str()
      ->check(CLI::Range(1, 99999));
  CLI::Option* seed =
      vehicles->add_option("--seed", options->seed, "Seed of the simulation: the same seed sends the same readings "
                                                    "(default: a random seed)");
  vehicles
      ->add_option("--interval", options->interval_seconds,
                   "Simulated seconds between two readings of one vehicle; the readings end at the current time")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  vehicles->add_flag("--quiet,-q", options->quiet, "Print nothing but errors (no progress, no summary)");
  vehicles->callback([options, seed] {
    options->seed_given = seed->count() > 0;
    SetExitCode(RunProduceVehicles(*options));
  });
}

}  // namespace lakebox::cli
