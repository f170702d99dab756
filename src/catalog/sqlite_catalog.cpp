#include "catalog/sqlite_catalog.h"

#include <algorithm>
#include <regex>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/file_util.h"
#include "common/time.h"

namespace lakebox::catalog {

namespace {

using Json = nlohmann::json;
using Kind = Transaction::Kind;

// ---- Schema

// Step N brings the schema from version N-1 to N. Append only: a data dir that has applied a
// step never runs it again, so an edited step would never reach it.
constexpr std::string_view kMigrations[] = {
    // 1: the data catalog and the crawlers.
    R"sql(
CREATE TABLE databases (
  name TEXT NOT NULL PRIMARY KEY,
  description TEXT NOT NULL,
  location_uri TEXT NOT NULL,
  parameters TEXT NOT NULL,  -- JSON object
  create_time_ms INTEGER NOT NULL
);
-- The current definition of each table; previous ones are in table_versions.
CREATE TABLE tables (
  database_name TEXT NOT NULL REFERENCES databases (name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  definition TEXT NOT NULL,  -- JSON: storage, partition keys, parameters, ...
  PRIMARY KEY (database_name, name)
);
CREATE TABLE table_versions (
  database_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  definition TEXT NOT NULL,
  PRIMARY KEY (database_name, table_name, version),
  FOREIGN KEY (database_name, table_name) REFERENCES tables (database_name, name) ON DELETE CASCADE
);
CREATE TABLE partitions (
  database_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  partition_values TEXT NOT NULL,  -- JSON array of strings, in partition key order
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  definition TEXT NOT NULL,  -- JSON: storage, parameters
  PRIMARY KEY (database_name, table_name, partition_values),
  FOREIGN KEY (database_name, table_name) REFERENCES tables (database_name, name) ON DELETE CASCADE
);
CREATE TABLE crawlers (
  name TEXT NOT NULL PRIMARY KEY,
  version INTEGER NOT NULL,
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  definition TEXT NOT NULL  -- JSON: targets, database, policies, ...
);
CREATE TABLE crawl_runs (
  id INTEGER PRIMARY KEY,
  crawler TEXT NOT NULL REFERENCES crawlers (name) ON DELETE CASCADE,
  status TEXT NOT NULL,
  start_time_ms INTEGER NOT NULL,
  end_time_ms INTEGER NOT NULL,
  summary TEXT NOT NULL  -- JSON: counters, problems
);
CREATE INDEX crawl_runs_by_crawler ON crawl_runs (crawler, start_time_ms);
CREATE TABLE crawled_objects (
  crawler TEXT NOT NULL REFERENCES crawlers (name) ON DELETE CASCADE,
  object_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  etag TEXT NOT NULL,
  table_name TEXT NOT NULL,
  classification TEXT NOT NULL,
  compression TEXT NOT NULL,
  schema_id INTEGER NOT NULL,  -- crawled_schemas.id for the same crawler
  records INTEGER NOT NULL,
  PRIMARY KEY (crawler, object_key)
) WITHOUT ROWID;
-- The distinct record schemas of a crawler's objects: thousands of objects share a few schemas
-- of hundreds of characters each, so storing them once keeps the object memory small and fast to
-- replace. Written and read only together with crawled_objects.
CREATE TABLE crawled_schemas (
  crawler TEXT NOT NULL REFERENCES crawlers (name) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  schema TEXT NOT NULL,  -- Hive type string of a record
  PRIMARY KEY (crawler, id)
) WITHOUT ROWID;
-- One row; moves with every change to databases, tables or partitions.
CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO change_counter (id, value) VALUES (1, 0);
)sql",
};

Status Migrate(SqliteDb& db) {
  // One write transaction: two processes opening a new data dir at once migrate it once.
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Kind::kWrite));
  LAKEBOX_TRY(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      "version INTEGER PRIMARY KEY, applied_time_ms INTEGER NOT NULL)"));
  int64_t current = 0;
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease query, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
    LAKEBOX_TRY(query->Step());
    current = query->ColumnInt(0);
  }
  const auto known = static_cast<int64_t>(std::size(kMigrations));
  if (current > known)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("catalog {} has schema version {}, but this lakebox knows versions up to {}: it was "
                    "written by a newer lakebox; run that version",
                    db.file().string(), current, known)));
  for (int64_t version = current + 1; version <= known; ++version) {
    LAKEBOX_TRY(db.Exec(kMigrations[version - 1]));
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease record,
                             db.Prepare("INSERT INTO schema_version (version, applied_time_ms) VALUES (?1, ?2)"));
    LAKEBOX_TRY(record->Bind(1, version).Bind(2, NowMillis()).Run());
  }
  return txn.Commit();
}

// ---- JSON encoding of the structured parts

// Names and values may come from object keys that are not valid UTF-8: store them (with U+FFFD
// in place of the bad bytes) rather than failing the whole call.
std::string Dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json ColumnsToJson(const std::vector<Column>& columns) {
  Json out = Json::array();
  for (const Column& column : columns)
    out.push_back({{"name", column.name}, {"type", column.type}, {"comment", column.comment}});
  return out;
}

std::vector<Column> ColumnsFromJson(const Json& json) {
  std::vector<Column> out;
  out.reserve(json.size());
  for (const Json& column : json)
    out.push_back({column.value("name", std::string()), column.value("type", std::string()),
                   column.value("comment", std::string())});
  return out;
}

