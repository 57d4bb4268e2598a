#include "service/room_service.h"

#include <algorithm>
#include <cmath>

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

// A measured value, or null when there is none (NaN).
Json Number(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

Json Pair(double therapist, double client) {
  return {{"therapist", Number(therapist)}, {"client", Number(client)}};
}

constexpr std::size_t kT = static_cast<std::size_t>(SignalParty::kTherapist);
constexpr std::size_t kC = static_cast<std::size_t>(SignalParty::kClient);

}  // namespace

Json SignalFiguresJson(const SignalSummary& summary) {
  Json figures = Json::object();
  figures["settled_seconds"] = static_cast<double>(summary.settled_steps) * kSignalStepMs / 1000.0;
  figures["both_seconds"] = static_cast<double>(summary.both_steps) * kSignalStepMs / 1000.0;
  const MovementSynchrony& m = summary.movement;
  figures["movement_synchrony"] = m.windows == 0
                                      ? Json(nullptr)
                                      : Json{{"strength", Number(m.strength)},
                                             {"peak_lag_seconds", Number(m.peak_lag_seconds)},
                                             {"leader", std::string(ToString(m.leader))},
                                             {"windows", m.windows}};
  const TalkSummary& t = summary.talk;
  if (t.talk_ms[kT] + t.talk_ms[kC] == 0) {
    figures["talk_share"] = nullptr;
    figures["turns"] = nullptr;
  } else {
    figures["talk_share"] = Pair(1.0 - t.client_share, t.client_share);
    figures["turns"] = {
        {"therapist", t.turns[kT]},
        {"client", t.turns[kC]},
        {"talk_seconds", Pair(t.talk_ms[kT] / 1000.0, t.talk_ms[kC] / 1000.0)},
        {"mean_turn_seconds", Pair(t.mean_turn_ms[kT] / 1000.0, t.mean_turn_ms[kC] / 1000.0)},
        {"median_latency_seconds",
         Pair(t.median_latency_ms[kT] / 1000.0, t.median_latency_ms[kC] / 1000.0)},
        {"overlaps", t.overlaps},
        {"interruptions", {{"therapist", t.interruptions[kT]}, {"client", t.interruptions[kC]}}}};
  }
  const TypedSummary& w = summary.typed;
  figures["typed"] =
      w.messages[kT] + w.messages[kC] == 0
          ? Json(nullptr)
          : Json{{"messages", {{"therapist", w.messages[kT]}, {"client", w.messages[kC]}}},
                 {"words", {{"therapist", w.words[kT]}, {"client", w.words[kC]}}},
                 {"style_matching", Number(w.style_matching)},
                 {"median_reply_seconds",
                  Pair(w.median_reply_ms[kT] / 1000.0, w.median_reply_ms[kC] / 1000.0)}};
  return figures;
}

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
  // In person there is no room to come into: the guest list records who took part.
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

