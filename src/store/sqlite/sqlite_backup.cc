#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_migrations.h"

namespace rapport {

namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
// A step that finds the database locked (SQLite's own busy wait aside) is tried again after a
// pause, this many times, about five seconds in all, before the backup gives up.
constexpr int kLockedRetries = 250;
constexpr int kLockedPauseMs = 20;

// SQLite's lock bytes, part of its file format (every version that shares a file uses them): in
// the database file the pending, reserved and shared bytes from 1 GiB on; in the -shm file of a
// database in WAL mode the WAL's eight locks and, after them, the byte every connection holds a
// read lock on for as long as it has the database open.
constexpr off_t kDatabaseLocksStart = 0x40000000;
constexpr off_t kDatabaseLocksLength = 2 + 510;
constexpr off_t kShmLocksStart = 120;
constexpr off_t kShmLocksLength = 8 + 1;

// Every SQLite database file begins with these 16 bytes.
constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

constexpr std::size_t kCopyChunk = std::size_t{1} << 20;

struct CloseSqlite {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, CloseSqlite>;

std::string Strerror(int error) {
  return std::strerror(error);
}

// Opens `path`, which must exist, for the backup's own use: no extended setup, a busy timeout.
Result<SqliteHandle> OpenRaw(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteHandle handle(db);
  if (rc != SQLITE_OK) {
    return Fail(Error::Unavailable(fmt::format("cannot open {}: {}", path, sqlite3_errstr(rc))));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return handle;
}

// The store's error for a failed call on `db` about the file `path`: a file that is not a
// database or is damaged is named as such.
Error FileError(sqlite3* db, int rc, const std::string& path) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return Error::FailedPrecondition(fmt::format("{} is not an SQLite database", path));
    case SQLITE_CORRUPT:
      return Error::FailedPrecondition(fmt::format("{} is damaged: {}", path, sqlite3_errstr(rc)));
    default:
      return Error::Unavailable(
          fmt::format("{}: {}", path, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

// Runs `sql` on `db` (about the file `path`) and returns the first column of its first row, ""
// when it has none.
Result<std::string> QueryText(sqlite3* db, const char* sql, const std::string& path) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  std::string text;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (const unsigned char* value = sqlite3_column_text(stmt, 0); value != nullptr) {
        text = reinterpret_cast<const char*>(value);
      }
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  Error error = rc == SQLITE_OK ? Error{} : FileError(db, rc, path);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) return Fail(std::move(error));
  return text;
}

// Copies the file at `from` into the file at `to`, which exists, and syncs it.
Status CopyFileBytes(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return Fail(Error::Unavailable(fmt::format("cannot read {}: {}", from, Strerror(errno))));
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    return Fail(Error::Unavailable(fmt::format("cannot write {}: {}", to, Strerror(error))));
  }
  std::vector<char> chunk(kCopyChunk);
  Status copied = Ok();
  for (;;) {
    const ssize_t got = ::read(in, chunk.data(), chunk.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      copied = Fail(Error::Unavailable(fmt::format("cannot read {}: {}", from, Strerror(errno))));
      break;
    }
    std::size_t written = 0;
    while (copied && written < static_cast<std::size_t>(got)) {
      const ssize_t put =
          ::write(out, chunk.data() + written, static_cast<std::size_t>(got) - written);
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) {
        copied = Fail(Error::Unavailable(fmt::format("cannot write {}: {}", to, Strerror(errno))));
        break;
      }
      written += static_cast<std::size_t>(put);
    }
    if (!copied) break;
  }
  if (copied && ::fsync(out) != 0) {
    copied = Fail(Error::Unavailable(fmt::format("cannot sync {}: {}", to, Strerror(errno))));
  }
  ::close(in);
  ::close(out);
  return copied;
}

// Ok when the file at `path` begins as every SQLite database does.
Status RequireSqliteHeader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(Error::Unavailable(fmt::format("cannot read {}: {}", path, Strerror(errno))));
  }
  std::array<char, kSqliteHeader.size()> header{};
  const ssize_t got = ::read(fd, header.data(), header.size());
  ::close(fd);
  if (got == static_cast<ssize_t>(header.size()) &&
      std::string_view(header.data(), header.size()) == kSqliteHeader) {
    return Ok();
  }
  return Fail(Error::FailedPrecondition(fmt::format("{} is not an SQLite database", path)));
}

