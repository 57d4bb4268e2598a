// The store contract suites (store/store_*contract_test.h) on PostgreSQL: the same tests the
// SQLite store passes, each on a database of its own copied from the migrated template.

#include "store/postgres/pg_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"
#include "store/sealed_world_test_support.h"
#include "store/sql/field_cipher.h"
#include "store/store_caseload_contract_test.h"
#include "store/store_contract_test.h"
#include "store/store_course_contract_test.h"
#include "store/store_family_contract_test.h"
#include "store/store_matching_contract_test.h"
#include "store/store_notification_contract_test.h"

namespace rapport {
namespace {

PgTestCluster& ClusterWithTemplate() {
  Result<PgTestCluster*> cluster = PgTestClusterWithTemplate();
  if (!cluster) throw std::runtime_error("no test PostgreSQL server: " + cluster.error().message);
  return **cluster;
}

class PgFixture final : public StoreFixture {
 public:
  PgFixture() : cluster_(ClusterWithTemplate()), name_(PgTestCluster::UniqueName("store")) {
    if (const Status made = cluster_.CreateDatabase(name_, kPgTestTemplate); !made) {
      throw std::runtime_error("cannot create the test database: " + made.error().message);
    }
    auto opened = SqlStore::Open(PgTestStoreOptions(cluster_, name_));
    if (!opened) throw std::runtime_error("cannot open the test store: " + opened.error().message);
    store_ = std::move(*opened);
  }
  PgFixture(const PgFixture&) = delete;
  PgFixture& operator=(const PgFixture&) = delete;
  ~PgFixture() override {
    store_.reset();
    (void)cluster_.DropDatabase(name_);
  }
  Store& store() override { return *store_; }
  PgTestCluster& cluster() { return cluster_; }
  const std::string& database() const { return name_; }

 private:
  PgTestCluster& cluster_;
  std::string name_;
  std::unique_ptr<SqlStore> store_;
};

std::unique_ptr<StoreFixture> MakePgFixture() {
  if (!PgTestCluster::Available()) {
    throw std::runtime_error("PostgreSQL is not installed (postgresql-15): cannot test its store");
  }
  return std::make_unique<PgFixture>();
}

const StoreBackend kPostgres{"postgres", MakePgFixture};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreFeedbackContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreCaseloadContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreMatchingContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreCourseContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreFamilyContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StorePlanContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreNotificationContractTest, ::testing::Values(kPostgres),
                         StoreBackendName);

// A restart or a failover ends every connection of every app server. The next write and the next
// read open theirs again; nobody has to restart the app server.
TEST(PostgresStore, KeepsServingAfterTheDatabaseEndedItsConnections) {
  if (!PgTestCluster::Available()) GTEST_SKIP() << "PostgreSQL is not installed (postgresql-15)";
  PgFixture fixture;
  Store& store = fixture.store();
  ClinicId before = 0;
  ASSERT_TRUE(store
                  .Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(before, txn.InsertClinic(Clinic{0, "Before", {}}));
                    return Ok();
                  })
                  .has_value());

  auto admin =
      PgConnection::Open(fixture.cluster().conninfo("postgres"), SqlConnection::Mode::kWriter);
  ASSERT_TRUE(admin.has_value()) << admin.error().message;
  auto ended = (*admin)->Prepare(
      "SELECT count(*), bool_and(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
      "WHERE datname = ? AND pid <> pg_backend_pid()");
  ASSERT_TRUE(ended.has_value());
  ended->Bind(fixture.database());
  ASSERT_TRUE(ended->Step().value_or(false));
  EXPECT_GE(ended->Int(0), 2) << "the store's writer and at least one reader were connected";
  EXPECT_TRUE(ended->Bool(1)) << "every one of them has gone";

  ClinicId after = 0;
  const Status written = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(after, txn.InsertClinic(Clinic{0, "After", {}}));
    return Ok();
  });
  ASSERT_TRUE(written.has_value()) << written.error().message;
  const auto read_before = store.GetClinic(before);
  ASSERT_TRUE(read_before.has_value()) << read_before.error().message;
  EXPECT_EQ(read_before->name, "Before");
  const auto read_after = store.GetClinic(after);
  ASSERT_TRUE(read_after.has_value()) << read_after.error().message;
  EXPECT_EQ(read_after->name, "After");
}

