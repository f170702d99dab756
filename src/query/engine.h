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
//  - Partitioned tables: only partitions in the catalog are visible, as in Athena (the catalog
//    is the truth, not the folders). When every partition's objects sit under key=value
//    folders naming the table's keys in order (its location ends with them, as Firehose
//    prefixes and ETL output write them) and no value needs escaping or is Hive's NULL marker,
//    the view is ONE read_json / read_parquet over the catalog partitions' objects with
//    hive_partitioning (keys as VARCHAR, hive_types_autocast=false): DuckDB drops the files a
//    filter on the keys excludes, and one scan starts far less work under a LIMIT than one per
//    partition. Otherwise it is a UNION ALL with one branch per catalog partition, reading the
//    objects under that partition's location, with the partition keys added as VARCHAR
//    literals; a filter on a partition key folds to false in the branches it excludes, so
//    DuckDB never opens their files.
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
//    before they do anything. EXPLAIN ANALYZE executes what it explains, so an EXPLAIN must
//    explain a query (EXPLAIN ANALYZE COPY ... TO would write into the lake). The views can
//    therefore not be altered by a query.
//  - After the first build, the database gets allowed_directories = [<data_dir>/s3/],
//    enable_external_access = false, autoload/autoinstall of extensions off, and
//    lock_configuration = true, so a SELECT reading a file outside the lake
//    (read_csv('/etc/passwd'), read_json('<data_dir>/catalog.db')) fails with DuckDB's
//    Permission Error while the views read the lake. A SELECT may read lake files directly by
//    path (read_json('<data_dir>/s3/...')), which is the lake's own data.
//
// Statistics (QueryStats):
//  - bytes_scanned counts what Athena bills: bytes read from the objects, compressed, as stored.
//    The views a query reads are found in DuckDB's parse tree (json_serialize_sql; EXPLAIN and
//    the catalog's SHOW/DESCRIBE answers count 0). A filter on partition keys selects
//    partitions: in a SELECT whose FROM is the view alone, the top-level AND-ed conditions of
//    its WHERE that use only partition keys are evaluated (by DuckDB) on the view's partition
//    values, and only matching partitions count (DuckDB folds the other UNION branches away);
//    a view named in a join or with no such condition counts every partition. Then, per file
//    of the counted partitions:
//      JSON (and any non-Parquet) file: its whole size, as Athena bills a compressed JSON object.
//      Parquet file: its footer (FileMetaData, its u32 length and the "PAR1" magic), plus, in
//      every row group, the column chunks (total_compressed_size) of the columns DuckDB reads.
//      Bloom filters and page indexes, which DuckDB reads only for some filters, do not count.
//    The columns DuckDB reads come from its profiler: the "Projections" and "Filters" of every
//    READ_PARQUET scan operator (EXTRA_INFO); a view's column counts when its name appears
//    there. So `SELECT vendor` counts the vendor chunks only, a filter column counts too, and a
//    query that reads no column (a count(*) DuckDB answers from the footers' row counts, or
//    partition keys only) counts the footers. Scans are not told apart per view: two Parquet
//    views in one query both count a column either one reads (an upper bound). DuckDB may
//    also skip row groups by their statistics, or stop early under a LIMIT; every row group
//    still counts. With several statements only the last one is profiled: the others' Parquet
//    views count whole files. Footers are read once per (path, size, mtime) and cached.
//    (DuckDB 1.4's TOTAL_BYTES_READ metric does not count what its file readers read.)
//    Note: through a partitioned view that is a UNION ALL, count(*) makes DuckDB 1.4 read the
//    first column of every file (its plan keeps one column per UNION branch), so that column
//    counts.
//  - peak_memory_bytes: the most memory DuckDB's buffer manager held while the query ran. It is
//    database-wide (concurrent queries add to it), as DuckDB measures it: the profiler's
//    SYSTEM_PEAK_BUFFER_MEMORY when it rose during the query (DuckDB 1.4 keeps that metric as a
//    running maximum per connection, never reset, so a lower value is not visible there) and
//    duckdb_memory() sampled every 100 ms while queries run and once when the query ends.
//  - engine_time_ms is wall time inside DuckDB; rows is the result's row count.
//
// Athena's statements (athena_statements.h): SHOW DATABASES/SCHEMAS, SHOW TABLES, SHOW COLUMNS,
// SHOW PARTITIONS and DESCRIBE are answered from the catalog, not DuckDB (bytes_scanned and
// peak_memory_bytes 0); CREATE, DROP, ALTER and MSCK are refused ("CREATE TABLE is not
// supported: lakebox's catalog is kept by its crawlers and the Glue API, so DDL statements
// (...) are refused").
//
// Values: cells are DuckDB's VARCHAR casts. The C API gives no text for nested values, so a
// single-statement query with STRUCT, LIST or MAP columns runs wrapped in a SELECT casting them
// ("{'speed_kmh': 12.5, 'doors_locked': false}", "[1, 2]"); column_types still name the nested
// types. A single statement is prepared once (its type checked and its result columns read from
// the prepared statement), then either executed or, with nested columns, replaced by that
// wrapper run once: each extra statement would bind the views' file readers again.
//
// Errors of Execute: InvalidArgument with DuckDB's message for bad SQL and refused operations
// (the sandbox's, DDL, an EXPLAIN of anything but a query, a SHOW or DESCRIBE lakebox does not
// answer); for an unknown table, the message also lists the catalog's tables ("... The catalog
// has: vehicles.vehicles_raw, vehicles.vehicles_stage"); LimitExceeded when the memory limit is hit
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
#include "query/table_scan.h"

