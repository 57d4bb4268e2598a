#include "config/command_options.h"

#include <cstdlib>

namespace rapport {

bool IsPostgresUri(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

void DeclareStoreFiles(CommandLine& line, WithCheckpoints checkpoints) {
  line.Option("--db", "PATH|URI",
              "the database: an SQLite file (default ./data/rapport.db, made if missing) or "
              "postgresql://USER@HOST/NAME")
      .Option("--audit-key", "PATH",
              "the key file that seals the audit chain (default PATH.audit-key beside the "
              "database)")
      .Option("--message-key", "PATH",
              "the key file that sealed secure messages (default PATH.message-key)")
      .Option("--master-key", "PATH",
              "the key file wrapping the keys that seal free text at rest (default "
              "PATH.master-key; on PostgreSQL beside --message-key)");
  if (checkpoints == WithCheckpoints::kYes) {
    line.Option("--checkpoints", "PATH",
                "where the audit chain's sealed checkpoints are kept (default "
                "PATH.audit-checkpoints)");
  }
}

StoreFiles ReadStoreFiles(const CommandLine& line) {
  StoreFiles files;
  files.db = line.Get("--db", kDefaultDatabase);
  const std::string beside = files.beside();
  const std::optional<std::string> audit_key = line.Get("--audit-key");
  const std::optional<std::string> message_key = line.Get("--message-key");
  const std::optional<std::string> master_key = line.Get("--master-key");
  files.keys_named = audit_key || message_key || master_key;
  files.audit_key = audit_key.value_or(beside + ".audit-key");
  files.message_key = message_key.value_or(beside + ".message-key");
  files.master_key = master_key.value_or("");
  files.checkpoints = line.Get("--checkpoints", beside + ".audit-checkpoints");
  return files;
}

void DeclareInstrumentsDir(CommandLine& line) {
  line.Option("--instruments-dir", "DIR",
              "the clinic's own questionnaire definitions (*.json); default "
              "RAPPORT_INSTRUMENTS_DIR");
}

std::optional<std::string> ReadInstrumentsDir(const CommandLine& line) {
  if (std::optional<std::string> dir = line.Get("--instruments-dir")) return dir;
  if (const char* env = std::getenv("RAPPORT_INSTRUMENTS_DIR"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  return std::nullopt;
}

}  // namespace rapport