Json StorageToJson(const StorageDescriptor& storage) {
  return {{"columns", ColumnsToJson(storage.columns)},
          {"location", storage.location},
          {"input_format", storage.input_format},
          {"output_format", storage.output_format},
          {"compressed", storage.compressed},
          {"serde_library", storage.serde_library},
          {"serde_parameters", storage.serde_parameters},
          {"parameters", storage.parameters}};
}

StorageDescriptor StorageFromJson(const Json& json) {
  StorageDescriptor storage;
  storage.columns = ColumnsFromJson(json.value("columns", Json::array()));
  storage.location = json.value("location", std::string());
  storage.input_format = json.value("input_format", std::string());
  storage.output_format = json.value("output_format", std::string());
  storage.compressed = json.value("compressed", false);
  storage.serde_library = json.value("serde_library", std::string());
  storage.serde_parameters = json.value("serde_parameters", Parameters());
  storage.parameters = json.value("parameters", Parameters());
  return storage;
}

std::string TableDefinition(const Table& table) {
  return Dump({{"description", table.description},
               {"owner", table.owner},
               {"table_type", table.table_type},
               {"storage", StorageToJson(table.storage)},
               {"partition_keys", ColumnsToJson(table.partition_keys)},
               {"parameters", table.parameters},
               {"created_by", table.created_by}});
}

std::string PartitionDefinition(const Partition& partition) {
  return Dump({{"storage", StorageToJson(partition.storage)}, {"parameters", partition.parameters}});
}

// The key of a partition row. Never compared for order (JSON text does not sort like the values
// do), only for equality, and nlohmann's output for a string array is canonical.
std::string ValuesKey(const std::vector<std::string>& values) { return Dump(Json(values)); }

// Reads a stored row; a JSON value that does not parse or has the wrong type is Corruption.
template <typename T, typename F>
Result<T> ReadStored(std::string_view what, F&& read) {
  try {
    return read();
  } catch (const Json::exception& e) {
    return std::unexpected(Error::Corruption(fmt::format("catalog: the stored {} is not valid: {}", what, e.what())));
  }
}

// ---- Enums as Glue spells them

constexpr std::pair<UpdateBehavior, std::string_view> kUpdateBehaviors[] = {
    {UpdateBehavior::kLog, "LOG"}, {UpdateBehavior::kUpdateInDatabase, "UPDATE_IN_DATABASE"}};
constexpr std::pair<DeleteBehavior, std::string_view> kDeleteBehaviors[] = {
    {DeleteBehavior::kLog, "LOG"},
    {DeleteBehavior::kDeleteFromDatabase, "DELETE_FROM_DATABASE"},
    {DeleteBehavior::kDeprecateInDatabase, "DEPRECATE_IN_DATABASE"}};
constexpr std::pair<RecrawlBehavior, std::string_view> kRecrawlBehaviors[] = {
    {RecrawlBehavior::kCrawlEverything, "CRAWL_EVERYTHING"},
    {RecrawlBehavior::kCrawlNewFoldersOnly, "CRAWL_NEW_FOLDERS_ONLY"}};

template <typename E, size_t N>
std::string_view EnumName(const std::pair<E, std::string_view> (&names)[N], E value) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return "";
}

template <typename E, size_t N>
Result<E> EnumFromName(const std::pair<E, std::string_view> (&names)[N], std::string_view name) {
  for (const auto& [e, n] : names)
    if (n == name) return e;
  return std::unexpected(Error::Corruption(fmt::format("catalog: unknown stored crawler policy \"{}\"", name)));
}

std::string CrawlerDefinitionJson(const CrawlerDefinition& crawler) {
  Json targets = Json::array();
  for (const S3Target& target : crawler.targets) {
    Json t = {{"path", target.path}, {"exclusions", target.exclusions}};
    if (target.sample_size) t["sample_size"] = *target.sample_size;
    targets.push_back(std::move(t));
  }
  return Dump({{"role", crawler.role},
               {"database", crawler.database},
               {"description", crawler.description},
               {"targets", std::move(targets)},
               {"table_prefix", crawler.table_prefix},
               {"schedule", crawler.schedule},
               {"update_behavior", EnumName(kUpdateBehaviors, crawler.update_behavior)},
               {"delete_behavior", EnumName(kDeleteBehaviors, crawler.delete_behavior)},
               {"recrawl_behavior", EnumName(kRecrawlBehaviors, crawler.recrawl_behavior)},
               {"configuration", crawler.configuration}});
}

std::string RunSummaryJson(const CrawlRun& run) {
  return Dump({{"error_message", run.error_message},
               {"tables_created", run.tables_created},
               {"tables_updated", run.tables_updated},
               {"tables_deleted", run.tables_deleted},
               {"partitions_added", run.partitions_added},
               {"partitions_deleted", run.partitions_deleted},
               {"objects_listed", run.objects_listed},
               {"objects_read", run.objects_read},
               {"bytes_sampled", run.bytes_sampled},
               {"objects_skipped", run.objects_skipped},
               {"problems", run.problems}});
}

// ---- Rows to structs. Each reader documents the column order its SELECTs must use.

constexpr std::string_view kDatabaseColumns = "name, description, location_uri, parameters, create_time_ms";

