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

HttpRequest RequestFor(std::string method, std::string path) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

std::string AllowOf(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Allow") return value;
  }
  return "";
}

TEST(PlanDispatch, CallsTheRouteAndLetsAHeadUseTheGetRoute) {
  Router router;
  router.Add("GET", "/api/v1/clients/{id}", Answer(200));
  HttpRequest get = RequestFor("GET", "/api/v1/clients/3");
  DispatchPlan plan = PlanDispatch(router, get);
  EXPECT_EQ(plan.way, DispatchPlan::Way::kHandler);
  EXPECT_EQ(plan.route, "/api/v1/clients/{id}");
  EXPECT_TRUE(plan.api);
  EXPECT_EQ(get.Param("id"), "3");
  HttpRequest head = RequestFor("HEAD", "/api/v1/clients/3");
  EXPECT_EQ(PlanDispatch(router, head).way, DispatchPlan::Way::kHandler);
}

TEST(PlanDispatch, RefusesAWrongMethodAndAnUnknownApiPathButServesOtherPathsAsFiles) {
  Router router;
  router.Add("GET", "/api/v1/clients/{id}", Answer(200));
  HttpRequest wrong = RequestFor("DELETE", "/api/v1/clients/3");
  DispatchPlan refused = PlanDispatch(router, wrong);
  EXPECT_EQ(refused.way, DispatchPlan::Way::kRefused);
  EXPECT_EQ(refused.refusal.status, 405u);
  EXPECT_EQ(AllowOf(refused.refusal), "GET");
  HttpRequest unknown = RequestFor("GET", "/fhir/Nothing");
  DispatchPlan none = PlanDispatch(router, unknown);
  EXPECT_EQ(none.refusal.status, 404u);
  EXPECT_TRUE(none.api);
  HttpRequest page = RequestFor("GET", "/plan");
  DispatchPlan file = PlanDispatch(router, page);
  EXPECT_EQ(file.way, DispatchPlan::Way::kStaticFile);
  EXPECT_FALSE(file.api);
  HttpRequest post = RequestFor("POST", "/plan");
  DispatchPlan not_a_file = PlanDispatch(router, post);
  EXPECT_EQ(not_a_file.refusal.status, 405u);
  EXPECT_EQ(AllowOf(not_a_file.refusal), "GET, HEAD");
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
