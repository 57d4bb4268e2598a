// The two engines' schemas must not drift apart: SQLite's is built by migrations/sqlite, step by
// step, and PostgreSQL's by migrations/postgresql, from a baseline equal to SQLite's first 25
// steps. The store runs the same SQL on both, so every later change must be made to both. This
// test reads each migrated schema from the engine's own catalog as a list of facts (tables,
// columns, keys, indexes, CHECK constraints, triggers) and names every fact only one side has.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/result.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"
#include "store/sql/sql_connection.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

using Mode = SqlConnection::Mode;

// A fresh folder under the test temporary folder, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "rapport-schema-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  bool made() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `sql`, which takes no parameters, and hands each row to `row`.
template <typename RowFn>
Status ForEachRow(SqlConnection& db, std::string_view sql, RowFn row) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, db.Prepare(sql));
  while (true) {
    RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
    if (!more) return Ok();
    row(query);
  }
}

std::string Joined(const std::vector<std::string>& names) {
  return fmt::format("({})", fmt::join(names, ","));
}

// --- The facts, worded once for both engines -----------------------------------------------------

std::string TableFact(std::string_view table) {
  return fmt::format("table {}", table);
}

std::string ColumnFact(std::string_view table, int position, std::string_view name,
                       std::string_view type, bool not_null, std::int64_t pk) {
  return fmt::format("column {} {} {} {} {} pk={}", table, position, name, type,
                     not_null ? "not null" : "null", pk);
}

std::string UniqueFact(std::string_view table, const std::vector<std::string>& columns,
                       bool partial) {
  return fmt::format("unique {} {}{}", table, Joined(columns), partial ? " partial" : "");
}

std::string IndexFact(std::string_view index, std::string_view table) {
  return fmt::format("index {} on {}", index, table);
}

std::string ForeignKeyFact(std::string_view table, const std::vector<std::string>& from,
                           std::string_view to_table, const std::vector<std::string>& to,
                           std::string_view on_delete) {
  return fmt::format("fk {} {} -> {} {} on delete {}", table, Joined(from), to_table, Joined(to),
                     on_delete);
}

std::string ChecksFact(std::string_view table, std::int64_t count) {
  return fmt::format("checks {} {}", table, count);
}

std::string TriggerFact(std::string_view trigger, std::string_view table) {
  return fmt::format("trigger {} on {}", trigger, table);
}

// The kinds of facts, by their first word, so that the test can tell that each kind was read.
constexpr std::string_view kKinds[] = {"table ", "column ", "unique ", "index ",
                                       "fk ",    "checks ", "trigger "};

