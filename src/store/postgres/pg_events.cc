#include "store/postgres/pg_events.h"

#include <chrono>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport {

namespace {

// How long the listener waits at a time, so that it notices a stop soon.
constexpr std::chrono::milliseconds kWait{200};
// How long it waits before connecting again after losing its connection.
constexpr std::chrono::milliseconds kReconnect{1000};

}  // namespace

PgServerEvents::PgServerEvents(std::string conninfo)
    : conninfo_(std::move(conninfo)), listener_([this] { Listen(); }) {}

PgServerEvents::~PgServerEvents() {
  stopping_.store(true);
  listener_.join();
}

Status PgServerEvents::Send(std::string_view message) {
  if (message.size() > kMaxServerEventBytes) {
    return Fail(Error::InvalidArgument("a server event is too long"));
  }
  const std::lock_guard lock(send_mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sender_ == nullptr) {
      RAPPORT_ASSIGN_OR_RETURN(sender_,
                               PgConnection::Open(conninfo_, SqlConnection::Mode::kWriter));
    }
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery notify, sender_->Prepare("SELECT pg_notify(?, ?)"));
    notify.Bind(kPgEventsChannel).Bind(message);
    const Result<bool> sent = notify.Step();
    if (sent) return Ok();
    // A connection lost since the last message (a failover) is opened again once.
    if (sent.error().code != ErrorCode::kUnavailable) return Fail(sent.error());
    sender_.reset();
  }
  return Fail(Error::Unavailable("database unavailable: cannot send a server event"));
}

void PgServerEvents::SetHandler(Handler handler) {
  const std::lock_guard lock(handler_mu_);
  handler_ = std::move(handler);
}

void PgServerEvents::Listen() {
  while (!stopping_.load()) {
    auto opened = PgConnection::Open(conninfo_, SqlConnection::Mode::kWriter);
    if (!opened || !(*opened)->Listen(kPgEventsChannel)) {
      for (auto waited = std::chrono::milliseconds(0); waited < kReconnect && !stopping_.load();
           waited += kWait) {
        std::this_thread::sleep_for(kWait);
      }
      continue;
    }
    listening_.fetch_add(1);
    PgConnection& connection = **opened;
    while (!stopping_.load()) {
      Result<std::vector<std::string>> arrived = connection.AwaitNotifications(kWait);
      if (!arrived) break;  // lost: connect again
      for (const std::string& payload : *arrived) {
        const std::lock_guard lock(handler_mu_);
        if (handler_) handler_(payload);
      }
    }
  }
}

}  // namespace rapport
