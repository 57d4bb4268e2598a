#include "service/plan_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

#include "core/text.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/tell.h"

namespace rapport {

namespace {

constexpr std::size_t kMaxCommentLength = 4000;
constexpr std::size_t kMaxRatingNoteLength = 2000;
constexpr std::size_t kMaxReviewTextLength = 4000;

using audit::Id;

Error FieldProblem(std::string field, std::string message) {
  return Error::Field(std::move(field), std::move(message));
}

// A forbidden field, named so that the form can show where.
Error DeniedField(std::string field, std::string message) {
  Error error = Error::PermissionDenied(message);
  error.fields.push_back(FieldError{std::move(field), std::move(message)});
  return error;
}

bool IsOpen(PlanVersionStatus status) {
  return status == PlanVersionStatus::kDraft || status == PlanVersionStatus::kProposed;
}

const PlanVersion* Newest(const std::vector<PlanVersion>& versions) {
  const PlanVersion* newest = nullptr;
  for (const PlanVersion& v : versions) {
    if (newest == nullptr || v.number > newest->number) newest = &v;
  }
  return newest;
}

const PlanVersion* Agreed(const std::vector<PlanVersion>& versions) {
  for (const PlanVersion& v : versions) {
    if (v.status == PlanVersionStatus::kAgreed) return &v;
  }
  return nullptr;
}

// The version the plan's goals, ratings and ticks refer to: the one in force, else the newest.
const PlanVersion* Current(const std::vector<PlanVersion>& versions) {
  const PlanVersion* agreed = Agreed(versions);
  return agreed != nullptr ? agreed : Newest(versions);
}

// The open version (draft or proposal) that blocks a second one, if any.
const PlanVersion* Open(const std::vector<PlanVersion>& versions) {
  for (const PlanVersion& v : versions) {
    if (IsOpen(v.status)) return &v;
  }
  return nullptr;
}

PlanVersion* Find(std::vector<PlanVersion>& versions, int number) {
  for (PlanVersion& v : versions) {
    if (v.number == number) return &v;
  }
  return nullptr;
}

Error NoSuchVersion(int number) {
  return Error::NotFound(fmt::format("This plan has no version {}.", number));
}

Error OpenVersionError(const PlanVersion& open) {
  if (open.status == PlanVersionStatus::kDraft) {
    return Error::FailedPrecondition(
        fmt::format("Version {} is still a draft: change that one instead.", open.number));
  }
  return Error::FailedPrecondition(fmt::format(
      "Version {} is waiting for the client's decision: it has to be accepted, sent back or "
      "declined first.",
      open.number));
}

}  // namespace

Result<PlanContent> StoredContentOf(const PlanVersion& version) {
  auto json = ParseJson(version.content_json);
  if (!json) {
    return Fail(Error::Internal(fmt::format("Stored plan version {} is not JSON: {}",
                                            version.number, json.error().message)));
  }
  auto content = ParseStoredPlanContent(*json);
  if (!content) {
    return Fail(Error::Internal(fmt::format("Stored plan version {} no longer reads: {}",
                                            version.number, content.error().message)));
  }
  return std::move(*content);
}

namespace {

Result<std::vector<PlanContent>> ContentsOf(const std::vector<PlanVersion>& versions,
                                            std::optional<int> except = std::nullopt) {
  std::vector<PlanContent> out;
  out.reserve(versions.size());
  for (const PlanVersion& v : versions) {
    if (except && v.number == *except) continue;
    RAPPORT_ASSIGN_OR_RETURN(PlanContent c, StoredContentOf(v));
    out.push_back(std::move(c));
  }
  return out;
}

// Empties the sections the plan does not share with guardians, and takes out the young person's
// confidential items but those disclosed to this guardian for safety. True when any was withheld.
bool FilterForGuardian(PlanContent& content, const std::set<std::string>& disclosed) {
  const bool confidential = WithholdConfidential(content, disclosed);
  const GuardianSharing sharing = content.guardian;
  if (!sharing.problems) {
    content.problems.clear();
    content.agreed_order.clear();
  }
  if (!sharing.goals) content.goals.clear();
  if (!sharing.homework) {
    for (Goal& g : content.goals) {
      g.interventions.clear();
      g.homework.clear();
    }
  }
  return confidential || !sharing.problems || !sharing.goals || !sharing.homework;
}

// Who the actor is to this episode's plan.
struct Party {
  Episode episode;
  bool care = false;      // the episode's therapist or a supervisor of theirs
  bool client = false;    // the client themself
  bool guardian = false;  // a linked guardian, with the plan shared with them
  // For a guardian: the confidential items their therapist disclosed to them for safety.
  std::set<std::string> disclosed;
  // The client is a young child (domain/family.h AgeBand::kChild): their plan is in their own
  // words, without the therapist's formulation or a diagnosis code.
  bool young_child = false;
};

Result<Party> PartyOf(Store& store, const Actor& actor, EpisodeId episode_id, Timestamp now) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  Party party;
  RAPPORT_ASSIGN_OR_RETURN(party.episode,
                           RequireEpisode(store, actor, episode_id, ClientAccess::kClinical));
  switch (actor.role) {
    // RequireEpisode admits staff only to their own or a supervisee's episode.
    case Role::kTherapist:
    case Role::kSupervisor: party.care = true; break;
    case Role::kClient: party.client = true; break;
    case Role::kGuardian: party.guardian = true; break;
    case Role::kAdmin: return Fail(NotVisible());
  }
  if (party.client) {
    RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store.GetClinic(party.episode.clinic_id));
    auto profile = store.GetClientProfile(actor.user_id);
    if (!profile && profile.error().code != ErrorCode::kNotFound) return Fail(profile.error());
    party.young_child = profile && AgeBandOf(*profile, now, clinic.settings) == AgeBand::kChild;
  }
  if (party.guardian) {
    RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(store, actor, party.episode.client_id,
                                                   GuardianSection::kPlan, "plan", episode_id));
    RAPPORT_ASSIGN_OR_RETURN(const auto links, store.ListGuardianLinksOfGuardian(actor.user_id));
    RAPPORT_ASSIGN_OR_RETURN(const auto disclosures,
                             store.ListSafetyDisclosuresOfEpisode(episode_id));
    for (const SafetyDisclosure& d : disclosures) {
      const bool theirs = std::any_of(links.begin(), links.end(), [&](const GuardianLink& l) {
        return l.id == d.guardian_link_id && l.child_id == party.episode.client_id;
      });
      if (theirs) party.disclosed.insert(d.item_key);
    }
  }
  return party;
}

