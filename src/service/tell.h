#pragma once
// Internal to service/: telling one person something that is not an alert (a check-in request, an
// appointment reminder, an answer to their request), live on their open pages and by e-mail,
// through the notification outbox.

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"
#include "store/store.h"

namespace rapport {

struct Message {
  std::string_view reason;  // the notification's reason: "feedback_request", "fit_check", ...
  std::string key;          // unique per occasion; each channel's dedupe key is "<key>:<channel>"
  std::string subject;      // the e-mail's; never clinical content
  std::string text;         // the e-mail's words between the greeting and the sign-off
  Json payload;             // the live event
};

// Queues `message` to `person` live and (when they have an address) by e-mail, each unless its
// key was used before, inside `txn`. Returns how many were queued.
Result<int> Tell(WriteTxn& txn, const User& person, const Message& message, Timestamp now);

}  // namespace rapport
