#include "producer/firehose_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace lakebox::producer {
namespace {

constexpr std::string_view kTargetPrefix = "Firehose_20150804.";
// How much of an unexpected response body goes into an error message.
constexpr size_t kBodySnippet = 200;

struct HttpResponse {
  long status = 0;
  std::string body;
};

size_t AppendToString(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// An AWS JSON error answer as an Error (see the header for the fallbacks).
Error ErrorFromResponse(const HttpResponse& response, std::string_view endpoint) {
  auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string type, message;
  if (doc.is_object()) {
    if (auto it = doc.find("__type"); it != doc.end() && it->is_string()) type = it->get<std::string>();
    for (const char* key : {"message", "Message"}) {
      if (auto it = doc.find(key); it != doc.end() && it->is_string()) message = it->get<std::string>();
    }
  }
  if (!type.empty()) {
    if (auto code = Error::CodeFromAwsName(type)) return Error(*code, message);
    message = fmt::format("{}: {}", type, message);
  } else {
    message = fmt::format("HTTP {} from {}: {}", response.status, endpoint,
                          std::string_view(response.body).substr(0, kBodySnippet));
  }
  if (response.status == 503) return Error::ServiceUnavailable(std::move(message));
  if (response.status >= 500) return Error::Internal(std::move(message));
  return Error::InvalidArgument(std::move(message));
}

Result<BatchResult> ParseBatchResponse(std::string_view body, size_t record_count) {
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto malformed = [&](std::string_view why) {
    return std::unexpected(Error::Serialization(fmt::format("malformed PutRecordBatch response ({}): {}", why,
                                                            body.substr(0, kBodySnippet))));
  };
  if (!doc.is_object()) return malformed("not a JSON object");
  auto responses = doc.find("RequestResponses");
  if (responses == doc.end() || !responses->is_array()) return malformed("no RequestResponses array");
  if (responses->size() != record_count) {
    return malformed(fmt::format("{} RequestResponses for {} records", responses->size(), record_count));
  }
  BatchResult result;
  if (auto failed = doc.find("FailedPutCount"); failed != doc.end() && failed->is_number_integer()) {
    result.failed_put_count = failed->get<int>();
  }
  if (auto encrypted = doc.find("Encrypted"); encrypted != doc.end() && encrypted->is_boolean()) {
    result.encrypted = encrypted->get<bool>();
  }
  result.responses.reserve(record_count);
  for (const auto& entry : *responses) {
    RecordResult record;
    if (entry.is_object()) {
      if (auto id = entry.find("RecordId"); id != entry.end() && id->is_string()) {
        record.record_id = id->get<std::string>();
      }
      if (auto code = entry.find("ErrorCode"); code != entry.end() && code->is_string()) {
        record.error_code = code->get<std::string>();
      }
      if (auto message = entry.find("ErrorMessage"); message != entry.end() && message->is_string()) {
        record.error_message = message->get<std::string>();
      }
    }
    if (record.record_id.empty() && record.error_code.empty()) {
      return malformed("an entry has neither RecordId nor ErrorCode");
    }
    result.responses.push_back(std::move(record));
  }
  return result;
}

bool IsRetryable(const Error& error) {
  return error.code() == Error::Code::kServiceUnavailable || error.code() == Error::Code::kInternal;
}

}  // namespace

// One libcurl easy handle: it keeps its connection open between requests (HTTP keep-alive).
struct FirehoseClient::Connection {
  CURL* curl = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};

