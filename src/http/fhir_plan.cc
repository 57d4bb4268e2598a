#include "http/fhir_plan.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "domain/catalog.h"
#include "domain/plan.h"
#include "http/fhir.h"
#include "http/route_support.h"
#include "service/actor.h"
#include "service/clinic_service.h"
#include "service/plan_service.h"

namespace rapport {

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kGoalAchievement =
    "http://terminology.hl7.org/CodeSystem/goal-achievement";
constexpr std::string_view kGoalPriority = "http://terminology.hl7.org/CodeSystem/goal-priority";
constexpr std::string_view kConditionClinical =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
constexpr std::string_view kConditionCategory =
    "http://terminology.hl7.org/CodeSystem/condition-category";
constexpr std::string_view kParticipantType =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
constexpr std::string_view kSignatureType = "urn:iso-astm:E1762-95:2013";
constexpr std::string_view kAuthorSignature = "1.2.840.10065.1.12.1.1";
constexpr std::string_view kConsentSignature = "1.2.840.10065.1.12.1.7";

std::unexpected<HttpResponse> Outcome(const Error& error) {
  return std::unexpected(FhirOperationOutcome(error));
}

Json Coding(std::string_view system, std::string_view code, std::string_view display) {
  return {{"system", system}, {"code", code}, {"display", display}};
}

Json Concept(std::string_view system, std::string_view code, std::string_view display) {
  return {{"coding", Json::array({Coding(system, code, display)})}, {"text", display}};
}

Json Ref(std::string reference, const std::string& display = {}) {
  Json out = {{"reference", std::move(reference)}};
  if (!display.empty()) out["display"] = display;
  return out;
}

std::string PatientRef(UserId id) {
  return fmt::format("Patient/{}", id);
}

std::string CarePlanId(EpisodeId episode, int number) {
  return fmt::format("{}-{}", episode, number);
}

std::string ItemId(EpisodeId episode, const std::string& key) {
  return fmt::format("{}-{}", episode, key);
}

// "12-3" -> {12, "3"}: resource ids are "<episode>-<rest>"; anything else names nothing.
struct ResourceKey {
  EpisodeId episode = 0;
  std::string rest;
};
std::optional<ResourceKey> SplitId(std::string_view id) {
  const std::size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash + 1 >= id.size()) return std::nullopt;
  EpisodeId episode = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + dash, episode);
  if (ec != std::errc() || end != id.data() + dash || episode <= 0) return std::nullopt;
  return ResourceKey{episode, std::string(id.substr(dash + 1))};
}

std::optional<int> ParseNumber(std::string_view text) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0) return std::nullopt;
  return n;
}

// Signature.data is base64Binary: the raw bytes of the (hex) content hash.
std::string Base64OfHex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return {};
    bytes.push_back(static_cast<char>(value));
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// One episode's plan as the actor may see it.
struct EpisodePlan {
  EpisodeView episode;
  PlanOverview overview;
};

// A version that never came into force is `draft` while it may still do so, and `revoked` once
// it cannot: a later version exists, or the episode has ended.
std::string_view CarePlanStatus(PlanVersionStatus status, bool episode_ended, bool newest) {
  switch (status) {
    case PlanVersionStatus::kDraft:
    case PlanVersionStatus::kProposed:
    case PlanVersionStatus::kChangesRequested:
      return newest && !episode_ended ? "draft" : "revoked";
    case PlanVersionStatus::kAgreed: return episode_ended ? "completed" : "active";
    case PlanVersionStatus::kSuperseded:
    case PlanVersionStatus::kDeclined:
    case PlanVersionStatus::kWithdrawn: return "revoked";
  }
  return "draft";
}

// What happens to a version's interventions follows the plan's own status.
std::string_view InterventionStatus(std::string_view care_plan_status) {
  if (care_plan_status == "active") return "in-progress";
  if (care_plan_status == "completed") return "completed";
  if (care_plan_status == "revoked") return "stopped";
  return "not-started";
}

}  // namespace

