#pragma once
// Backing up a clinic's PostgreSQL database while its app servers write to it, and restoring a
// backup into an empty database, with PostgreSQL's own tools (pg_dump and pg_restore, from the
// postgresql-client package, found on PATH).
//
// A backup runs `pg_dump --format=custom` in a snapshot this process exports from a transaction of
// its own (repeatable read), and digests every table in that same snapshot, so that the figures it
// reports are exactly what the archive holds. The archive is written to a temporary file beside
// the backup file, synced, read back (`pg_restore --list`) and only then renamed into place.
//
// A restore first reads the archive (that pg_restore can read it, that it is a Rapport database's,
// and its schema version), then refuses a database that is not empty, runs `pg_restore
// --single-transaction --exit-on-error` into it, and checks what arrived as a restore of SQLite
// does (store/sql/backup_support.h: the key files, the master key, the audit chain). Should a
// check fail after pg_restore committed, everything it made is dropped again in one transaction,
// so the database is empty as it was.
//
// The connection string's password never reaches a command line or a message: the tools are given
// the connection without it (`--dbname`) and the password through their environment
// (PGPASSWORD).

#include <cstdint>
#include <string>

#include "core/result.h"
#include "store/sql/backup_support.h"
#include "store/sql/table_digest.h"

namespace rapport {

struct PgBackupOptions {
  std::string conninfo;  // the clinic's database (libpq connection string or URI)
  std::string to;        // the archive file; its folder must exist
  bool replace = false;  // replace a file already at `to` (otherwise kAlreadyExists)
};

struct PgBackupReport {
  DatabaseDigest digest;   // of the database in the snapshot the archive holds
  std::int64_t bytes = 0;  // the archive's size
};

// Writes a custom-format archive of the database to `to`. kInvalidArgument for a missing option or
// a connection string that does not read; kAlreadyExists when `to` exists and `replace` is not
// set; kFailedPrecondition when `to`'s folder does not exist or the database is not a Rapport
// database; kUnavailable when the database cannot be reached or pg_dump is missing or fails. On
// failure no file is left at `to` (or the one there is unchanged).
Result<PgBackupReport> BackupPostgres(const PgBackupOptions& options);

struct PgRestoreOptions {
  std::string from;      // the archive
  std::string conninfo;  // an empty database
  ClinicKeyFiles keys;
};

struct PgRestoreReport {
  DatabaseDigest digest;            // of the database as restored
  std::int64_t audit_verified = 0;  // audit entries that verified with the audit key
};

// Restores the archive at `from` into the empty database of `conninfo`. kNotFound when there is no
// file at `from`; kFailedPrecondition, saying why, when it is not an archive pg_restore reads, not
// a Rapport database's, at a schema version this binary does not know, when a key file is missing,
// when the database is not empty, or when the restored audit chain does not verify; kUnavailable
// when the database cannot be reached or pg_restore is missing or fails. On any failure the
// database is left empty, as it was.
Result<PgRestoreReport> RestorePostgres(const PgRestoreOptions& options);

// The database of `conninfo` named for messages, without its password: "NAME on HOST:PORT" (as
// far as the connection string says).
std::string PostgresDatabaseName(const std::string& conninfo);

}  // namespace rapport
