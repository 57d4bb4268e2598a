#pragma once
// SqliteStore: the embedded default backend. One file, WAL mode, STRICT tables, foreign keys on,
// synchronous=FULL. One writer thread batches concurrent Write() calls into a single durable
// commit (group commit); a pool of read connections, which grows rather than make a reader wait,
// serves the reads, and Read() keeps one of them, in one read transaction, for the calling
// thread. Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"

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

class SqliteStore : public Store {
 public:
  // What the writer has done since the store was opened, and what waits for it. A snapshot: the
  // numbers are read together, under the lock of the writer's queue.
  struct WriteStats {
    std::int64_t commits = 0;  // transactions that COMMITted (one per batch, empty ones too)
    std::int64_t writes = 0;   // WriteFns that succeeded and whose transaction COMMITted
    std::int64_t queued = 0;   // Write() calls waiting for the writer to pick them up
  };

  // The read connections: how many the pool holds (it starts with read_connections and grows
  // when every one is lent), and how often a reader had to wait for one to come back (only past
  // the pool's bound, or when the file could not be opened again).
  struct ReadStats {
    std::int64_t connections = 0;
    std::int64_t waits = 0;
  };

  // Opens (creating if needed) and applies every pending migration from migrations/sqlite
  // (compiled into the binary). kUnavailable if the file cannot be opened or migrated.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  // The highest migration applied.
  virtual int SchemaVersion() const = 0;

  // The writer's counters: `writes` over `commits` is how many writes one durable commit carries
  // on average, the measure of group commit. Also what tests use to see batching happen.
  virtual WriteStats write_stats() const = 0;
  virtual ReadStats read_stats() const = 0;

  // The first value `PRAGMA <name>` returns on the connection that writes, run on the writer
  // thread as a write of its own. `name` must be bare (letters and underscores), so no setting can
  // be changed through it; kInvalidArgument otherwise. Meant for settings: a pragma that acts
  // (optimize, incremental_vacuum) would act. For tests and diagnostics: a setting such as
  // synchronous=FULL, whose loss no crash test on the same machine can observe, is checked where
  // it takes effect.
  virtual Result<std::string> WriterPragma(std::string_view name) = 0;
};

}  // namespace rapport
