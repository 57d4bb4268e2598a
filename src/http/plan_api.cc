#include "http/plan_api.h"

#include <charconv>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "domain/plan.h"
#include "http/route_support.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "service/plan_service.h"

namespace rapport {

namespace {

// --- JSON shapes -------------------------------------------------------------------------------

Json KeysJson(const std::optional<std::vector<std::string>>& keys) {
  return keys ? Json(*keys) : Json(nullptr);
}

// A version without its content: what the overview lists for every version.
Json VersionSummaryJson(const PlanVersion& v) {
  return {{"number", v.number},
          {"status", std::string(ToString(v.status))},
          {"content_hash", OptionalText(v.content_hash)},
          {"created_at", FormatIso8601(v.created_at)},
          {"updated_at", FormatIso8601(v.updated_at)},
          {"proposed_at", OptionalTime(v.proposed_at)},
          {"decided_at", OptionalTime(v.decided_at)},
          {"client_comment", OptionalText(v.client_comment)},
          // Who asked for changes or declined: the client, or a guardian whose agreement was
          // asked (the comment is theirs).
          {"decided_by", v.decided_by != 0 ? Json(v.decided_by) : Json(nullptr)}};
}

Json ConsensusJson(const Consensus& c) {
  return {{"tau", OptionalNumber(c.tau)},
          {"compared", c.compared},
          {"most_different", c.most_different},
          {"plain_words", c.plain_words}};
}

Json BenchmarkProgressJson(const BenchmarkView& b) {
  const BenchmarkProgress& p = b.progress;
  return {{"key", b.benchmark.key},
          {"kind", std::string(ToString(b.benchmark.kind))},
          {"baseline", OptionalNumber(p.baseline)},
          {"latest", OptionalNumber(p.latest)},
          {"latest_at", OptionalTime(p.latest_at)},
          {"fraction", OptionalNumber(p.fraction)},
          {"met", p.met},
          {"achievement", std::string(ToString(p.achievement))}};
}

Json GoalViewJson(const GoalView& g) {
  Json benchmarks = Json::array();
  for (const BenchmarkView& b : g.benchmarks) benchmarks.push_back(BenchmarkProgressJson(b));
  Json ratings = Json::array();
  for (const SelfRating& r : g.self_ratings) {
    ratings.push_back({{"rating", r.rating}, {"note", r.note}, {"at", FormatIso8601(r.at)}});
  }
  return {{"key", g.key},
          {"achievement", std::string(ToString(g.achievement))},
          {"achievement_display", std::string(Display(g.achievement))},
          {"priority", g.priority ? Json(*g.priority) : Json(nullptr)},
          {"benchmarks", std::move(benchmarks)},
          {"self_ratings", std::move(ratings)}};
}

Json ThoughtRecordViewJson(const ThoughtRecordView& view) {
  return {{"id", view.id},
          {"at", FormatIso8601(view.at)},
          {"author_id", view.author_id},
          {"record", ThoughtRecordToJson(view.record)}};
}

// --- Request bodies ----------------------------------------------------------------------------

// Version numbers in paths are parsed like ids: anything but a positive int names no version.
Or<int> VersionNumber(const HttpRequest& request) {
  auto n = PathId(request, "n");
  if (!n) return std::unexpected(std::move(n.error()));
  if (*n > std::numeric_limits<int>::max()) return ErrorReply(Error::NotFound("no such version"));
  return static_cast<int>(*n);
}

// A positive version number from the query string; the parameter is named in the error.
Or<int> QueryVersion(const HttpRequest& request, std::string_view name) {
  std::optional<std::string> text = request.QueryParam(name);
  if (!text || text->empty()) {
    return ErrorReply(Error::Field(std::string(name), "is required: a version number"));
  }
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value <= 0) {
    return ErrorReply(Error::Field(std::string(name), "must be a version number (1, 2, ...)"));
  }
  return value;
}

// A problem's fields as the client or therapist sent them; the domain validates the values
// (and a client's right to send them), these checks are only for the JSON types.
ProblemEdit ReadProblemEdit(JsonObjectReader& reader, bool client_words_required) {
  ProblemEdit edit;
  edit.client_words = client_words_required ? reader.RequiredString("client_words", 2000)
                                            : reader.OptionalString("client_words", 2000);
  edit.formulation = reader.OptionalString("formulation", 4000);
  edit.diagnosis = reader.OptionalString("diagnosis", 200);
  if (auto status = reader.OptionalString("status", 64)) {
    auto parsed = ParseProblemStatus(*status);
    if (parsed) {
      edit.status = *parsed;
    } else {
      reader.AddError("status", "must be one of active, resolved, deferred");
    }
  }
  return edit;
}

// A JSON array of strings (problem keys); errors name the array ("order") or an element.
std::vector<std::string> ReadKeyList(JsonObjectReader& reader, std::string_view key) {
  std::vector<std::string> out;
  const Json* list = reader.Required(key);
  if (list == nullptr) return out;
  if (!list->is_array()) {
    reader.AddError(key, "must be an array of problem keys such as [\"p2\", \"p1\"]");
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().size() > 32) {
      reader.AddError(std::string(key) + "/" + std::to_string(i), "must be a problem key");
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// {"b2": 1, ...}: GAS levels by benchmark key, each a whole number from -2 to 2.
std::vector<std::pair<std::string, int>> ReadGasLevels(JsonObjectReader& reader) {
  std::vector<std::pair<std::string, int>> out;
  const Json* levels = reader.Optional("gas_levels");
  if (levels == nullptr) return out;
  if (!levels->is_object()) {
    reader.AddError("gas_levels", "must be an object of benchmark key to level (-2 to 2)");
    return out;
  }
  for (const auto& [key, value] : levels->items()) {
    const std::string field = "gas_levels/" + key;
    if (!value.is_number_integer() || value.get<std::int64_t>() < -2 ||
        value.get<std::int64_t>() > 2) {
      reader.AddError(field, "must be a whole number from -2 to 2");
      continue;
    }
    out.emplace_back(key, static_cast<int>(value.get<std::int64_t>()));
  }
  return out;
}

using VersionActionFn = std::function<Result<PlanVersionView>(const Actor&, EpisodeId, int)>;

// A decision on version {n} that takes no parameters: the body is empty or {}.
Handler VersionAction(AuthService& auth, VersionActionFn act) {
  return IdRoute(auth,
                 [act = std::move(act)](const HttpRequest& request, const Actor& actor,
                                        EpisodeId episode) -> Reply {
                   auto n = VersionNumber(request);
                   if (!n) return std::unexpected(std::move(n.error()));
                   auto body = ReadJsonObject(request, /*allow_empty=*/true);
                   if (!body) return std::unexpected(std::move(body.error()));
                   JsonObjectReader reader(*body);
                   if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                   return Respond(200, act(actor, episode, *n), PlanVersionJson);
                 });
}

constexpr std::string_view kBase = "/api/v1/episodes/{id}/plan";

std::string Path(std::string_view rest) {
  return std::string(kBase) + std::string(rest);
}

// The handlers of AddVersionRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct VersionHandlers {
  PlanService& plan;

  Reply Overview(const HttpRequest&, const Actor& actor, EpisodeId episode) const {
    return Respond(200, plan.Overview(actor, episode), PlanOverviewJson);
  }

  Reply StartDraft(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const Json* content = reader.Optional("content");
    if (content != nullptr && !content->is_object()) {
      reader.AddError("content", "must be a plan content object");
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    std::optional<Json> given;
    if (content != nullptr) given = *content;
    return Respond(201, plan.StartDraft(actor, episode, given), PlanVersionJson);
  }

  Reply GetVersion(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto n = VersionNumber(request);
    if (!n) return std::unexpected(std::move(n.error()));
    return Respond(200, plan.GetVersion(actor, episode, *n), PlanVersionJson);
  }

  Reply SaveDraft(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto n = VersionNumber(request);
    if (!n) return std::unexpected(std::move(n.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const Json* content = reader.Required("content");
    if (content != nullptr && !content->is_object()) {
      reader.AddError("content", "must be a plan content object");
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, plan.SaveDraft(actor, episode, *n, *content), PlanVersionJson);
  }

  Reply RequestChanges(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto n = VersionNumber(request);
    if (!n) return std::unexpected(std::move(n.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto comment = reader.RequiredString("comment", 4000);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, plan.RequestChanges(actor, episode, *n, *comment), PlanVersionJson);
  }

  Reply Decline(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto n = VersionNumber(request);
    if (!n) return std::unexpected(std::move(n.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto comment = reader.OptionalString("comment", 4000);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, plan.Decline(actor, episode, *n, comment.value_or("")), PlanVersionJson);
  }

  Reply Diff(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto from = QueryVersion(request, "from");
    if (!from) return std::unexpected(std::move(from.error()));
    auto to = QueryVersion(request, "to");
    if (!to) return std::unexpected(std::move(to.error()));
    auto rows = plan.Diff(actor, episode, *from, *to);
    if (!rows) return ErrorReply(rows.error());
    Json out = Json::array();
    for (const DiffRow& r : *rows) {
      out.push_back({{"section", r.section},
                     {"key", r.key},
                     {"field", r.field},
                     {"change", std::string(ToString(r.change))},
                     {"before", r.before},
                     {"after", r.after}});
    }
    return HttpResponse::JsonBody(200, {{"from", *from}, {"to", *to}, {"rows", std::move(out)}});
  }
};

void AddVersionRoutes(Router& router, AuthService& auth, PlanService& plan) {
  using H = VersionHandlers;
  const H h{plan};
  router.Add("GET", Path(""), IdRoute(auth, Bind(h, &H::Overview)));
  router.Add("POST", Path("/versions"), IdRoute(auth, Bind(h, &H::StartDraft)));
  router.Add("GET", Path("/versions/{n}"), IdRoute(auth, Bind(h, &H::GetVersion)));
  router.Add("PUT", Path("/versions/{n}"), IdRoute(auth, Bind(h, &H::SaveDraft)));

  // The decisions on a version: propose and withdraw (therapist), accept / request changes /
  // decline (client).
  router.Add("POST", Path("/versions/{n}/propose"),
             VersionAction(auth, [&plan](const Actor& actor, EpisodeId episode, int n) {
               return plan.Propose(actor, episode, n);
             }));
  router.Add("POST", Path("/versions/{n}/accept"),
             VersionAction(auth, [&plan](const Actor& actor, EpisodeId episode, int n) {
               return plan.Accept(actor, episode, n);
             }));
  router.Add("POST", Path("/versions/{n}/withdraw"),
             VersionAction(auth, [&plan](const Actor& actor, EpisodeId episode, int n) {
               return plan.Withdraw(actor, episode, n);
             }));
  router.Add("POST", Path("/versions/{n}/request-changes"),
             IdRoute(auth, Bind(h, &H::RequestChanges)));
  router.Add("POST", Path("/versions/{n}/decline"), IdRoute(auth, Bind(h, &H::Decline)));
  router.Add("GET", Path("/diff"), IdRoute(auth, Bind(h, &H::Diff)));
}

// The handlers of AddActivityRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct ActivityHandlers {
  PlanService& plan;

  Reply AddProblem(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    ProblemEdit edit = ReadProblemEdit(reader, /*client_words_required=*/true);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, plan.AddProblem(actor, episode, edit), PlanVersionJson);
  }

  Reply UpdateProblem(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    ProblemEdit edit = ReadProblemEdit(reader, /*client_words_required=*/false);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, plan.EditProblem(actor, episode, std::string(request.Param("key")), edit),
                   PlanVersionJson);
  }

  Reply Rank(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    std::vector<std::string> order = ReadKeyList(reader, "order");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, plan.Rank(actor, episode, order), PlanOverviewJson);
  }

  Reply RateGoal(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto rating = reader.RequiredInt("rating");
    if (rating && (*rating < 0 || *rating > 10)) {
      reader.AddError("rating", "must be a whole number from 0 to 10");
    }
    auto note = reader.OptionalString("note", 2000);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201,
                   plan.RateGoal(actor, episode, std::string(request.Param("key")),
                                 static_cast<int>(*rating), note.value_or("")),
                   PlanOverviewJson);
  }

  Reply TickHomework(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const Json* done = reader.Required("done");
    if (done != nullptr && !done->is_boolean()) {
      reader.AddError("done", "must be true or false");
    }
    const std::string note = reader.OptionalString("note", kMaxCheckInNote).value_or("");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200,
                   plan.TickHomework(actor, episode, std::string(request.Param("key")),
                                     done->get<bool>(), note),
                   PlanOverviewJson);
  }

  Reply ListThoughtRecords(const HttpRequest&, const Actor& actor, EpisodeId episode) const {
    auto list = plan.ThoughtRecords(actor, episode);
    if (!list) return ErrorReply(list.error());
    Json out = Json::array();
    for (const ThoughtRecordView& r : *list) out.push_back(ThoughtRecordViewJson(r));
    return HttpResponse::JsonBody(200, out);
  }

  // The body is the record itself; the domain reads it (and names unknown members).
  Reply AddThoughtRecord(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    return Respond(201, plan.AddThoughtRecord(actor, episode, *body), ThoughtRecordViewJson);
  }

  Reply Review(const HttpRequest& request, const Actor& actor, EpisodeId episode) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    ReviewInput input;
    auto notes = reader.RequiredString("notes", 4000);
    auto changes = reader.OptionalString("changes", 4000);
    input.gas_levels = ReadGasLevels(reader);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    input.notes = *notes;
    input.changes = changes.value_or("");
    return Respond(201, plan.Review(actor, episode, input), PlanOverviewJson);
  }
};

