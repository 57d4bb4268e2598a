#pragma once
// The SQLite schema steps, compiled in from migrations/sqlite/NNNN_name.sql (see CMakeLists.txt).
// Internal to the SQLite backend; immutable static data, so thread-safe.

#include <span>
#include <string_view>

namespace rapport {

struct SqliteMigration {
  int version;            // NNNN of the file name: 1, 2, 3 ... without gaps
  std::string_view name;  // the file name, for messages
  std::string_view sql;   // the whole file, run as one script inside one transaction
};

// Every migration, in version order.
std::span<const SqliteMigration> SqliteMigrations();

}  // namespace rapport
