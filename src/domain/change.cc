#include "domain/change.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace rapport {

std::string_view ToString(ChangeCategory category) {
  switch (category) {
    case ChangeCategory::kRecovered: return "recovered";
    case ChangeCategory::kImproved: return "improved";
    case ChangeCategory::kUnchanged: return "unchanged";
    case ChangeCategory::kDeteriorated: return "deteriorated";
  }
  return "unchanged";
}

namespace {
// 1.96: the two-sided 95% point of the standard normal, as in Jacobson & Truax (1991).
constexpr double kZ95 = 1.96;
}  // namespace

Result<ChangeResult> ComputeChange(const Scale& scale, double first, double latest) {
  const auto& rc = scale.reliable_change;
  if (!rc.threshold && !(rc.sd && rc.reliability)) {
    return Fail(Error::FailedPrecondition("The scale has no reliable-change data."));
  }
  ChangeResult out;
  out.first = first;
  out.latest = latest;
  out.difference = latest - first;
  const double better_sign = scale.direction == Direction::kHigherIsWorse ? -1.0 : 1.0;
  if (rc.sd && rc.reliability) {
    // S_E = SD * sqrt(1 - r); S_diff = sqrt(2 * S_E^2); RCI = (x2 - x1) / S_diff.
    const double se = *rc.sd * std::sqrt(1.0 - *rc.reliability);
    const double sdiff = std::sqrt(2.0 * se * se);
    out.rci = out.difference / sdiff;
    out.reliable_threshold = kZ95 * sdiff;
    out.reliable = std::abs(*out.rci) > kZ95;
  } else {
    out.reliable_threshold = *rc.threshold;
    out.reliable = std::abs(out.difference) >= *rc.threshold;
  }
  out.improved = out.reliable && out.difference * better_sign > 0;
  out.deteriorated = out.reliable && out.difference * better_sign < 0;

  // Functional range by each criterion. For a higher-is-worse scale, "functional" is below the
  // boundary; for higher-is-better, above it.
  const auto functional = [&](double boundary, double score) {
    return scale.direction == Direction::kHigherIsWorse ? score < boundary : score > boundary;
  };
  const auto& n = scale.norms;
  if (n.clinical) {  // a: beyond two SD of the clinical mean, towards health
    out.criterion_a = functional(n.clinical->mean + better_sign * 2.0 * n.clinical->sd, latest);
  }
  if (n.nonclinical) {  // b: within two SD of the non-clinical mean
    out.criterion_b =
        functional(n.nonclinical->mean - better_sign * 2.0 * n.nonclinical->sd, latest);
  }
  // c: where the clinical and non-clinical distributions meet; without both norms, the
  // definition's caseness cut-off plays that part.
  std::optional<std::function<bool(double)>> functional_c;
  if (n.clinical && n.nonclinical) {
    const auto& c = *n.clinical;
    const auto& f = *n.nonclinical;
    const double cutoff = (c.sd * f.mean + f.sd * c.mean) / (c.sd + f.sd);
    out.cutoff_c = cutoff;
    functional_c = [&functional, cutoff](double score) { return functional(cutoff, score); };
  } else if (scale.cutoff) {
    out.cutoff_c = *scale.cutoff;
    functional_c = [&scale](double score) { return !scale.IsClinical(score); };
  }
  if (functional_c) out.criterion_c = (*functional_c)(latest);

  // The category uses the most informative criterion available: c, then b, then a.
  std::optional<bool> latest_functional;
  std::optional<bool> first_functional;
  if (functional_c) {
    latest_functional = out.criterion_c;
    first_functional = (*functional_c)(first);
  } else if (n.nonclinical) {
    latest_functional = out.criterion_b;
    first_functional =
        functional(n.nonclinical->mean - better_sign * 2.0 * n.nonclinical->sd, first);
  } else if (n.clinical) {
    latest_functional = out.criterion_a;
    first_functional = functional(n.clinical->mean + better_sign * 2.0 * n.clinical->sd, first);
  }

  if (out.deteriorated) {
    out.category = ChangeCategory::kDeteriorated;
  } else if (out.improved) {
    const bool crossed =
        latest_functional.value_or(false) && first_functional.has_value() && !*first_functional;
    out.category = crossed ? ChangeCategory::kRecovered : ChangeCategory::kImproved;
  } else {
    out.category = ChangeCategory::kUnchanged;
  }
  return out;
}

Json ChangeResultToJson(const ChangeResult& c) {
  const auto opt = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"first", c.first},
          {"latest", c.latest},
          {"difference", c.difference},
          {"rci", opt(c.rci)},
          {"reliable_threshold", c.reliable_threshold},
          {"reliable", c.reliable},
          {"improved", c.improved},
          {"deteriorated", c.deteriorated},
          {"criteria",
           {{"a", opt(c.criterion_a)}, {"b", opt(c.criterion_b)}, {"c", opt(c.criterion_c)}}},
          {"cutoff_c", opt(c.cutoff_c)},
          {"category", ToString(c.category)}};
}