Json FhirCarePlanJson(const CarePlanFacts& facts, const PlanVersion& v,
                      const PlanContent& content) {
  const EpisodeId e = facts.episode_id;
  const std::string status(CarePlanStatus(v.status, facts.episode_ended, facts.newest));
  Json cp = {
      {"resourceType", "CarePlan"},
      {"id", CarePlanId(e, v.number)},
      {"status", status},
      {"intent", "plan"},
      {"title", fmt::format("Treatment plan, version {}", v.number)},
      {"subject", Ref(PatientRef(facts.client_id), facts.client_name)},
      {"created", FormatIso8601(v.created_at)},
      {"author", Ref(fmt::format("Practitioner/{}", facts.therapist_id), facts.therapist_name)}};
  if (!content.summary.empty()) cp["description"] = content.summary;
  if (v.number > 1) cp["replaces"] = Json::array({Ref("CarePlan/" + CarePlanId(e, v.number - 1))});
  Json addresses = Json::array();
  for (const Problem& p : content.problems) {
    addresses.push_back(Ref("Condition/" + ItemId(e, p.key)));
  }
  if (!addresses.empty()) cp["addresses"] = std::move(addresses);
  const std::map<std::string, bool>& done = facts.homework_done;
  Json goals = Json::array();
  Json activities = Json::array();
  for (const Goal& g : content.goals) {
    const Json goal_ref = Ref("Goal/" + ItemId(e, g.key));
    goals.push_back(goal_ref);
    for (const Intervention& i : g.interventions) {
      Json detail = {{"status", InterventionStatus(status)},
                     {"description", i.description},
                     {"goal", Json::array({goal_ref})}};
      if (!i.approach.empty()) detail["code"] = {{"text", i.approach}};
      activities.push_back({{"detail", std::move(detail)}});
    }
    for (const Homework& h : g.homework) {
      const auto it = done.find(h.key);
      Json detail = {{"kind", "Task"},
                     {"status", it != done.end() && it->second ? "completed" : "not-started"},
                     {"description", h.description},
                     {"goal", Json::array({goal_ref})}};
      if (!h.due_date.empty()) detail["scheduledString"] = h.due_date;
      activities.push_back({{"detail", std::move(detail)}});
    }
  }
  if (!goals.empty()) cp["goal"] = std::move(goals);
  if (!activities.empty()) cp["activity"] = std::move(activities);
  if (!v.client_comment.empty()) {
    cp["note"] = Json::array({{{"text", "The client's comment: " + v.client_comment}}});
  }
  return cp;
}