// Column types by what they hold, so that SQLite's names and PostgreSQL's can be compared. A
// type of neither list is shown as it is written, which no type of the other engine matches.
std::string SqliteTypeClass(std::string declared) {
  std::ranges::transform(declared, declared.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (declared == "INTEGER" || declared == "INT") return "integer";  // STRICT allows both
  if (declared == "REAL") return "real";
  if (declared == "TEXT") return "text";
  if (declared == "BLOB") return "blob";
  return fmt::format("other({})", declared);
}

std::string PostgresTypeClass(const std::string& type) {
  if (type == "bigint" || type == "integer" || type == "smallint") return "integer";
  if (type == "double precision") return "real";
  if (type == "text") return "text";
  if (type == "bytea") return "blob";
  return fmt::format("other({})", type);
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool IsCheckKeyword(std::string_view word) {
  return word.size() == 5 &&
         std::ranges::equal(word, std::string_view("check"), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// How many CHECK constraints a CREATE TABLE statement declares: the whole word CHECK, in any
// case, followed by `(`. SQLite keeps the statement as it was written, comments included, so
// string literals, quoted names and comments are skipped: a CHECK there declares nothing.
int CountChecks(std::string_view sql) {
  int count = 0;
  std::size_t at = 0;
  // Moves past `end` found from `from`, or to the end of the text when it is missing.
  const auto skip_past = [&sql](std::string_view end, std::size_t from) {
    const std::size_t found = sql.find(end, from);
    return found == std::string_view::npos ? sql.size() : found + end.size();
  };
  while (at < sql.size()) {
    const char c = sql[at];
    if (c == '\'' || c == '"' || c == '`') {
      // A doubled quote inside reads as two quoted runs back to back: nothing between is counted.
      at = skip_past(std::string_view(&sql[at], 1), at + 1);
    } else if (c == '[') {
      at = skip_past("]", at + 1);
    } else if (sql.substr(at, 2) == "--") {
      at = skip_past("\n", at + 2);
    } else if (sql.substr(at, 2) == "/*") {
      at = skip_past("*/", at + 2);
    } else if (IsWordChar(c)) {
      std::size_t end = at;
      while (end < sql.size() && IsWordChar(sql[end])) ++end;
      if (IsCheckKeyword(sql.substr(at, end - at))) {
        std::size_t next = end;
        while (next < sql.size() && std::isspace(static_cast<unsigned char>(sql[next])) != 0) {
          ++next;
        }
        if (next < sql.size() && sql[next] == '(') ++count;
      }
      at = end;
    } else {
      ++at;
    }
  }
  return count;
}

// --- SQLite --------------------------------------------------------------------------------------

// The application's tables in sqlite_schema `m`: not SQLite's own, and not the migrations'
// record, which each engine's migration runner makes for itself.
constexpr std::string_view kSqliteTables =
    R"(m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' )"
    "AND m.name <> 'schema_migrations'";

Result<std::vector<std::string>> SqliteFacts(SqlConnection& db) {
  std::vector<std::string> facts;

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db, fmt::format("SELECT m.name, m.sql FROM sqlite_schema AS m WHERE {}", kSqliteTables),
      [&](const SqlQuery& row) {
        facts.push_back(TableFact(row.Text(0)));
        if (const int checks = CountChecks(row.Text(1)); checks > 0) {
          facts.push_back(ChecksFact(row.Text(0), checks));
        }
      }));

  // Each table's primary key columns in key order, for the foreign keys that name none.
  std::map<std::string, std::map<std::int64_t, std::string>> primary_keys;
  std::map<std::string, int> positions;
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT m.name, c.name, c.type, c.\"notnull\", c.pk FROM sqlite_schema AS m, "
                  "pragma_table_info(m.name) AS c WHERE {} ORDER BY m.name, c.cid",
                  kSqliteTables),
      [&](const SqlQuery& row) {
        const std::string table = row.Text(0);
        const std::int64_t pk = row.Int(4);
        if (pk > 0) primary_keys[table][pk] = row.Text(1);
        // table_info reports an INTEGER PRIMARY KEY (the rowid) as nullable, though it never
        // holds NULL, and PostgreSQL's key columns are never null: both sides count every key
        // column as not null.
        facts.push_back(ColumnFact(table, ++positions[table], row.Text(1),
                                   SqliteTypeClass(row.Text(2)), row.Int(3) != 0 || pk > 0, pk));
      }));

  // Key columns in order; an expression (cid -2) has no name.
  struct Unique {
    std::string table;
    std::vector<std::string> columns;
    bool partial = false;
  };
  std::map<std::string, Unique> uniques;  // by index name
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT m.name, l.name, l.partial, i.cid, i.name FROM sqlite_schema AS m, "
                  "pragma_index_list(m.name) AS l, pragma_index_info(l.name) AS i "
                  "WHERE {} AND l.\"unique\" = 1 AND l.origin <> 'pk' "
                  "ORDER BY m.name, l.name, i.seqno",
                  kSqliteTables),
      [&](const SqlQuery& row) {
        Unique& unique = uniques[row.Text(1)];
        unique.table = row.Text(0);
        unique.partial = row.Int(2) != 0;
        unique.columns.push_back(row.Int(3) == -2 ? "expr" : row.Text(4));
      }));
  for (const auto& [name, unique] : uniques) {
    facts.push_back(UniqueFact(unique.table, unique.columns, unique.partial));
  }

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT m.name, l.name FROM sqlite_schema AS m, pragma_index_list(m.name) AS l "
                  "WHERE {} AND l.origin = 'c'",
                  kSqliteTables),
      [&](const SqlQuery& row) { facts.push_back(IndexFact(row.Text(1), row.Text(0))); }));

  struct ForeignKey {
    std::string to_table;
    std::vector<std::string> from;
    std::vector<std::string> to;
    bool to_primary_key = false;  // the key names no columns: the referenced table's primary key
    std::string on_delete;
  };
  std::map<std::pair<std::string, std::int64_t>, ForeignKey> foreign_keys;  // by table and id
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.\"to\" IS NULL, "
                  "f.on_delete FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f "
                  "WHERE {} ORDER BY m.name, f.id, f.seq",
                  kSqliteTables),
      [&](const SqlQuery& row) {
        ForeignKey& key = foreign_keys[{row.Text(0), row.Int(1)}];
        key.to_table = row.Text(2);
        key.from.push_back(row.Text(3));
        key.to.push_back(row.Text(4));
        key.to_primary_key = row.Int(5) != 0;
        key.on_delete = row.Text(6);
      }));
  for (auto& [table_and_id, key] : foreign_keys) {
    if (key.to_primary_key) {
      key.to.clear();
      for (const auto& [position, column] : primary_keys[key.to_table]) key.to.push_back(column);
    }
    facts.push_back(
        ForeignKeyFact(table_and_id.first, key.from, key.to_table, key.to, key.on_delete));
  }

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db, "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger'",
      [&](const SqlQuery& row) { facts.push_back(TriggerFact(row.Text(0), row.Text(1))); }));

  std::ranges::sort(facts);
  return facts;
}

