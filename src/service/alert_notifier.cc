#include "service/alert_notifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "core/json.h"
#include "core/local_time.h"

namespace rapport {

namespace {

// One person to tell at a step, and how.
struct Recipient {
  User user;
  bool live = false;
  bool email = false;
  bool clinical = true;  // false for admins: they see no clinical content, not even a name
};

Result<SafetySettings> ParseStored(const std::optional<std::string>& json) {
  if (!json) return SafetySettings{};
  const Json parsed = Json::parse(*json, nullptr, false);
  if (parsed.is_discarded())
    return Fail(Error::Internal("corrupt safety settings in the database"));
  auto settings = ParseSafetySettings(parsed);
  if (!settings) return Fail(Error::Internal("corrupt safety settings in the database"));
  return settings;
}

std::string AlertLink(const NotifierConfig& config, AlertId id) {
  return fmt::format("{}/alerts/{}", config.base_url, id);
}

// The people a step names, each once, active accounts only, never the client.
Result<std::vector<User>> PeopleOf(WriteTxn& txn, const EscalationStep& step,
                                   const Episode& episode, Timestamp now) {
  std::vector<UserId> ids;
  std::vector<User> clinic_users;
  bool have_clinic_users = false;
  auto users_of_clinic = [&]() -> Status {
    if (have_clinic_users) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(clinic_users, txn.ListUsers(episode.clinic_id));
    have_clinic_users = true;
    return Ok();
  };
  for (Audience audience : step.notify) {
    switch (audience) {
      case Audience::kTreatingTherapist: ids.push_back(episode.therapist_id); break;
      case Audience::kSupervisors: {
        RAPPORT_ASSIGN_OR_RETURN(const auto supervisors, txn.ListSupervisors(episode.therapist_id));
        ids.insert(ids.end(), supervisors.begin(), supervisors.end());
        break;
      }
      case Audience::kOnCall: {
        RAPPORT_ASSIGN_OR_RETURN(const auto shifts, txn.ListOnCallShiftsAt(episode.clinic_id, now));
        for (const OnCallShift& s : shifts) ids.push_back(s.user_id);
        break;
      }
      case Audience::kAllSupervisors:
      case Audience::kAdmins: {
        RAPPORT_RETURN_IF_ERROR(users_of_clinic());
        const Role wanted = audience == Audience::kAdmins ? Role::kAdmin : Role::kSupervisor;
        for (const User& u : clinic_users) {
          if (u.role == wanted) ids.push_back(u.id);
        }
        break;
      }
    }
  }
  std::vector<User> people;
  std::set<UserId> seen;
  for (UserId id : ids) {
    if (!seen.insert(id).second) continue;
    RAPPORT_ASSIGN_OR_RETURN(User user, txn.GetUser(id));
    if (!user.active || user.clinic_id != episode.clinic_id) continue;
    if (user.role == Role::kClient || user.role == Role::kGuardian) continue;
    people.push_back(std::move(user));
  }
  return people;
}

Result<Recipient> HowToReach(WriteTxn& txn, User user, const FeedbackAlert& alert, bool urgent) {
  Recipient r;
  r.clinical = user.role != Role::kAdmin;
  RAPPORT_ASSIGN_OR_RETURN(const NotificationPreferences prefs,
                           txn.GetNotificationPreferences(user.id));
  // Nobody can opt out of hearing about a risk answer.
  r.live = r.clinical && (urgent || prefs.live);
  r.email = urgent || (prefs.email && alert.severity >= prefs.email_min_severity);
  r.user = std::move(user);
  return r;
}

struct MailText {
  std::string subject, body;
};

MailText MailFor(const Recipient& r, const NotifierConfig& config, const FeedbackAlert& alert,
                 int step, const std::string& therapist_name, int waited_minutes) {
  const std::string link = AlertLink(config, alert.id);
  const std::string hello = fmt::format("Hello {},\n\n", r.user.display_name);
  const std::string privacy =
      "\n\nFor the client's privacy, this message says nothing more. Please do not reply to "
      "it.\n";
  if (step == 0) {
    return {"Rapport: a client needs your attention",
            hello +
                "A client of yours needs your attention. Please sign in to Rapport and open the "
                "alert:\n" +
                link + privacy};
  }
  if (!r.clinical) {
    const EscalationLadder& ladder = *config.ladder;
    return {"Rapport: " + ladder.admin_subject,
            hello + ladder.admin_body +
                fmt::format(" It has waited {}; the client's therapist is {}.",
                            DurationInWords(waited_minutes), therapist_name) +
                privacy};
  }
  return {"Rapport: an urgent alert needs someone now",
          hello +
              fmt::format("An urgent alert for a client of {} has not been acknowledged for "
                          "{}. Please sign in to Rapport and make sure someone acts on it:\n",
                          therapist_name, DurationInWords(waited_minutes)) +
              link + privacy};
}

std::string DedupeKey(AlertId alert, int step, std::string_view channel, UserId user) {
  return fmt::format("alert:{}:step:{}:{}:{}", alert, step, channel, user);
}

// Writes one notification unless its key was written before (a retried job).
Status WriteOnce(WriteTxn& txn, const Notification& n) {
  auto id = txn.InsertNotification(n);
  if (!id && id.error().code == ErrorCode::kAlreadyExists) return Ok();
  if (!id) return Fail(std::move(id).error());
  return Ok();
}

// Every notification of one step of one alert.
Status NotifyStep(WriteTxn& txn, const NotifierConfig& config, const FeedbackAlert& alert,
                  const Episode& episode, const std::string& client_name, int step,
                  int waited_minutes, Timestamp now) {
  const EscalationLadder& ladder = *config.ladder;
  RAPPORT_ASSIGN_OR_RETURN(
      const auto people, PeopleOf(txn, ladder.steps[static_cast<std::size_t>(step)], episode, now));
  RAPPORT_ASSIGN_OR_RETURN(const User therapist, txn.GetUser(episode.therapist_id));
  std::vector<std::pair<std::string, std::string>> told;  // for the webhook: name, e-mail
  for (const User& person : people) {
    RAPPORT_ASSIGN_OR_RETURN(const Recipient r,
                             HowToReach(txn, person, alert, IsUrgent(ladder, alert)));
    Notification base;
    base.clinic_id = alert.clinic_id;
    base.alert_id = alert.id;
    base.recipient_id = person.id;
    base.reason = step == 0 ? "alert" : "escalation";
    base.step = step;
    base.created_at = now;
    base.next_attempt_at = now;
    if (r.live) {
      Notification live = base;
      live.channel = Channel::kLive;
      live.dedupe_key = DedupeKey(alert.id, step, "live", person.id);
      live.payload_json = Json{
          {"type", "alert"},
          {"alert_id", alert.id},
          {"episode_id", alert.episode_id},
          {"severity", ToString(alert.severity)},
          {"title", alert.title},
          {"client_name", client_name},
          {"step", step}}.dump();
      RAPPORT_RETURN_IF_ERROR(WriteOnce(txn, live));
    }
    if (r.email) {
      Notification mail = base;
      mail.channel = Channel::kEmail;
      mail.dedupe_key = DedupeKey(alert.id, step, "email", person.id);
      mail.address = person.email;
      const MailText text = MailFor(r, config, alert, step, therapist.display_name, waited_minutes);
      mail.subject = text.subject;
      mail.body = text.body;
      RAPPORT_RETURN_IF_ERROR(WriteOnce(txn, mail));
    }
    told.emplace_back(person.display_name, person.email);
  }
  RAPPORT_ASSIGN_OR_RETURN(const ClinicChannels channels, txn.GetClinicChannels(alert.clinic_id));
  if (!channels.webhook_url.empty() && IsUrgent(ladder, alert)) {
    Json recipients = Json::array();
    for (const auto& [name, email] : told) recipients.push_back({{"name", name}, {"email", email}});
    Notification hook;
    hook.clinic_id = alert.clinic_id;
    hook.alert_id = alert.id;
    hook.channel = Channel::kWebhook;
    hook.reason = step == 0 ? "alert" : "escalation";
    hook.step = step;
    hook.dedupe_key = fmt::format("alert:{}:step:{}:webhook", alert.id, step);
    hook.address = channels.webhook_url;
    hook.created_at = now;
    hook.next_attempt_at = now;
    hook.payload_json = Json{
        {"event", step == 0 ? "alert.raised" : "alert.escalated"},
        {"alert_id", alert.id},
        {"severity", ToString(alert.severity)},
        {"step", step},
        {"minutes_unacknowledged", waited_minutes},
        {"therapist", therapist.display_name},
        {"recipients", recipients},
        {"link", AlertLink(config, alert.id)},
        {"at", FormatIso8601(
                   now)}}.dump();
    RAPPORT_RETURN_IF_ERROR(WriteOnce(txn, hook));
  }
  return Ok();
}

// The job that runs step `step` (>= 1) when nobody has acknowledged by then.
Status ScheduleStep(WriteTxn& txn, const NotifierConfig& config, const FeedbackAlert& alert,
                    int step, Timestamp now) {
  if (step >= static_cast<int>(config.ladder->steps.size())) return Ok();
  RAPPORT_ASSIGN_OR_RETURN(const SafetySettings settings, LoadSafetySettings(txn, alert.clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const bool open, ClinicOpenAt(settings, now));
  Job job;
  job.clinic_id = alert.clinic_id;
  job.kind = std::string(kEscalateJob);
  job.key = fmt::format("escalate:alert={}:step={}", alert.id, step);
  job.payload_json = Json{{"alert_id", alert.id}, {"step", step}}.dump();
  job.due_at = NextStepDue(settings, now, open);
  RAPPORT_RETURN_IF_ERROR(txn.InsertJob(job));
  return Ok();
}

}  // namespace

bool IsUrgent(const EscalationLadder& ladder, const FeedbackAlert& alert) {
  return alert.kind == AlertKind::kRisk || ladder.AppliesTo(alert.severity);
}

Result<SafetySettings> LoadSafetySettings(WriteTxn& txn, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(const auto json, txn.GetSafetySettingsJson(clinic_id));
  return ParseStored(json);
}

Result<SafetySettings> LoadSafetySettings(Store& store, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(const auto json, store.GetSafetySettingsJson(clinic_id));
  return ParseStored(json);
}

Result<bool> ClinicOpenAt(const SafetySettings& settings, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const LocalTime local, ToLocalTime(now, settings.time_zone));
  return IsOpen(settings.hours, local.weekday, local.minute_of_day);
}

Result<std::string> NextOpeningInWords(const SafetySettings& settings, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const LocalTime local, ToLocalTime(now, settings.time_zone));
  const std::optional<Opening> opening = NextOpening(settings.hours, local);
  if (!opening) return std::string();
  return DescribeOpening(*opening);
}

