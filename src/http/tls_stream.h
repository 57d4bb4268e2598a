#pragma once
// Stream: one accepted connection's bytes, over plain TCP or over TLS on TCP, behind one type, so
// that the HTTP connection, the live pages' WebSockets and the rooms' WebSockets
// (http/server.cc, http/live_hub.h, http/room_socket.h) run the same code either way.
//
// It is an AsyncStream for Beast's HTTP and WebSocket operations (a websocket::stream<Stream>
// tears it down as the protocol asks: close_notify first under TLS), and its next_layer() is
// the TCP stream beneath, which beast::get_lowest_layer finds for timeouts and closing. A TLS
// stream must complete its server handshake (tls()->async_handshake) before anything else.
// Moving a Stream leaves the source a closed plain TCP stream on the same executor, which may
// still be closed or destroyed.
//
// The header is also this folder's way into Asio's SSL: http/asio.h first, for the reason given
// there. Not thread-safe: one strand (the server's I/O thread).

#include "http/asio.h"  // must precede the SSL headers below

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <utility>
#include <variant>

namespace rapport {

namespace ssl = boost::asio::ssl;

class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  using Tls = beast::ssl_stream<beast::tcp_stream>;

  // Plain TCP.
  explicit Stream(beast::tcp_stream tcp)
      : layer_(std::in_place_type<beast::tcp_stream>, std::move(tcp)) {}
  // TLS over `tcp` with `context`'s certificate and settings, which the stream keeps alive.
  Stream(beast::tcp_stream tcp, std::shared_ptr<ssl::context> context)
      : context_(std::move(context)), layer_(std::in_place_type<Tls>, std::move(tcp), *context_) {}

  // Not noexcept: moving a beast::tcp_stream allocates.
  // NOLINTNEXTLINE(performance-noexcept-move-constructor)
  Stream(Stream&& other) : context_(std::move(other.context_)), layer_(std::move(other.layer_)) {
    other.layer_.emplace<beast::tcp_stream>(get_executor());
  }
  Stream& operator=(Stream&&) = delete;  // beast::tcp_stream cannot be assigned either
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() = default;

  // The TLS layer, or null for plain TCP.
  Tls* tls() noexcept { return std::get_if<Tls>(&layer_); }

  executor_type get_executor() noexcept {
    return std::visit([](auto& layer) { return layer.get_executor(); }, layer_);
  }

  // The TCP stream beneath (its socket, its timeouts).
  beast::tcp_stream& next_layer() noexcept {
    if (Tls* tls_layer = tls()) return tls_layer->next_layer();
    return std::get<beast::tcp_stream>(layer_);
  }

  template <class MutableBufferSequence, class ReadHandler>
  BOOST_ASIO_INITFN_RESULT_TYPE(ReadHandler, void(beast::error_code, std::size_t))
  async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return asio::async_initiate<ReadHandler, void(beast::error_code, std::size_t)>(
        [](auto&& ready, Stream* self, const MutableBufferSequence& to) {
          std::visit(
              [&](auto& layer) { layer.async_read_some(to, std::forward<decltype(ready)>(ready)); },
              self->layer_);
        },
        handler, this, buffers);
  }

  template <class ConstBufferSequence, class WriteHandler>
  BOOST_ASIO_INITFN_RESULT_TYPE(WriteHandler, void(beast::error_code, std::size_t))
  async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return asio::async_initiate<WriteHandler, void(beast::error_code, std::size_t)>(
        [](auto&& ready, Stream* self, const ConstBufferSequence& from) {
          std::visit(
              [&](auto& layer) {
                layer.async_write_some(from, std::forward<decltype(ready)>(ready));
              },
              self->layer_);
        },
        handler, this, buffers);
  }

  // The WebSocket closing handshake's last step (found by argument-dependent lookup): under TLS
  // the close_notify exchange, on plain TCP Beast's own teardown of the socket.
  friend void teardown(beast::role_type role, Stream& stream, beast::error_code& ec) {
    std::visit(
        [&](auto& layer) {
          using beast::websocket::teardown;
          teardown(role, layer, ec);
        },
        stream.layer_);
  }
  template <class TeardownHandler>
  friend void async_teardown(beast::role_type role, Stream& stream, TeardownHandler&& handler) {
    std::visit(
        [&](auto& layer) {
          using beast::websocket::async_teardown;
          async_teardown(role, layer, std::forward<TeardownHandler>(handler));
        },
        stream.layer_);
  }

 private:
  std::shared_ptr<ssl::context> context_;  // outlives layer_, whose TLS session uses it
  std::variant<beast::tcp_stream, Tls> layer_;
};

}  // namespace rapport
