#include "service/demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include "domain/alerts.h"
#include "domain/catalog.h"
#include "domain/change.h"
#include "domain/scoring.h"
#include "service/actor.h"
#include "service/audit_log.h"
#include "service/feedback_service.h"

namespace rapport {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr int kWeeksOfHistory = 16;
constexpr int kUpcomingWeeks = 3;
// Any fixed value: the clinic must come out the same on every run.
constexpr std::uint32_t kSeed = 20261125;

struct StaffSeed {
  const char* email;
  const char* name;
  Role role;
  const char* credentials;
  const char* bio;
};

constexpr std::array<StaffSeed, 5> kStaff{{
    {"admin@demo.rapport", "Morgan Ellis", Role::kAdmin, "", ""},
    {"supervisor@demo.rapport", "Dr. Amara Okafor", Role::kSupervisor, "", ""},
    {"therapist@demo.rapport", "Sofia Lindqvist", Role::kTherapist,
     "Clinical psychologist; CBT and play therapy",
     "Works with adults and younger children; warm, structured and curious."},
    {"daniel.nakamura@demo.rapport", "Daniel Nakamura", Role::kTherapist,
     "Counselling psychologist; ACT, adolescents",
     "Helps teenagers and young adults with anxiety, school stress and big changes."},
    {"priya.raman@demo.rapport", "Priya Raman", Role::kTherapist,
     "Licensed clinical social worker; EFT and trauma-informed care",
     "Focuses on grief, relationships and rebuilding after difficult years."},
}};
constexpr int kFirstTherapist = 2;

enum class Age { kAdult, kNine, kFourteen };

struct ClientSeed {
  const char* email;
  const char* name;
  const char* preferred;
  const char* date_of_birth;  // adults only; children are aged relative to today
  Age age;
  int therapist;      // 0..2 among the three therapists
  int started_weeks;  // weeks ago the episode began
  EpisodeStatus status;
  int ended_weeks;  // weeks ago it ended (ended episodes only)
  int weekday;      // day offset within the week of the standing slot
  int hour;         // UTC hour of the standing slot
  Modality modality;
};

constexpr std::array<ClientSeed, 12> kClients{{
    {"client@demo.rapport", "Jordan Reyes", "Jordan", "1991-04-12", Age::kAdult, 0, 16,
     EpisodeStatus::kActive, 0, 1, 9, Modality::kInPerson},
    {"leo.haddad@demo.rapport", "Leo Haddad", "Leo", "", Age::kNine, 0, 12, EpisodeStatus::kActive,
     0, 2, 15, Modality::kInPerson},
    {"ama.mensah@demo.rapport", "Ama Mensah", "Ama", "", Age::kFourteen, 1, 14,
     EpisodeStatus::kActive, 0, 3, 16, Modality::kVideo},
    {"mei.chen@demo.rapport", "Mei Chen", "", "1986-09-03", Age::kAdult, 0, 10,
     EpisodeStatus::kActive, 0, 4, 11, Modality::kVideo},
    {"tomas.alvarez@demo.rapport", "Tomás Álvarez", "Tomás", "1979-01-22", Age::kAdult, 1, 16,
     EpisodeStatus::kActive, 0, 1, 13, Modality::kInPerson},
    {"aisha.bello@demo.rapport", "Aisha Bello", "", "1995-06-30", Age::kAdult, 2, 15,
     EpisodeStatus::kActive, 0, 2, 10, Modality::kInPerson},
    {"noah.fischer@demo.rapport", "Noah Fischer", "", "2001-11-08", Age::kAdult, 2, 8,
     EpisodeStatus::kActive, 0, 3, 14, Modality::kPhone},
    {"hana.sato@demo.rapport", "Hana Sato", "", "1968-02-17", Age::kAdult, 0, 6,
     EpisodeStatus::kActive, 0, 4, 16, Modality::kInPerson},
    {"samuel.adeyemi@demo.rapport", "Samuel Adeyemi", "Sam", "1988-07-25", Age::kAdult, 1, 11,
     EpisodeStatus::kActive, 0, 0, 17, Modality::kVideo},
    {"grace.obrien@demo.rapport", "Grace O'Brien", "", "1974-12-01", Age::kAdult, 2, 16,
     EpisodeStatus::kEnded, 4, 0, 9, Modality::kInPerson},
    {"ravi.patel@demo.rapport", "Ravi Patel", "", "1993-03-14", Age::kAdult, 1, 4,
     EpisodeStatus::kActive, 0, 2, 12, Modality::kInPerson},
    {"lucia.moreno@demo.rapport", "Lucía Moreno", "", "1999-08-19", Age::kAdult, 2, 1,
     EpisodeStatus::kIntake, 0, 4, 15, Modality::kVideo},
}};

struct GuardianSeed {
  const char* email;
  const char* name;
  int child;  // index into kClients
};

constexpr std::array<GuardianSeed, 2> kGuardians{{
    {"guardian@demo.rapport", "Elena Haddad", 1},
    {"kwame.mensah@demo.rapport", "Kwame Mensah", 2},
}};

// A child's date of birth `years` and a few months before `now`, so ages stay ~9 and ~14.
std::string ChildBirthday(Timestamp now, int years) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(sys_time<milliseconds>{milliseconds{now}})};
  year_month_day born = today - std::chrono::years(years) - months(4);
  if (!born.ok()) born = born.year() / born.month() / 28;
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(born.year()),
                     static_cast<unsigned>(born.month()), static_cast<unsigned>(born.day()));
}

