#pragma once
// The clinic's outcome report: per therapist and problem domain, how ended episodes went
// (reliable improvement, reliable deterioration, dropout, mean change), each shrunk towards the
// clinic's figure (analysis/shrinkage.h) and withheld below a minimum number of episodes. Pure;
// the service decides who may see which rows and feeds the matching its signals.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/shrinkage.h"

namespace rapport {

// One ended episode's outcome in one problem domain (an episode measured with two domains'
// questionnaires gives two).
struct EpisodeOutcome {
  std::int64_t therapist_id = 0;
  std::string domain;  // "depression", "anxiety", "child-and-family", ...
  // Whether the domain's questionnaire was answered at least twice (first and latest differ in
  // time); only measured outcomes count towards improvement, deterioration and change.
  bool measured = false;
  bool improved = false;      // reliable improvement, first to latest
  bool deteriorated = false;  // reliable deterioration
  bool dropped_out = false;   // ended before the clinic's count of sessions (see the service)
  double change = 0;          // points of improvement (positive is better), when measured
};

struct RateFigure {
  std::int64_t events = 0;
  std::int64_t n = 0;
  ShrunkRate shrunk;
};

struct MeanFigure {
  std::int64_t n = 0;
  ShrunkMean shrunk;
};

// The clinic row's figures are the clinic's own and not shrunk: a rate's estimate is x/n with
// Jeffreys' interval (the central 95 % of Beta(x + 1/2, n - x + 1/2)) and that beta's standard
// deviation as its standard error; the mean change is the mean over every measured episode, with
// weight 1 and standard error s/sqrt(n) (s² the episodes' sample variance, 0 for one episode).
struct OutcomeRow {
  std::int64_t therapist_id = 0;  // 0: the clinic as a whole for the domain
  std::string domain;
  std::int64_t ended = 0;     // ended episodes with this domain
  std::int64_t measured = 0;  // of which measured
  // Present only when `measured` reaches the minimum (the clinic row: always when measured > 0).
  std::optional<RateFigure> improvement, deterioration;
  std::optional<MeanFigure> change;
  // Present only when `ended` reaches the minimum (the clinic row: always when ended > 0).
  std::optional<RateFigure> dropout;
};

struct OutcomeReport {
  int min_episodes = 10;
  // For each domain (by name): the clinic row first, then each therapist by id.
  std::vector<OutcomeRow> rows;
};

// Builds the report; priors are fitted per domain and figure from every therapist with at least
// one episode in it (not only those above the minimum), so that the clinic's figure is the
// clinic's. O(n log n) in the number of outcomes.
OutcomeReport BuildOutcomeReport(std::span<const EpisodeOutcome> outcomes, int min_episodes);

}  // namespace rapport
