#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace lakebox {

namespace {

// The one table of AWS error names. Io, Corruption and Internal all surface as InternalFailure.
constexpr std::pair<Error::Code, std::string_view> kAwsNames[] = {
    {Error::Code::kInvalidArgument, "InvalidArgumentException"},
    {Error::Code::kValidation, "ValidationException"},
    {Error::Code::kSerialization, "SerializationException"},
    {Error::Code::kUnknownOperation, "UnknownOperationException"},
    {Error::Code::kResourceNotFound, "ResourceNotFoundException"},
    {Error::Code::kResourceInUse, "ResourceInUseException"},
    {Error::Code::kLimitExceeded, "LimitExceededException"},
    {Error::Code::kServiceUnavailable, "ServiceUnavailableException"},
    {Error::Code::kEntityNotFound, "EntityNotFoundException"},
    {Error::Code::kAlreadyExists, "AlreadyExistsException"},
    {Error::Code::kInvalidInput, "InvalidInputException"},
    {Error::Code::kCrawlerRunning, "CrawlerRunningException"},
    {Error::Code::kCrawlerNotRunning, "CrawlerNotRunningException"},
    {Error::Code::kCrawlerStopping, "CrawlerStoppingException"},
    {Error::Code::kConcurrentRunsExceeded, "ConcurrentRunsExceededException"},
    {Error::Code::kInvalidRequest, "InvalidRequestException"},
    {Error::Code::kNotFound, "NoSuchKey"},
    {Error::Code::kInternal, "InternalFailure"},
    {Error::Code::kIo, "InternalFailure"},
    {Error::Code::kCorruption, "InternalFailure"},
};

}  // namespace

std::string_view Error::AwsName() const {
  for (const auto& [code, name] : kAwsNames)
    if (code == code_) return name;
  return "InternalFailure";
}

std::string Error::ToString() const { return fmt::format("{}: {}", AwsName(), message_); }

Error Error::WithContext(std::string_view context) const {
  return Error(code_, fmt::format("{}: {}", context, message_));
}

Error Error::IoFromErrno(std::string_view what, std::string_view path) {
  int err = errno;
  return Error(Code::kIo, fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

std::optional<Error::Code> Error::CodeFromAwsName(std::string_view name) {
  if (auto hash = name.rfind('#'); hash != std::string_view::npos) name.remove_prefix(hash + 1);
  // The first code with the name wins: InternalFailure maps back to kInternal.
  for (const auto& [code, aws_name] : kAwsNames) {
    if (aws_name == name) return code;
  }
  return std::nullopt;
}

}  // namespace lakebox
