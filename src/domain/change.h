#pragma once
// Change over an episode for one scale: the Jacobson-Truax reliable change index, clinically
// significant change (criteria a, b and c as the definition's norms allow), the resulting
// category, and the expected course of scores. Pure.
//
// Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful
// change in psychotherapy research. J Consult Clin Psychol. 1991;59(1):12-19.
// Reliable recovery: National Collaborating Centre for Mental Health. The Improving Access to
// Psychological Therapies Manual. 2018 (now the NHS Talking Therapies for Anxiety and Depression
// Manual); Gyani A, Shafran R, Layard R, Clark DM. Enhancing recovery rates: lessons from year one
// of IAPT. Behav Res Ther. 2013;51(9):597-606.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/instrument.h"

namespace rapport {

enum class ChangeCategory { kRecovered, kImproved, kUnchanged, kDeteriorated };
std::string_view ToString(ChangeCategory category);

struct ChangeResult {
  double first = 0, latest = 0;
  double difference = 0;          // latest - first
  std::optional<double> rci;      // (latest - first) / S_diff, when SD and reliability are known
  double reliable_threshold = 0;  // points of change that count as reliable
  bool reliable = false;
  bool improved = false;      // reliable change in the better direction
  bool deteriorated = false;  // reliable change in the worse direction
  // Whether `latest` lies in the functional range by each criterion the norms allow.
  std::optional<bool> criterion_a, criterion_b, criterion_c;
  std::optional<double> cutoff_c;  // the criterion c cut-off used
  ChangeCategory category = ChangeCategory::kUnchanged;
};

// kFailedPrecondition when the scale has no reliable-change data.
Result<ChangeResult> ComputeChange(const Scale& scale, double first, double latest);

Json ChangeResultToJson(const ChangeResult& change);
// Reads back what ChangeResultToJson writes; `prefix` names the fields in errors ("change/").
Result<ChangeResult> ChangeResultFromJson(const Json& json, std::string prefix = {});

struct TrajectoryPoint {
  int session = 0;  // 0 is the first (baseline) measurement
  double expected = 0;
  double lower = 0, upper = 0;  // the band around the expected score
};

// The expected course from the definition's trajectory norm, sessions 0..last_session.
// kFailedPrecondition when the scale has no trajectory norm.
Result<std::vector<TrajectoryPoint>> ExpectedTrajectoryFromNorm(const Scale& scale, double baseline,
                                                                int last_session);

// The same course's one point at `session`, at the same cost for any session.
Result<TrajectoryPoint> ExpectedPointFromNorm(const Scale& scale, double baseline, int session);

// The expected course from the clinic's own finished episodes: `episodes[i][n]` is episode i's
// score at its session n (NaN where none). Episodes whose first score is within `similar_within`
// points of `baseline` are pooled; at each session the median and the 10th and 90th percentiles
// of at least `min_episodes` such episodes give the point and its band. Returns an empty vector
// when there are not enough similar episodes for session 1.
std::vector<TrajectoryPoint> ExpectedTrajectoryFromEpisodes(
    std::span<const std::vector<double>> episodes, double baseline, double similar_within,
    int last_session, int min_episodes);

// True when `observed` is worse than the band at that point (the "not on track" signal).
bool IsOffTrack(const Scale& scale, const TrajectoryPoint& point, double observed);

// One questionnaire's first and latest totals in an episode.
struct FirstAndLatest {
  double first = 0;
  double latest = 0;
};

struct RecoveryResult {
  bool case_at_start = false;          // at or above caseness on at least one questionnaire
  bool below_caseness_at_end = false;  // below caseness on both
  bool reliably_improved = false;      // reliable improvement on at least one
  bool reliably_deteriorated = false;  // reliable deterioration on either
  bool reliable_recovery = false;      // all four of the above, the last one absent
  ChangeResult depression, anxiety;    // each questionnaire's own change
};

// Reliable recovery across the PHQ-9 and GAD-7 together, as NHS Talking Therapies (formerly IAPT)
// define it: a case at the start on at least one, below caseness on both at the end, reliable
// improvement on at least one and reliable deterioration on neither. Caseness is each scale's
// recovery_caseness, else its cutoff; reliable change is each scale's reliable-change data.
// kFailedPrecondition when a scale lacks either.
Result<RecoveryResult> ReliableRecovery(const Scale& phq9, FirstAndLatest phq9_scores,
                                        const Scale& gad7, FirstAndLatest gad7_scores);

}  // namespace rapport
