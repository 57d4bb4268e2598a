#include "core/error.h"

#include <utility>

namespace rapport {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

namespace {
Error Make(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}};
}
}  // namespace

Error Error::InvalidArgument(std::string message, std::vector<FieldError> fields) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(fields)};
}
Error Error::Field(std::string field, std::string message) {
  std::string summary = field + ": " + message;
  return Error{ErrorCode::kInvalidArgument,
               std::move(summary),
               {FieldError{std::move(field), std::move(message)}}};
}
Error Error::NotFound(std::string m) {
  return Make(ErrorCode::kNotFound, std::move(m));
}
Error Error::AlreadyExists(std::string m) {
  return Make(ErrorCode::kAlreadyExists, std::move(m));
}
Error Error::FailedPrecondition(std::string m) {
  return Make(ErrorCode::kFailedPrecondition, std::move(m));
}
Error Error::Unauthenticated(std::string m) {
  return Make(ErrorCode::kUnauthenticated, std::move(m));
}
Error Error::PermissionDenied(std::string m) {
  return Make(ErrorCode::kPermissionDenied, std::move(m));
}
Error Error::ResourceExhausted(std::string m) {
  return Make(ErrorCode::kResourceExhausted, std::move(m));
}
Error Error::Conflict(std::string m) {
  return Make(ErrorCode::kConflict, std::move(m));
}
Error Error::Unavailable(std::string m) {
  return Make(ErrorCode::kUnavailable, std::move(m));
}
Error Error::Internal(std::string m) {
  return Make(ErrorCode::kInternal, std::move(m));
}

}  // namespace rapport
