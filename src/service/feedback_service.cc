#include "service/feedback_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "core/crypto.h"
#include "core/csv.h"
#include "domain/assignments.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/plan_service.h"
#include "service/submission.h"
#include "service/tell.h"

namespace rapport {

namespace {

constexpr int kTrendLength = kKeptTotals;
// A submission reads the series' first total and as many latest ones as any rule compares with.
static_assert(kKeptTotals > kMaxCompareWithLast);
// Expected trajectories come from the clinic's own finished episodes only once this many have a
// first score close to the client's; below that the definition's norm is used.
constexpr std::string_view kFitTalkItem = "fit_talk";

using audit::Id;

Error FieldProblem(std::string field, std::string message) {
  return Error::Field(std::move(field), std::move(message));
}

bool IsStaff(const Actor& actor) {
  return !actor.system && (actor.role == Role::kTherapist || actor.role == Role::kSupervisor);
}

QuestionnaireSummary SummaryOf(const Instrument& instrument) {
  const Scale& total = instrument.TotalScale();
  QuestionnaireSummary s;
  s.code = instrument.code;
  s.title = instrument.title;
  s.plain_title = instrument.PlainTitle();
  s.version = instrument.version;
  s.purpose = instrument.purpose;
  s.min = total.min_score;
  s.max = total.max_score;
  s.cutoff = total.cutoff;
  s.direction = total.direction;
  if (auto change = ComputeChange(total, total.min_score, total.min_score)) {
    s.reliable_threshold = change->reliable_threshold;
  }
  return s;
}

// The scale scores of a stored response, with bands recomputed from the definition.
std::vector<ScaleScore> SubscalesOf(const Instrument& instrument, const FeedbackResponse& r) {
  std::vector<ScaleScore> out;
  auto parsed = ParseJson(r.scales_json);
  if (!parsed || !parsed->is_object()) return out;
  for (const Scale& scale : instrument.scales) {
    if (scale.id == instrument.total_scale) continue;
    ScaleScore s;
    s.id = scale.id;
    auto it = parsed->find(scale.id);
    if (it != parsed->end() && it->is_number()) {
      s.score = it->get<double>();
      if (const Band* band = scale.BandFor(*s.score)) s.band = band->label;
      s.clinical = scale.IsClinical(*s.score);
    }
    out.push_back(std::move(s));
  }
  return out;
}

ResponseSummary SummaryOf(const FeedbackResponse& r) {
  return ResponseSummary{
      r.id,           r.instrument,    r.instrument_version, r.respondent, r.appointment_id,
      r.submitted_at, r.session_number};
}

std::string Number(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{:.2f}", value);
}

// How an outcome questionnaire's answers have moved, as a client would put it.
enum class Trend {
  kNotYet,
  kStart,
  kRecovered,
  kImproved,
  kUnchanged,
  kDeteriorated,
  kLittleBetter
};

Trend TrendOf(const Instrument& instrument, const QuestionnaireProgress& p) {
  std::vector<double> totals;
  for (const ProgressPoint& point : p.points) {
    if (point.total) totals.push_back(*point.total);
  }
  if (totals.empty()) return Trend::kNotYet;
  if (totals.size() == 1) return Trend::kStart;
  if (p.change) {
    switch (p.change->category) {
      case ChangeCategory::kRecovered: return Trend::kRecovered;
      case ChangeCategory::kImproved: return Trend::kImproved;
      case ChangeCategory::kUnchanged: return Trend::kUnchanged;
      case ChangeCategory::kDeteriorated: return Trend::kDeteriorated;
    }
  }
  const bool better = instrument.TotalScale().direction == Direction::kHigherIsBetter
                          ? totals.back() > totals.front()
                          : totals.back() < totals.front();
  return better ? Trend::kLittleBetter : Trend::kUnchanged;
}

// `subject` is "Your answers" or "Your answers about your mood and worry".
std::string TrendWords(Trend trend, const std::string& subject) {
  switch (trend) {
    case Trend::kNotYet: return "You have not filled this in yet.";
    case Trend::kStart:
      return subject +
             " give your starting point. Filling them in again over the coming sessions "
             "will show how things change.";
    case Trend::kRecovered:
      return subject +
             " have improved a lot since you started, and are now in the range most "
             "people without these difficulties report.";
    case Trend::kImproved: return subject + " have clearly improved since you started.";
    case Trend::kUnchanged:
      return subject +
             " are about the same as when you started. That is worth talking about "
             "with your therapist: together you can look at what might help more.";
    case Trend::kDeteriorated:
      return subject +
             " show things have become harder since you started. Please talk about "
             "this with your therapist; it helps them help you.";
    case Trend::kLittleBetter: return subject + " are a little better than when you started.";
  }
  return {};
}

constexpr std::string_view kRapportThanks =
    "Thank you for telling your therapist how your sessions feel. They read every answer and use "
    "it to make the next session work better for you.";
constexpr std::string_view kFitThanks =
    "Thank you for telling us how the fit with your therapist feels.";

// How one of a client's questionnaires is going, in words a client can read without a scale in
// mind.
std::string PlainWords(const Instrument& instrument, const QuestionnaireProgress& p) {
  const Trend trend = TrendOf(instrument, p);
  if (trend == Trend::kNotYet) return TrendWords(trend, "");
  if (instrument.purpose == Purpose::kRapport) return std::string(kRapportThanks);
  if (instrument.purpose == Purpose::kFit) return std::string(kFitThanks);
  return TrendWords(trend, "Your answers");
}

std::string Lowered(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

}  // namespace

std::string ProgressSummary(const InstrumentCatalog& catalog,
                            const std::vector<QuestionnaireProgress>& questionnaires,
                            bool risk_open, Role reader) {
  if (risk_open && reader == Role::kGuardian) {
    return "Your child's therapist will talk with you about how things are going.";
  }
  if (risk_open) {
    return "You told us recently that things have been very hard, and that matters more than any "
           "score. Your therapist has been alerted and will talk with you about it. If you are "
           "in danger now, the help page says who to call straight away.";
  }
  // Outcome questionnaires that moved the same way share one sentence; the thanks for the
  // session and fit questions are said once.
  std::vector<std::pair<Trend, std::vector<std::string>>> groups;
  bool rapport = false, fit = false;
  for (const QuestionnaireProgress& q : questionnaires) {
    const Instrument* instrument = catalog.Find(q.definition.code);
    if (instrument == nullptr) continue;
    const Trend trend = TrendOf(*instrument, q);
    if (trend == Trend::kNotYet) continue;
    if (instrument->purpose == Purpose::kRapport) {
      rapport = true;
    } else if (instrument->purpose == Purpose::kFit) {
      fit = true;
    } else if (instrument->purpose == Purpose::kOutcome) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& g) { return g.first == trend; });
      if (it == groups.end()) it = groups.insert(groups.end(), {trend, {}});
      it->second.push_back(Lowered(instrument->PlainTitle()));
    }
  }
  std::string out;
  const auto say = [&out](std::string_view sentence) {
    if (!out.empty()) out += ' ';
    out += sentence;
  };
  for (const auto& [trend, titles] : groups) {
    std::string subject = "Your answers about ";
    for (std::size_t i = 0; i < titles.size(); ++i) {
      if (i > 0) subject += i + 1 == titles.size() ? " and " : ", ";
      subject += titles[i];
    }
    say(TrendWords(trend, subject));
  }
  if (rapport) say(kRapportThanks);
  if (fit) say(kFitThanks);
  return out;
}

namespace {

// "id=value;id=value" from a JSON object, in key order.
std::string Pairs(const std::string& json_text) {
  auto parsed = ParseJson(json_text);
  if (!parsed || !parsed->is_object()) return {};
  std::string out;
  for (const auto& [key, value] : parsed->items()) {
    if (!out.empty()) out += ';';
    out += key + '=';
    if (value.is_number()) {
      out += Number(value.get<double>());
    } else if (value.is_string()) {
      out += value.get<std::string>();
    }
  }
  return out;
}

std::string RiskList(const std::string& json_text) {
  auto parsed = ParseJson(json_text);
  if (!parsed || !parsed->is_array()) return {};
  std::string out;
  for (const auto& v : *parsed) {
    if (!v.is_string()) continue;
    if (!out.empty()) out += ';';
    out += v.get<std::string>();
  }
  return out;
}

// Per ended episode, its totals by session number (NaN where none).
std::vector<std::vector<double>> Pool(const std::vector<FeedbackResponse>& responses) {
  std::map<EpisodeId, std::vector<double>> by_episode;
  for (const FeedbackResponse& r : responses) {
    if (!r.total || r.session_number < 0 || r.session_number > 1000) continue;
    auto& totals = by_episode[r.episode_id];
    const auto at = static_cast<std::size_t>(r.session_number);
    if (totals.size() <= at) totals.resize(at + 1, std::numeric_limits<double>::quiet_NaN());
    totals[at] = *r.total;
  }
  std::vector<std::vector<double>> out;
  out.reserve(by_episode.size());
  for (auto& [id, totals] : by_episode) out.push_back(std::move(totals));
  return out;
}

}  // namespace

std::string_view ToString(TrajectorySource source) {
  switch (source) {
    case TrajectorySource::kNone: return "none";
    case TrajectorySource::kClinic: return "clinic";
    case TrajectorySource::kNorm: return "norm";
  }
  return "none";
}

struct FeedbackService::Prepared {
  const Instrument* instrument = nullptr;
  Respondent respondent = Respondent::kClient;
  std::optional<AppointmentId> appointment_id;
  std::string answers_json;
  std::optional<double> fit_talk;
  ScoreResult score;
  std::string client_name;
  // A caregiver's own Rapport Check: the guardian whose earlier answers it is compared with, and
  // how the alert names them ("Elena Haddad (Leo's parent)").
  std::optional<UserId> series_author;
  std::string respondent_label;
  // The clinic's ended episodes of this questionnaire (outcome questionnaires only).
  std::shared_ptr<const std::vector<std::vector<double>>> pool;
};

// Per clinic and questionnaire, the totals of every ended episode: read once, and again only when
// the clinic's ended episodes change (one more ends), instead of on every answer.
class FeedbackService::TrajectoryPools {
 public:
  using Totals = std::vector<std::vector<double>>;

  Result<std::shared_ptr<const Totals>> Get(Store& store, ClinicId clinic_id,
                                            const std::string& instrument) {
    RAPPORT_ASSIGN_OR_RETURN(const auto mark, store.EndedEpisodesMark(clinic_id));
    const auto key = std::make_pair(clinic_id, instrument);
    if (auto kept = Find(key, mark)) return kept;
    // One request reads the clinic's history while the others that need it wait for the result,
    // rather than all reading it at once when an episode has just ended. Other clinics and
    // questionnaires do not wait for it.
    const std::shared_ptr<std::mutex> fill = FillLock(key);
    const std::lock_guard filling(*fill);
    if (auto kept = Find(key, mark)) return kept;
    RAPPORT_ASSIGN_OR_RETURN(const auto ended,
                             store.ListResponsesOfEndedEpisodes(clinic_id, instrument));
    std::shared_ptr<const Totals> pool = std::make_shared<const Totals>(Pool(ended));
    const std::lock_guard lock(mu_);
    kept_[key] = Kept{mark, pool};
    ++built_;
    return pool;
  }

  std::int64_t built() const {
    const std::lock_guard lock(mu_);
    return built_;
  }

 private:
  using Mark = std::pair<std::int64_t, std::int64_t>;
  using Key = std::pair<ClinicId, std::string>;
  struct Kept {
    Mark mark;
    std::shared_ptr<const Totals> pool;
  };