// The schema of a new SQLite store: opening it applies every migration.
Result<std::vector<std::string>> SqliteSchema() {
  const TempDir dir;  // outlives the store and the connection
  if (!dir.made()) return Fail(Error::Internal("cannot make a temporary folder"));
  SqliteStoreOptions options;
  options.path = dir.File("schema.db");
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<SqlStore> store, SqlStore::Open(options));
  store.reset();
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                           SqliteConnection::Open(options.path, Mode::kReader));
  return SqliteFacts(*db);
}

// --- PostgreSQL ----------------------------------------------------------------------------------

// The application's tables as pg_class `t` in pg_namespace `s`, as information_schema's BASE
// TABLEs of the public schema are; the migrations' record is left out as on SQLite.
constexpr std::string_view kPgTables =
    "s.nspname = 'public' AND t.relkind IN ('r', 'p') AND t.relname <> 'schema_migrations'";

std::string_view OnDelete(std::string_view confdeltype) {
  if (confdeltype == "a") return "NO ACTION";
  if (confdeltype == "r") return "RESTRICT";
  if (confdeltype == "c") return "CASCADE";
  if (confdeltype == "n") return "SET NULL";
  if (confdeltype == "d") return "SET DEFAULT";
  return confdeltype;
}

std::vector<std::string> SplitNames(std::string_view joined) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = joined.find(',', start);
    names.emplace_back(joined.substr(start, comma - start));
    if (comma == std::string_view::npos) return names;
    start = comma + 1;
  }
}

