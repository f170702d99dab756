#include "query/engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "catalog/data_type.h"
#include "catalog/parquet_footer.h"
#include "common/strings.h"
#include "query/athena_statements.h"
#include "query/athena_text.h"
#include "query/presto_functions.h"
#include "query/table_scan.h"

namespace lakebox::query {
namespace {

using duckdb::QuoteIdentifier;
using duckdb::QuoteLiteral;

// Hive's marker for a NULL partition value.
constexpr std::string_view kHiveNullPartition = "__HIVE_DEFAULT_PARTITION__";

struct View {
  struct Partition {
    std::vector<std::optional<std::string>> values;  // empty when unpartitioned
    std::vector<ObjectFile> files;
    int64_t bytes = 0;
  };
  std::string sql;
  std::vector<std::string> keys;
  std::vector<Partition> partitions;  // those with files
};

int64_t SizeOf(const std::vector<ObjectFile>& files) {
  int64_t bytes = 0;
  for (const auto& file : files) bytes += static_cast<int64_t>(file.size);
  return bytes;
}

// Whether a partition value reads back unchanged from its key=value folder name with DuckDB's
// hive_partitioning: not Hive's NULL marker (nor "NULL", which DuckDB reads as NULL), and
// nothing Hive would have escaped (%XX) in a folder name.
bool PlainPartitionValue(std::string_view value) {
  if (value.empty() || value == kHiveNullPartition) return false;
  if (value.size() == 4 && std::tolower(static_cast<unsigned char>(value[0])) == 'n' &&
      std::tolower(static_cast<unsigned char>(value[1])) == 'u' &&
      std::tolower(static_cast<unsigned char>(value[2])) == 'l' &&
      std::tolower(static_cast<unsigned char>(value[3])) == 'l') {
    return false;
  }
  return std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// The folders of `path` that hold '=' ("year=2025"), outermost first (the file name excluded).
std::vector<std::string_view> KeyValueFolders(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', start)) {
    std::string_view folder = path.substr(start, slash - start);
    if (folder.find('=') != std::string_view::npos) out.push_back(folder);
    start = slash + 1;
  }
  return out;
}

// Whether the partitions can be read by ONE hive-partitioned scan over all their files: every
// partition's location ends with its key=value folders (the table's keys, in order, as
// Firehose prefixes and ETL output write them), the values need no escaping, and no other
// key=value folder appears in a file's path, so DuckDB's hive_partitioning gives each file
// exactly its catalog partition's values. One scan starts far less work under a LIMIT than a
// UNION ALL with a branch per partition, and DuckDB still drops the files a filter on the keys
// excludes.
bool HiveLayout(const catalog::Table& table, const std::vector<catalog::Partition>& partitions,
                const std::vector<std::vector<ObjectFile>>& files) {
  for (size_t p = 0; p < partitions.size(); ++p) {
    const catalog::Partition& partition = partitions[p];
    if (partition.values.size() != table.partition_keys.size()) return false;
    std::vector<std::string> folders;
    std::string suffix;
    for (size_t i = 0; i < table.partition_keys.size(); ++i) {
      if (!PlainPartitionValue(partition.values[i])) return false;
      folders.push_back(table.partition_keys[i].name + "=" + partition.values[i]);
      suffix += "/" + folders.back();
    }
    std::string_view location = partition.storage.location;
    while (location.ends_with('/')) location.remove_suffix(1);
    if (!location.ends_with(suffix)) return false;
    for (const ObjectFile& file : files[p]) {
      auto found = KeyValueFolders(file.path);
      if (!std::equal(found.begin(), found.end(), folders.begin(), folders.end())) return false;
    }
  }
  return true;
}

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
  if (table.partition_keys.empty()) {
    auto files = ListFiles(data_dir, table.storage.location);
    if (!files.empty()) {
      LAKEBOX_ASSIGN_OR_RETURN(auto branch, ScanSelect(table, classification, files, ""));
      branches.push_back(std::move(branch));
      int64_t bytes = SizeOf(files);
      view.partitions.push_back({{}, std::move(files), bytes});
    }
  } else {
    LAKEBOX_ASSIGN_OR_RETURN(auto all_partitions, catalog.GetPartitions(table.database, table.name));
    std::vector<catalog::Partition> partitions;
    std::vector<std::vector<ObjectFile>> partition_files;
    for (auto& partition : all_partitions) {
      auto files = ListFiles(data_dir, partition.storage.location);
      if (files.empty()) continue;
      partitions.push_back(std::move(partition));
      partition_files.push_back(std::move(files));
    }
    const bool one_scan = !partitions.empty() && HiveLayout(table, partitions, partition_files);
    std::vector<ObjectFile> every_file;  // of the one scan
    for (size_t p = 0; p < partitions.size(); ++p) {
      const catalog::Partition& partition = partitions[p];
      std::vector<ObjectFile>& files = partition_files[p];
      std::vector<std::optional<std::string>> values;
      std::string keys;
      for (size_t i = 0; i < table.partition_keys.size(); ++i) {
        const std::string* value = i < partition.values.size() ? &partition.values[i] : nullptr;
        values.push_back(value && *value != kHiveNullPartition ? std::optional(*value) : std::nullopt);
        keys += ", ";
        keys += value && *value != kHiveNullPartition ? QuoteLiteral(*value) : "CAST(NULL AS VARCHAR)";
        keys += " AS " + QuoteIdentifier(table.partition_keys[i].name);
      }
      if (one_scan) {
        every_file.insert(every_file.end(), files.begin(), files.end());
      } else {
        LAKEBOX_ASSIGN_OR_RETURN(auto branch, ScanSelect(table, classification, files, keys));
        branches.push_back(std::move(branch));
      }
      int64_t bytes = SizeOf(files);
      view.partitions.push_back({std::move(values), std::move(files), bytes});
    }
    if (one_scan) {
      // The keys come from the files' key=value folders, as VARCHAR.
      std::string keys;
      for (const auto& key : table.partition_keys) keys += ", " + QuoteIdentifier(key.name);
      LAKEBOX_ASSIGN_OR_RETURN(auto scan, ScanSelect(table, classification, every_file, keys, /*hive_partitioning=*/true));
      branches.push_back(std::move(scan));
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
  return AsciiLower(schema) + "." + AsciiLower(ref.value("table_name", ""));
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
    if (!keys.contains(AsciiLower(names->back().get<std::string>()))) return false;
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

// The profiler metrics lakebox reads: the scans' projections and filters, and the memory peak.
constexpr std::string_view kProfilingSettings =
    R"({"EXTRA_INFO": "true", "OPERATOR_TYPE": "true", "SYSTEM_PEAK_BUFFER_MEMORY": "true"})";
constexpr auto kMemorySampleInterval = std::chrono::milliseconds(100);
constexpr int kMaxProfileDepth = 1000;

// A profiler metric of `node` as text; "" when absent.
std::string Metric(duckdb_profiling_info node, const char* key) {
  duckdb_value value = duckdb_profiling_info_get_value(node, key);
  if (value == nullptr) return "";
  char* text = duckdb_get_varchar(value);
  std::string out = text ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&value);
  return out;
}

// What the profiler saw of the connection's last query.
struct QueryProfile {
  bool profiled = false;  // false: DuckDB ran no profiled operator (or the query was not a SELECT)
  std::vector<std::string> parquet_scans;  // see ScanText
  int64_t peak_buffer_memory = 0;          // the connection's running maximum (engine.h)
};

// A READ_PARQUET scan's EXTRA_INFO ("Function: READ_PARQUET, Projections: vendor\nnotes,
// Filters: speed_kmh>10.0, ...") reduced to where column names appear: lower-cased, from
// "projections:" on, with string literals and the other keys' names blanked.
std::string ScanText(std::string_view extra_info) {
  std::string text = AsciiLower(extra_info);
  size_t start = text.find("projections:");
  if (start != std::string::npos) text.erase(0, start);
  for (std::string_view key : {"projections:", "file filters:", "scanning files:", "filters:",
                                "__estimated_cardinality__:", "total files read:"}) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), std::string(key.size(), ' '));
    }
  }
  bool in_literal = false;
  for (char& c : text) {
    if (c == '\'') {
      in_literal = !in_literal;  // '' inside a literal toggles twice
    } else if (in_literal) {
      c = ' ';
    }
  }
  return text;
}