  std::shared_ptr<const Totals> Find(const Key& key, const Mark& mark) const {
    const std::lock_guard lock(mu_);
    auto it = kept_.find(key);
    return it != kept_.end() && it->second.mark == mark ? it->second.pool : nullptr;
  }

  std::shared_ptr<std::mutex> FillLock(const Key& key) {
    const std::lock_guard lock(mu_);
    std::shared_ptr<std::mutex>& fill = filling_[key];
    if (fill == nullptr) fill = std::make_shared<std::mutex>();
    return fill;
  }

  mutable std::mutex mu_;
  std::map<Key, Kept> kept_;  // guarded by mu_
  // Held while that pool is read and computed; taken before mu_. Guarded by mu_.
  std::map<Key, std::shared_ptr<std::mutex>> filling_;
  std::int64_t built_ = 0;  // guarded by mu_
};

std::int64_t FeedbackService::TrajectoryPoolsBuilt() const {
  return pools_->built();
}

FeedbackService::FeedbackService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                                 const AlertRules& rules, FeedbackWiring wiring)
    : store_(store),
      clock_(clock),
      catalog_(catalog),
      rules_(rules),
      wiring_(wiring),
      pools_(std::make_shared<TrajectoryPools>()) {
  for (const AlertRule& rule : rules_.rules) {
    recent_needed_ = std::max(recent_needed_, rule.compare_with_last);
  }
  if (wiring_.notifier.ladder == nullptr) wiring_.notifier.ladder = &ShippedEscalationLadder();
  if (wiring_.crisis == nullptr) wiring_.crisis = &ShippedCrisisDirectory();
}

void FeedbackService::Ring() const {
  if (wiring_.doorbell != nullptr) wiring_.doorbell->Ring();
}

namespace {

std::vector<InstrumentAssignment> AssignmentsOf(EpisodeId episode_id,
                                                const std::vector<StartingQuestionnaire>& set,
                                                Timestamp at) {
  std::vector<InstrumentAssignment> out;
  for (const StartingQuestionnaire& q : set) {
    out.push_back(InstrumentAssignment{episode_id, q.instrument, q.respondent, at, std::nullopt});
  }
  return out;
}

// Whether the client has looked back on an ended course: a Rapport Check of theirs sent after it
// ended.
bool LookedBack(const InstrumentCatalog& catalog, const Episode& episode,
                const std::vector<FeedbackResponse>& responses) {
  if (!episode.ended_at) return false;
  return std::any_of(responses.begin(), responses.end(), [&](const FeedbackResponse& r) {
    const Instrument* i = catalog.Find(r.instrument);
    return i != nullptr && i->purpose == Purpose::kRapport && r.respondent == Respondent::kClient &&
           r.submitted_at > *episode.ended_at;
  });
}

// A guardian's own Rapport Check: how a session they took part in felt to them.
bool IsCaregiverCheck(const Instrument& instrument, Respondent respondent) {
  return instrument.purpose == Purpose::kRapport && respondent == Respondent::kGuardian;
}

// Whether guardian `guardian_id` took part in the session: the therapist invited them into its
// room, or recorded them as there in person.
Result<bool> TookPart(Store& store, AppointmentId appointment_id, UserId guardian_id) {
  RAPPORT_ASSIGN_OR_RETURN(const auto guests, store.ListRoomGuests(appointment_id));
  return std::any_of(guests.begin(), guests.end(),
                     [&](const RoomGuest& g) { return g.guardian_id == guardian_id; });
}

bool AnsweredFor(const std::vector<FeedbackResponse>& responses, const std::string& code,
                 UserId author, AppointmentId appointment_id) {
  return std::any_of(responses.begin(), responses.end(), [&](const FeedbackResponse& r) {
    return r.instrument == code && r.respondent_user_id == author &&
           r.appointment_id == appointment_id;
  });
}

// The latest session held in the kCaregiverCheckWindowMs before `now` that the guardian took part
// in and has not yet answered `code` for.
Result<std::optional<AppointmentId>> CaregiverSessionToAnswer(
    Store& store, const std::string& code, UserId guardian_id,
    const std::vector<Appointment>& appointments, const std::vector<FeedbackResponse>& responses,
    Timestamp now) {
  std::vector<const Appointment*> held;
  for (const Appointment& a : appointments) {
    if (a.status == AppointmentStatus::kCancelled || a.status == AppointmentStatus::kNoShow) {
      continue;
    }
    const Timestamp ended = a.starts_at + a.duration_minutes * 60'000LL;
    if (ended <= now && now - ended <= kCaregiverCheckWindowMs) held.push_back(&a);
  }
  std::sort(held.begin(), held.end(),
            [](const Appointment* a, const Appointment* b) { return a->starts_at > b->starts_at; });
  for (const Appointment* a : held) {
    if (AnsweredFor(responses, code, guardian_id, a->id)) continue;
    RAPPORT_ASSIGN_OR_RETURN(const bool took_part, TookPart(store, a->id, guardian_id));
    if (took_part) return std::optional<AppointmentId>(a->id);
  }
  return std::optional<AppointmentId>();
}

std::string RelationshipWords(GuardianRelationship relationship) {
  switch (relationship) {
    case GuardianRelationship::kParent: return "parent";
    case GuardianRelationship::kStepParent: return "step-parent";
    case GuardianRelationship::kGrandparent: return "grandparent";
    case GuardianRelationship::kFosterCarer: return "foster carer";
    case GuardianRelationship::kOtherRelative: return "relative";
    case GuardianRelationship::kOther: break;
  }
  return "parent or carer";
}

// How the care team knows a guardian: "Elena Haddad (Leo's parent)", by the relationship the care
// team recorded, else "parent or carer".
Result<std::string> CaregiverLabel(Store& store, UserId guardian_id, UserId child_id,
                                   const std::string& child_name) {
  Names names(store);
  RAPPORT_ASSIGN_OR_RETURN(const std::string name, names.User(guardian_id));
  std::string relationship = "parent or carer";
  RAPPORT_ASSIGN_OR_RETURN(const auto links, store.ListGuardianLinksOfChild(child_id));
  for (const GuardianLink& link : links) {
    if (link.guardian_id != guardian_id) continue;
    auto standing = store.GetGuardianStanding(link.id);
    if (standing) {
      relationship = RelationshipWords(standing->relationship);
    } else if (standing.error().code != ErrorCode::kNotFound) {
      return Fail(standing.error());
    }
  }
  return fmt::format("{} ({}'s {})", name, child_name, relationship);
}

}  // namespace

std::vector<InstrumentAssignment> FeedbackService::DefaultAssignments(EpisodeId episode_id,
                                                                      bool minor, Timestamp at) {
  return AssignmentsOf(episode_id, StartingQuestionnairesOf(ShippedStartingQuestionnaires(), minor),
                       at);
}

std::vector<InstrumentAssignment> FeedbackService::DefaultAssignmentsFor(
    EpisodeId episode_id, const ClientProfile& profile, Timestamp at) {
  return AssignmentsOf(episode_id,
                       StartingQuestionnairesFor(ShippedStartingQuestionnaires(), profile, at), at);
}

// --- Submitting -------------------------------------------------------------------------------

