#include "query/table_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "query/duckdb/duckdb.h"

namespace lakebox::query {

using duckdb::QuoteIdentifier;
using duckdb::QuoteLiteral;

std::string DuckType(const catalog::DataType& type) {
  using Kind = catalog::DataType::Kind;
  switch (type.kind()) {
    case Kind::kUnknown:
    case Kind::kString: return "VARCHAR";
    case Kind::kBoolean: return "BOOLEAN";
    case Kind::kInt: return "INTEGER";
    case Kind::kBigint: return "BIGINT";
    case Kind::kDouble: return "DOUBLE";
    case Kind::kTimestamp: return "TIMESTAMP";
    case Kind::kDate: return "DATE";
    case Kind::kDecimal: return fmt::format("DECIMAL({},{})", type.precision(), type.scale());
    case Kind::kBinary: return "BLOB";
    case Kind::kArray: return DuckType(type.element()) + "[]";
    case Kind::kMap: return fmt::format("MAP({}, {})", DuckType(type.key()), DuckType(type.value()));
    case Kind::kStruct: {
      // DuckDB has no empty STRUCT; a field-less Hive struct reads as its JSON text.
      if (type.fields().empty()) return "VARCHAR";
      std::string out = "STRUCT(";
      for (size_t i = 0; i < type.fields().size(); ++i) {
        if (i > 0) out += ", ";
        out += QuoteIdentifier(type.fields()[i].first) + " " + DuckType(type.fields()[i].second);
      }
      return out + ")";
    }
  }
  return "VARCHAR";
}

Result<std::string> DuckTypeOfHive(const catalog::Column& column) {
  auto type = catalog::ParseHiveType(column.type);
  if (!type) return std::unexpected(type.error().WithContext(fmt::format("column {}", column.name)));
  return DuckType(*type);
}

// s3://bucket/key -> <data_dir>/s3/bucket/key; nullopt for anything else.
std::optional<std::filesystem::path> LocalPath(const std::filesystem::path& data_dir,
                                               std::string_view location) {
  constexpr std::string_view kScheme = "s3://";
  if (!location.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = location.substr(kScheme.size());
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find("..") != std::string_view::npos) return std::nullopt;
  return data_dir / "s3" / std::filesystem::path(rest);
}

// The data files under `location`, sorted; Hive and Athena skip names starting with '.' or '_'.
std::vector<ObjectFile> ListFiles(const std::filesystem::path& data_dir, std::string_view location) {
  std::vector<ObjectFile> files;
  auto root = LocalPath(data_dir, location);
  if (!root) return files;
  std::error_code ec;
  if (!std::filesystem::is_directory(*root, ec)) return files;
  for (auto it = std::filesystem::recursive_directory_iterator(*root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with('.') || name.starts_with('_')) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    files.push_back({it->path().string(), it->file_size(ec)});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

std::string FileList(const std::vector<ObjectFile>& files) {
  std::string out = "[";
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0) out += ", ";
    out += QuoteLiteral(files[i].path);
  }
  return out + "]";
}

std::string Classification(const catalog::Table& table) {
  for (const auto* params : {&table.parameters, &table.storage.parameters}) {
    auto it = params->find("classification");
    if (it != params->end()) return it->second;
  }
  return "";
}

// One SELECT over `files` giving the table's columns in catalog order, then `key_columns`
// (already SQL expressions with their aliases).
Result<std::string> ScanSelect(const catalog::Table& table, std::string_view classification,
                               const std::vector<ObjectFile>& files, const std::string& key_columns,
                               bool hive_partitioning) {
  const std::string_view hive =
      hive_partitioning ? "hive_partitioning=true, hive_types_autocast=false" : "hive_partitioning=false";
  bool json = classification == "json";
  std::string select_list;
  std::string json_columns;  // read_json's columns={'name': 'TYPE', ...}
  for (const auto& column : table.storage.columns) {
    LAKEBOX_ASSIGN_OR_RETURN(std::string type, DuckTypeOfHive(column));
    if (!select_list.empty()) {
      select_list += ", ";
      json_columns += ", ";
    }
    // Parquet files carry their own types (a writer may have used decimal for a double
    // column): the catalog's types win, as in Athena.
    select_list += json ? QuoteIdentifier(column.name)
                        : fmt::format("CAST({0} AS {1}) AS {0}", QuoteIdentifier(column.name), type);
    json_columns += QuoteLiteral(column.name) + ": " + QuoteLiteral(type);
  }
  select_list += key_columns;
  if (!json) {
    return fmt::format("SELECT {} FROM read_parquet({}, union_by_name=true, {})", select_list, FileList(files),
                       hive);
  }
  // Firehose's objects need not end in .gz, so the crawler's compressionType decides; DuckDB
  // guesses from the file extension otherwise.
  auto compression = table.parameters.find("compressionType");
  std::string_view codec = "auto_detect";
  if (compression != table.parameters.end() && (compression->second == "gzip" || compression->second == "zstd")) {
    codec = compression->second;
  }
  return fmt::format(
      "SELECT {} FROM read_json({}, columns={{{}}}, format='newline_delimited', "
      "compression='{}', {})",
      select_list, FileList(files), json_columns, codec, hive);
}

}  // namespace lakebox::query
