// lakebox's one error model. Every fallible function returns Result<T> (= std::expected<T, Error>).
// An Error carries a Code that maps one-to-one to the AWS error name a client expects
// (`AwsName()`), and a message written for the user: what went wrong and what to do.
// Exceptions from libraries are converted to Error where the library is wrapped; they never
// cross a component boundary. The HTTP status for each code lives in server/ (one table).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace lakebox {

class Error {
 public:
  enum class Code {
    kInvalidArgument,      // InvalidArgumentException: semantically invalid request or config
    kValidation,           // ValidationException: a value breaks a modelled constraint (length, range)
    kSerialization,        // SerializationException: the request body is not the JSON expected
    kUnknownOperation,     // UnknownOperationException: unknown X-Amz-Target
    kResourceNotFound,     // ResourceNotFoundException
    kResourceInUse,        // ResourceInUseException (name taken, wrong state)
    kLimitExceeded,        // LimitExceededException
    kServiceUnavailable,   // ServiceUnavailableException: backpressure; clients retry
    kEntityNotFound,       // EntityNotFoundException (Glue): unknown database, table, crawler
    kAlreadyExists,        // AlreadyExistsException (Glue)
    kInvalidInput,         // InvalidInputException (Glue)
    kCrawlerRunning,       // CrawlerRunningException (Glue): StartCrawler while it runs
    kCrawlerNotRunning,    // CrawlerNotRunningException (Glue): StopCrawler while idle
    kCrawlerStopping,      // CrawlerStoppingException (Glue)
    kConcurrentRunsExceeded,  // ConcurrentRunsExceededException (Glue): StartJobRun over MaxConcurrentRuns
    kInvalidRequest,       // InvalidRequestException (Athena): unknown execution, not finished...
    kNotFound,             // NoSuchKey: an object or file that does not exist
    kIo,                   // InternalFailure: the disk or the OS failed
    kCorruption,           // InternalFailure: stored data failed its checksum or format
    kInternal,             // InternalFailure: a bug
  };

  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // The name a real AWS client expects in `__type` / `X-Amzn-ErrorType`.
  std::string_view AwsName() const;
  // "<AwsName>: <message>", for logs and the CLI.
  std::string ToString() const;

  // A copy whose message is prefixed with context ("reading segment 7: ...").
  Error WithContext(std::string_view context) const;

  static Error InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Error Validation(std::string m) { return {Code::kValidation, std::move(m)}; }
  static Error Serialization(std::string m) { return {Code::kSerialization, std::move(m)}; }
  static Error UnknownOperation(std::string m) { return {Code::kUnknownOperation, std::move(m)}; }
  static Error ResourceNotFound(std::string m) { return {Code::kResourceNotFound, std::move(m)}; }
  static Error ResourceInUse(std::string m) { return {Code::kResourceInUse, std::move(m)}; }
  static Error LimitExceeded(std::string m) { return {Code::kLimitExceeded, std::move(m)}; }
  static Error ServiceUnavailable(std::string m) { return {Code::kServiceUnavailable, std::move(m)}; }
  static Error EntityNotFound(std::string m) { return {Code::kEntityNotFound, std::move(m)}; }
  static Error AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Error InvalidInput(std::string m) { return {Code::kInvalidInput, std::move(m)}; }
  static Error ConcurrentRunsExceeded(std::string m) { return {Code::kConcurrentRunsExceeded, std::move(m)}; }
  static Error InvalidRequest(std::string m) { return {Code::kInvalidRequest, std::move(m)}; }
  static Error NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Error Io(std::string m) { return {Code::kIo, std::move(m)}; }
  static Error Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Error Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  // An Io error from errno, e.g. IoFromErrno("open", path).
  static Error IoFromErrno(std::string_view what, std::string_view path);

  // The Code for an AWS error name as a client receives it in `__type` (the inverse of AwsName()),
  // so a client of lakebox can rebuild the Error a server sent. A namespace prefix up to '#' is
  // ignored ("com.amazonaws.firehose#ResourceNotFoundException"). "InternalFailure" gives
  // kInternal. std::nullopt for a name lakebox does not model (e.g. "ThrottlingException").
  static std::optional<Code> CodeFromAwsName(std::string_view name);

 private:
  Code code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline Status Ok() { return {}; }

}  // namespace lakebox

// Propagate an error: `LAKEBOX_TRY(status_expr);` returns early with the error if it failed.
#define LAKEBOX_TRY(expr)                                         \
  do {                                                            \
    auto&& lakebox_try_result_ = (expr);                          \
    if (!lakebox_try_result_) return std::unexpected(std::move(lakebox_try_result_).error()); \
  } while (0)

// `LAKEBOX_ASSIGN_OR_RETURN(auto x, result_expr);`
#define LAKEBOX_CONCAT_INNER_(a, b) a##b
#define LAKEBOX_CONCAT_(a, b) LAKEBOX_CONCAT_INNER_(a, b)
#define LAKEBOX_ASSIGN_OR_RETURN(lhs, expr)                                        \
  auto LAKEBOX_CONCAT_(lakebox_result_, __LINE__) = (expr);                        \
  if (!LAKEBOX_CONCAT_(lakebox_result_, __LINE__))                                 \
    return std::unexpected(std::move(LAKEBOX_CONCAT_(lakebox_result_, __LINE__)).error()); \
  lhs = std::move(*LAKEBOX_CONCAT_(lakebox_result_, __LINE__))