Result<FeedbackService::Prepared> FeedbackService::Prepare(const Actor& actor,
                                                           const Episode& episode,
                                                           const SubmitRequest& request) {
  Prepared p;
  RAPPORT_ASSIGN_OR_RETURN(p.respondent, ParseRespondent(request.respondent));
  const Respondent expected = actor.role == Role::kClient     ? Respondent::kClient
                              : actor.role == Role::kGuardian ? Respondent::kGuardian
                                                              : Respondent::kTherapist;
  if (p.respondent != expected) {
    return Fail(
        FieldProblem("respondent", fmt::format("you answer as \"{}\"", ToString(expected))));
  }
  p.instrument = catalog_.Find(request.instrument);
  if (p.instrument == nullptr) {
    return Fail(FieldProblem("instrument", "is not a questionnaire this clinic knows"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto assignments, store_.ListAssignments(episode.id));
  const bool assigned =
      std::any_of(assignments.begin(), assignments.end(), [&](const InstrumentAssignment& a) {
        return a.instrument == p.instrument->code && a.respondent == p.respondent;
      });
  if (!assigned) {
    return Fail(FieldProblem("instrument",
                             fmt::format("is not assigned to this episode for the {} to answer",
                                         ToString(p.respondent))));
  }
  if (episode.status == EpisodeStatus::kEnded) {
    // Once a course has ended the client may look back on it, once, with a last Rapport Check.
    const bool looking_back = p.instrument->purpose == Purpose::kRapport &&
                              p.respondent == Respondent::kClient && !request.appointment_id;
    if (!looking_back) return Fail(Error::FailedPrecondition("This episode of care has ended."));
    RAPPORT_ASSIGN_OR_RETURN(const auto answered, store_.ListResponsesOfEpisode(episode.id));
    if (LookedBack(catalog_, episode, answered)) {
      return Fail(Error::FailedPrecondition(
          "You have already told us how your therapy felt as a whole. Thank you."));
    }
  }
  if (request.appointment_id) {
    auto appointment = store_.GetAppointment(*request.appointment_id);
    if (!appointment && appointment.error().code != ErrorCode::kNotFound) {
      return Fail(appointment.error());
    }
    if (!appointment || appointment->episode_id != episode.id) {
      return Fail(FieldProblem("appointment_id", "is not an appointment of this episode"));
    }
    if (appointment->status == AppointmentStatus::kCancelled ||
        appointment->status == AppointmentStatus::kNoShow) {
      return Fail(FieldProblem("appointment_id", "this appointment did not take place"));
    }
    p.appointment_id = appointment->id;
  }
  RAPPORT_ASSIGN_OR_RETURN(p.client_name, ClientName(store_, episode.client_id));
  if (IsCaregiverCheck(*p.instrument, p.respondent)) {
    // About a session the guardian took part in, once each: the one named, else the latest.
    RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(episode.id));
    if (p.appointment_id) {
      RAPPORT_ASSIGN_OR_RETURN(const bool took_part,
                               TookPart(store_, *p.appointment_id, actor.user_id));
      if (!took_part) {
        return Fail(FieldProblem("appointment_id", "is not a session you took part in"));
      }
      if (AnsweredFor(responses, p.instrument->code, actor.user_id, *p.appointment_id)) {
        return Fail(
            FieldProblem("appointment_id", "you have already said how this session felt to you"));
      }
    } else {
      RAPPORT_ASSIGN_OR_RETURN(const auto appointments,
                               store_.ListAppointmentsOfEpisode(episode.id));
      RAPPORT_ASSIGN_OR_RETURN(p.appointment_id,
                               CaregiverSessionToAnswer(store_, p.instrument->code, actor.user_id,
                                                        appointments, responses, clock_.Now()));
      if (!p.appointment_id) {
        return Fail(FieldProblem("appointment_id",
                                 "these questions are about a session you took part in, and "
                                 "there is none from the last week left to answer"));
      }
    }
    p.series_author = actor.user_id;
    RAPPORT_ASSIGN_OR_RETURN(p.respondent_label, CaregiverLabel(store_, actor.user_id,
                                                                episode.client_id, p.client_name));
  }
  if (!request.answers.is_object()) {
    return Fail(FieldProblem("answers", "must be an object of item ids and answers"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Answers answers, AnswersFromJson(*p.instrument, request.answers));
  RAPPORT_ASSIGN_OR_RETURN(p.score, Score(*p.instrument, answers, Completeness::kRequireRequired));
  p.answers_json = AnswersToJson(answers).dump();
  if (auto it = answers.values.find(std::string(kFitTalkItem)); it != answers.values.end()) {
    p.fit_talk = it->second;
  }
  if (p.instrument->purpose == Purpose::kOutcome) {
    RAPPORT_ASSIGN_OR_RETURN(p.pool, pools_->Get(store_, episode.clinic_id, p.instrument->code));
  }
  return p;
}

namespace {

// When the respondent last answered the questionnaire: an answer given for a session counts from
// that session's start, so that answering before it does not make the same session ask again.
// With `author`, only their answers count (a child's guardians each answer for themselves).
std::optional<Timestamp> LastAnswered(const std::string& code, Respondent respondent,
                                      const std::vector<FeedbackResponse>& responses,
                                      const std::vector<Appointment>& appointments,
                                      std::optional<UserId> author = std::nullopt) {
  std::optional<Timestamp> last;
  for (const FeedbackResponse& r : responses) {
    if (r.instrument != code || r.respondent != respondent) continue;
    if (author && r.respondent_user_id != *author) continue;
    Timestamp when = r.submitted_at;
    if (r.appointment_id) {
      for (const Appointment& a : appointments) {
        if (a.id == *r.appointment_id) when = a.starts_at;
      }
    }
    if (!last || when > *last) last = when;
  }
  return last;
}

// Whether the questionnaire is due for the session at `at`, by its schedule.
bool DueAt(const Schedule& schedule, const std::string& code, Respondent respondent,
           const std::vector<FeedbackResponse>& responses,
           const std::vector<Appointment>& appointments, Timestamp at,
           std::optional<UserId> author = std::nullopt) {
  const std::optional<Timestamp> last =
      LastAnswered(code, respondent, responses, appointments, author);
  int sessions = 0;
  for (const Appointment& a : appointments) {
    if (a.status == AppointmentStatus::kCancelled || a.status == AppointmentStatus::kNoShow) {
      continue;
    }
    if ((!last || a.starts_at > *last) && a.starts_at <= at) ++sessions;
  }
  return IsDue(schedule, last, sessions, at);
}

bool HasRiskAnswer(const std::vector<DraftPart>& parts) {
  return std::any_of(parts.begin(), parts.end(),
                     [](const DraftPart& p) { return !p.score.risk_answers.empty(); });
}

// Sending a questionnaire takes its answers out of the sender's draft; what is left keeps its
// unsent risk only while a risk answer remains in it.
Status ForgetSent(WriteTxn& txn, const InstrumentCatalog& catalog, EpisodeId episode_id,
                  UserId author, const std::string& code) {
  auto draft = txn.GetFeedbackDraft(episode_id, author);
  if (!draft) {
    if (draft.error().code == ErrorCode::kNotFound) return Ok();
    return Fail(draft.error());
  }
  const Json answers = Json::parse(draft->answers_json, nullptr, /*allow_exceptions=*/false);
  if (!answers.is_object()) return txn.DeleteFeedbackDraft(episode_id, author);
  const std::string prefix = code + "/";
  Json rest = Json::object();
  std::vector<std::string> codes;
  for (const auto& [key, value] : answers.items()) {
    if (key.starts_with(prefix)) continue;
    rest[key] = value;
    std::string other = key.substr(0, key.rfind('/'));
    if (std::find(codes.begin(), codes.end(), other) == codes.end()) codes.push_back(other);
  }
  if (rest.empty()) return txn.DeleteFeedbackDraft(episode_id, author);
  draft->answers_json = rest.dump();
  if (draft->risk_since) {
    // A draft that no longer reads (a definition changed) keeps its risk: never lose one.
    auto parts = ReadDraft(catalog, codes, rest);
    if (parts && !HasRiskAnswer(*parts)) {
      draft->risk_since.reset();
      draft->risk_alerted_at.reset();
    }
  }
  return txn.PutFeedbackDraft(*draft);
}

}  // namespace

Result<SubmitResult> FeedbackService::Commit(const Actor& actor, const Episode& episode, Prepared p,
                                             std::optional<FeedbackLinkId> link) {
  const Timestamp now = clock_.Now();
  const Instrument& instrument = *p.instrument;
  SubmitResult result;
  std::vector<FeedbackAlert> stored_alerts;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    stored_alerts.clear();
    // The series is read inside the write so that concurrent submissions number themselves
    // apart; only its count, first total and latest totals, never the whole history.
    RAPPORT_ASSIGN_OR_RETURN(const ResponseSeries series,
                             txn.GetResponseSeries(episode.id, instrument.code, p.respondent,
                                                   std::min(recent_needed_ + 1, kKeptTotals)));
    std::vector<double> previous;
    int session = series.answered;
    if (p.series_author) {
      // Each guardian's own ratings are their own series: one parent's is never compared with
      // the other's.
      RAPPORT_ASSIGN_OR_RETURN(const auto all, txn.ListResponsesOfEpisode(episode.id));
      session = 0;
      for (const FeedbackResponse& r : all) {
        if (r.instrument != instrument.code || r.respondent_user_id != *p.series_author) continue;
        ++session;
        if (r.total) previous.push_back(*r.total);
      }
    } else {
      if (series.first_total &&
          (series.recent.empty() || series.recent.front().id != series.first_id)) {
        previous.push_back(*series.first_total);
      }
      for (const ScoredPoint& point : series.recent) previous.push_back(point.total);
    }
    static const std::vector<std::vector<double>> kNoPool;
    const SubmissionFacts facts = FactsOf(
        instrument, p.score, p.respondent_label.empty() ? p.client_name : p.respondent_label,
        p.fit_talk, previous, session, p.pool ? *p.pool : kNoPool);
    RAPPORT_ASSIGN_OR_RETURN(const auto unresolved,
                             txn.ListUnresolvedAlertsOfInstrument(episode.id, instrument.code));
    std::vector<UnresolvedAlert> kinds;
    kinds.reserve(unresolved.size());
    for (const FeedbackAlert& a : unresolved) {
      kinds.push_back({a.kind, a.state == AlertState::kAcknowledged});
    }
    std::vector<RaisedAlert> raised = WithoutRepeats(EvaluateSubmission(rules_, facts), kinds);
    // A course that has ended raises nothing but a risk alert: nobody acts on the rest any more.
    if (episode.status == EpisodeStatus::kEnded) {
      std::erase_if(raised, [](const RaisedAlert& a) {
        return a.kind != AlertKind::kRisk && a.kind != AlertKind::kRiskUnanswered;
      });
    }

    FeedbackResponse response =
        ResponseRecord({episode.id, p.appointment_id, p.respondent, actor.user_id, now, session},
                       instrument, p.answers_json, p.score);
    RAPPORT_ASSIGN_OR_RETURN(response.id, txn.InsertResponse(response));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, actor, now, "submit", "response", Id(response.id)));
    for (const RaisedAlert& r : raised) {
      FeedbackAlert alert = AlertRecord(r, episode.id, episode.clinic_id, response.id, now);
      RAPPORT_ASSIGN_OR_RETURN(alert.id, txn.InsertAlert(alert));
      RAPPORT_RETURN_IF_ERROR(audit::Append(txn, actor, now, "raise", "alert", Id(alert.id)));
      RAPPORT_RETURN_IF_ERROR(
          NotifyAlertRaised(txn, wiring_.notifier, alert, episode, p.client_name, now));
      stored_alerts.push_back(std::move(alert));
    }
    if (link) RAPPORT_RETURN_IF_ERROR(txn.CountFeedbackLinkUse(*link));
    RAPPORT_RETURN_IF_ERROR(ForgetSent(txn, catalog_, episode.id, actor.user_id, instrument.code));
    result.response = SummaryOf(response);
    result.change = facts.change;
    return Ok();
  });
  RAPPORT_RETURN_IF_ERROR(written);
  if (!stored_alerts.empty()) Ring();
  result.score = std::move(p.score);
  if (!result.score.risk.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(result.crisis, CrisisFor(episode, p.respondent, now));
  }
  if (IsStaff(actor)) {
    for (FeedbackAlert& a : stored_alerts) {
      result.raised.push_back(ViewOfAlert(std::move(a), episode, p.client_name));
    }
  }
  return result;
}

Result<SubmitResult> FeedbackService::SubmitResponse(const Actor& actor, EpisodeId episode_id,
                                                     const SubmitRequest& request) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  // A guardian answers parent-report forms even when the clinic shares no clinical detail.
  const ClientAccess needed =
      actor.role == Role::kGuardian ? ClientAccess::kBasic : ClientAccess::kClinical;
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, needed));
  RAPPORT_ASSIGN_OR_RETURN(Prepared prepared, Prepare(actor, episode, request));
  return Commit(actor, episode, std::move(prepared), std::nullopt);
}

// --- Reading ----------------------------------------------------------------------------------

Result<std::vector<TrajectoryPoint>> FeedbackService::ClinicTrajectory(const Episode& episode,
                                                                       const Instrument& instrument,
                                                                       double baseline,
                                                                       int last_session) {
  RAPPORT_ASSIGN_OR_RETURN(const auto pool,
                           pools_->Get(store_, episode.clinic_id, instrument.code));
  auto similar = ComputeChange(instrument.TotalScale(), baseline, baseline);
  if (!similar) return std::vector<TrajectoryPoint>{};
  return ExpectedTrajectoryFromEpisodes(*pool, baseline, similar->reliable_threshold, last_session,
                                        kMinClinicEpisodes);
}

Result<std::vector<FeedbackAlert>> FeedbackService::MissedFeedback(
    const std::vector<Episode>& episodes, Timestamp now) {
  std::vector<FeedbackAlert> out;
  for (const Episode& episode : episodes) {
    if (episode.status == EpisodeStatus::kEnded) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store_.ListAppointmentsOfEpisode(episode.id));
    RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(episode.id));
    std::vector<const Appointment*> completed;
    for (const Appointment& a : appointments) {
      if (a.status == AppointmentStatus::kCompleted && a.starts_at <= now) completed.push_back(&a);
    }
    // A session counts as having feedback when a response names it, or when a response without
    // an appointment arrived between its start and the next completed session.
    int missed = 0;
    for (std::size_t i = completed.size(); i-- > 0;) {
      const Appointment& a = *completed[i];
      const Timestamp until = i + 1 < completed.size() ? completed[i + 1]->starts_at
                                                       : std::numeric_limits<Timestamp>::max();
      const bool answered =
          std::any_of(responses.begin(), responses.end(), [&](const FeedbackResponse& r) {
            if (r.respondent == Respondent::kTherapist) return false;
            if (r.appointment_id) return *r.appointment_id == a.id;
            return r.submitted_at >= a.starts_at && r.submitted_at < until;
          });
      if (answered) break;
      ++missed;
    }
    if (missed == 0) continue;
    RAPPORT_ASSIGN_OR_RETURN(const std::string name, ClientName(store_, episode.client_id));
    const auto raised = EvaluateMissedFeedback(rules_, name, missed);
    if (!raised) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto alerts, store_.ListAlertsOfEpisode(episode.id));
    const Timestamp latest_session = completed.back()->starts_at;
    const bool covered = std::any_of(alerts.begin(), alerts.end(), [&](const FeedbackAlert& a) {
      return a.kind == AlertKind::kMissedFeedback &&
             (a.state != AlertState::kResolved || a.raised_at >= latest_session);
    });
    if (!covered)
      out.push_back(AlertRecord(*raised, episode.id, episode.clinic_id, std::nullopt, now));
  }
  return out;
}

