#include "store/sql/table_digest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "core/crypto.h"

namespace rapport {

namespace {

// The hash is chained over blocks of canonical text of about this size.
constexpr std::size_t kHashBlockBytes = std::size_t{1} << 20;
// PostgreSQL hands a statement's whole result over at once: rows are read through a cursor this
// many at a time.
constexpr int kFetchRows = 1000;
constexpr std::string_view kCursor = "rapport_digest_rows";

struct Column {
  std::string name;
  SqlType type = SqlType::kText;
};

struct Table {
  std::string name;
  std::vector<Column> columns;   // in the table's order
  std::vector<std::string> key;  // the primary key's columns, in key order; empty when none
};

// Names are written into SQL text: only the plain lower-case names the schema uses pass.
bool IsPlainName(std::string_view name) {
  return !name.empty() && !(name.front() >= '0' && name.front() <= '9') &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

Status RequirePlain(std::string_view name, std::string_view what) {
  if (IsPlainName(name)) return Ok();
  return Fail(Error::FailedPrecondition(
      fmt::format("the database has a {} named '{}', which the digest cannot read", what, name)));
}

std::string Quoted(std::string_view name) {
  return fmt::format("\"{}\"", name);
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  });
  return text;
}

// SQLite's rules of type affinity, by the declared type.
SqlType SqliteType(const std::string& declared) {
  const std::string type = Upper(declared);
  if (type.find("INT") != std::string::npos) return SqlType::kInt;
  if (type.find("REAL") != std::string::npos || type.find("FLOA") != std::string::npos ||
      type.find("DOUB") != std::string::npos) {
    return SqlType::kDouble;
  }
  return SqlType::kText;
}

SqlType PostgresType(std::string_view data_type) {
  if (data_type == "bigint" || data_type == "integer" || data_type == "smallint") {
    return SqlType::kInt;
  }
  if (data_type == "double precision" || data_type == "real") return SqlType::kDouble;
  return SqlType::kText;
}

// Runs `sql` on `c` and hands each row to `row`.
Status EachRow(SqlConnection& c, std::string_view sql,
               const std::function<Status(const SqlQuery&)>& row) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, c.Prepare(sql));
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
    if (!more) return Ok();
    RAPPORT_RETURN_IF_ERROR(row(query));
  }
}

Result<std::vector<Table>> SqliteTables(SqlConnection& c) {
  std::vector<Table> tables;
  RAPPORT_RETURN_IF_ERROR(
      EachRow(c,
              "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND "
              "name NOT LIKE 'sqlite!_%' ESCAPE '!'",
              [&](const SqlQuery& row) -> Status {
                tables.push_back(Table{row.Text(0), {}, {}});
                return Ok();
              }));
  for (Table& table : tables) {
    RAPPORT_RETURN_IF_ERROR(RequirePlain(table.name, "table"));
    std::vector<std::pair<std::int64_t, std::string>> key;
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery query, c.Prepare("SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid"));
    query.Bind(table.name);
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool more, query.Step());
      if (!more) break;
      table.columns.push_back(Column{query.Text(0), SqliteType(query.Text(1))});
      if (query.Int(2) > 0) key.emplace_back(query.Int(2), query.Text(0));
    }
    std::sort(key.begin(), key.end());
    for (auto& [position, column] : key) table.key.push_back(std::move(column));
  }
  return tables;
}

Result<std::vector<Table>> PostgresTables(SqlConnection& c) {
  std::map<std::string, Table> tables;
  RAPPORT_RETURN_IF_ERROR(
      EachRow(c,
              "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
              "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND "
              "t.table_name = c.table_name WHERE c.table_schema = current_schema() AND "
              "t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
              [&](const SqlQuery& row) -> Status {
                Table& table = tables[row.Text(0)];
                table.name = row.Text(0);
                table.columns.push_back(Column{row.Text(1), PostgresType(row.Text(2))});
                return Ok();
              }));
  RAPPORT_RETURN_IF_ERROR(EachRow(
      c,
      "SELECT k.table_name, k.column_name FROM information_schema.table_constraints t "
      "JOIN information_schema.key_column_usage k ON k.constraint_schema = t.constraint_schema "
      "AND k.constraint_name = t.constraint_name AND k.table_name = t.table_name "
      "WHERE t.table_schema = current_schema() AND t.constraint_type = 'PRIMARY KEY' "
      "ORDER BY k.table_name, k.ordinal_position",
      [&](const SqlQuery& row) -> Status {
        if (const auto it = tables.find(row.Text(0)); it != tables.end()) {
          it->second.key.push_back(row.Text(1));
        }
        return Ok();
      }));
  std::vector<Table> list;
  list.reserve(tables.size());
  for (auto& [name, table] : tables) {
    RAPPORT_RETURN_IF_ERROR(RequirePlain(name, "table"));
    list.push_back(std::move(table));
  }
  return list;
}

