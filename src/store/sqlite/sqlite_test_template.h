#pragma once
// Test support (header-only, for tests only): a new test database as a copy of one migrated once.
// Migrating a new file costs more than most tests do themselves; a copy of the migrated file and
// of the key files beside it is the database SqliteStore::Open would have made, made in the time
// of a file copy. Each test runs in a process of its own, so the migrated database is shared
// between processes: it lives in the temporary directory under a name that digests every
// migration, and a changed schema gets a new one.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "store/sqlite/sqlite_migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport::testing {

namespace sqlite_template_detail {

inline constexpr std::string_view kName = "rapport.db";

// The directory of the migrated database, made by the first process that needs it: in a
// directory of its own, then renamed into place whole, so no process sees half of one.
inline std::filesystem::path MigratedDirectory() {
  if (!InitCrypto()) throw std::runtime_error("cannot initialise the crypto library");
  std::string schema;
  for (const SqlMigration& migration : SqliteMigrations()) {
    schema.append(migration.name).push_back('\0');
    schema.append(migration.sql).push_back('\0');
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("rapport-test-db-" + Blake2b256Hex(schema).substr(0, 16));
  if (std::filesystem::exists(dir / kName)) return dir;
  const std::filesystem::path making = dir.string() + ".making-" + RandomHex(8);
  std::filesystem::create_directories(making);
  {
    SqliteStoreOptions options;
    options.path = (making / kName).string();
    options.read_connections = 1;
    auto store = SqliteStore::Open(options);
    if (!store) {
      throw std::runtime_error("cannot make the migrated test database: " + store.error().message);
    }
  }
  std::error_code renamed;
  std::filesystem::rename(making, dir, renamed);  // fails when another process came first
  if (renamed) std::filesystem::remove_all(making, renamed);
  if (!std::filesystem::exists(dir / kName)) {
    throw std::runtime_error("no migrated test database in " + dir.string());
  }
  return dir;
}

}  // namespace sqlite_template_detail

// Puts at `path`, where no database is yet, an empty database at the newest schema with its key
// files beside it under the names SqliteStore::Open gives them by default.
inline void CopyMigratedDatabase(const std::string& path) {
  using sqlite_template_detail::kName;
  static const std::filesystem::path migrated = sqlite_template_detail::MigratedDirectory();
  for (const auto& entry : std::filesystem::directory_iterator(migrated)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kName) && !name.ends_with("-shm")) {
      std::filesystem::copy_file(entry.path(), path + name.substr(kName.size()));
    }
  }
}

}  // namespace rapport::testing
