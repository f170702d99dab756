// Relationalize as Glue does it (AWS-REFERENCE.md §4.1), planned as DuckDB SQL: the job's source
// rows become one root table plus one child table per array, each a SELECT over the source
// relation (a DuckDB table or view with the catalog's columns as DuckDB types — STRUCT, LIST,
// MAP — plus a BIGINT row id column unique within the run).
//  - Struct fields become top-level columns named by their path joined with the separator:
//    vehicle_status.speed_kmh → vehicle_status_speed_kmh (separator "_") or
//    "vehicle_status.speed_kmh" (separator ".", Glue's names), recursively.
//  - An array column is replaced in its parent by a BIGINT join key of the same name (NULL when
//    the array is NULL); its child table has `id` (= that key), `index` (0-based, INTEGER) and
//    `<path>_val` for arrays of scalars or `<path>_val_<field>...` for arrays of structs (with
//    "." as separator: "alerts.val.code"). Arrays inside array elements recurse into
//    grandchildren keyed the same way. Maps are kept as MAP columns.
//  - The child table of `alerts` under target s3://lake/stage/ is written to s3://lake/stage_alerts/
//    (suffix "_" + path joined with "_"), so stage/ holds one table.
//  - transform "none" gives the root table only, columns as they are (structs stay structs).
//  - Mappings (ApplyMapping) and the filter apply to the root table's output columns; a child
//    table keeps only rows whose parent passed the filter. Partition columns must be root output
//    columns; they are not partition columns of child tables.
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
// is not an output column, a mapping type that does not parse, a filter is not checked here (DuckDB
// reports it when the run binds the SQL).
Result<std::vector<PlannedTable>> PlanTables(const JobDefinition& job, const std::vector<catalog::Column>& columns,
                                            std::string_view source_relation, std::string_view row_id_column);

}  // namespace lakebox::etl
