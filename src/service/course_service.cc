#include "service/course_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/crisis_help.h"
#include "service/feedback_service.h"
#include "service/names.h"
#include "service/plan_service.h"
#include "service/tell.h"

namespace rapport {

namespace {

constexpr Timestamp kDayMs = 24LL * 60 * 60 * 1000;

// The series a summary compares: the client's own answers, or the guardian's where the client
// gave none (a parent-report form), each oldest first with a total.
std::vector<const ProgressPoint*> SeriesOf(const QuestionnaireProgress& q) {
  for (const Respondent who : {Respondent::kClient, Respondent::kGuardian}) {
    std::vector<const ProgressPoint*> points;
    for (const ProgressPoint& p : q.points) {
      if (p.respondent == who && p.total) points.push_back(&p);
    }
    if (!points.empty()) return points;
  }
  return {};
}

std::string HelpLine(const CrisisLine& line) {
  std::string text = line.name;
  if (!line.phone.empty()) text += ": " + line.phone;
  if (!line.hours.empty()) text += " (" + line.hours + ")";
  return text;
}

}  // namespace

Status WriteEnding(WriteTxn& txn, const Actor& actor, EpisodeId episode_id,
                   const EndingWords& words, Timestamp now) {
  // Read inside the write so that two endings cannot both pass the check.
  RAPPORT_ASSIGN_OR_RETURN(const Episode current, txn.GetEpisode(episode_id));
  if (current.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition("This episode has already ended."));
  }
  RAPPORT_RETURN_IF_ERROR(txn.UpdateEpisodeStatus(episode_id, EpisodeStatus::kEnded, now));
  RAPPORT_RETURN_IF_ERROR(
      txn.InsertEpisodeEnding(EpisodeEnding{episode_id, actor.user_id, now, words}));
  // Nothing stays booked in a course that has ended.
  RAPPORT_ASSIGN_OR_RETURN(std::vector<Appointment> appointments,
                           txn.ListAppointmentsOfEpisode(episode_id));
  for (Appointment& a : appointments) {
    if (a.status != AppointmentStatus::kScheduled || a.starts_at <= now) continue;
    a.status = AppointmentStatus::kCancelled;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointment(a));
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "update", "appointment", audit::Id(a.id)));
  }
  return audit::Append(txn, actor, now, "end", "episode", audit::Id(episode_id));
}

Status InviteToLookBack(WriteTxn& txn, EpisodeId episode_id, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode, txn.GetEpisode(episode_id));
  RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
  if (!client.active) return Ok();
  RAPPORT_RETURN_IF_ERROR(Tell(
      txn, client,
      Message{"looking_back", fmt::format("looking_back:episode={}", episode.id),
              "Rapport: looking back on your therapy",
              "Your course of therapy has ended. If you would like to, tell us how it felt as a "
              "whole: a few short questions, asked once. You will find them on your home page "
              "when you sign in to Rapport.",
              Json{{"type", "looking_back"}, {"episode_id", episode.id}}},
      now));
  return Ok();
}

