#include "domain/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "core/calendar_date.h"
#include "core/crypto.h"
#include "core/field_problems.h"
#include "core/text.h"
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

std::string_view ToString(ProblemStatus status) {
  return EnumName(status, kProblemStatuses);
}
Result<ProblemStatus> ParseProblemStatus(std::string_view text) {
  return ParseEnum(text, kProblemStatuses, "status");
}
std::string_view ToString(BenchmarkKind kind) {
  return EnumName(kind, kBenchmarkKinds);
}
std::string_view ToString(Comparator comparator) {
  return EnumName(comparator, kComparators);
}
Result<Comparator> ParseComparator(std::string_view text) {
  return ParseEnum(text, kComparators, "comparator");
}
std::string_view ToString(PlanVersionStatus status) {
  return EnumName(status, kVersionStatuses);
}
Result<PlanVersionStatus> ParsePlanVersionStatus(std::string_view text) {
  return ParseEnum(text, kVersionStatuses, "status");
}
std::string_view ToString(PlanAction action) {
  return EnumName(action, kPlanActions);
}
std::string_view ToString(SignerRole role) {
  return EnumName(role, kSignerRoles);
}
Result<SignerRole> ParseSignerRole(std::string_view text) {
  return ParseEnum(text, kSignerRoles, "role");
}
std::string_view ToString(DiffChange change) {
  return EnumName(change, kDiffChanges);
}
std::string_view ToString(Achievement achievement) {
  return EnumName(achievement, kAchievements);
}
std::string_view Display(Achievement achievement) {
  return EnumName(achievement, kAchievementDisplays);
}
std::string_view ToString(PlanEventKind kind) {
  return EnumName(kind, kEventKinds);
}
Result<PlanEventKind> ParsePlanEventKind(std::string_view text) {
  return ParseEnum(text, kEventKinds, "kind");
}

// --- Small helpers ------------------------------------------------------------------------------

