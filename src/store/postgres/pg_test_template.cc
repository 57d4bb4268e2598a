#include "store/postgres/pg_test_template.h"

#include <cstdlib>
#include <memory>

namespace rapport {

PostgresStoreOptions PgTestStoreOptions(const PgTestCluster& cluster, const std::string& name) {
  PostgresStoreOptions options;
  options.conninfo = cluster.conninfo(name);
  options.read_connections = 1;  // so that the suites make the pool grow
  options.audit_key_path = cluster.folder() + "/" + name + ".audit-key";
  options.message_key_path = cluster.folder() + "/" + name + ".message-key";
  return options;
}

Status MakePgTestTemplate(PgTestCluster& cluster) {
  RAPPORT_RETURN_IF_ERROR(cluster.CreateDatabase(kPgTestTemplate));
  // Opening the store migrates it; closing it leaves no connection, so that it can be copied.
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<SqlStore> store,
                           SqlStore::Open(PgTestStoreOptions(cluster, kPgTestTemplate)));
  store.reset();
  return Ok();
}

Result<PgTestCluster*> PgTestClusterWithTemplate() {
  RAPPORT_ASSIGN_OR_RETURN(PgTestCluster* const cluster, PgTestCluster::Shared());
  if (std::getenv("RAPPORT_TEST_PG") == nullptr) {
    static const Status made = MakePgTestTemplate(*cluster);
    if (!made) return Fail(made.error());
  }
  return cluster;
}

}  // namespace rapport