// --- Feedback histories (issue 3, item 9) ----------------------------------------------------

// How one client's questionnaires move over their sessions: totals at the first and the latest
// session, eased in between (most change comes early in therapy).
struct Course {
  double start = 0, end = 0;
};

struct FeedbackStory {
  Course outcome;                      // PHQ-9 for adults, PSC-17 (from the guardian) for children
  Course anxiety;                      // GAD-7 for adults
  Course rapport;                      // Rapport Check
  int risk_session = -1;               // session index with a PHQ-9 item 9 answer above zero
  std::optional<double> last_rapport;  // a drop at the latest session
  const char* last_comment = "";       // the Rapport Check comment at the latest session
};

// Indexed like kClients.
const std::array<FeedbackStory, 12> kStories{{
    // Jordan (therapist@): recovering, with an early risk answer that was followed up.
    {{17, 5}, {14, 5}, {41, 48}, 1, std::nullopt, ""},
    // Leo, 9: his mother's PSC-17 comes down; he rates sessions highly.
    {{22, 12}, {0, 0}, {44, 48}, -1, std::nullopt, ""},
    // Ama, 14: slow to trust at first, then settling.
    {{18, 11}, {0, 0}, {37, 45}, -1, std::nullopt, ""},
    // Mei (therapist@): not on track: scores stay where they started.
    {{16, 17}, {12, 13}, {43, 42}, -1, std::nullopt, ""},
    // Tomás: improving.
    {{14, 8}, {11, 6}, {44, 47}, -1, std::nullopt, ""},
    // Aisha: recovered.
    {{19, 6}, {15, 6}, {42, 48}, -1, std::nullopt, ""},
    // Noah: improving slowly.
    {{12, 9}, {13, 9}, {40, 44}, -1, std::nullopt, ""},
    // Hana (therapist@): improving, but the latest session went badly for her: a rapport drop.
    {{15, 10},
     {10, 7},
     {46, 46},
     -1,
     33,
     "I felt rushed today and we did not get to talk about my sister."},
    // Sam: unchanged so far.
    {{11, 12}, {9, 10}, {45, 45}, -1, std::nullopt, ""},
    // Grace: finished, recovered.
    {{18, 4}, {14, 4}, {43, 49}, -1, std::nullopt, ""},
    // Ravi: four weeks in.
    {{13, 11}, {12, 10}, {42, 44}, -1, std::nullopt, ""},
    // Lucía: intake.
    {{14, 14}, {13, 13}, {40, 40}, -1, std::nullopt, ""},
}};

