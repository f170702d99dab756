#include "catalog/parquet_footer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"

namespace lakebox::catalog {
namespace {

using Kind = DataType::Kind;

// Thrift compact protocol type ids (the low nibble of a field header).
enum CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

constexpr int kMaxDepth = 64;

// parquet.thrift enums.
enum PhysicalType {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDoubleType = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};
enum Repetition { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum ConvertedType {
  kUtf8 = 0,
  kMapConverted = 1,
  kMapKeyValue = 2,
  kListConverted = 3,
  kEnum = 4,
  kDecimalConverted = 5,
  kDateConverted = 6,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint32 = 13,
  kUint64 = 14,
  kJson = 19,
};
// LogicalType union member ids.
enum LogicalType {
  kNoLogical = 0,
  kString = 1,
  kMapLogical = 2,
  kListLogical = 3,
  kEnumLogical = 4,
  kDecimalLogical = 5,
  kDateLogical = 6,
  kTimestampLogical = 8,
  kIntegerLogical = 10,
  kJsonLogical = 12,
  kFloat16Logical = 15,
};

class CompactReader {
 public:
  explicit CompactReader(std::string_view data) : data_(data) {}

  size_t pos() const { return pos_; }

  Error Corrupt(std::string_view what) const {
    return Error::Corruption(fmt::format("corrupt Parquet footer at byte {}: {}", pos_, what));
  }

  Result<uint8_t> Byte() {
    if (pos_ >= data_.size()) return std::unexpected(Corrupt("unexpected end"));
    return static_cast<uint8_t>(data_[pos_++]);
  }

  Result<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      LAKEBOX_ASSIGN_OR_RETURN(uint8_t b, Byte());
      value |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return std::unexpected(Corrupt("varint longer than 10 bytes"));
  }

