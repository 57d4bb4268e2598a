#include "service/audit_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "service/clinic_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

// Some clinical activity, so the chain has entries of several kinds.
void MakeHistory(World& w, int reads) {
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < reads; ++i) {
    ASSERT_TRUE(service.GetClient(w.As(w.t1), w.c1).has_value());
    w.clock.Advance(std::chrono::seconds(1));
  }
  ASSERT_TRUE(service.CreateClient(w.As(w.t1), {"Una Uno", "una@a.test", "", "", 0}));
}

// Runs SQL on the database file directly, behind the store's back, as an intruder would.
void RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST(VerifyChain, AnEmptyTrailIsIntact) {
  World w;
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries_checked, 0);
}

TEST(VerifyChain, AnUntouchedTrailIsIntactAndEveryEntryIsCounted) {
  World w;
  MakeHistory(w, 5);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->entries_checked, static_cast<std::int64_t>(w.Audit().size()));
  EXPECT_EQ(report->entries_checked, 7);  // each read: one naming client and episode; create: 2
}

TEST(VerifyChain, NamesTheFirstEntryWhoseContentsWereChanged) {
  World w;
  MakeHistory(w, 5);
  w.store.reset();  // let go of the file while it is edited
  RawSql(w.db.path(),
         "DROP TRIGGER IF EXISTS audit_no_update;"
         "UPDATE audit SET actor_id = 999 WHERE seq = 3;");
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->entries_checked, 2);
  EXPECT_FALSE(report->reason.empty());
}

TEST(VerifyChain, NamesTheGapWhereAnEntryWasDeleted) {
  World w;
  MakeHistory(w, 5);
  w.store.reset();
  RawSql(w.db.path(),
         "DROP TRIGGER IF EXISTS audit_no_delete;"
         "DELETE FROM audit WHERE seq = 4;");
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 4);
}

TEST(VerifyChain, DetectsAnEntryRehashedToHideAnEdit) {
  World w;
  MakeHistory(w, 3);
  auto entries = w.Audit();
  ASSERT_GE(entries.size(), 3u);
  // Rewrite entry 2 and recompute its own hash without the key: the entry itself gives it away.
  AuditEntry forged = entries[1];
  forged.record_id = "12345";
  forged.hash = Blake2b256Hex(AuditDigestInput(forged));
  w.store.reset();
  RawSql(w.db.path(),
         "DROP TRIGGER IF EXISTS audit_no_update; UPDATE audit SET record_id = '12345', hash = '" +
             forged.hash + "' WHERE seq = 2;");
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 2);  // a plain hash is not the seal
}

TEST(VerifyChain, ResealingEveryLaterEntryWithoutTheKeyIsStillFound) {
  World w;
  MakeHistory(w, 3);
  auto entries = w.Audit();
  ASSERT_GE(entries.size(), 4u);
  // An intruder with the database but not the key rewrites entry 2 and recomputes every later
  // hash the way an unkeyed chain would allow.
  std::string sql = "DROP TRIGGER IF EXISTS audit_no_update;";
  std::string prev = entries[0].hash;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    AuditEntry e = entries[i];
    if (i == 1) e.record_id = "12345";
    e.prev_hash = prev;
    e.hash = Blake2b256Hex(AuditDigestInput(e));
    sql += "UPDATE audit SET record_id = '" + e.record_id + "', prev_hash = '" + e.prev_hash +
           "', hash = '" + e.hash + "' WHERE seq = " + std::to_string(e.seq) + ";";
    prev = e.hash;
  }
  w.store.reset();
  RawSql(w.db.path(), sql);
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 2);
}

TEST(VerifyChain, CuttingOffTheLastEntriesIsFoundAgainstTheLastCheckpoint) {
  World w;
  MakeHistory(w, 40);
  const std::string file = w.db.path() + ".audit-checkpoints";
  auto checkpoint = MakeCheckpoint(*w.store, w.clock.Now());
  ASSERT_TRUE(checkpoint.has_value());
  ASSERT_TRUE(AppendCheckpoint(file, *checkpoint).has_value());
  const std::int64_t head = checkpoint->seq;
  ASSERT_GT(head, 30);
  w.store.reset();
  RawSql(w.db.path(), "DROP TRIGGER IF EXISTS audit_no_delete; DELETE FROM audit WHERE seq > " +
                          std::to_string(head - 25) + ";");
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  // Without the checkpoint the shorter chain looks whole; with it, the cut is named.
  ASSERT_TRUE(AuditService::VerifyChain(*w.store)->ok);
  auto last = ReadLastCheckpoint(*w.store, file);
  ASSERT_TRUE(last.has_value());
  ASSERT_TRUE(last->has_value());
  auto report = AuditService::VerifyChain(*w.store, *last);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, head - 24);
  EXPECT_NE(report->reason.find("missing"), std::string::npos) << report->reason;
}

