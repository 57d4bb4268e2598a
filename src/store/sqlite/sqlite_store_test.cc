#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/crypto.h"
#include "core/wait_test_support.h"
#include "store/sealed_world_test_support.h"
#include "store/sql/field_cipher.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_migrations.h"
#include "store/sqlite/sqlite_test_template.h"
#include "store/store_caseload_contract_test.h"
#include "store/store_contract_test.h"
#include "store/store_course_contract_test.h"
#include "store/store_family_contract_test.h"
#include "store/store_matching_contract_test.h"
#include "store/store_notification_contract_test.h"

namespace rapport {
namespace {

// A fresh directory under the test temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "rapport-store-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path, int read_connections = 4) {
  SqliteStoreOptions options;
  options.path = path;
  options.read_connections = read_connections;
  auto store = SqliteStore::Open(options);
  if (!store) {
    ADD_FAILURE() << "cannot open " << path << ": " << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

class SqliteFixture final : public StoreFixture {
 public:
  // One read connection to start with, so that the suite makes the pool grow.
  SqliteFixture() : store_(OpenOrDie(CopyOfMigrated(dir_.File("rapport.db")), 1)) {
    if (!store_) throw std::runtime_error("cannot open the test database");
  }
  Store& store() override { return *store_; }

 private:
  static std::string CopyOfMigrated(const std::string& path) {
    testing::CopyMigratedDatabase(path);
    return path;
  }

  TempDir dir_;  // outlives the store
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreFeedbackContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreCaseloadContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreMatchingContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreCourseContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreFamilyContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StorePlanContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreNotificationContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteFixture>(); }}),
                         StoreBackendName);

// --- SQLite only ------------------------------------------------------------------------------

// A plain connection beside the store's, as a careless tool or person would open one.
struct RawDb {
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
    sqlite3_busy_timeout(db, 5000);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close(db); }
  int Exec(const std::string& sql) const {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // One statement with its parameters bound in order: an integer, a text, or NULL.
  using Param = std::variant<std::int64_t, std::string, std::nullptr_t>;
  int Run(const std::string& sql, const std::vector<Param>& params) const {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    for (std::size_t i = 0; rc == SQLITE_OK && i < params.size(); ++i) {
      const int at = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, at, *n);
      } else if (const auto* t = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, at, t->c_str(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, at);
      }
    }
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(stmt);
    return rc;
  }
  std::string Text(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) out = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
    return out;
  }
  sqlite3* db = nullptr;
};

Status AddClinicAndUser(Store& store, const std::string& email) {
  return store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = email;
    u.display_name = "Someone";
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(u));
    AuditEntry e;
    e.clinic_id = clinic;
    e.action = "create";
    RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(e));
    return Ok();
  });
}

TEST(SqliteStore, ReopeningTheFileKeepsTheDataAndTheChain) {
  TempDir dir;
  const std::string path = dir.File("keep.db");
  std::string first_hash;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(AddClinicAndUser(*store, "kept@example.org"), IsOk());
    auto audit = store->ListAudit(0, 0, 10);
    ASSERT_THAT(audit, IsOk());
    ASSERT_EQ(audit->size(), 1U);
    first_hash = (*audit)[0].hash;
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(SoleUserWithEmail(*store, "kept@example.org"), IsOk());
  ASSERT_THAT(AddClinicAndUser(*store, "second@example.org"), IsOk());
  auto audit = store->ListAudit(0, 0, 10);
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), 2U);
  EXPECT_EQ((*audit)[1].seq, 2);
  EXPECT_EQ((*audit)[1].prev_hash, first_hash);
}

TEST(SqliteStore, EmbeddedMigrationsAreNumberedFromOneWithoutGaps) {
  const auto migrations = SqliteMigrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations[0].name, "0001_init.sql");
}

TEST(SqliteStore, MigrationsAreAppliedOnceAndTheVersionIsReported) {
  TempDir dir;
  const std::string path = dir.File("migrated.db");
  const int latest = SqliteMigrations().back().version;
  for (int open = 0; open < 2; ++open) {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->SchemaVersion(), latest);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"),
            std::to_string(SqliteMigrations().size()));
  EXPECT_EQ(raw.Text("SELECT max(version) FROM schema_migrations"), std::to_string(latest));
}

TEST(SqliteStore, ADatabaseFromANewerProgramIsRefused) {
  TempDir dir;
  const std::string path = dir.File("newer.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)"),
              SQLITE_OK);
  }
  SqliteStoreOptions options;
  options.path = path;
  EXPECT_THAT(SqliteStore::Open(options), FailsWith(ErrorCode::kUnavailable));
}

TEST(SqliteStore, TheFileIsInWalModeWithTheSchemaInPlace) {
  TempDir dir;
  const std::string path = dir.File("wal.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit'"),
            "1");
}

TEST(SqliteStore, ANewDatabaseAndItsLogAreReadableByTheirOwnerOnly) {
  TempDir dir;
  const std::string path = dir.File("private.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write([](WriteTxn& txn) { return DropValue(txn.InsertClinic({0, "A", {}})); })
                  .has_value());
  using std::filesystem::perms;
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_EQ(std::filesystem::status(file).permissions() & perms::all,
              perms::owner_read | perms::owner_write)
        << file;
  }
}

TEST(SqliteStore, IsNotWritableWhileAnotherProcessHoldsTheWriteLock) {
  TempDir dir;
  const std::string path = dir.File("locked.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->CheckWritable(), IsOk());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_THAT(store->CheckWritable(), FailsWith(ErrorCode::kUnavailable));
  EXPECT_THAT(store->Ping(), IsOk()) << "reading still works";
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_THAT(store->CheckWritable(), IsOk());
}

TEST(SqliteStore, CreatesMissingParentDirectories) {
  TempDir dir;
  const std::string path = dir.File("a/b/c/rapport.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(SqliteStore, RefusesInMemoryAndEmptyPaths) {
  for (const char* path : {":memory:", "", "file::memory:"}) {
    SqliteStoreOptions options;
    options.path = path;
    EXPECT_THAT(SqliteStore::Open(options), FailsWith(ErrorCode::kInvalidArgument)) << path;
  }
}

TEST(SqliteStore, AFileThatIsNotADatabaseIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("garbage.db");
  {
    std::ofstream out(path);
    out << std::string(8192, 'x');
  }
  SqliteStoreOptions options;
  options.path = path;
  EXPECT_THAT(SqliteStore::Open(options), FailsWith(ErrorCode::kUnavailable));

  options.path = dir.File("");  // the directory itself
  EXPECT_THAT(SqliteStore::Open(options), FailsWith(ErrorCode::kUnavailable));
}

TEST(SqliteStore, SixtyFourConcurrentWritersAllSucceedAndAllWritesArePresent) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("busy.db"));
  ASSERT_NE(store, nullptr);
  ClinicId clinic = 0;
  ASSERT_THAT(store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.InsertClinic(Clinic{0, "Busy", {}}));
    return Ok();
  }),
              IsOk());

  constexpr int kThreads = 64;
  constexpr int kWritesEach = 5;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesEach; ++i) {
        const Status written = store->Write([&](WriteTxn& txn) -> Status {
          NewUser u;
          u.clinic_id = clinic;
          u.email = fmt::format("t{}-{}@example.org", t, i);
          u.display_name = "Writer";
          RAPPORT_ASSIGN_OR_RETURN(const UserId id, txn.InsertUser(u));
          AuditEntry e;
          e.clinic_id = clinic;
          e.action = "create";
          e.record_type = "user";
          e.record_id = std::to_string(id);
          RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(e));
          return Ok();
        });
        if (!written) ++failures[static_cast<std::size_t>(t)];
        // Readers run alongside the writers.
        if (!store->ListUsers(clinic)) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[static_cast<std::size_t>(t)], 0) << t;

  auto users = store->ListUsers(clinic);
  ASSERT_THAT(users, IsOk());
  EXPECT_EQ(users->size(), static_cast<std::size_t>(kThreads * kWritesEach));
  auto audit = store->ListAudit(0, 0, 10'000);
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), static_cast<std::size_t>(kThreads * kWritesEach));
  std::string prev(kAuditGenesisHash);
  for (std::size_t i = 0; i < audit->size(); ++i) {
    const AuditEntry& e = (*audit)[i];
    ASSERT_EQ(e.seq, static_cast<std::int64_t>(i + 1));
    ASSERT_EQ(e.prev_hash, prev);
    ASSERT_EQ(e.hash, store->AuditSeal(AuditDigestInput(e)));
    prev = e.hash;
  }
}

