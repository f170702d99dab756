// Athena's text for nested values. Athena (Presto/Trino) prints a row, array or map cell as
//   struct  {speed_kmh=63.2, doors_locked=true}       fields by name, no quotes
//   array   [{code=TIRE_PRESSURE, severity=2}, null]   elements in order, NULL as null
//   map     {volvo=12, scania=7}
// where DuckDB's own VARCHAR cast gives {'speed_kmh': 63.2, ...}. AthenaTextSql builds, from a
// column's DuckDB type, the SQL expression that renders the column as Athena does, so the engine
// can select it instead of CAST(column AS VARCHAR): the text is made inside DuckDB, vectorized,
// in the same single query.
//
// Scalars inside nested values use DuckDB's VARCHAR cast (numbers, booleans as true/false,
// timestamps as 2026-11-25 22:16:52.123, strings as they are). A NULL nested value stays NULL.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox::query {

// The SQL expression rendering `column_sql` (an expression of type `duckdb_type`, e.g.
// "STRUCT(a INTEGER, \"b c\" VARCHAR[])") as Athena's text. InvalidArgument for a type name it
// cannot parse (the caller then falls back to DuckDB's cast).
Result<std::string> AthenaTextSql(std::string_view column_sql, std::string_view duckdb_type);

}  // namespace lakebox::query