Result<ChangeResult> ChangeResultFromJson(const Json& json, std::string prefix) {
  JsonObjectReader r(json, prefix);
  ChangeResult c;
  c.first = r.RequiredNumber("first").value_or(0);
  c.latest = r.RequiredNumber("latest").value_or(0);
  c.difference = r.RequiredNumber("difference").value_or(0);
  c.rci = r.OptionalNumber("rci");
  c.reliable_threshold = r.RequiredNumber("reliable_threshold").value_or(0);
  const auto flag = [&r](std::string_view key) {
    const Json* v = r.Required(key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      r.AddError(key, "must be true or false");
      return false;
    }
    return v->get<bool>();
  };
  c.reliable = flag("reliable");
  c.improved = flag("improved");
  c.deteriorated = flag("deteriorated");
  if (const Json* criteria = r.Required("criteria")) {
    JsonObjectReader cr(*criteria, r.FieldName("criteria/"));
    c.criterion_a = cr.OptionalBool("a");
    c.criterion_b = cr.OptionalBool("b");
    c.criterion_c = cr.OptionalBool("c");
    if (Status read = cr.Finish(); !read) {
      for (const FieldError& f : read.error().fields) {
        r.AddError(f.field.substr(r.FieldName("").size()), f.message);
      }
    }
  }
  c.cutoff_c = r.OptionalNumber("cutoff_c");
  if (const auto category = r.RequiredString("category", 100)) {
    bool known = false;
    for (const ChangeCategory k : {ChangeCategory::kRecovered, ChangeCategory::kImproved,
                                   ChangeCategory::kUnchanged, ChangeCategory::kDeteriorated}) {
      if (ToString(k) == *category) {
        c.category = k;
        known = true;
      }
    }
    if (!known) {
      r.AddError("category", "must be one of: recovered, improved, unchanged, deteriorated");
    }
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return c;
}

Result<TrajectoryPoint> ExpectedPointFromNorm(const Scale& scale, double baseline, int session) {
  if (!scale.trajectory) {
    return Fail(Error::FailedPrecondition("The scale has no expected-trajectory norm."));
  }
  const auto& t = *scale.trajectory;
  const bool worse_high = scale.direction == Direction::kHigherIsWorse;
  const double best = worse_high ? scale.min_score : scale.max_score;
  const double excess = baseline - best;  // signed distance from the best possible score
  const double expected =
      baseline - t.improvement_fraction * excess * (1.0 - std::exp(-t.rate_per_session * session));
  return TrajectoryPoint{session, expected, std::max(scale.min_score, expected - t.band),
                         std::min(scale.max_score, expected + t.band)};
}

Result<std::vector<TrajectoryPoint>> ExpectedTrajectoryFromNorm(const Scale& scale, double baseline,
                                                                int last_session) {
  std::vector<TrajectoryPoint> out;
  if (!scale.trajectory) {
    return Fail(Error::FailedPrecondition("The scale has no expected-trajectory norm."));
  }
  for (int n = 0; n <= last_session; ++n) {
    RAPPORT_ASSIGN_OR_RETURN(TrajectoryPoint point, ExpectedPointFromNorm(scale, baseline, n));
    out.push_back(point);
  }
  return out;
}

namespace {
// Linear interpolation between order statistics (type 7, as R's default quantile()).
double Quantile(std::vector<double>& sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = static_cast<std::size_t>(std::ceil(h));
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}
}  // namespace

std::vector<TrajectoryPoint> ExpectedTrajectoryFromEpisodes(
    std::span<const std::vector<double>> episodes, double baseline, double similar_within,
    int last_session, int min_episodes) {
  std::vector<const std::vector<double>*> similar;
  for (const auto& e : episodes) {
    if (!e.empty() && !std::isnan(e[0]) && std::abs(e[0] - baseline) <= similar_within) {
      similar.push_back(&e);
    }
  }
  std::vector<TrajectoryPoint> out;
  for (int n = 0; n <= last_session; ++n) {
    std::vector<double> at;
    for (const auto* e : similar) {
      const auto idx = static_cast<std::size_t>(n);
      if (idx < e->size() && !std::isnan((*e)[idx])) at.push_back((*e)[idx]);
    }
    if (static_cast<int>(at.size()) < min_episodes) break;
    std::sort(at.begin(), at.end());
    out.push_back({n, Quantile(at, 0.5), Quantile(at, 0.1), Quantile(at, 0.9)});
  }
  if (out.size() < 2) out.clear();
  return out;
}

bool IsOffTrack(const Scale& scale, const TrajectoryPoint& point, double observed) {
  return scale.direction == Direction::kHigherIsWorse ? observed > point.upper
                                                      : observed < point.lower;
}

namespace {
// A case by the threshold the recovery definition uses.
std::optional<bool> IsCase(const Scale& scale, double score) {
  const std::optional<double> threshold =
      scale.recovery_caseness ? scale.recovery_caseness : scale.cutoff;
  if (!threshold) return std::nullopt;
  return scale.direction == Direction::kHigherIsWorse ? score >= *threshold : score < *threshold;
}
}  // namespace

Result<RecoveryResult> ReliableRecovery(const Scale& phq9, FirstAndLatest phq9_scores,
                                        const Scale& gad7, FirstAndLatest gad7_scores) {
  RecoveryResult out;
  RAPPORT_ASSIGN_OR_RETURN(out.depression,
                           ComputeChange(phq9, phq9_scores.first, phq9_scores.latest));
  RAPPORT_ASSIGN_OR_RETURN(out.anxiety, ComputeChange(gad7, gad7_scores.first, gad7_scores.latest));
  const auto d_start = IsCase(phq9, phq9_scores.first);
  const auto a_start = IsCase(gad7, gad7_scores.first);
  const auto d_end = IsCase(phq9, phq9_scores.latest);
  const auto a_end = IsCase(gad7, gad7_scores.latest);
  if (!d_start || !a_start || !d_end || !a_end) {
    return Fail(Error::FailedPrecondition("Both scales need a caseness cut-off."));
  }
  out.case_at_start = *d_start || *a_start;
  out.below_caseness_at_end = !*d_end && !*a_end;
  out.reliably_improved = out.depression.improved || out.anxiety.improved;
  out.reliably_deteriorated = out.depression.deteriorated || out.anxiety.deteriorated;
  out.reliable_recovery = out.case_at_start && out.below_caseness_at_end && out.reliably_improved &&
                          !out.reliably_deteriorated;
  return out;
}

}  // namespace rapport
