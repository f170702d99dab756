#include "query/athena_statements.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <vector>

#include "common/strings.h"

namespace lakebox::query {
namespace {

// ---- A SQL lexer, as far as splitting statements and reading keywords and names needs.

struct Token {
  enum class Kind { kWord, kQuotedName, kString, kSymbol };
  Kind kind;
  std::string text;  // a word as written; a name or string without its quotes; a symbol's char
};

using Statement = std::vector<Token>;

bool IsWordStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsWordChar(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// `quote`-delimited text from sql[i] (the opening quote), the quote doubled inside for itself
// and, in an escape string (E'...'), backslash escapes. Returns the index past the closing quote.
size_t ReadQuoted(std::string_view sql, size_t i, char quote, bool backslash_escapes, std::string& out) {
  ++i;
  while (i < sql.size()) {
    char c = sql[i];
    if (backslash_escapes && c == '\\' && i + 1 < sql.size()) {
      out.push_back(sql[i + 1]);
      i += 2;
      continue;
    }
    if (c == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        out.push_back(quote);
        i += 2;
        continue;
      }
      return i + 1;
    }
    out.push_back(c);
    ++i;
  }
  return i;  // unterminated: the rest is the string (DuckDB then fails to parse)
}

// The statements of `sql`: tokens split at top-level ';', empty statements dropped. Comments
// ("--" to the end of the line, "/* */" nested as in PostgreSQL) separate tokens.
std::vector<Statement> Lex(std::string_view sql) {
  std::vector<Statement> statements(1);
  size_t i = 0;
  while (i < sql.size()) {
    unsigned char c = static_cast<unsigned char>(sql[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      int depth = 0;
      while (i < sql.size()) {
        if (sql.substr(i, 2) == "/*") {
          ++depth;
          i += 2;
        } else if (sql.substr(i, 2) == "*/") {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == ';') {
      if (!statements.back().empty()) statements.emplace_back();
      ++i;
    } else if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < sql.size() && sql[i + 1] == '\'')) {
      bool escapes = c != '\'';
      if (escapes) ++i;
      Token token{Token::Kind::kString, ""};
      i = ReadQuoted(sql, i, '\'', escapes, token.text);
      statements.back().push_back(std::move(token));
    } else if (c == '"' || c == '`') {
      Token token{Token::Kind::kQuotedName, ""};
      i = ReadQuoted(sql, i, static_cast<char>(c), false, token.text);
      statements.back().push_back(std::move(token));
    } else if (c == '$' && i + 1 < sql.size() && !std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      // $tag$ ... $tag$ (PostgreSQL dollar quoting); a lone '$' is a symbol.
      size_t tag_end = i + 1;
      while (tag_end < sql.size() && IsWordChar(static_cast<unsigned char>(sql[tag_end])) && sql[tag_end] != '$') {
        ++tag_end;
      }
      if (tag_end < sql.size() && sql[tag_end] == '$') {
        std::string_view tag = sql.substr(i, tag_end - i + 1);
        size_t close = sql.find(tag, tag_end + 1);
        size_t body = tag_end + 1;
        size_t end = close == std::string_view::npos ? sql.size() : close;
        statements.back().push_back({Token::Kind::kString, std::string(sql.substr(body, end - body))});
        i = close == std::string_view::npos ? sql.size() : close + tag.size();
      } else {
        statements.back().push_back({Token::Kind::kSymbol, "$"});
        ++i;
      }
    } else if (IsWordStart(c)) {
      size_t end = i + 1;
      while (end < sql.size() && IsWordChar(static_cast<unsigned char>(sql[end]))) ++end;
      statements.back().push_back({Token::Kind::kWord, std::string(sql.substr(i, end - i))});
      i = end;
    } else {
      statements.back().push_back({Token::Kind::kSymbol, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  if (statements.back().empty()) statements.pop_back();
  return statements;
}

// Reads a statement's tokens front to back.
class Cursor {
 public:
  explicit Cursor(const Statement& tokens) : tokens_(tokens) {}

  bool AtEnd() const { return pos_ >= tokens_.size(); }
  // The next token's keyword (upper case) if it is a bare word, else "".
  std::string PeekWord(size_t ahead = 0) const {
    if (pos_ + ahead >= tokens_.size() || tokens_[pos_ + ahead].kind != Token::Kind::kWord) return "";
    return Upper(tokens_[pos_ + ahead].text);
  }
  bool PeekSymbol(char symbol) const {
    return !AtEnd() && tokens_[pos_].kind == Token::Kind::kSymbol && tokens_[pos_].text[0] == symbol;
  }
  // Consumes the next token if it is the keyword `word` (upper case).
  bool Accept(std::string_view word) {
    if (PeekWord() != word) return false;
    ++pos_;
    return true;
  }
  bool AcceptSymbol(char symbol) {
    if (!PeekSymbol(symbol)) return false;
    ++pos_;
    return true;
  }
  // A name (bare word, "quoted" or `quoted`), lower-cased as the catalog stores names.
  std::optional<std::string> Name() {
    if (AtEnd()) return std::nullopt;
    const Token& token = tokens_[pos_];
    if (token.kind != Token::Kind::kWord && token.kind != Token::Kind::kQuotedName) return std::nullopt;
    ++pos_;
    return AsciiLower(token.text);
  }
  std::optional<std::string> String() {
    if (AtEnd() || tokens_[pos_].kind != Token::Kind::kString) return std::nullopt;
    return tokens_[pos_++].text;
  }
  // Skips a balanced parenthesized group starting at the current '('.
  void SkipGroup() {
    int depth = 0;
    while (!AtEnd()) {
      const Token& token = tokens_[pos_++];
      if (token.kind != Token::Kind::kSymbol) continue;
      if (token.text[0] == '(') ++depth;
      if (token.text[0] == ')' && --depth == 0) return;
    }
  }

 private:
  const Statement& tokens_;
  size_t pos_ = 0;
};

bool IsQueryStart(std::string_view word) {
  return word == "SELECT" || word == "WITH" || word == "VALUES" || word == "FROM" || word == "TABLE";
}

// ---- Answers

Error Refused(std::string_view what) {
  return Error::InvalidArgument(fmt::format(
      "{} is not supported. lakebox answers SHOW DATABASES, SHOW SCHEMAS, SHOW TABLES, SHOW COLUMNS, "
      "SHOW PARTITIONS and DESCRIBE from its catalog",
      what));
}

// Athena's table-name pattern: '*' is any run of characters ('.*' too), '|' separates
// alternatives, the rest is a regular expression; case is ignored.
Result<std::regex> Pattern(std::string_view pattern) {
  std::string regex;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' && (i == 0 || pattern[i - 1] != '.')) {
      regex += ".*";
    } else {
      regex += pattern[i];
    }
  }
  try {
    return std::regex(regex, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& error) {
    return std::unexpected(Error::InvalidArgument(fmt::format("bad pattern '{}': {}", pattern, error.what())));
  }
}

QueryResult Rows(std::vector<std::string> columns) {
  QueryResult result;
  result.column_types.assign(columns.size(), "VARCHAR");
  result.column_names = std::move(columns);
  return result;
}

void AddRow(QueryResult& result, std::vector<std::string> cells) {
  std::vector<std::optional<std::string>> row(cells.begin(), cells.end());
  result.rows.push_back(std::move(row));
}

Result<std::vector<catalog::Database>> Databases(const catalog::Catalog& catalog) {
  return catalog::AllPages<catalog::Database>(
      [&](const std::optional<std::string>& token) { return catalog.GetDatabases(token, 1000); });
}

Result<std::vector<catalog::Table>> Tables(const catalog::Catalog& catalog, const std::string& database) {
  return catalog::AllPages<catalog::Table>(
      [&](const std::optional<std::string>& token) { return catalog.GetTables(database, "", token, 1000); });
}

// "db.t1, db.t2" of every table of the catalog, for the messages of unknown names.
std::string EveryTable(const catalog::Catalog& catalog) {
  std::string out;
  auto databases = Databases(catalog);
  if (!databases) return "(the catalog could not be read)";
  for (const auto& database : *databases) {
    auto tables = Tables(catalog, database.name);
    if (!tables) continue;
    for (const auto& table : *tables) {
      if (!out.empty()) out += ", ";
      out += database.name + "." + table.name;
    }
  }
  return out.empty() ? "no tables" : out;
}

Status CheckDatabase(const catalog::Catalog& catalog, const std::string& name) {
  auto database = catalog.GetDatabase(name);
  if (database) return Ok();
  if (database.error().code() != Error::Code::kEntityNotFound) return std::unexpected(database.error());
  std::string names;
  if (auto databases = Databases(catalog)) {
    for (const auto& d : *databases) names += (names.empty() ? "" : ", ") + d.name;
  }
  return std::unexpected(Error::InvalidArgument(fmt::format("Database {} does not exist. The catalog has: {}",
                                                            name, names.empty() ? "no databases" : names)));
}

Result<catalog::Table> FindTable(const catalog::Catalog& catalog, const std::string& database,
                                 const std::string& name) {
  auto table = catalog.GetTable(database, name);
  if (table) return table;
  if (table.error().code() != Error::Code::kEntityNotFound) return std::unexpected(table.error());
  return std::unexpected(Error::InvalidArgument(
      fmt::format("Table {}.{} does not exist. The catalog has: {}", database, name, EveryTable(catalog))));
}

// [db.]table; the database defaults to `default_database`.
std::optional<std::pair<std::string, std::string>> QualifiedName(Cursor& cursor, const std::string& default_database) {
  auto first = cursor.Name();
  if (!first) return std::nullopt;
  if (!cursor.AcceptSymbol('.')) return std::pair{default_database, *first};
  auto second = cursor.Name();
  if (!second) return std::nullopt;
  return std::pair{*first, *second};
}

// Hive's escaping of a partition value in a path (FileUtils.escapePathName).
std::string EscapePathName(std::string_view value) {
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    bool escape = (u >= 0x01 && u <= 0x1F) || u == 0x7F || std::string_view("\"#%'*/:=?\\{[]^").find(c) != std::string_view::npos;
    if (escape) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

Result<QueryResult> ShowDatabases(Cursor& cursor, const catalog::Catalog& catalog) {
  std::optional<std::regex> filter;
  if (cursor.Accept("LIKE")) {
    auto pattern = cursor.String();
    if (!pattern) return std::unexpected(Error::InvalidArgument("SHOW DATABASES LIKE needs a quoted pattern"));
    LAKEBOX_ASSIGN_OR_RETURN(filter, Pattern(*pattern));
  }
  if (!cursor.AtEnd()) return std::unexpected(Refused("This form of SHOW DATABASES"));
  LAKEBOX_ASSIGN_OR_RETURN(auto databases, Databases(catalog));
  QueryResult result = Rows({"database_name"});
  for (const auto& database : databases) {
    if (!filter || std::regex_match(database.name, *filter)) AddRow(result, {database.name});
  }
  return result;
}

Result<QueryResult> ShowTables(Cursor& cursor, const catalog::Catalog& catalog, const std::string& default_database) {
  std::string database = default_database;
  if (cursor.Accept("IN") || cursor.Accept("FROM")) {
    auto name = cursor.Name();
    if (!name) return std::unexpected(Error::InvalidArgument("SHOW TABLES IN needs a database name"));
    database = *name;
  }
  cursor.Accept("LIKE");  // Hive's optional LIKE before the pattern
  std::optional<std::regex> filter;
  if (auto pattern = cursor.String()) {
    LAKEBOX_ASSIGN_OR_RETURN(filter, Pattern(*pattern));
  }
  if (!cursor.AtEnd()) return std::unexpected(Refused("This form of SHOW TABLES"));
  LAKEBOX_TRY(CheckDatabase(catalog, database));
  LAKEBOX_ASSIGN_OR_RETURN(auto tables, Tables(catalog, database));
  QueryResult result = Rows({"tab_name"});
  for (const auto& table : tables) {
    if (!filter || std::regex_match(table.name, *filter)) AddRow(result, {table.name});
  }
  return result;
}

Result<QueryResult> ShowColumns(Cursor& cursor, const catalog::Catalog& catalog, const std::string& default_database) {
  if (!cursor.Accept("IN") && !cursor.Accept("FROM")) {
    return std::unexpected(Error::InvalidArgument("SHOW COLUMNS needs IN or FROM and a table"));
  }
  auto name = QualifiedName(cursor, default_database);
  if (!name) return std::unexpected(Error::InvalidArgument("SHOW COLUMNS needs a table name"));
  if (cursor.Accept("IN") || cursor.Accept("FROM")) {
    auto database = cursor.Name();
    if (!database) return std::unexpected(Error::InvalidArgument("SHOW COLUMNS ... IN needs a database name"));
    name->first = *database;
  }
  if (!cursor.AtEnd()) return std::unexpected(Refused("This form of SHOW COLUMNS"));
  LAKEBOX_TRY(CheckDatabase(catalog, name->first));
  LAKEBOX_ASSIGN_OR_RETURN(auto table, FindTable(catalog, name->first, name->second));
  QueryResult result = Rows({"field"});
  for (const auto& column : table.storage.columns) AddRow(result, {column.name});
  for (const auto& key : table.partition_keys) AddRow(result, {key.name});
  return result;
}

Result<QueryResult> Describe(Cursor& cursor, const catalog::Catalog& catalog, const std::string& default_database) {
  for (std::string_view form : {"EXTENDED", "FORMATTED"}) {
    if (cursor.PeekWord() == form) return std::unexpected(Refused(fmt::format("DESCRIBE {}", form)));
  }
  auto name = QualifiedName(cursor, default_database);
  if (!name) return std::unexpected(Error::InvalidArgument("DESCRIBE needs a table name"));
  if (!cursor.AtEnd()) {
    return std::unexpected(Refused("DESCRIBE of a partition or a column"));
  }
  LAKEBOX_TRY(CheckDatabase(catalog, name->first));
  LAKEBOX_ASSIGN_OR_RETURN(auto table, FindTable(catalog, name->first, name->second));
  QueryResult result = Rows({"col_name", "data_type", "comment"});
  for (const auto& column : table.storage.columns) AddRow(result, {column.name, column.type, column.comment});
  for (const auto& key : table.partition_keys) AddRow(result, {key.name, key.type, key.comment});
  if (!table.partition_keys.empty()) {
    AddRow(result, {"", "", ""});
    AddRow(result, {"# Partition Information", "", ""});
    AddRow(result, {"# col_name", "data_type", "comment"});
    AddRow(result, {"", "", ""});
    for (const auto& key : table.partition_keys) AddRow(result, {key.name, key.type, key.comment});
  }
  return result;
}

Result<QueryResult> ShowPartitions(Cursor& cursor, const catalog::Catalog& catalog,
                                   const std::string& default_database) {
  auto name = QualifiedName(cursor, default_database);
  if (!name) return std::unexpected(Error::InvalidArgument("SHOW PARTITIONS needs a table name"));
  if (!cursor.AtEnd()) return std::unexpected(Refused("This form of SHOW PARTITIONS"));
  LAKEBOX_TRY(CheckDatabase(catalog, name->first));
  LAKEBOX_ASSIGN_OR_RETURN(auto table, FindTable(catalog, name->first, name->second));
  if (table.partition_keys.empty()) {
    return std::unexpected(
        Error::InvalidArgument(fmt::format("Table {}.{} is not a partitioned table", name->first, name->second)));
  }
  LAKEBOX_ASSIGN_OR_RETURN(auto partitions, catalog.GetPartitions(name->first, name->second));
  QueryResult result = Rows({"partition"});
  for (const auto& partition : partitions) {
    std::string path;
    for (size_t i = 0; i < table.partition_keys.size(); ++i) {
      if (i > 0) path += '/';
      const std::string value = i < partition.values.size() ? partition.values[i] : "";
      path += EscapePathName(table.partition_keys[i].name) + "=" + EscapePathName(value);
    }
    AddRow(result, {path});
  }
  return result;
}

}  // namespace

StatementKind ClassifyStatement(std::string_view sql) {
  auto statements = Lex(sql);
  if (statements.empty()) return {"DML", "SELECT"};
  Cursor cursor(statements.front());
  while (cursor.AcceptSymbol('(')) {
  }
  std::string verb = cursor.PeekWord();
  if (verb.empty() || IsQueryStart(verb)) return {"DML", "SELECT"};
  if (verb == "INSERT" || verb == "UPDATE" || verb == "DELETE" || verb == "MERGE" || verb == "UNLOAD") {
    return {"DML", verb};
  }
  if (verb == "EXPLAIN") return {"UTILITY", "EXPLAIN"};
  if (verb == "DESCRIBE" || verb == "DESC") return {"UTILITY", "DESCRIBE_TABLE"};
  if (verb == "SHOW") {
    std::string what = cursor.PeekWord(1);
    if (what == "SCHEMAS") what = "DATABASES";
    if (what == "CREATE") what = "CREATE_" + cursor.PeekWord(2);
    return {"UTILITY", what.empty() ? "SHOW" : "SHOW_" + what};
  }
  if (verb == "CREATE" || verb == "DROP" || verb == "ALTER") {
    size_t ahead = 1;
    while (true) {
      std::string word = cursor.PeekWord(ahead);
      if (word == "OR" || word == "REPLACE" || word == "EXTERNAL" || word == "TEMPORARY" || word == "TEMP") {
        ++ahead;
        continue;
      }
      if (word == "SCHEMA") word = "DATABASE";
      return {"DDL", word.empty() ? verb : verb + "_" + word};
    }
  }
  if (verb == "MSCK") return {"DDL", "MSCK_REPAIR_TABLE"};
  return {"DML", verb};
}

std::optional<Result<QueryResult>> AnswerFromCatalog(std::string_view sql, const catalog::Catalog& catalog,
                                                     const std::optional<std::string>& default_database) {
  auto statements = Lex(sql);
  if (statements.empty()) return std::nullopt;
  Cursor cursor(statements.front());
  std::string verb = cursor.PeekWord();
  if (verb != "SHOW" && verb != "DESCRIBE" && verb != "DESC") return std::nullopt;
  if (statements.size() > 1) {
    return std::unexpected(Error::InvalidArgument(fmt::format("{} must be the only statement of its query", verb)));
  }
  const std::string database = default_database ? AsciiLower(*default_database) : "default";
  cursor.Accept(verb);
  if (verb != "SHOW") return Describe(cursor, catalog, database);
  if (cursor.Accept("DATABASES") || cursor.Accept("SCHEMAS")) return ShowDatabases(cursor, catalog);
  if (cursor.Accept("TABLES")) return ShowTables(cursor, catalog, database);
  if (cursor.Accept("COLUMNS")) return ShowColumns(cursor, catalog, database);
  if (cursor.Accept("PARTITIONS")) return ShowPartitions(cursor, catalog, database);
  std::string what = cursor.PeekWord();
  if (what == "CREATE") what += " " + cursor.PeekWord(1);
  return std::unexpected(Refused(fmt::format("SHOW {}", what)));
}

Result<std::vector<bool>> CheckExplainedStatements(std::string_view sql) {
  auto statements = Lex(sql);
  std::vector<bool> explains;
  for (const Statement& statement : statements) {
    Cursor cursor(statement);
    while (cursor.AcceptSymbol('(')) {
    }
    explains.push_back(cursor.PeekWord() == "EXPLAIN");
    if (!cursor.Accept("EXPLAIN")) continue;
    while (cursor.Accept("ANALYZE") || cursor.Accept("ANALYSE") || cursor.Accept("VERBOSE")) {
    }
    // "(FORMAT json)" options, unless the parenthesis opens the query itself.
    if (cursor.PeekSymbol('(')) {
      Cursor probe = cursor;
      probe.AcceptSymbol('(');
      while (probe.AcceptSymbol('(')) {
      }
      if (!IsQueryStart(probe.PeekWord())) cursor.SkipGroup();
    }
    while (cursor.AcceptSymbol('(')) {
    }
    std::string target = cursor.PeekWord();
    if (!IsQueryStart(target)) {
      return std::unexpected(Error::InvalidArgument(fmt::format(
          "Permission Error: only queries may be explained here, not {}", target.empty() ? "this statement" : target)));
    }
  }
  return explains;
}

}  // namespace lakebox::query