TEST(VerifyChain, ACheckpointTheKeyDidNotSealIsRejected) {
  World w;
  MakeHistory(w, 2);
  const std::string file = w.db.path() + ".audit-checkpoints";
  auto checkpoint = MakeCheckpoint(*w.store, w.clock.Now());
  ASSERT_TRUE(checkpoint.has_value());
  checkpoint->seq -= 1;  // a forged, shorter head with the old seal
  ASSERT_TRUE(AppendCheckpoint(file, *checkpoint).has_value());
  auto read = ReadLastCheckpoint(*w.store, file);
  ASSERT_FALSE(read.has_value());
  EXPECT_NE(read.error().message.find("not sealed"), std::string::npos);
}

TEST(VerifyChain, TheKeyIsAFileOutsideTheDatabaseReadableByItsOwnerOnly) {
  World w;
  const std::filesystem::path key = w.db.path() + ".audit-key";
  ASSERT_TRUE(std::filesystem::exists(key));
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Another key makes every entry look forged.
  MakeHistory(w, 1);
  w.store.reset();
  std::filesystem::remove(key);
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto report = AuditService::VerifyChain(*w.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 1);
}

TEST(Browse, ReadingTheTrailIsItselfAudited) {
  World w;
  AuditService audit(*w.store, w.clock);
  const std::size_t before = w.Audit().size();
  ASSERT_TRUE(audit.Browse(w.As(w.admin), 0, 10).has_value());
  const auto after = w.Audit();
  ASSERT_EQ(after.size(), before + 1);
  EXPECT_EQ(after.back().action, "read");
  EXPECT_EQ(after.back().record_type, "audit_log");
  EXPECT_EQ(after.back().actor_id, w.admin);
}

TEST(Browse, PagesNewestFirstThroughTheWholeClinicTrail) {
  World w;
  MakeHistory(w, 9);
  AuditService audit(*w.store);
  std::vector<std::int64_t> seen;
  std::int64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    auto result = audit.Browse(w.As(w.admin), before, 4);
    ASSERT_TRUE(result.has_value());
    for (const AuditEntry& e : result->entries) seen.push_back(e.seq);
    if (result->next_before_seq == 0) break;
    before = result->next_before_seq;
  }
  ASSERT_EQ(seen.size(), 11u);  // nine reads (one entry each) and a creation (two)
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
  EXPECT_EQ(seen.front(), 11);
  EXPECT_EQ(seen.back(), 1);
}

// --- Searching the trail ------------------------------------------------------------------------

std::vector<AuditRow> SearchAll(AuditService& audit, const Actor& admin,
                                const AuditSearch& search) {
  std::vector<AuditRow> out;
  std::int64_t before = 0;
  for (int page = 0; page < 100; ++page) {
    auto result = audit.Browse(admin, before, 7, search);
    EXPECT_TRUE(result.has_value()) << result.error().message;
    if (!result) break;
    for (AuditRow& row : result->entries) out.push_back(std::move(row));
    if (result->next_before_seq == 0) break;
    before = result->next_before_seq;
  }
  return out;
}

TEST(Search, FindsEveryReadOfOneClientsRecordByOnePersonAndNothingElse) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  // What t1 reads of c1: the client record twice and the episode once.
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  ASSERT_TRUE(clinic.GetEpisode(w.As(w.t1), w.e_c1).has_value());
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  // Reads that must not be found: another client by the same person, the same client by another.
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.k1).has_value());
  ASSERT_TRUE(clinic.GetClient(w.As(w.supervisor), w.c1).has_value());
  // What the trail holds, counted independently of the search.
  int expected = 0;
  for (const AuditEntry& e : w.Audit()) {
    const bool about_c1 = (e.record_type == "client" && e.record_id == std::to_string(w.c1)) ||
                          (e.record_type == "episode" && e.record_id == std::to_string(w.e_c1));
    if (e.actor_id == w.t1 && e.action == "read" && about_c1) ++expected;
  }
  ASSERT_GE(expected, 3);

  AuditService audit(*w.store, w.clock);
  AuditSearch search;
  search.client_id = w.c1;
  search.person_id = w.t1;
  search.action = "read";
  const auto rows = SearchAll(audit, w.As(w.admin), search);
  ASSERT_EQ(static_cast<int>(rows.size()), expected);
  for (const AuditRow& row : rows) {
    EXPECT_EQ(row.actor_id, w.t1);
    EXPECT_EQ(row.client_id, w.c1);
    EXPECT_FALSE(row.actor_name.empty());
    EXPECT_NE(row.record_words.find(row.client_name), std::string::npos) << row.record_words;
  }
}

