#include "http/router.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

Handler Answer(unsigned status) {
  return [status](const HttpRequest&) {
    HttpResponse response;
    response.status = status;
    return response;
  };
}

TEST(Router, CapturesPathParametersAndNamesThePattern) {
  Router router;
  router.Add("GET", "/api/v1/clients/{id}", Answer(200));
  HttpRequest request;
  Router::Match match = router.Find("GET", "/api/v1/clients/42", request);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.pattern, "/api/v1/clients/{id}");
  EXPECT_EQ(request.Param("id"), "42");
}

TEST(Router, DistinguishesUnknownPathFromWrongMethod) {
  Router router;
  router.Add("GET", "/api/v1/episodes/{id}", Answer(200));
  router.Add("PATCH", "/api/v1/episodes/{id}", Answer(200));
  HttpRequest request;
  Router::Match wrong_method = router.Find("DELETE", "/api/v1/episodes/7", request);
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_TRUE(wrong_method.path_known);
  EXPECT_EQ(wrong_method.allow, "GET, PATCH");
  Router::Match unknown = router.Find("GET", "/api/v1/episodes/7/notes", request);
  EXPECT_EQ(unknown.handler, nullptr);
  EXPECT_FALSE(unknown.path_known);
}

TEST(Router, PicksTheHandlerOfTheMatchingMethod) {
  Router router;
  router.Add("GET", "/api/v1/clients", Answer(200));
  router.Add("POST", "/api/v1/clients", Answer(201));
  HttpRequest request;
  Router::Match match = router.Find("POST", "/api/v1/clients", request);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ((*match.handler)(request).status, 201u);
}

TEST(Router, LiteralSegmentsMustMatchExactly) {
  Router router;
  router.Add("GET", "/healthz", Answer(200), /*blocking=*/false);
  HttpRequest request;
  EXPECT_EQ(router.Find("GET", "/healthzz", request).handler, nullptr);
  Router::Match match = router.Find("GET", "/healthz", request);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_FALSE(match.blocking);
}

TEST(SplitPath, IgnoresRepeatedAndTrailingSlashes) {
  auto parts = SplitPath("//a/b//c/");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[2], "c");
}

}  // namespace
}  // namespace rapport