Result<int> FlagEpisodesWithoutContact(WriteTxn& txn, Store& store, ClinicId clinic_id,
                                       Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store.GetClinic(clinic_id));
  const Timestamp quiet = static_cast<Timestamp>(clinic.settings.no_contact_after_days) * kDayMs;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Episode> episodes,
                           store.ListEpisodesOfClinic(clinic_id));
  int told = 0;
  for (const Episode& episode : episodes) {
    if (episode.status == EpisodeStatus::kEnded || now - episode.started_at <= quiet) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(episode.id));
    Timestamp last = episode.started_at;
    bool booked = false;
    for (const Appointment& a : appointments) {
      if (a.status == AppointmentStatus::kScheduled && a.starts_at > now) booked = true;
      const bool held = a.status == AppointmentStatus::kCompleted ||
                        (a.status == AppointmentStatus::kScheduled && a.starts_at <= now);
      if (held) last = std::max(last, a.starts_at);
    }
    if (booked || now - last <= quiet) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto responses, store.ListResponsesOfEpisode(episode.id));
    for (const FeedbackResponse& r : responses) {
      if (r.respondent_user_id == episode.client_id) last = std::max(last, r.submitted_at);
    }
    if (now - last <= quiet) continue;
    RAPPORT_ASSIGN_OR_RETURN(const auto messages, store.ListEpisodeMessages(episode.id));
    for (const EpisodeMessage& m : messages) {
      if (m.sender_id == episode.client_id) last = std::max(last, m.sent_at);
    }
    if (now - last <= quiet) continue;
    RAPPORT_ASSIGN_OR_RETURN(const User therapist, txn.GetUser(episode.therapist_id));
    if (!therapist.active) continue;
    RAPPORT_ASSIGN_OR_RETURN(const std::string client, ClientName(store, episode.client_id));
    const int days = static_cast<int>((now - last) / kDayMs);
    RAPPORT_ASSIGN_OR_RETURN(
        const int n,
        Tell(txn, therapist,
             Message{"no_contact", fmt::format("no_contact:episode={}:since={}", episode.id, last),
                     "Rapport: a client you have not heard from",
                     fmt::format("{} has had no session, message or check-in for {} days, and "
                                 "nothing is booked. A short, kind message asking how they are "
                                 "often helps. If you cannot reach them, you can end the episode "
                                 "with the reason \"no contact\" when you are ready.",
                                 client, days),
                     Json{{"type", "no_contact"}, {"episode_id", episode.id}, {"days", days}}},
             now));
    told += n > 0 ? 1 : 0;
  }
  return told;
}

CourseService::CourseService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                             FeedbackService& feedback, PlanService& plan,
                             const CrisisDirectory& crisis)
    : store_(store),
      clock_(clock),
      catalog_(catalog),
      feedback_(feedback),
      plan_(plan),
      crisis_(crisis) {}

Result<DischargeSummary> CourseService::EndEpisode(const Actor& actor, EpisodeId episode_id,
                                                   const EndingWords& words) {
  RAPPORT_RETURN_IF_ERROR(RequireEpisodeManager(
      store_, actor, episode_id,
      "Only the episode's therapist or their supervisor can end this episode."));
  RAPPORT_RETURN_IF_ERROR(ValidateEnding(words));
  const Timestamp now = clock_.Now();
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(WriteEnding(txn, actor, episode_id, words, now));
    return InviteToLookBack(txn, episode_id, now);
  });
  if (!written) return Fail(written.error());
  RAPPORT_ASSIGN_OR_RETURN(const Episode ended, store_.GetEpisode(episode_id));
  return Draft(actor, ended);
}

Result<DischargeSummary> CourseService::Summary(const Actor& actor, EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(
      store_, actor, episode.client_id, GuardianSection::kSummaries, "episode", episode.id));
  const bool family = actor.role == Role::kClient || actor.role == Role::kGuardian;
  if (family && episode.status != EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition(
        "The summary is written when your therapy ends; until then your progress page shows how "
        "things are going."));
  }
  return Draft(actor, episode);
}