double Eased(const Course& c, int session, int sessions) {
  if (sessions <= 1) return c.start;
  const double p = static_cast<double>(session) / (sessions - 1);
  constexpr double kShape = 2.5;
  return c.start + (c.end - c.start) * (1 - std::exp(-kShape * p)) / (1 - std::exp(-kShape));
}

// Answers whose total lands near `target`: every scored item at about the same level of its
// range, nudged a step up or down now and then so that no two forms look alike.
Answers AnswersNear(const Instrument& instrument, double target, std::mt19937& random) {
  const Scale& total = instrument.TotalScale();
  const double span = total.max_score - total.min_score;
  const double level = span > 0 ? std::clamp((target - total.min_score) / span, 0.0, 1.0) : 0;
  Answers answers;
  std::vector<const Item*> items;
  for (const Item& item : instrument.items) {
    if (item.type == ItemType::kText || !item.scored) continue;
    const bool in_total =
        std::find(total.items.begin(), total.items.end(), item.id) != total.items.end();
    if (!in_total && !item.required) continue;
    items.push_back(&item);
  }
  for (const Item* item : items) {
    std::vector<double> values;
    if (item->type == ItemType::kChoice) {
      for (const auto& o : item->options) values.push_back(o.value);
      std::sort(values.begin(), values.end());
    } else {
      for (double v = item->min; v <= item->max + 1e-9; v += item->step) values.push_back(v);
    }
    if (values.empty()) continue;
    const double wanted = item->reverse ? 1 - level : level;
    double position = wanted * static_cast<double>(values.size() - 1);
    const std::uint32_t roll = random() % 10;
    if (roll == 0) position -= 1;
    if (roll == 1) position += 1;
    const auto index = static_cast<std::size_t>(
        std::clamp(std::lround(position), 0L, static_cast<long>(values.size() - 1)));
    answers.values[item->id] = values[index];
  }
  // Risk items say nothing unless the story says so.
  for (const RiskRule& r : instrument.risk) {
    if (const Item* item = instrument.FindItem(r.item)) {
      answers.values[r.item] = item->type == ItemType::kChoice && !item->options.empty()
                                   ? item->options.front().value
                                   : item->min;
    }
  }
  return answers;
}


// One client's completed sessions and whom the demo writes their feedback for.
struct FeedbackPlan {
  std::size_t client_index = 0;
  EpisodeId episode_id = 0;
  ClinicId clinic_id = 0;
  UserId client_id = 0;
  UserId therapist_id = 0;
  UserId guardian_id = 0;  // children only
  std::string client_name;
  bool child = false;
  std::vector<Appointment> completed;
};

// Writes one response as the service would have (same scoring and alert rules), and its alerts:
// older alerts were handled by the therapist at the next session; recent ones are still open.
class FeedbackWriter {
 public:
  FeedbackWriter(WriteTxn& txn, const Actor& system, Timestamp now, const AlertRules& rules,
                 DemoSummary& summary)
      : txn_(txn), system_(system), now_(now), rules_(rules), summary_(summary) {}