namespace {

constexpr Timestamp kMsPerDay = 86'400'000;

// "2 fields of the plan need attention: ...", naming each field; empties `p`.
Error NeedAttention(FieldProblems& p, std::string_view what) {
  const bool one = p.Size() == 1;
  return p.ToError(fmt::format("{} field{} of {} need{} attention: ", p.Size(), one ? "" : "s",
                               what, one ? "s" : ""));
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
}

// The number of a key such as "g12" when it has the given letter, else none. At most nine
// digits so that the number always fits.
std::optional<int> KeyNumber(std::string_view key, char letter) {
  if (key.size() < 2 || key.size() > 10 || key[0] != letter) return std::nullopt;
  int number = 0;
  const char* begin = key.data() + 1;
  const char* end = key.data() + key.size();
  if (!std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return number;
}

// Numbers as people write them: "10", not "10.0"; "2.5" stays.
std::string FormatNumber(double value) {
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{}", value);
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

const char* YesNo(bool value) {
  return value ? "yes" : "no";
}

// Reads a required text of 1..max_length bytes (not only spaces).
std::optional<std::string> RequiredText(JsonObjectReader& r, std::string_view key,
                                        std::size_t max_length) {
  auto text = r.RequiredString(key, max_length);
  if (text && IsBlank(*text)) {
    r.AddError(key, "must not be empty");
    return std::nullopt;
  }
  return text;
}

// Reads an optional key and checks its form; "" when absent (AssignKeys fills it in).
std::string ReadKey(JsonObjectReader& r, char letter) {
  auto key = r.OptionalString("key", 16);
  if (!key || key->empty()) return {};
  if (!KeyNumber(*key, letter)) {
    r.AddError("key", fmt::format("must look like {}1, {}2, ...", letter, letter));
    return {};
  }
  return *key;
}

std::string ReadDate(JsonObjectReader& r, std::string_view key) {
  auto date = r.RequiredString(key, 64);
  if (!date) return {};
  if (!ParseCalendarDate(*date)) {
    r.AddError(key, "must be a real date such as 2026-06-30");
    return {};
  }
  return *date;
}

// The JSON array at `key`, or nullptr (with an error when present but not a list or too long).
const Json* ReadList(JsonObjectReader& r, std::string_view key, bool required,
                     std::size_t max_items) {
  const Json* list = required ? r.Required(key) : r.Optional(key);
  if (list == nullptr) return nullptr;
  if (!list->is_array()) {
    r.AddError(key, "must be a list");
    return nullptr;
  }
  if (list->size() > max_items) {
    r.AddError(key, fmt::format("may hold at most {} entries", max_items));
    return nullptr;
  }
  return list;
}

constexpr std::size_t kMaxProblems = 50;
constexpr std::size_t kMaxGoals = 50;
constexpr std::size_t kMaxPerGoal = 20;

// Checks that a questionnaire target can ever be met on the instrument's total scale.
void CheckTarget(const Benchmark& b, const InstrumentCatalog* catalog, const std::string& path,
                 FieldProblems& p) {
  if (catalog == nullptr) return;  // stored content: checked when it was written
  const Instrument* instrument = catalog->Find(b.instrument);
  if (instrument == nullptr) {
    p.Add(path + "/instrument", "unknown questionnaire");
    return;
  }
  const Scale& scale = instrument->TotalScale();
  const double lo = scale.min_score;
  const double hi = scale.max_score;
  const std::string range = fmt::format("{} totals run from {} to {}", instrument->code,
                                        FormatNumber(lo), FormatNumber(hi));
  const std::string wording = fmt::format("{} {}",
                                          b.comparator == Comparator::kBelow    ? "below"
                                          : b.comparator == Comparator::kAtMost ? "of at most"
                                          : b.comparator == Comparator::kAbove  ? "above"
                                                                                : "of at least",
                                          FormatNumber(b.target));
  bool reachable = true;
  switch (b.comparator) {
    case Comparator::kBelow: reachable = b.target > lo; break;
    case Comparator::kAtMost: reachable = b.target >= lo; break;
    case Comparator::kAbove: reachable = b.target < hi; break;
    case Comparator::kAtLeast: reachable = b.target <= hi; break;
  }
  if (!reachable) {
    p.Add(path + "/target", fmt::format("{}: a total {} can never be reached", range, wording));
    return;
  }
  if ((b.comparator == Comparator::kAtMost || b.comparator == Comparator::kAtLeast) &&
      (b.target < lo || b.target > hi)) {
    p.Add(path + "/target",
          fmt::format("{}: a target of {} lies outside that range", range, FormatNumber(b.target)));
  }
}

std::optional<Benchmark> ParseBenchmark(const Json& j, const std::string& path,
                                        const InstrumentCatalog* catalog, FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Benchmark b;
  b.key = ReadKey(r, 'b');
  bool ok = true;
  std::optional<BenchmarkKind> kind;
  if (auto text = r.RequiredString("kind", 32)) {
    if (*text == "questionnaire") {
      kind = BenchmarkKind::kQuestionnaire;
    } else if (*text == "gas") {
      kind = BenchmarkKind::kGas;
    } else {
      r.AddError("kind", "must be one of: questionnaire, gas");
    }
  }
  if (!kind) {
    // Mark the kind-specific fields as seen: the kind is the one thing to fix.
    for (std::string_view field : {"instrument", "comparator", "target", "levels", "weight"}) {
      r.Optional(field);
    }
    p.Take(r.Finish());
    return std::nullopt;
  }
  b.kind = *kind;
  bool check_target = false;
  if (b.kind == BenchmarkKind::kQuestionnaire) {
    auto instrument = r.RequiredString("instrument", 32);
    std::optional<Comparator> comparator;
    if (auto text = r.RequiredString("comparator", 32)) {
      if (auto parsed = ParseComparator(*text)) {
        comparator = *parsed;
      } else {
        r.AddError("comparator", parsed.error().fields.front().message);
      }
    }
    auto target = r.RequiredNumber("target");
    if (instrument && comparator && target) {
      b.instrument = *instrument;
      b.comparator = *comparator;
      b.target = *target;
      check_target = true;
    } else {
      ok = false;
    }
  } else {
    if (const Json* levels = r.Required("levels")) {
      if (!levels->is_array() || levels->size() != kGasLevels) {
        r.AddError("levels", "must list exactly 5 descriptions, from -2 to +2");
        ok = false;
      } else {
        for (int i = 0; i < kGasLevels; ++i) {
          const Json& level = (*levels)[static_cast<std::size_t>(i)];
          const std::string field = fmt::format("levels/{}", i);
          if (!level.is_string()) {
            r.AddError(field, "must be a string");
            ok = false;
            continue;
          }
          const auto& text = level.get_ref<const std::string&>();
          if (!IsCleanUtf8(text)) {
            r.AddError(field, "must be valid UTF-8 text without NUL characters");
            ok = false;
          } else if (IsBlank(text)) {
            r.AddError(field, "must describe what this level looks like");
            ok = false;
          } else if (text.size() > 500) {
            r.AddError(field, "must be at most 500 bytes long");
            ok = false;
          } else {
            b.levels[static_cast<std::size_t>(i)] = text;
          }
        }
      }
    } else {
      ok = false;
    }
    if (auto weight = r.OptionalNumber("weight")) {
      if (!(*weight > 0 && *weight <= 100)) {
        r.AddError("weight", "must be more than 0 and at most 100");
        ok = false;
      } else {
        b.weight = *weight;
      }
    }
  }
  if (r.HasErrors()) ok = false;
  p.Take(r.Finish());
  if (check_target) CheckTarget(b, catalog, path, p);
  if (!ok) return std::nullopt;
  return b;
}

std::optional<Intervention> ParseIntervention(const Json& j, const std::string& path,
                                              FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Intervention in;
  in.key = ReadKey(r, 'i');
  auto description = RequiredText(r, "description", 2000);
  in.approach = r.OptionalString("approach", 100).value_or("");
  const bool ok = !r.HasErrors() && description;
  p.Take(r.Finish());
  if (!ok) return std::nullopt;
  in.description = *description;
  return in;
}

std::optional<Homework> ParseHomework(const Json& j, const std::string& path, FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Homework h;
  h.key = ReadKey(r, 'h');
  auto description = RequiredText(r, "description", 2000);
  h.due_date = ReadDate(r, "due_date");
  h.caregiver_support = std::string(Trim(r.OptionalString("caregiver_support", 1000).value_or("")));
  const bool ok = !r.HasErrors() && description;
  p.Take(r.Finish());
  if (!ok) return std::nullopt;
  h.description = *description;
  return h;
}

std::optional<Problem> ParseProblem(const Json& j, const std::string& path, FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Problem problem;
  problem.key = ReadKey(r, 'p');
  auto words = RequiredText(r, "client_words", 2000);
  problem.formulation = r.OptionalString("formulation", 4000).value_or("");
  problem.diagnosis = r.OptionalString("diagnosis", 200).value_or("");
  if (auto status = r.OptionalString("status", 32)) {
    if (auto parsed = ParseProblemStatus(*status)) {
      problem.status = *parsed;
    } else {
      r.AddError("status", parsed.error().fields.front().message);
    }
  }
  problem.confidential = r.OptionalBool("confidential").value_or(false);
  const bool ok = !r.HasErrors() && words;
  p.Take(r.Finish());
  if (!ok) return std::nullopt;
  problem.client_words = *words;
  return problem;
}

std::optional<Goal> ParseGoal(const Json& j, const std::string& path,
                              const InstrumentCatalog* catalog, FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Goal goal;
  goal.key = ReadKey(r, 'g');
  auto problem_key = r.RequiredString("problem_key", 16);
  auto description = RequiredText(r, "description", 2000);
  goal.due_date = ReadDate(r, "due_date");
  goal.confidential = r.OptionalBool("confidential").value_or(false);
  bool ok = true;
  if (const Json* list = ReadList(r, "benchmarks", true, kMaxPerGoal)) {
    if (list->empty()) r.AddError("benchmarks", "must hold at least one benchmark");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto b = ParseBenchmark((*list)[i], fmt::format("{}/benchmarks/{}", path, i), catalog, p);
      if (b) {
        goal.benchmarks.push_back(std::move(*b));
      } else {
        ok = false;
      }
    }
  }
  if (const Json* list = ReadList(r, "interventions", false, kMaxPerGoal)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto in = ParseIntervention((*list)[i], fmt::format("{}/interventions/{}", path, i), p);
      if (in) {
        goal.interventions.push_back(std::move(*in));
      } else {
        ok = false;
      }
    }
  }
  if (const Json* list = ReadList(r, "homework", false, kMaxPerGoal)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto h = ParseHomework((*list)[i], fmt::format("{}/homework/{}", path, i), p);
      if (h) {
        goal.homework.push_back(std::move(*h));
      } else {
        ok = false;
      }
    }
  }
  if (r.HasErrors() || !problem_key || !description) ok = false;
  p.Take(r.Finish());
  if (!ok) return std::nullopt;
  goal.problem_key = *problem_key;
  goal.description = *description;
  return goal;
}

