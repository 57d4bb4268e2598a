#pragma once
// Test support: clients of a server that speaks TLS, which verify it as a browser does (the test
// certificate as their only authority, the name "localhost"; verification is never turned off):
// one connection with its handshake's outcome, one HTTP request, a signed-in browser, and a
// WebSocket (wss) page, the live one or a session room's. Blocking; header-only; not
// thread-safe: one per thread.

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "domain/people.h"
#include "http/tls_stream.h"  // Asio's SSL, after http/asio.h
#include "http_client.h"

#include <boost/asio/ssl/host_name_verification.hpp>

namespace rapport::testing {

// ALPN's wire format: each protocol name after its length.
inline constexpr std::string_view kAlpnHttp11 = "\x08http/1.1";
inline constexpr std::string_view kAlpnBrowser = "\x02h2\x08http/1.1";  // as browsers offer it

// A client's TLS settings that trust `ca_pem` alone (the library's defaults otherwise: TLS 1.2
// and 1.3). Tests that probe the server's limits change them through native_handle().
inline std::shared_ptr<ssl::context> TrustingOnly(const std::string& ca_pem) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->add_certificate_authority(asio::buffer(ca_pem));
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// One TLS connection to 127.0.0.1:port, its handshake done (or failed: error()).
class TlsConnection {
 public:
  TlsConnection(ssl::context& tls, std::uint16_t port, std::string_view alpn = kAlpnBrowser)
      : stream_(ioc_, tls) {
    stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, error_);
    if (error_) return;
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    if (!alpn.empty() && SSL_set_alpn_protos(stream_.native_handle(),
                                             reinterpret_cast<const unsigned char*>(alpn.data()),
                                             static_cast<unsigned int>(alpn.size())) != 0) {
      error_ = asio::error::invalid_argument;
      return;
    }
    stream_.handshake(ssl::stream_base::client, error_);
  }

  bool ok() const { return !error_; }
  const beast::error_code& error() const { return error_; }
  // The OpenSSL reason of a failed handshake (SSL_R_...), 0 for anything else.
  int reason() const {
    if (error_.category() != asio::error::get_ssl_category()) return 0;
    return ERR_GET_REASON(static_cast<unsigned long>(error_.value()));
  }
  // The protocol agreed (TLS1_3_VERSION, ...) and the ALPN protocol chosen ("" when none).
  int version() { return SSL_version(stream_.native_handle()); }
  std::string alpn() {
    const unsigned char* name = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &name, &length);
    return name == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(name), length);
  }
  // Whether the session could be resumed later, and whether the server gave a ticket for it.
  bool resumable() {
    const SSL_SESSION* session = SSL_get_session(stream_.native_handle());
    return session != nullptr && SSL_SESSION_is_resumable(session) == 1;
  }
  bool has_ticket() {
    const SSL_SESSION* session = SSL_get_session(stream_.native_handle());
    return session != nullptr && SSL_SESSION_has_ticket(session) == 1;
  }

  // Writes `bytes` as they are and returns what the server sends until it closes.
  std::string SendRaw(const std::string& bytes) {
    if (error_) return {};
    beast::error_code ec;
    asio::write(stream_, asio::buffer(bytes), ec);
    std::string received;
    char chunk[4096];
    while (!ec) {
      const std::size_t n = stream_.read_some(asio::buffer(chunk), ec);
      received.append(chunk, n);
    }
    return received;
  }

  HttpReply Exchange(const std::string& method, const std::string& target,
                     const std::string& body = {}, const HeaderList& headers = {}) {
    if (error_) return {};
    return testing::Exchange(stream_, "localhost", method, target, body, headers);
  }

 private:
  asio::io_context ioc_;
  ssl::stream<asio::ip::tcp::socket> stream_;
  beast::error_code error_;
};

// One request over a fresh TLS connection. status 0 when the handshake failed or the server
// closed without answering.
inline HttpReply SendTls(ssl::context& tls, std::uint16_t port, const std::string& method,
                         const std::string& target, const std::string& body = {},
                         const HeaderList& headers = {}) {
  TlsConnection connection(tls, port);
  return connection.Exchange(method, target, body, headers);
}

