#pragma once
// The one seam between the store's SQL (store/sql/) and a database engine (store/sqlite/,
// store/postgres/): a connection that runs statements, and a query that binds parameters in
// order and reads the rows back. The store's queries are written once, in the SQL both engines
// share; a backend adapts what little differs (PostgreSQL's $N placeholders, how a write
// transaction begins) and maps its own failures to the store's errors.
//
// A SqlConnection is used by one thread at a time; the store hands each to a single thread
// through its writer or its read pool. A SqlQuery borrows a statement cached by its connection
// and resets it when it goes away, so it must not outlive the connection, and one statement text
// is run by one query at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace rapport {

// The message a foreign key failure carries until the caller names what was missing
// (see NameMissingReference).
inline constexpr std::string_view kMissingReferenceMessage =
    "refers to a record that does not exist";

// Replaces the generic foreign key message of `error` by `message` (for example "clinic does not
// exist"); other errors pass unchanged.
Error NameMissingReference(Error error, std::string_view message);

// The type a NULL parameter would have had: PostgreSQL types every parameter.
enum class SqlType : std::uint8_t { kInt, kDouble, kText };

// One prepared statement of a backend. Parameters are bound in order, from the first.
class SqlStatement {
 public:
  virtual ~SqlStatement() = default;
  virtual void BindInt(std::int64_t value) = 0;
  virtual void BindDouble(double value) = 0;
  virtual void BindText(std::string_view value) = 0;  // copied; "" is '' and never NULL
  virtual void BindNull(SqlType type) = 0;
  // Advances: true when a row is ready to read, false when the statement is done. The first
  // call runs the statement; a failed bind is reported here.
  virtual Result<bool> Step() = 0;
  // How many rows the statement changed, once it is done.
  virtual int Changes() const = 0;
  // Columns of the current row, from 0. NULL reads as 0, 0.0 or "".
  virtual std::int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  // Forgets bindings and rows, ready to run again.
  virtual void Reset() = 0;
};

class SqlQuery {
 public:
  explicit SqlQuery(SqlStatement* statement) : statement_(statement) {}
  SqlQuery(SqlQuery&& other) noexcept : statement_(std::exchange(other.statement_, nullptr)) {}
  SqlQuery& operator=(SqlQuery&&) = delete;
  SqlQuery(const SqlQuery&) = delete;
  SqlQuery& operator=(const SqlQuery&) = delete;
  ~SqlQuery() {
    if (statement_ != nullptr) statement_->Reset();
  }

  // Bind the next parameter (`?`, or `?N` in order) in order.
  SqlQuery& Bind(std::int64_t value) {
    statement_->BindInt(value);
    return *this;
  }
  SqlQuery& Bind(int value) { return Bind(static_cast<std::int64_t>(value)); }
  SqlQuery& Bind(bool value) { return Bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  SqlQuery& Bind(std::string_view value) {
    statement_->BindText(value);
    return *this;
  }
  SqlQuery& Bind(const std::string& value) { return Bind(std::string_view(value)); }
  SqlQuery& Bind(const char* value) { return Bind(std::string_view(value)); }
  SqlQuery& Bind(double value) {
    statement_->BindDouble(value);
    return *this;
  }
  SqlQuery& Bind(const std::optional<std::int64_t>& value) {  // nullopt binds NULL
    if (value) return Bind(*value);
    statement_->BindNull(SqlType::kInt);
    return *this;
  }
  SqlQuery& Bind(const std::optional<std::string>& value) {  // nullopt binds NULL
    if (value) return Bind(std::string_view(*value));
    statement_->BindNull(SqlType::kText);
    return *this;
  }
  SqlQuery& Bind(const std::optional<double>& value) {  // nullopt binds NULL
    if (value) return Bind(*value);
    statement_->BindNull(SqlType::kDouble);
    return *this;
  }

  // Advances: true when a row is ready to read, false when the statement is done.
  Result<bool> Step() { return statement_->Step(); }
  // Runs the statement to completion and returns how many rows it changed.
  Result<int> Run();
  // Runs an INSERT ... RETURNING id and returns the id.
  Result<std::int64_t> RunReturningId();

  // Columns of the current row, from 0. NULL reads as 0, "" or nullopt.
  std::int64_t Int(int column) const { return statement_->Int(column); }
  bool Bool(int column) const { return Int(column) != 0; }
  std::string Text(int column) const { return statement_->Text(column); }
  std::optional<std::string> OptionalText(int column) const {
    if (statement_->IsNull(column)) return std::nullopt;
    return Text(column);
  }
  std::optional<std::int64_t> OptionalInt(int column) const {
    if (statement_->IsNull(column)) return std::nullopt;
    return Int(column);
  }
  double Double(int column) const { return statement_->Double(column); }
  std::optional<double> OptionalDouble(int column) const {
    if (statement_->IsNull(column)) return std::nullopt;
    return Double(column);
  }

 private:
  SqlStatement* statement_;
};

enum class SqlDialect : std::uint8_t { kSqlite, kPostgres };

class SqlConnection {
 public:
  enum class Mode : std::uint8_t { kWriter, kReader };

  SqlConnection() = default;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const = 0;
  // Runs one or more statements that return no rows needed (settings, DDL, COMMIT).
  virtual Status Exec(std::string_view sql) = 0;
  // A statement prepared once per connection and cached for its lifetime.
  virtual Result<SqlQuery> Prepare(std::string_view sql) = 0;
  // Opens the transaction of one batch of writes, holding the database's write lock from the
  // start, so that a batch never fails half way for want of it.
  virtual Status BeginWrite() = 0;
  // Opens a read transaction: every query until it ends sees one snapshot.
  virtual Status BeginRead() = 0;
  // Ends an open transaction, discarding its work. Used on paths that already report an error,
  // so its own failure is not returned.
  virtual void RollbackIfOpen() = 0;
  // True when no transaction is open (an engine may end one by itself on some errors).
  virtual bool InAutocommit() const = 0;
  // Rows changed through this connection since it opened.
  virtual std::int64_t TotalChanges() const = 0;
  // The value of one of the engine's settings, by bare name (PRAGMA or SHOW).
  virtual Result<std::string> Setting(std::string_view name) = 0;
};

}  // namespace rapport
