#include "demo/demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/calendar_date.h"
#include "demo/demo_answers.h"
#include "demo/demo_course.h"
#include "demo/demo_family.h"
#include "demo/demo_matching.h"
#include "domain/alerts.h"
#include "domain/catalog.h"
#include "domain/change.h"
#include "domain/ending.h"
#include "domain/notes.h"
#include "domain/plan.h"
#include "domain/scoring.h"
#include "service/actor.h"
#include "service/audit_log.h"
#include "service/feedback_service.h"
#include "service/room_service.h"
#include "service/submission.h"

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
constexpr int kOnCallTherapist = 3;  // Daniel Nakamura
constexpr int kOnCallDays = 28;
// The client who has a video check-in starting this long after the demo is seeded.
constexpr const char* kVideoCheckInClient = "client@demo.rapport";
constexpr Timestamp kVideoCheckInAfter = 5LL * 60 * 1000;

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

// Ravi Patel asked for a different therapist (service/demo_course.h); Mei Chen has a rupture still
// waiting for its repair note.
constexpr std::size_t kTransferringClient = 10;
constexpr std::size_t kRuptureWaitingClient = 3;

// What the demo's finished course says at its end.
EndingWords DemoEnding() {
  EndingWords words;
  words.reason = EndReason::kGoalsMet;
  words.ending_note =
      "We looked back over our twelve weeks together: what changed, what Grace is proud of, and "
      "what she wants to keep doing on her own.";
  words.what_helped =
      "Walking every morning before work, writing the worry down and coming back to it at six, "
      "and saying no to extra shifts.";
  words.what_did_not = "Trying to stop the worrying by force; it came back louder.";
  words.relapse_signs =
      "Lying awake before early shifts, skipping the morning walk, cancelling "
      "plans with her sister.";
  words.if_it_returns =
      "Go back to the worry time and the walk for two weeks. If sleep has not come back by then, "
      "ask the clinic for a check-in: the door stays open.";
  words.referrals = {Referral{"Local walking group", "Tuesdays and Saturdays, 9:00, park gates",
                              "Company for the morning walks"}};
  return words;
}

// Signed notes of the finished course's last two sessions, the last with an addendum: what a
// closed record looks like. Written as the therapist, an hour after each session.
Status SeedNotes(WriteTxn& txn, const Actor& system, Timestamp now, EpisodeId episode_id,
                 UserId therapist, const std::vector<Appointment>& completed) {
  if (completed.size() < 2 || ShippedNoteTemplates().empty()) return Ok();
  constexpr std::array<std::array<std::string_view, 3>, 2> kWords{{
      {"Reviewed the week: two early shifts, slept six hours both nights. Worry time used four "
       "days out of seven. Her worry questionnaire is lower again.",
       "Steady progress; the worry routine is her own now. No risk indicated. Working alliance "
       "warm; she asked to plan the ending.",
       "Next session: look back over the course and write down the signs to watch for."},
      {"Ending session. Went through what changed since the start and what she wants to keep "
       "doing: the morning walk, worry time, saying no to extra shifts.",
       "Goals met: sleeping most nights, worry down to mild. No risk indicated.",
       "Therapy ends today by agreement. Summary written; the door stays open."},
  }};
  const NoteTemplate& dap = ShippedNoteTemplates().front();
  for (std::size_t i = 0; i < 2; ++i) {
    const Appointment& a = completed[completed.size() - 2 + i];
    const Timestamp written = a.starts_at + (a.duration_minutes + 60) * kMinute;
    SessionNote note;
    note.appointment_id = a.id;
    note.episode_id = episode_id;
    note.author_id = therapist;
    note.note_template = dap;
    for (std::size_t k = 0; k < dap.sections.size() && k < 3; ++k) {
      note.sections.emplace_back(dap.sections[k].key, std::string(kWords[i][k]));
    }
    note.created_at = written;
    note.updated_at = written;
    RAPPORT_ASSIGN_OR_RETURN(note.id, txn.InsertSessionNote(note));
    note.state = NoteState::kSigned;
    note.signed_at = written;
    note.signed_by = therapist;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateSessionNote(note));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, system, now, "create", "session_note", std::to_string(note.id)));
    if (i == 1) {
      const Timestamp later = written + 2 * 24 * 60 * kMinute;
      RAPPORT_ASSIGN_OR_RETURN(
          const AddendumId addendum,
          txn.InsertNoteAddendum(NoteAddendum{0, note.id, therapist,
                                              "Her sister phoned to say thank you; passed on "
                                              "with Grace's agreement. Nothing clinical to add.",
                                              later}));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "note_addendum", std::to_string(addendum)));
    }
  }
  return Ok();
}

struct GuardianSeed {
  const char* email;
  const char* name;
  int child;  // index into kClients
};

constexpr std::array<GuardianSeed, 2> kGuardians{{
    {"guardian@demo.rapport", "Elena Haddad", 1},
    {"kwame.mensah@demo.rapport", "Kwame Mensah", 2},
}};

// Leo's father, whose access a court order limits (service/demo_family.h).
constexpr GuardianSeed kLimitedGuardian{"marcus.haddad@demo.rapport", "Marcus Haddad", 1};

// What a held session's rapport signals might have left: modest movement synchrony in which the
// client mostly follows, the client talking a little over half the time, or for a typed session
// the style of their messages. Varied by the appointment's id, not the random stream.
SignalSummary DemoSignals(const Appointment& a, Timestamp length) {
  SignalSummary s;
  const std::int64_t id = a.id;
  s.settled_steps = length / kSignalStepMs;
  s.both_steps = s.settled_steps - s.settled_steps / 40;
  if (a.modality == Modality::kText) {
    s.typed.messages = {static_cast<int>(30 + id % 9), static_cast<int>(34 + id % 7)};
    s.typed.words = {s.typed.messages[0] * 14LL, s.typed.messages[1] * 19LL};
    s.typed.style_matching = 0.78 + 0.02 * static_cast<double>(id % 6);
    s.typed.median_reply_ms = {48000.0 + 1000.0 * static_cast<double>(id % 11),
                               71000.0 + 1000.0 * static_cast<double>(id % 13)};
    return s;
  }
  if (a.modality == Modality::kVideo) {
    s.movement.windows = static_cast<int>((s.settled_steps - 250) / 50 + 1);
    s.movement.strength = 0.16 + 0.03 * static_cast<double>(id % 7);
    const double lag = 0.1 * static_cast<double>(1 + id % 9) * (id % 4 == 0 ? -1 : 1);
    s.movement.peak_lag_seconds = lag;
    s.movement.leader = lag > 0 ? SyncLeader::kTherapist : SyncLeader::kClient;
  }
  const double client_share = 0.50 + 0.02 * static_cast<double>(id % 8);
  const double talk = 0.8 * static_cast<double>(length);
  s.talk.talk_ms = {static_cast<std::int64_t>(talk * (1 - client_share)),
                    static_cast<std::int64_t>(talk * client_share)};
  s.talk.client_share = client_share;
  s.talk.turns = {static_cast<int>(38 + id % 10), static_cast<int>(37 + id % 10)};
  s.talk.mean_turn_ms = {static_cast<double>(s.talk.talk_ms[0]) / s.talk.turns[0],
                         static_cast<double>(s.talk.talk_ms[1]) / s.talk.turns[1]};
  s.talk.median_latency_ms = {700.0 + 50.0 * static_cast<double>(id % 5),
                              900.0 + 60.0 * static_cast<double>(id % 6)};
  s.talk.overlaps = static_cast<int>(6 + id % 5);
  s.talk.interruptions = {static_cast<int>(1 + id % 2), static_cast<int>(id % 3)};
  s.typed.style_matching = std::numeric_limits<double>::quiet_NaN();
  return s;
}

