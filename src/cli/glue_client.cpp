#include "cli/glue_client.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "common/time.h"

namespace lakebox::cli {
namespace {

constexpr std::string_view kGlueTargetPrefix = "AWSGlue.";
// Pages asked for; the most GetDatabases and GetTables allow (GetPartitions allows 1000).
constexpr int kPageSize = 100;

}  // namespace

Result<GlueClient> GlueClient::Create(std::string_view endpoint) {
  producer::ClientOptions options;
  options.endpoint = std::string(endpoint);
  LAKEBOX_ASSIGN_OR_RETURN(producer::FirehoseClient client, producer::FirehoseClient::Create(options));
  return GlueClient(std::move(client));
}

Result<nlohmann::json> GlueClient::Call(std::string_view operation, const nlohmann::json& request) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string body,
                           client_.CallTarget(fmt::format("{}{}", kGlueTargetPrefix, operation), request.dump()));
  auto response = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    return std::unexpected(Error::Serialization(
        fmt::format("the answer to {} is not a JSON object: {}", operation, body.substr(0, 200))));
  }
  return response;
}

Result<std::vector<nlohmann::json>> GlueClient::CallAll(std::string_view operation, nlohmann::json request,
                                                        std::string_view list_member) {
  std::vector<nlohmann::json> items;
  if (!request.contains("MaxResults")) request["MaxResults"] = kPageSize;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(nlohmann::json page, Call(operation, request));
    auto list = page.find(list_member);
    if (list != page.end() && list->is_array()) {
      for (auto& item : *list) items.push_back(std::move(item));
    }
    std::string token = StringMember(page, "NextToken");
    if (token.empty()) return items;
    request["NextToken"] = token;
  }
}

std::string FormatGlueTime(const nlohmann::json& value) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) return "-";
  } else {
    return "-";
  }
  if (!std::isfinite(seconds)) return "-";
  CivilTime t = CivilFromUnixMillis(static_cast<int64_t>(std::floor(seconds * 1000.0)));
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::string StringMember(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<int64_t> IntegerMember(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(std::llround(it->get<double>()));
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  return std::nullopt;
}

}  // namespace lakebox::cli