  Status Write(const FeedbackPlan& plan, const Instrument& instrument, Respondent respondent,
               UserId respondent_id, const Answers& answers,
               std::optional<AppointmentId> appointment, Timestamp at, bool acknowledge_risk) {
    RAPPORT_ASSIGN_OR_RETURN(const ScoreResult score,
                             Score(instrument, answers, Completeness::kRequireRequired));
    auto& previous = history_[{plan.episode_id, instrument.code}];
    const Scale& total = instrument.TotalScale();
    SubmissionFacts facts;
    facts.client_name = plan.client_name;
    facts.instrument = &instrument;
    facts.score = &score;
    facts.previous_totals = previous;
    facts.session_number = static_cast<int>(previous.size());
    if (auto it = answers.values.find("fit_talk"); it != answers.values.end()) {
      facts.fit_talk_answer = it->second;
    }
    if (score.total && !previous.empty()) {
      if (auto change = ComputeChange(total, previous.front(), *score.total))
        facts.change = *change;
      if (instrument.purpose == Purpose::kOutcome) {
        if (auto norm = ExpectedTrajectoryFromNorm(total, previous.front(), facts.session_number)) {
          facts.expected = norm->back();
        }
      }
    }
    FeedbackResponse r;
    r.episode_id = plan.episode_id;
    r.appointment_id = appointment;
    r.instrument = instrument.code;
    r.instrument_version = instrument.version;
    r.respondent = respondent;
    r.respondent_user_id = respondent_id;
    r.submitted_at = at;
    r.session_number = facts.session_number;
    r.answers_json = AnswersToJson(answers).dump();
    r.total = score.total;
    r.band = score.band;
    r.scales_json = ScaleScoresToJson(score).dump();
    r.risk_json = Json(score.risk).dump();
    RAPPORT_ASSIGN_OR_RETURN(const ResponseId id, txn_.InsertResponse(r));
    ++summary_.responses;
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn_, system_, now_, "submit", "response", std::to_string(id)));
    auto& unresolved = unresolved_[{plan.episode_id, instrument.code}];
    for (const RaisedAlert& raised : WithoutRepeats(EvaluateSubmission(rules_, facts), unresolved)) {
      FeedbackAlert a;
      a.episode_id = plan.episode_id;
      a.clinic_id = plan.clinic_id;
      a.response_id = id;
      a.rule_id = raised.rule_id;
      a.kind = raised.kind;
      a.severity = raised.severity;
      a.title = raised.title;
      a.explanation = raised.explanation;
      a.next_step = raised.next_step;
      a.raised_at = at;
      if (raised.kind == AlertKind::kRisk && acknowledge_risk) {
        a.state = AlertState::kAcknowledged;
        a.acknowledged_by = plan.therapist_id;
        a.acknowledged_at = at + 3 * kHour;
        a.acknowledge_note =
            "Called the same afternoon: no plan or intent. Reviewed the safety plan together and "
            "shared the crisis numbers; we check in on this at every session.";
      } else if (at < now_ - 2 * kWeek) {
        a.state = AlertState::kResolved;
        a.acknowledged_by = plan.therapist_id;
        a.acknowledged_at = at + kDay;
        a.acknowledge_note = "Talked it through at the next session.";
        a.resolved_by = plan.therapist_id;
        a.resolved_at = at + kWeek;
      }
      RAPPORT_ASSIGN_OR_RETURN(const AlertId alert_id, txn_.InsertAlert(a));
      if (a.state != AlertState::kResolved) unresolved.push_back(a.kind);
      ++summary_.alerts;
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn_, system_, now_, "raise", "alert", std::to_string(alert_id)));
    }
    if (score.total) previous.push_back(*score.total);
    return Ok();
  }

 private:
  WriteTxn& txn_;
  const Actor& system_;
  Timestamp now_;
  const AlertRules& rules_;
  DemoSummary& summary_;
  // Alert kinds still unresolved per episode and questionnaire, as the service tracks them.
  std::map<std::pair<EpisodeId, std::string>, std::vector<AlertKind>> unresolved_;
  std::map<std::pair<EpisodeId, std::string>, std::vector<double>> history_;
};

