#include "core/server_events.h"

#include <utility>

namespace rapport {

Status LocalServerEvents::Send(std::string_view message) {
  if (message.size() > kMaxServerEventBytes) {
    return Fail(Error::InvalidArgument("a server event is too long"));
  }
  const std::lock_guard lock(mu_);
  if (handler_) handler_(message);
  return Ok();
}

void LocalServerEvents::SetHandler(Handler handler) {
  const std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

}  // namespace rapport
