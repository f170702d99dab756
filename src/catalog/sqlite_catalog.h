// SqliteCatalog: the embedded Catalog, one SQLite file in the data dir (<data-dir>/catalog.db).
//
// Durability: WAL mode with synchronous=FULL, so a call that returned Ok survives a crash or a
// power cut (its WAL frames were fsynced before COMMIT returned). Several processes may open the
// same file: each call is one transaction, writers take the write lock up front (BEGIN
// IMMEDIATE) and wait up to kBusyTimeoutMs for another process's writer; readers never wait.
//
// Layout: one table per entity, with real columns for keys and what is filtered or sorted on,
// and the structured parts (columns, parameters, storage descriptor, crawler definition, run
// summary) as JSON text. JSON fields missing from a stored row read as their defaults, so a
// field added to a struct later needs no migration. The schema is versioned (table
// schema_version, one row per applied migration); Open applies the missing migrations in one
// transaction. To add tables (jobs, query history), append a step to kMigrations in
// sqlite_catalog.cpp; never edit a step that has shipped.
//
// Beyond catalog.h:
//  - Column and partition-key names are stored lower-cased (Hive, as Glue does); an empty one is
//    InvalidInput. Partition values keep their case.
//  - Crawler names keep their case (Glue's crawler names are case-sensitive) but must pass
//    NormalizeName's rules. A crawler's database is not required to exist.
//  - A partition's values must be non-empty and as many as the table's partition keys
//    (InvalidInput). Missing partition: EntityNotFound "Cannot find partition.".
//  - Pagination tokens are base64 of the last name returned; a token that is not valid base64 is
//    InvalidInput. REQUIRES max_results >= 1 (InvalidInput otherwise); GetCrawlRuns with
//    limit <= 0 returns nothing.
//  - SetCrawledObjects: an object key given twice keeps the last entry.
//  - Storage failures: Io (disk), Corruption (damaged file or stored JSON), ServiceUnavailable
//    (another process held the write lock past the busy timeout).
// Thread safety: every method may be called from any thread; calls on one instance are
// serialised (one connection), calls on different instances or processes run concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "catalog/catalog.h"
#include "catalog/sqlite_util.h"

namespace lakebox::catalog {

class SqliteCatalog final : public Catalog {
 public:
  // How long a writer waits for another connection's write lock before ServiceUnavailable.
  static constexpr int kBusyTimeoutMs = 10'000;

  // Opens `db_file`, creating it (and its schema) if missing and migrating an older schema.
  // Errors: Io if the file cannot be opened or created or the file system cannot do WAL;
  // Corruption if it is not a SQLite database; InvalidArgument if it was written by a newer
  // lakebox (schema version above SchemaVersion()).
  static Result<std::unique_ptr<SqliteCatalog>> Open(const std::filesystem::path& db_file);

  // The schema version this build writes (the number of migrations).
  static int SchemaVersion();

  Status CreateDatabase(const Database& database) override;
  Result<Database> GetDatabase(std::string_view name) const override;
  Result<Page<Database>> GetDatabases(std::optional<std::string> token, int max_results) const override;
  Status DeleteDatabase(std::string_view name) override;

  Status CreateTable(const Table& table) override;
  Result<Table> GetTable(std::string_view database, std::string_view name) const override;
  Result<Page<Table>> GetTables(std::string_view database, std::string_view name_regex,
                                std::optional<std::string> token, int max_results) const override;
  Status UpdateTable(const Table& table) override;
  Status DeleteTable(std::string_view database, std::string_view name) override;
  Result<std::vector<Table>> GetTableVersions(std::string_view database, std::string_view name) const override;

  Result<std::vector<std::pair<std::vector<std::string>, Error>>> CreatePartitions(
      std::string_view database, std::string_view table, const std::vector<Partition>& partitions) override;
  Status UpdatePartition(const Partition& partition) override;
  Result<Partition> GetPartition(std::string_view database, std::string_view table,
                                 const std::vector<std::string>& values) const override;
  Result<std::vector<Partition>> GetPartitions(std::string_view database, std::string_view table) const override;
  Status DeletePartition(std::string_view database, std::string_view table,
                         const std::vector<std::string>& values) override;

  Status CreateCrawler(const CrawlerDefinition& crawler) override;
  Status UpdateCrawler(const CrawlerDefinition& crawler) override;
  Result<CrawlerDefinition> GetCrawler(std::string_view name) const override;
  Result<std::vector<CrawlerDefinition>> GetCrawlers() const override;
  Status DeleteCrawler(std::string_view name) override;
  Status RecordCrawlRun(std::string_view crawler, const CrawlRun& run) override;
  Result<std::vector<CrawlRun>> GetCrawlRuns(std::string_view crawler, int limit) const override;
  Result<std::vector<CrawledObject>> GetCrawledObjects(std::string_view crawler) const override;
  Status SetCrawledObjects(std::string_view crawler, const std::vector<CrawledObject>& objects) override;

  Result<int64_t> ChangeCounter() const override;

 private:
  explicit SqliteCatalog(SqliteDb db) : db_(std::move(db)) {}

  // Helpers called with mu_ held, inside a transaction.
  Status RequireDatabase(const std::string& database) const;
  // The table's partition key count; EntityNotFound for a missing database or table.
  Result<size_t> RequireTable(const std::string& database, const std::string& table) const;
  Status RequireCrawler(const std::string& crawler) const;
  Status BumpChangeCounter();

  mutable std::mutex mu_;
  mutable SqliteDb db_;  // guarded by mu_
};

}  // namespace lakebox::catalog