// The copy at `path` (of `named`, as messages call it) checked: PRAGMA integrity_check finds
// nothing, and it is a Rapport database. Its digest.
Result<DatabaseDigest> CheckCopy(const std::string& path, const std::string& named) {
  RAPPORT_ASSIGN_OR_RETURN(auto copy, SqliteConnection::Open(path, SqlConnection::Mode::kReader));
  {
    auto check = copy->Prepare("PRAGMA integrity_check");
    Result<bool> row = check ? check->Step() : Result<bool>(Fail(check.error()));
    if (!row) {
      return Fail(
          Error::FailedPrecondition(fmt::format("{} is damaged: {}", named, row.error().message)));
    }
    if (!*row || check->Text(0) != "ok") {
      return Fail(
          Error::FailedPrecondition(fmt::format("{} is damaged: the integrity check found {}",
                                                named, *row ? check->Text(0) : "nothing")));
    }
  }
  Result<DatabaseDigest> digest = DigestDatabase(*copy);
  if (!digest) {
    return Fail(
        Error{digest.error().code, fmt::format("{}: {}", named, digest.error().message), {}});
  }
  return digest;
}

// Steps the backup from `source` to `dest` to its end (see the header), counting steps and
// restarts into `report`.
Status CopyPages(sqlite3* source, sqlite3* dest, const SqliteBackupOptions& options,
                 SqliteBackupReport& report) {
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
  if (backup == nullptr) {
    return Fail(
        Error::Unavailable(fmt::format("cannot begin the backup: {}", sqlite3_errmsg(dest))));
  }
  int copied_before = 0;
  int locked = 0;
  int rc = SQLITE_OK;
  for (;;) {
    const bool at_once = report.restarts >= options.max_restarts;
    rc = sqlite3_backup_step(backup, at_once ? -1 : std::max(1, options.pages_per_step));
    ++report.steps;
    if (rc == SQLITE_DONE) {
      report.rest_in_one_step = at_once;
      break;
    }
    if (rc == SQLITE_OK) {
      locked = 0;
      const int copied = sqlite3_backup_pagecount(backup) - sqlite3_backup_remaining(backup);
      // Back at the first pages: the database changed since the last step, so the copy began
      // again (SQLite does so by itself, to keep the copy one state of the database).
      if (copied_before > 0 && copied <= copied_before) ++report.restarts;
      copied_before = copied;
      if (options.after_step) options.after_step();
      continue;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      if (++locked > kLockedRetries) break;
      sqlite3_sleep(kLockedPauseMs);
      continue;
    }
    break;
  }
  sqlite3_backup_finish(backup);
  if (rc == SQLITE_DONE) return Ok();
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Fail(Error::Unavailable(
        fmt::format("the database {} stayed locked for {} seconds; no backup was written",
                    options.from, (kBusyTimeoutMs + kLockedRetries * kLockedPauseMs) / 1000)));
  }
  return Fail(FileError(nullptr, rc, options.from));
}

