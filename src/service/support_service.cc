#include "service/support_service.h"

#include <fmt/format.h>

#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/tell.h"

namespace rapport {

SupportService::SupportService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                               std::string base_url)
    : store_(store), clock_(clock), catalog_(catalog), base_url_(std::move(base_url)) {}

Result<SupportCheckView> SupportService::ViewOf(EpisodeId episode_id) {
  SupportCheckView view;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<SupportCheckRequest> requests,
                           store_.ListSupportCheckRequestsOfEpisode(episode_id));
  if (!requests.empty()) view.requested_at = requests.back().requested_at;
  const Instrument* instrument = catalog_.Find(kSupportCheckCode);
  if (instrument == nullptr) return view;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FeedbackResponse> responses,
                           store_.ListResponsesOfEpisode(episode_id));
  const FeedbackResponse* latest = nullptr;
  for (const FeedbackResponse& r : responses) {
    if (r.instrument == instrument->code && r.respondent == Respondent::kClient) latest = &r;
  }
  if (latest != nullptr) {
    view.answered_at = latest->submitted_at;
    const Json scales = Json::parse(latest->scales_json, nullptr, /*allow_exceptions=*/false);
    view.findings = SupportFindings(*instrument, scales, ShippedSupportRules());
    const Json answers = Json::parse(latest->answers_json, nullptr, /*allow_exceptions=*/false);
    if (answers.is_object()) {
      const auto comment = answers.find("sc_life_comment");
      if (comment != answers.end() && comment->is_string()) {
        view.life_events_comment = comment->get<std::string>();
      }
    }
  }
  view.waiting = view.requested_at && (!view.answered_at || *view.answered_at < *view.requested_at);
  return view;
}

Result<SupportCheckView> SupportService::Request(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, episode_id,
                            "Only the episode's therapist or their supervisor sends it."));
  if (episode.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition("This course of care has ended."));
  }
  if (catalog_.Find(kSupportCheckCode) == nullptr) {
    return Fail(Error::FailedPrecondition("This clinic's questionnaires have no Support Check."));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const User client, store_.GetUser(episode.client_id));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(InstrumentAssignment{
        episode.id, std::string(kSupportCheckCode), Respondent::kClient, now, std::nullopt}));
    RAPPORT_RETURN_IF_ERROR(
        txn.InsertSupportCheckRequest(SupportCheckRequest{episode.id, actor.user_id, now}));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "request", "support_check", audit::Id(episode.id)));
    if (!client.active) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(
        const int told,
        Tell(
            txn, client,
            Message{"support_check", fmt::format("support_check:episode={}:at={}", episode.id, now),
                    "Rapport: a few questions from your therapist",
                    fmt::format("Your therapist would like to understand what could make things "
                                "easier for you. There are a few short questions, with no right "
                                "answers:\n{}/feedback",
                                base_url_),
                    Json{{"type", "support_check"}, {"episode_id", episode.id}}},
            now));
    (void)told;
    return Ok();
  }));
  return ViewOf(episode.id);
}

Result<SupportCheckView> SupportService::Of(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(SupportCheckView view, ViewOf(episode.id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"support_check", audit::Id(episode.id)}}));
  return view;
}

}  // namespace rapport
