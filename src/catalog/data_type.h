// DataType: a Hive/Glue column type as a tree, the crawler's unit of schema inference.
//
// The catalog stores types as Hive DDL strings without spaces ("struct<a:int,b:array<string>>",
// AWS-REFERENCE §3.7); DataType is the structured form the crawler infers and merges, and the
// query engine reads back with ParseHiveType.
//
// The kinds are the ones Glue's crawler writes. Hive types outside that set are read by
// ParseHiveType as the nearest kind (tinyint, smallint, integer → int; float, real → double;
// char(n), varchar(n) → string) and so print back under the canonical name.
//
// kUnknown is "no evidence yet": a field seen only as null, or the element of arrays seen only
// empty. It merges away as soon as a real type shows up (an empty array does not fix a type; later
// records do) and prints as "string", Glue's default for such fields.
//
// Thread safety: a DataType is a value; const methods may be called from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace lakebox::catalog {

class DataType {
 public:
  enum class Kind {
    kUnknown,  // only nulls / empty arrays seen so far
    kBoolean,
    kInt,
    kBigint,
    kDouble,
    kString,
    kTimestamp,
    kDate,
    kDecimal,  // with precision() and scale()
    kBinary,
    kStruct,  // fields()
    kArray,   // element()
    kMap,     // key() and value()
  };

  // Unknown.
  DataType() = default;

  static DataType Unknown() { return DataType(); }
  // A kind without children: kUnknown through kBinary. kDecimal gets decimal(10,0), Hive's
  // default; use Decimal() for others. A container kind gets no children (an empty struct,
  // an array or map of unknown).
  static DataType Primitive(Kind kind);
  // decimal(precision,scale); precision is clamped to 1..38 and scale to 0..precision.
  static DataType Decimal(int precision, int scale);
  // Field names are kept as given; the crawler passes them lower-cased. Names should be unique.
  static DataType Struct(std::vector<std::pair<std::string, DataType>> fields);
  static DataType Array(DataType element);
  static DataType Map(DataType key, DataType value);

  Kind kind() const { return kind_; }
  bool is_primitive() const { return kind_ < Kind::kStruct; }
  // kStruct only (empty otherwise).
  const std::vector<std::pair<std::string, DataType>>& fields() const { return fields_; }
  // The field named `name` (exact match), or nullptr. kStruct only.
  const DataType* FindField(std::string_view name) const;
  // kArray only (REQUIRES kind() == kArray).
  const DataType& element() const { return children_[0]; }
  // kMap only (REQUIRES kind() == kMap).
  const DataType& key() const { return children_[0]; }
  const DataType& value() const { return children_[1]; }
  // kDecimal only (0 otherwise).
  int precision() const { return precision_; }
  int scale() const { return scale_; }

  // Hive type string, lower case, no spaces: "struct<speed_kmh:double,doors_locked:boolean>",
  // "array<struct<code:string,severity:int>>", "decimal(10,2)", "map<string,bigint>".
  // kUnknown prints as "string" (Glue's default for null-only fields), so an array of unknown
  // prints as "array<string>". Field names are printed as stored.
  std::string ToHive() const;

  // Structural equality (kinds, names in order, decimal precision and scale).
  bool operator==(const DataType& other) const;

 private:
  Kind kind_ = Kind::kUnknown;
  int precision_ = 0;
  int scale_ = 0;
  std::vector<std::pair<std::string, DataType>> fields_;
  std::vector<DataType> children_;  // kArray: {element}; kMap: {key, value}
};

// The kind's Hive name ("bigint", "struct", ...; kUnknown gives "string").
std::string_view KindName(DataType::Kind kind);

// Parses a Hive type string: the inverse of ToHive. Accepts upper case and spaces around tokens
// ("STRUCT< a : INT >"), the aliases listed at the top of this file, "decimal" alone (10,0) and
// backquoted field names. Field names are lower-cased.
// Errors: InvalidInput naming the offset and what was expected, for an unknown type name,
// unbalanced brackets, trailing text, or nesting deeper than 100 levels.
Result<DataType> ParseHiveType(std::string_view text);

// Widening, as Glue's crawler does across records and files (AWS-REFERENCE §3.7):
//  - unknown + T = T;
//  - int < bigint < double; decimal + decimal = a decimal holding both (precision capped at 38);
//    decimal + int/bigint = that decimal widened to the integer's digits; decimal + double =
//    double; date + timestamp = timestamp;
//  - struct + struct = the union of the fields, in order of first appearance (a's fields first,
//    then b's new ones), same-named fields merged;
//  - array + array = array of the merged elements; map + map = map of merged keys and values;
//  - anything else mixed (boolean with a number, a primitive with a struct, struct with array,
//    anything with string, binary with non-binary, ...) = string.
// Commutative up to struct field order; MergeTypes(t, t) == t.
DataType MergeTypes(const DataType& a, const DataType& b);

// Glue-like schema similarity in [0,1], for grouping folders into one table: the number of
// top-level column names the two have in common divided by the size of the union of names
// (types are ignored). Two structs without fields are identical (1). A non-struct counts as a
// schema of one unnamed column: equal to another only if they are the same type.
double SchemaSimilarity(const DataType& a, const DataType& b);

// Two schemas are compatible (one table) when their similarity reaches this threshold.
inline constexpr double kSchemaCompatibilityThreshold = 0.7;
inline bool SchemasCompatible(const DataType& a, const DataType& b) {
  return SchemaSimilarity(a, b) >= kSchemaCompatibilityThreshold;
}

}  // namespace lakebox::catalog
