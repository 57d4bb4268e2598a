// The SQLite backup on real files: a copy taken in batches of pages is one state of the database
// even when it is written between every step; its restarts are bounded; the file it leaves is
// whole, self-contained and its owner's; nothing is left behind when it fails. And how a process
// holding a database open is seen.

#include "store/sqlite/sqlite_backup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SqliteBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = fs::temp_directory_path() / ("rapport-sqlite-backup-" + RandomHex(6));
    fs::create_directories(dir_);
    // A Rapport database with a few hundred pages in it besides the schema.
    SqliteStoreOptions options;
    options.path = db();
    options.read_connections = 1;
    ASSERT_TRUE(SqlStore::Open(options).has_value());
    auto writer = Writer();
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer
                    ->Exec("CREATE TABLE load_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL) "
                           "STRICT; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
                           "n WHERE i < 400) INSERT INTO load_rows SELECT i, printf('%.1000d', i) "
                           "FROM n")
                    .has_value());
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string db() const { return (dir_ / "clinic.db").string(); }
  std::string backup() const { return (dir_ / "backup.db").string(); }

  std::unique_ptr<SqliteConnection> Writer() const {
    auto c = SqliteConnection::Open(db(), SqlConnection::Mode::kWriter);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }

  DatabaseDigest DigestOf(const std::string& path) const {
    auto c = SqliteConnection::Open(path, SqlConnection::Mode::kReader);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    if (!c) return {};
    Result<DatabaseDigest> digest = DigestDatabase(**c);
    EXPECT_TRUE(digest.has_value()) << digest.error().message;
    return digest.value_or(DatabaseDigest{});
  }

  std::int64_t LoadRows(const std::string& path) const {
    for (const TableDigest& table : DigestOf(path).tables) {
      if (table.table == "load_rows") return table.rows;
    }
    return -1;
  }

  std::vector<std::string> FilesInFolder() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  SqliteBackupOptions Options() const {
    SqliteBackupOptions options;
    options.from = db();
    options.to = backup();
    return options;
  }

  fs::path dir_;
};

TEST_F(SqliteBackupTest, AQuietDatabaseIsCopiedInBatchesAndReadsBackTheSame) {
  SqliteBackupOptions options = Options();
  options.pages_per_step = 8;
  const Result<SqliteBackupReport> report = BackupSqlite(options);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_GT(report->steps, 10);
  EXPECT_EQ(report->restarts, 0);
  EXPECT_FALSE(report->rest_in_one_step);
  const DatabaseDigest source = DigestOf(db());
  const DatabaseDigest copy = DigestOf(backup());
  EXPECT_EQ(copy.tables, source.tables);
  EXPECT_EQ(copy.content_hash, source.content_hash);
  EXPECT_EQ(report->digest.content_hash, source.content_hash);
  EXPECT_EQ(report->digest.schema_version, source.schema_version);
  EXPECT_EQ(report->bytes, static_cast<std::int64_t>(fs::file_size(backup())));
}

TEST_F(SqliteBackupTest,
       AWriteAfterEveryStepRestartsTheCopyOnlyUpToTheBoundThenTheRestTakesOneStep) {
  auto writer = Writer();
  ASSERT_NE(writer, nullptr);
  int written = 0;
  SqliteBackupOptions options = Options();
  options.pages_per_step = 4;
  options.max_restarts = 3;
  options.after_step = [&] {
    ++written;
    ASSERT_TRUE(writer->Exec("INSERT INTO load_rows (body) VALUES ('written during the backup')")
                    .has_value());
  };
  const Result<SqliteBackupReport> report = BackupSqlite(options);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->restarts, 3);
  EXPECT_TRUE(report->rest_in_one_step);
  EXPECT_EQ(written, 4);  // after the first step and after each restart's step
  // One state of the database: the one the last step read, with every write before it.
  EXPECT_EQ(LoadRows(backup()), 400 + written);
  EXPECT_EQ(DigestOf(backup()).tables, DigestOf(db()).tables);
}