namespace {

constexpr std::int64_t kHourMs = 60LL * 60 * 1000;

// One request or reminder to a client, live and by e-mail, unless its key was used before.
Result<int> QueueRequest(WriteTxn& txn, const User& client, const Appointment& appointment,
                         std::string_view when, std::string_view kind, const std::string& base_url,
                         Timestamp now) {
  const std::string link = fmt::format("{}/feedback?appointment={}", base_url, appointment.id);
  const bool before = when == "before";
  const std::string text =
      before ? "Before your next session, your clinic would like to hear how things have been. "
               "It takes about a minute:\n"
             : "Your clinic would like to hear how your last session felt. It takes about a "
               "minute, and honest answers help most:\n";
  return Tell(txn, client,
              Message{kind, fmt::format("{}:{}:appointment={}", kind, when, appointment.id),
                      kind == "feedback_reminder" ? "Rapport: a reminder about your check-in"
                                                  : "Rapport: a short check-in is ready for you",
                      text + link,
                      Json{{"type", "feedback_request"},
                           {"appointment_id", appointment.id},
                           {"when", std::string(when)}}},
              now);
}

// When the client first met their therapist: the end of the first session held (completed, or
// scheduled and over) by `at`; nullopt when none has been.
std::optional<Timestamp> FirstSessionEnded(const std::vector<Appointment>& appointments,
                                           Timestamp at) {
  std::optional<Timestamp> first;
  for (const Appointment& a : appointments) {
    const Timestamp ends = a.starts_at + static_cast<Timestamp>(a.duration_minutes) * 60'000;
    const bool held = a.status == AppointmentStatus::kCompleted ||
                      (a.status == AppointmentStatus::kScheduled && ends <= at);
    if (held && ends <= at && (!first || ends < *first)) first = ends;
  }
  return first;
}

// The Fit Check, once, the clinic's `after_hours` after the client first met their therapist, and
// never once two weeks have passed: its words say so.
Result<int> QueueFitCheck(WriteTxn& txn, const User& client, const Episode& episode,
                          const std::vector<Appointment>& appointments,
                          const std::vector<FeedbackResponse>& responses,
                          const std::string& fit_code, int after_hours, const std::string& base_url,
                          Timestamp now) {
  const auto met = FirstSessionEnded(appointments, now);
  if (!met || now < *met + after_hours * kHourMs || now > *met + 14 * 24 * kHourMs) return 0;
  const bool answered = std::any_of(responses.begin(), responses.end(), [&](const auto& r) {
    return r.instrument == fit_code && r.respondent == Respondent::kClient;
  });
  if (answered) return 0;
  return Tell(txn, client,
              Message{"fit_check", fmt::format("fit_check:episode={}", episode.id),
                      "Rapport: how is it going with your therapist?",
                      fmt::format("You have now met your therapist. Finding the right fit matters, "
                                  "and it is fine to say if it does not feel right. Three short "
                                  "questions:\n{}/feedback",
                                  base_url),
                      Json{{"type", "fit_check"}, {"episode_id", episode.id}}},
              now);
}

// A child's guardians: before a session, the parent-report questionnaires due from them for it by
// their schedule (to each guardian who sees the child's measures; from its timing's opening, else
// a day ahead); after a session they took part in, within three days, their own Rapport Check.
// Each guardian counts their own answers. The words name neither the child nor anything clinical.
Result<int> QueueGuardianRequests(WriteTxn& txn, Store& store, const InstrumentCatalog& catalog,
                                  const Episode& episode,
                                  const std::vector<InstrumentAssignment>& assignments,
                                  Timestamp now, const std::string& base_url) {
  std::vector<std::pair<const Instrument*, Schedule>> forms;
  const Instrument* own_check = nullptr;
  for (const InstrumentAssignment& a : assignments) {
    if (a.respondent != Respondent::kGuardian) continue;
    const Instrument* instrument = catalog.Find(a.instrument);
    if (instrument == nullptr) continue;
    if (IsCaregiverCheck(*instrument, a.respondent)) {
      own_check = instrument;
    } else if (instrument->purpose == Purpose::kOutcome) {
      forms.emplace_back(instrument, a.schedule.value_or(DefaultSchedule(*instrument)));
    }
  }
  if (forms.empty() && own_check == nullptr) return 0;
  RAPPORT_ASSIGN_OR_RETURN(const auto guardians, store.ListGuardiansOfChild(episode.client_id));
  if (guardians.empty()) return 0;
  RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store.ListResponsesOfEpisode(episode.id));
  int queued = 0;
  for (const UserId guardian_id : guardians) {
    RAPPORT_ASSIGN_OR_RETURN(const User guardian, txn.GetUser(guardian_id));
    if (!guardian.active) continue;
    RAPPORT_ASSIGN_OR_RETURN(const GuardianSections sections,
                             GuardianSectionsOf(store, guardian_id, episode.client_id, now));
    const bool sees_measures = Shares(sections, GuardianSection::kMeasures);
    for (const Appointment& a : appointments) {
      if (a.status == AppointmentStatus::kCancelled || a.status == AppointmentStatus::kNoShow) {
        continue;
      }
      const Timestamp ended = a.starts_at + a.duration_minutes * 60'000LL;
      std::string_view when;
      if (a.status == AppointmentStatus::kScheduled && a.starts_at > now && sees_measures) {
        const bool due = std::any_of(forms.begin(), forms.end(), [&](const auto& form) {
          const Instrument& i = *form.first;
          const int hours = i.timing ? i.timing->opens_hours_before.value_or(24) : 24;
          return now >= a.starts_at - hours * kHourMs &&
                 DueAt(form.second, i.code, Respondent::kGuardian, responses, appointments,
                       a.starts_at, guardian_id) &&
                 !AnsweredFor(responses, i.code, guardian_id, a.id);
        });
        if (due) when = "before";
      } else if (own_check != nullptr && ended <= now && now - ended <= 72 * kHourMs &&
                 !AnsweredFor(responses, own_check->code, guardian_id, a.id)) {
        RAPPORT_ASSIGN_OR_RETURN(const bool took_part, TookPart(store, a.id, guardian_id));
        if (took_part) when = "after";
      }
      if (when.empty()) continue;
      const bool before = when == "before";
      RAPPORT_ASSIGN_OR_RETURN(
          const int n,
          Tell(txn, guardian,
               Message{"feedback_request",
                       fmt::format("feedback_request:guardian={}:{}:appointment={}", guardian_id,
                                   when, a.id),
                       "Rapport: a few questions from your child's clinic",
                       fmt::format("{} It takes a few minutes, and honest answers help most:\n"
                                   "{}/feedback?child={}",
                                   before ? "Before your child's next session, their therapist "
                                            "would like to hear how things have been at home."
                                          : "Thank you for taking part in your child's session. "
                                            "Their therapist would like to hear how it felt to "
                                            "you.",
                                   base_url, episode.client_id),
                       Json{{"type", "feedback_request"},
                            {"appointment_id", a.id},
                            {"child_id", episode.client_id},
                            {"when", std::string(when)}}},
               now));
      queued += n;
    }
  }
  return queued;
}

}  // namespace

Result<int> FeedbackService::QueueFeedbackRequests(WriteTxn& txn, ClinicId clinic_id,
                                                   Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store_.ListEpisodesOfClinic(clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(clinic_id));
  int queued = 0;
  for (const Episode& episode : episodes) {
    if (episode.status == EpisodeStatus::kEnded) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto assignments, store_.ListAssignments(episode.id));
    // A young child without an account of their own still has guardians to ask.
    RAPPORT_ASSIGN_OR_RETURN(const int to_guardians,
                             QueueGuardianRequests(txn, store_, catalog_, episode, assignments, now,
                                                   wiring_.notifier.base_url));
    queued += to_guardians;
    RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
    if (!client.active) continue;
    std::vector<const Instrument*> before, after;
    std::map<std::string, Schedule> schedules;
    const Instrument* fit = nullptr;
    for (const InstrumentAssignment& a : assignments) {
      if (a.respondent != Respondent::kClient) continue;
      const Instrument* instrument = catalog_.Find(a.instrument);
      if (instrument != nullptr)
        schedules[a.instrument] = a.schedule.value_or(DefaultSchedule(*instrument));
      if (instrument != nullptr && instrument->purpose == Purpose::kFit) fit = instrument;
      if (instrument == nullptr || instrument->purpose == Purpose::kFit ||
          instrument->purpose == Purpose::kScreen || instrument->purpose == Purpose::kSupport) {
        continue;  // the Fit Check, risk screens and the Support Check: on their own terms
      }
      const bool asked_before =
          instrument->timing && instrument->timing->ask == AskWhen::kBeforeSession;
      (asked_before ? before : after).push_back(instrument);
    }
    if (before.empty() && after.empty() && fit == nullptr) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store_.ListAppointmentsOfEpisode(episode.id));
    RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(episode.id));
    if (fit != nullptr) {
      RAPPORT_ASSIGN_OR_RETURN(
          const int n,
          QueueFitCheck(txn, client, episode, appointments, responses, fit->code,
                        clinic.settings.fit_check_after_hours, wiring_.notifier.base_url, now));
      queued += n;
    }
    // Something in `list` is due at the session and not yet answered for it.
    const auto unanswered = [&](const Appointment& a, const std::vector<const Instrument*>& list) {
      return std::any_of(list.begin(), list.end(), [&](const Instrument* i) {
        return DueAt(schedules[i->code], i->code, Respondent::kClient, responses, appointments,
                     a.starts_at) &&
               std::none_of(responses.begin(), responses.end(), [&](const FeedbackResponse& r) {
                 return r.instrument == i->code && r.appointment_id == a.id &&
                        r.respondent == Respondent::kClient;
               });
      });
    };
    for (const Appointment& a : appointments) {
      if (a.status == AppointmentStatus::kCancelled || a.status == AppointmentStatus::kNoShow) {
        continue;
      }
      if (a.status == AppointmentStatus::kScheduled && a.starts_at > now) {
        for (const Instrument* i : before) {
          const Timestamp opens =
              a.starts_at - i->timing->opens_hours_before.value_or(24) * kHourMs;
          if (now < opens || !unanswered(a, before)) continue;
          RAPPORT_ASSIGN_OR_RETURN(const int n,
                                   QueueRequest(txn, client, a, "before", "feedback_request",
                                                wiring_.notifier.base_url, now));
          queued += n;
          break;
        }
        continue;
      }
      const Timestamp ended = a.starts_at + a.duration_minutes * 60'000LL;
      if (ended > now || now - ended > 72 * kHourMs || !unanswered(a, after)) continue;
      const bool late = now - ended >= 24 * kHourMs;
      RAPPORT_ASSIGN_OR_RETURN(
          const int n,
          QueueRequest(txn, client, a, "after", late ? "feedback_reminder" : "feedback_request",
                       wiring_.notifier.base_url, now));
      queued += n;
    }
  }
  return queued;
}

Result<int> FeedbackService::RaiseMissedFeedback(WriteTxn& txn, ClinicId clinic_id, Timestamp now) {
  // The history is read from committed data; whether an alert already exists is checked again
  // inside the write, so two checks at once still leave one.
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store_.ListEpisodesOfClinic(clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto missed, MissedFeedback(episodes, now));
  Actor scheduler = Actor::System("scheduler");
  scheduler.clinic_id = clinic_id;
  int raised = 0;
  for (FeedbackAlert alert : missed) {
    RAPPORT_ASSIGN_OR_RETURN(const auto existing, txn.ListAlertsOfEpisode(alert.episode_id));
    const bool open = std::any_of(existing.begin(), existing.end(), [](const FeedbackAlert& a) {
      return a.kind == AlertKind::kMissedFeedback && a.state != AlertState::kResolved;
    });
    if (open) continue;
    RAPPORT_ASSIGN_OR_RETURN(const Episode episode, txn.GetEpisode(alert.episode_id));
    RAPPORT_ASSIGN_OR_RETURN(alert.id, txn.InsertAlert(alert));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, scheduler, now, "raise", "alert", Id(alert.id)));
    RAPPORT_ASSIGN_OR_RETURN(const std::string name, ClientName(store_, episode.client_id));
    RAPPORT_RETURN_IF_ERROR(NotifyAlertRaised(txn, wiring_.notifier, alert, episode, name, now));
    ++raised;
  }
  return raised;
}

