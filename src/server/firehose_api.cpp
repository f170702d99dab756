#include "server/firehose_api.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "common/base64.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
namespace od = simdjson::ondemand;

constexpr size_t kMaxRecordBytes = 1'024'000;
constexpr size_t kMaxBatchRecords = 500;
constexpr size_t kMaxBatchBytes = 4 << 20;
constexpr int kMaxStreamNameLength = 64;
constexpr std::string_view kDestinationId = "destinationId-000000000001";

constexpr std::array<std::string_view, 6> kOperations = {"CreateDeliveryStream",
                                                         "DescribeDeliveryStream",
                                                         "ListDeliveryStreams",
                                                         "DeleteDeliveryStream",
                                                         "PutRecord",
                                                         "PutRecordBatch"};

constexpr std::string_view kDeliveryStreamTypes =
    "[DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]";

// Top-level CreateDeliveryStream members kept in StreamConfig::passthrough; every other
// passthrough member belongs to the destination.
constexpr std::array<std::string_view, 3> kTopLevelPassthrough = {
    "Tags", "DeliveryStreamEncryptionConfigurationInput", "DirectPutSourceConfiguration"};

// Destination members that map onto StreamConfig fields (everything else is passthrough).
constexpr std::array<std::string_view, 8> kMappedDestinationMembers = {
    "RoleARN",        "BucketARN",         "Prefix",        "ErrorOutputPrefix",
    "BufferingHints", "CompressionFormat", "FileExtension", "CustomTimeZone"};

