#include "dashboard/typed_json.h"

#include <array>
#include <cctype>
#include <vector>

#include <nlohmann/json.hpp>

namespace lakebox::dashboard {
namespace {

constexpr std::array<std::string_view, 12> kNumericTypes = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !IsDigit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i == s.size();
}

bool IsNotANumber(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "nan" || lower == "inf" || lower == "infinity";
}

void AppendString(std::string* out, std::string_view text) {
  // Replace invalid UTF-8 instead of failing: a cell's text comes from the data.
  *out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

JsonKind JsonKindOf(std::string_view type) {
  if (type == "BOOLEAN") return JsonKind::kBoolean;
  if (type.starts_with("DECIMAL")) return JsonKind::kNumber;
  for (std::string_view numeric : kNumericTypes)
    if (type == numeric) return JsonKind::kNumber;
  return JsonKind::kString;
}

void AppendTypedCell(std::string* out, JsonKind kind, const std::optional<std::string>& cell) {
  if (!cell) {
    *out += "null";
    return;
  }
  switch (kind) {
    case JsonKind::kNumber:
      if (IsJsonNumber(*cell)) {
        *out += *cell;
        return;
      }
      if (IsNotANumber(*cell)) {
        *out += "null";
        return;
      }
      break;
    case JsonKind::kBoolean:
      if (*cell == "true" || *cell == "false") {
        *out += *cell;
        return;
      }
      break;
    case JsonKind::kString: break;
  }
  AppendString(out, *cell);
}

std::string TypedRowsJson(const query::QueryResult& result) {
  std::vector<JsonKind> kinds;
  for (const std::string& type : result.column_types) kinds.push_back(JsonKindOf(type));
  std::string out = "[";
  for (size_t r = 0; r < result.rows.size(); ++r) {
    out += r == 0 ? "[" : ",[";
    const auto& row = result.rows[r];
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out += ',';
      AppendTypedCell(&out, c < kinds.size() ? kinds[c] : JsonKind::kString, row[c]);
    }
    out += ']';
  }
  out += ']';
  return out;
}

}  // namespace lakebox::dashboard
