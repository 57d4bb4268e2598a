#include "service/change_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/course_service.h"
#include "service/names.h"
#include "service/new_episode.h"
#include "service/tell.h"

namespace rapport {

namespace {

constexpr std::string_view kChangeReason = "therapist_change";

// The clinic's active admins: its intake coordinators.
Result<std::vector<User>> Coordinators(Store& store, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(std::vector<User> users, store.ListUsers(clinic_id));
  std::erase_if(users, [](const User& u) { return u.role != Role::kAdmin || !u.active; });
  return users;
}

// Tells each of `people` the same thing once per occasion `key` (each person's own key, since a
// key is unique across everyone told).
Status TellEach(WriteTxn& txn, const std::vector<User>& people, const std::string& key,
                const std::string& subject, const std::string& text, const Json& payload,
                Timestamp now) {
  for (const User& person : people) {
    RAPPORT_RETURN_IF_ERROR(Tell(
        txn, person,
        Message{kChangeReason, fmt::format("{}:user={}", key, person.id), subject, text, payload},
        now));
  }
  return Ok();
}

Json ChangePayload(const TherapistChange& change) {
  return Json{{"type", "therapist_change"},
              {"change_id", change.id},
              {"status", std::string(ToString(change.status))}};
}

// Whether the Fit Check answer `r` is low: its total below the cutoff, or the client asked to talk
// about a different fit.
bool IsLowFit(const Instrument& fit, const FeedbackResponse& r) {
  if (r.total && fit.TotalScale().IsClinical(*r.total)) return true;
  const Json answers = Json::parse(r.answers_json, nullptr, /*allow_exceptions=*/false);
  if (!answers.is_object()) return false;
  const auto talk = answers.find("fit_talk");
  return talk != answers.end() && talk->is_number() && talk->get<double>() > 0;
}

}  // namespace

TherapistChangeService::TherapistChangeService(Store& store, const Clock& clock,
                                               const InstrumentCatalog& catalog,
                                               CourseService& course)
    : store_(store), clock_(clock), catalog_(catalog), course_(course) {}

// Inserts `change` and tells whoever must act on it next: the intake coordinators for a client's
// request (never only the therapist being left), the client for a referral (they review first).
Result<ChangeView> TherapistChangeService::Open(const Actor& actor, const Episode& episode,
                                                TherapistChange change, const WriteFn& also) {
  if (episode.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition("This course of care has ended."));
  }
  change.clinic_id = episode.clinic_id;
  change.episode_id = episode.id;
  change.client_id = episode.client_id;
  change.from_therapist_id = episode.therapist_id;
  change.requested_by = actor.user_id;
  change.requested_at = clock_.Now();
  change.status = ChangeStatus::kAwaitingConsent;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> coordinators,
                           Coordinators(store_, episode.clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const User client, store_.GetUser(episode.client_id));
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    if (also) {
      RAPPORT_RETURN_IF_ERROR(also(txn));
    }
    auto id = txn.InsertTherapistChange(change);
    if (!id && id.error().code == ErrorCode::kAlreadyExists) {
      // A client's own request stays private until it is done: the referring therapist is told
      // nothing that would give it away.
      return Fail(Error::FailedPrecondition(
          change.kind == TherapistChangeKind::kClientRequest
              ? "A change of therapist is already under way for this course of care."
              : "This referral cannot be made just now. Please speak with the clinic's intake "
                "coordinator."));
    }
    if (!id) return Fail(id.error());
    change.id = *id;
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, actor, change.requested_at, "create",
                                          "therapist_change", audit::Id(change.id)));
    const std::string key = fmt::format("therapist_change:{}:asked", change.id);
    if (change.kind == TherapistChangeKind::kClientRequest) {
      return TellEach(txn, coordinators, key, "Rapport: a client asked for a different therapist",
                      "A client would like to continue with a different therapist. Once they "
                      "have looked over what is shared, you will be asked to choose who takes "
                      "them on.",
                      ChangePayload(change), change.requested_at);
    }
    return TellEach(txn, {client}, key, "Rapport: your therapist suggests a referral",
                    "Your therapist suggests you continue with someone else. Before anything is "
                    "shared, please look at what would go to them and choose what to share. Sign "
                    "in to Rapport to see it.",
                    ChangePayload(change), change.requested_at);
  });
  if (!written) return Fail(written.error());
  return ViewFor(actor, std::move(change));
}