bool Contains(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// "RoleARN" -> "roleARN": AWS validation messages name members in lower camel case.
std::string MemberPath(std::string_view parent, std::string_view member) {
  std::string path;
  if (!parent.empty()) {
    path.append(parent);
    path += '.';
  }
  size_t start = path.size();
  path.append(member);
  if (start < path.size()) path[start] = static_cast<char>(std::tolower(path[start]));
  return path;
}

void CheckStreamName(const std::optional<std::string_view>& name, ValidationErrors* errors) {
  constexpr std::string_view kPath = "deliveryStreamName";
  if (!name) {
    errors->NotNull(kPath);
    return;
  }
  if (name->empty()) {
    errors->Add(*name, kPath, "Member must have length greater than or equal to 1");
    return;
  }
  if (name->size() > kMaxStreamNameLength)
    errors->Add(*name, kPath, "Member must have length less than or equal to 64");
  bool pattern_ok = std::all_of(name->begin(), name->end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (!pattern_ok)
    errors->Add(*name, kPath, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
}

void CheckLimit(const std::optional<int64_t>& limit, ValidationErrors* errors) {
  if (!limit) return;
  if (*limit < 1)
    errors->Add(std::to_string(*limit), "limit",
                "Member must have value greater than or equal to 1");
  if (*limit > 10000)
    errors->Add(std::to_string(*limit), "limit",
                "Member must have value less than or equal to 10000");
}

// ---- Control-plane requests: small bodies, parsed with nlohmann::json. ----------------------

Result<json> ParseBody(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json request;
  try {
    request = json::parse(body);
  } catch (const json::exception& e) {
    return std::unexpected(
        Error::Serialization(fmt::format("the request body is not valid JSON: {}", e.what())));
  }
  if (!request.is_object())
    return std::unexpected(Error::Serialization(
        fmt::format("the request body must be a JSON object, not {}", request.type_name())));
  return request;
}

// The member `key` of `object`, or nullptr when absent or null (AWS treats null as absent).
const json* Member(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Error WrongType(std::string_view where, std::string_view expected, const json& value) {
  return Error::Serialization(
      fmt::format("{} must be {}, not {}", where, expected, value.type_name()));
}

// Typed member readers; `where` names the member in error messages ("BufferingHints.SizeInMBs").
Result<std::optional<std::string>> GetString(const json& object, std::string_view key,
                                             std::string_view where) {
  const json* value = Member(object, key);
  if (!value) return std::nullopt;
  if (!value->is_string()) return std::unexpected(WrongType(where, "a string", *value));
  return value->get<std::string>();
}

Result<std::optional<int64_t>> GetInteger(const json& object, std::string_view key,
                                          std::string_view where) {
  const json* value = Member(object, key);
  if (!value) return std::nullopt;
  if (value->is_number_unsigned()) {
    if (value->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return std::unexpected(Error::Serialization(fmt::format("{} is out of range", where)));
    return static_cast<int64_t>(value->get<uint64_t>());
  }
  if (!value->is_number_integer()) return std::unexpected(WrongType(where, "an integer", *value));
  return value->get<int64_t>();
}

Result<std::optional<bool>> GetBool(const json& object, std::string_view key,
                                    std::string_view where) {
  const json* value = Member(object, key);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) return std::unexpected(WrongType(where, "a boolean", *value));
  return value->get<bool>();
}

Result<const json*> GetObject(const json& object, std::string_view key, std::string_view where) {
  const json* value = Member(object, key);
  if (value && !value->is_object()) return std::unexpected(WrongType(where, "an object", *value));
  return value;
}

// An `{"Enabled": bool, ...}` feature block that lakebox cannot honour when enabled.
Status RejectEnabledFeature(const json& destination, std::string_view key,
                            std::string_view destination_key, bool enabled_by_default,
                            std::string_view advice) {
  std::string where = fmt::format("{}.{}", destination_key, key);
  LAKEBOX_ASSIGN_OR_RETURN(const json* feature, GetObject(destination, key, where));
  if (!feature) return Ok();
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<bool> enabled,
                           GetBool(*feature, "Enabled", where + ".Enabled"));
  if (!enabled.value_or(enabled_by_default)) return Ok();
  return std::unexpected(
      Error::InvalidArgument(fmt::format("lakebox does not support {} yet; {}", key, advice)));
}

double EpochSeconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json PassthroughOr(const json& passthrough, std::string_view key, json fallback) {
  auto it = passthrough.find(key);
  return it == passthrough.end() ? std::move(fallback) : *it;
}

// S3DestinationDescription (the deprecated shape's members) or ExtendedS3DestinationDescription.
json DestinationDescription(const ingest::StreamConfig& config, bool extended) {
  const json& passthrough = config.passthrough;
  json d = json::object();
  d["RoleARN"] = config.role_arn;
  d["BucketARN"] = config.bucket_arn;
  if (!config.prefix.empty()) d["Prefix"] = config.prefix;
  if (config.error_output_prefix) d["ErrorOutputPrefix"] = *config.error_output_prefix;
  d["BufferingHints"] = {{"SizeInMBs", config.buffer_size_mb},
                         {"IntervalInSeconds", config.buffer_interval_seconds}};
  d["CompressionFormat"] = std::string(ingest::CompressionName(config.compression));
  d["EncryptionConfiguration"] = PassthroughOr(passthrough, "EncryptionConfiguration",
                                               {{"NoEncryptionConfig", "NoEncryption"}});
  d["CloudWatchLoggingOptions"] =
      PassthroughOr(passthrough, "CloudWatchLoggingOptions", {{"Enabled", false}});
  if (!extended) return d;
  d["S3BackupMode"] = PassthroughOr(passthrough, "S3BackupMode", "Disabled");
  if (config.file_extension) d["FileExtension"] = *config.file_extension;
  if (!config.custom_time_zone.empty()) d["CustomTimeZone"] = config.custom_time_zone;
  for (const auto& [key, value] : passthrough.items()) {
    if (Contains(kTopLevelPassthrough, key) || d.contains(key)) continue;
    d[key == "S3BackupConfiguration" ? "S3BackupDescription" : key] = value;
  }
  return d;
}

json DescriptionJson(const ingest::StreamDescription& stream, bool include_destination) {
  const ingest::StreamConfig& config = stream.config;
  json description = json::object();
  description["DeliveryStreamName"] = config.name;
  description["DeliveryStreamARN"] = stream.arn;
  description["DeliveryStreamStatus"] = std::string(ingest::StreamStatusName(stream.status));
  description["DeliveryStreamType"] = "DirectPut";
  description["VersionId"] = std::to_string(stream.version_id);
  description["CreateTimestamp"] = EpochSeconds(stream.create_time_ms);
  description["LastUpdateTimestamp"] = EpochSeconds(stream.update_time_ms);

  json encryption = {{"Status", "DISABLED"}};
  if (auto it = config.passthrough.find("DeliveryStreamEncryptionConfigurationInput");
      it != config.passthrough.end() && it->is_object()) {
    encryption = *it;
    encryption["Status"] = "ENABLED";
  }
  description["DeliveryStreamEncryptionConfiguration"] = std::move(encryption);

  json direct_put = json::object();
  if (auto it = config.passthrough.find("DirectPutSourceConfiguration");
      it != config.passthrough.end() && it->is_object())
    direct_put = *it;
  description["Source"] = {{"DirectPutSourceDescription", std::move(direct_put)}};

  json destinations = json::array();
  if (include_destination) {
    json destination = {{"DestinationId", kDestinationId},
                        {"S3DestinationDescription", DestinationDescription(config, false)}};
    if (config.extended)
      destination["ExtendedS3DestinationDescription"] = DestinationDescription(config, true);
    destinations.push_back(std::move(destination));
  }
  description["Destinations"] = std::move(destinations);
  description["HasMoreDestinations"] = false;
  return json{{"DeliveryStreamDescription", std::move(description)}};
}

// ---- Data-plane requests: parsed with simdjson On-Demand, records decoded in one buffer. -----

// AWS parses an empty body as an empty structure.
void NormalizeEmptyBody(std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) body.assign("{}");
}

Error JsonError(simdjson::error_code code) {
  return Error::Serialization(
      fmt::format("the request body is not valid JSON: {}", simdjson::error_message(code)));
}

// A JSON string member holding a base64 blob, or nullopt when the member is null.
// Without escapes (the normal case) the text is a view into the request body; only a string with
// escapes (e.g. "\/") is unescaped, into the parser's buffer.
// `where()` names the member in error messages; it is called only on an error, because formatting
// a location for each of 500 records was a measurable share of a PutRecordBatch's cost.
template <typename Where>
Result<std::optional<std::string_view>> ReadBase64(od::value value, const Where& where) {
  od::json_type type;
  if (auto err = value.type().get(type)) return std::unexpected(JsonError(err));
  if (type == od::json_type::null) return std::nullopt;
  if (type != od::json_type::string)
    return std::unexpected(Error::Serialization(fmt::format("{} must be a base64 string", where())));
  std::string_view raw = value.raw_json_token();
  // The token runs to the next structural character: the closing quote plus any blanks.
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
    raw.remove_suffix(1);
  if (raw.size() < 2 || raw.back() != '"')
    return std::unexpected(JsonError(simdjson::STRING_ERROR));
  std::string_view text = raw.substr(1, raw.size() - 2);
  if (text.find('\\') != std::string_view::npos) {
    if (auto err = value.get_string().get(text)) return std::unexpected(JsonError(err));
  }
  if (text.size() % 4 != 0)
    return std::unexpected(Error::Serialization(fmt::format(
        "{} is not valid base64: its length {} is not a multiple of 4", where(), text.size())));
  return text;
}

Result<std::optional<std::string_view>> ReadString(od::value value, std::string_view where) {
  od::json_type type;
  if (auto err = value.type().get(type)) return std::unexpected(JsonError(err));
  if (type == od::json_type::null) return std::nullopt;
  if (type != od::json_type::string)
    return std::unexpected(Error::Serialization(fmt::format("{} must be a string", where)));
  std::string_view text;
  if (auto err = value.get_string().get(text)) return std::unexpected(JsonError(err));
  return text;
}

// The size of the bytes a padded base64 text decodes to. REQUIRES: text.size() % 4 == 0.
size_t DecodedSize(std::string_view text) {
  size_t size = text.size() / 4 * 3;
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  return size;
}

// Calls `on_member(key, value)` for every member of the body's top-level object, then checks that
// nothing follows it.
template <typename OnMember>
Status ForEachMember(std::string& body, OnMember&& on_member) {
  // One parser per thread keeps its buffers (sized to the largest body seen) across requests.
  thread_local od::parser parser;
  NormalizeEmptyBody(body);
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (auto err = parser.iterate(body.data(), body.size(), body.capacity()).get(doc))
    return std::unexpected(JsonError(err));
  od::object root;
  if (auto err = doc.get_object().get(root)) {
    if (err == simdjson::INCORRECT_TYPE)
      return std::unexpected(Error::Serialization("the request body must be a JSON object"));
    return std::unexpected(JsonError(err));
  }
  for (auto member : root) {
    od::field field;
    if (auto err = std::move(member).get(field)) return std::unexpected(JsonError(err));
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return std::unexpected(JsonError(err));
    LAKEBOX_TRY(on_member(key, field.value()));
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return std::unexpected(JsonError(simdjson::TRAILING_CONTENT));
  return Ok();
}

// The `Data` member of one `Record` object; nullopt when the record has no Data. `where()` names
// the record in error messages (called only on an error).
template <typename Where>
Result<std::optional<std::string_view>> ReadRecord(od::value record, const Where& where) {
  od::object object;
  if (auto err = record.get_object().get(object)) {
    if (err == simdjson::INCORRECT_TYPE)
      return std::unexpected(Error::Serialization(fmt::format("{} must be an object", where())));
    return std::unexpected(JsonError(err));
  }
  std::optional<std::string_view> data;
  for (auto member : object) {
    od::field field;
    if (auto err = std::move(member).get(field)) return std::unexpected(JsonError(err));
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return std::unexpected(JsonError(err));
    if (key == "Data") {
      LAKEBOX_ASSIGN_OR_RETURN(data, ReadBase64(field.value(), [&] { return where() + ".Data"; }));
    }
  }
  return data;
}

// One element of PutRecordBatch's Records.
struct BatchEntry {
  bool record_present = false;           // false: the element is JSON null
  std::optional<std::string_view> data;  // the base64 text; nullopt: no Data member
};

// `path()` is the member path for the message, built only when there is a violation.
template <typename Path>
void CheckRecordSize(std::optional<std::string_view> data, const Path& path, ValidationErrors* errors) {
  if (!data) {
    errors->NotNull(path());
    return;
  }
  size_t size = DecodedSize(*data);
  if (size > kMaxRecordBytes)
    errors->Add(fmt::format("<{} bytes>", size), path(),
                "Member must have length less than or equal to 1024000");
}

// The buffer records are decoded into, one per thread and kept between requests (at most 4 MiB,
// the batch limit): a fresh multi-megabyte allocation per request costs more in page faults than
// the decoding itself. Records handed to ingest are views into it, valid until the thread's next
// request, and PutRecords is done with them when it returns.
std::string& DecodeBuffer() {
  thread_local std::string buffer;
  return buffer;
}

// Gives back the decode buffer's memory after a request that grew it beyond what a typical batch
// needs, so an idle connection's thread does not hold a maximal (4 MiB) batch.
struct DecodeBufferTrim {
  ~DecodeBufferTrim() {
    if (DecodeBuffer().capacity() > (1 << 20)) std::string().swap(DecodeBuffer());
  }
};

// Decodes every record into one buffer and returns views into it (valid while `buffer` lives).
Result<std::vector<std::string_view>> DecodeRecords(std::span<const std::string_view> texts,
                                                    std::string_view path_format,
                                                    std::string* buffer) {
  size_t total = 0;
  for (std::string_view text : texts) total += DecodedSize(text);
  buffer->clear();
  buffer->reserve(total);
  std::vector<size_t> ends;
  ends.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (auto decoded = Base64DecodeAppend(texts[i], buffer); !decoded)
      return std::unexpected(
          decoded.error().WithContext(fmt::format(fmt::runtime(path_format), i + 1)));
    ends.push_back(buffer->size());
  }
  std::vector<std::string_view> records;
  records.reserve(texts.size());
  size_t begin = 0;
  for (size_t end : ends) {
    records.emplace_back(buffer->data() + begin, end - begin);
    begin = end;
  }
  return records;
}

}  // namespace

FirehoseApi::FirehoseApi(ingest::IngestService* ingest) : ingest_(ingest) {}

bool FirehoseApi::HasOperation(std::string_view operation) const {
  return Contains(kOperations, operation);
}

Result<std::string> FirehoseApi::Call(std::string_view operation, std::string& body) {
  if (operation == "PutRecordBatch") return PutRecordBatch(body);
  if (operation == "PutRecord") return PutRecord(body);
  if (operation == "CreateDeliveryStream") return CreateDeliveryStream(body);
  if (operation == "DescribeDeliveryStream") return DescribeDeliveryStream(body);
  if (operation == "ListDeliveryStreams") return ListDeliveryStreams(body);
  if (operation == "DeleteDeliveryStream") return DeleteDeliveryStream(body);
  return std::unexpected(Error::UnknownOperation(
      fmt::format("lakebox does not implement Firehose_20150804.{}; supported: {}", operation,
                  fmt::join(kOperations, ", "))));
}

Result<std::string> FirehoseApi::CreateDeliveryStream(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(json request, ParseBody(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name,
                           GetString(request, "DeliveryStreamName", "DeliveryStreamName"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> type,
                           GetString(request, "DeliveryStreamType", "DeliveryStreamType"));

  // Every destination member, supported or not, ends in "DestinationConfiguration".
  std::vector<std::string> destination_keys;
  for (const auto& [key, value] : request.items()) {
    if (!value.is_null() && key.ends_with("DestinationConfiguration"))
      destination_keys.push_back(key);
  }
  const json* destination = nullptr;
  std::string destination_key;
  if (destination_keys.size() == 1 &&
      (destination_keys[0] == "ExtendedS3DestinationConfiguration" ||
       destination_keys[0] == "S3DestinationConfiguration")) {
    destination_key = destination_keys[0];
    LAKEBOX_ASSIGN_OR_RETURN(destination, GetObject(request, destination_key, destination_key));
  }

  ingest::StreamConfig config;
  ValidationErrors errors;
  CheckStreamName(name, &errors);
  if (type && *type != "DirectPut" && *type != "KinesisStreamAsSource" && *type != "MSKAsSource" &&
      *type != "DatabaseAsSource")
    errors.Add(*type, "deliveryStreamType",
               fmt::format("Member must satisfy enum value set: {}", kDeliveryStreamTypes));

  std::optional<int64_t> size_mb, interval_seconds;
  if (destination) {
    const json& d = *destination;
    std::string parent = MemberPath("", destination_key);
    auto where = [&](std::string_view member) {
      return fmt::format("{}.{}", destination_key, member);
    };
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> role,
                             GetString(d, "RoleARN", where("RoleARN")));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> bucket,
                             GetString(d, "BucketARN", where("BucketARN")));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> prefix,
                             GetString(d, "Prefix", where("Prefix")));
    LAKEBOX_ASSIGN_OR_RETURN(config.error_output_prefix,
                             GetString(d, "ErrorOutputPrefix", where("ErrorOutputPrefix")));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> compression,
                             GetString(d, "CompressionFormat", where("CompressionFormat")));
    LAKEBOX_ASSIGN_OR_RETURN(config.file_extension,
                             GetString(d, "FileExtension", where("FileExtension")));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> time_zone,
                             GetString(d, "CustomTimeZone", where("CustomTimeZone")));
    LAKEBOX_ASSIGN_OR_RETURN(const json* hints,
                             GetObject(d, "BufferingHints", where("BufferingHints")));
    if (hints) {
      LAKEBOX_ASSIGN_OR_RETURN(size_mb,
                               GetInteger(*hints, "SizeInMBs", where("BufferingHints.SizeInMBs")));
      LAKEBOX_ASSIGN_OR_RETURN(
          interval_seconds,
          GetInteger(*hints, "IntervalInSeconds", where("BufferingHints.IntervalInSeconds")));
    }

    if (role)
      config.role_arn = *role;
    else
      errors.NotNull(MemberPath(parent, "RoleARN"));
    if (bucket)
      config.bucket_arn = *bucket;
    else
      errors.NotNull(MemberPath(parent, "BucketARN"));
    config.prefix = prefix.value_or("");
    config.custom_time_zone = time_zone.value_or("");
    if (compression) {
      if (Result<ingest::Compression> parsed = ingest::ParseCompression(*compression))
        config.compression = *parsed;
      else
        errors.Add(*compression, MemberPath(parent, "CompressionFormat"),
                   "Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, "
                   "HADOOP_SNAPPY]");
    }
    config.extended = destination_key == "ExtendedS3DestinationConfiguration";
    for (const auto& [key, value] : d.items()) {
      if (!value.is_null() && !Contains(kMappedDestinationMembers, key))
        config.passthrough[key] = value;
    }
  }
  LAKEBOX_TRY(errors.ToStatus());

  if (type && *type != "DirectPut")
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "lakebox supports only DirectPut delivery streams (DeliveryStreamType {} is not "
        "supported)",
        *type)));
  if (destination_keys.empty())
    return std::unexpected(
        Error::InvalidArgument("a delivery stream needs exactly one destination: give "
                               "ExtendedS3DestinationConfiguration"));
  if (destination_keys.size() > 1)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("a delivery stream has exactly one destination, but the request gives {}",
                    fmt::join(destination_keys, " and "))));
  if (!destination)
    return std::unexpected(Error::InvalidArgument(
        fmt::format("lakebox does not support {}: it delivers only to S3 (give "
                    "ExtendedS3DestinationConfiguration)",
                    destination_keys[0])));
  if (size_mb.has_value() != interval_seconds.has_value())
    return std::unexpected(Error::InvalidArgument(
        "BufferingHints needs both SizeInMBs and IntervalInSeconds when either is given"));
  if (size_mb) {
    // Out-of-int range values are left to ingest's range check, which reports them.
    config.buffer_size_mb = static_cast<int>(std::clamp<int64_t>(*size_mb, INT32_MIN, INT32_MAX));
    config.buffer_interval_seconds =
        static_cast<int>(std::clamp<int64_t>(*interval_seconds, INT32_MIN, INT32_MAX));
  }
  LAKEBOX_TRY(
      RejectEnabledFeature(*destination, "DataFormatConversionConfiguration", destination_key, true,
                           "deliver JSON and let an ETL job write Parquet (lakebox job run)"));
  LAKEBOX_TRY(RejectEnabledFeature(*destination, "DynamicPartitioningConfiguration",
                                   destination_key, false,
                                   "use !{timestamp:...} expressions in Prefix, or partition by "
                                   "column in an ETL job"));
  for (std::string_view key : kTopLevelPassthrough) {
    if (const json* value = Member(request, key)) config.passthrough[std::string(key)] = *value;
  }

  config.name = *name;
  LAKEBOX_ASSIGN_OR_RETURN(ingest::StreamDescription created, ingest_->CreateStream(config));
  if (const json* processing = Member(config.passthrough, "ProcessingConfiguration");
      processing && processing->is_object() && processing->contains("Enabled") &&
      processing->at("Enabled") == true)
    spdlog::warn(
        "delivery stream {}: lakebox stores ProcessingConfiguration but does not run "
        "its processors",
        config.name);
  return json{{"DeliveryStreamARN", created.arn}}.dump();
}

