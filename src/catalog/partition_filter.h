// The predicate language of Glue's GetPartitions `Expression` (AWS-REFERENCE.md §3.11): a SQL-like
// condition on a table's partition keys, used by the Glue API to filter partitions and by the
// query engine to prune them.
//
// Grammar (keywords case-insensitive; keys case-insensitive, bare or quoted `like this` or
// "like this"; string literals in single quotes, '' for a quote; numbers 14, -3, 2.5, 1e3):
//   expr      := term { OR term }
//   term      := factor { AND factor }
//   factor    := NOT factor | '(' expr ')' | predicate
//   predicate := operand ( = | != | <> | < | <= | > | >= ) operand
//              | operand [NOT] IN ( literal {, literal} )
//              | operand [NOT] BETWEEN operand AND operand
//              | operand [NOT] LIKE 'pattern'          (% any run, _ any one character)
//              | operand IS [NOT] NULL
//   operand   := key | literal
// Precedence, loosest first: OR, AND, NOT, predicates. An empty expression matches every
// partition.
//
// Comparing: partition values are strings. A comparison (and each IN element, each BETWEEN
// bound) is numeric when either side is numeric: a number literal, or a key whose type is a
// numeric Hive type (tinyint, smallint, int, integer, bigint, float, real, double, decimal).
// Otherwise it compares strings byte by byte. So on crawled keys (type string) holding digits,
// `year = '2026'` compares strings and `hour = 9` compares numbers (and matches "09"); on an int
// key, `year = '2026'` compares numbers. A string literal that is not a number, compared with a
// numeric-typed key, is a parse error. In a numeric comparison, a value that is not a number
// makes that comparison unknown, like SQL NULL. LIKE always matches the value's text.
//
// NULL: Hive's `__HIVE_DEFAULT_PARTITION__` value (and a missing value) is NULL. Logic is SQL's
// three-valued logic: any comparison with NULL is unknown, NOT unknown is unknown, and a partition
// matches only when the whole expression is true.
//
// Thread safety: a PartitionFilter is immutable after Parse; Matches may be called from any
// number of threads at once. Copies are cheap (the parsed tree is shared).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/error.h"

namespace lakebox::catalog {

class PartitionFilter {
 public:
  // Parses `expression` against the table's `partition_keys` (in key order, as partition values
  // are). Errors: InvalidInput for a syntax error (naming the position, 1-based, and what was
  // expected), an unknown key (naming the valid keys), or a non-numeric literal compared with a
  // numeric-typed key.
  static Result<PartitionFilter> Parse(std::string_view expression,
                                       const std::vector<Column>& partition_keys);

  // Whether a partition with `values` (one per partition key, in key order) satisfies the
  // expression.
  bool Matches(const std::vector<std::string>& values) const;

 private:
  struct Node;  // the parsed tree
  class Parser;
  explicit PartitionFilter(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

  std::shared_ptr<const Node> root_;  // null: matches everything
};

}  // namespace lakebox::catalog
