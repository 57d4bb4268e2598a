// The HTTP suite on PostgreSQL: when CTest runs this binary with RAPPORT_TEST_PG naming the test
// run's server (see CMakeLists.txt), or by hand with RAPPORT_TEST_STORE=postgres, every test's
// store is a database of its own on the test run's PostgreSQL
// server, copied from the migrated template, instead of an SQLite file.

#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "service/service_test_world.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"

namespace rapport::testing {
namespace {

// The database of each test's folder.
std::map<std::string, std::string>& Databases() {
  static std::map<std::string, std::string> databases;
  return databases;
}

PgTestCluster& Cluster() {
  Result<PgTestCluster*> cluster = PgTestClusterWithTemplate();
  if (!cluster) throw std::runtime_error("no test PostgreSQL server: " + cluster.error().message);
  return **cluster;
}

std::unique_ptr<SqliteStore> OpenPg(const std::string& dir) {
  PgTestCluster& cluster = Cluster();
  auto [it, added] = Databases().try_emplace(dir, PgTestCluster::UniqueName("http"));
  if (added) {
    if (const Status made = cluster.CreateDatabase(it->second, kPgTestTemplate); !made) {
      ADD_FAILURE() << "cannot create the test database: " << made.error().message;
      return nullptr;
    }
  }
  PostgresStoreOptions options = PgTestStoreOptions(cluster, it->second);
  options.read_connections = 2;
  options.audit_key_path = dir + "/audit-key";
  options.message_key_path = dir + "/message-key";
  auto store = SqlStore::Open(options);
  if (!store) ADD_FAILURE() << "cannot open store: " << store.error().message;
  return store ? std::move(*store) : nullptr;
}

void RemovePg(const std::string& dir) {
  const auto it = Databases().find(dir);
  if (it == Databases().end()) return;
  (void)Cluster().DropDatabase(it->second);
  Databases().erase(it);
}

const TestStoreEngine kPostgres{"postgres", OpenPg, RemovePg};

// Chosen before main() runs any test.
const bool chosen = [] {
  const char* store = std::getenv("RAPPORT_TEST_STORE");
  const char* server = std::getenv("RAPPORT_TEST_PG");
  if ((store != nullptr && std::string_view(store) == "postgres") ||
      (server != nullptr && *server != '\0')) {
    TestEngine() = &kPostgres;
  }
  return true;
}();

}  // namespace
}  // namespace rapport::testing
