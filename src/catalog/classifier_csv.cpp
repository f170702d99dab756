// Delimited text → schema, after Glue's built-in CSV classifier (AWS-REFERENCE §3.6) and the
// types LazySimpleSerDe tables get (bigint, double, boolean, string).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "common/strings.h"

#include "catalog/classifier_internal.h"

namespace lakebox::catalog::classifier_internal {
namespace {

using Kind = DataType::Kind;

constexpr char kDelimiters[] = {',', '|', '\t', ';', '\x01'};
constexpr size_t kMaxHeaderCell = 150;

struct Rows {
  std::vector<std::vector<std::string>> rows;  // the first ones, up to the cap asked for
  int64_t count = 0;                           // every complete, non-blank row
  size_t end = 0;                              // offset just past the last complete row
  bool quoted = false;
  bool consistent = true;  // every row has the same number of cells
  size_t columns = 0;
};

// Splits `text` into rows of cells. A cell that starts with '"' is quoted: it may hold the
// delimiter, newlines and "" for a quote. Rows end at \n (a \r before it is dropped); blank rows
// are skipped. With `cut`, a last row without its newline is incomplete and dropped.
// Returns false for an unterminated quote at the real end of the data.
bool SplitRows(std::string_view text, char delimiter, bool cut, size_t keep, Rows& out) {
  size_t pos = 0;
  std::vector<std::string> cells;
  while (pos < text.size()) {
    cells.clear();
    bool complete = false;
    std::string cell;
    while (true) {
      if (pos < text.size() && text[pos] == '"') {
        out.quoted = true;
        ++pos;
        bool closed = false;
        while (pos < text.size()) {
          if (text[pos] == '"') {
            if (pos + 1 < text.size() && text[pos + 1] == '"') {
              cell.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          cell.push_back(text[pos++]);
        }
        if (!closed) {
          if (!cut) return false;
          break;  // a partial last row
        }
      }
      // Unquoted text (or what follows a closing quote) up to the delimiter or the end of line.
      while (pos < text.size() && text[pos] != delimiter && text[pos] != '\n')
        cell.push_back(text[pos++]);
      if (pos >= text.size()) {
        complete = !cut;
        if (!cell.empty() && cell.back() == '\r') cell.pop_back();
        cells.push_back(std::move(cell));
        break;
      }
      if (text[pos] == delimiter) {
        cells.push_back(std::move(cell));
        cell.clear();
        ++pos;
        continue;
      }
      // '\n'
      if (!cell.empty() && cell.back() == '\r') cell.pop_back();
      cells.push_back(std::move(cell));
      ++pos;
      complete = true;
      break;
    }
    if (!complete) break;
    const bool blank = cells.size() == 1 && cells[0].empty();
    if (blank) continue;
    if (out.count == 0) out.columns = cells.size();
    if (cells.size() != out.columns) out.consistent = false;
    ++out.count;
    out.end = pos;
    if (out.rows.size() < keep) out.rows.push_back(cells);
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The type a cell's text reads as: unknown for an empty cell.
Kind CellKind(std::string_view raw) {
  const std::string_view s = Trim(raw);
  if (s.empty()) return Kind::kUnknown;
  if (EqualsIgnoreCase(s, "true") || EqualsIgnoreCase(s, "false")) return Kind::kBoolean;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  const size_t int_start = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  const size_t int_digits = i - int_start;
  if (i == s.size() && int_digits > 0) {
    // 19 digits may or may not fit in int64; more never do.
    if (int_digits < 19) return Kind::kBigint;
    if (int_digits > 19) return Kind::kDouble;
    const std::string_view digits = s.substr(int_start);
    const std::string_view limit = s[0] == '-' ? "9223372036854775808" : "9223372036854775807";
    return digits <= limit ? Kind::kBigint : Kind::kDouble;
  }
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac_start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    frac_digits = i - frac_start;
  }
  if (int_digits + frac_digits == 0) return Kind::kString;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == exp_start) return Kind::kString;
  }
  return i == s.size() ? Kind::kDouble : Kind::kString;
}

Kind MergeCellKinds(Kind a, Kind b) {
  if (a == b || b == Kind::kUnknown) return a;
  if (a == Kind::kUnknown) return b;
  if ((a == Kind::kBigint || a == Kind::kDouble) && (b == Kind::kBigint || b == Kind::kDouble)) {
    return Kind::kDouble;
  }
  return Kind::kString;
}

// The merged cell types of rows [first, last) of `rows`.
std::vector<Kind> ColumnKinds(const std::vector<std::vector<std::string>>& rows, size_t first,
                              size_t last, size_t columns) {
  std::vector<Kind> kinds(columns, Kind::kUnknown);
  for (size_t r = first; r < std::min(last, rows.size()); ++r) {
    for (size_t c = 0; c < columns; ++c) kinds[c] = MergeCellKinds(kinds[c], CellKind(rows[r][c]));
  }
  return kinds;
}

// Glue's header test: every header cell a short string, names unique, and the data rows typed
// differently somewhere (an all-string table gives no evidence that row 1 is special).
bool LooksLikeHeader(const std::vector<std::string>& header, const std::vector<Kind>& data_kinds) {
  std::set<std::string> names;
  for (const std::string& cell : header) {
    const std::string_view name = Trim(cell);
    if (name.empty() || name.size() >= kMaxHeaderCell || CellKind(name) != Kind::kString)
      return false;
    if (!names.insert(AsciiLower(name)).second) return false;
  }
  return std::any_of(data_kinds.begin(), data_kinds.end(),
                     [](Kind k) { return k != Kind::kString && k != Kind::kUnknown; });
}

}  // namespace

Result<CsvInference> InferCsv(std::string_view sample, bool cut, int max_records) {
  if (sample.find('\0') != std::string_view::npos) {
    return std::unexpected(Error::InvalidInput("binary data (NUL bytes) is not CSV"));
  }
  const size_t bom = sample.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // UTF-8 byte order mark
  sample.remove_prefix(bom);
  // Keep one row more than max_records: the first may turn out to be the header.
  const size_t records = static_cast<size_t>(std::max(max_records, 1));
  const size_t keep = records + 1;
  int best = -1;
  Rows best_rows;
  for (size_t d = 0; d < std::size(kDelimiters); ++d) {
    Rows rows;
    if (!SplitRows(sample, kDelimiters[d], cut, keep, rows)) continue;
    if (!rows.consistent || rows.columns < 2 || rows.count < 2) continue;
    if (best < 0 || rows.columns > best_rows.columns) {
      best = static_cast<int>(d);
      best_rows = std::move(rows);
    }
  }
  if (best < 0) {
    return std::unexpected(Error::InvalidInput(
        "no delimiter (, | tab ; \\x01) gives the same number (at least 2) of columns on at least "
        "2 rows"));
  }

  CsvInference csv;
  csv.delimiter = kDelimiters[best];
  csv.quoted = best_rows.quoted;
  const auto& rows = best_rows.rows;
  const size_t columns = best_rows.columns;
  const std::vector<Kind> data_kinds = ColumnKinds(rows, 1, keep, columns);
  csv.has_header = LooksLikeHeader(rows[0], data_kinds);

  std::vector<Kind> kinds = csv.has_header ? data_kinds : ColumnKinds(rows, 0, records, columns);
  std::vector<std::pair<std::string, DataType>> fields;
  for (size_t c = 0; c < columns; ++c) {
    std::string name = csv.has_header ? AsciiLower(Trim(rows[0][c])) : fmt::format("col{}", c);
    fields.emplace_back(std::move(name), DataType::Primitive(kinds[c]));
  }
  if (csv.has_header) csv.header = rows[0];
  const int64_t header_rows = csv.has_header ? 1 : 0;
  csv.inference.schema = DataType::Struct(std::move(fields));
  csv.inference.records_counted = best_rows.count - header_rows;
  csv.inference.records_sampled =
      std::min<int64_t>(static_cast<int64_t>(rows.size()) - header_rows, max_records);
  csv.inference.bytes_counted = bom + best_rows.end;
  return csv;
}

}  // namespace lakebox::catalog::classifier_internal
