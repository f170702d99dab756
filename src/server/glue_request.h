// Reading Glue requests and writing paginated Glue answers, shared by the Glue API's catalog and
// crawler operations (glue_api.cpp) and its job operations (glue_jobs_api.cpp).
//
// Request checking follows AWS's order: a body that is not the JSON expected (malformed, a member
// of the wrong type) is a SerializationException at once; modelled constraints (required members,
// lengths, patterns, ranges, enums) are collected into one ValidationException with member paths
// as AWS words them; then semantic refusals give InvalidInputException (Request::Checked()).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/base64.h"
#include "common/error.h"
#include "server/aws_json.h"

namespace lakebox::server::glue {

using nlohmann::json;

// ---- Modelled constraints ----------------------------------------------------------------------

// Glue's patterns: names and most strings are single-line; descriptions and locations may hold
// line breaks.
enum class Charset { kAny, kSingleLine, kMultiLine };
constexpr std::string_view kSingleLinePattern =
    "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*";
constexpr std::string_view kMultiLinePattern =
    "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*";

struct StringRule {
  bool required = false;
  size_t min_length = 0;
  size_t max_length = SIZE_MAX;
  Charset charset = Charset::kAny;
  std::span<const std::string_view> one_of;  // an enum's values; empty: any string
};

struct IntRule {
  bool required = false;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
};

struct ListRule {
  bool required = false;
  std::optional<size_t> max_items;
};

constexpr StringRule kAnyString{};
constexpr StringRule kRequiredString{.required = true};
constexpr StringRule kName{.min_length = 1, .max_length = 255, .charset = Charset::kSingleLine};
constexpr StringRule kRequiredName{
    .required = true, .min_length = 1, .max_length = 255, .charset = Charset::kSingleLine};
constexpr StringRule kDescription{.max_length = 2048, .charset = Charset::kMultiLine};
constexpr StringRule kUri{.min_length = 1, .max_length = 1024, .charset = Charset::kMultiLine};
constexpr StringRule kLocation{.max_length = 2056, .charset = Charset::kMultiLine};
constexpr StringRule kFormat{.max_length = 128, .charset = Charset::kSingleLine};
constexpr StringRule kColumnType{.max_length = 131072, .charset = Charset::kSingleLine};
constexpr StringRule kComment{.max_length = 255, .charset = Charset::kSingleLine};
constexpr StringRule kTableType{.max_length = 255};
constexpr StringRule kFilter{.max_length = 2048, .charset = Charset::kMultiLine};
constexpr StringRule kPartitionValue{.min_length = 1, .max_length = 1024};
constexpr StringRule kTablePrefix{.max_length = 128};


inline size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

inline bool FitsCharset(std::string_view s, Charset charset) {
  if (charset == Charset::kAny) return true;
  return std::all_of(s.begin(), s.end(), [charset](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 || c == '\t') return true;
    return charset == Charset::kMultiLine && (c == '\r' || c == '\n');
  });
}

// A value as a ValidationException message quotes it: long ones are cut short.
inline std::string Quoted(std::string_view value) {
  constexpr size_t kShown = 256;
  if (value.size() <= kShown) return std::string(value);
  return fmt::format("{}...", value.substr(0, kShown));
}

// ---- Reading requests --------------------------------------------------------------------------

// Where a member sits in the request, named twice: for SerializationException messages as written
// ("TableInput.StorageDescriptor.Columns[0].Name") and for ValidationException ones as AWS words
// member paths ("tableInput.storageDescriptor.columns.1.member.name").
struct Where {
  std::string name;
  std::string path;

  Where Member(std::string_view key) const {
    std::string lower_camel(key);
    if (!lower_camel.empty())
      lower_camel[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower_camel[0])));
    return {name.empty() ? std::string(key) : fmt::format("{}.{}", name, key),
            path.empty() ? lower_camel : fmt::format("{}.{}", path, lower_camel)};
  }
  Where Item(size_t index) const {
    return {fmt::format("{}[{}]", name, index), fmt::format("{}.{}.member", path, index + 1)};
  }
};

// One request being read. Type errors end reading at once (SerializationException); constraint
// violations and semantic refusals are collected while reading and reported by Checked(), so the
// whole request is read before anything is acted on.
class Request {
 public:
  Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  // AWS reads an empty body as an empty structure.
  Status Parse(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      body_ = json::object();
      return Ok();
    }
    try {
      body_ = json::parse(body);
    } catch (const json::exception& e) {
      return std::unexpected(
          Error::Serialization(fmt::format("the request body is not valid JSON: {}", e.what())));
    }
    if (!body_.is_object())
      return std::unexpected(Error::Serialization(
          fmt::format("the request body must be a JSON object, not {}", body_.type_name())));
    return Ok();
  }

  const json& body() const { return body_; }
  ValidationErrors& errors() { return errors_; }

  // Records a semantic refusal (InvalidInputException); the first one is reported, after any
  // constraint violation.
  void Refuse(std::string message) {
    if (!refusal_) refusal_ = Error::InvalidInput(std::move(message));
  }

  // The ValidationException for every violation, else the first refusal, else Ok.
  Status Checked() const {
    LAKEBOX_TRY(errors_.ToStatus());
    if (refusal_) return std::unexpected(*refusal_);
    return Ok();
  }

 private:
  json body_;
  ValidationErrors errors_;
  std::optional<Error> refusal_;
};

