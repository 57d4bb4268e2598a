#pragma once
// The single mapping from ErrorCode to HTTP status, and RFC 9457 problem+json bodies.
// Pure functions; thread-safe.

#include <string_view>

#include "core/error.h"
#include "http/message.h"

namespace rapport {

// The one table. kFailedPrecondition maps to 409 (the record's state conflicts with the
// request), as does kConflict; kDeadlineExceeded to 503 (the server, not the caller, was slow).
unsigned HttpStatusFor(ErrorCode code);

// "Bad Request", "Not Found", ... for the statuses this server sends.
std::string_view ReasonPhrase(unsigned status);

// An application/problem+json response: {"type","title","status","detail","errors":[...]}.
// kResourceExhausted adds `Retry-After`. For 5xx the detail is generic (internal messages may
// name tables or files), the original message is never shown to the caller.
HttpResponse ProblemResponse(const Error& error);
// A problem for a status that has no ErrorCode (404 route, 405, 413, 415, 431).
HttpResponse ProblemResponse(unsigned status, std::string detail);

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr int kRetryAfterSeconds = 60;

}  // namespace rapport
