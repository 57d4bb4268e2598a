#include "store/postgres/pg_connection.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/result.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"
#include "store/sql/sql_connection.h"

namespace rapport {
namespace {

using Mode = SqlConnection::Mode;

template <typename T>
::testing::AssertionResult Succeeds(const Result<T>& result) {
  if (result.has_value()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << ToString(result.error().code) << ": " << result.error().message;
}

// The error of a result that should have failed.
template <typename T>
Error ErrorOf(const Result<T>& result) {
  EXPECT_FALSE(result.has_value()) << "succeeded where a failure was expected";
  return result.has_value() ? Error{} : result.error();
}

// --- PgTranslate ---------------------------------------------------------------------------------

TEST(PgTranslate, NumbersBarePlaceholdersInOrder) {
  EXPECT_EQ(PgTranslate("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(PgTranslate("INSERT INTO t (a, b, c) VALUES (?,?,?)"),
            "INSERT INTO t (a, b, c) VALUES ($1,$2,$3)");
  EXPECT_EQ(PgTranslate("SELECT 1"), "SELECT 1");
  EXPECT_EQ(PgTranslate(""), "");
}

TEST(PgTranslate, KeepsExplicitNumbers) {
  EXPECT_EQ(PgTranslate("SELECT ?2, ?1, ?2"), "SELECT $2, $1, $2");
  EXPECT_EQ(PgTranslate("WHERE a = ?10"), "WHERE a = $10");
}

TEST(PgTranslate, NumbersABareMarkAfterTheHighestNumberSoFarAsSqliteDoes) {
  EXPECT_EQ(PgTranslate("VALUES (?3, ?, ?1, ?)"), "VALUES ($3, $4, $1, $5)");
  EXPECT_EQ(PgTranslate("VALUES (?, ?1, ?)"), "VALUES ($1, $1, $2)");
  EXPECT_EQ(PgTranslate("VALUES (?2, ?)"), "VALUES ($2, $3)");
}

TEST(PgTranslate, LeavesMarksInLiteralsIdentifiersAndCommentsAlone) {
  EXPECT_EQ(PgTranslate("SELECT 'it''s?', \"odd?\"\"name\", ? -- why?\n, ? /* what? */ FROM t"),
            "SELECT 'it''s?', \"odd?\"\"name\", $1 -- why?\n, $2 /* what? */ FROM t");
  EXPECT_EQ(PgTranslate("SELECT '', '?', ?"), "SELECT '', '?', $1");
  EXPECT_EQ(PgTranslate("SELECT $$a ? b$$, $tag$ ? $tag$, ?"),
            "SELECT $$a ? b$$, $tag$ ? $tag$, $1");
  EXPECT_EQ(PgTranslate("SELECT /* outer /* inner ? */ still ? */ ?"),
            "SELECT /* outer /* inner ? */ still ? */ $1");
  // An unterminated literal is PostgreSQL's to refuse: nothing in it changes.
  EXPECT_EQ(PgTranslate("SELECT ?, 'open ?"), "SELECT $1, 'open ?");
}

TEST(PgTranslate, TurnsJsonEachIntoJsonArrayElementsText) {
  EXPECT_EQ(PgTranslate("SELECT value FROM json_each(?2)"),
            "SELECT value FROM json_array_elements_text($2::json)");
  EXPECT_EQ(PgTranslate("WHERE id IN (SELECT value FROM json_each(?)) AND at >= ?"),
            "WHERE id IN (SELECT value FROM json_array_elements_text($1::json)) AND at >= $2");
  EXPECT_EQ(PgTranslate("FROM json_each( ?7 ) k JOIN m ON m.key = k.value WHERE x = ?"),
            "FROM json_array_elements_text($7::json) k JOIN m ON m.key = k.value WHERE x = $8");
  EXPECT_EQ(PgTranslate("FROM JSON_EACH(?)"), "FROM json_array_elements_text($1::json)");
  // Other names, other arguments and literals stay as written.
  EXPECT_EQ(PgTranslate("SELECT my_json_each(?)"), "SELECT my_json_each($1)");
  EXPECT_EQ(PgTranslate("FROM json_each(t.list)"), "FROM json_each(t.list)");
  EXPECT_EQ(PgTranslate("SELECT 'json_each(?)', ?"), "SELECT 'json_each(?)', $1");
}

TEST(PgTranslate, TurnsScalarMaxAndMinIntoGreatestAndLeast) {
  EXPECT_EQ(PgTranslate("SET read_at = max(?, sent_at)"), "SET read_at = greatest($1, sent_at)");
  EXPECT_EQ(PgTranslate("SELECT MIN(a, coalesce(b, 0)), max(f(x, y))"),
            "SELECT least(a, coalesce(b, 0)), max(f(x, y))");
  EXPECT_EQ(PgTranslate("SELECT max(number), min (at) FROM t"),
            "SELECT max(number), min (at) FROM t");
}

TEST(PgTranslate, DropsSqlitesIndexHints) {
  EXPECT_EQ(PgTranslate("FROM appointments a INDEXED BY by_status WHERE a.id = ?"),
            "FROM appointments a  WHERE a.id = $1");
  EXPECT_EQ(PgTranslate("SELECT indexed FROM t"), "SELECT indexed FROM t");
}

// --- Against a real server -----------------------------------------------------------------------

// Each test has a database of its own and a writer connection to it.
class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PgTestCluster::Available()) {
      GTEST_SKIP() << "PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed "
                      "in /usr/lib/postgresql/15/bin or `pg_config --bindir`; install "
                      "postgresql-15 to run the PostgreSQL backend's tests";
    }
    Result<PgTestCluster*> cluster = PgTestCluster::Shared();
    ASSERT_TRUE(cluster.has_value())
        << "the test PostgreSQL server did not start: " << cluster.error().message;
    cluster_ = *cluster;
    database_ = PgTestCluster::UniqueName("test");
    ASSERT_TRUE(Succeeds(cluster_->CreateDatabase(database_)));
    writer_ = Open(Mode::kWriter);
    ASSERT_NE(writer_, nullptr);
  }

