#include "service/record_service.h"

#include <algorithm>
#include <utility>

#include "core/json.h"
#include "service/access.h"
#include "service/alert_notifier.h"
#include "service/audit_log.h"
#include "service/course_service.h"
#include "service/names.h"
#include "service/plan_service.h"

namespace rapport {

namespace {

// What the audit trail calls the whole record, downloaded.
constexpr std::string_view kRecord = "client_record";

// Drafts are the therapist's working copy until proposed; every other status was put before the
// client (proposed to them, and decided by them or since).
bool ShownToClient(PlanVersionStatus status) {
  return status != PlanVersionStatus::kDraft;
}

bool SharedPacket(const TherapistChange& change) {
  return change.packet.has_value() &&
         (change.status == ChangeStatus::kConsented || change.status == ChangeStatus::kDone);
}

// A name, or `fallback` for an account that is gone.
Result<std::string> NameOr(Names& names, UserId id, std::string fallback) {
  auto name = names.User(id);
  if (!name && name.error().code == ErrorCode::kNotFound) return fallback;
  return name;
}

}  // namespace

RecordService::RecordService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                             CourseService& course)
    : store_(store), clock_(clock), catalog_(catalog), course_(course) {}

Result<ClientRecord> RecordService::RecordOf(const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient}));
  // A client sees only themself: anyone else's id is refused as a record that does not exist.
  RAPPORT_ASSIGN_OR_RETURN(User client,
                           RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  ClientRecord record;
  record.made_at = clock_.Now();
  auto profile = store_.GetClientProfile(client_id);
  if (profile) {
    record.profile = std::move(*profile);
  } else if (profile.error().code != ErrorCode::kNotFound) {
    return Fail(profile.error());
  }
  record.profile.user_id = client_id;
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(record.client_name, names.Client(client_id));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(client.clinic_id));
  record.clinic_name = clinic.name;
  RAPPORT_ASSIGN_OR_RETURN(const SafetySettings safety,
                           LoadSafetySettings(store_, client.clinic_id));
  record.time_zone = safety.time_zone;
  record.client = std::move(client);

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Episode> episodes,
                           store_.ListEpisodesOfClient(client_id));
  for (const Episode& episode : episodes) {
    if (episode.clinic_id != record.client.clinic_id) continue;
    RAPPORT_ASSIGN_OR_RETURN(RecordEpisode e, EpisodeRecord(actor, episode, names));
    record.episodes.push_back(std::move(e));
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, record.made_at, {{std::string(kRecord), audit::Id(client_id)}}));
  return record;
}

Result<RecordEpisode> RecordService::EpisodeRecord(const Actor& actor, const Episode& episode,
                                                   Names& names) {
  RecordEpisode out;
  out.episode = episode;
  RAPPORT_ASSIGN_OR_RETURN(out.therapist_name,
                           NameOr(names, episode.therapist_id, "your former therapist"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string client_name, names.Client(episode.client_id));

  auto ending = store_.GetEpisodeEnding(episode.id);
  if (ending) {
    out.ending = std::move(*ending);
  } else if (ending.error().code != ErrorCode::kNotFound) {
    return Fail(ending.error());
  }

  // The plan: every version the client was shown, with who agreed to it.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<PlanVersion> versions,
                           store_.ListPlanVersions(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<PlanSignature> signatures,
                           store_.ListPlanSignatures(episode.id));
  for (const PlanVersion& v : versions) {
    out.newest_plan_number = std::max(out.newest_plan_number, v.number);
    if (!ShownToClient(v.status)) continue;
    RecordPlanVersion view;
    view.version = v;
    RAPPORT_ASSIGN_OR_RETURN(view.content, StoredContentOf(v));
    for (const PlanSignature& s : signatures) {
      if (s.version_id != v.id) continue;
      RecordSignature signature{s.role, s.user_id, {}, s.signed_at};
      if (s.role == SignerRole::kClient) {
        signature.name = client_name;
      } else {
        RAPPORT_ASSIGN_OR_RETURN(signature.name, NameOr(names, s.user_id, "a former colleague"));
      }
      view.signatures.push_back(std::move(signature));
    }
    out.plan_versions.push_back(std::move(view));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<PlanEvent> ticks,
                           store_.ListPlanEvents(episode.id, PlanEventKind::kHomework));
  out.homework_done = FoldPlanEvents(ticks).homework_done;

  // Answers by the client or their guardian (never a therapist's rating), with their scores.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FeedbackResponse> responses,
                           store_.ListResponsesOfEpisode(episode.id));
  for (const FeedbackResponse& r : responses) {
    if (r.respondent == Respondent::kTherapist) continue;
    RecordAnswer answer;
    answer.response = r;
    const Instrument* instrument = catalog_.Find(r.instrument);
    answer.title = instrument != nullptr ? instrument->PlainTitle() : r.instrument;
    if (r.respondent == Respondent::kClient) {
      answer.answered_by = client_name;
    } else {
      RAPPORT_ASSIGN_OR_RETURN(answer.answered_by,
                               NameOr(names, r.respondent_user_id, "your guardian"));
    }
    out.answers.push_back(std::move(answer));
  }

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<EpisodeMessage> messages,
                           store_.ListEpisodeMessages(episode.id));
  for (const EpisodeMessage& m : messages) {
    RecordMessage message;
    message.message = m;
    message.from_client = m.sender_id == episode.client_id;
    if (message.from_client) {
      message.sender_name = client_name;
    } else {
      RAPPORT_ASSIGN_OR_RETURN(message.sender_name, NameOr(names, m.sender_id, out.therapist_name));
    }
    out.messages.push_back(std::move(message));
  }

  // The summary the client reads once the episode has ended: the same draft, through the same
  // services (which check and audit their own parts).
  if (episode.status == EpisodeStatus::kEnded) {
    RAPPORT_ASSIGN_OR_RETURN(DischargeSummary summary, course_.Draft(actor, episode));
    out.summary = std::move(summary);
  }

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<TherapistChange> changes,
                           store_.ListTherapistChangesOfEpisode(episode.id));
  for (const TherapistChange& c : changes) {
    if (!SharedPacket(c)) continue;
    RecordHandover handover;
    handover.change_id = c.id;
    handover.status = c.status;
    handover.consented_at = c.consented_at.value_or(c.requested_at);
    handover.packet = *c.packet;
    if (c.new_episode_id) {
      RAPPORT_ASSIGN_OR_RETURN(const Episode next, store_.GetEpisode(*c.new_episode_id));
      RAPPORT_ASSIGN_OR_RETURN(handover.shared_with,
                               NameOr(names, next.therapist_id, "your new therapist"));
    } else if (c.to_therapist_id) {
      RAPPORT_ASSIGN_OR_RETURN(handover.shared_with,
                               NameOr(names, *c.to_therapist_id, "your new therapist"));
    } else {
      handover.shared_with = c.to_outside;
    }
    out.handovers.push_back(std::move(handover));
  }
  return out;
}

}  // namespace rapport
