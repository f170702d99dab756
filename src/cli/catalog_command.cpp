// `lakebox catalog databases | tables DB | show DB.TABLE`: the Data Catalog of a running
// `lakebox serve`, read through its Glue API (GetDatabases, GetTables, GetTable, GetPartitions)
// and printed for a terminal: aligned columns, sizes and counts for people, nested column types
// drawn as a tree.
#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/data_type.h"
#include "cli/commands.h"
#include "cli/glue_client.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;

struct CatalogFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string database;
  std::string table;  // "DB.TABLE" for show
  int partitions = 20;
};

// ---- Hive type strings as trees

using catalog::DataType;

// The type as one row shows it: struct bodies are drawn as children, so they are left out here.
std::string TypeLabel(const DataType& type) {
  switch (type.kind()) {
    case DataType::Kind::kStruct:
      return "struct";
    case DataType::Kind::kArray:
      return fmt::format("array<{}>", TypeLabel(type.element()));
    case DataType::Kind::kMap:
      return fmt::format("map<{},{}>", TypeLabel(type.key()), TypeLabel(type.value()));
    default:
      return type.ToHive();
  }
}

// The named children drawn under a type: a struct's fields, or those of the struct an array
// holds (array<struct<...>>) or a map maps to.
const std::vector<std::pair<std::string, DataType>>* TypeChildren(const DataType& type) {
  switch (type.kind()) {
    case DataType::Kind::kStruct:
      return &type.fields();
    case DataType::Kind::kArray:
      return TypeChildren(type.element());
    case DataType::Kind::kMap:
      return TypeChildren(type.value());
    default:
      return nullptr;
  }
}

void AddTypeChildren(TextTable& table, const DataType& type, const std::string& prefix) {
  const auto* children = TypeChildren(type);
  if (children == nullptr) return;
  for (size_t i = 0; i < children->size(); ++i) {
    bool last = i + 1 == children->size();
    const auto& [name, child] = (*children)[i];
    table.AddRow({prefix + (last ? "└─ " : "├─ ") + name, TypeLabel(child)});
    AddTypeChildren(table, child, prefix + (last ? "   " : "│  "));
  }
}

// One column of a table, with its nested fields as a tree below it.
void AddColumnRows(TextTable& table, const json& column) {
  std::string name = StringMember(column, "Name");
  std::string type_text = StringMember(column, "Type");
  std::string comment = StringMember(column, "Comment");
  // A type lakebox cannot parse (another tool's) is shown as written.
  auto type = catalog::ParseHiveType(type_text);
  if (!type) {
    table.AddRow({name, type_text, comment});
    return;
  }
  table.AddRow({name, TypeLabel(*type), comment});
  AddTypeChildren(table, *type, "");
}

// ---- Helpers over Glue shapes

const json& Member(const json& object, std::string_view name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// A parameter of a table or partition: its Parameters, else its StorageDescriptor's.
std::optional<int64_t> StatParameter(const json& entity, std::string_view key) {
  if (auto value = IntegerMember(Member(entity, "Parameters"), key)) return value;
  return IntegerMember(Member(Member(entity, "StorageDescriptor"), "Parameters"), key);
}

std::string TextParameter(const json& entity, std::string_view key) {
  std::string value = StringMember(Member(entity, "Parameters"), key);
  if (value.empty()) value = StringMember(Member(Member(entity, "StorageDescriptor"), "Parameters"), key);
  return value;
}

std::string CountOrDash(std::optional<int64_t> value) { return value ? FormatCount(*value) : "-"; }
std::string BytesOrDash(std::optional<int64_t> value) { return value ? FormatBytes(*value) : "-"; }
std::string OrDash(std::string value) { return value.empty() ? "-" : value; }

size_t ArraySize(const json& value) { return value.is_array() ? value.size() : 0; }

Result<std::vector<json>> AllPartitions(GlueClient& client, std::string_view database, std::string_view table) {
  return client.CallAll("GetPartitions",
                        {{"DatabaseName", database}, {"TableName", table}, {"ExcludeColumnSchema", true},
                         {"MaxResults", 1000}},
                        "Partitions");
}

// ---- The commands

Status ListDatabases(const CatalogFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> databases, client.CallAll("GetDatabases", json::object(), "DatabaseList"));
  if (databases.empty()) {
    std::cout << "no databases (create one with `aws glue create-database` or a [[crawler]])\n";
    return Ok();
  }
  TextTable table({"NAME", "TABLES", "DESCRIPTION", "CREATED"},
                  {TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const json& database : databases) {
    std::string name = StringMember(database, "Name");
    LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> tables,
                             client.CallAll("GetTables", {{"DatabaseName", name}}, "TableList"));
    table.AddRow({name, FormatCount(static_cast<int64_t>(tables.size())), OrDash(StringMember(database, "Description")),
                  FormatGlueTime(Member(database, "CreateTime"))});
  }
  std::cout << table.Render();
  return Ok();
}

