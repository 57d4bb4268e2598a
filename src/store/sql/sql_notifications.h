#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind reaching people
// (clinic safety settings, channels and crisis sets, on-call shifts, preferences, the notification
// outbox and the scheduler's jobs). Each takes the connection it runs on (with its SealedFields
// where it reads or writes a notification, whose body is sealed at rest), so the read pool and the
// write transaction share one text of every query. Not thread-safe beyond the connection's own
// rules.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/notification_records.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutSafetySettings(SqlConnection& c, ClinicId clinic_id, const std::string& json);
Status PutClinicChannels(SqlConnection& c, const ClinicChannels& channels);
Status PutClinicCrisisSet(SqlConnection& c, const ClinicCrisisSet& set);
Status DeleteClinicCrisisSet(SqlConnection& c, ClinicId clinic_id, const std::string& country);
Result<ShiftId> InsertOnCallShift(SqlConnection& c, const OnCallShift& shift);
Status DeleteOnCallShift(SqlConnection& c, ClinicId clinic_id, ShiftId id);
Status PutNotificationPreferences(SqlConnection& c, const NotificationPreferences& p);
Result<NotificationId> InsertNotification(SealedFields& f, const Notification& n);
Result<std::vector<Notification>> ClaimDueNotifications(SealedFields& f, Timestamp now,
                                                        Timestamp lease_until, int limit);
Status UpdateNotificationDelivery(SqlConnection& c, const Notification& n);
Result<JobId> InsertJob(SqlConnection& c, const Job& job);
Status UpdateJob(SqlConnection& c, const Job& job);

// Reads (any connection).
Result<std::optional<std::string>> GetSafetySettingsJson(SqlConnection& c, ClinicId clinic_id);
Result<ClinicChannels> GetClinicChannels(SqlConnection& c, ClinicId clinic_id);
Result<std::vector<ClinicCrisisSet>> ListClinicCrisisSets(SqlConnection& c, ClinicId clinic_id);
Result<std::vector<OnCallShift>> ListOnCallShifts(SqlConnection& c, ClinicId clinic_id,
                                                  Timestamp from, Timestamp to);
Result<NotificationPreferences> GetNotificationPreferences(SqlConnection& c, UserId user_id);
Result<Notification> GetNotification(SealedFields& f, NotificationId id);
Result<std::vector<Notification>> ListNotificationsOfAlert(SealedFields& f, AlertId alert_id);
Result<std::vector<Notification>> ListMail(SealedFields& f, ClinicId clinic_id, DeliveryState state,
                                           NotificationId before_id, int limit);
Result<std::optional<Timestamp>> NextNotificationDue(SqlConnection& c);
Result<Job> GetJob(SqlConnection& c, JobId id);
Result<std::vector<Job>> ListDueJobs(SqlConnection& c, Timestamp now, int limit);
Result<std::optional<Timestamp>> NextJobDue(SqlConnection& c);
Result<std::vector<Job>> ListJobs(SqlConnection& c, ClinicId clinic_id, std::string_view kind);

}  // namespace rapport::sql
