#include "store/sql/sql_notifications.h"

#include <algorithm>
#include <utility>

#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

#define RAPPORT_NOTIFICATION_COLUMNS                                                             \
  "id, clinic_id, alert_id, recipient_id, channel, reason, step, dedupe_key, address, subject, " \
  "body, payload_json, created_at, state, attempts, next_attempt_at, delivered_at, last_error"
#define RAPPORT_JOB_COLUMNS \
  "id, clinic_id, kind, key, payload_json, due_at, state, attempts, done_at, last_error"
#define RAPPORT_SHIFT_COLUMNS "id, clinic_id, user_id, starts_at, ends_at"

Result<Notification> ReadNotification(SealedFields& f, const SqlQuery& q) {
  Notification n;
  n.id = q.Int(0);
  n.clinic_id = q.Int(1);
  n.alert_id = q.OptionalInt(2);
  n.recipient_id = q.OptionalInt(3);
  RAPPORT_ASSIGN_OR_RETURN(n.channel, FromColumn(ParseChannel(q.Text(4)), "channel"));
  n.reason = q.Text(5);
  n.step = static_cast<int>(q.Int(6));
  n.dedupe_key = q.Text(7);
  n.address = q.Text(8);
  n.subject = q.Text(9);
  RAPPORT_ASSIGN_OR_RETURN(
      n.body,
      f.Open(Field::kNotificationBody,
             OwnerOf(n.clinic_id, n.recipient_id, q.Text(4), n.reason, q.Int(12)), q.Text(10)));
  n.payload_json = q.Text(11);
  n.created_at = q.Int(12);
  RAPPORT_ASSIGN_OR_RETURN(n.state,
                           FromColumn(ParseDeliveryState(q.Text(13)), "notification state"));
  n.attempts = static_cast<int>(q.Int(14));
  n.next_attempt_at = q.Int(15);
  n.delivered_at = q.OptionalInt(16);
  n.last_error = q.Text(17);
  return n;
}

Result<Job> ReadJob(const SqlQuery& q) {
  Job j;
  j.id = q.Int(0);
  j.clinic_id = q.Int(1);
  j.kind = q.Text(2);
  j.key = q.Text(3);
  j.payload_json = q.Text(4);
  j.due_at = q.Int(5);
  RAPPORT_ASSIGN_OR_RETURN(j.state, FromColumn(ParseJobState(q.Text(6)), "job state"));
  j.attempts = static_cast<int>(q.Int(7));
  j.done_at = q.OptionalInt(8);
  j.last_error = q.Text(9);
  return j;
}

Result<OnCallShift> ReadShift(const SqlQuery& q) {
  return OnCallShift{q.Int(0), q.Int(1), q.Int(2), q.Int(3), q.Int(4)};
}

Result<std::optional<Timestamp>> OptionalMin(SqlConnection& c, std::string_view sql) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) return std::optional<Timestamp>{};
  return q.OptionalInt(0);
}

}  // namespace

Status PutSafetySettings(SqlConnection& c, ClinicId clinic_id, const std::string& json) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("INSERT INTO clinic_safety (clinic_id, settings_json) VALUES (?, ?) "
                            "ON CONFLICT (clinic_id) DO UPDATE SET "
                            "settings_json = excluded.settings_json"));
  q.Bind(clinic_id).Bind(json);
  return Done(NameMissing(q.Run(), "clinic does not exist"));
}

Status PutClinicChannels(SqlConnection& c, const ClinicChannels& ch) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO clinic_channels (clinic_id, webhook_url, webhook_secret, mail_from) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (clinic_id) DO UPDATE SET "
                "webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret, "
                "mail_from = excluded.mail_from"));
  q.Bind(ch.clinic_id).Bind(ch.webhook_url).Bind(ch.webhook_secret).Bind(ch.mail_from);
  return Done(NameMissing(q.Run(), "clinic does not exist"));
}