Status ListTables(const CatalogFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> tables,
                           client.CallAll("GetTables", {{"DatabaseName", flags.database}}, "TableList"));
  if (tables.empty()) {
    std::cout << fmt::format("no tables in database {}\n", flags.database);
    return Ok();
  }
  using Align = TextTable::Align;
  TextTable table({"NAME", "CLASSIFICATION", "COMPRESSION", "COLUMNS", "PARTITIONS", "RECORDS", "SIZE", "UPDATED"},
                  {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight});
  for (const json& entry : tables) {
    std::string name = StringMember(entry, "Name");
    std::string partitions = "-";
    if (ArraySize(Member(entry, "PartitionKeys")) > 0) {
      LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> list, AllPartitions(client, flags.database, name));
      partitions = FormatCount(static_cast<int64_t>(list.size()));
    }
    const json& updated = Member(entry, "UpdateTime").is_null() ? Member(entry, "CreateTime") : Member(entry, "UpdateTime");
    table.AddRow({name, OrDash(TextParameter(entry, "classification")), OrDash(TextParameter(entry, "compressionType")),
                  FormatCount(static_cast<int64_t>(ArraySize(Member(Member(entry, "StorageDescriptor"), "Columns")))),
                  partitions, CountOrDash(StatParameter(entry, "recordCount")),
                  BytesOrDash(StatParameter(entry, "sizeKey")), FormatGlueTime(updated)});
  }
  std::cout << table.Render();
  return Ok();
}

// Parameters `show` prints in their own places; the others go under "Parameters".
bool ShownElsewhere(std::string_view key) {
  for (std::string_view shown : {"classification", "compressionType", "recordCount", "objectCount", "sizeKey",
                                 "averageRecordSize", "UPDATED_BY_CRAWLER"}) {
    if (key == shown) return true;
  }
  return false;
}