  Result<int64_t> Zigzag() {
    LAKEBOX_ASSIGN_OR_RETURN(uint64_t v, Varint());
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  Result<int32_t> I32() {
    LAKEBOX_ASSIGN_OR_RETURN(int64_t v, Zigzag());
    if (v < INT32_MIN || v > INT32_MAX) return std::unexpected(Corrupt("i32 out of range"));
    return static_cast<int32_t>(v);
  }

  Result<std::string_view> Binary() {
    LAKEBOX_ASSIGN_OR_RETURN(uint64_t size, Varint());
    if (size > data_.size() - pos_) return std::unexpected(Corrupt("binary past the end"));
    std::string_view value = data_.substr(pos_, size);
    pos_ += size;
    return value;
  }

  // The next field header of the struct being read: {type, id}; type kStop ends the struct.
  // `last_id` is the struct's previous field id (ids are delta-encoded).
  Result<std::pair<uint8_t, int16_t>> FieldHeader(int16_t& last_id) {
    LAKEBOX_ASSIGN_OR_RETURN(uint8_t b, Byte());
    const uint8_t type = b & 0x0f;
    if (type == kStop) return std::pair<uint8_t, int16_t>{kStop, 0};
    const int delta = b >> 4;
    int64_t id = last_id + delta;
    if (delta == 0) {
      LAKEBOX_ASSIGN_OR_RETURN(id, Zigzag());
    }
    if (id < INT16_MIN || id > INT16_MAX) return std::unexpected(Corrupt("field id out of range"));
    last_id = static_cast<int16_t>(id);
    return std::pair<uint8_t, int16_t>{type, last_id};
  }

  // A list or set header: {element type, count}. The count is checked against the bytes left
  // (every element takes at least one), so a corrupt count cannot make a caller loop for long.
  Result<std::pair<uint8_t, size_t>> ListHeader() {
    LAKEBOX_ASSIGN_OR_RETURN(uint8_t b, Byte());
    uint64_t count = b >> 4;
    if (count == 15) {
      LAKEBOX_ASSIGN_OR_RETURN(count, Varint());
    }
    if (count > data_.size() - pos_) return std::unexpected(Corrupt("list longer than the data"));
    return std::pair<uint8_t, size_t>{static_cast<uint8_t>(b & 0x0f), count};
  }

  // Skips one value of compact type `type`. In a struct field a boolean lives in the header;
  // inside a list, set or map it takes a byte.
  Status Skip(uint8_t type, bool in_collection, int depth) {
    if (depth > kMaxDepth) return std::unexpected(Corrupt("nesting too deep"));
    switch (type) {
      case kBoolTrue:
      case kBoolFalse:
        if (in_collection) LAKEBOX_TRY(Byte());
        return Ok();
      case kByte:
        LAKEBOX_TRY(Byte());
        return Ok();
      case kI16:
      case kI32:
      case kI64:
        LAKEBOX_TRY(Varint());
        return Ok();
      case kDouble:
        if (data_.size() - pos_ < 8) return std::unexpected(Corrupt("double past the end"));
        pos_ += 8;
        return Ok();
      case kBinary:
        LAKEBOX_TRY(Binary());
        return Ok();
      case kList:
      case kSet: {
        LAKEBOX_ASSIGN_OR_RETURN(auto header, ListHeader());
        for (size_t i = 0; i < header.second; ++i) LAKEBOX_TRY(Skip(header.first, true, depth + 1));
        return Ok();
      }
      case kMap: {
        LAKEBOX_ASSIGN_OR_RETURN(uint64_t count, Varint());
        if (count == 0) return Ok();
        if (count > data_.size() - pos_)
          return std::unexpected(Corrupt("map longer than the data"));
        LAKEBOX_ASSIGN_OR_RETURN(uint8_t types, Byte());
        for (uint64_t i = 0; i < count; ++i) {
          LAKEBOX_TRY(Skip(types >> 4, true, depth + 1));
          LAKEBOX_TRY(Skip(types & 0x0f, true, depth + 1));
        }
        return Ok();
      }
      case kStruct: {
        int16_t last_id = 0;
        while (true) {
          LAKEBOX_ASSIGN_OR_RETURN(auto field, FieldHeader(last_id));
          if (field.first == kStop) return Ok();
          LAKEBOX_TRY(Skip(field.first, false, depth + 1));
        }
      }
      default:
        return std::unexpected(Corrupt(fmt::format("unknown Thrift compact type {}", type)));
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

struct SchemaElement {
  std::optional<int32_t> type;
  int32_t repetition = kRequired;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;
  int32_t scale = 0;
  int32_t precision = 0;
  int logical = kNoLogical;
  int32_t logical_scale = 0;
  int32_t logical_precision = 0;
  bool logical_unsigned = false;
  int logical_bit_width = 0;
};

Status ExpectType(CompactReader& reader, uint8_t actual, uint8_t expected, std::string_view field) {
  if (actual == expected) return Ok();
  return std::unexpected(
      reader.Corrupt(fmt::format("{} has compact type {}, expected {}", field, actual, expected)));
}

// DecimalType {1: scale, 2: precision} or IntType {1: bitWidth (i8), 2: isSigned}.
Status ReadLogicalDetails(CompactReader& reader, SchemaElement& element) {
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) return Ok();
    if (element.logical == kDecimalLogical && type == kI32 && (id == 1 || id == 2)) {
      LAKEBOX_ASSIGN_OR_RETURN(int32_t v, reader.I32());
      (id == 1 ? element.logical_scale : element.logical_precision) = v;
    } else if (element.logical == kIntegerLogical && id == 1 && type == kByte) {
      LAKEBOX_ASSIGN_OR_RETURN(uint8_t width, reader.Byte());
      element.logical_bit_width = width;
    } else if (element.logical == kIntegerLogical && id == 2 &&
               (type == kBoolTrue || type == kBoolFalse)) {
      element.logical_unsigned = type == kBoolFalse;
    } else {
      LAKEBOX_TRY(reader.Skip(type, false, 3));
    }
  }
}

// LogicalType is a union: one field, whose id names the type.
Status ReadLogicalType(CompactReader& reader, SchemaElement& element) {
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) return Ok();
    if (type != kStruct) {
      LAKEBOX_TRY(reader.Skip(type, false, 2));
      continue;
    }
    element.logical = id;
    LAKEBOX_TRY(ReadLogicalDetails(reader, element));
  }
}

Result<SchemaElement> ReadSchemaElement(CompactReader& reader) {
  SchemaElement element;
  bool has_name = false;
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) break;
    switch (id) {
      case 1:
      case 3:
      case 5:
      case 6:
      case 7:
      case 8: {
        LAKEBOX_TRY(ExpectType(reader, type, kI32, "SchemaElement field"));
        LAKEBOX_ASSIGN_OR_RETURN(int32_t v, reader.I32());
        if (id == 1) element.type = v;
        if (id == 3) element.repetition = v;
        if (id == 5) element.num_children = v;
        if (id == 6) element.converted_type = v;
        if (id == 7) element.scale = v;
        if (id == 8) element.precision = v;
        break;
      }
      case 4: {
        LAKEBOX_TRY(ExpectType(reader, type, kBinary, "SchemaElement.name"));
        LAKEBOX_ASSIGN_OR_RETURN(std::string_view name, reader.Binary());
        element.name = std::string(name);
        has_name = true;
        break;
      }
      case 10:
        LAKEBOX_TRY(ExpectType(reader, type, kStruct, "SchemaElement.logicalType"));
        LAKEBOX_TRY(ReadLogicalType(reader, element));
        break;
      default:
        LAKEBOX_TRY(reader.Skip(type, false, 1));
    }
  }
  if (!has_name) return std::unexpected(reader.Corrupt("SchemaElement without a name"));
  return element;
}

