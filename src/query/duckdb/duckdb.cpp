#include "query/duckdb/duckdb.h"

#include <fmt/format.h>

#include <memory>

namespace lakebox::query::duckdb {
namespace {

// Frees what the C API allocated with duckdb_malloc.
struct DuckFree {
  void operator()(void* p) const { duckdb_free(p); }
};
using DuckString = std::unique_ptr<char, DuckFree>;

struct TypeDeleter {
  void operator()(duckdb_logical_type t) const { duckdb_destroy_logical_type(&t); }
};
using LogicalType = std::unique_ptr<std::remove_pointer_t<duckdb_logical_type>, TypeDeleter>;

// Whether `name` prints unquoted in a type name (lower-case letters, digits, '_').
bool PlainIdentifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string TypeName(duckdb_logical_type type) {
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_UUID: return "UUID";
    case DUCKDB_TYPE_BIT: return "BIT";
    case DUCKDB_TYPE_ENUM: return "ENUM";
    case DUCKDB_TYPE_SQLNULL: return "NULL";
    case DUCKDB_TYPE_DECIMAL:
      return fmt::format("DECIMAL({},{})", duckdb_decimal_width(type), duckdb_decimal_scale(type));
    case DUCKDB_TYPE_LIST: {
      LogicalType child(duckdb_list_type_child_type(type));
      return TypeName(child.get()) + "[]";
    }
    case DUCKDB_TYPE_ARRAY: {
      LogicalType child(duckdb_array_type_child_type(type));
      return fmt::format("{}[{}]", TypeName(child.get()), duckdb_array_type_array_size(type));
    }
    case DUCKDB_TYPE_MAP: {
      LogicalType key(duckdb_map_type_key_type(type));
      LogicalType value(duckdb_map_type_value_type(type));
      return fmt::format("MAP({}, {})", TypeName(key.get()), TypeName(value.get()));
    }
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_UNION: {
      bool is_struct = duckdb_get_type_id(type) == DUCKDB_TYPE_STRUCT;
      idx_t count = is_struct ? duckdb_struct_type_child_count(type) : duckdb_union_type_member_count(type);
      std::string out = is_struct ? "STRUCT(" : "UNION(";
      for (idx_t i = 0; i < count; ++i) {
        DuckString name(is_struct ? duckdb_struct_type_child_name(type, i)
                                  : duckdb_union_type_member_name(type, i));
        LogicalType child(is_struct ? duckdb_struct_type_child_type(type, i)
                                    : duckdb_union_type_member_type(type, i));
        if (i > 0) out += ", ";
        out += fmt::format("{} {}", PlainIdentifier(name.get()) ? std::string(name.get()) : QuoteIdentifier(name.get()),
                           TypeName(child.get()));
      }
      return out + ")";
    }
    default: return "UNKNOWN";
  }
}

Error StatementError(duckdb_error_type type, std::string message) {
  switch (type) {
    case DUCKDB_ERROR_OUT_OF_MEMORY: return Error::LimitExceeded(std::move(message));
    case DUCKDB_ERROR_IO: return Error::Io(std::move(message));
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL: return Error::Internal(std::move(message));
    default: return Error::InvalidArgument(std::move(message));
  }
}

}  // namespace