Result<std::vector<std::string>> PostgresFacts(SqlConnection& db) {
  std::vector<std::string> facts;

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' "
      "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'",
      [&](const SqlQuery& row) { facts.push_back(TableFact(row.Text(0))); }));

  std::map<std::string, int> positions;
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT t.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), "
                  "a.attnotnull::int, coalesce(array_position(k.conkey, a.attnum), 0) "
                  "FROM pg_class AS t JOIN pg_namespace AS s ON s.oid = t.relnamespace "
                  "JOIN pg_attribute AS a ON a.attrelid = t.oid "
                  "LEFT JOIN pg_constraint AS k ON k.conrelid = t.oid AND k.contype = 'p' "
                  "WHERE {} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY t.relname, a.attnum",
                  kPgTables),
      [&](const SqlQuery& row) {
        const std::string table = row.Text(0);
        const std::string column = row.Text(1);
        // SQLite's implicit rowid made a column on purpose, so that a client's assignments are
        // listed in the order they were made: the one column PostgreSQL has and SQLite does not
        // declare.
        if (table == "episode_instruments" && column == "rowid") return;
        const std::int64_t pk = row.Int(4);
        facts.push_back(ColumnFact(table, ++positions[table], column,
                                   PostgresTypeClass(row.Text(2)), row.Int(3) != 0 || pk > 0, pk));
      }));

  // Key columns only (not INCLUDE ones), in order; attnum 0 is an expression.
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT t.relname::text, string_agg(coalesce(a.attname::text, 'expr'), ',' "
                  "ORDER BY k.n), (i.indpred IS NOT NULL)::int "
                  "FROM pg_index AS i JOIN pg_class AS t ON t.oid = i.indrelid "
                  "JOIN pg_namespace AS s ON s.oid = t.relnamespace "
                  "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
                  "LEFT JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum "
                  "WHERE {} AND i.indisunique AND NOT i.indisprimary AND k.n <= i.indnkeyatts "
                  "GROUP BY i.indexrelid, t.relname, i.indpred IS NOT NULL",
                  kPgTables),
      [&](const SqlQuery& row) {
        facts.push_back(UniqueFact(row.Text(0), SplitNames(row.Text(1)), row.Int(2) != 0));
      }));

  // An index that backs a PRIMARY KEY or UNIQUE constraint is SQLite's automatic index; the
  // rest were made by CREATE INDEX. (A foreign key's conindid names the referenced table's
  // index, which may well be a CREATE UNIQUE INDEX, so foreign keys do not count here.)
  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT x.relname::text, t.relname::text FROM pg_index AS i "
                  "JOIN pg_class AS x ON x.oid = i.indexrelid "
                  "JOIN pg_class AS t ON t.oid = i.indrelid "
                  "JOIN pg_namespace AS s ON s.oid = t.relnamespace WHERE {} AND NOT EXISTS "
                  "(SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid "
                  "AND c.contype IN ('p', 'u', 'x'))",
                  kPgTables),
      [&](const SqlQuery& row) { facts.push_back(IndexFact(row.Text(0), row.Text(1))); }));

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT t.relname::text, string_agg(a.attname::text, ',' ORDER BY k.n), "
                  "r.relname::text, string_agg(b.attname::text, ',' ORDER BY k.n), "
                  "c.confdeltype::text FROM pg_constraint AS c "
                  "JOIN pg_class AS t ON t.oid = c.conrelid "
                  "JOIN pg_namespace AS s ON s.oid = t.relnamespace "
                  "JOIN pg_class AS r ON r.oid = c.confrelid "
                  "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY "
                  "AS k(from_attnum, to_attnum, n) "
                  "JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.from_attnum "
                  "JOIN pg_attribute AS b ON b.attrelid = c.confrelid AND b.attnum = k.to_attnum "
                  "WHERE {} AND c.contype = 'f' "
                  "GROUP BY c.oid, t.relname, r.relname, c.confdeltype",
                  kPgTables),
      [&](const SqlQuery& row) {
        facts.push_back(ForeignKeyFact(row.Text(0), SplitNames(row.Text(1)), row.Text(2),
                                       SplitNames(row.Text(3)), OnDelete(row.Text(4))));
      }));

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT t.relname::text, count(*) FROM pg_constraint AS c "
                  "JOIN pg_class AS t ON t.oid = c.conrelid "
                  "JOIN pg_namespace AS s ON s.oid = t.relnamespace "
                  "WHERE {} AND c.contype = 'c' GROUP BY t.relname",
                  kPgTables),
      [&](const SqlQuery& row) { facts.push_back(ChecksFact(row.Text(0), row.Int(1))); }));

  RAPPORT_RETURN_IF_ERROR(ForEachRow(
      db,
      fmt::format("SELECT g.tgname::text, t.relname::text FROM pg_trigger AS g "
                  "JOIN pg_class AS t ON t.oid = g.tgrelid "
                  "JOIN pg_namespace AS s ON s.oid = t.relnamespace "
                  "WHERE {} AND NOT g.tgisinternal",
                  kPgTables),
      [&](const SqlQuery& row) { facts.push_back(TriggerFact(row.Text(0), row.Text(1))); }));

  std::ranges::sort(facts);
  return facts;
}

