#pragma once
// Internal to the demo clinic: questionnaire answers that land near a wanted total, for the
// histories the demo writes (service/demo.cc, service/demo_matching.cc). Deterministic given the
// random stream.

#include <random>

#include "domain/instrument.h"
#include "domain/scoring.h"

namespace rapport {

// Answers whose total lands near `target`: every scored item at about the same level of its
// range, nudged a step up or down now and then so that no two forms look alike. Risk items are
// answered with their lowest value.
Answers AnswersNear(const Instrument& instrument, double target, std::mt19937& random);

}  // namespace rapport
