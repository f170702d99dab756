// query::Engine: SQL over the lake (the Athena part), on embedded DuckDB.
//
// Every catalog database is a DuckDB schema and every catalog table a VIEW in it, so Athena's
// `SELECT * FROM "vehicles"."vehicles_raw" limit 10` runs as written:
//  - JSON tables (classification json) read their objects with read_json (newline-delimited;
//    gzip or zstd when the table's compressionType says so, as Firehose's object names need
//    no extension; otherwise DuckDB guesses from the extension), with the columns given
//    explicitly from the catalog's Hive types: string→VARCHAR, int→INTEGER, bigint→BIGINT, double→DOUBLE, boolean→BOOLEAN,
//    timestamp→TIMESTAMP, date→DATE, decimal(p,s)→DECIMAL(p,s), binary→BLOB,
//    struct<a:T>→STRUCT(a T), array<T>→T[], map<K,V>→MAP(K,V). JSON keys are looked up by the
//    catalog's (lower-case) column names; a key missing from a record reads as NULL.
//  - Parquet tables (classification parquet) read the catalog's columns with read_parquet
//    (union_by_name, so files that lack a column give NULLs), cast to the catalog's types.
//  - Partitioned tables: the view is a UNION ALL with one branch per catalog partition, reading
//    the objects under that partition's location, with the partition keys added as VARCHAR
//    literals. Only partitions in the catalog are visible, as in Athena (hive_partitioning is
//    not used: crawled folders need not be key=value, and the catalog is the truth). A filter
//    on a partition key folds to false in the branches it excludes, so DuckDB never opens
//    their files.
//  - Unpartitioned tables read every object under the table's location.
//  - Objects are files: s3://bucket/key is <data_dir>/s3/bucket/key. Files whose name starts
//    with '.' or '_' are skipped, as Hive and Athena do. The files are listed when the views
//    are built: views are rebuilt when Catalog::ChangeCounter() moved since the last build
//    (checked before every query), so an object added without a catalog change is seen at the
//    next catalog change.
//  - Tables of other classifications (csv, ...) are not views yet.
//
// Sandbox (DESIGN.md), two layers:
//  - Only SELECT and EXPLAIN statements run: every statement of a query is prepared and its
//    type checked before it executes, so COPY ... TO, ATTACH, INSTALL, LOAD, SET, PRAGMA,
//    CREATE, DROP, INSERT, ... are refused ("Permission Error: only SELECT and EXPLAIN ...")
//    before they do anything. The views can therefore not be altered by a query.
//  - After the first build, the database gets allowed_directories = [<data_dir>/s3/],
//    enable_external_access = false, autoload/autoinstall of extensions off, and
//    lock_configuration = true, so a SELECT reading a file outside the lake
//    (read_csv('/etc/passwd'), read_json('<data_dir>/catalog.db')) fails with DuckDB's
//    Permission Error while the views read the lake. A SELECT may read lake files directly by
//    path (read_json('<data_dir>/s3/...')), which is the lake's own data.
//
// Statistics: bytes_scanned is the total size (compressed, as stored) of the files of every view
// the query names (found in DuckDB's parse tree, json_serialize_sql; EXPLAIN counts 0), less
// the partitions a filter excludes: in a SELECT whose FROM is the view alone, the top-level
// AND-ed conditions of its WHERE that use only partition keys are evaluated (by DuckDB) on the
// view's partition values, and only matching partitions count; a view named in a join or with
// no such condition counts whole. This mirrors what DuckDB reads (a key filter folds the
// excluded UNION branches away), but Parquet column and row-group pruning, which DuckDB does,
// is not subtracted yet: for Parquet it is an upper bound of what Athena bills (DuckDB 1.4's
// TOTAL_BYTES_READ metric does not count what its file readers read).
// engine_time_ms is wall time inside DuckDB; rows is the result's row count.
//
// Values: cells are DuckDB's VARCHAR casts. The C API gives no text for nested values, so a
// single-statement query with STRUCT, LIST or MAP columns runs wrapped in a SELECT casting them
// ("{'speed_kmh': 12.5, 'doors_locked': false}", "[1, 2]"); column_types still name the nested
// types (read first with DESCRIBE, which binds without running).
//
// Errors of Execute: InvalidArgument with DuckDB's message for bad SQL and refused operations;
// for an unknown table, the message also lists the catalog's tables ("... The catalog has:
// vehicles.vehicles_raw, vehicles.vehicles_stage"); LimitExceeded when the memory limit is hit
// or the query ran past query_timeout ("Query exceeded the time limit of N ms");
// Io/Internal from the catalog or DuckDB.
//
// Thread safety: Execute may be called from any number of threads at once; up to
// max_concurrent_queries run at the same time, each on its own DuckDB connection from a pool;
// more wait for a free one. A view rebuild waits for running queries and blocks new ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "catalog/catalog.h"
#include "common/error.h"
#include "query/duckdb/duckdb.h"