TEST_F(SqliteBackupTest, TheBackupIsOneFileInRollbackJournalModeReadableByItsOwnerOnly) {
  ASSERT_TRUE(BackupSqlite(Options()).has_value());
  std::ifstream in(backup(), std::ios::binary);
  std::array<char, 20> header{};
  in.read(header.data(), header.size());
  // Bytes 18 and 19: the file format's write and read versions, 1 for a rollback journal, 2 for
  // WAL.
  EXPECT_EQ(header[18], 1);
  EXPECT_EQ(header[19], 1);
  EXPECT_FALSE(fs::exists(backup() + "-wal"));
  EXPECT_FALSE(fs::exists(backup() + "-shm"));
  struct stat info{};
  ASSERT_EQ(::stat(backup().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST_F(SqliteBackupTest, AnExistingFileIsReplacedOnlyWhenAsked) {
  {
    std::ofstream(backup()) << "an older backup";
  }
  const Result<SqliteBackupReport> refused = BackupSqlite(Options());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  std::ifstream in(backup());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "an older backup");

  SqliteBackupOptions options = Options();
  options.replace = true;
  ASSERT_TRUE(BackupSqlite(options).has_value());
  EXPECT_EQ(DigestOf(backup()).content_hash, DigestOf(db()).content_hash);
}

TEST_F(SqliteBackupTest, NoDatabaseMeansNoBackupAndNoDatabaseMade) {
  SqliteBackupOptions options = Options();
  options.from = (dir_ / "missing.db").string();
  const std::vector<std::string> before = FilesInFolder();
  const Result<SqliteBackupReport> report = BackupSqlite(options);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(FilesInFolder(), before);
}

TEST_F(SqliteBackupTest, AFileThatIsNotADatabaseIsRefusedAndNothingIsLeftBehind) {
  const std::string text = (dir_ / "notes.txt").string();
  {
    std::ofstream(text) << std::string(8192, 'x');
  }
  SqliteBackupOptions options = Options();
  options.from = text;
  const std::vector<std::string> before = FilesInFolder();
  const Result<SqliteBackupReport> report = BackupSqlite(options);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(report.error().message, HasSubstr("is not an SQLite database"));
  EXPECT_EQ(FilesInFolder(), before);
}

TEST_F(SqliteBackupTest, ADatabaseThatIsNotRapportsIsNotBackedUp) {
  const std::string other = (dir_ / "other.db").string();
  {
    auto c = SqliteConnection::Open(other, SqlConnection::Mode::kWriter);
    ASSERT_TRUE(c.has_value());
    ASSERT_TRUE((*c)->Exec("CREATE TABLE things (id INTEGER PRIMARY KEY)").has_value());
  }
  SqliteBackupOptions options = Options();
  options.from = other;
  const Result<SqliteBackupReport> report = BackupSqlite(options);
  ASSERT_FALSE(report.has_value());
  EXPECT_THAT(report.error().message, HasSubstr("not a Rapport database"));
  EXPECT_FALSE(fs::exists(backup()));
}

TEST_F(SqliteBackupTest, SqliteHolderNamesTheProcessThatHasTheDatabaseOpenUntilItCloses) {
  EXPECT_EQ(SqliteHolder(db()), std::nullopt);
  std::array<int, 2> ready{};
  std::array<int, 2> release{};
  ASSERT_EQ(::pipe(ready.data()), 0);
  ASSERT_EQ(::pipe(release.data()), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Holds the database open, as a server does, until told to let go.
    sqlite3* handle = nullptr;
    const bool opened =
        sqlite3_open_v2(db().c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
        sqlite3_exec(handle, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) ==
            SQLITE_OK;
    char byte = opened ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    (void)!::read(release[0], &byte, 1);
    sqlite3_close(handle);
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  EXPECT_EQ(SqliteHolder(db()), child);
  ASSERT_EQ(::write(release[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(SqliteHolder(db()), std::nullopt);
  for (const int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}

}  // namespace
}  // namespace rapport
