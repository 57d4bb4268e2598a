#include "analysis/outcome_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rapport {
namespace {

// One therapist's (or the clinic's) episodes in one domain.
struct Tally {
  std::int64_t ended = 0;
  std::int64_t measured = 0;
  std::int64_t improved = 0;
  std::int64_t deteriorated = 0;
  std::int64_t dropped_out = 0;
  // Welford's running mean and sum of squared deviations of the measured changes: one pass, and
  // no cancellation when the changes are large next to their spread.
  double change_mean = 0;
  double change_m2 = 0;

  void Add(const EpisodeOutcome& o) {
    ++ended;
    if (o.dropped_out) ++dropped_out;
    if (!o.measured) return;
    ++measured;
    if (o.improved) ++improved;
    if (o.deteriorated) ++deteriorated;
    const double delta = o.change - change_mean;
    change_mean += delta / static_cast<double>(measured);
    change_m2 += delta * (o.change - change_mean);
  }
  // The sample variance (n - 1 in the denominator); 0 for a single episode, which shows no
  // spread rather than an undefined one.
  double ChangeVariance() const {
    return measured > 1 ? change_m2 / static_cast<double>(measured - 1) : 0;
  }
  MeanSummary Change() const { return {change_mean, ChangeVariance(), measured}; }
};

struct DomainTally {
  Tally clinic;
  std::map<std::int64_t, Tally> therapists;  // by id, so rows come out in order
};

// The clinic's own rate, not shrunk: x/n with Jeffreys' interval, which stays inside [0, 1] and
// is not degenerate when x is 0 or n.
RateFigure ClinicRate(std::int64_t events, std::int64_t n) {
  RateFigure figure{.events = events, .n = n, .shrunk = {}};
  const double x = static_cast<double>(events);
  const double total = static_cast<double>(n);
  const double a = x + 0.5;
  const double b = total - x + 0.5;
  figure.shrunk.raw = figure.shrunk.estimate = x / total;
  figure.shrunk.lower = BetaQuantile(a, b, 0.025);
  figure.shrunk.upper = BetaQuantile(a, b, 0.975);
  figure.shrunk.standard_error = std::sqrt(a / (a + b) * (b / (a + b)) / (a + b + 1));
  return figure;
}

// The clinic's own mean change over every measured episode, with its standard error s/√n.
MeanFigure ClinicChange(const Tally& clinic) {
  MeanFigure figure{.n = clinic.measured, .shrunk = {}};
  figure.shrunk.raw = figure.shrunk.estimate = clinic.change_mean;
  figure.shrunk.weight = 1;
  figure.shrunk.standard_error =
      std::sqrt(clinic.ChangeVariance() / static_cast<double>(clinic.measured));
  return figure;
}

struct DomainPriors {
  RatePrior improvement, deterioration, dropout;
  MeanPrior change;
};

// Every therapist with an episode in the figure counts, however few: the prior is the clinic's,
// not that of the therapists who happen to pass the minimum. FitRatePrior and FitMeanPrior skip
// groups with n = 0 (a therapist with ended but no measured episodes).
DomainPriors FitPriors(const DomainTally& domain) {
  std::vector<RateCount> improvement, deterioration, dropout;
  std::vector<MeanSummary> change;
  improvement.reserve(domain.therapists.size());
  deterioration.reserve(domain.therapists.size());
  dropout.reserve(domain.therapists.size());
  change.reserve(domain.therapists.size());
  for (const auto& [id, t] : domain.therapists) {
    improvement.push_back({t.improved, t.measured});
    deterioration.push_back({t.deteriorated, t.measured});
    dropout.push_back({t.dropped_out, t.ended});
    change.push_back(t.Change());
  }
  return {FitRatePrior(improvement), FitRatePrior(deterioration), FitRatePrior(dropout),
          FitMeanPrior(change)};
}

}  // namespace

OutcomeReport BuildOutcomeReport(std::span<const EpisodeOutcome> outcomes, int min_episodes) {
  // Ordered maps keep the domains by name and the therapists by id: O(n log n) to fill, and the
  // rows come out sorted without a second pass.
  std::map<std::string, DomainTally, std::less<>> domains;
  for (const EpisodeOutcome& o : outcomes) {
    auto it = domains.find(o.domain);
    if (it == domains.end()) it = domains.emplace(o.domain, DomainTally{}).first;
    it->second.clinic.Add(o);
    // An outcome without a therapist (id 0) is still the clinic's: it counts in the clinic row
    // and, as a group of its own, in the priors, so that the prior's rate stays the clinic's
    // rate. It has no row, since id 0 is the clinic's.
    it->second.therapists[o.therapist_id].Add(o);
  }

  // A figure needs at least one episode whatever the setting says.
  const std::int64_t minimum = std::max(min_episodes, 1);
  OutcomeReport report;
  report.min_episodes = min_episodes;
  for (const auto& [name, domain] : domains) {
    const DomainPriors priors = FitPriors(domain);

    OutcomeRow& clinic = report.rows.emplace_back();
    clinic.therapist_id = 0;
    clinic.domain = name;
    clinic.ended = domain.clinic.ended;
    clinic.measured = domain.clinic.measured;
    if (clinic.measured > 0) {
      clinic.improvement = ClinicRate(domain.clinic.improved, clinic.measured);
      clinic.deterioration = ClinicRate(domain.clinic.deteriorated, clinic.measured);
      clinic.change = ClinicChange(domain.clinic);
    }
    if (clinic.ended > 0) clinic.dropout = ClinicRate(domain.clinic.dropped_out, clinic.ended);

    for (const auto& [id, t] : domain.therapists) {
      if (id == 0) continue;
      OutcomeRow& row = report.rows.emplace_back();
      row.therapist_id = id;
      row.domain = name;
      row.ended = t.ended;
      row.measured = t.measured;
      if (t.measured >= minimum) {
        row.improvement = RateFigure{t.improved, t.measured,
                                     ShrinkRate(priors.improvement, {t.improved, t.measured})};
        row.deterioration =
            RateFigure{t.deteriorated, t.measured,
                       ShrinkRate(priors.deterioration, {t.deteriorated, t.measured})};
        row.change = MeanFigure{t.measured, ShrinkMean(priors.change, t.Change())};
      }
      if (t.ended >= minimum) {
        row.dropout = RateFigure{t.dropped_out, t.ended,
                                 ShrinkRate(priors.dropout, {t.dropped_out, t.ended})};
      }
    }
  }
  return report;
}

}  // namespace rapport