Status WriteFeedback(WriteTxn& txn, const Actor& system, Timestamp now,
                     const InstrumentCatalog& catalog, const std::vector<FeedbackPlan>& plans,
                     std::mt19937& random, DemoSummary& summary) {
  const AlertRules& rules = ShippedAlertRules();
  const Instrument* phq9 = catalog.Find("PHQ-9");
  const Instrument* gad7 = catalog.Find("GAD-7");
  const Instrument* rapport = catalog.Find("RAPPORT-CHECK");
  const Instrument* fit = catalog.Find("FIT-CHECK");
  const Instrument* psc17 = catalog.Find("PSC-17");
  if (!phq9 || !gad7 || !rapport || !fit || !psc17) {
    return Fail(Error::Internal("a shipped questionnaire is missing"));
  }
  FeedbackWriter writer(txn, system, now, rules, summary);
  for (const FeedbackPlan& plan : plans) {
    const FeedbackStory& story = kStories[plan.client_index];
    const int sessions = static_cast<int>(plan.completed.size());
    for (int s = 0; s < sessions; ++s) {
      const Appointment& a = plan.completed[static_cast<std::size_t>(s)];
      const Timestamp after = a.starts_at + a.duration_minutes * kMinute + 5 * kMinute;
      const bool latest = s == sessions - 1;
      if (plan.child) {
        // Parents fill in the PSC-17 every other week; the child rates every session.
        if (s % 2 == 0 || latest) {
          Answers answers = AnswersNear(*psc17, Eased(story.outcome, s, sessions), random);
          RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *psc17, Respondent::kGuardian,
                                               plan.guardian_id, answers, a.id, after + 2 * kHour,
                                               false));
        }
      } else {
        Answers mood = AnswersNear(*phq9, Eased(story.outcome, s, sessions), random);
        if (s == story.risk_session) mood.values["phq9_9"] = 1;
        RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *phq9, Respondent::kClient, plan.client_id, mood,
                                             a.id, after, s == story.risk_session));
        Answers worry = AnswersNear(*gad7, Eased(story.anxiety, s, sessions), random);
        RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *gad7, Respondent::kClient, plan.client_id,
                                             worry, a.id, after + kMinute, false));
      }
      double rapport_target = Eased(story.rapport, s, sessions);
      if (latest && story.last_rapport) rapport_target = *story.last_rapport;
      Answers check = AnswersNear(*rapport, rapport_target, random);
      if (latest && *story.last_comment != '\0') check.texts["rc_better"] = story.last_comment;
      RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *rapport, Respondent::kClient, plan.client_id,
                                           check, a.id, after + 2 * kMinute, false));
      if (s == 0 && !plan.child && after + kDay < now) {
        // The Fit Check goes out a day after the first appointment.
        Answers fit_answers;
        fit_answers.values["fit_continue"] = 8;
        fit_answers.values["fit_talk"] = 0;
        RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *fit, Respondent::kClient, plan.client_id,
                                             fit_answers, std::nullopt, after + kDay, false));
      }
    }
  }
  return Ok();
}

}  // namespace

