// http_bench: durable writes per second through the whole server (HTTP parsing, session and
// CSRF check, access check, audit entry, group-committed SQLite write with synchronous=FULL)
// under N concurrent keep-alive connections, reported as a ratio to GET /healthz of the same
// server in the same run. The server runs in this process on loopback; the load comes from N
// client threads, one blocking keep-alive connection each.
//
// Formal feedback: N clients, each signed in on their own connection, submitting a
// Rapport Check to their own episode (scoring, alert rules over the episode's history, response
// + alerts + audit in one durable commit): throughput against /healthz and p50/p99 latency. Then
// the caseload dashboard of a therapist with 300 clients of 40 sessions each (a PHQ-9 and a
// Rapport Check per session) with an agreed treatment plan each, so that every row
// includes the plan's standing: p50 and p99 latency. Last, the treatment plan's overview
// (GET /api/v1/episodes/{id}/plan) read by 4 clients of that caseload, each their own: req/s
// against /healthz from as many connections, and p50/p99.
//
// Then the caseload page's one request (GET /api/v1/caseload) beside the dashboard, and answers
// that all go to one episode: a fresh one, one already holding 4,000 answers (the cost of an answer
// must not grow with the history), and PHQ-9 answers once the clinic has 2,000 ended episodes,
// each against /healthz measured just before.
//
// --plans 0 leaves the caseload without plans, to see what the plan standing adds to the
// dashboard (the plan phase then reads an overview with no versions). --only caseload measures
// only the dashboard and the caseload, of --clients clients with --sessions sessions each, split
// between --therapists therapists (read by their supervisor when there are several), to show how
// the time grows with clients and with history. --only phq9 measures only the PHQ-9 answers.
//
// --keep DIR seeds the same database into DIR and keeps it, measuring nothing (for the caseload
// page in a real browser, bench/http/caseload_page.mjs).
//
// --db postgresql://... runs the same on an empty PostgreSQL database instead of an SQLite file in
// the folder (bench/http/postgres_run.sh starts a server and compares the two in one run).
//
// --only servers --ports A,B --via ONE,ALL (with --db postgresql://...) runs app servers on ports
// A, B, ... of one database and measures one of them directly, then through a load balancer on
// port ONE (in front of the first alone) and on port ALL (in front of all of them): see
// MeasureServers and bench/http/servers_run.sh.
//
//   http_bench [--connections 64] [--seconds 5] [--dir /tmp] [--plans 1]
//              [--only caseload --clients 300 --sessions 40 --therapists 1] [--only phq9]
//              [--keep DIR] [--db postgresql://USER@/NAME?host=SOCKET_DIR&port=PORT]
//              [--only servers --ports 18001,18002 --via 18000,18003]

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench_http.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "demo/demo.h"
#include "domain/plan.h"
#include "http/server.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/feedback_service.h"
#include "service/plan_service.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rapport;
using namespace rapport::bench;

struct PhaseResult {
  double seconds = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::vector<double> latencies_ms;  // of every request, sorted
  double per_second() const { return static_cast<double>(ok) / seconds; }
  // Nearest-rank percentile of the request latencies.
  double Percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    const auto rank =
        static_cast<std::size_t>(p / 100.0 * static_cast<double>(latencies_ms.size()));
    return latencies_ms[std::min(rank, latencies_ms.size() - 1)];
  }
};

// Runs `connections` threads, each sending make_request(thread, i) for `duration`.
template <typename MakeRequest>
PhaseResult RunPhase(std::uint16_t port, int connections, std::chrono::seconds duration,
                     int expected_status, MakeRequest make_request) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      Connection connection(port);
      auto& mine = latencies[static_cast<std::size_t>(t)];
      for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const std::string request = make_request(t, i);
        const auto sent = std::chrono::steady_clock::now();
        const int status = connection.Exchange(request);
        mine.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                .count());
        if (status == expected_status) {
          ok.fetch_add(1, std::memory_order_relaxed);
        } else {
          failed.fetch_add(1, std::memory_order_relaxed);
          if (status == 0) return;
        }
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& thread : threads) thread.join();
  PhaseResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.ok = ok.load();
  result.failed = failed.load();
  for (const auto& l : latencies) {
    result.latencies_ms.insert(result.latencies_ms.end(), l.begin(), l.end());
  }
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

