#include "store/sql/sql_migrations.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "store/sql/sql_rows.h"

namespace rapport {

namespace {

Result<int> AppliedVersion(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  return row ? static_cast<int>(q.Int(0)) : 0;
}

// The step itself, inside the transaction ApplyMigration opened.
Status RunStep(SqlConnection& c, const SqlMigration& m) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery seen,
                           c.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
  seen.Bind(m.version);
  RAPPORT_ASSIGN_OR_RETURN(const bool already, seen.Step());
  if (already) return Ok();
  RAPPORT_RETURN_IF_ERROR(c.Exec(m.sql));
  if (c.dialect() == SqlDialect::kSqlite) {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery dangling, c.Prepare("PRAGMA foreign_key_check"));
    RAPPORT_ASSIGN_OR_RETURN(const bool any, dangling.Step());
    if (any) {
      return Fail(Error::Internal(
          fmt::format("it leaves a row of {} referring to nothing", dangling.Text(0))));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery record,
      c.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"));
  record.Bind(m.version).Bind(m.name).Bind(SystemClock::Instance().Now());
  return Done(record.Run());
}

// Applies one migration in its own transaction unless it is already recorded. The write
// transaction holds the engine's write lock, so two servers starting together take turns.
// SQLite: foreign keys are off while it runs, so that a table can be rebuilt (SQLite's way to
// change a constraint), and every reference is checked before the commit instead: a migration
// that leaves one dangling is rolled back. PostgreSQL checks references as the step runs.
Status ApplyMigration(SqlConnection& c, const SqlMigration& m) {
  const bool sqlite = c.dialect() == SqlDialect::kSqlite;
  if (sqlite) RAPPORT_RETURN_IF_ERROR(c.Exec("PRAGMA foreign_keys = OFF"));
  struct KeysBackOn {
    SqlConnection& c;
    bool sqlite;
    ~KeysBackOn() {
      if (sqlite) (void)c.Exec("PRAGMA foreign_keys = ON");
    }
  } keys_back_on{c, sqlite};
  RAPPORT_RETURN_IF_ERROR(c.BeginWrite());
  const Status applied = RunStep(c, m);
  const Status committed = applied ? c.Exec("COMMIT") : applied;
  if (!committed) {
    c.RollbackIfOpen();
    return Fail(Error::Unavailable(
        fmt::format("migration {} failed: {}", m.name, committed.error().message)));
  }
  return Ok();
}

}  // namespace

Result<int> Migrate(SqlConnection& c, std::span<const SqlMigration> migrations) {
  RAPPORT_RETURN_IF_ERROR(
      c.Exec(c.dialect() == SqlDialect::kSqlite
                 ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"
                 : "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  const int known = migrations.empty() ? 0 : migrations.back().version;
  RAPPORT_ASSIGN_OR_RETURN(const int applied, AppliedVersion(c));
  if (applied > known) {
    return Fail(Error::Unavailable(
        fmt::format("the database is at schema version {}, newer than this program knows ({})",
                    applied, known)));
  }
  for (const SqlMigration& m : migrations) {
    if (m.version <= applied) continue;
    RAPPORT_RETURN_IF_ERROR(ApplyMigration(c, m));
  }
  return AppliedVersion(c);
}

}  // namespace rapport