// Keys present in the content must be unique across every kind of item.
void CheckUniqueKeys(const PlanContent& c, FieldProblems& p) {
  std::set<std::string, std::less<>> seen;
  const auto check = [&](const std::string& key, const std::string& path) {
    if (key.empty()) return;
    if (!seen.insert(key).second) p.Add(path + "/key", fmt::format("repeats the key {}", key));
  };
  for (std::size_t i = 0; i < c.problems.size(); ++i) {
    check(c.problems[i].key, fmt::format("problems/{}", i));
  }
  for (std::size_t g = 0; g < c.goals.size(); ++g) {
    const Goal& goal = c.goals[g];
    check(goal.key, fmt::format("goals/{}", g));
    for (std::size_t i = 0; i < goal.benchmarks.size(); ++i) {
      check(goal.benchmarks[i].key, fmt::format("goals/{}/benchmarks/{}", g, i));
    }
    for (std::size_t i = 0; i < goal.interventions.size(); ++i) {
      check(goal.interventions[i].key, fmt::format("goals/{}/interventions/{}", g, i));
    }
    for (std::size_t i = 0; i < goal.homework.size(); ++i) {
      check(goal.homework[i].key, fmt::format("goals/{}/homework/{}", g, i));
    }
  }
}

}  // namespace

// --- Content ----------------------------------------------------------------------------------

bool Satisfies(double value, Comparator comparator, double target) {
  switch (comparator) {
    case Comparator::kBelow: return value < target;
    case Comparator::kAtMost: return value <= target;
    case Comparator::kAbove: return value > target;
    case Comparator::kAtLeast: return value >= target;
  }
  return false;
}

const Problem* PlanContent::FindProblem(std::string_view key) const {
  for (const auto& problem : problems) {
    if (problem.key == key) return &problem;
  }
  return nullptr;
}

const Goal* PlanContent::FindGoal(std::string_view key) const {
  for (const auto& goal : goals) {
    if (goal.key == key) return &goal;
  }
  return nullptr;
}

std::pair<const Goal*, const Benchmark*> PlanContent::FindBenchmark(std::string_view key) const {
  for (const auto& goal : goals) {
    for (const auto& benchmark : goal.benchmarks) {
      if (benchmark.key == key) return {&goal, &benchmark};
    }
  }
  return {nullptr, nullptr};
}

const Homework* PlanContent::FindHomework(std::string_view key) const {
  for (const auto& goal : goals) {
    for (const auto& homework : goal.homework) {
      if (homework.key == key) return &homework;
    }
  }
  return nullptr;
}

namespace {

Result<PlanContent> ParseContent(const Json& json, const InstrumentCatalog* catalog) {
  FieldProblems p;
  JsonObjectReader r(json);
  PlanContent c;
  c.summary = r.OptionalString("summary", 4000).value_or("");
  // Keys as sent, including those of problems with errors of their own, so that a goal or the
  // order naming such a problem is not reported as well.
  std::set<std::string, std::less<>> problem_keys;
  if (const Json* list = ReadList(r, "problems", false, kMaxProblems)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& entry = (*list)[i];
      if (entry.is_object()) {
        if (const auto key = entry.find("key"); key != entry.end() && key->is_string()) {
          if (!key->get_ref<const std::string&>().empty())
            problem_keys.insert(key->get<std::string>());
        }
      }
      if (auto problem = ParseProblem(entry, fmt::format("problems/{}", i), p)) {
        c.problems.push_back(std::move(*problem));
      }
    }
  }
  const Json* order = ReadList(r, "agreed_order", false, kMaxProblems);
  if (const Json* list = ReadList(r, "goals", false, kMaxGoals)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = fmt::format("goals/{}", i);
      if (auto goal = ParseGoal((*list)[i], path, catalog, p)) {
        if (!problem_keys.contains(goal->problem_key)) {
          p.Add(path + "/problem_key", "names no problem of this plan");
        }
        c.goals.push_back(std::move(*goal));
      }
    }
  }
  if (order != nullptr) {
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < order->size(); ++i) {
      const Json& entry = (*order)[i];
      const std::string path = fmt::format("agreed_order/{}", i);
      if (!entry.is_string()) {
        p.Add(path, "must be a problem key such as p1");
        continue;
      }
      const auto& key = entry.get_ref<const std::string&>();
      if (!problem_keys.contains(key)) {
        p.Add(path, "names no problem of this plan");
      } else if (!seen.insert(key).second) {
        p.Add(path, fmt::format("repeats {}", key));
      } else {
        c.agreed_order.push_back(key);
      }
    }
  }
  if (const Json* guardian = r.Optional("guardian")) {
    JsonObjectReader g(*guardian, "guardian/");
    c.guardian.problems = g.OptionalBool("problems").value_or(false);
    c.guardian.goals = g.OptionalBool("goals").value_or(false);
    c.guardian.homework = g.OptionalBool("homework").value_or(false);
    c.guardian.ask_agreement = g.OptionalBool("ask_agreement").value_or(false);
    p.Take(g.Finish());
  }
  p.Take(r.Finish());
  CheckUniqueKeys(c, p);
  if (!p.Empty()) return Fail(NeedAttention(p, "the plan"));
  return c;
}

}  // namespace

Result<PlanContent> ParsePlanContent(const Json& json, const InstrumentCatalog& catalog) {
  return ParseContent(json, &catalog);
}

Result<PlanContent> ParseStoredPlanContent(const Json& json) {
  return ParseContent(json, nullptr);
}

