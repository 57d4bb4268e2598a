#pragma once
// Thin RAII wrappers over one sqlite3 connection and its prepared statements, and the one place
// SQLite result codes become rapport Errors. Internal to the SQLite backend.
//
// A SqliteConnection is used by one thread at a time (it is opened SQLITE_OPEN_NOMUTEX); the
// store hands each to a single thread through its writer or its read pool. A SqliteQuery borrows
// a cached statement from its connection and resets it when it goes away, so it must not
// outlive the connection.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace rapport {

// The message a foreign key failure carries until the caller names what was missing
// (see NameMissingReference).
inline constexpr std::string_view kMissingReferenceMessage =
    "refers to a record that does not exist";

// Maps a failed SQLite call on `db` to the store's errors: UNIQUE -> kAlreadyExists naming the
// field, FOREIGN KEY / CHECK / NOT NULL -> kInvalidArgument, busy, I/O, full, corrupt ->
// kUnavailable, anything else -> kInternal. Messages never carry SQL text.
Error SqliteError(sqlite3* db, int rc);

// Replaces the generic foreign key message of `error` by `message` (for example "clinic does not
// exist"); other errors pass unchanged.
Error NameMissingReference(Error error, std::string_view message);

class SqliteQuery {
 public:
  SqliteQuery(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteQuery(SqliteQuery&& other) noexcept;
  SqliteQuery& operator=(SqliteQuery&&) = delete;
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;
  ~SqliteQuery();

  // Bind the next `?` in order. Text is copied. A failed bind is reported by the next Step().
  SqliteQuery& Bind(std::int64_t value);
  SqliteQuery& Bind(int value) { return Bind(static_cast<std::int64_t>(value)); }
  SqliteQuery& Bind(bool value) { return Bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  SqliteQuery& Bind(std::string_view value);
  SqliteQuery& Bind(const std::string& value) { return Bind(std::string_view(value)); }
  SqliteQuery& Bind(const char* value) { return Bind(std::string_view(value)); }
  SqliteQuery& Bind(const std::optional<std::int64_t>& value);  // nullopt binds NULL
  SqliteQuery& Bind(const std::optional<std::string>& value);   // nullopt binds NULL
  SqliteQuery& Bind(double value);
  SqliteQuery& Bind(const std::optional<double>& value);  // nullopt binds NULL

  // Advances: true when a row is ready to read, false when the statement is done.
  Result<bool> Step();
  // Runs the statement to completion and returns how many rows it changed.
  Result<int> Run();
  // Runs an INSERT ... RETURNING id and returns the id.
  Result<std::int64_t> RunReturningId();

  // Columns of the current row, from 0. NULL reads as 0, "" or nullopt.
  std::int64_t Int(int column) const;
  bool Bool(int column) const { return Int(column) != 0; }
  std::string Text(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  double Double(int column) const;
  std::optional<double> OptionalDouble(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int next_index_ = 1;
  int bind_rc_ = SQLITE_OK;
};

class SqliteConnection {
 public:
  enum class Mode : std::uint8_t { kWriter, kReader };
  // Opens `path` (the writer creates it) with foreign keys on, a busy timeout, extended result
  // codes; the writer also switches the file to WAL and synchronous=FULL, a reader is query_only.
  // kUnavailable when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, Mode mode);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  // Runs one or more statements that return no rows needed (pragmas, DDL, BEGIN, COMMIT).
  Status Exec(std::string_view sql);
  // A statement prepared once per connection and cached for its lifetime.
  Result<SqliteQuery> Prepare(std::string_view sql);

  // Ends an open transaction, discarding its work. Used on paths that already report an error,
  // so its own failure is not returned (SQLite then rolls back at the next BEGIN or at close).
  void RollbackIfOpen();

  // True when no transaction is open (SQLite rolls back by itself on some errors).
  bool InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace rapport
