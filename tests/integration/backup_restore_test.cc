// Backup and restore end to end with the real `rapport` binary, on SQLite and (in the PostgreSQL
// pass) on PostgreSQL: a backup taken while client threads keep writing through HTTP
// (questionnaire answers, goal ratings in a treatment plan, appointments, sign-ins) is restored
// into a new database, where every table reads back as in the backup, the audit chain verifies and
// ends at an entry of the live chain, every write acknowledged before the backup began is there,
// and the server starts and signs people in. And the refusals that only a real second process can
// show: a database a running server holds, a PostgreSQL database that is not empty, a restore
// whose chain does not verify.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/crypto.h"
#include "domain/test_instruments.h"
#include "http_client.h"
#include "rapport_process.h"
#include "service/service_test_world.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/sql/table_digest.h"
#include "store/sqlite/sqlite_connection.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kDemoPassword = "backup restore test password";

// The 64 hexadecimal characters after "content " in a line of backup or restore.
std::string ContentHashIn(const std::string& line) {
  const std::size_t at = line.find("content ");
  return at == std::string::npos ? std::string() : line.substr(at + 8, 64);
}

// A database of the engine under test: a SQLite file, or a database of the test run's PostgreSQL
// server. Its key files and checkpoints are files of the test's folder.
struct Database {
  std::string db;        // what --db takes
  std::string conninfo;  // PostgreSQL only
  std::string audit_key;
  std::string message_key;
  std::string master_key;
  std::string checkpoints;

  // The key files, as every command takes them.
  std::vector<std::string> Keys() const {
    return {"--audit-key", audit_key, "--message-key", message_key, "--master-key", master_key};
  }
  // The options of every command that opens the store, for this database.
  std::vector<std::string> Options() const {
    std::vector<std::string> options = {"--db", db, "--checkpoints", checkpoints};
    for (const std::string& key : Keys()) options.push_back(key);
    return options;
  }

  std::unique_ptr<SqlConnection> Reader() const {
    Result<std::unique_ptr<SqlConnection>> c = Fail(Error::Internal("not opened"));
    if (conninfo.empty()) {
      auto sqlite = SqliteConnection::Open(db, SqlConnection::Mode::kReader);
      if (sqlite)
        c = std::unique_ptr<SqlConnection>(std::move(*sqlite));
      else
        c = Fail(sqlite.error());
    } else {
      auto pg = PgConnection::Open(conninfo, SqlConnection::Mode::kReader);
      if (pg)
        c = std::unique_ptr<SqlConnection>(std::move(*pg));
      else
        c = Fail(pg.error());
    }
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }

  DatabaseDigest Digest() const {
    std::unique_ptr<SqlConnection> c = Reader();
    if (c == nullptr) return {};
    Result<DatabaseDigest> digest = DigestDatabase(*c);
    EXPECT_TRUE(digest.has_value()) << digest.error().message;
    return digest.value_or(DatabaseDigest{});
  }

  // The ids of `table` (an integer key `column`) among `wanted` that the database holds.
  std::set<std::string> Present(const std::string& table, const std::string& column,
                                const std::set<std::string>& wanted) const {
    std::set<std::string> present;
    std::unique_ptr<SqlConnection> c = Reader();
    if (c == nullptr) return present;
    auto query = c->Prepare("SELECT " + column + " FROM " + table);
    EXPECT_TRUE(query.has_value());
    if (!query) return present;
    for (;;) {
      Result<bool> row = query->Step();
      EXPECT_TRUE(row.has_value());
      if (!row || !*row) break;
      if (wanted.contains(query->Text(0))) present.insert(query->Text(0));
    }
    return present;
  }

  std::int64_t Count(const std::string& sql) const {
    std::unique_ptr<SqlConnection> c = Reader();
    if (c == nullptr) return -1;
    auto query = c->Prepare(sql);
    EXPECT_TRUE(query.has_value());
    if (!query) return -1;
    Result<bool> row = query->Step();
    return row && *row ? query->Int(0) : -1;
  }

  std::string AuditHashAt(std::int64_t seq) const {
    std::unique_ptr<SqlConnection> c = Reader();
    if (c == nullptr) return {};
    auto query = c->Prepare("SELECT hash FROM audit WHERE seq = ?");
    if (!query) return {};
    query->Bind(seq);
    Result<bool> row = query->Step();
    return row && *row ? query->Text(0) : std::string();
  }
};

