#pragma once
// Test support (header-only, for tests only): a new test database as a copy of one migrated once
// per test process. Migrating a new file costs more than most tests do themselves; a copy of the
// migrated file and of the key files beside it is the database SqliteStore::Open would have made,
// made in the time of a file copy.

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport::testing {

namespace sqlite_template_detail {

// The migrated, empty database of this process, removed at exit by the process that made it.
class MigratedTemplate {
 public:
  MigratedTemplate() : owner_(getpid()) {
    if (!InitCrypto()) throw std::runtime_error("cannot initialise the crypto library");
    dir_ = std::filesystem::temp_directory_path() / ("rapport-test-template-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    SqliteStoreOptions options;
    options.path = (dir_ / kName).string();
    options.read_connections = 1;
    auto store = SqliteStore::Open(options);
    if (!store)
      throw std::runtime_error("cannot make the template database: " + store.error().message);
  }
  ~MigratedTemplate() {
    if (getpid() != owner_) return;  // a forked child leaves its parent's template alone
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  MigratedTemplate(const MigratedTemplate&) = delete;
  MigratedTemplate& operator=(const MigratedTemplate&) = delete;

  // Copies the database and every file named after it (its key files) to `path` and its names.
  void CopyTo(const std::string& path) const {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with(kName)) {
        std::filesystem::copy_file(entry.path(), path + name.substr(kName.size()));
      }
    }
  }

 private:
  static constexpr std::string_view kName = "rapport.db";
  pid_t owner_;
  std::filesystem::path dir_;
};

}  // namespace sqlite_template_detail

// Puts at `path`, where no database is yet, an empty database at the newest schema with its key
// files beside it under the names SqliteStore::Open gives them by default.
inline void CopyMigratedDatabase(const std::string& path) {
  static const sqlite_template_detail::MigratedTemplate migrated;
  migrated.CopyTo(path);
}

}  // namespace rapport::testing
