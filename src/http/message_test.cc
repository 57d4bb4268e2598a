#include "http/message.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(PercentDecode, DecodesEscapesAndRejectsBrokenOnes) {
  EXPECT_EQ(PercentDecode("a%20b", false), "a b");
  EXPECT_EQ(PercentDecode("%2e%2E", false), "..");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
  EXPECT_FALSE(PercentDecode("a%00b", false).has_value());
}

TEST(HttpRequest, FindsOneCookieAmongMany) {
  HttpRequest request;
  request.headers["cookie"] = "theme=dark; rapport_session=abc123 ; other=x";
  EXPECT_EQ(request.Cookie("rapport_session"), "abc123");
  EXPECT_EQ(request.Cookie("theme"), "dark");
  EXPECT_FALSE(request.Cookie("rapport").has_value());
}

TEST(HttpRequest, DecodesQueryParameters) {
  HttpRequest request;
  request.query = "from=2026-11-01T00%3A00%3A00Z&limit=5&empty";
  EXPECT_EQ(request.QueryParam("from"), "2026-11-01T00:00:00Z");
  EXPECT_EQ(request.QueryParam("limit"), "5");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_FALSE(request.QueryParam("to").has_value());
}

TEST(HttpResponse, JsonBodyNeverThrowsOnInvalidUtf8) {
  HttpResponse response = HttpResponse::JsonBody(200, {{"name", std::string("a\xff")}});
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_FALSE(response.body.empty());
}

}  // namespace
}  // namespace rapport