// The plan every caseload client has agreed with their therapist: three problems, a goal for
// each measured by the PHQ-9 and by a GAS scale, two interventions and two homework. Version 1
// (the first two problems only) was agreed and later superseded by this one.
PlanContent CaseloadPlan(int client, Timestamp now) {
  const auto date = [](Timestamp t) { return FormatIso8601(t).substr(0, 10); };
  const auto gas = [](const char* key, std::array<std::string, kGasLevels> levels) {
    Benchmark b;
    b.key = key;
    b.kind = BenchmarkKind::kGas;
    b.levels = std::move(levels);
    b.weight = 1;
    return b;
  };
  const auto phq9 = [](const char* key, Comparator comparator, double target) {
    Benchmark b;
    b.key = key;
    b.kind = BenchmarkKind::kQuestionnaire;
    b.instrument = "PHQ-9";
    b.comparator = comparator;
    b.target = target;
    return b;
  };
  constexpr Timestamp kWeek = 7 * 86'400'000;
  PlanContent c;
  c.summary = fmt::format(
      "Client {:03}: we will rebuild routine and enjoyment step by step, work on sleep with a "
      "steady evening routine, and on worry at work with thought records, checking progress "
      "with the weekly questionnaires.",
      client);
  c.problems = {
      Problem{"p1", "I feel flat and tired and have stopped seeing friends.",
              "Moderate depressive episode maintained by withdrawal from activities.", "F32.1",
              ProblemStatus::kActive},
      Problem{"p2", "I lie awake for hours going over the day.",
              "Initial insomnia driven by evening rumination.", "", ProblemStatus::kActive},
      Problem{"p3", "I worry all day that I will make a mistake at work.",
              "Generalised worry about work performance with reassurance seeking.", "",
              ProblemStatus::kActive},
  };
  c.agreed_order = {"p1", "p3", "p2"};
  Goal g1;
  g1.key = "g1";
  g1.problem_key = "p1";
  g1.description = "Do at least three things a week that I used to enjoy, one with a friend.";
  g1.due_date = date(now + 8 * kWeek);
  g1.benchmarks = {
      phq9("b1", Comparator::kBelow, 10),
      gas("b2", {"No planned activities", "One planned activity a week",
                 "Three activities a week, one with a friend",
                 "Four or five activities, two with friends", "Something I enjoy on most days"})};
  g1.interventions = {{"i1", "Behavioural activation: plan small activities, rate mood", "CBT"}};
  g1.homework = {{"h1", "Fill in the activity diary each evening", date(now - 2 * kWeek)}};
  Goal g2;
  g2.key = "g2";
  g2.problem_key = "p2";
  g2.description = "Fall asleep within about 30 minutes on most nights.";
  g2.due_date = date(now + 8 * kWeek);
  g2.benchmarks = {
      phq9("b3", Comparator::kAtMost, 7),
      gas("b4",
          {"Awake over an hour most nights", "Asleep within an hour half the time",
           "Asleep within 30 minutes most nights", "Asleep within 30 minutes nearly every night",
           "Asleep quickly and waking rested"})};
  g2.interventions = {{"i2", "A wind-down hour and a fixed getting-up time", "CBT for insomnia"}};
  g2.homework = {{"h2", "Keep a sleep diary for two weeks", date(now + kWeek)}};
  Goal g3;
  g3.key = "g3";
  g3.problem_key = "p3";
  g3.description = "Worry about work without it taking over my evenings.";
  g3.due_date = date(now + 12 * kWeek);
  g3.benchmarks = {
      phq9("b5", Comparator::kBelow, 5),
      gas("b6", {"Checking work email most evenings", "A few evenings a week",
                 "No work email after 8pm on weekdays",
                 "No work email after 8pm and worry time kept short", "Evenings are mine"})};
  c.goals = {g1, g2, g3};
  return c;
}

// Writes the caseload plan of one episode straight to the store, as the plan service would have
// left it: version 1 agreed after the second session and superseded by version 2 after the
// fourteenth, both signed by therapist and client over their content hash, and a dozen events
// (both rankings, self-ratings, homework ticks, a review with three GAS levels). Half the
// reviews were twelve sessions ago (due again) and half four sessions ago (not yet due).
Status SeedCaseloadPlan(WriteTxn& txn, const Episode& episode, EpisodeId episode_id, int client,
                        Timestamp now) {
  constexpr Timestamp kWeek = 7 * 86'400'000;
  constexpr Timestamp kHour = 3'600'000;
  const auto after_session = [&](int s) { return episode.started_at + s * kWeek + 2 * kHour; };
  const PlanContent second = CaseloadPlan(client, now);
  PlanContent first = second;
  first.problems.pop_back();
  first.goals.pop_back();
  first.agreed_order = {"p1", "p2"};
  struct Step {
    int number;
    const PlanContent* content;
    PlanVersionStatus status;
    Timestamp created, proposed, decided, closed;
  };
  const Step steps[] = {
      {1, &first, PlanVersionStatus::kSuperseded, after_session(1), after_session(1),
       after_session(1) + 24 * kHour, after_session(14) + 24 * kHour},
      {2, &second, PlanVersionStatus::kAgreed, after_session(13), after_session(14),
       after_session(14) + 24 * kHour, 0},
  };
  for (const Step& step : steps) {
    PlanVersion v;
    v.episode_id = episode_id;
    v.number = step.number;
    v.status = step.status;
    v.content_json = PlanContentToJson(*step.content).dump();
    v.content_hash = PlanContentHash(*step.content);
    v.created_by = episode.therapist_id;
    v.created_at = step.created;
    v.updated_at = std::max(step.decided, step.closed);
    v.proposed_at = step.proposed;
    v.decided_at = step.decided;
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn.InsertPlanVersion(v));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(PlanSignature{
        id, SignerRole::kTherapist, episode.therapist_id, step.proposed, v.content_hash}));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(
        PlanSignature{id, SignerRole::kClient, episode.client_id, step.decided, v.content_hash}));
  }
  const auto event = [&](PlanEventKind kind, std::string subject, const Json& payload, UserId actor,
                         Timestamp at) -> Status {
    PlanEvent e;
    e.episode_id = episode_id;
    e.kind = kind;
    e.subject = std::move(subject);
    e.payload_json = payload.dump();
    e.actor_id = actor;
    e.at = at;
    if (auto id = txn.InsertPlanEvent(e); !id) return Fail(id.error());
    return Ok();
  };
  const UserId me = episode.client_id;
  const UserId therapist = episode.therapist_id;
  const int review_session = 27 + 8 * (client % 2);  // 35: four sessions before the latest (39)
  const Timestamp review_at = after_session(review_session);
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kRanking, "client",
                                Json{{"order", std::vector<std::string>{"p3", "p1", "p2"}}}, me,
                                after_session(13)));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kRanking, "therapist",
                                Json{{"order", std::vector<std::string>{"p1", "p3", "p2"}}},
                                therapist, after_session(13) + kHour));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kSelfRating, "g1",
                                Json{{"rating", 3}, {"note", "Went for one walk."}}, me,
                                after_session(16)));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kSelfRating, "g2",
                                Json{{"rating", 5}, {"note", "Asleep faster on work nights."}}, me,
                                after_session(18)));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kSelfRating, "g3",
                                Json{{"rating", 4}, {"note", "Still checking email late."}}, me,
                                after_session(20)));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kSelfRating, "g1",
                                Json{{"rating", 7}, {"note", "Saw friends twice this week."}}, me,
                                after_session(30)));
  RAPPORT_RETURN_IF_ERROR(
      event(PlanEventKind::kHomework, "h1", Json{{"done", true}}, me, after_session(15)));
  RAPPORT_RETURN_IF_ERROR(
      event(PlanEventKind::kHomework, "h2", Json{{"done", true}}, me, after_session(17)));
  RAPPORT_RETURN_IF_ERROR(event(PlanEventKind::kReview, "2",
                                Json{{"notes", "Mood lifting, sleep better, worry easing."},
                                     {"changes", "No changes for now."}},
                                therapist, review_at));
  const std::pair<const char*, int> levels[] = {{"b2", 1}, {"b4", 0}, {"b6", -1 + client % 3}};
  for (const auto& [key, level] : levels) {
    RAPPORT_RETURN_IF_ERROR(
        event(PlanEventKind::kGasLevel, key, Json{{"level", level}}, therapist, review_at));
  }
  return Ok();
}

