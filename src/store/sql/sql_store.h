#pragma once
// SqlStore: the Store over an SQL database, whichever engine holds it (sqlite/ embedded, the
// default; postgres/ for a clinic group's several app servers). The queries are written once
// (store/sql/); an engine supplies connections (sql_connection.h) and its own schema steps.
//
// One writer thread batches concurrent Write() calls into a single durable commit (group
// commit); a pool of read connections, which grows rather than make a reader wait, serves the
// reads, and Read() keeps one of them, in one read transaction, for the calling thread.
// Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/server_events.h"
#include "store/data_keys.h"
#include "store/sql/key_ring.h"
#include "store/sql/sql_connection.h"
#include "store/store.h"

namespace rapport {

struct SqliteStoreOptions;
struct PostgresStoreOptions;

class SqlStore : public Store, public DataKeyAdmin {
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
  // the pool's bound, or when the database could not be reached again).
  struct ReadStats {
    std::int64_t connections = 0;
    std::int64_t waits = 0;
  };

  // Opens (creating if needed) the SQLite file and applies every pending migration from
  // migrations/sqlite (compiled into the binary). kUnavailable if the file cannot be opened or
  // migrated. Defined in store/sqlite/.
  static Result<std::unique_ptr<SqlStore>> Open(const SqliteStoreOptions& options);
  // Connects to a PostgreSQL database and applies every pending migration from
  // migrations/postgresql. kUnavailable if it cannot be reached or migrated. Defined in
  // store/postgres/.
  static Result<std::unique_ptr<SqlStore>> Open(const PostgresStoreOptions& options);

  // The highest migration applied.
  virtual int SchemaVersion() const = 0;

  // The writer's counters: `writes` over `commits` is how many writes one durable commit carries
  // on average, the measure of group commit. Also what tests use to see batching happen.
  virtual WriteStats write_stats() const = 0;
  virtual ReadStats read_stats() const = 0;

  // The value of one of the engine's settings (`PRAGMA <name>` on SQLite, `SHOW <name>` on
  // PostgreSQL) on the connection that writes, read on the writer thread as a write of its own.
  // `name` must be bare (letters and underscores), so no setting can be changed through it;
  // kInvalidArgument otherwise. For tests and diagnostics: a setting such as SQLite's
  // synchronous=FULL, whose loss no crash test on the same machine can observe, is checked where
  // it takes effect.
  virtual Result<std::string> WriterPragma(std::string_view name) = 0;

  // Messages to every app server of this database (PostgreSQL: NOTIFY), or to this process alone
  // (SQLite). Lives as long as the store.
  virtual ServerEvents& events() = 0;

  // Seals, in writes of a few hundred rows each, whatever a database from before migration 0027
  // holds in clear (its messages sealed under the message key file included), unless that was done
  // already; each engine's Open calls it before handing the store out. `before_done` runs once
  // every value is sealed, before that is recorded (SQLite empties its write-ahead log there); a
  // failure of it fails the call, and the next open seals (finding nothing) and tries again. True
  // when there was clear text to seal. kUnavailable when it fails: the writes done stay done, and
  // the next open goes on from there.
  virtual Result<bool> SealClearText(const std::function<Status()>& before_done) = 0;
};

// What an engine hands the common store once its schema is up to date.
struct SqlStoreParts {
  std::unique_ptr<SqlConnection> writer;
  std::vector<std::unique_ptr<SqlConnection>> readers;  // at least one
  // Another read connection, for when every one is lent.
  std::function<Result<std::unique_ptr<SqlConnection>>()> open_reader;
  int schema_version = 0;
  int max_batch = 256;
  std::string audit_key;  // the audit chain's MAC key, kept outside the database
  // The master key and the data keys that seal free text at rest (OpenKeyRing on `writer`).
  std::unique_ptr<KeyRing> keys;
  // The engine's messages to every app server; null: this process alone (LocalServerEvents).
  std::unique_ptr<ServerEvents> events;
};

// The connections of a store: `writer` (open, its schema up to date), and `readers` read
// connections (at least one) from `open_reader`, which the pool also keeps to open more.
Result<SqlStoreParts> ConnectSqlStore(
    std::unique_ptr<SqlConnection> writer, int readers,
    std::function<Result<std::unique_ptr<SqlConnection>>()> open_reader);

// The store over `parts`. `message_sealer` opens the words of secure messages sealed before
// migration 0027, under the message key kept outside the database; free text, messages included,
// is now sealed under the clinics' data keys (parts.keys; without them the store opens no sealed
// field and makes no data key, for a store that only reads what needs no key).
std::unique_ptr<SqlStore> MakeSqlStore(SqlStoreParts parts, TextSealer message_sealer);

}  // namespace rapport
