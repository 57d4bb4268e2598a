#pragma once
// SafetyService: how a clinic makes sure a risk answer reaches a person, and what a person in
// crisis is shown. The admin sets the clinic's hours, time zone, escalation delays, on-call
// promise, webhook and crisis lines and keeps the on-call rota; each clinician chooses how they
// hear about alerts; anyone signed in (and a feedback link's holder) can open "Get help now";
// the admin reads the mail outbox (mail that had no relay to go out by: never clinical content).
//
// Guarantees:
//  - Access: settings, channels, rota, crisis lines and the outbox are the admin's
//    (kPermissionDenied for others; therapists and supervisors may read the rota); preferences are
//    one's own and only for therapists and supervisors; help is for everyone signed in.
//  - Bad input is kInvalidArgument naming the field ("settings/hours/monday/start",
//    "webhook_url", "lines/0/tel", "user_id", "ends_at") and nothing is stored.
//  - Every change is audited; the webhook secret is never returned, only whether one is set.
// Thread-safe (all state is in the Store). Borrows the Store, Clock and crisis directory.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "service/actor.h"
#include "service/crisis_help.h"
#include "store/store.h"

namespace rapport {

struct SafetyView {
  SafetySettings settings;
  std::string hours_in_words;
  bool open_now = false;
  std::string webhook_url;
  bool has_webhook_secret = false;
  std::string mail_from;
  bool mail_relay = false;  // whether the server has an SMTP relay (else mail is held)
};

struct ChannelsUpdate {
  std::string webhook_url;                    // "" removes the webhook
  std::optional<std::string> webhook_secret;  // nullopt keeps the current one
  std::string mail_from;
};

struct OnCallView {
  OnCallShift shift;
  std::string user_name;
};

struct CrisisSetView {
  CrisisSet set;
  bool own = false;  // the clinic's own, not the shipped set
};

struct MailView {
  NotificationId id = 0;
  std::string to, subject, body, reason;
  Timestamp created_at = 0;
};

struct MailPage {
  std::vector<MailView> mail;  // newest first
  std::optional<NotificationId> next_before;
};

class SafetyService {
 public:
  SafetyService(Store& store, const Clock& clock, const CrisisDirectory& crisis,
                bool mail_relay = false);

  Result<SafetyView> GetSafety(const Actor& actor);
  Result<SafetyView> UpdateSafety(const Actor& actor, const Json& settings);
  Result<SafetyView> UpdateChannels(const Actor& actor, const ChannelsUpdate& update);

  Result<std::vector<OnCallView>> ListOnCall(const Actor& actor, Timestamp from, Timestamp to);
  Result<OnCallView> AddOnCall(const Actor& actor, UserId user_id, Timestamp starts_at,
                               Timestamp ends_at);
  Status RemoveOnCall(const Actor& actor, ShiftId id);

  // Every shipped country and every country the clinic has its own set for, by country.
  Result<std::vector<CrisisSetView>> ListCrisisSets(const Actor& actor);
  Result<CrisisSetView> PutCrisisSet(const Actor& actor, const std::string& country,
                                     const Json& set);
  Status ResetCrisisSet(const Actor& actor, const std::string& country);

  Result<MailPage> MailOutbox(const Actor& actor, NotificationId before, int limit);

  Result<NotificationPreferences> Preferences(const Actor& actor);
  Result<NotificationPreferences> UpdatePreferences(const Actor& actor, bool email,
                                                    Severity email_min_severity, bool live);

  // "Get help now" for the signed-in person: a client's own country, a guardian's clinic's.
  Result<CrisisHelp> Help(const Actor& actor);

 private:
  Result<SafetyView> View(ClinicId clinic_id);

  Store& store_;
  const Clock& clock_;
  const CrisisDirectory& crisis_;
  bool mail_relay_;
};

}  // namespace rapport