std::string_view StatementTypeName(duckdb_statement_type type) {
  switch (type) {
    case DUCKDB_STATEMENT_TYPE_SELECT: return "SELECT";
    case DUCKDB_STATEMENT_TYPE_INSERT: return "INSERT";
    case DUCKDB_STATEMENT_TYPE_UPDATE: return "UPDATE";
    case DUCKDB_STATEMENT_TYPE_EXPLAIN: return "EXPLAIN";
    case DUCKDB_STATEMENT_TYPE_DELETE: return "DELETE";
    case DUCKDB_STATEMENT_TYPE_PREPARE: return "PREPARE";
    case DUCKDB_STATEMENT_TYPE_CREATE: return "CREATE";
    case DUCKDB_STATEMENT_TYPE_EXECUTE: return "EXECUTE";
    case DUCKDB_STATEMENT_TYPE_ALTER: return "ALTER";
    case DUCKDB_STATEMENT_TYPE_TRANSACTION: return "TRANSACTION";
    case DUCKDB_STATEMENT_TYPE_COPY: return "COPY";
    case DUCKDB_STATEMENT_TYPE_ANALYZE: return "ANALYZE";
    case DUCKDB_STATEMENT_TYPE_VARIABLE_SET: return "SET VARIABLE";
    case DUCKDB_STATEMENT_TYPE_CREATE_FUNC: return "CREATE FUNCTION";
    case DUCKDB_STATEMENT_TYPE_DROP: return "DROP";
    case DUCKDB_STATEMENT_TYPE_EXPORT: return "EXPORT";
    case DUCKDB_STATEMENT_TYPE_PRAGMA: return "PRAGMA";
    case DUCKDB_STATEMENT_TYPE_VACUUM: return "VACUUM";
    case DUCKDB_STATEMENT_TYPE_CALL: return "CALL";
    case DUCKDB_STATEMENT_TYPE_SET: return "SET";
    case DUCKDB_STATEMENT_TYPE_LOAD: return "INSTALL/LOAD";  // DuckDB parses both as one type
    case DUCKDB_STATEMENT_TYPE_EXTENSION: return "EXTENSION";
    case DUCKDB_STATEMENT_TYPE_ATTACH: return "ATTACH";
    case DUCKDB_STATEMENT_TYPE_DETACH: return "DETACH";
    default: return "unknown";
  }
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string QuoteIdentifier(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// ---- Result

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (valid_) duckdb_destroy_result(&result_);
    result_ = other.result_;
    valid_ = std::exchange(other.valid_, false);
  }
  return *this;
}

Result::~Result() {
  if (valid_) duckdb_destroy_result(&result_);
}

size_t Result::ColumnCount() { return duckdb_column_count(&result_); }
size_t Result::RowCount() { return duckdb_row_count(&result_); }
std::string Result::ColumnName(size_t column) { return duckdb_column_name(&result_, column); }

std::string Result::ColumnType(size_t column) {
  LogicalType type(duckdb_column_logical_type(&result_, column));
  return TypeName(type.get());
}

bool Result::IsNull(size_t column, size_t row) { return duckdb_value_is_null(&result_, column, row); }

std::optional<std::string> Result::Text(size_t column, size_t row) {
  if (IsNull(column, row)) return std::nullopt;
  DuckString text(duckdb_value_varchar(&result_, column, row));
  if (!text) return std::string();
  return std::string(text.get());
}

int64_t Result::Int64(size_t column, size_t row) { return duckdb_value_int64(&result_, column, row); }

lakebox::Result<Result> Result::Finish(Result result, duckdb_state state) {
  result.valid_ = true;
  if (state != DuckDBSuccess) {
    const char* message = duckdb_result_error(&result.result_);
    return std::unexpected(StatementError(duckdb_result_error_type(&result.result_),
                                          message ? message : "DuckDB query failed"));
  }
  return result;
}

// ---- Prepared

Prepared& Prepared::operator=(Prepared&& other) noexcept {
  if (this != &other) {
    if (prepared_) duckdb_destroy_prepare(&prepared_);
    prepared_ = std::exchange(other.prepared_, nullptr);
  }
  return *this;
}

Prepared::~Prepared() {
  if (prepared_) duckdb_destroy_prepare(&prepared_);
}

duckdb_statement_type Prepared::Type() { return duckdb_prepared_statement_type(prepared_); }
size_t Prepared::ColumnCount() { return duckdb_prepared_statement_column_count(prepared_); }

std::string Prepared::ColumnName(size_t column) {
  const char* name = duckdb_prepared_statement_column_name(prepared_, column);
  std::string out = name ? name : "";
  duckdb_free(const_cast<char*>(name));
  return out;
}

std::string Prepared::ColumnType(size_t column) {
  LogicalType type(duckdb_prepared_statement_column_logical_type(prepared_, column));
  return TypeName(type.get());
}

lakebox::Result<Result> Prepared::Execute() {
  Result result;
  duckdb_state state = duckdb_execute_prepared(prepared_, &result.result_);
  return Result::Finish(std::move(result), state);
}

// ---- Connection

lakebox::Result<Connection> Connection::Open(Database& database) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database.raw(), &connection) != DuckDBSuccess) {
    return std::unexpected(Error::Internal("DuckDB could not open a connection"));
  }
  return Connection(connection);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (connection_) duckdb_disconnect(&connection_);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (connection_) duckdb_disconnect(&connection_);
}

lakebox::Result<Result> Connection::Query(std::string_view sql) {
  Result result;
  std::string text(sql);
  duckdb_state state = duckdb_query(connection_, text.c_str(), &result.result_);
  return Result::Finish(std::move(result), state);
}

