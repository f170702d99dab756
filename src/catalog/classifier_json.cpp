// JSON records → schema, with simdjson's DOM parser streaming over the whole sample at once (one
// batch), then a walk of each record's tape. DOM rather than On-Demand: the distribution's
// simdjson picks its DOM kernels at run time (AVX2/AVX-512 here), while On-Demand is compiled for
// the build's baseline target, which for a generic x86-64 build is its slow scalar fallback.
// Types are merged in place into one accumulated tree per sample, so a record costs no allocation
// unless it brings a new field.

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "catalog/classifier_internal.h"

namespace lakebox::catalog::classifier_internal {
namespace {

using Kind = DataType::Kind;

// Parser buffers kept between samples (a 1 MiB sample needs a few MiB).
constexpr size_t kKeptParserCapacity = 4 << 20;

struct Field;

// The type inferred so far for one position in the records.
struct Node {
  Kind kind = Kind::kUnknown;
  std::vector<Field> fields;      // kStruct
  std::unique_ptr<Node> element;  // kArray
};

struct Field {
  std::string name;  // lower case
  Node node;
  uint64_t object_stamp = 0;  // the last JSON object instance this field was seen in
};

// Conflicting evidence: string, for good (nothing merges back out of string).
void MakeString(Node& node) {
  node.kind = Kind::kString;
  node.fields.clear();
  node.element.reset();
}

bool IsNumber(Kind kind) {
  return kind == Kind::kInt || kind == Kind::kBigint || kind == Kind::kDouble;
}

void MergeScalar(Node& node, Kind kind) {
  if (node.kind == kind) return;
  if (node.kind == Kind::kUnknown) {
    node.kind = kind;
  } else if (IsNumber(node.kind) && IsNumber(kind)) {
    node.kind = std::max(node.kind, kind);  // int < bigint < double, in declaration order
  } else {
    MakeString(node);
  }
}

// Compares a JSON key with a stored lower-case name, ignoring ASCII case in the key.
bool KeyMatches(std::string_view key, std::string_view name) {
  if (key.size() != name.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    if (lower != name[i]) return false;
  }
  return true;
}

DataType ToDataType(const Node& node) {
  switch (node.kind) {
    case Kind::kStruct: {
      std::vector<std::pair<std::string, DataType>> fields;
      fields.reserve(node.fields.size());
      for (const Field& field : node.fields)
        fields.emplace_back(field.name, ToDataType(field.node));
      return DataType::Struct(std::move(fields));
    }
    case Kind::kArray:
      return DataType::Array(ToDataType(*node.element));
    default:
      return DataType::Primitive(node.kind);
  }
}

// The element as a T its type() has already shown it to be.
template <typename T>
T As(simdjson::dom::element element) {
  T value{};
  [[maybe_unused]] const simdjson::error_code error = element.get(value);
  return value;
}

class JsonInferrer {
 public:
  Node& root() { return root_; }

  void InferObject(Node& node, simdjson::dom::object object) {
    const uint64_t stamp = ++stamp_;
    // Records usually repeat their keys in the same order: try the field after the last match.
    size_t hint = 0;
    for (const simdjson::dom::key_value_pair& member : object) {
      const std::string_view key = member.key;
      Field* match = nullptr;
      if (hint < node.fields.size() && KeyMatches(key, node.fields[hint].name)) {
        match = &node.fields[hint];
      } else {
        for (Field& candidate : node.fields) {
          if (KeyMatches(key, candidate.name)) {
            match = &candidate;
            break;
          }
        }
      }
      if (match == nullptr) {
        Field& added = node.fields.emplace_back();
        added.name.resize(key.size());
        std::transform(key.begin(), key.end(), added.name.begin(), [](char c) {
          return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
        });
        match = &added;
      }
      hint = static_cast<size_t>(match - node.fields.data()) + 1;
      // A key seen twice in one object (or equal after lower-casing): the first one wins.
      if (match->object_stamp == stamp) continue;
      match->object_stamp = stamp;
      InferValue(match->node, member.value);
    }
  }

 private:
  // The parser has validated the whole record (and bounded its depth), so nothing here fails.
  void InferValue(Node& node, simdjson::dom::element value) {
    using simdjson::dom::element_type;
    // Nothing widens back out of string.
    if (node.kind == Kind::kString) return;
    switch (value.type()) {
      case element_type::OBJECT:
        if (node.kind == Kind::kUnknown) node.kind = Kind::kStruct;
        if (node.kind != Kind::kStruct) {
          MakeString(node);
          return;
        }
        InferObject(node, As<simdjson::dom::object>(value));
        return;
      case element_type::ARRAY:
        if (node.kind == Kind::kUnknown) {
          node.kind = Kind::kArray;
          node.element = std::make_unique<Node>();
        }
        if (node.kind != Kind::kArray) {
          MakeString(node);
          return;
        }
        for (simdjson::dom::element element : As<simdjson::dom::array>(value)) {
          InferValue(*node.element, element);
        }
        return;
      case element_type::INT64: {
        const int64_t v = As<int64_t>(value);
        MergeScalar(node, (v >= INT32_MIN && v <= INT32_MAX) ? Kind::kInt : Kind::kBigint);
        return;
      }
      case element_type::UINT64:  // above INT64_MAX: no Hive integer holds it
      case element_type::DOUBLE:
        MergeScalar(node, Kind::kDouble);
        return;
      case element_type::STRING:
        MergeScalar(node, Kind::kString);
        return;
      case element_type::BOOL:
        MergeScalar(node, Kind::kBoolean);
        return;
      case element_type::NULL_VALUE:
        return;
    }
  }

