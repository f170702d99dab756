// The Parquet footer: what the crawler needs from a Parquet file without reading its data.
//
// A Parquet file ends with <FileMetaData><u32 little-endian length of it>"PAR1", and FileMetaData
// is a Thrift struct in the compact protocol (github.com/apache/parquet-format, parquet.thrift).
// ParseParquetFooter reads only the schema (the flattened list of SchemaElement), num_rows and,
// of every row group's column chunks, the top-level column (path_in_schema[0]) and
// total_compressed_size, skipping every other field, so files from any writer version parse.
// The query engine uses the chunks to count the bytes a query reads from the columns it reads.
//
// Type mapping to Hive (AWS-REFERENCE §3.7: Parquet types are taken from the file):
//   BOOLEAN → boolean; INT32 → int (DATE → date, DECIMAL → decimal(p,s), UINT_32 → bigint);
//   INT64 → bigint (TIMESTAMP_* → timestamp, DECIMAL → decimal(p,s)); INT96 → timestamp;
//   FLOAT, DOUBLE → double; BYTE_ARRAY → string when annotated STRING/UTF8, ENUM or JSON,
//   decimal when DECIMAL, else binary; FIXED_LEN_BYTE_ARRAY → decimal when DECIMAL, else binary.
//   Groups → struct; LIST (3-level, and the legacy 2-level forms) → array; MAP / MAP_KEY_VALUE →
//   map; a REPEATED field outside a LIST → array of it. Names are lower-cased (collisions after
//   lower-casing keep the first), as Hive does.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/data_type.h"
#include "common/error.h"

namespace lakebox::catalog {

// "PAR1": the first and last four bytes of every Parquet file.
inline constexpr std::string_view kParquetMagic = "PAR1";
// Bytes at the end of a file after the footer: its u32 length and the magic.
inline constexpr size_t kParquetTailSize = 8;

// One column chunk of a row group: a leaf column's pages. A nested column (struct, list, map)
// has one chunk per leaf, all with the same top-level `column`.
struct ParquetColumnChunk {
  std::string column;           // path_in_schema[0] as written (not lower-cased); "" if absent
  int64_t compressed_size = 0;  // ColumnMetaData.total_compressed_size: its pages, as stored
};

struct ParquetRowGroup {
  std::vector<ParquetColumnChunk> columns;  // in file order; a chunk without ColumnMetaData
                                            // (an encrypted column) is left out
};

struct ParquetFooter {
  DataType schema;  // kStruct: the top-level columns, in file order
  int64_t num_rows = 0;
  std::vector<ParquetRowGroup> row_groups;  // in file order
};

// The footer length from the file's last kParquetTailSize bytes.
// Errors: Corruption if `tail` is shorter or does not end in "PAR1" (InvalidInput for "PARE", an
// encrypted footer, which lakebox does not read).
Result<uint32_t> ParquetFooterLength(std::string_view tail);

// Parses the serialized FileMetaData (the `length` bytes before the tail).
// Errors: Corruption naming the offset for malformed Thrift (truncated, bad type, nesting over
// 64 levels, a list longer than the bytes left), a schema that does not add up (child counts,
// no root, missing num_rows) or a negative total_compressed_size.
Result<ParquetFooter> ParseParquetFooter(std::string_view metadata);

}  // namespace lakebox::catalog
