#include "http/router.h"

#include "http/problem.h"

#include <map>
#include <utility>

namespace rapport {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler, bool blocking) {
  Route route;
  for (std::string_view segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.blocking = blocking;
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           HttpRequest& request) const {
  const std::vector<std::string_view> parts = SplitPath(path);
  Match match;
  for (const Route& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (parts[i].empty()) ok = false;
        params.emplace(want.substr(1, want.size() - 2), std::string(parts[i]));
      } else {
        ok = want == parts[i];
      }
    }
    if (!ok) continue;
    match.path_known = true;
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += route.method;
    if (route.method == method && match.handler == nullptr) {
      match.handler = &route.handler;
      match.pattern = route.pattern;
      match.blocking = route.blocking;
      request.path_params = std::move(params);
    }
  }
  return match;
}

DispatchPlan PlanDispatch(const Router& router, HttpRequest& request) {
  DispatchPlan plan;
  plan.api = request.path.starts_with("/api/") || request.path.starts_with("/fhir/");
  plan.match = router.Find(request.method, request.path, request);
  if (plan.match.handler == nullptr && request.method == "HEAD") {
    plan.match = router.Find("GET", request.path, request);
  }
  if (plan.match.handler != nullptr) {
    plan.way = DispatchPlan::Way::kHandler;
    plan.route = plan.match.pattern;
  } else if (plan.match.path_known) {
    plan.route = "-";
    plan.refusal = ProblemResponse(405, "This method is not allowed here.");
    plan.refusal.headers.emplace_back("Allow", plan.match.allow);
  } else if (plan.api) {
    plan.route = "/api/*";
    plan.refusal = ProblemResponse(404, "No such API route.");
  } else if (request.method == "GET" || request.method == "HEAD") {
    plan.way = DispatchPlan::Way::kStaticFile;
    plan.route = "static";
  } else {
    plan.route = "-";
    plan.refusal = ProblemResponse(405, "This method is not allowed here.");
    plan.refusal.headers.emplace_back("Allow", "GET, HEAD");
  }
  return plan;
}

}  // namespace rapport