namespace {

// The client's own first and latest scores on one questionnaire, when there are two or more.
std::optional<FirstAndLatest> ClientFirstAndLatest(const QuestionnaireProgress& q) {
  std::vector<double> totals;
  for (const ProgressPoint& p : q.points) {
    if (p.respondent == Respondent::kClient && p.total) totals.push_back(*p.total);
  }
  if (totals.size() < 2) return std::nullopt;
  return FirstAndLatest{totals.front(), totals.back()};
}

// Reliable recovery across the PHQ-9 and GAD-7 where the episode uses both.
std::optional<RecoveryResult> JointRecovery(const InstrumentCatalog& catalog,
                                            const std::vector<QuestionnaireProgress>& charts) {
  std::optional<FirstAndLatest> phq9, gad7;
  for (const QuestionnaireProgress& q : charts) {
    if (q.definition.code == "PHQ-9") phq9 = ClientFirstAndLatest(q);
    if (q.definition.code == "GAD-7") gad7 = ClientFirstAndLatest(q);
  }
  const Instrument* phq = catalog.Find("PHQ-9");
  const Instrument* gad = catalog.Find("GAD-7");
  if (!phq9 || !gad7 || phq == nullptr || gad == nullptr) return std::nullopt;
  auto result = ReliableRecovery(phq->TotalScale(), *phq9, gad->TotalScale(), *gad7);
  if (!result) return std::nullopt;  // a clinic's definition without caseness or reliable change
  return *result;
}

}  // namespace

namespace {

Status NameThePeople(Names& names, AlertView& view) {
  RAPPORT_ASSIGN_OR_RETURN(view.therapist_name, names.User(view.therapist_id));
  if (view.alert.acknowledged_by) {
    RAPPORT_ASSIGN_OR_RETURN(view.acknowledged_by_name, names.User(*view.alert.acknowledged_by));
  }
  if (view.alert.resolved_by) {
    RAPPORT_ASSIGN_OR_RETURN(view.resolved_by_name, names.User(*view.alert.resolved_by));
  }
  return Ok();
}

}  // namespace

Result<EpisodeProgress> FeedbackService::Progress(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(
      store_, actor, episode.client_id, GuardianSection::kMeasures, "feedback", episode.id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {audit::Touch{"feedback", Id(episode.id)}}));
  return ProgressOf(actor, episode);
}