// The database at `path` made whole in its own file: a hot rollback journal rolled back and the
// WAL's pages written into the file, the WAL emptied and removed. It reads the same before and
// after; a file renamed over it then meets no journal or log of its own that SQLite would apply to
// it. Only when one of them has anything in it.
Status SettleJournals(const std::string& path) {
  if (FileSizeOf(path + "-wal") == 0 && FileSizeOf(path + "-journal") == 0) return Ok();
  {
    RAPPORT_ASSIGN_OR_RETURN(SqliteHandle db, OpenRaw(path));
    // The first read rolls back a hot journal.
    RAPPORT_RETURN_IF_ERROR(QueryText(db.get(), "SELECT count(*) FROM sqlite_schema", path));
    RAPPORT_ASSIGN_OR_RETURN(const std::string busy,
                             QueryText(db.get(), "PRAGMA wal_checkpoint(TRUNCATE)", path));
    if (busy != "0") {
      return Fail(Error::FailedPrecondition(fmt::format(
          "another process is using {}: its write-ahead log cannot be folded into it", path)));
    }
  }  // the last connection to close removes the log
  if (FileSizeOf(path + "-wal") != 0 || FileSizeOf(path + "-journal") != 0) {
    return Fail(Error::FailedPrecondition(
        fmt::format("the journal or write-ahead log beside {} cannot be emptied", path)));
  }
  return Ok();
}

// What is at the restore's target now. kFailedPrecondition when it is held open by another
// process or is not a file; kAlreadyExists when it holds data and `replace` is not set.
struct Target {
  bool exists = false;
  bool holds_data = false;
};

Result<Target> LookAtTarget(const std::string& path, bool replace) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) return Target{};
  if (!fs::is_regular_file(status)) {
    return Fail(Error::FailedPrecondition(fmt::format("{} is not a file", path)));
  }
  if (const std::optional<pid_t> holder = SqliteHolder(path)) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "{} is open in another process (pid {}), such as a running rapport server: a database is "
        "never restored under a process that holds it; stop it first",
        path, *holder)));
  }
  const Target target{true, FileSizeOf(path) > 0};
  if (target.holds_data && !replace) {
    return Fail(Error::AlreadyExists(fmt::format("{} already holds a database", path)));
  }
  return target;
}

std::optional<pid_t> LockHolder(const std::string& path, off_t start, off_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock lock{};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = start;
  lock.l_len = length;
  const bool asked = ::fcntl(fd, F_GETLK, &lock) == 0;
  ::close(fd);
  if (!asked || lock.l_type == F_UNLCK) return std::nullopt;
  return lock.l_pid;
}

}  // namespace

std::optional<pid_t> SqliteHolder(const std::string& path) {
  if (auto holder = LockHolder(path + "-shm", kShmLocksStart, kShmLocksLength)) return holder;
  return LockHolder(path, kDatabaseLocksStart, kDatabaseLocksLength);
}

Result<SqliteBackupReport> BackupSqlite(const SqliteBackupOptions& options) {
  if (options.from.empty() || options.to.empty()) {
    return Fail(Error::InvalidArgument("a backup needs the database and the backup file"));
  }
  if (SamePath(options.from, options.to)) {
    return Fail(Error::InvalidArgument("the backup file cannot be the database itself"));
  }
  std::error_code error;
  if (!fs::is_regular_file(options.from, error)) {
    return Fail(Error::NotFound(fmt::format("there is no SQLite database at {}", options.from)));
  }
  RAPPORT_RETURN_IF_ERROR(RequireFolderOf(options.to));
  if (!options.replace && fs::exists(options.to, error)) {
    return Fail(Error::AlreadyExists(fmt::format("{} already exists", options.to)));
  }
  RAPPORT_RETURN_IF_ERROR(RequireSqliteHeader(options.from));

  RAPPORT_ASSIGN_OR_RETURN(SqliteHandle source, OpenRaw(options.from));
  // The backup only reads the clinic's database.
  RAPPORT_RETURN_IF_ERROR(QueryText(source.get(), "PRAGMA query_only = ON", options.from));
  RAPPORT_ASSIGN_OR_RETURN(TempFile temp, TempFile::Beside(options.to, "partial"));
  SqliteBackupReport report;
  {
    RAPPORT_ASSIGN_OR_RETURN(SqliteHandle dest, OpenRaw(temp.path()));
    RAPPORT_RETURN_IF_ERROR(CopyPages(source.get(), dest.get(), options, report));
    // One file that holds everything: a rollback journal, not the live database's WAL.
    RAPPORT_ASSIGN_OR_RETURN(const std::string mode,
                             QueryText(dest.get(), "PRAGMA journal_mode = DELETE", temp.path()));
    if (mode != "delete") {
      return Fail(Error::Unavailable(
          fmt::format("the backup cannot leave write-ahead logging (journal mode {})", mode)));
    }
  }
  source.reset();
  RAPPORT_RETURN_IF_ERROR(temp.Sync());
  RAPPORT_ASSIGN_OR_RETURN(report.digest, CheckCopy(temp.path(), "the copy"));
  report.bytes = FileSizeOf(temp.path());
  RAPPORT_RETURN_IF_ERROR(temp.MoveTo(options.to, options.replace));
  return report;
}

