#pragma once
// Test helpers: the shipped instruments by code, and answers to them with every item alike.

#include <gtest/gtest.h>

#include <string>

#include "core/json.h"
#include "domain/instrument.h"
#include "domain/shipped_data.h"

namespace rapport::testing_support {

inline Instrument ShippedInstrument(std::string_view code) {
  for (const auto& def : ShippedInstrumentDefinitions()) {
    auto inst = ParseInstrument(Json::parse(def.json));
    if (inst && inst->code == code) return *inst;
  }
  ADD_FAILURE() << "no shipped instrument " << code;
  return {};
}

// PHQ-9 answers: items 1-8 at `each`, item 9 (the risk item) at `item9`.
inline Json Phq9(int each, int item9 = 0) {
  Json answers = Json::object();
  for (int i = 1; i <= 8; ++i) answers["phq9_" + std::to_string(i)] = each;
  answers["phq9_9"] = item9;
  return answers;
}

// Rapport Check answers scoring `each` on every slider (so 6 x each in all): the reverse-worded
// rc_held_back is answered 10 - each. The comment is left empty.
inline Json RapportCheck(int each) {
  return {{"rc_heard", each},    {"rc_goals", each},
          {"rc_approach", each}, {"rc_held_back", 10 - each},
          {"rc_respect", each},  {"rc_overall", each},
          {"rc_better", ""}};
}

// Caregiver Rapport Check answers scoring `each` on every slider (6 x each in all), the
// reverse-worded cc_held_back answered 10 - each.
inline Json CarerCheck(int each) {
  return {
      {"cc_heard", each},   {"cc_goals", each},   {"cc_my_part", each}, {"cc_held_back", 10 - each},
      {"cc_respect", each}, {"cc_overall", each}, {"cc_better", ""}};
}

// Kids' Check answers: every face at `each` (0 the saddest, 4 the happiest).
inline Json KidsCheck(int each) {
  Json answers = Json::object();
  for (const char* id : {"kc_listened", "kc_mattered", "kc_liked", "kc_come_back"}) {
    answers[id] = each;
  }
  return answers;
}

inline Json Gad7(int each) {
  Json answers = Json::object();
  for (int i = 1; i <= 7; ++i) answers["gad7_" + std::to_string(i)] = each;
  return answers;
}

inline Json Psc17(int each) {
  Json answers = Json::object();
  for (int i = 1; i <= 17; ++i) answers["psc17_" + std::to_string(i)] = each;
  return answers;
}

}  // namespace rapport::testing_support
