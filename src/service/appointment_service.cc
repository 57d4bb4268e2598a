#include "service/appointment_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/crypto.h"
#include "core/local_time.h"
#include "core/text.h"
#include "domain/calendar.h"
#include "service/access.h"
#include "service/alert_notifier.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/tell.h"

namespace rapport {

namespace {

using audit::Id;

constexpr std::int64_t kHourMs = 60LL * 60 * 1000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

// "Monday 1 June at 09:00" in the clinic's time zone (UTC when it has none that the system
// knows).
template <typename Source>
Result<std::string> WhenWords(Source& source, ClinicId clinic_id, Timestamp t) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  RAPPORT_ASSIGN_OR_RETURN(const SafetySettings settings, LoadSafetySettings(source, clinic_id));
  auto local = ToLocalTime(t, settings.time_zone);
  if (!local) local = ToLocalTime(t, "UTC");
  if (!local) return Fail(local.error());
  return fmt::format("{} {} {} at {:02}:{:02}", kDays[local->weekday], local->day,
                     kMonths[local->month - 1], local->minute_of_day / 60,
                     local->minute_of_day % 60);
}

}  // namespace

Result<AppointmentRequestView> AppointmentService::View(const AppointmentRequest& request) {
  AppointmentRequestView view;
  view.request = request;
  RAPPORT_ASSIGN_OR_RETURN(view.appointment, store_.GetAppointment(request.appointment_id));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, store_.GetEpisode(view.appointment.episode_id));
  view.client_id = episode.client_id;
  view.therapist_id = episode.therapist_id;
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(view.client_name, names.Client(episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(view.requested_by_name, names.User(request.requested_by));
  if (request.decided_by) {
    RAPPORT_ASSIGN_OR_RETURN(view.decided_by_name, names.User(*request.decided_by));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(episode.clinic_id));
  view.notice_hours = clinic.settings.cancel_notice_hours;
  return view;
}

Result<AppointmentRequestView> AppointmentService::RequestChange(const Actor& actor,
                                                                 AppointmentId appointment_id,
                                                                 ChangeKind kind,
                                                                 const std::string& note) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kGuardian}));
  RAPPORT_ASSIGN_OR_RETURN(const AppointmentOfEpisode found,
                           RequireAppointment(store_, actor, appointment_id, ClientAccess::kBasic));
  const Appointment& appointment = found.appointment;
  const Episode& episode = found.episode;
  const std::string words(Trim(note));
  if (words.size() > kMaxRequestNote) return Fail(Error::Field("note", "is too long"));
  if (kind == ChangeKind::kMove && words.empty()) {
    return Fail(Error::Field("note", "say which days or times would suit you instead"));
  }
  const Timestamp now = clock_.Now();
  if (appointment.status != AppointmentStatus::kScheduled || appointment.starts_at <= now) {
    return Fail(Error::FailedPrecondition(
        "This appointment can no longer be changed here. Please contact the clinic."));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(episode.clinic_id));
  AppointmentRequest request;
  request.clinic_id = episode.clinic_id;
  request.appointment_id = appointment_id;
  request.requested_by = actor.user_id;
  request.kind = kind;
  request.note = words;
  request.short_notice =
      IsShortNotice(appointment.starts_at, now, clinic.settings.cancel_notice_hours);
  request.created_at = now;
  RAPPORT_ASSIGN_OR_RETURN(const User therapist, store_.GetUser(episode.therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::string client_name, ClientName(store_, episode.client_id));
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    auto id = txn.InsertAppointmentRequest(request);
    if (!id && id.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::AlreadyExists(
          "You have already asked about this appointment; your therapist will answer soon."));
    }
    if (!id) return Fail(std::move(id).error());
    request.id = *id;
    RAPPORT_ASSIGN_OR_RETURN(const std::string when,
                             WhenWords(txn, episode.clinic_id, appointment.starts_at));
    const std::string what = kind == ChangeKind::kCancel ? "cancel" : "move";
    RAPPORT_RETURN_IF_ERROR(Tell(
        txn, therapist,
        Message{"appointment_request", fmt::format("appointment_request:{}", *id),
                "Rapport: a client asked to change an appointment",
                fmt::format("{} asked to {} their appointment on {}{}. Please answer in "
                            "Rapport:\n{}/clients/{}",
                            client_name, what, when, request.short_notice ? " (short notice)" : "",
                            base_url_, episode.client_id),
                Json{{"type", "appointment_request"}, {"request_id", *id}}},
        now));
    return audit::Append(txn, actor, now, "create", "appointment_request", Id(*id));
  });
  if (!written) return Fail(written.error());
  return View(request);
}

