// How the query engine (and ETL jobs) read a catalog table's objects with DuckDB: Hive types to
// DuckDB types, s3:// locations to files under the data dir, and the SELECT that scans a list of
// files with the catalog's columns (read_json with explicit columns and compression for JSON,
// read_parquet with casts to the catalog's types for Parquet). See engine.h for the rules.
// Thread safety: pure functions (ListFiles reads the file system).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/data_type.h"
#include "common/error.h"

namespace lakebox::query {

// The DuckDB type of a Hive type: string→VARCHAR, int→INTEGER, struct<a:T>→STRUCT("a" T),
// array<T>→T[], map<K,V>→MAP(K, V), ...; a field-less struct reads as VARCHAR (its JSON text).
std::string DuckType(const catalog::DataType& type);
// DuckType of the column's Hive type string; InvalidArgument naming the column if it does not parse.
Result<std::string> DuckTypeOfHive(const catalog::Column& column);

// s3://bucket/key -> <data_dir>/s3/bucket/key; nullopt for anything else (or a path with "..").
std::optional<std::filesystem::path> LocalPath(const std::filesystem::path& data_dir, std::string_view location);

struct ObjectFile {
  std::string path;  // local file path
  uint64_t size = 0;
};

// The data files under `location`, sorted by path; names starting with '.' or '_' (files and
// folders) are skipped, as Hive and Athena do.
std::vector<ObjectFile> ListFiles(const std::filesystem::path& data_dir, std::string_view location);

// ['path1', 'path2'] as a DuckDB list literal.
std::string FileList(const std::vector<ObjectFile>& files);

// The table's "classification" parameter (json, parquet, csv, ...), "" if none.
std::string Classification(const catalog::Table& table);

// One SELECT over `files` giving the table's columns in catalog order, then `key_columns`
// (SQL expressions with their aliases, each starting with ", "; "" for none).
// `classification` is "json" or "parquet". With `hive_partitioning`, the reader also gives the
// files' key=value folders as VARCHAR columns (hive_types_autocast=false), which `key_columns`
// may then name; DuckDB skips the files a filter on them excludes.
Result<std::string> ScanSelect(const catalog::Table& table, std::string_view classification,
                               const std::vector<ObjectFile>& files, const std::string& key_columns,
                               bool hive_partitioning = false);

}  // namespace lakebox::query