Result<Database> DatabaseFromRow(const Statement& row) {
  return ReadStored<Database>("database", [&]() -> Result<Database> {
    Database database;
    database.name = row.ColumnText(0);
    database.description = row.ColumnText(1);
    database.location_uri = row.ColumnText(2);
    database.parameters = Json::parse(row.ColumnText(3)).get<Parameters>();
    database.create_time_ms = row.ColumnInt(4);
    return database;
  });
}

// Also the column order of table_versions (whose second column is table_name).
constexpr std::string_view kTableColumns = "database_name, name, version, create_time_ms, update_time_ms, definition";
constexpr std::string_view kTableVersionColumns =
    "database_name, table_name, version, create_time_ms, update_time_ms, definition";

Result<Table> TableFromRow(const Statement& row) {
  return ReadStored<Table>("table", [&]() -> Result<Table> {
    Table table;
    table.database = row.ColumnText(0);
    table.name = row.ColumnText(1);
    table.version = row.ColumnInt(2);
    table.create_time_ms = row.ColumnInt(3);
    table.update_time_ms = row.ColumnInt(4);
    Json json = Json::parse(row.ColumnText(5));
    table.description = json.value("description", std::string());
    table.owner = json.value("owner", table.owner);
    table.table_type = json.value("table_type", table.table_type);
    table.storage = StorageFromJson(json.value("storage", Json::object()));
    table.partition_keys = ColumnsFromJson(json.value("partition_keys", Json::array()));
    table.parameters = json.value("parameters", Parameters());
    table.created_by = json.value("created_by", std::string());
    return table;
  });
}

constexpr std::string_view kPartitionColumns =
    "database_name, table_name, partition_values, create_time_ms, update_time_ms, definition";

Result<Partition> PartitionFromRow(const Statement& row) {
  return ReadStored<Partition>("partition", [&]() -> Result<Partition> {
    Partition partition;
    partition.database = row.ColumnText(0);
    partition.table = row.ColumnText(1);
    partition.values = Json::parse(row.ColumnText(2)).get<std::vector<std::string>>();
    partition.create_time_ms = row.ColumnInt(3);
    partition.update_time_ms = row.ColumnInt(4);
    Json json = Json::parse(row.ColumnText(5));
    partition.storage = StorageFromJson(json.value("storage", Json::object()));
    partition.parameters = json.value("parameters", Parameters());
    return partition;
  });
}

constexpr std::string_view kCrawlerColumns = "name, version, create_time_ms, update_time_ms, definition";

Result<CrawlerDefinition> CrawlerFromRow(const Statement& row) {
  return ReadStored<CrawlerDefinition>("crawler", [&]() -> Result<CrawlerDefinition> {
    CrawlerDefinition crawler;
    crawler.name = row.ColumnText(0);
    crawler.version = row.ColumnInt(1);
    crawler.create_time_ms = row.ColumnInt(2);
    crawler.update_time_ms = row.ColumnInt(3);
    Json json = Json::parse(row.ColumnText(4));
    crawler.role = json.value("role", std::string());
    crawler.database = json.value("database", std::string());
    crawler.description = json.value("description", std::string());
    for (const Json& t : json.value("targets", Json::array())) {
      S3Target target;
      target.path = t.value("path", std::string());
      target.exclusions = t.value("exclusions", std::vector<std::string>());
      if (t.contains("sample_size")) target.sample_size = t.at("sample_size").get<int>();
      crawler.targets.push_back(std::move(target));
    }
    crawler.table_prefix = json.value("table_prefix", std::string());
    crawler.schedule = json.value("schedule", std::string());
    LAKEBOX_ASSIGN_OR_RETURN(crawler.update_behavior,
                             EnumFromName(kUpdateBehaviors, json.value("update_behavior", "UPDATE_IN_DATABASE")));
    LAKEBOX_ASSIGN_OR_RETURN(crawler.delete_behavior,
                             EnumFromName(kDeleteBehaviors, json.value("delete_behavior", "DEPRECATE_IN_DATABASE")));
    LAKEBOX_ASSIGN_OR_RETURN(crawler.recrawl_behavior,
                             EnumFromName(kRecrawlBehaviors, json.value("recrawl_behavior", "CRAWL_EVERYTHING")));
    crawler.configuration = json.value("configuration", std::string());
    return crawler;
  });
}

constexpr std::string_view kRunColumns = "status, start_time_ms, end_time_ms, summary";

Result<CrawlRun> RunFromRow(const Statement& row) {
  return ReadStored<CrawlRun>("crawl run", [&]() -> Result<CrawlRun> {
    CrawlRun run;
    run.status = row.ColumnText(0);
    run.start_time_ms = row.ColumnInt(1);
    run.end_time_ms = row.ColumnInt(2);
    Json json = Json::parse(row.ColumnText(3));
    run.error_message = json.value("error_message", std::string());
    run.tables_created = json.value("tables_created", 0);
    run.tables_updated = json.value("tables_updated", 0);
    run.tables_deleted = json.value("tables_deleted", 0);
    run.partitions_added = json.value("partitions_added", 0);
    run.partitions_deleted = json.value("partitions_deleted", 0);
    run.objects_listed = json.value("objects_listed", int64_t{0});
    run.objects_read = json.value("objects_read", int64_t{0});
    run.bytes_sampled = json.value("bytes_sampled", int64_t{0});
    run.objects_skipped = json.value("objects_skipped", int64_t{0});
    run.problems = json.value("problems", std::vector<std::string>());
    return run;
  });
}

// ---- Validation and messages

