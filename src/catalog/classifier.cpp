#include "catalog/classifier.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "catalog/classifier_internal.h"
#include "catalog/parquet_footer.h"
#include "common/compression.h"

namespace lakebox::catalog {
namespace {

namespace ci = classifier_internal;

// The first read of a large object: enough to see its magic bytes, small enough that a Parquet
// file (whose head is useless) costs little. Also the size of the tail read for a Parquet footer.
constexpr uint64_t kProbeBytes = 64 * 1024;
// A JSON sample without one complete record is read on, up to this many times max_sample_bytes.
constexpr size_t kMaxJsonSampleSteps = 10;

// Reads an object front to back in growing pieces, counting the bytes it fetched.
class ObjectReader {
 public:
  ObjectReader(storage::ObjectStore& store, std::string_view bucket,
               const storage::ObjectInfo& object)
      : store_(store), bucket_(bucket), key_(object.key), size_(object.size) {}

  uint64_t size() const { return size_; }
  const std::string& data() const { return data_; }
  bool whole() const { return data_.size() == size_; }
  int64_t bytes_read() const { return bytes_read_; }

  // Makes sure the first min(n, size) bytes are read.
  Status ReadTo(uint64_t n) {
    n = std::min(n, size_);
    if (data_.size() >= n) return Ok();
    LAKEBOX_ASSIGN_OR_RETURN(std::string piece,
                             store_.GetRange(bucket_, key_, data_.size(), n - data_.size()));
    bytes_read_ += static_cast<int64_t>(piece.size());
    data_ += piece;
    // The object shrank since it was listed: what is there is all of it.
    if (data_.size() < n) size_ = data_.size();
    return Ok();
  }

  // The last `n` bytes (n <= size), read separately from the prefix.
  Result<std::string> ReadTail(uint64_t n) {
    if (data_.size() >= size_) return data_.substr(size_ - n);
    LAKEBOX_ASSIGN_OR_RETURN(std::string tail, store_.GetRange(bucket_, key_, size_ - n, n));
    bytes_read_ += static_cast<int64_t>(tail.size());
    return tail;
  }

