#pragma once
// The world the request fuzz targets (api_bodies, http_request) send their inputs into: the whole
// API (BuildRouter) over the services `rapport serve` wires, on a real SQLite store in a temporary
// directory seeded with the demo clinic, one signed-in account per role, and a fixed clock. One
// per process, built on first use; not thread-safe (libFuzzer calls from one thread).
//
// The oracle: a request may be refused in any 4xx way, but never answered 5xx, never make a
// handler throw, and never get a response header holding a line break (response splitting). Each
// is reported on stderr with the request and ends the process with a trap, which libFuzzer
// records as a crash.

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/message.h"

namespace rapport::fuzz {

// Who sends a request: one demo account per role. The therapist's requests name an adult client's
// records (Jordan's); the guardian's, and the family therapist's (the same therapist, in a session
// of their own), name a child's (Leo's), whose guardians the family routes need.
enum class Person { kAdmin, kSupervisor, kTherapist, kClient, kGuardian, kFamilyTherapist };
inline constexpr std::array<std::string_view, 6> kPersonNames = {
    "admin", "supervisor", "therapist", "client", "guardian", "family-therapist"};

struct RouteEntry {
  std::string_view method;
  std::string_view pattern;
};

// Every route that takes a body (all but GET), as registered in src/http (generated at configure
// time from the registrations; checked against the router when the world is built).
std::span<const RouteEntry> BodyRoutes();

class ApiWorld {
 public:
  // The world of this process, built at the first call (a few seconds: it seeds the demo clinic).
  // Exits with a message when it cannot be built.
  static ApiWorld& Instance();

  ~ApiWorld();
  ApiWorld(const ApiWorld&) = delete;
  ApiWorld& operator=(const ApiWorld&) = delete;

  // `pattern` with each {param} replaced by the record `person` has in the demo clinic: their
  // client, episode, its next appointment, plan version and keys, and so on.
  std::string PathFor(Person person, std::string_view pattern) const;

  // A request as the server's translation leaves it, from `person`'s browser: their session
  // cookie and CSRF header, a JSON content type, and `body`.
  HttpRequest RequestFrom(Person person, std::string method, std::string path,
                          std::string body) const;

  // Answers as the server's dispatch does: the matching route's handler (inside a read snapshot
  // for GET and HEAD), HEAD falling back to GET, 405 with Allow for a known path, 404 under
  // /api/ and /fhir/, the web app's files otherwise. Traps when the oracle above fails.
  HttpResponse Dispatch(HttpRequest& request);

  // Called after each request: signs a person in again whose session the request ended (a
  // sign-out, a password change, a session ended by id), and keeps a changed password.
  void AfterRequest(const HttpRequest& request, const HttpResponse& response);

  // The value `$name` stands for in a raw request: "session" and "csrf" (the therapist's),
  // "client", "episode", "appointment", "therapist" (ids); empty for any other name.
  std::string Placeholder(std::string_view name) const;

 private:
  struct Impl;
  explicit ApiWorld(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Prints `why`, the request and the response to stderr, then traps.
[[noreturn]] void Report(std::string_view why, const HttpRequest& request,
                         const HttpResponse& response);

}  // namespace rapport::fuzz