// A Rapport Check of a client content with their sessions (a total of 39 of 60).
constexpr const char* kSteadyRapportCheck =
    R"({"rc_heard":8,"rc_goals":8,"rc_approach":7,"rc_held_back":2,"rc_respect":8,"rc_overall":8})";

struct Caseload {
  std::string therapist_email;   // the first therapist's
  std::string supervisor_email;  // who supervises every therapist of the caseload
  std::vector<std::string> client_emails;
  std::vector<EpisodeId> episodes;
};

// A therapist with `clients` clients whose active episodes each have `sessions` completed
// appointments with a PHQ-9 and a Rapport Check each and, `with_plans`, an agreed treatment plan
// (see SeedCaseloadPlan, which assumes 40 sessions), written straight to the store (the benchmark
// measures reading them, not seeding them).
Result<Caseload> SeedCaseload(Store& store, const InstrumentCatalog& catalog, ClinicId clinic,
                              const std::string& password_hash, Timestamp now, int clients,
                              int sessions, bool with_plans, int therapists) {
  Caseload out;
  out.therapist_email = "caseload@bench.rapport";
  out.supervisor_email = "supervisor@bench.rapport";
  const Instrument* phq9 = catalog.Find("PHQ-9");
  const Instrument* rc = catalog.Find("RAPPORT-CHECK");
  if (phq9 == nullptr || rc == nullptr) return Fail(Error::NotFound("shipped questionnaires"));
  // Checked once as a therapist's content would be, so that every plan read below is one the
  // service would have accepted.
  if (auto parsed = ParsePlanContent(PlanContentToJson(CaseloadPlan(0, now)), catalog); !parsed) {
    return Fail(parsed.error());
  }
  const Status written = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const UserId supervisor,
                             txn.InsertUser(NewUser{clinic, out.supervisor_email, "Sol Supervisor",
                                                    Role::kSupervisor, password_hash, now, true}));
    std::vector<UserId> team;
    for (int t = 0; t < std::max(1, therapists); ++t) {
      const std::string email =
          t == 0 ? out.therapist_email : fmt::format("caseload{}@bench.rapport", t);
      RAPPORT_ASSIGN_OR_RETURN(const UserId id,
                               txn.InsertUser(NewUser{clinic, email, fmt::format("Casey {}", t),
                                                      Role::kTherapist, password_hash, now, true}));
      RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(supervisor, id));
      team.push_back(id);
    }
    for (int c = 0; c < clients; ++c) {
      const UserId therapist = team[static_cast<std::size_t>(c) % team.size()];
      const std::string email = fmt::format("client{}@bench.rapport", c);
      RAPPORT_ASSIGN_OR_RETURN(const UserId client,
                               txn.InsertUser(NewUser{clinic, email, fmt::format("Client {:03}", c),
                                                      Role::kClient, password_hash, now, true}));
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{client, "", "", ""}));
      Episode e;
      e.clinic_id = clinic;
      e.client_id = client;
      e.therapist_id = therapist;
      e.status = EpisodeStatus::kActive;
      e.started_at = now - std::int64_t{sessions + 1} * 7 * 86'400'000;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
      for (const auto& a : FeedbackService::DefaultAssignments(episode, false, e.started_at)) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      for (int s = 0; s < sessions; ++s) {
        Appointment a;
        a.episode_id = episode;
        a.starts_at = e.started_at + std::int64_t{s} * 7 * 86'400'000;
        a.status = AppointmentStatus::kCompleted;
        RAPPORT_ASSIGN_OR_RETURN(const AppointmentId appointment, txn.InsertAppointment(a));
        // Improving slowly from moderate, with a little spread between clients.
        const int each = std::max(0, 2 - s / 12 - (c % 3 == 0 ? 1 : 0));
        FeedbackResponse r;
        r.episode_id = episode;
        r.appointment_id = appointment;
        r.respondent = Respondent::kClient;
        r.respondent_user_id = client;
        r.submitted_at = a.starts_at + 3'600'000;
        r.session_number = s;
        r.instrument = phq9->code;
        r.instrument_version = phq9->version;
        Json answers = Json::object();
        for (int i = 1; i <= 8; ++i) answers[fmt::format("phq9_{}", i)] = each;
        answers["phq9_9"] = 0;
        r.answers_json = answers.dump();
        r.total = 8.0 * each;
        r.band = each >= 2 ? "moderately severe" : each == 1 ? "mild" : "minimal";
        r.scales_json = "{}";
        r.risk_json = "[]";
        if (auto inserted = txn.InsertResponse(r); !inserted) return Fail(inserted.error());
        FeedbackResponse q = r;
        q.instrument = rc->code;
        q.instrument_version = rc->version;
        q.answers_json = kSteadyRapportCheck;
        q.total = 39;
        q.band = "";
        if (auto inserted = txn.InsertResponse(q); !inserted) return Fail(inserted.error());
      }
      if (with_plans) RAPPORT_RETURN_IF_ERROR(SeedCaseloadPlan(txn, e, episode, c, now));
      out.client_emails.push_back(email);
      out.episodes.push_back(episode);
    }
    return Ok();
  });
  if (!written) return Fail(written.error());
  return out;
}

