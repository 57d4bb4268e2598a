#include "store/postgres/pg_connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <postgres_ext.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rapport {

namespace {

// Type OIDs of PostgreSQL's built-in types (pg_type.dat), fixed since forever.
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextOid = 25;

constexpr std::string_view kValueNotAllowed = "a value is not allowed by the database";
// A transaction a failed statement aborted: COMMIT "succeeds" by rolling it all back.
constexpr std::string_view kCommitRolledBack =
    "database unavailable: the transaction failed and was undone";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// --- Translation --------------------------------------------------------------------------------

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Identifiers as PostgreSQL reads them: ASCII letters, `_` and any byte of a multi-byte UTF-8
// character start one; digits and `$` may follow.
bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentifierChar(char c) {
  return IsIdentifierStart(c) || IsDigit(c) || c == '$';
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

class Translator {
 public:
  explicit Translator(std::string_view sql) : sql_(sql) { out_.reserve(sql.size() + 16); }

  std::string Run() && {
    while (i_ < sql_.size()) {
      const char c = sql_[i_];
      const char next = i_ + 1 < sql_.size() ? sql_[i_ + 1] : '\0';
      if (c == '\'' || c == '"') {
        CopyQuoted(c);
      } else if (c == '-' && next == '-') {
        CopyLineComment();
      } else if (c == '/' && next == '*') {
        CopyBlockComment();
      } else if (c == '$' && DollarTagAt(i_) > 0) {
        CopyDollarQuoted();
      } else if (c == '?') {
        out_ += '$';
        out_ += TakePlaceholder(i_);
      } else if (IsIdentifierStart(c)) {
        CopyWord();
      } else {
        out_ += c;
        ++i_;
      }
    }
    return std::move(out_);
  }

 private:
  // 'it''s' and "a ""b""": the doubled quote is the only escape with standard strings.
  void CopyQuoted(char quote) {
    std::size_t j = i_ + 1;
    for (;;) {
      j = sql_.find(quote, j);
      if (j == std::string_view::npos) {
        j = sql_.size();
        break;
      }
      if (j + 1 < sql_.size() && sql_[j + 1] == quote) {
        j += 2;
        continue;
      }
      ++j;
      break;
    }
    CopyTo(j);
  }

  void CopyLineComment() {
    const std::size_t end = sql_.find('\n', i_);
    CopyTo(end == std::string_view::npos ? sql_.size() : end + 1);
  }

  // PostgreSQL's block comments nest.
  void CopyBlockComment() {
    std::size_t j = i_ + 2;
    int depth = 1;
    while (j < sql_.size() && depth > 0) {
      if (sql_[j] == '/' && j + 1 < sql_.size() && sql_[j + 1] == '*') {
        ++depth;
        j += 2;
      } else if (sql_[j] == '*' && j + 1 < sql_.size() && sql_[j + 1] == '/') {
        --depth;
        j += 2;
      } else {
        ++j;
      }
    }
    CopyTo(j);
  }

  // The length of a dollar-quote tag ($$ or $tag$) starting at `at`, or 0 when there is none
  // (a `$` inside a word, or `$1`).
  std::size_t DollarTagAt(std::size_t at) const {
    if (at > 0 && IsIdentifierChar(sql_[at - 1])) return 0;
    std::size_t j = at + 1;
    if (j < sql_.size() && IsDigit(sql_[j])) return 0;
    while (j < sql_.size() && sql_[j] != '$' && IsIdentifierChar(sql_[j])) ++j;
    if (j >= sql_.size() || sql_[j] != '$') return 0;
    return j - at + 1;
  }

  void CopyDollarQuoted() {
    const std::string_view tag = sql_.substr(i_, DollarTagAt(i_));
    const std::size_t close = sql_.find(tag, i_ + tag.size());
    CopyTo(close == std::string_view::npos ? sql_.size() : close + tag.size());
  }

  void CopyTo(std::size_t end) {
    out_.append(sql_.substr(i_, end - i_));
    i_ = end;
  }

  // Reads the placeholder at `at` (`?` and any digits), moves past it and returns its number as
  // text, following SQLite: `?N` is N, a bare `?` is one more than the highest number so far.
  std::string TakePlaceholder(std::size_t at) {
    std::size_t j = at + 1;
    while (j < sql_.size() && IsDigit(sql_[j])) ++j;
    i_ = j;
    const std::string_view digits = sql_.substr(at + 1, j - at - 1);
    if (digits.empty()) return std::to_string(++highest_);
    int number = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (parsed.ec == std::errc()) highest_ = std::max(highest_, number);
    return std::string(digits);  // PostgreSQL itself refuses a number too large
  }

  std::size_t SkipSpaces(std::size_t j) const {
    while (j < sql_.size() &&
           (sql_[j] == ' ' || sql_[j] == '\t' || sql_[j] == '\n' || sql_[j] == '\r')) {
      ++j;
    }
    return j;
  }

  void CopyWord() {
    std::size_t end = i_;
    while (end < sql_.size() && IsIdentifierChar(sql_[end])) ++end;
    const std::string_view word = sql_.substr(i_, end - i_);
    i_ = end;
    if (EqualsIgnoringCase(word, "json_each") && TranslateJsonEachArguments()) return;
    if (EqualsIgnoringCase(word, "indexed") && SkipIndexHint()) return;
    if (EqualsIgnoringCase(word, "max") && TakesSeveralArguments()) {
      out_ += "greatest";
    } else if (EqualsIgnoringCase(word, "min") && TakesSeveralArguments()) {
      out_ += "least";
    } else {
      out_ += word;
    }
  }

  // After max or min: whether a call with two or more arguments follows (SQLite's scalar max and
  // min, PostgreSQL's greatest and least), not the one-argument aggregate.
  bool TakesSeveralArguments() const {
    std::size_t j = SkipSpaces(i_);
    if (j >= sql_.size() || sql_[j] != '(') return false;
    int depth = 0;
    for (; j < sql_.size(); ++j) {
      const char c = sql_[j];
      if (c == '\'' || c == '"') return false;  // keep it simple: no literals in the arguments
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return false;
      if (c == ',' && depth == 1) return true;
    }
    return false;
  }

  // After the word INDEXED: SQLite's `INDEXED BY name` hint, which PostgreSQL's planner does
  // without, is dropped. False (nothing skipped) for anything else.
  bool SkipIndexHint() {
    std::size_t j = SkipSpaces(i_);
    std::size_t end = j;
    while (end < sql_.size() && IsIdentifierChar(sql_[end])) ++end;
    if (!EqualsIgnoringCase(sql_.substr(j, end - j), "by")) return false;
    j = SkipSpaces(end);
    end = j;
    while (end < sql_.size() && IsIdentifierChar(sql_[end])) ++end;
    if (end == j) return false;
    i_ = end;
    return true;
  }

  // After the word json_each: `( ?N )` becomes json_array_elements_text($N::json). Leaves
  // anything else (a column of that name, another argument) to be copied as it is.
  bool TranslateJsonEachArguments() {
    std::size_t j = SkipSpaces(i_);
    if (j >= sql_.size() || sql_[j] != '(') return false;
    const std::size_t question = SkipSpaces(j + 1);
    if (question >= sql_.size() || sql_[question] != '?') return false;
    j = question + 1;
    while (j < sql_.size() && IsDigit(sql_[j])) ++j;
    j = SkipSpaces(j);
    if (j >= sql_.size() || sql_[j] != ')') return false;
    const std::size_t close = j;
    const std::string number = TakePlaceholder(question);
    i_ = close + 1;
    out_ += "json_array_elements_text($";
    out_ += number;
    out_ += "::json)";
    return true;
  }

  std::string_view sql_;
  std::size_t i_ = 0;
  std::string out_;
  int highest_ = 0;
};

// --- Reading values -----------------------------------------------------------------------------

double ToDouble(std::string_view text) {
  if (text == "t") return 1;
  if (text == "f") return 0;
  double value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec == std::errc::result_out_of_range) {
    // A numeric beyond a double's range: strtod saturates to infinity or zero, as SQLite does.
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  return parsed.ec == std::errc() ? value : 0;
}

// Integers as SQLite reads any value: booleans as 1 and 0, numerics ("12.000", sum and avg)
// and doubles truncated toward zero, saturating at the ends of the range.
std::int64_t ToInt(std::string_view text) {
  if (text == "t") return 1;
  if (text == "f") return 0;
  const char* const end = text.data() + text.size();
  std::int64_t value = 0;
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec == std::errc()) {
    const std::string_view rest(parsed.ptr, static_cast<std::size_t>(end - parsed.ptr));
    if (rest.empty()) return value;
    if (rest.front() == '.' && std::all_of(rest.begin() + 1, rest.end(), IsDigit)) return value;
  }
  const double real = ToDouble(text);
  if (std::isnan(real)) return 0;
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (real >= kTwoTo63) return std::numeric_limits<std::int64_t>::max();
  if (real <= -kTwoTo63) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(real);
}

// --- Errors -------------------------------------------------------------------------------------

std::string_view Field(const PGresult* result, int code) {
  if (result == nullptr) return {};
  const char* value = PQresultErrorField(result, code);
  return value != nullptr ? std::string_view(value) : std::string_view();
}

// libpq's messages span lines ("...failed: No such file...\n\tIs the server running...?\n"):
// the first says what happened. Runs of spaces ("FATAL:  password...") become one.
std::string FirstLine(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  std::string line;
  bool space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += c;
  }
  return line;
}

