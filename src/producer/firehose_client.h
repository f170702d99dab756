// A Firehose API client for lakebox (or any Firehose-compatible endpoint), and the producer loop
// built on it that sends a stream of records the way a well-behaved AWS client does. The client
// also calls the other AWS JSON services of the same endpoint (CallTarget: Glue for the CLI).
//
// Wire format: AWS JSON 1.1, as the aws CLI speaks it: `POST /` with
// `X-Amz-Target: Firehose_20150804.<Operation>` and `Content-Type: application/x-amz-json-1.1`.
// Requests are not signed (lakebox does not check SigV4), so this client is for lakebox and local
// emulators, not for AWS itself.
//
// Errors, for every call:
//   - the endpoint cannot be reached (refused, unresolvable, connect timeout): Error::Io whose message
//     names the endpoint and asks whether `lakebox serve` is running;
//   - the connection broke after connecting (reset, no answer, request timeout):
//     Error::ServiceUnavailable, because resending is the right reaction;
//   - an AWS error answer (`{"__type": ..., "message": ...}`): the Error with the matching Code and
//     the server's message (Error::CodeFromAwsName). A name lakebox does not model keeps its name in
//     the message, with kServiceUnavailable for HTTP 503, kInternal for other 5xx and
//     kInvalidArgument for 4xx;
//   - a 200 answer that is not the JSON the operation returns: Error::Serialization.
//
// Thread safety: a FirehoseClient is not thread-safe (it reuses one connection); use one per
// thread. Produce() uses its client exclusively while it runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox::producer {

inline constexpr std::string_view kDefaultEndpoint = "http://127.0.0.1:4566";
// PutRecordBatch limits, fixed by AWS (AWS-REFERENCE.md 1.8); sizes count the raw (decoded) bytes.
inline constexpr size_t kMaxBatchRecords = 500;
inline constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxRecordBytes = 1'024'000;

struct ClientOptions {
  // Base URL of the Firehose endpoint, e.g. "http://127.0.0.1:4566".
  std::string endpoint{kDefaultEndpoint};
  std::chrono::milliseconds connect_timeout{5'000};
  // Whole request; a put is answered only once its records are fsync'd, so allow for a slow disk.
  std::chrono::milliseconds request_timeout{60'000};
};

// The outcome of one record of a PutRecordBatch: a RecordId, or an ErrorCode and ErrorMessage.
struct RecordResult {
  std::string record_id;
  std::string error_code;  // e.g. "ServiceUnavailableException", "InternalFailure"
  std::string error_message;

  bool ok() const { return error_code.empty(); }
};

struct BatchResult {
  int failed_put_count = 0;
  bool encrypted = false;
  // One entry per record sent, in the same order.
  std::vector<RecordResult> responses;
};

class FirehoseClient {
 public:
  // Errors: Error::Internal if libcurl cannot be initialised. The endpoint is not contacted yet.
  static Result<FirehoseClient> Create(ClientOptions options = {});

  FirehoseClient(FirehoseClient&&) noexcept;
  FirehoseClient& operator=(FirehoseClient&&) noexcept;
  ~FirehoseClient();

  // PutRecordBatch of `records` (their raw bytes; this call base64-encodes them) to `stream`.
  // HTTP 200 with per-record failures is a success: check each RecordResult and resend only the
  // failed records. No client-side limit checks: the server enforces them (ValidationException,
  // InvalidArgumentException). Errors: see the file comment; a response whose RequestResponses
  // does not have one entry per record is Error::Serialization.
  Result<BatchResult> PutRecordBatch(std::string_view stream, std::span<const std::string> records);

  // Any Firehose operation: `operation` is the name after the target prefix
  // ("DescribeDeliveryStream"), `json_body` the request JSON. Returns the 200 response body.
  Result<std::string> Call(std::string_view operation, std::string_view json_body);

  // An operation of any AWS JSON 1.1 service on the same endpoint: `target` is the whole
  // X-Amz-Target value ("AWSGlue.GetTables"). Returns the 200 response body; errors as for Call
  // (the error message is read from "message" or "Message", so Glue's errors keep theirs).
  Result<std::string> CallTarget(std::string_view target, std::string_view json_body);

  // A call of lakebox's native API: POST `path` (e.g. "/v1/flush") with a JSON body. Returns the
  // 200 response body; errors as for Call.
  Result<std::string> PostNative(std::string_view path, std::string_view json_body);
  // GET `path` of lakebox's native API (e.g. "/v1/status"). Returns the 200 response body.
  Result<std::string> GetNative(std::string_view path);

  const std::string& endpoint() const { return options_.endpoint; }

 private:
  struct Connection;
  FirehoseClient(ClientOptions options, std::unique_ptr<Connection> connection);

  ClientOptions options_;
  std::unique_ptr<Connection> connection_;
};

struct ProduceOptions {
  // Records per PutRecordBatch, 1..kMaxBatchRecords.
  size_t batch_records = kMaxBatchRecords;
  // Raw bytes per PutRecordBatch; a batch closes before it would exceed this.
  // kMaxRecordBytes..kMaxBatchBytes, so that any valid record fits in a batch of its own.
  size_t batch_bytes = kMaxBatchBytes;
  // Retries of one batch: exponential backoff from initial_backoff, doubling up to max_backoff,
  // each wait drawn uniformly from [delay/2, delay] so that producers do not retry in lockstep.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2'000};
  // Give up when a batch has had this many attempts in a row that got no record accepted...
  int max_attempts = 10;
  // ...or when it has made no progress for this long.
  std::chrono::milliseconds max_retry_time{30'000};
};

struct ProduceStats {
  int64_t records = 0;  // records accepted (got a RecordId)
  int64_t bytes = 0;    // their raw size
  int64_t retries = 0;  // requests that resent records (a whole batch or its failed records)
  double elapsed_seconds = 0;

  double RecordsPerSecond() const { return elapsed_seconds > 0 ? records / elapsed_seconds : 0; }
};

// Supplies the next record (its raw bytes, newline included if the consumer wants one).
using RecordSource = std::function<std::string()>;
// Called after each batch is fully accepted, with the totals so far.
using ProgressCallback = std::function<void(const ProduceStats&)>;

// Sends `count` records from `next_record` to `stream` in PutRecordBatch requests of at most
// options.batch_records records and options.batch_bytes bytes, and returns the totals.
//
// Delivery: a record that got a RecordId is never sent again. Records that came back with an
// ErrorCode are resent, alone, after a backoff; a whole batch is resent after a backoff when the
// request failed with ServiceUnavailableException, an HTTP 5xx (kServiceUnavailable, kInternal) or
// a broken connection. As with any Firehose client, a batch whose answer was lost in a broken
// connection may have been stored, so the stream can hold duplicates (at-least-once).
//
// Errors: Error::InvalidArgument if a record exceeds kMaxRecordBytes or the options are out of
// range; any other error of PutRecordBatch at once; a retryable one once the retry budget is
// spent, with the attempts, the time spent and the records sent so far in the message.
Result<ProduceStats> Produce(FirehoseClient& client, std::string_view stream, int64_t count,
                             const RecordSource& next_record, const ProduceOptions& options = {},
                             const ProgressCallback& progress = {});

}  // namespace lakebox::producer