// A client with one active episode of `therapist` (the shipped questionnaires assigned) holding
// `answers` Rapport Checks already; the episode's id.
Result<EpisodeId> SeedOneEpisode(Store& store, const InstrumentCatalog& catalog, ClinicId clinic,
                                 UserId therapist, const std::string& email,
                                 const std::string& password_hash, Timestamp now, int answers) {
  const Instrument* rc = catalog.Find("RAPPORT-CHECK");
  if (rc == nullptr) return Fail(Error::NotFound("the Rapport Check"));
  EpisodeId episode = 0;
  const Status written = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const UserId client,
                             txn.InsertUser(NewUser{clinic, email, "One Episode", Role::kClient,
                                                    password_hash, now, true}));
    Episode e;
    e.clinic_id = clinic;
    e.client_id = client;
    e.therapist_id = therapist;
    e.status = EpisodeStatus::kActive;
    e.started_at = now - std::int64_t{answers + 1} * 3'600'000;
    RAPPORT_ASSIGN_OR_RETURN(episode, txn.InsertEpisode(e));
    for (const auto& a : FeedbackService::DefaultAssignments(episode, false, e.started_at)) {
      RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
    }
    for (int i = 0; i < answers; ++i) {
      FeedbackResponse r;
      r.episode_id = episode;
      r.respondent = Respondent::kClient;
      r.respondent_user_id = client;
      r.submitted_at = e.started_at + std::int64_t{i} * 3'600'000;
      r.session_number = i;
      r.instrument = rc->code;
      r.instrument_version = rc->version;
      r.answers_json = kSteadyRapportCheck;
      r.total = 39;
      r.scales_json = "{}";
      r.risk_json = "[]";
      if (auto inserted = txn.InsertResponse(r); !inserted) return Fail(inserted.error());
    }
    return Ok();
  });
  if (!written) return Fail(written.error());
  return episode;
}

// `episodes` ended episodes of one therapist in the clinic, ten PHQ-9 totals each: the clinic's
// own experience that expected trajectories are drawn from.
Status SeedEndedEpisodes(Store& store, ClinicId clinic, const std::string& password_hash,
                         Timestamp now, int episodes) {
  return store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist,
                             txn.InsertUser(NewUser{clinic, "ended@bench.rapport", "Emery Ended",
                                                    Role::kTherapist, password_hash, now, true}));
    for (int n = 0; n < episodes; ++n) {
      RAPPORT_ASSIGN_OR_RETURN(
          const UserId client,
          txn.InsertUser(NewUser{clinic, fmt::format("former{}@bench.rapport", n),
                                 fmt::format("Former {}", n), Role::kClient, password_hash, now,
                                 true}));
      Episode e;
      e.clinic_id = clinic;
      e.client_id = client;
      e.therapist_id = therapist;
      e.status = EpisodeStatus::kEnded;
      e.started_at = now - 200 * 86'400'000LL;
      e.ended_at = now - 100 * 86'400'000LL;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
      for (int s = 0; s < 10; ++s) {
        FeedbackResponse r;
        r.episode_id = episode;
        r.respondent = Respondent::kClient;
        r.respondent_user_id = client;
        r.submitted_at = e.started_at + std::int64_t{s} * 7 * 86'400'000;
        r.session_number = s;
        r.instrument = "PHQ-9";
        r.instrument_version = "1";
        r.answers_json = "{}";
        r.total = 8 + (n % 12) - s / 2;
        r.scales_json = "{}";
        r.risk_json = "[]";
        if (auto inserted = txn.InsertResponse(r); !inserted) return Fail(inserted.error());
      }
    }
    return Ok();
  });
}

std::string Phq9Body(int i) {
  const int v = i % 2;
  return fmt::format(
      R"({{"instrument":"PHQ-9","respondent":"client","answers":{{"phq9_1":{0},"phq9_2":{0},)"
      R"("phq9_3":1,"phq9_4":{0},"phq9_5":0,"phq9_6":1,"phq9_7":{0},"phq9_8":0,"phq9_9":0}}}})",
      v);
}

// Every GET holds a read connection for its whole length (one snapshot): how many the pool grew
// to, and whether any request had to wait for one.
void PrintReaders(const SqliteStore& store) {
  const SqliteStore::ReadStats readers = store.read_stats();
  std::cout << fmt::format("read connections: {} (request waits for one: {})\n",
                           readers.connections, readers.waits);
}

void PrintPhase(const std::string& what, const PhaseResult& phase, const PhaseResult& healthz) {
  std::cout << fmt::format(
      "{}: {:.0f} req/s ({} ok, {} failed), p50 {:.2f} ms, p99 {:.2f} ms; /healthz {:.0f} req/s; "
      "ratio {:.4f}\n",
      what, phase.per_second(), phase.ok, phase.failed, phase.Percentile(50), phase.Percentile(99),
      healthz.per_second(), phase.per_second() / healthz.per_second());
}

// One app server of a clinic group: its own store (its own connections and event listener) on
// the shared database, its own services, and its HTTP server on `port`.
struct AppServer {
  AppServer(std::unique_ptr<SqlStore> opened, const Clock& clock, const InstrumentCatalog& catalog,
            std::uint16_t port, const std::filesystem::path& web_root)
      : store(std::move(opened)),
        auth(*store, clock),
        clinic(*store, clock),
        audit(*store),
        feedback(*store, clock, catalog, ShippedAlertRules()),
        plan(*store, clock, catalog),
        server(Options(port, web_root, store->events()),
               ApiServices{store.get(), &auth, &clinic, &audit, &feedback, &catalog, &plan}) {}