Result<ChangeView> TherapistChangeService::AskForChange(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  TherapistChange change;
  change.kind = TherapistChangeKind::kClientRequest;
  return Open(actor, episode, std::move(change));
}

Result<ChangeView> TherapistChangeService::Refer(const Actor& actor, EpisodeId episode_id,
                                                 const ReferralRequest& referral) {
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, episode_id,
                            "Only the episode's therapist or their supervisor can refer."));
  if (referral.to_therapist_id) {
    auto to = store_.GetUser(*referral.to_therapist_id);
    if (!to && to.error().code != ErrorCode::kNotFound) return Fail(to.error());
    if (!to || to->role != Role::kTherapist || to->clinic_id != episode.clinic_id || !to->active) {
      return Fail(Error::Field("to_therapist_id", "is not a therapist of this clinic"));
    }
    if (to->id == episode.therapist_id) {
      return Fail(Error::Field("to_therapist_id", "is the client's therapist already"));
    }
  }
  TherapistChange change;
  change.kind = TherapistChangeKind::kReferral;
  change.reason = referral.reason;
  change.to_therapist_id = referral.to_therapist_id;
  change.to_outside = referral.to_outside;
  return Open(actor, episode, std::move(change));
}

Result<TherapistChange> TherapistChangeService::Visible(const Actor& actor, TherapistChangeId id) {
  auto change = store_.GetTherapistChange(id);
  if (!change) {
    if (change.error().code != ErrorCode::kNotFound) return Fail(change.error());
    return Fail(DeniedAndAudited(store_, actor, "therapist_change", id));
  }
  bool visible = change->clinic_id == actor.clinic_id && !actor.system;
  if (visible) {
    switch (actor.role) {
      case Role::kAdmin: break;
      case Role::kClient: visible = change->client_id == actor.user_id; break;
      case Role::kTherapist:
      case Role::kSupervisor:
        visible =
            change->kind == TherapistChangeKind::kReferral && change->requested_by == actor.user_id;
        break;
      case Role::kGuardian: visible = false; break;
    }
  }
  if (!visible) return Fail(DeniedAndAudited(store_, actor, "therapist_change", id));
  return std::move(*change);
}

Result<HandoverPacket> TherapistChangeService::DraftPacket(const Actor& actor,
                                                           const TherapistChange& change) {
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, store_.GetEpisode(change.episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const DischargeSummary summary, course_.Draft(actor, episode));
  HandoverPacket packet;
  packet.client_name = summary.client_name;
  packet.from_therapist_name = summary.therapist_name;
  packet.started_at = summary.started_at;
  packet.sessions_attended = summary.sessions_attended;
  packet.goals = summary.goals;
  packet.gas_t_score = summary.gas_t_score;
  packet.measures = summary.measures;
  packet.shared = {std::begin(kAllSections), std::end(kAllSections)};
  return packet;
}

// The names a change is shown with: the client, the therapists and whoever asked.
Result<ChangeView> TherapistChangeService::Named(Names& names, const TherapistChange& change) {
  ChangeView view;
  RAPPORT_ASSIGN_OR_RETURN(view.client_name, names.Client(change.client_id));
  RAPPORT_ASSIGN_OR_RETURN(view.from_therapist_name, names.User(change.from_therapist_id));
  if (change.to_therapist_id) {
    RAPPORT_ASSIGN_OR_RETURN(view.to_therapist_name, names.User(*change.to_therapist_id));
  }
  RAPPORT_ASSIGN_OR_RETURN(view.requested_by_name, names.User(change.requested_by));
  if (change.new_episode_id) {
    RAPPORT_ASSIGN_OR_RETURN(const Episode next, store_.GetEpisode(*change.new_episode_id));
    RAPPORT_ASSIGN_OR_RETURN(view.new_therapist_name, names.User(next.therapist_id));
  }
  return view;
}