namespace {

Json CarePlanJson(const EpisodePlan& plan, const PlanVersionView& view) {
  CarePlanFacts facts;
  facts.episode_id = plan.episode.id;
  facts.episode_ended = plan.episode.status == EpisodeStatus::kEnded;
  facts.newest =
      plan.overview.versions.empty() || plan.overview.versions.back().number == view.version.number;
  facts.client_id = plan.overview.client_id;
  facts.client_name = plan.overview.client_name;
  facts.therapist_id = plan.overview.therapist_id;
  facts.therapist_name = plan.overview.therapist_name;
  for (const HomeworkView& h : plan.overview.homework) facts.homework_done[h.homework.key] = h.done;
  return FhirCarePlanJson(facts, view.version, view.content);
}

std::string_view GoalLifecycle(PlanVersionStatus status, Achievement achievement) {
  switch (status) {
    case PlanVersionStatus::kAgreed:
    case PlanVersionStatus::kSuperseded:
      return achievement == Achievement::kAchieved ? "completed" : "active";
    case PlanVersionStatus::kDeclined: return "rejected";
    default: return "proposed";
  }
}

// First third of the agreed order high, second medium, last low.
std::optional<std::pair<std::string_view, std::string_view>> GoalPriority(int priority,
                                                                          std::size_t ranked) {
  if (priority < 1 || ranked == 0) return std::nullopt;
  const std::size_t index = static_cast<std::size_t>(priority - 1);
  if (3 * index < ranked) return std::pair{"high-priority", "High Priority"};
  if (3 * index < 2 * ranked) return std::pair{"medium-priority", "Medium Priority"};
  return std::pair{"low-priority", "Low Priority"};
}

std::string_view QuantityComparator(Comparator comparator) {
  switch (comparator) {
    case Comparator::kBelow: return "<";
    case Comparator::kAtMost: return "<=";
    case Comparator::kAbove: return ">";
    case Comparator::kAtLeast: return ">=";
  }
  return "<";
}

Json TargetJson(const Benchmark& b, const Goal& goal, const InstrumentCatalog& catalog) {
  Json target;
  if (b.kind == BenchmarkKind::kQuestionnaire) {
    const Instrument* instrument = catalog.Find(b.instrument);
    const std::string title = instrument != nullptr ? instrument->title : b.instrument;
    const std::string display = title + " total score";
    Json coding = instrument != nullptr && !instrument->loinc_total.empty()
                      ? Coding(kLoinc, instrument->loinc_total, display)
                      : Coding(kRapportScoreSystem, b.instrument + "/total", display);
    target["measure"] = {{"coding", Json::array({std::move(coding)})},
                         {"text", b.instrument + " total score"}};
    target["detailQuantity"] = {{"value", b.target},
                                {"comparator", QuantityComparator(b.comparator)},
                                {"unit", "score"},
                                {"system", kUcum},
                                {"code", "{score}"}};
  } else {
    // Goal Attainment Scaling: the expected outcome (level 0) or better.
    target["measure"] = {
        {"coding",
         Json::array({Coding(kRapportGasSystem, "level", "Goal Attainment Scaling level")})},
        {"text", "Goal Attainment Scaling level (expected: " + b.levels[2] + ")"}};
    target["detailRange"] = {{"low", {{"value", 0}}}, {"high", {{"value", 2}}}};
  }
  if (!goal.due_date.empty()) target["dueDate"] = goal.due_date;
  return target;
}

Json GoalJson(const EpisodePlan& plan, const PlanVersionView& current, const Goal& goal,
              const InstrumentCatalog& catalog) {
  const GoalView* view = nullptr;
  for (const GoalView& g : plan.overview.goals) {
    if (g.key == goal.key) view = &g;
  }
  const Achievement achievement = view != nullptr ? view->achievement : Achievement::kInProgress;
  Json out = {
      {"resourceType", "Goal"},
      {"id", ItemId(plan.episode.id, goal.key)},
      {"lifecycleStatus", GoalLifecycle(current.version.status, achievement)},
      {"achievementStatus", Concept(kGoalAchievement, ToString(achievement), Display(achievement))},
      {"description", {{"text", goal.description}}},
      {"subject", Ref(PatientRef(plan.overview.client_id), plan.overview.client_name)}};
  if (view != nullptr && view->priority) {
    if (auto p = GoalPriority(*view->priority, current.content.agreed_order.size())) {
      out["priority"] = Concept(kGoalPriority, p->first, p->second);
    }
  }
  Json targets = Json::array();
  for (const Benchmark& b : goal.benchmarks) targets.push_back(TargetJson(b, goal, catalog));
  if (!targets.empty()) out["target"] = std::move(targets);
  if (current.content.FindProblem(goal.problem_key) != nullptr) {
    out["addresses"] = Json::array({Ref("Condition/" + ItemId(plan.episode.id, goal.problem_key))});
  }
  return out;
}

Json ConditionJson(const EpisodePlan& plan, const Problem& problem) {
  std::string_view clinical = "active";
  if (problem.status == ProblemStatus::kResolved) clinical = "resolved";
  if (problem.status == ProblemStatus::kDeferred) clinical = "inactive";
  const std::string display(clinical == "active"     ? "Active"
                            : clinical == "resolved" ? "Resolved"
                                                     : "Inactive");
  Json notes = Json::array({{{"text", "In the client's words: " + problem.client_words}}});
  if (!problem.diagnosis.empty()) notes.push_back({{"text", "Diagnosis: " + problem.diagnosis}});
  return {{"resourceType", "Condition"},
          {"id", ItemId(plan.episode.id, problem.key)},
          {"clinicalStatus", Concept(kConditionClinical, clinical, display)},
          {"category",
           Json::array({Concept(kConditionCategory, "problem-list-item", "Problem List Item")})},
          {"code",
           {{"text", problem.formulation.empty() ? problem.client_words : problem.formulation}}},
          {"subject", Ref(PatientRef(plan.overview.client_id), plan.overview.client_name)},
          {"note", std::move(notes)}};
}

Json SignerRef(const SignatureView& s) {
  switch (s.signature.role) {
    case SignerRole::kTherapist:
      return Ref(fmt::format("Practitioner/{}", s.signature.user_id), s.name);
    case SignerRole::kClient: return Ref(PatientRef(s.signature.user_id), s.name);
    case SignerRole::kGuardian:
      return Ref(fmt::format("RelatedPerson/{}", s.signature.user_id), s.name);
  }
  return Ref(PatientRef(s.signature.user_id), s.name);
}

Json ProvenanceJson(EpisodeId episode, int number, const SignatureView& s) {
  const bool author = s.signature.role == SignerRole::kTherapist;
  const std::string role(ToString(s.signature.role));
  Json signature_type = author ? Json{{"system", kSignatureType},
                                      {"code", kAuthorSignature},
                                      {"display", "Author's Signature"}}
                               : Json{{"system", kSignatureType},
                                      {"code", kConsentSignature},
                                      {"display", "Consent Signature"}};
  Json signature = {{"type", Json::array({std::move(signature_type)})},
                    {"when", FormatIso8601(s.signature.signed_at)},
                    {"who", SignerRef(s)}};
  if (std::string data = Base64OfHex(s.signature.content_hash); !data.empty()) {
    signature["data"] = std::move(data);
  }
  return {{"resourceType", "Provenance"},
          {"id", fmt::format("{}-{}-{}", episode, number, role)},
          {"target", Json::array({Ref("CarePlan/" + CarePlanId(episode, number))})},
          {"recorded", FormatIso8601(s.signature.signed_at)},
          {"agent", Json::array({{{"type", Concept(kParticipantType, author ? "author" : "attester",
                                                   author ? "Author" : "Attester")},
                                  {"who", SignerRef(s)}}})},
          {"signature", Json::array({std::move(signature)})}};
}

// --- Reading through the services --------------------------------------------------------------

// The plans of a client's episodes the actor may see (episodes of other therapists are skipped,
// as the feedback resources skip them).
Or<std::vector<EpisodePlan>> ClientPlans(ClinicService& clinic, PlanService& plan,
                                         const Actor& actor, UserId client_id) {
  auto client = clinic.GetClient(actor, client_id);
  if (!client) return Outcome(client.error());
  std::vector<EpisodePlan> out;
  for (const EpisodeView& episode : client->episodes) {
    auto overview = plan.Overview(actor, episode.id);
    if (!overview) {
      if (overview.error().code == ErrorCode::kNotFound) continue;
      return Outcome(overview.error());
    }
    out.push_back(EpisodePlan{episode, std::move(*overview)});
  }
  return out;
}

Or<EpisodePlan> OneEpisodePlan(ClinicService& clinic, PlanService& plan, const Actor& actor,
                               EpisodeId id) {
  auto episode = clinic.GetEpisode(actor, id);
  if (!episode) return Outcome(episode.error());
  auto overview = plan.Overview(actor, id);
  if (!overview) return Outcome(overview.error());
  return EpisodePlan{std::move(*episode), std::move(*overview)};
}

Or<PlanVersionView> Version(PlanService& plan, const Actor& actor, EpisodeId episode, int number) {
  auto view = plan.GetVersion(actor, episode, number);
  if (!view) return Outcome(view.error());
  return std::move(*view);
}

// Every CarePlan of the episode, oldest version first.
Or<std::vector<Json>> CarePlans(PlanService& plan, const Actor& actor, const EpisodePlan& ep) {
  std::vector<Json> out;
  for (const PlanVersion& v : ep.overview.versions) {
    auto view = Version(plan, actor, ep.episode.id, v.number);
    if (!view) return std::unexpected(std::move(view.error()));
    out.push_back(CarePlanJson(ep, *view));
  }
  return out;
}

// Goals or Conditions of the current version.
std::vector<Json> Goals(const EpisodePlan& ep, const InstrumentCatalog& catalog) {
  std::vector<Json> out;
  if (!ep.overview.current) return out;
  for (const Goal& g : ep.overview.current->content.goals) {
    out.push_back(GoalJson(ep, *ep.overview.current, g, catalog));
  }
  return out;
}

std::vector<Json> Conditions(const EpisodePlan& ep) {
  std::vector<Json> out;
  if (!ep.overview.current) return out;
  for (const Problem& p : ep.overview.current->content.problems) {
    out.push_back(ConditionJson(ep, p));
  }
  return out;
}

std::vector<Json> Provenances(const PlanVersionView& view) {
  std::vector<Json> out;
  for (const SignatureView& s : view.signatures) {
    out.push_back(ProvenanceJson(view.version.episode_id, view.version.number, s));
  }
  return out;
}

// A read of one Goal or Condition by id: the item of the current version with that key.
template <typename Build>
Reply ReadItem(ClinicService& clinic, PlanService& plan, const HttpRequest& request,
               const Actor& actor, std::string_view type, Build build) {
  const Error missing = Error::NotFound(fmt::format("no such {}", type));
  auto key = SplitId(request.Param("id"));
  if (!key) return Outcome(missing);
  auto ep = OneEpisodePlan(clinic, plan, actor, key->episode);
  if (!ep) return std::unexpected(std::move(ep.error()));
  const std::string id = std::string(request.Param("id"));
  for (Json& r : build(*ep)) {
    if (r["id"] == id) return FhirResponse(200, r);
  }
  return Outcome(missing);
}

template <typename Build>
Reply SearchItems(ClinicService& clinic, PlanService& plan, const HttpRequest& request,
                  const Actor& actor, std::string_view type, Build build) {
  auto subject = FhirSubjectParam(request);
  if (!subject) return std::unexpected(std::move(subject.error()));
  auto plans = ClientPlans(clinic, plan, actor, *subject);
  if (!plans) return std::unexpected(std::move(plans.error()));
  std::vector<Json> resources;
  for (const EpisodePlan& ep : *plans) {
    auto built = build(ep);
    if (!built) return std::unexpected(std::move(built.error()));
    for (Json& r : *built) resources.push_back(std::move(r));
  }
  return FhirSearchReply(request, type, std::move(resources));
}

}  // namespace