// PartyOf for a change: an ended episode's plan is part of the closed record and no longer changes.
Result<Party> WritingPartyOf(Store& store, const Actor& actor, EpisodeId episode_id,
                             Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(Party party, PartyOf(store, actor, episode_id, now));
  if (party.episode.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition(
        "This episode of care has ended, so its plan can be read but no longer changed."));
  }
  return party;
}

Status RequireCare(const Party& party, std::string_view what) {
  if (party.care) return Ok();
  return Fail(Error::PermissionDenied(fmt::format("Only the therapist can {}.", what)));
}

Status RequireClientParty(const Party& party, std::string_view what) {
  if (party.client) return Ok();
  return Fail(Error::PermissionDenied(fmt::format("Only the client can {}.", what)));
}

// The client, or a guardian (Decide checks that the proposal asks for their agreement).
Status RequireAgreeingParty(const Party& party, std::string_view what) {
  if (party.client || party.guardian) return Ok();
  return Fail(Error::PermissionDenied(
      fmt::format("Only the client, or a guardian whose agreement is asked, can {}.", what)));
}

// What of a version's content the party may read. The care team: all. A guardian: only the
// sections the plan shares with them. The client and a guardian see of a draft only its problem
// list, which the client helps to write: the rest is the therapist's working copy until it is
// proposed. True when a guardian's sharing withheld something.
bool FilterForReader(const Party& party, PlanVersionStatus status, PlanContent& content) {
  if (party.care) return false;
  if (party.young_child) {
    for (Problem& p : content.problems) {
      p.formulation.clear();
      p.diagnosis.clear();
    }
  }
  if (status == PlanVersionStatus::kDraft) {
    content.summary.clear();
    content.goals.clear();
  }
  return party.guardian && FilterForGuardian(content, party.disclosed);
}

Result<PlanVersionView> ViewOf(const PlanVersion& version,
                               const std::vector<PlanSignature>& signatures, const Party& party,
                               Names& names) {
  PlanVersionView view;
  view.version = version;
  RAPPORT_ASSIGN_OR_RETURN(view.content, StoredContentOf(version));
  if (!party.care) {
    view.guardian_filtered = FilterForReader(party, version.status, view.content);
    view.version.content_json = PlanContentToJson(view.content).dump();
  }
  // The store lists signatures in the order agreement is built up (therapist, client, guardian).
  for (const PlanSignature& s : signatures) {
    if (s.version_id != version.id) continue;
    RAPPORT_ASSIGN_OR_RETURN(std::string name, names.User(s.user_id));
    SignatureView signed_view{s, std::move(name), std::nullopt};
    if (s.role != SignerRole::kTherapist) {
      RAPPORT_ASSIGN_OR_RETURN(const auto first,
                               names.store().FindFirstAcceptedInvitation(s.user_id));
      if (first && first->delivery == "in_person") {
        signed_view.account_link_handed_over_by = first->created_by;
      }
    }
    view.signatures.push_back(std::move(signed_view));
  }
  return view;
}

Status AuditRead(Store& store, const Actor& actor, Timestamp at, std::string action,
                 std::string record_type, std::string record_id) {
  return store.Write([&](WriteTxn& txn) -> Status {
    return audit::Append(txn, actor, at, action, record_type, record_id);
  });
}

Result<ReviewDue> ReviewOf(Store& store, const Clinic& clinic, const Episode& episode,
                           const PlanVersion& agreed, std::optional<Timestamp> last_review,
                           Timestamp now) {
  Timestamp since = agreed.decided_at.value_or(agreed.updated_at);
  if (last_review) since = std::max(since, *last_review);
  RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(episode.id));
  std::vector<Timestamp> completed;
  for (const Appointment& a : appointments) {
    if (a.status == AppointmentStatus::kCompleted) completed.push_back(a.starts_at);
  }
  ReviewPolicy policy;
  policy.every_sessions = clinic.settings.plan_review_sessions;
  policy.every_days = clinic.settings.plan_review_days;
  return PlanReviewDue(since, completed, now, policy);
}

std::optional<Timestamp> LastReviewAt(const std::vector<PlanEvent>& reviews) {
  std::optional<Timestamp> last;
  for (const PlanEvent& e : reviews) {
    if (e.kind == PlanEventKind::kReview) last = std::max(last.value_or(e.at), e.at);
  }
  return last;
}

PlanVersion Summary(PlanVersion v) {
  v.content_json.clear();
  return v;
}

// A tolerant reader for stored thought records: the goal they name may have left the plan since,
// so they are not validated against the current content again.
ThoughtRecord ThoughtRecordFromStored(const Json& json) {
  ThoughtRecord r;
  if (!json.is_object()) return r;
  const auto text = [&](const char* key) {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const auto feelings = [&](const char* key) {
    std::vector<FeelingRating> out;
    auto it = json.find(key);
    if (it == json.end() || !it->is_array()) return out;
    for (const Json& f : *it) {
      if (!f.is_object()) continue;
      FeelingRating rating;
      if (auto n = f.find("feeling"); n != f.end() && n->is_string()) {
        rating.feeling = n->get<std::string>();
      }
      if (auto i = f.find("intensity"); i != f.end() && i->is_number_integer()) {
        rating.intensity = i->get<int>();
      }
      out.push_back(std::move(rating));
    }
    return out;
  };
  r.goal_key = text("goal_key");
  r.situation = text("situation");
  r.automatic_thoughts = text("automatic_thoughts");
  r.feelings = feelings("feelings");
  r.evidence_for = text("evidence_for");
  r.evidence_against = text("evidence_against");
  r.balanced_thought = text("balanced_thought");
  r.feelings_after = feelings("feelings_after");
  return r;
}

}  // namespace

// --- Dashboard standing ----------------------------------------------------------------------