void CollectScans(duckdb_profiling_info node, int depth, QueryProfile& profile) {
  if (depth > kMaxProfileDepth) return;
  if (Metric(node, "OPERATOR_TYPE") == "TABLE_SCAN") {
    std::string extra = Metric(node, "EXTRA_INFO");
    if (AsciiLower(extra).find("function: read_parquet") != std::string::npos) {
      profile.parquet_scans.push_back(ScanText(extra));
    }
  }
  idx_t children = duckdb_profiling_info_get_child_count(node);
  for (idx_t i = 0; i < children; ++i) CollectScans(duckdb_profiling_info_get_child(node, i), depth + 1, profile);
}

// The profile of the connection's last statement (none if DuckDB ran it without operators to
// profile, as a count(*) it answers from Parquet footers).
QueryProfile ReadProfile(duckdb::Connection& connection) {
  QueryProfile profile;
  duckdb_profiling_info root = duckdb_get_profiling_info(connection.raw());
  if (root == nullptr) return profile;
  profile.profiled = true;
  profile.peak_buffer_memory = std::atoll(Metric(root, "SYSTEM_PEAK_BUFFER_MEMORY").c_str());
  CollectScans(root, 0, profile);
  return profile;
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The columns (lower case) of `columns` that appear in a scan's text as whole names.
std::set<std::string> ColumnsIn(const std::vector<std::string>& scans, const std::vector<std::string>& columns) {
  std::set<std::string> found;
  for (const std::string& column : columns) {
    if (column.empty()) continue;
    for (const std::string& scan : scans) {
      bool hit = false;
      for (size_t at = scan.find(column); at != std::string::npos && !hit; at = scan.find(column, at + 1)) {
        bool starts = at == 0 || !IsNameChar(scan[at - 1]);
        size_t end = at + column.size();
        bool ends = end == scan.size() || !IsNameChar(scan[end]);
        hit = starts && ends;
      }
      if (hit) {
        found.insert(column);
        break;
      }
    }
  }
  return found;
}

// DuckDB's buffer-managed memory now (duckdb_memory(), every tag); 0 if it cannot be read.
int64_t BufferMemory(duckdb::Connection& connection) {
  auto result = connection.Query("SELECT sum(memory_usage_bytes)::BIGINT FROM duckdb_memory()");
  if (!result || result->RowCount() != 1) return 0;
  return result->Int64(0, 0);
}

}  // namespace