// A child's date of birth `years` and a few months before `now`, so ages stay ~9 and ~14.
// Jordan and Sofia arranging this week's video check-in by secure message: Jordan read Sofia's
// reply; Sofia has not yet opened Jordan's last message.
Status SeedMessages(WriteTxn& txn, const Actor& system, ClinicId clinic, EpisodeId episode,
                    UserId client, UserId therapist, Timestamp now) {
  struct Line {
    bool from_client;
    Timestamp ago;
    const char* body;
  };
  static constexpr std::array<Line, 3> kLines = {{
      {true, 2 * kDay + 3 * kHour,
       "Hi Sofia, work has been full on this week. Would it be all right to do our next session "
       "by video? I'll be at home."},
      {false, 2 * kDay,
       "Of course, Jordan. I've made it a video session: the link to the room appears on your "
       "home page ten minutes before we start. Bring your sleep diary if you can."},
      {true, 20 * kHour, "Thank you. I filled the diary in most nights, even the bad ones."},
  }};
  for (const Line& line : kLines) {
    const EpisodeMessage message{
        0,         clinic,         episode,     line.from_client ? client : therapist,
        line.body, now - line.ago, std::nullopt};
    RAPPORT_ASSIGN_OR_RETURN(const MessageId id, txn.InsertEpisodeMessage(message));
    if (!line.from_client) {
      RAPPORT_RETURN_IF_ERROR(
          txn.MarkEpisodeMessagesRead(episode, client, id, message.sent_at + 40 * kMinute));
    } else if (line.ago > kDay) {
      RAPPORT_RETURN_IF_ERROR(
          txn.MarkEpisodeMessagesRead(episode, therapist, id, message.sent_at + kHour));
    }
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, system, now, "create", "episode_message", std::to_string(id)));
  }
  return Ok();
}

std::string ChildBirthday(Timestamp now, int years) {
  using namespace std::chrono;
  year_month_day born = UtcDateOf(now) - std::chrono::years(years) - months(4);
  if (!born.ok()) born = born.year() / born.month() / 28;
  return FormatCalendarDate(born);
}

