#include "service/matching_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "domain/change.h"
#include "domain/messaging.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/new_episode.h"
#include "service/tell.h"

namespace rapport {

namespace {

using audit::Id;

// A therapist of the actor's clinic, or NotVisible().
Result<User> TherapistOfClinic(Store& store, const Actor& actor, UserId therapist_id) {
  auto user = store.GetUser(therapist_id);
  if (!user) {
    if (user.error().code != ErrorCode::kNotFound) return Fail(user.error());
    return Fail(NotVisible());
  }
  if (user->role != Role::kTherapist || user->clinic_id != actor.clinic_id) {
    return Fail(NotVisible());
  }
  return *user;
}

// The preferences a match needs; their absence is the client's next step, not a missing record.
Result<ClientPreferences> SavedPreferences(Store& store, UserId client_id) {
  auto saved = store.GetClientPreferences(client_id);
  if (!saved && saved.error().code == ErrorCode::kNotFound) {
    Error e = Error::FailedPrecondition(
        "Tell us what you are looking for in a therapist first, so that we can suggest people.");
    e.fields.push_back({"preferences", "not saved yet"});
    return Fail(std::move(e));
  }
  return saved;
}

// The needs joined by ", ", each as `words` gives it.
std::string JoinNeeds(const std::vector<HardNeed>& needs, std::string_view (*words)(HardNeed)) {
  std::string out;
  for (const HardNeed n : needs) {
    if (!out.empty()) out += ", ";
    out += words(n);
  }
  return out;
}

}  // namespace

// --- Offers -----------------------------------------------------------------------------------

Result<TherapistOffer> MatchingService::Offer(const Actor& actor, UserId therapist_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(
      actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist, Role::kClient, Role::kGuardian}));
  RAPPORT_RETURN_IF_ERROR(TherapistOfClinic(store_, actor, therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(TherapistOffer offer, store_.GetTherapistOffer(therapist_id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"therapist_offer", Id(therapist_id)}}));
  return offer;
}

Result<std::vector<TherapistOffer>> MatchingService::Offers(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(
      actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist, Role::kClient, Role::kGuardian}));
  RAPPORT_ASSIGN_OR_RETURN(std::vector<TherapistOffer> offers,
                           store_.ListTherapistOffers(actor.clinic_id));
  std::vector<audit::Touch> touched;
  for (const TherapistOffer& o : offers) touched.push_back({"therapist_offer", Id(o.therapist_id)});
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return offers;
}

Result<TherapistOffer> MatchingService::SaveOffer(const Actor& actor, UserId therapist_id,
                                                  TherapistOffer offer) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kTherapist}));
  if (actor.role == Role::kTherapist && actor.user_id != therapist_id) {
    return Fail(Error::PermissionDenied("A therapist writes their own profile only."));
  }
  RAPPORT_RETURN_IF_ERROR(TherapistOfClinic(store_, actor, therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(offer, ValidateOffer(std::move(offer)));
  offer.therapist_id = therapist_id;
  const Timestamp now = clock_.Now();
  offer.updated_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const TherapistOffer current, txn.GetTherapistOffer(therapist_id));
    offer.display_name = current.display_name;
    // A verification vouches for one licence: a new number or place needs checking again.
    const bool same_licence = current.licence_number == offer.licence_number &&
                              current.jurisdiction == offer.jurisdiction;
    offer.licence_verified_at = same_licence ? current.licence_verified_at : std::nullopt;
    offer.licence_verified_by = same_licence ? current.licence_verified_by : 0;
    RAPPORT_RETURN_IF_ERROR(txn.UpsertTherapistOffer(offer));
    return audit::Append(txn, actor, now, "update", "therapist_offer", Id(therapist_id));
  }));
  return offer;
}

Result<TherapistOffer> MatchingService::VerifyLicence(const Actor& actor, UserId therapist_id,
                                                      bool verified) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_RETURN_IF_ERROR(TherapistOfClinic(store_, actor, therapist_id));
  const Timestamp now = clock_.Now();
  TherapistOffer offer;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(offer, txn.GetTherapistOffer(therapist_id));
    if (verified && (offer.licence_number.empty() || offer.jurisdiction.empty())) {
      Error e = Error::FailedPrecondition(
          "There is no licence to verify yet: the therapist's profile needs a licence number and "
          "the place it holds.");
      e.fields.push_back({"licence_number", "is not given yet"});
      return Fail(std::move(e));
    }
    offer.licence_verified_at = verified ? std::optional<Timestamp>(now) : std::nullopt;
    offer.licence_verified_by = verified ? actor.user_id : 0;
    RAPPORT_RETURN_IF_ERROR(txn.SetLicenceVerification(therapist_id, offer.licence_verified_at,
                                                       offer.licence_verified_by));
    return audit::Append(txn, actor, now, verified ? "verify" : "unverify", "therapist_licence",
                         Id(therapist_id));
  }));
  return offer;
}

// --- Preferences and matches ------------------------------------------------------------------

