// Relationalize as Glue does it (AWS-REFERENCE.md §4.1), planned as DuckDB SQL: the job's source
// rows become one root table plus one child table per array, each a SELECT over the source
// relation (a DuckDB table or view with the catalog's columns as DuckDB types — STRUCT, LIST,
// MAP — plus a BIGINT row id column unique within the run).
// The row ids are the join keys of the root's arrays, so they should be unique across the job's
// runs too (or child rows of two runs share keys in the lake), and small: a child row's key for
// the arrays inside its element is its id * 2^20 + its index, so arrays in array elements need
// parent keys below 2^43 and fewer than 2^20 elements; a run outside that fails with an error
// (DuckDB's "Invalid Input Error: relationalize: ...") rather than write colliding keys. Dense row
// ids (rows of earlier runs + position) allow 2^43 rows in all with arrays in array elements;
// (run sequence << 32) + position allows only 2^11 runs, each deeper level 2^20 times fewer.
//  - Struct fields become top-level columns named by their path joined with the separator:
//    vehicle_status.speed_kmh → vehicle_status_speed_kmh (separator "_") or
//    "vehicle_status.speed_kmh" (separator ".", Glue's names), recursively.
//  - An array column is replaced in its parent by a BIGINT join key of the same name (NULL when
//    the array is NULL); its child table has `id` (= that key), `index` (0-based, INTEGER) and
//    `<path>_val` for arrays of scalars or `<path>_val_<field>...` for arrays of structs (with
//    "." as separator: "alerts.val.code"). Arrays inside array elements recurse into
//    grandchildren keyed the same way (alerts[].tags → column alerts_val_tags in the child and
//    table s3://lake/stage_alerts_val_tags/). Maps are kept as MAP columns; a struct without
//    fields is one column (its JSON text).
//  - The child table of `alerts` under target s3://lake/stage/ is written to s3://lake/stage_alerts/
//    (suffix "_" + path joined with "_"), so stage/ holds one table.
//  - transform "none" gives the root table only, columns as they are (structs stay structs).
//  - Mappings (ApplyMapping) and the filter apply to the root table's output columns, mappings
//    first (the filter sees the new names; a cast is TRY_CAST: NULL if a value does not convert);
//    dropping an array's key drops its child tables. A child table keeps only rows whose root row
//    passed the filter (a semi join on the row id). Partition columns must be scalar root output
//    columns; they are not partition columns of child tables. Column names match
//    case-insensitively, as DuckDB's do.
//  - Tables are listed root first, then depth first (a child, then the tables of its elements).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/error.h"
#include "etl/job.h"

namespace lakebox::etl {

struct PlannedTable {
  std::string target;                     // s3://bucket/prefix/ of this table
  std::string select_sql;                 // its rows, as a DuckDB SELECT over the source relation
  std::vector<std::string> columns;       // output column names, in order
  std::vector<std::string> partition_by;  // the job's partition_by for the root; empty for children
};

// `columns` are the source table's columns then its partition keys (as the catalog has them),
// `source_relation` the quoted name of the relation to select from, `row_id_column` the name of
// its row id column. The root table is first.
// Errors: InvalidArgument naming the job and the column for a partition_by or mapping source that
// is not an output column (listing the output columns), a non-scalar partition column, a mapping
// type or catalog column type that does not parse, two output columns or two child tables with
// one name, or an output column named like the row id column. The filter is not checked here
// (DuckDB reports it when the run binds the SQL).
Result<std::vector<PlannedTable>> PlanTables(const JobDefinition& job, const std::vector<catalog::Column>& columns,
                                            std::string_view source_relation, std::string_view row_id_column);

}  // namespace lakebox::etl
