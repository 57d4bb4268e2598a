// The clinic group's high-availability deployment (deploy/) loses its primary database machine
// under write load. Real `rapport serve` processes reach PostgreSQL through HAProxy, and people
// reach them through HAProxy's TLS front end; clients submit Rapport Checks and therapists book
// appointments, each remembering what was acknowledged (201 with the new record's id). The
// primary's Patroni and PostgreSQL are killed as a machine loss would end them. The synchronous
// standby takes over, the app servers reconnect, writes are acknowledged again, and every write
// acknowledged before, during or after is on the new primary. The former primary then rejoins
// as the standby, and the audit chain verifies.
//
// Prints one line with the time from the kill to the first acknowledged write and the counts;
// asserts no time. RAPPORT_FAILOVER_TIMINGS=TTL/LOOP_WAIT/RETRY_TIMEOUT runs Patroni with other
// timings than the shipped ones; RAPPORT_FAILOVER_BINARY runs another build of rapport (a release
// build, for docs/benchmarks.md); RAPPORT_FAILOVER_KEEP=1 keeps the folder with every log.

#include <libpq-fe.h>
#include <signal.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "ha_test_cluster.h"
#include "web_client.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif
#ifndef RAPPORT_DEPLOY_DIR
#error "RAPPORT_DEPLOY_DIR must name the repository's deploy folder"
#endif

namespace rapport::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kDemoPassword = "failover test password";
constexpr int kClientWriters = 3;
constexpr int kTherapistWriters = 3;
// Acknowledged writes before the primary is killed.
constexpr std::size_t kWritesBeforeKill = 60;
// How long the load goes on after the first write acknowledged by the new primary.
constexpr seconds kLoadAfterRecovery{3};

std::optional<HaTestCluster::Timings> TimingsFromEnvironment() {
  const char* text = std::getenv("RAPPORT_FAILOVER_TIMINGS");
  if (text == nullptr || *text == '\0') return std::nullopt;
  HaTestCluster::Timings timings;
  if (std::sscanf(text, "%d/%d/%d", &timings.ttl, &timings.loop_wait, &timings.retry_timeout) !=
      3) {
    ADD_FAILURE() << "RAPPORT_FAILOVER_TIMINGS is TTL/LOOP_WAIT/RETRY_TIMEOUT, not " << text;
    return std::nullopt;
  }
  return timings;
}

std::string RapportBinary() {
  const char* other = std::getenv("RAPPORT_FAILOVER_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(RAPPORT_BINARY);
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// What the writers were told, shared by all of them.
class Ledger {
 public:
  enum class Kind { kRapportCheck, kAppointment };
  struct Acknowledged {
    Kind kind;
    std::int64_t id;
    Clock::time_point sent;
    Clock::time_point answered;
  };

  void Acknowledge(Kind kind, std::int64_t id, Clock::time_point sent) {
    std::lock_guard lock(mutex_);
    acknowledged_.push_back({kind, id, sent, Clock::now()});
  }
  // Not acknowledged: 503 from the app server or from HAProxy, or no answer at all.
  void Refuse() {
    std::lock_guard lock(mutex_);
    ++refused_;
  }
  void Unexpected(unsigned status, const std::string& body) {
    std::lock_guard lock(mutex_);
    if (unexpected_.size() < 5) unexpected_.push_back(fmt::format("{} {}", status, body));
    ++unexpected_count_;
  }

  std::vector<Acknowledged> acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return acknowledged_.size();
  }
  // The first write both sent and acknowledged after `after`.
  std::optional<Acknowledged> FirstSentAfter(Clock::time_point after) const {
    std::lock_guard lock(mutex_);
    std::optional<Acknowledged> first;
    for (const Acknowledged& a : acknowledged_) {
      if (a.sent > after && (!first || a.answered < first->answered)) first = a;
    }
    return first;
  }
  int refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }
  int unexpected_count() const {
    std::lock_guard lock(mutex_);
    return unexpected_count_;
  }
  std::vector<std::string> unexpected() const {
    std::lock_guard lock(mutex_);
    return unexpected_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Acknowledged> acknowledged_;
  int refused_ = 0;
  int unexpected_count_ = 0;
  std::vector<std::string> unexpected_;
};

// Signs in, trying again while the servers come up.
bool SignIn(WebClient& browser, const std::string& email) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (browser.Login(email, kDemoPassword).status == 200) return true;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return false;
}

