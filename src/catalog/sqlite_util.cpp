#include "catalog/sqlite_util.h"

#include <fmt/format.h>

namespace lakebox::catalog {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  std::string message = fmt::format("{} ({}): {}", what, file != nullptr && *file != '\0' ? file : "catalog",
                                    db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::ServiceUnavailable(message + " (another process holds the catalog's write lock; retry)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::Corruption(std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
      return Error::Io(std::move(message));
    default:
      return Error::Internal(std::move(message));
  }
}

// ---- Statement

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(db_, rc, fmt::format("binding parameter {}", index));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(db_, rc, fmt::format("binding parameter {}", index));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_) return std::unexpected(*bind_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(SqliteError(db_, rc, fmt::format("running \"{}\"", sqlite3_sql(stmt_))));
}

Status Statement::Run() {
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::ColumnText(int column) const {
  // sqlite3_column_text before sqlite3_column_bytes: the documented order for a correct length.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

int Statement::Changes() const { return sqlite3_changes(db_); }

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step() has already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_.reset();
}

// ---- SqliteDb

void SqliteDb::Closer::operator()(sqlite3* db) const {
  // close_v2 finishes closing once the last statement is finalized, whatever the order.
  sqlite3_close_v2(db);
}

Result<SqliteDb> SqliteDb::Open(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serialises access, so SQLite's own per-call mutex would be pure overhead.
  int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);  // a handle is returned even on failure
  if (rc != SQLITE_OK) {
    std::string message = fmt::format("opening catalog {}: {}", file.string(),
                                      raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    return std::unexpected((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT
                               ? Error::Corruption(std::move(message))
                               : Error::Io(std::move(message)));
  }
  sqlite3_extended_result_codes(raw, 1);
  return SqliteDb(std::move(db), file);
}

Result<SqliteDb> SqliteDb::OpenWal(const std::filesystem::path& file, int busy_timeout_ms, std::string_view what) {
  LAKEBOX_ASSIGN_OR_RETURN(SqliteDb db, Open(file));
  // The busy timeout first: switching to WAL and migrating may wait for another process.
  int rc = sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  if (rc != SQLITE_OK) return std::unexpected(SqliteError(db.get(), rc, "setting the busy timeout"));
  LAKEBOX_ASSIGN_OR_RETURN(std::string journal_mode, db.QueryText("PRAGMA journal_mode=WAL"));
  if (journal_mode != "wal")
    return std::unexpected(Error::Io(fmt::format(
        "{} {}: the file system does not support SQLite's WAL mode (journal mode is \"{}\"); put the data dir on "
        "a local file system",
        what, file.string(), journal_mode)));
  return db;
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // the same text sqlite3_errmsg reports
  if (rc != SQLITE_OK) {
    // A migration script is long: its first line says which one failed.
    std::string_view head = sql.substr(0, sql.find('\n', sql.find_first_not_of('\n')));
    return std::unexpected(SqliteError(db_.get(), rc, fmt::format("running \"{}\"", head)));
  }
  return Ok();
}

Result<std::string> SqliteDb::QueryText(std::string_view sql) {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease statement, Prepare(sql));
  LAKEBOX_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return std::string();
  return std::string(statement->ColumnText(0));
}

Result<StatementLease> SqliteDb::Prepare(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return std::unexpected(SqliteError(db_.get(), rc, fmt::format("preparing \"{}\"", sql)));
    }
    it = statements_.emplace(std::string(sql), Statement(db_.get(), stmt)).first;
  }
  return StatementLease(&it->second);
}

// ---- Transaction

Result<Transaction> Transaction::Begin(SqliteDb& db, Kind kind) {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease begin,
                           db.Prepare(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  LAKEBOX_TRY(begin->Run());
  return Transaction(&db);
}

Transaction::~Transaction() {
  // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back by itself.
  if (db_ != nullptr && sqlite3_get_autocommit(db_->get()) == 0) {
    if (auto rollback = db_->Prepare("ROLLBACK")) (void)(*rollback)->Run();
  }
}

Status Transaction::Commit() {
  LAKEBOX_ASSIGN_OR_RETURN(StatementLease commit, db_->Prepare("COMMIT"));
  SqliteDb* db = std::exchange(db_, nullptr);
  if (auto committed = commit->Run(); !committed) {
    // A failed COMMIT (e.g. SQLITE_BUSY, SQLITE_FULL) may leave the transaction open: end it, so
    // the connection is usable for the next call.
    if (sqlite3_get_autocommit(db->get()) == 0) (void)db->Exec("ROLLBACK");
    return committed;
  }
  return Ok();
}

}  // namespace lakebox::catalog