// ColumnMetaData {3: path_in_schema list<string>, 7: total_compressed_size i64}.
Status ReadColumnMetaData(CompactReader& reader, ParquetColumnChunk& chunk) {
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) return Ok();
    if (id == 3) {
      LAKEBOX_TRY(ExpectType(reader, type, kList, "ColumnMetaData.path_in_schema"));
      LAKEBOX_ASSIGN_OR_RETURN(auto header, reader.ListHeader());
      LAKEBOX_TRY(ExpectType(reader, header.first, kBinary, "ColumnMetaData.path_in_schema element"));
      for (size_t i = 0; i < header.second; ++i) {
        LAKEBOX_ASSIGN_OR_RETURN(std::string_view part, reader.Binary());
        if (i == 0) chunk.column = std::string(part);
      }
    } else if (id == 7) {
      LAKEBOX_TRY(ExpectType(reader, type, kI64, "ColumnMetaData.total_compressed_size"));
      LAKEBOX_ASSIGN_OR_RETURN(chunk.compressed_size, reader.Zigzag());
      if (chunk.compressed_size < 0) return std::unexpected(reader.Corrupt("negative total_compressed_size"));
    } else {
      LAKEBOX_TRY(reader.Skip(type, false, 3));
    }
  }
}

// ColumnChunk {3: meta_data ColumnMetaData}; nullopt when it has none (an encrypted column).
Result<std::optional<ParquetColumnChunk>> ReadColumnChunk(CompactReader& reader) {
  std::optional<ParquetColumnChunk> chunk;
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) return chunk;
    if (id == 3) {
      LAKEBOX_TRY(ExpectType(reader, type, kStruct, "ColumnChunk.meta_data"));
      chunk.emplace();
      LAKEBOX_TRY(ReadColumnMetaData(reader, *chunk));
    } else {
      LAKEBOX_TRY(reader.Skip(type, false, 2));
    }
  }
}

// RowGroup {1: columns list<ColumnChunk>}.
Result<ParquetRowGroup> ReadRowGroup(CompactReader& reader) {
  ParquetRowGroup row_group;
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) return row_group;
    if (id == 1) {
      LAKEBOX_TRY(ExpectType(reader, type, kList, "RowGroup.columns"));
      LAKEBOX_ASSIGN_OR_RETURN(auto header, reader.ListHeader());
      LAKEBOX_TRY(ExpectType(reader, header.first, kStruct, "RowGroup.columns element"));
      row_group.columns.reserve(header.second);
      for (size_t i = 0; i < header.second; ++i) {
        LAKEBOX_ASSIGN_OR_RETURN(auto chunk, ReadColumnChunk(reader));
        if (chunk) row_group.columns.push_back(std::move(*chunk));
      }
    } else {
      LAKEBOX_TRY(reader.Skip(type, false, 1));
    }
  }
}

struct Node {
  const SchemaElement* element;
  std::vector<Node> children;
};

