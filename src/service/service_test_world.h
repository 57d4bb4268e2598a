#pragma once
// Test support for service/ tests (header-only so it stays out of the library): a real store (an
// SQLite file in a temporary directory, or the engine a test binary chose with TestStoreEngine),
// a FakeClock, and two small clinics whose people have every relationship the access rules care
// about. Not thread-safe; one per test.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_test_template.h"

namespace rapport::testing {

inline constexpr std::string_view kPassword = "correct horse battery staple";

// Another engine for the tests' stores than the SQLite file: a test binary that runs its suite on
// PostgreSQL too (tests/integration/pg_engine.cc) sets one before any test starts.
struct TestStoreEngine {
  std::string name;
  // The store of one test, whose key files go in `dir`; called again for the same `dir` when a
  // test reopens its store, which then sees the same data.
  std::function<std::unique_ptr<SqliteStore>(const std::string& dir)> open;
  // Removes what `open` made for `dir`, once its store is closed.
  std::function<void(const std::string& dir)> remove;
};

// The engine in use: nullptr for the SQLite file.
inline const TestStoreEngine*& TestEngine() {
  static const TestStoreEngine* engine = nullptr;
  return engine;
}

// A fresh database, removed with its directory at the end of the test.
class TempDb {
 public:
  TempDb() {
    EXPECT_TRUE(InitCrypto().has_value());
    dir_ = std::filesystem::temp_directory_path() / ("rapport-service-test-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
  }
  ~TempDb() {
    if (const TestStoreEngine* engine = TestEngine()) engine->remove(dir_.string());
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  // The SQLite file (when TestEngine() is null).
  std::string path() const { return (dir_ / "rapport.db").string(); }

  std::unique_ptr<SqliteStore> Open() const {
    if (const TestStoreEngine* engine = TestEngine()) return engine->open(dir_.string());
    if (!std::filesystem::exists(path())) CopyMigratedDatabase(path());
    SqliteStoreOptions options;
    options.path = path();
    options.read_connections = 2;
    auto store = SqliteStore::Open(options);
    if (!store) ADD_FAILURE() << "cannot open store: " << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

 private:
  std::filesystem::path dir_;
};

inline AuthOptions FastAuth() {
  AuthOptions options;
  options.hash_cost = HashCost::kMinimal;
  return options;
}

// Clinic A: admin; supervisor (of t1 only); therapists t1, t2; clients c1 (t1), c2 (t2);
// children k1 (t1, guardian g1) and k2 (t2, guardian g2). Clinic B: therapist tb, client cb.
// Everyone has the password kPassword. Appointments: one upcoming per episode.
struct World {
  TempDb db;
  std::unique_ptr<SqliteStore> store;
  FakeClock clock{1'780'304'400'000};  // 2026-06-01T09:00:00Z

  ClinicId clinic_a = 0, clinic_b = 0;
  UserId admin = 0, supervisor = 0, t1 = 0, t2 = 0, c1 = 0, c2 = 0, k1 = 0, k2 = 0, g1 = 0, g2 = 0,
         tb = 0, cb = 0, admin_b = 0;
  EpisodeId e_c1 = 0, e_c2 = 0, e_k1 = 0, e_k2 = 0, e_cb = 0;
  AppointmentId a_c1 = 0, a_c2 = 0, a_k1 = 0, a_k2 = 0, a_cb = 0;

  World() : store(db.Open()) {
    if (!store) return;
    auto hash = HashPassword(kPassword, HashCost::kMinimal);
    EXPECT_TRUE(hash.has_value());
    const Timestamp now = clock.Now();
    const auto written = store->Write([&](WriteTxn& txn) -> Status {
      clinic_a = *txn.InsertClinic(Clinic{0, "Clinic A", {}});
      clinic_b = *txn.InsertClinic(Clinic{0, "Clinic B", {}});
      const auto user = [&](ClinicId clinic, const char* email, const char* name, Role role) {
        auto id = txn.InsertUser(NewUser{clinic, email, name, role, *hash, now, true});
        EXPECT_TRUE(id.has_value()) << email;
        if (role == Role::kClient) {
          EXPECT_TRUE(txn.UpsertClientProfile(ClientProfile{*id, "", "", ""}).has_value());
        }
        return id.value_or(0);
      };
      admin = user(clinic_a, "admin@a.test", "Ada Admin", Role::kAdmin);
      supervisor = user(clinic_a, "sup@a.test", "Sam Supervisor", Role::kSupervisor);
      t1 = user(clinic_a, "t1@a.test", "Tara One", Role::kTherapist);
      t2 = user(clinic_a, "t2@a.test", "Theo Two", Role::kTherapist);
      c1 = user(clinic_a, "c1@a.test", "Cleo Client", Role::kClient);
      c2 = user(clinic_a, "c2@a.test", "Cody Client", Role::kClient);
      k1 = user(clinic_a, "k1@a.test", "Kit Child", Role::kClient);
      k2 = user(clinic_a, "k2@a.test", "Kai Child", Role::kClient);
      g1 = user(clinic_a, "g1@a.test", "Gina Guardian", Role::kGuardian);
      g2 = user(clinic_a, "g2@a.test", "Gus Guardian", Role::kGuardian);
      tb = user(clinic_b, "tb@b.test", "Tomi B", Role::kTherapist);
      cb = user(clinic_b, "cb@b.test", "Cass B", Role::kClient);
      admin_b = user(clinic_b, "admin@b.test", "Bo Admin", Role::kAdmin);
      RAPPORT_RETURN_IF_ERROR(txn.UpsertTherapistProfile(TherapistProfile{t1, "CBT", "", true}));
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{k1, "2017-03-04", "Kit", ""}));
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{k2, "2012-09-10", "", ""}));
      RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(supervisor, t1));
      for (const auto& [guardian, child] : {std::pair{g1, k1}, std::pair{g2, k2}}) {
        RAPPORT_RETURN_IF_ERROR(
            txn.InsertGuardianLink(EstablishedGuardianLink(guardian, child, now, "test world")));
      }
      const auto episode = [&](ClinicId clinic, UserId client, UserId therapist,
                               AppointmentId& appointment) {
        Episode e;
        e.clinic_id = clinic;
        e.client_id = client;
        e.therapist_id = therapist;
        e.started_at = now - 7 * 86'400'000;
        const EpisodeId id = txn.InsertEpisode(e).value_or(0);
        Appointment a;
        a.episode_id = id;
        a.starts_at = now + 86'400'000;
        appointment = txn.InsertAppointment(a).value_or(0);
        return id;
      };
      e_c1 = episode(clinic_a, c1, t1, a_c1);
      e_c2 = episode(clinic_a, c2, t2, a_c2);
      e_k1 = episode(clinic_a, k1, t1, a_k1);
      e_k2 = episode(clinic_a, k2, t2, a_k2);
      e_cb = episode(clinic_b, cb, tb, a_cb);
      return Ok();
    });
    EXPECT_TRUE(written.has_value()) << written.error().message;
  }

  // A further episode of `client` in clinic A, led by `therapist`, started now.
  EpisodeId OpenEpisode(UserId client, UserId therapist) {
    EpisodeId id = 0;
    const Status written = store->Write([&](WriteTxn& txn) -> Status {
      Episode e;
      e.clinic_id = clinic_a;
      e.client_id = client;
      e.therapist_id = therapist;
      e.started_at = clock.Now();
      RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertEpisode(e));
      return Ok();
    });
    EXPECT_TRUE(written.has_value());
    return id;
  }

  // The actor a signed-in user would be.
  Actor As(UserId id) const {
    auto user = store->GetUser(id);
    EXPECT_TRUE(user.has_value());
    Actor actor;
    actor.user_id = id;
    actor.clinic_id = user->clinic_id;
    actor.role = user->role;
    actor.session_id = 1;
    actor.source = "192.0.2.1";
    actor.csrf_token = "csrf";
    return actor;
  }

  // Audit entries (all clinics), oldest first.
  std::vector<AuditEntry> Audit() const {
    auto entries = store->ListAudit(0, 0, 100000);
    EXPECT_TRUE(entries.has_value());
    return entries.value_or(std::vector<AuditEntry>{});
  }

  // How many audit entries have `action`, and `record_type` unless it is empty.
  int AuditCount(std::string_view action, std::string_view record_type = {}) const {
    const auto entries = Audit();
    return static_cast<int>(std::count_if(entries.begin(), entries.end(), [&](const AuditEntry& e) {
      return e.action == action && (record_type.empty() || e.record_type == record_type);
    }));
  }
};

}  // namespace rapport::testing