// --- Feedback histories ----------------------------------------------------

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
               std::optional<AppointmentId> appointment, Timestamp at, bool acknowledge_risk,
               const std::string& respondent_label = {}) {
    RAPPORT_ASSIGN_OR_RETURN(const ScoreResult score,
                             Score(instrument, answers, Completeness::kRequireRequired));
    // As the service keeps them: one series per questionnaire and, for a guardian's own rapport
    // questionnaire, per guardian.
    auto& previous =
        history_[{plan.episode_id, instrument.code + "/" + std::to_string(respondent_id)}];
    std::optional<double> fit_talk;
    if (auto it = answers.values.find("fit_talk"); it != answers.values.end()) {
      fit_talk = it->second;
    }
    const int session = static_cast<int>(previous.size());
    const SubmissionFacts facts =
        FactsOf(instrument, score, respondent_label.empty() ? plan.client_name : respondent_label,
                fit_talk, previous, session, /*pool=*/{});
    const FeedbackResponse r =
        ResponseRecord({plan.episode_id, appointment, respondent, respondent_id, at, session},
                       instrument, AnswersToJson(answers).dump(), score);
    RAPPORT_ASSIGN_OR_RETURN(const ResponseId id, txn_.InsertResponse(r));
    ++summary_.responses;
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn_, system_, now_, "submit", "response", std::to_string(id)));
    auto& unresolved = unresolved_[{plan.episode_id, instrument.code}];
    for (const RaisedAlert& raised :
         WithoutRepeats(EvaluateSubmission(rules_, facts), unresolved)) {
      FeedbackAlert a = AlertRecord(raised, plan.episode_id, plan.clinic_id, id, at);
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
      if (a.state != AlertState::kResolved) {
        unresolved.push_back({a.kind, a.state == AlertState::kAcknowledged});
      }
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
  // Alerts still unresolved per episode and questionnaire, as the service tracks them.
  std::map<std::pair<EpisodeId, std::string>, std::vector<UnresolvedAlert>> unresolved_;
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
  const Instrument* kids = catalog.Find("KIDS-CHECK");
  const Instrument* carer = catalog.Find("CARER-CHECK");
  if (!phq9 || !gad7 || !rapport || !fit || !psc17 || !kids || !carer) {
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
      // A young child rates the session on the Kids' Check's faces, at the same share of its
      // scale as the story's rating of the Rapport Check's.
      const bool young = kClients[plan.client_index].age == Age::kNine;
      const Instrument& form = young ? *kids : *rapport;
      const double target =
          rapport_target * form.TotalScale().max_score / rapport->TotalScale().max_score;
      Answers check = AnswersNear(form, target, random);
      if (latest && !young && *story.last_comment != '\0') {
        check.texts["rc_better"] = story.last_comment;
      }
      RAPPORT_RETURN_IF_ERROR(writer.Write(plan, form, Respondent::kClient, plan.client_id, check,
                                           a.id, after + 2 * kMinute, false));
      // A young child's parent takes part in the last three sessions and says how each felt to
      // them: well at first, then less so. The latest, when recent, is still theirs to answer.
      if (young && plan.guardian_id != 0 && s + 3 >= sessions) {
        RAPPORT_RETURN_IF_ERROR(txn.InsertRoomGuest(
            RoomGuest{a.id, plan.guardian_id, plan.therapist_id, a.starts_at - kDay}));
        const bool still_to_answer = latest && now - after < kCaregiverCheckWindowMs;
        if (!still_to_answer) {
          Answers own = AnswersNear(*carer, s + 3 == sessions ? 52 : 41, random);
          const auto parent =
              std::find_if(kGuardians.begin(), kGuardians.end(), [&](const GuardianSeed& g) {
                return static_cast<std::size_t>(g.child) == plan.client_index;
              });
          const std::string label =
              parent == kGuardians.end()
                  ? std::string()
                  : fmt::format("{} ({}'s parent)", parent->name, plan.client_name);
          RAPPORT_RETURN_IF_ERROR(writer.Write(plan, *carer, Respondent::kGuardian,
                                               plan.guardian_id, own, a.id, after + 3 * kHour,
                                               false, label));
        }
      }
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

// --- Treatment plans ---------------------------------------------------------------

Problem MakeProblem(const char* key, const char* client_words, const char* formulation,
                    const char* diagnosis = "", ProblemStatus status = ProblemStatus::kActive) {
  return Problem{key, client_words, formulation, diagnosis, status};
}

Benchmark Questionnaire(const char* key, const char* instrument, Comparator comparator,
                        double target) {
  Benchmark b;
  b.key = key;
  b.kind = BenchmarkKind::kQuestionnaire;
  b.instrument = instrument;
  b.comparator = comparator;
  b.target = target;
  return b;
}

// A Goal Attainment Scale: what -2, -1, 0 (the expected outcome), +1 and +2 look like.
Benchmark Gas(const char* key, std::array<std::string, kGasLevels> levels, double weight = 1) {
  Benchmark b;
  b.key = key;
  b.kind = BenchmarkKind::kGas;
  b.levels = std::move(levels);
  b.weight = weight;
  return b;
}

// One version as the demo writes it: the content, where it ended up and when each step happened.
struct VersionSeed {
  int number = 1;
  PlanContent content;
  PlanVersionStatus status = PlanVersionStatus::kDraft;
  Timestamp created_at = 0;
  std::optional<Timestamp> proposed_at;  // the therapist's signature
  std::optional<Timestamp> decided_at;   // accepted (the client's signature), sent back, declined
  std::optional<Timestamp> closed_at;    // superseded or withdrawn by a later version
  std::string client_comment;
  UserId guardian_signer = 0;  // also signed by this guardian, before the client
};

// Writes one episode's plan as the plan service would have: content in its canonical form, the
// hash and signatures over it, the events between versions, and an audit entry for each.
class PlanSeeder {
 public:
  PlanSeeder(WriteTxn& txn, const Actor& system, Timestamp now, const InstrumentCatalog& catalog,
             const FeedbackPlan& episode)
      : txn_(txn), system_(system), now_(now), catalog_(catalog), episode_(episode) {}

  // After the end of the `index`-th completed session (the last one when there are fewer).
  Timestamp AfterSession(std::size_t index) const {
    if (episode_.completed.empty()) return now_ - kDay;
    const Appointment& a = episode_.completed[std::min(index, episode_.completed.size() - 1)];
    return a.starts_at + a.duration_minutes * kMinute + 30 * kMinute;
  }
  // Counting back from the latest completed session (0: the latest).
  Timestamp AfterSessionFromEnd(std::size_t back) const {
    const std::size_t n = episode_.completed.size();
    return AfterSession(n > back ? n - 1 - back : 0);
  }

  Status Version(const VersionSeed& seed) {
    // Checked as a therapist's content would be, so the demo never holds a plan the service
    // would refuse to read.
    auto parsed = ParsePlanContent(PlanContentToJson(seed.content), catalog_);
    if (!parsed) {
      return Fail(Error::Internal(fmt::format("demo plan {} of {} is invalid: {}", seed.number,
                                              episode_.client_name, Describe(parsed.error()))));
    }
    const bool frozen = seed.status != PlanVersionStatus::kDraft;
    PlanVersion v;
    v.episode_id = episode_.episode_id;
    v.number = seed.number;
    v.status = seed.status;
    v.content_json = PlanContentToJson(*parsed).dump();
    v.content_hash = frozen ? PlanContentHash(*parsed) : std::string();
    v.created_by = episode_.therapist_id;
    v.created_at = Before(seed.created_at);
    v.proposed_at = Before(seed.proposed_at);
    v.decided_at = Before(seed.decided_at);
    v.updated_at = std::max({v.created_at, v.proposed_at.value_or(0), v.decided_at.value_or(0),
                             Before(seed.closed_at).value_or(0)});
    v.client_comment = seed.client_comment;
    if (seed.status == PlanVersionStatus::kWithdrawn) v.decided_at = Before(seed.closed_at);
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn_.InsertPlanVersion(v));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn_, system_, now_, "create", "plan_version", std::to_string(id)));
    if (v.proposed_at) {
      RAPPORT_RETURN_IF_ERROR(txn_.InsertPlanSignature(PlanSignature{
          id, SignerRole::kTherapist, episode_.therapist_id, *v.proposed_at, v.content_hash}));
    }
    const bool accepted =
        seed.status == PlanVersionStatus::kAgreed || seed.status == PlanVersionStatus::kSuperseded;
    if (accepted && v.decided_at) {
      if (seed.guardian_signer != 0) {
        RAPPORT_RETURN_IF_ERROR(
            txn_.InsertPlanSignature(PlanSignature{id, SignerRole::kGuardian, seed.guardian_signer,
                                                   *v.decided_at - 2 * kHour, v.content_hash}));
      }
      RAPPORT_RETURN_IF_ERROR(txn_.InsertPlanSignature(PlanSignature{
          id, SignerRole::kClient, episode_.client_id, *v.decided_at, v.content_hash}));
    }
    return Ok();
  }

  Status Rank(SignerRole who, std::vector<std::string> order, Timestamp at) {
    const bool client = who == SignerRole::kClient;
    return Event(PlanEventKind::kRanking, client ? "client" : "therapist",
                 Json{{"order", std::move(order)}},
                 client ? episode_.client_id : episode_.therapist_id, at);
  }
  Status Rate(const char* goal, int rating, const char* note, Timestamp at) {
    return Event(PlanEventKind::kSelfRating, goal, Json{{"rating", rating}, {"note", note}},
                 episode_.client_id, at);
  }
  Status Tick(const char* homework, bool done, Timestamp at) {
    return Event(PlanEventKind::kHomework, homework, Json{{"done", done}}, episode_.client_id, at);
  }
  Status Thought(const ThoughtRecord& record, Timestamp at) {
    return Event(PlanEventKind::kThoughtRecord, record.goal_key, ThoughtRecordToJson(record),
                 episode_.client_id, at);
  }
  Status Review(int number, const char* notes, const char* changes,
                const std::vector<std::pair<std::string, int>>& gas_levels, Timestamp at) {
    RAPPORT_RETURN_IF_ERROR(Event(PlanEventKind::kReview, std::to_string(number),
                                  Json{{"notes", notes}, {"changes", changes}},
                                  episode_.therapist_id, at));
    for (const auto& [key, level] : gas_levels) {
      RAPPORT_RETURN_IF_ERROR(
          Event(PlanEventKind::kGasLevel, key, Json{{"level", level}}, episode_.therapist_id, at));
    }
    return Ok();
  }

 private:
  // Never in the future, whatever the diary's gaps.
  Timestamp Before(Timestamp at) const { return std::min(at, now_ - kMinute); }
  std::optional<Timestamp> Before(std::optional<Timestamp> at) const {
    if (!at) return std::nullopt;
    return Before(*at);
  }

  static std::string Describe(const Error& error) {
    std::string out = error.message;
    for (const FieldError& f : error.fields) out += fmt::format("; {}: {}", f.field, f.message);
    return out;
  }

  Status Event(PlanEventKind kind, std::string subject, const Json& payload, UserId actor,
               Timestamp at) {
    PlanEvent e;
    e.episode_id = episode_.episode_id;
    e.kind = kind;
    e.subject = std::move(subject);
    e.payload_json = payload.dump();
    e.actor_id = actor;
    e.at = Before(at);
    RAPPORT_ASSIGN_OR_RETURN(const PlanEventId id, txn_.InsertPlanEvent(e));
    return audit::Append(txn_, system_, now_, "create", "plan_event", std::to_string(id));
  }

  WriteTxn& txn_;
  const Actor& system_;
  Timestamp now_;
  const InstrumentCatalog& catalog_;
  const FeedbackPlan& episode_;
};

