#include "http/problem.h"

#include <string>

#include "service/auth_service.h"

namespace rapport {

unsigned HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string_view ReasonPhrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

namespace {

HttpResponse MakeProblem(unsigned status, std::string type, std::string detail,
                         const std::vector<FieldError>& fields) {
  Json body = {
      {"type", std::move(type)},
      {"title", std::string(ReasonPhrase(status))},
      {"status", status},
      {"detail", std::move(detail)},
  };
  Json errors = Json::array();
  for (const FieldError& field : fields) {
    errors.push_back({{"field", field.field}, {"message", field.message}});
  }
  body["errors"] = std::move(errors);
  HttpResponse response = HttpResponse::JsonBody(status, body);
  response.content_type = std::string(kProblemContentType);
  return response;
}

}  // namespace

HttpResponse ProblemResponse(const Error& error) {
  const unsigned status = HttpStatusFor(error.code);
  std::string detail = status >= 500 ? std::string(
                                           "The server could not complete the request; "
                                           "try again later.")
                                     : error.message;
  // The retry hint travels as a pseudo-field; it belongs in Retry-After, not in `errors`.
  std::vector<FieldError> fields;
  if (status < 500) {
    for (const FieldError& field : error.fields) {
      if (field.field != kRetryAfterField) fields.push_back(field);
    }
  }
  HttpResponse response =
      MakeProblem(status, "urn:rapport:problem:" + std::string(ToString(error.code)),
                  std::move(detail), fields);
  if (error.code == ErrorCode::kResourceExhausted) {
    const int seconds = RetryAfterSeconds(error).value_or(kRetryAfterSeconds);
    response.headers.emplace_back("Retry-After", std::to_string(seconds > 0 ? seconds : 1));
  }
  return response;
}

HttpResponse ProblemResponse(unsigned status, std::string detail) {
  return MakeProblem(status, "about:blank", std::move(detail), {});
}

}  // namespace rapport