Status ShowTable(const CatalogFlags& flags) {
  size_t dot = flags.table.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == flags.table.size()) {
    return std::unexpected(
        Error::InvalidArgument(fmt::format("\"{}\" is not DB.TABLE (e.g. vehicles.vehicles_raw)", flags.table)));
  }
  std::string database = flags.table.substr(0, dot);
  std::string name = flags.table.substr(dot + 1);
  LAKEBOX_ASSIGN_OR_RETURN(GlueClient client, GlueClient::Create(flags.endpoint));
  LAKEBOX_ASSIGN_OR_RETURN(json response, client.Call("GetTable", {{"DatabaseName", database}, {"Name", name}}));
  const json& table = Member(response, "Table");
  const json& storage = Member(table, "StorageDescriptor");
  std::string out;

  out += fmt::format("Table {}.{}\n", StringMember(table, "DatabaseName").empty() ? database
                                                                                  : StringMember(table, "DatabaseName"),
                     StringMember(table, "Name"));
  TextTable about;
  about.AddRow({"Location", OrDash(StringMember(storage, "Location"))});
  about.AddRow({"Classification", OrDash(TextParameter(table, "classification"))});
  about.AddRow({"Compression", OrDash(TextParameter(table, "compressionType"))});
  about.AddRow({"SerDe", OrDash(StringMember(Member(storage, "SerdeInfo"), "SerializationLibrary"))});
  for (const auto& [key, value] : Member(Member(storage, "SerdeInfo"), "Parameters").items()) {
    if (value.is_string()) about.AddRow({"", fmt::format("{} = {}", key, value.get<std::string>())});
  }
  about.AddRow({"Input format", OrDash(StringMember(storage, "InputFormat"))});
  about.AddRow({"Output format", OrDash(StringMember(storage, "OutputFormat"))});
  about.AddRow({"Table type", OrDash(StringMember(table, "TableType"))});
  if (std::string description = StringMember(table, "Description"); !description.empty()) {
    about.AddRow({"Description", description});
  }
  std::string version = StringMember(table, "VersionId");
  if (version.empty()) version = CountOrDash(IntegerMember(table, "VersionId"));
  about.AddRow({"Version", version});
  about.AddRow({"Created", FormatGlueTime(Member(table, "CreateTime"))});
  about.AddRow({"Updated", FormatGlueTime(Member(table, "UpdateTime"))});
  if (std::string crawler = TextParameter(table, "UPDATED_BY_CRAWLER"); !crawler.empty()) {
    about.AddRow({"Crawler", crawler});
  }
  out += about.Render("  ");

  const json& columns = Member(storage, "Columns");
  out += fmt::format("\nColumns ({})\n", ArraySize(columns));
  TextTable column_rows;
  if (columns.is_array()) {
    for (const json& column : columns) AddColumnRows(column_rows, column);
  }
  out += column_rows.Render("  ");

  const json& keys = Member(table, "PartitionKeys");
  std::vector<std::string> key_names;
  if (ArraySize(keys) > 0) {
    out += "\nPartition keys\n";
    TextTable key_rows;
    for (const json& key : keys) {
      key_names.push_back(StringMember(key, "Name"));
      key_rows.AddRow({StringMember(key, "Name"), StringMember(key, "Type"), StringMember(key, "Comment")});
    }
    out += key_rows.Render("  ");

    LAKEBOX_ASSIGN_OR_RETURN(std::vector<json> partitions, AllPartitions(client, database, name));
    size_t shown = std::min(partitions.size(), static_cast<size_t>(flags.partitions));
    if (shown == partitions.size()) {
      out += fmt::format("\nPartitions ({})\n", partitions.size());
    } else {
      out += fmt::format("\nPartitions (first {} of {}; --partitions N shows more)\n", shown,
                         FormatCount(static_cast<int64_t>(partitions.size())));
    }
    using Align = TextTable::Align;
    TextTable partition_rows({"VALUES", "LOCATION", "RECORDS", "OBJECTS", "SIZE"},
                             {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
    for (size_t i = 0; i < shown; ++i) {
      const json& partition = partitions[i];
      std::string values;
      const json& list = Member(partition, "Values");
      for (size_t v = 0; v < ArraySize(list); ++v) {
        if (v > 0) values += '/';
        std::string value = list[v].is_string() ? list[v].get<std::string>() : list[v].dump();
        values += v < key_names.size() ? fmt::format("{}={}", key_names[v], value) : value;
      }
      partition_rows.AddRow({values, OrDash(StringMember(Member(partition, "StorageDescriptor"), "Location")),
                             CountOrDash(StatParameter(partition, "recordCount")),
                             CountOrDash(StatParameter(partition, "objectCount")),
                             BytesOrDash(StatParameter(partition, "sizeKey"))});
    }
    if (shown > 0) out += partition_rows.Render("  ");
  }

  out += "\nStatistics\n";
  TextTable stats;
  stats.AddRow({"recordCount", CountOrDash(StatParameter(table, "recordCount"))});
  stats.AddRow({"objectCount", CountOrDash(StatParameter(table, "objectCount"))});
  auto size = StatParameter(table, "sizeKey");
  stats.AddRow({"sizeKey", size ? fmt::format("{} ({})", FormatCount(*size), FormatBytes(*size)) : "-"});
  stats.AddRow({"averageRecordSize", BytesOrDash(StatParameter(table, "averageRecordSize"))});
  out += stats.Render("  ");

  TextTable others;
  for (const auto& [key, value] : Member(table, "Parameters").items()) {
    if (!ShownElsewhere(key)) others.AddRow({key, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  if (!others.empty()) out += "\nParameters\n" + others.Render("  ");

  std::cout << out;
  return Ok();
}

// Runs `command` and reports its error the way every lakebox command does.
template <typename Command>
std::function<void()> Runner(std::string name, std::shared_ptr<CatalogFlags> flags, Command command) {
  return [name = std::move(name), flags = std::move(flags), command] {
    Status status = command(*flags);
    if (!status) {
      std::cerr << "lakebox catalog " << name << ": " << status.error().ToString() << "\n";
      SetExitCode(1);
    }
  };
}

void AddEndpoint(CLI::App* cmd, CatalogFlags& flags) {
  cmd->add_option("--endpoint", flags.endpoint, "URL of the running lakebox serve")->capture_default_str();
}

}  // namespace

void AddCatalogCommand(CLI::App& app) {
  CLI::App* catalog = app.add_subcommand(
      "catalog", "Show the Data Catalog of a running lakebox serve: databases, tables, columns, partitions");
  catalog->require_subcommand(1);
  auto flags = std::make_shared<CatalogFlags>();

  CLI::App* databases = catalog->add_subcommand("databases", "List the databases, with their number of tables");
  AddEndpoint(databases, *flags);
  databases->callback(Runner("databases", flags, ListDatabases));

  CLI::App* tables = catalog->add_subcommand(
      "tables", "List the tables of a database: format, compression, columns, partitions, records, size");
  tables->add_option("database", flags->database, "Database name")->required();
  AddEndpoint(tables, *flags);
  tables->callback(Runner("tables", flags, ListTables));

  CLI::App* show = catalog->add_subcommand(
      "show", "Describe one table: location, format, SerDe, columns (nested types as a tree), partitions, stats");
  show->add_option("table", flags->table, "The table, as DB.TABLE (e.g. vehicles.vehicles_raw)")->required();
  show->add_option("--partitions", flags->partitions, "Show at most this many partitions")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  AddEndpoint(show, *flags);
  show->callback(Runner("show", flags, ShowTable));
}

}  // namespace lakebox::cli