Status PutClinicCrisisSet(SqlConnection& c, const ClinicCrisisSet& s) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO clinic_crisis_sets (clinic_id, country, set_json, updated_by, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (clinic_id, country) DO UPDATE "
                "SET set_json = excluded.set_json, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at"));
  q.Bind(s.clinic_id).Bind(s.country).Bind(s.set_json).Bind(s.updated_by).Bind(s.updated_at);
  return Done(NameMissing(q.Run(), "clinic or user does not exist"));
}

Status DeleteClinicCrisisSet(SqlConnection& c, ClinicId clinic_id, const std::string& country) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("DELETE FROM clinic_crisis_sets WHERE clinic_id = ? AND country = ?"));
  q.Bind(clinic_id).Bind(country);
  return ChangedOne(q.Run(), "the clinic has no crisis lines of its own for that country");
}

Result<ShiftId> InsertOnCallShift(SqlConnection& c, const OnCallShift& s) {
  if (s.ends_at <= s.starts_at) {
    return Fail(Error::Field("ends_at", "must be after the start"));
  }
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("INSERT INTO on_call_shifts (clinic_id, user_id, starts_at, "
                                     "ends_at) VALUES (?, ?, ?, ?) RETURNING id"));
  q.Bind(s.clinic_id).Bind(s.user_id).Bind(s.starts_at).Bind(s.ends_at);
  return NameMissing(q.RunReturningId(), "clinic or user does not exist");
}

Status DeleteOnCallShift(SqlConnection& c, ClinicId clinic_id, ShiftId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("DELETE FROM on_call_shifts WHERE id = ? AND clinic_id = ?"));
  q.Bind(id).Bind(clinic_id);
  return ChangedOne(q.Run(), "no such on-call shift");
}

Status PutNotificationPreferences(SqlConnection& c, const NotificationPreferences& p) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO notification_preferences (user_id, email, email_min_severity, live) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, "
                "email_min_severity = excluded.email_min_severity, live = excluded.live"));
  q.Bind(p.user_id).Bind(p.email).Bind(ToString(p.email_min_severity)).Bind(p.live);
  return Done(NameMissing(q.Run(), "user does not exist"));
}

Result<NotificationId> InsertNotification(SealedFields& f, const Notification& n) {
  RowClinic clinic(n.clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string body,
      f.Seal(clinic, Field::kNotificationBody,
             OwnerOf(n.clinic_id, n.recipient_id, ToString(n.channel), n.reason, n.created_at),
             n.body));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO notifications (clinic_id, alert_id, recipient_id, channel, reason, "
          "step, dedupe_key, address, subject, body, payload_json, created_at, state, "
          "attempts, next_attempt_at, delivered_at, last_error) VALUES (?, ?, ?, ?, ?, ?, "
          "NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(n.clinic_id)
      .Bind(n.alert_id)
      .Bind(n.recipient_id)
      .Bind(ToString(n.channel))
      .Bind(n.reason)
      .Bind(n.step)
      .Bind(n.dedupe_key)
      .Bind(n.address)
      .Bind(n.subject)
      .Bind(body)
      .Bind(n.payload_json)
      .Bind(n.created_at)
      .Bind(ToString(n.state))
      .Bind(n.attempts)
      .Bind(n.next_attempt_at)
      .Bind(n.delivered_at)
      .Bind(n.last_error);
  auto id = NameMissing(q.RunReturningId(), "clinic, alert or recipient does not exist");
  if (!id && id.error().code == ErrorCode::kAlreadyExists) {
    return Fail(Error{ErrorCode::kAlreadyExists,
                      "this notification was already written",
                      {FieldError{"dedupe_key", "already used"}}});
  }
  return id;
}

Result<std::vector<Notification>> ClaimDueNotifications(SealedFields& f, Timestamp now,
                                                        Timestamp lease_until, int limit) {
  if (limit <= 0) return std::vector<Notification>{};
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "UPDATE notifications SET state = 'sending', attempts = attempts + 1, "
          "next_attempt_at = ? WHERE id IN (SELECT id FROM notifications "
          "WHERE state IN ('pending', 'sending') AND next_attempt_at <= ? "
          // DeliveryPriority, in SQL.
          "ORDER BY CASE WHEN channel = 'live' THEN 0 "
          "WHEN reason IN ('alert', 'escalation') THEN 1 ELSE 2 END, next_attempt_at, id "
          "LIMIT ?) RETURNING " RAPPORT_NOTIFICATION_COLUMNS));
  q.Bind(lease_until).Bind(now).Bind(limit);
  RAPPORT_ASSIGN_OR_RETURN(auto claimed,
                           All(q, [&f](const SqlQuery& row) { return ReadNotification(f, row); }));
  std::sort(claimed.begin(), claimed.end(), [](const Notification& a, const Notification& b) {
    return std::pair(DeliveryPriority(a), a.id) < std::pair(DeliveryPriority(b), b.id);
  });
  return claimed;
}

