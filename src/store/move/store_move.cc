#include "store/move/store_move.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "core/crypto.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"
#include "store/sql/sql_migrations.h"
#include "store/sql/sql_store.h"
#include "store/sql/table_digest.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_migrations.h"

namespace rapport {

namespace {

constexpr std::string_view kMigrationsTable = "schema_migrations";
// SQLite's implicit row number, and PostgreSQL's column that stands for it where the order of
// insertion matters.
constexpr std::string_view kRowid = "rowid";

// The hash is chained over blocks of canonical text of about this size, so that a table of any
// size is hashed in bounded memory.
// PostgreSQL hands a statement's whole result over at once: big tables are read through a cursor
// this many rows at a time.
constexpr int kFetchRows = 1000;
constexpr std::string_view kCursor = "rapport_move_rows";
// Rows per INSERT, and at most this many parameters in one (PostgreSQL allows 65535).
constexpr std::size_t kInsertRows = 256;
constexpr std::size_t kMaxParameters = 32767;

// What the migrations (and a first start) write into a new database by themselves: where the keyed
// part of the audit chain begins, for a chain without entries (SQLite's 0005, PostgreSQL's
// baseline), and whether the clear text of before 0027 was sealed (0027; the first start of a
// store on the empty database marks it done). A target holding only these rows is empty; the copy
// replaces them with the source's.
struct SeededRows {
  std::string_view table;
  std::string_view condition;  // true of exactly the seeded rows
};
constexpr SeededRows kSeeded[] = {{"audit_chain", "id = 1 AND keyed_from_seq = 1"},
                                  {"clear_text_sweep", "id = 1"}};

// A value read from SQLite, kept until its batch of rows is written.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;

// The move writes names into SQL text: only the plain lower-case names the schema uses pass.
bool IsPlainName(std::string_view name) {
  return !name.empty() && !(name.front() >= '0' && name.front() <= '9') &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// Quoted, so that a column called `key` or `at` is never read as a keyword. `rowid` stays bare:
// in SQLite that is what names the implicit row number.
std::string Quoted(std::string_view name) {
  if (name == kRowid) return std::string(kRowid);
  return fmt::format("\"{}\"", name);
}

std::string ColumnList(const MoveTable& table) {
  std::string list;
  for (const MoveColumn& column : table.columns) {
    if (!list.empty()) list += ", ";
    list += Quoted(column.name);
  }
  return list;
}

std::optional<SqlType> ColumnType(const MoveTable& table, std::string_view name) {
  for (const MoveColumn& column : table.columns) {
    if (column.name == name) return column.type;
  }
  return std::nullopt;
}

std::string OrderBy(const MoveTable& table, const std::vector<std::string>& columns,
                    SqlDialect dialect) {
  return SameOrderOnBothEngines(
      columns, [&](std::string_view name) { return ColumnType(table, name) == SqlType::kText; },
      dialect);
}

// The same error, naming the table it came from.
Error InTable(std::string_view table, const Error& error) {
  return Error{error.code, fmt::format("table {}: {}", table, error.message), {}};
}

// Runs `select` on `c` and hands each row to `row`, streaming: SQLite steps through its result;
// PostgreSQL, whose statements hold a whole result in memory, reads it through a cursor
// kFetchRows at a time, inside the transaction open on `c`.
Status ForEachRow(SqlConnection& c, const std::string& select,
                  const std::function<Status(const SqlQuery&)>& row) {
  if (c.dialect() == SqlDialect::kSqlite) {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, c.Prepare(select));
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
      if (!more) return Ok();
      RAPPORT_RETURN_IF_ERROR(row(query));
    }
  }
  RAPPORT_RETURN_IF_ERROR(
      c.Exec(fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", kCursor, select)));
  const std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", kFetchRows, kCursor);
  const auto read_all = [&]() -> Status {
    for (;;) {
      int fetched = 0;
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, c.Prepare(fetch));
      for (;;) {
        RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
        if (!more) break;
        ++fetched;
        RAPPORT_RETURN_IF_ERROR(row(query));
      }
      if (fetched < kFetchRows) return Ok();
    }
  };
  const Status read = read_all();
  // Closed on every path, so that a caller's transaction can read the next table.
  const Status closed = c.Exec(fmt::format("CLOSE {}", kCursor));
  return read ? closed : read;
}

// The value of column `i` as the column's declared type says; NULL as std::monostate.
Cell ReadCell(const SqlQuery& query, int i, SqlType type) {
  if (!query.OptionalInt(i)) return std::monostate{};
  switch (type) {
    case SqlType::kInt: return query.Int(i);
    case SqlType::kDouble: return query.Double(i);
    case SqlType::kText: return query.Text(i);
  }
  return std::monostate{};
}

void BindCell(SqlQuery& query, const Cell& cell, SqlType type) {
  if (const auto* integer = std::get_if<std::int64_t>(&cell)) {
    query.Bind(*integer);
  } else if (const auto* real = std::get_if<double>(&cell)) {
    query.Bind(*real);
  } else if (const auto* text = std::get_if<std::string>(&cell)) {
    query.Bind(std::string_view(*text));
  } else {
    // PostgreSQL types every parameter, a NULL one too.
    switch (type) {
      case SqlType::kInt: query.Bind(std::optional<std::int64_t>()); break;
      case SqlType::kDouble: query.Bind(std::optional<double>()); break;
      case SqlType::kText: query.Bind(std::optional<std::string>()); break;
    }
  }
}

Result<TableHash> HashTable(SqlConnection& c, const MoveTable& table) {
  TableHash hashed;
  hashed.table = table.name;
  TableHasher hasher;
  const std::string select =
      fmt::format("SELECT {} FROM {} ORDER BY {}", ColumnList(table), Quoted(table.name),
                  OrderBy(table, table.order, c.dialect()));
  const Status read = ForEachRow(c, select, [&](const SqlQuery& query) -> Status {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      hasher.Add(query, static_cast<int>(i), table.columns[i].type);
    }
    hasher.EndRow();
    return Ok();
  });
  if (!read) return Fail(InTable(table.name, read.error()));
  hashed.rows = hasher.rows();
  hashed.hash = hasher.Finish();
  return hashed;
}

Result<std::vector<TableHash>> HashEach(SqlConnection& c, std::span<const MoveTable> tables) {
  std::vector<TableHash> hashes;
  hashes.reserve(tables.size());
  for (const MoveTable& table : tables) {
    RAPPORT_ASSIGN_OR_RETURN(TableHash hashed, HashTable(c, table));
    hashes.push_back(std::move(hashed));
  }
  return hashes;
}

// --- Reading the two catalogs -------------------------------------------------------------------

Result<SqlType> TypeOf(std::string_view table, std::string_view column, std::string declared) {
  std::transform(declared.begin(), declared.end(), declared.begin(), [](char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  });
  if (declared == "INTEGER" || declared == "INT") return SqlType::kInt;
  if (declared == "REAL") return SqlType::kDouble;
  if (declared == "TEXT" || declared == "BLOB") return SqlType::kText;
  return Fail(Error::FailedPrecondition(fmt::format(
      "column {}.{} has the type '{}', which the move cannot copy", table, column, declared)));
}

// Whether PostgreSQL's `data_type` (information_schema) holds what SQLite's `type` does.
bool Compatible(SqlType type, std::string_view data_type) {
  switch (type) {
    case SqlType::kInt:
      return data_type == "bigint" || data_type == "integer" || data_type == "smallint";
    case SqlType::kDouble: return data_type == "double precision" || data_type == "real";
    case SqlType::kText:
      return data_type == "text" || data_type == "character varying" || data_type == "character";
  }
  return false;
}

std::string_view SqliteTypeName(SqlType type) {
  switch (type) {
    case SqlType::kInt: return "INTEGER";
    case SqlType::kDouble: return "REAL";
    case SqlType::kText: return "TEXT";
  }
  return "?";
}

struct SqliteTable {
  MoveTable table;
  std::vector<std::string> key;      // the primary key's columns, in key order
  std::set<std::string> referenced;  // the tables its foreign keys refer to
};

Result<std::map<std::string, SqliteTable>> ReadSqliteCatalog(SqlConnection& sqlite) {
  std::map<std::string, SqliteTable> tables;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery query,
        sqlite.Prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND "
                       "type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"));
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
      if (!more) break;
      const std::string name = query.Text(0);
      if (name == kMigrationsTable) continue;
      if (!IsPlainName(name)) {
        return Fail(Error::FailedPrecondition(fmt::format(
            "the SQLite database has a table named '{}', which the move cannot copy", name)));
      }
      SqliteTable& entry = tables[name];
      entry.table.name = name;
      entry.table.without_rowid = query.Bool(1);
    }
  }
  for (auto& [name, entry] : tables) {
    std::vector<std::pair<std::int64_t, std::string>> key;
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                               sqlite.Prepare("SELECT name, type, pk FROM pragma_table_info(?) "
                                              "ORDER BY cid"));
      query.Bind(name);
      for (;;) {
        RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
        if (!more) break;
        const std::string column = query.Text(0);
        if (!IsPlainName(column) || column == kRowid) {
          return Fail(Error::FailedPrecondition(
              fmt::format("the SQLite table {} has a column named '{}', which the move cannot copy",
                          name, column)));
        }
        RAPPORT_ASSIGN_OR_RETURN(const SqlType type, TypeOf(name, column, query.Text(1)));
        entry.table.columns.push_back(MoveColumn{column, type});
        if (query.Int(2) > 0) key.emplace_back(query.Int(2), column);
      }
    }
    std::sort(key.begin(), key.end());
    for (auto& [position, column] : key) entry.key.push_back(std::move(column));
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, sqlite.Prepare("SELECT DISTINCT \"table\" FROM "
                                                              "pragma_foreign_key_list(?)"));
      query.Bind(name);
      for (;;) {
        RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
        if (!more) break;
        entry.referenced.insert(query.Text(0));
      }
    }
  }
  return tables;
}

