#pragma once
// The options several commands share, declared once so that every command names them, defaults
// them and describes them in its --help the same way.

#include <optional>
#include <string>
#include <string_view>

#include "core/command_line.h"

namespace rapport {

inline constexpr std::string_view kDefaultDatabase = "data/rapport.db";

// Whether --db names a PostgreSQL database rather than an SQLite file.
bool IsPostgresUri(std::string_view db);

// Where a command finds its database and the files kept outside it. Those files sit beside the
// SQLite file (PATH.audit-key, PATH.message-key, PATH.master-key, PATH.audit-checkpoints) or, for
// a PostgreSQL database, where the default SQLite file's would be, unless named.
struct StoreFiles {
  std::string db;  // an SQLite file's path or a PostgreSQL URI
  std::string audit_key;
  std::string message_key;
  // As given; empty when not named: the store finds it beside the SQLite file, or on PostgreSQL
  // beside the message key file.
  std::string master_key;
  std::string checkpoints;
  bool keys_named = false;  // --audit-key, --message-key or --master-key was given

  bool postgres() const { return IsPostgresUri(db); }
  // Where the key and checkpoint files are by default, PATH above.
  std::string beside() const { return postgres() ? std::string(kDefaultDatabase) : db; }
  // The database as messages may name it: a connection string may hold a password.
  std::string shown() const { return postgres() ? std::string("(PostgreSQL)") : db; }
};

enum class WithCheckpoints : bool { kNo, kYes };

// --db, --audit-key, --message-key, --master-key and, with kYes, --checkpoints.
void DeclareStoreFiles(CommandLine& line, WithCheckpoints checkpoints = WithCheckpoints::kYes);
StoreFiles ReadStoreFiles(const CommandLine& line);

// --instruments-dir DIR, a clinic's own questionnaire definitions.
void DeclareInstrumentsDir(CommandLine& line);
// The folder given, else RAPPORT_INSTRUMENTS_DIR, else none.
std::optional<std::string> ReadInstrumentsDir(const CommandLine& line);

}  // namespace rapport