// What the load had acknowledged, each write by something of its own the database keeps.
struct Acknowledged {
  std::set<std::string> responses;     // questionnaire answers' ids
  std::set<std::string> appointments;  // appointments' ids
  std::set<std::string> sessions;      // sign-ins' token hashes (auth_sessions.token_hash)
  int ratings = 0;                     // goal ratings on the plan
};

// Client threads writing through HTTP until stopped; each counts what was acknowledged.
class Load {
 public:
  struct Targets {
    std::int64_t client_episode = 0;  // the client's episode, with an agreed plan
    std::string goal_key;             // a goal of that plan
  };

  Load(std::uint16_t port, Targets targets) : port_(port), targets_(std::move(targets)) {}
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;
  ~Load() { Stop(); }

  void Start() {
    const std::string episode = "/api/v1/episodes/" + std::to_string(targets_.client_episode);
    for (int t = 0; t < 2; ++t) {
      threads_.emplace_back([this, episode] {
        Browser client(port_);
        if (client.Login("client@demo.rapport", kDemoPassword).status != 200) return Failed();
        while (!stop_) {
          HttpReply reply =
              client.Post(episode + "/responses", {{"instrument", "PHQ-9"},
                                                   {"respondent", "client"},
                                                   {"answers", testing_support::Phq9(1)}});
          if (reply.status != 201) return Failed(reply);
          Note([&](Acknowledged& a) {
            a.responses.insert(std::to_string(reply.json()["response"]["id"].get<std::int64_t>()));
          });
        }
      });
      threads_.emplace_back([this, episode, t] {
        Browser client(port_);
        if (client.Login("client@demo.rapport", kDemoPassword).status != 200) return Failed();
        for (int i = 0; !stop_; ++i) {
          HttpReply reply = client.Post(episode + "/plan/goals/" + targets_.goal_key + "/ratings",
                                        {{"rating", (t + i) % 11}, {"note", "during the backup"}});
          if (reply.status != 201) return Failed(reply);
          Note([](Acknowledged& a) { ++a.ratings; });
        }
      });
      threads_.emplace_back([this, episode, t] {
        Browser therapist(port_);
        if (therapist.Login("therapist@demo.rapport", kDemoPassword).status != 200) {
          return Failed();
        }
        for (int i = 0; !stop_; ++i) {
          const std::int64_t hour = t * 5000 + i;
          HttpReply reply =
              therapist.Post(episode + "/appointments",
                             {{"starts_at", FormatIso8601(1'900'000'000'000LL + hour * 3'600'000)},
                              {"duration_minutes", 50},
                              {"modality", "video"}});
          if (reply.status != 201) return Failed(reply);
          Note([&](Acknowledged& a) {
            a.appointments.insert(std::to_string(reply.json()["id"].get<std::int64_t>()));
          });
        }
      });
    }
    threads_.emplace_back([this] {
      while (!stop_) {
        Browser supervisor(port_);
        HttpReply reply = supervisor.Login("supervisor@demo.rapport", kDemoPassword);
        if (reply.status != 200) return Failed(reply);
        const std::string token = supervisor.cookie().substr(supervisor.cookie().find('=') + 1);
        Note([&](Acknowledged& a) { a.sessions.insert(Blake2b256Hex(token)); });
      }
    });
  }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  Acknowledged Snapshot() const {
    const std::lock_guard lock(mu_);
    return acknowledged_;
  }

