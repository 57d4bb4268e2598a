// rapport backup and rapport restore (docs/backup.md): a checked copy of the clinic's database
// taken while it serves, and putting one back. Neither opens the database as a store
// (SqlStore::Open would migrate a restore's target and make key files that open nothing): a backup
// only reads the database, and a restore checks the backup's data, its audit chain included,
// before anything is put in place.

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "cli/commands.h"
#include "cli/print_error.h"
#include "config/command_options.h"
#include "store/postgres/pg_backup.h"
#include "store/postgres/pg_store.h"
#include "store/sql/backup_support.h"
#include "store/sql/table_digest.h"
#include "store/sqlite/sqlite_backup.h"

namespace rapport {

namespace {

// The options of both commands, with the defaults every command of `rapport` has.
struct BackupArgs {
  std::string db;
  std::string file;  // --to for a backup, --from for a restore
  bool force = false;
  ClinicKeyFiles keys;
  std::string checkpoints;
  bool default_keys = true;  // no key file was named
};

std::unique_ptr<CommandLine> BackupLine(bool restore) {
  auto line =
      restore ? std::make_unique<CommandLine>(
                    "restore", "--from FILE --db PATH|URI [--force] [options]",
                    "Puts a backup in place once it and its audit chain check out, never over a "
                    "database a server holds; the target is left as it was on any failure "
                    "(docs/backup.md).")
              : std::make_unique<CommandLine>(
                    "backup", "[--db PATH|URI] --to FILE [--force] [options]",
                    "Copies the database while the server writes, checked and written whole, "
                    "without the key files (docs/backup.md).");
  if (restore) {
    line->Option("--from", "FILE", "the backup to restore");
  } else {
    line->Option("--to", "FILE", "the backup file to write");
  }
  line->Flag("--force",
             restore ? "replace a database that is there" : "replace a backup file that is there");
  DeclareStoreFiles(*line, restore ? WithCheckpoints::kYes : WithCheckpoints::kNo);
  return line;
}

// kInvalidArgument naming the option for anything wrong with what `line` read.
Result<BackupArgs> Parse(const CommandLine& line, bool restore) {
  BackupArgs parsed;
  parsed.force = line.Has("--force");
  const std::string file_flag = restore ? "--from" : "--to";
  const std::optional<std::string> file = line.Get(file_flag);
  if (!file || file->empty()) {
    return Fail(Error::Field(file_flag, restore ? "is required: the backup file to restore"
                                                : "is required: the backup file to write"));
  }
  parsed.file = *file;
  const std::optional<std::string> db = line.Get("--db");
  if (restore && (!db || db->empty())) {
    return Fail(Error::Field("--db", "is required: the database to restore into"));
  }
  const StoreFiles files = ReadStoreFiles(line);
  parsed.db = files.db;
  parsed.default_keys = !files.keys_named;
  parsed.keys.audit_key_path = files.audit_key;
  parsed.keys.message_key_path = files.message_key;
  if (files.postgres()) {
    // As every command finds it: beside the message key file unless named.
    PostgresStoreOptions options;
    options.message_key_path = files.message_key;
    options.master_key_path = files.master_key;
    Result<std::string> path = MasterKeyPath(options);
    if (!path) return Fail(Error::Field("--master-key", path.error().message));
    parsed.keys.master_key_path = *path;
  } else {
    parsed.keys.master_key_path =
        files.master_key.empty() ? files.beside() + ".master-key" : files.master_key;
  }
  parsed.checkpoints = files.checkpoints;
  return parsed;
}

// Reads the words of a backup or a restore: the exit status when the command stops there.
std::variant<int, BackupArgs> Read(Args args, bool restore, std::ostream& out, std::ostream& err) {
  const std::unique_ptr<CommandLine> line = BackupLine(restore);
  if (auto stop = line->Read(args, out, err)) return *stop;
  Result<BackupArgs> parsed = Parse(*line, restore);
  if (!parsed) {
    cli::PrintError(err, restore ? "restore" : "backup", parsed.error());
    err << line->Usage();
    return 2;
  }
  return std::move(*parsed);
}

bool Exists(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored);
}

// The database as messages name it: its path, or a PostgreSQL database without the password.
std::string Named(const std::string& db) {
  return IsPostgresUri(db) ? PostgresDatabaseName(db) : db;
}

// "an audit chain of N entries with head SEQ HASH", or that the chain is empty.
std::string ChainHead(const DatabaseDigest& digest) {
  if (digest.audit_head_seq == 0) return "an empty audit chain";
  return fmt::format("an audit chain of {} entries with head {} {}", digest.audit_entries,
                     digest.audit_head_seq, digest.audit_head_hash);
}

// The seq of the last checkpoint line in the file at `path` ("rapport-audit-checkpoint seq=N
// ..."), read for a note only, without checking its seal (`rapport audit verify` does); 0 when
// there is none.
std::int64_t LastCheckpointSeq(const std::string& path) {
  std::ifstream in(path);
  std::int64_t seq = 0;
  for (std::string line; std::getline(in, line);) {
    const std::size_t at = line.find(" seq=");
    if (!line.starts_with("rapport-audit-checkpoint ") || at == std::string::npos) continue;
    const std::string_view value =
        std::string_view(line).substr(at + 5, line.find(' ', at + 5) - (at + 5));
    std::int64_t read = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), read);
    // A line this note cannot read is left to `rapport audit verify`, which says what it is.
    if (error == std::errc() && end == value.data() + value.size()) seq = read;
  }
  return seq;
}