Result<std::vector<EpisodeProgress>> FeedbackService::ProgressOfClient(const Actor& actor,
                                                                       UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::vector<Episode> episodes,
      VisibleEpisodesOfClient(store_, actor, client_id, ClientAccess::kClinical));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(store_, actor, client_id,
                                                 GuardianSection::kMeasures, "client", client_id));
  std::vector<EpisodeProgress> out;
  std::vector<audit::Touch> touched;
  for (const Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(EpisodeProgress progress, ProgressOf(actor, e));
    out.push_back(std::move(progress));
    touched.push_back(audit::Touch{"feedback", Id(e.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<EpisodeProgress> FeedbackService::ProgressOf(const Actor& actor, const Episode& episode) {
  EpisodeProgress out;
  out.episode_id = episode.id;
  out.client_id = episode.client_id;
  RAPPORT_ASSIGN_OR_RETURN(out.client_name, ClientName(store_, episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto assignments, store_.ListAssignments(episode.id));
  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(episode.id));

  // What this actor may see: staff everything; a client their own answers; a guardian the
  // guardian-reported forms they answered themselves (never another guardian's).
  const auto visible = [&](Respondent r) {
    if (IsStaff(actor)) return true;
    if (actor.role == Role::kClient) return r == Respondent::kClient;
    return r == Respondent::kGuardian;
  };
  const auto shown = [&](const FeedbackResponse& r) {
    if (!visible(r.respondent)) return false;
    return actor.role != Role::kGuardian || r.respondent_user_id == actor.user_id;
  };
  std::map<UserId, std::string> guardian_names;
  std::vector<std::string> order;
  const auto note = [&](const std::string& code) {
    if (std::find(order.begin(), order.end(), code) == order.end()) order.push_back(code);
  };
  for (const auto& a : assignments) {
    if (visible(a.respondent)) note(a.instrument);
  }
  for (const auto& r : responses) {
    if (shown(r)) note(r.instrument);
  }
  for (const std::string& code : order) {
    const Instrument* instrument = catalog_.Find(code);
    if (instrument == nullptr) continue;  // a clinic file since removed: nothing to chart by
    QuestionnaireProgress q;
    q.definition = SummaryOf(*instrument);
    for (const FeedbackResponse& r : responses) {
      if (r.instrument != code || !shown(r)) continue;
      ProgressPoint point;
      point.response_id = r.id;
      point.session_number = r.session_number;
      point.submitted_at = r.submitted_at;
      point.appointment_id = r.appointment_id;
      point.respondent = r.respondent;
      if (r.respondent == Respondent::kGuardian) {
        point.guardian_id = r.respondent_user_id;
        auto [it, added] = guardian_names.try_emplace(r.respondent_user_id);
        if (added) {
          RAPPORT_ASSIGN_OR_RETURN(it->second, CaregiverLabel(store_, r.respondent_user_id,
                                                              episode.client_id, out.client_name));
        }
        point.guardian_name = it->second;
      }
      point.total = r.total;
      point.band = r.band;
      point.subscales = SubscalesOf(*instrument, r);
      q.points.push_back(std::move(point));
    }
    // (total, session) of every scored point, oldest first: of one person's answers, the latest
    // answerer's when a child's guardians answer for themselves.
    std::vector<std::pair<double, int>> scored;
    const std::optional<UserId> latest_guardian =
        q.points.empty() ? std::nullopt : q.points.back().guardian_id;
    for (const auto& point : q.points) {
      if (point.guardian_id != latest_guardian) continue;
      if (point.total) scored.emplace_back(*point.total, point.session_number);
    }
    const Scale& total_scale = instrument->TotalScale();
    if (scored.size() >= 2) {
      if (auto c = ComputeChange(total_scale, scored.front().first, scored.back().first)) {
        q.change = *c;
      }
    }
    if (!scored.empty() && instrument->purpose == Purpose::kOutcome) {
      const double baseline = scored.front().first;
      const int last = std::max(scored.back().second + 4, 8);
      RAPPORT_ASSIGN_OR_RETURN(auto clinic, ClinicTrajectory(episode, *instrument, baseline, last));
      if (!clinic.empty()) {
        q.expected = std::move(clinic);
        q.expected_source = TrajectorySource::kClinic;
      } else if (auto norm = ExpectedTrajectoryFromNorm(total_scale, baseline, last)) {
        q.expected = std::move(*norm);
        q.expected_source = TrajectorySource::kNorm;
      }
    }
    q.plain_words = PlainWords(*instrument, q);
    out.questionnaires.push_back(std::move(q));
  }
  RAPPORT_ASSIGN_OR_RETURN(auto alerts, store_.ListAlertsOfEpisode(episode.id));
  const Timestamp now = clock_.Now();
  const bool risk_open = std::any_of(alerts.begin(), alerts.end(), [&](const FeedbackAlert& a) {
    return RiskBeingFollowedUp(a, now);
  });
  if (risk_open) {
    // Nothing upbeat next to a risk answer still being followed up.
    for (QuestionnaireProgress& q : out.questionnaires) {
      if (q.definition.purpose == Purpose::kOutcome) q.plain_words.clear();
    }
  }
  out.summary = ProgressSummary(catalog_, out.questionnaires, risk_open, actor.role);
  if (IsStaff(actor)) {
    out.recovery = JointRecovery(catalog_, out.questionnaires);
    for (FeedbackAlert& a : alerts) {
      out.alerts.push_back(ViewOfAlert(std::move(a), episode, out.client_name));
    }
    Names names(store_);
    for (AlertView& view : out.alerts) RAPPORT_RETURN_IF_ERROR(NameThePeople(names, view));
  }
  return out;
}

Result<FeedbackResponse> FeedbackService::GetResponse(const Actor& actor, ResponseId response_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  auto response = store_.GetResponse(response_id);
  if (!response) {
    if (response.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(response.error());
  }
  const ClientAccess needed =
      actor.role == Role::kGuardian ? ClientAccess::kBasic : ClientAccess::kClinical;
  RAPPORT_RETURN_IF_ERROR(RequireEpisode(store_, actor, response->episode_id, needed));
  if (!IsStaff(actor) && response->respondent_user_id != actor.user_id) return Fail(NotVisible());
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {audit::Touch{"response", Id(response->id)}}));
  return *response;
}

Result<std::vector<FeedbackResponse>> FeedbackService::ResponsesOfClient(const Actor& actor,
                                                                         UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  const ClientAccess needed =
      actor.role == Role::kGuardian ? ClientAccess::kBasic : ClientAccess::kClinical;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Episode> episodes,
                           VisibleEpisodesOfClient(store_, actor, client_id, needed));
  std::vector<FeedbackResponse> out;
  std::vector<audit::Touch> touched;
  for (const Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(auto responses, store_.ListResponsesOfEpisode(e.id));
    for (FeedbackResponse& r : responses) {
      if (!IsStaff(actor) && r.respondent_user_id != actor.user_id) continue;
      out.push_back(std::move(r));
    }
    touched.push_back(audit::Touch{"feedback", Id(e.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

// --- Alerts -----------------------------------------------------------------------------------

namespace {

// The therapists whose caseloads the actor looks after: a therapist themself, a supervisor
// their supervisees.
Result<std::vector<UserId>> CaseloadTherapists(Store& store, const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  if (actor.role == Role::kTherapist) return std::vector<UserId>{actor.user_id};
  return store.ListSupervisees(actor.user_id);
}

}  // namespace

AlertView ViewOfAlert(FeedbackAlert alert, const Episode& episode, std::string client_name) {
  AlertView view;
  view.alert = std::move(alert);
  view.client_id = episode.client_id;
  view.client_name = std::move(client_name);
  view.therapist_id = episode.therapist_id;
  return view;
}

Result<std::vector<AlertView>> FeedbackService::ListAlerts(const Actor& actor,
                                                           std::optional<AlertState> state) {
  RAPPORT_ASSIGN_OR_RETURN(const auto therapists, CaseloadTherapists(store_, actor));
  Names names(store_);
  std::vector<AlertView> out;
  std::map<EpisodeId, Episode> episodes;
  for (UserId therapist : therapists) {
    RAPPORT_ASSIGN_OR_RETURN(auto alerts, store_.ListAlertsOfTherapist(therapist, state));
    for (FeedbackAlert& a : alerts) {
      if (a.clinic_id != actor.clinic_id) continue;
      if (!episodes.contains(a.episode_id)) {
        RAPPORT_ASSIGN_OR_RETURN(episodes[a.episode_id], store_.GetEpisode(a.episode_id));
      }
      const Episode& e = episodes[a.episode_id];
      RAPPORT_ASSIGN_OR_RETURN(std::string name, names.Client(e.client_id));
      AlertView view = ViewOfAlert(std::move(a), e, std::move(name));
      RAPPORT_RETURN_IF_ERROR(NameThePeople(names, view));
      out.push_back(std::move(view));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertView& a, const AlertView& b) {
    if (a.alert.raised_at != b.alert.raised_at) return a.alert.raised_at > b.alert.raised_at;
    return a.alert.id > b.alert.id;
  });
  std::vector<audit::Touch> touched;
  touched.reserve(out.size());
  for (const AlertView& v : out) touched.push_back(audit::Touch{"alert", Id(v.alert.id)});
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

namespace {

// Loads an alert the actor may act on: its care team, or a clinician the escalation ladder told.
Result<std::pair<FeedbackAlert, Episode>> AlertForCare(Store& store, const Actor& actor,
                                                       AlertId alert_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  auto alert = store.GetAlert(alert_id);
  if (!alert) {
    if (alert.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(alert.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, RequireAlertCare(store, actor, *alert));
  return std::pair{*alert, episode};
}

}  // namespace

Result<AlertView> FeedbackService::ChangeAlert(const Actor& actor, AlertId alert_id,
                                               std::string_view action,
                                               const std::function<Status(FeedbackAlert&)>& apply) {
  RAPPORT_ASSIGN_OR_RETURN(auto found, AlertForCare(store_, actor, alert_id));
  const Timestamp now = clock_.Now();
  FeedbackAlert updated;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(updated, txn.GetAlert(alert_id));
    RAPPORT_RETURN_IF_ERROR(apply(updated));
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAlertState(updated));
    return audit::Append(txn, actor, now, std::string(action), "alert", Id(alert_id));
  }));
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(std::string name, names.Client(found.second.client_id));
  AlertView view = ViewOfAlert(std::move(updated), found.second, std::move(name));
  RAPPORT_RETURN_IF_ERROR(NameThePeople(names, view));
  return view;
}

Result<AlertDetail> FeedbackService::GetAlert(const Actor& actor, AlertId alert_id) {
  RAPPORT_ASSIGN_OR_RETURN(auto found, AlertForCare(store_, actor, alert_id));
  auto& [alert, episode] = found;
  AlertDetail detail;
  RAPPORT_ASSIGN_OR_RETURN(const auto told, store_.ListNotificationsOfAlert(alert_id));
  Names names(store_);
  for (const Notification& n : told) {
    AlertDelivery d{n, {}};
    if (n.recipient_id) {
      RAPPORT_ASSIGN_OR_RETURN(d.recipient_name, names.User(*n.recipient_id));
    }
    detail.deliveries.push_back(std::move(d));
  }
  if (alert.acknowledged_by) {
    RAPPORT_ASSIGN_OR_RETURN(detail.acknowledged_by_name, names.User(*alert.acknowledged_by));
  }
  if (alert.resolved_by) {
    RAPPORT_ASSIGN_OR_RETURN(detail.resolved_by_name, names.User(*alert.resolved_by));
  }
  RAPPORT_ASSIGN_OR_RETURN(std::string name, names.Client(episode.client_id));
  detail.view = ViewOfAlert(std::move(alert), episode, std::move(name));
  RAPPORT_RETURN_IF_ERROR(NameThePeople(names, detail.view));
  RAPPORT_ASSIGN_OR_RETURN(detail.contact, ContactOf(store_, episode.client_id));
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(),
                                       {audit::Touch{"alert", Id(alert_id)},
                                        audit::Touch{"client_contact", Id(episode.client_id)}}));
  return detail;
}

Result<AlertView> FeedbackService::Acknowledge(const Actor& actor, AlertId alert_id,
                                               const std::string& note) {
  const Timestamp now = clock_.Now();
  // Checked once care of the episode is established, so a stranger learns nothing from it.
  return ChangeAlert(actor, alert_id, "acknowledge", [&](FeedbackAlert& alert) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(alert, Acknowledged(std::move(alert), actor.user_id, now, note));
    return Ok();
  });
}

Result<AlertView> FeedbackService::Resolve(const Actor& actor, AlertId alert_id,
                                           const std::optional<std::string>& note) {
  const Timestamp now = clock_.Now();
  return ChangeAlert(actor, alert_id, "resolve", [&](FeedbackAlert& alert) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(
        alert, Resolved(std::move(alert), actor.user_id, now, note.value_or(std::string())));
    return Ok();
  });
}

// --- Dashboard --------------------------------------------------------------------------------

namespace {

// The last `n` totals of the series `keep` picks, merged across them, oldest first.
template <typename Keep>
std::vector<ScoredPoint> Latest(const std::vector<ResponseSeries>& series, Keep keep, int n) {
  std::vector<ScoredPoint> points;
  for (const ResponseSeries& s : series) {
    if (keep(s)) points.insert(points.end(), s.recent.begin(), s.recent.end());
  }
  std::sort(points.begin(), points.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
    return std::tie(a.submitted_at, a.id) < std::tie(b.submitted_at, b.id);
  });
  if (points.size() > static_cast<std::size_t>(n)) points.erase(points.begin(), points.end() - n);
  return points;
}

// The outcome questionnaire a caseload line shows: the first assigned one with answers, else the
// one answered first.
std::string OutcomeShown(const InstrumentCatalog& catalog, const CaseloadEpisode& e) {
  const auto answered = [&](const std::string& code) {
    return std::any_of(e.series.begin(), e.series.end(),
                       [&](const ResponseSeries& s) { return s.instrument == code; });
  };
  const auto outcome = [&](const std::string& code) {
    const Instrument* i = catalog.Find(code);
    return i != nullptr && i->purpose == Purpose::kOutcome;
  };
  for (const std::string& code : e.assigned) {
    if (outcome(code) && answered(code)) return code;
  }
  const ResponseSeries* first = nullptr;
  for (const ResponseSeries& s : e.series) {
    if (outcome(s.instrument) &&
        (first == nullptr || s.first_submitted_at < first->first_submitted_at)) {
      first = &s;
    }
  }
  return first != nullptr ? first->instrument : std::string();
}

DashboardRow RowOf(const InstrumentCatalog& catalog, const Clinic& clinic, const CaseloadEpisode& e,
                   Timestamp now) {
  DashboardRow row;
  row.client_id = e.episode.client_id;
  row.client_name = CalledBy(e.client_preferred_name, e.client_display_name);
  row.episode_id = e.episode.id;
  row.episode_status = e.episode.status;
  row.therapist_id = e.episode.therapist_id;
  row.therapist_name = e.therapist_name;
  row.open_alerts = e.open_alerts;
  row.top_severity = e.top_severity;
  if (e.next_appointment) row.next_appointment_at = e.next_appointment->starts_at;
  row.outcome_instrument = OutcomeShown(catalog, e);
  const auto totals = [](const std::vector<ScoredPoint>& points) {
    std::vector<double> out;
    out.reserve(points.size());
    for (const ScoredPoint& p : points) out.push_back(p.total);
    return out;
  };
  if (!row.outcome_instrument.empty()) {
    const auto outcome = Latest(
        e.series, [&](const ResponseSeries& s) { return s.instrument == row.outcome_instrument; },
        kTrendLength);
    if (!outcome.empty()) {
      row.last_outcome_total = outcome.back().total;
      row.last_outcome_band = outcome.back().band;
    }
    row.outcome_trend = totals(outcome);
  }
  const auto rapport = Latest(
      e.series,
      [&](const ResponseSeries& s) {
        // The client's own: a parent's rapport with the therapist is a line of its own, on the
        // episode page.
        const Instrument* i = catalog.Find(s.instrument);
        return i != nullptr && i->purpose == Purpose::kRapport &&
               s.respondent == Respondent::kClient && s.instrument != row.outcome_instrument;
      },
      kTrendLength);
  if (!rapport.empty()) row.last_rapport_total = rapport.back().total;
  row.rapport_trend = totals(rapport);
  for (const ResponseSeries& s : e.series) {
    if (s.respondent != Respondent::kTherapist) {
      row.last_feedback_at = std::max(row.last_feedback_at.value_or(0), s.last_submitted_at);
    }
  }
  if (e.plan_status) row.plan_status = std::string(ToString(*e.plan_status));
  if (e.plan_review_since) {
    ReviewPolicy policy;
    policy.every_sessions = clinic.settings.plan_review_sessions;
    policy.every_days = clinic.settings.plan_review_days;
    row.plan_review_due =
        PlanReviewDueAfterSessions(*e.plan_review_since, e.sessions_since_review, now, policy).due;
  }
  return row;
}

// Most severe open alerts first, then most open alerts, then by name.
bool BeforeOnTheDashboard(const DashboardRow& a, const DashboardRow& b) {
  const int sa = a.top_severity ? static_cast<int>(*a.top_severity) : -1;
  const int sb = b.top_severity ? static_cast<int>(*b.top_severity) : -1;
  if (sa != sb) return sa > sb;
  if (a.open_alerts != b.open_alerts) return a.open_alerts > b.open_alerts;
  if (a.client_name != b.client_name) return a.client_name < b.client_name;
  return a.episode_id < b.episode_id;
}

}  // namespace

Result<std::vector<CaseloadEpisode>> FeedbackService::ReadCaseload(const Actor& actor,
                                                                   Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const auto therapists, CaseloadTherapists(store_, actor));
  CaseloadQuery query;
  query.clinic_id = actor.clinic_id;
  query.therapist_ids = therapists;
  query.now = now;
  query.recent = kTrendLength;
  return store_.ReadCaseload(query);
}

Result<std::vector<DashboardRow>> FeedbackService::Dashboard(const Actor& actor) {
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, ReadCaseload(actor, now));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  std::vector<DashboardRow> rows;
  std::vector<audit::Touch> touched;
  for (const CaseloadEpisode& e : episodes) {
    if (e.episode.status == EpisodeStatus::kEnded) continue;
    rows.push_back(RowOf(catalog_, clinic, e, now));
    touched.push_back(audit::Touch{"feedback", Id(e.episode.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, std::move(touched)));
  std::stable_sort(rows.begin(), rows.end(), BeforeOnTheDashboard);
  return rows;
}

Result<std::vector<CaseloadClient>> FeedbackService::Caseload(const Actor& actor) {
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, ReadCaseload(actor, now));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  // One line a client: the open episode with the most pressing alerts (else the latest started).
  std::map<UserId, const CaseloadEpisode*> current;
  std::map<UserId, std::optional<Appointment>> next;
  const auto pressing = [](const CaseloadEpisode& e) {
    return std::make_tuple(e.episode.status != EpisodeStatus::kEnded,
                           e.top_severity ? static_cast<int>(*e.top_severity) : -1, e.open_alerts,
                           e.episode.started_at, e.episode.id);
  };
  for (const CaseloadEpisode& e : episodes) {
    const CaseloadEpisode*& seen = current[e.episode.client_id];
    if (seen == nullptr || pressing(e) > pressing(*seen)) seen = &e;
    std::optional<Appointment>& soonest = next[e.episode.client_id];
    if (e.next_appointment && (!soonest || e.next_appointment->starts_at < soonest->starts_at)) {
      soonest = e.next_appointment;
    }
  }
  std::vector<CaseloadClient> out;
  std::vector<audit::Touch> touched;
  out.reserve(current.size());
  for (const auto& [client_id, e] : current) {
    CaseloadClient c;
    c.client_id = client_id;
    c.display_name = e->client_display_name;
    c.is_minor = IsMinor(ClientProfile{client_id, e->client_date_of_birth, {}, {}}, now,
                         clinic.settings.age_of_majority);
    c.episode = e->episode;
    c.therapist_name = e->therapist_name;
    c.next_appointment = next[client_id];
    if (e->episode.status != EpisodeStatus::kEnded) c.feedback = RowOf(catalog_, clinic, *e, now);
    touched.push_back(audit::Touch{"client", Id(client_id)});
    out.push_back(std::move(c));
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, std::move(touched)));
  std::stable_sort(out.begin(), out.end(), [](const CaseloadClient& a, const CaseloadClient& b) {
    if (a.feedback && b.feedback) return BeforeOnTheDashboard(*a.feedback, *b.feedback);
    if (a.feedback || b.feedback) return a.feedback.has_value();
    return std::tie(a.display_name, a.client_id) < std::tie(b.display_name, b.client_id);
  });
  return out;
}

