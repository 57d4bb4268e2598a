// Moving the demo clinic from its SQLite file to PostgreSQL, through the library and through the
// real `rapport migrate --from sqlite:PATH --to postgresql://...`: every table arrives equal and
// the audit chain verifies where the clinic now lives. The moves run in the PostgreSQL pass of the
// suite only, which has the test run's server; each has an empty database of its own.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "demo/demo.h"
#include "rapport_process.h"
#include "service/audit_service.h"
#include "service/service_test_world.h"
#include "store/move/store_move.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/sqlite/sqlite_store.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Outcome;
using testing::RunRapportCapturing;

constexpr Timestamp kNow = 1'790'000'000'000;  // 2026-09-21, any fixed instant will do

class MoveClinicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = std::filesystem::temp_directory_path() / ("rapport-move-clinic-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    if (rapport::testing::TestEngine() == nullptr) return;  // the SQLite pass: no server to use
    Result<PgTestCluster*> cluster = PgTestCluster::Shared();
    ASSERT_TRUE(cluster.has_value()) << cluster.error().message;
    cluster_ = *cluster;
    database_ = PgTestCluster::UniqueName("moveclinic");
    // Empty, not the migrated template: the move brings it to the schema itself.
    const Status created = cluster_->CreateDatabase(database_);
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  void TearDown() override {
    if (cluster_ != nullptr) (void)cluster_->DropDatabase(database_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string path() const { return (dir_ / "clinic.db").string(); }

  SqliteStoreOptions From() const {
    SqliteStoreOptions options;
    options.path = path();
    options.read_connections = 1;
    return options;
  }

  PostgresStoreOptions To() const {
    PostgresStoreOptions options;
    options.conninfo = cluster_->conninfo(database_);
    options.read_connections = 1;
    options.audit_key_path = path() + ".audit-key";
    options.message_key_path = path() + ".message-key";
    return options;
  }

  // The demo clinic in the SQLite file, with a checkpoint of its chain beside it, as `rapport
  // demo` leaves one.
  void SeedDemoClinic() {
    auto store = SqlStore::Open(From());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    const Result<DemoSummary> seeded = SeedDemo(**store, kNow, "demo password", HashCost::kMinimal);
    ASSERT_TRUE(seeded.has_value()) << seeded.error().message;
    const Result<AuditCheckpoint> checkpoint = MakeCheckpoint(**store, kNow);
    ASSERT_TRUE(checkpoint.has_value());
    ASSERT_TRUE(AppendCheckpoint(path() + ".audit-checkpoints", *checkpoint).has_value());
  }

  Outcome Rapport(const std::vector<std::string>& args) const { return RunRapportCapturing(args); }

  PgTestCluster* cluster_ = nullptr;
  std::filesystem::path dir_;
  std::string database_;
};

TEST_F(MoveClinicTest, TheDemoClinicMovesWithEveryTableEqualAndItsAuditChainVerifying) {
  if (rapport::testing::TestEngine() == nullptr) GTEST_SKIP() << "runs with the PostgreSQL suite";
  SeedDemoClinic();
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_TRUE(report.has_value()) << report.error().message;

  std::int64_t audit_rows = 0;
  int tables_with_rows = 0;
  for (const TableCopy& table : report->tables) {
    EXPECT_EQ(table.rows_to, table.rows_from) << table.table;
    EXPECT_EQ(table.hash_to, table.hash_from) << table.table;
    if (table.rows_from > 0) ++tables_with_rows;
    if (table.table == "audit") audit_rows = table.rows_from;
  }
  EXPECT_GT(tables_with_rows, 15);
  EXPECT_GT(audit_rows, 0);

  std::unique_ptr<SqlStore> sqlite;
  std::unique_ptr<SqlStore> postgres;
  {
    auto opened = SqlStore::Open(From());
    ASSERT_TRUE(opened.has_value());
    sqlite = std::move(*opened);
    auto moved = SqlStore::Open(To());
    ASSERT_TRUE(moved.has_value()) << moved.error().message;
    postgres = std::move(*moved);
  }
  // The chain verifies under the same key, and still reaches the checkpoint taken on SQLite.
  const auto last = ReadLastCheckpoint(*postgres, path() + ".audit-checkpoints");
  ASSERT_TRUE(last.has_value()) << last.error().message;
  ASSERT_TRUE(last->has_value());
  const Result<ChainReport> chain = AuditService::VerifyChain(*postgres, *last);
  ASSERT_TRUE(chain.has_value()) << chain.error().message;
  EXPECT_TRUE(chain->ok) << chain->reason;
  EXPECT_EQ(chain->entries_checked, audit_rows);

  // The same clinic and people, read through the Store on each side.
  const auto from_clinics = sqlite->ListClinics();
  const auto to_clinics = postgres->ListClinics();
  ASSERT_TRUE(from_clinics.has_value() && to_clinics.has_value());
  ASSERT_EQ(to_clinics->size(), 1U);
  EXPECT_EQ(to_clinics->front().name, kDemoClinicName);
  const auto from_users = sqlite->ListUsers(from_clinics->front().id);
  const auto to_users = postgres->ListUsers(to_clinics->front().id);
  ASSERT_TRUE(from_users.has_value() && to_users.has_value());
  ASSERT_EQ(to_users->size(), from_users->size());
  for (std::size_t i = 0; i < to_users->size(); ++i) {
    EXPECT_EQ((*to_users)[i].id, (*from_users)[i].id);
    EXPECT_EQ((*to_users)[i].email, (*from_users)[i].email);
  }
}

TEST_F(MoveClinicTest, MigrateMovesTheClinicPrintingEachTableAndHowToStartTheServers) {
  if (rapport::testing::TestEngine() == nullptr) GTEST_SKIP() << "runs with the PostgreSQL suite";
  SeedDemoClinic();
  const std::string uri = cluster_->uri(database_);
  const Outcome run = Rapport({"migrate", "--from", "sqlite:" + path(), "--to", uri});
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_EQ(run.err, "");

  // One line per table: its name, its rows and the start of its hash.
  int table_lines = 0;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" rows  ") != std::string::npos) ++table_lines;
  }
  EXPECT_GT(table_lines, 40) << run.out;
  EXPECT_THAT(run.out, HasSubstr("  users "));
  EXPECT_THAT(run.out, HasSubstr("  episode_instruments "));
  EXPECT_THAT(run.out, Not(HasSubstr("schema_migrations")));
  EXPECT_THAT(run.out, HasSubstr("audit chain OK on PostgreSQL: "));
  EXPECT_THAT(run.out, HasSubstr("matching the last checkpoint"));
  // The URI quoted for the shell (it holds ? and &), the key files by their absolute paths.
  EXPECT_THAT(run.out, HasSubstr("start every app server with --db '" + uri + "' --audit-key " +
                                 path() + ".audit-key --message-key " + path() + ".message-key"));

  // The second time the database holds the clinic: refused, on stderr.
  const Outcome again = Rapport({"migrate", "--from", "sqlite:" + path(), "--to", uri});
  EXPECT_EQ(again.status, 1);
  EXPECT_THAT(again.err, HasSubstr("already holds data")) << again.err;
}