Result<std::vector<Column>> NormalizeColumns(std::vector<Column> columns) {
  for (Column& column : columns) {
    LAKEBOX_ASSIGN_OR_RETURN(column.name, NormalizeName(column.name, "Column"));
  }
  return columns;
}

Result<StorageDescriptor> NormalizeStorage(StorageDescriptor storage) {
  LAKEBOX_ASSIGN_OR_RETURN(storage.columns, NormalizeColumns(std::move(storage.columns)));
  return storage;
}

// A copy of `table` with its names normalized; the catalog-owned fields are left to the caller.
Result<Table> NormalizeTable(const Table& table) {
  Table out = table;
  LAKEBOX_ASSIGN_OR_RETURN(out.database, NormalizeName(table.database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(out.name, NormalizeName(table.name, "Table"));
  LAKEBOX_ASSIGN_OR_RETURN(out.storage, NormalizeStorage(table.storage));
  LAKEBOX_ASSIGN_OR_RETURN(out.partition_keys, NormalizeColumns(table.partition_keys));
  return out;
}

Status CheckValues(const std::vector<std::string>& values, size_t key_count) {
  if (values.empty() || values.size() != key_count)
    return std::unexpected(Error::InvalidInput(fmt::format(
        "The number of partition values ({}) must match the number of partition keys of the table ({}).",
        values.size(), key_count)));
  return Ok();
}

// Crawler names keep their case; NormalizeName only checks them.
Status CheckCrawlerName(std::string_view name) {
  LAKEBOX_TRY(NormalizeName(name, "Crawler"));
  return Ok();
}

Error DatabaseNotFound(std::string_view name) {
  return Error::EntityNotFound(fmt::format("Database {} not found.", name));
}
Error TableNotFound(std::string_view name) { return Error::EntityNotFound(fmt::format("Table {} not found.", name)); }
Error CrawlerNotFound(std::string_view name) {
  return Error::EntityNotFound(fmt::format("Crawler {} not found.", name));
}
Error PartitionNotFound() { return Error::EntityNotFound("Cannot find partition."); }

// The name after which a listing resumes ("" from the start).
Result<std::string> DecodeToken(const std::optional<std::string>& token) {
  if (!token || token->empty()) return std::string();
  auto decoded = Base64Decode(*token);
  if (!decoded)
    return std::unexpected(
        Error::InvalidInput("Invalid NextToken: pass the NextToken of the previous response unchanged."));
  return std::move(*decoded);
}

Status CheckMaxResults(int max_results) {
  if (max_results < 1)
    return std::unexpected(Error::InvalidInput(fmt::format("MaxResults must be at least 1, got {}.", max_results)));
  return Ok();
}

}  // namespace

// ---- Open

Result<std::unique_ptr<SqliteCatalog>> SqliteCatalog::Open(const std::filesystem::path& db_file) {
  LAKEBOX_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::OpenWal(db_file, kBusyTimeoutMs, "catalog"));
  // Per connection: FULL fsyncs the WAL at every commit (NORMAL could lose the last commits in a
  // power cut); foreign keys make deletes cascade.
  LAKEBOX_TRY(db.Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string foreign_keys, db.QueryText("PRAGMA foreign_keys"));
  if (foreign_keys != "1")
    return std::unexpected(Error::Internal("catalog: this SQLite library was built without foreign key support"));
  LAKEBOX_TRY(Migrate(db));
  // SQLite syncs the directory when it creates a journal or WAL file, not when it creates the
  // database file itself: make the new file's name durable here.
  std::filesystem::path dir = db_file.parent_path();
  LAKEBOX_TRY(FsyncDir(dir.empty() ? std::filesystem::path(".") : dir));
  return std::unique_ptr<SqliteCatalog>(new SqliteCatalog(std::move(db)));
}

int SqliteCatalog::SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

// ---- Helpers (mu_ held, in a transaction)

Status SqliteCatalog::RequireDatabase(const std::string& database) const {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query, db_.Prepare("SELECT 1 FROM databases WHERE name = ?1"));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, database).Step());
  if (!found) return std::unexpected(DatabaseNotFound(database));
  return Ok();
}

Result<size_t> SqliteCatalog::RequireTable(const std::string& database, const std::string& table) const {
  LAKEBOX_TRY(RequireDatabase(database));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare("SELECT definition FROM tables WHERE database_name = ?1 AND name = ?2"));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, database).Bind(2, table).Step());
  if (!found) return std::unexpected(TableNotFound(table));
  return ReadStored<size_t>("table", [&]() -> Result<size_t> {
    return Json::parse(query->ColumnText(0)).value("partition_keys", Json::array()).size();
  });
}

Status SqliteCatalog::RequireCrawler(const std::string& crawler) const {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query, db_.Prepare("SELECT 1 FROM crawlers WHERE name = ?1"));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, crawler).Step());
  if (!found) return std::unexpected(CrawlerNotFound(crawler));
  return Ok();
}

Status SqliteCatalog::BumpChangeCounter() {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease update,
                           db_.Prepare("UPDATE change_counter SET value = value + 1 WHERE id = 1"));
  return update->Run();
}

// ---- Databases