// --- Export -----------------------------------------------------------------------------------

Result<std::string> FeedbackService::ExportEpisodeCsv(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(episode.id));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) {
    return audit::Append(txn, actor, clock_.Now(), "export", "episode", Id(episode.id));
  }));
  std::string out =
      "response_id,submitted_at,session_number,instrument,version,respondent,appointment_id,"
      "total,band,risk,scales,answers\r\n";
  for (const FeedbackResponse& r : responses) {
    const std::vector<std::string> fields = {
        Id(r.id),
        FormatIso8601(r.submitted_at),
        std::to_string(r.session_number),
        r.instrument,
        r.instrument_version,
        std::string(ToString(r.respondent)),
        r.appointment_id ? Id(*r.appointment_id) : std::string(),
        r.total ? Number(*r.total) : std::string(),
        r.band,
        RiskList(r.risk_json),
        Pairs(r.scales_json),
        Pairs(r.answers_json),
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(fields[i]);
    }
    out += "\r\n";
  }
  return out;
}

// --- Assignments ------------------------------------------------------------------------------

namespace {

// The questionnaires assigned to the episode, each with its schedule and whether it is due for
// the session at `at` (an appointment's start, or now).
// `guardian`: the guardian asking, whose own answers count for the guardians' questionnaires.
Result<std::vector<AssignedInstrument>> Assigned(Store& store, const InstrumentCatalog& catalog,
                                                 EpisodeId episode_id, Timestamp at, Timestamp now,
                                                 std::optional<UserId> guardian = std::nullopt) {
  RAPPORT_ASSIGN_OR_RETURN(const auto assignments, store.ListAssignments(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store.ListResponsesOfEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, store.GetEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto support_requests,
                           store.ListSupportCheckRequestsOfEpisode(episode_id));
  const bool looked_back = LookedBack(catalog, episode, responses);
  std::vector<AssignedInstrument> out;
  for (const auto& a : assignments) {
    const Instrument* i = catalog.Find(a.instrument);
    if (i == nullptr) continue;
    AssignedInstrument view;
    view.code = i->code;
    view.title = i->title;
    view.plain_title = i->PlainTitle();
    view.purpose = i->purpose;
    view.respondent = a.respondent;
    view.schedule = a.schedule.value_or(DefaultSchedule(*i));
    view.chosen_schedule = a.schedule.has_value();
    std::optional<UserId> author;
    if (a.respondent == Respondent::kGuardian) author = guardian;
    view.due = DueAt(view.schedule, i->code, a.respondent, responses, appointments, at, author);
    // A caregiver's own Rapport Check: after a session they took part in, for a week.
    if (IsCaregiverCheck(*i, a.respondent)) {
      view.due = false;
      if (guardian) {
        RAPPORT_ASSIGN_OR_RETURN(
            view.session_id,
            CaregiverSessionToAnswer(store, i->code, *guardian, appointments, responses, now));
        view.due = view.session_id.has_value();
      }
    }
    // The Fit Check asks how meeting the therapist felt: only once they have met.
    if (i->purpose == Purpose::kFit && !FirstSessionEnded(appointments, at)) view.due = false;
    // The Support Check: from the therapist's latest request until the client answers it.
    if (i->purpose == Purpose::kSupport) {
      const std::optional<Timestamp> last =
          LastAnswered(i->code, a.respondent, responses, appointments);
      view.due =
          !support_requests.empty() && (!last || *last < support_requests.back().requested_at);
    }
    // An ended course asks one thing more: the client's Rapport Check about it as a whole.
    if (episode.status == EpisodeStatus::kEnded) {
      view.due =
          i->purpose == Purpose::kRapport && a.respondent == Respondent::kClient && !looked_back;
    }
    out.push_back(std::move(view));
  }
  return out;
}

}  // namespace

Result<std::vector<AssignedInstrument>> FeedbackService::AssignedInstruments(
    const Actor& actor, EpisodeId episode_id, std::optional<AppointmentId> appointment) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kBasic));
  Timestamp at = clock_.Now();
  if (appointment) {
    auto found = store_.GetAppointment(*appointment);
    if (!found || found->episode_id != episode.id) {
      if (!found && found.error().code != ErrorCode::kNotFound) return Fail(found.error());
      return Fail(FieldProblem("appointment", "is not an appointment of this episode"));
    }
    at = found->starts_at;
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(),
                                       {audit::Touch{"episode_instruments", Id(episode.id)}}));
  const std::optional<UserId> guardian =
      actor.role == Role::kGuardian ? std::optional<UserId>(actor.user_id) : std::nullopt;
  return Assigned(store_, catalog_, episode.id, at, clock_.Now(), guardian);
}

Result<std::vector<AssignedInstrument>> FeedbackService::AssignInstrument(
    const Actor& actor, EpisodeId episode_id, const std::string& instrument,
    const std::string& respondent, std::optional<std::optional<Schedule>> schedule) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const bool cares, MayManageCareOf(store_, actor, episode.therapist_id));
  if (!cares) return Fail(NotVisible());
  const Instrument* found = catalog_.Find(instrument);
  if (found == nullptr) {
    return Fail(FieldProblem("instrument", "is not a questionnaire this clinic knows"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Respondent who, ParseRespondent(respondent));
  const auto& allowed = found->respondents;
  if (std::find(allowed.begin(), allowed.end(), ToString(who)) == allowed.end()) {
    return Fail(FieldProblem(
        "respondent", fmt::format("{} is not answered by the {}", found->code, ToString(who))));
  }
  if (schedule && *schedule) RAPPORT_RETURN_IF_ERROR(ValidateSchedule(**schedule));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(
        InstrumentAssignment{episode.id, found->code, who, now, std::nullopt}));
    if (schedule) {
      RAPPORT_RETURN_IF_ERROR(txn.SetAssignmentSchedule(episode.id, found->code, who, *schedule));
    }
    return audit::Append(txn, actor, now, "assign_instrument", "episode", Id(episode.id));
  }));
  return Assigned(store_, catalog_, episode.id, now, now);
}

// --- Feedback links ---------------------------------------------------------------------------

Result<FeedbackLinkCreated> FeedbackService::CreateFeedbackLink(const Actor& actor,
                                                                AppointmentId appointment_id,
                                                                std::optional<UserId> guardian_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  auto appointment = store_.GetAppointment(appointment_id);
  if (!appointment) {
    if (appointment.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(appointment.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisode(store_, actor, appointment->episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const bool cares, MayManageCareOf(store_, actor, episode.therapist_id));
  if (!cares) return Fail(NotVisible());
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(episode.clinic_id));
  if (!clinic.settings.allow_link_feedback) {
    return Fail(Error::FailedPrecondition(
        "This clinic does not allow feedback from links without signing in."));
  }
  // A parent's link: to one of the client's guardians, who answers their own questionnaires.
  std::optional<User> guardian;
  if (guardian_id) {
    RAPPORT_ASSIGN_OR_RETURN(const auto guardians, store_.ListGuardiansOfChild(episode.client_id));
    if (std::find(guardians.begin(), guardians.end(), *guardian_id) == guardians.end()) {
      return Fail(FieldProblem("guardian_id", "is not a guardian of this client"));
    }
    RAPPORT_ASSIGN_OR_RETURN(guardian, store_.GetUser(*guardian_id));
    if (!guardian->active) {
      return Fail(FieldProblem("guardian_id", "this guardian's account is not active"));
    }
  }
  const Timestamp now = clock_.Now();
  FeedbackLinkCreated out;
  out.token = RandomToken();
  out.path = "/feedback/" + out.token;
  out.expires_at = now + kFeedbackLinkLifetimeMs;
  FeedbackLink link;
  link.appointment_id = appointment->id;
  link.created_by = actor.user_id;
  link.token_hash = Blake2b256Hex(out.token);
  link.created_at = now;
  link.expires_at = out.expires_at;
  link.guardian_id = guardian_id;
  RAPPORT_ASSIGN_OR_RETURN(const User client, store_.GetUser(episode.client_id));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const FeedbackLinkId id, txn.InsertFeedbackLink(link));
    // The link goes to whom it is for (on their open pages and by e-mail); the answer still
    // holds it for a therapist who hands it over in person.
    const std::string words =
        guardian ? "Your child's therapist would like to hear from you. It takes a few minutes, "
                   "and the link works without signing in:\n"
                 : "Your therapist would like to hear how your session felt. It takes about a "
                   "minute, and the link works once, without signing in:\n";
    RAPPORT_RETURN_IF_ERROR(
        Tell(txn, guardian ? *guardian : client,
             Message{"feedback_link", fmt::format("feedback_link:{}", id),
                     "Rapport: a short check-in is ready for you",
                     words + wiring_.notifier.base_url + out.path,
                     Json{{"type", "feedback_link"}, {"appointment_id", appointment->id}}},
             now));
    return audit::Append(txn, actor, now, "create", "feedback_link", Id(id));
  }));
  return out;
}

namespace {

struct LinkContext {
  FeedbackLink link;
  Appointment appointment;
  Episode episode;
  Clinic clinic;
};

// Everything a valid link leads to; one kNotFound for every way a link can be bad, so that a
// guessed or stale token learns nothing.
Result<LinkContext> ResolveLink(Store& store, const std::string& token, Timestamp now) {
  const Error invalid = Error::NotFound("This feedback link is not valid or has expired.");
  if (token.empty() || token.size() > 200) return Fail(invalid);
  auto link = store.FindFeedbackLinkByTokenHash(Blake2b256Hex(token));
  if (!link) {
    if (link.error().code == ErrorCode::kNotFound) return Fail(invalid);
    return Fail(link.error());
  }
  if (now >= link->expires_at) return Fail(invalid);
  LinkContext c;
  c.link = *link;
  RAPPORT_ASSIGN_OR_RETURN(c.appointment, store.GetAppointment(link->appointment_id));
  RAPPORT_ASSIGN_OR_RETURN(c.episode, store.GetEpisode(c.appointment.episode_id));
  RAPPORT_ASSIGN_OR_RETURN(c.clinic, store.GetClinic(c.episode.clinic_id));
  if (!c.clinic.settings.allow_link_feedback) return Fail(invalid);
  if (c.episode.status == EpisodeStatus::kEnded) return Fail(invalid);
  RAPPORT_ASSIGN_OR_RETURN(const User client, store.GetUser(c.episode.client_id));
  if (!client.active && !link->guardian_id) return Fail(invalid);
  if (link->guardian_id) {
    // A parent's link lapses with their link to the child.
    RAPPORT_ASSIGN_OR_RETURN(const auto guardians, store.ListGuardiansOfChild(c.episode.client_id));
    if (std::find(guardians.begin(), guardians.end(), *link->guardian_id) == guardians.end()) {
      return Fail(invalid);
    }
    RAPPORT_ASSIGN_OR_RETURN(const User guardian, store.GetUser(*link->guardian_id));
    if (!guardian.active) return Fail(invalid);
  }
  return c;
}

// The link stands in for the sign-in of whom it is for (the client, or the guardian it names),
// for this one appointment.
Actor LinkActor(const LinkContext& c, std::string source) {
  Actor person;
  person.user_id = c.link.guardian_id.value_or(c.episode.client_id);
  person.clinic_id = c.episode.clinic_id;
  person.role = c.link.guardian_id ? Role::kGuardian : Role::kClient;
  person.source = std::move(source);
  return person;
}

}  // namespace