Result<PlanStanding> PlanStandingOf(Store& store, const Clinic& clinic, const Episode& episode,
                                    Timestamp now) {
  PlanStanding standing;
  RAPPORT_ASSIGN_OR_RETURN(const auto versions, store.ListPlanVersions(episode.id));
  const PlanVersion* newest = Newest(versions);
  if (newest == nullptr) return standing;
  standing.status = std::string(ToString(newest->status));
  const PlanVersion* agreed = Agreed(versions);
  if (agreed == nullptr) return standing;
  RAPPORT_ASSIGN_OR_RETURN(const auto reviews,
                           store.ListPlanEvents(episode.id, PlanEventKind::kReview));
  RAPPORT_ASSIGN_OR_RETURN(standing.review,
                           ReviewOf(store, clinic, episode, *agreed, LastReviewAt(reviews), now));
  return standing;
}

// --- Reading ----------------------------------------------------------------------------------

PlanService::PlanService(Store& store, const Clock& clock, const InstrumentCatalog& catalog)
    : store_(store), clock_(clock), catalog_(catalog) {}

namespace {

// Everything the overview shows, from committed data; audits nothing (callers do).
Result<PlanOverview> BuildOverview(Store& store, const Party& party, Timestamp now) {
  const Episode& episode = party.episode;
  PlanOverview out;
  out.episode_id = episode.id;
  out.client_id = episode.client_id;
  RAPPORT_ASSIGN_OR_RETURN(out.client_name, ClientName(store, episode.client_id));
  out.therapist_id = episode.therapist_id;
  Names names(store);
  RAPPORT_ASSIGN_OR_RETURN(out.therapist_name, names.User(episode.therapist_id));
  out.guardian_view = party.guardian;
  const bool open_episode = episode.status != EpisodeStatus::kEnded;
  out.may_edit = party.care && open_episode;

  RAPPORT_ASSIGN_OR_RETURN(const auto versions, store.ListPlanVersions(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const auto signatures, store.ListPlanSignatures(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const auto events, store.ListPlanEvents(episode.id, std::nullopt));
  const PlanActivity activity = FoldPlanEvents(events);
  for (const PlanVersion& v : versions) out.versions.push_back(Summary(v));
  const PlanVersion* agreed = Agreed(versions);
  if (agreed != nullptr) out.agreed_number = agreed->number;
  if (const PlanVersion* open = Open(versions)) out.open_number = open->number;
  out.last_review_at = activity.last_review_at;

  const PlanVersion* current = Current(versions);
  if (current == nullptr) return out;
  RAPPORT_ASSIGN_OR_RETURN(PlanVersionView view, ViewOf(*current, signatures, party, names));

  const PlanVersion* newest = Newest(versions);
  if (newest->status == PlanVersionStatus::kProposed && (party.client || party.guardian)) {
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent proposed, StoredContentOf(*newest));
    const SignerRole role = party.client ? SignerRole::kClient : SignerRole::kGuardian;
    const bool signed_already = std::any_of(
        signatures.begin(), signatures.end(),
        [&](const PlanSignature& s) { return s.version_id == newest->id && s.role == role; });
    out.may_accept =
        open_episode && !signed_already && (party.client || proposed.guardian.ask_agreement);
  }

  // Rankings speak of problems: a guardian who may not see the problems does not see them.
  if (!party.guardian || view.content.guardian.problems) {
    out.client_ranking = activity.client_ranking;
    out.therapist_ranking = activity.therapist_ranking;
    if (party.guardian) {
      // A ranking names problems; the confidential ones withheld above leave it too.
      const auto withheld = [&](const std::string& key) {
        return view.content.FindProblem(key) == nullptr;
      };
      if (out.client_ranking) std::erase_if(*out.client_ranking, withheld);
      if (out.therapist_ranking) std::erase_if(*out.therapist_ranking, withheld);
    }
    if (out.client_ranking && out.therapist_ranking) {
      out.consensus = GoalConsensus(*out.client_ranking, *out.therapist_ranking);
    }
  }

  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store.ListResponsesOfEpisode(episode.id));
  const PlanContent& content = view.content;
  // Homework check-ins count from when the version in force was agreed.
  const Timestamp since =
      agreed != nullptr ? agreed->decided_at.value_or(agreed->created_at) : current->created_at;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<UserId> guardian_list,
                           store.ListGuardiansOfChild(episode.client_id));
  const std::set<UserId> guardians(guardian_list.begin(), guardian_list.end());
  std::vector<HomeworkCheckIn> all_check_ins;
  std::vector<GasScore> gas;
  for (const Goal& goal : content.goals) {
    GoalView g;
    g.key = goal.key;
    RAPPORT_ASSIGN_OR_RETURN(const Timestamp due, EndOfDate(goal.due_date));
    std::vector<BenchmarkProgress> progress;
    for (const Benchmark& b : goal.benchmarks) {
      BenchmarkProgress p;
      if (b.kind == BenchmarkKind::kQuestionnaire) {
        std::vector<ScorePoint> totals;
        for (const FeedbackResponse& r : responses) {
          if (r.instrument == b.instrument && r.total) {
            totals.push_back(ScorePoint{r.submitted_at, *r.total});
          }
        }
        p = QuestionnaireBenchmarkProgress(b, totals, due, now);
      } else {
        static const std::vector<GasRating> kNone;
        const auto it = activity.gas_levels.find(b.key);
        const auto& levels = it != activity.gas_levels.end() ? it->second : kNone;
        p = GasProgress(b, levels, due, now);
        if (!levels.empty()) gas.push_back(GasScore{levels.back().level, b.weight});
      }
      progress.push_back(p);
      g.benchmarks.push_back(BenchmarkView{goal.key, b, std::move(p)});
    }
    g.achievement = GoalAchievement(progress);
    const auto& order = content.agreed_order;
    if (auto it = std::find(order.begin(), order.end(), goal.problem_key); it != order.end()) {
      g.priority = static_cast<int>(it - order.begin()) + 1;
    }
    if (auto it = activity.self_ratings.find(goal.key); it != activity.self_ratings.end()) {
      g.self_ratings = it->second;
      if (party.guardian) {
        for (SelfRating& r : g.self_ratings) r.note.clear();
      }
    }
    for (const Homework& h : goal.homework) {
      HomeworkView hw;
      hw.goal_key = goal.key;
      hw.homework = h;
      if (auto it = activity.homework_done.find(h.key); it != activity.homework_done.end()) {
        hw.done = it->second;
      }
      if (auto it = activity.homework_check_ins.find(h.key);
          it != activity.homework_check_ins.end()) {
        const auto& check_ins = it->second;
        const auto by_client = [&](UserId by) { return by == episode.client_id; };
        hw.by_client = CompletionOf(check_ins, since, by_client);
        hw.by_caregivers =
            CompletionOf(check_ins, since, [&](UserId by) { return guardians.contains(by); });
        all_check_ins.insert(all_check_ins.end(), check_ins.begin(), check_ins.end());
        if (!check_ins.empty()) hw.last_check_in_at = check_ins.back().at;
      }
      hw.may_check_in = open_episode && (party.care || party.client ||
                                         (party.guardian && !h.caregiver_support.empty()));
      out.homework.push_back(std::move(hw));
    }
    out.goals.push_back(std::move(g));
  }
  out.gas_t_score = GasTScore(gas);
  out.homework_completion = CompletionOf(all_check_ins, since, [](UserId) { return true; });