Result<std::string> FirehoseApi::DescribeDeliveryStream(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(json request, ParseBody(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name,
                           GetString(request, "DeliveryStreamName", "DeliveryStreamName"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> limit, GetInteger(request, "Limit", "Limit"));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::optional<std::string> start_id,
      GetString(request, "ExclusiveStartDestinationId", "ExclusiveStartDestinationId"));
  ValidationErrors errors;
  CheckStreamName(name, &errors);
  CheckLimit(limit, &errors);
  LAKEBOX_TRY(errors.ToStatus());

  LAKEBOX_ASSIGN_OR_RETURN(ingest::StreamDescription stream, ingest_->DescribeStream(*name));
  // There is only one destination: starting after it (or anything sorting later) leaves none.
  bool include_destination = !start_id || *start_id < kDestinationId;
  return DescriptionJson(stream, include_destination).dump();
}

Result<std::string> FirehoseApi::ListDeliveryStreams(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(json request, ParseBody(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> limit, GetInteger(request, "Limit", "Limit"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> type,
                           GetString(request, "DeliveryStreamType", "DeliveryStreamType"));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::optional<std::string> start,
      GetString(request, "ExclusiveStartDeliveryStreamName", "ExclusiveStartDeliveryStreamName"));
  ValidationErrors errors;
  CheckLimit(limit, &errors);
  if (type && *type != "DirectPut" && *type != "KinesisStreamAsSource" && *type != "MSKAsSource" &&
      *type != "DatabaseAsSource")
    errors.Add(*type, "deliveryStreamType",
               fmt::format("Member must satisfy enum value set: {}", kDeliveryStreamTypes));
  if (start && (start->empty() || start->size() > kMaxStreamNameLength))
    errors.Add(*start, "exclusiveStartDeliveryStreamName",
               start->empty() ? "Member must have length greater than or equal to 1"
                              : "Member must have length less than or equal to 64");
  LAKEBOX_TRY(errors.ToStatus());

  json names = json::array();
  bool has_more = false;
  // Every lakebox stream is DirectPut, so filtering on another type leaves nothing.
  if (!type || *type == "DirectPut") {
    size_t max = static_cast<size_t>(limit.value_or(10));
    for (const std::string& stream : ingest_->ListStreams()) {
      if (start && stream <= *start) continue;
      if (names.size() == max) {
        has_more = true;
        break;
      }
      names.push_back(stream);
    }
  }
  return json{{"DeliveryStreamNames", std::move(names)}, {"HasMoreDeliveryStreams", has_more}}
      .dump();
}

Result<std::string> FirehoseApi::DeleteDeliveryStream(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(json request, ParseBody(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name,
                           GetString(request, "DeliveryStreamName", "DeliveryStreamName"));
  // AllowForceDelete only matters for KMS grant failures, which lakebox cannot have.
  LAKEBOX_TRY(GetBool(request, "AllowForceDelete", "AllowForceDelete"));
  ValidationErrors errors;
  CheckStreamName(name, &errors);
  LAKEBOX_TRY(errors.ToStatus());
  LAKEBOX_TRY(ingest_->DeleteStream(*name));
  return std::string("{}");
}

Result<std::string> FirehoseApi::PutRecord(std::string& body) {
  std::optional<std::string_view> name;
  bool record_present = false;
  std::optional<std::string_view> data;
  LAKEBOX_TRY(ForEachMember(body, [&](std::string_view key, od::value value) -> Status {
    if (key == "DeliveryStreamName") {
      LAKEBOX_ASSIGN_OR_RETURN(name, ReadString(value, "DeliveryStreamName"));
    } else if (key == "Record") {
      od::json_type type;
      if (auto err = value.type().get(type)) return std::unexpected(JsonError(err));
      record_present = type != od::json_type::null;
      if (record_present) {
        LAKEBOX_ASSIGN_OR_RETURN(data, ReadRecord(value, [] { return std::string("Record"); }));
      }
    }
    return Ok();
  }));

  ValidationErrors errors;
  CheckStreamName(name, &errors);
  if (!record_present)
    errors.NotNull("record");
  else
    CheckRecordSize(data, [] { return std::string("record.data"); }, &errors);
  LAKEBOX_TRY(errors.ToStatus());

  LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string_view> records,
                           DecodeRecords(std::span(&*data, 1), "record.data", &DecodeBuffer()));
  DecodeBufferTrim trim;
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string> ids, ingest_->PutRecords(*name, records));
  if (ids.size() != 1)
    return std::unexpected(
        Error::Internal(fmt::format("ingest returned {} record ids for 1 record", ids.size())));
  std::string response = "{\"RecordId\":";
  AppendJsonString(&response, ids[0]);
  response += ",\"Encrypted\":false}";
  return response;
}

Result<std::string> FirehoseApi::PutRecordBatch(std::string& body) {
  std::optional<std::string_view> name;
  bool records_present = false;
  std::vector<BatchEntry> entries;
  LAKEBOX_TRY(ForEachMember(body, [&](std::string_view key, od::value value) -> Status {
    if (key == "DeliveryStreamName") {
      LAKEBOX_ASSIGN_OR_RETURN(name, ReadString(value, "DeliveryStreamName"));
      return Ok();
    }
    if (key != "Records") return Ok();
    od::json_type type;
    if (auto err = value.type().get(type)) return std::unexpected(JsonError(err));
    records_present = type != od::json_type::null;
    if (!records_present) return Ok();
    od::array array;
    if (auto err = value.get_array().get(array)) {
      if (err == simdjson::INCORRECT_TYPE)
        return std::unexpected(Error::Serialization("Records must be a list"));
      return std::unexpected(JsonError(err));
    }
    entries.clear();
    for (auto element : array) {
      od::value record;
      if (auto err = std::move(element).get(record)) return std::unexpected(JsonError(err));
      od::json_type record_type;
      if (auto err = record.type().get(record_type)) return std::unexpected(JsonError(err));
      BatchEntry entry;
      entry.record_present = record_type != od::json_type::null;
      if (entry.record_present) {
        const size_t index = entries.size();
        LAKEBOX_ASSIGN_OR_RETURN(entry.data,
                                 ReadRecord(record, [index] { return fmt::format("Records[{}]", index); }));
      }
      entries.push_back(entry);
    }
    return Ok();
  }));

  ValidationErrors errors;
  CheckStreamName(name, &errors);
  if (!records_present) {
    errors.NotNull("records");
  } else if (entries.empty()) {
    errors.Add("[]", "records", "Member must have length greater than or equal to 1");
  } else if (entries.size() > kMaxBatchRecords) {
    errors.Add(fmt::format("[<{} records>]", entries.size()), "records",
               "Member must have length less than or equal to 500");
  }
  size_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].record_present) {
      errors.NotNull(fmt::format("records.{}.member", i + 1));
      continue;
    }
    CheckRecordSize(entries[i].data, [i] { return fmt::format("records.{}.member.data", i + 1); }, &errors);
    if (entries[i].data) total += DecodedSize(*entries[i].data);
  }
  LAKEBOX_TRY(errors.ToStatus());
  if (total > kMaxBatchBytes)
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "Records size exceeds 4 MB limit: the batch decodes to {} bytes, at most {} are allowed",
        total, kMaxBatchBytes)));

  std::vector<std::string_view> base64;
  base64.reserve(entries.size());
  for (const BatchEntry& entry : entries) base64.push_back(*entry.data);
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string_view> records,
                           DecodeRecords(base64, "records.{}.member.data", &DecodeBuffer()));
  DecodeBufferTrim trim;
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<std::string> ids, ingest_->PutRecords(*name, records));
  if (ids.size() != records.size())
    return std::unexpected(Error::Internal(
        fmt::format("ingest returned {} record ids for {} records", ids.size(), records.size())));

  std::string response;
  response.reserve(64 + ids.size() * (ids.empty() ? 0 : ids[0].size() + 16));
  response += "{\"FailedPutCount\":0,\"Encrypted\":false,\"RequestResponses\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) response += ',';
    response += "{\"RecordId\":";
    AppendJsonString(&response, ids[i]);
    response += '}';
  }
  response += "]}";
  return response;
}

}  // namespace lakebox::server