std::optional<SqlType> TypeOf(const Table& table, std::string_view column) {
  for (const Column& c : table.columns) {
    if (c.name == column) return c.type;
  }
  return std::nullopt;
}

// The rows' order: the primary key, or every column for a table without one.
std::string OrderBy(const Table& table, SqlDialect dialect) {
  std::vector<std::string> columns = table.key;
  if (columns.empty()) {
    for (const Column& column : table.columns) columns.push_back(column.name);
  }
  return SameOrderOnBothEngines(
      columns, [&](std::string_view name) { return TypeOf(table, name) == SqlType::kText; },
      dialect);
}

// Runs `select` and hands each row to `row`, streaming: SQLite steps through its result;
// PostgreSQL reads it through a cursor kFetchRows at a time, inside the open transaction.
Status StreamRows(SqlConnection& c, const std::string& select,
                  const std::function<Status(const SqlQuery&)>& row) {
  if (c.dialect() == SqlDialect::kSqlite) return EachRow(c, select, row);
  RAPPORT_RETURN_IF_ERROR(
      c.Exec(fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", kCursor, select)));
  const std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", kFetchRows, kCursor);
  const auto read_all = [&]() -> Status {
    for (;;) {
      int fetched = 0;
      RAPPORT_RETURN_IF_ERROR(EachRow(c, fetch, [&](const SqlQuery& query) -> Status {
        ++fetched;
        return row(query);
      }));
      if (fetched < kFetchRows) return Ok();
    }
  };
  const Status read = read_all();
  // Closed on every path, so that the next table can declare it again.
  const Status closed = c.Exec(fmt::format("CLOSE {}", kCursor));
  return read ? closed : read;
}

Result<TableDigest> DigestTable(SqlConnection& c, const Table& table) {
  TableDigest digest;
  digest.table = table.name;
  std::string columns;
  for (const Column& column : table.columns) {
    RAPPORT_RETURN_IF_ERROR(RequirePlain(column.name, "column"));
    columns += (columns.empty() ? "" : ", ") + Quoted(column.name);
  }
  const std::string select = fmt::format("SELECT {} FROM {} ORDER BY {}", columns,
                                         Quoted(table.name), OrderBy(table, c.dialect()));
  TableHasher hasher;
  const Status read = StreamRows(c, select, [&](const SqlQuery& query) -> Status {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      hasher.Add(query, static_cast<int>(i), table.columns[i].type);
    }
    hasher.EndRow();
    return Ok();
  });
  if (!read) {
    return Fail(Error{
        read.error().code, fmt::format("table {}: {}", table.name, read.error().message), {}});
  }
  digest.rows = hasher.rows();
  digest.hash = hasher.Finish();
  return digest;
}

Result<std::vector<TableDigest>> DigestEach(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(std::vector<Table> tables, c.dialect() == SqlDialect::kSqlite
                                                          ? SqliteTables(c)
                                                          : PostgresTables(c));
  std::sort(tables.begin(), tables.end(),
            [](const Table& a, const Table& b) { return a.name < b.name; });
  std::vector<TableDigest> digests;
  digests.reserve(tables.size());
  for (const Table& table : tables) {
    RAPPORT_ASSIGN_OR_RETURN(TableDigest digest, DigestTable(c, table));
    digests.push_back(std::move(digest));
  }
  return digests;
}

bool HasTable(std::span<const TableDigest> tables, std::string_view name) {
  return std::any_of(tables.begin(), tables.end(),
                     [&](const TableDigest& t) { return t.table == name; });
}

Result<DatabaseDigest> DigestWhole(SqlConnection& c) {
  DatabaseDigest digest;
  RAPPORT_ASSIGN_OR_RETURN(digest.tables, DigestEach(c));
  for (const std::string_view needed : {"schema_migrations", "audit"}) {
    if (!HasTable(digest.tables, needed)) {
      return Fail(Error::FailedPrecondition(
          fmt::format("it is not a Rapport database: it has no {} table", needed)));
    }
  }
  for (const TableDigest& table : digest.tables) digest.rows += table.rows;
  digest.content_hash = ContentHash(digest.tables);
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                             c.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    digest.schema_version = row ? static_cast<int>(query.Int(0)) : 0;
  }
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                             c.Prepare("SELECT count(*), coalesce(max(seq), 0) FROM audit"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (row) {
      digest.audit_entries = query.Int(0);
      digest.audit_head_seq = query.Int(1);
    }
  }
  if (digest.audit_head_seq > 0) {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, c.Prepare("SELECT hash FROM audit WHERE seq = ?"));
    query.Bind(digest.audit_head_seq);
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (row) digest.audit_head_hash = query.Text(0);
  }
  return digest;
}

