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
#include <vector>

#include "core/crypto.h"
#include "core/wait_test_support.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_migrations.h"
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
  SqliteFixture() : store_(OpenOrDie(dir_.File("rapport.db"), 1)) {
    if (!store_) throw std::runtime_error("cannot open the test database");
  }
  Store& store() override { return *store_; }

 private:
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
  ASSERT_TRUE(store->Write([](WriteTxn& txn) {
                     return DropValue(txn.InsertClinic({0, "A", {}}));
                   })
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

// Every byte of the database file and its write-ahead log, as one string.
std::string FileBytes(const std::string& path) {
  std::string bytes;
  for (const std::string& file : {path, path + "-wal"}) {
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
  EXPECT_EQ(sealed.find("told"), std::string::npos);
  // The key is beside the database, not in it, readable by its owner only.
  const std::string key_file = path + ".message-key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto listed = store->ListEpisodeMessages(*episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].body, words);
}

TEST(SqliteStore, MessagesDoNotOpenUnderAnotherKeyFileOrMovedToAnotherEpisode) {
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
    SqliteStoreOptions options;
    options.path = path;
    options.message_key_path = dir.File("another.message-key");
    auto store = SqliteStore::Open(options);
    ASSERT_THAT(store, IsOk());
    auto listed = (*store)->ListEpisodeMessages(episode);
    ASSERT_THAT(listed, FailsWith(ErrorCode::kInternal));
    EXPECT_THAT(listed.error().message, ::testing::HasSubstr("key file"));
    EXPECT_THAT(listed.error().message, ::testing::Not(::testing::HasSubstr("Friday")));
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
  EXPECT_EQ(raw.Text("SELECT content_json FROM plan_versions WHERE number = 1"),
            R"({"summary":"signed"})");
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

}  // namespace
}  // namespace rapport