Status NotifyAlertRaised(WriteTxn& txn, const NotifierConfig& config, const FeedbackAlert& alert,
                         const Episode& episode, const std::string& client_name, Timestamp now) {
  RAPPORT_RETURN_IF_ERROR(NotifyStep(txn, config, alert, episode, client_name, 0, 0, now));
  if (!IsUrgent(*config.ladder, alert)) return Ok();
  return ScheduleStep(txn, config, alert, 1, now);
}

Status EscalateAlert(WriteTxn& txn, const NotifierConfig& config, AlertId alert_id, int step,
                     Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const FeedbackAlert alert, txn.GetAlert(alert_id));
  if (alert.state != AlertState::kOpen) return Ok();  // someone has it: the ladder ends here
  if (step <= 0 || step >= static_cast<int>(config.ladder->steps.size())) {
    return Fail(Error::Internal(fmt::format("escalation step {} is not on the ladder", step)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, txn.GetEpisode(alert.episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
  const int waited = static_cast<int>(std::max<Timestamp>(0, now - alert.raised_at) / 60'000);
  RAPPORT_RETURN_IF_ERROR(
      NotifyStep(txn, config, alert, episode, client.display_name, step, waited, now));
  return ScheduleStep(txn, config, alert, step + 1, now);
}

}  // namespace rapport