Status SqliteCatalog::CreateDatabase(const Database& database) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NormalizeName(database.name, "Database"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert,
                             db_.Prepare("INSERT INTO databases (name, description, location_uri, parameters, "
                                         "create_time_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"));
    LAKEBOX_TRY(insert->Bind(1, name)
                    .Bind(2, database.description)
                    .Bind(3, database.location_uri)
                    .Bind(4, Dump(Json(database.parameters)))
                    .Bind(5, NowMillis())
                    .Run());
    if (insert->Changes() == 0)
      return std::unexpected(Error::AlreadyExists(fmt::format("Database {} already exists.", name)));
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

Result<Database> SqliteCatalog::GetDatabase(std::string_view name) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string normalized, NormalizeName(name, "Database"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM databases WHERE name = ?1", kDatabaseColumns)));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, normalized).Step());
  if (!found) return std::unexpected(DatabaseNotFound(normalized));
  return DatabaseFromRow(*query);
}

Result<Page<Database>> SqliteCatalog::GetDatabases(std::optional<std::string> token, int max_results) const {
  LAKEBOX_TRY(CheckMaxResults(max_results));
  LAKEBOX_ASSIGN_OR_RETURN(std::string after, DecodeToken(token));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementLease query,
      db_.Prepare(fmt::format("SELECT {} FROM databases WHERE name > ?1 ORDER BY name LIMIT ?2", kDatabaseColumns)));
  // One row more than asked tells whether there is a next page.
  query->Bind(1, after).Bind(2, int64_t{max_results} + 1);
  Page<Database> page;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    if (page.items.size() == static_cast<size_t>(max_results)) {
      page.next_token = Base64Encode(page.items.back().name);
      break;
    }
    LAKEBOX_ASSIGN_OR_RETURN(Database database, DatabaseFromRow(*query));
    page.items.push_back(std::move(database));
  }
  return page;
}

Status SqliteCatalog::DeleteDatabase(std::string_view name) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string normalized, NormalizeName(name, "Database"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    // Tables, their versions and partitions go with it (ON DELETE CASCADE).
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove, db_.Prepare("DELETE FROM databases WHERE name = ?1"));
    LAKEBOX_TRY(remove->Bind(1, normalized).Run());
    if (remove->Changes() == 0) return std::unexpected(DatabaseNotFound(normalized));
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

// ---- Tables

Status SqliteCatalog::CreateTable(const Table& table) {
  LAKEBOX_ASSIGN_OR_RETURN(Table normalized, NormalizeTable(table));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(RequireDatabase(normalized.database));
  {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease insert,
        db_.Prepare("INSERT INTO tables (database_name, name, version, create_time_ms, update_time_ms, definition) "
                    "VALUES (?1, ?2, 1, ?3, ?3, ?4) ON CONFLICT DO NOTHING"));
    LAKEBOX_TRY(insert->Bind(1, normalized.database)
                    .Bind(2, normalized.name)
                    .Bind(3, NowMillis())
                    .Bind(4, TableDefinition(normalized))
                    .Run());
    if (insert->Changes() == 0)
      return std::unexpected(Error::AlreadyExists(fmt::format("Table {} already exists.", normalized.name)));
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

Result<Table> SqliteCatalog::GetTable(std::string_view database, std::string_view name) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(name, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_TRY(RequireDatabase(db_name));
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementLease query,
      db_.Prepare(fmt::format("SELECT {} FROM tables WHERE database_name = ?1 AND name = ?2", kTableColumns)));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, db_name).Bind(2, table_name).Step());
  if (!found) return std::unexpected(TableNotFound(table_name));
  return TableFromRow(*query);
}

Result<Page<Table>> SqliteCatalog::GetTables(std::string_view database, std::string_view name_regex,
                                             std::optional<std::string> token, int max_results) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_TRY(CheckMaxResults(max_results));
  LAKEBOX_ASSIGN_OR_RETURN(std::string after, DecodeToken(token));
  std::optional<std::regex> pattern;
  if (!name_regex.empty()) {
    try {
      pattern.emplace(name_regex.begin(), name_regex.end(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return std::unexpected(Error::InvalidInput(
          fmt::format("Expression \"{}\" is not a valid regular expression: {}", name_regex, e.what())));
    }
  }
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_TRY(RequireDatabase(db_name));
  // No LIMIT: with a filter, how many rows make a page is not known up front; rows are stepped
  // lazily, so without one the scan stops at the first row past the page all the same.
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM tables WHERE database_name = ?1 AND name > ?2 "
                                                   "ORDER BY name",
                                                   kTableColumns)));
  query->Bind(1, db_name).Bind(2, after);
  Page<Table> page;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    if (pattern) {
      std::string_view name = query->ColumnText(1);
      if (!std::regex_match(name.begin(), name.end(), *pattern)) continue;
    }
    if (page.items.size() == static_cast<size_t>(max_results)) {
      page.next_token = Base64Encode(page.items.back().name);
      break;
    }
    LAKEBOX_ASSIGN_OR_RETURN(Table table, TableFromRow(*query));
    page.items.push_back(std::move(table));
  }
  return page;
}