bool IsPlainColumn(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
  });
}

// "Key (clinic_id, email)=(1, a@b) already exists." -> {"clinic_id", "email"}. Only the column
// list is read: the values are the user's data and never reach a message.
std::vector<std::string_view> UniqueColumns(std::string_view detail) {
  const std::size_t open = detail.find('(');
  if (open == std::string_view::npos) return {};
  const std::size_t close = detail.find(")=(", open);
  if (close == std::string_view::npos) return {};
  std::string_view list = detail.substr(open + 1, close - open - 1);
  std::vector<std::string_view> columns;
  for (;;) {
    const std::size_t comma = list.find(", ");
    columns.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 2);
  }
  return columns;
}

// Names the field as the SQLite backend does, so that both report a taken address alike.
Error UniqueError(std::string_view detail) {
  const std::vector<std::string_view> columns = UniqueColumns(detail);
  // An address is unique per clinic: "(clinic_id, email)".
  if (!columns.empty() && columns.back() == "email") {
    return Error{ErrorCode::kAlreadyExists,
                 "email is already in use",
                 {FieldError{"email", "is already in use"}}};
  }
  if (columns.size() == 1 && IsPlainColumn(columns.front()) && columns.front() != "id") {
    if (columns.front() == "token_hash") return Error::AlreadyExists("token is already in use");
    return Error::AlreadyExists(fmt::format("{} is already in use", columns.front()));
  }
  return Error::AlreadyExists("the record already exists");
}