// Jordan (client@, therapist@): low mood and poor sleep, agreed in the second session; at the
// first review worry at work came up, so version 2 added it and was agreed in turn. Both parties
// ranked the problems, Jordan rates the goals and ticks homework, wrote a thought record, and
// two reviews recorded goal attainment levels.
Status SeedJordanPlan(PlanSeeder& s, Timestamp now) {
  const std::string soon = FormatUtcDate(now + 6 * kWeek);
  const std::string later = FormatUtcDate(now + 10 * kWeek);
  PlanContent v1;
  v1.summary =
      "We will work on getting your energy and enjoyment back step by step, by planning small "
      "activities you used to like and noticing how they change your mood, and on helping you "
      "sleep better with a steady evening routine. We will check how things are going with the "
      "weekly questionnaires and talk about it together.";
  v1.problems = {
      MakeProblem("p1",
                  "I feel flat and tired all the time. I've stopped seeing friends and nothing "
                  "seems worth the effort.",
                  "Moderate depressive episode, kept going by withdrawal from activities and "
                  "friends (less reward, more time to ruminate).",
                  "F32.1"),
      MakeProblem("p2", "I lie awake for hours going over the day, then I'm exhausted at work.",
                  "Initial insomnia driven by evening rumination and an irregular routine."),
  };
  v1.agreed_order = {"p1", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description =
      "Do at least three things a week that I used to enjoy, including seeing a friend.";
  g1.due_date = soon;
  g1.benchmarks = {
      Questionnaire("b1", "PHQ-9", Comparator::kBelow, 10),
      Gas("b2", {"No planned activities in the week", "One planned activity in the week",
                 "Three planned activities, one of them with a friend",
                 "Four or five activities, two with friends",
                 "Most days include something I enjoy, and I've picked up football again"}),
  };
  g1.interventions = {
      {"i1", "Behavioural activation: plan small, doable activities and rate mood before and after",
       "CBT"}};
  g1.homework = {{"h1", "Fill in the activity diary each evening for a week",
                  FormatUtcDate(now - 13 * kWeek)}};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Fall asleep within about 30 minutes on most nights.";
  g2.due_date = soon;
  g2.benchmarks = {
      Gas("b3",
          {"Awake for over an hour most nights", "Asleep within an hour on about half the nights",
           "Asleep within 30 minutes on most nights", "Asleep within 30 minutes nearly every night",
           "Asleep quickly every night and waking rested"})};
  g2.interventions = {{"i2", "A wind-down hour and a fixed getting-up time; a worry pad by the bed",
                       "CBT for insomnia"}};
  g2.homework = {{"h2", "Keep a sleep diary for two weeks", FormatUtcDate(now - 11 * kWeek)}};
  v1.goals = {g1, g2};

  PlanContent v2 = v1;
  v2.problems.push_back(MakeProblem(
      "p3", "Since the reorganisation at work I worry all day that I'll make a mistake.",
      "Generalised worry focused on work performance, with reassurance-seeking (checking emails "
      "late at night)."));
  v2.agreed_order = {"p1", "p3", "p2"};
  Goal g3;
  g3.key = "g3";
  g3.problem_key = "p3";
  g3.description = "Worry about work without it taking over my evenings.";
  g3.due_date = later;
  g3.benchmarks = {
      Questionnaire("b4", "GAD-7", Comparator::kBelow, 8),
      Gas("b5",
          {"Checking work email most evenings after 9pm",
           "Checking work email a few evenings a week", "No work email after 8pm on weekdays",
           "No work email after 8pm, and worry time kept to 15 minutes",
           "Evenings are mine: worry rarely follows me home"},
          2)};
  g3.interventions = {
      {"i3", "Thought records when a worry spikes; a daily 15-minute worry time", "CBT"}};
  g3.homework = {{"h3", "Write one thought record when worry about work spikes",
                  FormatUtcDate(now - 5 * kWeek)},
                 {"h4", "Leave the work phone in the hall after 8pm", FormatUtcDate(now + kWeek)}};
  v2.goals.push_back(g3);
  v2.goals[0].homework.push_back(
      {"h5", "Plan one thing with a friend for the weekend", FormatUtcDate(now + kWeek)});

  RAPPORT_RETURN_IF_ERROR(s.Rank(SignerRole::kClient, {"p2", "p1"}, s.AfterSession(0) + kDay));
  RAPPORT_RETURN_IF_ERROR(s.Rank(SignerRole::kTherapist, {"p1", "p2"}, s.AfterSession(0) + kHour));
  VersionSeed first;
  first.number = 1;
  first.content = v1;
  first.status = PlanVersionStatus::kSuperseded;
  first.created_at = s.AfterSession(0);
  first.proposed_at = s.AfterSession(1);
  first.decided_at = s.AfterSession(1) + kDay;
  first.closed_at = s.AfterSession(6) + kDay;
  RAPPORT_RETURN_IF_ERROR(s.Version(first));
  RAPPORT_RETURN_IF_ERROR(
      s.Rate("g1", 2, "Hard to get going, but I did go for one walk.", s.AfterSession(2)));
  RAPPORT_RETURN_IF_ERROR(s.Tick("h1", true, s.AfterSession(2) + 2 * kDay));
  RAPPORT_RETURN_IF_ERROR(s.Tick("h2", true, s.AfterSession(3) + kDay));
  RAPPORT_RETURN_IF_ERROR(s.Rate("g2", 4, "Asleep faster on work nights.", s.AfterSession(4)));
  RAPPORT_RETURN_IF_ERROR(s.Review(
      1,
      "Mood is lifting: PHQ-9 down from 17 to around 10, and Jordan has been out with friends "
      "twice. Sleep is better on work nights. Jordan raised worry about work, which we had not "
      "planned for.",
      "Add the worry at work as its own problem and goal; keep the activity and sleep goals.",
      {{"b2", 0}, {"b3", -1}}, s.AfterSession(5)));
  RAPPORT_RETURN_IF_ERROR(
      s.Rank(SignerRole::kClient, {"p3", "p1", "p2"}, s.AfterSession(5) + kDay));
  RAPPORT_RETURN_IF_ERROR(
      s.Rank(SignerRole::kTherapist, {"p1", "p3", "p2"}, s.AfterSession(5) + kHour));
  VersionSeed second;
  second.number = 2;
  second.content = v2;
  second.status = PlanVersionStatus::kAgreed;
  second.created_at = s.AfterSession(5) + 30 * kMinute;
  second.proposed_at = s.AfterSession(6);
  second.decided_at = s.AfterSession(6) + kDay;
  RAPPORT_RETURN_IF_ERROR(s.Version(second));
  RAPPORT_RETURN_IF_ERROR(
      s.Rate("g1", 5, "Saw friends on Saturday for the first time in months.", s.AfterSession(7)));
  RAPPORT_RETURN_IF_ERROR(
      s.Rate("g3", 3, "Still checking my emails at 11pm most nights.", s.AfterSession(8)));
  RAPPORT_RETURN_IF_ERROR(s.Tick("h3", true, s.AfterSession(9) + kDay));
  ThoughtRecord record;
  record.goal_key = "g3";
  record.situation =
      "Tuesday, 4pm: my manager sent a message asking to see me tomorrow morning, without "
      "saying why.";
  record.automatic_thoughts =
      "I've messed up the quarterly report. She's going to tell me I'm not coping and they'll "
      "let me go.";
  record.feelings = {{"anxious", 85}, {"ashamed", 60}};
  record.evidence_for = "I sent the report late last month. She was short with me on Monday.";
  record.evidence_against =
      "She thanked me for the report in the team meeting. She often books quick chats about "
      "next month's rota. Nobody has raised a problem with my work since the reorganisation.";
  record.balanced_thought =
      "I don't know what the meeting is about. It is more likely to be about planning than about "
      "my job, and if something did go wrong, I can hear it and fix it.";
  record.feelings_after = {{"anxious", 40}, {"ashamed", 15}};
  RAPPORT_RETURN_IF_ERROR(s.Thought(record, s.AfterSession(9) + kDay + 3 * kHour));
  RAPPORT_RETURN_IF_ERROR(s.Tick("h4", false, s.AfterSession(10)));
  RAPPORT_RETURN_IF_ERROR(s.Review(
      2,
      "Good progress on all three goals. Jordan sees friends most weekends and falls asleep "
      "within half an hour on most nights. Worry at work is easing with the thought records.",
      "No changes for now: keep going with the worry time and the phone in the hall.",
      {{"b2", 1}, {"b3", 0}, {"b5", 0}}, s.AfterSessionFromEnd(1)));
  RAPPORT_RETURN_IF_ERROR(
      s.Rate("g1", 7, "Walking with Sam twice a week now.", s.AfterSessionFromEnd(1) + kHour));
  RAPPORT_RETURN_IF_ERROR(
      s.Rate("g3", 6, "Most evenings are mine again.", s.AfterSessionFromEnd(1) + kHour + kMinute));
  return s.Tick("h4", true, s.AfterSessionFromEnd(0));
}

// Leo, 9 (therapist@, guardian@): school-morning anxiety. The plan is proposed and waits for
// Leo and his mother, whose agreement it asks for and who may see every section.
Status SeedLeoPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary =
      "Leo, your mum and I will work together so that school mornings feel calmer. We will "
      "practise brave steps a little at a time, and your mum will have a goodbye plan to use at "
      "the gate.";
  c.problems = {
      MakeProblem("p1", "My tummy hurts on school mornings and I don't want to go.",
                  "Separation anxiety with somatic complaints on school days; avoidance is "
                  "reinforced when Leo is allowed to stay at home.",
                  "F93.0"),
      MakeProblem("p2", "I get scared when Mum leaves me at the gate.",
                  "Anticipatory anxiety at separation; long goodbyes increase distress."),
  };
  c.agreed_order = {"p1", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Go into school on four mornings out of five without a tummy ache stopping me.";
  g1.due_date = FormatUtcDate(now + 8 * kWeek);
  g1.benchmarks = {
      Questionnaire("b1", "PSC-17", Comparator::kBelow, 15),
      Gas("b2", {"Stays home most school days", "Goes in on two or three days a week",
                 "Goes in on four days out of five", "Goes in every day, a little worried",
                 "Goes in every day and talks about his friends at tea time"}),
  };
  g1.interventions = {{"i1", "A brave-steps ladder from easy to hard, with a sticker for each step",
                       "CBT (graded exposure)"},
                      {"i2", "Belly breathing with the balloon game", "relaxation"}};
  g1.homework = {{"h1", "Practise balloon breathing every evening with Mum",
                  FormatUtcDate(now + kWeek),
                  "Do the balloon breathing with Leo after his bath, and praise him for trying"}};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Say a short goodbye at the gate and walk in with a friend.";
  g2.due_date = FormatUtcDate(now + 8 * kWeek);
  g2.benchmarks = {Gas("b3", {"Cannot let go of Mum at the gate", "Goes in after a long goodbye",
                              "Goes in after a short goodbye", "Goes in with a friend after a wave",
                              "Runs in to find his friends"})};
  g2.interventions = {
      {"i3", "A goodbye plan for Mum: a hug, a special phrase, then leave", "parent coaching"}};
  g2.homework = {
      {"h2", "Try the goodbye plan on Monday and Wednesday", FormatUtcDate(now + kWeek)}};
  c.goals = {g1, g2};
  c.guardian = GuardianSharing{true, true, true, true};

  RAPPORT_RETURN_IF_ERROR(s.Rank(SignerRole::kClient, {"p2", "p1"}, s.AfterSessionFromEnd(1)));
  RAPPORT_RETURN_IF_ERROR(
      s.Rank(SignerRole::kTherapist, {"p1", "p2"}, s.AfterSessionFromEnd(1) + kMinute));
  VersionSeed v;
  v.number = 1;
  v.content = c;
  v.status = PlanVersionStatus::kProposed;
  v.created_at = s.AfterSessionFromEnd(2);
  v.proposed_at = s.AfterSessionFromEnd(0);
  return s.Version(v);
}

// Mei (therapist@): not on track. Agreed early and not reviewed since, so the review is due.
Status SeedMeiPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary =
      "We will look at what keeps the low mood going since your move, build up contact with "
      "people and things that matter to you here, and set limits on work in the evenings.";
  c.problems = {
      MakeProblem("p1", "Everything feels grey since I moved here. I cry most evenings.",
                  "Depressive symptoms after relocation, with loss of social support and "
                  "routine.",
                  "F43.21"),
      MakeProblem("p2", "I can't switch off from work emails at night.",
                  "Work-related worry and checking that crowd out rest and recovery."),
  };
  c.agreed_order = {"p1", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Feel low on fewer days, and have one social contact a week outside work.";
  g1.due_date = FormatUtcDate(now + 4 * kWeek);
  g1.benchmarks = {Questionnaire("b1", "PHQ-9", Comparator::kBelow, 10)};
  g1.interventions = {{"i1", "Plan one social contact each week and notice the mood after it",
                       "behavioural activation"}};
  g1.homework = {{"h1", "Join the Thursday walking group once", FormatUtcDate(now - 5 * kWeek)}};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Stop checking work email after 8pm on weekdays.";
  g2.due_date = FormatUtcDate(now + 4 * kWeek);
  g2.benchmarks = {Questionnaire("b2", "GAD-7", Comparator::kAtMost, 9),
                   Gas("b3", {"Checks email every evening until bedtime",
                              "Checks email most evenings", "No email after 8pm on most weekdays",
                              "No email after 8pm on weekdays", "Notifications off after 6pm"})};
  g2.interventions = {{"i2", "An end-of-day shutdown routine", "CBT"}};
  c.goals = {g1, g2};

  RAPPORT_RETURN_IF_ERROR(s.Rank(SignerRole::kClient, {"p1", "p2"}, s.AfterSession(0) + kDay));
  RAPPORT_RETURN_IF_ERROR(s.Rank(SignerRole::kTherapist, {"p1", "p2"}, s.AfterSession(0) + kHour));
  VersionSeed v;
  v.number = 1;
  v.content = c;
  v.status = PlanVersionStatus::kAgreed;
  v.created_at = s.AfterSession(0);
  v.proposed_at = s.AfterSession(0) + 2 * kHour;
  v.decided_at = s.AfterSession(0) + kDay;
  RAPPORT_RETURN_IF_ERROR(s.Version(v));
  RAPPORT_RETURN_IF_ERROR(s.Tick("h1", false, s.AfterSession(3)));
  return s.Rate("g1", 3, "Not much different yet. The evenings are still the worst.",
                s.AfterSession(4));
}

// Ama, 14 (Daniel, her father Kwame): worry about speaking up in class, shared with her father
// as the clinic's policy for an adolescent allows; and a problem and goal she keeps private,
// which no guardian sees. Agreed by Ama.
Status SeedAmaPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary =
      "Ama and I will work on the worry that stops her speaking in class, a step at a time, and "
      "make room for what she wants to talk about on her own terms.";
  c.problems = {
      MakeProblem("p1", "I freeze when a teacher asks me something in front of the class.",
                  "Social anxiety at school; staying silent and missing lessons keep it going."),
      MakeProblem("p2", "I worry about what people would think about who I like.",
                  "Worry about acceptance and coming out; wants to decide in her own time."),
  };
  c.problems[1].confidential = true;
  c.agreed_order = {"p1", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Answer one question in class each school day, even when I'm not sure.";
  g1.due_date = FormatUtcDate(now + 6 * kWeek);
  g1.benchmarks = {Gas("b1", {"Says nothing in any lesson", "Answers when asked by name",
                              "Answers one question a day", "Puts her hand up once a day",
                              "Joins class discussions"})};
  g1.interventions = {
      {"i1", "A ladder of speaking-up steps, practised in session first", "CBT (graded exposure)"}};
  g1.homework = {
      {"h1", "Answer one question in maths this week", FormatUtcDate(now + kWeek)},
      {"h2", "Tell Dad one thing that happened at school each evening",
       FormatUtcDate(now + 2 * kWeek),
       "Ask Ama about one good moment of her school day at dinner, and listen without trying to "
       "fix anything"}};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Feel OK about who I like, and decide for myself when to tell my family.";
  g2.due_date = FormatUtcDate(now + 10 * kWeek);
  g2.confidential = true;
  g2.benchmarks = {Gas("b2", {"Can't think about it without panicking",
                              "Can talk about it in sessions", "Feels mostly OK about it",
                              "Has told one friend she trusts", "Feels settled in who she is"})};
  c.goals = {g1, g2};
  c.guardian = GuardianSharing{true, true, true, false};

  VersionSeed v;
  v.number = 1;
  v.content = c;
  v.status = PlanVersionStatus::kAgreed;
  v.created_at = s.AfterSession(1);
  v.proposed_at = s.AfterSession(1) + 2 * kHour;
  v.decided_at = s.AfterSession(2);
  return s.Version(v);
}

// Hana (therapist@): six weeks in, the first plan is still a draft.
Status SeedHanaPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary = "A first outline to talk through together: grief, guilt, and your sister.";
  c.problems = {
      MakeProblem("p1", "Since Dad died I feel guilty about everything I didn't do for him.",
                  "Grief with prominent guilt; not yet prolonged."),
      MakeProblem("p2", "My sister and I keep arguing about his house.", ""),
  };
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Be able to think about Dad without guilt taking over the whole day.";
  g1.due_date = FormatUtcDate(now + 12 * kWeek);
  g1.benchmarks = {
      Gas("b1", {"Guilt fills most days", "Guilt fills about half the days",
                 "Some good memories alongside the guilt",
                 "Mostly warm memories, guilt now and then", "I can talk about him with a smile"})};
  g1.interventions = {{"i1", "A letter to Dad, read aloud in session", "grief work"}};
  c.goals = {g1};
  VersionSeed v;
  v.number = 1;
  v.content = c;
  v.status = PlanVersionStatus::kDraft;
  v.created_at = s.AfterSessionFromEnd(2);
  return s.Version(v);
}