  if (agreed != nullptr) {
    RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store.GetClinic(episode.clinic_id));
    RAPPORT_ASSIGN_OR_RETURN(
        out.review, ReviewOf(store, clinic, episode, *agreed, activity.last_review_at, now));
  }
  if (!party.guardian) out.thought_records = static_cast<int>(activity.thought_records.size());
  out.current = std::move(view);
  return out;
}

}  // namespace

Result<PlanOverview> PlanService::Overview(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party, PartyOf(store_, actor, episode_id, clock_.Now()));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(AuditRead(store_, actor, now, "plan.read", "episode", Id(episode_id)));
  return BuildOverview(store_, party, now);
}

Result<PlanVersionView> PlanService::GetVersion(const Actor& actor, EpisodeId episode_id,
                                                int number) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party, PartyOf(store_, actor, episode_id, clock_.Now()));
  auto version = store_.GetPlanVersion(episode_id, number);
  if (!version) {
    if (version.error().code == ErrorCode::kNotFound) return Fail(NoSuchVersion(number));
    return Fail(version.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto signatures, store_.ListPlanSignatures(episode_id));
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(PlanVersionView view, ViewOf(*version, signatures, party, names));
  RAPPORT_RETURN_IF_ERROR(
      AuditRead(store_, actor, clock_.Now(), "plan.read", "plan_version", Id(version->id)));
  return view;
}

Result<std::vector<DiffRow>> PlanService::Diff(const Actor& actor, EpisodeId episode_id, int from,
                                               int to) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party, PartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_ASSIGN_OR_RETURN(auto versions, store_.ListPlanVersions(episode_id));
  const PlanVersion* before = Find(versions, from);
  if (before == nullptr) return Fail(NoSuchVersion(from));
  const PlanVersion* after = Find(versions, to);
  if (after == nullptr) return Fail(NoSuchVersion(to));
  RAPPORT_ASSIGN_OR_RETURN(PlanContent a, StoredContentOf(*before));
  RAPPORT_ASSIGN_OR_RETURN(PlanContent b, StoredContentOf(*after));
  FilterForReader(party, before->status, a);
  FilterForReader(party, after->status, b);
  RAPPORT_RETURN_IF_ERROR(
      AuditRead(store_, actor, clock_.Now(), "plan.read", "episode", Id(episode_id)));
  return DiffPlans(a, b);
}

// --- Versions ---------------------------------------------------------------------------------

namespace {

// The result of a write that produced or changed one version: read back after the commit so that
// the answer is what is stored.
Result<PlanVersionView> StoredView(Store& store, const Party& party, int number) {
  RAPPORT_ASSIGN_OR_RETURN(const PlanVersion version,
                           store.GetPlanVersion(party.episode.id, number));
  RAPPORT_ASSIGN_OR_RETURN(const auto signatures, store.ListPlanSignatures(party.episode.id));
  Names names(store);
  return ViewOf(version, signatures, party, names);
}

PlanVersion NewDraft(const Episode& episode, const std::vector<PlanVersion>& versions,
                     const PlanContent& content, UserId by, Timestamp now) {
  PlanVersion draft;
  draft.episode_id = episode.id;
  const PlanVersion* newest = Newest(versions);
  draft.number = newest == nullptr ? 1 : newest->number + 1;
  draft.status = PlanVersionStatus::kDraft;
  draft.content_json = PlanContentToJson(content).dump();
  draft.created_by = by;
  draft.created_at = now;
  draft.updated_at = now;
  return draft;
}

}  // namespace