// The schema every PostgreSQL store test starts from: the migrated template, read through a copy
// of it, since a connection left open to the template would make the other tests' copies fail.
Result<std::vector<std::string>> PostgresSchema() {
  RAPPORT_ASSIGN_OR_RETURN(PgTestCluster* const cluster, PgTestClusterWithTemplate());
  const std::string name = PgTestCluster::UniqueName("schema");
  RAPPORT_RETURN_IF_ERROR(cluster->CreateDatabase(name, kPgTestTemplate));
  Result<std::vector<std::string>> facts = [&]() -> Result<std::vector<std::string>> {
    RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db,
                             PgConnection::Open(cluster->conninfo(name), Mode::kReader));
    return PostgresFacts(*db);
  }();  // the connection is closed here, before the drop
  static_cast<void>(cluster->DropDatabase(name));
  return facts;
}

// Names every fact only one side has.
void ExpectSameFacts(const std::vector<std::string>& sqlite,
                     const std::vector<std::string>& postgres) {
  std::vector<std::string> only_sqlite;
  std::vector<std::string> only_postgres;
  std::ranges::set_difference(sqlite, postgres, std::back_inserter(only_sqlite));
  std::ranges::set_difference(postgres, sqlite, std::back_inserter(only_postgres));
  for (const std::string& fact : only_sqlite) ADD_FAILURE() << "only in SQLite: " << fact;
  for (const std::string& fact : only_postgres) ADD_FAILURE() << "only in PostgreSQL: " << fact;
  if (!only_sqlite.empty() || !only_postgres.empty()) {
    ADD_FAILURE() << "the schemas differ (" << only_sqlite.size() << " facts only in SQLite, "
                  << only_postgres.size() << " only in PostgreSQL): every schema change goes "
                  << "into a new step of migrations/sqlite and of migrations/postgresql together";
  }
}

TEST(PgSchema, HasTheSameTablesColumnsKeysIndexesChecksAndTriggersAsSqlite) {
  if (!PgTestCluster::Available()) {
    FAIL() << "comparing the schemas needs the PostgreSQL 15 server programs (initdb, pg_ctl, "
              "postgres): install postgresql-15 (make test installs it)";
  }
  const Result<std::vector<std::string>> sqlite = SqliteSchema();
  ASSERT_TRUE(sqlite.has_value()) << "cannot read SQLite's schema: "
                                  << ToString(sqlite.error().code) << ": "
                                  << sqlite.error().message;
  const Result<std::vector<std::string>> postgres = PostgresSchema();
  ASSERT_TRUE(postgres.has_value())
      << "cannot read PostgreSQL's schema: " << ToString(postgres.error().code) << ": "
      << postgres.error().message;
  // A catalog query that read nothing on both sides would compare equal and prove nothing.
  for (const std::string_view kind : kKinds) {
    EXPECT_TRUE(std::ranges::any_of(
        *sqlite, [kind](const std::string& fact) { return fact.starts_with(kind); }))
        << "no '" << kind << "' fact was read from SQLite's schema";
  }
  ExpectSameFacts(*sqlite, *postgres);
}

}  // namespace
}  // namespace rapport