// Samples BufferMemory every kMemorySampleInterval on its own connection while queries run,
// keeping each running query's maximum.
class Engine::MemorySampler {
 public:
  using Peak = std::shared_ptr<std::atomic<int64_t>>;

  explicit MemorySampler(duckdb::Connection connection) : connection_(std::move(connection)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~MemorySampler() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;

  // A running query's maximum, updated until Unregister.
  Peak Register() {
    auto peak = std::make_shared<std::atomic<int64_t>>(0);
    {
      std::lock_guard lock(mu_);
      running_.insert(peak);
    }
    cv_.notify_all();
    return peak;
  }
  void Unregister(const Peak& peak) {
    std::lock_guard lock(mu_);
    running_.erase(peak);
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !running_.empty(); });
      if (stop_) return;
      lock.unlock();
      int64_t sample = BufferMemory(connection_);
      lock.lock();
      for (const Peak& peak : running_) {
        int64_t seen = peak->load();
        while (sample > seen && !peak->compare_exchange_weak(seen, sample)) {
        }
      }
      cv_.wait_for(lock, kMemorySampleInterval, [this] { return stop_; });
    }
  }

  duckdb::Connection connection_;  // used by the sampling thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<Peak> running_;  // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  std::thread thread_;
};

Engine::Engine(EngineOptions options, catalog::Catalog* catalog, duckdb::Database database, duckdb::Connection admin)
    : options_(std::move(options)), catalog_(catalog), database_(std::move(database)), admin_(std::move(admin)) {}