namespace lakebox::query {

struct EngineOptions {
  std::filesystem::path data_dir;  // objects are under <data_dir>/s3/<bucket>/<key>
  std::string memory_limit = "1GB";  // DuckDB's memory_limit, for all queries together
  int threads = 0;                   // DuckDB worker threads; 0 = one per core
  int max_concurrent_queries = 4;    // more Execute calls wait for a free connection
  std::chrono::milliseconds query_timeout{0};  // a query running longer is interrupted; 0 = none
};

struct QueryStats {
  int64_t bytes_scanned = 0;  // see "Statistics" above
  double engine_time_ms = 0;
  int64_t rows = 0;
  int64_t peak_memory_bytes = 0;
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

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

 private:
  class ConnectionLease;
  class MemorySampler;

  // A pooled connection and the last value its profiler's SYSTEM_PEAK_BUFFER_MEMORY showed
  // (a running maximum over the connection's queries).
  struct PooledConnection {
    duckdb::Connection connection;
    int64_t profiler_peak = 0;
  };

  // What a view reads, for bytes_scanned.
  struct PartitionFiles {
    std::vector<std::optional<std::string>> values;  // one per key; nullopt = Hive's NULL
    std::vector<ObjectFile> files;
    int64_t bytes = 0;  // the files' sizes
  };
  struct ViewFiles {
    bool parquet = false;
    std::vector<std::string> columns;  // the catalog's column names (lower case)
    std::vector<std::string> keys;     // partition key names; empty when unpartitioned
    // Those with files; an unpartitioned view has one, without values.
    std::vector<PartitionFiles> partitions;
  };
  // What bytes_scanned needs of a Parquet file's footer, cached by path with the size and
  // modification time it was read at.
  struct FooterSummary {
    uint64_t size = 0;
    std::filesystem::file_time_type mtime;
    int64_t footer_bytes = 0;                     // FileMetaData, its length and "PAR1"
    std::map<std::string, int64_t> column_bytes;  // lower-case top-level column -> chunk bytes
  };

  Engine(EngineOptions options, catalog::Catalog* catalog, duckdb::Database database, duckdb::Connection admin);

  // Rebuilds the views if the catalog's change counter moved. Takes mu_ exclusively then.
  Status RefreshViews();
  // With mu_ held exclusively.
  Status BuildViews();
  Status LockSandbox();
  // "db.table, db.table2" of every table that has a view.
  std::string ViewList() const;
  // bytes_scanned of `sql` (see the top of this file; mu_ held shared). `parquet_scans` is the
  // lower-cased EXTRA_INFO of every READ_PARQUET scan the profiler saw; nullptr when the
  // profile does not cover the whole query (Parquet views then count whole files).
  int64_t BytesOfReferencedViews(duckdb::Connection& connection, std::string_view sql,
                                 const std::optional<std::string>& default_database,
                                 const std::vector<std::string>* parquet_scans);
  // The bytes a query reads from `partition` of `view` given the columns it reads (nullptr:
  // every byte of every file).
  int64_t PartitionBytes(const ViewFiles& view, const PartitionFiles& partition,
                         const std::set<std::string>* columns_read);
  // The footer summary of a Parquet file, from the cache or read now; nullopt if it cannot be
  // read (the file then counts whole).
  std::optional<FooterSummary> Footer(const ObjectFile& file);
  // The indexes of the view's partitions that satisfy the partition-key conditions of `where`
  // (a parse-tree expression); nullopt when it has none (every partition may be read).
  std::optional<std::set<size_t>> MatchingPartitions(duckdb::Connection& connection, const ViewFiles& view,
                                                     const nlohmann::json& where) const;

  EngineOptions options_;
  catalog::Catalog* catalog_;
  duckdb::Database database_;
  duckdb::Connection admin_;  // builds the views; guarded by mu_ (exclusive)
  std::unique_ptr<MemorySampler> sampler_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<PooledConnection> idle_;  // guarded by pool_mu_

  mutable std::shared_mutex mu_;  // shared: a query runs; exclusive: views are rebuilt
  int64_t built_counter_ = -1;                                   // guarded by mu_
  std::vector<std::string> schemas_;                             // guarded by mu_
  std::vector<std::pair<std::string, std::string>> view_names_;  // (db, table); guarded by mu_
  std::vector<std::string> view_sql_;                            // parallel to view_names_
  std::map<std::string, ViewFiles> view_files_;  // key "db.table"; guarded by mu_

  std::mutex footers_mu_;
  std::map<std::string, FooterSummary> footers_;  // by path; guarded by footers_mu_
};

}  // namespace lakebox::query
