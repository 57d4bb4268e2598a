// The table digest on real SQLite files: what makes two databases digest the same, what makes them
// differ, and what it reads of a Rapport database.

#include "store/sql/table_digest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TableDigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = std::filesystem::temp_directory_path() / ("rapport-digest-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // A database file at `name` made by `sql`.
  std::unique_ptr<SqliteConnection> Make(const std::string& name, const std::string& sql) {
    auto c = SqliteConnection::Open(Path(name), SqlConnection::Mode::kWriter);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    if (!c) return nullptr;
    const Status made = (*c)->Exec(sql);
    EXPECT_TRUE(made.has_value()) << made.error().message;
    return std::move(*c);
  }

  std::vector<TableDigest> Digest(SqlConnection& c) {
    Result<std::vector<TableDigest>> digest = DigestTables(c);
    EXPECT_TRUE(digest.has_value()) << digest.error().message;
    return digest.value_or(std::vector<TableDigest>{});
  }

  std::filesystem::path dir_;
};

constexpr const char* kSchema =
    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL) STRICT;"
    "CREATE TABLE notes (person TEXT NOT NULL, n INTEGER NOT NULL, body TEXT, "
    "PRIMARY KEY (person, n)) STRICT, WITHOUT ROWID;";

TEST_F(TableDigestTest, TheSameRowsDigestTheSameWhateverOrderTheyWereWrittenIn) {
  auto a =
      Make("a.db", std::string(kSchema) +
                       "INSERT INTO people VALUES (1, 'Jordan', 2.5), (2, 'Mei', NULL);"
                       "INSERT INTO notes VALUES ('b', 1, 'x'), ('a', 2, 'y'), ('a', 1, 'z');");
  auto b =
      Make("b.db", std::string(kSchema) +
                       "INSERT INTO people VALUES (2, 'Mei', NULL), (1, 'Jordan', 2.5);"
                       "INSERT INTO notes VALUES ('a', 1, 'z'), ('b', 1, 'x'), ('a', 2, 'y');");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<TableDigest> from_a = Digest(*a);
  const std::vector<TableDigest> from_b = Digest(*b);
  ASSERT_EQ(from_a.size(), 2U);
  EXPECT_EQ(from_a[0].table, "notes");  // by name
  EXPECT_EQ(from_a[0].rows, 3);
  EXPECT_EQ(from_a[1].table, "people");
  EXPECT_EQ(from_a[1].rows, 2);
  EXPECT_EQ(from_a, from_b);
  EXPECT_THAT(DifferingTables(from_a, from_b), IsEmpty());
  EXPECT_EQ(ContentHash(from_a), ContentHash(from_b));
}

TEST_F(TableDigestTest, OneChangedValueChangesOnlyItsOwnTablesHash) {
  auto a = Make("a.db", std::string(kSchema) +
                            "INSERT INTO people VALUES (1, 'Jordan', 2.5);"
                            "INSERT INTO notes VALUES ('a', 1, 'z');");
  auto b = Make("b.db", std::string(kSchema) +
                            "INSERT INTO people VALUES (1, 'Jordan', 2.5000001);"
                            "INSERT INTO notes VALUES ('a', 1, 'z');");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<TableDigest> from_a = Digest(*a);
  const std::vector<TableDigest> from_b = Digest(*b);
  EXPECT_THAT(DifferingTables(from_a, from_b), ElementsAre("people"));
  EXPECT_EQ(from_a[1].rows, from_b[1].rows);
  EXPECT_NE(ContentHash(from_a), ContentHash(from_b));
}

TEST_F(TableDigestTest, NullAndEmptyTextAreDifferentValues) {
  auto a = Make("a.db", std::string(kSchema) + "INSERT INTO people VALUES (1, NULL, NULL);");
  auto b = Make("b.db", std::string(kSchema) + "INSERT INTO people VALUES (1, '', NULL);");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(DifferingTables(Digest(*a), Digest(*b)), ElementsAre("people"));
}

TEST_F(TableDigestTest, ATableInOnlyOneDatabaseIsNamedAsDiffering) {
  auto a = Make("a.db", kSchema);
  auto b = Make("b.db", std::string(kSchema) + "CREATE TABLE extra (id INTEGER PRIMARY KEY);");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(DifferingTables(Digest(*a), Digest(*b)), ElementsAre("extra"));
}

TEST_F(TableDigestTest, ATableLargerThanOneHashBlockDigestsTheSameAsItsCopy) {
  // About 3 MiB of canonical text: the hash is chained over several blocks.
  const std::string fill =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
      "INSERT INTO people SELECT i, printf('%.1000d', i), i / 7.0 FROM n;";
  auto a = Make("a.db", std::string(kSchema) + fill);
  auto b = Make("b.db", std::string(kSchema) + fill);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<TableDigest> from_a = Digest(*a);
  EXPECT_EQ(from_a[1].rows, 3000);
  EXPECT_EQ(from_a, Digest(*b));
  ASSERT_TRUE(b->Exec("UPDATE people SET name = 'changed' WHERE id = 2999").has_value());
  EXPECT_THAT(DifferingTables(from_a, Digest(*b)), ElementsAre("people"));
}

TEST_F(TableDigestTest, ARapportDatabaseDigestsWithItsSchemaVersionAndAuditHead) {
  SqliteStoreOptions options;
  options.path = Path("rapport.db");
  options.read_connections = 1;
  int version = 0;
  {
    auto store = SqlStore::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    version = (*store)->SchemaVersion();
    for (int i = 0; i < 3; ++i) {
      const Status written = (*store)->Write([&](WriteTxn& txn) -> Status {
        AuditEntry entry;
        entry.at = 1'790'000'000'000 + i;
        entry.actor_role = "system";
        entry.action = "create";
        entry.record_type = "clinic";
        entry.source = "cli";
        const Result<AuditEntry> appended = txn.AppendAudit(entry);
        if (!appended) return Fail(appended.error());
        return Ok();
      });
      ASSERT_TRUE(written.has_value()) << written.error().message;
    }
  }
  auto c = SqliteConnection::Open(options.path, SqlConnection::Mode::kReader);
  ASSERT_TRUE(c.has_value());
  const Result<DatabaseDigest> digest = DigestDatabase(**c);
  ASSERT_TRUE(digest.has_value()) << digest.error().message;
  EXPECT_EQ(digest->schema_version, version);
  EXPECT_EQ(digest->audit_entries, 3);
  EXPECT_EQ(digest->audit_head_seq, 3);
  EXPECT_EQ(digest->audit_head_hash.size(), 64U);
  EXPECT_GT(digest->tables.size(), 40U);
  std::int64_t rows = 0;
  for (const TableDigest& table : digest->tables) rows += table.rows;
  EXPECT_EQ(digest->rows, rows);
  EXPECT_EQ(digest->content_hash, ContentHash(digest->tables));
}

TEST_F(TableDigestTest, ADatabaseWithoutTheMigrationsTableIsNotARapportDatabase) {
  auto c = Make("other.db", kSchema);
  ASSERT_NE(c, nullptr);
  const Result<DatabaseDigest> digest = DigestDatabase(*c);
  ASSERT_FALSE(digest.has_value());
  EXPECT_EQ(digest.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(digest.error().message, ::testing::HasSubstr("not a Rapport database"));
}

}  // namespace
}  // namespace rapport