Status UpdateNotificationDelivery(SqlConnection& c, const Notification& n) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE notifications SET state = ?, attempts = ?, next_attempt_at = ?, "
                "delivered_at = ?, last_error = ? WHERE id = ?"));
  q.Bind(ToString(n.state))
      .Bind(n.attempts)
      .Bind(n.next_attempt_at)
      .Bind(n.delivered_at)
      .Bind(n.last_error)
      .Bind(n.id);
  return ChangedOne(q.Run(), "no such notification");
}

Result<JobId> InsertJob(SqlConnection& c, const Job& j) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO jobs (clinic_id, kind, key, payload_json, due_at, state, attempts, "
                "done_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING RETURNING id"));
  q.Bind(j.clinic_id)
      .Bind(j.kind)
      .Bind(j.key)
      .Bind(j.payload_json)
      .Bind(j.due_at)
      .Bind(ToString(j.state))
      .Bind(j.attempts)
      .Bind(j.done_at)
      .Bind(j.last_error);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, NameMissing(q.Step(), "clinic does not exist"));
  if (row) {
    const JobId id = q.Int(0);
    RAPPORT_RETURN_IF_ERROR(q.Step());  // finish the statement
    return id;
  }
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery existing, c.Prepare("SELECT id FROM jobs WHERE key = ?"));
  existing.Bind(j.key);
  return One(existing, [](const SqlQuery& r) -> Result<JobId> { return r.Int(0); }, "no such job");
}

Status UpdateJob(SqlConnection& c, const Job& j) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("UPDATE jobs SET state = ?, due_at = ?, attempts = ?, done_at = ?, "
                            "last_error = ? WHERE id = ?"));
  q.Bind(ToString(j.state)).Bind(j.due_at).Bind(j.attempts).Bind(j.done_at).Bind(j.last_error);
  q.Bind(j.id);
  return ChangedOne(q.Run(), "no such job");
}

Result<std::optional<std::string>> GetSafetySettingsJson(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT settings_json FROM clinic_safety WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) return std::optional<std::string>{};
  return std::optional<std::string>{q.Text(0)};
}

Result<ClinicChannels> GetClinicChannels(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT webhook_url, webhook_secret, mail_from "
                                                 "FROM clinic_channels WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  ClinicChannels channels;
  channels.clinic_id = clinic_id;
  if (!row) return channels;
  channels.webhook_url = q.Text(0);
  channels.webhook_secret = q.Text(1);
  channels.mail_from = q.Text(2);
  return channels;
}

Result<std::vector<ClinicCrisisSet>> ListClinicCrisisSets(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT clinic_id, country, set_json, updated_by, updated_at "
                            "FROM clinic_crisis_sets WHERE clinic_id = ? ORDER BY country"));
  q.Bind(clinic_id);
  return All(q, [](const SqlQuery& r) -> Result<ClinicCrisisSet> {
    return ClinicCrisisSet{r.Int(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4)};
  });
}

