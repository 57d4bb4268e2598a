#pragma once
// SqliteStore: the embedded default backend. One file, WAL mode, STRICT tables, foreign keys on,
// synchronous=FULL. One writer thread batches concurrent Write() calls into a single durable
// commit (group commit); a pool of read connections serves the reads. Thread-safe.

#include <memory>
#include <string>

#include "store/store.h"

namespace rapport {

struct SqliteStoreOptions {
  std::string path = "data/rapport.db";  // parent directories are created; ":memory:" not allowed
  int read_connections = 4;
  int max_batch = 256;  // most WriteFns one commit may carry
  // The audit chain's key file (created with a new key when missing). Empty: `path` followed by
  // ".audit-key". Kept outside the database so that the database alone cannot forge the chain.
  std::string audit_key_path;
};

class SqliteStore : public Store {
 public:
  // Opens (creating if needed) and applies every pending migration from migrations/sqlite
  // (compiled into the binary). kUnavailable if the file cannot be opened or migrated.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  // The highest migration applied.
  virtual int SchemaVersion() const = 0;
};

}  // namespace rapport