Json PlanContentToJson(const PlanContent& content) {
  Json problems = Json::array();
  for (const auto& problem : content.problems) {
    Json item{{"key", problem.key},
              {"client_words", problem.client_words},
              {"formulation", problem.formulation},
              {"diagnosis", problem.diagnosis},
              {"status", ToString(problem.status)}};
    // Written only when set, so that the content (and the hash signed over it) of every plan
    // without confidential items reads exactly as before the flag existed.
    if (problem.confidential) item["confidential"] = true;
    problems.push_back(std::move(item));
  }
  Json goals = Json::array();
  for (const auto& goal : content.goals) {
    Json benchmarks = Json::array();
    for (const auto& b : goal.benchmarks) {
      if (b.kind == BenchmarkKind::kQuestionnaire) {
        benchmarks.push_back({{"key", b.key},
                              {"kind", ToString(b.kind)},
                              {"instrument", b.instrument},
                              {"comparator", ToString(b.comparator)},
                              {"target", b.target}});
      } else {
        Json levels = Json::array();
        for (const auto& level : b.levels) levels.push_back(level);
        benchmarks.push_back(
            {{"key", b.key}, {"kind", ToString(b.kind)}, {"weight", b.weight}, {"levels", levels}});
      }
    }
    Json interventions = Json::array();
    for (const auto& in : goal.interventions) {
      interventions.push_back(
          {{"key", in.key}, {"description", in.description}, {"approach", in.approach}});
    }
    Json homework = Json::array();
    for (const auto& h : goal.homework) {
      Json item{{"key", h.key}, {"description", h.description}, {"due_date", h.due_date}};
      // Only when set, so that the content, and the hash signed over it, of every plan without
      // caregiver-supported homework stays as it was.
      if (!h.caregiver_support.empty()) item["caregiver_support"] = h.caregiver_support;
      homework.push_back(std::move(item));
    }
    Json item{{"key", goal.key},
              {"problem_key", goal.problem_key},
              {"description", goal.description},
              {"due_date", goal.due_date},
              {"benchmarks", benchmarks},
              {"interventions", interventions},
              {"homework", homework}};
    if (goal.confidential) item["confidential"] = true;
    goals.push_back(std::move(item));
  }
  Json order = Json::array();
  for (const auto& key : content.agreed_order) order.push_back(key);
  return Json{{"summary", content.summary},
              {"problems", problems},
              {"agreed_order", order},
              {"goals", goals},
              {"guardian",
               {{"problems", content.guardian.problems},
                {"goals", content.guardian.goals},
                {"homework", content.guardian.homework},
                {"ask_agreement", content.guardian.ask_agreement}}}};
}

std::string PlanContentHash(const PlanContent& content) {
  return Blake2b256Hex(PlanContentToJson(content).dump());
}

void AssignKeys(PlanContent& content, const std::vector<PlanContent>& history) {
  std::map<char, int> highest{{'p', 0}, {'g', 0}, {'b', 0}, {'i', 0}, {'h', 0}};
  const auto see = [&](const std::string& key) {
    if (key.empty()) return;
    if (auto number = KeyNumber(key, key[0]); number && highest.contains(key[0])) {
      highest[key[0]] = std::max(highest[key[0]], *number);
    }
  };
  const auto see_all = [&](const PlanContent& c) {
    for (const auto& problem : c.problems) see(problem.key);
    for (const auto& goal : c.goals) {
      see(goal.key);
      for (const auto& b : goal.benchmarks) see(b.key);
      for (const auto& in : goal.interventions) see(in.key);
      for (const auto& h : goal.homework) see(h.key);
    }
  };
  see_all(content);
  for (const auto& earlier : history) see_all(earlier);
  const auto give = [&](std::string& key, char letter) {
    if (!key.empty()) return;
    key = fmt::format("{}{}", letter, ++highest[letter]);
  };
  for (auto& problem : content.problems) give(problem.key, 'p');
  for (auto& goal : content.goals) {
    give(goal.key, 'g');
    for (auto& b : goal.benchmarks) give(b.key, 'b');
    for (auto& in : goal.interventions) give(in.key, 'i');
    for (auto& h : goal.homework) give(h.key, 'h');
  }
}

Status ApplyProblemEdit(PlanContent& content, std::string_view key, const ProblemEdit& edit,
                        bool by_client) {
  Problem* problem = nullptr;
  for (auto& candidate : content.problems) {
    if (candidate.key == key) problem = &candidate;
  }
  if (problem == nullptr || key.empty()) {
    return Fail(Error::NotFound(fmt::format("There is no problem {} in this plan.", key)));
  }
  if (by_client) {
    const char* field = edit.formulation ? "formulation"
                        : edit.diagnosis ? "diagnosis"
                        : edit.status    ? "status"
                                         : nullptr;
    if (field != nullptr) {
      Error error = Error::PermissionDenied(fmt::format(
          "Only your therapist can change the {} of a problem; you can change how it is put in "
          "your own words.",
          field));
      error.fields.push_back({field, "may be changed only by the therapist"});
      return Fail(std::move(error));
    }
  }
  FieldProblems p;
  const auto check = [&](const std::optional<std::string>& value, std::string_view field,
                         std::size_t max_length, bool required) {
    if (!value) return;
    if (!IsCleanUtf8(*value)) {
      p.Add(std::string(field), "must be valid UTF-8 text without NUL characters");
    } else if (value->size() > max_length) {
      p.Add(std::string(field), fmt::format("must be at most {} bytes long", max_length));
    } else if (required && IsBlank(*value)) {
      p.Add(std::string(field), "must not be empty");
    }
  };
  check(edit.client_words, "client_words", 2000, true);
  check(edit.formulation, "formulation", 4000, false);
  check(edit.diagnosis, "diagnosis", 200, false);
  if (!p.Empty()) return Fail(NeedAttention(p, "the problem"));
  if (edit.client_words) problem->client_words = *edit.client_words;
  if (edit.formulation) problem->formulation = *edit.formulation;
  if (edit.diagnosis) problem->diagnosis = *edit.diagnosis;
  if (edit.status) problem->status = *edit.status;
  return Ok();
}

// --- Versions and agreement ------------------------------------------------------------------

