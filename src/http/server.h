#pragma once
// Server: the HTTP/1.1 server of `rapport serve` (Beast over Asio C++20 coroutines).
// One I/O thread multiplexes every socket; handlers, which block on the store, run on a separate
// thread pool and are awaited, so a slow durable commit never stalls other connections.
// Guarantees: limits on header size (431), body size (413) and request time (the connection is
// closed), security headers on every response, one JSON log line per request without query
// strings, bodies or personal data, and a graceful Stop(). With ServerOptions::tls every
// connection speaks TLS (http/tls_context.h), WebSockets included; the port takes nothing else.
// Start() and Stop() are called from one controlling thread; the Server owns its threads and
// borrows the services, which must outlive it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/server_events.h"
#include "http/api.h"
#include "notify/delivery.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace rapport {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Start())
  std::filesystem::path web_root = "web/dist";
  std::size_t body_limit = 1 << 20;     // 1 MiB
  std::size_t header_limit = 16 << 10;  // 16 KiB, request line included
  // Whole request (headers and body) after its first byte, and each response write.
  std::chrono::milliseconds request_timeout{15'000};
  // How long a kept-alive connection may sit idle between requests.
  std::chrono::milliseconds keep_alive_timeout{30'000};
  // How long Stop() lets requests in flight finish before closing their sockets.
  std::chrono::milliseconds shutdown_grace{10'000};
  int worker_threads = 64;
  // Open connections at most; one more is closed as soon as it is accepted, so that running out
  // of file descriptors can neither spin the accept loop nor starve the connections being served.
  // `rapport serve` sizes it from the descriptor limit it raises (a room holds two WebSockets).
  int max_connections = 512;
  // Native TLS (LoadTlsContext in http/tls_context.h): every connection must complete a TLS
  // handshake within request_timeout, and one that does not (plain HTTP included) is closed
  // unanswered. Then cookies are Secure and every response carries Strict-Transport-Security.
  // Null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Behind a TLS-terminating reverse proxy on the same host: believe its X-Forwarded-Proto
  // (https marks the session cookie Secure and adds Strict-Transport-Security) and
  // X-Forwarded-For (the audit's source address). Off by default, because any client could send
  // these headers.
  bool trust_proxy_headers = false;
  // The public address absolute links are built from (FHIR fullUrl and links), for example
  // https://rapport.clinic.example. Empty: http://ADDRESS:PORT as bound (https:// with tls).
  std::string public_base_url;
  // Receives each log line (without newline); default: stderr. Called from the I/O thread.
  std::function<void(std::string_view)> log_sink;
  // The app servers that share the database (SqlStore::events()). When shared (PostgreSQL), a
  // live event goes to every server, so that a page held by another one gets it too; a sign-out
  // closes the session's sockets on every server; and the two people of a session room may be on
  // different servers (http/room_relay.h). Null, or not shared: this server's own pages and rooms
  // only. Must outlive the Server.
  ServerEvents* events = nullptr;
};

class Server {
 public:
  Server(ServerOptions options, ApiServices services);
  ~Server();  // Stop()s if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; returns the bound port. kUnavailable if the address cannot be
  // bound. At most once per Server.
  Result<std::uint16_t> Start();
  // Stops accepting, closes idle keep-alive connections, lets requests in flight finish (up to
  // shutdown_grace), then closes the rest and joins every thread. Idempotent.
  void Stop();

  // New connections use `tls` (a renewed certificate); open ones keep the one they began with.
  // Any thread. FailedPrecondition when the server was not given TLS to begin with, or `tls` is
  // null.
  Status ReplaceTls(std::shared_ptr<boost::asio::ssl::context> tls);

  // The open pages' live channel (WebSocket /api/v1/live), for the delivery worker. Valid for
  // the Server's lifetime; Publish() reaches nobody before Start() or after Stop(). With shared
  // events it reaches every server's pages and returns 1 once the event is sent to them all.
  LiveChannel& live();
  // Connections closed at once because max_connections were open (for tests and metrics).
  int refused_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport
