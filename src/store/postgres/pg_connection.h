#pragma once
// The PostgreSQL backend's SqlConnection: one libpq connection, the statements prepared on it
// (the store's SQL translated once to PostgreSQL's placeholders), and the one place PostgreSQL's
// SQLSTATE codes become rapport Errors.
//
// Like every SqlConnection, a PgConnection is used by one thread at a time; the store hands each
// to a single thread through its writer or its read pool. The queries it hands out borrow its
// cached statements, so they must not outlive it.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// The store's SQL in PostgreSQL's words: `?` becomes `$1`, `$2`, ... in order, `?N` becomes `$N`
// and a `?` after numbered ones takes the number after the highest so far (SQLite's rule);
// `json_each(?N)` becomes `json_array_elements_text($N::json)`, whose one column is also named
// `value`; SQLite's scalar `max(a, b)` and `min(a, b)` become `greatest` and `least`; an
// `INDEXED BY name` hint is dropped. String literals, quoted identifiers and comments are copied
// untouched. Pure.
std::string PgTranslate(std::string_view sql);

// Whether `sql` ends the transaction whatever its outcome: COMMIT, END, ROLLBACK or ABORT, but
// not ROLLBACK TO a savepoint. Pure.
bool PgEndsTransaction(std::string_view sql);

// Every writer of every app server takes this transaction-level advisory lock first, so that
// writes to one database take turns as they do under SQLite's single writer and the audit hash
// chain stays linear. The bytes spell "rapport".
inline constexpr std::int64_t kPgWriteLockKey = 0x726170706f7274;

class PgStatement;

class PgConnection final : public SqlConnection {
 public:
  // Connects with `conninfo` (a libpq connection string) and fixes the session: UTF-8, UTC,
  // standard strings. A writer commits durably (synchronous_commit) in read committed; a reader
  // is read-only and repeatable read, so each of its read transactions is one snapshot.
  // kUnavailable when the server cannot be reached.
  //
  // A connection the server or the network dropped (a restart, a failover to a standby) is
  // opened again, with the same conninfo and session, when the next transaction begins. Never in
  // the middle of one: a statement after the loss fails as unavailable, and the transaction's
  // earlier statements are lost with it, never half kept.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& conninfo,
                                                    SqlConnection::Mode mode);

  ~PgConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  Status Exec(std::string_view sql) override;
  Result<SqlQuery> Prepare(std::string_view sql) override;
  Status BeginWrite() override;
  Status BeginRead() override;
  void RollbackIfOpen() override;
  // Also true when the connection is gone, so that the writer counts its batch as lost.
  bool InAutocommit() const override;
  std::int64_t TotalChanges() const override { return total_changes_; }
  Result<std::string> Setting(std::string_view name) override;

  // Notifications (LISTEN/NOTIFY), for the events every app server hears (pg_events.h).
  // Starts listening on `channel` (letters and underscores).
  Status Listen(std::string_view channel);
  // The payloads of the notifications that arrived, waiting at most `timeout` for the first;
  // none when the time ran out. kUnavailable when the connection is lost.
  Result<std::vector<std::string>> AwaitNotifications(std::chrono::milliseconds timeout);

  // How many times this connection was opened again after a loss.
  int reconnections() const { return reconnections_; }

  // Writes every message this connection exchanges with the server to `file` (libpq's PQtrace,
  // one line each), until called with null. The server ends each of its answers with a
  // ReadyForQuery message, so the trace shows how many round trips a statement took.
  void TraceMessages(std::FILE* file);

 private:
  friend class PgStatement;

  PgConnection(PGconn* conn, std::string conninfo, bool writer);

  // The session settings of Open(), on a new or reopened connection.
  Status SetUpSession();
  // Opens the connection again if it was lost, or finishes setting up one whose setup failed.
  Status ReconnectIfLost();
  // Whether the connection to the server is gone.
  bool Lost() const;
  // Remembers whether a transaction is open, after each command: none after one that `ended`
  // it (COMMIT or ROLLBACK, even on a lost connection).
  void NoteTransactionState(bool ended);
  // Begins a transaction with `begin`, once more on a reopened connection if the first attempt
  // found the connection gone: nothing had been done on it yet.
  Status BeginOnLiveConnection(std::string_view begin);

  // The store's error for a failed `result` (nullptr when libpq could not even build one).
  Error ErrorOf(const PGresult* result) const;
  // The error for a connection that could not be opened, without the password.
  Error Unreachable() const;

  PGconn* conn_;
  const std::string conninfo_;
  const bool writer_;           // opened as Mode::kWriter
  bool session_ready_ = false;  // SetUpSession() succeeded on the current connection
  // A transaction was open when the server last answered: a statement must not reconnect then.
  bool open_transaction_ = false;
  int reconnections_ = 0;
  // Keyed by the SQL as the store wrote it, so that each text is translated once.
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> statements_;
  std::int64_t total_changes_ = 0;
};

}  // namespace rapport
