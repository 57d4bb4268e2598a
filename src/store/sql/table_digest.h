#pragma once
// What a database holds, read back table by table through one connection of either engine: each
// table's row count and a hash of its rows in primary key order, the schema version and the audit
// chain's head. `rapport backup` and `rapport restore` print it; the tests compare a backup with
// the database restored from it. Reads only; stateless.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// One table as it reads back.
struct TableDigest {
  std::string table;
  std::int64_t rows = 0;
  // BLAKE2b-256 (lower-case hex) over the table's canonical text, in blocks of about 1 MiB:
  // hash = Blake2b256Hex(hash + block) for each block, from "" (an empty table hashes one empty
  // block). The canonical text is every row in primary key order (every column's, in order, for a
  // table without one), each value written by the column's declared type: NULL as "N", else a
  // type letter (I integer, R real, T anything else), the length of the value's text in decimal,
  // ':' and the text (an integer in decimal, a real as fmt's "{}" of the double, any other value
  // as the engine's text of it); each row ends with '\n'. The same text as the move to PostgreSQL
  // hashes (store/move/store_move.h), so equal tables hash equal; text keys are ordered byte by
  // byte on both engines. Rows are streamed (on PostgreSQL through a cursor): memory stays
  // bounded however big the table.
  std::string hash;

  friend bool operator==(const TableDigest&, const TableDigest&) = default;
};

// Builds a TableDigest's hash (its canonical text, in blocks) from rows as they are read: each
// column of a row with Add, then EndRow; Finish once the last row is in. The move to PostgreSQL
// hashes its tables with it too, so that equal tables hash equal everywhere.
class TableHasher {
 public:
  // Column `i` of `query`'s current row, written as its declared `type` says.
  void Add(const SqlQuery& query, int i, SqlType type);
  void EndRow();
  std::int64_t rows() const { return rows_; }
  std::string Finish();

 private:
  std::string hash_;
  std::string block_;
  std::int64_t rows_ = 0;
};

// A whole database, read in one snapshot.
struct DatabaseDigest {
  int schema_version = 0;           // the highest step recorded in schema_migrations
  std::vector<TableDigest> tables;  // every table but the engine's own, by name (byte order)
  std::int64_t rows = 0;            // the rows of every table
  std::int64_t audit_entries = 0;   // rows of the audit chain
  std::int64_t audit_head_seq = 0;  // its last entry's seq; 0 for an empty chain
  std::string audit_head_hash;      // that entry's hash; empty for an empty chain
  // BLAKE2b-256 over every table's name, row count and hash, one line each in `tables`' order:
  // two databases have the same content hash exactly when every table digests the same.
  std::string content_hash;
};

// Every table of the database on `c` (SQLite: the main schema without SQLite's own tables;
// PostgreSQL: the current schema's base tables), digested in one snapshot: inside the transaction
// open on `c`, or else in a read transaction of its own. kFailedPrecondition for a table or column
// name the digest cannot write into SQL (anything but lower-case letters, digits and '_').
Result<std::vector<TableDigest>> DigestTables(SqlConnection& c);

// The tables' digests with the schema version and the audit chain's head, in one snapshot (as
// DigestTables). kFailedPrecondition, saying it is not a Rapport database, when the database has
// no schema_migrations or no audit table.
Result<DatabaseDigest> DigestDatabase(SqlConnection& c);

// The content hash of `tables` (see DatabaseDigest::content_hash).
std::string ContentHash(std::span<const TableDigest> tables);

// The names of the tables whose digests differ between `a` and `b`, those in only one of them
// included, in byte order.
std::vector<std::string> DifferingTables(std::span<const TableDigest> a,
                                         std::span<const TableDigest> b);

// ORDER BY over `columns`, the same on both engines: PostgreSQL compares text byte by byte
// (COLLATE "C"), as SQLite's BINARY collation does whatever the database's locale, and puts NULLs
// first, as SQLite does. `is_text(column)` says which columns hold text.
std::string SameOrderOnBothEngines(std::span<const std::string> columns,
                                   const std::function<bool(std::string_view)>& is_text,
                                   SqlDialect dialect);

}  // namespace rapport