struct PgColumn {
  std::string data_type;
  std::string identity_generation;  // "ALWAYS", "BY DEFAULT", or empty when not an identity
};

// PostgreSQL's tables (of the current schema) and their columns, in order.
Result<std::map<std::string, std::vector<std::pair<std::string, PgColumn>>>> ReadPgCatalog(
    SqlConnection& postgres) {
  std::map<std::string, std::vector<std::pair<std::string, PgColumn>>> tables;
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery query,
      postgres.Prepare("SELECT c.table_name, c.column_name, c.data_type, "
                       "coalesce(c.identity_generation, '') "
                       "FROM information_schema.columns c JOIN information_schema.tables t "
                       "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                       "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
                       "ORDER BY c.table_name, c.ordinal_position"));
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
    if (!more) break;
    tables[query.Text(0)].emplace_back(query.Text(1), PgColumn{query.Text(2), query.Text(3)});
  }
  return tables;
}

// The names of `tables` ordered so that each comes after the tables it refers to.
// kFailedPrecondition naming the cycle when there is one (a table referring to itself is no
// cycle: its rows are copied in the order they were written, each after the rows it refers to).
Result<std::vector<std::string>> ParentsFirst(const std::map<std::string, SqliteTable>& tables) {
  enum class Mark : std::uint8_t { kNew, kOnPath, kDone };
  std::map<std::string, Mark> marks;
  for (const auto& [name, entry] : tables) marks[name] = Mark::kNew;
  std::vector<std::string> order;
  std::vector<std::string> path;
  std::function<Status(const std::string&)> visit = [&](const std::string& name) -> Status {
    if (marks[name] == Mark::kDone) return Ok();
    if (marks[name] == Mark::kOnPath) {
      std::string cycle;
      for (auto it = std::find(path.begin(), path.end(), name); it != path.end(); ++it) {
        cycle += *it + " -> ";
      }
      return Fail(Error::FailedPrecondition(fmt::format(
          "the tables' foreign keys form a cycle ({}{}), so no order of copying keeps every "
          "reference valid",
          cycle, name)));
    }
    marks[name] = Mark::kOnPath;
    path.push_back(name);
    for (const std::string& parent : tables.at(name).referenced) {
      // A reference to a table SQLite does not have is left to PostgreSQL's own check.
      if (parent == name || !tables.contains(parent)) continue;
      RAPPORT_RETURN_IF_ERROR(visit(parent));
    }
    path.pop_back();
    marks[name] = Mark::kDone;
    order.push_back(name);
    return Ok();
  };
  for (const auto& [name, entry] : tables) RAPPORT_RETURN_IF_ERROR(visit(name));
  return order;
}

