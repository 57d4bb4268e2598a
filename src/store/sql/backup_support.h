#pragma once
// What backing up and restoring share on both engines (store/sqlite/sqlite_backup.h,
// store/postgres/pg_backup.h).
//
// Files written whole or not at all: each is written to a temporary file beside its final name,
// synced, checked, and renamed into place in one step (the folder synced after), so that a crash
// or a failed check never leaves half a file under that name.
//
// The checks of a restore, before a clinic's database is replaced: the schema version is one this
// binary knows; the key files the data was sealed with are there and hold keys, and are only
// read, never made anew (a new key opens nothing sealed before); the audit chain verifies with the
// audit key; and the data keys that seal free text were wrapped with the master key given. Backups
// never hold the key files: they are kept apart from the data they protect.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/crypto.h"
#include "core/result.h"
#include "store/sql/sql_connection.h"
#include "store/sql/sql_migrations.h"
#include "store/sql/table_digest.h"

namespace rapport {

// --- Files --------------------------------------------------------------------------------------

// Ok when the folder `path` would be in exists; kFailedPrecondition naming it otherwise.
Status RequireFolderOf(const std::string& path);

// The size of the file at `path`; 0 when there is none.
std::int64_t FileSizeOf(const std::string& path);

// Whether `a` and `b` name the same file (or would, once made).
bool SamePath(const std::string& a, const std::string& b);

// Ok when `from` is a file to restore from: kNotFound when nothing is there, kFailedPrecondition
// when it is not a file.
Status RequireBackupFile(const std::string& from);

// A temporary file beside a final one, removed with whatever an engine made beside it (SQLite's
// -journal, -wal and -shm) when this goes away, unless released.
class TempFile {
 public:
  // A new empty file named after `target` and `tag` ("TARGET.TAG-XXXXXX"), readable by its owner
  // only (it will hold clinical data). kUnavailable when it cannot be made.
  static Result<TempFile> Beside(const std::string& target, std::string_view tag);

  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  const std::string& path() const { return path_; }

  // Syncs the file to disk.
  Status Sync() const;
  // Renames the file to `target` in one step, replacing a file there only when `replace` is set
  // (otherwise kAlreadyExists, which the rename itself decides), and syncs the folder so that the
  // new name lasts. The file is then no longer removed.
  Status MoveTo(const std::string& target, bool replace);

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;  // empty once moved into place
};

// --- Keys ---------------------------------------------------------------------------------------

// The key files a clinic's data is sealed with, kept outside the database and its backups.
struct ClinicKeyFiles {
  std::string audit_key_path;    // the audit chain's MAC key
  std::string message_key_path;  // the key that sealed messages' words (before data keys did)
  // The key that wraps the clinic's data keys, which seal free text at rest (store/sql/key_ring.h).
  // Needed only by a database that holds data keys.
  std::string master_key_path;
};

// The keys, read from their files.
struct ClinicKeys {
  std::string audit_key;  // 64 hexadecimal characters
  TextSealer message_sealer;
};

// The key in the file at `path`, which is never created. kFailedPrecondition naming the file and
// `what` (as in "the audit key") when there is no file there; kInvalidArgument when it holds
// anything but a key (64 hexadecimal characters, as LoadOrCreateKeyFile writes them).
Result<std::string> ReadKeyFile(const std::string& path, std::string_view what);

// Both keys of `files`, with ReadKeyFile's errors.
Result<ClinicKeys> ReadClinicKeys(const ClinicKeyFiles& files);

// --- Checks of a restore ------------------------------------------------------------------------

// Ok when `version` is a schema version that `migrations` (an engine's steps, oldest first) reach:
// from the first step to the newest. kFailedPrecondition saying which otherwise.
Status CheckSchemaVersion(int version, std::span<const SqlMigration> migrations);

// How an audit chain walked.
struct ChainWalk {
  std::int64_t entries = 0;           // entries that verified, from seq 1
  std::int64_t first_broken_seq = 0;  // 0 when every entry verified
  std::string reason;                 // why that entry does not, empty when none
};

// Walks the audit chain of the database on `c` from seq 1, as `rapport audit verify` does
// (service/audit_service.h, whose walk needs a whole Store, which a restore does not open): every
// seq follows the one before, every prev_hash is the hash before it, and every hash is the MAC of
// the entry (domain/audit.h's AuditDigestInput) under `audit_key`, or its plain BLAKE2b-256 for
// entries written before the chain had a key. Reads in pages, in one snapshot (the transaction open
// on `c`, or one of its own). Errors only when the database cannot be read.
Result<ChainWalk> WalkAuditChain(SqlConnection& c, std::string_view audit_key);

// Ok when every data key of the database on `c` was wrapped with the master key in the file at
// `master_key_path` (their master fingerprints are its fingerprint). kFailedPrecondition naming the
// file when one was not, or when the file is not there.
Status CheckMasterKey(SqlConnection& c, const std::string& master_key_path);

// Checks restored data on `c` whose digest is `digest` (CheckSchemaVersion is the caller's, who
// names the backup): the key files of `files` are there and hold keys (the master key only when
// the data holds data keys, which it must have wrapped), and the audit chain verifies with the
// audit key (kFailedPrecondition naming the key file and the first entry that does not). Returns
// how many entries verified.
Result<std::int64_t> CheckRestoredData(SqlConnection& c, const DatabaseDigest& digest,
                                       const ClinicKeyFiles& files);

}  // namespace rapport