Engine::~Engine() = default;

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

  // Profiling must be on before the sandbox locks the configuration (it is a per-connection
  // setting that cannot be set globally).
  int pool_size = std::max(1, engine->options_.max_concurrent_queries);
  for (int i = 0; i < pool_size; ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(engine->database_));
    LAKEBOX_TRY(connection.Execute(fmt::format("SET enable_profiling = 'no_output'; SET custom_profiling_settings = {}",
                                               QuoteLiteral(kProfilingSettings))));
    engine->idle_.push_back({std::move(connection), 0});
  }
  LAKEBOX_ASSIGN_OR_RETURN(auto sampler_connection, duckdb::Connection::Open(engine->database_));
  engine->sampler_ = std::make_unique<MemorySampler>(std::move(sampler_connection));
  std::unique_lock lock(engine->mu_);
  LAKEBOX_ASSIGN_OR_RETURN(engine->built_counter_, catalog->ChangeCounter());
  LAKEBOX_TRY(engine->BuildViews());
  // Athena's Presto functions, as macros in the main schema (found from every database's schema).
  LAKEBOX_TRY(InstallPrestoFunctions(engine->admin_));
  // Athena's session time zone: timestamps without one are UTC, whatever the machine's zone.
  LAKEBOX_TRY(engine->admin_.Execute("SET GLOBAL TimeZone = 'UTC'"));
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
  auto databases = catalog::AllPages<catalog::Database>(
      [&](const std::optional<std::string>& token) { return catalog_->GetDatabases(token, 1000); });
  if (!databases) return std::unexpected(databases.error());

  std::string ddl = "BEGIN TRANSACTION;\n";
  for (const auto& schema : schemas_) ddl += fmt::format("DROP SCHEMA IF EXISTS {} CASCADE;\n", QuoteIdentifier(schema));
  std::vector<std::string> schemas;
  std::vector<std::pair<std::string, std::string>> view_names;
  std::vector<std::string> view_sql;
  std::map<std::string, ViewFiles> view_files;
  for (const auto& database : *databases) {
    auto tables = catalog::AllPages<catalog::Table>([&](const std::optional<std::string>& token) {
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
      files.parquet = Classification(table) == "parquet";
      for (const auto& column : table.storage.columns) files.columns.push_back(AsciiLower(column.name));
      files.keys = std::move(view->keys);
      for (auto& partition : view->partitions) {
        files.partitions.push_back({std::move(partition.values), std::move(partition.files), partition.bytes});
      }
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

  // Footers of files no view reads any more are dropped.
  std::set<std::string> paths;
  for (const auto& [name, view] : view_files_) {
    for (const auto& partition : view.partitions) {
      for (const auto& file : partition.files) paths.insert(file.path);
    }
  }
  std::lock_guard footers_lock(footers_mu_);
  std::erase_if(footers_, [&](const auto& entry) { return !paths.contains(entry.first); });
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
  duckdb::Connection& connection() { return connection_->connection; }
  int64_t& profiler_peak() { return connection_->profiler_peak; }

 private:
  Engine& engine_;
  std::optional<PooledConnection> connection_;
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
  for (const auto& key : view.keys) keys.insert(AsciiLower(key));
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

std::optional<Engine::FooterSummary> Engine::Footer(const ObjectFile& file) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file.path, ec);
  if (ec) return std::nullopt;
  uint64_t size = std::filesystem::file_size(file.path, ec);
  if (ec) return std::nullopt;
  {
    std::lock_guard lock(footers_mu_);
    auto it = footers_.find(file.path);
    if (it != footers_.end() && it->second.size == size && it->second.mtime == mtime) return it->second;
  }
  // The tail gives the footer's length, then the footer is read and parsed (outside the lock:
  // other queries' cached footers stay available meanwhile).
  std::ifstream in(file.path, std::ios::binary);
  if (!in || size < catalog::kParquetTailSize + catalog::kParquetMagic.size()) return std::nullopt;
  std::string tail(catalog::kParquetTailSize, '\0');
  in.seekg(static_cast<std::streamoff>(size - catalog::kParquetTailSize));
  if (!in.read(tail.data(), static_cast<std::streamsize>(tail.size()))) return std::nullopt;
  auto length = catalog::ParquetFooterLength(tail);
  if (!length || *length > size - catalog::kParquetTailSize - catalog::kParquetMagic.size()) return std::nullopt;
  std::string metadata(*length, '\0');
  in.seekg(static_cast<std::streamoff>(size - catalog::kParquetTailSize - *length));
  if (!in.read(metadata.data(), static_cast<std::streamsize>(metadata.size()))) return std::nullopt;
  auto footer = catalog::ParseParquetFooter(metadata);
  if (!footer) {
    spdlog::warn("query: {}: {}", file.path, footer.error().message());
    return std::nullopt;
  }
  FooterSummary summary{size, mtime, static_cast<int64_t>(*length + catalog::kParquetTailSize), {}};
  for (const auto& row_group : footer->row_groups) {
    for (const auto& chunk : row_group.columns) summary.column_bytes[AsciiLower(chunk.column)] += chunk.compressed_size;
  }
  std::lock_guard lock(footers_mu_);
  footers_[file.path] = summary;
  return summary;
}

int64_t Engine::PartitionBytes(const ViewFiles& view, const PartitionFiles& partition,
                               const std::set<std::string>* columns_read) {
  if (!view.parquet || columns_read == nullptr) return partition.bytes;
  int64_t bytes = 0;
  for (const ObjectFile& file : partition.files) {
    auto footer = Footer(file);
    if (!footer) {
      bytes += static_cast<int64_t>(file.size);
      continue;
    }
    bytes += footer->footer_bytes;
    for (const std::string& column : *columns_read) {
      auto it = footer->column_bytes.find(column);
      if (it != footer->column_bytes.end()) bytes += it->second;
    }
  }
  return bytes;
}

int64_t Engine::BytesOfReferencedViews(duckdb::Connection& connection, std::string_view sql,
                                       const std::optional<std::string>& default_database,
                                       const std::vector<std::string>* parquet_scans) {
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
      for (size_t i = 0; i < view.partitions.size(); ++i) selected.insert(i);
    }
    std::optional<std::set<std::string>> columns_read;
    if (view.parquet && parquet_scans != nullptr) columns_read = ColumnsIn(*parquet_scans, view.columns);
    for (size_t index : selected) {
      if (index < view.partitions.size()) {
        bytes += PartitionBytes(view, view.partitions[index], columns_read ? &*columns_read : nullptr);
      }
    }
  }
  return bytes;
}