Json FhirPlanCapabilities() {
  auto read_search = Json::array({{{"code", "read"}}, {{"code", "search-type"}}});
  Json subject = {{"name", "subject"}, {"type", "reference"}};
  Json patient = {{"name", "patient"}, {"type", "reference"}};
  Json target = {{"name", "target"}, {"type", "reference"}};
  return Json::array(
      {{{"type", "CarePlan"},
        {"interaction", read_search},
        {"searchParam", Json::array({subject})}},
       {{"type", "Goal"}, {"interaction", read_search}, {"searchParam", Json::array({subject})}},
       {{"type", "Condition"},
        {"interaction", read_search},
        {"searchParam", Json::array({subject})}},
       {{"type", "Provenance"},
        {"interaction", Json::array({{{"code", "search-type"}}})},
        {"searchParam", Json::array({target, patient})}}});
}

namespace {

// The handlers of AddFhirPlanRoutes, one per route, named for the interaction it answers. A value
// holding references: the services outlive the router.
struct FhirPlanHandlers {
  ClinicService& clinic;
  PlanService& plan;
  const InstrumentCatalog& catalog;

  Reply SearchCarePlans(const HttpRequest& request, const Actor& actor) const {
    return SearchItems(clinic, plan, request, actor, "CarePlan",
                       [&](const EpisodePlan& ep) { return CarePlans(plan, actor, ep); });
  }