Result<std::vector<OnCallShift>> ListOnCallShifts(SqlConnection& c, ClinicId clinic_id,
                                                  Timestamp from, Timestamp to) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_SHIFT_COLUMNS " FROM on_call_shifts "
                                     "WHERE clinic_id = ? AND starts_at < ? AND ends_at > ? "
                                     "ORDER BY starts_at, id"));
  q.Bind(clinic_id).Bind(to).Bind(from);
  return All(q, ReadShift);
}

Result<NotificationPreferences> GetNotificationPreferences(SqlConnection& c, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT email, email_min_severity, live "
                                     "FROM notification_preferences WHERE user_id = ?"));
  q.Bind(user_id);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  NotificationPreferences p;
  p.user_id = user_id;
  if (!row) return p;
  p.email = q.Bool(0);
  RAPPORT_ASSIGN_OR_RETURN(p.email_min_severity, FromColumn(ParseSeverity(q.Text(1)), "severity"));
  p.live = q.Bool(2);
  return p;
}

Result<Notification> GetNotification(SealedFields& f, NotificationId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_NOTIFICATION_COLUMNS
                                                              " FROM notifications WHERE id = ?"));
  q.Bind(id);
  return One(
      q, [&f](const SqlQuery& row) { return ReadNotification(f, row); }, "no such notification");
}

Result<std::vector<Notification>> ListNotificationsOfAlert(SealedFields& f, AlertId alert_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_NOTIFICATION_COLUMNS
                                         " FROM notifications WHERE alert_id = ? ORDER BY id"));
  q.Bind(alert_id);
  return All(q, [&f](const SqlQuery& row) { return ReadNotification(f, row); });
}

Result<std::vector<Notification>> ListMail(SealedFields& f, ClinicId clinic_id, DeliveryState state,
                                           NotificationId before_id, int limit) {
  if (limit <= 0) return std::vector<Notification>{};
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_NOTIFICATION_COLUMNS
                             " FROM notifications WHERE clinic_id = ? "
                             "AND channel = 'email' AND state = ? AND (? = 0 OR id < ?) "
                             "ORDER BY id DESC LIMIT ?"));
  q.Bind(clinic_id).Bind(ToString(state)).Bind(before_id).Bind(before_id).Bind(limit);
  return All(q, [&f](const SqlQuery& row) { return ReadNotification(f, row); });
}

Result<std::optional<Timestamp>> NextNotificationDue(SqlConnection& c) {
  return OptionalMin(c,
                     "SELECT min(next_attempt_at) FROM notifications "
                     "WHERE state IN ('pending', 'sending')");
}

Result<Job> GetJob(SqlConnection& c, JobId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_JOB_COLUMNS " FROM jobs WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadJob, "no such job");
}

Result<std::vector<Job>> ListDueJobs(SqlConnection& c, Timestamp now, int limit) {
  if (limit <= 0) return std::vector<Job>{};
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_JOB_COLUMNS " FROM jobs WHERE state = 'pending' "
                            "AND due_at <= ? ORDER BY due_at, id LIMIT ?"));
  q.Bind(now).Bind(limit);
  return All(q, ReadJob);
}

Result<std::optional<Timestamp>> NextJobDue(SqlConnection& c) {
  return OptionalMin(c, "SELECT min(due_at) FROM jobs WHERE state = 'pending'");
}

Result<std::vector<Job>> ListJobs(SqlConnection& c, ClinicId clinic_id, std::string_view kind) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_JOB_COLUMNS
                                     " FROM jobs WHERE clinic_id = ? AND kind = ? ORDER BY id"));
  q.Bind(clinic_id).Bind(kind);
  return All(q, ReadJob);
}

}  // namespace rapport::sql