// The server or the link to it, rather than the request, is at fault: retrying later (or on
// another server) may succeed.
bool IsUnavailableState(std::string_view state) {
  return state.starts_with("08") ||  // connection exception
         state.starts_with("53") ||  // insufficient resources (disk full, out of memory)
         state.starts_with("58") ||  // system error (I/O)
         state == "57P01" || state == "57P02" || state == "57P03" ||  // shutting down, starting
         state == "40001" || state == "40P01" ||  // serialization failure, deadlock
         state == "25006" ||                      // read-only transaction (or a standby)
         state == "55P03" ||                      // lock not available (lock_timeout)
         state == "XX001" || state == "XX002";    // corrupted data or index
}

// Rows an INSERT, UPDATE, DELETE or MERGE changed; 0 for anything else, a SELECT included.
int ChangedRows(PGresult* result) {
  const std::string_view command = PQcmdStatus(result);
  if (!command.starts_with("INSERT ") && !command.starts_with("UPDATE ") &&
      !command.starts_with("DELETE ") && !command.starts_with("MERGE ")) {
    return 0;
  }
  const std::string_view tuples = PQcmdTuples(result);
  int rows = 0;
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), rows);
  return rows;
}

// A COPY would leave the connection waiting for data the store never sends: end it.
void AbandonCopy(PGconn* conn, ExecStatusType status) {
  if (status == PGRES_COPY_IN) PQputCopyEnd(conn, "COPY is not supported");
  if (status == PGRES_COPY_OUT) {
    char* buffer = nullptr;
    while (PQgetCopyData(conn, &buffer, 0) > 0) PQfreemem(buffer);
  }
}