TEST_F(MoveClinicTest, MigrateRefusesATargetThatIsNotAPostgresUri) {
  // Nothing is opened before the options are checked: no server needed.
  const Outcome run = Rapport(
      {"migrate", "--from", "sqlite:" + path(), "--to", "host=/tmp dbname=rapport password=hush"});
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("--to must be a PostgreSQL URI"));
  EXPECT_THAT(run.err, Not(HasSubstr("hush")));  // a connection string is never echoed
  EXPECT_FALSE(std::filesystem::exists(path()));

  const Outcome no_to = Rapport({"migrate", "--from", "sqlite:" + path()});
  EXPECT_EQ(no_to.status, 2);
  EXPECT_THAT(no_to.err, HasSubstr("--from needs --to"));

  const Outcome not_sqlite =
      Rapport({"migrate", "--from", path(), "--to", "postgresql://rapport@localhost/rapport"});
  EXPECT_EQ(not_sqlite.status, 2);
  EXPECT_THAT(not_sqlite.err, HasSubstr("--from must be sqlite:"));
}

TEST_F(MoveClinicTest, MigrateHidesThePasswordOfTheUriItPrints) {
  if (rapport::testing::TestEngine() == nullptr) GTEST_SKIP() << "runs with the PostgreSQL suite";
  SeedDemoClinic();
  // The test server trusts its socket, so any password is accepted and must not be printed.
  std::string uri = cluster_->uri(database_);
  uri.replace(uri.find("rapport@"), 8, "rapport:s3cret@");
  const Outcome run = Rapport({"migrate", "--from", "sqlite:" + path(), "--to", uri});
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("s3cret")));
  EXPECT_THAT(run.out, HasSubstr("--db '" + cluster_->uri(database_) + "' "));
}

}  // namespace
}  // namespace rapport
