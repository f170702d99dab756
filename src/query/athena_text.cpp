#include "query/athena_text.h"

#include <cctype>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "query/duckdb/duckdb.h"

namespace lakebox::query {
namespace {

// A DuckDB type as its name spells it.
struct Type {
  enum class Kind { kScalar, kStruct, kMap, kList };
  Kind kind = Kind::kScalar;
  std::vector<std::pair<std::string, std::unique_ptr<Type>>> fields;  // kStruct
  std::unique_ptr<Type> key, value;                                   // kMap
  std::unique_ptr<Type> element;                                      // kList (LIST or ARRAY)
};

// Recursive descent over DuckDB's type names:
//   type   := base ("[" digits? "]")*
//   base   := STRUCT "(" name type ("," name type)* ")" | MAP "(" type "," type ")" | word ["(" ... ")"]
//   name   := word | "quoted ""name"""
// UNION and anything else with parentheses is a scalar here: DuckDB's cast renders it.
class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<Type>> ParseAll() {
    auto type = ParseType();
    if (!type) return type;
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected text");
    return type;
  }

 private:
  Result<std::unique_ptr<Type>> ParseType() {
    auto type = ParseBase();
    if (!type) return type;
    SkipSpace();
    while (pos_ < text_.size() && text_[pos_] == '[') {
      size_t close = text_.find(']', pos_);
      if (close == std::string_view::npos) return Fail("unclosed [");
      pos_ = close + 1;
      auto list = std::make_unique<Type>();
      list->kind = Type::Kind::kList;
      list->element = std::move(*type);
      *type = std::move(list);
      SkipSpace();
    }
    return type;
  }

  Result<std::unique_ptr<Type>> ParseBase() {
    SkipSpace();
    std::string word = Word();
    if (word.empty()) return Fail("a type name");
    auto type = std::make_unique<Type>();
    SkipSpace();
    if (word == "STRUCT" && Peek('(')) {
      type->kind = Type::Kind::kStruct;
      ++pos_;
      do {
        SkipSpace();
        auto name = Name();
        if (!name) return std::unexpected(name.error());
        auto field = ParseType();
        if (!field) return field;
        type->fields.emplace_back(std::move(*name), std::move(*field));
        SkipSpace();
      } while (Take(','));
      if (!Take(')')) return Fail(") after the struct's fields");
    } else if (word == "MAP" && Peek('(')) {
      type->kind = Type::Kind::kMap;
      ++pos_;
      auto key = ParseType();
      if (!key) return key;
      if (!Take(',')) return Fail(", between a map's key and value types");
      auto value = ParseType();
      if (!value) return value;
      if (!Take(')')) return Fail(") after a map's types");
      type->key = std::move(*key);
      type->value = std::move(*value);
    } else if (Peek('(')) {
      // DECIMAL(10,2), UNION(...), ENUM(...): skip the balanced parentheses, quotes included.
      int depth = 0;
      char quote = 0;
      for (; pos_ < text_.size(); ++pos_) {
        char c = text_[pos_];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')' && --depth == 0) {
          ++pos_;
          break;
        }
      }
      if (depth != 0) return Fail("unbalanced parentheses");
    }
    return type;
  }

  // A type word ("TIMESTAMP WITH TIME ZONE" is several).
  std::string Word() {
    std::string word;
    while (pos_ < text_.size()) {
      size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
      if (pos_ == start) break;
      if (!word.empty()) word += ' ';
      word += text_.substr(start, pos_ - start);
      // Another word follows only in multi-word names: "TIMESTAMP WITH TIME ZONE", "DOUBLE PRECISION".
      size_t after = pos_;
      while (after < text_.size() && text_[after] == ' ') ++after;
      if (after < text_.size() && std::isalpha(static_cast<unsigned char>(text_[after])) &&
          (word.ends_with("TIMESTAMP") || word.ends_with("WITH") || word.ends_with("TIME") ||
           word.ends_with("DOUBLE"))) {
        pos_ = after;
        continue;
      }
      break;
    }
    return word;
  }

  // A struct field's name: a bare word, or double-quoted with "" for a quote.
  Result<std::string> Name() {
    if (Take('"')) {
      std::string name;
      while (pos_ < text_.size()) {
        char c = text_[pos_++];
        if (c != '"') {
          name += c;
        } else if (Take('"')) {
          name += '"';
        } else {
          SkipSpace();
          return name;
        }
      }
      return std::unexpected(Error::InvalidArgument("unclosed quoted field name"));
    }
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ' ' && text_[pos_] != ',' && text_[pos_] != ')') ++pos_;
    if (pos_ == start) return std::unexpected(Error::InvalidArgument("a field name"));
    std::string name(text_.substr(start, pos_ - start));
    SkipSpace();
    return name;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Take(char c) {
    SkipSpace();
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  Result<std::unique_ptr<Type>> Fail(std::string_view expected) const {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("cannot read the type {} at offset {}: {}", text_, pos_, expected)));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The Athena text of `sql` (of type `type`); `depth` names the lambda variables uniquely.
std::string Render(const std::string& sql, const Type& type, int depth) {
  auto or_null = [](const std::string& text) { return fmt::format("coalesce({}, 'null')", text); };
  auto joined = [](const std::string& list) { return fmt::format("coalesce(array_to_string({}, ', '), '')", list); };
  std::string x = fmt::format("lakebox_x{}", depth);
  switch (type.kind) {
    case Type::Kind::kScalar:
      return fmt::format("CAST({} AS VARCHAR)", sql);
    case Type::Kind::kList:
      return fmt::format("CASE WHEN {0} IS NULL THEN NULL ELSE '[' || {1} || ']' END", sql,
                         joined(fmt::format("list_transform({}, lambda {}: {})", sql, x,
                                            or_null(Render(x, *type.element, depth + 1)))));
    case Type::Kind::kMap: {
      std::string entry = fmt::format("{} || '=' || {}", or_null(Render(x + ".key", *type.key, depth + 1)),
                                      or_null(Render(x + ".value", *type.value, depth + 1)));
      return fmt::format("CASE WHEN {0} IS NULL THEN NULL ELSE '{{' || {1} || '}}' END", sql,
                         joined(fmt::format("list_transform(map_entries({}), lambda {}: {})", sql, x, entry)));
    }
    case Type::Kind::kStruct: {
      std::string fields;
      for (const auto& [name, field] : type.fields) {
        if (!fields.empty()) fields += " || ', ' || ";
        std::string value = Render(fmt::format("struct_extract({}, {})", sql, duckdb::QuoteLiteral(name)), *field,
                                   depth + 1);
        fields += fmt::format("{} || {}", duckdb::QuoteLiteral(name + "="), or_null(value));
      }
      if (fields.empty()) fields = "''";
      return fmt::format("CASE WHEN {0} IS NULL THEN NULL ELSE '{{' || {1} || '}}' END", sql, fields);
    }
  }
  return fmt::format("CAST({} AS VARCHAR)", sql);
}

}  // namespace

Result<std::string> AthenaTextSql(std::string_view column_sql, std::string_view duckdb_type) {
  LAKEBOX_ASSIGN_OR_RETURN(std::unique_ptr<Type> type, TypeParser(duckdb_type).ParseAll());
  return Render(std::string(column_sql), *type, 0);
}

}  // namespace lakebox::query
