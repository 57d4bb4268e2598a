// The store contract suites (store/store_*contract_test.h) on PostgreSQL: the same tests the
// SQLite store passes, each on a database of its own copied from the migrated template.

#include "store/postgres/pg_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"
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

}  // namespace
}  // namespace rapport
