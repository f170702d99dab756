#include "catalog/data_type.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace lakebox::catalog {
namespace {

using Kind = DataType::Kind;

constexpr int kMaxDecimalPrecision = 38;
constexpr int kMaxNesting = 100;
// Digits an integer kind needs as a decimal: int32 has 10, int64 19.
constexpr int kIntDigits = 10;
constexpr int kBigintDigits = 19;

bool IsIntegral(Kind kind) { return kind == Kind::kInt || kind == Kind::kBigint; }

// A field name is printed bare unless it holds a character the type grammar uses.
bool NeedsQuoting(std::string_view name) {
  return name.empty() || name.find_first_of(":,<>` \t") != std::string_view::npos;
}

void AppendHive(const DataType& type, std::string& out) {
  switch (type.kind()) {
    case Kind::kDecimal:
      out += fmt::format("decimal({},{})", type.precision(), type.scale());
      return;
    case Kind::kStruct: {
      out += "struct<";
      bool first = true;
      for (const auto& [name, field] : type.fields()) {
        if (!first) out += ',';
        first = false;
        if (NeedsQuoting(name)) {
          out += '`';
          for (char c : name) {
            if (c == '`') out += '`';
            out += c;
          }
          out += '`';
        } else {
          out += name;
        }
        out += ':';
        AppendHive(field, out);
      }
      out += '>';
      return;
    }
    case Kind::kArray:
      out += "array<";
      AppendHive(type.element(), out);
      out += '>';
      return;
    case Kind::kMap:
      out += "map<";
      AppendHive(type.key(), out);
      out += ',';
      AppendHive(type.value(), out);
      out += '>';
      return;
    default:
      out += KindName(type.kind());
      return;
  }
}

DataType WidenDecimal(const DataType& decimal, int integer_digits, int scale) {
  const int digits = std::max(decimal.precision() - decimal.scale(), integer_digits);
  const int new_scale = std::max(decimal.scale(), scale);
  return DataType::Decimal(std::min(kMaxDecimalPrecision, digits + new_scale), new_scale);
}

// The merge of two primitives of different kinds (neither unknown).
DataType MergePrimitives(const DataType& a, const DataType& b) {
  const Kind ka = a.kind();
  const Kind kb = b.kind();
  if (IsIntegral(ka) && IsIntegral(kb)) return DataType::Primitive(Kind::kBigint);
  if ((IsIntegral(ka) || ka == Kind::kDouble) && (IsIntegral(kb) || kb == Kind::kDouble)) {
    return DataType::Primitive(Kind::kDouble);
  }
  if (ka == Kind::kDecimal && IsIntegral(kb)) {
    return WidenDecimal(a, kb == Kind::kInt ? kIntDigits : kBigintDigits, 0);
  }
  if (kb == Kind::kDecimal && IsIntegral(ka)) {
    return WidenDecimal(b, ka == Kind::kInt ? kIntDigits : kBigintDigits, 0);
  }
  if ((ka == Kind::kDecimal && kb == Kind::kDouble) ||
      (kb == Kind::kDecimal && ka == Kind::kDouble)) {
    return DataType::Primitive(Kind::kDouble);
  }
  if ((ka == Kind::kDate && kb == Kind::kTimestamp) ||
      (kb == Kind::kDate && ka == Kind::kTimestamp)) {
    return DataType::Primitive(Kind::kTimestamp);
  }
  return DataType::Primitive(Kind::kString);
}

class HiveTypeParser {
 public:
  explicit HiveTypeParser(std::string_view text) : text_(text) {}

  Result<DataType> ParseAll() {
    LAKEBOX_ASSIGN_OR_RETURN(DataType type, ParseType(0));
    SkipSpaces();
    if (pos_ != text_.size()) return Fail("end of the type");
    return type;
  }

 private:
  void SkipSpaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  Error Failure(std::string_view expected) const {
    return Error::InvalidInput(
        fmt::format("invalid Hive type \"{}\": expected {} at offset {}", text_, expected, pos_));
  }
  std::unexpected<Error> Fail(std::string_view expected) const {
    return std::unexpected(Failure(expected));
  }

