// The data catalog: databases, tables (with their storage descriptor, columns in Hive/Glue type
// strings, partition keys, the parameters Glue sets, and versions) and partitions, plus the
// crawler definitions and the crawler's memory of which objects it has read.
//
// The model follows the AWS Glue Data Catalog (AWS-REFERENCE.md §3.8, §3.9, §3.11) so the Glue API
// in server/ only translates. Names of databases and tables are stored lower-cased, as Glue does.
//
// Implementations: SqliteCatalog (sqlite_catalog.h; the embedded default, one file in the data
// dir, WAL mode, safe for several processes). The interface is narrow enough for PostgreSQL.
//
// Errors (AWS names in brackets): kEntityNotFound [EntityNotFoundException] for an unknown
// database, table, partition or crawler; kAlreadyExists [AlreadyExistsException]; kInvalidInput
// [InvalidInputException] for bad names or values. Thread safety: every method may be called
// from any thread; each call is one transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox::catalog {

using Parameters = std::map<std::string, std::string>;

struct Column {
  std::string name;     // lower case
  std::string type;     // Hive/Glue type string: bigint, double, string, boolean, timestamp,
                        // int, struct<a:int,b:string>, array<T>, map<K,V> (no spaces)
  std::string comment;
  bool operator==(const Column&) const = default;
};

struct StorageDescriptor {
  std::vector<Column> columns;
  std::string location;  // "s3://bucket/prefix/" (the table root, or the partition folder)
  std::string input_format;
  std::string output_format;
  bool compressed = false;
  std::string serde_library;
  Parameters serde_parameters;
  Parameters parameters;  // the same map as the table's parameters, as the crawler writes it
  bool operator==(const StorageDescriptor&) const = default;
};

struct Database {
  std::string name;
  std::string description;
  std::string location_uri;
  Parameters parameters;
  int64_t create_time_ms = 0;
};

struct Table {
  std::string database;
  std::string name;
  std::string description;
  std::string owner = "owner";
  std::string table_type = "EXTERNAL_TABLE";
  StorageDescriptor storage;
  std::vector<Column> partition_keys;  // type "string" for crawled partitions
  // classification (json|parquet|csv), compressionType (none|gzip|...), typeOfData, recordCount,
  // averageRecordSize, sizeKey, objectCount, UPDATED_BY_CRAWLER, ...; every value a string.
  Parameters parameters;
  std::string created_by;
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
  int64_t version = 0;  // 1 on creation, +1 on every update; GetTableVersions lists them
};

struct Partition {
  std::string database;
  std::string table;
  std::vector<std::string> values;  // one per partition key, in key order
  StorageDescriptor storage;
  Parameters parameters;  // its own stats: recordCount, objectCount, sizeKey, ...
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
};

// One page of a paginated listing, with an opaque token for the next page (nullopt: no more).
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_token;
};

// Every item of a paginated listing: calls `fetch(token)` (returning Result<Page<T>>) from no
// token until a page has no next token, e.g.
//   AllPages<Database>([&](const auto& token) { return catalog.GetDatabases(token, 1000); })
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

// What a crawler is told to do (CreateCrawler / UpdateCrawler, or [[crawler]] in lakebox.toml).
struct S3Target {
  std::string path;                     // "s3://bucket/prefix/"
  std::vector<std::string> exclusions;  // glob patterns relative to the path (Glue's syntax)
  std::optional<int> sample_size;       // files read per leaf folder (1-249)
  bool operator==(const S3Target&) const = default;
};

enum class UpdateBehavior { kLog, kUpdateInDatabase };
enum class DeleteBehavior { kLog, kDeleteFromDatabase, kDeprecateInDatabase };
enum class RecrawlBehavior { kCrawlEverything, kCrawlNewFoldersOnly };

struct CrawlerDefinition {
  std::string name;
  std::string role;
  std::string database;  // "default" when not given
  std::string description;
  std::vector<S3Target> targets;
  std::string table_prefix;
  std::string schedule;  // "cron(...)" as given; "" = on demand
  UpdateBehavior update_behavior = UpdateBehavior::kUpdateInDatabase;
  DeleteBehavior delete_behavior = DeleteBehavior::kDeprecateInDatabase;
  RecrawlBehavior recrawl_behavior = RecrawlBehavior::kCrawlEverything;
  std::string configuration;  // Glue's versioned JSON string, kept as given
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
  int64_t version = 1;
};

