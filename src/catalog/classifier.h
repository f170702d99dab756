// The crawler's view of one object: what format it holds, how it is compressed, and the schema of
// its records, from a bounded sample of its bytes (AWS-REFERENCE §3.5, §3.6, §3.7).
//
// Classification is by content, never by the key's name:
//  - compression: whole-object compression by magic bytes (DetectCodec in common/compression.h):
//    gzip 1f 8b, zstd 28 b5 2f fd, snappy framing ff 06 00 00 "sNaPpY"; anything else is "none".
//  - parquet: an uncompressed object that starts with "PAR1"; only the footer is read (GetRange of
//    the tail): schema and exact row count, see catalog/parquet_footer.h.
//  - json: the sample is a sequence of JSON objects (NDJSON, or objects back to back as Firehose
//    writes them, any whitespace between), or top-level arrays of objects whose elements are the
//    records. Anything else in the sequence (a bare number, a string) makes the object not JSON.
//  - csv: text with one of the delimiters , | \t ; \x01 giving the same number (≥ 2) of columns
//    on every row, at least 2 rows. The first row is a header when every cell is a non-numeric,
//    non-boolean string under 150 characters, the names are unique, and at least one column of
//    the data rows is typed otherwise (bigint, double or boolean); else the columns are named
//    col0, col1, ... and every row is data. Types per column: bigint, double, boolean or string.
//    A sample that starts with '{' or '[' is JSON or nothing.
//
// JSON types (Glue's, §3.7): integers that fit in 32 bits are int, larger ones bigint, numbers with
// a fraction or exponent, and integers between 2^63 and 2^64, double (an integer beyond 64 bits
// is refused by the parser, making its record malformed); true/false boolean; strings string (ISO
// dates stay string); objects struct, keys lower-cased (a later key equal after lower-casing is
// ignored: the first wins); arrays array of the merge of all their elements. Nulls and empty arrays
// leave a type unknown until a later record fixes it (unknown prints as string). Types widen across
// records with MergeTypes (data_type.h).
//
// Bounded: at most `max_sample_bytes` of decompressed data are parsed and about as many bytes
// read (compressed objects are read in growing pieces until the decoder has produced enough), and
// type inference stops after `max_records` records; the rest of the sample is only counted, for
// the record estimate. When a JSON sample holds no complete record, reading goes on in steps of
// max_sample_bytes up to 10 times that (Glue reads up to 10 MB to find one). A record cut off at
// the end of a sample that stopped early is dropped; at the real end of an object it is an error.
//
// Thread safety: SampleObject may be called from any number of threads at once (each thread keeps
// its own JSON parser, reused across calls).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/data_type.h"
#include "common/error.h"
#include "storage/object_store.h"

namespace lakebox::catalog {

struct SampleOptions {
  size_t max_sample_bytes = 1 << 20;  // uncompressed bytes parsed per object (Glue reads the first
                                      // 1 MB or 1,000 records)
  int max_records = 1000;             // records whose types are inferred
};

struct ObjectSample {
  std::string classification;     // "json" | "csv" | "parquet"
  std::string compression;        // "none" | "gzip" | "zstd" | "snappy" (whole-object compression;
                                  // Parquet is "none")
  DataType schema;                // kStruct: the top-level columns in first-seen order
  int64_t records_sampled = 0;    // records whose types went into `schema` (0 for Parquet)
  int64_t estimated_records = 0;  // exact for Parquet (footer) and for objects fully read; else
                                  // the sample's records scaled by the object's size
  int64_t bytes_read = 0;         // bytes read from the object store (compressed, as stored)
  Parameters table_parameters;    // CSV: delimiter, skip.header.line.count (only with a header),
                                  // areColumnsQuoted, columnsOrdered
  std::vector<std::string> csv_header;  // CSV with a header: its cells as written
};

// Reads a bounded sample of `object` (Get/GetRange on `store`) and classifies it as above.
// Errors:
//  - InvalidInput("empty object") for a 0-byte object;
//  - InvalidInput("not JSON, CSV or Parquet (first bytes: \"...\")"), with the JSON parser's
//    reason appended when the data looked like JSON ("...: record 3 at byte 712 is a number,
//    not an object");
//  - InvalidInput for zip and encrypted Parquet, which lakebox does not read;
//  - Corruption naming the codec for truncated or corrupt compressed data ("gzip data is
//    truncated: ...") and for a Parquet file whose footer is damaged;
//  - the store's errors (NotFound if the object went away, Io).
Result<ObjectSample> SampleObject(storage::ObjectStore& store, std::string_view bucket,
                                  const storage::ObjectInfo& object,
                                  const SampleOptions& options = {});

// The StorageDescriptor Glue's crawler writes for the sample's classification (AWS-REFERENCE
// §3.8): columns from the schema (Hive type strings), input/output formats, SerDe library and
// parameters (json: JsonSerDe with "paths" = the top-level keys, sorted and comma-separated, as
// Glue writes them; csv: LazySimpleSerDe with field.delim, or OpenCSVSerde with separatorChar and
// quoteChar when columns are quoted; parquet: ParquetHiveSerDe), `location`, compressed = false
// (as Glue writes it even for gzip) and parameters classification, compressionType, typeOfData
// plus the CSV ones. The crawler adds its statistics (recordCount, sizeKey, ...).
StorageDescriptor StorageDescriptorFor(const ObjectSample& sample, const std::string& location);

}  // namespace lakebox::catalog
