// Athena's SQL dialect on embedded DuckDB: the Presto/Trino functions that DuckDB lacks, names
// differently or gives different semantics, provided as DuckDB macros so that queries written
// for Athena run unchanged (date_parse, from_iso8601_timestamp, json_extract_scalar,
// approx_distinct, cardinality, element_at, ...). docs/athena.md lists them and the differences
// that remain.
//
// Where: the macros live in the `main` schema of the connection's database (memory.main for the
// engine's in-memory database), so every connection of that database sees them. DuckDB's search
// path keeps `main` after whatever `USE <schema>` / `SET search_path` selects, so they resolve
// for a query in any Athena database's schema. DuckDB's own functions live in the system catalog,
// which comes after `main`: a macro with a built-in's name (date_diff, element_at, cardinality,
// split_part, regexp_replace, ...) therefore replaces the built-in for unqualified calls, while
// `system.main.<name>(...)` still reaches DuckDB's. Queries cannot drop or replace the macros
// because the engine runs SELECT/EXPLAIN statements only.
//
// Typed macro parameters (used to dispatch DATE/TIMESTAMP/MAP overloads) need an in-memory
// database or a DuckDB file of storage version v1.4.0 or later.
#pragma once

#include <string_view>
#include <vector>

#include "common/error.h"
#include "query/duckdb/duckdb.h"

namespace lakebox::query {

// Creates, or replaces, every Presto function macro (and the lakebox_* helpers they use) in the
// `main` schema of `connection`'s database, in one transaction. Idempotent. Run it once per
// database, before queries; it changes no setting.
// Errors: InvalidArgument naming the macro DuckDB refused (a DuckDB version without a function a
// macro relies on); nothing is left half-installed.
Status InstallPrestoFunctions(duckdb::Connection& connection);

// The Presto function names InstallPrestoFunctions provides, without the lakebox_* helpers, in
// installation order.
std::vector<std::string_view> PrestoFunctionNames();

}  // namespace lakebox::query
