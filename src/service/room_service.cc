#include "service/room_service.h"

#include <algorithm>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"

namespace rapport {

namespace {

using audit::Id;

// Rooms and the sessions held in them are clinical: never the admin's.
Status RequireCareRole(const Actor& actor) {
  return RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor});
}

}  // namespace

Result<RoomPass> RoomService::Pass(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(const AppointmentOfEpisode found,
                           RequireAppointment(store_, actor, appointment_id, ClientAccess::kBasic));
  const Episode& episode = found.episode;
  RoomPass pass;
  pass.appointment = found.appointment;
  pass.client_id = episode.client_id;
  pass.therapist_id = episode.therapist_id;
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(pass.client_name, names.Client(episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(pass.therapist_name, names.User(episode.therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<RoomGuest> guests,
                           store_.ListRoomGuests(appointment_id));
  if (actor.user_id == episode.therapist_id) {
    pass.part = RoomPart::kTherapist;
    pass.name = pass.therapist_name;
    for (const RoomGuest& guest : guests) {
      RoomGuestView view{guest.guardian_id, "", guest.invited_at};
      RAPPORT_ASSIGN_OR_RETURN(view.name, names.User(guest.guardian_id));
      pass.guests.push_back(std::move(view));
    }
  } else if (actor.user_id == episode.client_id) {
    pass.part = RoomPart::kClient;
    pass.name = pass.client_name;
  } else if (actor.role == Role::kGuardian) {
    // RequireEpisode let them through: they are an active guardian of the client.
    const bool invited = std::any_of(guests.begin(), guests.end(), [&](const RoomGuest& g) {
      return g.guardian_id == actor.user_id;
    });
    if (!invited) {
      return Fail(Error::FailedPrecondition(
          "This session's therapist has not invited you to join it. Please ask them if you "
          "would like to take part."));
    }
    pass.part = RoomPart::kGuardian;
    RAPPORT_ASSIGN_OR_RETURN(pass.name, names.User(actor.user_id));
  } else {
    return Fail(Error::PermissionDenied(
        "Only the client, their therapist and the guardians the therapist invited join a "
        "session."));
  }
  pass.window = RoomWindowOf(pass.appointment);
  const Timestamp now = clock_.Now();
  const Status open = CheckRoomOpen(pass.appointment, now);
  pass.open = open.has_value();
  if (!open) pass.closed_reason = open.error().message;
  RAPPORT_ASSIGN_OR_RETURN(pass.session, store_.GetRoomSession(appointment_id));
  pass.ice = IceServersJson(ice_, Id(actor.user_id), now);
  return pass;
}

Result<RoomPass> RoomService::Look(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_ASSIGN_OR_RETURN(RoomPass pass, Pass(actor, appointment_id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"appointment", Id(appointment_id)}}));
  return pass;
}

Result<RoomPass> RoomService::Enter(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_ASSIGN_OR_RETURN(RoomPass pass, Pass(actor, appointment_id));
  if (!pass.open) return Fail(Error::FailedPrecondition(pass.closed_reason));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) {
    return audit::Append(txn, actor, now, "enter", "room", Id(appointment_id));
  }));
  return pass;
}

Result<RoomPass> RoomService::InviteGuardian(const Actor& actor, AppointmentId appointment_id,
                                             UserId guardian_id) {
  RAPPORT_ASSIGN_OR_RETURN(const RoomPass pass, Pass(actor, appointment_id));
  if (pass.part != RoomPart::kTherapist) {
    return Fail(Error::PermissionDenied("Only the session's therapist invites guardians."));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<UserId> guardians,
                           store_.ListGuardiansOfChild(pass.client_id));
  if (std::find(guardians.begin(), guardians.end(), guardian_id) == guardians.end()) {
    return Fail(Error::Field("guardian_id", "is not a guardian of this client"));
  }
  if (pass.appointment.modality == Modality::kInPerson) {
    return Fail(Error::FailedPrecondition("This appointment is in person, so it has no room."));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(
        txn.InsertRoomGuest(RoomGuest{appointment_id, guardian_id, actor.user_id, now}));
    return audit::Append(txn, actor, now, "invite", "room", Id(appointment_id));
  }));
  return Pass(actor, appointment_id);
}

Result<RoomSession> RoomService::RecordSession(const Actor& actor, AppointmentId appointment_id,
                                               bool start) {
  RAPPORT_ASSIGN_OR_RETURN(const RoomPass pass, Pass(actor, appointment_id));
  if (pass.part != RoomPart::kTherapist) {
    return Fail(Error::PermissionDenied("Only the session's therapist starts and ends it."));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    if (start) {
      RoomSession session;
      session.appointment_id = appointment_id;
      session.clinic_id = actor.clinic_id;
      session.episode_id = pass.appointment.episode_id;
      session.modality = pass.appointment.modality;
      session.started_at = now;
      RAPPORT_RETURN_IF_ERROR(txn.StartRoomSession(session));
    } else {
      RAPPORT_RETURN_IF_ERROR(txn.EndRoomSession(appointment_id, now));
    }
    return audit::Append(txn, actor, now, start ? "start" : "end", "room_session",
                         Id(appointment_id));
  }));
  RAPPORT_ASSIGN_OR_RETURN(std::optional<RoomSession> session,
                           store_.GetRoomSession(appointment_id));
  if (!session) return Fail(Error::Internal("the room session was not recorded"));
  return *std::move(session);
}

Result<RoomSession> RoomService::SessionStarted(const Actor& actor, AppointmentId appointment_id) {
  return RecordSession(actor, appointment_id, true);
}

Result<RoomSession> RoomService::SessionEnded(const Actor& actor, AppointmentId appointment_id) {
  return RecordSession(actor, appointment_id, false);
}

Result<std::vector<RoomSession>> RoomService::SessionsOfEpisode(const Actor& actor,
                                                                EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(std::vector<RoomSession> sessions,
                           store_.ListRoomSessionsOfEpisode(episode.id));
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), {{"episode", Id(episode.id)}}));
  return sessions;
}

Result<std::vector<HeldSession>> RoomService::SessionsOfClient(const Actor& actor,
                                                               UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::vector<Episode> episodes,
      VisibleEpisodesOfClient(store_, actor, client_id, ClientAccess::kClinical));
  std::vector<HeldSession> out;
  std::vector<audit::Touch> touched;
  for (const Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<RoomSession> sessions,
                             store_.ListRoomSessionsOfEpisode(e.id));
    for (const RoomSession& s : sessions) out.push_back({s, e.client_id, e.therapist_id});
    touched.push_back({"episode", Id(e.id)});
  }
  std::sort(out.begin(), out.end(), [](const HeldSession& a, const HeldSession& b) {
    return a.session.started_at < b.session.started_at;
  });
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<HeldSession> RoomService::HeldSessionOf(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  const Episode& episode = found.episode;
  RAPPORT_ASSIGN_OR_RETURN(const std::optional<RoomSession> session,
                           store_.GetRoomSession(appointment_id));
  if (!session) return Fail(NotVisible());
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"appointment", Id(appointment_id)}}));
  return HeldSession{*session, episode.client_id, episode.therapist_id};
}

}  // namespace rapport
