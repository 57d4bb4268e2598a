#pragma once
// Test support: a signed-in browser on the clinic's web address over TLS, as a person reaches
// Rapport through HAProxy (deploy/haproxy/haproxy.cfg). It keeps the session cookie and sends
// the CSRF token on writes, as the web app does, and checks the server's certificate against
// the test's own authority for the name localhost. One request per connection, so that a
// failure never leaves a half-read connection behind. Header-only; not thread-safe: one per
// thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

namespace rapport::testing {

// One request on a fresh TLS connection to the balancer, with SNI and the name checked. status 0
// when no answer came (refused, reset, closed or timed out).
struct BalancerHttps {
  std::uint16_t port;
  std::shared_ptr<asio::ssl::context> tls;
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const HeaderList& headers) const {
    HttpReply reply;
    asio::io_context ioc;
    beast::ssl_stream<asio::ip::tcp::socket> stream(ioc, *tls);
    beast::error_code ec;
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
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
};

inline std::shared_ptr<asio::ssl::context> TrustingFile(const std::string& ca_file) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  tls->load_verify_file(ca_file);
  tls->set_verify_mode(asio::ssl::verify_peer);
  return tls;
}

class WebClient : public BasicBrowser<BalancerHttps> {
 public:
  WebClient(std::uint16_t port, const std::string& ca_file)
      : BasicBrowser(BalancerHttps{port, TrustingFile(ca_file)}) {}
};

}  // namespace rapport::testing