  Reply ReadCarePlan(const HttpRequest& request, const Actor& actor) const {
    auto key = SplitId(request.Param("id"));
    const std::optional<int> number = key ? ParseNumber(key->rest) : std::nullopt;
    if (!number) return Outcome(Error::NotFound("no such CarePlan"));
    auto ep = OneEpisodePlan(clinic, plan, actor, key->episode);
    if (!ep) return std::unexpected(std::move(ep.error()));
    auto view = Version(plan, actor, key->episode, *number);
    if (!view) return std::unexpected(std::move(view.error()));
    return FhirResponse(200, CarePlanJson(*ep, *view));
  }

  Reply SearchGoals(const HttpRequest& request, const Actor& actor) const {
    return SearchItems(
        clinic, plan, request, actor, "Goal",
        [&](const EpisodePlan& ep) -> Or<std::vector<Json>> { return Goals(ep, catalog); });
  }

  Reply ReadGoal(const HttpRequest& request, const Actor& actor) const {
    return ReadItem(clinic, plan, request, actor, "Goal",
                    [&](const EpisodePlan& ep) { return Goals(ep, catalog); });
  }

  Reply SearchConditions(const HttpRequest& request, const Actor& actor) const {
    return SearchItems(
        clinic, plan, request, actor, "Condition",
        [](const EpisodePlan& ep) -> Or<std::vector<Json>> { return Conditions(ep); });
  }