// HTTPS to 127.0.0.1:port, verified against the test's authority, a connection per request.
struct TlsHttp {
  std::shared_ptr<ssl::context> tls;
  std::uint16_t port;
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const HeaderList& headers) const {
    return SendTls(*tls, port, method, target, body, headers);
  }
};

// A signed-in browser over TLS: keeps the session cookie, sends the CSRF token on writes.
class TlsBrowser : public BasicBrowser<TlsHttp> {
 public:
  TlsBrowser(std::shared_ptr<ssl::context> tls, std::uint16_t port)
      : BasicBrowser(TlsHttp{std::move(tls), port}) {}

  ssl::context& tls() const { return *transport().tls; }
  std::uint16_t port() const { return transport().port; }
};

// A page's WebSocket over TLS (wss), with the browser's session cookie and this site's Origin.
class TlsSocket {
 public:
  TlsSocket(const TlsBrowser& browser, const std::string& path) : ws_(ioc_, browser.tls()) {
    const std::string host = "localhost:" + std::to_string(browser.port());
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.connect({asio::ip::make_address("127.0.0.1"), browser.port()}, ec_);
    if (ec_) return;
    ws_.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
    ws_.next_layer().handshake(ssl::stream_base::client, ec_);
    if (ec_) return;
    const std::string cookie = browser.cookie();
    ws_.set_option(websocket::stream_base::decorator(
        [cookie, origin = "https://" + host](websocket::request_type& request) {
          request.set(bhttp::field::cookie, cookie);
          request.set(bhttp::field::origin, origin);
        }));
    ws_.read_message_max(1 << 20);
    ws_.handshake(response_, host, path, ec_);
  }

  bool open() const { return !ec_; }
  const beast::error_code& error() const { return ec_; }
  // The upgrade's answer (101 when it was accepted).
  const websocket::response_type& response() const { return response_; }
  // After Next() answered "": whether the server ended the connection.
  bool ended_by_server() const {
    return ec_ == asio::error::eof || ec_ == asio::error::connection_reset ||
           ec_ == websocket::error::closed || ec_ == ssl::error::stream_truncated;
  }
  int close_code() const { return static_cast<int>(ws_.reason().code); }

  void Send(const std::string& text) {
    ws_.text(true);
    ws_.write(asio::buffer(text), ec_);
  }
  // The next message, or "" once the socket closed.
  std::string Next() {
    beast::flat_buffer buffer;
    ws_.read(buffer, ec_);
    if (ec_) return "";
    return beast::buffers_to_string(buffer.data());
  }
  // The next message of `type`, skipping others; null when the socket closed first.
  Json NextOf(std::string_view type) {
    for (int i = 0; i < 20; ++i) {
      const std::string text = Next();
      if (text.empty()) return nullptr;
      Json message = Json::parse(text, nullptr, false);
      if (message.value("type", "") == type) return message;
    }
    return nullptr;
  }

 private:
  asio::io_context ioc_;
  websocket::stream<ssl::stream<asio::ip::tcp::socket>> ws_;
  websocket::response_type response_;
  beast::error_code ec_;
};

// A page in a session room over wss: the hello with the CSRF token, and numbered messages.
class TlsRoomPage : public TlsSocket {
 public:
  TlsRoomPage(const TlsBrowser& browser, AppointmentId appointment)
      : TlsSocket(browser, "/api/v1/appointments/" + std::to_string(appointment) + "/room/socket"),
        csrf_(browser.csrf()) {}

  // Says hello and returns the welcome.
  Json Hello() {
    Send(Json{{"type", "hello"}, {"seq", seq_++}, {"csrf", csrf_}}.dump());
    return NextOf("welcome");
  }
  // Sends `message` with the next sequence number.
  void Say(Json message) {
    message["seq"] = seq_++;
    Send(message.dump());
  }

 private:
  std::string csrf_;
  std::int64_t seq_ = 1;
};

}  // namespace rapport::testing