TEST(Search, ABadClientPersonOrRangeNamesTheFieldAndAnotherClinicsClientIsNotFound) {
  World w;
  AuditService audit(*w.store, w.clock);
  const auto field_of = [&](const AuditSearch& search) {
    auto result = audit.Browse(w.As(w.admin), 0, 10, search);
    if (result) return std::string("ok");
    return result.error().fields.empty() ? result.error().message : result.error().fields[0].field;
  };
  AuditSearch s;
  s.client_id = w.cb;  // clinic B
  EXPECT_EQ(field_of(s), "client");
  s.client_id = w.t1;  // not a client
  EXPECT_EQ(field_of(s), "client");
  s = {};
  s.person_id = w.tb;
  EXPECT_EQ(field_of(s), "person");
  s = {};
  s.from = w.clock.Now();
  s.to = w.clock.Now();
  EXPECT_EQ(field_of(s), "to");
  EXPECT_EQ(audit.Browse(w.As(w.supervisor), 0, 10, {}).error().code, ErrorCode::kPermissionDenied);
}

TEST(Search, TheDateRangeKeepsOnlyEntriesInsideIt) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  w.clock.Advance(std::chrono::hours(48));
  const Timestamp later = w.clock.Now();
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  AuditService audit(*w.store, w.clock);
  AuditSearch search;
  search.client_id = w.c1;
  const auto all = SearchAll(audit, w.As(w.admin), search);
  search.from = later;
  const auto from = SearchAll(audit, w.As(w.admin), search);
  search.from = 0;
  search.to = later;
  const auto to = SearchAll(audit, w.As(w.admin), search);
  ASSERT_FALSE(from.empty());
  ASSERT_FALSE(to.empty());
  EXPECT_EQ(from.size() + to.size(), all.size());
  for (const AuditRow& row : from) EXPECT_GE(row.at, later);
  for (const AuditRow& row : to) EXPECT_LT(row.at, later);
}

TEST(Readers, TheAdminAndTheSupervisorSeeWhoReadAClientsRecordAndOthersDoNot) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  ASSERT_TRUE(clinic.GetEpisode(w.As(w.t1), w.e_c1).has_value());
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.k1).has_value());  // another client: not counted
  AuditService audit(*w.store, w.clock);
  for (UserId who : {w.admin, w.supervisor}) {
    auto readers = audit.ReadersOfClient(w.As(who), w.c1);
    ASSERT_TRUE(readers.has_value()) << readers.error().message;
    const auto t1 = std::find_if(readers->begin(), readers->end(),
                                 [&](const RecordReader& r) { return r.user_id == w.t1; });
    ASSERT_NE(t1, readers->end());
    EXPECT_EQ(t1->reads, 2) << "the client with their episode, then the episode again";
    EXPECT_FALSE(t1->name.empty());
    EXPECT_EQ(t1->role, "therapist");
  }
  // Looking is itself on the trail.
  const auto trail = w.Audit();
  EXPECT_EQ(trail.back().record_type, "audit_log");
  EXPECT_EQ(trail.back().actor_id, w.supervisor);
  EXPECT_EQ(audit.ReadersOfClient(w.As(w.t2), w.c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(audit.ReadersOfClient(w.As(w.admin_b), w.c1).error().code, ErrorCode::kNotFound);
}

TEST(Export, TheCsvNamesPeopleAndRecordsInWordsAndIsAudited) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(clinic.GetClient(w.As(w.t1), w.c1).has_value());
  AuditService audit(*w.store, w.clock);
  AuditSearch search;
  search.client_id = w.c1;
  auto csv = audit.ExportCsv(w.As(w.admin), search);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  EXPECT_EQ(csv->rfind("seq,at,person,role,action,record,client,source,detail\r\n", 0), 0u);
  const User c1 = *w.store->GetUser(w.c1);
  const User t1 = *w.store->GetUser(w.t1);
  EXPECT_NE(csv->find(t1.display_name), std::string::npos) << *csv;
  EXPECT_NE(csv->find(c1.display_name + "'s record"), std::string::npos) << *csv;
  EXPECT_EQ(w.Audit().back().action, "export");
  EXPECT_EQ(audit.ExportCsv(w.As(w.t1), search).error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace rapport
