#pragma once
// ServerEvents: short messages to every app server that shares one database, this one included.
// A person's live pages may be held by any server of a clinic group; what one server learns (an
// alert to push) the others must hear. Not stored: a server that is down misses what was sent
// meanwhile, so anything that must not be lost goes through the store (the outbox) first and only
// its live echo through here. Thread-safe.

#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>

#include "core/result.h"

namespace rapport {

// The most a message may hold (PostgreSQL's NOTIFY takes just under 8000 bytes).
inline constexpr std::size_t kMaxServerEventBytes = 7900;

class ServerEvents {
 public:
  using Handler = std::function<void(std::string_view message)>;

  virtual ~ServerEvents() = default;
  // Whether other servers may share the database; false when this process is the only one.
  virtual bool Shared() const = 0;
  // Sends `message` to every server's handler, in the order sent. kInvalidArgument when it is
  // longer than kMaxServerEventBytes; kUnavailable when it could not be sent.
  virtual Status Send(std::string_view message) = 0;
  // Sets the handler (nullptr: none), called on a thread of the implementation's for every
  // message, this server's own included. Returns once no call to the previous one runs.
  virtual void SetHandler(Handler handler) = 0;
};

// The events of a server that shares its database with nobody: Send() calls the handler at once.
class LocalServerEvents final : public ServerEvents {
 public:
  bool Shared() const override { return false; }
  Status Send(std::string_view message) override;
  void SetHandler(Handler handler) override;

 private:
  std::mutex mu_;
  Handler handler_;  // guarded by mu_, which is held while it runs
};

}  // namespace rapport
