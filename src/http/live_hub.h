#pragma once
// LiveHub: the signed-in pages that hold a WebSocket to /api/v1/live, by person, and the way
// events reach them. The delivery worker calls Publish() from its own thread; the sockets live on
// the server's one I/O thread, so Publish() only queues the event there and wakes the socket's
// writer. Thread-safe. Owned by the server; Publish() after CloseAll() reaches nobody.
//
// A page authenticates its socket with the session cookie at the upgrade and the CSRF token in
// its first message; a socket never carries anything its person could not read over HTTP.

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "domain/people.h"
#include "http/asio.h"
#include "http/tls_stream.h"
#include "notify/delivery.h"
#include "service/actor.h"

namespace rapport {

class AuthService;

// One open page (or a room's seat), over plain TCP or TLS alike. Touched only on the I/O thread,
// except through the hub's Publish().
struct LiveSocket {
  explicit LiveSocket(Stream stream) : ws(std::move(stream)), wake(ws.get_executor()) {}
  websocket::stream<Stream> ws;
  asio::steady_timer wake;  // cancelled to wake the writer
  std::deque<std::string> queue;
  UserId user = 0;
  SessionId session = 0;
  bool closed = false;
  bool closing = false;  // close normally once the queue is written
};

class LiveHub final : public LiveChannel {
 public:
  explicit LiveHub(asio::io_context& ioc) : ioc_(ioc) {}

  int Publish(UserId user, const std::string& event_json) override;

  // I/O thread only.
  void Add(const std::shared_ptr<LiveSocket>& socket);
  void Remove(const std::shared_ptr<LiveSocket>& socket);
  // Closes every socket (server stop) or every socket of one session (sign-out).
  void CloseAll();
  void CloseSession(SessionId session);

 private:
  asio::io_context& ioc_;
  mutable std::mutex mu_;
  std::multimap<UserId, std::shared_ptr<LiveSocket>> sockets_;
  bool closing_ = false;
};

// Queues `text` on `socket` and wakes its writer. I/O thread only.
void QueueLive(LiveSocket& socket, std::string text);

// Closes `socket` at once and wakes its writer so that it ends. I/O thread only.
void CloseLive(LiveSocket& socket);

// The session behind `token` as seen from `remote`, checked on `pool`.
asio::awaitable<Result<Actor>> AuthenticateOn(asio::thread_pool& pool, AuthService& auth,
                                              const std::string& token, const std::string& remote);

// Writes `socket`'s queue in order until it closes; wakes when something is queued, and once a
// minute checks that the session behind `token` is still valid (a sign-out or expiry ends the
// socket). Spawn it on the I/O thread once the socket is accepted.
asio::awaitable<void> RunLiveWriter(std::shared_ptr<LiveSocket> socket, AuthService* auth,
                                    std::string token, std::string remote, asio::thread_pool* pool);

}  // namespace rapport
