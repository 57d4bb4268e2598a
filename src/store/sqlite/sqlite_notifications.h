#pragma once
// Internal to the SQLite backend: the queries behind reaching people (clinic safety settings,
// channels and crisis sets, on-call shifts, preferences, the notification outbox and the
// scheduler's jobs). Each takes the connection it runs on, so the read pool and the write
// transaction share one text of every query. Not thread-safe beyond the connection's own rules.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/notification_records.h"
#include "store/sqlite/sqlite_connection.h"

namespace rapport::sqlite {

// Writes (the writer connection, inside its transaction).
Status PutSafetySettings(SqliteConnection& c, ClinicId clinic_id, const std::string& json);
Status PutClinicChannels(SqliteConnection& c, const ClinicChannels& channels);
Status PutClinicCrisisSet(SqliteConnection& c, const ClinicCrisisSet& set);
Status DeleteClinicCrisisSet(SqliteConnection& c, ClinicId clinic_id, const std::string& country);
Result<ShiftId> InsertOnCallShift(SqliteConnection& c, const OnCallShift& shift);
Status DeleteOnCallShift(SqliteConnection& c, ClinicId clinic_id, ShiftId id);
Status PutNotificationPreferences(SqliteConnection& c, const NotificationPreferences& p);
Result<NotificationId> InsertNotification(SqliteConnection& c, const Notification& n);
Result<std::vector<Notification>> ClaimDueNotifications(SqliteConnection& c, Timestamp now,
                                                        Timestamp lease_until, int limit);
Status UpdateNotificationDelivery(SqliteConnection& c, const Notification& n);
Result<JobId> InsertJob(SqliteConnection& c, const Job& job);
Status UpdateJob(SqliteConnection& c, const Job& job);

// Reads (any connection).
Result<std::optional<std::string>> GetSafetySettingsJson(SqliteConnection& c, ClinicId clinic_id);
Result<ClinicChannels> GetClinicChannels(SqliteConnection& c, ClinicId clinic_id);
Result<std::vector<ClinicCrisisSet>> ListClinicCrisisSets(SqliteConnection& c, ClinicId clinic_id);
Result<std::vector<OnCallShift>> ListOnCallShifts(SqliteConnection& c, ClinicId clinic_id,
                                                  Timestamp from, Timestamp to);
Result<NotificationPreferences> GetNotificationPreferences(SqliteConnection& c, UserId user_id);
Result<Notification> GetNotification(SqliteConnection& c, NotificationId id);
Result<std::vector<Notification>> ListNotificationsOfAlert(SqliteConnection& c, AlertId alert_id);
Result<std::vector<Notification>> ListMail(SqliteConnection& c, ClinicId clinic_id,
                                           DeliveryState state, NotificationId before_id,
                                           int limit);
Result<std::optional<Timestamp>> NextNotificationDue(SqliteConnection& c);
Result<Job> GetJob(SqliteConnection& c, JobId id);
Result<std::vector<Job>> ListDueJobs(SqliteConnection& c, Timestamp now, int limit);
Result<std::optional<Timestamp>> NextJobDue(SqliteConnection& c);
Result<std::vector<Job>> ListJobs(SqliteConnection& c, ClinicId clinic_id, std::string_view kind);

}  // namespace rapport::sqlite
