#include "http/live_hub.h"

#include <vector>

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

namespace {

void Close(LiveSocket& socket) {
  socket.closed = true;
  beast::error_code ignored;
  beast::get_lowest_layer(socket.ws).socket().close(ignored);
  socket.wake.cancel();
}

}  // namespace

void LiveHub::CloseAll() {
  std::vector<std::shared_ptr<LiveSocket>> all;
  {
    const std::lock_guard lock(mu_);
    closing_ = true;
    for (auto& [user, socket] : sockets_) all.push_back(socket);
  }
  for (const auto& socket : all) Close(*socket);
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
    asio::post(ioc_, [socket] { Close(*socket); });
  }
}

}  // namespace rapport