  void TearDown() override {
    writer_.reset();
    if (cluster_ != nullptr && !database_.empty()) {
      EXPECT_TRUE(Succeeds(cluster_->DropDatabase(database_)));
    }
  }

  std::unique_ptr<PgConnection> Open(Mode mode) {
    Result<std::unique_ptr<PgConnection>> opened =
        PgConnection::Open(cluster_->conninfo(database_), mode);
    EXPECT_TRUE(Succeeds(opened));
    return opened ? std::move(*opened) : nullptr;
  }

  void Exec(std::string_view sql) { ASSERT_TRUE(Succeeds(writer_->Exec(sql))) << sql; }

  // The one integer a query returns.
  static std::int64_t Count(SqlConnection& connection, std::string_view sql) {
    Result<SqlQuery> query = connection.Prepare(sql);
    EXPECT_TRUE(Succeeds(query));
    if (!query) return -1;
    Result<bool> row = query->Step();
    EXPECT_TRUE(Succeeds(row));
    EXPECT_TRUE(row.value_or(false)) << sql;
    return row.value_or(false) ? query->Int(0) : -1;
  }

  // Ends `connection`'s server process from another connection, as a restart or a failover
  // would, and waits (up to 10 s) until it has gone.
  void Terminate(SqlConnection& connection) {
    const std::int64_t pid = Count(connection, "SELECT pg_backend_pid()");
    std::unique_ptr<PgConnection> other = Open(Mode::kWriter);
    ASSERT_NE(other, nullptr);
    Result<SqlQuery> kill =
        other->Prepare("SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)");
    ASSERT_TRUE(Succeeds(kill));
    kill->Bind(pid);
    ASSERT_TRUE(kill->Step().value_or(false));
    ASSERT_TRUE(kill->Bool(0));
  }

  // The protocol messages the writer exchanged with its server while `run` ran, one per line
  // (libpq's trace).
  std::string TraceOfWriter(const std::function<void()>& run) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* file = open_memstream(&buffer, &size);
    if (file == nullptr) {
      ADD_FAILURE() << "cannot trace the protocol: open_memstream failed";
      return {};
    }
    writer_->TraceMessages(file);
    run();
    writer_->TraceMessages(nullptr);
    std::fclose(file);
    std::string trace(buffer, size);
    std::free(buffer);
    return trace;
  }

  // How many lines of a trace carry `message`: the server ends each of its answers with one
  // ReadyForQuery, so that count is the number of round trips.
  static int CountMessages(std::string_view trace, std::string_view message) {
    int count = 0;
    for (std::size_t at = trace.find(message); at != std::string_view::npos;
         at = trace.find(message, at + message.size())) {
      ++count;
    }
    return count;
  }

  PgTestCluster* cluster_ = nullptr;
  std::string database_;
  std::unique_ptr<PgConnection> writer_;
};

TEST_F(PgConnectionTest, RoundTripsTheEndsOfTheInt64Range) {
  Exec("CREATE TABLE numbers (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL)");
  for (const std::int64_t value :
       {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
        std::int64_t{0}, std::int64_t{-1}, std::int64_t{1787565300000}}) {
    {
      Result<SqlQuery> insert = writer_->Prepare("INSERT INTO numbers (n) VALUES (?) RETURNING n");
      ASSERT_TRUE(Succeeds(insert));
      insert->Bind(value);
      ASSERT_TRUE(insert->Step().value_or(false));
      EXPECT_EQ(insert->Int(0), value);
    }
    Result<SqlQuery> echo = writer_->Prepare("SELECT ?");
    ASSERT_TRUE(Succeeds(echo));
    echo->Bind(value);
    ASSERT_TRUE(echo->Step().value_or(false));
    EXPECT_EQ(echo->Int(0), value);
    EXPECT_EQ(echo->Text(0), fmt::format("{}", value));
  }
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM numbers WHERE n = -9223372036854775808"), 1);
}

TEST_F(PgConnectionTest, RoundTripsDoublesExactly) {
  Exec("CREATE TABLE reals (x DOUBLE PRECISION)");
  for (const double value : {0.1, 1e-300, 5e-324, 1.7976931348623157e308, -2.5, 1.0 / 3.0, 0.0}) {
    {
      Result<SqlQuery> insert = writer_->Prepare("INSERT INTO reals (x) VALUES (?) RETURNING x");
      ASSERT_TRUE(Succeeds(insert));
      insert->Bind(value);
      ASSERT_TRUE(insert->Step().value_or(false)) << value;
      EXPECT_EQ(insert->Double(0), value);
    }
    Result<SqlQuery> echo = writer_->Prepare("SELECT ?");
    ASSERT_TRUE(Succeeds(echo));
    echo->Bind(value);
    ASSERT_TRUE(echo->Step().value_or(false)) << value;
    EXPECT_EQ(echo->Double(0), value);
  }
  // PostgreSQL prints negative zero as "-0": still a number, not NULL and not a parse failure.
  Result<SqlQuery> zero = writer_->Prepare("SELECT ?");
  ASSERT_TRUE(Succeeds(zero));
  zero->Bind(-0.0);
  ASSERT_TRUE(zero->Step().value_or(false));
  EXPECT_FALSE(zero->OptionalDouble(0) == std::nullopt);
  EXPECT_EQ(zero->Double(0), 0.0);
  EXPECT_TRUE(std::signbit(zero->Double(0)));
  EXPECT_EQ(zero->Int(0), 0);
}