namespace {

// EXPLAIN ANALYZE runs the statement it explains: every statement DuckDB sees as an EXPLAIN must
// be one lakebox checked (CheckExplainedStatements) to explain a query. Both splits of `sql`
// must agree, so a quirk of either cannot hide an EXPLAIN from the check.
Status CheckExplains(duckdb::Connection& connection, std::string_view sql) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<bool> checked, CheckExplainedStatements(sql));
  std::string text(sql);
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(connection.raw(), text.c_str(), &statements);
  Status status = Ok();
  if (count != 0 && count != checked.size()) {
    status = std::unexpected(Error::InvalidArgument(
        "Permission Error: lakebox could not check the EXPLAIN statements of this query"));
  }
  for (idx_t i = 0; status && i < count; ++i) {
    duckdb_prepared_statement prepared = nullptr;
    if (duckdb_prepare_extracted_statement(connection.raw(), statements, i, &prepared) == DuckDBSuccess &&
        duckdb_prepared_statement_type(prepared) == DUCKDB_STATEMENT_TYPE_EXPLAIN && !checked[i]) {
      status = std::unexpected(Error::InvalidArgument(
          "Permission Error: lakebox could not check the EXPLAIN statements of this query"));
    }
    duckdb_destroy_prepare(&prepared);
  }
  duckdb_destroy_extracted(&statements);
  return status;
}

// "CREATE_TABLE" -> "CREATE TABLE".
std::string Spaced(std::string text) {
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

}  // namespace

