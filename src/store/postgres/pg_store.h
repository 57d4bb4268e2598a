#pragma once
// The PostgreSQL engine of the SqlStore (store/sql/sql_store.h), for a clinic group whose several
// app servers share one database: each server's writes take turns with every other server's
// under one advisory lock (kPgWriteLockKey), as SQLite's single writer makes them, and commit
// durably (synchronous_commit on); each read transaction is one snapshot (repeatable read).

#include <string>

#include "core/result.h"
#include "store/sql/sql_store.h"

namespace rapport {

struct PostgresStoreOptions {
  // A libpq connection string or URI: "postgresql://rapport@db.example/rapport",
  // "host=/run/postgresql dbname=rapport".
  std::string conninfo;
  int read_connections = 4;  // opened at once; the pool grows past it when all are lent
  int max_batch = 256;       // most WriteFns one commit may carry
  // The audit chain's key file and the key file that seals messages' words (each created with a
  // new key when missing). Required: the database has no file to keep them beside, and every app
  // server of one database must be given the same two keys.
  std::string audit_key_path;
  std::string message_key_path;
  // The master key file, which wraps the data keys that seal free text at rest; every app server
  // of one database must be given the same one. Empty: the message key file's path with its
  // ending "message-key" made "master-key" (so ./data/rapport.db.message-key gives
  // ./data/rapport.db.master-key); required when the message key file's name does not end so.
  std::string master_key_path;
};

// The master key file `options` names: master_key_path, or the one beside the message key file;
// kInvalidArgument when neither says.
Result<std::string> MasterKeyPath(const PostgresStoreOptions& options);

}  // namespace rapport