Status SqliteCatalog::UpdateTable(const Table& table) {
  LAKEBOX_ASSIGN_OR_RETURN(Table normalized, NormalizeTable(table));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(RequireDatabase(normalized.database));
  {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease archive,
        db_.Prepare(fmt::format("INSERT INTO table_versions ({}) SELECT {} FROM tables "
                                "WHERE database_name = ?1 AND name = ?2",
                                kTableVersionColumns, kTableColumns)));
    LAKEBOX_TRY(archive->Bind(1, normalized.database).Bind(2, normalized.name).Run());
    if (archive->Changes() == 0) return std::unexpected(TableNotFound(normalized.name));
  }
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease update,
                             db_.Prepare("UPDATE tables SET version = version + 1, update_time_ms = ?3, "
                                         "definition = ?4 WHERE database_name = ?1 AND name = ?2"));
    LAKEBOX_TRY(update->Bind(1, normalized.database)
                    .Bind(2, normalized.name)
                    .Bind(3, NowMillis())
                    .Bind(4, TableDefinition(normalized))
                    .Run());
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

Status SqliteCatalog::DeleteTable(std::string_view database, std::string_view name) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(name, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(RequireDatabase(db_name));
  {
    // Versions and partitions go with it (ON DELETE CASCADE).
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove,
                             db_.Prepare("DELETE FROM tables WHERE database_name = ?1 AND name = ?2"));
    LAKEBOX_TRY(remove->Bind(1, db_name).Bind(2, table_name).Run());
    if (remove->Changes() == 0) return std::unexpected(TableNotFound(table_name));
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

Result<std::vector<Table>> SqliteCatalog::GetTableVersions(std::string_view database, std::string_view name) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(name, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_TRY(RequireDatabase(db_name));
  std::vector<Table> versions;
  {
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease current,
        db_.Prepare(fmt::format("SELECT {} FROM tables WHERE database_name = ?1 AND name = ?2", kTableColumns)));
    LAKEBOX_ASSIGN_OR_RETURN(bool found, current->Bind(1, db_name).Bind(2, table_name).Step());
    if (!found) return std::unexpected(TableNotFound(table_name));
    LAKEBOX_ASSIGN_OR_RETURN(Table table, TableFromRow(*current));
    versions.push_back(std::move(table));
  }
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease older,
                           db_.Prepare(fmt::format("SELECT {} FROM table_versions WHERE database_name = ?1 AND "
                                                   "table_name = ?2 ORDER BY version DESC",
                                                   kTableVersionColumns)));
  older->Bind(1, db_name).Bind(2, table_name);
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, older->Step());
    if (!row) break;
    LAKEBOX_ASSIGN_OR_RETURN(Table table, TableFromRow(*older));
    versions.push_back(std::move(table));
  }
  return versions;
}

// ---- Partitions

Result<std::vector<std::pair<std::vector<std::string>, Error>>> SqliteCatalog::CreatePartitions(
    std::string_view database, std::string_view table, const std::vector<Partition>& partitions) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(table, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_ASSIGN_OR_RETURN(size_t key_count, RequireTable(db_name, table_name));
  std::vector<std::pair<std::vector<std::string>, Error>> errors;
  size_t created = 0;
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert,
                             db_.Prepare("INSERT INTO partitions (database_name, table_name, partition_values, "
                                         "create_time_ms, update_time_ms, definition) "
                                         "VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT DO NOTHING"));
    const int64_t now = NowMillis();
    for (const Partition& partition : partitions) {
      Partition normalized = partition;
      Status valid = CheckValues(partition.values, key_count);
      if (valid) {
        if (auto storage = NormalizeStorage(partition.storage))
          normalized.storage = std::move(*storage);
        else
          valid = std::unexpected(storage.error());
      }
      if (!valid) {
        errors.emplace_back(partition.values, valid.error());
        continue;
      }
      LAKEBOX_TRY(insert->Bind(1, db_name)
                      .Bind(2, table_name)
                      .Bind(3, ValuesKey(partition.values))
                      .Bind(4, now)
                      .Bind(5, PartitionDefinition(normalized))
                      .Run());
      if (insert->Changes() == 0)
        errors.emplace_back(partition.values, Error::AlreadyExists("Partition already exists."));
      else
        ++created;
      insert->Reset();
    }
  }
  if (created > 0) LAKEBOX_TRY(BumpChangeCounter());
  LAKEBOX_TRY(txn.Commit());
  return errors;
}

Status SqliteCatalog::UpdatePartition(const Partition& partition) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(partition.database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(partition.table, "Table"));
  Partition normalized = partition;
  LAKEBOX_ASSIGN_OR_RETURN(normalized.storage, NormalizeStorage(partition.storage));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_ASSIGN_OR_RETURN(size_t key_count, RequireTable(db_name, table_name));
  LAKEBOX_TRY(CheckValues(partition.values, key_count));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease update,
                             db_.Prepare("UPDATE partitions SET update_time_ms = ?4, definition = ?5 "
                                         "WHERE database_name = ?1 AND table_name = ?2 AND partition_values = ?3"));
    LAKEBOX_TRY(update->Bind(1, db_name)
                    .Bind(2, table_name)
                    .Bind(3, ValuesKey(partition.values))
                    .Bind(4, NowMillis())
                    .Bind(5, PartitionDefinition(normalized))
                    .Run());
    if (update->Changes() == 0) return std::unexpected(PartitionNotFound());
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

Result<Partition> SqliteCatalog::GetPartition(std::string_view database, std::string_view table,
                                              const std::vector<std::string>& values) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(table, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_ASSIGN_OR_RETURN(size_t key_count, RequireTable(db_name, table_name));
  LAKEBOX_TRY(CheckValues(values, key_count));
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM partitions WHERE database_name = ?1 AND "
                                                   "table_name = ?2 AND partition_values = ?3",
                                                   kPartitionColumns)));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, db_name).Bind(2, table_name).Bind(3, ValuesKey(values)).Step());
  if (!found) return std::unexpected(PartitionNotFound());
  return PartitionFromRow(*query);
}

