#include "catalog/partition_filter.h"

#include "catalog/data_type.h"
#include "common/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace lakebox::catalog {
namespace {

// Hive writes a NULL partition value as this folder name.
constexpr std::string_view kHiveNull = "__HIVE_DEFAULT_PARTITION__";
// Parentheses and NOTs nest at most this deep, so a hostile expression cannot exhaust the stack.
constexpr int kMaxDepth = 100;

enum class Truth { kFalse, kTrue, kUnknown };

Truth Negate(Truth t) {
  if (t == Truth::kUnknown) return t;
  return t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// A decimal number, optionally signed, with an optional fraction and exponent; nothing else
// (no blanks, no "inf", no hex).
std::optional<long double> ParseNumber(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-') && s.size() > 1 && s[1] != '+' && s[1] != '-') {
    std::optional<long double> magnitude = ParseNumber(s.substr(1));
    if (!magnitude) return std::nullopt;
    return s[0] == '-' ? -*magnitude : *magnitude;
  }
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.'))
    return std::nullopt;
  long double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool IsNumericHiveType(std::string_view type) {
  Result<DataType> parsed = ParseHiveType(type);
  if (!parsed) return false;
  switch (parsed->kind()) {
    case DataType::Kind::kInt:
    case DataType::Kind::kBigint:
    case DataType::Kind::kDouble:
    case DataType::Kind::kDecimal: return true;
    default: return false;
  }
}

// SQL LIKE: '%' matches any run of characters, '_' exactly one (a UTF-8 code point); everything
// else matches itself, case-sensitively. Greedy with one backtrack point, so linear-ish.
bool Like(std::string_view text, std::string_view pattern) {
  auto char_len = [](std::string_view s, size_t i) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    return n;
  };
  size_t t = 0, p = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      t += char_len(text, t);
      ++p;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++t;
      ++p;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      star_text += char_len(text, star_text);
      t = star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

template <typename T>
bool Compare(const T& a, const T& b, CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return a != b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
  }
  return false;
}

// A key or a literal in a predicate.
struct Operand {
  int key = -1;      // index into the partition values; -1 for a literal
  std::string text;  // the literal (unused for keys)
  bool numeric = false;  // a number literal, or a key of a numeric Hive type
};

}  // namespace

struct PartitionFilter::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kLike, kIsNull };
  Kind kind = Kind::kCompare;
  std::vector<Node> children;  // kAnd, kOr: two; kNot: one
  Operand left, right;         // kCompare: both; kLike, kIsNull: left
  CompareOp op = CompareOp::kEq;
  bool numeric = false;  // kCompare: compare as numbers
  std::string pattern;   // kLike

  // The value of a key operand, or nullopt for NULL.
  static std::optional<std::string_view> Value(const Operand& operand,
                                               const std::vector<std::string>& values) {
    if (operand.key < 0) return operand.text;
    if (static_cast<size_t>(operand.key) >= values.size()) return std::nullopt;
    const std::string& value = values[operand.key];
    if (value == kHiveNull) return std::nullopt;
    return value;
  }

  Truth Evaluate(const std::vector<std::string>& values) const {
    switch (kind) {
      case Kind::kAnd: {
        Truth a = children[0].Evaluate(values);
        if (a == Truth::kFalse) return a;
        Truth b = children[1].Evaluate(values);
        if (b == Truth::kFalse) return b;
        return a == Truth::kTrue && b == Truth::kTrue ? Truth::kTrue : Truth::kUnknown;
      }
      case Kind::kOr: {
        Truth a = children[0].Evaluate(values);
        if (a == Truth::kTrue) return a;
        Truth b = children[1].Evaluate(values);
        if (b == Truth::kTrue) return b;
        return a == Truth::kFalse && b == Truth::kFalse ? Truth::kFalse : Truth::kUnknown;
      }
      case Kind::kNot: return Negate(children[0].Evaluate(values));
      case Kind::kIsNull: return Value(left, values) ? Truth::kFalse : Truth::kTrue;
      case Kind::kLike: {
        std::optional<std::string_view> value = Value(left, values);
        if (!value) return Truth::kUnknown;
        return Like(*value, pattern) ? Truth::kTrue : Truth::kFalse;
      }
      case Kind::kCompare: {
        std::optional<std::string_view> a = Value(left, values);
        std::optional<std::string_view> b = Value(right, values);
        if (!a || !b) return Truth::kUnknown;
        if (!numeric) return Compare(*a, *b, op) ? Truth::kTrue : Truth::kFalse;
        std::optional<long double> x = ParseNumber(*a);
        std::optional<long double> y = ParseNumber(*b);
        if (!x || !y) return Truth::kUnknown;
        return Compare(*x, *y, op) ? Truth::kTrue : Truth::kFalse;
      }
    }
    return Truth::kUnknown;
  }
};

