#include "http/problem.h"

#include <gtest/gtest.h>

#include "service/auth_service.h"

namespace rapport {
namespace {

TEST(HttpStatusFor, MapsEveryErrorCodeThroughTheOneTable) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceExhausted), 429u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kDeadlineExceeded), 503u);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500u);
}

TEST(ProblemResponse, CarriesFieldErrorsAsRfc9457Problem) {
  HttpResponse response = ProblemResponse(Error::InvalidArgument(
      "bad input", {{"email", "is not an email"}, {"password", "is too short"}}));
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = ParseJson(response.body);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ((*body)["status"], 400);
  EXPECT_EQ((*body)["title"], "Bad Request");
  EXPECT_EQ((*body)["detail"], "bad input");
  EXPECT_EQ((*body)["type"], "urn:rapport:problem:invalid_argument");
  ASSERT_EQ((*body)["errors"].size(), 2u);
  EXPECT_EQ((*body)["errors"][0]["field"], "email");
  EXPECT_EQ((*body)["errors"][1]["message"], "is too short");
}

TEST(ProblemResponse, HidesInternalMessagesOnServerErrors) {
  HttpResponse response = ProblemResponse(Error::Internal("sqlite: no such table users_v2"));
  EXPECT_EQ(response.status, 500u);
  EXPECT_EQ(response.body.find("users_v2"), std::string::npos);
}

TEST(ProblemResponse, TurnsTheRetryHintIntoRetryAfter) {
  Error locked = Error::ResourceExhausted("locked");
  locked.fields.push_back({std::string(kRetryAfterField), "120"});
  HttpResponse response = ProblemResponse(locked);
  EXPECT_EQ(response.status, 429u);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
  EXPECT_EQ(response.headers[0].second, "120");
  EXPECT_EQ(response.body.find(kRetryAfterField), std::string::npos);
}

TEST(ProblemResponse, ResourceExhaustedWithoutHintStillSaysWhenToRetry) {
  HttpResponse response = ProblemResponse(Error::ResourceExhausted("slow down"));
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, std::to_string(kRetryAfterSeconds));
}

}  // namespace
}  // namespace rapport
