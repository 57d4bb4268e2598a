#include "domain/plan.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>

#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<ProblemStatus, 3> kProblemStatuses{{
    {ProblemStatus::kActive, "active"},
    {ProblemStatus::kResolved, "resolved"},
    {ProblemStatus::kDeferred, "deferred"},
}};
constexpr EnumNames<BenchmarkKind, 2> kBenchmarkKinds{{
    {BenchmarkKind::kQuestionnaire, "questionnaire"},
    {BenchmarkKind::kGas, "gas"},
}};
constexpr EnumNames<Comparator, 4> kComparators{{
    {Comparator::kBelow, "below"},
    {Comparator::kAtMost, "at_most"},
    {Comparator::kAbove, "above"},
    {Comparator::kAtLeast, "at_least"},
}};
constexpr EnumNames<PlanVersionStatus, 7> kVersionStatuses{{
    {PlanVersionStatus::kDraft, "draft"},
    {PlanVersionStatus::kProposed, "proposed"},
    {PlanVersionStatus::kChangesRequested, "changes_requested"},
    {PlanVersionStatus::kDeclined, "declined"},
    {PlanVersionStatus::kWithdrawn, "withdrawn"},
    {PlanVersionStatus::kAgreed, "agreed"},
    {PlanVersionStatus::kSuperseded, "superseded"},
}};
constexpr EnumNames<PlanAction, 6> kPlanActions{{
    {PlanAction::kPropose, "propose"},
    {PlanAction::kAccept, "accept"},
    {PlanAction::kRequestChanges, "request_changes"},
    {PlanAction::kDecline, "decline"},
    {PlanAction::kWithdraw, "withdraw"},
    {PlanAction::kSupersede, "supersede"},
}};
constexpr EnumNames<SignerRole, 3> kSignerRoles{{
    {SignerRole::kTherapist, "therapist"},
    {SignerRole::kClient, "client"},
    {SignerRole::kGuardian, "guardian"},
}};
constexpr EnumNames<DiffChange, 3> kDiffChanges{{
    {DiffChange::kAdded, "added"},
    {DiffChange::kRemoved, "removed"},
    {DiffChange::kChanged, "changed"},
}};
constexpr EnumNames<Achievement, 6> kAchievements{{
    {Achievement::kInProgress, "in-progress"},
    {Achievement::kImproving, "improving"},
    {Achievement::kWorsening, "worsening"},
    {Achievement::kNoChange, "no-change"},
    {Achievement::kAchieved, "achieved"},
    {Achievement::kNotAchieved, "not-achieved"},
}};
constexpr EnumNames<Achievement, 6> kAchievementDisplays{{
    {Achievement::kInProgress, "In progress"},
    {Achievement::kImproving, "Improving"},
    {Achievement::kWorsening, "Worsening"},
    {Achievement::kNoChange, "No change"},
    {Achievement::kAchieved, "Achieved"},
    {Achievement::kNotAchieved, "Not achieved"},
}};
constexpr EnumNames<PlanEventKind, 6> kEventKinds{{
    {PlanEventKind::kRanking, "ranking"},
    {PlanEventKind::kSelfRating, "self_rating"},
    {PlanEventKind::kHomework, "homework"},
    {PlanEventKind::kThoughtRecord, "thought_record"},
    {PlanEventKind::kGasLevel, "gas_level"},
    {PlanEventKind::kReview, "review"},
}};

}  // namespace

std::string_view ToString(ProblemStatus status) { return EnumName(status, kProblemStatuses); }
Result<ProblemStatus> ParseProblemStatus(std::string_view text) {
  return ParseEnum(text, kProblemStatuses, "status");
}
std::string_view ToString(BenchmarkKind kind) { return EnumName(kind, kBenchmarkKinds); }
std::string_view ToString(Comparator comparator) { return EnumName(comparator, kComparators); }
Result<Comparator> ParseComparator(std::string_view text) {
  return ParseEnum(text, kComparators, "comparator");
}
std::string_view ToString(PlanVersionStatus status) { return EnumName(status, kVersionStatuses); }
Result<PlanVersionStatus> ParsePlanVersionStatus(std::string_view text) {
  return ParseEnum(text, kVersionStatuses, "status");
}
std::string_view ToString(PlanAction action) { return EnumName(action, kPlanActions); }
std::string_view ToString(SignerRole role) { return EnumName(role, kSignerRoles); }
Result<SignerRole> ParseSignerRole(std::string_view text) {
  return ParseEnum(text, kSignerRoles, "role");
}
std::string_view ToString(DiffChange change) { return EnumName(change, kDiffChanges); }
std::string_view ToString(Achievement achievement) {
  return EnumName(achievement, kAchievements);
}
std::string_view Display(Achievement achievement) {
  return EnumName(achievement, kAchievementDisplays);
}
std::string_view ToString(PlanEventKind kind) { return EnumName(kind, kEventKinds); }
Result<PlanEventKind> ParsePlanEventKind(std::string_view text) {
  return ParseEnum(text, kEventKinds, "kind");
}

}  // namespace rapport