TEST_F(PgConnectionTest, RoundTripsTextWithQuotesEmojiAndNewlines) {
  Exec("CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)");
  const std::vector<std::string> texts = {
      "it's", "say \"hi\"",      "feels 😀 then 😢", "line one\nline two\r\n\ttabbed",
      "",     "back\\slash \\n", "?1 $1 -- not SQL", "Zoë, Łódź, 東京"};
  for (const std::string& text : texts) {
    Result<SqlQuery> insert =
        writer_->Prepare("INSERT INTO notes (body) VALUES (?) RETURNING body, length(body)");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind(text);
    ASSERT_TRUE(insert->Step().value_or(false)) << text;
    EXPECT_EQ(insert->Text(0), text);
    EXPECT_FALSE(insert->OptionalInt(0) == std::nullopt) << "'' is not NULL";
  }
  Result<SqlQuery> all = writer_->Prepare("SELECT body FROM notes ORDER BY id");
  ASSERT_TRUE(Succeeds(all));
  for (const std::string& text : texts) {
    ASSERT_TRUE(all->Step().value_or(false));
    EXPECT_EQ(all->Text(0), text);
  }
  EXPECT_FALSE(all->Step().value_or(true));
}

TEST_F(PgConnectionTest, RefusesTextWithANulCharacter) {
  Result<SqlQuery> echo = writer_->Prepare("SELECT ?");
  ASSERT_TRUE(Succeeds(echo));
  echo->Bind(std::string_view("a\0b", 3));
  const Error error = ErrorOf(echo->Step());
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
}

TEST_F(PgConnectionTest, ReadsNullsOfEveryTypeAsZeroOrEmpty) {
  // Each NULL carries its type: a text NULL would not go into a BIGINT column.
  Exec("CREATE TABLE maybe (i BIGINT, d DOUBLE PRECISION, s TEXT)");
  {
    Result<SqlQuery> insert = writer_->Prepare("INSERT INTO maybe (i, d, s) VALUES (?, ?, ?)");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind(std::optional<std::int64_t>())
        .Bind(std::optional<double>())
        .Bind(std::optional<std::string>());
    EXPECT_EQ(insert->Run().value_or(-1), 1);
  }
  for (const std::string_view sql : {"SELECT i, d, s FROM maybe", "SELECT ?, ?, ?"}) {
    Result<SqlQuery> select = writer_->Prepare(sql);
    ASSERT_TRUE(Succeeds(select));
    select->Bind(std::optional<std::int64_t>())
        .Bind(std::optional<double>())
        .Bind(std::optional<std::string>());
    ASSERT_TRUE(select->Step().value_or(false)) << sql;
    for (int column = 0; column < 3; ++column) {
      EXPECT_EQ(select->OptionalInt(column), std::nullopt) << sql << column;
      EXPECT_EQ(select->OptionalDouble(column), std::nullopt) << sql << column;
      EXPECT_EQ(select->Int(column), 0) << sql << column;
      EXPECT_EQ(select->Double(column), 0.0) << sql << column;
      EXPECT_EQ(select->Text(column), "") << sql << column;
    }
  }
}

TEST_F(PgConnectionTest, ReadsBooleansAndNumericsAsIntegers) {
  Result<SqlQuery> query = writer_->Prepare(
      "SELECT EXISTS (SELECT 1), 1 = 2, sum(n), avg(n), CAST(12 AS NUMERIC(10, 3)), "
      "CAST(-12.7 AS NUMERIC), CAST(7 AS INTEGER) FROM (VALUES (CAST(5 AS BIGINT)), (7)) v(n)");
  ASSERT_TRUE(Succeeds(query));
  ASSERT_TRUE(query->Step().value_or(false));
  EXPECT_TRUE(query->Bool(0));
  EXPECT_EQ(query->Int(0), 1);
  EXPECT_FALSE(query->Bool(1));
  EXPECT_EQ(query->Int(2), 12);
  EXPECT_EQ(query->Int(3), 6);  // "6.0000000000000000"
  EXPECT_EQ(query->Double(3), 6.0);
  EXPECT_EQ(query->Text(4), "12.000");
  EXPECT_EQ(query->Int(4), 12);
  EXPECT_EQ(query->Int(5), -12);  // truncated toward zero, as SQLite reads a real
  EXPECT_EQ(query->Double(5), -12.7);
  EXPECT_EQ(query->Int(6), 7);
}

TEST_F(PgConnectionTest, ReportsTheRowsAStatementChanged) {
  Exec("CREATE TABLE t (n BIGINT); INSERT INTO t VALUES (1), (2), (3)");
  {
    Result<SqlQuery> update = writer_->Prepare("UPDATE t SET n = n + 10 WHERE n > ?");
    ASSERT_TRUE(Succeeds(update));
    update->Bind(1);
    EXPECT_EQ(update->Run().value_or(-1), 2);
  }
  {
    Result<SqlQuery> none = writer_->Prepare("DELETE FROM t WHERE n > ?");
    ASSERT_TRUE(Succeeds(none));
    none->Bind(100);
    EXPECT_EQ(none->Run().value_or(-1), 0);
  }
  // A SELECT reads rows and changes none.
  Result<SqlQuery> select = writer_->Prepare("SELECT n FROM t");
  ASSERT_TRUE(Succeeds(select));
  EXPECT_EQ(select->Run().value_or(-1), 0);
}

TEST_F(PgConnectionTest, ReturnsTheIdOfAnInsert) {
  Exec("CREATE TABLE clients (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT)");
  for (const std::int64_t expected : {1, 2}) {
    Result<SqlQuery> insert =
        writer_->Prepare("INSERT INTO clients (name) VALUES (?) RETURNING id");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind("Ada");
    EXPECT_EQ(insert->RunReturningId().value_or(-1), expected);
  }
}

TEST_F(PgConnectionTest, NamesTheEmailFieldWhenAnAddressIsTaken) {
  Exec(
      "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, clinic_id BIGINT NOT NULL, email TEXT, "
      "UNIQUE (clinic_id, email))");
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<SqlQuery> insert =
        writer_->Prepare("INSERT INTO users (clinic_id, email) VALUES (?, ?)");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind(1).Bind("ada@example.org");
    Result<int> inserted = insert->Run();
    if (attempt == 0) {
      EXPECT_TRUE(Succeeds(inserted));
      continue;
    }
    const Error error = ErrorOf(inserted);
    EXPECT_EQ(error.code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(error.message, "email is already in use");
    EXPECT_EQ(error.fields, (std::vector<FieldError>{{"email", "is already in use"}}));
  }
}