Result<PlanVersionView> PlanService::StartDraft(const Actor& actor, EpisodeId episode_id,
                                                const std::optional<Json>& content) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireCare(party, "start a new version of the plan"));
  std::optional<PlanContent> given;
  if (content) {
    RAPPORT_ASSIGN_OR_RETURN(given, ParsePlanContent(*content, catalog_));
  }
  const Timestamp now = clock_.Now();
  int number = 0;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(episode_id));
    if (const PlanVersion* open = Open(versions)) return Fail(OpenVersionError(*open));
    RAPPORT_ASSIGN_OR_RETURN(const auto history, ContentsOf(versions));
    PlanContent draft;
    if (given) {
      draft = *given;
    } else if (!history.empty()) {
      draft = history.back();  // versions come by number: the newest is last
    }
    AssignKeys(draft, history);
    const PlanVersion version = NewDraft(party.episode, versions, draft, actor.user_id, now);
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn.InsertPlanVersion(version));
    number = version.number;
    return audit::Append(txn, actor, now, "plan.draft", "plan_version", Id(id));
  }));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::SaveDraft(const Actor& actor, EpisodeId episode_id, int number,
                                               const Json& content) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireCare(party, "change the plan"));
  RAPPORT_ASSIGN_OR_RETURN(const PlanContent given, ParsePlanContent(content, catalog_));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto versions, txn.ListPlanVersions(episode_id));
    PlanVersion* version = Find(versions, number);
    if (version == nullptr) return Fail(NoSuchVersion(number));
    if (version->status != PlanVersionStatus::kDraft) {
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} is {}: only a draft can change. Start a new draft instead.",
                      number, ToString(version->status))));
    }
    RAPPORT_ASSIGN_OR_RETURN(const auto history, ContentsOf(versions, number));
    PlanContent draft = given;
    AssignKeys(draft, history);
    version->content_json = PlanContentToJson(draft).dump();
    version->updated_at = now;
    RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(*version));
    return audit::Append(txn, actor, now, "plan.save", "plan_version", Id(version->id));
  }));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::Propose(const Actor& actor, EpisodeId episode_id, int number) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireCare(party, "propose the plan"));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto versions, txn.ListPlanVersions(episode_id));
    PlanVersion* version = Find(versions, number);
    if (version == nullptr) return Fail(NoSuchVersion(number));
    RAPPORT_ASSIGN_OR_RETURN(version->status,
                             NextStatus(version->status, PlanAction::kPropose, number));
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*version));
    std::vector<FieldError> missing;
    if (content.problems.empty()) {
      missing.push_back(FieldError{"problems", "add at least one problem before proposing"});
    }
    if (content.goals.empty()) {
      missing.push_back(FieldError{"goals", "add at least one goal before proposing"});
    }
    if (!missing.empty()) {
      return Fail(Error::InvalidArgument("The plan is not complete enough to propose.",
                                         std::move(missing)));
    }
    // The text signed is exactly the canonical form the hash is made over.
    version->content_json = PlanContentToJson(content).dump();
    version->content_hash = PlanContentHash(content);
    version->proposed_at = now;
    version->updated_at = now;
    RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(*version));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(PlanSignature{
        version->id, SignerRole::kTherapist, actor.user_id, now, version->content_hash}));
    // The proposal goes to the client; they need not happen to sign in to find it.
    RAPPORT_ASSIGN_OR_RETURN(const Episode episode, txn.GetEpisode(episode_id));
    RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
    RAPPORT_ASSIGN_OR_RETURN(const User therapist, txn.GetUser(episode.therapist_id));
    if (client.active) {
      RAPPORT_RETURN_IF_ERROR(Tell(
          txn, client,
          Message{"plan_proposal", fmt::format("plan_proposal:version={}", version->id),
                  "Rapport: your plan is ready to read",
                  fmt::format("{} has written up the plan you talked about, for you to read and, "
                              "if it feels right, agree to. Sign in to Rapport and open "
                              "\"My plan\".",
                              therapist.display_name),
                  Json{{"type", "plan_proposal"},
                       {"episode_id", episode_id},
                       {"number", version->number}}},
          now));
    }
    return audit::Append(txn, actor, now, "plan.propose", "plan_version", Id(version->id));
  }));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::Accept(const Actor& actor, EpisodeId episode_id, int number) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  if (!party.client && !party.guardian) {
    return Fail(Error::PermissionDenied("Only the client can accept the plan."));
  }
  const SignerRole role = party.client ? SignerRole::kClient : SignerRole::kGuardian;
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto versions, txn.ListPlanVersions(episode_id));
    PlanVersion* version = Find(versions, number);
    if (version == nullptr) return Fail(NoSuchVersion(number));
    RAPPORT_RETURN_IF_ERROR(CheckLatestProposal(versions, number));
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*version));
    const bool guardian_asked = content.guardian.ask_agreement;
    if (party.guardian && !guardian_asked) {
      return Fail(Error::PermissionDenied("This plan does not ask for a guardian's agreement."));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto signatures, txn.ListPlanSignatures(episode_id));
    std::erase_if(signatures, [&](const PlanSignature& s) { return s.version_id != version->id; });
    if (std::any_of(signatures.begin(), signatures.end(),
                    [&](const PlanSignature& s) { return s.role == role; })) {
      return Fail(Error::FailedPrecondition(
          fmt::format("Version {} has already been accepted by the {}.", number, ToString(role))));
    }
    const PlanSignature signature{version->id, role, actor.user_id, now, version->content_hash};
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(signature));
    signatures.push_back(signature);
    if (AgreementComplete(signatures, version->content_hash, guardian_asked)) {
      for (PlanVersion& v : versions) {
        if (v.status != PlanVersionStatus::kAgreed) continue;
        RAPPORT_ASSIGN_OR_RETURN(v.status, NextStatus(v.status, PlanAction::kSupersede, v.number));
        v.updated_at = now;
        RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(v));
      }
      RAPPORT_ASSIGN_OR_RETURN(version->status,
                               NextStatus(version->status, PlanAction::kAccept, number));
      version->decided_at = now;
      version->updated_at = now;
      RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(*version));
    }
    return audit::Append(txn, actor, now, "plan.accept", "plan_version", Id(version->id));
  }));
  return StoredView(store_, party, number);
}

namespace {

// What request-changes, decline and withdraw share: the latest proposal is decided, with the
// comment of the client (or of a guardian whose agreement it asks) when there is one.
Status Decide(Store& store, const Actor& actor, const Party& party, int number, PlanAction action,
              const std::string& comment, Timestamp now) {
  const std::string audit_action = fmt::format("plan.{}", ToString(action));
  return store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto versions, txn.ListPlanVersions(party.episode.id));
    PlanVersion* version = Find(versions, number);
    if (version == nullptr) return Fail(NoSuchVersion(number));
    RAPPORT_RETURN_IF_ERROR(CheckLatestProposal(versions, number));
    if (party.guardian) {
      RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*version));
      if (!content.guardian.ask_agreement) {
        return Fail(Error::PermissionDenied("This plan does not ask for a guardian's agreement."));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(version->status, NextStatus(version->status, action, number));
    version->decided_at = now;
    version->updated_at = now;
    version->client_comment = comment;
    version->decided_by = party.care ? 0 : actor.user_id;
    RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(*version));
    return audit::Append(txn, actor, now, audit_action, "plan_version", Id(version->id));
  });
}