bool Succeeded(ExecStatusType status) {
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

// "COMMIT", "commit;", "END": in an aborted transaction PostgreSQL answers these with ROLLBACK.
// The first word of `sql`.
std::string_view FirstWord(std::string_view sql) {
  const std::size_t start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  sql.remove_prefix(start);
  return sql.substr(0, sql.find_first_of(" \t\r\n;("));
}

bool IsCommit(std::string_view sql) {
  const std::string_view word = FirstWord(sql);
  return EqualsIgnoringCase(word, "COMMIT") || EqualsIgnoringCase(word, "END");
}

// COMMIT, END, ROLLBACK or ABORT, but not ROLLBACK TO a savepoint: after it, whatever its
// outcome (kept, undone or lost with the connection), no transaction is open.
bool EndsTransaction(std::string_view sql) {
  if (IsCommit(sql)) return true;
  const std::string_view word = FirstWord(sql);
  if (EqualsIgnoringCase(word, "ABORT")) return true;
  if (!EqualsIgnoringCase(word, "ROLLBACK")) return false;
  const std::size_t after = sql.find_first_not_of(" \t\r\n", sql.find(word) + word.size());
  return after == std::string_view::npos || !EqualsIgnoringCase(FirstWord(sql.substr(after)), "TO");
}

// Whether a failure of `sql` inside a write transaction must undo only itself, as a failed
// statement does in SQLite. A plain SELECT changes nothing, so it needs no savepoint: if one
// fails, the WriteFn's own savepoint is what the failure rolls back to. Nor does a statement
// that ends the transaction or works its savepoints itself: a savepoint around COMMIT would be
// gone before its release.
bool NeedsStatementSavepoint(std::string_view sql) {
  const std::string_view word = FirstWord(sql);
  for (const std::string_view own :
       {"SELECT", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}) {
    if (EqualsIgnoringCase(word, own)) return false;
  }
  return true;
}

constexpr const char* kStatementSavepoint = "SAVEPOINT rapport_statement";
constexpr const char* kReleaseStatement = "RELEASE SAVEPOINT rapport_statement";
constexpr const char* kUndoStatement =
    "ROLLBACK TO SAVEPOINT rapport_statement; RELEASE SAVEPOINT rapport_statement";

// Runs a command of the statement savepoint; false when it failed.
bool RunSavepointCommand(PGconn* conn, const char* command) {
  PGresult* result = PQexec(conn, command);
  const bool ok = result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  return ok;
}

// Queues a command without parameters in a pipeline; false when libpq refused it.
bool SendCommand(PGconn* conn, const char* command) {
  return PQsendQueryParams(conn, command, 0, nullptr, nullptr, nullptr, nullptr, 0) != 0;
}

// The outcome of the next command of a pipeline: its last result, read up to the null that ends
// its results. Null when the connection broke before the server answered.
PgResult TakeCommandResult(PGconn* conn) {
  PgResult last;
  while (PGresult* raw = PQgetResult(conn)) last.reset(raw);
  return last;
}

ExecStatusType StatusOf(const PgResult& result) {
  return result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

// "user=a password=secret host=..." -> "secret", so that it can be kept out of messages.
std::string PasswordOf(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return {};
  std::string password;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
      password = option->val;
    }
  }
  PQconninfoFree(options);
  return password;
}

std::string WithoutPassword(std::string message, const std::string& password) {
  if (password.empty()) return message;
  constexpr std::string_view kHidden = "***";
  for (std::size_t at = message.find(password); at != std::string::npos;
       at = message.find(password, at + kHidden.size())) {
    message.replace(at, password.size(), kHidden);
  }
  return message;
}

}  // namespace

std::string PgTranslate(std::string_view sql) {
  return Translator(sql).Run();
}

bool PgEndsTransaction(std::string_view sql) {
  return EndsTransaction(sql);
}

// --- PgStatement --------------------------------------------------------------------------------

// One translated statement, sent unnamed each time (PQexecParams, or in a pipeline between its
// savepoint and the savepoint's release). An unnamed statement, unlike a server-side prepared
// one, keeps working when the schema changes under it (a migration adding a column to a table a
// cached SELECT * reads: "cached plan must not change result type").
class PgStatement final : public SqlStatement {
 public:
  PgStatement(PgConnection& connection, std::string sql)
      : connection_(connection), sql_(std::move(sql)) {}

