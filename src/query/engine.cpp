#include "query/engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "catalog/data_type.h"
#include "query/table_scan.h"

namespace lakebox::query {
namespace {

using duckdb::QuoteIdentifier;
using duckdb::QuoteLiteral;

// Hive's marker for a NULL partition value.
constexpr std::string_view kHiveNullPartition = "__HIVE_DEFAULT_PARTITION__";

struct View {
  std::string sql;
  std::vector<std::string> keys;
  std::vector<std::pair<std::vector<std::optional<std::string>>, int64_t>> partitions;  // values, bytes
  int64_t bytes = 0;  // the sizes of the files it reads
};

// The view of `table`, or InvalidInput if it cannot be one.
Result<View> MakeView(const std::filesystem::path& data_dir, catalog::Catalog& catalog,
                             const catalog::Table& table) {
  std::string classification = Classification(table);
  if (classification != "json" && classification != "parquet") {
    return std::unexpected(Error::InvalidInput(
        fmt::format("classification '{}' is not queryable yet", classification)));
  }
  if (table.storage.columns.empty()) return std::unexpected(Error::InvalidInput("table has no columns"));

  std::vector<std::string> branches;
  View view;
  for (const auto& key : table.partition_keys) view.keys.push_back(key.name);
  int64_t& bytes = view.bytes;
  auto count_bytes = [&](const std::vector<ObjectFile>& files) {
    for (const auto& file : files) bytes += static_cast<int64_t>(file.size);
  };
  if (table.partition_keys.empty()) {
    auto files = ListFiles(data_dir, table.storage.location);
    count_bytes(files);
    if (!files.empty()) {
      LAKEBOX_ASSIGN_OR_RETURN(auto branch, ScanSelect(table, classification, files, ""));
      branches.push_back(std::move(branch));
    }
  } else {
    LAKEBOX_ASSIGN_OR_RETURN(auto partitions, catalog.GetPartitions(table.database, table.name));
    for (const auto& partition : partitions) {
      auto files = ListFiles(data_dir, partition.storage.location);
      if (files.empty()) continue;
      int64_t before = bytes;
      count_bytes(files);
      std::vector<std::optional<std::string>> values;
      std::string keys;
      for (size_t i = 0; i < table.partition_keys.size(); ++i) {
        const std::string* value = i < partition.values.size() ? &partition.values[i] : nullptr;
        values.push_back(value && *value != kHiveNullPartition ? std::optional(*value) : std::nullopt);
        keys += ", ";
        keys += value && *value != kHiveNullPartition ? QuoteLiteral(*value) : "CAST(NULL AS VARCHAR)";
        keys += " AS " + QuoteIdentifier(table.partition_keys[i].name);
      }
      LAKEBOX_ASSIGN_OR_RETURN(auto branch, ScanSelect(table, classification, files, keys));
      branches.push_back(std::move(branch));
      view.partitions.emplace_back(std::move(values), bytes - before);
    }
  }
  if (branches.empty()) {
    // No data yet: an empty relation with the table's columns and types.
    std::string select_list;
    for (const auto& column : table.storage.columns) {
      LAKEBOX_ASSIGN_OR_RETURN(std::string type, DuckTypeOfHive(column));
      if (!select_list.empty()) select_list += ", ";
      select_list += fmt::format("CAST(NULL AS {}) AS {}", type, QuoteIdentifier(column.name));
    }
    for (const auto& key : table.partition_keys) {
      select_list += fmt::format(", CAST(NULL AS VARCHAR) AS {}", QuoteIdentifier(key.name));
    }
    view.sql = fmt::format("SELECT {} WHERE false", select_list);
    return view;
  }
  std::string body;
  for (size_t i = 0; i < branches.size(); ++i) {
    if (i > 0) body += "\nUNION ALL\n";
    body += branches[i];
  }
  view.sql = std::move(body);
  return view;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Table references of a parse tree: "schema.table" (lower case) -> the WHERE clause of each
// SELECT whose FROM is that table alone, or nullptr for a reference anywhere else (a join, ...).
using TableRefs = std::map<std::string, std::vector<const nlohmann::json*>>;

bool HasType(const nlohmann::json& node, std::string_view type) {
  auto it = node.find("type");
  return it != node.end() && it->is_string() && it->get<std::string>() == type;
}

std::string TableKey(const nlohmann::json& ref, const std::string& default_schema) {
  std::string schema = ref.value("schema_name", "");
  if (schema.empty()) schema = default_schema;
  return Lower(schema) + "." + Lower(ref.value("table_name", ""));
}

void CollectTableRefs(const nlohmann::json& node, const std::string& default_schema, TableRefs& out) {
  if (node.is_array()) {
    for (const auto& child : node) CollectTableRefs(child, default_schema, out);
    return;
  }
  if (!node.is_object()) return;
  if (HasType(node, "BASE_TABLE") && node.contains("table_name")) {
    out[TableKey(node, default_schema)].push_back(nullptr);
    return;
  }
  auto from = node.find("from_table");
  bool single_table = HasType(node, "SELECT_NODE") && from != node.end() && from->is_object() &&
                      HasType(*from, "BASE_TABLE") && from->contains("table_name");
  if (single_table) {
    auto where = node.find("where_clause");
    out[TableKey(*from, default_schema)].push_back(where != node.end() && where->is_object() ? &*where : nullptr);
  }
  for (const auto& [key, child] : node.items()) {
    if (!(single_table && key == "from_table")) CollectTableRefs(child, default_schema, out);
  }
}

// Whether the expression refers to no column but the partition `keys` and holds no subquery;
// `saw_key` is set when it refers to one.
bool OnlyKeys(const nlohmann::json& expr, const std::set<std::string>& keys, bool& saw_key) {
  if (expr.is_array()) {
    for (const auto& child : expr) {
      if (!OnlyKeys(child, keys, saw_key)) return false;
    }
    return true;
  }
  if (!expr.is_object()) return true;
  std::string cls = expr.value("class", "");
  if (cls == "SUBQUERY") return false;
  if (cls == "COLUMN_REF") {
    auto names = expr.find("column_names");
    if (names == expr.end() || !names->is_array() || names->empty() || !names->back().is_string()) return false;
    if (!keys.contains(Lower(names->back().get<std::string>()))) return false;
    saw_key = true;
    return true;
  }
  for (const auto& [key, child] : expr.items()) {
    if (!OnlyKeys(child, keys, saw_key)) return false;
  }
  return true;
}

// Drops table qualifiers ("r"."hour" -> "hour") so the expression binds to the partitions list.
void StripQualifiers(nlohmann::json& expr) {
  if (expr.is_object() && expr.value("class", "") == "COLUMN_REF") {
    auto& names = expr["column_names"];
    names = nlohmann::json::array({names.back()});
    return;
  }
  if (expr.is_object() || expr.is_array()) {
    for (auto& child : expr) StripQualifiers(child);
  }
}

template <typename T, typename Fetch>
Result<std::vector<T>> AllPages(Fetch fetch) {
  std::vector<T> all;
  std::optional<std::string> token;
  do {
    LAKEBOX_ASSIGN_OR_RETURN(auto page, fetch(token));
    for (auto& item : page.items) all.push_back(std::move(item));
    token = std::move(page.next_token);
  } while (token);
  return all;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options, catalog::Catalog* catalog) {
  std::error_code ec;
  auto data_dir = std::filesystem::weakly_canonical(std::filesystem::absolute(options.data_dir, ec), ec);
  if (ec) return std::unexpected(Error::IoFromErrno("resolving data dir", options.data_dir.string()));
  options.data_dir = data_dir;

  std::vector<std::pair<std::string, std::string>> config = {
      {"memory_limit", options.memory_limit},
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
  };
  if (options.threads > 0) config.emplace_back("threads", std::to_string(options.threads));
  LAKEBOX_ASSIGN_OR_RETURN(auto database, duckdb::Database::Open("", config));
  LAKEBOX_ASSIGN_OR_RETURN(auto admin, duckdb::Connection::Open(database));
  std::unique_ptr<Engine> engine(new Engine(std::move(options), catalog, std::move(database), std::move(admin)));

  int pool_size = std::max(1, engine->options_.max_concurrent_queries);
  for (int i = 0; i < pool_size; ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(engine->database_));
    engine->idle_.push_back(std::move(connection));
  }
  std::unique_lock lock(engine->mu_);
  LAKEBOX_ASSIGN_OR_RETURN(engine->built_counter_, catalog->ChangeCounter());
  LAKEBOX_TRY(engine->BuildViews());
  LAKEBOX_TRY(engine->LockSandbox());
  return engine;
}

Status Engine::LockSandbox() {
  // allowed_directories must be set before external access is turned off, and nothing can be
  // changed after lock_configuration.
  std::string lake = (options_.data_dir / "s3").string() + "/";
  return admin_.Execute(fmt::format(
      "SET allowed_directories = [{}]; SET enable_external_access = false; "
      "SET lock_configuration = true;",
      QuoteLiteral(lake)));
}

Status Engine::BuildViews() {
  auto databases = AllPages<catalog::Database>(
      [&](const std::optional<std::string>& token) { return catalog_->GetDatabases(token, 1000); });
  if (!databases) return std::unexpected(databases.error());

  std::string ddl = "BEGIN TRANSACTION;\n";
  for (const auto& schema : schemas_) ddl += fmt::format("DROP SCHEMA IF EXISTS {} CASCADE;\n", QuoteIdentifier(schema));
  std::vector<std::string> schemas;
  std::vector<std::pair<std::string, std::string>> view_names;
  std::vector<std::string> view_sql;
  std::map<std::string, ViewFiles> view_files;
  for (const auto& database : *databases) {
    auto tables = AllPages<catalog::Table>([&](const std::optional<std::string>& token) {
      return catalog_->GetTables(database.name, "", token, 1000);
    });
    if (!tables) return std::unexpected(tables.error());
    schemas.push_back(database.name);
    ddl += fmt::format("CREATE SCHEMA {};\n", QuoteIdentifier(database.name));
    for (const auto& table : *tables) {
      auto view = MakeView(options_.data_dir, *catalog_, table);
      if (!view) {
        spdlog::warn("query: table {}.{} has no view: {}", database.name, table.name, view.error().message());
        continue;
      }
      ddl += fmt::format("CREATE VIEW {}.{} AS {};\n", QuoteIdentifier(database.name),
                         QuoteIdentifier(table.name), view->sql);
      view_names.emplace_back(database.name, table.name);
      view_sql.push_back(std::move(view->sql));
      ViewFiles& files = view_files[database.name + "." + table.name];
      files.keys = std::move(view->keys);
      files.bytes = view->bytes;
      for (auto& [values, bytes] : view->partitions) files.partitions.push_back({std::move(values), bytes});
    }
  }
  ddl += "COMMIT;";
  if (auto status = admin_.Execute(ddl); !status) {
    (void)admin_.Execute("ROLLBACK");
    return std::unexpected(status.error().WithContext("building the catalog's views"));
  }
  schemas_ = std::move(schemas);
  view_names_ = std::move(view_names);
  view_sql_ = std::move(view_sql);
  view_files_ = std::move(view_files);
  return {};
}

Status Engine::RefreshViews() {
  LAKEBOX_ASSIGN_OR_RETURN(int64_t counter, catalog_->ChangeCounter());
  {
    std::shared_lock lock(mu_);
    if (counter == built_counter_) return {};
  }
  std::unique_lock lock(mu_);
  if (counter == built_counter_) return {};
  LAKEBOX_TRY(BuildViews());
  built_counter_ = counter;
  return {};
}

std::string Engine::ViewList() const {
  std::string out;
  for (const auto& [database, table] : view_names_) {
    if (!out.empty()) out += ", ";
    out += database + "." + table;
  }
  return out.empty() ? "no tables" : out;
}

Result<std::string> Engine::ViewSql(std::string_view database, std::string_view table) const {
  std::shared_lock lock(mu_);
  for (size_t i = 0; i < view_names_.size(); ++i) {
    if (view_names_[i].first == database && view_names_[i].second == table) return view_sql_[i];
  }
  return std::unexpected(Error::NotFound(fmt::format("no view for {}.{}", database, table)));
}

// Interrupts a connection's query when it runs past a time limit (none when the limit is 0).
class Watchdog {
 public:
  Watchdog(duckdb::Connection& connection, std::chrono::milliseconds limit) {
    if (limit.count() <= 0) return;
    thread_ = std::thread([this, &connection, limit] {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        fired_ = true;
        connection.Interrupt();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;   // guarded by mu_
  bool fired_ = false;  // guarded by mu_
  std::thread thread_;
};

// A pooled connection, returned to the pool when the lease ends.
class Engine::ConnectionLease {
 public:
  explicit ConnectionLease(Engine& engine) : engine_(engine) {
    std::unique_lock lock(engine_.pool_mu_);
    engine_.pool_cv_.wait(lock, [&] { return !engine_.idle_.empty(); });
    connection_.emplace(std::move(engine_.idle_.back()));
    engine_.idle_.pop_back();
  }
  ~ConnectionLease() {
    {
      std::lock_guard lock(engine_.pool_mu_);
      engine_.idle_.push_back(std::move(*connection_));
    }
    engine_.pool_cv_.notify_one();
  }
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  duckdb::Connection& connection() { return *connection_; }

 private:
  Engine& engine_;
  std::optional<duckdb::Connection> connection_;
};

namespace {

// The JSON parse tree of `sql` from json_serialize_sql (parsing only, no binding; SELECT only).
std::optional<nlohmann::json> ParseTree(duckdb::Connection& connection, std::string_view sql) {
  auto tree = connection.Query("SELECT json_serialize_sql(" + QuoteLiteral(sql) + ")");
  if (!tree || tree->RowCount() != 1) return std::nullopt;
  auto json = nlohmann::json::parse(tree->Text(0, 0).value_or(""), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || json.value("error", true)) return std::nullopt;
  return json;
}

}  // namespace

std::optional<std::set<size_t>> Engine::MatchingPartitions(duckdb::Connection& connection, const ViewFiles& view,
                                                           const nlohmann::json& where) const {
  std::set<std::string> keys;
  for (const auto& key : view.keys) keys.insert(Lower(key));
  std::vector<nlohmann::json> conjuncts;
  if (where.value("class", "") == "CONJUNCTION" && HasType(where, "CONJUNCTION_AND") && where.contains("children")) {
    for (const auto& child : where["children"]) conjuncts.push_back(child);
  } else {
    conjuncts.push_back(where);
  }
  std::vector<nlohmann::json> kept;
  for (auto& conjunct : conjuncts) {
    bool saw_key = false;
    if (OnlyKeys(conjunct, keys, saw_key) && saw_key) {
      StripQualifiers(conjunct);
      kept.push_back(std::move(conjunct));
    }
  }
  if (kept.empty()) return std::nullopt;
  if (view.partitions.empty()) return std::set<size_t>();

  // DuckDB turns the kept conditions back into SQL and evaluates them on the partition values,
  // with the view's types (VARCHAR keys), so they select what the query's own filter selects.
  auto tree = ParseTree(connection, "SELECT lakebox_idx FROM lakebox_partitions WHERE lakebox_a AND lakebox_b");
  if (!tree) return std::nullopt;
  auto& node = (*tree)["statements"][0]["node"];
  if (kept.size() == 1) {
    node["where_clause"] = std::move(kept[0]);
  } else {
    node["where_clause"]["children"] = std::move(kept);
  }
  auto select = connection.Query("SELECT json_deserialize_sql(" + QuoteLiteral(tree->dump()) + ")");
  if (!select || select->RowCount() != 1 || !select->Text(0, 0)) return std::nullopt;

  std::string columns = "lakebox_idx";
  for (const auto& key : view.keys) columns += ", " + QuoteIdentifier(key);
  std::string rows;
  for (size_t i = 0; i < view.partitions.size(); ++i) {
    rows += i > 0 ? ", (" : "(";
    rows += std::to_string(i);
    for (const auto& value : view.partitions[i].values) {
      rows += ", " + (value ? QuoteLiteral(*value) : std::string("CAST(NULL AS VARCHAR)"));
    }
    rows += ")";
  }
  auto matched = connection.QueryChecked(
      fmt::format("WITH lakebox_partitions({}) AS (VALUES {}) {}", columns, rows, *select->Text(0, 0)),
      [](duckdb_statement_type type) -> Status {
        if (type == DUCKDB_STATEMENT_TYPE_SELECT) return {};
        return std::unexpected(Error::InvalidArgument("not a SELECT"));
      });
  if (!matched) return std::nullopt;
  std::set<size_t> out;
  for (size_t r = 0; r < matched->RowCount(); ++r) out.insert(static_cast<size_t>(matched->Int64(0, r)));
  return out;
}

int64_t Engine::BytesOfReferencedViews(duckdb::Connection& connection, std::string_view sql,
                                       const std::optional<std::string>& default_database) const {
  auto tree = ParseTree(connection, sql);
  if (!tree) return 0;  // EXPLAIN, or several statements of which one is not a SELECT
  TableRefs refs;
  CollectTableRefs((*tree)["statements"], default_database.value_or("main"), refs);
  int64_t bytes = 0;
  for (const auto& [table, filters] : refs) {
    auto it = view_files_.find(table);
    if (it == view_files_.end()) continue;
    const ViewFiles& view = it->second;
    std::set<size_t> selected;
    bool whole = view.keys.empty();
    for (const nlohmann::json* where : filters) {
      if (whole) break;
      auto matched = where ? MatchingPartitions(connection, view, *where) : std::nullopt;
      if (!matched) {
        whole = true;
      } else {
        selected.insert(matched->begin(), matched->end());
      }
    }
    if (whole) {
      bytes += view.bytes;
      continue;
    }
    for (size_t index : selected) {
      if (index < view.partitions.size()) bytes += view.partitions[index].bytes;
    }
  }
  return bytes;
}

Result<QueryResult> Engine::Execute(std::string_view sql, std::optional<std::string> default_database) {
  LAKEBOX_TRY(RefreshViews());
  std::shared_lock lock(mu_);
  ConnectionLease lease(*this);
  duckdb::Connection& connection = lease.connection();
  // A pooled connection keeps the previous query's USE: set the schema every time.
  auto use = connection.Execute("USE " + (default_database ? QuoteIdentifier(*default_database) : "memory.main"));
  if (!use && default_database) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "unknown database '{}'. The catalog has: {}", *default_database, ViewList())));
  }
  if (!use) return std::unexpected(use.error());