// --- The move -----------------------------------------------------------------------------------

// The schema version the database on `c` records; 0 when it has no migrations table yet.
Result<int> RecordedVersion(SqlConnection& c) {
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery exists,
        c.Prepare(c.dialect() == SqlDialect::kSqlite
                      ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                        "name = 'schema_migrations'"
                      : "SELECT count(*) FROM pg_catalog.pg_tables WHERE "
                        "schemaname = current_schema() AND tablename = 'schema_migrations'"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, exists.Step());
    if (!row || exists.Int(0) == 0) return 0;
  }
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                           c.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
  return row ? static_cast<int>(query.Int(0)) : 0;
}

int Newest(std::span<const SqlMigration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

// Refuses, before either database is touched, a move between databases that will not be at the
// same schema version once each is brought up to date.
Status SameSchemaVersion(const std::string& sqlite_path, const std::string& conninfo) {
  int sqlite_version = 0;
  int pg_version = 0;
  {
    RAPPORT_ASSIGN_OR_RETURN(auto sqlite,
                             SqliteConnection::Open(sqlite_path, SqlConnection::Mode::kReader));
    RAPPORT_ASSIGN_OR_RETURN(const int recorded, RecordedVersion(*sqlite));
    sqlite_version = std::max(recorded, Newest(SqliteMigrations()));
  }
  {
    RAPPORT_ASSIGN_OR_RETURN(auto postgres,
                             PgConnection::Open(conninfo, SqlConnection::Mode::kReader));
    RAPPORT_ASSIGN_OR_RETURN(const int recorded, RecordedVersion(*postgres));
    pg_version = std::max(recorded, Newest(PostgresMigrations()));
  }
  if (sqlite_version == pg_version) return Ok();
  return Fail(Error::FailedPrecondition(fmt::format(
      "the SQLite database is at schema version {} and the PostgreSQL database would be at {}: a "
      "clinic moves only between databases at the same version",
      sqlite_version, pg_version)));
}

// The key file `to_path` must hold the key of `from_path`: what was sealed under one must open
// under the other. `what` names the key and `why` what it seals.
Status SameKey(const std::string& from_path, const std::string& to_path, std::string_view what,
               std::string_view why) {
  if (to_path == from_path) return Ok();
  std::error_code ignored;
  if (!std::filesystem::exists(to_path, ignored)) {
    return Fail(Error::InvalidArgument(
        fmt::format("the {} key file {} does not exist: the PostgreSQL database needs the SQLite "
                    "database's own ({}), since {}",
                    what, to_path, from_path, why)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string from_key, LoadOrCreateKeyFile(from_path));
  RAPPORT_ASSIGN_OR_RETURN(const std::string to_key, LoadOrCreateKeyFile(to_path));
  if (from_key == to_key) return Ok();
  return Fail(Error::InvalidArgument(
      fmt::format("the {} key file {} holds another key than the SQLite database's ({}), "
                  "since {}",
                  what, to_path, from_path, why)));
}

// The tables of `tables` that hold any row beyond what the migrations seeded.
Result<std::vector<std::string>> TablesHoldingRows(SqlConnection& postgres,
                                                   std::span<const MoveTable> tables) {
  std::vector<std::string> holding;
  for (const MoveTable& table : tables) {
    std::string condition;
    for (const SeededRows& seeded : kSeeded) {
      if (seeded.table == table.name) condition = fmt::format(" WHERE NOT ({})", seeded.condition);
    }
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                             postgres.Prepare(fmt::format("SELECT EXISTS (SELECT 1 FROM {}{})",
                                                          Quoted(table.name), condition)));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (row && query.Bool(0)) holding.push_back(table.name);
  }
  return holding;
}

std::string InsertSql(const MoveTable& table, std::size_t rows) {
  std::string values = "(";
  for (std::size_t i = 0; i < table.columns.size(); ++i) values += i == 0 ? "?" : ", ?";
  values += ")";
  std::string sql =
      fmt::format("INSERT INTO {} ({}) VALUES ", Quoted(table.name), ColumnList(table));
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ", ";
    sql += values;
  }
  return sql;
}

// Copies every row of `table` from SQLite to PostgreSQL, a batch of rows per INSERT, naming the
// columns so that PostgreSQL numbers its own `rowid` in SQLite's order.
Status CopyTable(SqlConnection& sqlite, SqlConnection& postgres, const MoveTable& table) {
  const std::size_t width = table.columns.size();
  const std::size_t batch = std::clamp<std::size_t>(kMaxParameters / width, 1, kInsertRows);
  std::vector<Cell> cells;
  cells.reserve(batch * width);
  const auto write = [&]() -> Status {
    if (cells.empty()) return Ok();
    const std::size_t rows = cells.size() / width;
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery insert, postgres.Prepare(InsertSql(table, rows)));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      BindCell(insert, cells[i], table.columns[i % width].type);
    }
    RAPPORT_ASSIGN_OR_RETURN(const int changed, insert.Run());
    if (static_cast<std::size_t>(changed) != rows) {
      return Fail(Error::Internal(fmt::format("{} of {} rows were written", changed, rows)));
    }
    cells.clear();
    return Ok();
  };
  // In the order the rows were written (a WITHOUT ROWID table has no such order: its key's).
  const std::string select = fmt::format(
      "SELECT {} FROM {} ORDER BY {}", ColumnList(table), Quoted(table.name),
      table.without_rowid ? OrderBy(table, table.order, SqlDialect::kSqlite) : std::string(kRowid));
  Status done = ForEachRow(sqlite, select, [&](const SqlQuery& query) -> Status {
    for (std::size_t i = 0; i < width; ++i) {
      cells.push_back(ReadCell(query, static_cast<int>(i), table.columns[i].type));
    }
    return cells.size() >= batch * width ? write() : Ok();
  });
  if (done) done = write();
  if (!done) {
    // The source holds what PostgreSQL refuses (a value it does not allow, a reference it cannot
    // follow): the state of the data, not the caller's input.
    Error error = done.error();
    if (error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kAlreadyExists) {
      error = Error::FailedPrecondition(fmt::format("PostgreSQL refused a row: {}", error.message));
    }
    return Fail(InTable(table.name, error));
  }
  return Ok();
}