Result<PlanVersionStatus> NextStatus(PlanVersionStatus from, PlanAction action, int number) {
  using S = PlanVersionStatus;
  switch (from) {
    case S::kDraft:
      if (action == PlanAction::kPropose) return S::kProposed;
      if (action == PlanAction::kSupersede) {
        return Fail(Error::FailedPrecondition(fmt::format(
            "Version {} is still a draft; only an agreed version can be superseded.", number)));
      }
      return Fail(Error::FailedPrecondition(fmt::format(
          "Version {} is still a draft: it must be proposed before it can be accepted, sent "
          "back, declined or withdrawn.",
          number)));
    case S::kProposed:
      switch (action) {
        case PlanAction::kAccept: return S::kAgreed;
        case PlanAction::kRequestChanges: return S::kChangesRequested;
        case PlanAction::kDecline: return S::kDeclined;
        case PlanAction::kWithdraw: return S::kWithdrawn;
        case PlanAction::kPropose:
          return Fail(Error::FailedPrecondition(
              fmt::format("Version {} has already been proposed.", number)));
        case PlanAction::kSupersede:
          return Fail(Error::FailedPrecondition(fmt::format(
              "Version {} has not been agreed yet, so nothing can supersede it.", number)));
      }
      break;
    case S::kAgreed:
      if (action == PlanAction::kSupersede) return S::kSuperseded;
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} has been agreed and signed, so it can no longer change. Start "
                      "a new draft to revise the plan.",
                      number)));
    case S::kChangesRequested:
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} was sent back for changes, so it can no longer change. Start a "
                      "new draft to revise the plan.",
                      number)));
    case S::kDeclined:
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} was declined, so it can no longer change. Start a new draft to "
                      "revise the plan.",
                      number)));
    case S::kWithdrawn:
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} was withdrawn when a newer version was proposed, so it can no "
                      "longer change.",
                      number)));
    case S::kSuperseded:
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} has been superseded by a newer agreed version, so it can no "
                      "longer change.",
                      number)));
  }
  return Fail(Error::Internal("unknown plan version status"));
}

Status CheckLatestProposal(const std::vector<PlanVersion>& versions, int number) {
  const PlanVersion* latest = nullptr;
  const PlanVersion* named = nullptr;
  for (const auto& version : versions) {
    if (latest == nullptr || version.number > latest->number) latest = &version;
    if (version.number == number) named = &version;
  }
  if (named == nullptr) {
    return Fail(Error::FailedPrecondition(
        fmt::format("There is no version {} of this plan to respond to.", number)));
  }
  if (named != latest) {
    return Fail(Error::FailedPrecondition(
        fmt::format("Version {} is not the latest version of the plan (version {} is); only the "
                    "latest proposal can be answered.",
                    number, latest->number)));
  }
  if (named->status != PlanVersionStatus::kProposed) {
    return Fail(Error::FailedPrecondition(
        fmt::format("Version {} is {}, not proposed, so it cannot be accepted, declined or sent "
                    "back.",
                    number, ToString(named->status))));
  }
  return Ok();
}

bool AgreementComplete(const std::vector<PlanSignature>& signatures,
                       const std::string& content_hash, bool guardian_asked) {
  if (content_hash.empty()) return false;
  bool therapist = false, client = false, guardian = false;
  for (const auto& signature : signatures) {
    if (signature.content_hash != content_hash) return false;
    switch (signature.role) {
      case SignerRole::kTherapist: therapist = true; break;
      case SignerRole::kClient: client = true; break;
      case SignerRole::kGuardian: guardian = true; break;
    }
  }
  return therapist && client && (guardian || !guardian_asked);
}

// --- Differences ------------------------------------------------------------------------------

namespace {

std::string BenchmarkText(const Benchmark& b) {
  if (b.kind == BenchmarkKind::kQuestionnaire) {
    return fmt::format("{} {} {}", b.instrument, ToString(b.comparator), FormatNumber(b.target));
  }
  return fmt::format("GAS: {}", b.levels[2]);
}

class Differ {
 public:
  std::vector<DiffRow> rows;

  void Field(std::string_view section, std::string_view key, std::string_view field,
             const std::string& before, const std::string& after) {
    if (before == after) return;
    rows.push_back({std::string(section), std::string(key), std::string(field),
                    DiffChange::kChanged, before, after});
  }
  void Added(std::string_view section, std::string_view key, std::string after) {
    rows.push_back(
        {std::string(section), std::string(key), "", DiffChange::kAdded, "", std::move(after)});
  }
  void Removed(std::string_view section, std::string_view key, std::string before) {
    rows.push_back(
        {std::string(section), std::string(key), "", DiffChange::kRemoved, std::move(before), ""});
  }

  // Items matched by key: `changed` compares two matched items; `text` is an item's display.
  template <typename T, typename Changed, typename Text>
  void Items(std::string_view section, const std::vector<T>& before, const std::vector<T>& after,
             Changed changed, Text text) {
    const auto find = [](const std::vector<T>& items, const std::string& key) -> const T* {
      for (const auto& item : items) {
        if (item.key == key) return &item;
      }
      return nullptr;
    };
    for (const auto& item : after) {
      if (const T* old = find(before, item.key)) {
        changed(*old, item);
      } else {
        Added(section, item.key, text(item));
      }
    }
    for (const auto& item : before) {
      if (find(after, item.key) == nullptr) Removed(section, item.key, text(item));
    }
  }
};

}  // namespace