  bool Consume(char c) {
    SkipSpaces();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Expect(char c) {
    if (Consume(c)) return Ok();
    return std::unexpected(Failure(fmt::format("'{}'", c)));
  }

  // A type name: letters, digits and '_', lower-cased.
  std::string Word() {
    SkipSpaces();
    std::string word;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_]))));
      ++pos_;
    }
    return word;
  }

  Result<int> Number() {
    SkipSpaces();
    const size_t start = pos_;
    int value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) &&
           pos_ - start < 4) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start) return Fail("a number");
    return value;
  }

  // A struct field name: `quoted` (`` doubles a backquote) or everything up to ':', trimmed.
  Result<std::string> FieldName() {
    SkipSpaces();
    std::string name;
    if (pos_ < text_.size() && text_[pos_] == '`') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) return Fail("a closing '`'");
        if (text_[pos_] == '`') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '`') {
            name.push_back('`');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        name.push_back(text_[pos_++]);
      }
    } else {
      while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' &&
             text_[pos_] != '<' && text_[pos_] != '>') {
        name.push_back(text_[pos_++]);
      }
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
        name.pop_back();
      if (name.empty()) return Fail("a field name");
    }
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  }

  Result<DataType> ParseType(int depth) {
    if (depth > kMaxNesting) return Fail(fmt::format("at most {} levels of nesting", kMaxNesting));
    const size_t start = pos_;
    const std::string word = Word();
    if (word == "struct") {
      LAKEBOX_TRY(Expect('<'));
      std::vector<std::pair<std::string, DataType>> fields;
      if (!Consume('>')) {
        do {
          LAKEBOX_ASSIGN_OR_RETURN(std::string name, FieldName());
          LAKEBOX_TRY(Expect(':'));
          LAKEBOX_ASSIGN_OR_RETURN(DataType field, ParseType(depth + 1));
          fields.emplace_back(std::move(name), std::move(field));
        } while (Consume(','));
        LAKEBOX_TRY(Expect('>'));
      }
      return DataType::Struct(std::move(fields));
    }
    if (word == "array") {
      LAKEBOX_TRY(Expect('<'));
      LAKEBOX_ASSIGN_OR_RETURN(DataType element, ParseType(depth + 1));
      LAKEBOX_TRY(Expect('>'));
      return DataType::Array(std::move(element));
    }
    if (word == "map") {
      LAKEBOX_TRY(Expect('<'));
      LAKEBOX_ASSIGN_OR_RETURN(DataType key, ParseType(depth + 1));
      LAKEBOX_TRY(Expect(','));
      LAKEBOX_ASSIGN_OR_RETURN(DataType value, ParseType(depth + 1));
      LAKEBOX_TRY(Expect('>'));
      return DataType::Map(std::move(key), std::move(value));
    }
    if (word == "decimal" || word == "numeric") {
      if (!Consume('(')) return DataType::Decimal(10, 0);
      LAKEBOX_ASSIGN_OR_RETURN(int precision, Number());
      int scale = 0;
      if (Consume(',')) {
        LAKEBOX_ASSIGN_OR_RETURN(scale, Number());
      }
      LAKEBOX_TRY(Expect(')'));
      if (precision < 1 || precision > kMaxDecimalPrecision || scale > precision) {
        pos_ = start;
        return Fail("a decimal with precision 1 to 38 and scale 0 to precision");
      }
      return DataType::Decimal(precision, scale);
    }
    if (word == "char" || word == "varchar") {
      if (Consume('(')) {
        LAKEBOX_TRY(Number());
        LAKEBOX_TRY(Expect(')'));
      }
      return DataType::Primitive(Kind::kString);
    }
    static constexpr std::pair<std::string_view, Kind> kNames[] = {
        {"string", Kind::kString}, {"boolean", Kind::kBoolean},     {"int", Kind::kInt},
        {"integer", Kind::kInt},   {"tinyint", Kind::kInt},         {"smallint", Kind::kInt},
        {"bigint", Kind::kBigint}, {"double", Kind::kDouble},       {"float", Kind::kDouble},
        {"real", Kind::kDouble},   {"timestamp", Kind::kTimestamp}, {"date", Kind::kDate},
        {"binary", Kind::kBinary},
    };
    for (const auto& [name, kind] : kNames) {
      if (word == name) return DataType::Primitive(kind);
    }
    pos_ = start;
    SkipSpaces();
    return Fail(
        "a type name (string, int, bigint, double, boolean, timestamp, date, decimal, "
        "binary, struct<...>, array<...>, map<...>)");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

DataType DataType::Primitive(Kind kind) {
  if (kind == Kind::kDecimal) return Decimal(10, 0);
  DataType type;
  type.kind_ = kind;
  if (kind == Kind::kArray) type.children_.emplace_back();
  if (kind == Kind::kMap) type.children_.resize(2);
  return type;
}

DataType DataType::Decimal(int precision, int scale) {
  DataType type;
  type.kind_ = Kind::kDecimal;
  type.precision_ = std::clamp(precision, 1, kMaxDecimalPrecision);
  type.scale_ = std::clamp(scale, 0, type.precision_);
  return type;
}

DataType DataType::Struct(std::vector<std::pair<std::string, DataType>> fields) {
  DataType type;
  type.kind_ = Kind::kStruct;
  type.fields_ = std::move(fields);
  return type;
}

DataType DataType::Array(DataType element) {
  DataType type;
  type.kind_ = Kind::kArray;
  type.children_.push_back(std::move(element));
  return type;
}

DataType DataType::Map(DataType key, DataType value) {
  DataType type;
  type.kind_ = Kind::kMap;
  type.children_.push_back(std::move(key));
  type.children_.push_back(std::move(value));
  return type;
}

const DataType* DataType::FindField(std::string_view name) const {
  for (const auto& [field_name, field] : fields_) {
    if (field_name == name) return &field;
  }
  return nullptr;
}

std::string DataType::ToHive() const {
  std::string out;
  AppendHive(*this, out);
  return out;
}

bool DataType::operator==(const DataType& other) const {
  return kind_ == other.kind_ && precision_ == other.precision_ && scale_ == other.scale_ &&
         fields_ == other.fields_ && children_ == other.children_;
}

std::string_view KindName(DataType::Kind kind) {
  switch (kind) {
    case Kind::kUnknown:
    case Kind::kString:
      return "string";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kInt:
      return "int";
    case Kind::kBigint:
      return "bigint";
    case Kind::kDouble:
      return "double";
    case Kind::kTimestamp:
      return "timestamp";
    case Kind::kDate:
      return "date";
    case Kind::kDecimal:
      return "decimal";
    case Kind::kBinary:
      return "binary";
    case Kind::kStruct:
      return "struct";
    case Kind::kArray:
      return "array";
    case Kind::kMap:
      return "map";
  }
  return "string";
}

Result<DataType> ParseHiveType(std::string_view text) { return HiveTypeParser(text).ParseAll(); }

DataType MergeTypes(const DataType& a, const DataType& b) {
  if (a.kind() == Kind::kUnknown) return b;
  if (b.kind() == Kind::kUnknown) return a;
  if (a.kind() != b.kind()) {
    if (a.is_primitive() && b.is_primitive()) return MergePrimitives(a, b);
    return DataType::Primitive(Kind::kString);
  }
  switch (a.kind()) {
    case Kind::kStruct: {
      std::vector<std::pair<std::string, DataType>> fields = a.fields();
      for (const auto& [name, field] : b.fields()) {
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const auto& f) { return f.first == name; });
        if (it == fields.end()) {
          fields.emplace_back(name, field);
        } else {
          it->second = MergeTypes(it->second, field);
        }
      }
      return DataType::Struct(std::move(fields));
    }
    case Kind::kArray:
      return DataType::Array(MergeTypes(a.element(), b.element()));
    case Kind::kMap:
      return DataType::Map(MergeTypes(a.key(), b.key()), MergeTypes(a.value(), b.value()));
    case Kind::kDecimal:
      return WidenDecimal(a, b.precision() - b.scale(), b.scale());
    default:
      return a;
  }
}

double SchemaSimilarity(const DataType& a, const DataType& b) {
  if (a.kind() != Kind::kStruct || b.kind() != Kind::kStruct) return a == b ? 1.0 : 0.0;
  if (a.fields().empty() && b.fields().empty()) return 1.0;
  std::unordered_set<std::string_view> names;
  for (const auto& field : a.fields()) names.insert(field.first);
  size_t common = 0;
  size_t b_only = 0;
  for (const auto& field : b.fields()) {
    if (names.contains(field.first)) {
      ++common;
    } else {
      ++b_only;
    }
  }
  return static_cast<double>(common) / static_cast<double>(names.size() + b_only);
}

}  // namespace lakebox::catalog