  static ServerOptions Options(std::uint16_t port, const std::filesystem::path& web_root,
                               ServerEvents& events) {
    ServerOptions options;
    options.port = port;
    options.web_root = web_root;                 // no web app needed
    options.log_sink = [](std::string_view) {};  // lines are still formatted, just not written
    options.events = &events;
    return options;
  }

  std::unique_ptr<SqlStore> store;
  AuthService auth;
  ClinicService clinic;
  AuditService audit;
  FeedbackService feedback;
  PlanService plan;
  Server server;
};

// "18001,18002" -> {18001, 18002}.
std::vector<std::uint16_t> ParsePorts(const std::string& list) {
  std::vector<std::uint16_t> ports;
  for (std::size_t at = 0; at < list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    ports.push_back(static_cast<std::uint16_t>(std::atoi(list.substr(at, comma - at).c_str())));
    at = comma + 1;
  }
  return ports;
}

// Whether GET /healthz through `port` answers 200 within 10 s.
bool AnswersSoon(std::uint16_t port) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    Connection probe(port);
    if (probe.Exchange("GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// --only servers: several app servers on the seeded PostgreSQL database, each with a store of its
// own, started on `ports` and measured
// directly (the first alone) and through a load balancer: `via[0]` balancing over the first
// server only (what the balancer itself costs), `via[1]` over all of them
// (bench/http/servers_run.sh starts HAProxy so). Each target gets the same three phases:
// /healthz, Rapport Check submissions (each connection one client of the caseload, to their own
// episode) and the caseload dashboard.
int MeasureServers(const PostgresStoreOptions& pg_options, const std::vector<std::uint16_t>& ports,
                   const std::vector<std::uint16_t>& via, const Caseload& caseload,
                   const InstrumentCatalog& catalog, const std::string& password, int connections,
                   std::chrono::seconds duration, const std::filesystem::path& dir) {
  if (pg_options.conninfo.empty() || ports.empty() || via.size() != 2) {
    std::cerr << "--only servers needs --db postgresql://..., --ports A,B and --via ONE,ALL\n";
    return 2;
  }
  const Clock& clock = SystemClock::Instance();
  std::vector<std::unique_ptr<AppServer>> servers;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    auto store = SqlStore::Open(pg_options);
    if (!store) {
      std::cerr << "cannot open a store: " << store.error().message << "\n";
      return 1;
    }
    servers.push_back(
        std::make_unique<AppServer>(std::move(*store), clock, catalog, ports[i], dir));
    if (auto port = servers.back()->server.Start(); !port) {
      std::cerr << "cannot start a server: " << port.error().message << "\n";
      return 1;
    }
  }
  for (const std::uint16_t target : via) {
    if (!AnswersSoon(target)) {
      std::cerr << "nothing answers through port " << target << "\n";
      return 1;
    }
  }
  // The balancer marks a server up only after its first successful check.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  std::vector<Session> clients;
  for (int t = 0; t < connections; ++t) {
    clients.push_back(
        SignIn(ports[0],
               caseload.client_emails[static_cast<std::size_t>(t) % caseload.client_emails.size()],
               password));
    if (clients.back().cookie.empty()) {
      std::cerr << "client sign-in failed\n";
      return 1;
    }
  }
  const Session therapist = SignIn(ports[0], caseload.therapist_email, password);
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n";
  const std::string dashboard = fmt::format(
      "GET /api/v1/dashboard HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n\r\n", therapist.cookie);
  constexpr int kDashboardConnections = 16;

  struct Target {
    std::string name;
    std::uint16_t port;
    PhaseResult health, submits, dash;
  };
  std::vector<Target> targets = {
      {"one server, direct", ports[0], {}, {}, {}},
      {"one server behind HAProxy", via[0], {}, {}, {}},
      {fmt::format("{} servers behind HAProxy", ports.size()), via[1], {}, {}, {}}};
  for (Target& target : targets) {
    target.health = RunPhase(target.port, connections, duration, 200,
                             [&](int, int) -> const std::string& { return healthz; });
    target.submits = RunPhase(target.port, connections, duration, 201, [&](int t, int i) {
      const Session& who = clients[static_cast<std::size_t>(t)];
      const EpisodeId e = caseload.episodes[static_cast<std::size_t>(t) % caseload.episodes.size()];
      return PostAnswer(e, who, RapportCheckBody(i));
    });
    target.dash = RunPhase(target.port, kDashboardConnections, duration, 200,
                           [&](int, int) -> const std::string& { return dashboard; });
  }
  for (auto& server : servers) server->server.Stop();

  std::cout << fmt::format("connections: {} (dashboard {}), {} s per phase, {} hardware threads\n",
                           connections, kDashboardConnections, duration.count(),
                           std::thread::hardware_concurrency());
  bool none_failed = true;
  for (const Target& target : targets) {
    std::cout << fmt::format("== {}\n", target.name);
    std::cout << fmt::format("GET /healthz: {:.0f} req/s ({} failed)\n", target.health.per_second(),
                             target.health.failed);
    PrintPhase("POST Rapport Check", target.submits, target.health);
    PrintPhase("GET /dashboard", target.dash, target.health);
    none_failed = none_failed && target.health.failed == 0 && target.submits.failed == 0 &&
                  target.dash.failed == 0;
  }
  const Target& one = targets[0];
  const Target& all = targets[2];
  std::cout << fmt::format(
      "== {} / one server direct: /healthz {:.2f}x, Rapport Check {:.2f}x, dashboard {:.2f}x\n",
      all.name, all.health.per_second() / one.health.per_second(),
      all.submits.per_second() / one.submits.per_second(),
      all.dash.per_second() / one.dash.per_second());
  return none_failed ? 0 : 1;
}

int Main(int argc, char** argv) {
  int connections = 64;
  int seconds = 5;
  bool with_plans = true;
  int caseload_clients = 300;
  int caseload_sessions = 40;
  int caseload_therapists = 1;
  std::string only;  // "caseload" or "phq9": that part alone
  std::string keep;  // seed the caseload into this folder, keep it, measure nothing
  std::string db;    // a PostgreSQL URI; empty: an SQLite file in the folder
  std::vector<std::uint16_t> ports, via;  // --only servers: the servers' ports, the balancer's
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--connections") connections = std::atoi(argv[i + 1]);
    if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--plans") with_plans = std::atoi(argv[i + 1]) != 0;
    if (flag == "--clients") caseload_clients = std::atoi(argv[i + 1]);
    if (flag == "--sessions") caseload_sessions = std::atoi(argv[i + 1]);
    if (flag == "--therapists") caseload_therapists = std::atoi(argv[i + 1]);
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--keep") keep = argv[i + 1];
    if (flag == "--db") db = argv[i + 1];
    if (flag == "--ports") ports = ParsePorts(argv[i + 1]);
    if (flag == "--via") via = ParsePorts(argv[i + 1]);
  }
  if (!InitCrypto()) return 1;
  dir = keep.empty() ? dir / ("rapport-http-bench-" + RandomHex(4)) : std::filesystem::path(keep);
  std::filesystem::create_directories(dir);

  SqliteStoreOptions store_options;
  store_options.path = (dir / "bench.db").string();
  PostgresStoreOptions pg_options;
  pg_options.conninfo = db;
  pg_options.audit_key_path = (dir / "bench.audit-key").string();
  pg_options.message_key_path = (dir / "bench.message-key").string();
  auto store = db.empty() ? SqlStore::Open(store_options) : SqlStore::Open(pg_options);
  std::cout << fmt::format("store: {}\n", db.empty() ? "SQLite file" : "PostgreSQL");
  if (!store) {
    std::cerr << "cannot open store: " << store.error().message << "\n";
    return 1;
  }
  const std::string password = "benchmark password";
  const Clock& clock = SystemClock::Instance();
  if (auto seeded = SeedDemo(**store, clock.Now(), password, HashCost::kMinimal); !seeded) {
    std::cerr << "cannot seed: " << seeded.error().message << "\n";
    return 1;
  }
  AuthService auth(**store, clock);
  ClinicService clinic(**store, clock);
  AuditService audit(**store);
  auto catalog = InstrumentCatalog::Shipped();
  if (!catalog) return 1;
  FeedbackService feedback(**store, clock, *catalog, ShippedAlertRules());
  auto hash = HashPassword(password, HashCost::kMinimal);
  auto demo_therapist = SoleUserWithEmail(**store, "therapist@demo.rapport");
  if (!hash || !demo_therapist) return 1;
  const int kCaseloadClients = caseload_clients;
  const int kCaseloadSessions = caseload_sessions;
  auto caseload =
      SeedCaseload(**store, *catalog, demo_therapist->clinic_id, *hash, clock.Now(),
                   kCaseloadClients, kCaseloadSessions, with_plans, caseload_therapists);
  if (!caseload) {
    std::cerr << "cannot seed the caseload: " << caseload.error().message << "\n";
    return 1;
  }
  if (!keep.empty()) {
    std::cout << fmt::format("kept {}: {} clients of {} ({}), password \"{}\"\n",
                             store_options.path, caseload->client_emails.size(),
                             caseload->therapist_email, caseload->supervisor_email, password);
    return 0;
  }
  if (only == "servers") {
    const int status = MeasureServers(pg_options, ports, via, *caseload, *catalog, password,
                                      connections, std::chrono::seconds(seconds), dir);
    std::filesystem::remove_all(dir);
    return status;
  }
  ServerOptions options;
  options.port = 0;
  options.web_root = dir;                      // no web app needed
  options.log_sink = [](std::string_view) {};  // lines are still formatted, just not written
  PlanService plan(**store, clock, *catalog);
  Server server(options,
                ApiServices{store->get(), &auth, &clinic, &audit, &feedback, &*catalog, &plan});
  auto port = server.Start();
  if (!port) return 1;

  // Sign in as the demo therapist and pick one of their open episodes.
  Connection setup(*port);
  const std::string login_body =
      fmt::format(R"({{"email":"therapist@demo.rapport","password":"{}"}})", password);
  if (setup.Exchange(fmt::format("POST /api/v1/auth/login HTTP/1.1\r\nHost: b\r\n"
                                 "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                                 login_body.size(), login_body)) != 200) {
    std::cerr << "login failed: " << setup.body() << "\n";
    return 1;
  }
  const std::string cookie_at = "rapport_session=";
  const std::string& head = setup.head();
  const std::size_t c = head.find(cookie_at);
  const std::string cookie = head.substr(c, head.find(';', c) - c);
  const std::string csrf = ParseJson(setup.body())->value("csrf_token", "");
  auto user = SoleUserWithEmail(**store, "therapist@demo.rapport");
  auto episodes = (*store)->ListEpisodesOfTherapist(user->id);
  EpisodeId episode = 0;
  for (const Episode& e : *episodes) {
    if (e.status != EpisodeStatus::kEnded) episode = e.id;
  }
  if (episode == 0) return 1;

  const auto duration = std::chrono::seconds(seconds);
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n";

  // The dashboard and the caseload page's one request, as `who` (the therapist, or the
  // supervisor of several), 4 connections each. A first call of each checks the answer; the
  // measured calls are the steady state.
  constexpr int kDashboardConnections = 4;
  const auto measure_caseload = [&](const Session& who) -> std::pair<PhaseResult, PhaseResult> {
    std::pair<PhaseResult, PhaseResult> out;
    int i = 0;
    for (const char* path : {"/api/v1/dashboard", "/api/v1/caseload"}) {
      const std::string request =
          fmt::format("GET {} HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n\r\n", path, who.cookie);
      Connection warm(*port);
      if (warm.Exchange(request) != 200) {
        std::cerr << path << " failed: " << warm.body() << "\n";
        return out;
      }
      const Json rows = ParseJson(warm.body())->at("clients");
      int agreed = 0, due = 0;
      for (const Json& row : rows) {
        const Json& r = row.contains("feedback") ? row["feedback"] : row;
        if (!r.is_object()) continue;
        agreed += r.value("plan_status", "") == "agreed" ? 1 : 0;
        due += r.value("plan_review_due", false) ? 1 : 0;
      }
      std::cout << fmt::format("{} rows: {} ({} plans agreed, {} due for review), body {} bytes\n",
                               path, rows.size(), agreed, due, warm.body().size());
      PhaseResult phase = RunPhase(*port, kDashboardConnections, duration, 200,
                                   [&](int, int) -> const std::string& { return request; });
      (i++ == 0 ? out.first : out.second) = std::move(phase);
    }
    return out;
  };
  if (only == "caseload") {
    const Session who = SignIn(
        *port, caseload_therapists > 1 ? caseload->supervisor_email : caseload->therapist_email,
        password);
    const PhaseResult health = RunPhase(*port, kDashboardConnections, duration, 200,
                                        [&](int, int) -> const std::string& { return healthz; });
    const auto [dash, lines] = measure_caseload(who);
    server.Stop();
    std::filesystem::remove_all(dir);
    const std::string what =
        fmt::format("{} clients x {} sessions, {} therapist{}", kCaseloadClients, kCaseloadSessions,
                    caseload_therapists, caseload_therapists == 1 ? "" : "s under one supervisor");
    PrintPhase("GET /dashboard (" + what + ", 4 connections)", dash, health);
    PrintPhase("GET /caseload (" + what + ", 4 connections)", lines, health);
    PrintReaders(**store);
    return dash.failed == 0 && lines.failed == 0 && dash.ok > 0 && lines.ok > 0 ? 0 : 1;
  }
  // All connections answering for one client on one episode: a fresh one, then one that already
  // holds 4,000 answers (a submission's cost must not grow with the history), each against
  // /healthz just before. Then PHQ-9 answers once the clinic has 2,000 ended episodes to draw
  // expected trajectories from.
  const auto one_episode = [&](const std::string& email, int answers,
                               const std::string& form) -> std::pair<PhaseResult, PhaseResult> {
    auto seeded = SeedOneEpisode(**store, *catalog, demo_therapist->clinic_id, demo_therapist->id,
                                 email, *hash, clock.Now(), answers);
    if (!seeded) {
      std::cerr << "cannot seed " << email << ": " << seeded.error().message << "\n";
      return {};
    }
    const Session who = SignIn(*port, email, password);
    PhaseResult reference = RunPhase(*port, connections, duration, 200,
                                     [&](int, int) -> const std::string& { return healthz; });
    PhaseResult phase = RunPhase(*port, connections, duration, 201, [&](int, int i) {
      return PostAnswer(*seeded, who, form == "PHQ-9" ? Phq9Body(i) : RapportCheckBody(i));
    });
    return {std::move(phase), std::move(reference)};
  };
  if (only == "phq9") {
    if (!SeedEndedEpisodes(**store, demo_therapist->clinic_id, *hash, clock.Now(), 2000)) return 1;
    const auto [phq9, phq9_health] = one_episode("phq9@bench.rapport", 0, "PHQ-9");
    server.Stop();
    std::filesystem::remove_all(dir);
    PrintPhase("POST PHQ-9, one episode, 2,000 ended episodes in the clinic", phq9, phq9_health);
    std::cout << fmt::format("expected trajectories computed from ended episodes: {} times\n",
                             feedback.TrajectoryPoolsBuilt());
    return phq9.failed == 0 && phq9.ok > 0 ? 0 : 1;
  }
  PhaseResult health = RunPhase(*port, connections, duration, 200,
                                [&](int, int) -> const std::string& { return healthz; });
  const Timestamp base = clock.Now() + 86'400'000;
  PhaseResult writes = RunPhase(*port, connections, duration, 201, [&](int t, int i) {
    const std::string body =
        fmt::format(R"({{"starts_at":"{}","duration_minutes":50,"modality":"video"}})",
                    FormatIso8601(base + (std::int64_t{t} * 100'000 + i) * 60'000));
    return fmt::format(
        "POST /api/v1/episodes/{}/appointments HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n"
        "X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        episode, cookie, csrf, body.size(), body);
  });

  // Each connection is one client of the big caseload, submitting to their own episode (40
  // sessions of history already there, so the alert rules have a real history to compare).
  std::vector<Session> clients;
  for (int t = 0; t < connections; ++t) {
    clients.push_back(SignIn(
        *port,
        caseload->client_emails[static_cast<std::size_t>(t) % caseload->client_emails.size()],
        password));
    if (clients.back().cookie.empty()) {
      std::cerr << "client sign-in failed\n";
      return 1;
    }
  }
  PhaseResult health2 = RunPhase(*port, connections, duration, 200,
                                 [&](int, int) -> const std::string& { return healthz; });
  PhaseResult submits = RunPhase(*port, connections, duration, 201, [&](int t, int i) {
    const Session& who = clients[static_cast<std::size_t>(t)];
    const EpisodeId e = caseload->episodes[static_cast<std::size_t>(t) % caseload->episodes.size()];
    return PostAnswer(e, who, RapportCheckBody(i));
  });

  const auto [fresh, fresh_health] = one_episode("fresh@bench.rapport", 0, "RAPPORT-CHECK");
  const auto [long_history, long_health] =
      one_episode("history@bench.rapport", 4000, "RAPPORT-CHECK");
  if (!SeedEndedEpisodes(**store, demo_therapist->clinic_id, *hash, clock.Now(), 2000)) return 1;
  const auto [phq9, phq9_health] = one_episode("phq9@bench.rapport", 0, "PHQ-9");

  const PhaseResult health_caseload =
      RunPhase(*port, 4, duration, 200, [&](int, int) -> const std::string& { return healthz; });
  auto [dash, lines] = measure_caseload(SignIn(*port, caseload->therapist_email, password));
  if (dash.ok == 0 || lines.ok == 0) return 1;

  // The treatment plan's Overview, as each client opens it: 4 clients of the caseload, one per
  // connection, reading their own plan (progress from 40 PHQ-9 totals, consensus, GAS T-score,
  // review due, and the read's audit entry). They are taken from the end of the caseload, whose
  // episodes the submissions above did not add to. /healthz from as many connections, just
  // before, is the reference.
  constexpr int kPlanConnections = 4;
  std::vector<Session> readers;
  std::vector<std::string> plan_requests;
  for (int t = 0; t < kPlanConnections; ++t) {
    const std::size_t who = caseload->client_emails.size() - 1 - static_cast<std::size_t>(t);
    readers.push_back(SignIn(*port, caseload->client_emails[who], password));
    if (readers.back().cookie.empty()) {
      std::cerr << "plan reader sign-in failed\n";
      return 1;
    }
    plan_requests.push_back(
        fmt::format("GET /api/v1/episodes/{}/plan HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n\r\n",
                    caseload->episodes[who], readers.back().cookie));
  }
  {
    Connection check(*port);
    if (check.Exchange(plan_requests[0]) != 200) {
      std::cerr << "plan overview failed: " << check.body() << "\n";
      return 1;
    }
    const Json overview = *ParseJson(check.body());
    std::cout << fmt::format(
        "plan overview: {} versions, {} goals, consensus tau {}, GAS T {}, review due {}, body "
        "{} bytes\n",
        overview.at("versions").size(), overview.at("goals").size(),
        overview.at("consensus").at("tau").dump(), overview.at("gas_t_score").dump(),
        overview.at("review").at("due").dump(), check.body().size());
  }
  PhaseResult health3 = RunPhase(*port, kPlanConnections, duration, 200,
                                 [&](int, int) -> const std::string& { return healthz; });
  PhaseResult plans = RunPhase(
      *port, kPlanConnections, duration, 200,
      [&](int t, int) -> const std::string& { return plan_requests[static_cast<std::size_t>(t)]; });

  server.Stop();
  std::filesystem::remove_all(dir);

  std::cout << fmt::format("connections: {}, {} s per phase, {} hardware threads\n", connections,
                           seconds, std::thread::hardware_concurrency());
  std::cout << fmt::format("GET /healthz:                {:>10.0f} req/s ({} ok, {} failed)\n",
                           health.per_second(), health.ok, health.failed);
  std::cout << fmt::format("POST appointments (durable): {:>10.0f} req/s ({} ok, {} failed)\n",
                           writes.per_second(), writes.ok, writes.failed);
  std::cout << fmt::format("ratio writes / healthz:      {:>10.4f}\n",
                           writes.per_second() / health.per_second());
  std::cout << fmt::format("GET /healthz (again):        {:>10.0f} req/s ({} ok, {} failed)\n",
                           health2.per_second(), health2.ok, health2.failed);
  std::cout << fmt::format(
      "POST Rapport Check:          {:>10.0f} req/s ({} ok, {} failed), p50 {:.1f} ms, "
      "p99 {:.1f} ms\n",
      submits.per_second(), submits.ok, submits.failed, submits.Percentile(50),
      submits.Percentile(99));
  std::cout << fmt::format("ratio submissions / healthz: {:>10.4f}\n",
                           submits.per_second() / health2.per_second());
  PrintPhase("POST Rapport Check, one fresh episode", fresh, fresh_health);
  PrintPhase("POST Rapport Check, one episode holding 4,000 answers", long_history, long_health);
  PrintPhase("POST PHQ-9, one episode, 2,000 ended episodes in the clinic", phq9, phq9_health);
  std::cout << fmt::format("expected trajectories computed from ended episodes: {} times\n",
                           feedback.TrajectoryPoolsBuilt());
  const std::string what = fmt::format("{} clients x {} sessions, {} connections", kCaseloadClients,
                                       kCaseloadSessions, kDashboardConnections);
  PrintPhase("GET /dashboard (" + what + ")", dash, health_caseload);
  PrintPhase("GET /caseload (" + what + ")", lines, health_caseload);
  std::cout << fmt::format("GET /healthz ({} connections): {:>10.0f} req/s ({} ok, {} failed)\n",
                           kPlanConnections, health3.per_second(), health3.ok, health3.failed);
  std::cout << fmt::format(
      "GET /plan (overview, {} connections): {:.1f} req/s, p50 {:.2f} ms, p99 {:.2f} ms ({} ok, "
      "{} failed)\n",
      kPlanConnections, plans.per_second(), plans.Percentile(50), plans.Percentile(99), plans.ok,
      plans.failed);
  std::cout << fmt::format("ratio plan reads / healthz:  {:>10.4f}\n",
                           plans.per_second() / health3.per_second());
  PrintReaders(**store);
  const bool none_failed = health.failed == 0 && writes.failed == 0 && submits.failed == 0 &&
                           fresh.failed == 0 && long_history.failed == 0 && phq9.failed == 0 &&
                           dash.failed == 0 && lines.failed == 0 && health3.failed == 0 &&
                           plans.failed == 0;
  return none_failed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return Main(argc, argv);
}
