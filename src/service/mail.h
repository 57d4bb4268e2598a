#pragma once
// Internal to service/: an e-mail to one user, queued in the notification outbox.

#include <string>
#include <string_view>

#include "core/clock.h"
#include "domain/people.h"
#include "store/notification_records.h"

namespace rapport {

// The reason of the mail asking a guardian who has an account to accept a link.
inline constexpr std::string_view kGuardianLinkRequestMail = "guardian_link_request";

// A mail to `user` at their address, due now; the outbox sends it once per `dedupe_key`.
Notification MailTo(const User& user, std::string reason, std::string dedupe_key,
                    std::string subject, std::string body, Timestamp now);

}  // namespace rapport
