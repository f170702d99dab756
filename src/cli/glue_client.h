// What the commands that talk to a running `lakebox serve` through its Glue API (`lakebox catalog`,
// `lakebox crawl`) share: a Glue client over the server's AWS JSON endpoint, and reading the
// members of its answers (Glue timestamps, strings, numbers). Text layout is in text_format.h.
//
// Thread safety: a GlueClient is not thread-safe (one connection); the functions are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "cli/text_format.h"
#include "producer/firehose_client.h"

namespace lakebox::cli {

class GlueClient {
 public:
  // `endpoint` is the server's base URL ("http://127.0.0.1:4566"); it is not contacted yet.
  // Errors: as producer::FirehoseClient::Create.
  static Result<GlueClient> Create(std::string_view endpoint);

  // AWSGlue.<operation> with `request`; returns the response object. Errors: the server's
  // (EntityNotFound, CrawlerRunning, ... with its Message), unreachable endpoint and broken
  // connections as producer::FirehoseClient documents; Serialization if the answer is not a
  // JSON object.
  Result<nlohmann::json> Call(std::string_view operation, const nlohmann::json& request);

  // A paginated operation (GetDatabases, GetTables, GetPartitions): calls it until the answer has
  // no NextToken and returns the elements of every page's `list_member` array, in order.
  Result<std::vector<nlohmann::json>> CallAll(std::string_view operation, nlohmann::json request,
                                              std::string_view list_member);

 private:
  explicit GlueClient(producer::FirehoseClient client) : client_(std::move(client)) {}

  producer::FirehoseClient client_;
};

// A Glue timestamp (epoch seconds as a JSON number, or a string of one) as
// "2026-11-25 22:16:52 UTC"; "-" when absent or not a number.
std::string FormatGlueTime(const nlohmann::json& value);

// A string member of `object` ("" if absent or not a string).
std::string StringMember(const nlohmann::json& object, std::string_view name);
// A number member (or a string holding an integer, as Glue's Parameters do); nullopt otherwise.
std::optional<int64_t> IntegerMember(const nlohmann::json& object, std::string_view name);

}  // namespace lakebox::cli