Result<FeedbackLinkInfo> FeedbackService::PeekFeedbackLink(const std::string& token) {
  RAPPORT_ASSIGN_OR_RETURN(const LinkContext c, ResolveLink(store_, token, clock_.Now()));
  FeedbackLinkInfo info;
  info.appointment_id = c.appointment.id;
  info.appointment_starts_at = c.appointment.starts_at;
  RAPPORT_ASSIGN_OR_RETURN(info.client_name, ClientName(store_, c.episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(const User therapist, store_.GetUser(c.episode.therapist_id));
  info.therapist_name = therapist.display_name;
  info.clinic_name = c.clinic.name;
  info.expires_at = c.link.expires_at;
  const Actor person = LinkActor(c, "link");
  info.respondent = person.role == Role::kGuardian ? Respondent::kGuardian : Respondent::kClient;
  if (c.link.guardian_id) {
    RAPPORT_ASSIGN_OR_RETURN(const User guardian, store_.GetUser(*c.link.guardian_id));
    info.guardian_name = guardian.display_name;
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto assigned,
                           Assigned(store_, catalog_, c.episode.id, c.appointment.starts_at,
                                    clock_.Now(), c.link.guardian_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto responses, store_.ListResponsesOfEpisode(c.episode.id));
  for (const AssignedInstrument& a : assigned) {
    if (a.respondent != info.respondent || !a.due) continue;
    // A parent's own check about a session is asked through the link of that session only.
    if (a.session_id && *a.session_id != c.appointment.id) continue;
    if (!AnsweredFor(responses, a.code, person.user_id, c.appointment.id)) {
      info.pending.push_back(a);
    }
  }
  return info;
}

Result<CrisisHelp> FeedbackService::HelpViaLink(const std::string& token) {
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const LinkContext c, ResolveLink(store_, token, now));
  return CrisisFor(c.episode, c.link.guardian_id ? Respondent::kGuardian : Respondent::kClient,
                   now);
}

Result<SubmitResult> FeedbackService::SubmitViaLink(const std::string& token,
                                                    const SubmitRequest& request,
                                                    const std::string& source) {
  RAPPORT_ASSIGN_OR_RETURN(const LinkContext c, ResolveLink(store_, token, clock_.Now()));
  const Actor person = LinkActor(c, source);
  SubmitRequest for_appointment = request;
  for_appointment.appointment_id = c.appointment.id;
  for_appointment.respondent = person.role == Role::kGuardian ? "guardian" : "client";
  RAPPORT_ASSIGN_OR_RETURN(Prepared prepared, Prepare(person, c.episode, for_appointment));
  return Commit(person, c.episode, std::move(prepared), c.link.id);
}

// --- Drafts -----------------------------------------------------------------------------------

namespace {

Respondent RespondentOf(const Actor& actor) {
  if (actor.role == Role::kClient) return Respondent::kClient;
  if (actor.role == Role::kGuardian) return Respondent::kGuardian;
  return Respondent::kTherapist;
}

}  // namespace

Result<CrisisHelp> FeedbackService::CrisisFor(const Episode& episode, Respondent respondent,
                                              Timestamp now) {
  // The child reads the child's words; a guardian answering a parent form reads the adult's.
  Reader reader = Reader::kAdult;
  if (respondent == Respondent::kClient) {
    if (auto profile = store_.GetClientProfile(episode.client_id)) {
      reader = ReaderFor(*profile, now);
    }
  }
  return CrisisHelpFor(store_, *wiring_.crisis, episode.clinic_id, episode.client_id, reader, now);
}

Result<std::vector<std::string>> FeedbackService::DraftCodes(const Actor& actor,
                                                             const Episode& episode) {
  RAPPORT_ASSIGN_OR_RETURN(const auto assignments, store_.ListAssignments(episode.id));
  const Respondent respondent = RespondentOf(actor);
  std::vector<std::string> codes;
  for (const InstrumentAssignment& a : assignments) {
    if (a.respondent == respondent && catalog_.Find(a.instrument) != nullptr) {
      codes.push_back(a.instrument);
    }
  }
  return codes;
}

Result<FeedbackDraftView> FeedbackService::ReadDraftAs(const Actor& actor, const Episode& episode) {
  const Timestamp now = clock_.Now();
  FeedbackDraftView view;
  bool risk = false;
  if (auto draft = store_.GetFeedbackDraft(episode.id, actor.user_id)) {
    const Json answers = Json::parse(draft->answers_json, nullptr, /*allow_exceptions=*/false);
    if (answers.is_object()) view.answers = answers;
    view.updated_at = draft->updated_at;
    risk = draft->risk_since.has_value();
  } else if (draft.error().code != ErrorCode::kNotFound) {
    return Fail(draft.error());
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, now, {audit::Touch{"feedback_draft", Id(episode.id)}}));
  if (risk) {
    RAPPORT_ASSIGN_OR_RETURN(view.crisis, CrisisFor(episode, RespondentOf(actor), now));
  }
  return view;
}

Result<FeedbackDraftView> FeedbackService::SaveDraftAs(const Actor& actor, const Episode& episode,
                                                       const Json& answers) {
  RAPPORT_ASSIGN_OR_RETURN(const auto codes, DraftCodes(actor, episode));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DraftPart> parts, ReadDraft(catalog_, codes, answers));
  const Timestamp now = clock_.Now();
  const bool risk = HasRiskAnswer(parts);
  FeedbackDraftView view;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    std::optional<FeedbackDraft> before;
    if (auto found = txn.GetFeedbackDraft(episode.id, actor.user_id)) {
      before = *found;
    } else if (found.error().code != ErrorCode::kNotFound) {
      return Fail(found.error());
    }
    view = FeedbackDraftView{};
    if (parts.empty()) {
      RAPPORT_RETURN_IF_ERROR(txn.DeleteFeedbackDraft(episode.id, actor.user_id));
    } else {
      FeedbackDraft draft;
      draft.episode_id = episode.id;
      draft.author_id = actor.user_id;
      view.answers = DraftJson(parts);
      draft.answers_json = view.answers.dump();
      draft.updated_at = now;
      view.updated_at = now;
      if (risk) {
        // A risk answer that stays keeps its time, so that changing another answer does not
        // postpone the alert; a new one starts the clock.
        const bool standing = before && before->risk_since;
        draft.risk_since = standing ? before->risk_since : std::optional<Timestamp>(now);
        draft.risk_alerted_at = standing ? before->risk_alerted_at : std::nullopt;
        if (!standing) {
          Job job;
          job.clinic_id = episode.clinic_id;
          job.kind = std::string(kUnsentRiskJob);
          job.key = fmt::format("{}:episode={}:author={}:since={}", kUnsentRiskJob, episode.id,
                                actor.user_id, now);
          job.payload_json = Json{{"episode_id", episode.id}, {"author_id", actor.user_id}}.dump();
          job.due_at = now + kUnsentRiskAfterMs;
          RAPPORT_RETURN_IF_ERROR(txn.InsertJob(job));
        }
      }
      RAPPORT_RETURN_IF_ERROR(txn.PutFeedbackDraft(draft));
    }
    return audit::Append(txn, actor, now, "save", "feedback_draft", Id(episode.id));
  });
  RAPPORT_RETURN_IF_ERROR(written);
  if (risk) {
    RAPPORT_ASSIGN_OR_RETURN(view.crisis, CrisisFor(episode, RespondentOf(actor), now));
  }
  return view;
}

namespace {

// Drafts go with the access a submission has.
Result<Episode> DraftEpisode(Store& store, const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  const ClientAccess needed =
      actor.role == Role::kGuardian ? ClientAccess::kBasic : ClientAccess::kClinical;
  return RequireEpisode(store, actor, episode_id, needed);
}

}  // namespace

Result<FeedbackDraftView> FeedbackService::GetDraft(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, DraftEpisode(store_, actor, episode_id));
  return ReadDraftAs(actor, episode);
}

Result<FeedbackDraftView> FeedbackService::SaveDraft(const Actor& actor, EpisodeId episode_id,
                                                     const Json& answers) {
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, DraftEpisode(store_, actor, episode_id));
  return SaveDraftAs(actor, episode, answers);
}

Result<FeedbackDraftView> FeedbackService::GetDraftViaLink(const std::string& token) {
  RAPPORT_ASSIGN_OR_RETURN(const LinkContext c, ResolveLink(store_, token, clock_.Now()));
  return ReadDraftAs(LinkActor(c, "link"), c.episode);
}

Result<FeedbackDraftView> FeedbackService::SaveDraftViaLink(const std::string& token,
                                                            const Json& answers) {
  RAPPORT_ASSIGN_OR_RETURN(const LinkContext c, ResolveLink(store_, token, clock_.Now()));
  return SaveDraftAs(LinkActor(c, "link"), c.episode, answers);
}

Status FeedbackService::RaiseUnsentRisk(WriteTxn& txn, EpisodeId episode_id, UserId author_id,
                                        Timestamp now) {
  auto draft = txn.GetFeedbackDraft(episode_id, author_id);
  if (!draft) {
    if (draft.error().code == ErrorCode::kNotFound) return Ok();  // sent, or given up
    return Fail(draft.error());
  }
  if (!draft->risk_since || draft->risk_alerted_at) return Ok();
  if (now < *draft->risk_since + kUnsentRiskAfterMs) return Ok();  // a newer answer's job comes
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, txn.GetEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const User author, txn.GetUser(author_id));
  Actor as_author;
  as_author.user_id = author.id;
  as_author.clinic_id = author.clinic_id;
  as_author.role = author.role;
  RAPPORT_ASSIGN_OR_RETURN(const auto codes, DraftCodes(as_author, episode));
  const Json answers = Json::parse(draft->answers_json, nullptr, /*allow_exceptions=*/false);
  RAPPORT_ASSIGN_OR_RETURN(const std::string name, ClientName(store_, episode.client_id));
  std::vector<RaisedAlert> alerts;
  if (auto parts = ReadDraft(catalog_, codes, answers))
    alerts = UnsentRiskAlerts(rules_, name, *parts);
  if (alerts.empty()) {
    // The draft no longer reads as its questionnaires now stand; the risk answer still counts.
    alerts.push_back(RaisedAlert{
        "risk-answer-unsent", AlertKind::kRisk, Severity::kCritical,
        fmt::format("Not sent: a risk answer from {}", name),
        fmt::format("{} gave a risk answer in a check-in that has not been sent.", name),
        "Follow your clinic's risk procedure and contact the client today."});
  }
  Actor scheduler = Actor::System("scheduler");
  scheduler.clinic_id = episode.clinic_id;
  int raised = 0;
  for (const RaisedAlert& r : alerts) {
    FeedbackAlert alert = AlertRecord(r, episode.id, episode.clinic_id, std::nullopt, now);
    RAPPORT_ASSIGN_OR_RETURN(alert.id, txn.InsertAlert(alert));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, scheduler, now, "raise", "alert", Id(alert.id)));
    RAPPORT_RETURN_IF_ERROR(NotifyAlertRaised(txn, wiring_.notifier, alert, episode, name, now));
    ++raised;
  }
  if (raised == 0) return Ok();
  draft->risk_alerted_at = now;
  return txn.PutFeedbackDraft(*draft);
}

}  // namespace rapport