Result<std::string> CheckedComment(const std::string& raw, bool required) {
  std::string comment(Trim(raw));
  if (required && comment.empty()) {
    return Fail(FieldProblem("comment", "say what you would like changed"));
  }
  if (comment.size() > kMaxCommentLength) return Fail(FieldProblem("comment", "is too long"));
  if (!IsCleanUtf8(comment)) return Fail(FieldProblem("comment", "is not valid text"));
  return comment;
}

}  // namespace

Result<PlanVersionView> PlanService::RequestChanges(const Actor& actor, EpisodeId episode_id,
                                                    int number, const std::string& comment) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireAgreeingParty(party, "ask for changes to the plan"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string text, CheckedComment(comment, true));
  RAPPORT_RETURN_IF_ERROR(
      Decide(store_, actor, party, number, PlanAction::kRequestChanges, text, clock_.Now()));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::Decline(const Actor& actor, EpisodeId episode_id, int number,
                                             const std::string& comment) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireAgreeingParty(party, "decline the plan"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string text, CheckedComment(comment, false));
  RAPPORT_RETURN_IF_ERROR(
      Decide(store_, actor, party, number, PlanAction::kDecline, text, clock_.Now()));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::Withdraw(const Actor& actor, EpisodeId episode_id,
                                              int number) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireCare(party, "withdraw a proposal"));
  RAPPORT_RETURN_IF_ERROR(
      Decide(store_, actor, party, number, PlanAction::kWithdraw, "", clock_.Now()));
  return StoredView(store_, party, number);
}

// --- Problems ---------------------------------------------------------------------------------

namespace {

// Runs `edit` on the content of the open draft, starting one (a copy of the newest version)
// when none is open, and stores it with its audit entry. Returns the draft's number.
Result<int> ChangeDraft(
    Store& store, const Actor& actor, const Party& party, Timestamp now,
    const std::function<Status(PlanContent&, const std::vector<PlanContent>&)>& edit) {
  // The edited content must read back as a plan (at most 50 problems, ...), as a whole version
  // sent at once must: anything else is refused before it is stored, where it could no longer be
  // read.
  const auto change = [&](PlanContent& content, const std::vector<PlanContent>& history) -> Status {
    RAPPORT_RETURN_IF_ERROR(edit(content, history));
    auto readable = ParseStoredPlanContent(PlanContentToJson(content));
    if (!readable) return Fail(std::move(readable).error());
    return Ok();
  };
  int number = 0;
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto versions, txn.ListPlanVersions(party.episode.id));
    const PlanVersion* open = Open(versions);
    if (open != nullptr && open->status == PlanVersionStatus::kProposed) {
      return Fail(OpenVersionError(*open));
    }
    RAPPORT_ASSIGN_OR_RETURN(
        const auto history,
        ContentsOf(versions, open != nullptr ? std::optional<int>(open->number) : std::nullopt));
    if (open != nullptr) {
      PlanVersion draft = *open;
      RAPPORT_ASSIGN_OR_RETURN(PlanContent content, StoredContentOf(draft));
      RAPPORT_RETURN_IF_ERROR(change(content, history));
      draft.content_json = PlanContentToJson(content).dump();
      draft.updated_at = now;
      RAPPORT_RETURN_IF_ERROR(txn.UpdatePlanVersion(draft));
      number = draft.number;
      return audit::Append(txn, actor, now, "plan.problem", "plan_version", Id(draft.id));
    }
    PlanContent content = history.empty() ? PlanContent{} : history.back();
    RAPPORT_RETURN_IF_ERROR(change(content, history));
    const PlanVersion draft = NewDraft(party.episode, versions, content, actor.user_id, now);
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn.InsertPlanVersion(draft));
    number = draft.number;
    return audit::Append(txn, actor, now, "plan.problem", "plan_version", Id(id));
  }));
  return number;
}

// The checks a client's problem edit gets before anything is read: only their own words.
Status ClientMayEdit(const ProblemEdit& edit) {
  const auto denied = [](const char* field) {
    return Fail(DeniedField(field, "only the therapist can change this"));
  };
  if (edit.formulation) return denied("formulation");
  if (edit.diagnosis) return denied("diagnosis");
  if (edit.status) return denied("status");
  return Ok();
}

}  // namespace

Result<PlanVersionView> PlanService::AddProblem(const Actor& actor, EpisodeId episode_id,
                                                const ProblemEdit& problem) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  if (!party.care && !party.client) {
    return Fail(Error::PermissionDenied("A guardian's view of the plan is read-only."));
  }
  if (party.client) RAPPORT_RETURN_IF_ERROR(ClientMayEdit(problem));
  if (!problem.client_words || Trim(*problem.client_words).empty()) {
    return Fail(FieldProblem("client_words", "describe the problem in the client's own words"));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      const int number,
      ChangeDraft(store_, actor, party, clock_.Now(),
                  [&](PlanContent& content, const std::vector<PlanContent>& history) -> Status {
                    Problem added;
                    added.client_words = *problem.client_words;
                    content.problems.push_back(added);
                    AssignKeys(content, history);
                    const std::string key = content.problems.back().key;
                    return ApplyProblemEdit(content, key, problem, party.client);
                  }));
  return StoredView(store_, party, number);
}

Result<PlanVersionView> PlanService::EditProblem(const Actor& actor, EpisodeId episode_id,
                                                 const std::string& key, const ProblemEdit& edit) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  if (!party.care && !party.client) {
    return Fail(Error::PermissionDenied("A guardian's view of the plan is read-only."));
  }
  if (party.client) RAPPORT_RETURN_IF_ERROR(ClientMayEdit(edit));
  RAPPORT_ASSIGN_OR_RETURN(
      const int number,
      ChangeDraft(store_, actor, party, clock_.Now(),
                  [&](PlanContent& content, const std::vector<PlanContent>&) -> Status {
                    return ApplyProblemEdit(content, key, edit, party.client);
                  }));
  return StoredView(store_, party, number);
}

// --- Events -----------------------------------------------------------------------------------

