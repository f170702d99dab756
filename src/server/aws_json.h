// The AWS JSON 1.1 protocol pieces every service shares (AWS-REFERENCE.md §0.1): the one table
// from lakebox::Error::Code to an HTTP status, error and success responses, request ids, and the
// wording of schema-level ValidationException messages.
//
// Responses are plain values (HttpResponse) so that handlers are testable without a socket; the
// transport in server.cpp turns them into HTTP messages.
//
// Thread safety: all functions are safe to call concurrently; ValidationErrors is a value used by
// one thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace lakebox::server {

inline constexpr std::string_view kAwsJsonContentType = "application/x-amz-json-1.1";

// One HTTP response, independent of the transport.
struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // X-Amzn-ErrorType; set on error responses (the AWS name, e.g. "ValidationException").
  std::string error_type;
  // What the request was routed to ("Firehose.PutRecordBatch", "native.records", "unknown"):
  // the label for logs and metrics. Set by the router.
  std::string operation;
  // x-amzn-RequestId (a UUID v4). Set by the router.
  std::string request_id;
  // Further headers (Cache-Control, ETag, Content-Disposition), written as given.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The HTTP status for an error code; the only such table in lakebox. Client errors are 400,
// ServiceUnavailableException 503 (SDKs retry it), NoSuchKey 404, InternalFailure 500.
int HttpStatusFor(Error::Code code);

// {"__type":"<AwsName>","<message_key>":"<message>"} with the status from HttpStatusFor and the
// X-Amzn-ErrorType header. `message_key` is per service: "message" for Firehose, "Message" for
// Glue and Athena.
HttpResponse AwsErrorResponse(const Error& error, std::string_view message_key);

// 200 with a JSON body, Content-Type application/x-amz-json-1.1.
HttpResponse AwsJsonResponse(std::string body);

// A random UUID, version 4, lower-case hex with dashes (36 characters).
std::string NewRequestId();

// Appends `s` to `out` as a JSON string literal (quotes included), escaping as RFC 8259 requires.
void AppendJsonString(std::string* out, std::string_view s);

// Collects violations of modelled constraints and words them as AWS does:
//   1 validation error detected: Value 'x' at 'deliveryStreamName' failed to satisfy
//   constraint: Member must have length less than or equal to 64
// With several violations: "N validation errors detected: <v1>; <v2>".
// Member paths are lower-camel-cased; list items are "records.<i>.member.data" with i from 1.
class ValidationErrors {
 public:
  // Value null at '<path>' ... Member must not be null.
  void NotNull(std::string_view member_path);
  // Value '<value>' at '<path>' failed to satisfy constraint: <constraint>.
  void Add(std::string_view value, std::string_view member_path, std::string_view constraint);

  bool empty() const { return violations_.empty(); }
  // Ok when empty, else one ValidationException with every violation.
  Status ToStatus() const;

 private:
  std::vector<std::string> violations_;
};

}  // namespace lakebox::server