Result<AppointmentRequestView> AppointmentService::Withdraw(const Actor& actor,
                                                            AppointmentRequestId id) {
  auto request = store_.GetAppointmentRequest(id);
  if (!request || request->requested_by != actor.user_id) {
    if (request || request.error().code == ErrorCode::kNotFound) {
      return Fail(DeniedAndAudited(store_, actor, "appointment_request", id));
    }
    return Fail(request.error());
  }
  if (request->state != RequestState::kPending) {
    return Fail(Error::FailedPrecondition("This request has already been answered."));
  }
  const Timestamp now = clock_.Now();
  request->state = RequestState::kWithdrawn;
  request->decided_by = actor.user_id;
  request->decided_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointmentRequest(*request));
    return audit::Append(txn, actor, now, "withdraw", "appointment_request", Id(id));
  }));
  return View(*request);
}

Result<AppointmentRequestView> AppointmentService::Decide(const Actor& actor,
                                                          AppointmentRequestId id, bool accept,
                                                          const std::string& reply,
                                                          std::optional<Timestamp> new_start) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  auto request = store_.GetAppointmentRequest(id);
  if (!request) {
    if (request.error().code == ErrorCode::kNotFound) {
      return Fail(DeniedAndAudited(store_, actor, "appointment_request", id));
    }
    return Fail(request.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(Appointment appointment, store_.GetAppointment(request->appointment_id));
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisode(store_, actor, appointment.episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const bool manages,
                           MayManageCareOf(store_, actor, episode.therapist_id));
  if (!manages) return Fail(DeniedAndAudited(store_, actor, "appointment_request", id));
  const std::string words(Trim(reply));
  if (words.size() > kMaxRequestNote) return Fail(Error::Field("reply", "is too long"));
  if (request->state != RequestState::kPending) {
    return Fail(Error::FailedPrecondition(
        fmt::format("This request is already {}.", ToString(request->state))));
  }
  const Timestamp now = clock_.Now();
  const bool moving = accept && request->kind == ChangeKind::kMove;
  if (moving) {
    if (!new_start) return Fail(Error::Field("starts_at", "say when the appointment moves to"));
    if (*new_start <= now) return Fail(Error::Field("starts_at", "must be in the future"));
  }
  if (!accept && words.empty()) {
    return Fail(Error::Field("reply", "tell the client why, or what you suggest instead"));
  }
  request->state = accept ? RequestState::kAccepted : RequestState::kDeclined;
  request->decided_by = actor.user_id;
  request->decided_at = now;
  request->reply = words;
  const Timestamp was = appointment.starts_at;
  if (accept && request->kind == ChangeKind::kCancel) {
    appointment.status = AppointmentStatus::kCancelled;
  }
  if (moving) appointment.starts_at = *new_start;
  RAPPORT_ASSIGN_OR_RETURN(const User asker, store_.GetUser(request->requested_by));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointmentRequest(*request));
    if (accept) {
      RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointment(appointment));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, actor, now, "update", "appointment", Id(appointment.id)));
    }
    RAPPORT_ASSIGN_OR_RETURN(const std::string when, WhenWords(txn, episode.clinic_id, was));
    std::string body;
    if (!accept) {
      body = fmt::format(
          "Your request about your appointment on {} could not be agreed: {}\n\n"
          "The appointment stays as it was.",
          when, words);
    } else if (moving) {
      RAPPORT_ASSIGN_OR_RETURN(const std::string to,
                               WhenWords(txn, episode.clinic_id, appointment.starts_at));
      body = fmt::format("Your appointment on {} has moved to {}.", when, to);
    } else {
      body = fmt::format("Your appointment on {} is cancelled, as you asked.", when);
    }
    if (accept && !words.empty()) body += "\n\n" + words;
    body += fmt::format("\n\nSee your appointments in Rapport:\n{}/", base_url_);
    RAPPORT_RETURN_IF_ERROR(
        Tell(txn, asker,
             Message{"appointment_decision", fmt::format("appointment_decision:{}", id),
                     "Rapport: an answer about your appointment", body,
                     Json{{"type", "appointment_decision"}, {"request_id", id}}},
             now));
    return audit::Append(txn, actor, now, accept ? "accept" : "decline", "appointment_request",
                         Id(id));
  }));
  return View(*request);
}

Result<std::vector<AppointmentRequestView>> AppointmentService::RequestsOfAppointment(
    const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireAppointment(store_, actor, appointment_id, ClientAccess::kBasic));
  RAPPORT_ASSIGN_OR_RETURN(const auto requests, store_.ListRequestsOfAppointment(appointment_id));
  std::vector<AppointmentRequestView> out;
  std::vector<audit::Touch> touched;
  for (const AppointmentRequest& r : requests) {
    RAPPORT_ASSIGN_OR_RETURN(auto view, View(r));
    out.push_back(std::move(view));
    touched.push_back({"appointment_request", Id(r.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<std::vector<AppointmentRequestView>> AppointmentService::WaitingForCare(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  std::vector<UserId> therapists;
  if (actor.role == Role::kTherapist) {
    therapists.push_back(actor.user_id);
  } else {
    RAPPORT_ASSIGN_OR_RETURN(therapists, store_.ListSupervisees(actor.user_id));
  }
  std::vector<AppointmentRequestView> out;
  std::vector<audit::Touch> touched;
  for (UserId therapist : therapists) {
    RAPPORT_ASSIGN_OR_RETURN(const auto requests, store_.ListPendingRequestsOfTherapist(therapist));
    for (const AppointmentRequest& r : requests) {
      if (r.clinic_id != actor.clinic_id) continue;
      RAPPORT_ASSIGN_OR_RETURN(auto view, View(r));
      out.push_back(std::move(view));
      touched.push_back({"appointment_request", Id(r.id)});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.request.id < b.request.id; });
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<CalendarLink> AppointmentService::ResetCalendarFeed(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kTherapist, Role::kSupervisor}));
  const std::string secret = RandomToken();
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutCalendarFeed(actor.user_id, Blake2b256Hex(secret), now));
    return audit::Append(txn, actor, now, "reset", "calendar_feed", Id(actor.user_id));
  }));
  return CalendarLink{"/api/v1/calendar/" + secret + ".ics"};
}