// The ids among `ids` that `table` holds, read on the database `conninfo` names.
Result<std::set<std::int64_t>> PresentIds(const std::string& conninfo, const std::string& table,
                                          const std::set<std::int64_t>& ids) {
  std::string array = "{";
  for (const std::int64_t id : ids) array += (array.size() > 1 ? "," : "") + std::to_string(id);
  array += "}";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    Error error = Error::Unavailable(conn != nullptr ? PQerrorMessage(conn) : "no memory");
    PQfinish(conn);
    return Fail(std::move(error));
  }
  const std::string sql = fmt::format("SELECT id FROM {} WHERE id = ANY($1::bigint[])", table);
  const char* values[] = {array.c_str()};
  PGresult* result =
      PQexecParams(conn, sql.c_str(), 1, nullptr, values, nullptr, nullptr, /*resultFormat=*/0);
  Result<std::set<std::int64_t>> present = std::set<std::int64_t>();
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    present = Fail(Error::Internal(PQerrorMessage(conn)));
  } else {
    for (int row = 0; row < PQntuples(result); ++row) {
      present->insert(std::stoll(PQgetvalue(result, row, 0)));
    }
  }
  PQclear(result);
  PQfinish(conn);
  return present;
}

TEST(Failover, APrimaryLostUnderWriteLoadLosesNoAcknowledgedWrite) {
  if (const std::vector<std::string> missing = HaTestCluster::MissingPrograms(); !missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += " " + name;
    GTEST_SKIP() << "the high-availability deployment needs patroni, etcd-server, haproxy, "
                    "openssl and postgresql-15 (scripts/install-deps.sh); not installed:"
                 << names;
  }
  ASSERT_TRUE(InitCrypto().has_value());
  auto started =
      HaTestCluster::Start({.deploy_dir = RAPPORT_DEPLOY_DIR, .timings = TimingsFromEnvironment()});
  ASSERT_TRUE(started.has_value()) << started.error().message;
  HaTestCluster& cluster = **started;
  ASSERT_TRUE(cluster.CreateAppDatabase().has_value());

  // The demo clinic, then the app servers, as deploy/README.md starts them.
  const std::string keys = cluster.folder() + "/app";
  const std::vector<std::string> files = {"--audit-key", keys + "/audit-key", "--message-key",
                                          keys + "/message-key"};
  const std::string pgpass = "PGPASSFILE=" + cluster.app_pgpass();
  const std::string rapport = RapportBinary();
  {
    std::vector<std::string> demo = {rapport,         "demo",
                                     "--db",          cluster.AppDatabaseUri(),
                                     "--checkpoints", keys + "/demo.checkpoints"};
    demo.insert(demo.end(), files.begin(), files.end());
    auto seeding = cluster.Spawn("demo", demo,
                                 {pgpass, fmt::format("RAPPORT_DEMO_PASSWORD={}", kDemoPassword)});
    ASSERT_TRUE(seeding.has_value());
    ASSERT_EQ(cluster.Await(*seeding, milliseconds(120'000)), 0) << cluster.LogTail("demo");
  }
  std::vector<pid_t> servers;
  for (int i = 1; i <= 2; ++i) {
    std::vector<std::string> serve = {rapport,
                                      "serve",
                                      "--db",
                                      cluster.AppDatabaseUri(),
                                      "--listen",
                                      fmt::format("127.0.0.1:{}", cluster.app_port(i)),
                                      "--web",
                                      "/nonexistent",
                                      "--trust-proxy",
                                      "--checkpoints",
                                      fmt::format("{}/app{}.checkpoints", keys, i)};
    serve.insert(serve.end(), files.begin(), files.end());
    auto server = cluster.Spawn(fmt::format("app{}", i), serve, {pgpass});
    ASSERT_TRUE(server.has_value());
    servers.push_back(*server);
  }
  // Both servers answer, and HAProxy has seen them ready.
  for (int i = 1; i <= 2; ++i) {
    bool ready = false;
    for (int attempt = 0; attempt < 300 && !ready; ++attempt) {
      ready = Send(cluster.app_port(i), "GET", "/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(milliseconds(100));
    }
    ASSERT_TRUE(ready) << cluster.LogTail(fmt::format("app{}", i));
  }
  {
    WebClient probe(cluster.https_port(), cluster.ca_file());
    bool ready = false;
    for (int attempt = 0; attempt < 100 && !ready; ++attempt) {
      ready = probe.Get("/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(milliseconds(100));
    }
    ASSERT_TRUE(ready) << cluster.LogTail("haproxy");
    // Plain HTTP only sends people to the TLS address.
    const HttpReply plain = Send(cluster.http_port(), "GET", "/");
    EXPECT_EQ(plain.status, 301u);
    EXPECT_TRUE(plain.Header("location").starts_with("https://")) << plain.Header("location");
  }

  // Jordan's episode: Jordan answers Rapport Checks on it, the therapist books on it.
  std::int64_t episode = 0;
  {
    WebClient client(cluster.https_port(), cluster.ca_file());
    ASSERT_TRUE(SignIn(client, "client@demo.rapport"));
    const HttpReply me = client.Get("/api/v1/me");
    ASSERT_EQ(me.status, 200u) << me.body;
    const std::int64_t user = me.json()["user"]["id"].get<std::int64_t>();
    const HttpReply record = client.Get(fmt::format("/api/v1/clients/{}", user));
    ASSERT_EQ(record.status, 200u) << record.body;
    const Json detail = record.json();
    for (const Json& e : detail["episodes"]) {
      if (e["status"] != "ended") episode = e["id"].get<std::int64_t>();
    }
    ASSERT_NE(episode, 0);
  }

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::atomic<int> signed_in{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kClientWriters + kTherapistWriters; ++w) {
    const bool client = w < kClientWriters;
    writers.emplace_back([&, w, client] {
      WebClient browser(cluster.https_port(), cluster.ca_file());
      if (!SignIn(browser, client ? "client@demo.rapport" : "therapist@demo.rapport")) {
        ledger.Unexpected(0, "could not sign in");
        return;
      }
      ++signed_in;
      for (int i = 0; !stop.load(); ++i) {
        const Clock::time_point sent = Clock::now();
        HttpReply reply;
        if (client) {
          const int v = 6 + (i % 5);
          reply = browser.Post(fmt::format("/api/v1/episodes/{}/responses", episode),
                               {{"instrument", "RAPPORT-CHECK"},
                                {"respondent", "client"},
                                {"answers",
                                 {{"rc_heard", v},
                                  {"rc_goals", v},
                                  {"rc_approach", v},
                                  {"rc_held_back", 10 - v},
                                  {"rc_respect", v},
                                  {"rc_overall", v},
                                  {"rc_better", "more time on the plan"}}}});
        } else {
          // A slot of its own for every booking: an hour apart, from 2030 on.
          const std::int64_t hour = std::int64_t{w} * 5000 + i;
          reply =
              browser.Post(fmt::format("/api/v1/episodes/{}/appointments", episode),
                           {{"starts_at", FormatIso8601(1'900'000'000'000LL + hour * 3'600'000)},
                            {"duration_minutes", 50},
                            {"modality", "video"}});
        }
        const Json body = reply.status == 201 ? reply.json() : Json();
        Json id;
        if (body.is_object()) {
          const Json& record = client ? body.value("response", Json::object()) : body;
          if (record.is_object()) id = record.value("id", Json());
        }
        if (reply.status == 201 && id.is_number_integer()) {
          ledger.Acknowledge(client ? Ledger::Kind::kRapportCheck : Ledger::Kind::kAppointment,
                             id.get<std::int64_t>(), sent);
        } else if (reply.status == 0 || (reply.status == 503 && reply.Header("content-type") ==
                                                                    "application/problem+json")) {
          // Refused in words the web app shows (the app server's or HAProxy's), or no answer.
          ledger.Refuse();
          // As a person would: wait a moment before trying again.
          std::this_thread::sleep_for(milliseconds(100));
        } else {
          ledger.Unexpected(reply.status, reply.body);
          std::this_thread::sleep_for(milliseconds(100));
        }
      }
    });
  }
  const auto stop_writers = [&] {
    stop = true;
    for (std::thread& t : writers) {
      if (t.joinable()) t.join();
    }
  };
  const auto wait_for = [](auto condition, seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!condition()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  };

  if (!wait_for([&] { return ledger.count() >= kWritesBeforeKill; }, seconds(60))) {
    stop_writers();
    FAIL() << "too few writes before the kill: " << ledger.count() << " acknowledged, "
           << ledger.refused() << " refused, " << ledger.unexpected_count() << " unexpected"
           << cluster.LogTail("app1");
  }
  const Result<std::string> former = cluster.AwaitLeaderWithSyncStandby(seconds(10));
  if (!former) {
    stop_writers();
    FAIL() << former.error().message;
  }
  if (const Status killed = cluster.KillNode(*former); !killed) {
    stop_writers();
    FAIL() << killed.error().message;
  }
  // From here on the primary is gone: a write sent before may still have been acknowledged
  // while its processes were being killed, one sent after can only be by the new primary.
  const Clock::time_point killed_at = Clock::now();
  // Meanwhile a page being opened gets one that opens itself again.
  bool waiting_page = false;
  int polls = 0;
  WebClient opener(cluster.https_port(), cluster.ca_file());
  const bool recovered = wait_for(
      [&] {
        if (!waiting_page && ++polls % 10 == 0) {
          const HttpReply page = opener.Get("/");
          waiting_page = page.status == 503 &&
                         page.Header("content-type").starts_with("text/html") &&
                         page.body.find("http-equiv=refresh") != std::string::npos;
        }
        return ledger.FirstSentAfter(killed_at).has_value();
      },
      seconds(150));
  if (recovered) std::this_thread::sleep_for(kLoadAfterRecovery);
  stop_writers();

  const std::vector<Ledger::Acknowledged> acknowledged = ledger.acknowledged();
  std::size_t before = 0;
  std::size_t after = 0;
  std::map<Ledger::Kind, std::set<std::int64_t>> ids;
  for (const Ledger::Acknowledged& a : acknowledged) {
    ids[a.kind].insert(a.id);
    before += a.answered < killed_at ? 1 : 0;
    after += a.answered >= killed_at ? 1 : 0;
  }

  const Result<std::string> leader = cluster.AwaitNewLeader(*former, seconds(30));
  ASSERT_TRUE(leader.has_value()) << leader.error().message;
  std::size_t missing = 0;
  for (const auto& [kind, table] : {std::pair{Ledger::Kind::kRapportCheck, "responses"},
                                    std::pair{Ledger::Kind::kAppointment, "appointments"}}) {
    const Result<std::set<std::int64_t>> present =
        PresentIds(cluster.NodeConninfo(*leader, "rapport"), table, ids[kind]);
    ASSERT_TRUE(present.has_value()) << present.error().message;
    for (const std::int64_t id : ids[kind]) {
      if (!present->contains(id)) {
        ++missing;
        ADD_FAILURE() << "acknowledged but missing on the new primary: " << table << " " << id;
      }
    }
  }

  const std::optional<Ledger::Acknowledged> first = ledger.FirstSentAfter(killed_at);
  const std::string first_text =
      first ? fmt::format("{:.1f} s", Seconds(first->answered - killed_at)) : "never";
  std::cout << fmt::format(
                   "failover: first acknowledged write {} after the primary ({}) was killed, "
                   "{} leads now; {} acknowledged ({} before the kill, {} after), {} missing, "
                   "{} refused, {} unexpected",
                   first_text, *former, *leader, acknowledged.size(), before, after, missing,
                   ledger.refused(), ledger.unexpected_count())
            << std::endl;
  ::testing::Test::RecordProperty("first_acknowledged_write_after_kill", first_text);

  EXPECT_TRUE(recovered) << "no write was acknowledged after the kill\n"
                         << "app1:" << cluster.LogTail("app1")
                         << "\nhaproxy:" << cluster.LogTail("haproxy");
  EXPECT_NE(*leader, *former);
  EXPECT_GT(before, 0u);
  EXPECT_GT(after, 0u);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(signed_in.load(), kClientWriters + kTherapistWriters);
  EXPECT_TRUE(waiting_page) << "no page that opens itself again while every app server was out";
  // A write the database could not take is answered 503 with problem+json (by the app server or
  // by HAProxy), never with another error.
  for (const std::string& sample : ledger.unexpected()) ADD_FAILURE() << "unexpected: " << sample;

  // Every app server is back, not only the one that took the first write: each answers /readyz
  // 200 again, asked directly (HAProxy sends a server that is not ready nothing).
  for (int i = 1; i <= 2; ++i) {
    bool ready = false;
    for (int attempt = 0; attempt < 100 && !ready; ++attempt) {
      ready = Send(cluster.app_port(i), "GET", "/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(milliseconds(200));
    }
    if (ready) continue;
    // What it does when asked directly, past HAProxy: a sign-in and a booking are writes.
    Browser therapist(cluster.app_port(i));
    const unsigned login = therapist.Login("therapist@demo.rapport", kDemoPassword).status;
    const unsigned booked =
        therapist
            .Post(fmt::format("/api/v1/episodes/{}/appointments", episode),
                  {{"starts_at", FormatIso8601(1'900'000'000'000LL + (90'000LL + i) * 3'600'000)},
                   {"duration_minutes", 50},
                   {"modality", "video"}})
            .status;
    ADD_FAILURE() << fmt::format(
        "app{} still answers /readyz 503 20 s after the new primary took writes, so HAProxy "
        "keeps it out; asked directly it answers a sign-in {} and a booking {}, and then /readyz "
        "{}",
        i, login, booked, Send(cluster.app_port(i), "GET", "/readyz").status);
  }

  // What a therapist's page shows after the failover: every booking acknowledged.
  {
    WebClient therapist(cluster.https_port(), cluster.ca_file());
    ASSERT_TRUE(SignIn(therapist, "therapist@demo.rapport"));
    const HttpReply list = therapist.Get(fmt::format("/api/v1/episodes/{}/appointments", episode));
    ASSERT_EQ(list.status, 200u) << list.body;
    std::set<std::int64_t> shown;
    for (const Json& a : list.json()) shown.insert(a["id"].get<std::int64_t>());
    for (const std::int64_t id : ids[Ledger::Kind::kAppointment]) {
      EXPECT_TRUE(shown.contains(id)) << "appointment " << id << " is not on the episode's page";
    }
  }

  // The former primary comes back as the synchronous standby of the new one.
  ASSERT_TRUE(cluster.RestartNode(*former).has_value());
  const Result<std::string> rejoined = cluster.AwaitLeaderWithSyncStandby(seconds(90));
  EXPECT_TRUE(rejoined.has_value()) << rejoined.error().message << cluster.LogTail(*former);
  if (rejoined) {
    EXPECT_EQ(*rejoined, *leader);
  }

  // Stopped gracefully, each server writes the audit chain's head to its checkpoints; the
  // chain on the new primary verifies against them.
  for (const pid_t server : servers) EXPECT_EQ(cluster.Stop(server, SIGTERM, seconds(20)), 0);
  for (int i = 1; i <= 2; ++i) {
    std::vector<std::string> verify = {rapport,
                                       "audit",
                                       "verify",
                                       "--db",
                                       cluster.AppDatabaseUri(),
                                       "--checkpoints",
                                       fmt::format("{}/app{}.checkpoints", keys, i)};
    verify.insert(verify.end(), files.begin(), files.end());
    auto verifying = cluster.Spawn(fmt::format("verify{}", i), verify, {pgpass});
    ASSERT_TRUE(verifying.has_value());
    EXPECT_EQ(cluster.Await(*verifying, milliseconds(120'000)), 0)
        << cluster.LogTail(fmt::format("verify{}", i));
  }
}

}  // namespace
}  // namespace rapport::testing