std::string Figures(const DatabaseDigest& digest) {
  return fmt::format("{} tables, {} rows", digest.tables.size(), digest.rows);
}

}  // namespace

int RunBackupCommand(Args args, std::ostream& out, std::ostream& err) {
  const std::variant<int, BackupArgs> read = Read(args, /*restore=*/false, out, err);
  if (const int* stop = std::get_if<int>(&read)) return *stop;
  const BackupArgs& a = std::get<BackupArgs>(read);
  if (!a.force && Exists(a.file)) {
    err << fmt::format("rapport backup: {} already exists: give --force to replace it\n", a.file);
    return 1;
  }
  DatabaseDigest digest;
  std::int64_t bytes = 0;
  std::string copied;  // how the copy went, where there is something to say
  if (IsPostgresUri(a.db)) {
    Result<PgBackupReport> report = BackupPostgres({a.db, a.file, a.force});
    if (!report) {
      err << fmt::format("rapport backup: {}; no backup was written\n", report.error().message);
      return 1;
    }
    digest = std::move(report->digest);
    bytes = report->bytes;
  } else {
    SqliteBackupOptions options;
    options.from = a.db;
    options.to = a.file;
    options.replace = a.force;
    Result<SqliteBackupReport> report = BackupSqlite(options);
    if (!report) {
      err << fmt::format("rapport backup: {}; no backup was written\n", report.error().message);
      return 1;
    }
    digest = std::move(report->digest);
    bytes = report->bytes;
    copied = fmt::format(", copied in {} steps", report->steps);
    if (report->restarts > 0) {
      copied += fmt::format(" (begun again {} {} as the database changed{})", report->restarts,
                            report->restarts == 1 ? "time" : "times",
                            report->rest_in_one_step ? ", then the rest in one step" : "");
    }
  }
  out << fmt::format(
      "backup of {} written to {}: {}, {} bytes, schema version {}, {}, content {}{}; the key "
      "files are not in it: keep {}, {} and {} safe apart from it\n",
      Named(a.db), a.file, Figures(digest), bytes, digest.schema_version, ChainHead(digest),
      digest.content_hash, copied, a.keys.audit_key_path, a.keys.message_key_path,
      a.keys.master_key_path);
  return 0;
}

int RunRestoreCommand(Args args, std::ostream& out, std::ostream& err) {
  const std::variant<int, BackupArgs> read = Read(args, /*restore=*/true, out, err);
  if (const int* stop = std::get_if<int>(&read)) return *stop;
  const BackupArgs& a = std::get<BackupArgs>(read);
  const bool postgres = IsPostgresUri(a.db);
  // A key file that is not there would open nothing the backup holds: named with its option.
  for (const auto& [path, option, what] :
       {std::tuple{a.keys.audit_key_path, "--audit-key", "audit key"},
        std::tuple{a.keys.message_key_path, "--message-key", "message key"}}) {
    if (!Exists(path)) {
      err << fmt::format(
          "rapport restore: the key file {} does not exist: backups never hold the key files, so "
          "put the clinic's {} there or give its path with {}; nothing was restored\n",
          path, what, option);
      return 1;
    }
  }
  if (!postgres && !a.force && FileSizeOf(a.db) > 0) {
    err << fmt::format(
        "rapport restore: {} already holds a database: a restore replaces it only with --force "
        "(and never while a server has it open); nothing was restored\n",
        a.db);
    return 1;
  }

  DatabaseDigest digest;
  std::int64_t verified = 0;
  if (postgres) {
    Result<PgRestoreReport> report = RestorePostgres({a.file, a.db, a.keys});
    if (!report) {
      err << fmt::format("rapport restore: {}\n", report.error().message);
      return 1;
    }
    digest = std::move(report->digest);
    verified = report->audit_verified;
  } else {
    SqliteRestoreOptions options;
    options.from = a.file;
    options.to = a.db;
    options.keys = a.keys;
    options.replace = a.force;
    Result<SqliteRestoreReport> report = RestoreSqlite(options);
    if (!report) {
      err << fmt::format("rapport restore: {}; {} was left as it was\n", report.error().message,
                         a.db);
      return 1;
    }
    digest = std::move(report->digest);
    verified = report->audit_verified;
  }
  out << fmt::format(
      "restored {} into {}: {}, schema version {}, content {}; its audit chain verified with {}: "
      "{} entries, head {} {}\n",
      a.file, Named(a.db), Figures(digest), digest.schema_version, digest.content_hash,
      a.keys.audit_key_path, verified, digest.audit_head_seq, digest.audit_head_hash);
  // Checkpoints kept of the database this one replaces record entries written after the backup:
  // `rapport audit verify` then reports them missing, rightly.
  if (const std::int64_t recorded = LastCheckpointSeq(a.checkpoints); recorded > verified) {
    out << fmt::format(
        "note: {} records {} audit entries, {} more than this backup holds: they were written "
        "after it and are not restored, so `rapport audit verify` reports them missing; keep that "
        "file as the record of what was lost, and move it aside before the server starts\n",
        a.checkpoints, recorded, recorded - verified);
  }
  if (!a.default_keys || postgres) {
    out << fmt::format(
        "start the server with its key files: --audit-key {} --message-key {} --master-key {}\n",
        a.keys.audit_key_path, a.keys.message_key_path, a.keys.master_key_path);
  }
  return 0;
}

}  // namespace rapport