Result<DemoSummary> SeedDemo(Store& store, Timestamp now, const std::string& password,
                             HashCost cost) {
  RAPPORT_ASSIGN_OR_RETURN(auto clinics, store.ListClinics());
  if (!clinics.empty()) {
    return Fail(Error::FailedPrecondition(
        "The database already holds a clinic; the demo clinic is only seeded into an empty "
        "database."));
  }
  if (password.empty()) return Fail(Error::Field("password", "is required"));
  // One slow hash shared by every account keeps seeding fast while sign-ins stay real.
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, HashPassword(password, cost));

  DemoSummary summary;
  for (const StaffSeed& s : kStaff) summary.accounts.push_back({s.email, s.name, s.role});
  summary.accounts.push_back({kClients[0].email, kClients[0].name, Role::kClient});
  summary.accounts.push_back({kGuardians[0].email, kGuardians[0].name, Role::kGuardian});
  summary.accounts.push_back({kGuardians[1].email, kGuardians[1].name, Role::kGuardian});
  for (std::size_t i = 1; i < kClients.size(); ++i) {
    summary.accounts.push_back({kClients[i].email, kClients[i].name, Role::kClient});
  }

  const Timestamp today = now - (now % kDay);
  std::mt19937 random(kSeed);
  RAPPORT_ASSIGN_OR_RETURN(const InstrumentCatalog catalog, InstrumentCatalog::Shipped());
  std::vector<FeedbackPlan> plans;
  Actor system = Actor::System("demo");

  const Status written = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(summary.clinic_id,
                             txn.InsertClinic(Clinic{0, std::string(kDemoClinicName), {}}));
    system.clinic_id = summary.clinic_id;
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, system, now, "create", "clinic", std::to_string(summary.clinic_id)));
    const auto add_user = [&](const char* email, const char* name, Role role) -> Result<UserId> {
      NewUser user{
          summary.clinic_id, email, name, role, hash, now - kWeeksOfHistory * kWeek - kWeek};
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, txn.InsertUser(user));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "user", std::to_string(id)));
      return id;
    };

    std::vector<UserId> staff;
    for (const StaffSeed& s : kStaff) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(s.email, s.name, s.role));
      staff.push_back(id);
      if (s.role == Role::kTherapist) {
        RAPPORT_RETURN_IF_ERROR(
            txn.UpsertTherapistProfile(TherapistProfile{id, s.credentials, s.bio, true}));
      }
    }
    const UserId supervisor = staff[1];
    for (int t = 0; t < 3; ++t) {
      RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(supervisor, staff[kFirstTherapist + t]));
    }

    std::vector<UserId> clients;
    for (const ClientSeed& c : kClients) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(c.email, c.name, Role::kClient));
      clients.push_back(id);
      std::string born = c.date_of_birth;
      if (c.age == Age::kNine) born = ChildBirthday(now, 9);
      if (c.age == Age::kFourteen) born = ChildBirthday(now, 14);
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{id, born, c.preferred}));

      Episode episode;
      episode.clinic_id = summary.clinic_id;
      episode.client_id = id;
      episode.therapist_id = staff[kFirstTherapist + c.therapist];
      episode.status = c.status;
      // The first session is the start of the episode.
      const Timestamp first = today - c.started_weeks * kWeek + c.weekday * kDay + c.hour * kHour;
      episode.started_at = first;
      const bool ended = c.status == EpisodeStatus::kEnded;
      const Timestamp last_past = ended ? today - c.ended_weeks * kWeek + c.weekday * kDay : now;
      if (ended) episode.ended_at = last_past + c.hour * kHour + kHour;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode_id, txn.InsertEpisode(episode));
      ++summary.episodes;
      const bool child = c.age != Age::kAdult;
      for (const auto& assignment : FeedbackService::DefaultAssignments(episode_id, child, first)) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(assignment));
      }
      FeedbackPlan plan;
      plan.client_index = clients.size() - 1;
      plan.episode_id = episode_id;
      plan.clinic_id = summary.clinic_id;
      plan.client_id = id;
      plan.therapist_id = episode.therapist_id;
      plan.client_name = *c.preferred != '\0' ? c.preferred : c.name;
      plan.child = child;
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "episode", std::to_string(episode_id)));

      const Timestamp horizon = ended ? last_past + kDay : now + kUpcomingWeeks * kWeek;
      for (Timestamp at = first; at < horizon; at += kWeek) {
        Appointment a;
        a.episode_id = episode_id;
        a.starts_at = at;
        a.duration_minutes = c.status == EpisodeStatus::kIntake ? 60 : 50;
        a.modality = c.modality;
        if (at + a.duration_minutes * kMinute <= now) {
          // Mostly kept, sometimes cancelled, now and then missed: what a real diary looks like.
          const std::uint32_t roll = random() % 100;
          a.status = roll < 6    ? AppointmentStatus::kCancelled
                     : roll < 10 ? AppointmentStatus::kNoShow
                                 : AppointmentStatus::kCompleted;
        } else {
          a.status = AppointmentStatus::kScheduled;
        }
        RAPPORT_ASSIGN_OR_RETURN(a.id, txn.InsertAppointment(a));
        const AppointmentId appointment_id = a.id;
        ++summary.appointments;
        if (a.status == AppointmentStatus::kCompleted) plan.completed.push_back(a);
        RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, now, "create", "appointment",
                                              std::to_string(appointment_id)));
      }
      plans.push_back(std::move(plan));
    }

    for (const GuardianSeed& g : kGuardians) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(g.email, g.name, Role::kGuardian));
      const UserId child = clients[static_cast<std::size_t>(g.child)];
      RAPPORT_RETURN_IF_ERROR(txn.LinkGuardian(id, child));
      plans[static_cast<std::size_t>(g.child)].guardian_id = id;
      RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, now, "create", "guardian_link",
                                            fmt::format("{}:{}", id, child)));
    }
    return WriteFeedback(txn, system, now, catalog, plans, random, summary);
  });
  if (!written) return Fail(written.error());
  return summary;
}

}  // namespace rapport