// Tomás (Daniel): asked for changes to the first proposal, agreed to the second.
Status SeedTomasPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary = "Less low, and less worn down by worry about work.";
  c.problems = {
      MakeProblem("p1", "I've lost interest in things, even the garden.",
                  "Low mood, mild to moderate."),
      MakeProblem("p2", "The worry about the redundancies keeps me up.",
                  "Work-related worry with sleep disturbance."),
  };
  c.agreed_order = {"p1", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Spend time in the garden on most weekends again.";
  g1.due_date = FormatUtcDate(now + 6 * kWeek);
  g1.benchmarks = {Questionnaire("b1", "PHQ-9", Comparator::kBelow, 10)};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Worry about work less than an hour a day.";
  g2.due_date = FormatUtcDate(now + 6 * kWeek);
  g2.benchmarks = {Questionnaire("b2", "GAD-7", Comparator::kBelow, 8)};
  c.goals = {g1, g2};
  VersionSeed v1;
  v1.number = 1;
  v1.content = c;
  v1.status = PlanVersionStatus::kChangesRequested;
  v1.created_at = s.AfterSession(0);
  v1.proposed_at = s.AfterSession(1);
  v1.decided_at = s.AfterSession(1) + kDay;
  v1.client_comment =
      "Could the work worry come first? That's what keeps me up, and the rest follows from it.";
  RAPPORT_RETURN_IF_ERROR(s.Version(v1));
  PlanContent agreed = c;
  agreed.agreed_order = {"p2", "p1"};
  agreed.goals[1].interventions = {
      {"i1", "Worry time and problem solving for the things I can act on", "CBT"}};
  VersionSeed v2;
  v2.number = 2;
  v2.content = agreed;
  v2.status = PlanVersionStatus::kAgreed;
  v2.created_at = s.AfterSession(1) + kDay + kHour;
  v2.proposed_at = s.AfterSession(2);
  v2.decided_at = s.AfterSession(2) + kHour;
  RAPPORT_RETURN_IF_ERROR(s.Version(v2));
  return s.Review(2, "Mood and worry both lower; the garden is back on weekends.",
                  "Keep the plan as it is.", {}, s.AfterSessionFromEnd(1));
}

