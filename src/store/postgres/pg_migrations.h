#pragma once
// The PostgreSQL schema steps, compiled in from migrations/postgresql/NNNN_name.sql (see
// src/store/CMakeLists.txt), from the baseline (25) on. Immutable static data, so thread-safe.

#include <span>

#include "store/sql/sql_migrations.h"

namespace rapport {

// Every migration, in version order.
std::span<const SqlMigration> PostgresMigrations();

}  // namespace rapport
