#pragma once
// Test helpers for the adults around a child: a young person's plan with a goal they keep from
// every guardian, whose words a test can look for in everything a guardian is answered.

#include <string>
#include <string_view>

#include "core/json.h"

namespace rapport::testing_support {

inline constexpr std::string_view kPrivateGoalWords =
    "Tell my therapist when the drinking gets out of hand";

// Plan content: one shared problem and goal ("Sit a test without leaving the room") and a goal
// marked confidential, every section shared with guardians; `ask_guardian` asks for their
// agreement.
inline Json PlanWithPrivateGoal(bool ask_guardian = false) {
  Json content = Json::parse(R"({
    "summary": "Feel calmer at school",
    "problems": [{"key": "p1", "client_words": "Panicky before tests", "status": "active"}],
    "agreed_order": ["p1"],
    "goals": [
      {"key": "g1", "problem_key": "p1", "description": "Sit a test without leaving the room",
       "due_date": "2026-09-01",
       "benchmarks": [{"key": "b1", "kind": "gas", "weight": 1,
         "levels": ["leaves", "stays 10 min", "stays half", "stays most", "stays all"]}]},
      {"key": "g2", "problem_key": "p1", "confidential": true, "due_date": "2026-09-01",
       "benchmarks": [{"key": "b2", "kind": "gas", "weight": 1,
         "levels": ["never", "rarely", "sometimes", "often", "always"]}]}
    ]
  })");
  content["goals"][1]["description"] = std::string(kPrivateGoalWords);
  content["guardian"] = Json{
      {"problems", true}, {"goals", true}, {"homework", true}, {"ask_agreement", ask_guardian}};
  return content;
}

}  // namespace rapport::testing_support