  void BindInt(std::int64_t value) override { Add(kInt8Oid, fmt::format("{}", value)); }
  // fmt's shortest form reads back as the same double.
  void BindDouble(double value) override { Add(kFloat8Oid, fmt::format("{}", value)); }
  void BindText(std::string_view value) override { Add(kTextOid, std::string(value)); }
  void BindNull(SqlType type) override {
    switch (type) {
      case SqlType::kInt: types_.push_back(kInt8Oid); break;
      case SqlType::kDouble: types_.push_back(kFloat8Oid); break;
      case SqlType::kText: types_.push_back(kTextOid); break;
    }
    values_.emplace_back(std::nullopt);
  }

  Result<bool> Step() override {
    if (!ran_) RAPPORT_RETURN_IF_ERROR(ExecuteOnLiveConnection());
    if (row_ < rows_) ++row_;
    return row_ < rows_;
  }

  int Changes() const override { return changes_; }

  std::int64_t Int(int column) const override {
    const std::optional<std::string_view> value = Value(column);
    return value ? ToInt(*value) : 0;
  }
  double Double(int column) const override {
    const std::optional<std::string_view> value = Value(column);
    return value ? ToDouble(*value) : 0;
  }
  std::string Text(int column) const override {
    const std::optional<std::string_view> value = Value(column);
    return value ? std::string(*value) : std::string();
  }
  bool IsNull(int column) const override { return !Value(column).has_value(); }

  void Reset() override {
    result_.reset();
    ran_ = false;
    row_ = -1;
    rows_ = 0;
    changes_ = 0;
    types_.clear();
    values_.clear();
  }

 private:
  void Add(Oid type, std::string value) {
    types_.push_back(type);
    values_.emplace_back(std::move(value));
  }

  // Outside a transaction, a connection known to be lost is opened again first. A reader's
  // statement changes nothing, so when the loss shows only now it runs once more on a new
  // connection; a writer's may have been carried out, so its failure is reported as it is.
  Status ExecuteOnLiveConnection() {
    const bool alone = !connection_.open_transaction_;
    if (alone) RAPPORT_RETURN_IF_ERROR(connection_.ReconnectIfLost());
    Status ran = Execute();
    if (!ran && alone && !connection_.writer_ && connection_.Lost()) {
      RAPPORT_RETURN_IF_ERROR(connection_.ReconnectIfLost());
      ran = Execute();
    }
    connection_.NoteTransactionState(EndsTransaction(sql_));
    return ran;
  }

  // Runs the statement once with the bound values; on failure nothing is kept but the bindings,
  // so the statement can be reset and run again.
  Status Execute() {
    std::vector<const char*> values;
    values.reserve(values_.size());
    for (const std::optional<std::string>& value : values_) {
      // Text parameters end at the first NUL: refuse rather than store a shortened value.
      if (value && value->find('\0') != std::string::npos) {
        return Fail(Error::InvalidArgument(std::string(kValueNotAllowed)));
      }
      values.push_back(value ? value->c_str() : nullptr);
    }
    PGconn* conn = connection_.conn_;
    // SQLite undoes only the failed statement and keeps the transaction; PostgreSQL aborts the
    // whole transaction. A WriteFn may tolerate an error and go on, so a writer's statement
    // inside a transaction runs in a savepoint of its own.
    const bool savepoint = connection_.writer_ && PQtransactionStatus(conn) == PQTRANS_INTRANS &&
                           NeedsStatementSavepoint(sql_);
    PgResult result;
    if (savepoint) {
      RAPPORT_ASSIGN_OR_RETURN(result, RunInOwnSavepoint(values));
    } else {
      result.reset(PQexecParams(conn, sql_.c_str(), static_cast<int>(types_.size()), types_.data(),
                                values.data(), nullptr, nullptr, 0));
      const ExecStatusType status = StatusOf(result);
      if (!Succeeded(status)) {
        AbandonCopy(conn, status);
        return Fail(connection_.ErrorOf(result.get()));
      }
    }
    if (IsCommit(sql_) && std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      return Fail(Error::Unavailable(std::string(kCommitRolledBack)));
    }
    ran_ = true;
    row_ = -1;
    rows_ = PQntuples(result.get());
    changes_ = ChangedRows(result.get());
    connection_.total_changes_ += changes_;
    result_ = std::move(result);
    return Ok();
  }