Result<ChangeView> TherapistChangeService::ViewFor(const Actor& actor, TherapistChange change) {
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(ChangeView view, Named(names, change));
  if (actor.role == Role::kClient && change.status == ChangeStatus::kAwaitingConsent) {
    RAPPORT_ASSIGN_OR_RETURN(view.packet, DraftPacket(actor, change));
  } else if (change.packet) {
    view.packet = change.packet;
    RAPPORT_RETURN_IF_ERROR(
        audit::Reads(store_, actor, clock_.Now(), {{"therapist_change", audit::Id(change.id)}}));
  }
  view.change = std::move(change);
  return view;
}

Result<ChangeView> TherapistChangeService::Get(const Actor& actor, TherapistChangeId id) {
  RAPPORT_ASSIGN_OR_RETURN(TherapistChange change, Visible(actor, id));
  return ViewFor(actor, std::move(change));
}

Result<std::vector<ChangeView>> TherapistChangeService::List(const Actor& actor,
                                                             std::optional<ChangeStatus> status) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kAdmin, Role::kClient, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(std::vector<TherapistChange> changes,
                           store_.ListTherapistChangesOfClinic(actor.clinic_id, status));
  std::erase_if(changes, [&](const TherapistChange& c) {
    if (actor.role == Role::kAdmin) return false;
    if (actor.role == Role::kClient) return c.client_id != actor.user_id;
    return c.kind != TherapistChangeKind::kReferral || c.requested_by != actor.user_id;
  });
  // The list names each change; its packet is read one change at a time.
  std::vector<ChangeView> out;
  Names names(store_);
  for (TherapistChange& c : changes) {
    RAPPORT_ASSIGN_OR_RETURN(ChangeView view, Named(names, c));
    c.packet.reset();
    view.change = std::move(c);
    out.push_back(std::move(view));
  }
  return out;
}

Result<ChangeView> TherapistChangeService::Consent(const Actor& actor, TherapistChangeId id,
                                                   const PacketConsent& consent) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient}));
  RAPPORT_ASSIGN_OR_RETURN(TherapistChange change, Visible(actor, id));
  if (change.status != ChangeStatus::kAwaitingConsent) {
    return Fail(Error::FailedPrecondition("You have already answered about this change."));
  }
  RAPPORT_ASSIGN_OR_RETURN(HandoverPacket packet, DraftPacket(actor, change));
  packet.what_helped = consent.what_helped;
  packet.what_did_not = consent.what_did_not;
  packet.preferences = consent.preferences;
  const Timestamp now = clock_.Now();
  change.status = ChangeStatus::kConsented;
  change.consented_at = now;
  change.packet = SharedOnly(std::move(packet), consent.share);
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> coordinators,
                           Coordinators(store_, change.clinic_id));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const TherapistChange current, txn.GetTherapistChange(id));
    if (current.status != ChangeStatus::kAwaitingConsent) {
      return Fail(Error::FailedPrecondition("You have already answered about this change."));
    }
    RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "consent", "therapist_change", audit::Id(id)));
    return TellEach(txn, coordinators, fmt::format("therapist_change:{}:consented", id),
                    "Rapport: a change of therapist is ready to arrange",
                    "A client has looked over and agreed to what is shared with their next "
                    "therapist. Please choose who takes them on.",
                    ChangePayload(change), now);
  }));
  return ViewFor(actor, std::move(change));
}