std::vector<DiffRow> DiffPlans(const PlanContent& before, const PlanContent& after) {
  Differ d;
  d.Field("summary", "", "summary", before.summary, after.summary);
  d.Items(
      "problem", before.problems, after.problems,
      [&](const Problem& a, const Problem& b) {
        d.Field("problem", b.key, "client_words", a.client_words, b.client_words);
        d.Field("problem", b.key, "formulation", a.formulation, b.formulation);
        d.Field("problem", b.key, "diagnosis", a.diagnosis, b.diagnosis);
        d.Field("problem", b.key, "status", std::string(ToString(a.status)),
                std::string(ToString(b.status)));
        d.Field("problem", b.key, "confidential", YesNo(a.confidential), YesNo(b.confidential));
      },
      [](const Problem& p) { return p.client_words; });
  d.Field("order", "", "agreed_order", Join(before.agreed_order, ", "),
          Join(after.agreed_order, ", "));
  d.Items(
      "goal", before.goals, after.goals,
      [&](const Goal& a, const Goal& b) {
        d.Field("goal", b.key, "problem_key", a.problem_key, b.problem_key);
        d.Field("goal", b.key, "description", a.description, b.description);
        d.Field("goal", b.key, "due_date", a.due_date, b.due_date);
        d.Field("goal", b.key, "confidential", YesNo(a.confidential), YesNo(b.confidential));
        d.Items(
            "benchmark", a.benchmarks, b.benchmarks,
            [&](const Benchmark& x, const Benchmark& y) {
              d.Field("benchmark", y.key, "kind", std::string(ToString(x.kind)),
                      std::string(ToString(y.kind)));
              if (x.kind != y.kind) return;
              if (y.kind == BenchmarkKind::kQuestionnaire) {
                d.Field("benchmark", y.key, "instrument", x.instrument, y.instrument);
                d.Field("benchmark", y.key, "comparator", std::string(ToString(x.comparator)),
                        std::string(ToString(y.comparator)));
                d.Field("benchmark", y.key, "target", FormatNumber(x.target),
                        FormatNumber(y.target));
              } else {
                d.Field("benchmark", y.key, "weight", FormatNumber(x.weight),
                        FormatNumber(y.weight));
                for (std::size_t i = 0; i < x.levels.size(); ++i) {
                  d.Field("benchmark", y.key, fmt::format("levels/{}", i), x.levels[i],
                          y.levels[i]);
                }
              }
            },
            BenchmarkText);
        d.Items(
            "intervention", a.interventions, b.interventions,
            [&](const Intervention& x, const Intervention& y) {
              d.Field("intervention", y.key, "description", x.description, y.description);
              d.Field("intervention", y.key, "approach", x.approach, y.approach);
            },
            [](const Intervention& in) { return in.description; });
        d.Items(
            "homework", a.homework, b.homework,
            [&](const Homework& x, const Homework& y) {
              d.Field("homework", y.key, "description", x.description, y.description);
              d.Field("homework", y.key, "due_date", x.due_date, y.due_date);
              d.Field("homework", y.key, "caregiver_support", x.caregiver_support,
                      y.caregiver_support);
            },
            [](const Homework& h) { return h.description; });
      },
      [](const Goal& g) { return g.description; });
  d.Field("sharing", "", "problems", YesNo(before.guardian.problems),
          YesNo(after.guardian.problems));
  d.Field("sharing", "", "goals", YesNo(before.guardian.goals), YesNo(after.guardian.goals));
  d.Field("sharing", "", "homework", YesNo(before.guardian.homework),
          YesNo(after.guardian.homework));
  d.Field("sharing", "", "ask_agreement", YesNo(before.guardian.ask_agreement),
          YesNo(after.guardian.ask_agreement));
  return std::move(d.rows);
}

// --- Goal consensus ---------------------------------------------------------------------------

Consensus GoalConsensus(const std::vector<std::string>& client_order,
                        const std::vector<std::string>& therapist_order) {
  // Positions among the shared problems only, first occurrence of each key.
  const auto positions = [](const std::vector<std::string>& order,
                            const std::vector<std::string>& other) {
    std::map<std::string, int> out;
    int next = 0;
    for (const auto& key : order) {
      if (out.contains(key)) continue;
      if (std::find(other.begin(), other.end(), key) == other.end()) continue;
      out[key] = next++;
    }
    return out;
  };
  const auto client = positions(client_order, therapist_order);
  const auto therapist = positions(therapist_order, client_order);
  Consensus result;
  result.compared = static_cast<int>(client.size());
  if (client.size() < 2) {
    result.plain_words =
        "Both of you need to put the problems in order before they can be compared.";
    return result;
  }
  std::vector<std::string> keys;  // in the client's order
  keys.resize(client.size());
  for (const auto& [key, position] : client) keys[static_cast<std::size_t>(position)] = key;
  long concordant = 0, discordant = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      // i is before j for the client; same for the therapist?
      if (therapist.at(keys[i]) < therapist.at(keys[j])) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  const double n = static_cast<double>(keys.size());
  const double tau = static_cast<double>(concordant - discordant) / (n * (n - 1) / 2);
  result.tau = tau;
  if (discordant > 0) {
    // (gap, position for the client): ties go to the problem the client put first.
    std::vector<std::pair<int, int>> gaps;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const int gap = std::abs(client.at(keys[i]) - therapist.at(keys[i]));
      if (gap > 0) gaps.emplace_back(gap, static_cast<int>(i));
    }
    std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (std::size_t i = 0; i < gaps.size() && i < 3; ++i) {
      result.most_different.push_back(keys[static_cast<std::size_t>(gaps[i].second)]);
    }
  }
  if (tau >= 0.7) {
    result.plain_words = "You and your therapist put these problems in much the same order.";
  } else if (tau >= 0.3) {
    result.plain_words =
        "You and your therapist put these problems in a broadly similar order, with some "
        "differences worth talking about.";
  } else if (tau > -0.3) {
    result.plain_words =
        "You and your therapist put these problems in quite different orders: worth talking "
        "through together.";
  } else {
    result.plain_words =
        "You and your therapist put these problems in nearly opposite orders: worth talking "
        "through together.";
  }
  return result;
}

// --- Goal Attainment Scaling --------------------------------------------------------------------

std::optional<double> GasTScore(const std::vector<GasScore>& scores, double rho) {
  if (scores.empty()) return std::nullopt;
  double weighted = 0, squares = 0, weights = 0;
  for (const auto& score : scores) {
    weighted += score.weight * score.level;
    squares += score.weight * score.weight;
    weights += score.weight;
  }
  const double denominator = std::sqrt((1 - rho) * squares + rho * weights * weights);
  if (!(denominator > 0)) return std::nullopt;
  return 50 + 10 * weighted / denominator;
}

// --- Progress ---------------------------------------------------------------------------------

namespace {
bool LowerIsBetter(Comparator comparator) {
  return comparator == Comparator::kBelow || comparator == Comparator::kAtMost;
}

// Improving / worsening / no change from `previous` to `latest`, where higher is better.
Achievement Trend(double previous, double latest) {
  if (latest > previous) return Achievement::kImproving;
  if (latest < previous) return Achievement::kWorsening;
  return Achievement::kNoChange;
}
}  // namespace

BenchmarkProgress QuestionnaireBenchmarkProgress(const Benchmark& benchmark,
                                                 const std::vector<ScorePoint>& totals,
                                                 Timestamp due, Timestamp now) {
  BenchmarkProgress out;
  out.key = benchmark.key;
  out.kind = benchmark.kind;
  const bool past_due = due < now;
  if (totals.empty()) {
    out.achievement = past_due ? Achievement::kNotAchieved : Achievement::kInProgress;
    return out;
  }
  const double baseline = totals.front().total;
  const double latest = totals.back().total;
  out.baseline = baseline;
  out.latest = latest;
  out.latest_at = totals.back().at;
  out.met = Satisfies(latest, benchmark.comparator, benchmark.target);
  const bool lower = LowerIsBetter(benchmark.comparator);
  if (out.met) {
    out.fraction = 1.0;
  } else if (!Satisfies(baseline, benchmark.comparator, benchmark.target) &&
             baseline != benchmark.target) {
    const double way = lower ? (baseline - latest) / (baseline - benchmark.target)
                             : (latest - baseline) / (benchmark.target - baseline);
    out.fraction = std::clamp(way, 0.0, 1.0);
  }
  if (out.met) {
    out.achievement = Achievement::kAchieved;
  } else if (past_due) {
    out.achievement = Achievement::kNotAchieved;
  } else if (totals.size() < 2) {
    out.achievement = Achievement::kInProgress;
  } else {
    const double previous = totals[totals.size() - 2].total;
    out.achievement = lower ? Trend(-previous, -latest) : Trend(previous, latest);
  }
  return out;
}

