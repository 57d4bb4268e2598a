#pragma once
// The embedded default engine of the SqlStore (store/sql/sql_store.h): one file, WAL mode, STRICT
// tables, foreign keys on, synchronous=FULL.

#include <string>

#include "store/sql/sql_store.h"

namespace rapport {

struct SqliteStoreOptions {
  std::string path = "data/rapport.db";  // parent directories are created; ":memory:" not allowed
  int read_connections = 4;              // opened at once; the pool grows past it when all are lent
  int max_batch = 256;                   // most WriteFns one commit may carry
  // The audit chain's key file (created with a new key when missing). Empty: `path` followed by
  // ".audit-key". Kept outside the database so that the database alone cannot forge the chain.
  std::string audit_key_path;
  // The key file that seals the words of secure messages (created with a new key when missing).
  // Empty: `path` followed by ".message-key". Kept outside the database so that the database
  // file, a copy or a backup of it alone shows nobody's words; losing it loses the messages.
  std::string message_key_path;
};

// The SQLite store is the SqlStore opened with SqliteStoreOptions.
using SqliteStore = SqlStore;

}  // namespace rapport