// Runs `read` in one snapshot: the transaction open on `c`, or a read transaction of its own
// (PostgreSQL: repeatable read, since a writer's connection reads in read committed).
template <typename T>
Result<T> InOneSnapshot(SqlConnection& c, const std::function<Result<T>(SqlConnection&)>& read) {
  if (!c.InAutocommit()) return read(c);
  RAPPORT_RETURN_IF_ERROR(c.dialect() == SqlDialect::kSqlite
                              ? c.BeginRead()
                              : c.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Result<T> result = read(c);
  c.RollbackIfOpen();  // it only read
  return result;
}

}  // namespace

void TableHasher::Add(const SqlQuery& query, int i, SqlType type) {
  if (!query.OptionalInt(i)) {
    block_ += 'N';
    return;
  }
  char tag = 'T';
  std::string text;
  switch (type) {
    case SqlType::kInt:
      tag = 'I';
      text = fmt::format("{}", query.Int(i));
      break;
    case SqlType::kDouble:
      tag = 'R';
      text = fmt::format("{}", query.Double(i));
      break;
    case SqlType::kText: text = query.Text(i); break;
  }
  fmt::format_to(std::back_inserter(block_), "{}{}:", tag, text.size());
  block_ += text;
}

void TableHasher::EndRow() {
  block_ += '\n';
  ++rows_;
  if (block_.size() >= kHashBlockBytes) {
    hash_ = Blake2b256Hex(hash_ + block_);
    block_.clear();
  }
}

std::string TableHasher::Finish() {
  hash_ = Blake2b256Hex(hash_ + block_);
  block_.clear();
  return hash_;
}

Result<std::vector<TableDigest>> DigestTables(SqlConnection& c) {
  return InOneSnapshot<std::vector<TableDigest>>(c, DigestEach);
}

Result<DatabaseDigest> DigestDatabase(SqlConnection& c) {
  return InOneSnapshot<DatabaseDigest>(c, DigestWhole);
}

std::string ContentHash(std::span<const TableDigest> tables) {
  std::string text;
  for (const TableDigest& table : tables) {
    fmt::format_to(std::back_inserter(text), "{} {} {}\n", table.table, table.rows, table.hash);
  }
  return Blake2b256Hex(text);
}

std::vector<std::string> DifferingTables(std::span<const TableDigest> a,
                                         std::span<const TableDigest> b) {
  std::map<std::string, std::pair<const TableDigest*, const TableDigest*>> both;
  for (const TableDigest& table : a) both[table.table].first = &table;
  for (const TableDigest& table : b) both[table.table].second = &table;
  std::vector<std::string> differing;
  for (const auto& [name, pair] : both) {
    if (pair.first == nullptr || pair.second == nullptr || !(*pair.first == *pair.second)) {
      differing.push_back(name);
    }
  }
  return differing;
}

std::string SameOrderOnBothEngines(std::span<const std::string> columns,
                                   const std::function<bool(std::string_view)>& is_text,
                                   SqlDialect dialect) {
  std::string clause;
  for (const std::string& name : columns) {
    if (!clause.empty()) clause += ", ";
    clause += Quoted(name);
    if (dialect == SqlDialect::kPostgres) {
      if (is_text(name)) clause += " COLLATE \"C\"";
      clause += " NULLS FIRST";
    }
  }
  return clause;
}

}  // namespace rapport