TEST_F(PgConnectionTest, NamesOtherUniqueColumnsAsTheSqliteBackendDoes) {
  Exec(
      "CREATE TABLE sessions (id BIGINT PRIMARY KEY, token_hash TEXT UNIQUE, handle TEXT UNIQUE, "
      "a BIGINT, b BIGINT, UNIQUE (a, b))");
  Exec("INSERT INTO sessions VALUES (1, 'h1', 'ada', 1, 1)");
  const auto error_of = [&](std::string_view sql) {
    const Error error = ErrorOf(writer_->Exec(sql));
    EXPECT_EQ(error.code, ErrorCode::kAlreadyExists) << sql;
    EXPECT_TRUE(error.fields.empty()) << sql;
    EXPECT_EQ(error.message.find("ada"), std::string::npos) << "a value leaked: " << error.message;
    return error.message;
  };
  EXPECT_EQ(error_of("INSERT INTO sessions VALUES (2, 'h1', 'bob', 2, 2)"),
            "token is already in use");
  EXPECT_EQ(error_of("INSERT INTO sessions VALUES (2, 'h2', 'ada', 2, 2)"),
            "handle is already in use");
  EXPECT_EQ(error_of("INSERT INTO sessions VALUES (1, 'h2', 'bob', 2, 2)"),
            "the record already exists");
  EXPECT_EQ(error_of("INSERT INTO sessions VALUES (2, 'h2', 'bob', 1, 1)"),
            "the record already exists");
}

TEST_F(PgConnectionTest, GivesTheMissingReferenceMessageForAForeignKey) {
  Exec(
      "CREATE TABLE clinics (id BIGINT PRIMARY KEY); "
      "CREATE TABLE therapists (id BIGSERIAL PRIMARY KEY, "
      "clinic_id BIGINT NOT NULL REFERENCES clinics (id))");
  Result<SqlQuery> insert = writer_->Prepare("INSERT INTO therapists (clinic_id) VALUES (?)");
  ASSERT_TRUE(Succeeds(insert));
  insert->Bind(42);
  const Error error = ErrorOf(insert->Run());
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message, kMissingReferenceMessage);
  EXPECT_EQ(NameMissingReference(error, "clinic does not exist").message, "clinic does not exist");
}

TEST_F(PgConnectionTest, RefusesValuesTheSchemaForbidsAsInvalidArgument) {
  Exec("CREATE TABLE scores (n BIGINT NOT NULL CHECK (n BETWEEN 0 AND 27), code VARCHAR(3))");
  struct Case {
    std::string_view sql;
    std::string_view value;
  };
  for (const Case& c : std::vector<Case>{
           {"INSERT INTO scores (n) VALUES (CAST(? AS BIGINT))", "99"},    // CHECK
           {"INSERT INTO scores (n, code) VALUES (1, ?)", "secret-code"},  // too long
           {"SELECT CAST(? AS BIGINT)", "secret"},                         // not a number
           {"SELECT CAST(? AS INTEGER)", "99999999999"},                   // out of range
           {"SELECT CAST(? AS JSON)", "{\"secret\": "},                    // not JSON
           {"SELECT value FROM json_each(?)", "{\"secret\": 1}"},          // not an array
       }) {
    Result<SqlQuery> query = writer_->Prepare(c.sql);
    ASSERT_TRUE(Succeeds(query));
    query->Bind(c.value);
    const Error error = ErrorOf(query->Run());
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << c.sql << ": " << error.message;
    EXPECT_EQ(error.message, "a value is not allowed by the database") << c.sql;
  }
  const Error null = ErrorOf(writer_->Exec("INSERT INTO scores (n) VALUES (NULL)"));
  EXPECT_EQ(null.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(null.message, "a value is not allowed by the database");
}

TEST_F(PgConnectionTest, ReportsATriggersRefusalAsAFailedPrecondition) {
  Exec(R"sql(
    CREATE TABLE plans (id BIGINT PRIMARY KEY, signed INTEGER NOT NULL, body TEXT);
    CREATE FUNCTION plans_refuse_signed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.signed = 1 THEN RAISE EXCEPTION 'a signed plan cannot be edited'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER plans_signed BEFORE UPDATE ON plans
      FOR EACH ROW EXECUTE FUNCTION plans_refuse_signed();
    INSERT INTO plans VALUES (1, 1, 'goals');
  )sql");
  Result<SqlQuery> update = writer_->Prepare("UPDATE plans SET body = ? WHERE id = ?");
  ASSERT_TRUE(Succeeds(update));
  update->Bind("new goals").Bind(1);
  const Error error = ErrorOf(update->Run());
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(error.message, "a signed plan cannot be edited");
}

TEST_F(PgConnectionTest, AnUnexpectedFailureIsInternalWithoutTheSql) {
  Exec("CREATE TABLE t (n BIGINT)");
  Result<SqlQuery> query = writer_->Prepare("SELECT nope FROM t WHERE n = ?");
  ASSERT_TRUE(Succeeds(query));
  query->Bind(1);
  const Error error = ErrorOf(query->Step());
  EXPECT_EQ(error.code, ErrorCode::kInternal);
  EXPECT_EQ(error.message, "database error: column \"nope\" does not exist");
}

TEST_F(PgConnectionTest, AReaderRefusesToWrite) {
  Exec("CREATE TABLE t (n BIGINT)");
  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  const Error exec = ErrorOf(reader->Exec("INSERT INTO t VALUES (1)"));
  EXPECT_EQ(exec.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(exec.message.starts_with("database unavailable: ")) << exec.message;
  Result<SqlQuery> insert = reader->Prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(Succeeds(insert));
  insert->Bind(2);
  EXPECT_EQ(ErrorOf(insert->Run()).code, ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorOf(reader->Exec("CREATE TABLE u (n BIGINT)")).code, ErrorCode::kUnavailable);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 0);
}

TEST_F(PgConnectionTest, AReadTransactionSeesOneSnapshotWhileAWriterCommits) {
  Exec("CREATE TABLE t (n BIGINT); INSERT INTO t VALUES (1)");
  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(Succeeds(reader->BeginRead()));
  EXPECT_FALSE(reader->InAutocommit());
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 1);

  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("INSERT INTO t VALUES (2)");
  Exec("COMMIT");
  Exec("INSERT INTO t VALUES (3)");  // and one outside any transaction
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 3);

  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 1);
  EXPECT_EQ(Count(*reader, "SELECT max(n) FROM t"), 1);
  ASSERT_TRUE(Succeeds(reader->Exec("COMMIT")));
  EXPECT_TRUE(reader->InAutocommit());
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 3);
}