Result<ClientPreferences> MatchingService::Preferences(const Actor& actor, UserId client_id) {
  if (actor.role == Role::kClient || actor.role == Role::kAdmin) {
    RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  } else {
    RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
    RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  }
  RAPPORT_ASSIGN_OR_RETURN(ClientPreferences preferences, store_.GetClientPreferences(client_id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"client_preferences", Id(client_id)}}));
  return preferences;
}

Result<ClientPreferences> MatchingService::SavePreferences(const Actor& actor, UserId client_id,
                                                           ClientPreferences preferences) {
  RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  RAPPORT_ASSIGN_OR_RETURN(preferences, ValidatePreferences(std::move(preferences)));
  preferences.client_id = client_id;
  preferences.updated_at = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientPreferences(preferences));
    return audit::Append(txn, actor, preferences.updated_at, "update", "client_preferences",
                         Id(client_id));
  }));
  return preferences;
}

Result<MatchesView> MatchingService::Matches(const Actor& actor, UserId client_id, int limit) {
  RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  RAPPORT_ASSIGN_OR_RETURN(const ClientPreferences preferences,
                           SavedPreferences(store_, client_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<TherapistOffer> offers,
                           store_.ListTherapistOffers(actor.clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  MatchOptions options;
  options.limit = limit;
  OutcomeSignals signals;
  if (clinic.settings.outcome_informed_matching) {
    RAPPORT_ASSIGN_OR_RETURN(const OutcomeReport report,
                             BuildReport(actor.clinic_id, clinic.settings.min_outcome_episodes));
    signals = SignalsFrom(report);
    options.use_outcomes = true;
    options.signals = &signals;
  }
  MatchesView view;
  RAPPORT_ASSIGN_OR_RETURN(view.result, Match(preferences, offers, options));
  for (const RankedMatch& m : view.result.matches) {
    const auto offer = std::find_if(offers.begin(), offers.end(), [&](const TherapistOffer& o) {
      return o.therapist_id == m.therapist_id;
    });
    if (offer != offers.end()) view.offers.emplace(m.therapist_id, *offer);
  }
  view.show_outcome = actor.role == Role::kAdmin && options.use_outcomes;
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"client_preferences", Id(client_id)}}));
  return view;
}

Result<Episode> MatchingService::AskForFirstAppointment(const Actor& actor, UserId client_id,
                                                        UserId therapist_id,
                                                        const std::string& note) {
  RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  RAPPORT_ASSIGN_OR_RETURN(std::string words,
                           NormalizeParagraphs(note, "note", kMaxMessageChars, false));
  if (!words.empty() && actor.role != Role::kClient) {
    return Fail(Error::Field("note", "only the client writes to their therapist"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const ClientPreferences preferences,
                           SavedPreferences(store_, client_id));
  auto therapist = TherapistOfClinic(store_, actor, therapist_id);
  if (!therapist && therapist.error().code != ErrorCode::kNotFound) {
    return Fail(therapist.error());
  }
  if (!therapist || !therapist->active) {
    return Fail(Error::Field("therapist_id", "is not a therapist of this clinic"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const TherapistOffer offer, store_.GetTherapistOffer(therapist_id));
  // The matches were shown a while ago; what holds now decides.
  if (const std::vector<HardNeed> failed = FailedNeeds(preferences, offer); !failed.empty()) {
    // The client reads the message; the field keeps the needs' names for programs.
    Error e = Error::FailedPrecondition(
        fmt::format("{} no longer fits what you need ({}); please look at your matches again.",
                    offer.display_name, JoinNeeds(failed, NeedWords)));
    e.fields.push_back({"therapist_id", "does not meet: " + JoinNeeds(failed, ToString)});
    return Fail(std::move(e));
  }
  ClientProfile profile{client_id, "", "", ""};
  if (auto saved = store_.GetClientProfile(client_id)) {
    profile = *saved;
  } else if (saved.error().code != ErrorCode::kNotFound) {
    return Fail(saved.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string client_name, ClientName(store_, client_id));
  const Timestamp now = clock_.Now();
  Episode episode;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    // Checked inside the write, so two quick requests cannot open two courses of care.
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<Episode> episodes,
                             txn.ListEpisodesOfClient(client_id));
    if (std::any_of(episodes.begin(), episodes.end(),
                    [](const Episode& e) { return e.status != EpisodeStatus::kEnded; })) {
      return Fail(Error::FailedPrecondition(
          "There is already an open course of care for this client; a change of therapist is "
          "arranged with the clinic."));
    }
    RAPPORT_ASSIGN_OR_RETURN(episode,
                             OpenIntakeEpisode(txn, actor, client_id, therapist_id, profile, now));
    if (!words.empty()) {
      EpisodeMessage message{0, actor.clinic_id, episode.id, client_id, words, now, std::nullopt};
      RAPPORT_ASSIGN_OR_RETURN(message.id, txn.InsertEpisodeMessage(message));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, actor, now, "create", "episode_message", Id(message.id)));
    }
    RAPPORT_RETURN_IF_ERROR(
        Tell(txn, *therapist,
             Message{"first_appointment", fmt::format("first_appointment:{}", episode.id),
                     "Rapport: a request for a first appointment",
                     fmt::format("{} would like a first appointment with you. Sign in to see what "
                                 "they are looking for and to offer a time.",
                                 client_name),
                     Json{{"type", "first_appointment"},
                          {"episode_id", episode.id},
                          {"client_id", client_id}}},
             now));
    return Ok();
  }));
  return episode;
}

