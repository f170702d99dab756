// Athena's statement kinds, and the utility statements lakebox answers from the catalog without
// DuckDB (SHOW DATABASES, SHOW TABLES, SHOW COLUMNS, SHOW PARTITIONS, DESCRIBE).
//
// ClassifyStatement gives GetQueryExecution's StatementType and SubstatementType from the first
// statement's leading keywords (comments skipped): DML for queries (SELECT, WITH, VALUES, and
// INSERT, UPDATE, DELETE, MERGE, which the engine refuses), UTILITY for SHOW, DESCRIBE/DESC and
// EXPLAIN, DDL for CREATE, DROP, ALTER and MSCK (refused: the catalog is kept by the crawlers and
// the Glue API). Anything else (COPY, ATTACH, SET, ...) is DML with its keyword as substatement;
// the engine's sandbox refuses it.
//
// AnswerFromCatalog answers, with Athena's result shapes (column names as Athena gives them; the
// rows carry no header, as GetQueryResults gives none for UTILITY statements):
//   SHOW DATABASES | SHOW SCHEMAS [LIKE 'pattern']        database_name
//   SHOW TABLES [IN db] ['pattern']                        tab_name
//   SHOW COLUMNS (IN|FROM) [db.]tbl [(IN|FROM) db]         field (columns, then partition keys)
//   DESCRIBE | DESC [db.]tbl                               col_name, data_type, comment: the
//       columns then the partition keys with their Hive types; for a partitioned table Hive's
//       trailer follows: an empty row, "# Partition Information", "# col_name data_type
//       comment", an empty row, and the partition keys again
//   SHOW PARTITIONS [db.]tbl                               partition: "year=2025/month=01", the
//       values escaped as Hive escapes path names ('/' → %2F, ':' → %3A, ...), in catalog order
// Patterns are Athena's: '*' is any run of characters, '|' separates alternatives, otherwise a
// regular expression; matching ignores case. Names may be bare, "double-quoted" or `backticked`
// and are looked up lower-cased; an unqualified table is in the query's database (Athena's
// QueryExecutionContext), "default" when there is none. Statements with other clauses
// (DESCRIBE FORMATTED, SHOW CREATE TABLE, SHOW TBLPROPERTIES, ...) are refused.
//
// Errors (the Result inside the optional): InvalidArgument for a statement lakebox does not
// answer, an unknown database or table (naming what the catalog has: "Table vehicles.nope does
// not exist. The catalog has: vehicles.vehicles_raw, ..."), SHOW PARTITIONS of an unpartitioned
// table, or a bad pattern; the catalog's own errors.
//
// Thread safety: pure functions (AnswerFromCatalog reads the catalog, which is thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/error.h"
#include "query/engine.h"

namespace lakebox::query {

// GetQueryExecution's StatementType and SubstatementType.
struct StatementKind {
  std::string type;          // "DML", "DDL" or "UTILITY"
  std::string substatement;  // "SELECT", "SHOW_TABLES", "DESCRIBE_TABLE", "EXPLAIN", "CREATE_TABLE", ...
};

StatementKind ClassifyStatement(std::string_view sql);

// The answer of a SHOW or DESCRIBE statement from `catalog`; nullopt when `sql` is not a SHOW or
// DESCRIBE statement (it then runs on DuckDB).
std::optional<Result<QueryResult>> AnswerFromCatalog(std::string_view sql, const catalog::Catalog& catalog,
                                                     const std::optional<std::string>& default_database);

// Checks every EXPLAIN in `sql` (statements split by ';' outside strings, identifiers and
// comments, as DuckDB splits them): EXPLAIN ANALYZE runs its statement, so only a query (SELECT,
// WITH, VALUES, FROM, TABLE) may follow EXPLAIN [ANALYZE] [(options)]. Returns, per statement,
// whether it is a (checked) EXPLAIN, for the caller to compare with DuckDB's own split.
// Errors: InvalidArgument "Permission Error: only queries may be explained here, not COPY".
Result<std::vector<bool>> CheckExplainedStatements(std::string_view sql);

}  // namespace lakebox::query