  // Waits until at least `more` writes of each kind were acknowledged beyond `since`.
  bool WaitBeyond(const Acknowledged& since, std::size_t more) const {
    for (;;) {
      const Acknowledged now = Snapshot();
      if (failed_) return false;
      if (now.responses.size() >= since.responses.size() + more &&
          now.appointments.size() >= since.appointments.size() + more &&
          now.sessions.size() >= since.sessions.size() + 1 &&
          static_cast<std::size_t>(now.ratings) >= static_cast<std::size_t>(since.ratings) + more) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  bool failed() const { return failed_; }
  std::string failure() const {
    const std::lock_guard lock(mu_);
    return failure_;
  }

 private:
  template <typename F>
  void Note(F f) {
    const std::lock_guard lock(mu_);
    f(acknowledged_);
  }
  void Failed(const HttpReply& reply = {}) {
    const std::lock_guard lock(mu_);
    failed_ = true;
    if (failure_.empty()) failure_ = std::to_string(reply.status) + " " + reply.body;
  }

  const std::uint16_t port_;
  const Targets targets_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  Acknowledged acknowledged_;  // guarded by mu_
  std::string failure_;        // guarded by mu_
  std::vector<std::thread> threads_;
};

// The demo client's episode with an agreed plan that has goals, and one goal's key.
Load::Targets FindTargets(std::uint16_t port) {
  Load::Targets targets;
  Browser client(port);
  if (client.Login("client@demo.rapport", kDemoPassword).status != 200) return targets;
  const std::int64_t me = client.Get("/api/v1/me").json()["user"]["id"].get<std::int64_t>();
  const Json detail = client.Get("/api/v1/clients/" + std::to_string(me)).json();
  for (const Json& episode : detail["episodes"]) {
    if (episode["status"] == "ended") continue;
    const std::int64_t id = episode["id"].get<std::int64_t>();
    const Json plan = client.Get("/api/v1/episodes/" + std::to_string(id) + "/plan").json();
    if (plan.is_object() && plan.contains("goals") && !plan["goals"].empty()) {
      targets.client_episode = id;
      targets.goal_key = plan["goals"][0]["key"].get<std::string>();
      return targets;
    }
  }
  return targets;
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = fs::temp_directory_path() / ("rapport-backup-restore-" + RandomHex(6));
    fs::create_directories(dir_ / "restored");
    if (TestEngine() == nullptr) return;
    Result<PgTestCluster*> cluster = PgTestCluster::Shared();
    ASSERT_TRUE(cluster.has_value()) << cluster.error().message;
    cluster_ = *cluster;
  }

  void TearDown() override {
    if (cluster_ != nullptr) {
      for (const std::string& name : databases_) (void)cluster_->DropDatabase(name);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  bool postgres() const { return cluster_ != nullptr; }

  // A new database named `name` (SQLite: a file of that name in `folder`), empty, with the
  // clinic's key files (those of `keys_of`, or its own).
  Database Make(const std::string& name, const fs::path& folder,
                const Database* keys_of = nullptr) {
    Database d;
    if (postgres()) {
      const std::string database = PgTestCluster::UniqueName(name);
      EXPECT_TRUE(cluster_->CreateDatabase(database).has_value());
      databases_.push_back(database);
      d.db = cluster_->uri(database);
      d.conninfo = cluster_->conninfo(database);
    } else {
      d.db = (folder / (name + ".db")).string();
    }
    // SQLite: the key files where every command looks for them by default, beside the file.
    const std::string files = postgres() ? (folder / name).string() : d.db;
    d.audit_key = keys_of != nullptr ? keys_of->audit_key : files + ".audit-key";
    d.message_key = keys_of != nullptr ? keys_of->message_key : files + ".message-key";
    d.master_key = keys_of != nullptr ? keys_of->master_key : files + ".master-key";
    d.checkpoints = files + ".audit-checkpoints";
    return d;
  }

  Outcome Run(const std::vector<std::string>& args) const {
    return RunRapportCapturing(args, kDemoPassword);
  }

  std::vector<std::string> With(std::vector<std::string> args,
                                const std::vector<std::string>& more) const {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  std::vector<std::string> ServeOptions(const Database& d) const {
    return With(d.Keys(), {"--checkpoints", d.checkpoints});
  }

  PgTestCluster* cluster_ = nullptr;
  std::vector<std::string> databases_;
  fs::path dir_;
};

TEST_F(BackupRestoreTest, ABackupTakenUnderWriteLoadRestoresWithEveryTableEqualAndNothingLost) {
  const std::string engine = postgres() ? "postgres" : "sqlite";
  const Database live = Make("clinic", dir_);
  ASSERT_EQ(Run(With({"demo"}, live.Options())).status, 0);
  const std::string backup = (dir_ / "clinic.backup").string();

  Acknowledged before;  // acknowledged before the backup began
  std::string backup_line;
  std::string ratings_sql;  // the goal ratings of the client's plan
  std::int64_t ratings_at_start = 0;
  {
    ServeProcess server(live.db, ServeOptions(live));
    ASSERT_NE(server.port(), 0);
    const Load::Targets targets = FindTargets(server.port());
    ASSERT_NE(targets.client_episode, 0) << "the demo client has an agreed plan with goals";
    ratings_sql = "SELECT count(*) FROM plan_events WHERE kind = 'self_rating' AND episode_id = " +
                  std::to_string(targets.client_episode);
    ratings_at_start = live.Count(ratings_sql);

    Load load(server.port(), targets);
    load.Start();
    ASSERT_TRUE(load.WaitBeyond({}, 15)) << load.failure();
    before = load.Snapshot();
    const Outcome backed_up = Run(With({"backup", "--db", live.db, "--to", backup}, live.Keys()));
    ASSERT_EQ(backed_up.status, 0) << backed_up.err;
    backup_line = backed_up.out;
    // The load went on after the backup, so the live chain grows past what the backup holds.
    ASSERT_TRUE(load.WaitBeyond(load.Snapshot(), 5)) << load.failure();
    load.Stop();
    EXPECT_FALSE(load.failed()) << load.failure();
    EXPECT_EQ(server.Kill(SIGTERM), 0);
  }
  std::cout << "[" << engine << "] " << backup_line;
  EXPECT_THAT(backup_line, HasSubstr("the key files are not in it"));

  const Database restored = Make("restored", dir_ / "restored", &live);
  const Outcome restore = Run(With(
      {"restore", "--from", backup, "--db", restored.db, "--checkpoints", restored.checkpoints},
      restored.Keys()));
  ASSERT_EQ(restore.status, 0) << restore.err;
  std::cout << "[" << engine << "] " << restore.out;

  // (a) Every table of the restored database reads back as the backup holds it.
  const DatabaseDigest after = restored.Digest();
  ASSERT_EQ(ContentHashIn(backup_line).size(), 64U) << backup_line;
  if (postgres()) {
    // The archive's figures were read in the snapshot pg_dump wrote; equal content hashes mean
    // every table's name, row count and hash are equal.
    EXPECT_EQ(after.content_hash, ContentHashIn(backup_line));
  } else {
    Database file;
    file.db = backup;
    const DatabaseDigest from_backup = file.Digest();
    EXPECT_EQ(ContentHashIn(backup_line), from_backup.content_hash);
    EXPECT_THAT(DifferingTables(from_backup.tables, after.tables), ::testing::IsEmpty());
  }
  EXPECT_EQ(ContentHashIn(restore.out), after.content_hash);
  const bool all_matched = after.content_hash == ContentHashIn(backup_line);
  std::cout << "[" << engine << "] restored " << after.tables.size() << " tables, " << after.rows
            << " rows: " << (all_matched ? "all " : "NOT all ") << after.tables.size()
            << " table hashes matched the backup's\n";

  // (b) The restored chain verifies, and its head is an entry of the live chain.
  const Outcome verify = Run(With({"audit", "verify"}, restored.Options()));
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out,
              HasSubstr(fmt::format("audit chain OK: {} entries", after.audit_entries)));
  ASSERT_GT(after.audit_head_seq, 0);
  EXPECT_EQ(live.AuditHashAt(after.audit_head_seq), after.audit_head_hash);
  EXPECT_GT(live.Digest().audit_head_seq, after.audit_head_seq)
      << "the live chain went on after the backup";

  // (c) Every write acknowledged before the backup began is there.
  EXPECT_EQ(restored.Present("responses", "id", before.responses), before.responses);
  EXPECT_EQ(restored.Present("appointments", "id", before.appointments), before.appointments);
  EXPECT_EQ(restored.Present("auth_sessions", "token_hash", before.sessions), before.sessions);
  // A rating is an event of the plan: counted, since what it says is sealed at rest.
  EXPECT_GE(restored.Count(ratings_sql), ratings_at_start + before.ratings);
  std::cout << "[" << engine
            << "] acknowledged before the backup and restored: " << before.responses.size()
            << " questionnaire answers, " << before.ratings << " goal ratings, "
            << before.appointments.size() << " appointments, " << before.sessions.size()
            << " sign-ins\n";

  // (d) The restored database serves: people sign in.
  ServeProcess again(restored.db, ServeOptions(restored));
  ASSERT_NE(again.port(), 0);
  Browser client(again.port());
  EXPECT_EQ(client.Login("client@demo.rapport", kDemoPassword).status, 200u);
  EXPECT_EQ(again.Kill(SIGTERM), 0);
}

TEST_F(BackupRestoreTest, RestoreRefusesADatabaseARunningServerHoldsAndLeavesItServing) {
  if (postgres()) GTEST_SKIP() << "a PostgreSQL server's database is never empty: refused as such";
  const Database live = Make("clinic", dir_);
  ASSERT_EQ(Run(With({"demo"}, live.Options())).status, 0);
  const std::string backup = (dir_ / "clinic.backup").string();
  ASSERT_EQ(Run({"backup", "--db", live.db, "--to", backup}).status, 0);

  ServeProcess server(live.db, ServeOptions(live));
  ASSERT_NE(server.port(), 0);
  struct stat file_before{};
  ASSERT_EQ(::stat(live.db.c_str(), &file_before), 0);
  std::set<std::string> names_before;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    names_before.insert(entry.path().filename().string());
  }

  const Outcome refused = Run({"restore", "--from", backup, "--db", live.db, "--force"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr(live.db + " is open in another process (pid"));
  EXPECT_THAT(refused.err, HasSubstr("stop it first"));

  // The very same file (a restore renames a new one into place), and no file added or taken.
  struct stat file_after{};
  ASSERT_EQ(::stat(live.db.c_str(), &file_after), 0);
  EXPECT_EQ(file_after.st_ino, file_before.st_ino);
  std::set<std::string> names_after;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    names_after.insert(entry.path().filename().string());
  }
  EXPECT_EQ(names_after, names_before);
  Browser client(server.port());
  EXPECT_EQ(client.Login("client@demo.rapport", kDemoPassword).status, 200u);
  EXPECT_EQ(server.Kill(SIGTERM), 0);
  EXPECT_EQ(Run(With({"audit", "verify"}, live.Options())).status, 0);
}

TEST_F(BackupRestoreTest, PostgresRestoreRefusesADatabaseThatIsNotEmptyAndLeavesItAsItWas) {
  if (!postgres()) GTEST_SKIP() << "runs with the PostgreSQL suite";
  const Database live = Make("clinic", dir_);
  ASSERT_EQ(Run(With({"demo"}, live.Options())).status, 0);
  const std::string backup = (dir_ / "clinic.backup").string();
  ASSERT_EQ(Run(With({"backup", "--db", live.db, "--to", backup}, live.Keys())).status, 0);
  const DatabaseDigest before = live.Digest();
  const Outcome refused =
      Run(With({"restore", "--from", backup, "--db", live.db, "--checkpoints", live.checkpoints},
               live.Keys()));
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("is not empty"));
  EXPECT_THAT(refused.err, HasSubstr("restored only into an empty database"));
  const DatabaseDigest after = live.Digest();
  EXPECT_EQ(after.content_hash, before.content_hash);
  EXPECT_EQ(after.tables, before.tables);
}

TEST_F(BackupRestoreTest, PostgresRestoreWhoseChainDoesNotVerifyLeavesTheDatabaseEmpty) {
  if (!postgres()) GTEST_SKIP() << "runs with the PostgreSQL suite";
  const Database live = Make("clinic", dir_);
  ASSERT_EQ(Run(With({"demo"}, live.Options())).status, 0);
  const std::string backup = (dir_ / "clinic.backup").string();
  ASSERT_EQ(Run(With({"backup", "--db", live.db, "--to", backup}, live.Keys())).status, 0);
  const std::string other_key = (dir_ / "other.audit-key").string();
  ASSERT_TRUE(LoadOrCreateKeyFile(other_key).has_value());
  const Database empty = Make("empty", dir_ / "restored", &live);
  const std::string objects =
      "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'public'";
  ASSERT_EQ(empty.Count(objects), 0);

  const Outcome refused =
      Run({"restore", "--from", backup, "--db", empty.db, "--audit-key", other_key, "--message-key",
           live.message_key, "--master-key", live.master_key, "--checkpoints", empty.checkpoints});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("does not verify with the audit key file " + other_key));
  EXPECT_THAT(refused.err, HasSubstr("dropped again"));
  EXPECT_EQ(empty.Count(objects), 0);
  EXPECT_EQ(empty.Count("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                        "p.pronamespace WHERE n.nspname = 'public'"),
            0);

  // With the clinic's own key the same empty database takes the backup.
  const Outcome restored =
      Run(With({"restore", "--from", backup, "--db", empty.db, "--checkpoints", empty.checkpoints},
               live.Keys()));
  EXPECT_EQ(restored.status, 0) << restored.err;
  EXPECT_EQ(empty.Digest().content_hash, live.Digest().content_hash);
}

}  // namespace
}  // namespace rapport::testing