// --- The first step ---------------------------------------------------------------------------

Result<FirstStep> MatchingService::GetFirstStep(const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kTherapist, Role::kSupervisor}));
  if (actor.role == Role::kClient) {
    RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  } else {
    RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  }
  RAPPORT_ASSIGN_OR_RETURN(FirstStep step, store_.GetFirstStep(client_id));
  // Not shared is, to the care team, not written.
  if (actor.role != Role::kClient && !step.shared) {
    return Fail(Error::NotFound("no first step shared"));
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"first_step", Id(client_id)}}));
  return step;
}

Result<FirstStep> MatchingService::SaveFirstStep(const Actor& actor, UserId client_id,
                                                 FirstStep step) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient}));
  RAPPORT_RETURN_IF_ERROR(RequireClientIntake(store_, actor, client_id));
  step.client_id = client_id;
  step.updated_at = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertFirstStep(step));
    return audit::Append(txn, actor, step.updated_at, "update", "first_step", Id(client_id));
  }));
  return step;
}

// --- The outcome report -----------------------------------------------------------------------

Result<OutcomeReport> MatchingService::BuildReport(ClinicId clinic_id, int min_episodes) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<EndedEpisodeMeasure> measures,
                           store_.ListEndedEpisodeMeasures(clinic_id));
  std::vector<EpisodeOutcome> outcomes;
  std::set<std::pair<EpisodeId, std::string>> counted;
  for (const EndedEpisodeMeasure& m : measures) {
    if (m.instrument.empty() || !m.first_total) continue;
    const Instrument* instrument = catalog_.Find(m.instrument);
    if (instrument == nullptr || instrument->purpose != Purpose::kOutcome ||
        instrument->domain.empty()) {
      continue;
    }
    // One outcome per episode and domain, whoever answered (the client's series sorts first).
    if (!counted.emplace(m.episode_id, instrument->domain).second) continue;
    EpisodeOutcome o;
    o.therapist_id = m.therapist_id;
    o.domain = instrument->domain;
    // The recorded reason says whether the client dropped out; an episode that ended before
    // reasons were recorded counts as a dropout when it held fewer than three sessions.
    o.dropped_out =
        m.end_reason ? IsDropout(*m.end_reason) : m.completed_sessions < kDropoutBelowSessions;
    if (m.latest_total) {
      const Scale& scale = instrument->TotalScale();
      o.measured = true;
      const double moved = *m.latest_total - *m.first_total;
      o.change = scale.direction == Direction::kHigherIsWorse ? -moved : moved;
      if (auto change = ComputeChange(scale, *m.first_total, *m.latest_total)) {
        o.improved = change->improved;
        o.deteriorated = change->deteriorated;
      }
    }
    outcomes.push_back(std::move(o));
  }
  return BuildOutcomeReport(outcomes, min_episodes);
}

Result<OutcomeReportView> MatchingService::Outcomes(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  OutcomeReportView view;
  RAPPORT_ASSIGN_OR_RETURN(view.report,
                           BuildReport(actor.clinic_id, clinic.settings.min_outcome_episodes));
  if (actor.role == Role::kSupervisor) {
    // The clinic's figures, and each of their supervisees': supervision, not surveillance.
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<UserId> supervisees,
                             store_.ListSupervisees(actor.user_id));
    std::erase_if(view.report.rows, [&](const OutcomeRow& row) {
      return row.therapist_id != 0 && std::find(supervisees.begin(), supervisees.end(),
                                                row.therapist_id) == supervisees.end();
    });
  }
  // Every name from one read of the clinic's people, however many therapists have rows.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> people, store_.ListUsers(actor.clinic_id));
  for (const User& u : people) {
    if (u.role == Role::kTherapist) view.therapist_names.emplace(u.id, u.display_name);
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"outcome_report", Id(actor.clinic_id)}}));
  return view;
}

OutcomeSignals SignalsFrom(const OutcomeReport& report) {
  std::map<std::string, double> clinic_rate;
  for (const OutcomeRow& row : report.rows) {
    if (row.therapist_id == 0 && row.improvement) {
      clinic_rate[row.domain] = row.improvement->shrunk.estimate;
    }
  }
  OutcomeSignals signals;
  for (const OutcomeRow& row : report.rows) {
    if (row.therapist_id == 0 || !row.improvement) continue;
    const auto rate = clinic_rate.find(row.domain);
    if (rate == clinic_rate.end()) continue;
    signals[{row.therapist_id, row.domain}] = OutcomeSignal{
        row.improvement->shrunk.estimate, row.improvement->shrunk.standard_error, rate->second};
  }
  return signals;
}

}  // namespace rapport