Result<std::vector<RoomService::EpisodeSessions>> RoomService::SessionsByEpisodeOfClient(
    const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(
      std::vector<Episode> episodes,
      VisibleEpisodesOfClient(store_, actor, client_id, ClientAccess::kClinical));
  std::vector<EpisodeSessions> out;
  std::vector<audit::Touch> touched;
  for (Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(std::vector<RoomSession> sessions,
                             store_.ListRoomSessionsOfEpisode(e.id));
    touched.push_back({"episode", Id(e.id)});
    out.push_back({std::move(e), std::move(sessions)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<std::vector<HeldSession>> RoomService::SessionsOfClient(const Actor& actor,
                                                               UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<EpisodeSessions> episodes,
                           SessionsByEpisodeOfClient(actor, client_id));
  std::vector<HeldSession> out;
  for (const auto& [e, sessions] : episodes) {
    for (const RoomSession& s : sessions) out.push_back({s, e.client_id, e.therapist_id});
  }
  std::sort(out.begin(), out.end(), [](const HeldSession& a, const HeldSession& b) {
    return a.session.started_at < b.session.started_at;
  });
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

Status RoomService::SaveSignals(const Actor& actor, AppointmentId appointment_id, Timestamp origin,
                                const SignalSummary& summary) {
  RAPPORT_ASSIGN_OR_RETURN(const RoomPass pass, Pass(actor, appointment_id));
  if (pass.part != RoomPart::kTherapist) {
    return Fail(Error::PermissionDenied("Only the session's therapist keeps its signals."));
  }
  const Timestamp now = clock_.Now();
  SessionSignalsRecord record;
  record.appointment_id = appointment_id;
  record.clinic_id = actor.clinic_id;
  record.episode_id = pass.appointment.episode_id;
  record.origin = origin;
  record.updated_at = std::max(now, origin);
  record.figures = SignalFiguresJson(summary);
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertSessionSignals(record));
    return audit::Append(txn, actor, now, "record", "session_signals", Id(appointment_id));
  });
}

Result<SessionReaction> RoomService::RecordReaction(const Actor& actor,
                                                    AppointmentId appointment_id, Reaction kind) {
  RAPPORT_ASSIGN_OR_RETURN(const RoomPass pass, Pass(actor, appointment_id));
  if (pass.part != RoomPart::kClient) {
    return Fail(Error::PermissionDenied("Only the client sends in-the-moment reactions."));
  }
  SessionReaction reaction{0, appointment_id, actor.clinic_id, actor.user_id, kind, clock_.Now()};
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(reaction.id, txn.InsertSessionReaction(reaction));
    return audit::Append(txn, actor, reaction.at, "create", "session_reaction", Id(reaction.id));
  }));
  return reaction;
}

Result<std::vector<HeldSignals>> RoomService::SignalsOfClient(const Actor& actor,
                                                              UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<EpisodeSessions> episodes,
                           SessionsByEpisodeOfClient(actor, client_id));
  std::vector<HeldSignals> out;
  for (const auto& [e, sessions] : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionSignalsRecord> signals,
                             store_.ListSessionSignalsOfEpisode(e.id));
    for (SessionSignalsRecord& record : signals) {
      const auto session = std::find_if(
          sessions.begin(), sessions.end(),
          [&](const RoomSession& s) { return s.appointment_id == record.appointment_id; });
      if (session == sessions.end()) continue;  // figures kept before the session was recorded
      out.push_back({{*session, e.client_id, e.therapist_id}, std::move(record)});
    }
  }
  std::sort(out.begin(), out.end(), [](const HeldSignals& a, const HeldSignals& b) {
    return a.held.session.started_at < b.held.session.started_at;
  });
  return out;
}

Result<SessionSummary> RoomService::SummaryOf(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireCareRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  SessionSummary summary;
  summary.appointment = found.appointment;
  RAPPORT_ASSIGN_OR_RETURN(summary.session, store_.GetRoomSession(appointment_id));
  RAPPORT_ASSIGN_OR_RETURN(summary.signals, store_.GetSessionSignals(appointment_id));
  RAPPORT_ASSIGN_OR_RETURN(summary.reactions, store_.ListSessionReactions(appointment_id));
  if (summary.signals) {
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<SessionSignalsRecord> episode_signals,
                             store_.ListSessionSignalsOfEpisode(found.episode.id));
    for (const SessionSignalsRecord& earlier : episode_signals) {
      if (earlier.origin >= summary.signals->origin) break;
      const Json* strength = nullptr;
      if (const auto m = earlier.figures.find("movement_synchrony");
          m != earlier.figures.end() && m->is_object()) {
        if (const auto s = m->find("strength"); s != m->end() && s->is_number()) strength = &*s;
      }
      if (strength != nullptr) summary.earlier_strengths.push_back(strength->get<double>());
    }
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"appointment", Id(appointment_id)}}));
  return summary;
}

}  // namespace rapport