Result<std::vector<Partition>> SqliteCatalog::GetPartitions(std::string_view database, std::string_view table) const {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(table, "Table"));
  std::vector<Partition> partitions;
  {
    std::lock_guard lock(mu_);
    LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
    LAKEBOX_TRY(RequireTable(db_name, table_name));
    LAKEBOX_ASSIGN_OR_RETURN(
        StatementLease query,
        db_.Prepare(fmt::format("SELECT {} FROM partitions WHERE database_name = ?1 AND table_name = ?2",
                                kPartitionColumns)));
    query->Bind(1, db_name).Bind(2, table_name);
    while (true) {
      LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
      if (!row) break;
      LAKEBOX_ASSIGN_OR_RETURN(Partition partition, PartitionFromRow(*query));
      partitions.push_back(std::move(partition));
    }
  }
  // Sorted here, not in SQL: the stored key is JSON text, which does not sort like the values.
  std::ranges::sort(partitions, {}, &Partition::values);
  return partitions;
}

Status SqliteCatalog::DeletePartition(std::string_view database, std::string_view table,
                                      const std::vector<std::string>& values) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string db_name, NormalizeName(database, "Database"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string table_name, NormalizeName(table, "Table"));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_ASSIGN_OR_RETURN(size_t key_count, RequireTable(db_name, table_name));
  LAKEBOX_TRY(CheckValues(values, key_count));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove,
                             db_.Prepare("DELETE FROM partitions WHERE database_name = ?1 AND table_name = ?2 "
                                         "AND partition_values = ?3"));
    LAKEBOX_TRY(remove->Bind(1, db_name).Bind(2, table_name).Bind(3, ValuesKey(values)).Run());
    if (remove->Changes() == 0) return std::unexpected(PartitionNotFound());
  }
  LAKEBOX_TRY(BumpChangeCounter());
  return txn.Commit();
}

// ---- Crawlers

Status SqliteCatalog::CreateCrawler(const CrawlerDefinition& crawler) {
  LAKEBOX_TRY(CheckCrawlerName(crawler.name));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert,
                             db_.Prepare("INSERT INTO crawlers (name, version, create_time_ms, update_time_ms, "
                                         "definition) VALUES (?1, 1, ?2, ?2, ?3) ON CONFLICT DO NOTHING"));
    LAKEBOX_TRY(insert->Bind(1, crawler.name).Bind(2, NowMillis()).Bind(3, CrawlerDefinitionJson(crawler)).Run());
    if (insert->Changes() == 0)
      return std::unexpected(Error::AlreadyExists(fmt::format("Crawler {} already exists.", crawler.name)));
  }
  return txn.Commit();
}

Status SqliteCatalog::UpdateCrawler(const CrawlerDefinition& crawler) {
  LAKEBOX_TRY(CheckCrawlerName(crawler.name));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease update,
                             db_.Prepare("UPDATE crawlers SET version = version + 1, update_time_ms = ?2, "
                                         "definition = ?3 WHERE name = ?1"));
    LAKEBOX_TRY(update->Bind(1, crawler.name).Bind(2, NowMillis()).Bind(3, CrawlerDefinitionJson(crawler)).Run());
    if (update->Changes() == 0) return std::unexpected(CrawlerNotFound(crawler.name));
  }
  return txn.Commit();
}

Result<CrawlerDefinition> SqliteCatalog::GetCrawler(std::string_view name) const {
  LAKEBOX_TRY(CheckCrawlerName(name));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM crawlers WHERE name = ?1", kCrawlerColumns)));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Bind(1, name).Step());
  if (!found) return std::unexpected(CrawlerNotFound(name));
  return CrawlerFromRow(*query);
}

Result<std::vector<CrawlerDefinition>> SqliteCatalog::GetCrawlers() const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM crawlers ORDER BY name", kCrawlerColumns)));
  std::vector<CrawlerDefinition> crawlers;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    LAKEBOX_ASSIGN_OR_RETURN(CrawlerDefinition crawler, CrawlerFromRow(*query));
    crawlers.push_back(std::move(crawler));
  }
  return crawlers;
}

Status SqliteCatalog::DeleteCrawler(std::string_view name) {
  LAKEBOX_TRY(CheckCrawlerName(name));
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  {
    // Runs and crawled objects go with it (ON DELETE CASCADE).
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease remove, db_.Prepare("DELETE FROM crawlers WHERE name = ?1"));
    LAKEBOX_TRY(remove->Bind(1, name).Run());
    if (remove->Changes() == 0) return std::unexpected(CrawlerNotFound(name));
  }
  return txn.Commit();
}

Status SqliteCatalog::RecordCrawlRun(std::string_view crawler, const CrawlRun& run) {
  LAKEBOX_TRY(CheckCrawlerName(crawler));
  std::string name(crawler);
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(RequireCrawler(name));
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert,
                             db_.Prepare(fmt::format("INSERT INTO crawl_runs (crawler, {}) VALUES (?1, ?2, ?3, ?4, ?5)",
                                                     kRunColumns)));
    LAKEBOX_TRY(insert->Bind(1, name)
                    .Bind(2, run.status)
                    .Bind(3, run.start_time_ms)
                    .Bind(4, run.end_time_ms)
                    .Bind(5, RunSummaryJson(run))
                    .Run());
  }
  return txn.Commit();
}

