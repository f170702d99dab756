// Small RAII wrappers over DuckDB's C API (the stable ABI of libduckdb.so; DESIGN.md): a
// Database, a Connection on it, and a materialized query Result. DuckDB's errors become
// lakebox::Error carrying DuckDB's own message ("Parser Error: ...", "Catalog Error: ...").
//
// Error codes: a failed statement is InvalidArgument (bad SQL, unknown table, a refused
// operation: the caller's fault) unless DuckDB reports an internal, out-of-memory, I/O or
// fatal error, which map to Internal / LimitExceeded / Io. Opening a database or connection
// that fails is InvalidArgument (bad configuration) or Internal.
//
// Thread safety: a Database may be shared by any number of threads, each with its own
// Connection (DuckDB serialises what it must). A Connection and a Result are used by one thread
// at a time, except Connection::Interrupt, which any thread may call.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace lakebox::query::duckdb {

// A fully read query result. Cells are converted to text the way DuckDB casts to VARCHAR
// (nested values print as {'a': 1} / [1, 2] / {k=v}).
class Result {
 public:
  Result(Result&& other) noexcept : result_(other.result_), valid_(std::exchange(other.valid_, false)) {}
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  size_t ColumnCount();
  size_t RowCount();
  std::string ColumnName(size_t column);
  // DuckDB's SQL name of the column's type: "BIGINT", "VARCHAR", "STRUCT(speed_kmh DOUBLE)",
  // "INTEGER[]", "MAP(VARCHAR, BIGINT)", "DECIMAL(10,2)".
  std::string ColumnType(size_t column);
  bool IsNull(size_t column, size_t row);
  // The cell as text; nullopt for NULL.
  std::optional<std::string> Text(size_t column, size_t row);
  // The cell cast to an integer (0 for NULL or a value that does not convert).
  int64_t Int64(size_t column, size_t row);

 private:
  friend class Connection;
  friend class Prepared;
  Result() = default;
  // After DuckDB filled result_ (it does so even when the statement fails, and it must then be
  // destroyed too): this result, or the statement's error when `state` is a failure.
  static lakebox::Result<Result> Finish(Result result, duckdb_state state);

  duckdb_result result_{};
  bool valid_ = false;
};

class Database;

// One statement prepared (parsed and bound) on a Connection: its type and result columns are
// known before it runs, and it runs with Execute. Used by one thread at a time, while its
// Connection lives.
class Prepared {
 public:
  Prepared(Prepared&& other) noexcept : prepared_(std::exchange(other.prepared_, nullptr)) {}
  Prepared& operator=(Prepared&& other) noexcept;
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  ~Prepared();

  duckdb_statement_type Type();
  size_t ColumnCount();
  std::string ColumnName(size_t column);
  // As Result::ColumnType.
  std::string ColumnType(size_t column);
  // Runs the statement and reads the whole result. Errors: see the top of this file.
  lakebox::Result<Result> Execute();

 private:
  friend class Connection;
  explicit Prepared(duckdb_prepared_statement prepared) : prepared_(prepared) {}
  duckdb_prepared_statement prepared_ = nullptr;
};

class Connection {
 public:
  // Errors: Internal if DuckDB cannot create the connection.
  static lakebox::Result<Connection> Open(Database& database);

  Connection(Connection&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs `sql` (one or more statements; the result is the last one's) and reads the whole
  // result. Errors: see the top of this file.
  lakebox::Result<Result> Query(std::string_view sql);
  // Runs the statements of `sql` one by one, each prepared first and passed to `allow` (which
  // sees its type and may refuse it with an error) before it executes; returns the last one's
  // result. A refusal stops there: earlier statements have run, later ones do not.
  lakebox::Result<Result> QueryChecked(std::string_view sql,
                                       const std::function<Status(duckdb_statement_type)>& allow);
  // Prepares `sql`, which must hold exactly one statement (InvalidArgument otherwise, or with
  // DuckDB's message when it does not parse or bind).
  lakebox::Result<Prepared> Prepare(std::string_view sql);
  // Query without a result.
  Status Execute(std::string_view sql);
  // Asks the running query to stop; it then fails with "INTERRUPT Error: Interrupted!".
  void Interrupt();
  // How many statements `sql` holds (0 if it does not parse).
  size_t StatementCount(std::string_view sql);

  duckdb_connection raw() { return connection_; }

 private:
  explicit Connection(duckdb_connection connection) : connection_(connection) {}
  duckdb_connection connection_ = nullptr;
};

class Database {
 public:
  // Opens an in-memory database (path "") or a database file, with DuckDB configuration
  // options given by name ("threads", "memory_limit", "autoinstall_known_extensions", ...).
  // Errors: InvalidArgument naming the option DuckDB refused, or DuckDB's open error.
  static lakebox::Result<Database> Open(const std::string& path,
                                        const std::vector<std::pair<std::string, std::string>>& options);

  Database(Database&& other) noexcept : database_(std::exchange(other.database_, nullptr)) {}
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  duckdb_database raw() { return database_; }

 private:
  explicit Database(duckdb_database database) : database_(database) {}
  duckdb_database database_ = nullptr;
};

// "SELECT", "COPY", "ATTACH", ... for messages.
std::string_view StatementTypeName(duckdb_statement_type type);

// `text` as a SQL string literal ('it''s') or a quoted identifier ("a""b").
std::string QuoteLiteral(std::string_view text);
std::string QuoteIdentifier(std::string_view text);

}  // namespace lakebox::query::duckdb