  ~Connection() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  // POSTs `body` to the endpoint + `path`. With a `target` ("AWSGlue.GetTables"), as an AWS JSON
  // 1.1 call of it; without, as plain JSON (lakebox's native /v1 API). With `get`, a GET of `path`
  // instead (no body).
  Result<HttpResponse> Post(const ClientOptions& options, std::string_view path, std::string_view target,
                            std::string_view body, bool get = false) {
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    std::vector<std::string> lines;
    if (target.empty()) {
      lines.push_back("Content-Type: application/json");
    } else {
      lines.push_back("Content-Type: application/x-amz-json-1.1");
      lines.push_back(fmt::format("X-Amz-Target: {}", target));
    }
    lines.push_back("Expect:");  // no "Expect: 100-continue" round trip before large bodies
    for (const std::string& header : lines) {
      curl_slist* extended = curl_slist_append(headers.get(), header.c_str());
      if (extended == nullptr) return std::unexpected(Error::Internal("out of memory building request headers"));
      // The list (now headed by `extended`) is still one allocation chain: hand it over whole.
      static_cast<void>(headers.release());
      headers.reset(extended);
    }
    HttpResponse response;
    error_buffer[0] = '\0';
    std::string url = options.endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    if (get) {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    if (code != CURLE_OK) return std::unexpected(TransportError(options, code));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

  Error TransportError(const ClientOptions& options, CURLcode code) const {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    // Nothing was sent if the request never got past connecting.
    curl_off_t pretransfer_us = 0;
    curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    bool never_connected = pretransfer_us == 0;
    switch (code) {
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Error::InvalidArgument(fmt::format("bad endpoint URL '{}': {}", options.endpoint, detail));
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        break;
      case CURLE_OPERATION_TIMEDOUT:
        if (never_connected) break;
        return Error::ServiceUnavailable(fmt::format("no answer from lakebox at {} within {} ms: {}",
                                                     options.endpoint, options.request_timeout.count(), detail));
      default:
        return Error::ServiceUnavailable(
            fmt::format("connection to lakebox at {} failed: {}", options.endpoint, detail));
    }
    return Error::Io(fmt::format("cannot reach lakebox at {}: is `lakebox serve` running? ({})",
                                 options.endpoint, detail));
  }
};

Result<FirehoseClient> FirehoseClient::Create(ClientOptions options) {
  // curl_global_init is not thread-safe; a function-local static runs it exactly once.
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_init != CURLE_OK) {
    return std::unexpected(Error::Internal(fmt::format("libcurl: {}", curl_easy_strerror(global_init))));
  }
  auto connection = std::make_unique<Connection>();
  connection->curl = curl_easy_init();
  if (connection->curl == nullptr) return std::unexpected(Error::Internal("libcurl: curl_easy_init failed"));
  CURL* curl = connection->curl;
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "lakebox-producer/0.1.0");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, connection->error_buffer);
  return FirehoseClient(std::move(options), std::move(connection));
}

FirehoseClient::FirehoseClient(ClientOptions options, std::unique_ptr<Connection> connection)
    : options_(std::move(options)), connection_(std::move(connection)) {}
FirehoseClient::FirehoseClient(FirehoseClient&&) noexcept = default;
FirehoseClient& FirehoseClient::operator=(FirehoseClient&&) noexcept = default;
FirehoseClient::~FirehoseClient() = default;

Result<std::string> FirehoseClient::Call(std::string_view operation, std::string_view json_body) {
  return CallTarget(fmt::format("{}{}", kTargetPrefix, operation), json_body);
}

Result<std::string> FirehoseClient::CallTarget(std::string_view target, std::string_view json_body) {
  LAKEBOX_ASSIGN_OR_RETURN(HttpResponse response, connection_->Post(options_, "/", target, json_body));
  if (response.status != 200) return std::unexpected(ErrorFromResponse(response, options_.endpoint));
  return std::move(response.body);
}

Result<std::string> FirehoseClient::PostNative(std::string_view path, std::string_view json_body) {
  LAKEBOX_ASSIGN_OR_RETURN(HttpResponse response, connection_->Post(options_, path, "", json_body));
  if (response.status != 200) return std::unexpected(ErrorFromResponse(response, options_.endpoint));
  return std::move(response.body);
}

Result<std::string> FirehoseClient::GetNative(std::string_view path) {
  LAKEBOX_ASSIGN_OR_RETURN(HttpResponse response, connection_->Post(options_, path, "", "", /*get=*/true));
  if (response.status != 200) return std::unexpected(ErrorFromResponse(response, options_.endpoint));
  return std::move(response.body);
}

Result<BatchResult> FirehoseClient::PutRecordBatch(std::string_view stream, std::span<const std::string> records) {
  size_t encoded_size = 0;
  for (const std::string& record : records) encoded_size += (record.size() + 2) / 3 * 4 + 12;
  std::string body;
  body.reserve(64 + stream.size() + encoded_size);
  body += R"({"DeliveryStreamName":)";
  body += nlohmann::json(std::string(stream)).dump();
  body += R"(,"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body += ',';
    body += R"({"Data":")";
    body += Base64Encode(records[i]);
    body += R"("})";
  }
  body += "]}";
  LAKEBOX_ASSIGN_OR_RETURN(std::string response, Call("PutRecordBatch", body));
  return ParseBatchResponse(response, records.size());
}

namespace {

class Backoff {
 public:
  explicit Backoff(const ProduceOptions& options) : options_(options), random_(std::random_device{}()) {}

  // The wait before retry number `retry` (0-based) of a batch.
  std::chrono::milliseconds Delay(int retry) {
    auto delay = options_.initial_backoff;
    for (int i = 0; i < retry && delay < options_.max_backoff; ++i) delay *= 2;
    delay = std::min(delay, options_.max_backoff);
    std::uniform_int_distribution<int64_t> jitter(delay.count() / 2, delay.count());
    return std::chrono::milliseconds(jitter(random_));
  }

