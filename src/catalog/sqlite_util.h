// Small RAII owners for the SQLite C API, with failures as lakebox::Error: a connection that
// caches its prepared statements, a statement, and a transaction guard.
//
// Errors: a failed SQLite call becomes (SqliteError) ServiceUnavailable when the database stayed
// locked past the busy timeout (another process holds the write lock; retry), Corruption for a
// damaged or foreign file, Io for the disk (full, read-only, I/O error), Internal for anything
// else (a constraint or SQL error: a bug in the caller). The message names the operation, the
// SQLite error text and the file.
// Thread safety: none. A SqliteDb and everything it hands out belong to one thread at a time
// (SqliteCatalog serialises calls with a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/error.h"

namespace lakebox::catalog {

Error SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement. Bind errors are remembered and reported by the next Step()/Run(), so call
// sites bind without checking each value.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1. Text is copied (the argument may be a temporary).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);

  // Runs one step: true when a row is ready to read, false when the statement is done.
  Result<bool> Step();
  // Steps to the end, ignoring rows (INSERT, UPDATE, DELETE, DDL).
  Status Run();
  // Readers of the current row; columns are numbered from 0. Text stays valid until the next
  // Step() or Reset().
  int64_t ColumnInt(int column) const;
  std::string_view ColumnText(int column) const;
  // Number of rows the last completed INSERT/UPDATE/DELETE changed.
  int Changes() const;

  // Makes the statement ready to run again with no parameters bound.
  void Reset();

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<Error> bind_error_;
};

class SqliteDb;

// A cached statement on loan: resets it (releasing its read snapshot and bindings) when it goes
// out of scope, so the next user finds it fresh.
class StatementLease {
 public:
  explicit StatementLease(Statement* statement) : statement_(statement) {}
  ~StatementLease() {
    if (statement_ != nullptr) statement_->Reset();
  }
  StatementLease(StatementLease&& other) noexcept : statement_(std::exchange(other.statement_, nullptr)) {}
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

// One connection. Statements are prepared once per SQL text and reused for the life of the
// connection (the cost of a 20,000-row insert is then binding and stepping only).
class SqliteDb {
 public:
  // Opens (creating if missing) the database file, read-write.
  static Result<SqliteDb> Open(const std::filesystem::path& file);
  // Open, then waits up to `busy_timeout_ms` for another connection's lock and switches to WAL
  // mode (one writer beside any number of readers, across processes), which lakebox's stores all
  // use. Io naming `what` when the file system cannot do WAL. The caller sets `synchronous`.
  static Result<SqliteDb> OpenWal(const std::filesystem::path& file, int busy_timeout_ms, std::string_view what);

  SqliteDb(SqliteDb&&) noexcept = default;
  SqliteDb& operator=(SqliteDb&&) noexcept = default;

  // Runs SQL text of one or more statements that return no rows (PRAGMA settings, DDL scripts).
  Status Exec(std::string_view sql);
  // A single-row, single-column query (e.g. "PRAGMA journal_mode=WAL"); "" if it returns no row.
  Result<std::string> QueryText(std::string_view sql);
  // The cached statement for `sql`, preparing it on first use.
  Result<StatementLease> Prepare(std::string_view sql);

  sqlite3* get() const { return db_.get(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  SqliteDb(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path file)
      : db_(std::move(db)), file_(std::move(file)) {}

  // Declared before the cache so the statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path file_;
  std::unordered_map<std::string, Statement> statements_;
};

// One transaction. Reads use kRead (BEGIN DEFERRED: a consistent snapshot, no lock taken);
// anything that writes uses kWrite (BEGIN IMMEDIATE: takes the write lock up front, waiting up to
// the busy timeout, so a reader never has to upgrade to a writer and fail with SQLITE_BUSY midway).
// Destroying an uncommitted Transaction rolls it back, which is also how a read transaction ends.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };

  static Result<Transaction> Begin(SqliteDb& db, Kind kind);
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}

  SqliteDb* db_;  // nullptr once committed or moved from
};

}  // namespace lakebox::catalog
