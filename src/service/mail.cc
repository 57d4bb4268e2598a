#include "service/mail.h"

#include <utility>

namespace rapport {

Notification MailTo(const User& user, std::string reason, std::string dedupe_key,
                    std::string subject, std::string body, Timestamp now) {
  Notification mail;
  mail.clinic_id = user.clinic_id;
  mail.recipient_id = user.id;
  mail.channel = Channel::kEmail;
  mail.reason = std::move(reason);
  mail.dedupe_key = std::move(dedupe_key);
  mail.address = user.email;
  mail.subject = std::move(subject);
  mail.body = std::move(body);
  mail.created_at = now;
  mail.next_attempt_at = now;
  return mail;
}

}  // namespace rapport