BenchmarkProgress GasProgress(const Benchmark& benchmark, const std::vector<GasRating>& ratings,
                              Timestamp due, Timestamp now) {
  BenchmarkProgress out;
  out.key = benchmark.key;
  out.kind = benchmark.kind;
  const bool past_due = due < now;
  if (ratings.empty()) {
    out.achievement = past_due ? Achievement::kNotAchieved : Achievement::kInProgress;
    return out;
  }
  out.baseline = ratings.front().level;
  out.latest = ratings.back().level;
  out.latest_at = ratings.back().at;
  out.met = ratings.back().level >= 0;
  if (out.met) {
    out.achievement = Achievement::kAchieved;
  } else if (past_due) {
    out.achievement = Achievement::kNotAchieved;
  } else if (ratings.size() < 2) {
    out.achievement = Achievement::kInProgress;
  } else {
    out.achievement = Trend(ratings[ratings.size() - 2].level, ratings.back().level);
  }
  return out;
}

Achievement GoalAchievement(const std::vector<BenchmarkProgress>& benchmarks) {
  if (benchmarks.empty()) return Achievement::kInProgress;
  const auto any = [&](Achievement a) {
    return std::any_of(benchmarks.begin(), benchmarks.end(),
                       [a](const BenchmarkProgress& b) { return b.achievement == a; });
  };
  const bool all_achieved = std::all_of(
      benchmarks.begin(), benchmarks.end(),
      [](const BenchmarkProgress& b) { return b.achievement == Achievement::kAchieved; });
  if (all_achieved) return Achievement::kAchieved;
  if (any(Achievement::kNotAchieved)) return Achievement::kNotAchieved;
  if (any(Achievement::kWorsening)) return Achievement::kWorsening;
  if (any(Achievement::kImproving)) return Achievement::kImproving;
  // No change when every benchmark with data stands still (those already met do not move).
  bool any_no_change = false;
  bool all_still = true;
  for (const auto& b : benchmarks) {
    if (!b.latest) continue;
    if (b.achievement == Achievement::kNoChange) {
      any_no_change = true;
    } else if (b.achievement != Achievement::kAchieved) {
      all_still = false;
    }
  }
  if (any_no_change && all_still) return Achievement::kNoChange;
  return Achievement::kInProgress;
}

Result<Timestamp> EndOfDate(std::string_view date, std::string_view field) {
  const auto ymd = ParseCalendarDate(date);
  if (!ymd) {
    return Fail(Error::Field(std::string(field), "must be a real date such as 2026-06-30"));
  }
  return StartOfDate(*ymd) + kMsPerDay - 1;
}

// --- Reviews ----------------------------------------------------------------------------------

ReviewDue PlanReviewDue(Timestamp since, const std::vector<Timestamp>& completed_session_times,
                        Timestamp now, const ReviewPolicy& policy) {
  const auto sessions =
      std::count_if(completed_session_times.begin(), completed_session_times.end(),
                    [&](Timestamp t) { return t > since && t <= now; });
  return PlanReviewDueAfterSessions(since, static_cast<int>(sessions), now, policy);
}

ReviewDue PlanReviewDueAfterSessions(Timestamp since, int sessions_since, Timestamp now,
                                     const ReviewPolicy& policy) {
  ReviewDue out;
  out.sessions_since = sessions_since;
  out.due_at = since + static_cast<Timestamp>(policy.every_days) * kMsPerDay;
  if (out.sessions_since >= policy.every_sessions) {
    out.due = true;
    out.reason = fmt::format("{} session{} since the plan was last reviewed", out.sessions_since,
                             out.sessions_since == 1 ? "" : "s");
  } else if (now >= out.due_at) {
    out.due = true;
    const Timestamp days = (now - since) / kMsPerDay;
    out.reason =
        fmt::format("{} day{} since the plan was last reviewed", days, days == 1 ? "" : "s");
  }
  return out;
}

// --- Events -----------------------------------------------------------------------------------

Status ValidateRanking(const PlanContent& content, const std::vector<std::string>& order) {
  if (order.empty()) {
    return Fail(Error::Field("order", "must list the problems, most important first"));
  }
  FieldProblems p;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string path = fmt::format("order/{}", i);
    const Problem* problem = order[i].empty() ? nullptr : content.FindProblem(order[i]);
    if (problem == nullptr) {
      p.Add(path, "names no problem of this plan");
    } else if (!seen.insert(order[i]).second) {
      p.Add(path, fmt::format("repeats {}", order[i]));
    } else if (problem->status != ProblemStatus::kActive) {
      p.Add(path, fmt::format("{} is {}; only active problems are put in order", order[i],
                              ToString(problem->status)));
    }
  }
  std::vector<std::string> missing;
  for (const auto& problem : content.problems) {
    if (problem.status == ProblemStatus::kActive && !seen.contains(problem.key)) {
      missing.push_back(problem.key);
    }
  }
  if (!missing.empty()) p.Add("order", fmt::format("leaves out {}", Join(missing, ", ")));
  if (!p.Empty()) return Fail(NeedAttention(p, "the ranking"));
  return Ok();
}