Result<SqliteRestoreReport> RestoreSqlite(const SqliteRestoreOptions& options) {
  if (options.from.empty() || options.to.empty()) {
    return Fail(Error::InvalidArgument("a restore needs the backup file and the database"));
  }
  if (SamePath(options.from, options.to)) {
    return Fail(Error::InvalidArgument("the backup file cannot be restored onto itself"));
  }
  const std::string& from = options.from;
  RAPPORT_RETURN_IF_ERROR(RequireBackupFile(from));
  RAPPORT_RETURN_IF_ERROR(RequireSqliteHeader(from));
  if (FileSizeOf(from + "-wal") > 0) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "{} has a write-ahead log beside it, so it is a database in use rather than a backup: "
        "back it up first, and restore that backup",
        from)));
  }
  RAPPORT_RETURN_IF_ERROR(RequireFolderOf(options.to));
  RAPPORT_RETURN_IF_ERROR(LookAtTarget(options.to, options.replace));
  RAPPORT_RETURN_IF_ERROR(ReadClinicKeys(options.keys));

  RAPPORT_ASSIGN_OR_RETURN(TempFile staging, TempFile::Beside(options.to, "restore"));
  RAPPORT_RETURN_IF_ERROR(CopyFileBytes(from, staging.path()));
  {
    // One file, as a backup is: a copy of a database in WAL mode gets a rollback journal.
    RAPPORT_ASSIGN_OR_RETURN(SqliteHandle db, OpenRaw(staging.path()));
    const Result<std::string> mode = QueryText(db.get(), "PRAGMA journal_mode = DELETE", from);
    if (!mode) return Fail(mode.error());
    if (*mode != "delete") {
      return Fail(Error::Unavailable(fmt::format(
          "the copy of {} cannot leave write-ahead logging (journal mode {})", from, *mode)));
    }
  }
  SqliteRestoreReport report;
  RAPPORT_ASSIGN_OR_RETURN(report.digest, CheckCopy(staging.path(), from));
  if (const Status known = CheckSchemaVersion(report.digest.schema_version, SqliteMigrations());
      !known) {
    return Fail(Error{known.error().code, fmt::format("{}: {}", from, known.error().message), {}});
  }
  {
    RAPPORT_ASSIGN_OR_RETURN(auto copy,
                             SqliteConnection::Open(staging.path(), SqlConnection::Mode::kReader));
    RAPPORT_ASSIGN_OR_RETURN(report.audit_verified,
                             CheckRestoredData(*copy, report.digest, options.keys));
  }
  RAPPORT_RETURN_IF_ERROR(staging.Sync());

  // Once more just before: a server may have started on the target meanwhile.
  RAPPORT_ASSIGN_OR_RETURN(const Target target, LookAtTarget(options.to, options.replace));
  if (target.exists) RAPPORT_RETURN_IF_ERROR(SettleJournals(options.to));
  // An empty file there (made by mistake, or by an earlier failed start) holds nothing to keep.
  RAPPORT_RETURN_IF_ERROR(staging.MoveTo(options.to, target.exists));
  report.replaced = target.holds_data;
  return report;
}

}  // namespace rapport
