#pragma once
// Backing up the SQLite database while `rapport serve` writes to it, and restoring a backup, so
// that a file is either whole and checked or not there at all.
//
// A backup copies the live database with SQLite's online backup API from a connection of its own,
// a batch of pages per step; between steps the server writes on (in WAL mode the copy never blocks
// a writer). A write between two steps makes the copy begin again from the first page; after
// `max_restarts` such restarts the rest is copied in one step, one read transaction, which in WAL
// mode still blocks no writer (it only holds back the WAL's checkpoint until it ends). So a backup
// always finishes, and is always one consistent state of the database. The copy is written to a
// temporary file beside the backup file, switched to a rollback journal (one self-contained file),
// synced, checked (PRAGMA integrity_check, and that it is a Rapport database) and only then renamed
// into place.
//
// A restore copies the backup to a temporary file beside the database, checks that copy
// (integrity, a Rapport database at a schema version this binary knows, the key files there, its
// data keys wrapped with the master key, its audit chain verifying with the audit key) and renames
// it into place. The database there is
// replaced only when asked to, and never while a process holds it open (a running server). Nothing
// is changed on any failure.
//
// Neither ever holds or makes the key files (store/sql/backup_support.h).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/sql/backup_support.h"
#include "store/sql/table_digest.h"

namespace rapport {

struct SqliteBackupOptions {
  std::string from;      // the live database
  std::string to;        // the backup file; its folder must exist
  bool replace = false;  // replace a file already at `to` (otherwise kAlreadyExists)
  int pages_per_step = 256;
  int max_restarts = 8;
  // Called after each step that did not finish the copy. Tests write to the database through it.
  std::function<void()> after_step;
};

struct SqliteBackupReport {
  DatabaseDigest digest;   // of the backup file as written
  std::int64_t bytes = 0;  // its size
  int steps = 0;
  int restarts = 0;  // times the copy began again because the database changed under it
  bool rest_in_one_step = false;  // the restarts reached the bound: the rest took one step
};

// Writes a backup of the SQLite database at `from` to `to`. kInvalidArgument for empty or equal
// paths; kNotFound when there is no database at `from` (none is created); kAlreadyExists when
// `to` exists and `replace` is not set; kFailedPrecondition when `to`'s folder does not exist, or
// the copy is damaged or not a Rapport database; kUnavailable when the database stays locked or a
// file cannot be written. On failure no file is left at `to` (or the one there is unchanged).
Result<SqliteBackupReport> BackupSqlite(const SqliteBackupOptions& options);

struct SqliteRestoreOptions {
  std::string from;  // the backup file
  std::string to;    // the database to restore; its folder must exist
  ClinicKeyFiles keys;
  // Replace a database (a file that is not empty) already at `to`; otherwise kAlreadyExists.
  bool replace = false;
};

struct SqliteRestoreReport {
  DatabaseDigest digest;            // of the database as restored
  std::int64_t audit_verified = 0;  // audit entries that verified with the audit key
  bool replaced = false;            // a database was at `to` before
};

// Puts the backup at `from` in place at `to` once it has passed every check. kInvalidArgument for
// empty or equal paths; kNotFound when there is no file at `from`; kAlreadyExists when `to` holds
// a database and `replace` is not set; kFailedPrecondition, saying why, when `to` is held open by
// another process, `to`'s folder does not exist, or the backup is not an SQLite database, is
// damaged, is not a Rapport database, is at a schema version this binary does not know, needs a
// key file that is not there, its data keys were wrapped with another master key, or its audit
// chain does not verify. On any failure `to` and its
// files are left exactly as they were.
Result<SqliteRestoreReport> RestoreSqlite(const SqliteRestoreOptions& options);

// The id of another process that has the SQLite database at `path` open, or is in a transaction
// on it, as the locks SQLite takes show (in WAL mode every open connection holds one on the
// database's -shm file); nullopt when there is none.
std::optional<pid_t> SqliteHolder(const std::string& path);

}  // namespace rapport