Result<ChangeView> TherapistChangeService::Assign(const Actor& actor, TherapistChangeId id,
                                                  std::optional<UserId> therapist_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_ASSIGN_OR_RETURN(TherapistChange change, Visible(actor, id));
  if (change.status == ChangeStatus::kAwaitingConsent) {
    return Fail(Error::FailedPrecondition(
        "The client has not yet agreed to what is shared; nothing can be arranged before."));
  }
  if (change.status != ChangeStatus::kConsented) {
    return Fail(Error::FailedPrecondition("This change is no longer open."));
  }
  const bool outside = !change.to_outside.empty() && !therapist_id;
  std::optional<User> next;
  if (!outside) {
    if (!therapist_id) return Fail(Error::Field("therapist_id", "is required"));
    auto user = store_.GetUser(*therapist_id);
    if (!user && user.error().code != ErrorCode::kNotFound) return Fail(user.error());
    if (!user || user->role != Role::kTherapist || user->clinic_id != change.clinic_id ||
        !user->active) {
      return Fail(Error::Field("therapist_id", "is not a therapist of this clinic"));
    }
    if (user->id == change.from_therapist_id) {
      return Fail(Error::Field("therapist_id", "is the therapist the client is leaving"));
    }
    next = *user;
  }
  ClientProfile profile{change.client_id, "", "", ""};
  if (auto saved = store_.GetClientProfile(change.client_id)) {
    profile = *saved;
  } else if (saved.error().code != ErrorCode::kNotFound) {
    return Fail(saved.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const User client, store_.GetUser(change.client_id));
  RAPPORT_ASSIGN_OR_RETURN(const User from, store_.GetUser(change.from_therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::string client_name, ClientName(store_, change.client_id));
  EndingWords words;
  if (outside) {
    words.reason = EndReason::kReferredOut;
    words.ending_note = "Referred to care outside the clinic.";
    words.referrals = {Referral{change.to_outside, "", change.reason}};
  } else {
    words.reason = EndReason::kTransferred;
    words.ending_note = fmt::format("Care continues with {}.", next->display_name);
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const TherapistChange current, txn.GetTherapistChange(id));
    if (current.status != ChangeStatus::kConsented) {
      return Fail(Error::FailedPrecondition("This change is no longer open."));
    }
    RAPPORT_RETURN_IF_ERROR(WriteEnding(txn, actor, change.episode_id, words, now));
    RAPPORT_RETURN_IF_ERROR(InviteToLookBack(txn, change.episode_id, now));
    if (next) {
      RAPPORT_ASSIGN_OR_RETURN(
          const Episode started,
          OpenIntakeEpisode(txn, actor, change.client_id, next->id, profile, now));
      change.new_episode_id = started.id;
    }
    change.status = ChangeStatus::kDone;
    change.decided_by = actor.user_id;
    change.decided_at = now;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "assign", "therapist_change", audit::Id(id)));
    const std::string key = fmt::format("therapist_change:{}:done", id);
    const Json payload = ChangePayload(change);
    RAPPORT_RETURN_IF_ERROR(TellEach(
        txn, {from}, key, "Rapport: a client's care continues elsewhere",
        fmt::format("{}'s care now continues {}. Thank you for the work you did together.",
                    client_name, outside ? "outside the clinic" : "with another therapist"),
        payload, now));
    if (!next) {
      return TellEach(txn, {client}, key, "Rapport: your referral",
                      fmt::format("Your care continues with {}. What you agreed to share is in "
                                  "your record, ready to give them.",
                                  change.to_outside),
                      payload, now);
    }
    RAPPORT_RETURN_IF_ERROR(TellEach(
        txn, {client}, key, "Rapport: your new therapist",
        fmt::format("{} will be your therapist from now on. They will see only what you chose "
                    "to share.",
                    next->display_name),
        payload, now));
    return TellEach(txn, {*next}, key, "Rapport: a client joins your caseload",
                    "A client has been transferred to you. What they chose to share is with "
                    "their new episode in Rapport.",
                    payload, now);
  }));
  return ViewFor(actor, std::move(change));
}

Result<ChangeView> TherapistChangeService::Withdraw(const Actor& actor, TherapistChangeId id) {
  RAPPORT_ASSIGN_OR_RETURN(TherapistChange change, Visible(actor, id));
  const bool may =
      (actor.role == Role::kClient) ||
      (change.kind == TherapistChangeKind::kReferral && change.requested_by == actor.user_id);
  if (!may) {
    return Fail(
        Error::PermissionDenied("Only the client or the therapist who referred can "
                                "withdraw a change of therapist."));
  }
  if (!IsOpen(change.status)) {
    return Fail(Error::FailedPrecondition("This change is no longer open."));
  }
  const Timestamp now = clock_.Now();
  change.status = ChangeStatus::kWithdrawn;
  change.decided_by = actor.user_id;
  change.decided_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const TherapistChange current, txn.GetTherapistChange(id));
    if (!IsOpen(current.status)) {
      return Fail(Error::FailedPrecondition("This change is no longer open."));
    }
    // Consented words stay as they were kept; withdrawing changes only the status.
    change.packet = current.packet;
    change.consented_at = current.consented_at;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
    return audit::Append(txn, actor, now, "withdraw", "therapist_change", audit::Id(id));
  }));
  change.packet.reset();
  return ViewFor(actor, std::move(change));
}

