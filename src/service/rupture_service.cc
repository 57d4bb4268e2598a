#include "service/rupture_service.h"

#include <algorithm>
#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"

namespace rapport {

namespace {

constexpr Timestamp kHourMs = 60LL * 60 * 1000;

std::vector<audit::Touch> Touched(const std::vector<Rupture>& ruptures) {
  std::vector<audit::Touch> touched;
  for (const Rupture& r : ruptures) touched.push_back({"rupture", audit::Id(r.id)});
  return touched;
}

}  // namespace

RuptureService::RuptureService(Store& store, const Clock& clock, const InstrumentCatalog& catalog)
    : store_(store), clock_(clock), catalog_(catalog) {}

// The client's Rapport Check totals in the episode, and the Check's cutoff.
Result<std::vector<RapportPoint>> RuptureService::RapportChecks(EpisodeId episode_id,
                                                                double& cutoff) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<FeedbackResponse> responses,
                           store_.ListResponsesOfEpisode(episode_id));
  std::vector<RapportPoint> points;
  cutoff = 0;
  for (const FeedbackResponse& r : responses) {
    const Instrument* instrument = catalog_.Find(r.instrument);
    if (instrument == nullptr || instrument->purpose != Purpose::kRapport ||
        r.respondent != Respondent::kClient || !r.total) {
      continue;
    }
    cutoff = instrument->TotalScale().cutoff.value_or(0);
    points.push_back(RapportPoint{r.submitted_at, *r.total});
  }
  return points;
}

// One rupture with its recovery by `checks` and its authors' names.
Result<RuptureView> RuptureService::ViewOf(const Rupture& rupture,
                                           std::span<const RapportPoint> checks, double cutoff,
                                           Names& names) {
  RuptureView view;
  view.rupture = rupture;
  view.recovery = RecoveryOf(rupture, checks, cutoff);
  RAPPORT_ASSIGN_OR_RETURN(view.noted_by_name, names.User(rupture.noted_by));
  if (rupture.repaired_by) {
    RAPPORT_ASSIGN_OR_RETURN(view.repaired_by_name, names.User(*rupture.repaired_by));
  }
  return view;
}

Result<RuptureView> RuptureService::ViewOf(const Rupture& rupture) {
  double cutoff = 0;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<RapportPoint> checks,
                           RapportChecks(rupture.episode_id, cutoff));
  Names names(store_);
  return ViewOf(rupture, checks, cutoff, names);
}

Result<RuptureView> RuptureService::Note(const Actor& actor, EpisodeId episode_id,
                                         const RuptureNote& note) {
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, episode_id,
                            "Only the episode's therapist or their supervisor notes ruptures."));
  if (episode.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition("This course of care has ended."));
  }
  if (note.alert_id) {
    auto alert = store_.GetAlert(*note.alert_id);
    if (!alert && alert.error().code != ErrorCode::kNotFound) return Fail(alert.error());
    if (!alert || alert->episode_id != episode.id) {
      return Fail(Error::Field("alert_id", "is not an alert of this episode"));
    }
  }
  Rupture rupture;
  rupture.episode_id = episode.id;
  rupture.noted_by = actor.user_id;
  rupture.noted_at = clock_.Now();
  rupture.note = note;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(rupture.id, txn.InsertRupture(rupture));
    return audit::Append(txn, actor, rupture.noted_at, "create", "rupture", audit::Id(rupture.id));
  }));
  return ViewOf(rupture);
}

Result<RuptureView> RuptureService::Repair(const Actor& actor, RuptureId id,
                                           const RepairNote& repair) {
  auto rupture = store_.GetRupture(id);
  if (!rupture) {
    if (rupture.error().code != ErrorCode::kNotFound) return Fail(rupture.error());
    return Fail(DeniedAndAudited(store_, actor, "rupture", id));
  }
  RAPPORT_RETURN_IF_ERROR(
      RequireEpisodeManager(store_, actor, rupture->episode_id,
                            "Only the episode's therapist or their supervisor writes the repair."));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.RecordRepair(id, actor.user_id, now, repair));
    return audit::Append(txn, actor, now, "repair", "rupture", audit::Id(id));
  }));
  RAPPORT_ASSIGN_OR_RETURN(const Rupture repaired, store_.GetRupture(id));
  return ViewOf(repaired);
}

Result<std::vector<RuptureView>> RuptureService::OfEpisode(const Actor& actor,
                                                           EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Rupture> ruptures,
                           store_.ListRupturesOfEpisode(episode.id));
  double cutoff = 0;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<RapportPoint> checks,
                           RapportChecks(episode.id, cutoff));
  std::vector<RuptureView> out;
  Names names(store_);
  for (const Rupture& r : ruptures) {
    RAPPORT_ASSIGN_OR_RETURN(RuptureView view, ViewOf(r, checks, cutoff, names));
    out.push_back(std::move(view));
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), Touched(ruptures)));
  return out;
}

Result<std::vector<WaitingRupture>> RuptureService::Unrepaired(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  const Timestamp now = clock_.Now();
  const Timestamp within = clinic.settings.repair_within_hours * kHourMs;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Rupture> waiting,
                           store_.ListUnrepairedRupturesOfClinic(clinic.id, now - within));
  std::vector<WaitingRupture> out;
  std::vector<Rupture> shown;
  Names names(store_);
  for (const Rupture& r : waiting) {
    RAPPORT_ASSIGN_OR_RETURN(const Episode episode, store_.GetEpisode(r.episode_id));
    if (episode.status == EpisodeStatus::kEnded) continue;
    RAPPORT_ASSIGN_OR_RETURN(const bool supervised,
                             MayManageCareOf(store_, actor, episode.therapist_id));
    if (!supervised || episode.therapist_id == actor.user_id) continue;
    WaitingRupture w;
    w.rupture = r;
    w.therapist_id = episode.therapist_id;
    RAPPORT_ASSIGN_OR_RETURN(w.client_name, names.Client(episode.client_id));
    RAPPORT_ASSIGN_OR_RETURN(w.therapist_name, names.User(episode.therapist_id));
    w.waiting_ms = now - r.noted_at;
    out.push_back(std::move(w));
    shown.push_back(r);
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, Touched(shown)));
  return out;
}

}  // namespace rapport