void AddActivityRoutes(Router& router, AuthService& auth, PlanService& plan) {
  using H = ActivityHandlers;
  const H h{plan};
  router.Add("POST", Path("/problems"), IdRoute(auth, Bind(h, &H::AddProblem)));
  router.Add("PATCH", Path("/problems/{key}"), IdRoute(auth, Bind(h, &H::UpdateProblem)));
  router.Add("PUT", Path("/ranking"), IdRoute(auth, Bind(h, &H::Rank)));
  router.Add("POST", Path("/goals/{key}/ratings"), IdRoute(auth, Bind(h, &H::RateGoal)));
  router.Add("PUT", Path("/homework/{key}"), IdRoute(auth, Bind(h, &H::TickHomework)));
  router.Add("GET", Path("/thought-records"), IdRoute(auth, Bind(h, &H::ListThoughtRecords)));
  router.Add("POST", Path("/thought-records"), IdRoute(auth, Bind(h, &H::AddThoughtRecord)));
  router.Add("POST", Path("/reviews"), IdRoute(auth, Bind(h, &H::Review)));
}

}  // namespace

Json PlanVersionJson(const PlanVersionView& view) {
  Json out = VersionSummaryJson(view.version);
  out["content"] = PlanContentToJson(view.content);
  Json signatures = Json::array();
  for (const SignatureView& s : view.signatures) {
    signatures.push_back(
        {{"role", std::string(ToString(s.signature.role))},
         {"user_id", s.signature.user_id},
         {"name", s.name},
         {"signed_at", FormatIso8601(s.signature.signed_at)},
         {"content_hash", s.signature.content_hash},
         {"account_link_handed_over_by",
          s.account_link_handed_over_by ? Json(*s.account_link_handed_over_by) : Json(nullptr)}});
  }
  out["signatures"] = std::move(signatures);
  out["guardian_filtered"] = view.guardian_filtered;
  return out;
}