TEST_F(PgConnectionTest, WritersTakeTurnsUnderTheWriteLock) {
  std::unique_ptr<PgConnection> other = Open(Mode::kWriter);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  std::future<Status> second =
      std::async(std::launch::async, [&other] { return other->BeginWrite(); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "a second writer began while the first held the lock";
  Exec("COMMIT");
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(Succeeds(second.get()));
  EXPECT_FALSE(other->InAutocommit());
  EXPECT_TRUE(Succeeds(other->Exec("COMMIT")));
}

TEST_F(PgConnectionTest, CountsEveryChangedRowInTotalChanges) {
  EXPECT_EQ(writer_->TotalChanges(), 0);
  Exec("CREATE TABLE t (n BIGINT UNIQUE)");
  EXPECT_EQ(writer_->TotalChanges(), 0);
  for (int n = 1; n <= 3; ++n) {
    Result<SqlQuery> insert = writer_->Prepare("INSERT INTO t VALUES (?)");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind(n);
    ASSERT_TRUE(Succeeds(insert->Run()));
  }
  EXPECT_EQ(writer_->TotalChanges(), 3);
  {
    Result<SqlQuery> update = writer_->Prepare("UPDATE t SET n = n * 10");
    ASSERT_TRUE(Succeeds(update));
    ASSERT_TRUE(Succeeds(update->Run()));
  }
  EXPECT_EQ(writer_->TotalChanges(), 6);
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 3);
  EXPECT_EQ(writer_->TotalChanges(), 6) << "a SELECT changes nothing";
  Exec("DELETE FROM t WHERE n = 10; INSERT INTO t VALUES (4), (5)");
  EXPECT_EQ(writer_->TotalChanges(), 9);
  EXPECT_FALSE(writer_->Exec("INSERT INTO t VALUES (4)").has_value());
  EXPECT_EQ(writer_->TotalChanges(), 9) << "a failed INSERT changes nothing";
}

TEST_F(PgConnectionTest, SetsUpEachSessionForItsRole) {
  EXPECT_EQ(writer_->dialect(), SqlDialect::kPostgres);
  EXPECT_EQ(writer_->Setting("synchronous_commit").value_or(""), "on");
  EXPECT_EQ(writer_->Setting("default_transaction_isolation").value_or(""), "read committed");
  EXPECT_EQ(writer_->Setting("default_transaction_read_only").value_or(""), "off");
  EXPECT_EQ(writer_->Setting("TimeZone").value_or(""), "UTC");
  EXPECT_EQ(writer_->Setting("client_encoding").value_or(""), "UTF8");
  EXPECT_EQ(writer_->Setting("standard_conforming_strings").value_or(""), "on");
  EXPECT_EQ(writer_->Setting("fsync").value_or(""), "on");

  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Setting("default_transaction_read_only").value_or(""), "on");
  EXPECT_EQ(reader->Setting("default_transaction_isolation").value_or(""), "repeatable read");

  for (const std::string_view bad : {"", "synchronous_commit; DROP TABLE t", "work mem", "x1"}) {
    const Error error = ErrorOf(writer_->Setting(bad));
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(error.message, "not a setting name") << bad;
  }
  EXPECT_EQ(ErrorOf(writer_->Setting("no_such_setting")).code, ErrorCode::kInternal);
}

TEST_F(PgConnectionTest, AStatementIsReusableAfterAFailure) {
  Exec("CREATE TABLE users (email TEXT UNIQUE)");
  const auto insert = [&](std::string_view email) -> Result<int> {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, writer_->Prepare("INSERT INTO users VALUES (?)"));
    query.Bind(email);
    return query.Run();
  };
  EXPECT_EQ(insert("a@example.org").value_or(-1), 1);
  EXPECT_EQ(ErrorOf(insert("a@example.org")).code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(insert("b@example.org").value_or(-1), 1);

  // Inside a write, as the store runs each write in a savepoint of the batch's transaction.
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("SAVEPOINT write_fn");
  EXPECT_EQ(ErrorOf(insert("b@example.org")).code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(writer_->InAutocommit());
  Exec("ROLLBACK TO SAVEPOINT write_fn");
  EXPECT_EQ(insert("c@example.org").value_or(-1), 1);
  Exec("COMMIT");
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM users"), 3);
}

TEST_F(PgConnectionTest, AFailedStatementInsideAWriteUndoesOnlyItself) {
  Exec("CREATE TABLE t (n BIGINT PRIMARY KEY)");
  const auto insert = [&](std::string_view sql, std::vector<std::int64_t> values) -> Result<int> {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, writer_->Prepare(sql));
    for (const std::int64_t value : values) query.Bind(value);
    return query.Run();
  };
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("SAVEPOINT write_fn");
  EXPECT_EQ(insert("INSERT INTO t VALUES (?)", {1}).value_or(-1), 1);
  // Its first row would go in; its second is taken: the statement fails as a whole.
  EXPECT_EQ(ErrorOf(insert("INSERT INTO t VALUES (?), (?)", {2, 1})).code,
            ErrorCode::kAlreadyExists);
  EXPECT_FALSE(writer_->InAutocommit());
  // The write goes on, with what it did before the failure, as it would on SQLite.
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 1);
  EXPECT_EQ(ErrorOf(insert("INSERT INTO t VALUES (?)", {1})).code, ErrorCode::kAlreadyExists);
  {
    Result<SqlQuery> returning = writer_->Prepare("INSERT INTO t VALUES (?) RETURNING n");
    ASSERT_TRUE(Succeeds(returning));
    returning->Bind(3);
    EXPECT_EQ(returning->RunReturningId().value_or(-1), 3);
  }
  Exec("RELEASE write_fn");
  Exec("COMMIT");
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 2);
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t WHERE n = 2"), 0);
}

