#pragma once
// Test support: the database every PostgreSQL store test copies (CREATE DATABASE ... TEMPLATE),
// already migrated, so that no test pays for the schema. Not thread-safe.

#include <string>

#include "core/result.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_cluster.h"

namespace rapport {

inline constexpr const char* kPgTestTemplate = "rapport_template";

// Creates kPgTestTemplate in `cluster` and brings it to the newest schema.
Status MakePgTestTemplate(PgTestCluster& cluster);

// The test process's cluster (PgTestCluster::Shared()) with kPgTestTemplate in it: the test run
// made both, or else they are made on first use, once per process.
Result<PgTestCluster*> PgTestClusterWithTemplate();

// Store options for database `name` of `cluster`, with key files in the cluster's folder.
PostgresStoreOptions PgTestStoreOptions(const PgTestCluster& cluster, const std::string& name);

}  // namespace rapport
