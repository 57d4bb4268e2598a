#include "http/live_hub.h"

#include <vector>

#include "service/auth_service.h"

namespace rapport {

void QueueLive(LiveSocket& socket, std::string text) {
  if (socket.closed) return;
  // A page that stops reading must not make the server hold an unbounded backlog for it.
  constexpr std::size_t kMostQueued = 256;
  if (socket.queue.size() >= kMostQueued) socket.queue.pop_front();
  socket.queue.push_back(std::move(text));
  socket.wake.cancel();
}

int LiveHub::Publish(UserId user, const std::string& event_json) {
  std::vector<std::shared_ptr<LiveSocket>> targets;
  {
    const std::lock_guard lock(mu_);
    if (closing_) return 0;
    const auto [first, last] = sockets_.equal_range(user);
    for (auto it = first; it != last; ++it) targets.push_back(it->second);
  }
  for (const auto& socket : targets) {
    asio::post(ioc_, [socket, event_json] { QueueLive(*socket, event_json); });
  }
  return static_cast<int>(targets.size());
}

void LiveHub::Add(const std::shared_ptr<LiveSocket>& socket) {
  const std::lock_guard lock(mu_);
  sockets_.emplace(socket->user, socket);
}

void LiveHub::Remove(const std::shared_ptr<LiveSocket>& socket) {
  const std::lock_guard lock(mu_);
  const auto [first, last] = sockets_.equal_range(socket->user);
  for (auto it = first; it != last; ++it) {
    if (it->second == socket) {
      sockets_.erase(it);
      return;
    }
  }
}

void CloseLive(LiveSocket& socket) {
  socket.closed = true;
  beast::error_code ignored;
  beast::get_lowest_layer(socket.ws).socket().close(ignored);
  socket.wake.cancel();
}

namespace {

asio::awaitable<Result<Actor>> AuthenticateNow(AuthService* auth, const std::string* token,
                                               const std::string* remote) {
  co_return auth->Authenticate(*token, *remote);
}

}  // namespace

asio::awaitable<Result<Actor>> AuthenticateOn(asio::thread_pool& pool, AuthService& auth,
                                              const std::string& token, const std::string& remote) {
  co_return co_await asio::co_spawn(pool, AuthenticateNow(&auth, &token, &remote),
                                    asio::use_awaitable);
}

asio::awaitable<void> RunLiveWriter(std::shared_ptr<LiveSocket> socket, AuthService* auth,
                                    std::string token, std::string remote,
                                    asio::thread_pool* pool) {
  while (!socket->closed) {
    if (socket->queue.empty() && socket->closing) {
      beast::error_code ignored;
      co_await socket->ws.async_close(websocket::close_code::normal,
                                      asio::redirect_error(asio::use_awaitable, ignored));
      break;
    }
    if (socket->queue.empty()) {
      socket->wake.expires_after(std::chrono::seconds(60));
      beast::error_code ec;
      co_await socket->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (socket->closed) break;
      if (!ec) {
        Result<Actor> still = co_await AuthenticateOn(*pool, *auth, token, remote);
        if (!still) break;
      }
      continue;
    }
    std::string text = std::move(socket->queue.front());
    socket->queue.pop_front();
    socket->ws.text(true);
    beast::error_code ec;
    co_await socket->ws.async_write(asio::buffer(text),
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  socket->closed = true;
  beast::error_code ignored;
  beast::get_lowest_layer(socket->ws).socket().close(ignored);
}

void LiveHub::CloseAll() {
  std::vector<std::shared_ptr<LiveSocket>> all;
  {
    const std::lock_guard lock(mu_);
    closing_ = true;
    for (auto& [user, socket] : sockets_) all.push_back(socket);
  }
  for (const auto& socket : all) CloseLive(*socket);
}

void LiveHub::CloseSession(SessionId session) {
  std::vector<std::shared_ptr<LiveSocket>> of_session;
  {
    const std::lock_guard lock(mu_);
    for (auto& [user, socket] : sockets_) {
      if (socket->session == session) of_session.push_back(socket);
    }
  }
  for (const auto& socket : of_session) {
    asio::post(ioc_, [socket] { CloseLive(*socket); });
  }
}

}  // namespace rapport
