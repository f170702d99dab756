// write_parquet: writes Parquet files for the e2e tests (Python has no Parquet writer here).
//
//   write_parquet OUT.parquet 'SELECT ... '  [ROW_GROUP_SIZE]
//
// Runs COPY (<select>) TO 'OUT.parquet' (FORMAT parquet) on an in-memory DuckDB (the same
// libduckdb lakebox uses, unrestricted: this is a test tool, not part of lakebox). Exit status 0
// on success; 1 with DuckDB's message on stderr otherwise.
#include <duckdb.h>

#include <cstdio>
#include <string>

namespace {

std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s OUT.parquet 'SELECT ...' [ROW_GROUP_SIZE]\n", argv[0]);
    return 2;
  }
  std::string options = "FORMAT parquet";
  if (argc == 4) options += std::string(", ROW_GROUP_SIZE ") + argv[3];
  const std::string sql = "COPY (" + std::string(argv[2]) + ") TO " + Quoted(argv[1]) + " (" + options + ")";

  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  if (duckdb_open(nullptr, &database) != DuckDBSuccess || duckdb_connect(database, &connection) != DuckDBSuccess) {
    std::fprintf(stderr, "write_parquet: cannot open DuckDB\n");
    return 1;
  }
  duckdb_result result;
  int status = 0;
  if (duckdb_query(connection, sql.c_str(), &result) != DuckDBSuccess) {
    std::fprintf(stderr, "write_parquet: %s\n", duckdb_result_error(&result));
    status = 1;
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&connection);
  duckdb_close(&database);
  return status;
}
