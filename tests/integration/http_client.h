#pragma once
// Test support: a small synchronous HTTP/1.1 client over Beast, a signed-in "browser" that keeps
// the session cookie and the CSRF token, and raw-socket helpers for malformed traffic.
// Header-only so it stays out of every library. Not thread-safe: one per thread.

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "http/asio.h"

namespace rapport::testing {

struct HttpReply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined by "\n"
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  Json json() const {
    auto parsed = ParseJson(body);
    return parsed ? *parsed : Json();
  }
  // The `field` names of a problem+json body's `errors`.
  std::vector<std::string> ErrorFields() const {
    std::vector<std::string> out;
    Json j = json();
    if (j.is_object() && j.contains("errors")) {
      for (const Json& e : j["errors"]) out.push_back(e.value("field", ""));
    }
    return out;
  }
  // Whether a problem+json body names `field` among its `errors`.
  bool NamesField(const std::string& field) const {
    const auto fields = ErrorFields();
    return std::find(fields.begin(), fields.end(), field) != fields.end();
  }
};

inline void SetReceiveTimeout(asio::ip::tcp::socket& socket, std::chrono::seconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

inline std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Writes one request on `stream` (connected, and past its handshake when it is TLS) and reads
// the answer. status 0 when the server closed without answering.
template <typename Stream>
HttpReply Exchange(Stream& stream, const std::string& host, const std::string& method,
                   const std::string& target, const std::string& body, const HeaderList& headers) {
  HttpReply reply;
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, host);
  request.keep_alive(false);
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  request.prepare_payload();
  beast::error_code ec;
  bhttp::write(stream, request, ec);
  if (ec) return reply;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  bhttp::read(stream, buffer, parser, ec);
  // A TLS peer may end the connection without its close_notify once the answer is complete.
  if (ec && !parser.is_done()) return reply;
  auto& response = parser.get();
  reply.status = response.result_int();
  for (const auto& field : response) {
    std::string name =
        Lower(std::string_view(field.name_string().data(), field.name_string().size()));
    std::string value(field.value().data(), field.value().size());
    auto [it, inserted] = reply.headers.emplace(name, value);
    if (!inserted) it->second += "\n" + value;
  }
  reply.body = std::move(response.body());
  return reply;
}

// One request on a fresh connection. status 0 when the server closed without answering.
inline HttpReply Send(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = {}, const HeaderList& headers = {}) {
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  SetReceiveTimeout(socket, std::chrono::seconds(20));
  return Exchange(socket, "127.0.0.1", method, target, body, headers);
}

// Writes `raw` bytes and returns everything the server sends until it closes (or the client's
// own generous timeout passes, which leaves `timed_out` set).
struct RawReply {
  std::string data;
  bool closed_by_server = false;
};
inline RawReply SendRaw(std::uint16_t port, const std::string& raw,
                        std::chrono::seconds client_timeout = std::chrono::seconds(20)) {
  RawReply out;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return out;
  SetReceiveTimeout(socket, client_timeout);
  asio::write(socket, asio::buffer(raw), ec);
  char chunk[4096];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    out.data.append(chunk, n);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      out.closed_by_server = true;
      break;
    }
    if (ec) break;  // our own timeout: the server kept the connection open
  }
  return out;
}

// A signed-in browser over any `Transport` (a value with `HttpReply Send(method, target, body,
// headers) const`, one request each): keeps the session cookie from its sign-in and sends the
// CSRF token on writes, as the web app does.
template <class Transport>
class BasicBrowser {
 public:
  explicit BasicBrowser(Transport transport) : transport_(std::move(transport)) {}

  HttpReply Login(const std::string& email, const std::string& password) {
    HttpReply reply = transport_.Send("POST", "/api/v1/auth/login",
                                      Json{{"email", email}, {"password", password}}.dump(),
                                      {{"Content-Type", "application/json"}});
    if (reply.status == 200) {
      std::string cookie = reply.Header("set-cookie");
      cookie_ = cookie.substr(0, cookie.find(';'));
      csrf_ = reply.json().value("csrf_token", "");
    }
    return reply;
  }

  HttpReply Get(const std::string& target) { return Call("GET", target, std::nullopt); }
  HttpReply Post(const std::string& target, const Json& body) { return Call("POST", target, body); }
  HttpReply Put(const std::string& target, const Json& body) { return Call("PUT", target, body); }
  HttpReply Patch(const std::string& target, const Json& body) {
    return Call("PATCH", target, body);
  }
  HttpReply Delete(const std::string& target) { return Call("DELETE", target, std::nullopt); }

  // Any request, with the cookie; the CSRF token only when `with_csrf`.
  HttpReply Call(const std::string& method, const std::string& target,
                 const std::optional<Json>& body, bool with_csrf = true, HeaderList extra = {}) {
    HeaderList headers = std::move(extra);
    if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
    if (with_csrf && !csrf_.empty() && method != "GET") headers.emplace_back("X-CSRF-Token", csrf_);
    std::string text;
    if (body) {
      text = body->dump();
      headers.emplace_back("Content-Type", "application/json");
    }
    return transport_.Send(method, target, text, headers);
  }

  const std::string& cookie() const { return cookie_; }
  const std::string& csrf() const { return csrf_; }

 protected:
  const Transport& transport() const { return transport_; }

 private:
  Transport transport_;
  std::string cookie_;  // "rapport_session=..."
  std::string csrf_;
};

// Plain HTTP to 127.0.0.1:port, a connection per request.
struct PlainHttp {
  std::uint16_t port;
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const HeaderList& headers) const {
    return testing::Send(port, method, target, body, headers);
  }
};

class Browser : public BasicBrowser<PlainHttp> {
 public:
  explicit Browser(std::uint16_t port) : BasicBrowser(PlainHttp{port}) {}
};

}  // namespace rapport::testing