// Moves every identity column's sequence past the highest number copied, so that the next record
// written gets a new number. `rowid`, GENERATED ALWAYS, numbered the copied rows itself.
Status SetIdentitiesPastCopiedIds(SqlConnection& postgres, const std::set<std::string>& copied) {
  std::vector<std::pair<std::string, std::string>> identities;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery query,
        postgres.Prepare("SELECT table_name, column_name FROM information_schema.columns "
                         "WHERE table_schema = current_schema() AND is_identity = 'YES' AND "
                         "identity_generation = 'BY DEFAULT' ORDER BY table_name, column_name"));
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
      if (!more) break;
      identities.emplace_back(query.Text(0), query.Text(1));
    }
  }
  for (const auto& [table, column] : identities) {
    if (!copied.contains(table) || !IsPlainName(column)) continue;
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery query,
        postgres.Prepare(fmt::format("SELECT setval(pg_get_serial_sequence('{}', '{}'), "
                                     "coalesce(max({}), 0) + 1, false) FROM {}",
                                     table, column, Quoted(column), Quoted(table))));
    const Result<bool> set = query.Step();
    if (!set) return Fail(InTable(table, set.error()));
  }
  return Ok();
}

std::string Joined(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// The first few of `names`, and how many more: enough to see what a database holds.
std::string Shortened(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 5;
  if (names.size() <= kShown) return Joined(names);
  return fmt::format("{} and {} more tables",
                     Joined(std::vector<std::string>(names.begin(), names.begin() + kShown)),
                     names.size() - kShown);
}

// Ends an open transaction when the move leaves by any path; after COMMIT there is none.
class RollbackOnExit {
 public:
  explicit RollbackOnExit(SqlConnection& connection) : connection_(connection) {}
  RollbackOnExit(const RollbackOnExit&) = delete;
  RollbackOnExit& operator=(const RollbackOnExit&) = delete;
  ~RollbackOnExit() { connection_.RollbackIfOpen(); }

 private:
  SqlConnection& connection_;
};

// The copy and its verification, in one PostgreSQL transaction that commits only when every
// table reads back the same.
Result<MoveReport> CopyAndVerify(SqlConnection& sqlite, SqlConnection& postgres,
                                 int schema_version) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<MoveTable> tables, ReadMoveTables(sqlite, postgres));

  // One snapshot of SQLite for the copy and its check; the writers' lock of PostgreSQL, so that no
  // app server of that database writes meanwhile.
  RAPPORT_RETURN_IF_ERROR(sqlite.BeginRead());
  RollbackOnExit end_read{sqlite};
  RAPPORT_RETURN_IF_ERROR(postgres.BeginWrite());
  RollbackOnExit undo{postgres};

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<std::string> holding,
                           TablesHoldingRows(postgres, tables));
  if (!holding.empty()) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "the PostgreSQL database already holds data (in {}): a clinic moves only into an empty "
        "database",
        Shortened(holding))));
  }

  // The project's own triggers keep derived tables (response_series, clinic_ended_episodes) and
  // guard append-only ones: the derived tables are copied as they are, so the triggers rest while
  // the rows go in. Foreign keys stay checked (they are not user triggers).
  std::string disable;
  std::string enable;
  for (const MoveTable& table : tables) {
    disable += fmt::format("ALTER TABLE {} DISABLE TRIGGER USER; ", Quoted(table.name));
    enable += fmt::format("ALTER TABLE {} ENABLE TRIGGER USER; ", Quoted(table.name));
  }
  RAPPORT_RETURN_IF_ERROR(postgres.Exec(disable));
  for (const SeededRows& seeded : kSeeded) {
    RAPPORT_RETURN_IF_ERROR(postgres.Exec(fmt::format("DELETE FROM {}", Quoted(seeded.table))));
  }

  std::set<std::string> copied;
  for (const MoveTable& table : tables) {
    RAPPORT_RETURN_IF_ERROR(CopyTable(sqlite, postgres, table));
    copied.insert(table.name);
  }
  RAPPORT_RETURN_IF_ERROR(SetIdentitiesPastCopiedIds(postgres, copied));
  RAPPORT_RETURN_IF_ERROR(postgres.Exec(enable));

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<TableHash> from, HashTables(sqlite, tables));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<TableHash> to, HashTables(postgres, tables));
  MoveReport report;
  report.schema_version = schema_version;
  std::vector<std::string> differing;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    report.tables.push_back(
        TableCopy{tables[i].name, from[i].rows, to[i].rows, from[i].hash, to[i].hash});
    if (from[i].rows != to[i].rows || from[i].hash != to[i].hash) {
      differing.push_back(tables[i].name);
    }
  }
  if (!differing.empty()) {
    return Fail(Error::Internal(fmt::format(
        "the PostgreSQL database reads back different from the SQLite one in {}; nothing was "
        "moved",
        Joined(differing))));
  }
  RAPPORT_RETURN_IF_ERROR(postgres.Exec("COMMIT"));
  return report;
}

}  // namespace

