#include "store/sqlite/sqlite_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace rapport {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// SQLITE_TRANSIENT without the old-style cast of its macro: SQLite copies the bound bytes.
sqlite3_destructor_type Transient() {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): SQLite's own sentinel value, never called.
  return reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
}

// "UNIQUE constraint failed: users.email" -> "email" (empty when not one plain column).
std::string_view UniqueColumn(std::string_view message) {
  const auto colon = message.rfind(": ");
  if (colon == std::string_view::npos) return {};
  std::string_view target = message.substr(colon + 2);
  if (target.find(',') != std::string_view::npos) return {};
  const auto dot = target.find('.');
  return dot == std::string_view::npos ? target : target.substr(dot + 1);
}

Error UniqueError(sqlite3* db) {
  const std::string_view message = db != nullptr ? sqlite3_errmsg(db) : "";
  const std::string_view column = UniqueColumn(message);
  // An address is unique per clinic: "users.clinic_id, users.email".
  if (column == "email" || message.ends_with("users.email")) {
    return Error{ErrorCode::kAlreadyExists,
                 "email is already in use",
                 {FieldError{"email", "is already in use"}}};
  }
  if (column == "token_hash") return Error::AlreadyExists("token is already in use");
  if (column.empty() || column == "id") return Error::AlreadyExists("the record already exists");
  return Error::AlreadyExists(fmt::format("{} is already in use", column));
}

}  // namespace

Error SqliteError(sqlite3* db, int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return UniqueError(db);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error::InvalidArgument(std::string(kMissingReferenceMessage));
    case SQLITE_CONSTRAINT_TRIGGER:
      // RAISE(ABORT, ...) in our own triggers: the message is ours, not SQL.
      return Error::FailedPrecondition(db != nullptr ? sqlite3_errmsg(db) : "not allowed");
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      // CHECK / NOT NULL / type messages quote the constraint's SQL: keep them out.
      return Error::InvalidArgument("a value is not allowed by the database");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
      return Error::Unavailable(fmt::format("database unavailable: {}", sqlite3_errstr(rc)));
    default:
      return Error::Internal(fmt::format("database error: {}",
                                         db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

// --- SqliteStatement -------------------------------------------------------------------------

class SqliteStatement final : public SqlStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void BindInt(std::int64_t value) override {
    Note(sqlite3_bind_int64(stmt_, next_index_++, value));
  }
  void BindDouble(double value) override { Note(sqlite3_bind_double(stmt_, next_index_++, value)); }
  void BindText(std::string_view value) override {
    // A non-null pointer even for "", so that empty text is '' and never NULL.
    const char* data = value.empty() ? "" : value.data();
    Note(sqlite3_bind_text64(stmt_, next_index_++, data, value.size(), Transient(), SQLITE_UTF8));
  }
  void BindNull(SqlType /*type*/) override { Note(sqlite3_bind_null(stmt_, next_index_++)); }

  Result<bool> Step() override {
    if (bind_rc_ != SQLITE_OK) return Fail(SqliteError(db_, bind_rc_));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail(SqliteError(db_, rc));
  }
  int Changes() const override { return sqlite3_changes(db_); }

  std::int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string Text(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    const int size = sqlite3_column_bytes(stmt_, column);
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_index_ = 1;
    bind_rc_ = SQLITE_OK;
  }

 private:
  void Note(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int next_index_ = 1;
  int bind_rc_ = SQLITE_OK;
};

// --- SqliteConnection -------------------------------------------------------------------------

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 Mode mode) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::kWriter) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error =
        Error::Unavailable(fmt::format("cannot open the database: {}", sqlite3_errstr(rc)));
    sqlite3_close(db);  // harmless on nullptr
    return Fail(std::move(error));
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  RAPPORT_RETURN_IF_ERROR(connection->Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL"));
  if (mode == Mode::kWriter) {
    // The first statement that reads the file: a directory or a non-database fails here.
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery wal, connection->Prepare("PRAGMA journal_mode = WAL"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, wal.Step());
    if (!row || wal.Text(0) != "wal") {
      return Fail(Error::Unavailable("the database cannot use write-ahead logging"));
    }
  } else {
    RAPPORT_RETURN_IF_ERROR(connection->Exec("PRAGMA query_only = ON"));
  }
  return connection;
}

SqliteConnection::SqliteConnection(sqlite3* db) : db_(db) {}

SqliteConnection::~SqliteConnection() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close(db_);
}

Status SqliteConnection::Exec(std::string_view sql) {
  const std::string terminated(sql);
  const int rc = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Fail(SqliteError(db_, rc));
  return Ok();
}

void SqliteConnection::RollbackIfOpen() {
  if (!InAutocommit()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<SqlQuery> SqliteConnection::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = statements_.find(key); it != statements_.end()) {
    return SqlQuery(it->second.get());
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Fail(SqliteError(db_, rc));
  }
  auto [it, added] =
      statements_.emplace(std::move(key), std::make_unique<SqliteStatement>(db_, stmt));
  return SqlQuery(it->second.get());
}

Result<std::string> SqliteConnection::Setting(std::string_view name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
  });
  if (!bare) return Fail(Error::InvalidArgument("not a pragma name"));
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, Prepare(fmt::format("PRAGMA {}", name)));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  return row ? q.Text(0) : std::string();
}

}  // namespace rapport