namespace lakebox::query {

struct EngineOptions {
  std::filesystem::path data_dir;  // objects are under <data_dir>/s3/<bucket>/<key>
  std::string memory_limit = "1GB";  // DuckDB's memory_limit, for all queries together
  int threads = 0;                   // DuckDB worker threads; 0 = one per core
  int max_concurrent_queries = 4;    // more Execute calls wait for a free connection
  std::chrono::milliseconds query_timeout{0};  // a query running longer is interrupted; 0 = none
};

struct QueryStats {
  int64_t bytes_scanned = 0;
  double engine_time_ms = 0;
  int64_t rows = 0;
};

struct QueryResult {
  std::vector<std::string> column_names;
  std::vector<std::string> column_types;  // DuckDB type names: "VARCHAR", "STRUCT(...)", ...
  std::vector<std::vector<std::optional<std::string>>> rows;  // cells as text; nullopt = NULL
  QueryStats stats;
};

class Engine {
 public:
  // Opens the in-memory DuckDB, builds the views from `catalog` (which must outlive the
  // engine) and locks the sandbox. Errors: InvalidArgument for options DuckDB refuses; the
  // catalog's errors.
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options, catalog::Catalog* catalog);

  // Runs `sql` (one statement or several; the last one's result is returned) with unqualified
  // table names resolved in `default_database` when given (Athena's QueryExecutionContext).
  Result<QueryResult> Execute(std::string_view sql, std::optional<std::string> default_database = std::nullopt);

  // The SQL of the view of `database`.`table` as last built (for tests and EXPLAIN-like
  // diagnostics); NotFound if there is none.
  Result<std::string> ViewSql(std::string_view database, std::string_view table) const;

 private:
  class ConnectionLease;

  // What a view reads, for bytes_scanned.
  struct PartitionFiles {
    std::vector<std::optional<std::string>> values;  // one per key; nullopt = Hive's NULL
    int64_t bytes = 0;
  };
  struct ViewFiles {
    std::vector<std::string> keys;  // partition key names; empty when unpartitioned
    std::vector<PartitionFiles> partitions;  // those with files
    int64_t bytes = 0;                       // every file of the view
  };

  Engine(EngineOptions options, catalog::Catalog* catalog, duckdb::Database database, duckdb::Connection admin)
      : options_(std::move(options)), catalog_(catalog), database_(std::move(database)), admin_(std::move(admin)) {}

  // Rebuilds the views if the catalog's change counter moved. Takes mu_ exclusively then.
  Status RefreshViews();
  // With mu_ held exclusively.
  Status BuildViews();
  Status LockSandbox();
  // "db.table, db.table2" of every table that has a view.
  std::string ViewList() const;
  // The sizes of the files of the views `sql` names, less the partitions its filters on
  // partition keys exclude (mu_ held shared).
  int64_t BytesOfReferencedViews(duckdb::Connection& connection, std::string_view sql,
                                 const std::optional<std::string>& default_database) const;
  // The indexes of the view's partitions that satisfy the partition-key conditions of `where`
  // (a parse-tree expression); nullopt when it has none (every partition may be read).
  std::optional<std::set<size_t>> MatchingPartitions(duckdb::Connection& connection, const ViewFiles& view,
                                                     const nlohmann::json& where) const;

  EngineOptions options_;
  catalog::Catalog* catalog_;
  duckdb::Database database_;
  duckdb::Connection admin_;  // builds the views; guarded by mu_ (exclusive)

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<duckdb::Connection> idle_;  // guarded by pool_mu_

  mutable std::shared_mutex mu_;  // shared: a query runs; exclusive: views are rebuilt
  int64_t built_counter_ = -1;                                   // guarded by mu_
  std::vector<std::string> schemas_;                             // guarded by mu_
  std::vector<std::pair<std::string, std::string>> view_names_;  // (db, table); guarded by mu_
  std::vector<std::string> view_sql_;                            // parallel to view_names_
  std::map<std::string, ViewFiles> view_files_;  // key "db.table"; guarded by mu_
};

}  // namespace lakebox::query
