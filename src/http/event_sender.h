#pragma once
// EventSender: sends server events (core/server_events.h) on a thread of its own, in the order
// they were queued, so that the I/O thread never waits for the database that carries them. A
// message for one server that is longer than one event goes in parts (http/event_parts.h), sent
// one after the other. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/server_events.h"

namespace rapport {

class EventSender {
 public:
  // `me` is this server's id, the sender of its parts.
  EventSender(ServerEvents& events, std::string me);
  EventSender(const EventSender&) = delete;
  EventSender& operator=(const EventSender&) = delete;
  ~EventSender();  // Stop()

  // Queues `message`, for server `to` (empty: a message every server acts on, never longer than
  // one event). `failed` runs on the sender's thread when it could not be sent (the database
  // unavailable, too long even in parts, or queued after Stop()).
  void Queue(std::string message, std::string to = {}, std::function<void()> failed = {});
  // Sends what is queued, unless a send fails (the database is gone: the rest would fail too), and
  // stops. Idempotent.
  void Stop();

 private:
  struct Item {
    std::string message;
    std::string to;
    std::function<void()> failed;
  };
  void Run();
  bool SendOne(const Item& item);

  ServerEvents& events_;
  const std::string me_;
  std::uint64_t next_id_ = 0;  // the sender thread's
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;      // last: started once everything above exists
};

}  // namespace rapport
