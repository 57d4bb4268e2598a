#pragma once
// What the caseload shows and what a new answer needs to know about the answers before it, as the
// Store reads them: a fixed handful of set-based queries for any number of clients, whose cost
// does not grow with a client's history. Plain value types, copyable and thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "domain/people.h"
#include "domain/plan.h"
#include "domain/severity.h"
#include "store/feedback_records.h"

namespace rapport {

// How many of a series' latest totals the store keeps at hand: a series read asks for at most
// this many.
inline constexpr int kKeptTotals = 12;

// One scored answer of a series.
struct ScoredPoint {
  Timestamp submitted_at = 0;
  ResponseId id = 0;
  double total = 0;
  std::string band;
};

// The answers of one episode to one questionnaire from one kind of respondent.
struct ResponseSeries {
  EpisodeId episode_id = 0;
  std::string instrument;
  Respondent respondent = Respondent::kClient;
  int answered = 0;  // every answer, with a total or without; 0 when there are none
  Timestamp first_submitted_at = 0;
  Timestamp last_submitted_at = 0;
  std::optional<double> first_total;  // the oldest total: the series' baseline
  ResponseId first_id = 0;            // the answer that gave it; 0 without one
  // The latest totals, oldest first: as many as asked, up to kKeptTotals.
  std::vector<ScoredPoint> recent;
};

// Whose caseload to read, and how much of each series.
struct CaseloadQuery {
  ClinicId clinic_id = 0;
  std::vector<UserId> therapist_ids;
  Timestamp now = 0;         // appointments from now on are "next"
  int recent = kKeptTotals;  // latest totals per series (at most kKeptTotals)
};

// One episode of the caseload, with what the caseload shows about it. Alerts, series and the plan
// are read for episodes that have not ended; for ended ones they are left empty.
struct CaseloadEpisode {
  Episode episode;
  std::string client_display_name;
  std::string client_preferred_name;  // empty when none
  std::string client_date_of_birth;   // "YYYY-MM-DD", empty when unknown
  std::string therapist_name;
  int open_alerts = 0;
  std::optional<Severity> top_severity;         // of the open alerts
  std::optional<Appointment> next_appointment;  // the earliest scheduled one at or after now
  std::vector<std::string> assigned;   // questionnaire codes in the order assigned, once each
  std::vector<ResponseSeries> series;  // by questionnaire, then respondent
  std::optional<PlanVersionStatus> plan_status;  // the newest version's; none without a plan
  // With an agreed plan: since when its review is counted (agreed, or last reviewed, whichever is
  // later) and how many sessions were completed after that, up to now.
  std::optional<Timestamp> plan_review_since;
  int sessions_since_review = 0;
};

}  // namespace rapport