  // Runs the statement between SAVEPOINT and RELEASE, the three sent together in libpq's
  // pipeline mode and answered together: one round trip to the server where three commands one
  // after another took three, and a write runs a few of these each. The statement's result, or
  // its error once its savepoint is rolled back, so that the failure undoes only the statement.
  // A failure inside a pipeline makes the server skip the rest of it, the RELEASE included, so
  // the savepoint is still there to roll back to: that takes one more round trip, on failure
  // only. (COPY, which the store never runs, would fail here: a pipeline refuses it.)
  Result<PgResult> RunInOwnSavepoint(const std::vector<const char*>& values) {
    PGconn* conn = connection_.conn_;
    if (PQenterPipelineMode(conn) == 0) return Fail(connection_.ErrorOf(nullptr));
    PgResult savepoint;
    PgResult statement;
    PgResult release;
    std::optional<Error> unsent;  // libpq refused the statement itself
    if (SendCommand(conn, kStatementSavepoint)) {
      const bool sent = PQsendQueryParams(conn, sql_.c_str(), static_cast<int>(types_.size()),
                                          types_.data(), values.data(), nullptr, nullptr, 0) != 0;
      if (!sent) unsent = connection_.ErrorOf(nullptr);
      const bool release_sent = sent && SendCommand(conn, kReleaseStatement);
      if (PQpipelineSync(conn) != 0) {
        savepoint = TakeCommandResult(conn);
        if (sent) statement = TakeCommandResult(conn);
        if (release_sent) release = TakeCommandResult(conn);
        PgResult sync(PQgetResult(conn));  // PGRES_PIPELINE_SYNC; null if the connection broke
      }
    }
    // Nothing is left to read: every command sent had its answer taken, or the connection is
    // gone and libpq dropped what was queued.
    if (PQexitPipelineMode(conn) == 0) return Fail(connection_.ErrorOf(nullptr));
    if (!Succeeded(StatusOf(savepoint))) {
      // No savepoint, so the statement never ran: the transaction was lost or is aborted.
      return Fail(connection_.ErrorOf(savepoint.get()));
    }
    if (unsent || !Succeeded(StatusOf(statement))) {
      Error error = unsent ? *std::move(unsent) : connection_.ErrorOf(statement.get());
      (void)RunSavepointCommand(conn, kUndoStatement);
      return Fail(std::move(error));
    }
    if (!Succeeded(StatusOf(release))) return Fail(connection_.ErrorOf(release.get()));
    return statement;
  }

  // The text of `column` in the current row; nullopt for NULL or no such cell.
  std::optional<std::string_view> Value(int column) const {
    if (result_ == nullptr || row_ < 0 || row_ >= rows_ || column < 0 ||
        column >= PQnfields(result_.get()) || PQgetisnull(result_.get(), row_, column) != 0) {
      return std::nullopt;
    }
    return std::string_view(PQgetvalue(result_.get(), row_, column),
                            static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }

  PgConnection& connection_;
  const std::string sql_;
  std::vector<Oid> types_;
  std::vector<std::optional<std::string>> values_;
  PgResult result_;
  bool ran_ = false;
  int row_ = -1;
  int rows_ = 0;
  int changes_ = 0;
};

// --- PgConnection -------------------------------------------------------------------------------

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo,
                                                         SqlConnection::Mode mode) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Fail(Error::Unavailable("cannot reach the database: out of memory"));
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, conninfo, mode == Mode::kWriter));
  if (PQstatus(conn) != CONNECTION_OK) return Fail(connection->Unreachable());
  // The server's notices ("there is no transaction in progress") are not the user's business.
  // The processor stays with the connection when it is reset.
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  RAPPORT_RETURN_IF_ERROR(connection->SetUpSession());
  return connection;
}

Error PgConnection::Unreachable() const {
  return Error::Unavailable(
      fmt::format("cannot reach the database: {}",
                  WithoutPassword(FirstLine(PQerrorMessage(conn_)), PasswordOf(conninfo_))));
}