namespace {

PlanEvent EventOf(const Party& party, const Actor& actor, PlanEventKind kind, std::string subject,
                  const Json& payload, Timestamp now) {
  PlanEvent e;
  e.episode_id = party.episode.id;
  e.kind = kind;
  e.subject = std::move(subject);
  e.payload_json = payload.dump();
  e.actor_id = actor.user_id;
  e.at = now;
  return e;
}

// The content of the version events refer to, read inside the write.
Result<PlanContent> CurrentContent(WriteTxn& txn, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(episode_id));
  const PlanVersion* current = Current(versions);
  if (current == nullptr) {
    return Fail(Error::FailedPrecondition("This episode has no plan yet."));
  }
  return StoredContentOf(*current);
}

}  // namespace

Result<PlanOverview> PlanService::Rank(const Actor& actor, EpisodeId episode_id,
                                       const std::vector<std::string>& order) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  if (!party.care && !party.client) {
    return Fail(Error::PermissionDenied("A guardian's view of the plan is read-only."));
  }
  const std::string subject = party.client ? "client" : "therapist";
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    // Rankings are of the problem list being worked on: the newest version's.
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(episode_id));
    const PlanVersion* newest = Newest(versions);
    if (newest == nullptr) return Fail(Error::FailedPrecondition("This episode has no plan yet."));
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*newest));
    RAPPORT_RETURN_IF_ERROR(ValidateRanking(content, order));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanEvent(
        EventOf(party, actor, PlanEventKind::kRanking, subject, Json{{"order", order}}, now)));
    return audit::Append(txn, actor, now, "plan.rank", "episode", Id(episode_id));
  }));
  return BuildOverview(store_, party, now);
}

Result<PlanOverview> PlanService::RateGoal(const Actor& actor, EpisodeId episode_id,
                                           const std::string& goal_key, int rating,
                                           const std::string& note) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireClientParty(party, "rate their progress"));
  if (rating < 0 || rating > 10) return Fail(FieldProblem("rating", "must be 0 to 10"));
  const std::string text(Trim(note));
  if (text.size() > kMaxRatingNoteLength) return Fail(FieldProblem("note", "is too long"));
  if (!IsCleanUtf8(text)) return Fail(FieldProblem("note", "is not valid text"));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, CurrentContent(txn, episode_id));
    if (content.FindGoal(goal_key) == nullptr) {
      return Fail(Error::NotFound(fmt::format("The plan has no goal {}.", goal_key)));
    }
    RAPPORT_RETURN_IF_ERROR(
        txn.InsertPlanEvent(EventOf(party, actor, PlanEventKind::kSelfRating, goal_key,
                                    Json{{"rating", rating}, {"note", text}}, now)));
    return audit::Append(txn, actor, now, "plan.rate", "episode", Id(episode_id));
  }));
  return BuildOverview(store_, party, now);
}

Result<PlanOverview> PlanService::TickHomework(const Actor& actor, EpisodeId episode_id,
                                               const std::string& homework_key, bool done,
                                               const std::string& note) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  const std::string text(Trim(note));
  if (text.size() > kMaxCheckInNote) {
    return Fail(Error::Field("note", fmt::format("must be at most {} bytes", kMaxCheckInNote)));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(PlanContent content, CurrentContent(txn, episode_id));
    // A guardian checks in only on what they see of the plan, and only on homework planned with
    // them: the rest is the young person's own.
    if (party.guardian) FilterForGuardian(content, party.disclosed);
    const Homework* homework = content.FindHomework(homework_key);
    if (homework == nullptr) {
      return Fail(Error::NotFound(fmt::format("The plan has no homework {}.", homework_key)));
    }
    if (party.guardian && homework->caregiver_support.empty()) {
      return Fail(Error::PermissionDenied(
          "This homework is the young person's own; parents and carers check in on the homework "
          "planned with them."));
    }
    Json payload{{"done", done}};
    if (!text.empty()) payload["note"] = text;
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanEvent(
        EventOf(party, actor, PlanEventKind::kHomework, homework_key, payload, now)));
    return audit::Append(txn, actor, now, "plan.homework", "episode", Id(episode_id));
  }));
  return BuildOverview(store_, party, now);
}

Result<ThoughtRecordView> PlanService::AddThoughtRecord(const Actor& actor, EpisodeId episode_id,
                                                        const Json& record) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireClientParty(party, "write a thought record"));
  const Timestamp now = clock_.Now();
  ThoughtRecordView view;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, CurrentContent(txn, episode_id));
    RAPPORT_ASSIGN_OR_RETURN(ThoughtRecord parsed, ParseThoughtRecord(record, content));
    RAPPORT_ASSIGN_OR_RETURN(
        const PlanEventId id,
        txn.InsertPlanEvent(EventOf(party, actor, PlanEventKind::kThoughtRecord, parsed.goal_key,
                                    ThoughtRecordToJson(parsed), now)));
    view = ThoughtRecordView{id, now, actor.user_id, std::move(parsed)};
    return audit::Append(txn, actor, now, "plan.thought_record", "episode", Id(episode_id));
  }));
  return view;
}

Result<std::vector<ThoughtRecordView>> PlanService::ThoughtRecords(const Actor& actor,
                                                                   EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party, PartyOf(store_, actor, episode_id, clock_.Now()));
  if (party.guardian) {
    return Fail(
        Error::PermissionDenied("Thought records are private to the client and therapist."));
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto events,
                           store_.ListPlanEvents(episode_id, PlanEventKind::kThoughtRecord));
  std::vector<ThoughtRecordView> out;
  out.reserve(events.size());
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    auto json = ParseJson(it->payload_json);
    out.push_back(ThoughtRecordView{it->id, it->at, it->actor_id,
                                    ThoughtRecordFromStored(json ? *json : Json())});
  }
  RAPPORT_RETURN_IF_ERROR(AuditRead(store_, actor, clock_.Now(), "plan.thought_records.read",
                                    "episode", Id(episode_id)));
  return out;
}

