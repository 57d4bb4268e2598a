#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind appointments and
// what happens around one (the video room's sessions and invited guests, the session's signals
// and reactions, the episode's messages, requests to cancel or move, and the calendar feed). Each
// takes the connection it runs on (with its SealedFields where it reads or writes free text, which
// is sealed at rest), so the read pool and the write transaction share one text of every query.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/result.h"
#include "domain/messaging.h"
#include "domain/people.h"
#include "domain/room.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Result<AppointmentId> InsertAppointment(SqlConnection& c, const Appointment& a);
Status UpdateAppointment(SqlConnection& c, const Appointment& a);
Status StartRoomSession(SqlConnection& c, const RoomSession& s);
Status EndRoomSession(SqlConnection& c, AppointmentId appointment_id, Timestamp at);
Status InsertRoomGuest(SqlConnection& c, const RoomGuest& g);
Status UpsertSessionSignals(SqlConnection& c, const SessionSignalsRecord& r);
Result<std::int64_t> InsertSessionReaction(SqlConnection& c, const SessionReaction& r);
Result<MessageId> InsertEpisodeMessage(SealedFields& f, const EpisodeMessage& m);
Result<int> MarkEpisodeMessagesRead(SqlConnection& c, EpisodeId episode_id, UserId reader,
                                    MessageId up_to, Timestamp at);
Result<AppointmentRequestId> InsertAppointmentRequest(SealedFields& f, const AppointmentRequest& r);
Status UpdateAppointmentRequest(SealedFields& f, const AppointmentRequest& r);
Status PutCalendarFeed(SqlConnection& c, UserId user_id, const std::string& token_hash,
                       Timestamp created_at);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<Appointment> GetAppointment(SqlConnection& c, AppointmentId id);
Result<std::vector<Appointment>> ListAppointmentsOfEpisode(SqlConnection& c, EpisodeId id);
Result<std::vector<Appointment>> ListAppointmentsOfClient(SqlConnection& c, UserId client_id,
                                                          Timestamp from, Timestamp to);
Result<std::optional<RoomSession>> GetRoomSession(SqlConnection& c, AppointmentId id);
Result<std::vector<RoomSession>> ListRoomSessionsOfEpisode(SqlConnection& c, EpisodeId id);
Result<std::vector<RoomGuest>> ListRoomGuests(SqlConnection& c, AppointmentId id);
Result<std::optional<SessionSignalsRecord>> GetSessionSignals(SqlConnection& c, AppointmentId id);
Result<std::vector<SessionSignalsRecord>> ListSessionSignalsOfEpisode(SqlConnection& c,
                                                                      EpisodeId id);
Result<std::vector<SessionReaction>> ListSessionReactions(SqlConnection& c, AppointmentId id);
// `message_sealer` opens the messages sealed before 0027, under the message key file.
Result<std::vector<EpisodeMessage>> ListEpisodeMessages(SealedFields& f,
                                                        const TextSealer& message_sealer,
                                                        EpisodeId id);
Result<AppointmentRequest> GetAppointmentRequest(SealedFields& f, AppointmentRequestId id);
Result<std::vector<AppointmentRequest>> ListRequestsOfAppointment(SealedFields& f,
                                                                  AppointmentId id);
Result<std::vector<AppointmentRequest>> ListPendingRequestsOfTherapist(SealedFields& f,
                                                                       UserId therapist_id);
Result<UserId> FindCalendarFeed(SqlConnection& c, const std::string& token_hash);

// The current row of a query selecting an appointment's columns in the order id, episode_id,
// starts_at, duration_minutes, modality, status; the caseload's read shares it.
Result<Appointment> ReadAppointment(const SqlQuery& q);

}  // namespace rapport::sql
