#pragma once
// Finding the right therapist (docs/matching.md): therapists' offers and the licence check, a
// client's needs and wishes, ranked matches with their reasons, asking a matched therapist for a
// first appointment, the client's preparation for it, and the clinic's outcome report.
//
// Who:
//  - an offer is read by anyone signed in at the clinic (a client sees the client's view; the
//    HTTP layer renders it), written by its therapist or an admin; only an admin verifies it;
//  - preferences and matches are the client's own, and an admin's, who matches on a client's
//    behalf as the clinic's intake coordinator; the client's therapists and their supervisors
//    read the preferences so that they are honoured in the work;
//  - the first step is the client's; their therapists and supervisors read it only when shared;
//  - the outcome report is the admin's (the clinic) and the supervisor's (the clinic's figures
//    and their supervisees'); a client never sees a therapist's outcome figures.
// Every read and write is audited. Thread-safe; does not own the Store.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/outcome_report.h"
#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/first_step.h"
#include "domain/matching.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

// An episode ended with fewer completed sessions than this counts as a dropout in the outcome
// report, until endings record their reason.
inline constexpr int kDropoutBelowSessions = 3;

struct MatchesView {
  MatchResult result;
  std::map<UserId, TherapistOffer> offers;  // the offers of the matched therapists
  bool show_outcome = false;                // the reader is staff and the clinic weighs outcomes
};

struct OutcomeReportView {
  OutcomeReport report;  // rows the reader may see
  std::map<UserId, std::string> therapist_names;
};

class MatchingService {
 public:
  MatchingService(Store& store, const Clock& clock, const InstrumentCatalog& catalog)
      : store_(store), clock_(clock), catalog_(catalog) {}

  // Anyone signed in at the therapist's clinic; NotVisible() for a therapist of another clinic
  // or someone who is not a therapist.
  Result<TherapistOffer> Offer(const Actor& actor, UserId therapist_id);
  // Every active therapist's offer at the actor's clinic, by id (the directory, FHIR's search).
  Result<std::vector<TherapistOffer>> Offers(const Actor& actor);
  // The therapist themself or an admin. A changed licence number or jurisdiction clears the
  // verification; an admin's own edit keeps it only when the licence did not change.
  Result<TherapistOffer> SaveOffer(const Actor& actor, UserId therapist_id, TherapistOffer offer);
  // An admin records that the licence was checked now, or withdraws it.
  Result<TherapistOffer> VerifyLicence(const Actor& actor, UserId therapist_id, bool verified);

  Result<ClientPreferences> Preferences(const Actor& actor, UserId client_id);
  // The client or an admin.
  Result<ClientPreferences> SavePreferences(const Actor& actor, UserId client_id,
                                            ClientPreferences preferences);

  // The client or an admin: the ranked matches for the client's saved preferences
  // (kFailedPrecondition naming "preferences" until there are some).
  Result<MatchesView> Matches(const Actor& actor, UserId client_id, int limit);

  // The client or an admin asks `therapist_id` for a first appointment: opens an episode in
  // intake and tells the therapist. kFailedPrecondition when the client already has an open
  // episode; kFailedPrecondition naming "therapist_id" (with the needs) when the therapist no
  // longer meets a hard need.
  Result<Episode> AskForFirstAppointment(const Actor& actor, UserId client_id, UserId therapist_id,
                                         const std::string& note);

  Result<FirstStep> GetFirstStep(const Actor& actor, UserId client_id);
  // The client only.
  Result<FirstStep> SaveFirstStep(const Actor& actor, UserId client_id, FirstStep step);

  Result<OutcomeReportView> Outcomes(const Actor& actor);

  // The clinic's outcome report and the matching signals from it, for any reader (used by
  // Outcomes and Matches; public for the benches).
  Result<OutcomeReport> BuildReport(ClinicId clinic_id, int min_episodes);

 private:
  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
};

// The signals matching uses, from a report's improvement figures.
OutcomeSignals SignalsFrom(const OutcomeReport& report);

}  // namespace rapport
