#pragma once
// Schema steps and the one runner that applies them, for either engine. Each engine keeps its
// own steps in migrations/<engine>/NNNN_name.sql, compiled into the binary; from the PostgreSQL
// baseline (version 25) on, both engines take the same numbered steps. Thread-compatible: the
// runner uses the connection it is given, as the store's writer before the store opens.

#include <span>
#include <string_view>

#include "core/result.h"
#include "store/sql/sql_connection.h"

namespace rapport {

struct SqlMigration {
  int version;            // NNNN of the file name, without gaps from the engine's first
  std::string_view name;  // the file name, for messages
  std::string_view sql;   // the whole file, run as one script inside one transaction
};

// Applies, in order, every migration of `migrations` newer than the database's, each in its own
// transaction; a step another process applied meanwhile is skipped. Returns the version the
// database is at. kUnavailable when a step fails (its work rolled back) or when the database is
// newer than every step known.
Result<int> Migrate(SqlConnection& c, std::span<const SqlMigration> migrations);

}  // namespace rapport