// Rebuilds the tree from the depth-first list, each group followed by its num_children children.
Result<Node> BuildTree(const std::vector<SchemaElement>& elements, size_t& index, int depth) {
  if (depth > kMaxDepth) {
    return std::unexpected(Error::Corruption("corrupt Parquet footer: schema nested too deeply"));
  }
  if (index >= elements.size()) {
    return std::unexpected(
        Error::Corruption("corrupt Parquet footer: the schema's child counts exceed its elements"));
  }
  Node node{&elements[index++], {}};
  const int32_t children = node.element->num_children.value_or(0);
  if (children < 0) {
    return std::unexpected(Error::Corruption("corrupt Parquet footer: negative num_children"));
  }
  for (int32_t i = 0; i < children; ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(Node child, BuildTree(elements, index, depth + 1));
    node.children.push_back(std::move(child));
  }
  return node;
}

bool Annotated(const SchemaElement& e, int logical, int converted) {
  return e.logical == logical || (e.logical == kNoLogical && e.converted_type == converted);
}

DataType DecimalOf(const SchemaElement& e) {
  if (e.logical == kDecimalLogical) return DataType::Decimal(e.logical_precision, e.logical_scale);
  return DataType::Decimal(e.precision, e.scale);
}

DataType PrimitiveType(const SchemaElement& e) {
  const bool decimal = Annotated(e, kDecimalLogical, kDecimalConverted);
  switch (e.type.value_or(-1)) {
    case kBoolean:
      return DataType::Primitive(Kind::kBoolean);
    case kInt32:
      if (decimal) return DecimalOf(e);
      if (Annotated(e, kDateLogical, kDateConverted)) return DataType::Primitive(Kind::kDate);
      if ((e.logical == kIntegerLogical && e.logical_unsigned && e.logical_bit_width == 32) ||
          (e.logical == kNoLogical && e.converted_type == kUint32)) {
        return DataType::Primitive(Kind::kBigint);
      }
      return DataType::Primitive(Kind::kInt);
    case kInt64:
      if (decimal) return DecimalOf(e);
      if (e.logical == kTimestampLogical ||
          (e.logical == kNoLogical &&
           (e.converted_type == kTimestampMillis || e.converted_type == kTimestampMicros))) {
        return DataType::Primitive(Kind::kTimestamp);
      }
      return DataType::Primitive(Kind::kBigint);
    case kInt96:
      return DataType::Primitive(Kind::kTimestamp);
    case kFloat:
    case kDoubleType:
      return DataType::Primitive(Kind::kDouble);
    case kByteArray:
      if (decimal) return DecimalOf(e);
      if (Annotated(e, kString, kUtf8) || Annotated(e, kEnumLogical, kEnum) ||
          Annotated(e, kJsonLogical, kJson)) {
        return DataType::Primitive(Kind::kString);
      }
      return DataType::Primitive(Kind::kBinary);
    case kFixedLenByteArray:
      if (decimal) return DecimalOf(e);
      if (e.logical == kFloat16Logical) return DataType::Primitive(Kind::kDouble);
      return DataType::Primitive(Kind::kBinary);
    default:
      return DataType::Primitive(Kind::kBinary);
  }
}

DataType NodeType(const Node& node);

// A field's type, with its repetition: REPEATED outside a LIST is a list of it.
DataType FieldType(const Node& node) {
  DataType type = NodeType(node);
  if (node.element->repetition == kRepeated) return DataType::Array(std::move(type));
  return type;
}

DataType StructOf(const std::vector<Node>& children) {
  std::vector<std::pair<std::string, DataType>> fields;
  for (const Node& child : children) {
    std::string name = AsciiLower(child.element->name);
    const bool taken =
        std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
    if (!taken) fields.emplace_back(std::move(name), FieldType(child));
  }
  return DataType::Struct(std::move(fields));
}

