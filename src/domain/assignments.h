#pragma once
// The questionnaires a new episode starts with, as data (rules/assignments.json): one set for
// adults and one for children, with entries a child gets only from a given age. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/feedback.h"
#include "domain/people.h"

namespace rapport {

struct StartingQuestionnaire {
  std::string instrument;  // code, e.g. "PHQ-9"
  Respondent respondent = Respondent::kClient;
  std::optional<int> from_age;   // only for clients at least this old
  std::optional<int> below_age;  // only for clients younger than this (a young child's form)
};

struct StartingQuestionnaires {
  int child_below_age = 18;  // the children's questionnaires are validated to this age
  std::vector<StartingQuestionnaire> adult;
  std::vector<StartingQuestionnaire> child;
};

// kInvalidArgument naming the field ("child[2].respondent") for anything malformed: a missing or
// empty set, an unknown respondent, an age outside 1..child_below_age, an instrument twice for the
// same respondent.
Result<StartingQuestionnaires> ParseStartingQuestionnaires(const Json& definition);

// rules/assignments.json, compiled in. A test keeps it valid and naming shipped questionnaires.
const StartingQuestionnaires& ShippedStartingQuestionnaires();

// The questionnaires a client with `profile` starts with at `at`, in the file's order. A client
// of unknown age counts as an adult.
std::vector<StartingQuestionnaire> StartingQuestionnairesFor(const StartingQuestionnaires& set,
                                                             const ClientProfile& profile,
                                                             Timestamp at);
// The set without the entries that start from an age: what every adult, or every child however
// young, starts with (a young child's forms, which stop at an age, included).
std::vector<StartingQuestionnaire> StartingQuestionnairesOf(const StartingQuestionnaires& set,
                                                            bool child);

}  // namespace rapport