using testing::WaitUntil;

Status InsertClinic(Store& store, const std::string& name) {
  return store.Write([&](WriteTxn& txn) { return DropValue(txn.InsertClinic({0, name, {}})); });
}

TEST(SqliteStore, ConcurrentWritesShareDurableCommits) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("group.db"));
  ASSERT_NE(store, nullptr);
  const SqliteStore::WriteStats before = store->write_stats();

  // The first write holds the writer inside its transaction until every other write is queued
  // behind it. Batching then does not depend on how the threads happen to be scheduled: the
  // others can only be committed after it, and all of them are waiting when it lets go.
  std::promise<void> holding;
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  Status first;
  std::thread holder([&] {
    first = store->Write([&](WriteTxn& txn) -> Status {
      holding.set_value();
      released.wait();
      return DropValue(txn.InsertClinic({0, "First", {}}));
    });
  });
  holding.get_future().wait();

  constexpr int kWriters = 32;  // fewer than SqliteStoreOptions::max_batch: one batch holds all
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] = InsertClinic(*store, fmt::format("Clinic {}", i));
    });
  }
  const bool all_queued = WaitUntil([&] { return store->write_stats().queued == kWriters; });
  release.set_value();
  holder.join();
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(all_queued) << "the writes never all queued behind the first";

  EXPECT_THAT(first, IsOk());
  for (const Status& result : results) EXPECT_THAT(result, IsOk());
  const SqliteStore::WriteStats after = store->write_stats();
  EXPECT_EQ(after.writes - before.writes, kWriters + 1);
  EXPECT_LT(after.commits - before.commits, kWriters + 1) << "each write had a commit of its own";
  // Exactly: the first write's own commit, then one commit for everything queued behind it.
  EXPECT_EQ(after.commits - before.commits, 2);
  EXPECT_EQ(after.queued, 0);
  auto clinics = store->ListClinics();
  ASSERT_THAT(clinics, IsOk());
  EXPECT_EQ(clinics->size(), static_cast<std::size_t>(kWriters + 1));
}

TEST(SqliteStore, AReaderDoesNotWaitForAReadInProgressThePoolGrowsInstead) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("rapport.db"), 1);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->read_stats().connections, 1);
  std::atomic<bool> holding{false};
  std::atomic<bool> release{false};
  std::thread holder([&] {
    EXPECT_THAT(store->Read([&](Reads& reads) -> Status {
      RAPPORT_RETURN_IF_ERROR(reads.ListClinics());
      holding = true;
      for (int i = 0; i < 3000 && !release; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return Ok();
    }),
                IsOk());
  });
  while (!holding) std::this_thread::yield();
  // The only connection is held: these get a second one rather than wait for the first.
  EXPECT_THAT(store->ListClinics(), IsOk());
  EXPECT_THAT(store->Read([&](Reads& reads) { return DropValue(reads.ListClinics()); }), IsOk());
  const SqliteStore::ReadStats during = store->read_stats();
  release = true;
  holder.join();
  EXPECT_EQ(during.connections, 2);
  EXPECT_EQ(during.waits, 0);
}

TEST(SqliteStore, ASingleWriteIsOneDurableCommit) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("single.db"));
  ASSERT_NE(store, nullptr);
  const SqliteStore::WriteStats before = store->write_stats();
  ASSERT_THAT(InsertClinic(*store, "Alone"), IsOk());
  const SqliteStore::WriteStats after = store->write_stats();
  EXPECT_EQ(after.commits - before.commits, 1);
  EXPECT_EQ(after.writes - before.writes, 1);
}

TEST(SqliteStore, AWriteThatFailsIsNotCountedAsWritten) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("failed.db"));
  ASSERT_NE(store, nullptr);
  const SqliteStore::WriteStats before = store->write_stats();
  EXPECT_THAT(store->Write([](WriteTxn&) -> Status { return Fail(Error::Internal("no")); }),
              FailsWith(ErrorCode::kInternal));
  const SqliteStore::WriteStats after = store->write_stats();
  EXPECT_EQ(after.writes - before.writes, 0);
  EXPECT_EQ(after.commits - before.commits, 1) << "the (empty) transaction still commits";
}

// Write() promises that the data is on disk when it returns, which in WAL mode takes
// synchronous=FULL: NORMAL skips the sync at each commit and can lose the last commits when the
// power goes. A crash test cannot tell the two apart, because a killed process leaves its
// written pages in the operating system's cache and they reach the disk all the same. So the
// setting itself is checked, on the connection that commits.
TEST(SqliteStore, TheWriterSyncsEachCommitBecauseAKilledProcessCannotTellFullFromNormal) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("sync.db"));
  ASSERT_NE(store, nullptr);
  const auto synchronous = store->WriterPragma("synchronous");
  ASSERT_THAT(synchronous, IsOk());
  EXPECT_EQ(*synchronous, "2") << "2 is FULL, 1 NORMAL";
  const auto journal_mode = store->WriterPragma("journal_mode");
  ASSERT_THAT(journal_mode, IsOk());
  EXPECT_EQ(*journal_mode, "wal");
  // Only a bare name is run, so the accessor cannot change a setting.
  EXPECT_THAT(store->WriterPragma("synchronous = OFF"), FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(store->WriterPragma(""), FailsWith(ErrorCode::kInvalidArgument));
}

// Every audit entry ever stored is sealed with HMAC-SHA-256 under the key file's 64 hexadecimal
// characters, used as they are (as text, not as the 32 bytes they spell). If the seal of a known
// input under a known key changes, no existing chain verifies any more. The expected MAC was
// computed apart from this code (Python's hmac module and openssl dgst -hmac agree on it).
TEST(SqliteStore, TheAuditSealOfAKnownInputUnderAKnownKeyNeverChanges) {
  TempDir dir;
  const std::string key_path = dir.File("known.audit-key");
  {
    std::ofstream key(key_path);
    key << "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
  }
  SqliteStoreOptions options;
  options.path = dir.File("sealed.db");
  options.audit_key_path = key_path;
  auto store = SqliteStore::Open(options);
  ASSERT_THAT(store, IsOk());
  // AuditDigestInput of the entry in domain/audit_test.cc's DigestInputOfAKnownEntryNeverChanges.
  constexpr std::string_view kInput =
      "rapport-audit-v1;4:1042;13:1767225600123;1:3;2:17;9:therapist;6:update;6:client;3:288;"
      "11:203.0.113.7;64:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08;"
      "12:sent to Zo\xc3\xab;";
  EXPECT_EQ((*store)->AuditSeal(kInput),
            "516e4931b21b43b268d0f18b42d152bc01231a6cdc7777f086a3040246721893");
}

// A clinic, a client, a therapist, an episode and one message from the client with `words`.
Result<EpisodeId> AddEpisodeWithMessage(Store& store, const std::string& words) {
  EpisodeId episode = 0;
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = "client@example.org";
    u.display_name = "Client";
    RAPPORT_ASSIGN_OR_RETURN(const UserId client, txn.InsertUser(u));
    u.email = "therapist@example.org";
    u.role = Role::kTherapist;
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist, txn.InsertUser(u));
    Episode e;
    e.clinic_id = clinic;
    e.client_id = client;
    e.therapist_id = therapist;
    RAPPORT_ASSIGN_OR_RETURN(episode, txn.InsertEpisode(e));
    RAPPORT_RETURN_IF_ERROR(txn.InsertEpisode(e));  // a second episode to move words into
    return DropValue(txn.InsertEpisodeMessage({0, clinic, episode, client, words, 1000, {}}));
  }));
  return episode;
}