lakebox::Result<Result> Connection::QueryChecked(
    std::string_view sql, const std::function<Status(duckdb_statement_type)>& allow) {
  std::string text(sql);
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(connection_, text.c_str(), &statements);
  struct ExtractedGuard {
    duckdb_extracted_statements& statements;
    ~ExtractedGuard() { duckdb_destroy_extracted(&statements); }
  } extracted_guard{statements};
  if (count == 0) {
    const char* message = statements ? duckdb_extract_statements_error(statements) : nullptr;
    return std::unexpected(Error::InvalidArgument(message ? message : "no statement to run"));
  }
  std::optional<Result> last;
  for (idx_t i = 0; i < count; ++i) {
    duckdb_prepared_statement prepared = nullptr;
    struct PreparedGuard {
      duckdb_prepared_statement& prepared;
      ~PreparedGuard() { duckdb_destroy_prepare(&prepared); }
    } prepared_guard{prepared};
    if (duckdb_prepare_extracted_statement(connection_, statements, i, &prepared) != DuckDBSuccess) {
      const char* message = prepared ? duckdb_prepare_error(prepared) : nullptr;
      return std::unexpected(Error::InvalidArgument(message ? message : "DuckDB could not prepare the statement"));
    }
    LAKEBOX_TRY(allow(duckdb_prepared_statement_type(prepared)));
    Result unchecked;
    duckdb_state state = duckdb_execute_prepared(prepared, &unchecked.result_);
    LAKEBOX_ASSIGN_OR_RETURN(Result result, Result::Finish(std::move(unchecked), state));
    last = std::move(result);
  }
  return std::move(*last);
}

lakebox::Result<Prepared> Connection::Prepare(std::string_view sql) {
  std::string text(sql);
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(connection_, text.c_str(), &statements);
  struct ExtractedGuard {
    duckdb_extracted_statements& statements;
    ~ExtractedGuard() { duckdb_destroy_extracted(&statements); }
  } extracted_guard{statements};
  if (count != 1) {
    const char* message = count == 0 && statements ? duckdb_extract_statements_error(statements) : nullptr;
    return std::unexpected(Error::InvalidArgument(message ? message : "expected exactly one statement"));
  }
  duckdb_prepared_statement raw = nullptr;
  duckdb_state state = duckdb_prepare_extracted_statement(connection_, statements, 0, &raw);
  Prepared prepared(raw);  // destroyed either way
  if (state != DuckDBSuccess) {
    const char* message = raw ? duckdb_prepare_error(raw) : nullptr;
    return std::unexpected(Error::InvalidArgument(message ? message : "DuckDB could not prepare the statement"));
  }
  return prepared;
}

Status Connection::Execute(std::string_view sql) {
  LAKEBOX_ASSIGN_OR_RETURN(auto result, Query(sql));
  (void)result;
  return {};
}

void Connection::Interrupt() { duckdb_interrupt(connection_); }

size_t Connection::StatementCount(std::string_view sql) {
  std::string text(sql);
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(connection_, text.c_str(), &statements);
  duckdb_destroy_extracted(&statements);
  return count;
}

// ---- Database

lakebox::Result<Database> Database::Open(const std::string& path,
                                         const std::vector<std::pair<std::string, std::string>>& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    return std::unexpected(Error::Internal("DuckDB could not create a configuration"));
  }
  struct ConfigGuard {
    duckdb_config& config;
    ~ConfigGuard() { duckdb_destroy_config(&config); }
  } guard{config};
  for (const auto& [name, value] : options) {
    if (duckdb_set_config(config, name.c_str(), value.c_str()) != DuckDBSuccess) {
      return std::unexpected(
          Error::InvalidArgument(fmt::format("DuckDB refused option {} = '{}'", name, value)));
    }
  }
  duckdb_database database = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(path.empty() ? nullptr : path.c_str(), &database, config, &error) != DuckDBSuccess) {
    DuckString message(error);
    return std::unexpected(Error::InvalidArgument(
        fmt::format("opening DuckDB: {}", message ? message.get() : "unknown error")));
  }
  return Database(database);
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (database_) duckdb_close(&database_);
    database_ = std::exchange(other.database_, nullptr);
  }
  return *this;
}

Database::~Database() {
  if (database_) duckdb_close(&database_);
}

}  // namespace lakebox::query::duckdb