Result<std::vector<MoveTable>> ReadMoveTables(SqlConnection& sqlite, SqlConnection& postgres) {
  // (A map's type has a comma, which the macro would take for two arguments.)
  RAPPORT_ASSIGN_OR_RETURN(auto sqlite_tables, ReadSqliteCatalog(sqlite));
  RAPPORT_ASSIGN_OR_RETURN(auto pg_tables, ReadPgCatalog(postgres));

  for (const auto& [name, columns] : pg_tables) {
    if (name != kMigrationsTable && !sqlite_tables.contains(name)) {
      return Fail(Error::FailedPrecondition(
          fmt::format("the PostgreSQL database has a table {} that the SQLite one has not", name)));
    }
  }
  for (auto& [name, entry] : sqlite_tables) {
    const auto found = pg_tables.find(name);
    if (found == pg_tables.end()) {
      return Fail(Error::FailedPrecondition(
          fmt::format("the SQLite database has a table {} that the PostgreSQL one has not", name)));
    }
    std::map<std::string, PgColumn> pg_columns(found->second.begin(), found->second.end());
    for (const MoveColumn& column : entry.table.columns) {
      const auto pg_column = pg_columns.find(column.name);
      if (pg_column == pg_columns.end()) {
        return Fail(Error::FailedPrecondition(
            fmt::format("the PostgreSQL table {} has no column {}", name, column.name)));
      }
      if (!Compatible(column.type, pg_column->second.data_type)) {
        return Fail(Error::FailedPrecondition(
            fmt::format("the column {}.{} is {} in SQLite but {} in PostgreSQL", name, column.name,
                        SqliteTypeName(column.type), pg_column->second.data_type)));
      }
      pg_columns.erase(pg_column);
    }
    // PostgreSQL may add only the column that numbers rows in SQLite's order, which it fills
    // itself.
    bool pg_rowid = false;
    for (const auto& [column, shape] : pg_columns) {
      if (column == kRowid && shape.identity_generation == "ALWAYS") {
        pg_rowid = true;
        continue;
      }
      return Fail(Error::FailedPrecondition(fmt::format(
          "the PostgreSQL table {} has a column {} that the SQLite one has not", name, column)));
    }
    if (pg_rowid && !entry.table.without_rowid) {
      entry.table.order = {std::string(kRowid)};
    } else if (!entry.key.empty()) {
      entry.table.order = entry.key;
    } else {
      for (const MoveColumn& column : entry.table.columns) entry.table.order.push_back(column.name);
    }
  }

  RAPPORT_ASSIGN_OR_RETURN(const std::vector<std::string> order, ParentsFirst(sqlite_tables));
  std::vector<MoveTable> tables;
  tables.reserve(order.size());
  for (const std::string& name : order) tables.push_back(std::move(sqlite_tables.at(name).table));
  return tables;
}