 private:
  storage::ObjectStore& store_;
  std::string bucket_;
  std::string key_;
  uint64_t size_;
  std::string data_;
  int64_t bytes_read_ = 0;
};

// The first `limit` decompressed bytes of the object.
struct Decoded {
  std::string text;
  bool cut = false;     // the object goes on past `text`
  size_t consumed = 0;  // stored bytes that produced `text`
};

Result<Decoded> Decode(ObjectReader& reader, Codec codec, size_t limit) {
  if (codec == Codec::kNone) {
    LAKEBOX_TRY(reader.ReadTo(limit));
    Decoded decoded;
    decoded.text = reader.data().substr(0, limit);
    decoded.cut = decoded.text.size() < reader.size();
    decoded.consumed = decoded.text.size();
    return decoded;
  }
  // Compressed data shrinks several times over: a quarter of the limit usually decodes to all of
  // it. When it does not, read on, doubling.
  uint64_t want = std::max<uint64_t>(limit / 4, reader.data().size());
  while (true) {
    LAKEBOX_TRY(reader.ReadTo(want));
    LAKEBOX_ASSIGN_OR_RETURN(DecompressedPrefix prefix,
                             DecompressPrefix(codec, reader.data(), reader.whole(), limit));
    if (prefix.complete || prefix.data.size() >= limit) {
      return Decoded{std::move(prefix.data), !prefix.complete, prefix.consumed};
    }
    if (reader.whole()) {
      return std::unexpected(Error::Internal(
          fmt::format("{} decoder stopped early on a whole object", CodecName(codec))));
    }
    want = std::max<uint64_t>(reader.data().size() * 2, reader.data().size() + kProbeBytes);
  }
}

// Up to 24 leading bytes, printable ones as they are, others as \xNN.
std::string FirstBytes(std::string_view data) {
  std::string out = "\"";
  for (char c : data.substr(0, 24)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  if (data.size() > 24) out += "...";
  out += '"';
  return out;
}

Error NotClassified(std::string_view text, std::string_view reason = {}) {
  std::string message = fmt::format("not JSON, CSV or Parquet (first bytes: {})", FirstBytes(text));
  if (!reason.empty()) message += fmt::format(": {}", reason);
  return Error::InvalidInput(std::move(message));
}

int64_t EstimateRecords(const ci::Inference& inference, const Decoded& decoded,
                        uint64_t object_size) {
  if (!decoded.cut) return inference.records_counted;
  if (inference.bytes_counted == 0 || decoded.consumed == 0) return inference.records_counted;
  // Records per decoded byte, times the object's decoded size (its stored size scaled by the
  // sample's compression ratio).
  const double decoded_size = static_cast<double>(object_size) *
                              static_cast<double>(decoded.text.size()) /
                              static_cast<double>(decoded.consumed);
  const double estimate = static_cast<double>(inference.records_counted) * decoded_size /
                          static_cast<double>(inference.bytes_counted);
  return std::max(inference.records_counted, static_cast<int64_t>(std::llround(estimate)));
}

Result<ObjectSample> SampleParquet(ObjectReader& reader, ObjectSample sample) {
  const uint64_t size = reader.size();
  if (size < 2 * kParquetMagic.size() + kParquetTailSize - 4) {
    return std::unexpected(
        Error::Corruption(fmt::format("Parquet file of {} bytes is too short (truncated?)", size)));
  }
  LAKEBOX_ASSIGN_OR_RETURN(std::string tail, reader.ReadTail(std::min(size, kProbeBytes)));
  LAKEBOX_ASSIGN_OR_RETURN(uint32_t footer_length, ParquetFooterLength(tail));
  if (footer_length > size - kParquetTailSize - kParquetMagic.size()) {
    return std::unexpected(Error::Corruption(fmt::format(
        "Parquet footer length {} exceeds the file's {} bytes (truncated?)", footer_length, size)));
  }
  if (footer_length + kParquetTailSize > tail.size()) {
    LAKEBOX_ASSIGN_OR_RETURN(tail, reader.ReadTail(footer_length + kParquetTailSize));
  }
  const std::string_view metadata =
      std::string_view(tail).substr(tail.size() - kParquetTailSize - footer_length, footer_length);
  LAKEBOX_ASSIGN_OR_RETURN(ParquetFooter footer, ParseParquetFooter(metadata));
  sample.classification = "parquet";
  sample.compression = "none";
  sample.schema = std::move(footer.schema);
  sample.estimated_records = footer.num_rows;
  sample.bytes_read = reader.bytes_read();
  return sample;
}

}  // namespace

Result<ObjectSample> SampleObject(storage::ObjectStore& store, std::string_view bucket,
                                  const storage::ObjectInfo& object, const SampleOptions& options) {
  if (object.size == 0) return std::unexpected(Error::InvalidInput("empty object"));
  const size_t max_bytes = std::max<size_t>(options.max_sample_bytes, 1);
  ObjectReader reader(store, bucket, object);
  // A small object in one read; a large one starts with a probe of its head.
  LAKEBOX_TRY(reader.ReadTo(object.size <= max_bytes ? object.size
                                                     : std::min<uint64_t>(kProbeBytes, max_bytes)));
  if (reader.data().empty()) return std::unexpected(Error::InvalidInput("empty object"));

  ObjectSample sample;
  const Codec codec = DetectCodec(reader.data());
  if (codec == Codec::kNone && reader.data().starts_with(kParquetMagic)) {
    return SampleParquet(reader, std::move(sample));
  }
  if (codec != Codec::kNone && codec != Codec::kGzip && codec != Codec::kZstd &&
      codec != Codec::kSnappy) {
    return std::unexpected(Error::InvalidInput(fmt::format(
        "{}-compressed object: not supported (gzip, zstd and snappy are)", CodecName(codec))));
  }
  sample.compression = std::string(CodecName(codec));

  for (size_t step = 1;; ++step) {
    LAKEBOX_ASSIGN_OR_RETURN(Decoded decoded, Decode(reader, codec, max_bytes * step));
    const std::string_view text = decoded.text;
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return std::unexpected(NotClassified(text));

    if (text[first] == '{' || text[first] == '[') {
      const size_t size = decoded.text.size();
      decoded.text.append(ci::JsonPadding(), ' ');
      auto inference = ci::InferJson(decoded.text, size, decoded.cut, options.max_records);
      decoded.text.resize(size);
      if (!inference)
        return std::unexpected(NotClassified(decoded.text, inference.error().message()));
      if (inference->records_counted == 0) {
        if (decoded.cut && step < kMaxJsonSampleSteps) continue;
        return std::unexpected(NotClassified(
            decoded.text, decoded.cut
                              ? fmt::format("no complete JSON record in the first {} bytes", size)
                              : "no JSON records"));
      }
      sample.classification = "json";
      sample.schema = std::move(inference->schema);
      sample.records_sampled = inference->records_sampled;
      sample.estimated_records = EstimateRecords(*inference, decoded, reader.size());
      sample.bytes_read = reader.bytes_read();
      return sample;
    }

    auto csv = ci::InferCsv(text, decoded.cut, options.max_records);
    if (!csv) return std::unexpected(NotClassified(text));
    sample.classification = "csv";
    sample.schema = std::move(csv->inference.schema);
    sample.records_sampled = csv->inference.records_sampled;
    sample.estimated_records = EstimateRecords(csv->inference, decoded, reader.size());
    sample.bytes_read = reader.bytes_read();
    sample.table_parameters["delimiter"] = std::string(1, csv->delimiter);
    if (csv->has_header) sample.table_parameters["skip.header.line.count"] = "1";
    sample.table_parameters["areColumnsQuoted"] = csv->quoted ? "true" : "false";
    sample.table_parameters["columnsOrdered"] = "true";
    sample.csv_header = std::move(csv->header);
    return sample;
  }
}

StorageDescriptor StorageDescriptorFor(const ObjectSample& sample, const std::string& location) {
  StorageDescriptor sd;
  sd.location = location;
  for (const auto& [name, type] : sample.schema.fields())
    sd.columns.push_back({name, type.ToHive(), ""});
  sd.compressed = false;
  sd.parameters = sample.table_parameters;
  sd.parameters["classification"] = sample.classification;
  sd.parameters["compressionType"] = sample.compression;
  sd.parameters["typeOfData"] = "file";
  if (sample.classification == "parquet") {
    sd.input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
    sd.output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    sd.serde_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
    sd.serde_parameters["serialization.format"] = "1";
    return sd;
  }
  sd.input_format = "org.apache.hadoop.mapred.TextInputFormat";
  sd.output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
  if (sample.classification == "json") {
    sd.serde_library = "org.openx.data.jsonserde.JsonSerDe";
    std::vector<std::string> paths;
    for (const auto& [name, type] : sample.schema.fields()) paths.push_back(name);
    std::sort(paths.begin(), paths.end());
    sd.serde_parameters["paths"] = fmt::format("{}", fmt::join(paths, ","));
    return sd;
  }
  const auto delimiter = sample.table_parameters.find("delimiter");
  const std::string delim = delimiter != sample.table_parameters.end() ? delimiter->second : ",";
  const auto quoted = sample.table_parameters.find("areColumnsQuoted");
  if (quoted != sample.table_parameters.end() && quoted->second == "true") {
    sd.serde_library = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
    sd.serde_parameters["separatorChar"] = delim;
    sd.serde_parameters["quoteChar"] = "\"";
  } else {
    sd.serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
    sd.serde_parameters["field.delim"] = delim;
  }
  return sd;
}

}  // namespace lakebox::catalog