// Every byte of the database file, its write-ahead log and its shared memory, as one string.
std::string FileBytes(const std::string& path) {
  std::string bytes;
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    std::ifstream in(file, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return bytes;
}

TEST(SqliteStore, AMessagesWordsAreNowhereInTheDatabaseFileOnlyTheirSealIs) {
  TempDir dir;
  const std::string path = dir.File("messages.db");
  const std::string words = "I have not told anyone this before";
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const auto episode = AddEpisodeWithMessage(*store, words);
  ASSERT_THAT(episode, IsOk());

  EXPECT_EQ(FileBytes(path).find("told anyone"), std::string::npos);
  RawDb raw(path);
  const std::string sealed = raw.Text("SELECT sealed FROM episode_messages");
  EXPECT_GT(sealed.size(), words.size());
  EXPECT_TRUE(sealed.starts_with("rk1.")) << sealed;
  EXPECT_EQ(sealed.find("told"), std::string::npos);
  // The key that wraps the clinic's data key is beside the database, not in it, readable by its
  // owner only.
  const std::string key_file = path + ".master-key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto listed = store->ListEpisodeMessages(*episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].body, words);
}

TEST(SqliteStore, MessagesDoNotOpenUnderAnotherMasterKeyOrMovedToAnotherEpisode) {
  TempDir dir;
  const std::string path = dir.File("keyed.db");
  EpisodeId episode = 0;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    auto added = AddEpisodeWithMessage(*store, "see you Friday");
    ASSERT_THAT(added, IsOk());
    episode = *added;
  }
  {
    // Another master key does not open the database at all; the message key file no longer
    // seals anything.
    SqliteStoreOptions options;
    options.path = path;
    options.master_key_path = dir.File("another.master-key");
    options.message_key_path = dir.File("another.message-key");
    auto refused = SqliteStore::Open(options);
    ASSERT_THAT(refused, FailsWith(ErrorCode::kUnavailable));
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("another.master-key"));
    ASSERT_TRUE(LoadOrCreateKeyFile(options.master_key_path).has_value());
    refused = SqliteStore::Open(options);
    ASSERT_THAT(refused, FailsWith(ErrorCode::kInvalidArgument));
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("another.master-key"));
    options.master_key_path.clear();
    auto store = SqliteStore::Open(options);
    ASSERT_THAT(store, IsOk());
    auto listed = (*store)->ListEpisodeMessages(episode);
    ASSERT_THAT(listed, IsOk());
    EXPECT_EQ(listed->front().body, "see you Friday");
  }
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("UPDATE episode_messages SET episode_id = episode_id + 1"), SQLITE_OK);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->ListEpisodeMessages(episode + 1), FailsWith(ErrorCode::kInternal));
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("UPDATE episode_messages SET episode_id = episode_id - 1"), SQLITE_OK);
  }
  auto listed = store->ListEpisodeMessages(episode);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ((*listed)[0].body, "see you Friday");
}

TEST(SqliteStore, RawSqlCannotUpdateOrDeleteAuditEntries) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(AddClinicAndUser(*store, "a@example.org"), IsOk());

  RawDb raw(path);
  EXPECT_NE(raw.Exec("UPDATE audit SET action = 'tampered'"), SQLITE_OK);
  EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("append-only"));
  EXPECT_NE(raw.Exec("DELETE FROM audit"), SQLITE_OK);
  EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("append-only"));
  EXPECT_EQ(raw.Text("SELECT action FROM audit"), "create");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit"), "1");
}

TEST(SqliteStore, ForeignKeysAreEnforced) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("fk.db"));
  ASSERT_NE(store, nullptr);
  const Status written = store->Write([](WriteTxn& txn) -> Status {
    NewUser u;
    u.clinic_id = 5;
    u.email = "orphan@example.org";
    return DropValue(txn.InsertUser(u));
  });
  ASSERT_THAT(written, FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_EQ(written.error().message, "clinic does not exist");
}

TEST(SqliteStore, DuplicateEmailMessageIsPlainAndNamesTheField) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("dup.db"));
  ASSERT_NE(store, nullptr);
  // Unique within a clinic: the constraint spans two columns, and still names the address.
  const Status again = store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = "same@example.org";
    u.display_name = "Someone";
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(u));
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(u));
    return Ok();
  });
  ASSERT_THAT(again, FailsWith(ErrorCode::kAlreadyExists));
  EXPECT_EQ(again.error().message, "email is already in use");
  ASSERT_EQ(again.error().fields.size(), 1U);
  EXPECT_EQ(again.error().fields[0].field, "email");
}

TEST(SqliteStore, AValueTheSchemaForbidsIsInvalidArgumentWithoutSql) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("check.db"));
  ASSERT_NE(store, nullptr);
  const Status written = store->Write([](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = "x@example.org";
    RAPPORT_ASSIGN_OR_RETURN(const UserId user, txn.InsertUser(u));
    Episode e;
    e.clinic_id = clinic;
    e.client_id = user;
    e.therapist_id = user;
    RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
    Appointment a;
    a.episode_id = episode;
    a.duration_minutes = 0;  // CHECK (duration_minutes > 0)
    return DropValue(txn.InsertAppointment(a));
  });
  ASSERT_THAT(written, FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(written.error().message, ::testing::Not(::testing::HasSubstr("CHECK")));
  EXPECT_THAT(written.error().message, ::testing::Not(::testing::HasSubstr("duration_minutes")));
}

TEST(SqliteStore, AnExceptionFromAWriteFnIsInternalAndRolledBack) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("throw.db"));
  ASSERT_NE(store, nullptr);
  const Status written = store->Write([](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.InsertClinic(Clinic{0, "Thrown away", {}}));
    throw std::runtime_error("bug");
  });
  EXPECT_THAT(written, FailsWith(ErrorCode::kInternal));
  auto clinics = store->ListClinics();
  ASSERT_THAT(clinics, IsOk());
  EXPECT_TRUE(clinics->empty());
  // The writer survived.
  EXPECT_THAT(AddClinicAndUser(*store, "after@example.org"), IsOk());
}

TEST(SqliteStore, WriteFromInsideAWriteFnFailsInsteadOfDeadlocking) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("nested.db"));
  ASSERT_NE(store, nullptr);
  Status inner;
  const Status outer = store->Write([&](WriteTxn&) -> Status {
    inner = store->Write([](WriteTxn&) { return Ok(); });
    return Ok();
  });
  EXPECT_THAT(outer, IsOk());
  EXPECT_THAT(inner, FailsWith(ErrorCode::kInternal));
}

TEST(SqliteStore, ASecondStoreOnTheSameFileSeesCommittedWrites) {
  TempDir dir;
  const std::string path = dir.File("shared.db");
  auto first = OpenOrDie(path);
  auto second = OpenOrDie(path);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_THAT(AddClinicAndUser(*first, "one@example.org"), IsOk());
  EXPECT_THAT(SoleUserWithEmail(*second, "one@example.org"), IsOk());
  ASSERT_THAT(AddClinicAndUser(*second, "two@example.org"), IsOk());
  auto audit = first->ListAudit(0, 0, 10);
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), 2U);
  EXPECT_EQ((*audit)[1].prev_hash, (*audit)[0].hash);
}

// --- Treatment plans: the schema's own defences -----------------------------------------------

// A clinic, a therapist, an episode, a proposed (frozen) version 1 with the therapist's signature,
// a draft version 2 and one event, written through the store.
Status AddPlanWorld(Store& store) {
  return store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = "t@example.org";
    u.role = Role::kTherapist;
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist, txn.InsertUser(u));
    Episode e;
    e.clinic_id = clinic;
    e.client_id = therapist;
    e.therapist_id = therapist;
    RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
    PlanVersion v;
    v.episode_id = episode;
    v.number = 1;
    v.status = PlanVersionStatus::kProposed;
    v.content_json = R"({"summary":"signed"})";
    v.content_hash = Blake2b256Hex(v.content_json);
    v.created_by = therapist;
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn.InsertPlanVersion(v));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(
        PlanSignature{id, SignerRole::kTherapist, therapist, 1, v.content_hash}));
    v.number = 2;
    v.status = PlanVersionStatus::kDraft;
    v.content_json = R"({"summary":"draft"})";
    v.content_hash.clear();
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanVersion(v));
    PlanEvent event;
    event.episode_id = episode;
    event.kind = PlanEventKind::kHomework;
    event.subject = "h1";
    event.payload_json = R"({"done":true})";
    event.actor_id = therapist;
    return DropValue(txn.InsertPlanEvent(event));
  });
}