Result<std::vector<TableHash>> HashTables(SqlConnection& connection,
                                          std::span<const MoveTable> tables) {
  if (!connection.InAutocommit()) return HashEach(connection, tables);
  // One snapshot for every table: SQLite's read transaction is one; PostgreSQL's writer reads in
  // read committed, so the transaction asks for repeatable read itself.
  RAPPORT_RETURN_IF_ERROR(connection.dialect() == SqlDialect::kSqlite
                              ? connection.BeginRead()
                              : connection.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Result<std::vector<TableHash>> hashes = HashEach(connection, tables);
  connection.RollbackIfOpen();  // it only read
  return hashes;
}

Result<MoveReport> MoveSqliteToPostgres(const SqliteStoreOptions& from,
                                        const PostgresStoreOptions& to) {
  if (from.path.empty() || from.path == ":memory:" || from.path.starts_with("file:")) {
    return Fail(Error::InvalidArgument("the SQLite database must be a file path"));
  }
  if (to.conninfo.empty()) {
    return Fail(Error::InvalidArgument("the PostgreSQL database needs a connection string"));
  }
  if (to.audit_key_path.empty() || to.message_key_path.empty()) {
    return Fail(Error::InvalidArgument(
        "the PostgreSQL database needs the paths of its audit and message key files"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string to_master, MasterKeyPath(to));
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(from.path, ignored)) {
    return Fail(Error::Unavailable(fmt::format("there is no SQLite database at {}", from.path)));
  }
  RAPPORT_RETURN_IF_ERROR(SameSchemaVersion(from.path, to.conninfo));

  SqliteStoreOptions source = from;
  if (source.audit_key_path.empty()) source.audit_key_path = from.path + ".audit-key";
  if (source.message_key_path.empty()) source.message_key_path = from.path + ".message-key";
  if (source.master_key_path.empty()) source.master_key_path = from.path + ".master-key";
  source.read_connections = 1;
  int sqlite_version = 0;
  {
    RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<SqlStore> store, SqlStore::Open(source));
    sqlite_version = store->SchemaVersion();
  }
  RAPPORT_RETURN_IF_ERROR(SameKey(source.audit_key_path, to.audit_key_path, "audit",
                                  "the audit chain is sealed with it"));
  RAPPORT_RETURN_IF_ERROR(SameKey(source.message_key_path, to.message_key_path, "message",
                                  "the words of secure messages are sealed with it"));
  RAPPORT_RETURN_IF_ERROR(SameKey(source.master_key_path, to_master, "master",
                                  "the data keys that seal the clinic's free text are wrapped "
                                  "under it, and are copied as they are"));
  PostgresStoreOptions target = to;
  target.master_key_path = to_master;
  target.read_connections = 1;
  int pg_version = 0;
  {
    RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<SqlStore> store, SqlStore::Open(target));
    pg_version = store->SchemaVersion();
  }
  if (sqlite_version != pg_version) {
    return Fail(Error::FailedPrecondition(
        fmt::format("the SQLite database is at schema version {} and the PostgreSQL database at "
                    "{}: a clinic moves only between databases at the same version",
                    sqlite_version, pg_version)));
  }

  RAPPORT_ASSIGN_OR_RETURN(auto sqlite,
                           SqliteConnection::Open(from.path, SqlConnection::Mode::kReader));
  RAPPORT_ASSIGN_OR_RETURN(auto postgres,
                           PgConnection::Open(to.conninfo, SqlConnection::Mode::kWriter));
  return CopyAndVerify(*sqlite, *postgres, sqlite_version);
}

}  // namespace rapport
