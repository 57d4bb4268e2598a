#include "demo/demo_course.h"

#include <string>
#include <utility>

#include "domain/handover.h"
#include "domain/rupture.h"
#include "service/audit_log.h"
#include "service/course_service.h"
#include "service/feedback_service.h"

namespace rapport {

namespace {

constexpr Timestamp kHour = 60LL * 60 * 1000;
constexpr Timestamp kDay = 24 * kHour;

Actor Acting(UserId user, ClinicId clinic, Role role) {
  Actor actor;
  actor.user_id = user;
  actor.clinic_id = clinic;
  actor.role = role;
  actor.source = "demo";
  return actor;
}

// The latest completed session of `episode` before `before`.
Result<Appointment> LastSessionBefore(WriteTxn& txn, EpisodeId episode, Timestamp before) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Appointment> all,
                           txn.ListAppointmentsOfEpisode(episode));
  const Appointment* last = nullptr;
  for (const Appointment& a : all) {
    if (a.status == AppointmentStatus::kCompleted && a.starts_at < before) last = &a;
  }
  if (last == nullptr) return Fail(Error::Internal("the demo episode has no session to refer to"));
  return *last;
}

Status SeedTransfer(WriteTxn& txn, const DemoCourseInput& in) {
  const Timestamp asked = in.now - 2 * kDay;
  const Timestamp consented = asked + 5 * kHour;
  const Timestamp decided = in.now - 3 * kHour;
  const Actor client = Acting(in.leaving_client, in.clinic_id, Role::kClient);
  const Actor coordinator = Acting(in.coordinator, in.clinic_id, Role::kAdmin);

  TherapistChange change;
  change.clinic_id = in.clinic_id;
  change.episode_id = in.leaving_episode;
  change.client_id = in.leaving_client;
  change.from_therapist_id = in.from_therapist;
  change.kind = TherapistChangeKind::kClientRequest;
  change.requested_by = in.leaving_client;
  change.requested_at = asked;
  RAPPORT_ASSIGN_OR_RETURN(change.id, txn.InsertTherapistChange(change));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, client, asked, "create", "therapist_change", audit::Id(change.id)));

  // What Ravi chose to share: what helped and what he would like next; not his scores.
  HandoverPacket packet;
  packet.client_name = "Ravi Patel";
  packet.from_therapist_name = "Daniel Nakamura";
  RAPPORT_ASSIGN_OR_RETURN(const Episode leaving, txn.GetEpisode(in.leaving_episode));
  packet.started_at = leaving.started_at;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Appointment> sessions,
                           txn.ListAppointmentsOfEpisode(in.leaving_episode));
  for (const Appointment& a : sessions) {
    if (a.status == AppointmentStatus::kCompleted) ++packet.sessions_attended;
  }
  packet.what_helped = "Writing down what I was going to say before a hard conversation.";
  packet.what_did_not =
      "Long silences at the start of sessions; I never knew what I was meant to bring.";
  packet.preferences =
      "Someone who gives the session a shape, and who has worked with grief after losing a "
      "parent.";
  change.status = ChangeStatus::kConsented;
  change.consented_at = consented;
  change.packet =
      SharedOnly(std::move(packet), {PacketSection::kWhatHelped, PacketSection::kPreferences});
  RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, client, consented, "consent", "therapist_change", audit::Id(change.id)));

  EndingWords words;
  words.reason = EndReason::kTransferred;
  words.ending_note = "Care continues with Priya Raman.";
  RAPPORT_RETURN_IF_ERROR(WriteEnding(txn, coordinator, in.leaving_episode, words, decided));
  Episode next;
  next.clinic_id = in.clinic_id;
  next.client_id = in.leaving_client;
  next.therapist_id = in.to_therapist;
  next.status = EpisodeStatus::kIntake;
  next.started_at = decided;
  RAPPORT_ASSIGN_OR_RETURN(next.id, txn.InsertEpisode(next));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, coordinator, decided, "create", "episode", audit::Id(next.id)));
  const ClientProfile profile{in.leaving_client, "1993-03-14", "", ""};
  for (const auto& a : FeedbackService::DefaultAssignmentsFor(next.id, profile, decided)) {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
  }
  // The first appointment with Priya, in three days.
  Appointment first;
  first.episode_id = next.id;
  first.starts_at = decided - decided % kDay + 3 * kDay + 10 * kHour;
  first.duration_minutes = 60;
  first.modality = Modality::kInPerson;
  first.status = AppointmentStatus::kScheduled;
  RAPPORT_ASSIGN_OR_RETURN(first.id, txn.InsertAppointment(first));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, coordinator, decided, "create", "appointment", audit::Id(first.id)));
  change.status = ChangeStatus::kDone;
  change.new_episode_id = next.id;
  change.decided_by = in.coordinator;
  change.decided_at = decided;
  RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
  return audit::Append(txn, coordinator, decided, "assign", "therapist_change",
                       audit::Id(change.id));
}

Status SeedRuptures(WriteTxn& txn, const DemoCourseInput& in) {
  const Actor therapist = Acting(in.rupture_therapist, in.clinic_id, Role::kTherapist);
  // Jordan: three weeks ago homework felt like a test; talked over two days later.
  RAPPORT_ASSIGN_OR_RETURN(const Appointment then,
                           LastSessionBefore(txn, in.repaired_episode, in.now - 20 * kDay));
  Rupture repaired;
  repaired.episode_id = in.repaired_episode;
  repaired.noted_by = in.rupture_therapist;
  repaired.noted_at = then.starts_at + 2 * kHour;
  repaired.note = RuptureNote{RuptureSource::kInSession, std::nullopt,
                              "Jordan went quiet when we looked at the homework and said "
                              "\"I know, I failed it again\". The rest of the session felt "
                              "guarded."};
  RAPPORT_ASSIGN_OR_RETURN(repaired.id, txn.InsertRupture(repaired));
  RAPPORT_RETURN_IF_ERROR(audit::Append(txn, therapist, repaired.noted_at, "create", "rupture",
                                        audit::Id(repaired.id)));
  const Timestamp talked = repaired.noted_at + 2 * kDay;
  RAPPORT_RETURN_IF_ERROR(txn.RecordRepair(
      repaired.id, in.rupture_therapist, talked,
      RepairNote{"I said the homework had felt like a test I had set, and that was on me. Jordan "
                 "said it felt like school. We agreed it is an experiment, not a grade.",
                 "Homework is chosen together at the end of each session, and we start by asking "
                 "what got in the way rather than whether it was done."}));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, therapist, talked, "repair", "rupture", audit::Id(repaired.id)));

  // Mei: noted five days ago, not yet talked over: the supervisor sees it waiting.
  Rupture waiting;
  waiting.episode_id = in.waiting_episode;
  waiting.noted_by = in.rupture_therapist;
  waiting.noted_at = in.now - 5 * kDay;
  waiting.note = RuptureNote{RuptureSource::kOther, std::nullopt,
                             "Mei cancelled twice, the day after I suggested we talk about her "
                             "mother. I may have pushed too soon."};
  RAPPORT_ASSIGN_OR_RETURN(waiting.id, txn.InsertRupture(waiting));
  return audit::Append(txn, therapist, waiting.noted_at, "create", "rupture",
                       audit::Id(waiting.id));
}

}  // namespace

Result<int> SeedCourseChanges(WriteTxn& txn, const DemoCourseInput& in) {
  RAPPORT_RETURN_IF_ERROR(SeedTransfer(txn, in));
  RAPPORT_RETURN_IF_ERROR(SeedRuptures(txn, in));
  return 1;
}

}  // namespace rapport