TEST(SqliteStore, RawSqlCannotChangeOrDeleteAFrozenPlanVersion) {
  TempDir dir;
  const std::string path = dir.File("frozen.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(AddPlanWorld(*store), IsOk());

  RawDb raw(path);
  EXPECT_NE(raw.Exec("UPDATE plan_versions SET content_json = '{}' WHERE number = 1"), SQLITE_OK);
  EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("cannot change"));
  EXPECT_NE(raw.Exec("UPDATE plan_versions SET content_hash = '' WHERE number = 1"), SQLITE_OK);
  EXPECT_NE(raw.Exec("DELETE FROM plan_versions WHERE number = 1"), SQLITE_OK);
  // Nor can it become another sealed value under another hash.
  EXPECT_NE(raw.Exec("UPDATE plan_versions SET content_json = (SELECT content_json FROM "
                     "plan_versions WHERE number = 2), content_hash = 'x' WHERE number = 1"),
            SQLITE_OK);
  auto kept = store->GetPlanVersion(1, 1);
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->content_json, R"({"summary":"signed"})");
  // Its state may still move, and a draft's content may still change.
  EXPECT_EQ(raw.Exec("UPDATE plan_versions SET status = 'agreed', content_json = content_json "
                     "WHERE number = 1"),
            SQLITE_OK);
  EXPECT_EQ(raw.Exec("UPDATE plan_versions SET content_json = '{}' WHERE number = 2"), SQLITE_OK);
}

TEST(SqliteStore, RawSqlCannotUpdateOrDeletePlanSignaturesOrEvents) {
  TempDir dir;
  const std::string path = dir.File("append.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(AddPlanWorld(*store), IsOk());

  RawDb raw(path);
  for (const char* sql :
       {"UPDATE plan_signatures SET content_hash = 'forged'", "DELETE FROM plan_signatures",
        "UPDATE plan_events SET subject = 'h2'", "DELETE FROM plan_events"}) {
    EXPECT_NE(raw.Exec(sql), SQLITE_OK) << sql;
    EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("append-only")) << sql;
  }
  EXPECT_EQ(raw.Text("SELECT count(*) FROM plan_signatures"), "1");
  EXPECT_EQ(raw.Text("SELECT subject FROM plan_events"), "h1");
}

TEST(SqliteStore, TheTriggerRefusesAFrozenContentChangeAsFailedPrecondition) {
  // The store checks before the trigger does; through raw SQL the trigger's own message must map
  // to kFailedPrecondition too, so a refusal is never mistaken for an outage.
  TempDir dir;
  const std::string path = dir.File("mapped.db");
  auto c = SqliteConnection::Open(path, SqliteConnection::Mode::kWriter);
  ASSERT_THAT(c, IsOk());
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(AddPlanWorld(*store), IsOk());
  }
  auto q = (*c)->Prepare("UPDATE plan_versions SET content_json = '{}' WHERE number = 1");
  ASSERT_THAT(q, IsOk());
  EXPECT_THAT(q->Run(), FailsWith(ErrorCode::kFailedPrecondition));
}

TEST(SqliteStore, APlanReviewIntervalOutsideItsRangeIsRefusedByTheSchema) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("review.db"));
  ASSERT_NE(store, nullptr);
  ClinicId clinic = 0;
  ASSERT_THAT(store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.InsertClinic(Clinic{0, "C", {}}));
    return Ok();
  }),
              IsOk());
  for (const ClinicSettings& bad :
       {ClinicSettings{true, true, 0, 90}, ClinicSettings{true, true, 53, 90},
        ClinicSettings{true, true, 6, 0}, ClinicSettings{true, true, 6, 731}}) {
    EXPECT_THAT(store->Write([&](WriteTxn& txn) { return txn.UpdateClinicSettings(clinic, bad); }),
                FailsWith(ErrorCode::kInvalidArgument));
  }
  EXPECT_EQ(store->GetClinic(clinic)->settings.plan_review_sessions, 6);
  EXPECT_EQ(store->GetClinic(clinic)->settings.plan_review_days, 90);
}

// Creates the database at `path` with the schema as it was before migration `version`.
void SchemaBefore(const std::string& path, int version) {
  std::ofstream(path).close();  // an empty file is an empty database
  RawDb raw(path);
  ASSERT_EQ(raw.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"),
            SQLITE_OK);
  for (const SqlMigration& m : SqliteMigrations()) {
    if (m.version >= version) break;
    ASSERT_EQ(raw.Exec(std::string(m.sql)), SQLITE_OK) << m.name;
    ASSERT_EQ(raw.Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) +
                       ", '" + std::string(m.name) + "', 0)"),
              SQLITE_OK);
  }
}

TEST(SqliteStore, ClinicsFromBeforePlansGetTheDefaultReviewInterval) {
  TempDir dir;
  const std::string path = dir.File("upgrade.db");
  {
    // The schema as it was before migration 3, with one clinic in it.
    ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 3));
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO clinics (name, share_with_guardians) VALUES ('Old', 0)"),
              SQLITE_OK);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto clinics = store->ListClinics();
  ASSERT_THAT(clinics, IsOk());
  ASSERT_EQ(clinics->size(), 1U);
  EXPECT_EQ((*clinics)[0].name, "Old");
  EXPECT_FALSE((*clinics)[0].settings.share_with_guardians);
  EXPECT_EQ((*clinics)[0].settings.plan_review_sessions, 6);
  EXPECT_EQ((*clinics)[0].settings.plan_review_days, 90);
}

TEST(SqliteStore, GuardianLinksFromBeforeConsentWasRecordedKeepSharingAndSaySo) {
  TempDir dir;
  const std::string path = dir.File("upgrade.db");
  {
    // The schema as it was before migration 6, with a child linked to a guardian.
    ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 6));
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO clinics (id, name) VALUES (1, 'Old');"
                       "INSERT INTO users (id, clinic_id, email, display_name, role, created_at) "
                       "VALUES (1, 1, 'mum@x.org', 'Mum', 'guardian', 0),"
                       " (2, 1, 'kid@x.org', 'Kid', 'client', 0);"
                       "INSERT INTO guardian_links (guardian_id, child_id) VALUES (1, 2);"),
              SQLITE_OK);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  // The family keeps its access; the link says it predates acceptance and consent.
  EXPECT_THAT(store->ListGuardiansOfChild(2), ::testing::Optional(std::vector<UserId>{1}));
  auto links = store->ListGuardianLinksOfChild(2);
  ASSERT_THAT(links, IsOk());
  ASSERT_EQ(links->size(), 1U);
  EXPECT_EQ(StateOf((*links)[0]), GuardianLinkState::kActive);
  EXPECT_NE((*links)[0].consent_note.find("before"), std::string::npos);
  EXPECT_EQ(store->GetClinic(1)->settings.age_of_majority, 18);
}