Result<QueryResult> Engine::Execute(std::string_view sql, std::optional<std::string> default_database) {
  const StatementKind kind = ClassifyStatement(sql);
  if (kind.type == "DDL") {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "{} is not supported: lakebox's catalog is kept by its crawlers and the Glue API, so DDL statements "
        "(CREATE, DROP, ALTER, MSCK REPAIR TABLE) are refused",
        Spaced(kind.substatement))));
  }
  auto start = std::chrono::steady_clock::now();
  if (auto answer = AnswerFromCatalog(sql, *catalog_, default_database)) {
    if (!*answer) return std::unexpected(answer->error());
    QueryResult out = std::move(**answer);
    out.stats.rows = static_cast<int64_t>(out.rows.size());
    out.stats.engine_time_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

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
  if (AsciiLower(sql).find("explain") != std::string::npos) LAKEBOX_TRY(CheckExplains(connection, sql));

  start = std::chrono::steady_clock::now();
  MemorySampler::Peak sampled = sampler_->Register();
  struct Unregister {
    MemorySampler& sampler;
    const MemorySampler::Peak& peak;
    ~Unregister() { sampler.Unregister(peak); }
  } unregister{*sampler_, sampled};
  Watchdog watchdog(connection, options_.query_timeout);
  auto checked = [](duckdb_statement_type type) -> Status {
    if (type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN) return {};
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "Permission Error: only SELECT and EXPLAIN statements may run here, not {}",
        duckdb::StatementTypeName(type))));
  };
  // A single statement is prepared once (DuckDB binds the views' file readers at prepare and
  // again at execute, so every extra statement costs): its type is checked and its result
  // columns read from the prepared statement. The C API gives no text for nested values
  // (STRUCT, LIST, MAP), so a query with such columns runs instead as a SELECT that renders
  // them as Athena's text (athena_text.h), once; column_types still name the nested types.
  const size_t statement_count = connection.StatementCount(sql);
  std::vector<std::string> prepared_types;
  bool wrapped = false;
  std::optional<lakebox::Result<duckdb::Result>> result;
  if (statement_count == 1) {
    auto prepared = connection.Prepare(sql);
    Status allowed = prepared ? checked(prepared->Type()) : Status(std::unexpected(prepared.error()));
    if (!allowed) {
      result = std::unexpected(allowed.error());
    } else {
      bool nested = false;
      std::string select_list;
      std::string aliases;
      for (size_t c = 0; c < prepared->ColumnCount(); ++c) {
        std::string type = prepared->ColumnType(c);
        bool is_nested = (type.find('(') != std::string::npos && !type.starts_with("DECIMAL")) || type.ends_with(']');
        nested = nested || is_nested;
        std::string column = fmt::format("c{}", c);
        if (c > 0) {
          select_list += ", ";
          aliases += ", ";
        }
        std::string name = QuoteIdentifier(prepared->ColumnName(c));
        if (is_nested) {
          // Athena's text ({a=1, b=[x, y]}); DuckDB's own cast for a type it cannot read.
          auto text = AthenaTextSql(column, type);
          select_list += fmt::format("{} AS {}", text ? *text : fmt::format("CAST({} AS VARCHAR)", column), name);
        } else {
          select_list += fmt::format("{} AS {}", column, name);
        }
        aliases += column;
        prepared_types.push_back(std::move(type));
      }
      if (nested && prepared->Type() == DUCKDB_STATEMENT_TYPE_SELECT) {
        std::string_view body = sql;
        while (!body.empty() && (body.back() == ';' || std::isspace(static_cast<unsigned char>(body.back())))) {
          body.remove_suffix(1);
        }
        // `body` is one checked SELECT, so the wrapper, which starts with SELECT and parses as
        // one statement, is a SELECT too: it runs without being prepared again.
        std::string wrapper = fmt::format("SELECT {} FROM (\n{}\n) AS lakebox_query({})", select_list, body, aliases);
        if (connection.StatementCount(wrapper) == 1) {
          auto answer = connection.Query(wrapper);
          // If the wrapper fails (not by the time limit), the query as written reports its own error.
          if (answer || watchdog.fired()) {
            wrapped = answer.has_value();
            result = std::move(answer);
          }
        }
      }
      if (!result) result = prepared->Execute();
    }
  } else {
    result = connection.QueryChecked(sql, checked);
  }
  double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!*result && watchdog.fired()) {
    return std::unexpected(Error::LimitExceeded(
        fmt::format("Query exceeded the time limit of {} ms", options_.query_timeout.count())));
  }
  if (!*result) {
    const std::string& message = (*result).error().message();
    if (message.starts_with("Catalog Error") && message.find("does not exist") != std::string::npos) {
      return std::unexpected(
          Error((*result).error().code(), fmt::format("{} The catalog has: {}", message, ViewList())));
    }
    return std::unexpected((*result).error());
  }
  duckdb::Result& answer = **result;
  // Read before any other statement runs on the connection; the last memory sample is taken
  // while the result is still held.
  QueryProfile profile = ReadProfile(connection);
  int64_t peak_memory = std::max(sampled->load(), BufferMemory(connection));
  if (profile.peak_buffer_memory > lease.profiler_peak()) {
    peak_memory = std::max(peak_memory, profile.peak_buffer_memory);
    lease.profiler_peak() = profile.peak_buffer_memory;
  }

  QueryResult out;
  size_t columns = answer.ColumnCount();
  size_t rows = answer.RowCount();
  for (size_t c = 0; c < columns; ++c) {
    out.column_names.push_back(answer.ColumnName(c));
    out.column_types.push_back(wrapped && c < prepared_types.size() ? prepared_types[c] : answer.ColumnType(c));
  }
  out.rows.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(columns);
    for (size_t c = 0; c < columns; ++c) row.push_back(answer.Text(c, r));
    out.rows.push_back(std::move(row));
  }
  out.stats.rows = static_cast<int64_t>(rows);
  out.stats.engine_time_ms = elapsed_ms;
  out.stats.peak_memory_bytes = peak_memory;
  // Only the last statement is profiled: with several, Parquet views count whole files.
  out.stats.bytes_scanned = BytesOfReferencedViews(connection, sql, default_database,
                                                   statement_count == 1 ? &profile.parquet_scans : nullptr);
  // Internal statements since the query may have raised the connection's running maximum.
  if (QueryProfile after = ReadProfile(connection); after.profiled) {
    lease.profiler_peak() = std::max(lease.profiler_peak(), after.peak_buffer_memory);
  }
  return out;
}

}  // namespace lakebox::query
