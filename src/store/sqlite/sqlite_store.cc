#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/crypto.h"
#include "store/sql/sql_migrations.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_migrations.h"

namespace rapport {

namespace {

// Copies every page of the write-ahead log into the database file and empties the log, so that
// no older version of a page stays in it. kUnavailable when another connection holds a read open
// meanwhile (the log is then emptied by a later checkpoint).
Status TruncateLog(const std::string& path) {
  RAPPORT_ASSIGN_OR_RETURN(auto c, SqliteConnection::Open(path, SqlConnection::Mode::kWriter));
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c->Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row || q.Int(0) != 0) {
    return Fail(Error::Unavailable(
        "the write-ahead log could not be emptied after sealing: another process reads the "
        "database; stop it and start again"));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty() || options.path == ":memory:" || options.path.starts_with("file:")) {
    return Fail(Error::InvalidArgument("the database must be a file path"));
  }
  if (sqlite3_threadsafe() == 0) {
    return Fail(Error::Internal("SQLite was built without thread support"));
  }
  RAPPORT_RETURN_IF_ERROR(InitCrypto());  // the audit chain hashes with libsodium

  const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Fail(Error::Unavailable(
          fmt::format("cannot create the directory {}: {}", parent.string(), ec.message())));
    }
  }

  // A new database is created readable by its owner only; SQLite gives the -wal and -shm files
  // the database file's permissions. An existing file keeps the permissions it was given.
  if (const int fd = ::open(options.path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return Fail(Error::Unavailable(
        fmt::format("cannot create the database {}: {}", options.path, std::strerror(errno))));
  }

  // The audit chain's key lives outside the database file (beside it unless put elsewhere).
  RAPPORT_ASSIGN_OR_RETURN(
      std::string audit_key,
      LoadOrCreateKeyFile(options.audit_key_path.empty() ? options.path + ".audit-key"
                                                         : options.audit_key_path));
  // So does the key that seals messages' words: a copy of the database alone shows none of them.
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string message_key,
      LoadOrCreateKeyFile(options.message_key_path.empty() ? options.path + ".message-key"
                                                           : options.message_key_path));
  RAPPORT_ASSIGN_OR_RETURN(TextSealer message_sealer, TextSealer::FromHexKey(message_key));
  RAPPORT_ASSIGN_OR_RETURN(auto writer,
                           SqliteConnection::Open(options.path, SqlConnection::Mode::kWriter));
  // What the store replaces or removes is overwritten with zeros, not left in the file's free
  // space: the clear text a database from before 0027 held is gone once it is sealed.
  RAPPORT_RETURN_IF_ERROR(writer->Exec("PRAGMA secure_delete = ON"));
  RAPPORT_ASSIGN_OR_RETURN(const int version, Migrate(*writer, SqliteMigrations()));
  // The master key that wraps the data keys, beside the database unless put elsewhere.
  RAPPORT_ASSIGN_OR_RETURN(
      std::unique_ptr<KeyRing> keys,
      OpenKeyRing(*writer, options.master_key_path.empty() ? options.path + ".master-key"
                                                           : options.master_key_path));

  RAPPORT_ASSIGN_OR_RETURN(
      SqlStoreParts parts,
      ConnectSqlStore(std::move(writer), options.read_connections,
                      [path = options.path]() -> Result<std::unique_ptr<SqlConnection>> {
                        RAPPORT_ASSIGN_OR_RETURN(
                            auto reader,
                            SqliteConnection::Open(path, SqlConnection::Mode::kReader));
                        return std::unique_ptr<SqlConnection>(std::move(reader));
                      }));
  parts.schema_version = version;
  parts.max_batch = options.max_batch;
  parts.audit_key = std::move(audit_key);
  parts.keys = std::move(keys);
  std::unique_ptr<SqlStore> store = MakeSqlStore(std::move(parts), std::move(message_sealer));
  // What a database from before 0027 held in clear is sealed before anyone reads it, and the
  // write-ahead log that saw it in clear is emptied.
  RAPPORT_RETURN_IF_ERROR(
      store->SealClearText([&path = options.path] { return TruncateLog(path); }));
  return store;
}

}  // namespace rapport