// A write whose connection is lost at its commit (a failover) leaves the store "not writable"
// until a commit that writes succeeds. The readiness check must be that commit: a server its
// balancer took out of rotation gets no other write, and would stay out for good.
TEST(PostgresStore, IsWritableAgainOnceTheDatabaseIsBackAfterALostCommit) {
  if (!PgTestCluster::Available()) GTEST_SKIP() << "PostgreSQL is not installed (postgresql-15)";
  PgFixture fixture;
  Store& store = fixture.store();
  ASSERT_TRUE(store.CheckWritable().has_value());

  const Status lost = store.Write([&](WriteTxn& txn) -> Status {
    // The database ends every connection of this store, the writer's included, mid-write.
    auto admin =
        PgConnection::Open(fixture.cluster().conninfo("postgres"), SqlConnection::Mode::kWriter);
    if (!admin) return Fail(admin.error());
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery ended,
        (*admin)->Prepare("SELECT bool_and(pg_terminate_backend(pid, 10000)) FROM "
                          "pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"));
    ended.Bind(fixture.database());
    RAPPORT_RETURN_IF_ERROR(ended.Step());
    return DropValue(txn.InsertClinic(Clinic{0, "Lost", {}}));
  });
  ASSERT_FALSE(lost.has_value()) << "the write went down with its connection";
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().message;

  const Status ready = store.CheckWritable();
  EXPECT_TRUE(ready.has_value()) << ready.error().message;
  const auto clinics = store.ListClinics();
  ASSERT_TRUE(clinics.has_value()) << clinics.error().message;
  for (const Clinic& clinic : *clinics) EXPECT_NE(clinic.name, "Lost");
}

// Encryption at rest: no column of the database, read with a connection of its own, holds the
// words written into every sealed field, nor their base64 or hex.
TEST(PostgresStore, NoColumnReadAroundTheStoreHoldsTheWordsOfAnySealedField) {
  if (!PgTestCluster::Available()) GTEST_SKIP() << "PostgreSQL is not installed (postgresql-15)";
  PgFixture fixture;
  constexpr std::string_view kMarker = "Wrenfold-Cobaltine-3086";
  auto w = WriteEverySealedField(fixture.store(), kMarker, 1'790'000'000'000);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ExpectEverySealedFieldReadsBack(fixture.store(), *w, kMarker);

  auto raw = PgConnection::Open(fixture.cluster().conninfo(fixture.database()),
                                SqlConnection::Mode::kReader);
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  std::vector<std::pair<std::string, std::string>> columns;
  {
    auto q = (*raw)->Prepare(
        "SELECT table_name::text, column_name::text FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type = 'text' ORDER BY 1, 2");
    ASSERT_TRUE(q.has_value());
    while (q->Step().value_or(false)) columns.emplace_back(q->Text(0), q->Text(1));
  }
  ASSERT_GT(columns.size(), 50u);
  for (const auto& [table, column] : columns) {
    for (const std::string& form : MarkerForms(kMarker)) {
      auto q = (*raw)->Prepare(
          fmt::format("SELECT count(*) FROM \"{}\" WHERE strpos(\"{}\", ?) > 0", table, column));
      ASSERT_TRUE(q.has_value()) << q.error().message;
      q->Bind(form);
      ASSERT_TRUE(q->Step().value_or(false));
      EXPECT_EQ(q->Int(0), 0) << table << "." << column << " holds " << form;
    }
  }
  // Every sealed column took a value, and each value is sealed.
  for (const SealedColumn& c : SealedColumns()) {
    auto q =
        (*raw)->Prepare(fmt::format("SELECT count(*) FILTER (WHERE substr({1}, 1, 4) = 'rk1.'), "
                                    "count(*) FILTER (WHERE substr({1}, 1, 4) <> 'rk1.') FROM {0} "
                                    "WHERE {1} IS NOT NULL AND {1} <> ''",
                                    c.table, c.column));
    ASSERT_TRUE(q.has_value()) << q.error().message;
    ASSERT_TRUE(q->Step().value_or(false));
    EXPECT_GT(q->Int(0), 0) << c.table << "." << c.column;
    EXPECT_EQ(q->Int(1), 0) << c.table << "." << c.column;
  }
}