Result<HandoverView> TherapistChangeService::Handover(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  auto change = store_.GetTherapistChangeInto(episode.id);
  if (!change) {
    if (change.error().code != ErrorCode::kNotFound) return Fail(change.error());
    return Fail(Error::NotFound("This course of care did not start from a change of therapist."));
  }
  if (!change->packet) return Fail(Error::Internal("a completed change without its packet"));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"therapist_change", audit::Id(change->id)}}));
  return HandoverView{change->id, change->episode_id, std::move(*change->packet)};
}

Result<FitFollowupView> TherapistChangeService::FitFollowupOf(const Actor& actor,
                                                              EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FeedbackResponse> responses,
                           store_.ListResponsesOfEpisode(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FitFollowup> followups,
                           store_.ListFitFollowupsOfEpisode(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<TherapistChange> changes,
                           store_.ListTherapistChangesOfEpisode(episode.id));
  FitFollowupView view;
  if (!followups.empty()) view.latest = followups.back();
  for (const TherapistChange& c : changes) {
    if (IsOpen(c.status)) view.open_change = c.id;
  }
  // The latest Fit Check the client answered (responses are oldest first).
  for (auto r = responses.rbegin(); r != responses.rend(); ++r) {
    const Instrument* instrument = catalog_.Find(r->instrument);
    if (instrument == nullptr || instrument->purpose != Purpose::kFit ||
        r->respondent != Respondent::kClient) {
      continue;
    }
    const bool answered = std::any_of(followups.begin(), followups.end(),
                                      [&](const FitFollowup& f) { return f.response_id == r->id; });
    view.offer = episode.status != EpisodeStatus::kEnded && IsLowFit(*instrument, *r) &&
                 !answered && !view.open_change;
    break;
  }
  return view;
}

Result<FitFollowupView> TherapistChangeService::ChooseAfterFit(const Actor& actor,
                                                               EpisodeId episode_id,
                                                               FitChoice choice) {
  RAPPORT_ASSIGN_OR_RETURN(const FitFollowupView before, FitFollowupOf(actor, episode_id));
  if (!before.offer) {
    return Fail(Error::FailedPrecondition("There is nothing to choose about just now."));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FeedbackResponse> responses,
                           store_.ListResponsesOfEpisode(episode_id));
  ResponseId response = 0;
  for (const FeedbackResponse& r : responses) {
    const Instrument* instrument = catalog_.Find(r.instrument);
    if (instrument != nullptr && instrument->purpose == Purpose::kFit &&
        r.respondent == Respondent::kClient) {
      response = r.id;
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, store_.GetEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const User therapist, store_.GetUser(episode.therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::string client_name, ClientName(store_, episode.client_id));
  const Timestamp now = clock_.Now();
  // The choice, and what it sets going, in one write.
  const WriteFn chosen = [&](WriteTxn& txn) -> Status {
    auto inserted =
        txn.InsertFitFollowup(FitFollowup{episode_id, response, choice, actor.user_id, now});
    if (!inserted && inserted.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::FailedPrecondition("You have already chosen about this answer."));
    }
    RAPPORT_RETURN_IF_ERROR(inserted);
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "create", "fit_followup", audit::Id(response)));
    if (choice != FitChoice::kTalk) return Ok();
    return TellEach(
        txn, {therapist}, fmt::format("fit_followup:{}", response),
        "Rapport: a client would like to talk about how the work fits",
        fmt::format("{} would like to talk with you about how your work together fits them. "
                    "They chose this after the Fit Check; making room for it early in the next "
                    "session helps.",
                    client_name),
        Json{{"type", "fit_followup"}, {"episode_id", episode_id}}, now);
  };
  if (choice == FitChoice::kChange) {
    TherapistChange change;
    change.kind = TherapistChangeKind::kClientRequest;
    RAPPORT_RETURN_IF_ERROR(Open(actor, episode, std::move(change), chosen));
  } else {
    RAPPORT_RETURN_IF_ERROR(store_.Write(chosen));
  }
  return FitFollowupOf(actor, episode_id);
}

}  // namespace rapport
