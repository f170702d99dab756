// PlanTables: relationalize as DuckDB SELECTs (rules in relationalize.h, naming in docs/etl.md).
//
// Every table is one SELECT over the source relation, so the runner may write them one after the
// other (or at once) without materializing anything in between:
//  - root:  SELECT <flattened columns> FROM <source> AS src [filtered]
//  - child: SELECT id, index, <flattened element> FROM (
//             SELECT <key> AS id, UNNEST(<array>) AS val, generate_subscripts(<array>, 1) - 1 AS index
//             FROM <parent rows>) AS e
//    The parent rows are the source (key = row id) for an array of the root, or the parent's
//    own unnested relation (key = ChildKey(e.id, e.index)) for an array inside array elements.
// UNNEST in the select list (with generate_subscripts zipped to it) runs as DuckDB's projection
// unnest; the equivalent lateral "UNNEST(...) WITH ORDINALITY" join is an order of magnitude
// slower in DuckDB 1.4.
#include "etl/relationalize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "catalog/data_type.h"
#include "common/strings.h"
#include "query/duckdb/duckdb.h"
#include "query/table_scan.h"

namespace lakebox::etl {
namespace {

using catalog::DataType;
using Kind = DataType::Kind;
using query::duckdb::QuoteIdentifier;
using query::duckdb::QuoteLiteral;

// Keys of rows of a child table, for their own arrays: parent key * 2^20 + index. Unique per child
// row while arrays have fewer than 2^20 elements and the parent key fits in 43 bits (row ids of
// one run do); outside that the run fails with kKeyRangeError rather than reuse a key.
constexpr int kIndexBits = 20;
constexpr int64_t kMaxIndex = int64_t{1} << kIndexBits;
constexpr int64_t kMaxParentKey = (int64_t{1} << (63 - kIndexBits)) - 1;
constexpr std::string_view kKeyRangeError =
    "relationalize: a nested array has 2^20 or more elements, or is nested too deep, for its join key to fit in "
    "a BIGINT";

constexpr std::string_view kSourceAlias = "src";
constexpr std::string_view kElementAlias = "e";

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += fmt::format("{}{}", i ? separator : "", parts[i]);
  return out;
}

std::string ChildKey(std::string_view id, std::string_view index) {
  return fmt::format("CASE WHEN {1} >= {2} OR {0} > {3} OR {0} < -{3} THEN error({4}) ELSE {0} * {2} + {1} END", id,
                     index, kMaxIndex, kMaxParentKey, QuoteLiteral(kKeyRangeError));
}

struct OutputColumn {
  std::string name;
  std::string expression;  // over the table's FROM
  DataType type;           // after flattening (array keys are bigint)
  int array = -1;          // for an array's key: the array's index in the PendingArray list
};

// An array found while flattening a table's columns: it becomes a key column there and a table of
// its own.
struct PendingArray {
  std::vector<std::string> path;  // name parts: {"alerts"}, {"info", "tags"}, {"alerts", "val", "tags"}
  std::string expression;         // the array, over `from`
  std::string key;                // the parent row's key, over `from`
  std::string from;               // the parent rows: "<source> AS src ..." or "(<unnest>) AS e"
  DataType element;
};

// Appends the columns of `expression` (of `type`, named by `path`): a struct's fields recursively,
// an array as its key (and records it in `arrays`), anything else as it is.
void Flatten(const std::string& expression, const DataType& type, const std::vector<std::string>& path,
             const std::string& separator, const std::string& key, const std::string& from,
             std::vector<OutputColumn>* columns, std::vector<PendingArray>* arrays) {
  if (type.kind() == Kind::kStruct && !type.fields().empty()) {
    for (const auto& [field, field_type] : type.fields()) {
      std::vector<std::string> field_path = path;
      field_path.push_back(field);
      Flatten(fmt::format("struct_extract({}, {})", expression, QuoteLiteral(field)), field_type, field_path,
              separator, key, from, columns, arrays);
    }
    return;
  }
  std::string name = Join(path, separator);
  if (type.kind() == Kind::kArray) {
    columns->push_back({name, fmt::format("CASE WHEN {} IS NULL THEN NULL ELSE CAST({} AS BIGINT) END", expression, key),
                        DataType::Primitive(Kind::kBigint), static_cast<int>(arrays->size())});
    arrays->push_back({path, expression, key, from, type.element()});
    return;
  }
  columns->push_back({name, expression, type});
}

std::unexpected<Error> Bad(const JobDefinition& job, std::string_view problem) {
  return std::unexpected(Error::InvalidArgument(fmt::format("job \"{}\": {}", job.name, problem)));
}

// The names of `columns` for messages ("a, b, c"), cut short after a few.
std::string NameList(const std::vector<OutputColumn>& columns) {
  constexpr size_t kMaxShown = 40;
  std::string out;
  for (size_t i = 0; i < columns.size() && i < kMaxShown; ++i) out += fmt::format("{}{}", i ? ", " : "", columns[i].name);
  if (columns.size() > kMaxShown) out += fmt::format(", ... ({} in all)", columns.size());
  return out;
}

OutputColumn* FindColumn(std::vector<OutputColumn>& columns, std::string_view name) {
  // DuckDB names are case-insensitive, so the job's names are too.
  std::string wanted = AsciiLower(name);
  for (auto& column : columns)
    if (AsciiLower(column.name) == wanted) return &column;
  return nullptr;
}

Status CheckUniqueNames(const JobDefinition& job, const std::vector<OutputColumn>& columns, std::string_view table) {
  std::set<std::string> seen;
  for (const auto& column : columns) {
    if (!seen.insert(AsciiLower(column.name)).second)
      return Bad(job, fmt::format("{} has two columns named \"{}\" (a flattened struct field and another column, or "
                                  "a mapping target); rename one with a mapping or choose another separator",
                                  table, column.name));
  }
  return Ok();
}

std::string SelectList(const std::vector<OutputColumn>& columns) {
  std::string out;
  for (const auto& column : columns)
    out += fmt::format("{}{} AS {}", out.empty() ? "" : ", ", column.expression, QuoteIdentifier(column.name));
  return out;
}

std::vector<std::string> Names(const std::vector<OutputColumn>& columns) {
  std::vector<std::string> names;
  for (const auto& column : columns) names.push_back(column.name);
  return names;
}

// ApplyMapping on the root's columns: rename, cast (TRY_CAST: a value that does not convert
// becomes NULL, as in Glue), drop. Dropping an array's key column drops its child tables too.
Status ApplyMappings(const JobDefinition& job, std::vector<OutputColumn>* columns, std::vector<PendingArray>* arrays) {
  std::vector<bool> dropped(columns->size(), false);
  std::vector<bool> dropped_arrays(arrays->size(), false);
  const std::vector<OutputColumn> before = *columns;
  for (const ColumnMapping& mapping : job.mappings) {
    OutputColumn* column = FindColumn(*columns, mapping.source);
    if (!column)
      return Bad(job, fmt::format("mapping source \"{}\" is not an output column; the output columns are: {}",
                                  mapping.source, NameList(before)));
    if (mapping.drop) {
      dropped[column - columns->data()] = true;
      if (column->array >= 0) dropped_arrays[column->array] = true;
      continue;
    }
    if (mapping.type) {
      auto type = catalog::ParseHiveType(*mapping.type);
      if (!type)
        return Bad(job, fmt::format("mapping of \"{}\": type \"{}\" is not a Hive type ({})", mapping.source,
                                    *mapping.type, type.error().message()));
      column->expression = fmt::format("TRY_CAST({} AS {})", column->expression, query::DuckType(*type));
      column->type = *type;
    }
    if (mapping.target) column->name = *mapping.target;
  }
  std::vector<OutputColumn> kept_columns;
  for (size_t i = 0; i < columns->size(); ++i)
    if (!dropped[i]) kept_columns.push_back(std::move((*columns)[i]));
  std::vector<PendingArray> kept_arrays;
  for (size_t i = 0; i < arrays->size(); ++i)
    if (!dropped_arrays[i]) kept_arrays.push_back(std::move((*arrays)[i]));
  *columns = std::move(kept_columns);
  *arrays = std::move(kept_arrays);
  if (columns->empty()) return Bad(job, "the mappings drop every column");
  return Ok();
}

}  // namespace