namespace {
std::vector<FeelingRating> ParseFeelings(JsonObjectReader& r, std::string_view key, bool required,
                                         const std::string& prefix, FieldProblems& p) {
  std::vector<FeelingRating> out;
  const Json* list = ReadList(r, key, required, 10);
  if (list == nullptr) return out;
  if (required && list->empty()) r.AddError(key, "must name at least one feeling");
  for (std::size_t i = 0; i < list->size(); ++i) {
    JsonObjectReader f((*list)[i], fmt::format("{}{}/{}/", prefix, key, i));
    auto feeling = RequiredText(f, "feeling", 100);
    auto intensity = f.RequiredInt("intensity");
    if (intensity && (*intensity < 0 || *intensity > 100)) {
      f.AddError("intensity", "must be between 0 and 100");
      intensity.reset();
    }
    const bool ok = !f.HasErrors();
    p.Take(f.Finish());
    if (ok && feeling && intensity) {
      out.push_back({*feeling, static_cast<int>(*intensity)});
    }
  }
  return out;
}
}  // namespace

Result<ThoughtRecord> ParseThoughtRecord(const Json& json, const PlanContent& content) {
  FieldProblems p;
  JsonObjectReader r(json);
  ThoughtRecord record;
  if (auto goal_key = r.RequiredString("goal_key", 16)) {
    if (goal_key->empty() || content.FindGoal(*goal_key) == nullptr) {
      r.AddError("goal_key", "names no goal of this plan");
    } else {
      record.goal_key = *goal_key;
    }
  }
  record.situation = RequiredText(r, "situation", 4000).value_or("");
  record.automatic_thoughts = RequiredText(r, "automatic_thoughts", 4000).value_or("");
  record.feelings = ParseFeelings(r, "feelings", true, "", p);
  record.evidence_for = r.OptionalString("evidence_for", 4000).value_or("");
  record.evidence_against = r.OptionalString("evidence_against", 4000).value_or("");
  record.balanced_thought = r.OptionalString("balanced_thought", 4000).value_or("");
  record.feelings_after = ParseFeelings(r, "feelings_after", false, "", p);
  p.Take(r.Finish());
  if (!p.Empty()) return Fail(NeedAttention(p, "the thought record"));
  return record;
}

Json ThoughtRecordToJson(const ThoughtRecord& record) {
  const auto feelings = [](const std::vector<FeelingRating>& list) {
    Json out = Json::array();
    for (const auto& f : list) out.push_back({{"feeling", f.feeling}, {"intensity", f.intensity}});
    return out;
  };
  return Json{{"goal_key", record.goal_key},
              {"situation", record.situation},
              {"automatic_thoughts", record.automatic_thoughts},
              {"feelings", feelings(record.feelings)},
              {"evidence_for", record.evidence_for},
              {"evidence_against", record.evidence_against},
              {"balanced_thought", record.balanced_thought},
              {"feelings_after", feelings(record.feelings_after)}};
}

namespace {
constexpr Timestamp kCheckInDayMs = 24LL * 60 * 60 * 1000;
}  // namespace

PlanActivity FoldPlanEvents(const std::vector<PlanEvent>& events) {
  std::vector<const PlanEvent*> ordered;
  ordered.reserve(events.size());
  for (const auto& event : events) ordered.push_back(&event);
  std::sort(ordered.begin(), ordered.end(), [](const PlanEvent* a, const PlanEvent* b) {
    return a->at != b->at ? a->at < b->at : a->id < b->id;
  });
  PlanActivity out;
  for (const PlanEvent* event : ordered) {
    const Json payload = Json::parse(event->payload_json, nullptr, /*allow_exceptions=*/false);
    if (payload.is_discarded() || !payload.is_object()) continue;
    switch (event->kind) {
      case PlanEventKind::kRanking: {
        const auto it = payload.find("order");
        if (it == payload.end() || !it->is_array()) break;
        std::vector<std::string> order;
        bool ok = true;
        for (const auto& key : *it) {
          if (!key.is_string()) {
            ok = false;
            break;
          }
          order.push_back(key.get<std::string>());
        }
        if (!ok) break;
        if (event->subject == "client") {
          out.client_ranking = std::move(order);
          out.client_ranked_at = event->at;
        } else if (event->subject == "therapist") {
          out.therapist_ranking = std::move(order);
          out.therapist_ranked_at = event->at;
        }
        break;
      }
      case PlanEventKind::kSelfRating: {
        const auto it = payload.find("rating");
        if (it == payload.end() || !it->is_number_integer()) break;
        const auto rating = it->get<std::int64_t>();
        if (rating < 0 || rating > 10) break;
        std::string note;
        if (const auto n = payload.find("note"); n != payload.end() && n->is_string()) {
          note = n->get<std::string>();
        }
        out.self_ratings[event->subject].push_back(
            {static_cast<int>(rating), std::move(note), event->at});
        break;
      }
      case PlanEventKind::kHomework: {
        const auto it = payload.find("done");
        if (it == payload.end() || !it->is_boolean()) break;
        out.homework_done[event->subject] = it->get<bool>();
        HomeworkCheckIn check_in{event->actor_id, it->get<bool>(), event->at, ""};
        if (const auto n = payload.find("note"); n != payload.end() && n->is_string()) {
          check_in.note = n->get<std::string>();
        }
        auto& list = out.homework_check_ins[event->subject];
        const auto same_day = std::find_if(list.begin(), list.end(), [&](const HomeworkCheckIn& c) {
          return c.by == check_in.by && c.at / kCheckInDayMs == check_in.at / kCheckInDayMs;
        });
        if (same_day != list.end()) {
          *same_day = std::move(check_in);
        } else {
          list.push_back(std::move(check_in));
        }
        break;
      }
      case PlanEventKind::kThoughtRecord:
        out.thought_records.emplace_back(event->id, event->at);
        break;
      case PlanEventKind::kGasLevel: {
        const auto it = payload.find("level");
        if (it == payload.end() || !it->is_number_integer()) break;
        const auto level = it->get<std::int64_t>();
        if (level < -2 || level > 2) break;
        out.gas_levels[event->subject].push_back({event->at, static_cast<int>(level)});
        break;
      }
      case PlanEventKind::kReview:
        if (!out.last_review_at || event->at > *out.last_review_at) out.last_review_at = event->at;
        break;
    }
  }
  return out;
}

HomeworkCompletion CompletionOf(const std::vector<HomeworkCheckIn>& check_ins, Timestamp since,
                                const std::function<bool(UserId)>& counted) {
  HomeworkCompletion out;
  for (const HomeworkCheckIn& c : check_ins) {
    if (c.at < since || !counted(c.by)) continue;
    ++out.check_ins;
    if (c.done) ++out.done;
  }
  if (out.check_ins > 0) out.rate = static_cast<double>(out.done) / out.check_ins;
  return out;
}

}  // namespace rapport
