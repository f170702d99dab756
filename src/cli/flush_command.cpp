// `lakebox flush [STREAM]`: asks a running `lakebox serve` to deliver what is buffered now (all
// streams, or one) and returns once the objects are durable in the lake — instead of waiting for
// the streams' IntervalInSeconds.
#include <chrono>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "producer/firehose_client.h"

namespace lakebox::cli {
namespace {

struct FlushFlags {
  std::string stream;
  std::string endpoint{producer::kDefaultEndpoint};
};

// Stream names are [a-zA-Z0-9_.-]: nothing to escape in the path, but refuse anything else
// rather than build a wrong URL.
bool IsPlainStreamName(std::string_view name) {
  return !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                              std::string_view::npos;
}

Status Flush(const FlushFlags& flags) {
  if (!flags.stream.empty() && !IsPlainStreamName(flags.stream))
    return std::unexpected(Error::InvalidArgument(
        fmt::format("\"{}\" is not a delivery stream name (letters, digits, _ . - only)", flags.stream)));
  producer::ClientOptions options;
  options.endpoint = flags.endpoint;
  // Delivery of a full 128 MiB buffer on a slow disk can take a while.
  options.request_timeout = std::chrono::minutes(10);
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient client, producer::FirehoseClient::Create(options));
  auto started = std::chrono::steady_clock::now();
  std::string path = flags.stream.empty() ? "/v1/flush" : fmt::format("/v1/streams/{}/flush", flags.stream);
  LAKEBOX_TRY(client.PostNative(path, "{}"));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("flushed {} in {:.2f} s\n", flags.stream.empty() ? "all streams" : flags.stream, seconds);
  return Ok();
}

}  // namespace

void AddFlushCommand(CLI::App& app) {
  auto flags = std::make_shared<FlushFlags>();
  CLI::App* cmd = app.add_subcommand(
      "flush", "Deliver the buffered records of one stream (or all) now, and wait until they are in the lake");
  cmd->add_option("stream", flags->stream, "Delivery stream to flush (default: every stream)");
  cmd->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")
      ->capture_default_str();
  cmd->callback([flags] {
    Status s = Flush(*flags);
    if (!s) {
      std::cerr << "lakebox flush: " << s.error().ToString() << "\n";
      SetExitCode(1);
    }
  });
}

}  // namespace lakebox::cli