// parquet-format LogicalTypes.md, "Lists" (with its backward-compatibility rules) and "Maps".
DataType NodeType(const Node& node) {
  const SchemaElement& e = *node.element;
  if (node.children.empty() && e.type) return PrimitiveType(e);
  if (Annotated(e, kListLogical, kListConverted) && node.children.size() == 1 &&
      node.children[0].element->repetition == kRepeated) {
    const Node& repeated = node.children[0];
    if (repeated.children.empty()) return DataType::Array(NodeType(repeated));
    if (repeated.children.size() > 1 || repeated.element->name == "array" ||
        repeated.element->name == e.name + "_tuple") {
      return DataType::Array(StructOf(repeated.children));
    }
    return DataType::Array(FieldType(repeated.children[0]));
  }
  const bool map = Annotated(e, kMapLogical, kMapConverted) || e.converted_type == kMapKeyValue;
  if (map && node.children.size() == 1 && node.children[0].children.size() == 2) {
    const Node& key_value = node.children[0];
    return DataType::Map(FieldType(key_value.children[0]), FieldType(key_value.children[1]));
  }
  return StructOf(node.children);
}

}  // namespace

Result<uint32_t> ParquetFooterLength(std::string_view tail) {
  if (tail.size() < kParquetTailSize) {
    return std::unexpected(Error::Corruption(
        fmt::format("not a Parquet file: {} bytes is too short for the footer", tail.size())));
  }
  const std::string_view magic = tail.substr(tail.size() - 4);
  if (magic == "PARE") {
    return std::unexpected(
        Error::InvalidInput("Parquet file with an encrypted footer: not supported"));
  }
  if (magic != kParquetMagic) {
    return std::unexpected(
        Error::Corruption("Parquet file does not end with \"PAR1\" (truncated or not Parquet)"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(tail.data() + tail.size() - 8);
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

Result<ParquetFooter> ParseParquetFooter(std::string_view metadata) {
  CompactReader reader(metadata);
  std::vector<SchemaElement> elements;
  std::optional<int64_t> num_rows;
  std::vector<ParquetRowGroup> row_groups;
  bool has_schema = false;
  int16_t last_id = 0;
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(auto field, reader.FieldHeader(last_id));
    const auto [type, id] = field;
    if (type == kStop) break;
    if (id == 2) {
      LAKEBOX_TRY(ExpectType(reader, type, kList, "FileMetaData.schema"));
      LAKEBOX_ASSIGN_OR_RETURN(auto header, reader.ListHeader());
      LAKEBOX_TRY(ExpectType(reader, header.first, kStruct, "FileMetaData.schema element"));
      elements.reserve(header.second);
      for (size_t i = 0; i < header.second; ++i) {
        LAKEBOX_ASSIGN_OR_RETURN(SchemaElement element, ReadSchemaElement(reader));
        elements.push_back(std::move(element));
      }
      has_schema = true;
    } else if (id == 3) {
      LAKEBOX_TRY(ExpectType(reader, type, kI64, "FileMetaData.num_rows"));
      LAKEBOX_ASSIGN_OR_RETURN(num_rows, reader.Zigzag());
    } else if (id == 4) {
      LAKEBOX_TRY(ExpectType(reader, type, kList, "FileMetaData.row_groups"));
      LAKEBOX_ASSIGN_OR_RETURN(auto header, reader.ListHeader());
      LAKEBOX_TRY(ExpectType(reader, header.first, kStruct, "FileMetaData.row_groups element"));
      row_groups.reserve(header.second);
      for (size_t i = 0; i < header.second; ++i) {
        LAKEBOX_ASSIGN_OR_RETURN(ParquetRowGroup row_group, ReadRowGroup(reader));
        row_groups.push_back(std::move(row_group));
      }
    } else {
      LAKEBOX_TRY(reader.Skip(type, false, 1));
    }
  }
  if (!has_schema || elements.empty()) {
    return std::unexpected(Error::Corruption("corrupt Parquet footer: no schema"));
  }
  if (!num_rows || *num_rows < 0) {
    return std::unexpected(Error::Corruption("corrupt Parquet footer: no num_rows"));
  }
  size_t index = 0;
  LAKEBOX_ASSIGN_OR_RETURN(Node root, BuildTree(elements, index, 0));
  if (index != elements.size()) {
    return std::unexpected(Error::Corruption(
        fmt::format("corrupt Parquet footer: the schema root holds {} of its {} elements", index,
                    elements.size())));
  }
  return ParquetFooter{StructOf(root.children), *num_rows, std::move(row_groups)};
}

}  // namespace lakebox::catalog
