#pragma once
// The SQLite engine behind the store's SqlConnection (store/sql/sql_connection.h): one sqlite3
// connection and its cached prepared statements, and the one place SQLite result codes become
// rapport Errors. Internal to the SQLite backend.
//
// A SqliteConnection is used by one thread at a time (it is opened SQLITE_OPEN_NOMUTEX).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// Maps a failed SQLite call on `db` to the store's errors: UNIQUE -> kAlreadyExists naming the
// field, FOREIGN KEY / CHECK / NOT NULL -> kInvalidArgument, busy, I/O, full, corrupt ->
// kUnavailable, anything else -> kInternal. Messages never carry SQL text.
Error SqliteError(sqlite3* db, int rc);

// One cached prepared statement (sqlite_connection.cc).
class SqliteStatement;

class SqliteConnection final : public SqlConnection {
 public:
  // Opens `path` (the writer creates it) with foreign keys on, a busy timeout, extended result
  // codes; the writer also switches the file to WAL and synchronous=FULL, a reader is query_only.
  // kUnavailable when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, Mode mode);

  ~SqliteConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  Status Exec(std::string_view sql) override;
  Result<SqlQuery> Prepare(std::string_view sql) override;
  // BEGIN IMMEDIATE: the write lock is taken at once, never half way through a batch.
  Status BeginWrite() override { return Exec("BEGIN IMMEDIATE"); }
  Status BeginRead() override { return Exec("BEGIN"); }
  // (SQLite also rolls back at the next BEGIN or at close when this fails.)
  void RollbackIfOpen() override;
  // SQLite rolls back by itself on some errors (a full disk, an I/O error).
  bool InAutocommit() const override { return sqlite3_get_autocommit(db_) != 0; }
  std::int64_t TotalChanges() const override { return sqlite3_total_changes64(db_); }
  Result<std::string> Setting(std::string_view name) override;  // PRAGMA name

 private:
  explicit SqliteConnection(sqlite3* db);  // in the .cc, where SqliteStatement is complete

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace rapport