TEST(SqliteStore, AnswersGivenBeforeTheSummaryExistedAreSummarisedWhenItArrives) {
  TempDir dir;
  const std::string path = dir.File("upgrade.db");
  {
    // The schema as it was before migration 13, with three answers of one series and one of
    // another.
    ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 13));
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO clinics (id, name) VALUES (1, 'Old');"
                       "INSERT INTO users (id, clinic_id, email, display_name, role, created_at) "
                       "VALUES (1, 1, 't@x.org', 'Tess', 'therapist', 0),"
                       " (2, 1, 'c@x.org', 'Cal', 'client', 0);"
                       "INSERT INTO episodes (id, clinic_id, client_id, therapist_id, status, "
                       "started_at) VALUES (1, 1, 2, 1, 'active', 0);"
                       "INSERT INTO responses (episode_id, instrument, instrument_version, "
                       "respondent, respondent_user_id, submitted_at, session_number, answers, "
                       "total) VALUES (1, 'PHQ-9', '1', 'client', 2, 300, 2, '{}', 8),"
                       " (1, 'PHQ-9', '1', 'client', 2, 100, 0, '{}', 15),"
                       " (1, 'PHQ-9', '1', 'client', 2, 200, 1, '{}', NULL),"
                       " (1, 'GAD-7', '1', 'client', 2, 150, 0, '{}', 9);"),
              SQLITE_OK);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  std::optional<ResponseSeries> series;
  ASSERT_THAT(store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(series, txn.GetResponseSeries(1, "PHQ-9", Respondent::kClient, 5));
    return Ok();
  }),
              IsOk());
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(series->answered, 3);
  EXPECT_EQ(series->first_submitted_at, 100);
  EXPECT_EQ(series->last_submitted_at, 300);
  EXPECT_EQ(series->first_total, 15);
  ASSERT_EQ(series->recent.size(), 2u);
  EXPECT_EQ(series->recent[0].total, 15);
  EXPECT_EQ(series->recent[1].total, 8);
}

// A caseload view names the same few hundred clients every time: the index that finds entries by
// record grows by one row a view, not by one row per client a view.
TEST(SqliteStore, EntriesNamingTheSameRecordsShareOneIndexedSet) {
  TempDir dir;
  const std::string path = dir.File("subjects.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  std::vector<std::string> caseload;
  for (int i = 0; i < 300; ++i) caseload.push_back("client:" + std::to_string(i + 1));
  const auto append = [&](std::vector<std::string> subjects) {
    AuditEntry e;
    e.clinic_id = 1;
    e.action = "read";
    e.record_type = "caseload";
    e.record_id = "7";
    e.subjects = std::move(subjects);
    ASSERT_THAT(store->Write([&](WriteTxn& txn) -> Status {
      RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(e));
      return Ok();
    }),
                IsOk());
  };
  for (int view = 0; view < 20; ++view) {
    std::rotate(caseload.begin(), caseload.begin() + view, caseload.end());  // any order
    ASSERT_NO_FATAL_FAILURE(append(caseload));
  }
  std::vector<std::string> grown = caseload;
  grown.push_back("client:301");
  ASSERT_NO_FATAL_FAILURE(append(grown));

  RawDb raw(path);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit_subject_sets"), "2");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit_subject_set_members"), "601");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit_subject_refs"), "21");
  AuditFilter filter;
  filter.clinic_id = 1;
  filter.records = std::vector<std::string>{"client:150"};
  auto found = store->SearchAudit(filter, 0, 100);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 21u);
  filter.records = std::vector<std::string>{"client:301"};
  found = store->SearchAudit(filter, 0, 100);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 1u);

  for (const char* table :
       {"audit_subject_sets", "audit_subject_set_members", "audit_subject_refs"}) {
    EXPECT_NE(raw.Exec(std::string("DELETE FROM ") + table), SQLITE_OK) << table;
    EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("append-only")) << table;
  }
}

TEST(SqliteStore, EntriesNamingSeveralRecordsBeforeTheSetsExistedAreFoundAfterTheUpgrade) {
  TempDir dir;
  const std::string path = dir.File("upgrade.db");
  {
    ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 14));
    RawDb raw(path);
    const std::string hash(64, '0');
    ASSERT_EQ(raw.Exec("INSERT INTO audit (seq, at, clinic_id, actor_id, actor_role, action, "
                       "record_type, record_id, source, prev_hash, hash, subjects) VALUES "
                       "(1, 0, 1, 0, 'system', 'read', 'client', '1', '', '" +
                       hash + "', '" + hash +
                       "', '[\"client:2\",\"feedback:9\"]'), "
                       "(2, 0, 1, 0, 'system', 'read', 'client', '3', '', '" +
                       hash + "', '" + hash +
                       "', '[\"feedback:9\",\"client:2\",\"client:2\"]'), "
                       "(3, 0, 1, 0, 'system', 'read', 'client', '4', '', '" +
                       hash + "', '" + hash +
                       "', '[]');"
                       "INSERT INTO audit_subjects (record_key, seq) VALUES ('client:2', 1), "
                       "('feedback:9', 1), ('client:2', 2), ('feedback:9', 2);"),
              SQLITE_OK)
        << sqlite3_errmsg(raw.db);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  AuditFilter filter;
  filter.clinic_id = 1;
  filter.records = std::vector<std::string>{"feedback:9"};
  auto found = store->SearchAudit(filter, 0, 10);
  ASSERT_THAT(found, IsOk());
  std::vector<std::string> ids;
  for (const AuditEntry& entry : *found) ids.push_back(entry.record_id);
  EXPECT_THAT(ids, ::testing::ElementsAre("3", "1"));
  RawDb raw(path);
  EXPECT_EQ(raw.Text("SELECT members FROM audit_subject_sets"), R"(["client:2","feedback:9"])");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit_subject_refs"), "2");
}

TEST(SqliteStore, EpisodesThatEndedBeforeTheMarkExistedAreCountedInIt) {
  TempDir dir;
  const std::string path = dir.File("upgrade.db");
  {
    ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 16));
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO clinics (id, name) VALUES (1, 'Old'), (2, 'Other');"
                       "INSERT INTO users (id, clinic_id, email, display_name, role, created_at) "
                       "VALUES (1, 1, 't@x.org', 'Tess', 'therapist', 0),"
                       " (2, 1, 'c@x.org', 'Cal', 'client', 0);"
                       "INSERT INTO episodes (clinic_id, client_id, therapist_id, status, "
                       "started_at) VALUES (1, 2, 1, 'ended', 0), (1, 2, 1, 'ended', 0),"
                       " (1, 2, 1, 'active', 0);"),
              SQLITE_OK)
        << sqlite3_errmsg(raw.db);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto mark = store->EndedEpisodesMark(1);
  ASSERT_THAT(mark, IsOk());
  EXPECT_EQ(mark->first, 2);
  EXPECT_EQ(store->EndedEpisodesMark(2)->first, 0);
}

// --- Encryption at rest -----------------------------------------------------------------------

constexpr std::string_view kMarker = "Quillfeather-Amberwick-4417";

// How many values of every sealed column are sealed, and how many are not (empty ones aside).
struct SealedCount {
  std::string column;
  int sealed = 0;
  int clear = 0;
};
std::vector<SealedCount> CountSealed(const RawDb& raw) {
  std::vector<SealedCount> counts;
  for (const SealedColumn& c : SealedColumns()) {
    const std::string where =
        fmt::format("FROM {0} WHERE {1} IS NOT NULL AND {1} <> ''", c.table, c.column);
    counts.push_back(SealedCount{
        fmt::format("{}.{}", c.table, c.column),
        std::stoi(raw.Text(
            fmt::format("SELECT count(*) {} AND substr({}, 1, 4) = 'rk1.'", where, c.column))),
        std::stoi(raw.Text(
            fmt::format("SELECT count(*) {} AND substr({}, 1, 4) <> 'rk1.'", where, c.column)))});
  }
  return counts;
}

// Each form of `marker` found in the database file, its log or its shared memory.
std::vector<std::string> MarkerFormsInFiles(const std::string& path, std::string_view marker) {
  const std::string bytes = FileBytes(path);
  std::vector<std::string> found;
  for (const std::string& form : MarkerForms(marker)) {
    if (bytes.find(form) != std::string::npos) found.push_back(form);
  }
  return found;
}