namespace {

// {"check_ins": 3, "done": 2, "rate": 0.667 | null}
Json CompletionJson(const HomeworkCompletion& c) {
  return {{"check_ins", c.check_ins}, {"done", c.done}, {"rate", OptionalNumber(c.rate)}};
}

}  // namespace

Json PlanOverviewJson(const PlanOverview& o) {
  Json versions = Json::array();
  for (const PlanVersion& v : o.versions) versions.push_back(VersionSummaryJson(v));
  Json goals = Json::array();
  for (const GoalView& g : o.goals) goals.push_back(GoalViewJson(g));
  Json homework = Json::array();
  for (const HomeworkView& h : o.homework) {
    homework.push_back({{"key", h.homework.key},
                        {"goal_key", h.goal_key},
                        {"description", h.homework.description},
                        {"due_date", h.homework.due_date},
                        {"caregiver_support", h.homework.caregiver_support},
                        {"done", h.done},
                        {"by_client", CompletionJson(h.by_client)},
                        {"by_caregivers", CompletionJson(h.by_caregivers)},
                        {"last_check_in_at", OptionalTime(h.last_check_in_at)},
                        {"may_check_in", h.may_check_in}});
  }
  // The review clock only runs once a version is agreed; before that there is no date to show.
  const bool reviewable = o.agreed_number.has_value();
  Json review = {{"due", reviewable && o.review.due},
                 {"due_at", reviewable ? Json(FormatIso8601(o.review.due_at)) : Json(nullptr)},
                 {"sessions_since", o.review.sessions_since},
                 {"reason", reviewable ? o.review.reason : std::string()}};
  return {{"episode_id", o.episode_id},
          {"client", {{"id", o.client_id}, {"name", o.client_name}}},
          {"therapist", {{"id", o.therapist_id}, {"name", o.therapist_name}}},
          {"guardian_view", o.guardian_view},
          {"may_edit", o.may_edit},
          {"may_accept", o.may_accept},
          {"versions", std::move(versions)},
          {"agreed_number", o.agreed_number ? Json(*o.agreed_number) : Json(nullptr)},
          {"open_number", o.open_number ? Json(*o.open_number) : Json(nullptr)},
          {"current", o.current ? PlanVersionJson(*o.current) : Json(nullptr)},
          {"rankings",
           {{"client", KeysJson(o.client_ranking)}, {"therapist", KeysJson(o.therapist_ranking)}}},
          {"consensus", ConsensusJson(o.consensus)},
          {"goals", std::move(goals)},
          {"homework", std::move(homework)},
          {"gas_t_score", OptionalNumber(o.gas_t_score)},
          {"review", std::move(review)},
          {"last_review_at", OptionalTime(o.last_review_at)},
          {"thought_records", o.thought_records},
          {"homework_completion", CompletionJson(o.homework_completion)}};
}

void AddPlanRoutes(Router& router, AuthService& auth, PlanService& plan) {
  AddVersionRoutes(router, auth, plan);
  AddActivityRoutes(router, auth, plan);
}

}  // namespace rapport
