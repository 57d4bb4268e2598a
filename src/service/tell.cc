#include "service/tell.h"

#include <fmt/format.h>

namespace rapport {

Result<int> Tell(WriteTxn& txn, const User& person, const Message& message, Timestamp now) {
  int queued = 0;
  for (Channel channel : {Channel::kLive, Channel::kEmail}) {
    Notification n;
    n.clinic_id = person.clinic_id;
    n.recipient_id = person.id;
    n.channel = channel;
    n.reason = std::string(message.reason);
    n.dedupe_key = fmt::format("{}:{}", message.key, ToString(channel));
    n.created_at = now;
    n.next_attempt_at = now;
    if (channel == Channel::kEmail) {
      if (person.email.empty()) continue;
      n.address = person.email;
      n.subject = message.subject;
      n.body = fmt::format("Hello {},\n\n{}\n\nPlease do not reply to this message.\n",
                           person.display_name, message.text);
    } else {
      n.payload_json = message.payload.dump();
    }
    auto id = txn.InsertNotification(n);
    if (!id && id.error().code == ErrorCode::kAlreadyExists) continue;
    if (!id) return Fail(std::move(id).error());
    ++queued;
  }
  return queued;
}

}  // namespace rapport