TEST(SqliteStore, TheDatabaseFileAloneRevealsNoneOfTheFreeText) {
  TempDir dir;
  const std::string path = dir.File("sealed.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto world = WriteEverySealedField(*store, kMarker, 1'790'000'000'000);
  ASSERT_THAT(world, IsOk());
  ExpectEverySealedFieldReadsBack(*store, *world, kMarker);
  {
    // Every sealed column took a value, and each is sealed.
    RawDb raw(path);
    for (const SealedCount& count : CountSealed(raw)) {
      EXPECT_GT(count.sealed, 0) << count.column;
      EXPECT_EQ(count.clear, 0) << count.column;
    }
  }
  // While the store is open (its log and shared memory beside the file), and after it closed.
  EXPECT_THAT(MarkerFormsInFiles(path, kMarker), ::testing::IsEmpty());
  store.reset();
  EXPECT_THAT(MarkerFormsInFiles(path, kMarker), ::testing::IsEmpty());
  // The phrase is there to be found: a file holding it in clear is caught.
  EXPECT_THAT(MarkerForms(kMarker), ::testing::Contains(std::string(kMarker)));
}

// The value of `column` in the row `where` picks, read and written back by a careless hand.
std::string RawValue(const RawDb& raw, std::string_view table, std::string_view column,
                     std::string_view where) {
  return raw.Text(fmt::format("SELECT {} FROM {} WHERE {}", column, table, where));
}
int SetRaw(const RawDb& raw, std::string_view table, std::string_view column,
           std::string_view where, const std::string& value) {
  return raw.Run(fmt::format("UPDATE {} SET {} = ? WHERE {}", table, column, where), {value});
}

// A read that must fail clearly: kInternal, naming the field, never its words.
template <typename T>
void ExpectRefusedNaming(const Result<T>& read, std::string_view field) {
  ASSERT_THAT(read, FailsWith(ErrorCode::kInternal));
  EXPECT_THAT(read.error().message, ::testing::HasSubstr(std::string(field)));
  EXPECT_THAT(read.error().message, ::testing::Not(::testing::HasSubstr(std::string(kMarker))));
}

TEST(SqliteStore, ASealedValueAlteredMovedOrRelabelledDoesNotOpen) {
  TempDir dir;
  const std::string path = dir.File("tamper.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto a = WriteEverySealedField(*store, kMarker, 1'790'000'000'000, "-a");
  auto b = WriteEverySealedField(*store, "other words", 1'790'000'000'000, "-b");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  RawDb raw(path);

  // One byte of the ciphertext flipped.
  const std::string alert = fmt::format("id = {}", a->alert);
  std::string value = RawValue(raw, "alerts", "acknowledge_note", alert);
  ASSERT_TRUE(value.starts_with("rk1."));
  value[value.size() - 5] = value[value.size() - 5] == 'A' ? 'B' : 'A';
  ASSERT_EQ(SetRaw(raw, "alerts", "acknowledge_note", alert, value), SQLITE_OK);
  ExpectRefusedNaming(store->GetAlert(a->alert), "alerts.acknowledge_note");

  // A value moved into another column of its row.
  ASSERT_EQ(SetRaw(raw, "ruptures", "what_changes", fmt::format("id = {}", a->rupture),
                   RawValue(raw, "ruptures", "what_was_said", fmt::format("id = {}", a->rupture))),
            SQLITE_OK);
  ExpectRefusedNaming(store->GetRupture(a->rupture), "ruptures.what_changes");

  // A value moved into another client's record of another clinic, and into another record of
  // the same episode.
  ASSERT_EQ(SetRaw(raw, "responses", "answers", fmt::format("id = {}", b->response),
                   RawValue(raw, "responses", "answers", fmt::format("id = {}", a->response))),
            SQLITE_OK);
  ExpectRefusedNaming(store->GetResponse(b->response), "responses.answers");
  ASSERT_EQ(
      SetRaw(raw, "first_steps", "brings", fmt::format("client_id = {}", b->client),
             RawValue(raw, "first_steps", "brings", fmt::format("client_id = {}", a->client))),
      SQLITE_OK);
  ExpectRefusedNaming(store->GetFirstStep(b->client), "first_steps.brings");

  // A value relabelled as sealed under the other clinic's data key.
  const std::string key_a = raw.Text(
      fmt::format("SELECT id FROM data_keys WHERE clinic_id = {} AND state = 'active'", a->clinic));
  const std::string key_b = raw.Text(
      fmt::format("SELECT id FROM data_keys WHERE clinic_id = {} AND state = 'active'", b->clinic));
  ASSERT_NE(key_a, key_b);
  const std::string episode_a = fmt::format("episode_id = {}", a->episode);
  value = RawValue(raw, "episode_endings", "words", episode_a);
  ASSERT_TRUE(value.starts_with("rk1." + key_a + "."));
  value.replace(0, 4 + key_a.size(), "rk1." + key_b);
  ASSERT_EQ(SetRaw(raw, "episode_endings", "words", episode_a, value), SQLITE_OK);
  ExpectRefusedNaming(store->GetEpisodeEnding(a->episode), "episode_endings.words");

  // Words written around the store, in clear.
  ASSERT_EQ(SetRaw(raw, "first_steps", "hopes", fmt::format("client_id = {}", a->client),
                   "written in clear"),
            SQLITE_OK);
  ExpectRefusedNaming(store->GetFirstStep(a->client), "first_steps.hopes");

  // What was not touched still reads as written.
  auto untouched = store->GetSessionNoteOfAppointment(a->appointment);
  ASSERT_THAT(untouched, IsOk());
  EXPECT_EQ(untouched->addenda.front().text, Words(kMarker, "the addendum"));
  auto messages = store->ListEpisodeMessages(b->episode);
  ASSERT_THAT(messages, IsOk());
  EXPECT_EQ(messages->front().body, Words("other words", "a message"));
}

TEST(SqliteStore, AnOlderSealedContentOfASignedPlanIsCaughtByItsHash) {
  TempDir dir;
  const std::string path = dir.File("plan.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto w = WriteEverySealedField(*store, kMarker, 1'790'000'000'000);
  ASSERT_THAT(w, IsOk());
  // Version 2 is a draft, then changed, then proposed: its first sealed content is kept aside.
  PlanVersion v;
  v.episode_id = w->episode;
  v.number = 2;
  v.status = PlanVersionStatus::kDraft;
  v.content_json = R"({"summary":"first words"})";
  v.created_by = w->therapist;
  v.id = 0;
  ASSERT_THAT(store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(v.id, txn.InsertPlanVersion(v));
    return Ok();
  }),
              IsOk());
  RawDb raw(path);
  const std::string first_sealed =
      RawValue(raw, "plan_versions", "content_json", fmt::format("id = {}", v.id));
  v.content_json = R"({"summary":"agreed words"})";
  v.content_hash = Blake2b256Hex(v.content_json);
  v.status = PlanVersionStatus::kProposed;
  ASSERT_THAT(store->Write([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  // The trigger lets a sealed value in under the same hash (that is how sealing again works)...
  ASSERT_EQ(
      SetRaw(raw, "plan_versions", "content_json", fmt::format("id = {}", v.id), first_sealed),
      SQLITE_OK);
  // ... and the read, which opens it fine, finds it is not the content that was signed.
  auto read = store->GetPlanVersion(w->episode, 2);
  ExpectRefusedNaming(read, "content_hash");
  // A value that is not sealed is refused by the trigger itself.
  EXPECT_NE(SetRaw(raw, "plan_versions", "content_json", fmt::format("id = {}", v.id),
                   R"({"summary":"agreed words"})"),
            SQLITE_OK);
}

TEST(SqliteStore, AMissingOrOtherMasterKeyFileRefusesToOpenNamingTheFile) {
  TempDir dir;
  const std::string path = dir.File("keys.db");
  SealedWorld world;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    auto written = WriteEverySealedField(*store, kMarker, 1'790'000'000'000);
    ASSERT_THAT(written, IsOk());
    world = *written;
  }
  const std::string master = path + ".master-key";
  const std::string kept = dir.File("kept.master-key");
  std::filesystem::rename(master, kept);
  SqliteStoreOptions options;
  options.path = path;
  auto missing = SqliteStore::Open(options);
  ASSERT_THAT(missing, FailsWith(ErrorCode::kUnavailable));
  EXPECT_THAT(missing.error().message, ::testing::HasSubstr(master));
  // No new master key was made over the sealed data.
  EXPECT_FALSE(std::filesystem::exists(master));

  options.master_key_path = dir.File("other.master-key");
  ASSERT_TRUE(LoadOrCreateKeyFile(options.master_key_path).has_value());
  auto other = SqliteStore::Open(options);
  ASSERT_THAT(other, FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(other.error().message, ::testing::HasSubstr(options.master_key_path));

  // The database's own key, wherever it is kept, opens it.
  options.master_key_path = kept;
  auto own = SqliteStore::Open(options);
  ASSERT_THAT(own, IsOk());
  ExpectEverySealedFieldReadsBack(**own, world, kMarker);
}

TEST(SqliteStore, ADataKeyIsNeverDeleted) {
  TempDir dir;
  const std::string path = dir.File("kept.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(WriteEverySealedField(*store, kMarker, 1'790'000'000'000), IsOk());
  RawDb raw(path);
  EXPECT_NE(raw.Exec("DELETE FROM data_keys"), SQLITE_OK);
  EXPECT_THAT(sqlite3_errmsg(raw.db), ::testing::HasSubstr("never deleted"));
  EXPECT_EQ(raw.Text("SELECT count(*) FROM data_keys"), "1");
}

// A second rupture of the world's episode, with `words`, written through `store`.
Result<RuptureId> AddRupture(Store& store, const SealedWorld& w, const std::string& words) {
  RuptureId id = 0;
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    Rupture rupture;
    rupture.episode_id = w.episode;
    rupture.noted_by = w.therapist;
    rupture.noted_at = 1'790'000'100'000;
    rupture.note.what_happened = words;
    RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertRupture(rupture));
    return Ok();
  }));
  return id;
}

TEST(SqliteStore, AStoreReadsWhatAnotherProcessSealedUnderADataKeyItMadeSince) {
  TempDir dir;
  const std::string path = dir.File("rotated.db");
  auto server = OpenOrDie(path);
  ASSERT_NE(server, nullptr);
  auto w = WriteEverySealedField(*server, kMarker, 1'790'000'000'000);
  ASSERT_THAT(w, IsOk());
  RuptureId later = 0;
  {
    // The operator's command (or a second app server) on the same database.
    auto other = OpenOrDie(path, 1);
    ASSERT_NE(other, nullptr);
    auto key = other->RotateDataKey(w->clinic, 1'790'000'050'000,
                                    KeyRotationEntry(w->clinic, 1'790'000'050'000));
    ASSERT_THAT(key, IsOk());
    auto added = AddRupture(*other, *w, "written under the new key");
    ASSERT_THAT(added, IsOk());
    later = *added;
    RawDb raw(path);
    EXPECT_TRUE(RawValue(raw, "ruptures", "what_happened", fmt::format("id = {}", later))
                    .starts_with(fmt::format("rk1.{}.", *key)));
    EXPECT_EQ(raw.Text(fmt::format("SELECT state FROM data_keys WHERE clinic_id = {} AND id <> {}",
                                   w->clinic, *key)),
              "retiring");
  }
  // The server had never met that key: it finds it in the table when it meets a value under it.
  auto rupture = server->GetRupture(later);
  ASSERT_THAT(rupture, IsOk());
  EXPECT_EQ(rupture->note.what_happened, "written under the new key");
  ExpectEverySealedFieldReadsBack(*server, *w, kMarker);
}

TEST(SqliteStore, AServerWithTheOldMasterKeyKeepsServingAfterTheMasterKeyIsRotated) {
  TempDir dir;
  const std::string path = dir.File("master.db");
  const std::string old_master = path + ".master-key";
  const std::string new_master = dir.File("new.master-key");
  auto server = OpenOrDie(path);
  ASSERT_NE(server, nullptr);
  auto w = WriteEverySealedField(*server, kMarker, 1'790'000'000'000);
  ASSERT_THAT(w, IsOk());
  {
    // The operator's command, with the old master key file.
    auto command = OpenOrDie(path, 1);
    ASSERT_NE(command, nullptr);
    EXPECT_THAT(command->RotateMasterKey(old_master, {}), FailsWith(ErrorCode::kInvalidArgument));
    auto wrapped = command->RotateMasterKey(new_master, {});
    ASSERT_THAT(wrapped, IsOk());
    EXPECT_EQ(*wrapped, 1);
    EXPECT_EQ(std::filesystem::status(new_master).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // Done once: the keys are no longer wrapped under the key this command holds.
    EXPECT_THAT(command->RotateMasterKey(dir.File("third.master-key"), {}),
                FailsWith(ErrorCode::kFailedPrecondition));
    RawDb raw(path);
    const auto fingerprint = TextSealer::FromHexKey(*LoadOrCreateKeyFile(new_master));
    ASSERT_TRUE(fingerprint.has_value());
    EXPECT_EQ(raw.Text("SELECT master_fingerprint FROM data_keys"), fingerprint->Fingerprint());
  }
  // The server still running with the old file serves from the keys it holds: it reads, and it
  // writes under its clinics' keys.
  ExpectEverySealedFieldReadsBack(*server, *w, kMarker);
  auto later = AddRupture(*server, *w, "written after the master key changed");
  ASSERT_THAT(later, IsOk());
  // A data key it would have to make now is refused clearly: a new clinic's first words.
  const Status new_clinic = server->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "New", {}}));
    NewUser u;
    u.clinic_id = clinic;
    u.email = "new@example.org";
    u.display_name = "New";
    RAPPORT_ASSIGN_OR_RETURN(const UserId client, txn.InsertUser(u));
    return txn.UpsertFirstStep(FirstStep{client, "first words", "", "", false, 1});
  });
  ASSERT_THAT(new_clinic, FailsWith(ErrorCode::kFailedPrecondition));
  EXPECT_THAT(new_clinic.error().message, ::testing::HasSubstr("master key"));
  server.reset();

  // Restarted with the old file, the database refuses to open and names the file.
  SqliteStoreOptions options;
  options.path = path;
  auto refused = SqliteStore::Open(options);
  ASSERT_THAT(refused, FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr(old_master));
  // With the new one, everything reads, what was written in between too.
  options.master_key_path = new_master;
  auto restarted = SqliteStore::Open(options);
  ASSERT_THAT(restarted, IsOk());
  ExpectEverySealedFieldReadsBack(**restarted, *w, kMarker);
  EXPECT_EQ((*restarted)->GetRupture(*later)->note.what_happened,
            "written after the master key changed");
}