Status PgConnection::SetUpSession() {
  session_ready_ = false;
  if (PQsetClientEncoding(conn_, "UTF8") != 0) {
    return Fail(Error::Unavailable("database unavailable: cannot use UTF-8"));
  }
  RAPPORT_RETURN_IF_ERROR(Exec("SET TIME ZONE 'UTC'; SET standard_conforming_strings = on"));
  if (writer_) {
    // A commit returns only once it is durable, as with SQLite's synchronous=FULL. Read
    // committed: each statement sees every commit before it, so a writer that waited for the
    // write lock sees the work of the one it waited for.
    // A writer waits for the write lock at most as long as SQLite's busy timeout, then reports
    // the database unavailable rather than hang a request (or a readiness check) for good.
    RAPPORT_RETURN_IF_ERROR(
        Exec("SET synchronous_commit = on; "
             "SET default_transaction_isolation = 'read committed'; "
             "SET lock_timeout = '5s'"));
  } else {
    // Each read transaction is one snapshot, and a reader can never write by mistake.
    RAPPORT_RETURN_IF_ERROR(
        Exec("SET default_transaction_read_only = on; "
             "SET default_transaction_isolation = 'repeatable read'"));
  }
  session_ready_ = true;
  return Ok();
}

Status PgConnection::ReconnectIfLost() {
  if (PQstatus(conn_) == CONNECTION_OK && session_ready_) return Ok();
  if (PQstatus(conn_) != CONNECTION_OK) {
    // Same conninfo, so behind a load balancer this reaches whichever server is now primary.
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return Fail(Unreachable());
    ++reconnections_;
  }
  return SetUpSession();
}

bool PgConnection::Lost() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

void PgConnection::NoteTransactionState(bool ended) {
  // A lost connection's state is unknown: what was open stays open until ended, rolled back or
  // begun anew, so that nothing after the loss runs as if it stood alone.
  if (ended) {
    open_transaction_ = false;
    return;
  }
  if (Lost()) return;
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  open_transaction_ = status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

Status PgConnection::BeginOnLiveConnection(std::string_view begin) {
  open_transaction_ = false;  // whatever was open was lost or ended
  RAPPORT_RETURN_IF_ERROR(ReconnectIfLost());
  Status begun = Exec(begin);
  if (!begun && PQstatus(conn_) != CONNECTION_OK) {
    // The server went away while this connection sat idle; BEGIN is the first thing to notice.
    RAPPORT_RETURN_IF_ERROR(ReconnectIfLost());
    begun = Exec(begin);
  }
  if (!begun) RollbackIfOpen();
  return begun;
}

PgConnection::PgConnection(PGconn* conn, std::string conninfo, bool writer)
    : conn_(conn), conninfo_(std::move(conninfo)), writer_(writer) {}

PgConnection::~PgConnection() {
  statements_.clear();  // they refer to this connection
  PQfinish(conn_);
}

Error PgConnection::ErrorOf(const PGresult* result) const {
  const std::string_view state = Field(result, PG_DIAG_SQLSTATE);
  if (state == "23505") return UniqueError(Field(result, PG_DIAG_MESSAGE_DETAIL));
  if (state == "23503") return Error::InvalidArgument(std::string(kMissingReferenceMessage));
  // CHECK, NOT NULL and data exceptions (bad number or JSON text, too long): their messages
  // quote the constraint or the value, so none of it is passed on.
  if (state.starts_with("23") || state.starts_with("22")) {
    return Error::InvalidArgument(std::string(kValueNotAllowed));
  }
  const std::string_view primary = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (state == "P0001") {
    // RAISE EXCEPTION in our own triggers: the message is ours, not SQL.
    return Error::FailedPrecondition(primary.empty() ? "not allowed" : std::string(primary));
  }
  std::string reason = FirstLine(primary);
  if (reason.empty() && result != nullptr) reason = FirstLine(PQresultErrorMessage(result));
  if (reason.empty()) reason = FirstLine(PQerrorMessage(conn_));
  if (reason.empty()) reason = "unknown error";
  if (IsUnavailableState(state) || PQstatus(conn_) != CONNECTION_OK) {
    return Error::Unavailable(fmt::format("database unavailable: {}", reason));
  }
  return Error::Internal(fmt::format("database error: {}", reason));
}

Status PgConnection::Exec(std::string_view sql) {
  const std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) {
    NoteTransactionState(EndsTransaction(text));
    return Fail(ErrorOf(nullptr));
  }
  // Several statements give several results: the first failure is the one to report, and every
  // statement's changes count.
  std::optional<Error> error;
  bool rolled_back = false;
  while (PGresult* raw = PQgetResult(conn_)) {
    PgResult result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (Succeeded(status)) {
      total_changes_ += ChangedRows(raw);
      rolled_back = std::string_view(PQcmdStatus(raw)) == "ROLLBACK";
    } else {
      AbandonCopy(conn_, status);
      if (!error) error = ErrorOf(raw);
    }
  }
  NoteTransactionState(EndsTransaction(text));
  if (error) return Fail(*std::move(error));
  if (rolled_back && IsCommit(text)) {
    return Fail(Error::Unavailable(std::string(kCommitRolledBack)));
  }
  return Ok();
}