// A rotation's re-seal pass, step by step as the scheduler runs it, on PostgreSQL's SQL: every
// value under the retiring key is sealed again and reads the same.
TEST(PostgresStore, AfterARotationThePassSealsEveryValueAgainUnderTheNewKey) {
  if (!PgTestCluster::Available()) GTEST_SKIP() << "PostgreSQL is not installed (postgresql-15)";
  PgFixture fixture;
  constexpr std::string_view kMarker = "Lanternwick-Sorrel-1193";
  constexpr Timestamp kT0 = 1'790'000'000'000;
  auto w = WriteEverySealedField(fixture.store(), kMarker, kT0);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  auto& keys = dynamic_cast<DataKeyAdmin&>(fixture.store());
  auto rotated = keys.RotateDataKey(w->clinic, kT0 + 100, KeyRotationEntry(w->clinic, kT0 + 100));
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  std::string position;
  int steps = 0;
  int resealed = 0;
  for (;;) {
    ResealPass step;
    ASSERT_TRUE(fixture.store()
                    .Write([&](WriteTxn& txn) -> Status {
                      RAPPORT_ASSIGN_OR_RETURN(
                          step, txn.ResealRetiringValues(w->clinic, position, 5,
                                                         kT0 + 100 + kDataKeyRefreshMs));
                      return Ok();
                    })
                    .has_value());
    ++steps;
    resealed += step.resealed;
    if (step.finished) {
      EXPECT_EQ(step.retired, 1);
      break;
    }
    position = step.position;
  }
  EXPECT_GT(steps, 5);
  auto listed = keys.ListDataKeys();
  ASSERT_TRUE(listed.has_value());
  for (const DataKeyStatus& key : *listed) {
    EXPECT_EQ(key.values, key.id == *rotated ? resealed : 0) << "key " << key.id;
    EXPECT_EQ(key.state, key.id == *rotated ? "active" : "retired") << "key " << key.id;
  }
  ExpectEverySealedFieldReadsBack(fixture.store(), *w, kMarker);
}

// Clear text the database holds (written around the store, as before 0027) is sealed when a store
// next starts on it, on PostgreSQL's SQL too.
TEST(PostgresStore, ClearTextIsSealedWhenTheStoreStarts) {
  if (!PgTestCluster::Available()) GTEST_SKIP() << "PostgreSQL is not installed (postgresql-15)";
  PgFixture fixture;
  constexpr std::string_view kMarker = "Fernhollow-Quillon-7765";
  auto w = WriteEverySealedField(fixture.store(), kMarker, 1'790'000'000'000);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  auto raw = PgConnection::Open(fixture.cluster().conninfo(fixture.database()),
                                SqlConnection::Mode::kWriter);
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  const std::string brings = Words(kMarker, "what brings me");
  const std::string draft = Json{{"RAPPORT-CHECK/comment", Words(kMarker, "the draft")}}.dump();
  for (const auto& [sql, value] :
       {std::pair{"UPDATE first_steps SET brings = ?", brings},
        std::pair{"UPDATE feedback_drafts SET answers_json = ?", draft}}) {
    auto q = (*raw)->Prepare(sql);
    ASSERT_TRUE(q.has_value());
    q->Bind(value);
    ASSERT_TRUE(q->Run().has_value());
  }
  ASSERT_TRUE((*raw)->Exec("UPDATE clear_text_sweep SET finished_at = NULL").has_value());

  auto reopened = SqlStore::Open(PgTestStoreOptions(fixture.cluster(), fixture.database()));
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  ExpectEverySealedFieldReadsBack(**reopened, *w, kMarker);
  auto q = (*raw)->Prepare(
      "SELECT count(*) FROM first_steps, feedback_drafts WHERE substr(brings, 1, 4) = 'rk1.' "
      "AND substr(answers_json, 1, 4) = 'rk1.'");
  ASSERT_TRUE(q.has_value());
  ASSERT_TRUE(q->Step().value_or(false));
  EXPECT_EQ(q->Int(0), 1);
  auto done = (*raw)->Prepare("SELECT count(finished_at) FROM clear_text_sweep");
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(done->Step().value_or(false));
  EXPECT_EQ(done->Int(0), 1);
}

}  // namespace
}  // namespace rapport