// Writes, with a raw connection and in clear, what WriteEverySealedField writes through the
// store, into a database whose schema is as it was before migration 27; the message is sealed
// under the message key file, as the store sealed messages then. Ids as in the returned world.
SealedWorld WriteClearWorldBefore27(const std::string& path, std::string_view marker) {
  using P = std::vector<RawDb::Param>;
  const auto words = [&](std::string_view where) { return Words(marker, where); };
  constexpr std::int64_t t0 = 1'790'000'000'000;
  SealedWorld w{1, 1, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  RawDb raw(path);
  const auto run = [&](const std::string& sql, const P& params) {
    EXPECT_EQ(raw.Run(sql, params), SQLITE_OK) << sql << ": " << sqlite3_errmsg(raw.db);
  };
  run("INSERT INTO clinics (id, name) VALUES (1, 'Old')", {});
  run("INSERT INTO users (id, clinic_id, email, display_name, role, created_at) VALUES "
      "(1, 1, 't@x.org', 'T', 'therapist', 0), (2, 1, 'c@x.org', 'C', 'client', 0), "
      "(3, 1, 'g@x.org', 'G', 'guardian', 0)",
      {});
  run("INSERT INTO episodes (id, clinic_id, client_id, therapist_id, status, started_at) "
      "VALUES (1, 1, 2, 1, 'active', ?)",
      {t0});
  run("INSERT INTO appointments (id, episode_id, starts_at, duration_minutes, modality, status) "
      "VALUES (1, 1, ?, 50, 'video', 'completed')",
      {t0});
  run("INSERT INTO responses (id, episode_id, appointment_id, instrument, instrument_version, "
      "respondent, respondent_user_id, submitted_at, session_number, answers) VALUES "
      "(1, 1, 1, 'RAPPORT-CHECK', '1', 'client', 2, ?, 0, ?)",
      {t0 + 1, Json{{"comment", words("the session")}}.dump()});
  run("INSERT INTO feedback_drafts (episode_id, author_id, answers_json, updated_at) VALUES "
      "(1, 2, ?, ?)",
      {Json{{"RAPPORT-CHECK/comment", words("the draft")}}.dump(), t0 + 2});
  run("INSERT INTO alerts (id, episode_id, clinic_id, response_id, rule_id, kind, severity, "
      "title, explanation, next_step, raised_at, state, acknowledged_by, acknowledged_at, "
      "acknowledge_note, resolved_by, resolved_at, resolve_note) VALUES (1, 1, 1, 1, "
      "'rapport-low', 'risk', 'high', 'T', 'E', 'N', ?, 'resolved', 1, ?, ?, 1, ?, ?)",
      {t0 + 3, t0 + 4, words("acknowledging"), t0 + 5, words("resolving")});
  const std::string content = Json{{"summary", words("the plan")}}.dump();
  run("INSERT INTO plan_versions (id, episode_id, number, status, content_json, content_hash, "
      "created_by, created_at, updated_at, client_comment) VALUES (1, 1, 1, 'agreed', ?, ?, 1, "
      "?, ?, ?)",
      {content, Blake2b256Hex(content), t0, t0 + 6, words("the client's comment")});
  run("INSERT INTO plan_events (id, episode_id, kind, subject, payload_json, actor_id, at) "
      "VALUES (1, 1, 'thought_record', 'g1', ?, 2, ?)",
      {Json{{"thought", words("a thought record")}}.dump(), t0 + 7});
  run("INSERT INTO appointment_requests (id, clinic_id, appointment_id, requested_by, kind, "
      "note, short_notice, created_at, state, decided_by, decided_at, reply) VALUES "
      "(1, 1, 1, 2, 'move', ?, 0, ?, 'declined', 1, ?, ?)",
      {words("the request"), t0 + 8, t0 + 9, words("the reply")});
  run("INSERT INTO guardian_links (id, guardian_id, child_id, requested_by, requested_at, "
      "exception_reason, accepted_at, consent_recorded_by, consent_recorded_at, consent_note) "
      "VALUES (1, 3, 2, 1, ?, ?, ?, 1, ?, ?)",
      {t0, words("the exception"), t0 + 1, t0 + 2, words("consent to share")});
  run("INSERT INTO guardian_standings (link_id, relationship, authority, court_order, "
      "contact_channel, contact_note, updated_by, updated_at) VALUES (1, 'parent', "
      "'limited_by_court_order', ?, 'phone', ?, 1, ?)",
      {words("the court order"), words("how to reach them"), t0 + 3});
  run("INSERT INTO care_consents (id, child_id, kind, guardian_link_id, given_on, renew_by, note, "
      "recorded_by, recorded_at) VALUES (1, 2, 'guardian_consent', 1, '2026-09-01', "
      "'2027-09-01', ?, 1, ?)",
      {words("the consent"), t0 + 4});
  run("INSERT INTO safety_disclosures (id, episode_id, guardian_link_id, item_key, reason, "
      "disclosed_by, disclosed_at) VALUES (1, 1, 1, 'p1', ?, 1, ?)",
      {words("why safety requires it"), t0 + 5});
  ClientPreferences preferences;
  preferences.client_id = 2;
  preferences.identity_note = words("identity");
  run("INSERT INTO client_preferences (client_id, preferences, updated_at) VALUES (2, ?, ?)",
      {PreferencesToJson(preferences).dump(), t0});
  run("INSERT INTO first_steps (client_id, brings, hopes, worries, shared, updated_at) VALUES "
      "(2, ?, ?, ?, 1, ?)",
      {words("what brings me"), words("what I hope"), words("what worries me"), t0});
  run("INSERT INTO session_notes (id, appointment_id, episode_id, author_id, template, sections, "
      "state, created_at, updated_at, signed_at, signed_by) VALUES (1, 1, 1, 1, ?, ?, 'signed', "
      "?, ?, ?, 1)",
      {NoteTemplateToJson(ShippedNoteTemplates()[0]).dump(),
       NoteSectionsToJson(
           {{"data", words("the data")}, {"assessment", words("the assessment")}, {"plan", ""}})
           .dump(),
       t0 + 10, t0 + 10, t0 + 11});
  run("INSERT INTO note_addenda (id, note_id, author_id, text, created_at) VALUES (1, 1, 1, ?, ?)",
      {words("the addendum"), t0 + 12});
  run("INSERT INTO ruptures (id, episode_id, noted_by, noted_at, source, what_happened, "
      "repaired_by, repaired_at, what_was_said, what_changes) VALUES (1, 1, 1, ?, 'in-session', "
      "?, 1, ?, ?, ?)",
      {t0 + 13, words("what happened"), t0 + 14, words("what was said"), words("what changes")});
  HandoverPacket packet;
  packet.client_name = "Client";
  packet.from_therapist_name = "Therapist";
  packet.preferences = words("the packet");
  run("INSERT INTO therapist_changes (id, clinic_id, episode_id, client_id, from_therapist_id, "
      "kind, requested_by, requested_at, reason, to_outside, status, consented_at, packet) VALUES "
      "(1, 1, 1, 2, 1, 'referral', 1, ?, ?, ?, 'consented', ?, ?)",
      {t0 + 15, words("the referral"), words("the service outside"), t0 + 16,
       HandoverPacketToJson(SharedOnly(packet, {PacketSection::kPreferences})).dump()});
  EndingWords ending;
  ending.reason = EndReason::kReferredOut;
  ending.what_helped = words("what helped");
  ending.referrals = {Referral{"Service", "0300 123", words("the referral's why")}};
  run("INSERT INTO episode_endings (episode_id, reason, ended_by, ended_at, words) VALUES "
      "(1, 'referred-out', 1, ?, ?)",
      {t0 + 17, EndingWordsToJson(ending).dump()});
  auto message_key = LoadOrCreateKeyFile(path + ".message-key");
  EXPECT_TRUE(message_key.has_value());
  const auto sealer = TextSealer::FromHexKey(*message_key);
  EXPECT_TRUE(sealer.has_value());
  const EpisodeMessage message{0, 1, 1, 2, words("a message"), t0 + 18, std::nullopt};
  run("INSERT INTO episode_messages (id, clinic_id, episode_id, sender_id, sent_at, sealed) "
      "VALUES (1, 1, 1, 2, ?, ?)",
      {t0 + 18, sealer->Seal(message.body, MessageSealContext(message))});
  run("INSERT INTO notifications (id, clinic_id, recipient_id, channel, reason, dedupe_key, "
      "address, subject, body, created_at, state, next_attempt_at) VALUES (1, 1, 2, 'email', "
      "'appointment_decision', 'sealed-world:1', 'c@x.org', 'S', ?, ?, 'pending', ?)",
      {words("an e-mail"), t0 + 19, t0 + 19});
  return w;
}

TEST(SqliteStore, ClearTextFromBeforeTheSealingIsSealedAtTheFirstStartAndIsGoneFromTheFile) {
  TempDir dir;
  const std::string path = dir.File("before.db");
  ASSERT_NO_FATAL_FAILURE(SchemaBefore(path, 27));
  const SealedWorld w = WriteClearWorldBefore27(path, kMarker);
  {
    // The clear text is there to be found before the first start.
    EXPECT_THAT(MarkerFormsInFiles(path, kMarker), ::testing::Contains(std::string(kMarker)));
    RawDb raw(path);
    for (const SealedCount& count : CountSealed(raw)) EXPECT_GT(count.clear, 0) << count.column;
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  {
    RawDb raw(path);
    for (const SealedCount& count : CountSealed(raw)) {
      EXPECT_EQ(count.clear, 0) << count.column;
      EXPECT_GT(count.sealed, 0) << count.column;
    }
  }
  EXPECT_THAT(MarkerFormsInFiles(path, kMarker), ::testing::IsEmpty());
  ExpectEverySealedFieldReadsBack(*store, w, kMarker);
  store.reset();
  EXPECT_THAT(MarkerFormsInFiles(path, kMarker), ::testing::IsEmpty());
  // The next start finds nothing left to seal, and reads the same.
  store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ExpectEverySealedFieldReadsBack(*store, w, kMarker);
}

}  // namespace
}  // namespace rapport
