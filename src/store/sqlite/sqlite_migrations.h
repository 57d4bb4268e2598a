#pragma once
// The SQLite schema steps, compiled in from migrations/sqlite/NNNN_name.sql (see CMakeLists.txt).
// Internal to the SQLite backend; immutable static data, so thread-safe.

#include <span>

#include "store/sql/sql_migrations.h"

namespace rapport {

// Every migration, in version order, from 1.
std::span<const SqlMigration> SqliteMigrations();

}  // namespace rapport
