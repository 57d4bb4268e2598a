#include "store/postgres/pg_store.h"

#include <algorithm>
#include <span>
#include <utility>

#include "core/crypto.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_events.h"
#include "store/postgres/pg_migrations.h"
#include "store/sql/sql_migrations.h"

namespace rapport {

Result<std::string> MasterKeyPath(const PostgresStoreOptions& options) {
  if (!options.master_key_path.empty()) return options.master_key_path;
  constexpr std::string_view kMessageKey = "message-key";
  const std::string& message = options.message_key_path;
  if (message.ends_with(kMessageKey)) {
    return message.substr(0, message.size() - kMessageKey.size()) + "master-key";
  }
  return Fail(
      Error::InvalidArgument("a PostgreSQL database needs the path of its master key file"));
}

Result<std::unique_ptr<SqlStore>> SqlStore::Open(const PostgresStoreOptions& options) {
  if (options.conninfo.empty()) {
    return Fail(Error::InvalidArgument("the database needs a connection string"));
  }
  if (options.audit_key_path.empty() || options.message_key_path.empty()) {
    return Fail(Error::InvalidArgument(
        "a PostgreSQL database needs the paths of its audit and message key files"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string master_key_path, MasterKeyPath(options));
  RAPPORT_RETURN_IF_ERROR(InitCrypto());  // the audit chain hashes with libsodium
  RAPPORT_ASSIGN_OR_RETURN(std::string audit_key, LoadOrCreateKeyFile(options.audit_key_path));
  RAPPORT_ASSIGN_OR_RETURN(const std::string message_key,
                           LoadOrCreateKeyFile(options.message_key_path));
  RAPPORT_ASSIGN_OR_RETURN(TextSealer message_sealer, TextSealer::FromHexKey(message_key));

  RAPPORT_ASSIGN_OR_RETURN(auto writer,
                           PgConnection::Open(options.conninfo, SqlConnection::Mode::kWriter));
  RAPPORT_ASSIGN_OR_RETURN(const int version, Migrate(*writer, PostgresMigrations()));
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<KeyRing> keys, OpenKeyRing(*writer, master_key_path));

  RAPPORT_ASSIGN_OR_RETURN(
      SqlStoreParts parts,
      ConnectSqlStore(std::move(writer), options.read_connections,
                      [conninfo = options.conninfo]() -> Result<std::unique_ptr<SqlConnection>> {
                        RAPPORT_ASSIGN_OR_RETURN(
                            auto reader,
                            PgConnection::Open(conninfo, SqlConnection::Mode::kReader));
                        return std::unique_ptr<SqlConnection>(std::move(reader));
                      }));
  parts.schema_version = version;
  parts.max_batch = options.max_batch;
  parts.audit_key = std::move(audit_key);
  parts.events = std::make_unique<PgServerEvents>(options.conninfo);
  parts.keys = std::move(keys);
  std::unique_ptr<SqlStore> store = MakeSqlStore(std::move(parts), std::move(message_sealer));
  // What a database from before 0027 held in clear is sealed before anyone reads it.
  RAPPORT_RETURN_IF_ERROR(store->SealClearText({}));
  return store;
}

}  // namespace rapport
