#pragma once
// Test support: a signed-in browser on the clinic's web address over TLS, as a person reaches
// Rapport through HAProxy (deploy/haproxy/haproxy.cfg). It keeps the session cookie and sends
// the CSRF token on writes, as the web app does, and checks the server's certificate against
// the test's own authority for the name localhost. One request per connection, so that a
// failure never leaves a half-read connection behind. Header-only; not thread-safe: one per
// thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

namespace rapport::testing {

class WebClient {
 public:
  WebClient(std::uint16_t port, const std::string& ca_file)
      : port_(port), tls_(asio::ssl::context::tls_client) {
    tls_.load_verify_file(ca_file);
    tls_.set_verify_mode(asio::ssl::verify_peer);
  }

  HttpReply Login(const std::string& email, const std::string& password) {
    HttpReply reply =
        Send("POST", "/api/v1/auth/login", Json{{"email", email}, {"password", password}}.dump(),
             {{"Content-Type", "application/json"}});
    if (reply.status == 200) {
      const std::string cookie = reply.Header("set-cookie");
      cookie_ = cookie.substr(0, cookie.find(';'));
      csrf_ = reply.json().value("csrf_token", "");
    }
    return reply;
  }

  HttpReply Get(const std::string& target) { return Call("GET", target, std::nullopt); }
  HttpReply Post(const std::string& target, const Json& body) { return Call("POST", target, body); }

  HttpReply Call(const std::string& method, const std::string& target,
                 const std::optional<Json>& body) {
    HeaderList headers;
    if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
    if (!csrf_.empty() && method != "GET") headers.emplace_back("X-CSRF-Token", csrf_);
    std::string text;
    if (body) {
      text = body->dump();
      headers.emplace_back("Content-Type", "application/json");
    }
    return Send(method, target, text, headers);
  }

  // One request on a fresh TLS connection. status 0 when no answer came (refused, reset,
  // closed or timed out).
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const HeaderList& headers) {
    HttpReply reply;
    asio::io_context ioc;
    beast::ssl_stream<asio::ip::tcp::socket> stream(ioc, tls_);
    beast::error_code ec;
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    if (ec) return reply;
    SetReceiveTimeout(stream.next_layer(), std::chrono::seconds(30));
    // SNI, as SSL_set_tlsext_host_name does (a macro with a C cast).
    static char host_name[] = "localhost";
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             host_name);
    stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) return reply;
    return Exchange(stream, "localhost", method, target, body, headers);
  }

 private:
  std::uint16_t port_;
  asio::ssl::context tls_;
  std::string cookie_;
  std::string csrf_;
};

}  // namespace rapport::testing