// Tokenizes and parses by recursive descent, one function per grammar rule (see the header).
class PartitionFilter::Parser {
 public:
  Parser(std::string_view expression, const std::vector<Column>& keys)
      : expression_(expression), keys_(keys) {}

  Result<Node> ParseAll() {
    LAKEBOX_TRY(Advance());
    LAKEBOX_ASSIGN_OR_RETURN(Node root, ParseOr(0));
    if (token_.kind != TokenKind::kEnd) return Fail("expected AND, OR or the end of the expression");
    return root;
  }

 private:
  enum class TokenKind { kEnd, kWord, kQuotedName, kString, kNumber, kSymbol };
  struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::string text;  // word as written, unquoted name/string, number text, symbol
    size_t position = 0;  // byte offset in the expression
  };

  bool IsKeyword(std::string_view keyword) const {
    if (token_.kind != TokenKind::kWord || token_.text.size() != keyword.size()) return false;
    return AsciiLower(token_.text) == AsciiLower(keyword);
  }
  bool IsSymbol(std::string_view symbol) const {
    return token_.kind == TokenKind::kSymbol && token_.text == symbol;
  }
  // Consumes the keyword if it is next.
  Result<bool> Accept(std::string_view keyword) {
    if (!IsKeyword(keyword)) return false;
    LAKEBOX_TRY(Advance());
    return true;
  }
  Status ExpectSymbol(std::string_view symbol, std::string_view what) {
    if (!IsSymbol(symbol)) return Fail(fmt::format("expected {}", what));
    return Advance();
  }

  // An InvalidInput naming the current token's position.
  std::unexpected<Error> Fail(std::string_view what) const { return FailAt(token_.position, what); }
  std::unexpected<Error> FailAt(size_t position, std::string_view what) const {
    std::string found = position >= expression_.size()
                            ? std::string("the end of the expression")
                            : fmt::format("\"{}\"", expression_.substr(position, 20));
    return std::unexpected(Error::InvalidInput(
        fmt::format("cannot parse the partition expression \"{}\": {} at position {} (found {})",
                    expression_, what, position + 1, found)));
  }

  Status Advance() {
    size_t i = pos_;
    while (i < expression_.size() && std::isspace(static_cast<unsigned char>(expression_[i]))) ++i;
    token_ = Token{};
    token_.position = i;
    if (i >= expression_.size()) {
      pos_ = i;
      return Ok();
    }
    char c = expression_[i];
    auto is_word_char = [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
             static_cast<unsigned char>(ch) >= 0x80;
    };
    if (c == '\'' || c == '`' || c == '"') {
      // '' inside a string (and `` or "" inside a quoted name) stands for one quote.
      token_.kind = c == '\'' ? TokenKind::kString : TokenKind::kQuotedName;
      size_t j = i + 1;
      for (;;) {
        if (j >= expression_.size())
          return FailAt(i, c == '\'' ? "unterminated string literal" : "unterminated quoted name");
        if (expression_[j] == c) {
          if (j + 1 < expression_.size() && expression_[j + 1] == c) {
            token_.text += c;
            j += 2;
            continue;
          }
          break;
        }
        token_.text += expression_[j++];
      }
      pos_ = j + 1;
      return Ok();
    }
    bool signed_number = (c == '-' || c == '+') && i + 1 < expression_.size() &&
                         (std::isdigit(static_cast<unsigned char>(expression_[i + 1])) ||
                          expression_[i + 1] == '.');
    if (std::isdigit(static_cast<unsigned char>(c)) || signed_number ||
        (c == '.' && i + 1 < expression_.size() &&
         std::isdigit(static_cast<unsigned char>(expression_[i + 1])))) {
      size_t j = i + 1;
      while (j < expression_.size()) {
        char d = expression_[j];
        bool exponent_sign = (d == '+' || d == '-') && (expression_[j - 1] == 'e' || expression_[j - 1] == 'E');
        if (!is_word_char(d) && d != '.' && !exponent_sign) break;
        ++j;
      }
      token_.kind = TokenKind::kNumber;
      token_.text = std::string(expression_.substr(i, j - i));
      if (!ParseNumber(token_.text)) return FailAt(i, fmt::format("\"{}\" is not a number", token_.text));
      pos_ = j;
      return Ok();
    }
    if (is_word_char(c)) {
      size_t j = i;
      while (j < expression_.size() && is_word_char(expression_[j])) ++j;
      token_.kind = TokenKind::kWord;
      token_.text = std::string(expression_.substr(i, j - i));
      pos_ = j;
      return Ok();
    }
    static constexpr std::array<std::string_view, 10> kSymbols = {"<=", ">=", "<>", "!=", "=",
                                                                  "<",  ">",  "(",  ")",  ","};
    for (std::string_view symbol : kSymbols) {
      if (expression_.substr(i).starts_with(symbol)) {
        token_.kind = TokenKind::kSymbol;
        token_.text = std::string(symbol);
        pos_ = i + symbol.size();
        return Ok();
      }
    }
    return FailAt(i, fmt::format("unexpected character '{}'", c));
  }

  Status CheckDepth(int depth) const {
    if (depth > kMaxDepth)
      return Fail(fmt::format("parentheses and NOT nest deeper than {} levels", kMaxDepth));
    return Ok();
  }

  static Node Binary(Node::Kind kind, Node a, Node b) {
    Node node;
    node.kind = kind;
    node.children.push_back(std::move(a));
    node.children.push_back(std::move(b));
    return node;
  }
  static Node Not(Node a) {
    Node node;
    node.kind = Node::Kind::kNot;
    node.children.push_back(std::move(a));
    return node;
  }

  Result<Node> ParseOr(int depth) {
    LAKEBOX_ASSIGN_OR_RETURN(Node left, ParseAnd(depth));
    for (;;) {
      LAKEBOX_ASSIGN_OR_RETURN(bool more, Accept("OR"));
      if (!more) return left;
      LAKEBOX_ASSIGN_OR_RETURN(Node right, ParseAnd(depth));
      left = Binary(Node::Kind::kOr, std::move(left), std::move(right));
    }
  }

  Result<Node> ParseAnd(int depth) {
    LAKEBOX_ASSIGN_OR_RETURN(Node left, ParseNot(depth));
    for (;;) {
      LAKEBOX_ASSIGN_OR_RETURN(bool more, Accept("AND"));
      if (!more) return left;
      LAKEBOX_ASSIGN_OR_RETURN(Node right, ParseNot(depth));
      left = Binary(Node::Kind::kAnd, std::move(left), std::move(right));
    }
  }

  Result<Node> ParseNot(int depth) {
    LAKEBOX_TRY(CheckDepth(depth));
    LAKEBOX_ASSIGN_OR_RETURN(bool negated, Accept("NOT"));
    if (negated) {
      LAKEBOX_ASSIGN_OR_RETURN(Node inner, ParseNot(depth + 1));
      return Not(std::move(inner));
    }
    if (IsSymbol("(")) {
      LAKEBOX_TRY(Advance());
      LAKEBOX_ASSIGN_OR_RETURN(Node inner, ParseOr(depth + 1));
      LAKEBOX_TRY(ExpectSymbol(")", "')'"));
      return inner;
    }
    return ParsePredicate();
  }

  Result<Operand> ParseOperand(std::string_view what) {
    Operand operand;
    switch (token_.kind) {
      case TokenKind::kString: operand.text = token_.text; break;
      case TokenKind::kNumber:
        operand.text = token_.text;
        operand.numeric = true;
        break;
      case TokenKind::kWord:
      case TokenKind::kQuotedName: {
        static constexpr std::array<std::string_view, 8> kKeywords = {
            "and", "or", "not", "in", "between", "like", "is", "null"};
        std::string name = AsciiLower(token_.text);
        if (token_.kind == TokenKind::kWord &&
            std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end())
          return Fail(fmt::format("expected {}", what));
        auto it = std::find_if(keys_.begin(), keys_.end(),
                               [&](const Column& key) { return AsciiLower(key.name) == name; });
        if (it == keys_.end()) {
          std::vector<std::string> names;
          for (const Column& key : keys_) names.push_back(key.name);
          return Fail(names.empty()
                          ? fmt::format("unknown partition key \"{}\": the table has no partition keys",
                                        token_.text)
                          : fmt::format("unknown partition key \"{}\" (the table's partition keys "
                                        "are {})",
                                        token_.text, fmt::join(names, ", ")));
        }
        operand.key = static_cast<int>(it - keys_.begin());
        operand.text = it->name;
        operand.numeric = IsNumericHiveType(it->type);
        break;
      }
      default: return Fail(fmt::format("expected {}", what));
    }
    LAKEBOX_TRY(Advance());
    return operand;
  }

  Result<Operand> ParseLiteral() {
    if (token_.kind != TokenKind::kString && token_.kind != TokenKind::kNumber)
      return Fail("expected a literal ('text' or a number)");
    return ParseOperand("a literal");
  }

  // A comparison node; checks that a string literal compared as a number is one. `position` is
  // where the right-hand operand started, for the error.
  Result<Node> Comparison(Operand left, CompareOp op, Operand right, size_t position) {
    Node node;
    node.kind = Node::Kind::kCompare;
    node.numeric = left.numeric || right.numeric;
    if (node.numeric) {
      for (const Operand* literal : {&left, &right}) {
        if (literal->key >= 0 || ParseNumber(literal->text)) continue;
        const Operand& other = literal == &left ? right : left;
        return FailAt(position,
                      other.key >= 0
                          ? fmt::format("'{}' is not a number, but partition key {} has type {}",
                                        literal->text, other.text, keys_[other.key].type)
                          : fmt::format("'{}' is not a number, but is compared with one",
                                        literal->text));
      }
    }
    node.left = std::move(left);
    node.op = op;
    node.right = std::move(right);
    return node;
  }

  Result<Node> ParsePredicate() {
    constexpr std::string_view kOperand = "a partition key, a 'string' or a number";
    LAKEBOX_ASSIGN_OR_RETURN(Operand subject, ParseOperand(kOperand));

    static constexpr std::array<std::pair<std::string_view, CompareOp>, 7> kOps = {{
        {"=", CompareOp::kEq},
        {"!=", CompareOp::kNe},
        {"<>", CompareOp::kNe},
        {"<", CompareOp::kLt},
        {"<=", CompareOp::kLe},
        {">", CompareOp::kGt},
        {">=", CompareOp::kGe},
    }};
    for (const auto& [symbol, op] : kOps) {
      if (!IsSymbol(symbol)) continue;
      LAKEBOX_TRY(Advance());
      size_t position = token_.position;
      LAKEBOX_ASSIGN_OR_RETURN(Operand other, ParseOperand(kOperand));
      return Comparison(std::move(subject), op, std::move(other), position);
    }

    LAKEBOX_ASSIGN_OR_RETURN(bool negated, Accept("NOT"));
    auto maybe_not = [negated](Node node) { return negated ? Not(std::move(node)) : node; };

    LAKEBOX_ASSIGN_OR_RETURN(bool in, Accept("IN"));
    if (in) {
      LAKEBOX_TRY(ExpectSymbol("(", "'(' after IN"));
      std::optional<Node> any;
      for (;;) {
        size_t position = token_.position;
        LAKEBOX_ASSIGN_OR_RETURN(Operand literal, ParseLiteral());
        LAKEBOX_ASSIGN_OR_RETURN(Node equal,
                                 Comparison(subject, CompareOp::kEq, std::move(literal), position));
        any = any ? Binary(Node::Kind::kOr, *std::move(any), std::move(equal)) : std::move(equal);
        if (IsSymbol(")")) break;
        LAKEBOX_TRY(ExpectSymbol(",", "',' or ')' in the IN list"));
      }
      LAKEBOX_TRY(Advance());
      return maybe_not(*std::move(any));
    }

    LAKEBOX_ASSIGN_OR_RETURN(bool between, Accept("BETWEEN"));
    if (between) {
      size_t low_position = token_.position;
      LAKEBOX_ASSIGN_OR_RETURN(Operand low, ParseOperand(kOperand));
      LAKEBOX_ASSIGN_OR_RETURN(bool and_found, Accept("AND"));
      if (!and_found) return Fail("expected AND between the bounds of BETWEEN");
      size_t high_position = token_.position;
      LAKEBOX_ASSIGN_OR_RETURN(Operand high, ParseOperand(kOperand));
      LAKEBOX_ASSIGN_OR_RETURN(Node above,
                               Comparison(subject, CompareOp::kGe, std::move(low), low_position));
      LAKEBOX_ASSIGN_OR_RETURN(
          Node below, Comparison(std::move(subject), CompareOp::kLe, std::move(high), high_position));
      return maybe_not(Binary(Node::Kind::kAnd, std::move(above), std::move(below)));
    }

    LAKEBOX_ASSIGN_OR_RETURN(bool like, Accept("LIKE"));
    if (like) {
      if (token_.kind != TokenKind::kString) return Fail("expected a 'pattern' after LIKE");
      Node node;
      node.kind = Node::Kind::kLike;
      node.left = std::move(subject);
      node.pattern = token_.text;
      LAKEBOX_TRY(Advance());
      return maybe_not(std::move(node));
    }

    if (!negated && IsKeyword("IS")) {
      LAKEBOX_TRY(Advance());
      LAKEBOX_ASSIGN_OR_RETURN(bool is_not, Accept("NOT"));
      LAKEBOX_ASSIGN_OR_RETURN(bool null, Accept("NULL"));
      if (!null) return Fail("expected NULL after IS");
      Node node;
      node.kind = Node::Kind::kIsNull;
      node.left = std::move(subject);
      return is_not ? Not(std::move(node)) : node;
    }
    return Fail(negated ? "expected IN, BETWEEN or LIKE after NOT"
                        : "expected a comparison (=, !=, <>, <, <=, >, >=, IN, BETWEEN, LIKE or IS)");
  }

  std::string_view expression_;
  const std::vector<Column>& keys_;
  size_t pos_ = 0;  // where the next token starts
  Token token_;     // the current token
};

Result<PartitionFilter> PartitionFilter::Parse(std::string_view expression,
                                               const std::vector<Column>& partition_keys) {
  if (expression.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return PartitionFilter(nullptr);
  Parser parser(expression, partition_keys);
  LAKEBOX_ASSIGN_OR_RETURN(Node root, parser.ParseAll());
  return PartitionFilter(std::make_shared<const Node>(std::move(root)));
}

bool PartitionFilter::Matches(const std::vector<std::string>& values) const {
  return !root_ || root_->Evaluate(values) == Truth::kTrue;
}

}  // namespace lakebox::catalog
