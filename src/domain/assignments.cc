#include "domain/assignments.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <set>
#include <utility>

#include "domain/shipped_data.h"

namespace rapport {

namespace {

Result<std::vector<StartingQuestionnaire>> ParseSet(const Json& definition, const char* name,
                                                    int child_below_age) {
  const auto it = definition.find(name);
  if (it == definition.end() || !it->is_array() || it->empty()) {
    return Fail(Error::Field(name, "must list at least one questionnaire"));
  }
  std::vector<StartingQuestionnaire> out;
  std::set<std::pair<std::string, Respondent>> seen;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    const std::string at = fmt::format("{}[{}]", name, i);
    if (!entry.is_object()) return Fail(Error::Field(at, "must be an object"));
    StartingQuestionnaire q;
    const auto instrument = entry.find("instrument");
    if (instrument == entry.end() || !instrument->is_string() ||
        instrument->get_ref<const std::string&>().empty()) {
      return Fail(Error::Field(at + ".instrument", "must name a questionnaire"));
    }
    q.instrument = instrument->get<std::string>();
    const auto respondent = entry.find("respondent");
    if (respondent == entry.end() || !respondent->is_string()) {
      return Fail(Error::Field(at + ".respondent", "must be client, guardian or therapist"));
    }
    auto parsed = ParseRespondent(respondent->get_ref<const std::string&>());
    if (!parsed)
      return Fail(Error::Field(at + ".respondent", "must be client, guardian or therapist"));
    q.respondent = *parsed;
    if (const auto age = entry.find("from_age"); age != entry.end()) {
      if (!age->is_number_integer() || age->get<int>() < 1 || age->get<int>() >= child_below_age) {
        return Fail(
            Error::Field(at + ".from_age",
                         fmt::format("must be a whole number from 1 to {}", child_below_age - 1)));
      }
      q.from_age = age->get<int>();
    }
    if (const auto age = entry.find("below_age"); age != entry.end()) {
      if (!age->is_number_integer() || age->get<int>() < 2 || age->get<int>() > child_below_age) {
        return Fail(
            Error::Field(at + ".below_age",
                         fmt::format("must be a whole number from 2 to {}", child_below_age)));
      }
      q.below_age = age->get<int>();
    }
    if (!seen.emplace(q.instrument, q.respondent).second) {
      return Fail(Error::Field(at + ".instrument", "is already in this set for this respondent"));
    }
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace

Result<StartingQuestionnaires> ParseStartingQuestionnaires(const Json& definition) {
  if (!definition.is_object()) return Fail(Error::InvalidArgument("must be a JSON object"));
  StartingQuestionnaires set;
  const auto below = definition.find("child_below_age");
  if (below == definition.end() || !below->is_number_integer() || below->get<int>() < 2 ||
      below->get<int>() > 21) {
    return Fail(Error::Field("child_below_age", "must be a whole number from 2 to 21"));
  }
  set.child_below_age = below->get<int>();
  RAPPORT_ASSIGN_OR_RETURN(set.adult, ParseSet(definition, "adult", set.child_below_age));
  for (std::size_t i = 0; i < set.adult.size(); ++i) {
    if (set.adult[i].from_age) {
      return Fail(Error::Field(fmt::format("adult[{}].from_age", i), "is only for children"));
    }
    if (set.adult[i].below_age) {
      return Fail(Error::Field(fmt::format("adult[{}].below_age", i), "is only for children"));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(set.child, ParseSet(definition, "child", set.child_below_age));
  return set;
}

const StartingQuestionnaires& ShippedStartingQuestionnaires() {
  static const StartingQuestionnaires set = [] {
    auto parsed =
        ParseStartingQuestionnaires(Json::parse(ShippedAssignmentsJson(), nullptr, false));
    if (!parsed) {
      // Never reached by a build whose tests passed: an episode opened without its risk screens
      // would be worse than not starting at all.
      std::fprintf(stderr, "rules/assignments.json: %s\n", parsed.error().message.c_str());
      std::terminate();
    }
    return *parsed;
  }();
  return set;
}

std::vector<StartingQuestionnaire> StartingQuestionnairesFor(const StartingQuestionnaires& set,
                                                             const ClientProfile& profile,
                                                             Timestamp at) {
  if (!IsMinor(profile, at, set.child_below_age)) return set.adult;
  const int age = AgeInYears(profile.date_of_birth, at);
  std::vector<StartingQuestionnaire> out;
  for (const StartingQuestionnaire& q : set.child) {
    if ((!q.from_age || age >= *q.from_age) && (!q.below_age || age < *q.below_age)) {
      out.push_back(q);
    }
  }
  return out;
}

std::vector<StartingQuestionnaire> StartingQuestionnairesOf(const StartingQuestionnaires& set,
                                                            bool child) {
  std::vector<StartingQuestionnaire> out;
  for (const StartingQuestionnaire& q : child ? set.child : set.adult) {
    if (!q.from_age) out.push_back(q);
  }
  return out;
}

}  // namespace rapport