// A JSON object of the request, read member by member. Absent and null members read as nullopt.
class Object {
 public:
  Object(const json& value, Where where, Request& request)
      : value_(&value), where_(std::move(where)), request_(&request) {}

  static Object Root(Request& request) { return Object(request.body(), Where{}, request); }

  Result<std::optional<std::string>> String(std::string_view key, const StringRule& rule) const {
    Where where = where_.Member(key);
    const json* value = Find(key);
    if (value && !value->is_string()) return std::unexpected(WrongType(where, "a string", *value));
    std::optional<std::string> result;
    if (value) result = value->get<std::string>();
    CheckString(result, where, rule);
    return result;
  }

  Result<std::optional<int64_t>> Integer(std::string_view key, const IntRule& rule) const {
    Where where = where_.Member(key);
    const json* value = Find(key);
    if (!value) {
      if (rule.required) request_->errors().NotNull(where.path);
      return std::nullopt;
    }
    if (!value->is_number_integer())
      return std::unexpected(WrongType(where, "an integer", *value));
    if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return std::unexpected(Error::Serialization(fmt::format("{} is out of range", where.name)));
    int64_t n = value->get<int64_t>();
    if (rule.min && n < *rule.min)
      request_->errors().Add(std::to_string(n), where.path,
                             fmt::format("Member must have value greater than or equal to {}", *rule.min));
    if (rule.max && n > *rule.max)
      request_->errors().Add(std::to_string(n), where.path,
                             fmt::format("Member must have value less than or equal to {}", *rule.max));
    return n;
  }

  Result<std::optional<bool>> Bool(std::string_view key) const {
    const json* value = Find(key);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) return std::unexpected(WrongType(where_.Member(key), "a boolean", *value));
    return value->get<bool>();
  }

  Result<std::optional<Object>> Child(std::string_view key, bool required = false) const {
    Where where = where_.Member(key);
    const json* value = Find(key);
    if (!value) {
      if (required) request_->errors().NotNull(where.path);
      return std::nullopt;
    }
    if (!value->is_object()) return std::unexpected(WrongType(where, "an object", *value));
    return Object(*value, std::move(where), *request_);
  }

  // A list of objects; null elements are skipped.
  Result<std::optional<std::vector<Object>>> Children(std::string_view key,
                                                      const ListRule& rule = {}) const {
    Where where = where_.Member(key);
    LAKEBOX_ASSIGN_OR_RETURN(const json* list, List(key, where, rule));
    if (!list) return std::nullopt;
    std::vector<Object> items;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      if (item.is_null()) continue;
      if (!item.is_object()) return std::unexpected(WrongType(where.Item(i), "an object", item));
      items.emplace_back(item, where.Item(i), *request_);
    }
    return items;
  }

  Result<std::optional<std::vector<std::string>>> Strings(std::string_view key,
                                                          const StringRule& item_rule,
                                                          const ListRule& rule = {}) const {
    Where where = where_.Member(key);
    LAKEBOX_ASSIGN_OR_RETURN(const json* list, List(key, where, rule));
    if (!list) return std::nullopt;
    std::vector<std::string> items;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      if (!item.is_string()) return std::unexpected(WrongType(where.Item(i), "a string", item));
      items.push_back(item.get<std::string>());
      CheckString(items.back(), where.Item(i), item_rule);
    }
    return items;
  }

  // A string-to-string map (Glue's ParametersMap: keys 1-255 single-line characters, values up
  // to 512000).
  Result<std::optional<catalog::Parameters>> Map(std::string_view key) const {
    Where where = where_.Member(key);
    const json* value = Find(key);
    if (!value) return std::nullopt;
    if (!value->is_object()) return std::unexpected(WrongType(where, "an object", *value));
    catalog::Parameters map;
    for (const auto& [k, v] : value->items()) {
      if (!v.is_string())
        return std::unexpected(WrongType(where.Member(k), "a string", v));
      std::string text = v.get<std::string>();
      if (k.empty() || CodePoints(k) > 255 || !FitsCharset(k, Charset::kSingleLine))
        request_->errors().Add(Quoted(k), where.path,
                               "Map keys must satisfy constraint: [Member must have length between "
                               "1 and 255, Member must satisfy regular expression pattern: " +
                                   std::string(kSingleLinePattern) + "]");
      if (CodePoints(text) > 512000)
        request_->errors().Add(Quoted(text), where.path,
                               "Map value must satisfy constraint: [Member must have length less "
                               "than or equal to 512000]");
      map.emplace(k, std::move(text));
    }
    return map;
  }

  // Refuses the request (InvalidInputException `message`) when `key` holds anything but null or
  // an empty string, list or object: a feature lakebox does not have.
  void RefuseIfGiven(std::string_view key, std::string_view message) const {
    const json* value = Find(key);
    if (!value) return;
    if ((value->is_string() || value->is_array() || value->is_object()) && value->empty()) return;
    if (value->is_string() && value->get_ref<const std::string&>().empty()) return;
    request_->Refuse(std::string(message));
  }

  Request& request() const { return *request_; }

 private:
  const json* Find(std::string_view key) const {
    auto it = value_->find(key);
    if (it == value_->end() || it->is_null()) return nullptr;
    return &*it;
  }

  Result<const json*> List(std::string_view key, const Where& where, const ListRule& rule) const {
    const json* list = Find(key);
    if (!list) {
      if (rule.required) request_->errors().NotNull(where.path);
      return nullptr;
    }
    if (!list->is_array()) return std::unexpected(WrongType(where, "a list", *list));
    if (rule.max_items && list->size() > *rule.max_items)
      request_->errors().Add(fmt::format("<{} items>", list->size()), where.path,
                             fmt::format("Member must have length less than or equal to {}",
                                         *rule.max_items));
    return list;
  }

  void CheckString(const std::optional<std::string>& value, const Where& where,
                   const StringRule& rule) const {
    ValidationErrors& errors = request_->errors();
    if (!value) {
      if (rule.required) errors.NotNull(where.path);
      return;
    }
    size_t length = CodePoints(*value);
    if (length < rule.min_length)
      errors.Add(Quoted(*value), where.path,
                 fmt::format("Member must have length greater than or equal to {}", rule.min_length));
    if (length > rule.max_length)
      errors.Add(Quoted(*value), where.path,
                 fmt::format("Member must have length less than or equal to {}", rule.max_length));
    if (!FitsCharset(*value, rule.charset))
      errors.Add(Quoted(*value), where.path,
                 fmt::format("Member must satisfy regular expression pattern: {}",
                             rule.charset == Charset::kSingleLine ? kSingleLinePattern
                                                                  : kMultiLinePattern));
    if (!rule.one_of.empty() &&
        std::find(rule.one_of.begin(), rule.one_of.end(), *value) == rule.one_of.end())
      errors.Add(Quoted(*value), where.path,
                 fmt::format("Member must satisfy enum value set: [{}]", fmt::join(rule.one_of, ", ")));
  }

  static Error WrongType(const Where& where, std::string_view expected, const json& value) {
    return Error::Serialization(
        fmt::format("{} must be {}, not {}", where.name, expected, value.type_name()));
  }

  const json* value_;
  Where where_;
  Request* request_;
};