Result<std::vector<CrawlRun>> SqliteCatalog::GetCrawlRuns(std::string_view crawler, int limit) const {
  LAKEBOX_TRY(CheckCrawlerName(crawler));
  std::string name(crawler);
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_TRY(RequireCrawler(name));
  std::vector<CrawlRun> runs;
  if (limit <= 0) return runs;
  // rowid breaks ties between runs that started in the same millisecond: the later insert is newer.
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare(fmt::format("SELECT {} FROM crawl_runs WHERE crawler = ?1 "
                                                   "ORDER BY start_time_ms DESC, id DESC LIMIT ?2",
                                                   kRunColumns)));
  query->Bind(1, name).Bind(2, int64_t{limit});
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    LAKEBOX_ASSIGN_OR_RETURN(CrawlRun run, RunFromRow(*query));
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<std::vector<CrawledObject>> SqliteCatalog::GetCrawledObjects(std::string_view crawler) const {
  LAKEBOX_TRY(CheckCrawlerName(crawler));
  std::string name(crawler);
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  LAKEBOX_TRY(RequireCrawler(name));
  std::unordered_map<int64_t, std::string> schemas;
  {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                             db_.Prepare("SELECT id, schema FROM crawled_schemas WHERE crawler = ?1"));
    query->Bind(1, name);
    while (true) {
      LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
      if (!row) break;
      schemas.emplace(query->ColumnInt(0), query->ColumnText(1));
    }
  }
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query,
                           db_.Prepare("SELECT object_key, size, modified_ms, etag, table_name, classification, "
                                       "compression, schema_id, records FROM crawled_objects "
                                       "WHERE crawler = ?1 ORDER BY object_key"));
  query->Bind(1, name);
  std::vector<CrawledObject> objects;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    CrawledObject object;
    object.key = query->ColumnText(0);
    object.size = static_cast<uint64_t>(query->ColumnInt(1));
    object.modified_ms = query->ColumnInt(2);
    object.etag = query->ColumnText(3);
    object.table = query->ColumnText(4);
    object.classification = query->ColumnText(5);
    object.compression = query->ColumnText(6);
    auto schema = schemas.find(query->ColumnInt(7));
    if (schema == schemas.end())
      return std::unexpected(Error::Corruption(
          fmt::format("catalog: crawled object {} of crawler {} refers to a missing schema", object.key, name)));
    object.schema = schema->second;
    object.records = query->ColumnInt(8);
    objects.push_back(std::move(object));
  }
  return objects;
}

Status SqliteCatalog::SetCrawledObjects(std::string_view crawler, const std::vector<CrawledObject>& objects) {
  LAKEBOX_TRY(CheckCrawlerName(crawler));
  std::string name(crawler);
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  LAKEBOX_TRY(RequireCrawler(name));
  for (std::string_view sql : {"DELETE FROM crawled_objects WHERE crawler = ?1",
                               "DELETE FROM crawled_schemas WHERE crawler = ?1"}) {
    LAKEBOX_ASSIGN_OR_RETURN(StatementLease clear, db_.Prepare(sql));
    LAKEBOX_TRY(clear->Bind(1, name).Run());
  }
  // Two statements, bound and stepped per row, all in this one transaction: one fsync in all.
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease insert_schema,
                           db_.Prepare("INSERT INTO crawled_schemas (crawler, id, schema) VALUES (?1, ?2, ?3)"));
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementLease insert_object,
      db_.Prepare("INSERT INTO crawled_objects (crawler, object_key, size, modified_ms, etag, table_name, "
                  "classification, compression, schema_id, records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                  "ON CONFLICT (crawler, object_key) DO UPDATE SET size = excluded.size, "
                  "modified_ms = excluded.modified_ms, etag = excluded.etag, table_name = excluded.table_name, "
                  "classification = excluded.classification, compression = excluded.compression, "
                  "schema_id = excluded.schema_id, records = excluded.records"));
  std::unordered_map<std::string_view, int64_t> schema_ids;
  for (const CrawledObject& object : objects) {
    auto [schema, added] = schema_ids.try_emplace(object.schema, static_cast<int64_t>(schema_ids.size()) + 1);
    if (added) {
      LAKEBOX_TRY(insert_schema->Bind(1, name).Bind(2, schema->second).Bind(3, object.schema).Run());
      insert_schema->Reset();
    }
    LAKEBOX_TRY(insert_object->Bind(1, name)
                    .Bind(2, object.key)
                    .Bind(3, static_cast<int64_t>(object.size))
                    .Bind(4, object.modified_ms)
                    .Bind(5, object.etag)
                    .Bind(6, object.table)
                    .Bind(7, object.classification)
                    .Bind(8, object.compression)
                    .Bind(9, schema->second)
                    .Bind(10, object.records)
                    .Run());
    insert_object->Reset();
  }
  return txn.Commit();
}

Result<int64_t> SqliteCatalog::ChangeCounter() const {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease query, db_.Prepare("SELECT value FROM change_counter WHERE id = 1"));
  LAKEBOX_ASSIGN_OR_RETURN(bool found, query->Step());
  if (!found) return std::unexpected(Error::Corruption("catalog: the change_counter row is missing"));
  return query->ColumnInt(0);
}

}  // namespace lakebox::catalog
