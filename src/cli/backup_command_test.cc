// rapport backup and rapport restore, run as main() runs them but with string streams, on real
// SQLite files of the demo clinic: what they write and say, and every refusal, each of which
// leaves the database folder exactly as it was (every file in it hashed before and after).

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/crypto.h"
#include "demo/demo.h"
#include "store/sql/table_digest.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr Timestamp kNow = 1'790'000'000'000;

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

using Command = int (*)(Args, std::ostream&, std::ostream&);

CommandRun Call(Command command, std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  CommandRun run;
  run.code = command(args, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::string Contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file of `folder` by name with a hash of its bytes: equal exactly when nothing in it
// changed, appeared or went.
std::string FolderState(const fs::path& folder) {
  std::vector<std::string> lines;
  std::error_code ignored;
  if (!fs::exists(folder, ignored)) return "(no folder)";
  for (const auto& entry : fs::directory_iterator(folder)) {
    lines.push_back(entry.path().filename().string() + " " + Blake2b256Hex(Contents(entry.path())));
  }
  std::sort(lines.begin(), lines.end());
  std::string state;
  for (const std::string& line : lines) state += line + "\n";
  return state;
}

DatabaseDigest DigestOf(const std::string& path) {
  auto c = SqliteConnection::Open(path, SqlConnection::Mode::kReader);
  EXPECT_TRUE(c.has_value()) << c.error().message;
  if (!c) return {};
  Result<DatabaseDigest> digest = DigestDatabase(**c);
  EXPECT_TRUE(digest.has_value()) << digest.error().message;
  return digest.value_or(DatabaseDigest{});
}

// Runs `sql` on the SQLite file at `path` (a copy made to be spoiled).
void Spoil(const std::string& path, const std::string& sql) {
  auto c = SqliteConnection::Open(path, SqlConnection::Mode::kWriter);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const Status done = (*c)->Exec(sql);
  ASSERT_TRUE(done.has_value()) << done.error().message;
}

class BackupCommandTest : public ::testing::Test {
 protected:
  // The demo clinic and a backup of it, made once: every test copies them.
  static void SetUpTestSuite() {
    ASSERT_TRUE(InitCrypto().has_value());
    seed_ = new fs::path(fs::temp_directory_path() / ("rapport-backup-seed-" + RandomHex(6)));
    fs::create_directories(*seed_);
    SqliteStoreOptions options;
    options.path = (*seed_ / "clinic.db").string();
    options.read_connections = 1;
    auto store = SqlStore::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    const Result<DemoSummary> seeded = SeedDemo(**store, kNow, "demo password", HashCost::kMinimal);
    ASSERT_TRUE(seeded.has_value()) << seeded.error().message;
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*seed_, ignored);
    delete seed_;
    seed_ = nullptr;
  }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rapport-backup-cli-" + RandomHex(6));
    clinic_ = dir_ / "clinic";
    restored_ = dir_ / "restored";
    fs::create_directories(clinic_);
    fs::create_directories(restored_);
    // The database and every key file the store keeps beside it.
    for (const auto& entry : fs::directory_iterator(*seed_)) {
      fs::copy_file(entry.path(), clinic_ / entry.path().filename());
    }
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string db() const { return (clinic_ / "clinic.db").string(); }
  std::string audit_key() const { return db() + ".audit-key"; }
  std::string message_key() const { return db() + ".message-key"; }
  std::string master_key() const { return db() + ".master-key"; }
  std::string backup() const { return (dir_ / "clinic.backup").string(); }
  std::string target() const { return (restored_ / "clinic.db").string(); }

  // A backup of the clinic at backup().
  void Backup() {
    const CommandRun run = Call(RunBackupCommand, {"--db", db(), "--to", backup()});
    ASSERT_EQ(run.code, 0) << run.err;
  }
  // A copy of the backup at `name` in dir_, to be spoiled.
  std::string CopyOfBackup(const std::string& name) {
    const std::string copy = (dir_ / name).string();
    fs::copy_file(backup(), copy);
    return copy;
  }

  CommandRun Restore(const std::string& from, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--from", from, "--db", target()};
    for (const std::string& key :
         std::vector<std::string>{"--audit-key", audit_key(), "--message-key", message_key(),
                                  "--master-key", master_key()}) {
      args.push_back(key);
    }
    // A later option of the same name takes the place of the one above.
    args.insert(args.end(), extra.begin(), extra.end());
    return Call(RunRestoreCommand, args);
  }

  // A refused restore of `from`: exit 1, the message says `why`, and the target's folder is
  // exactly as it was.
  void ExpectRefused(const std::string& from, const std::string& why,
                     std::vector<std::string> extra = {}) {
    const std::string before = FolderState(restored_);
    const CommandRun run = Restore(from, std::move(extra));
    EXPECT_EQ(run.code, 1) << run.out;
    EXPECT_THAT(run.err, HasSubstr(why));
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(FolderState(restored_), before);
  }

  static fs::path* seed_;
  fs::path dir_;
  fs::path clinic_;
  fs::path restored_;
};

fs::path* BackupCommandTest::seed_ = nullptr;

// --- Parsing -------------------------------------------------------------------------------------

TEST_F(BackupCommandTest, BackupWithoutToIsAUsageErrorNamingTheOption) {
  const CommandRun run = Call(RunBackupCommand, {"--db", db()});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("--to"));
  EXPECT_THAT(run.err, HasSubstr("usage: rapport backup"));
}

