#pragma once
// Error: the one error value that crosses every layer boundary.
// A plain value type (copyable, thread-compatible); the HTTP layer maps ErrorCode to a status in
// exactly one table, the CLI prints `message` and exits non-zero.

#include <string>
#include <string_view>
#include <vector>

namespace rapport {

enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; `fields` says where
  kNotFound,            // no such record, or the actor may not know it exists
  kAlreadyExists,       // a unique thing would be created twice
  kFailedPrecondition,  // the record's state forbids this now (e.g. editing a signed plan)
  kUnauthenticated,     // no valid session or wrong credentials
  kPermissionDenied,    // known actor, forbidden action that does not reveal a record
  kResourceExhausted,   // rate limited or locked out; retry later
  kConflict,            // a concurrent change won
  kDeadlineExceeded,    // took too long
  kUnavailable,         // a dependency (database, disk) is down
  kInternal,            // a bug or an unexpected library failure
};

std::string_view ToString(ErrorCode code);

// One problem with one input field. `field` is a JSON-pointer-like path ("answers/phq9_9"),
// or a CLI flag name ("--fps").
struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> fields;

  static Error InvalidArgument(std::string message, std::vector<FieldError> fields = {});
  static Error Field(std::string field, std::string message);  // kInvalidArgument, one field
  static Error NotFound(std::string message);
  static Error AlreadyExists(std::string message);
  static Error FailedPrecondition(std::string message);
  static Error Unauthenticated(std::string message);
  static Error PermissionDenied(std::string message);
  static Error ResourceExhausted(std::string message);
  static Error Conflict(std::string message);
  static Error Unavailable(std::string message);
  static Error Internal(std::string message);
};

}  // namespace rapport
