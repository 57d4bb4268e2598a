#pragma once
// Router: maps (method, path) to a handler by pattern ("/api/v1/clients/{id}"). Routes are
// added at start-up; after that Find() is const and safe to call from any thread.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace rapport {

// Handlers may block (they call services that wait for durable commits): the server runs them
// off the I/O thread.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  // `pattern` segments in braces capture one non-empty path segment. `blocking` false marks a
  // trivial handler the server may run on its I/O thread (health checks).
  void Add(std::string method, std::string pattern, Handler handler, bool blocking = true);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method
    bool blocking = true;
    std::string pattern;      // the matched pattern, for logs ("" when none)
    bool path_known = false;  // some route matches the path (so 405, not 404)
    std::string allow;        // methods allowed for the path, for a 405's Allow
  };
  // Fills request.path_params on a match.
  Match Find(std::string_view method, std::string_view path, HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool blocking = true;
  };
  std::vector<Route> routes_;
};

// What the server does with a request, decided from its method and path alone: call the route's
// handler (a HEAD falls back to the GET route), refuse it (405 for a known path with another
// method, 404 for an unknown /api/ path), or serve a file of the web app (GET and HEAD of any
// other path). The request fuzz target decides the same way.
struct DispatchPlan {
  enum class Way { kHandler, kRefused, kStaticFile };
  Way way = Way::kRefused;
  Router::Match match;   // kHandler: the route, its handler and whether it blocks
  bool api = false;      // an /api/ or /fhir/ path: clinical data, never cached, never the web app
  std::string route;     // what the log line names: the pattern, "/api/*", "static" or "-"
  HttpResponse refusal;  // kRefused: the answer
};
// Fills request.path_params when a route matches.
DispatchPlan PlanDispatch(const Router& router, HttpRequest& request);

// Splits "/a/b/c" into {"a","b","c"}; a trailing slash yields no empty segment.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace rapport