// Aisha (Priya): a proposal withdrawn for a better one the same week, which was agreed.
Status SeedAishaPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary = "Grief after your mother's death, and finding your footing at home again.";
  c.problems = {MakeProblem("p1", "I can't stop thinking about the last weeks in the hospital.",
                            "Grief with intrusive memories of the final illness.")};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Have days where the memories come and go without taking over.";
  g1.due_date = FormatUtcDate(now + 4 * kWeek);
  g1.benchmarks = {Questionnaire("b1", "PHQ-9", Comparator::kBelow, 10)};
  c.goals = {g1};
  VersionSeed v1;
  v1.number = 1;
  v1.content = c;
  v1.status = PlanVersionStatus::kWithdrawn;
  v1.created_at = s.AfterSession(0);
  v1.proposed_at = s.AfterSession(0) + kHour;
  v1.closed_at = s.AfterSession(1);
  RAPPORT_RETURN_IF_ERROR(s.Version(v1));
  PlanContent revised = c;
  revised.goals[0].benchmarks.push_back(
      Gas("b2", {"Memories take over most days", "Memories take over about half the days",
                 "Memories come and go on most days", "Mostly good days",
                 "I can look at her photos and smile"}));
  revised.goals[0].interventions = {
      {"i1", "Writing about the memories, then sharing them", "trauma-informed care"}};
  VersionSeed v2;
  v2.number = 2;
  v2.content = revised;
  v2.status = PlanVersionStatus::kAgreed;
  v2.created_at = s.AfterSession(1) - kMinute;
  v2.proposed_at = s.AfterSession(1);
  v2.decided_at = s.AfterSession(1) + 2 * kDay;
  RAPPORT_RETURN_IF_ERROR(s.Version(v2));
  return s.Review(2, "Aisha feels she has her footing back.", "Plan to end in a few weeks.",
                  {{"b2", 1}}, s.AfterSessionFromEnd(1));
}

