#pragma once
// The ServerEvents (core/server_events.h) of app servers that share one PostgreSQL database:
// Send() is a NOTIFY on one channel, and a thread of its own LISTENs on a connection of its own
// and hands every payload to the handler, in the order the server received them (commit order).
// When its connection is lost it connects again, after a second, for as long as it runs; what was
// sent meanwhile is missed, as ServerEvents says. Thread-safe.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/server_events.h"
#include "store/postgres/pg_connection.h"

namespace rapport {

inline constexpr const char* kPgEventsChannel = "rapport_events";

class PgServerEvents final : public ServerEvents {
 public:
  explicit PgServerEvents(std::string conninfo);
  PgServerEvents(const PgServerEvents&) = delete;
  PgServerEvents& operator=(const PgServerEvents&) = delete;
  ~PgServerEvents() override;  // stops the listener

  bool Shared() const override { return true; }
  Status Send(std::string_view message) override;
  void SetHandler(Handler handler) override;

  // How many times the listener has connected and started listening: a test waits for the
  // first before it sends, since a NOTIFY before LISTEN reaches nobody.
  int listening() const { return listening_.load(); }

 private:
  void Listen();

  const std::string conninfo_;
  std::mutex send_mu_;
  std::unique_ptr<PgConnection> sender_;  // guarded by send_mu_; opened on first use
  std::mutex handler_mu_;                 // held while the handler runs
  Handler handler_;                       // guarded by handler_mu_
  std::atomic<bool> stopping_{false};
  std::atomic<int> listening_{0};
  std::thread listener_;  // last: started once everything above exists
};

}  // namespace rapport
