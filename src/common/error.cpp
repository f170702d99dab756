#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace lakebox {

std::string_view Error::AwsName() const {
  switch (code_) {
    case Code::kInvalidArgument: return "InvalidArgumentException";
    case Code::kValidation: return "ValidationException";
    case Code::kSerialization: return "SerializationException";
    case Code::kUnknownOperation: return "UnknownOperationException";
    case Code::kResourceNotFound: return "ResourceNotFoundException";
    case Code::kResourceInUse: return "ResourceInUseException";
    case Code::kLimitExceeded: return "LimitExceededException";
    case Code::kServiceUnavailable: return "ServiceUnavailableException";
    case Code::kNotFound: return "NoSuchKey";
    case Code::kIo:
    case Code::kCorruption:
    case Code::kInternal: return "InternalFailure";
  }
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
  static constexpr std::pair<std::string_view, Code> kNames[] = {
      {"InvalidArgumentException", Code::kInvalidArgument},
      {"ValidationException", Code::kValidation},
      {"SerializationException", Code::kSerialization},
      {"UnknownOperationException", Code::kUnknownOperation},
      {"ResourceNotFoundException", Code::kResourceNotFound},
      {"ResourceInUseException", Code::kResourceInUse},
      {"LimitExceededException", Code::kLimitExceeded},
      {"ServiceUnavailableException", Code::kServiceUnavailable},
      {"NoSuchKey", Code::kNotFound},
      {"InternalFailure", Code::kInternal},
  };
  for (const auto& [aws_name, code] : kNames) {
    if (aws_name == name) return code;
  }
  return std::nullopt;
}

}  // namespace lakebox
