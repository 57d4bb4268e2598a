// The JSON body of every route that takes one, sent with a valid session cookie and CSRF token so
// that it reaches the route's body parsing and the service behind it (api_world.h: the whole API
// over a real SQLite store of the demo clinic).
//
// An input is one line naming who sends what, then the body:
//   therapist POST /api/v1/episodes/{id}/messages
//   {"body": "See you on Thursday."}
// The person is a role of api_world.h's Person; the method and pattern are one of BodyRoutes(),
// whose {params} the world fills with that person's records. A first line that names no person or
// no route still picks one of each (by a hash of the line), so that every input reaches a route.
// The line may end with " xN" (N up to 64): the request is then sent up to N times, until one is
// refused, so that one input can fill a list up to its limit (a plan's problems, a goal's
// ratings).
// The world's oracle applies to every answer (api_world.h).

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

#include "api_world.h"

namespace {

using rapport::fuzz::ApiWorld;
using rapport::fuzz::BodyRoutes;
using rapport::fuzz::kPersonNames;
using rapport::fuzz::Person;

std::size_t Pick(std::string_view line, std::size_t salt, std::size_t count) {
  return (std::hash<std::string_view>{}(line) + salt) % count;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)ApiWorld::Instance();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  const std::string body(newline == std::string_view::npos ? std::string_view()
                                                           : input.substr(newline + 1));

  // "<person> <METHOD> <pattern>[ xN]"
  int times = 1;
  if (const std::size_t x = line.rfind(" x"); x != std::string_view::npos) {
    int n = 0;
    const std::string_view digits = line.substr(x + 2);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && end == digits.data() + digits.size() && n >= 1 && n <= 64) {
      times = n;
      line = line.substr(0, x);
    }
  }
  const std::size_t first_space = line.find(' ');
  const std::string_view person_name = line.substr(0, first_space);
  const std::string_view route_text =
      first_space == std::string_view::npos ? std::string_view() : line.substr(first_space + 1);

  std::size_t person = kPersonNames.size();
  for (std::size_t i = 0; i < kPersonNames.size(); ++i) {
    if (kPersonNames[i] == person_name) person = i;
  }
  if (person == kPersonNames.size()) person = Pick(line, 0, kPersonNames.size());

  const auto routes = BodyRoutes();
  std::size_t route = routes.size();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const std::string_view method = routes[i].method;
    if (route_text.size() == method.size() + 1 + routes[i].pattern.size() &&
        route_text.starts_with(method) && route_text[method.size()] == ' ' &&
        route_text.ends_with(routes[i].pattern)) {
      route = i;
      break;
    }
  }
  if (route == routes.size()) route = Pick(line, 1, routes.size());

  ApiWorld& world = ApiWorld::Instance();
  const Person who = static_cast<Person>(person);
  for (int i = 0; i < times; ++i) {
    rapport::HttpRequest request = world.RequestFrom(
        who, std::string(routes[route].method), world.PathFor(who, routes[route].pattern), body);
    const rapport::HttpResponse response = world.Dispatch(request);
    world.AfterRequest(request, response);
    if (response.status >= 300) break;  // refused: sending it again would change nothing
  }
  return 0;
}
