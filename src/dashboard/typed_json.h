// A query result's rows as typed JSON, for charts: the engine gives every cell as DuckDB's text
// (query::QueryResult), the page wants numbers it can plot.
//
// By column type (DuckDB's names, as QueryResult::column_types gives them):
//   TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, their U- variants, FLOAT, DOUBLE, DECIMAL(p,s)
//       a JSON number, written as DuckDB printed it (so BIGINT, HUGEINT and DECIMAL digits are
//       exact in the JSON text; JavaScript reads numbers beyond 2^53 approximately). NaN and
//       infinities, which JSON cannot hold, become null.
//   BOOLEAN
//       true / false.
//   anything else (VARCHAR, DATE, TIMESTAMP, STRUCT, LIST, ...)
//       a string: DuckDB's text of the value.
//   NULL of any type
//       null.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "query/engine.h"

namespace lakebox::dashboard {

enum class JsonKind { kNumber, kBoolean, kString };

// How cells of a column of DuckDB type `type` are written.
JsonKind JsonKindOf(std::string_view type);

// Appends one cell as `kind` to `out` (see the top of this file). A cell that is not what its kind
// expects (not a JSON number, not "true"/"false") is written as a string, so the output is always
// valid JSON.
void AppendTypedCell(std::string* out, JsonKind kind, const std::optional<std::string>& cell);

// `result`'s rows as a JSON array of arrays, one per row, cells in column order.
std::string TypedRowsJson(const query::QueryResult& result);

}  // namespace lakebox::dashboard