TEST_F(PgConnectionTest, AStatementInsideAWriteTakesOneRoundTripWithItsSavepoint) {
  Exec("CREATE TABLE t (n BIGINT PRIMARY KEY)");
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("SAVEPOINT write_fn");
  const auto run = [&](std::string_view sql, std::int64_t value) {
    Result<SqlQuery> query = writer_->Prepare(sql);
    ASSERT_TRUE(Succeeds(query));
    query->Bind(value);
    (void)query->Run();
  };

  const std::string insert = TraceOfWriter([&] { run("INSERT INTO t VALUES (?)", 1); });
  EXPECT_EQ(CountMessages(insert, "\tReadyForQuery\t"), 1) << insert;
  // The savepoint that lets a failure undo only the statement is still there.
  EXPECT_EQ(CountMessages(insert, "SAVEPOINT rapport_statement"), 2) << insert;  // and its release

  const std::string select = TraceOfWriter([&] { run("SELECT n FROM t WHERE n = ?", 1); });
  EXPECT_EQ(CountMessages(select, "\tReadyForQuery\t"), 1) << select;
  EXPECT_EQ(CountMessages(select, "SAVEPOINT"), 0) << "a SELECT changes nothing\n" << select;

  // A failure takes one more: the rollback to the savepoint.
  const std::string failed = TraceOfWriter([&] { run("INSERT INTO t VALUES (?)", 1); });
  EXPECT_EQ(CountMessages(failed, "\tReadyForQuery\t"), 2) << failed;
  EXPECT_EQ(CountMessages(failed, "ROLLBACK TO SAVEPOINT rapport_statement"), 1) << failed;
  EXPECT_FALSE(writer_->InAutocommit());
  Exec("COMMIT");
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 1);
}

TEST_F(PgConnectionTest, ACommitPreparedInsideAWriteCommits) {
  Exec("CREATE TABLE t (n BIGINT)");
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("INSERT INTO t VALUES (1)");
  Result<SqlQuery> commit = writer_->Prepare("COMMIT");
  ASSERT_TRUE(Succeeds(commit));
  EXPECT_TRUE(Succeeds(commit->Run()));
  EXPECT_TRUE(writer_->InAutocommit());
  writer_->RollbackIfOpen();  // nothing open: nothing undone
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 1);
}

// The store counts answers into their series (response_series) through a trigger, and runs
// each statement of a write in a savepoint of its own. An upsert there locked the series' row,
// and that lock, carried to each new version, made every later version's xmax a MultiXact: dead
// versions no lookup would mark dead in the index (migrations/postgresql/0026).
TEST_F(PgConnectionTest, AnswersCountedInOneWriteLeaveTheirSeriesNoMultiXact) {
  Result<PgTestCluster*> cluster = PgTestClusterWithTemplate();
  ASSERT_TRUE(Succeeds(cluster));
  const std::string migrated = PgTestCluster::UniqueName("series");
  ASSERT_TRUE(Succeeds((*cluster)->CreateDatabase(migrated, kPgTestTemplate)));
  struct DropAtEnd {
    PgTestCluster& cluster;
    const std::string& name;
    ~DropAtEnd() { EXPECT_TRUE(Succeeds(cluster.DropDatabase(name))); }
  } drop{**cluster, migrated};  // after the connection below has closed
  {
    Result<std::unique_ptr<PgConnection>> opened =
        PgConnection::Open((*cluster)->conninfo(migrated), Mode::kWriter);
    ASSERT_TRUE(Succeeds(opened));
    PgConnection& db = **opened;
    if (!db.Exec("CREATE EXTENSION pageinspect")) {
      GTEST_SKIP() << "pageinspect (part of postgresql-15) is needed to read row versions";
    }
    ASSERT_TRUE(Succeeds(
        db.Exec("INSERT INTO clinics (id, name) VALUES (1, 'Clinic'); "
                "INSERT INTO users (id, clinic_id, email, display_name, role, created_at) VALUES "
                "(1, 1, 'client@example.org', 'Client', 'client', 0), "
                "(2, 1, 'therapist@example.org', 'Therapist', 'therapist', 0); "
                "INSERT INTO episodes (id, clinic_id, client_id, therapist_id, status, started_at) "
                "VALUES (1, 1, 1, 2, 'active', 0)")));

    // As the store writes answers: in one write, each statement in a savepoint of its own.
    ASSERT_TRUE(Succeeds(db.BeginWrite()));
    ASSERT_TRUE(Succeeds(db.Exec("SAVEPOINT write_fn")));
    constexpr int kAnswers = 20;
    for (int i = 0; i < kAnswers; ++i) {
      Result<SqlQuery> answer = db.Prepare(
          "INSERT INTO responses (episode_id, instrument, instrument_version, respondent, "
          "respondent_user_id, submitted_at, session_number, answers, total) "
          "VALUES (1, 'PHQ-9', '1', 'client', 1, ?, ?, '{}', ?)");
      ASSERT_TRUE(Succeeds(answer));
      answer->Bind(std::int64_t{1000} + i).Bind(i).Bind(static_cast<double>(i));
      ASSERT_TRUE(Succeeds(answer->Run()));
      Result<SqlQuery> kept = db.Prepare(
          "UPDATE response_series SET recent = ? "
          "WHERE episode_id = 1 AND instrument = 'PHQ-9' AND respondent = 'client'");
      ASSERT_TRUE(Succeeds(kept));
      kept->Bind(fmt::format("[[{},{},{},\"\"]]", 1000 + i, i + 1, i));
      ASSERT_TRUE(Succeeds(kept->Run()));
    }
    ASSERT_TRUE(Succeeds(db.Exec("RELEASE write_fn")));
    ASSERT_TRUE(Succeeds(db.Exec("COMMIT")));

    // Every version of the row, the dead ones included, read before anything visits the page
    // (a visit may prune it). xmax is a MultiXact when the infomask has HEAP_XMAX_IS_MULTI.
    constexpr std::string_view kVersions =
        "SELECT count(*) FROM generate_series(0, pg_relation_size('response_series') / 8192 - 1) "
        "AS page, heap_page_items(get_raw_page('response_series', CAST(page AS INTEGER))) "
        "WHERE lp_flags = 1";
    EXPECT_GT(Count(db, kVersions), kAnswers) << "the row's dead versions are there to look at";
    EXPECT_EQ(Count(db, fmt::format("{} AND t_infomask & x'1000'::int <> 0", kVersions)), 0);

    EXPECT_EQ(Count(db, "SELECT answered FROM response_series"), kAnswers);
    EXPECT_EQ(Count(db, "SELECT first_total_at FROM response_series"), 1000);
    EXPECT_EQ(Count(db, "SELECT last_submitted_at FROM response_series"), 1000 + kAnswers - 1);
  }
}