Result<PlanOverview> PlanService::Review(const Actor& actor, EpisodeId episode_id,
                                         const ReviewInput& input) {
  RAPPORT_ASSIGN_OR_RETURN(const Party party,
                           WritingPartyOf(store_, actor, episode_id, clock_.Now()));
  RAPPORT_RETURN_IF_ERROR(RequireCare(party, "record a plan review"));
  const std::string notes(Trim(input.notes));
  const std::string changes(Trim(input.changes));
  std::vector<FieldError> problems;
  if (notes.empty()) problems.push_back(FieldError{"notes", "say what the review discussed"});
  if (notes.size() > kMaxReviewTextLength || !IsCleanUtf8(notes)) {
    problems.push_back(FieldError{"notes", "must be valid text of at most 4000 bytes"});
  }
  if (changes.size() > kMaxReviewTextLength || !IsCleanUtf8(changes)) {
    problems.push_back(FieldError{"changes", "must be valid text of at most 4000 bytes"});
  }
  for (const auto& [key, level] : input.gas_levels) {
    if (level < -2 || level > 2) {
      problems.push_back(FieldError{"gas_levels/" + key, "must be -2 to 2"});
    }
  }
  if (!problems.empty()) {
    return Fail(Error::InvalidArgument("The review is not complete.", std::move(problems)));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(episode_id));
    const PlanVersion* agreed = Agreed(versions);
    if (agreed == nullptr) {
      return Fail(Error::FailedPrecondition(
          "There is no agreed plan to review yet: the client has to accept one first."));
    }
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*agreed));
    std::vector<FieldError> unknown;
    for (const auto& [key, level] : input.gas_levels) {
      const auto [goal, benchmark] = content.FindBenchmark(key);
      if (benchmark == nullptr || benchmark->kind != BenchmarkKind::kGas) {
        unknown.push_back(
            FieldError{"gas_levels/" + key, "is not a goal attainment scale of the agreed plan"});
      }
    }
    if (!unknown.empty()) {
      return Fail(Error::InvalidArgument("The review names unknown scales.", std::move(unknown)));
    }
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanEvent(
        EventOf(party, actor, PlanEventKind::kReview, std::to_string(agreed->number),
                Json{{"notes", notes}, {"changes", changes}}, now)));
    for (const auto& [key, level] : input.gas_levels) {
      RAPPORT_RETURN_IF_ERROR(txn.InsertPlanEvent(
          EventOf(party, actor, PlanEventKind::kGasLevel, key, Json{{"level", level}}, now)));
    }
    return audit::Append(txn, actor, now, "plan.review", "plan_version", Id(agreed->id));
  }));
  return BuildOverview(store_, party, now);
}

// --- Reminders -------------------------------------------------------------------------------

namespace {

constexpr Timestamp kWeekMs = 7LL * 24 * 60 * 60 * 1000;

}  // namespace

Result<int> QueueHomeworkReminders(WriteTxn& txn, Store& store, ClinicId clinic_id, Timestamp now,
                                   const std::string& base_url) {
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store.ListEpisodesOfClinic(clinic_id));
  int queued = 0;
  for (const Episode& episode : episodes) {
    if (episode.status == EpisodeStatus::kEnded) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(episode.id));
    const PlanVersion* agreed = Agreed(versions);
    if (agreed == nullptr) continue;
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*agreed));
    const Timestamp agreed_at = agreed->decided_at.value_or(agreed->created_at);
    // What guardians see of the plan (the shared sections, never a confidential item), and who
    // is reminded: the client, and each guardian the plan is shared with. Read once per episode,
    // when some homework needs a reminder.
    PlanContent seen_by_guardians = content;
    FilterForGuardian(seen_by_guardians, {});
    std::optional<PlanActivity> activity;
    std::optional<User> client;
    std::vector<User> plan_readers;
    for (const Goal& goal : content.goals) {
      for (const Homework& h : goal.homework) {
        if (h.caregiver_support.empty()) continue;
        RAPPORT_ASSIGN_OR_RETURN(const Timestamp due, EndOfDate(h.due_date));
        if (due < now) continue;
        if (!activity) {
          RAPPORT_ASSIGN_OR_RETURN(const auto events,
                                   store.ListPlanEvents(episode.id, std::nullopt));
          activity = FoldPlanEvents(events);
          RAPPORT_ASSIGN_OR_RETURN(client, txn.GetUser(episode.client_id));
          RAPPORT_ASSIGN_OR_RETURN(const auto guardians,
                                   store.ListGuardiansOfChild(episode.client_id));
          for (const UserId guardian_id : guardians) {
            RAPPORT_ASSIGN_OR_RETURN(
                const GuardianSections sections,
                GuardianSectionsOf(store, guardian_id, episode.client_id, now));
            if (!Shares(sections, GuardianSection::kPlan)) continue;
            RAPPORT_ASSIGN_OR_RETURN(User guardian, txn.GetUser(guardian_id));
            plan_readers.push_back(std::move(guardian));
          }
        }
        Timestamp last = agreed_at;
        if (auto it = activity->homework_check_ins.find(h.key);
            it != activity->homework_check_ins.end() && !it->second.empty()) {
          last = std::max(last, it->second.back().at);
        }
        if (now - last < kWeekMs) continue;
        // One per week without a check-in: the key names the last check-in and the week since.
        const auto remind = [&](const User& person) -> Result<int> {
          if (!person.active) return 0;
          return Tell(
              txn, person,
              Message{"homework_reminder",
                      fmt::format("homework_reminder:episode={}:{}:to={}:after={}:week={}",
                                  episode.id, h.key, person.id, last, (now - last) / kWeekMs),
                      "Rapport: a reminder about this week's practice",
                      fmt::format("A reminder from your clinic: when you have a moment, say how "
                                  "the practice you planned together is going. It takes a few "
                                  "seconds:\n{}/episodes/{}/plan",
                                  base_url, episode.id),
                      Json{{"type", "homework_reminder"},
                           {"episode_id", episode.id},
                           {"homework", h.key}}},
              now);
        };
        RAPPORT_ASSIGN_OR_RETURN(const int told, remind(*client));
        queued += told;
        // A guardian is reminded only of homework they see.
        if (seen_by_guardians.FindHomework(h.key) == nullptr) continue;
        for (const User& guardian : plan_readers) {
          RAPPORT_ASSIGN_OR_RETURN(const int n, remind(guardian));
          queued += n;
        }
      }
    }
  }
  return queued;
}

}  // namespace rapport
