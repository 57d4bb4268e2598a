#pragma once
// The Support Check's answers as a therapist reads them: for each area that may be getting in the
// way of progress (the working relationship, readiness and hope, support around the client, recent
// life events), whether it looks like a concern and, beside it, repair strategies from the
// rupture-repair and clinical-support literature, in plain words and cited
// (rules/repair-strategies.json). The Support Check is the project's own and not yet validated:
// these are suggestions to think with. Pure.

#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "domain/instrument.h"
#include "domain/people.h"

namespace rapport {

struct RepairStrategy {
  std::string title;
  std::string text;
  std::string citation;
};

// One area of the Support Check: a scale of the questionnaire, and when it is a concern.
struct SupportArea {
  std::string scale;                         // the scale's id
  std::optional<double> concern_below_mean;  // sliders: mean answer below this
  std::optional<double> concern_at_least;    // a yes/no item: answered at or above this
  std::vector<RepairStrategy> strategies;
};

struct SupportRules {
  std::vector<SupportArea> areas;
};
Result<SupportRules> SupportRulesFromJson(const Json& file);  // errors name "areas/0/..."
// rules/repair-strategies.json, checked by a test.
const SupportRules& ShippedSupportRules();

// What one answered Support Check says about one area.
struct SupportFinding {
  std::string scale;
  std::string label;           // the scale's label
  std::optional<double> mean;  // the mean answer over the scale's items; none if unanswered
  double item_max = 0;         // the answers' top (10 for the sliders, 1 for yes/no)
  bool concern = false;
  std::vector<RepairStrategy> strategies;  // only for a concern
};

// Reads `scales` ({"scale id": score | null}, as a response stores it) of `instrument` by
// `rules`, in the rules' order. Areas whose scale the instrument lacks are left out.
std::vector<SupportFinding> SupportFindings(const Instrument& instrument, const Json& scales,
                                            const SupportRules& rules);

Json SupportFindingToJson(const SupportFinding& finding);

// A therapist's request that the client answer the Support Check: it is due for the client from
// then until they answer it.
struct SupportCheckRequest {
  EpisodeId episode_id = 0;
  UserId requested_by = 0;
  Timestamp requested_at = 0;
};

}  // namespace rapport