  Node root_{Kind::kStruct, {}, nullptr};
  uint64_t stamp_ = 0;
};

simdjson::dom::parser NewParser() {
  simdjson::dom::parser parser;
#ifdef SIMDJSON_THREADS_ENABLED
  // One batch per sample: a stage-1 thread would only cost a thread start per call.
  parser.threaded = false;
#endif
  return parser;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser = NewParser();
  return parser;
}

std::string JsonError(simdjson::error_code error) { return simdjson::error_message(error); }

std::string_view TypeName(simdjson::dom::element_type type) {
  using simdjson::dom::element_type;
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// The end of the last complete element of a top-level array cut short (the offset just past it),
// or 0 when there is none. Scans bytes, tracking strings and nesting.
size_t LastCompleteArrayElement(std::string_view text) {
  size_t last_end = 0;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1) last_end = i + 1;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        --depth;
        if (depth == 1) last_end = i + 1;
        if (depth <= 0) return last_end;
        break;
      default:
        break;
    }
  }
  return last_end;
}

// The length of `text` without a UTF-8 sequence cut off at its end (which the parser's UTF-8
// validation would reject, failing the whole sample for the sake of its dropped last record).
size_t WithoutPartialUtf8(std::string_view text) {
  size_t n = text.size();
  // Step back over up to 3 continuation bytes to the sequence's lead byte.
  size_t back = 0;
  while (back < 3 && n > back && (static_cast<uint8_t>(text[n - 1 - back]) & 0xC0) == 0x80) ++back;
  if (n <= back) return n;
  const auto lead = static_cast<uint8_t>(text[n - 1 - back]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return length > back + 1 ? n - 1 - back : n;
}

}  // namespace

size_t JsonPadding() { return simdjson::SIMDJSON_PADDING; }

Result<Inference> InferJson(std::string& sample, size_t size, bool cut, int max_records) {
  if (cut) size = WithoutPartialUtf8(std::string_view(sample).substr(0, size));
  const size_t start =
      std::find_if_not(sample.begin(), sample.begin() + static_cast<ptrdiff_t>(size),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }) -
      sample.begin();
  // A top-level array cut short: close it after its last complete element, so that it parses as
  // one whole document (the partial element is dropped, as a partial record would be).
  if (cut && start < size && sample[start] == '[') {
    const size_t end =
        LastCompleteArrayElement(std::string_view(sample).substr(start, size - start));
    if (end > 0) {
      size = start + end;
      sample[size++] = ']';
    }
  }
  simdjson::dom::parser& parser = ThreadParser();
  // A sample read on past the usual size (a huge first record) leaves the parser's buffers large;
  // give them back on the next ordinary sample rather than keep them per thread for good.
  if (parser.capacity() > kKeptParserCapacity && size <= kKeptParserCapacity) {
    parser = NewParser();
  }
  simdjson::dom::document_stream stream;
  const size_t batch = std::max<size_t>(size, simdjson::dom::MINIMAL_BATCH_SIZE);
  if (auto error = parser.parse_many(reinterpret_cast<const uint8_t*>(sample.data()), size, batch)
                       .get(stream)) {
    return std::unexpected(
        Error::InvalidInput(fmt::format("malformed JSON: {}", JsonError(error))));
  }

  using simdjson::dom::element_type;
  JsonInferrer inferrer;
  Inference result;
  auto fail = [&](size_t at, std::string_view what) {
    return std::unexpected(Error::InvalidInput(
        fmt::format("record {} at byte {} {}", result.records_counted + 1, at, what)));
  };
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    const size_t at = it.current_index();
    simdjson::dom::element doc;
    if (auto error = (*it).get(doc))
      return fail(at, fmt::format("is malformed JSON: {}", JsonError(error)));
    if (doc.type() == element_type::OBJECT) {
      if (result.records_sampled < max_records) {
        inferrer.InferObject(inferrer.root(), As<simdjson::dom::object>(doc));
        ++result.records_sampled;
      }
      ++result.records_counted;
    } else if (doc.type() == element_type::ARRAY) {
      for (simdjson::dom::element element : As<simdjson::dom::array>(doc)) {
        if (element.type() != element_type::OBJECT) {
          return fail(at,
                      fmt::format("is an array holding {}, not objects", TypeName(element.type())));
        }
        if (result.records_sampled < max_records) {
          inferrer.InferObject(inferrer.root(), As<simdjson::dom::object>(element));
          ++result.records_sampled;
        }
        ++result.records_counted;
      }
    } else {
      return fail(at, fmt::format("is {}, not an object", TypeName(doc.type())));
    }
  }
  const size_t truncated = stream.truncated_bytes();
  if (truncated > 0 && !cut) {
    return std::unexpected(Error::InvalidInput(fmt::format(
        "incomplete JSON record at byte {} (the object ends inside it)", size - truncated)));
  }
  result.bytes_counted = size - truncated;
  result.schema = ToDataType(inferrer.root());
  return result;
}

}  // namespace lakebox::catalog::classifier_internal
