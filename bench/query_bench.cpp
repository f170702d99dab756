// query_bench: the query benchmark's in-process half (bench/query/run.sh). Over a data dir whose
// catalog has the raw JSON and the Parquet stage tables (bench/tools/make_query_lake, then the
// crawler), it times the same SQL on
//  - lakebox/<query>: query::Engine::Execute, in process, on the data dir's catalog.db — what a
//    caller of the engine waits for (views checked, DESCRIBE and the nested-type wrapping, the
//    query, cells to text, bytes scanned); the engine's own stats ride along as counters
//    (engine_ms = QueryStats::engine_time_ms, bytes_scanned, rows, peak_mem_mb);
//  - views/<query>: a plain DuckDB connection with lakebox's own views (Engine::ViewSql: the
//    UNION ALL of one read_json / read_parquet per partition over explicit file lists), to tell
//    the cost of the views' shape from the engine's per-query work;
//  - duckdb/<query>: a plain DuckDB connection (same DuckDB, same memory limit and threads) with
//    the views a DuckDB user would write over the same files: read_json over a glob of the raw
//    objects with the catalog's columns and types, compression gzip, hive_partitioning; and
//    read_parquet over a glob of the stage files with hive_partitioning. Partition columns are
//    VARCHAR in both (hive_types_autocast=false), so the same SQL text runs on both.
// Google Benchmark runs each (system, query) as one query per iteration, one iteration per
// repetition (--benchmark_repetitions, --benchmark_enable_random_interleaving interleaves them).
//
// Before timing, every query runs once on both (a warm-up: page cache, the engine's footer cache)
// and the two answers are compared: same columns and row count, and for ordered queries the same
// cells (numbers within 1e-9 relative). A mismatch fails the run (exit 1).
//
//   query_bench --data-dir DIR [--database vehicles] [--raw vehicles_raw] [--stage vehicles_stage]
//               [--memory-limit 2GB] [--threads 0] [--print-queries] [--queries FILE]
//               [Google Benchmark flags]
// --queries FILE takes the queries from "name<TAB>sql" lines instead (the dashboard benchmark).
//
// --print-queries prints "name<TAB>sql" per query (the SQL the Athena and ClickHouse parts of
// run.sh use) and exits. The hour filter is on the middle hour partition of the raw table.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/sqlite_catalog.h"
#include "query/duckdb/duckdb.h"
#include "query/engine.h"
#include "query/table_scan.h"