// The outcome of one crawl (LastCrawl + GetCrawlerMetrics).
struct CrawlRun {
  std::string status;  // SUCCEEDED | FAILED | CANCELLED
  std::string error_message;
  int64_t start_time_ms = 0;
  int64_t end_time_ms = 0;
  int tables_created = 0;
  int tables_updated = 0;
  int tables_deleted = 0;
  int partitions_added = 0;
  int partitions_deleted = 0;
  int64_t objects_listed = 0;
  int64_t objects_read = 0;     // objects whose content was sampled this run
  int64_t bytes_sampled = 0;    // bytes read from objects (compressed, as stored)
  int64_t objects_skipped = 0;  // unreadable or unclassifiable: listed in `problems`
  std::vector<std::string> problems;  // "s3://lake/raw/x.gz: truncated gzip data", ...
};

// What the crawler remembers of an object it has read, to read only new or changed objects.
struct CrawledObject {
  std::string key;  // "s3://bucket/key"
  uint64_t size = 0;
  int64_t modified_ms = 0;
  std::string etag;
  std::string table;  // the table it went into ("" if it was skipped)
  // What sampling found, so that a later run groups and counts the object without reading it
  // again (all empty/0 for a skipped object).
  std::string classification;  // json | csv | parquet
  std::string compression;     // none | gzip | zstd | snappy
  std::string schema;          // the record type, in the crawler's own lossless encoding (JSON)
  int64_t records = 0;         // estimated records in the object
  bool operator==(const CrawledObject&) const = default;
};

enum class DatabaseDeletion { kCascade };

class Catalog {
 public:
  virtual ~Catalog() = default;

  // ---- Databases
  virtual Status CreateDatabase(const Database& database) = 0;
  virtual Result<Database> GetDatabase(std::string_view name) const = 0;
  virtual Result<Page<Database>> GetDatabases(std::optional<std::string> token, int max_results) const = 0;
  // Deletes the database with its tables and partitions.
  virtual Status DeleteDatabase(std::string_view name) = 0;

  // ---- Tables
  // create_time/update_time/version are set by the catalog.
  virtual Status CreateTable(const Table& table) = 0;
  virtual Result<Table> GetTable(std::string_view database, std::string_view name) const = 0;
  // `name_regex` filters names (Glue's GetTables Expression); "" = all. Sorted by name.
  virtual Result<Page<Table>> GetTables(std::string_view database, std::string_view name_regex,
                                        std::optional<std::string> token, int max_results) const = 0;
  // Replaces the table's definition and keeps the previous one as a version.
  virtual Status UpdateTable(const Table& table) = 0;
  virtual Status DeleteTable(std::string_view database, std::string_view name) = 0;
  // Newest first.
  virtual Result<std::vector<Table>> GetTableVersions(std::string_view database, std::string_view name) const = 0;

  // ---- Partitions
  // Creates each partition; returns, per partition that failed, its values and the error
  // (AlreadyExists, InvalidInput) — BatchCreatePartition's Errors list. Others are created.
  virtual Result<std::vector<std::pair<std::vector<std::string>, Error>>> CreatePartitions(
      std::string_view database, std::string_view table, const std::vector<Partition>& partitions) = 0;
  virtual Status UpdatePartition(const Partition& partition) = 0;
  virtual Result<Partition> GetPartition(std::string_view database, std::string_view table,
                                         const std::vector<std::string>& values) const = 0;
  // All partitions, ordered by values; callers filter (GetPartitions' Expression) themselves.
  virtual Result<std::vector<Partition>> GetPartitions(std::string_view database, std::string_view table) const = 0;
  virtual Status DeletePartition(std::string_view database, std::string_view table,
                                 const std::vector<std::string>& values) = 0;

  // ---- Crawlers
  virtual Status CreateCrawler(const CrawlerDefinition& crawler) = 0;
  virtual Status UpdateCrawler(const CrawlerDefinition& crawler) = 0;  // bumps version
  virtual Result<CrawlerDefinition> GetCrawler(std::string_view name) const = 0;
  virtual Result<std::vector<CrawlerDefinition>> GetCrawlers() const = 0;  // sorted by name
  virtual Status DeleteCrawler(std::string_view name) = 0;  // and its runs and object memory
  virtual Status RecordCrawlRun(std::string_view crawler, const CrawlRun& run) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<CrawlRun>> GetCrawlRuns(std::string_view crawler, int limit) const = 0;
  virtual Result<std::vector<CrawledObject>> GetCrawledObjects(std::string_view crawler) const = 0;
  // Replaces the crawler's object memory with `objects`, atomically.
  virtual Status SetCrawledObjects(std::string_view crawler, const std::vector<CrawledObject>& objects) = 0;

  // Increases on every change to databases, tables or partitions (the query engine rebuilds
  // its views only when this moved).
  virtual Result<int64_t> ChangeCounter() const = 0;
};

// Glue's name rules: 1-255 chars, lower-cased; InvalidInput otherwise.
Result<std::string> NormalizeName(std::string_view name, std::string_view what);

}  // namespace lakebox::catalog
