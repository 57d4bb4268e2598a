#pragma once
// Test support: a WebSocket client as a signed-in page holds one (the session cookie at the
// upgrade, optionally an Origin), with blocking sends and reads that give up after 10 s. For the
// live socket (/api/v1/live) and the session rooms' sockets. Not thread-safe.

#include <string>

#include "http/asio.h"
#include "http_client.h"

namespace rapport::testing {

class TestSocket {
 public:
  TestSocket(std::uint16_t port, const Browser& browser, const std::string& path,
             std::string origin = "")
      : ws_(ioc_) {
    asio::ip::tcp::resolver resolver(ioc_);
    asio::connect(beast::get_lowest_layer(ws_),
                  resolver.resolve("127.0.0.1", std::to_string(port)));
    SetReceiveTimeout(beast::get_lowest_layer(ws_), std::chrono::seconds(10));
    const std::string cookie = browser.cookie();
    ws_.set_option(
        websocket::stream_base::decorator([cookie, origin](websocket::request_type& req) {
          if (!cookie.empty()) req.set(bhttp::field::cookie, cookie);
          if (!origin.empty()) req.set(bhttp::field::origin, origin);
        }));
    ws_.read_message_max(1 << 20);
    websocket::response_type response;
    ws_.handshake(response, "127.0.0.1:" + std::to_string(port), path, ec_);
    status_ = response.result_int();
  }

  unsigned status() const { return status_; }
  bool open() const { return !ec_; }
  // After Next() answered "": whether the server ended the connection, rather than nothing
  // arriving before the receive timeout.
  bool ended_by_server() const {
    return ec_ == asio::error::eof || ec_ == asio::error::connection_reset ||
           ec_ == websocket::error::closed;
  }
  // The close code the server sent, once Next() answered "" because it closed.
  int close_code() const { return static_cast<int>(ws_.reason().code); }

  void Send(const std::string& text) {
    ws_.text(true);
    ws_.write(asio::buffer(text), ec_);
  }
  void SendBinary(const std::string& bytes) {
    ws_.binary(true);
    ws_.write(asio::buffer(bytes), ec_);
  }

  // The next message, or "" when the socket closed or nothing came within 10 s.
  std::string Next() {
    beast::flat_buffer buffer;
    ws_.read(buffer, ec_);
    if (ec_) return "";
    return beast::buffers_to_string(buffer.data());
  }

  // Drops the connection without a closing handshake, as a lost network does.
  void Drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
  }

 private:
  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  beast::error_code ec_;
  unsigned status_ = 0;
};

}  // namespace rapport::testing