inline StringRule Enum(std::span<const std::string_view> values) { return StringRule{.one_of = values}; }

// Glue's timestamps: epoch seconds with a fraction.
inline double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// ---- In-memory pagination ----------------------------------------------------------------------

// The key a NextToken names, decoded; nullopt for no token.
inline Result<std::optional<std::string>> DecodeToken(const std::optional<std::string>& token) {
  if (!token || token->empty()) return std::nullopt;
  Result<std::string> decoded = Base64Decode(*token);
  if (!decoded)
    return std::unexpected(Error::InvalidInput(
        "Invalid NextToken: pass the NextToken of the previous response unchanged."));
  return std::move(*decoded);
}

struct PageBounds {
  size_t begin = 0;
  size_t end = 0;
  std::optional<std::string> next_token;
};

// One page of `count` items in listing order. `after(i)` says whether item i comes after the one
// the token named (false for every item up to it, true from there on); `key(i)` is what a token
// names item i by.
template <typename After, typename Key>
inline PageBounds PageOf(size_t count, int64_t max_results, After after, Key key) {
  PageBounds page;
  while (page.begin < count && !after(page.begin)) ++page.begin;
  page.end = std::min(count, page.begin + static_cast<size_t>(max_results));
  if (page.end < count) page.next_token = Base64Encode(key(page.end - 1));
  return page;
}

inline std::string Dump(const json& response) { return response.dump(); }

// A paginated list operation's answer: `{member: list}`, plus NextToken when there is a next page.
inline std::string ListResponse(std::string_view member, json list, const std::optional<std::string>& next_token) {
  json response = {{member, std::move(list)}};
  if (next_token) response["NextToken"] = *next_token;
  return Dump(response);
}

// A listing request whose only members are MaxResults (1 to `max_results_limit`) and NextToken,
// read and checked, with the token decoded (nullopt: from the start).
struct ListRequest {
  std::optional<int64_t> max_results;
  std::optional<std::string> after;
};
inline Result<ListRequest> ReadListRequest(std::string_view body, int64_t max_results_limit) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  ListRequest list;
  LAKEBOX_ASSIGN_OR_RETURN(list.max_results, root.Integer("MaxResults", IntRule{.min = 1, .max = max_results_limit}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(list.after, DecodeToken(token));
  return list;
}


}  // namespace lakebox::server::glue