namespace {

namespace fs = std::filesystem;
namespace duck = lakebox::query::duckdb;
using lakebox::query::Engine;

struct Flags {
  fs::path data_dir;
  std::string database = "vehicles";
  std::string raw = "vehicles_raw";
  std::string stage = "vehicles_stage";
  std::string memory_limit = "2GB";
  int threads = 0;
  bool print_queries = false;
  fs::path queries_file;  // "name<TAB>sql" lines replacing the built-in queries (bench/dashboard)
};

struct Query {
  std::string name;
  std::string sql;
  bool ordered;  // the answer is deterministic (ORDER BY), so its cells are compared
};

[[noreturn]] void Die(const std::string& message) {
  fmt::print(stderr, "query_bench: {}\n", message);
  std::exit(1);
}

// Takes this tool's flags (--name=value or --name value) out of argv, leaving Google Benchmark's.
Flags ParseFlags(int& argc, char** argv) {
  Flags flags;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (arg.starts_with(std::string(name) + "=")) return std::string(arg.substr(name.size() + 1));
      if (arg == name) {
        if (i + 1 >= argc) Die(fmt::format("{} needs a value", name));
        return std::string(argv[++i]);
      }
      return std::nullopt;
    };
    if (auto v = value("--data-dir")) {
      flags.data_dir = *v;
    } else if (auto v = value("--database")) {
      flags.database = *v;
    } else if (auto v = value("--raw")) {
      flags.raw = *v;
    } else if (auto v = value("--stage")) {
      flags.stage = *v;
    } else if (auto v = value("--memory-limit")) {
      flags.memory_limit = *v;
    } else if (auto v = value("--threads")) {
      flags.threads = std::atoi(v->c_str());
    } else if (auto v = value("--queries")) {
      flags.queries_file = *v;
    } else if (arg == "--print-queries") {
      flags.print_queries = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  if (flags.data_dir.empty()) Die("--data-dir is required");
  return flags;
}

template <typename T>
T OrDie(lakebox::Result<T> result, std::string_view what) {
  if (!result) Die(fmt::format("{}: {}", what, result.error().ToString()));
  return std::move(*result);
}

std::string TableName(const Flags& flags, const std::string& table) {
  return fmt::format("\"{}\".\"{}\"", flags.database, table);
}

// The WHERE condition selecting the middle hour partition of the raw table.
std::string HourFilter(lakebox::catalog::Catalog& catalog, const Flags& flags) {
  auto table = OrDie(catalog.GetTable(flags.database, flags.raw), "raw table");
  auto partitions = OrDie(catalog.GetPartitions(flags.database, flags.raw), "raw partitions");
  if (partitions.empty() || table.partition_keys.empty()) Die("the raw table has no partitions");
  std::sort(partitions.begin(), partitions.end(), [](const auto& a, const auto& b) { return a.values < b.values; });
  const auto& middle = partitions[partitions.size() / 2];
  std::string where;
  for (size_t i = 0; i < table.partition_keys.size() && i < middle.values.size(); ++i) {
    if (!where.empty()) where += " AND ";
    where += fmt::format("{} = {}", table.partition_keys[i].name, duck::QuoteLiteral(middle.values[i]));
  }
  return where;
}

// "name<TAB>sql" per line; a query with ORDER BY has its cells compared.
std::vector<Query> ReadQueries(const fs::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) Die(fmt::format("cannot read {}", path.string()));
  std::vector<Query> queries;
  char* line = nullptr;
  size_t capacity = 0;
  for (ssize_t n; (n = getline(&line, &capacity, file)) > 0;) {
    std::string_view text(line, static_cast<size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    size_t tab = text.find('\t');
    if (tab == std::string_view::npos) continue;
    std::string sql(text.substr(tab + 1));
    bool ordered = sql.find("ORDER BY") != std::string::npos;
    queries.push_back({std::string(text.substr(0, tab)), std::move(sql), ordered});
  }
  std::free(line);
  std::fclose(file);
  if (queries.empty()) Die(fmt::format("no \"name<TAB>sql\" line in {}", path.string()));
  return queries;
}

std::vector<Query> Queries(lakebox::catalog::Catalog& catalog, const Flags& flags) {
  if (!flags.queries_file.empty()) return ReadQueries(flags.queries_file);
  const std::string raw = TableName(flags, flags.raw);
  const std::string stage = TableName(flags, flags.stage);
  const std::string hour = HourFilter(catalog, flags);
  return {
      // The seed's query, as written, and the same on raw.
      {"stage_limit10", fmt::format("SELECT * FROM {} limit 10;", stage), false},
      {"raw_limit10", fmt::format("SELECT * FROM {} limit 10;", raw), false},
      {"stage_count_by_vendor",
       fmt::format("SELECT vendor, count(*) AS n FROM {} GROUP BY vendor ORDER BY vendor", stage), true},
      {"raw_count_by_vendor", fmt::format("SELECT vendor, count(*) AS n FROM {} GROUP BY vendor ORDER BY vendor", raw),
       true},
      {"raw_avg_speed_1h",
       fmt::format("SELECT vendor, avg(vehicle_status.speed_kmh) AS avg_speed_kmh, count(*) AS n FROM {} "
                   "WHERE {} GROUP BY vendor ORDER BY vendor",
                   raw, hour),
       true},
      {"raw_avg_speed_all",
       fmt::format("SELECT vendor, avg(vehicle_status.speed_kmh) AS avg_speed_kmh, count(*) AS n FROM {} "
                   "GROUP BY vendor ORDER BY vendor",
                   raw),
       true},
      {"stage_avg_speed_all",
       fmt::format("SELECT vendor, avg(vehicle_status_speed_kmh) AS avg_speed_kmh, count(*) AS n FROM {} "
                   "GROUP BY vendor ORDER BY vendor",
                   stage),
       true},
  };
}

// A glob over a table's objects: one "*" per partition folder level, one for the file.
std::string TableGlob(const Flags& flags, const lakebox::catalog::Table& table) {
  auto root = lakebox::query::LocalPath(flags.data_dir, table.storage.location);
  if (!root) Die(fmt::format("table {} has no local location: {}", table.name, table.storage.location));
  std::string glob = root->string();
  for (size_t i = 0; i <= table.partition_keys.size(); ++i) glob += "/*";
  return glob;
}

// The catalog's columns then its partition keys, quoted: the direct views' select list (DuckDB
// appends hive partition columns in its own order).
std::string SelectList(const lakebox::catalog::Table& table) {
  std::string list;
  for (const auto* columns : {&table.storage.columns, &table.partition_keys}) {
    for (const auto& column : *columns) {
      if (!list.empty()) list += ", ";
      list += duck::QuoteIdentifier(column.name);
    }
  }
  return list;
}

// The direct DuckDB views, written the obvious way over the same files.
void CreateDirectViews(duck::Connection& connection, lakebox::catalog::Catalog& catalog, const Flags& flags) {
  auto raw = OrDie(catalog.GetTable(flags.database, flags.raw), "raw table");
  auto stage = OrDie(catalog.GetTable(flags.database, flags.stage), "stage table");
  std::string columns;
  for (const auto& column : raw.storage.columns) {
    if (!columns.empty()) columns += ", ";
    columns += duck::QuoteLiteral(column.name) + ": " +
               duck::QuoteLiteral(OrDie(lakebox::query::DuckTypeOfHive(column), "raw column type"));
  }
  std::string ddl = fmt::format("CREATE SCHEMA {0}; CREATE VIEW {0}.{1} AS SELECT {2} FROM read_json({3}, "
                                "columns={{{4}}}, format='newline_delimited', compression='gzip', "
                                "hive_partitioning=true, hive_types_autocast=false); ",
                                duck::QuoteIdentifier(flags.database), duck::QuoteIdentifier(flags.raw),
                                SelectList(raw), duck::QuoteLiteral(TableGlob(flags, raw)), columns);
  ddl += fmt::format("CREATE VIEW {}.{} AS SELECT {} FROM read_parquet({}, hive_partitioning=true, "
                     "hive_types_autocast=false);",
                     duck::QuoteIdentifier(flags.database), duck::QuoteIdentifier(flags.stage), SelectList(stage),
                     duck::QuoteLiteral(TableGlob(flags, stage)));
  // Unqualified names resolve in the database, as in the engine (the dashboards' SQL has them).
  ddl += fmt::format(" SET search_path = {};", duck::QuoteLiteral(flags.database));
  if (auto status = connection.Execute(ddl); !status) Die("creating the direct views: " + status.error().ToString());
}

// lakebox's views, as the engine built them, in a plain DuckDB database.
void CreateLakeboxViews(duck::Connection& connection, Engine& engine, const Flags& flags) {
  std::string ddl = fmt::format("CREATE SCHEMA {};", duck::QuoteIdentifier(flags.database));
  for (const std::string& table : {flags.raw, flags.stage}) {
    ddl += fmt::format(" CREATE VIEW {}.{} AS {};", duck::QuoteIdentifier(flags.database), duck::QuoteIdentifier(table),
                       OrDie(engine.ViewSql(flags.database, table), "lakebox's view"));
  }
  // Unqualified names resolve in the database, as in the engine (the dashboards' SQL has them).
  ddl += fmt::format(" SET search_path = {};", duck::QuoteLiteral(flags.database));
  if (auto status = connection.Execute(ddl); !status) Die("creating lakebox's views: " + status.error().ToString());
}

using Table = std::vector<std::vector<std::optional<std::string>>>;

Table Cells(duck::Result& result) {
  Table rows;
  for (size_t r = 0; r < result.RowCount(); ++r) {
    std::vector<std::optional<std::string>> row;
    for (size_t c = 0; c < result.ColumnCount(); ++c) row.push_back(result.Text(c, r));
    rows.push_back(std::move(row));
  }
  return rows;
}

bool SameCell(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  char* end_a = nullptr;
  char* end_b = nullptr;
  double x = std::strtod(a->c_str(), &end_a);
  double y = std::strtod(b->c_str(), &end_b);
  if (*end_a != '\0' || *end_b != '\0') return false;
  return std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

// Runs every query once on both systems and compares the answers; false on a mismatch.
bool WarmUpAndCheck(Engine& engine, duck::Connection& direct, const std::vector<Query>& queries,
                    const std::string& database) {
  bool ok = true;
  for (const Query& query : queries) {
    auto lakebox_result = engine.Execute(query.sql, database);
    auto direct_result = direct.Query(query.sql);
    if (!lakebox_result || !direct_result) {
      fmt::print(stderr, "CHECK {}: lakebox {}, duckdb {}\n", query.name,
                 lakebox_result ? "ok" : lakebox_result.error().ToString(),
                 direct_result ? "ok" : direct_result.error().ToString());
      ok = false;
      continue;
    }
    std::vector<std::string> direct_names;
    for (size_t c = 0; c < direct_result->ColumnCount(); ++c) direct_names.push_back(direct_result->ColumnName(c));
    Table direct_rows = Cells(*direct_result);
    std::string problem;
    if (lakebox_result->column_names != direct_names) {
      problem = fmt::format("columns differ: lakebox [{}], duckdb [{}]", fmt::join(lakebox_result->column_names, ", "),
                            fmt::join(direct_names, ", "));
    } else if (lakebox_result->rows.size() != direct_rows.size()) {
      problem = fmt::format("rows differ: lakebox {}, duckdb {}", lakebox_result->rows.size(), direct_rows.size());
    } else if (query.ordered) {
      for (size_t r = 0; r < direct_rows.size() && problem.empty(); ++r) {
        for (size_t c = 0; c < direct_rows[r].size() && problem.empty(); ++c) {
          if (!SameCell(lakebox_result->rows[r][c], direct_rows[r][c])) {
            problem = fmt::format("row {} column {}: lakebox {}, duckdb {}", r, direct_names[c],
                                  lakebox_result->rows[r][c].value_or("NULL"), direct_rows[r][c].value_or("NULL"));
          }
        }
      }
    }
    fmt::print(stderr, "CHECK {}: {} ({} rows, {} bytes scanned)\n", query.name, problem.empty() ? "same" : problem,
               direct_rows.size(), lakebox_result->stats.bytes_scanned);
    ok = ok && problem.empty();
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  auto catalog = OrDie(lakebox::catalog::SqliteCatalog::Open(flags.data_dir / "catalog.db"), "opening the catalog");
  std::vector<Query> queries = Queries(*catalog, flags);
  if (flags.print_queries) {
    for (const Query& query : queries) fmt::print("{}\t{}\n", query.name, query.sql);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  std::unique_ptr<Engine> engine = OrDie(
      Engine::Open({.data_dir = flags.data_dir, .memory_limit = flags.memory_limit, .threads = flags.threads},
                   catalog.get()),
      "opening the engine");
  std::vector<std::pair<std::string, std::string>> config = {{"memory_limit", flags.memory_limit}};
  if (flags.threads > 0) config.emplace_back("threads", std::to_string(flags.threads));
  auto database = OrDie(duck::Database::Open("", config), "opening DuckDB");
  auto direct = OrDie(duck::Connection::Open(database), "connecting to DuckDB");
  CreateDirectViews(direct, *catalog, flags);
  auto views_database = OrDie(duck::Database::Open("", config), "opening DuckDB");
  auto views = OrDie(duck::Connection::Open(views_database), "connecting to DuckDB");
  CreateLakeboxViews(views, *engine, flags);
  for (const Query& query : queries) (void)views.Query(query.sql);  // warm-up
  if (!WarmUpAndCheck(*engine, direct, queries, flags.database)) Die("lakebox and DuckDB answered differently (see CHECK lines)");

  for (const Query& query : queries) {
    benchmark::RegisterBenchmark(("lakebox/" + query.name).c_str(), [&engine, sql = query.sql, database = flags.database](benchmark::State& state) {
      lakebox::query::QueryStats stats;
      for (auto _ : state) {
        auto result = engine->Execute(sql, database);
        if (!result) {
          state.SkipWithError(result.error().ToString().c_str());
          return;
        }
        stats = result->stats;
      }
      state.counters["engine_ms"] = stats.engine_time_ms;
      state.counters["bytes_scanned"] = static_cast<double>(stats.bytes_scanned);
      state.counters["rows"] = static_cast<double>(stats.rows);
      state.counters["peak_mem_mb"] = static_cast<double>(stats.peak_memory_bytes) / 1e6;
    })->Iterations(1)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
    for (auto [system, connection] : {std::pair{"views/", &views}, std::pair{"duckdb/", &direct}}) {
      benchmark::RegisterBenchmark((system + query.name).c_str(), [connection, sql = query.sql](benchmark::State& state) {
        size_t rows = 0;
        for (auto _ : state) {
          auto result = connection->Query(sql);
          if (!result) {
            state.SkipWithError(result.error().ToString().c_str());
            return;
          }
          rows = result->RowCount();
        }
        state.counters["rows"] = static_cast<double>(rows);
      })->Iterations(1)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