Result<std::string> AppointmentService::CalendarFeed(std::string_view secret,
                                                     std::string_view source) {
  auto owner_id = store_.FindCalendarFeed(Blake2b256Hex(secret));
  if (!owner_id) {
    if (owner_id.error().code == ErrorCode::kNotFound) {
      return Fail(Error::NotFound("no such calendar"));
    }
    return Fail(owner_id.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const User owner, store_.GetUser(*owner_id));
  if (!owner.active) return Fail(Error::NotFound("no such calendar"));
  const Timestamp now = clock_.Now();
  std::vector<Episode> episodes;
  if (owner.role == Role::kClient) {
    RAPPORT_ASSIGN_OR_RETURN(episodes, store_.ListEpisodesOfClient(owner.id));
  } else {
    RAPPORT_ASSIGN_OR_RETURN(episodes, store_.ListEpisodesOfTherapist(owner.id));
  }
  Names names(store_);
  std::vector<CalendarEvent> events;
  for (const Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store_.ListAppointmentsOfEpisode(e.id));
    for (const Appointment& a : appointments) {
      if (a.starts_at < now - 30 * kDayMs) continue;
      CalendarEvent event;
      event.uid = fmt::format("appointment-{}@rapport", a.id);
      event.starts_at = a.starts_at;
      event.duration_minutes = a.duration_minutes;
      // A calendar service keeps whatever the feed says. A client's own calendar may name their
      // therapist; a therapist's names no client, so that a third party holding the calendar
      // does not learn who is in therapy. Rapport shows who it is.
      if (owner.role == Role::kClient) {
        RAPPORT_ASSIGN_OR_RETURN(const std::string therapist, names.User(e.therapist_id));
        event.summary = "Session with " + therapist;
      } else {
        event.summary = "Client session (see Rapport for who)";
      }
      switch (a.modality) {
        case Modality::kInPerson: event.description = "In person at the clinic."; break;
        case Modality::kVideo: event.description = "Video session: join from Rapport."; break;
        case Modality::kPhone: event.description = "Phone session."; break;
        case Modality::kText: event.description = "Typed session: join from Rapport."; break;
      }
      event.cancelled = a.status == AppointmentStatus::kCancelled;
      events.push_back(std::move(event));
    }
  }
  std::sort(events.begin(), events.end(), [](const CalendarEvent& a, const CalendarEvent& b) {
    return a.starts_at < b.starts_at;
  });
  Actor reader;
  reader.user_id = owner.id;
  reader.clinic_id = owner.clinic_id;
  reader.role = owner.role;
  reader.source = std::string(source);
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, reader, now, {{"calendar_feed", Id(owner.id)}}));
  return CalendarFeedText(events, now, "Rapport appointments");
}

Status QueueAppointmentReminders(WriteTxn& txn, Store& store, ClinicId clinic_id, Timestamp now,
                                 const std::string& base_url) {
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store.ListEpisodesOfClinic(clinic_id));
  for (const Episode& episode : episodes) {
    if (episode.status == EpisodeStatus::kEnded) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(episode.id));
    for (const Appointment& a : appointments) {
      if (a.status != AppointmentStatus::kScheduled || a.starts_at <= now ||
          a.starts_at > now + kReminderAheadMs) {
        continue;
      }
      RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
      if (!client.active) continue;
      RAPPORT_ASSIGN_OR_RETURN(const std::string when, WhenWords(txn, clinic_id, a.starts_at));
      RAPPORT_ASSIGN_OR_RETURN(const User therapist, txn.GetUser(episode.therapist_id));
      // Keyed by the time too: a moved appointment is reminded of again at its new time.
      RAPPORT_RETURN_IF_ERROR(
          Tell(txn, client,
               Message{"appointment_reminder",
                       fmt::format("appointment_reminder:appointment={}:at={}", a.id, a.starts_at),
                       "Rapport: a reminder of your appointment",
                       fmt::format("A reminder: you have an appointment with {} on {}.\n\nIf you "
                                   "cannot come, you can ask to cancel or move it in Rapport:\n{}/",
                                   therapist.display_name, when, base_url),
                       Json{{"type", "appointment_reminder"}, {"appointment_id", a.id}}},
               now));
    }
  }
  return Ok();
}

}  // namespace rapport