  Reply ReadCondition(const HttpRequest& request, const Actor& actor) const {
    return ReadItem(clinic, plan, request, actor, "Condition",
                    [](const EpisodePlan& ep) { return Conditions(ep); });
  }

  // By the signed CarePlan (target=CarePlan/{id}) or by the client (patient=Patient/{id}).
  Reply SearchProvenance(const HttpRequest& request, const Actor& actor) const {
    if (auto target = request.QueryParam("target"); target && !target->empty()) {
      std::string_view text = *target;
      if (text.starts_with("CarePlan/")) text.remove_prefix(9);
      auto key = SplitId(text);
      const std::optional<int> number = key ? ParseNumber(key->rest) : std::nullopt;
      if (!number) return Outcome(Error::Field("target", "must be CarePlan/{id}"));
      auto view = Version(plan, actor, key->episode, *number);
      if (!view) return std::unexpected(std::move(view.error()));
      return FhirSearchReply(request, "Provenance", Provenances(*view));
    }
    if (!request.QueryParam("patient") && !request.QueryParam("subject")) {
      return Outcome(
          Error::Field("target", "is required, as CarePlan/{id} (or patient=Patient/{id})"));
    }
    return SearchItems(clinic, plan, request, actor, "Provenance",
                       [&](const EpisodePlan& ep) -> Or<std::vector<Json>> {
                         std::vector<Json> out;
                         for (const PlanVersion& v : ep.overview.versions) {
                           // Drafts carry no signatures; no need to read them.
                           if (v.status == PlanVersionStatus::kDraft) continue;
                           auto view = Version(plan, actor, ep.episode.id, v.number);
                           if (!view) return std::unexpected(std::move(view.error()));
                           for (Json& r : Provenances(*view)) out.push_back(std::move(r));
                         }
                         return out;
                       });
  }
};

}  // namespace

void AddFhirPlanRoutes(Router& router, AuthService& auth, ClinicService& clinic, PlanService& plan,
                       const InstrumentCatalog& catalog) {
  using H = FhirPlanHandlers;
  const H h{clinic, plan, catalog};
  router.Add("GET", "/fhir/CarePlan", FhirAuthedRoute(auth, Bind(h, &H::SearchCarePlans)));
  router.Add("GET", "/fhir/CarePlan/{id}", FhirAuthedRoute(auth, Bind(h, &H::ReadCarePlan)));
  router.Add("GET", "/fhir/Goal", FhirAuthedRoute(auth, Bind(h, &H::SearchGoals)));
  router.Add("GET", "/fhir/Goal/{id}", FhirAuthedRoute(auth, Bind(h, &H::ReadGoal)));
  router.Add("GET", "/fhir/Condition", FhirAuthedRoute(auth, Bind(h, &H::SearchConditions)));
  router.Add("GET", "/fhir/Condition/{id}", FhirAuthedRoute(auth, Bind(h, &H::ReadCondition)));
  router.Add("GET", "/fhir/Provenance", FhirAuthedRoute(auth, Bind(h, &H::SearchProvenance)));
}

}  // namespace rapport