TEST_F(PgConnectionTest, AnAbortedTransactionStaysOpenUntilRolledBack) {
  Exec("CREATE TABLE t (n BIGINT PRIMARY KEY)");
  EXPECT_TRUE(writer_->InAutocommit());
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  EXPECT_FALSE(writer_->InAutocommit());
  Exec("INSERT INTO t VALUES (1)");
  EXPECT_FALSE(writer_->Exec("INSERT INTO t VALUES (1)").has_value());
  EXPECT_FALSE(writer_->InAutocommit());
  writer_->RollbackIfOpen();
  EXPECT_TRUE(writer_->InAutocommit());
  writer_->RollbackIfOpen();  // nothing open: nothing to do
  EXPECT_TRUE(writer_->InAutocommit());
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 0);
}

TEST_F(PgConnectionTest, ACommitOfAnAbortedTransactionSavesNothingAndSaysSo) {
  Exec("CREATE TABLE t (n BIGINT PRIMARY KEY)");
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("INSERT INTO t VALUES (1)");
  EXPECT_FALSE(writer_->Exec("INSERT INTO t VALUES (1)").has_value());
  const Error error = ErrorOf(writer_->Exec("COMMIT"));
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(writer_->InAutocommit());
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 0);

  // The same through a prepared statement.
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("INSERT INTO t VALUES (2)");
  EXPECT_FALSE(writer_->Exec("INSERT INTO t VALUES (2)").has_value());
  Result<SqlQuery> commit = writer_->Prepare("COMMIT");
  ASSERT_TRUE(Succeeds(commit));
  EXPECT_EQ(ErrorOf(commit->Run()).code, ErrorCode::kUnavailable);
  EXPECT_TRUE(writer_->InAutocommit());
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 0);
}

TEST_F(PgConnectionTest, RunsSeveralStatementsInOneExecAndStopsAtTheFirstFailure) {
  Exec("CREATE TABLE a (x BIGINT); CREATE TABLE b (y BIGINT); INSERT INTO a VALUES (1)");
  const Error error = ErrorOf(writer_->Exec(
      "INSERT INTO a VALUES (2); INSERT INTO nope VALUES (1); INSERT INTO a VALUES (3)"));
  EXPECT_EQ(error.code, ErrorCode::kInternal);
  EXPECT_EQ(error.message, "database error: relation \"nope\" does not exist");
  EXPECT_TRUE(writer_->InAutocommit());
  // Statements sent together run as one transaction: the INSERT before the failure is undone.
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM a"), 1);
}

TEST_F(PgConnectionTest, JsonEachReadsAnArrayParameter) {
  Exec(
      "CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT); "
      "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30); "
      "CREATE TABLE members (record_key TEXT, set_id BIGINT)");
  {
    Result<SqlQuery> values = writer_->Prepare("SELECT value FROM json_each(?) ORDER BY value");
    ASSERT_TRUE(Succeeds(values));
    values->Bind(R"(["b","a","c"])");
    std::vector<std::string> read;
    while (values->Step().value_or(false)) read.push_back(values->Text(0));
    EXPECT_EQ(read, (std::vector<std::string>{"a", "b", "c"}));
  }
  {
    Result<SqlQuery> count = writer_->Prepare(
        "SELECT count(*) FROM t WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_each(?1)) "
        "AND n > ?2");
    ASSERT_TRUE(Succeeds(count));
    count->Bind("[1, 3, 99]").Bind(10);
    ASSERT_TRUE(count->Step().value_or(false));
    EXPECT_EQ(count->Int(0), 1);
  }
  {
    Result<SqlQuery> insert = writer_->Prepare(
        "INSERT INTO members (record_key, set_id) SELECT value, ?2 FROM json_each(?1)");
    ASSERT_TRUE(Succeeds(insert));
    insert->Bind(R"(["client:1","client:2"])").Bind(7);
    EXPECT_EQ(insert->Run().value_or(-1), 2);
  }
  Result<SqlQuery> joined = writer_->Prepare(
      "SELECT count(*) FROM json_each(?) k JOIN members m ON m.record_key = k.value");
  ASSERT_TRUE(Succeeds(joined));
  joined->Bind(R"(["client:2","client:3"])");
  ASSERT_TRUE(joined->Step().value_or(false));
  EXPECT_EQ(joined->Int(0), 1);
}

TEST_F(PgConnectionTest, AWritersStatementReportsALostConnectionAndTheNextReconnects) {
  Terminate(*writer_);
  {
    Result<SqlQuery> select = writer_->Prepare("SELECT 1");
    ASSERT_TRUE(Succeeds(select));
    const Error error = ErrorOf(select->Step());
    EXPECT_EQ(error.code, ErrorCode::kUnavailable) << error.message;
    EXPECT_TRUE(error.message.starts_with("database unavailable: ")) << error.message;
  }
  EXPECT_TRUE(writer_->InAutocommit()) << "a batch on a lost connection is lost";
  EXPECT_EQ(writer_->reconnections(), 0) << "a writer's statement may have been carried out";
  writer_->RollbackIfOpen();  // harmless

  EXPECT_EQ(Count(*writer_, "SELECT 1"), 1);
  EXPECT_EQ(writer_->reconnections(), 1);
}

