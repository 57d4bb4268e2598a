#pragma once
// Moving a clinic from its SQLite file to a PostgreSQL database (`rapport migrate --from
// sqlite:PATH --to postgresql://...`), for a practice that grows from one app server to several.
// Every table is copied row for row in one PostgreSQL transaction, then both databases are read
// back table by table (row counts and content hashes) before that transaction commits, so a move
// either arrives whole and verified or leaves the PostgreSQL database as it was. The SQLite file is
// only read (after being brought to the newest schema, as every command does).
//
// The audit chain is copied as it is, sealed with the SQLite database's audit key: the PostgreSQL
// database must be given the same key file, the same message key file (which sealed the words of
// secure messages before migration 0027) and the same master key file, which wraps the data keys
// (copied as they are, like every sealed text). Verifying the chain itself is the caller's
// (service/audit_service.h), once the move has returned.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/postgres/pg_store.h"
#include "store/sql/sql_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {

// A column as the move reads, writes and hashes it: by its declared SQLite type (TEXT, INTEGER,
// REAL; a BLOB, which the schema has none of, as text).
struct MoveColumn {
  std::string name;
  SqlType type = SqlType::kText;
};

// One table of the schema both engines share, as SQLite's catalog describes it and checked
// against PostgreSQL's.
struct MoveTable {
  std::string name;
  std::vector<MoveColumn> columns;  // SQLite's, in order (PostgreSQL may add a `rowid`)
  bool without_rowid = false;       // a SQLite WITHOUT ROWID table: copied in primary key order
  // The columns both engines order the rows by when they are hashed: `rowid` where PostgreSQL
  // keeps SQLite's order of insertion in a column of that name (episode_instruments, whose
  // assignments are listed in the order they were made), otherwise the primary key.
  std::vector<std::string> order;
};

// The tables of the SQLite database on `sqlite` (all but SQLite's own and schema_migrations),
// each after the tables its foreign keys refer to, so that copying them in this order keeps every
// reference valid. kFailedPrecondition with a clear message when PostgreSQL's tables or columns
// (on `postgres`) are not SQLite's, a column's type is not one the move knows, or the foreign
// keys form a cycle.
Result<std::vector<MoveTable>> ReadMoveTables(SqlConnection& sqlite, SqlConnection& postgres);

// What one table holds, read back on one engine.
struct TableHash {
  std::string table;
  std::int64_t rows = 0;
  // BLAKE2b-256 (lower-case hex) over the table's canonical text, in blocks of about 1 MiB:
  // hash = Blake2b256Hex(hash + block) for each block, from "" (an empty table hashes one empty
  // block). The canonical text is every row in `order`, each value written the same way on both
  // engines: NULL as "N", else a type letter (I integer, R real, T text), the length of the
  // value's text in decimal, ':' and the text (an integer in decimal, a real as fmt's "{}" of the
  // double, text as its bytes); each row ends with '\n'. Memory stays bounded however big the
  // table: rows are streamed (on PostgreSQL through a cursor).
  std::string hash;
};

// Counts and hashes `tables` on `connection`, in one snapshot: inside the transaction open on it,
// or else in a read transaction of its own.
Result<std::vector<TableHash>> HashTables(SqlConnection& connection,
                                          std::span<const MoveTable> tables);

// One table of a move: what SQLite holds and what PostgreSQL now holds.
struct TableCopy {
  std::string table;
  std::int64_t rows_from = 0;
  std::int64_t rows_to = 0;
  std::string hash_from;
  std::string hash_to;
};

struct MoveReport {
  int schema_version = 0;
  std::vector<TableCopy> tables;  // in the order they were copied
};

// Copies every row of the SQLite store at `from` into the PostgreSQL database `to`, which must
// hold no clinic (it is migrated first; a new database's own seeded rows count as empty), then
// verifies every table before committing. Both stores are opened once through SqlStore::Open
// (which migrates them and makes sure their key files exist) and closed again; the copy uses
// connections of their own. `to` must name the same audit, message and master keys as `from` (the
// same paths, or files holding the same keys).
//
// kInvalidArgument for a bad option (no path, no connection string, no key paths, keys that are
// not the source's); kUnavailable when either database cannot be opened (the SQLite file does not
// exist, the server cannot be reached); kFailedPrecondition when the target already holds rows,
// the two schema versions differ or the schemas do not match; kInternal, naming the tables, when
// a table reads back different on PostgreSQL. On any failure the PostgreSQL transaction is rolled
// back.
Result<MoveReport> MoveSqliteToPostgres(const SqliteStoreOptions& from,
                                        const PostgresStoreOptions& to);

}  // namespace rapport
