#include "http/server.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "http/api.h"
#include "http/asio.h"
#include "http/beast_message.h"
#include "http/live_hub.h"
#include "http/problem.h"
#include "http/room_socket.h"
#include "http/static_files.h"
#include "http/tls_stream.h"
#include "service/auth_service.h"

namespace rapport {

namespace {

using tcp = asio::ip::tcp;

void DefaultLogSink(std::string_view line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

std::string_view Std(beast::string_view text) {
  return {text.data(), text.size()};
}

struct Connection {
  explicit Connection(Stream accepted) : stream(std::move(accepted)) {}
  // The TCP stream beneath, TLS or not: its socket and its timeouts.
  beast::tcp_stream& tcp() { return stream.next_layer(); }
  Stream stream;         // moved into the WebSocket once a connection is upgraded
  bool busy = false;     // between reading a request's first byte and writing its response
  bool secured = false;  // its TLS handshake completed
};

// What one request leaves for its log line.
struct LogRecord {
  std::string method;
  std::string route = "-";
  unsigned status = 0;
  std::size_t bytes = 0;
  std::string request_id;
  std::chrono::steady_clock::time_point start;
};

// The routes' sign-out hook closes the session's live pages and room sockets.
ApiServices WithSessionEnded(ApiServices services, std::function<void(SessionId)> hook) {
  services.session_ended = std::move(hook);
  return services;
}

// An address as it appears in a URL: IPv6 in brackets.
std::string HostForUrl(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

}  // namespace

// Live events for every app server of the database: Publish() sends them as server events, and
// each server's handler (OnServerEvent) hands them to its own pages.
class SharedLive final : public LiveChannel {
 public:
  explicit SharedLive(ServerEvents& events) : events_(events) {}
  int Publish(UserId user, const std::string& event_json) override {
    const std::string message = Json{{"live", {{"user", user}, {"event", event_json}}}}.dump();
    return events_.Send(message) ? 1 : 0;
  }

 private:
  ServerEvents& events_;
};

class Server::Impl {
 public:
  Impl(ServerOptions options, ApiServices services)
      : options_(std::move(options)),
        tls_(options_.tls),
        services_(services),
        // The hub and the rooms are constructed after the router, which only keeps the hook
        // until a request calls it.
        router_(BuildRouter(
            WithSessionEnded(services, [this](SessionId session) { SessionEnded(session); }))),
        static_files_(options_.web_root),
        pool_(static_cast<std::size_t>(std::max(1, options_.worker_threads))),
        acceptor_(ioc_),
        id_prefix_(RandomHex(4)) {
    if (!options_.log_sink) options_.log_sink = DefaultLogSink;
    if (services_.rooms != nullptr) {
      room_sockets_ = std::make_unique<RoomSockets>(ioc_, pool_, *services_.rooms, options_.events);
    }
    if (options_.events != nullptr) {
      // Every server's events reach this server's pages, its own included.
      options_.events->SetHandler([this](std::string_view message) { OnServerEvent(message); });
      if (options_.events->Shared()) bus_ = std::make_unique<SharedLive>(*options_.events);
    }
  }

  ~Impl() {
    if (options_.events != nullptr) options_.events->SetHandler(nullptr);
    Stop();
    pool_.join();
  }

  Result<std::uint16_t> Start() {
    if (started_) return Fail(Error::FailedPrecondition("the server was already started"));
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return Fail(Error::InvalidArgument("bad listen address: " + options_.address));
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Fail(Error::Unavailable(fmt::format("cannot listen on {}:{}: {}", options_.address,
                                                 options_.port, ec.message())));
    }
    const std::uint16_t port = acceptor_.local_endpoint().port();
    base_url_ = options_.public_base_url.empty()
                    ? fmt::format("{}://{}:{}", options_.tls ? "https" : "http",
                                  HostForUrl(options_.address), port)
                    : options_.public_base_url;
    started_ = true;
    asio::co_spawn(ioc_, AcceptLoop(), asio::detached);
    io_thread_ = std::thread([this] { ioc_.run(); });
    return port;
  }

  int refused_connections() const { return refused_connections_.load(); }

  Status ReplaceTls(std::shared_ptr<ssl::context> tls) {
    if (!tls) return Fail(Error::FailedPrecondition("no TLS settings to serve with"));
    const std::lock_guard lock(tls_mutex_);
    if (!tls_) return Fail(Error::FailedPrecondition("the server was started without TLS"));
    tls_ = std::move(tls);
    return Ok();
  }

  // A message every server hears: a live event for the pages this server holds, a session
  // signed out, or the rooms' (http/room_relay.h).
  void OnServerEvent(std::string_view message) {
    if (room_sockets_ && room_sockets_->OnServerEvent(message)) return;
    const Json parsed = Json::parse(message, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return;
    if (const auto out = parsed.find("signed_out"); out != parsed.end() && out->is_object()) {
      const auto session = out->find("session");
      if (session != out->end() && session->is_number_integer()) {
        CloseSession(session->get<SessionId>());
      }
      return;
    }
    const auto live = parsed.find("live");
    if (live == parsed.end() || !live->is_object()) return;
    const auto user = live->find("user");
    const auto event = live->find("event");
    if (user == live->end() || !user->is_number_integer() || event == live->end() ||
        !event->is_string()) {
      return;
    }
    hub_.Publish(user->get<UserId>(), event->get<std::string>());
  }
  LiveChannel& live() { return bus_ ? static_cast<LiveChannel&>(*bus_) : hub_; }

  // Any thread: the session's live pages and room sockets on this server close.
  void CloseSession(SessionId session) {
    hub_.CloseSession(session);
    if (room_sockets_) room_sockets_->CloseSession(session);
  }

  // A sign-out (on the pool): this server's sockets of the session close at once, and every other
  // server that shares the database is told to close its own.
  void SessionEnded(SessionId session) {
    CloseSession(session);
    if (options_.events != nullptr && options_.events->Shared()) {
      // Not told (the database is unavailable): their sockets' own check ends them within a minute.
      (void)options_.events->Send(Json{{"signed_out", {{"session", session}}}}.dump());
    }
  }

  void Stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    asio::post(ioc_, [this] {
      stopping_ = true;
      beast::error_code ignored;
      acceptor_.close(ignored);
      hub_.CloseAll();
      if (room_sockets_) room_sockets_->CloseAll();
      for (const auto& connection : connections_) {
        if (!connection->busy) connection->tcp().socket().close(ignored);
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
    while (live_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Whatever is still open past the grace period is cut off; handlers already running on
    // the pool finish (a store write cannot be interrupted halfway), their replies go nowhere.
    asio::post(ioc_, [this] {
      beast::error_code ignored;
      for (const auto& connection : connections_) connection->tcp().socket().close(ignored);
    });
    pool_.join();
    // With the acceptor and every socket closed, run() returns once the last coroutine ends.
    io_thread_.join();
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) co_return;
        // E.g. too many open files: keep serving the connections we have, and try again a
        // little later instead of spinning on an error that will not go away at once.
        asio::steady_timer pause(ioc_, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (live_connections_.load() >= options_.max_connections) {
        ++refused_connections_;
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      // Small WebSocket messages (a live strip, a relayed candidate) must not wait for the
      // previous one's delayed ACK.
      socket.set_option(tcp::no_delay(true), ec);
      std::shared_ptr<ssl::context> tls = CurrentTls();
      auto connection = std::make_shared<Connection>(
          tls ? Stream(beast::tcp_stream(std::move(socket)), std::move(tls))
              : Stream(beast::tcp_stream(std::move(socket))));
      connections_.insert(connection);
      ++live_connections_;
      asio::co_spawn(ioc_, Serve(connection), asio::detached);
    }
  }

  // One connection: requests in sequence (HTTP/1.1 keep-alive), until close, error or timeout.
  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection) {
    try {
      co_await ServeRequests(*connection);
    } catch (const std::exception&) {
      // A bug in one connection must not take the server down; the socket is closed below.
    }
    beast::error_code ignored;
    if (Stream::Tls* tls = connection->stream.tls(); tls != nullptr && connection->secured) {
      // TLS's own end of the conversation (close_notify), so that the client knows nothing was
      // cut off; briefly, since a client that has its answer may simply close.
      connection->tcp().expires_after(std::chrono::seconds(2));
      co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
    }
    connection->tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection->tcp().socket().close(ignored);
    connections_.erase(connection);
    --live_connections_;
  }

  asio::awaitable<void> ServeRequests(Connection& connection) {
    beast::flat_buffer buffer;
    std::string remote;
    {
      beast::error_code ec;
      auto endpoint = connection.tcp().socket().remote_endpoint(ec);
      if (!ec) remote = endpoint.address().to_string();
    }
    if (Stream::Tls* tls = connection.stream.tls()) {
      // Within the request timeout, as any read. Anything but a TLS client hello (plain HTTP to
      // this port, say) fails the handshake, and the connection closes unanswered.
      connection.tcp().expires_after(options_.request_timeout);
      beast::error_code ec;
      co_await tls->async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      connection.secured = true;
    }
    bool first = true;
    for (;;) {
      connection.busy = false;
      if (stopping_) co_return;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
      parser.body_limit(options_.body_limit);

      // Idle keep-alive connections get their own (longer) allowance; a new connection must
      // send its request within the request timeout.
      connection.tcp().expires_after(first ? options_.request_timeout
                                           : options_.keep_alive_timeout);
      beast::error_code ec;
      co_await bhttp::async_read_header(connection.stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
      LogRecord log;
      log.start = std::chrono::steady_clock::now();
      if (ec) {
        co_await RejectUnreadable(connection, ec, log);
        co_return;
      }
      if (AmbiguousFraming(parser.get())) {
        ec = bhttp::error::bad_transfer_encoding;
        co_await RejectUnreadable(connection, ec, log);
        co_return;
      }
      connection.busy = true;
      log.request_id = NextRequestId();
      log.method = std::string(parser.get().method_string());

      connection.tcp().expires_after(options_.request_timeout);
      if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        co_await bhttp::async_write(connection.stream, go_on,
                                    asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
      }
      if (!parser.is_done()) {
        co_await bhttp::async_read(connection.stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          co_await RejectUnreadable(connection, ec, log);
          co_return;
        }
      }

      BeastRequest& beast_request = parser.get();
      if (websocket::is_upgrade(beast_request)) {
        const std::string_view target = Std(beast_request.target());
        if (target == kLivePath) {
          co_await ServeLive(connection, beast_request, remote, log);
          co_return;
        }
        if (const AppointmentId room = RoomSocketAppointment(target); room != 0) {
          co_await ServeRoom(connection, beast_request, remote, log, room);
          co_return;
        }
      }
      const bool keep_alive = beast_request.keep_alive();
      const bool head = beast_request.method() == bhttp::verb::head;
      HttpRequest request = Translate(beast_request, remote, connection.secured);
      request.request_id = log.request_id;
      HttpResponse response = co_await Dispatch(request, log.route);

      BeastResponse out = ToBeastResponse(std::move(response), request, beast_request.version());
      out.keep_alive(keep_alive && !stopping_);
      log.status = out.result_int();
      log.bytes = out.body().size();
      if (head) {
        out.content_length(out.body().size());
        out.body().clear();
      }
      connection.tcp().expires_after(options_.request_timeout);
      co_await bhttp::async_write(connection.stream, out,
                                  asio::redirect_error(asio::use_awaitable, ec));
      WriteLog(log);
      if (ec || !out.keep_alive()) co_return;
      first = false;
    }
  }

  // --- Live pages (WebSocket) -------------------------------------------------------------------

  static constexpr std::string_view kLivePath = "/api/v1/live";

  // A refusal before the upgrade: a plain HTTP answer, then the connection closes.
  asio::awaitable<void> RefuseLive(Connection& connection, const HttpRequest& request,
                                   HttpResponse problem, LogRecord& log) {
    BeastResponse out = ToBeastResponse(std::move(problem), request, 11);
    out.keep_alive(false);
    log.status = out.result_int();
    log.bytes = out.body().size();
    beast::error_code ignored;
    co_await bhttp::async_write(connection.stream, out,
                                asio::redirect_error(asio::use_awaitable, ignored));
    WriteLog(log);
  }

  // The person behind an upgrade request: a same-origin page with a valid session cookie. Refuses
  // with a plain HTTP answer (and nullopt) otherwise.
  struct Upgrader {
    Actor actor;
    std::string token;
  };
  asio::awaitable<std::optional<Upgrader>> AuthenticateUpgrade(Connection& connection,
                                                               const HttpRequest& request,
                                                               LogRecord& log) {
    if (services_.auth == nullptr) {
      co_await RefuseLive(connection, request, ProblemResponse(404, "No such API route."), log);
      co_return std::nullopt;
    }
    if (!SameOrigin(request.Header("origin"), request.Header("host"))) {
      co_await RefuseLive(connection, request,
                          ProblemResponse(403, "Live updates are only for this site's pages."),
                          log);
      co_return std::nullopt;
    }
    const std::optional<std::string> token = request.Cookie(kSessionCookie);
    if (!token || token->empty()) {
      co_await RefuseLive(connection, request,
                          ProblemResponse(Error::Unauthenticated("Sign in to continue.")), log);
      co_return std::nullopt;
    }
    Result<Actor> actor =
        co_await AuthenticateOn(pool_, *services_.auth, *token, request.remote_address);
    if (!actor) {
      co_await RefuseLive(connection, request, ProblemResponse(actor.error()), log);
      co_return std::nullopt;
    }
    co_return Upgrader{*std::move(actor), *token};
  }

  // Accepts the upgrade and reads the hello, which must carry the session's CSRF token and come
  // within 10 s. Returns the socket and the hello, or nullptr once the socket is closed.
  asio::awaitable<std::pair<std::shared_ptr<LiveSocket>, Json>> AcceptGreeted(
      Connection& connection, BeastRequest& beast_request, const HttpRequest& request,
      const Actor& actor, LogRecord& log, std::size_t message_limit) {
    auto socket = std::make_shared<LiveSocket>(std::move(connection.stream));
    socket->user = actor.user_id;
    socket->session = actor.session_id;
    beast::get_lowest_layer(socket->ws).expires_never();
    socket->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    socket->ws.set_option(
        websocket::stream_base::decorator([secure = request.secure](websocket::response_type& res) {
          res.set(bhttp::field::server, "rapport");
          SetSecurityHeaders(res, secure);
          res.set(bhttp::field::cache_control, "no-store");
        }));
    socket->ws.read_message_max(message_limit);
    beast::error_code ec;
    co_await socket->ws.async_accept(beast_request, asio::redirect_error(asio::use_awaitable, ec));
    log.status = ec ? 400 : 101;
    WriteLog(log);
    if (ec) co_return std::pair{nullptr, Json()};
    connection.busy = false;

    // No hello with the CSRF token in time: the socket is closed under the read below.
    auto hello_timer = std::make_shared<asio::steady_timer>(ioc_, std::chrono::seconds(10));
    asio::co_spawn(ioc_, CloseUnlessGreeted(socket, hello_timer), asio::detached);
    beast::flat_buffer buffer;
    co_await socket->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    hello_timer->cancel();
    if (ec || socket->closed) co_return std::pair{nullptr, Json()};
    Json hello = Json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    const bool greeted = hello.is_object() && hello.value("type", "") == "hello" &&
                         hello.contains("csrf") && hello["csrf"].is_string() &&
                         services_.auth->CheckCsrf(actor, hello["csrf"].get<std::string>());
    if (!greeted) {
      co_await socket->ws.async_close(websocket::close_code::policy_error,
                                      asio::redirect_error(asio::use_awaitable, ec));
      co_return std::pair{nullptr, Json()};
    }
    co_return std::pair{socket, std::move(hello)};
  }

  // The session cookie at the upgrade, a same-origin page, and the CSRF token in the first
  // message (within 10 s): then the socket joins the hub and gets the person's events until it
  // closes, the session ends (checked every minute) or the server stops.
  asio::awaitable<void> ServeLive(Connection& connection, BeastRequest& beast_request,
                                  const std::string& remote, LogRecord& log) {
    log.route = std::string(kLivePath);
    HttpRequest request = Translate(beast_request, remote, connection.secured);
    request.request_id = log.request_id;
    std::optional<Upgrader> upgrader = co_await AuthenticateUpgrade(connection, request, log);
    if (!upgrader) co_return;
    // No structured binding: g++ 12 mishandles one that lives across a co_await.
    std::pair<std::shared_ptr<LiveSocket>, Json> greeted =
        co_await AcceptGreeted(connection, beast_request, request, upgrader->actor, log, 4096);
    std::shared_ptr<LiveSocket> socket = std::move(greeted.first);
    if (!socket) co_return;
    hub_.Add(socket);
    QueueLive(*socket, R"({"type":"ready"})");
    asio::co_spawn(ioc_, RunLiveWriter(socket, services_.auth, upgrader->token, remote, &pool_),
                   asio::detached);
    // Pages send nothing after the hello; reading keeps the close handshake and pings working.
    beast::flat_buffer buffer;
    while (!stopping_ && !socket->closed) {
      beast::error_code ec;
      co_await socket->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.consume(buffer.size());
    }
    socket->closed = true;
    socket->wake.cancel();
    hub_.Remove(socket);
    beast::error_code ignored;
    beast::get_lowest_layer(socket->ws).socket().close(ignored);
  }

  // A session's room (http/room_socket.h): as a live page, and RoomService::Enter must let this
  // person into this appointment's room now; a refusal is a plain HTTP answer before the upgrade.
  asio::awaitable<void> ServeRoom(Connection& connection, BeastRequest& beast_request,
                                  const std::string& remote, LogRecord& log,
                                  AppointmentId appointment_id) {
    log.route = "/api/v1/appointments/{id}/room/socket";
    HttpRequest request = Translate(beast_request, remote, connection.secured);
    request.request_id = log.request_id;
    if (!room_sockets_) {
      co_await RefuseLive(connection, request, ProblemResponse(404, "No such API route."), log);
      co_return;
    }
    std::optional<Upgrader> upgrader = co_await AuthenticateUpgrade(connection, request, log);
    if (!upgrader) co_return;
    const Actor actor = upgrader->actor;
    Result<RoomPass> pass = co_await asio::co_spawn(
        pool_, EnterOnPool(services_.rooms, &actor, appointment_id), asio::use_awaitable);
    if (!pass) {
      co_await RefuseLive(connection, request, ProblemResponse(pass.error()), log);
      co_return;
    }
    std::pair<std::shared_ptr<LiveSocket>, Json> greeted = co_await AcceptGreeted(
        connection, beast_request, request, actor, log, kMaxRoomMessageBytes);
    std::shared_ptr<LiveSocket> socket = std::move(greeted.first);
    if (!socket) co_return;
    std::int64_t hello_seq = -1;
    if (greeted.second.contains("seq") && greeted.second["seq"].is_number_integer()) {
      hello_seq = greeted.second["seq"].get<std::int64_t>();
    }
    co_await room_sockets_->Serve(socket, actor, *pass, hello_seq, services_.auth, upgrader->token,
                                  remote);
  }

  static bool SameOrigin(std::string_view origin, std::string_view host) {
    if (origin.empty()) return true;  // not a browser page: the cookie and CSRF token decide
    const std::size_t scheme = origin.find("://");
    if (scheme == std::string_view::npos) return false;
    return origin.substr(scheme + 3) == host;
  }

  static asio::awaitable<Result<RoomPass>> EnterOnPool(RoomService* rooms, const Actor* actor,
                                                       AppointmentId appointment_id) {
    co_return rooms->Enter(*actor, appointment_id);
  }

  static asio::awaitable<void> CloseUnlessGreeted(std::shared_ptr<LiveSocket> socket,
                                                  std::shared_ptr<asio::steady_timer> timer) {
    beast::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // cancelled: greeted (or gone) in time
    socket->closed = true;
    beast::error_code ignored;
    beast::get_lowest_layer(socket->ws).socket().close(ignored);
  }

  // The request could not be read: answer what deserves an answer (limits, malformed
  // requests), then the caller closes. Timeouts and closed sockets get no reply.
  asio::awaitable<void> RejectUnreadable(Connection& connection, beast::error_code ec,
                                         LogRecord& log) {
    HttpResponse problem;
    if (ec == bhttp::error::header_limit) {
      problem = ProblemResponse(431, "The request headers are too large.");
    } else if (ec == bhttp::error::body_limit) {
      problem = ProblemResponse(413, "The request body is too large.");
    } else if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
               ec == asio::error::operation_aborted || ec == asio::error::eof ||
               ec == asio::error::connection_reset || ec == bhttp::error::partial_message) {
      co_return;
    } else {
      problem = ProblemResponse(400, "The request is not valid HTTP/1.1.");
    }
    HttpRequest none;
    if (log.request_id.empty()) log.request_id = NextRequestId();
    none.request_id = log.request_id;
    none.secure = connection.secured;
    BeastResponse out = ToBeastResponse(std::move(problem), none, 11);
    out.keep_alive(false);
    log.status = out.result_int();
    log.bytes = out.body().size();
    if (log.method.empty()) log.method = "-";
    connection.tcp().expires_after(options_.request_timeout);
    beast::error_code written;
    co_await bhttp::async_write(connection.stream, out,
                                asio::redirect_error(asio::use_awaitable, written));
    WriteLog(log);
    if (!written) co_await LingeringClose(connection);
  }

  // Closes after an error answer without losing it (RFC 9112 §9.6): stop sending, then read and
  // drop what the client is still sending, for at most 2 s and 8 MiB. Closing with unread bytes
  // would reset the connection, and a client still writing its oversize body would never read
  // the 413.
  asio::awaitable<void> LingeringClose(Connection& connection) {
    beast::error_code ec;
    // Under TLS too the bytes are drained beneath it, undecrypted: they are only thrown away.
    connection.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    connection.tcp().expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink{};
    std::size_t drained = 0;
    while (!ec && drained < (std::size_t{8} << 20)) {
      drained += co_await connection.tcp().async_read_some(
          asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // Unique within this process run; the random prefix tells runs apart in merged logs.
  std::string NextRequestId() { return fmt::format("{}-{}", id_prefix_, ++request_counter_); }

  // `tls`: the request came over this server's own TLS.
  HttpRequest Translate(BeastRequest& in, const std::string& remote, bool tls) const {
    return TranslateRequest(in,
                            RequestOrigin{remote, base_url_, tls, options_.trust_proxy_headers});
  }

  asio::awaitable<HttpResponse> Dispatch(HttpRequest& request, std::string& route) {
    DispatchPlan plan = PlanDispatch(router_, request);
    route = plan.route;
    HttpResponse response;
    switch (plan.way) {
      case DispatchPlan::Way::kHandler:
        if (plan.match.blocking) {
          // A request that only reads reads one state of the database, however many services
          // and queries answer it.
          Store* snapshot =
              request.method == "GET" || request.method == "HEAD" ? services_.store : nullptr;
          response = co_await asio::co_spawn(
              pool_, CallOnPool(plan.match.handler, &request, snapshot), asio::use_awaitable);
        } else {
          response = Call(*plan.match.handler, request);
        }
        break;
      case DispatchPlan::Way::kStaticFile:
        // Reading files is disk I/O: off the I/O thread too.
        response = co_await asio::co_spawn(pool_, ServeFileOnPool(&static_files_, &request),
                                           asio::use_awaitable);
        break;
      case DispatchPlan::Way::kRefused: response = std::move(plan.refusal); break;
    }
    // FHIR reads carry clinical data too: never cached.
    if (plan.api) response.no_store = true;
    co_return response;
  }

  // Coroutines that run on the pool. Plain functions taking pointers, not capturing lambdas:
  // g++ 12 destroys a coroutine lambda's captures twice. The pointees live in the awaiting
  // frame, which outlives these.
  static asio::awaitable<HttpResponse> CallOnPool(const Handler* handler,
                                                  const HttpRequest* request, Store* snapshot) {
    co_return snapshot != nullptr ? CallInSnapshot(*snapshot, *handler, *request)
                                  : Call(*handler, *request);
  }
  static asio::awaitable<HttpResponse> ServeFileOnPool(const StaticFiles* files,
                                                       const HttpRequest* request) {
    co_return files->Serve(request->path, request->Header("accept-encoding"),
                           request->Header("if-none-match"));
  }

  static HttpResponse Call(const Handler& handler, const HttpRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception&) {
      return ProblemResponse(Error::Internal("unexpected exception in a handler"));
    }
  }

  // Runs the handler inside Store::Read(): whatever it reads, through any service, comes from
  // the snapshot of its first read. Its own writes (the audit entry) still commit as usual.
  static HttpResponse CallInSnapshot(Store& store, const Handler& handler,
                                     const HttpRequest& request) {
    std::optional<HttpResponse> response;
    const Status read = store.Read([&](Reads&) -> Status {
      response = Call(handler, request);
      return Ok();
    });
    if (!read || !response) {
      return ProblemResponse(read ? Error::Internal("the handler gave no response") : read.error());
    }
    return std::move(*response);
  }

  void WriteLog(const LogRecord& log) const {
    const auto elapsed = std::chrono::steady_clock::now() - log.start;
    const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
    // Only the route pattern: raw paths can hold invitation tokens, query strings can hold
    // anything, and neither belongs in a log.
    Json line = {{"time", FormatIso8601(SystemClock::Instance().Now())},
                 {"method", log.method},
                 {"route", log.route},
                 {"status", log.status},
                 {"duration_ms", std::round(ms * 1000.0) / 1000.0},
                 {"bytes", log.bytes},
                 {"request_id", log.request_id}};
    options_.log_sink(line.dump(-1, ' ', false, Json::error_handler_t::replace));
  }

  std::shared_ptr<ssl::context> CurrentTls() {
    const std::lock_guard lock(tls_mutex_);
    return tls_;
  }

  ServerOptions options_;
  std::mutex tls_mutex_;
  std::shared_ptr<ssl::context> tls_;  // what new connections use; null: plain HTTP
  ApiServices services_;
  Router router_;
  StaticFiles static_files_;
  asio::io_context ioc_{1};
  asio::thread_pool pool_;
  tcp::acceptor acceptor_;
  LiveHub hub_{ioc_};
  std::unique_ptr<LiveChannel> bus_;  // with shared events: live events go through every server
  std::unique_ptr<RoomSockets> room_sockets_;  // when services_.rooms is set
  std::string base_url_;                       // set by Start(), before any request is read
  std::thread io_thread_;
  std::string id_prefix_;
  std::set<std::shared_ptr<Connection>> connections_;  // I/O thread only
  std::atomic<int> live_connections_{0};
  std::atomic<int> refused_connections_{0};
  std::uint64_t request_counter_ = 0;  // I/O thread only
  bool stopping_ = false;              // I/O thread only
  bool started_ = false;               // controlling thread only
  bool stopped_ = false;               // controlling thread only
};

Server::Server(ServerOptions options, ApiServices services)
    : impl_(std::make_unique<Impl>(std::move(options), services)) {}

Server::~Server() = default;

Result<std::uint16_t> Server::Start() {
  return impl_->Start();
}

void Server::Stop() {
  impl_->Stop();
}

LiveChannel& Server::live() {
  return impl_->live();
}

int Server::refused_connections() const {
  return impl_->refused_connections();
}

Status Server::ReplaceTls(std::shared_ptr<boost::asio::ssl::context> tls) {
  return impl_->ReplaceTls(std::move(tls));
}

}  // namespace rapport