void PgConnection::TraceMessages(std::FILE* file) {
  if (file == nullptr) {
    PQuntrace(conn_);
    return;
  }
  PQtrace(conn_, file);
  PQsetTraceFlags(conn_, PQTRACE_SUPPRESS_TIMESTAMPS);
}

Status PgConnection::Listen(std::string_view channel) {
  const bool bare = !channel.empty() && std::all_of(channel.begin(), channel.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
  });
  if (!bare) return Fail(Error::InvalidArgument("not a channel name"));
  return Exec(fmt::format("LISTEN {}", channel));
}

Result<std::vector<std::string>> PgConnection::AwaitNotifications(
    std::chrono::milliseconds timeout) {
  std::vector<std::string> payloads;
  const auto take = [&] {
    while (PGnotify* notify = PQnotifies(conn_)) {
      payloads.emplace_back(notify->extra != nullptr ? notify->extra : "");
      PQfreemem(notify);
    }
  };
  take();  // some may have come with the answer to an earlier command
  if (!payloads.empty()) return payloads;
  const int socket = PQsocket(conn_);
  if (socket < 0 || PQstatus(conn_) != CONNECTION_OK) {
    return Fail(Error::Unavailable("database unavailable: the connection is lost"));
  }
  pollfd waiting{socket, POLLIN, 0};
  const int ready = poll(&waiting, 1, static_cast<int>(timeout.count()));
  if (ready < 0 && errno != EINTR) {
    return Fail(Error::Unavailable("database unavailable: cannot wait for notifications"));
  }
  if (ready > 0) {
    if (PQconsumeInput(conn_) == 0) return Fail(ErrorOf(nullptr));
    take();
  }
  return payloads;
}

Result<SqlQuery> PgConnection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    auto statement = std::make_unique<PgStatement>(*this, PgTranslate(sql));
    it = statements_.emplace(std::move(key), std::move(statement)).first;
  }
  return SqlQuery(it->second.get());
}

Status PgConnection::BeginWrite() {
  return BeginOnLiveConnection(
      fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kPgWriteLockKey));
}

Status PgConnection::BeginRead() {
  return BeginOnLiveConnection("BEGIN");
}

void PgConnection::RollbackIfOpen() {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  open_transaction_ = false;
  if (status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN) return;
  PgResult ignored(PQexec(conn_, "ROLLBACK"));
}

bool PgConnection::InAutocommit() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN;
}

Result<std::string> PgConnection::Setting(std::string_view name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
  if (!bare) return Fail(Error::InvalidArgument("not a setting name"));
  if (!open_transaction_) RAPPORT_RETURN_IF_ERROR(ReconnectIfLost());
  PgResult result(PQexec(conn_, fmt::format("SHOW {}", name).c_str()));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return Fail(ErrorOf(result.get()));
  }
  if (PQntuples(result.get()) < 1 || PQnfields(result.get()) < 1) {
    return Fail(Error::Internal("database error: SHOW returned no value"));
  }
  return std::string(PQgetvalue(result.get(), 0, 0),
                     static_cast<std::size_t>(PQgetlength(result.get(), 0, 0)));
}

}  // namespace rapport