Result<std::vector<PlannedTable>> PlanTables(const JobDefinition& job, const std::vector<catalog::Column>& columns,
                                            std::string_view source_relation, std::string_view row_id_column) {
  const bool relationalize = job.transform != "none";
  const std::string row_id = fmt::format("{}.{}", kSourceAlias, QuoteIdentifier(row_id_column));
  const std::string source_from = fmt::format("{} AS {}", source_relation, kSourceAlias);

  // The root's columns, and the arrays they pivot out.
  std::vector<OutputColumn> root;
  std::vector<PendingArray> arrays;
  for (const auto& column : columns) {
    auto type = catalog::ParseHiveType(column.type);
    if (!type)
      return Bad(job, fmt::format("source column \"{}\" has type \"{}\" that does not parse: {}", column.name,
                                  column.type, type.error().message()));
    std::string expression = fmt::format("{}.{}", kSourceAlias, QuoteIdentifier(column.name));
    if (relationalize) {
      // The arrays' parent rows (`from`) are set below, once the filter's relation is known.
      Flatten(expression, *type, {column.name}, job.separator, row_id, "", &root, &arrays);
    } else {
      root.push_back({column.name, expression, *type});
    }
  }
  LAKEBOX_TRY(CheckUniqueNames(job, root, "the source"));
  LAKEBOX_TRY(ApplyMappings(job, &root, &arrays));
  LAKEBOX_TRY(CheckUniqueNames(job, root, "the root table"));
  if (FindColumn(root, row_id_column))
    return Bad(job, fmt::format("output column \"{}\" has the name of the run's row id column; rename it with a "
                                "mapping",
                                row_id_column));

  std::vector<std::string> partition_by;
  for (const std::string& name : job.partition_by) {
    const OutputColumn* column = FindColumn(root, name);
    if (!column)
      return Bad(job, fmt::format("partition_by column \"{}\" is not an output column; the output columns are: {}",
                                  name, NameList(root)));
    if (!column->type.is_primitive())
      return Bad(job, fmt::format("partition_by column \"{}\" is a {}; partition columns must be scalar", name,
                                  catalog::KindName(column->type.kind())));
    partition_by.push_back(column->name);
  }
  if (!partition_by.empty() && partition_by.size() == root.size())
    return Bad(job, "partition_by lists every output column; at least one must be left for the files");

  std::vector<PlannedTable> tables;
  PlannedTable root_table{job.target, "", Names(root), partition_by};
  std::string parent_rows = source_from;
  if (job.filter.empty()) {
    root_table.select_sql = fmt::format("SELECT {} FROM {}", SelectList(root), source_from);
  } else {
    // The filter sees the root's output columns; children keep the rows of the root rows that
    // pass it (a semi join on the row id, which DuckDB runs as a hash join).
    std::string row_id_alias = QuoteIdentifier(row_id_column);
    std::string filtered = fmt::format("(SELECT {}, {} AS {} FROM {}) AS root WHERE ({})", SelectList(root), row_id,
                                       row_id_alias, source_from, job.filter);
    std::string names;
    for (const auto& column : root) names += fmt::format("{}root.{}", names.empty() ? "" : ", ", QuoteIdentifier(column.name));
    root_table.select_sql = fmt::format("SELECT {} FROM {}", names, filtered);
    parent_rows = fmt::format("{} WHERE {} IN (SELECT root.{} FROM {})", source_from, row_id, row_id_alias, filtered);
  }
  tables.push_back(std::move(root_table));

  // Children, depth first: each array's table, then the tables of arrays in its elements.
  std::string target_stem = job.target;
  while (target_stem.ends_with('/')) target_stem.pop_back();
  for (auto& array : arrays) array.from = parent_rows;
  std::vector<PendingArray> pending(arrays.rbegin(), arrays.rend());
  std::set<std::string> targets = {job.target};
  while (!pending.empty()) {
    PendingArray array = std::move(pending.back());
    pending.pop_back();
    std::string unnest = fmt::format(
        "SELECT {0} AS id, UNNEST({1}) AS val, generate_subscripts({1}, 1) - 1 AS index FROM {2}", array.key,
        array.expression, array.from);
    std::string from = fmt::format("({}) AS {}", unnest, kElementAlias);
    std::vector<OutputColumn> child = {
        {"id", fmt::format("{}.id", kElementAlias), DataType::Primitive(Kind::kBigint)},
        {"index", fmt::format("CAST({}.index AS INTEGER)", kElementAlias), DataType::Primitive(Kind::kInt)}};
    std::vector<PendingArray> nested;
    std::vector<std::string> value_path = array.path;
    value_path.push_back("val");
    Flatten(fmt::format("{}.val", kElementAlias), array.element, value_path, job.separator,
            ChildKey(fmt::format("{}.id", kElementAlias), fmt::format("{}.index", kElementAlias)), from, &child,
            &nested);
    std::string table_name = Join(array.path, "_");
    LAKEBOX_TRY(CheckUniqueNames(job, child, fmt::format("child table {}", table_name)));
    std::string target = fmt::format("{}_{}/", target_stem, table_name);
    if (!targets.insert(target).second)
      return Bad(job, fmt::format("two child tables would be written to {} (arrays whose paths join to \"{}\"); "
                                  "drop one with a mapping",
                                  target, table_name));
    tables.push_back({target,
                      fmt::format("SELECT {} FROM {}", SelectList(child), from), Names(child), {}});
    pending.insert(pending.end(), nested.rbegin(), nested.rend());
  }
  return tables;
}

}  // namespace lakebox::etl