// Noah (Priya): declined the first proposal; a new draft is under way.
Status SeedNoahPlan(PlanSeeder& s, Timestamp now) {
  PlanContent c;
  c.summary = "Getting back to college after a hard year.";
  c.problems = {MakeProblem("p1", "I dropped out in March and feel like I've failed.",
                            "Low mood and shame after leaving college.")};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Apply to restart the course in September.";
  g1.due_date = FormatUtcDate(now + 10 * kWeek);
  g1.benchmarks = {Questionnaire("b1", "PHQ-9", Comparator::kBelow, 10)};
  c.goals = {g1};
  VersionSeed v1;
  v1.number = 1;
  v1.content = c;
  v1.status = PlanVersionStatus::kDeclined;
  v1.created_at = s.AfterSession(0);
  v1.proposed_at = s.AfterSession(1);
  v1.decided_at = s.AfterSession(1) + 2 * kDay;
  v1.client_comment =
      "I'm not ready to set goals about college yet. Can we keep talking for a few more weeks "
      "first?";
  RAPPORT_RETURN_IF_ERROR(s.Version(v1));
  PlanContent draft = c;
  draft.summary = "Understanding the hard year first; college can wait until you are ready.";
  draft.goals[0].description = "Have more good days than bad ones in a week.";
  VersionSeed v2;
  v2.number = 2;
  v2.content = draft;
  v2.status = PlanVersionStatus::kDraft;
  v2.created_at = s.AfterSessionFromEnd(0);
  return s.Version(v2);
}