TEST_F(BackupCommandTest, RestoreWithoutFromOrDbIsAUsageErrorNamingTheOption) {
  const CommandRun no_from = Call(RunRestoreCommand, {"--db", target()});
  EXPECT_EQ(no_from.code, 2);
  EXPECT_THAT(no_from.err, HasSubstr("--from"));
  // No default database to restore into: the operator names it.
  const CommandRun no_db = Call(RunRestoreCommand, {"--from", backup()});
  EXPECT_EQ(no_db.code, 2);
  EXPECT_THAT(no_db.err, HasSubstr("--db"));
  EXPECT_FALSE(fs::exists("data/rapport.db"));
}

TEST_F(BackupCommandTest, AnUnknownOptionOrAStrayWordIsAUsageError) {
  const CommandRun unknown = Call(RunBackupCommand, {"--db", db(), "--to", backup(), "--fast"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--fast"));
  const CommandRun stray = Call(RunRestoreCommand, {"--from", backup(), "--db", target(), "now"});
  EXPECT_EQ(stray.code, 2);
  EXPECT_THAT(stray.err, HasSubstr("'now'"));
  EXPECT_FALSE(fs::exists(backup()));
}

// --- Backup --------------------------------------------------------------------------------------

TEST_F(BackupCommandTest, BackupWritesACheckedCopyAndSaysWhatItHoldsAndThatTheKeysAreNotInIt) {
  const CommandRun run = Call(RunBackupCommand, {"--db", db(), "--to", backup()});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const DatabaseDigest source = DigestOf(db());
  const DatabaseDigest copy = DigestOf(backup());
  EXPECT_EQ(copy.tables, source.tables);
  // One line: the figures, and the key files kept apart.
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
  EXPECT_THAT(run.out,
              HasSubstr(fmt::format("{} tables, {} rows", source.tables.size(), source.rows)));
  EXPECT_THAT(run.out, HasSubstr(fmt::format("{} bytes", fs::file_size(backup()))));
  EXPECT_THAT(run.out, HasSubstr(fmt::format("schema version {}", source.schema_version)));
  EXPECT_THAT(run.out, HasSubstr(fmt::format("audit chain of {} entries with head {} {}",
                                             source.audit_entries, source.audit_head_seq,
                                             source.audit_head_hash)));
  EXPECT_THAT(run.out, HasSubstr("content " + source.content_hash));
  EXPECT_THAT(run.out, HasSubstr("the key files are not in it: keep " + audit_key() + ", " +
                                 message_key() + " and " + master_key()));
  // Nothing but the backup itself was written beside it.
  std::vector<std::string> beside;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.is_regular_file()) beside.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(beside, ::testing::ElementsAre("clinic.backup"));
  const std::string key = Contents(audit_key());
  EXPECT_EQ(Contents(backup()).find(key.substr(0, 64)), std::string::npos);
}

TEST_F(BackupCommandTest, BackupRefusesAnExistingFileUnlessForced) {
  {
    std::ofstream(backup()) << "last night's backup";
  }
  const CommandRun refused = Call(RunBackupCommand, {"--db", db(), "--to", backup()});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("already exists: give --force"));
  EXPECT_EQ(Contents(backup()), "last night's backup");

  const CommandRun forced = Call(RunBackupCommand, {"--db", db(), "--to", backup(), "--force"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(DigestOf(backup()).content_hash, DigestOf(db()).content_hash);
}

TEST_F(BackupCommandTest, BackupOfAMissingDatabaseFailsAndMakesNoDatabase) {
  const std::string missing = (clinic_ / "missing.db").string();
  const std::string before = FolderState(clinic_);
  const CommandRun run = Call(RunBackupCommand, {"--db", missing, "--to", backup()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("there is no SQLite database at " + missing));
  EXPECT_THAT(run.err, HasSubstr("no backup was written"));
  EXPECT_EQ(FolderState(clinic_), before);
  EXPECT_FALSE(fs::exists(backup()));
}

TEST_F(BackupCommandTest, APostgresBackupThatFailsNeverPrintsTheConnectionsPassword) {
  // Nothing listens on port 1: the backup fails on connecting, and says so without the password.
  const std::string db = "postgresql://rapport:s3cret-in-uri@127.0.0.1:1/clinic";
  const CommandRun run = Call(RunBackupCommand, {"--db", db, "--to", backup()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("no backup was written"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr("s3cret")));
  EXPECT_FALSE(fs::exists(backup()));
}

// --- Restore -------------------------------------------------------------------------------------

TEST_F(BackupCommandTest, RestoreIntoANewPathGivesEveryTableBackAndAChainThatVerifies) {
  Backup();
  const CommandRun run = Restore(backup());
  ASSERT_EQ(run.code, 0) << run.err;
  const DatabaseDigest from_backup = DigestOf(backup());
  const DatabaseDigest restored = DigestOf(target());
  EXPECT_EQ(restored.tables, from_backup.tables);
  EXPECT_THAT(run.out, HasSubstr("content " + from_backup.content_hash));
  EXPECT_THAT(run.out, HasSubstr(fmt::format("its audit chain verified with {}: {} entries",
                                             audit_key(), from_backup.audit_entries)));
  // Started elsewhere, the server is told where the key files are.
  EXPECT_THAT(run.out, HasSubstr("--audit-key " + audit_key()));
  // Nothing but the database was made beside it: no key file, no temporary file.
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(restored_)) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(files, ::testing::ElementsAre("clinic.db"));
}

TEST_F(BackupCommandTest, RestoreRefusesAMissingBackupFile) {
  ExpectRefused((dir_ / "nothing.backup").string(), "there is no backup file at");
}

TEST_F(BackupCommandTest, RestoreRefusesAFileThatIsNotADatabase) {
  const std::string text = (dir_ / "notes.txt").string();
  {
    std::ofstream(text) << std::string(4096, 'x');
  }
  ExpectRefused(text, text + " is not an SQLite database");
}

TEST_F(BackupCommandTest, RestoreRefusesADamagedBackup) {
  Backup();
  const std::string damaged = CopyOfBackup("damaged.backup");
  {
    // The middle third of its pages overwritten: the file still opens (its first page is
    // whole), its b-trees do not check out.
    const std::uintmax_t size = fs::file_size(damaged);
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 3 / 4096 * 4096));
    const std::string garbage(size / 3 / 4096 * 4096, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  ExpectRefused(damaged, damaged + " is damaged");
}

TEST_F(BackupCommandTest, RestoreRefusesADatabaseThatIsNotRapports) {
  const std::string other = (dir_ / "other.db").string();
  Spoil(other, "CREATE TABLE things (id INTEGER PRIMARY KEY)");
  ExpectRefused(other, "it is not a Rapport database");
}

TEST_F(BackupCommandTest, RestoreRefusesASchemaVersionThisBinaryDoesNotKnow) {
  Backup();
  const std::string newer = CopyOfBackup("newer.backup");
  Spoil(newer,
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, "
        "'9999_from_a_newer_rapport.sql', 0)");
  ExpectRefused(newer, "it is at schema version 9999, newer than this rapport knows");
}

TEST_F(BackupCommandTest, RestoreRefusesAnAuditChainThatDoesNotVerify) {
  Backup();
  const std::string altered = CopyOfBackup("altered.backup");
  Spoil(altered, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'altered' WHERE seq = 5");
  ExpectRefused(altered, "its audit chain does not verify with the audit key file " + audit_key() +
                             ": broken at entry 5");
}

TEST_F(BackupCommandTest, RestoreWithAnotherClinicsAuditKeyRefusesNamingTheKeyFile) {
  Backup();
  const std::string other_key = (dir_ / "other.audit-key").string();
  ASSERT_TRUE(LoadOrCreateKeyFile(other_key).has_value());
  const std::string before = FolderState(restored_);
  const CommandRun run =
      Call(RunRestoreCommand, {"--from", backup(), "--db", target(), "--audit-key", other_key,
                               "--message-key", message_key(), "--master-key", master_key()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("does not verify with the audit key file " + other_key +
                                 ": broken at entry"));
  EXPECT_EQ(FolderState(restored_), before);
}

TEST_F(BackupCommandTest, RestoreWithAnotherMasterKeyRefusesNamingTheKeyFile) {
  Backup();
  const std::string other_key = (dir_ / "other.master-key").string();
  ASSERT_TRUE(LoadOrCreateKeyFile(other_key).has_value());
  ExpectRefused(
      backup(),
      "the master key file " + other_key + " is not the key the data keys were wrapped with",
      {"--master-key", other_key});
}

TEST_F(BackupCommandTest, RestoreNamesEachKeyFileItNeedsWhenItIsNotThere) {
  Backup();
  const std::string before = FolderState(restored_);
  // The defaults, beside the new database, hold no keys yet.
  const CommandRun no_keys = Call(RunRestoreCommand, {"--from", backup(), "--db", target()});
  EXPECT_EQ(no_keys.code, 1);
  EXPECT_THAT(no_keys.err, HasSubstr("the key file " + target() + ".audit-key does not exist"));
  EXPECT_THAT(no_keys.err, HasSubstr("--audit-key"));
  const CommandRun no_message_key =
      Call(RunRestoreCommand, {"--from", backup(), "--db", target(), "--audit-key", audit_key()});
  EXPECT_EQ(no_message_key.code, 1);
  EXPECT_THAT(no_message_key.err,
              HasSubstr("the key file " + target() + ".message-key does not exist"));
  EXPECT_THAT(no_message_key.err, HasSubstr("--message-key"));
  // The demo clinic's free text is sealed under data keys: their master key is needed too.
  const CommandRun no_master_key =
      Call(RunRestoreCommand, {"--from", backup(), "--db", target(), "--audit-key", audit_key(),
                               "--message-key", message_key()});
  EXPECT_EQ(no_master_key.code, 1);
  EXPECT_THAT(no_master_key.err,
              HasSubstr("the master key file " + target() + ".master-key does not exist"));
  // Never made in passing.
  EXPECT_EQ(FolderState(restored_), before);
}

TEST_F(BackupCommandTest, RestoreRefusesToReplaceADatabaseUnlessForced) {
  Backup();
  fs::copy_file(db(), target());
  ExpectRefused(backup(), target() +
                              " already holds a database: a restore replaces it only with "
                              "--force");
}

TEST_F(BackupCommandTest, RestoreRefusesAFolderThatDoesNotExist) {
  Backup();
  const std::string nowhere = (dir_ / "nowhere" / "clinic.db").string();
  const CommandRun run =
      Call(RunRestoreCommand, {"--from", backup(), "--db", nowhere, "--audit-key", audit_key(),
                               "--message-key", message_key(), "--master-key", master_key()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));
}

TEST_F(BackupCommandTest, AForcedRestoreOverACrashedServersDatabaseLeavesNoneOfItsLogBehind) {
  Backup();
  // The clinic's database as a server killed mid-work leaves it: a write-ahead log with a commit
  // in it, and no process holding it.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sqlite3* handle = nullptr;
    sqlite3_open_v2(db().c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_exec(handle,
                 "PRAGMA wal_autocheckpoint = 0; CREATE TABLE written_after_the_backup (id "
                 "INTEGER PRIMARY KEY); INSERT INTO written_after_the_backup VALUES (1)",
                 nullptr, nullptr, nullptr);
    ::_exit(0);  // without closing: the log stays as it is
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_GT(fs::file_size(db() + "-wal"), 0U);
  // Its checkpoints record the chain as it was before the restore, further on than the backup.
  {
    std::ofstream(db() + ".audit-checkpoints") << "rapport-audit-checkpoint seq=999999 hash=x\n";
  }

  const CommandRun run = Call(RunRestoreCommand, {"--from", backup(), "--db", db(), "--force"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(DigestOf(db()).tables, DigestOf(backup()).tables);
  EXPECT_TRUE(!fs::exists(db() + "-wal") || fs::file_size(db() + "-wal") == 0);
  EXPECT_THAT(run.out, HasSubstr("note: " + db() +
                                 ".audit-checkpoints records 999999 audit "
                                 "entries"));
  // The keys beside it are the defaults: nothing to tell the server.
  EXPECT_THAT(run.out, Not(HasSubstr("start the server")));
}

}  // namespace
}  // namespace rapport