TEST_F(PgConnectionTest, AReadersStatementRunsAgainOnANewConnection) {
  Exec("CREATE TABLE t (n INTEGER)");
  Exec("INSERT INTO t VALUES (1), (2)");
  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  Terminate(*reader);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 2);
  EXPECT_EQ(reader->reconnections(), 1);
}

TEST_F(PgConnectionTest, ATransactionAfterTheServerDroppedTheConnectionRunsOnANewOne) {
  Exec("CREATE TABLE t (n INTEGER)");
  const std::int64_t before = Count(*writer_, "SELECT pg_backend_pid()");
  Terminate(*writer_);

  // Nothing noticed the loss yet: BEGIN is the first to, and tries once more on a new connection.
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  EXPECT_EQ(writer_->reconnections(), 1);
  Exec("INSERT INTO t VALUES (1)");
  Exec("COMMIT");
  EXPECT_NE(Count(*writer_, "SELECT pg_backend_pid()"), before);
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 1);
  // The new session is set up as the first was.
  EXPECT_EQ(writer_->Setting("synchronous_commit").value_or(""), "on");
  EXPECT_EQ(writer_->Setting("lock_timeout").value_or(""), "5s");
  EXPECT_EQ(writer_->Setting("TimeZone").value_or(""), "UTC");

  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  Terminate(*reader);
  ASSERT_TRUE(Succeeds(reader->BeginRead()));
  EXPECT_EQ(reader->reconnections(), 1);
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 1);
  reader->RollbackIfOpen();
  EXPECT_EQ(reader->Setting("default_transaction_read_only").value_or(""), "on");
  EXPECT_EQ(reader->Setting("default_transaction_isolation").value_or(""), "repeatable read");
}

TEST_F(PgConnectionTest, AReaderWhoseSnapshotWasLostReconnectsOnceItIsRolledBack) {
  Exec("CREATE TABLE t (n INTEGER)");
  std::unique_ptr<PgConnection> reader = Open(Mode::kReader);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(Succeeds(reader->BeginRead()));
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 0);
  Terminate(*reader);
  {
    Result<SqlQuery> select = reader->Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(Succeeds(select));
    EXPECT_EQ(ErrorOf(select->Step()).code, ErrorCode::kUnavailable)
        << "a statement of the lost snapshot never runs in another";
  }
  // As the store ends a snapshot: a ROLLBACK, which cannot reach the server either.
  (void)reader->Exec("ROLLBACK");
  EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 0);
  EXPECT_EQ(reader->reconnections(), 1);
}

TEST(PgEndsTransaction, KnowsWhichCommandsEndATransaction) {
  for (const char* sql : {"COMMIT", "commit;", " END", "ROLLBACK", "rollback;", "ABORT",
                          "ROLLBACK TRANSACTION", "ROLLBACK AND NO CHAIN"}) {
    EXPECT_TRUE(PgEndsTransaction(sql)) << sql;
  }
  for (const char* sql : {"ROLLBACK TO SAVEPOINT a", "rollback to a", "BEGIN", "SELECT 1",
                          "ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a", "RELEASE a", ""}) {
    EXPECT_FALSE(PgEndsTransaction(sql)) << sql;
  }
}

TEST_F(PgConnectionTest, AWriteWhoseConnectionWasLostKeepsNothingOfIt) {
  Exec("CREATE TABLE t (n INTEGER)");
  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  Exec("INSERT INTO t VALUES (1)");
  Terminate(*writer_);

  Result<SqlQuery> insert = writer_->Prepare("INSERT INTO t VALUES (2)");
  ASSERT_TRUE(Succeeds(insert));
  EXPECT_EQ(ErrorOf(insert->Step()).code, ErrorCode::kUnavailable)
      << "the second half of a transaction never runs on its own";
  EXPECT_TRUE(writer_->InAutocommit());
  EXPECT_EQ(writer_->reconnections(), 0);

  ASSERT_TRUE(Succeeds(writer_->BeginWrite()));
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM t"), 0) << "the first half was undone";
  Exec("COMMIT");
}

TEST_F(PgConnectionTest, BeginReportsAServerItCannotReachAgain) {
  // A connection whose every reconnection fails: its server (a private one) is gone for good.
  Result<std::unique_ptr<PgTestCluster>> own = PgTestCluster::Start();
  ASSERT_TRUE(Succeeds(own));
  Result<std::unique_ptr<PgConnection>> opened =
      PgConnection::Open((*own)->conninfo("postgres"), Mode::kWriter);
  ASSERT_TRUE(Succeeds(opened));
  std::unique_ptr<PgConnection> connection = std::move(*opened);
  own->reset();  // stops the server and removes its folder

  const Error error = ErrorOf(connection->BeginWrite());
  EXPECT_EQ(error.code, ErrorCode::kUnavailable) << error.message;
  EXPECT_TRUE(error.message.starts_with("cannot reach the database: ")) << error.message;
  EXPECT_TRUE(connection->InAutocommit());
}

TEST_F(PgConnectionTest, OpenReportsAnUnreachableServerWithoutThePassword) {
  const std::string conninfo =
      fmt::format("host={}/gone-s3cret-pw port=5432 user=rapport password=s3cret-pw dbname={}",
                  cluster_->folder(), database_);
  Result<std::unique_ptr<PgConnection>> opened = PgConnection::Open(conninfo, Mode::kWriter);
  const Error error = ErrorOf(opened);
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(error.message.starts_with("cannot reach the database: ")) << error.message;
  EXPECT_EQ(error.message.find("s3cret-pw"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
}

TEST_F(PgConnectionTest, EachTestHasAnEmptyDatabaseOfItsOwn) {
  EXPECT_EQ(Count(*writer_, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
  Result<SqlQuery> name = writer_->Prepare("SELECT current_database()");
  ASSERT_TRUE(Succeeds(name));
  ASSERT_TRUE(name->Step().value_or(false));
  EXPECT_EQ(name->Text(0), database_);
}

}  // namespace
}  // namespace rapport
