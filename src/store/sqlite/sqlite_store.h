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
  // The key file that sealed the words of secure messages before migration 0027 (created with a
  // new key when missing). Empty: `path` followed by ".message-key". The first start seals those
  // messages again under their clinic's data key; until then, losing it loses them.
  std::string message_key_path;
  // The master key file, which wraps the data keys that seal free text at rest. Empty: `path`
  // followed by ".master-key". Made with a new key only while the database holds no data key;
  // after that the database opens only with it. Losing it loses every sealed text.
  std::string master_key_path;
};

// The SQLite store is the SqlStore opened with SqliteStoreOptions.
using SqliteStore = SqlStore;

}  // namespace rapport