// Plans in every state, several among the clients of therapist@ (kClients order).
Status WritePlans(WriteTxn& txn, const Actor& system, Timestamp now,
                  const InstrumentCatalog& catalog, const std::vector<FeedbackPlan>& plans) {
  using Seed = Status (*)(PlanSeeder&, Timestamp);
  const std::array<std::pair<std::size_t, Seed>, 8> seeds{{
      {0, SeedJordanPlan},
      {1, SeedLeoPlan},
      {2, SeedAmaPlan},
      {3, SeedMeiPlan},
      {7, SeedHanaPlan},
      {4, SeedTomasPlan},
      {5, SeedAishaPlan},
      {6, SeedNoahPlan},
  }};
  for (const auto& [index, seed] : seeds) {
    PlanSeeder seeder(txn, system, now, catalog, plans[index]);
    RAPPORT_RETURN_IF_ERROR(seed(seeder, now));
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
  summary.accounts.push_back({kLimitedGuardian.email, kLimitedGuardian.name, Role::kGuardian});
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
          summary.clinic_id, email, name, role, hash, now - kWeeksOfHistory * kWeek - kWeek, true};
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
    // Daniel covers the on-call rota, day by day, for the four weeks from today: an urgent alert
    // nobody acknowledges reaches him as well as the supervisor.
    for (int day = 0; day < kOnCallDays; ++day) {
      const OnCallShift shift{0, summary.clinic_id, staff[kOnCallTherapist], today + day * kDay,
                              today + (day + 1) * kDay};
      RAPPORT_ASSIGN_OR_RETURN(const ShiftId id, txn.InsertOnCallShift(shift));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "on_call_shift", std::to_string(id)));
    }

    std::vector<UserId> clients;
    for (const ClientSeed& c : kClients) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(c.email, c.name, Role::kClient));
      clients.push_back(id);
      std::string born = c.date_of_birth;
      if (c.age == Age::kNine) born = ChildBirthday(now, 9);
      if (c.age == Age::kFourteen) born = ChildBirthday(now, 14);
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{id, born, c.preferred, ""}));

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
      if (ended) {
        // A course that finished well, with what the therapist wrote at the end.
        RAPPORT_RETURN_IF_ERROR(txn.InsertEpisodeEnding(
            EpisodeEnding{episode_id, episode.therapist_id, *episode.ended_at, DemoEnding()}));
      }
      const bool child = c.age != Age::kAdult;
      const ClientProfile profile{id, born, c.preferred, ""};
      for (const auto& assignment :
           FeedbackService::DefaultAssignmentsFor(episode_id, profile, first)) {
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
        if (a.status == AppointmentStatus::kCompleted && a.modality != Modality::kInPerson) {
          // A session held in the appointment's room: begun a minute or three late, ended a
          // little early, as real ones are. Varied by the appointment's id rather than the
          // random stream, so that the rest of the clinic comes out as it always did.
          const Timestamp began = a.starts_at + (1 + a.id % 3) * kMinute;
          const Timestamp finished = a.starts_at + (a.duration_minutes - a.id % 5) * kMinute;
          RAPPORT_RETURN_IF_ERROR(txn.StartRoomSession(
              RoomSession{a.id, summary.clinic_id, episode_id, a.modality, began, std::nullopt}));
          RAPPORT_RETURN_IF_ERROR(txn.EndRoomSession(a.id, finished));
          RAPPORT_RETURN_IF_ERROR(txn.UpsertSessionSignals(
              SessionSignalsRecord{a.id, summary.clinic_id, episode_id, began, finished,
                                   SignalFiguresJson(DemoSignals(a, finished - began))}));
          RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, now, "create", "room_session",
                                                std::to_string(appointment_id)));
        }
      }
      if (ended) {
        RAPPORT_RETURN_IF_ERROR(
            SeedNotes(txn, system, now, episode_id, episode.therapist_id, plan.completed));
      }
      if (c.email == std::string_view(kVideoCheckInClient)) {
        // A video check-in a few minutes from now, so that the demo therapist and client can
        // meet in its room (open ten minutes before the start) as soon as the clinic is up.
        Appointment check_in;
        check_in.episode_id = episode_id;
        check_in.starts_at = now + kVideoCheckInAfter;
        check_in.duration_minutes = 50;
        check_in.modality = Modality::kVideo;
        check_in.status = AppointmentStatus::kScheduled;
        RAPPORT_ASSIGN_OR_RETURN(check_in.id, txn.InsertAppointment(check_in));
        ++summary.appointments;
        RAPPORT_RETURN_IF_ERROR(
            audit::Append(txn, system, now, "create", "appointment", std::to_string(check_in.id)));
        RAPPORT_RETURN_IF_ERROR(SeedMessages(txn, system, summary.clinic_id, episode_id, id,
                                             episode.therapist_id, now));
      }
      plans.push_back(std::move(plan));
    }

    std::vector<GuardianLinkId> guardian_links;
    for (const GuardianSeed& g : kGuardians) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(g.email, g.name, Role::kGuardian));
      const UserId child = clients[static_cast<std::size_t>(g.child)];
      RAPPORT_ASSIGN_OR_RETURN(
          const GuardianLinkId link,
          txn.InsertGuardianLink(EstablishedGuardianLink(
              id, child, now, "Demo clinic: both parents consented at intake.")));
      plans[static_cast<std::size_t>(g.child)].guardian_id = id;
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "guardian_link", std::to_string(link)));
      guardian_links.push_back(link);
    }
    DemoFamilyInput family;
    family.leo_therapist = plans[1].therapist_id;
    family.ama_therapist = plans[2].therapist_id;
    family.leo = plans[1].client_id;
    family.leo_mother = guardian_links[0];
    RAPPORT_ASSIGN_OR_RETURN(family.leo_father, add_user(kLimitedGuardian.email,
                                                         kLimitedGuardian.name, Role::kGuardian));
    family.ama = plans[2].client_id;
    family.ama_father = guardian_links[1];
    family.now = now;
    RAPPORT_RETURN_IF_ERROR(SeedFamilies(txn, family));
    RAPPORT_RETURN_IF_ERROR(WriteFeedback(txn, system, now, catalog, plans, random, summary));
    RAPPORT_RETURN_IF_ERROR(WritePlans(txn, system, now, catalog, plans));
    DemoCourseInput course;
    course.clinic_id = summary.clinic_id;
    course.coordinator = staff[0];
    course.leaving_episode = plans[kTransferringClient].episode_id;
    course.leaving_client = plans[kTransferringClient].client_id;
    course.from_therapist = plans[kTransferringClient].therapist_id;
    course.to_therapist = staff[kFirstTherapist + 2];
    course.repaired_episode = plans[0].episode_id;
    course.waiting_episode = plans[kRuptureWaitingClient].episode_id;
    course.rupture_therapist = plans[0].therapist_id;
    course.now = now;
    RAPPORT_ASSIGN_OR_RETURN(const int started, SeedCourseChanges(txn, course));
    summary.episodes += started;
    const std::array<UserId, 3> therapists{staff[kFirstTherapist], staff[kFirstTherapist + 1],
                                           staff[kFirstTherapist + 2]};
    return SeedMatching(txn, system,
                        DemoMatchingInput{summary.clinic_id, staff[0], therapists, hash, now},
                        catalog, summary);
  });
  if (!written) return Fail(written.error());
  return summary;
}

}  // namespace rapport