  auto start = std::chrono::steady_clock::now();
  Watchdog watchdog(connection, options_.query_timeout);
  auto checked = [](duckdb_statement_type type) -> Status {
    if (type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN) return {};
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "Permission Error: only SELECT and EXPLAIN statements may run here, not {}",
        duckdb::StatementTypeName(type))));
  };
  // The C API gives no text for nested values (STRUCT, LIST, MAP), so a single query with such
  // columns runs wrapped in a SELECT that casts them to VARCHAR; their types are read first with
  // DESCRIBE (which binds without running).
  std::vector<std::string> described_types;
  std::optional<lakebox::Result<duckdb::Result>> wrapped;
  if (connection.StatementCount(sql) == 1) {
    std::string_view body = sql;
    while (!body.empty() && (body.back() == ';' || std::isspace(static_cast<unsigned char>(body.back())))) {
      body.remove_suffix(1);
    }
    auto described = connection.QueryChecked(fmt::format("DESCRIBE (\n{}\n)", body), checked);
    if (described && described->ColumnCount() >= 2) {
      bool nested = false;
      std::string select_list;
      std::string aliases;
      for (size_t r = 0; r < described->RowCount(); ++r) {
        std::string name = described->Text(0, r).value_or("");
        std::string type = described->Text(1, r).value_or("");
        bool is_nested = type.find('(') != std::string::npos && !type.starts_with("DECIMAL");
        is_nested = is_nested || type.ends_with(']');
        nested = nested || is_nested;
        std::string column = fmt::format("c{}", r);
        if (r > 0) {
          select_list += ", ";
          aliases += ", ";
        }
        select_list += is_nested ? fmt::format("CAST({} AS VARCHAR) AS {}", column, QuoteIdentifier(name))
                                 : fmt::format("{} AS {}", column, QuoteIdentifier(name));
        aliases += column;
        described_types.push_back(std::move(type));
      }
      if (nested) {
        wrapped = connection.QueryChecked(
            fmt::format("SELECT {} FROM (\n{}\n) AS lakebox_query({})", select_list, body, aliases), checked);
        if (!*wrapped) wrapped.reset();  // the query as written reports its own error
      }
    }
  }
  auto result = wrapped ? std::move(*wrapped) : connection.QueryChecked(sql, checked);
  double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!result && watchdog.fired()) {
    return std::unexpected(Error::LimitExceeded(
        fmt::format("Query exceeded the time limit of {} ms", options_.query_timeout.count())));
  }
  if (!result) {
    const std::string& message = result.error().message();
    if (message.starts_with("Catalog Error") && message.find("does not exist") != std::string::npos) {
      return std::unexpected(
          Error(result.error().code(), fmt::format("{} The catalog has: {}", message, ViewList())));
    }
    return std::unexpected(result.error());
  }

  QueryResult out;
  size_t columns = result->ColumnCount();
  size_t rows = result->RowCount();
  for (size_t c = 0; c < columns; ++c) {
    out.column_names.push_back(result->ColumnName(c));
    out.column_types.push_back(wrapped && c < described_types.size() ? described_types[c] : result->ColumnType(c));
  }
  out.rows.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(columns);
    for (size_t c = 0; c < columns; ++c) row.push_back(result->Text(c, r));
    out.rows.push_back(std::move(row));
  }
  out.stats.rows = static_cast<int64_t>(rows);
  out.stats.engine_time_ms = elapsed_ms;
  out.stats.bytes_scanned = BytesOfReferencedViews(connection, sql, default_database);
  return out;
}

}  // namespace lakebox::query