 private:
  const ProduceOptions& options_;
  std::mt19937_64 random_;
};

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sends `pending` until every record has a RecordId, retrying as Produce() documents.
Status SendBatch(FirehoseClient& client, std::string_view stream, std::vector<std::string> pending,
                 const ProduceOptions& options, Backoff& backoff, ProduceStats& stats) {
  int attempts_without_progress = 0;
  int retry = 0;
  auto last_progress = Clock::now();
  while (true) {
    auto result = client.PutRecordBatch(stream, pending);
    std::optional<Error> failure;
    bool progressed = false;
    if (result) {
      std::vector<std::string> failed;
      const RecordResult* first_failure = nullptr;
      for (size_t i = 0; i < pending.size(); ++i) {
        const RecordResult& record = result->responses[i];
        if (record.ok()) {
          ++stats.records;
          stats.bytes += static_cast<int64_t>(pending[i].size());
        } else {
          if (first_failure == nullptr) first_failure = &record;
          failed.push_back(std::move(pending[i]));
        }
      }
      if (failed.empty()) return Ok();
      auto code = Error::CodeFromAwsName(first_failure->error_code).value_or(Error::Code::kInternal);
      failure = Error(code, fmt::format("{} of {} records were rejected, the first with {}: {}", failed.size(),
                                        pending.size(), first_failure->error_code, first_failure->error_message));
      progressed = failed.size() < pending.size();
      pending = std::move(failed);
    } else {
      if (!IsRetryable(result.error())) return std::unexpected(std::move(result).error());
      failure = std::move(result).error();
    }
    if (progressed) {
      attempts_without_progress = 0;
      last_progress = Clock::now();
    } else {
      ++attempts_without_progress;
    }
    auto delay = backoff.Delay(retry++);
    if (attempts_without_progress >= options.max_attempts ||
        Clock::now() - last_progress + delay > options.max_retry_time) {
      return std::unexpected(Error(
          failure->code(), fmt::format("giving up on {} record(s) after {} attempt(s) without progress in {:.1f} s: {}",
                                       pending.size(), attempts_without_progress, SecondsSince(last_progress),
                                       failure->message())));
    }
    std::this_thread::sleep_for(delay);
    ++stats.retries;
  }
}

}  // namespace

Result<ProduceStats> Produce(FirehoseClient& client, std::string_view stream, int64_t count,
                             const RecordSource& next_record, const ProduceOptions& options,
                             const ProgressCallback& progress) {
  if (options.batch_records < 1 || options.batch_records > kMaxBatchRecords) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("batch size {} is out of range: a batch holds 1 to {} records", options.batch_records,
                    kMaxBatchRecords)));
  }
  if (options.batch_bytes < kMaxRecordBytes || options.batch_bytes > kMaxBatchBytes) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "batch_bytes {} is out of range [{}, {}]", options.batch_bytes, kMaxRecordBytes, kMaxBatchBytes)));
  }
  if (options.max_attempts < 1) return std::unexpected(Error::InvalidArgument("max_attempts must be at least 1"));

  auto start = Clock::now();
  ProduceStats stats;
  Backoff backoff(options);
  std::vector<std::string> batch;
  std::optional<std::string> carried;  // the record that did not fit in the previous batch
  int64_t generated = 0;
  while (carried || generated < count) {
    batch.clear();
    size_t batch_bytes = 0;
    while (batch.size() < options.batch_records && (carried || generated < count)) {
      std::string record;
      if (carried) {
        record = std::move(*carried);
        carried.reset();
      } else {
        record = next_record();
        if (record.size() > kMaxRecordBytes) {
          return std::unexpected(Error::InvalidArgument(fmt::format(
              "record {} is {} bytes; Firehose accepts at most {} per record", generated, record.size(),
              kMaxRecordBytes)));
        }
        ++generated;
      }
      if (!batch.empty() && batch_bytes + record.size() > options.batch_bytes) {
        carried = std::move(record);
        break;
      }
      batch_bytes += record.size();
      batch.push_back(std::move(record));
    }
    auto sent = SendBatch(client, stream, std::move(batch), options, backoff, stats);
    if (!sent) {
      if (stats.records == 0) return std::unexpected(std::move(sent).error());
      return std::unexpected(
          sent.error().WithContext(fmt::format("after {} of {} records were sent", stats.records, count)));
    }
    stats.elapsed_seconds = SecondsSince(start);
    if (progress) progress(stats);
  }
  stats.elapsed_seconds = SecondsSince(start);
  return stats;
}

}  // namespace lakebox::producer