Result<DischargeSummary> CourseService::Draft(const Actor& actor, const Episode& episode) {
  DischargeSummary s;
  s.episode_id = episode.id;
  s.started_at = episode.started_at;
  if (episode.status == EpisodeStatus::kEnded) s.ended_at = episode.ended_at.value_or(0);
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(s.client_name, names.Client(episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(s.therapist_name, names.User(episode.therapist_id));

  auto ending = store_.GetEpisodeEnding(episode.id);
  if (ending) {
    s.words = ending->words;
    s.ended_at = ending->ended_at;
  } else if (ending.error().code != ErrorCode::kNotFound) {
    return Fail(ending.error());
  }

  RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store_.ListAppointmentsOfEpisode(episode.id));
  s.sessions_attended = static_cast<int>(std::count_if(
      appointments.begin(), appointments.end(),
      [](const Appointment& a) { return a.status == AppointmentStatus::kCompleted; }));

  // A guardian reads the measures and the goals only where those are shared with them too.
  GuardianSections shared{true, true, true, true, true};
  if (actor.role == Role::kGuardian) {
    RAPPORT_ASSIGN_OR_RETURN(
        shared, GuardianSectionsOf(store_, actor.user_id, episode.client_id, clock_.Now()));
  }

  // The measures, as the feedback service shows them to this reader (and audits the read).
  EpisodeProgress progress;
  if (shared.measures) {
    RAPPORT_ASSIGN_OR_RETURN(progress, feedback_.Progress(actor, episode.id));
  }
  for (const QuestionnaireProgress& q : progress.questionnaires) {
    if (q.definition.purpose != Purpose::kOutcome && q.definition.purpose != Purpose::kRapport) {
      continue;  // the Fit Check and risk screens are not measures of change
    }
    std::vector<const ProgressPoint*> series = SeriesOf(q);
    if (episode.ended_at) {
      // What came after the end is the client looking back on the course, not part of it.
      std::erase_if(series,
                    [&](const ProgressPoint* p) { return p->submitted_at > *episode.ended_at; });
      if (q.definition.purpose == Purpose::kRapport) {
        for (const ProgressPoint& p : q.points) {
          if (p.respondent == Respondent::kClient && p.total &&
              p.submitted_at > *episode.ended_at) {
            s.looking_back =
                DischargeSummary::LookingBack{*p.total, q.definition.max, p.submitted_at};
          }
        }
      }
    }
    MeasureSummary m;
    m.instrument = q.definition.code;
    m.title = q.definition.plain_title.empty() ? q.definition.title : q.definition.plain_title;
    m.direction = q.definition.direction;
    m.max = q.definition.max;
    m.answers = static_cast<int>(series.size());
    if (!series.empty()) {
      m.first = *series.front()->total;
      m.last = *series.back()->total;
      m.first_at = series.front()->submitted_at;
      m.last_at = series.back()->submitted_at;
    }
    if (series.size() >= 2) {
      if (const Instrument* instrument = catalog_.Find(q.definition.code)) {
        if (auto change = ComputeChange(instrument->TotalScale(), m.first, m.last)) {
          m.change = *change;
        }
      }
    }
    s.measures.push_back(std::move(m));
  }

  // The goals of the plan in force, as the plan service shows them (and audits the read).
  PlanOverview plan;
  if (shared.plan) {
    RAPPORT_ASSIGN_OR_RETURN(plan, plan_.Overview(actor, episode.id));
  }
  if (plan.current) {
    for (const Goal& goal : plan.current->content.goals) {
      GoalSummary g;
      g.key = goal.key;
      g.description = goal.description;
      const auto view = std::find_if(plan.goals.begin(), plan.goals.end(),
                                     [&](const GoalView& v) { return v.key == goal.key; });
      if (view != plan.goals.end()) {
        g.achievement = view->achievement;
        for (const BenchmarkView& b : view->benchmarks) {
          if (b.benchmark.kind == BenchmarkKind::kGas && b.progress.latest) {
            g.gas_level = static_cast<int>(*b.progress.latest);
          }
        }
      }
      s.goals.push_back(std::move(g));
    }
  }
  s.gas_t_score = plan.gas_t_score;

  const Timestamp now = clock_.Now();
  Reader reader = Reader::kAdult;
  if (auto profile = store_.GetClientProfile(episode.client_id)) reader = ReaderFor(*profile, now);
  RAPPORT_ASSIGN_OR_RETURN(const CrisisHelp help, CrisisHelpFor(store_, crisis_, episode.clinic_id,
                                                                episode.client_id, reader, now));
  for (const CrisisLine& line : help.lines) s.where_to_get_help.push_back(HelpLine(line));
  return s;
}

}  // namespace rapport
