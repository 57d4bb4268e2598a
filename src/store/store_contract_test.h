#pragma once
// The Store contract suite: the prose contract of store/store.h as tests, run against every
// backend. A backend's test file includes this header once and instantiates the suite with a
// factory that makes a fresh, empty store per test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreBackend{"sqlite", MakeSqliteFixture}),
//                            StoreBackendName);
//
// Nothing here may depend on a backend: backend-only behaviour (files, migrations, SQL) belongs
// in that backend's own tests. Include from exactly one .cc per test binary (it defines tests).

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "domain/audit.h"
#include "store/store.h"

namespace rapport {

// What a backend hands the suite for one test: a fresh, empty store; destroying the fixture
// cleans up whatever it made (a temporary file, a scratch database).
class StoreFixture {
 public:
  virtual ~StoreFixture() = default;
  virtual Store& store() = 0;
};

struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<StoreFixture>()> make;
  friend void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }
};

inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

// --- Matchers for Status and Result<T> --------------------------------------------------------

MATCHER(IsOk, "succeeds") {
  if (arg.has_value()) return true;
  *result_listener << "fails with " << ToString(arg.error().code) << ": " << arg.error().message;
  return false;
}

MATCHER_P(FailsWith, code, "fails with " + std::string(ToString(code))) {
  if (arg.has_value()) {
    *result_listener << "succeeds";
    return false;
  }
  *result_listener << "fails with " << ToString(arg.error().code) << ": " << arg.error().message;
  return arg.error().code == code;
}

// A Result's success or error without its value, for EXPECT_THAT(..., FailsWith(...)) in a Write.
template <typename T>
Status DropValue(const Result<T>& result) {
  if (!result) return Fail(result.error());
  return Ok();
}

// --- The suite --------------------------------------------------------------------------------

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  static constexpr Timestamp kT0 = 1'790'000'000'000;  // 2026-09-21, any fixed instant will do

  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    fixture_ = GetParam().make();
    ASSERT_NE(fixture_, nullptr);
  }
  void TearDown() override { fixture_.reset(); }

  Store& store() { return fixture_->store(); }

  // Runs `f` (returning Result<T>) in its own Write and returns its value; a failure fails the
  // test and returns T{}.
  template <typename F>
  auto Put(F f) -> typename decltype(f(std::declval<WriteTxn&>()))::value_type {
    using T = typename decltype(f(std::declval<WriteTxn&>()))::value_type;
    std::optional<T> out;
    const Status written = store().Write([&](WriteTxn& txn) -> Status {
      auto result = f(txn);
      if (!result) return Fail(result.error());
      out = std::move(*result);
      return Ok();
    });
    EXPECT_THAT(written, IsOk());
    return out.value_or(T{});
  }

  // Runs a Status-returning `f` in its own Write.
  Status Do(const std::function<Status(WriteTxn&)>& f) { return store().Write(f); }

  ClinicId AddClinic(const std::string& name = "Northside Clinic", ClinicSettings settings = {}) {
    return Put([&](WriteTxn& txn) { return txn.InsertClinic(Clinic{0, name, settings}); });
  }

  static NewUser MakeUser(ClinicId clinic, const std::string& email, Role role = Role::kClient) {
    NewUser u;
    u.clinic_id = clinic;
    u.email = email;
    u.display_name = "Name of " + email;
    u.role = role;
    u.created_at = kT0;
    return u;
  }

  UserId AddUser(ClinicId clinic, const std::string& email, Role role = Role::kClient) {
    return Put([&](WriteTxn& txn) { return txn.InsertUser(MakeUser(clinic, email, role)); });
  }

  static Episode MakeEpisode(ClinicId clinic, UserId client, UserId therapist,
                             Timestamp started_at = kT0) {
    Episode e;
    e.clinic_id = clinic;
    e.client_id = client;
    e.therapist_id = therapist;
    e.status = EpisodeStatus::kIntake;
    e.started_at = started_at;
    return e;
  }

  EpisodeId AddEpisode(ClinicId clinic, UserId client, UserId therapist) {
    return Put(
        [&](WriteTxn& txn) { return txn.InsertEpisode(MakeEpisode(clinic, client, therapist)); });
  }

  static Appointment MakeAppointment(EpisodeId episode, Timestamp starts_at) {
    Appointment a;
    a.episode_id = episode;
    a.starts_at = starts_at;
    a.duration_minutes = 50;
    a.modality = Modality::kVideo;
    a.status = AppointmentStatus::kScheduled;
    return a;
  }

  AppointmentId AddAppointment(EpisodeId episode, Timestamp starts_at) {
    return Put(
        [&](WriteTxn& txn) { return txn.InsertAppointment(MakeAppointment(episode, starts_at)); });
  }

  static AuthSession MakeSession(UserId user, const std::string& token_hash) {
    AuthSession s;
    s.user_id = user;
    s.token_hash = token_hash;
    s.csrf_hash = "csrf-" + token_hash;
    s.created_at = kT0;
    s.last_seen_at = kT0;
    s.source = "192.0.2.7";
    s.user_agent = "Mozilla/5.0 (test)";
    return s;
  }

  static Invitation MakeInvitation(ClinicId clinic, UserId user, UserId by,
                                   const std::string& token_hash) {
    Invitation i;
    i.clinic_id = clinic;
    i.user_id = user;
    i.created_by = by;
    i.token_hash = token_hash;
    i.created_at = kT0;
    i.expires_at = kT0 + 7LL * 24 * 3600 * 1000;
    return i;
  }

  static AuditEntry MakeAudit(ClinicId clinic, const std::string& action,
                              const std::string& record_id = "1") {
    AuditEntry e;
    e.at = kT0;
    e.clinic_id = clinic;
    e.actor_id = 3;
    e.actor_role = "therapist";
    e.action = action;
    e.record_type = "episode";
    e.record_id = record_id;
    e.source = "192.0.2.7";
    return e;
  }

  AuditEntry AddAudit(ClinicId clinic, const std::string& action,
                      const std::string& record_id = "1") {
    return Put(
        [&](WriteTxn& txn) { return txn.AppendAudit(MakeAudit(clinic, action, record_id)); });
  }

 private:
  std::unique_ptr<StoreFixture> fixture_;
};

// --- Write, Ping ------------------------------------------------------------------------------

TEST_P(StoreContractTest, PingAnswersOnAFreshStore) {
  EXPECT_THAT(store().Ping(), IsOk());
  EXPECT_THAT(store().CheckWritable(), IsOk());
}

TEST_P(StoreContractTest, WriteReturnsTheWriteFnsOwnError) {
  const Status written =
      store().Write([](WriteTxn&) -> Status { return Fail(Error::Conflict("changed meanwhile")); });
  ASSERT_THAT(written, FailsWith(ErrorCode::kConflict));
  EXPECT_EQ(written.error().message, "changed meanwhile");
}

// --- Read: one snapshot for a run of reads ---------------------------------------------------

// Each aggregate's reads, run inside Read(), see the state of its first read: a write committed
// meanwhile (here by the reading thread itself) shows only once the Read() is over.
TEST_P(StoreContractTest, AReadSeesOneSnapshotWhileWritesCommit) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "client@example.org");
  const UserId therapist = AddUser(clinic, "therapist@example.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return DropValue(txn.AppendAudit(MakeAudit(clinic, "a"))); }),
              IsOk());

  const Status read = store().Read([&](Reads& reads) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> users_before, reads.ListUsers(clinic));
    EXPECT_EQ(users_before.size(), 2U);
    // Committed while the snapshot is held: a user, an episode's end, an audit entry.
    EXPECT_NE(AddUser(clinic, "newcomer@example.org"), 0);
    EXPECT_THAT(Do([&](WriteTxn& txn) {
                  return txn.UpdateEpisodeStatus(episode, EpisodeStatus::kEnded, kT0 + 1);
                }),
                IsOk());
    EXPECT_THAT(
        Do([&](WriteTxn& txn) { return DropValue(txn.AppendAudit(MakeAudit(clinic, "b"))); }),
        IsOk());

    // Through the Reads handed in, and through the store on the same thread: the same snapshot.
    for (Reads* through : {&reads, static_cast<Reads*>(&store())}) {
      RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> users, through->ListUsers(clinic));
      EXPECT_EQ(users.size(), 2U);
      EXPECT_THAT(through->FindUserByEmail(clinic, "newcomer@example.org"),
                  FailsWith(ErrorCode::kNotFound));
      RAPPORT_ASSIGN_OR_RETURN(const Episode still, through->GetEpisode(episode));
      EXPECT_NE(still.status, EpisodeStatus::kEnded);
      RAPPORT_ASSIGN_OR_RETURN(const std::vector<AuditEntry> audit,
                               through->ListAudit(clinic, 0, 10));
      EXPECT_EQ(audit.size(), 1U);
    }
    return Ok();
  });
  ASSERT_THAT(read, IsOk());

  auto users = store().ListUsers(clinic);
  ASSERT_THAT(users, IsOk());
  EXPECT_EQ(users->size(), 3U);
  auto ended = store().GetEpisode(episode);
  ASSERT_THAT(ended, IsOk());
  EXPECT_EQ(ended->status, EpisodeStatus::kEnded);
}

TEST_P(StoreContractTest, AReadInsideAReadJoinsItsSnapshot) {
  const ClinicId clinic = AddClinic();
  ASSERT_NE(AddUser(clinic, "first@example.org"), 0);
  const Status read = store().Read([&](Reads& outer) -> Status {
    RAPPORT_RETURN_IF_ERROR(outer.ListUsers(clinic));  // the snapshot is taken here
    EXPECT_NE(AddUser(clinic, "second@example.org"), 0);
    return store().Read([&](Reads& inner) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> users, inner.ListUsers(clinic));
      EXPECT_EQ(users.size(), 1U);
      return Ok();
    });
  });
  EXPECT_THAT(read, IsOk());
}

TEST_P(StoreContractTest, ReadReturnsItsFunctionsErrorAndLeavesTheNextReadFresh) {
  const ClinicId clinic = AddClinic();
  const Status failed = store().Read([&](Reads& reads) -> Status {
    RAPPORT_RETURN_IF_ERROR(reads.ListUsers(clinic));
    return Fail(Error::Conflict("changed meanwhile"));
  });
  ASSERT_THAT(failed, FailsWith(ErrorCode::kConflict));
  EXPECT_EQ(failed.error().message, "changed meanwhile");
  // The failed Read's snapshot is gone: what was written since is seen.
  ASSERT_NE(AddUser(clinic, "later@example.org"), 0);
  EXPECT_THAT(store().Read([&](Reads& reads) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> users, reads.ListUsers(clinic));
    EXPECT_EQ(users.size(), 1U);
    return Ok();
  }),
              IsOk());
}

// Only the thread inside Read() is held to its snapshot; another thread reads what is committed,
// and does not wait for the Read() to end.
TEST_P(StoreContractTest, OtherThreadsReadPastAReadInProgress) {
  const ClinicId clinic = AddClinic();
  ASSERT_NE(AddUser(clinic, "first@example.org"), 0);
  std::atomic<bool> snapshot_taken{false};
  std::atomic<bool> others_done{false};
  std::atomic<bool> gave_up{false};  // the other thread's reads waited for this Read() to end
  std::thread holder([&] {
    const Status held = store().Read([&](Reads& reads) -> Status {
      RAPPORT_RETURN_IF_ERROR(reads.ListUsers(clinic));
      snapshot_taken = true;
      // Held until the other thread has read; bounded so that a failure cannot hang the suite.
      for (int i = 0; i < 3000 && !others_done; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!others_done) gave_up = true;
      return Ok();
    });
    EXPECT_THAT(held, IsOk());
  });
  while (!snapshot_taken) std::this_thread::yield();
  ASSERT_NE(AddUser(clinic, "second@example.org"), 0);
  auto users = store().ListUsers(clinic);
  EXPECT_THAT(store().Read([&](Reads& reads) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> seen, reads.ListUsers(clinic));
    EXPECT_EQ(seen.size(), 2U);
    return Ok();
  }),
              IsOk());
  others_done = true;
  holder.join();
  ASSERT_THAT(users, IsOk());
  EXPECT_EQ(users->size(), 2U);
  EXPECT_FALSE(gave_up);
}

TEST_P(StoreContractTest, AFailingWriteFnLeavesNothingBehind) {
  const ClinicId clinic = AddClinic();
  const Status written = store().Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(MakeUser(clinic, "ghost@example.org")));
    RAPPORT_RETURN_IF_ERROR(txn.UpdateClinicSettings(clinic, ClinicSettings{false, false}));
    RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(MakeAudit(clinic, "create")));
    return Fail(Error::InvalidArgument("changed my mind"));
  });
  ASSERT_THAT(written, FailsWith(ErrorCode::kInvalidArgument));

  EXPECT_THAT(store().FindUserByEmail(clinic, "ghost@example.org"),
              FailsWith(ErrorCode::kNotFound));
  auto listed = store().ListUsers(clinic);
  ASSERT_THAT(listed, IsOk());
  EXPECT_TRUE(listed->empty());
  auto reread = store().GetClinic(clinic);
  ASSERT_THAT(reread, IsOk());
  EXPECT_TRUE(reread->settings.share_with_guardians);
  auto audit = store().ListAudit(0, 0, 10);
  ASSERT_THAT(audit, IsOk());
  EXPECT_TRUE(audit->empty());
  // The email is free again.
  EXPECT_NE(AddUser(clinic, "ghost@example.org"), 0);
}

TEST_P(StoreContractTest, AWriteFnSeesItsOwnUncommittedChanges) {
  const ClinicId clinic = AddClinic();
  const Status written = store().Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const UserId client, txn.InsertUser(MakeUser(clinic, "c@x.org")));
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist,
                             txn.InsertUser(MakeUser(clinic, "t@x.org", Role::kTherapist)));
    RAPPORT_ASSIGN_OR_RETURN(const User user, txn.GetUser(client));
    EXPECT_EQ(user.email, "c@x.org");
    RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode,
                             txn.InsertEpisode(MakeEpisode(clinic, client, therapist)));
    RAPPORT_ASSIGN_OR_RETURN(const Episode e, txn.GetEpisode(episode));
    EXPECT_EQ(e.client_id, client);
    RAPPORT_ASSIGN_OR_RETURN(const AppointmentId appointment,
                             txn.InsertAppointment(MakeAppointment(episode, kT0)));
    RAPPORT_ASSIGN_OR_RETURN(const Appointment a, txn.GetAppointment(appointment));
    EXPECT_EQ(a.episode_id, episode);
    RAPPORT_RETURN_IF_ERROR(txn.InsertInvitation(MakeInvitation(clinic, client, therapist, "tok")));
    RAPPORT_ASSIGN_OR_RETURN(const Invitation i, txn.FindInvitationByTokenHash("tok"));
    EXPECT_EQ(i.user_id, client);
    EXPECT_THAT(txn.GetUser(client + therapist + 100), FailsWith(ErrorCode::kNotFound));
    return Ok();
  });
  EXPECT_THAT(written, IsOk());
}

TEST_P(StoreContractTest, AnErrorAWriteFnToleratesDoesNotUndoItsOtherWork) {
  const ClinicId clinic = AddClinic();
  AddUser(clinic, "taken@example.org");
  const Status written = store().Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(MakeUser(clinic, "first@example.org")));
    EXPECT_THAT(txn.InsertUser(MakeUser(clinic, "taken@example.org")),
                FailsWith(ErrorCode::kAlreadyExists));
    RAPPORT_RETURN_IF_ERROR(txn.InsertUser(MakeUser(clinic, "second@example.org")));
    return Ok();
  });
  ASSERT_THAT(written, IsOk());
  EXPECT_THAT(store().FindUserByEmail(clinic, "first@example.org"), IsOk());
  EXPECT_THAT(store().FindUserByEmail(clinic, "second@example.org"), IsOk());
}

// Concurrent writes that may share one commit: each succeeds or fails on its own.
TEST_P(StoreContractTest, ConcurrentWritesSucceedOrFailEachOnTheirOwn) {
  const ClinicId clinic = AddClinic();
  // Hold the store's writer (if it has one) so that the writes below queue up together.
  std::atomic<bool> release{false};
  std::thread blocker([&] {
    EXPECT_THAT(store().Write([&](WriteTxn&) -> Status {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return Ok();
    }),
                IsOk());
  });
  constexpr int kWriters = 16;
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] = store().Write([&, i](WriteTxn& txn) -> Status {
        RAPPORT_RETURN_IF_ERROR(txn.InsertUser(MakeUser(clinic, fmt::format("u{}@x.org", i))));
        RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(MakeAudit(clinic, "create", std::to_string(i))));
        if (i % 2 == 1) return Fail(Error::FailedPrecondition("odd writers give up"));
        return Ok();
      });
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release = true;
  blocker.join();
  for (auto& w : writers) w.join();

  for (int i = 0; i < kWriters; ++i) {
    const auto& result = results[static_cast<std::size_t>(i)];
    const std::string email = fmt::format("u{}@x.org", i);
    if (i % 2 == 0) {
      EXPECT_THAT(result, IsOk()) << i;
      EXPECT_THAT(store().FindUserByEmail(clinic, email), IsOk()) << i;
    } else {
      EXPECT_THAT(result, FailsWith(ErrorCode::kFailedPrecondition)) << i;
      EXPECT_THAT(store().FindUserByEmail(clinic, email), FailsWith(ErrorCode::kNotFound)) << i;
    }
  }
  // Only the successful writers' audit entries exist, and they chain without gaps.
  auto audit = store().ListAudit(0, 0, 100);
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), kWriters / 2);
  std::string prev(kAuditGenesisHash);
  for (std::size_t i = 0; i < audit->size(); ++i) {
    EXPECT_EQ((*audit)[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ((*audit)[i].prev_hash, prev);
    EXPECT_EQ(std::stoi((*audit)[i].record_id) % 2, 0);
    prev = (*audit)[i].hash;
  }
}

// --- Clinics ----------------------------------------------------------------------------------

TEST_P(StoreContractTest, ClinicRoundTripsWithItsSettings) {
  const ClinicId id = AddClinic("Harbour Clinic", ClinicSettings{false, true, 12, 45});
  ASSERT_GT(id, 0);
  auto clinic = store().GetClinic(id);
  ASSERT_THAT(clinic, IsOk());
  EXPECT_EQ(clinic->id, id);
  EXPECT_EQ(clinic->name, "Harbour Clinic");
  EXPECT_FALSE(clinic->settings.share_with_guardians);
  EXPECT_TRUE(clinic->settings.allow_link_feedback);
  EXPECT_EQ(clinic->settings.plan_review_sessions, 12);
  EXPECT_EQ(clinic->settings.plan_review_days, 45);
}

TEST_P(StoreContractTest, ANewClinicReviewsPlansEverySixSessionsOrNinetyDays) {
  const ClinicId id = AddClinic("Harbour Clinic");
  auto clinic = store().GetClinic(id);
  ASSERT_THAT(clinic, IsOk());
  EXPECT_EQ(clinic->settings.plan_review_sessions, 6);
  EXPECT_EQ(clinic->settings.plan_review_days, 90);
  auto listed = store().ListClinics();
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].settings.plan_review_sessions, 6);
  EXPECT_EQ((*listed)[0].settings.plan_review_days, 90);
}

TEST_P(StoreContractTest, UpdateClinicSettingsChangesThePlanReviewInterval) {
  const ClinicId id = AddClinic("Harbour Clinic");
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateClinicSettings(id, ClinicSettings{true, true, 52, 730});
              }),
              IsOk());
  auto clinic = store().GetClinic(id);
  ASSERT_THAT(clinic, IsOk());
  EXPECT_EQ(clinic->settings.plan_review_sessions, 52);
  EXPECT_EQ(clinic->settings.plan_review_days, 730);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateClinicSettings(id, ClinicSettings{true, true, 1, 1});
              }),
              IsOk());
  EXPECT_EQ(store().GetClinic(id)->settings.plan_review_sessions, 1);
  EXPECT_EQ(store().GetClinic(id)->settings.plan_review_days, 1);
}

TEST_P(StoreContractTest, InsertClinicIgnoresTheGivenIdAndAssignsDistinctOnes) {
  const ClinicId a = Put([](WriteTxn& txn) { return txn.InsertClinic(Clinic{777, "A", {}}); });
  const ClinicId b = Put([](WriteTxn& txn) { return txn.InsertClinic(Clinic{777, "B", {}}); });
  EXPECT_NE(a, b);
  ASSERT_THAT(store().GetClinic(a), IsOk());
  EXPECT_EQ(store().GetClinic(a)->name, "A");
  EXPECT_EQ(store().GetClinic(b)->name, "B");
}

TEST_P(StoreContractTest, UpdateClinicSettingsChangesOnlyTheSettings) {
  const ClinicId id = AddClinic("Harbour Clinic");
  ASSERT_THAT(
      Do([&](WriteTxn& txn) { return txn.UpdateClinicSettings(id, ClinicSettings{false, false}); }),
      IsOk());
  auto clinic = store().GetClinic(id);
  ASSERT_THAT(clinic, IsOk());
  EXPECT_EQ(clinic->name, "Harbour Clinic");
  EXPECT_FALSE(clinic->settings.share_with_guardians);
  EXPECT_FALSE(clinic->settings.allow_link_feedback);
}

TEST_P(StoreContractTest, MissingClinicIsNotFound) {
  EXPECT_THAT(store().GetClinic(12345), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([](WriteTxn& txn) { return txn.UpdateClinicSettings(12345, {}); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, ListClinicsIsOrderedById) {
  auto empty = store().ListClinics();
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
  const ClinicId a = AddClinic("Zeta");
  const ClinicId b = AddClinic("Alpha");
  auto clinics = store().ListClinics();
  ASSERT_THAT(clinics, IsOk());
  ASSERT_EQ(clinics->size(), 2U);
  EXPECT_EQ((*clinics)[0].id, a);
  EXPECT_EQ((*clinics)[1].id, b);
  EXPECT_LT(a, b);
}

// --- Users ------------------------------------------------------------------------------------

TEST_P(StoreContractTest, UserRoundTripsAndStartsActive) {
  const ClinicId clinic = AddClinic();
  NewUser u = MakeUser(clinic, "ana@example.org", Role::kTherapist);
  u.display_name = "Ana Lima";
  u.created_at = kT0 + 5;
  const UserId id = Put([&](WriteTxn& txn) { return txn.InsertUser(u); });
  ASSERT_GT(id, 0);

  auto user = store().GetUser(id);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->id, id);
  EXPECT_EQ(user->clinic_id, clinic);
  EXPECT_EQ(user->email, "ana@example.org");
  EXPECT_EQ(user->display_name, "Ana Lima");
  EXPECT_EQ(user->role, Role::kTherapist);
  EXPECT_TRUE(user->active);
  EXPECT_EQ(user->created_at, kT0 + 5);

  auto by_email = store().FindUserByEmail(clinic, "ana@example.org");
  ASSERT_THAT(by_email, IsOk());
  EXPECT_EQ(by_email->id, id);
}

TEST_P(StoreContractTest, AnAddressIsUniqueWithinAClinicAndMayHaveAnAccountInEach) {
  const ClinicId one = AddClinic();
  const ClinicId two = AddClinic();
  const UserId first = AddUser(one, "sam@example.org");
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertUser(MakeUser(one, "sam@example.org")));
                return Ok();
              }),
              FailsWith(ErrorCode::kAlreadyExists));
  const UserId second = AddUser(two, "sam@example.org");
  EXPECT_EQ(store().FindUserByEmail(one, "sam@example.org")->id, first);
  EXPECT_EQ(store().FindUserByEmail(two, "sam@example.org")->id, second);
  auto both = store().ListUsersWithEmail("sam@example.org");
  ASSERT_THAT(both, IsOk());
  ASSERT_EQ(both->size(), 2U);
  EXPECT_EQ((*both)[0].id, first);
  EXPECT_EQ((*both)[1].id, second);
  EXPECT_THAT(store().ListUsersWithEmail("nobody@example.org"),
              ::testing::Optional(::testing::IsEmpty()));
}

TEST_P(StoreContractTest, AnUnconfirmedAddressClashesWithNothingAndSignsInToNothing) {
  const ClinicId clinic = AddClinic();
  const UserId holder = AddUser(clinic, "kim@example.org");
  const auto add_unconfirmed = [&](const std::string& email) {
    NewUser user = MakeUser(clinic, email);
    user.email_confirmed = false;
    UserId id = 0;
    EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertUser(user));
                  return Ok();
                }),
                IsOk());
    return id;
  };
  const UserId invited = add_unconfirmed("kim@example.org");
  const UserId invited_again = add_unconfirmed("kim@example.org");
  EXPECT_FALSE(store().GetUser(invited)->email_confirmed);
  EXPECT_TRUE(store().GetUser(holder)->email_confirmed);

  // Only the confirmed account is found by address, for signing in or otherwise.
  EXPECT_EQ(store().FindUserByEmail(clinic, "kim@example.org")->id, holder);
  auto signing_in = store().ListUsersWithEmail("kim@example.org");
  ASSERT_THAT(signing_in, IsOk());
  ASSERT_EQ(signing_in->size(), 1U);
  EXPECT_EQ((*signing_in)[0].id, holder);
  auto records = store().ListRecordsWithEmail(clinic, "kim@example.org");
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 3U);
  EXPECT_EQ((*records)[1].id, invited);
  EXPECT_EQ((*records)[2].id, invited_again);

  // Confirming an address another account holds is refused, naming the field, and changes nothing.
  auto clash = Do([&](WriteTxn& txn) { return txn.ConfirmEmail(invited); });
  EXPECT_THAT(clash, FailsWith(ErrorCode::kAlreadyExists));
  ASSERT_FALSE(clash.error().fields.empty());
  EXPECT_EQ(clash.error().fields[0].field, "email");
  EXPECT_FALSE(store().GetUser(invited)->email_confirmed);

  // A free address is confirmed, once or twice, and then signs in.
  const UserId newcomer = add_unconfirmed("lee@example.org");
  EXPECT_THAT(store().FindUserByEmail(clinic, "lee@example.org"), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.ConfirmEmail(newcomer); }), IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.ConfirmEmail(newcomer); }), IsOk());
  EXPECT_EQ(store().FindUserByEmail(clinic, "lee@example.org")->id, newcomer);
  EXPECT_THAT(Do([](WriteTxn& txn) { return txn.ConfirmEmail(999); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, AFeedbackDraftIsOnePerAuthorAndEpisodeAndIsReplacedWhole) {
  const ClinicId clinic = AddClinic();
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const UserId client = AddUser(clinic, "c@x.org");
  const UserId guardian = AddUser(clinic, "g@x.org", Role::kGuardian);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  EXPECT_THAT(store().GetFeedbackDraft(episode, client), FailsWith(ErrorCode::kNotFound));

  FeedbackDraft draft;
  draft.episode_id = episode;
  draft.author_id = client;
  draft.answers_json = R"({"PHQ-9/q1":2})";
  draft.updated_at = kT0 + 1;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutFeedbackDraft(draft); }), IsOk());
  FeedbackDraft other = draft;
  other.author_id = guardian;
  other.answers_json = R"({"PSC-17/q1":1})";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutFeedbackDraft(other); }), IsOk());

  draft.answers_json = R"({"PHQ-9/q1":3,"PHQ-9/q9":1})";
  draft.updated_at = kT0 + 2;
  draft.risk_since = kT0 + 2;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutFeedbackDraft(draft); }), IsOk());
  auto mine = store().GetFeedbackDraft(episode, client);
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(mine->answers_json, R"({"PHQ-9/q1":3,"PHQ-9/q9":1})");
  EXPECT_EQ(mine->updated_at, kT0 + 2);
  EXPECT_EQ(mine->risk_since, kT0 + 2);
  EXPECT_EQ(mine->risk_alerted_at, std::nullopt);
  EXPECT_EQ(store().GetFeedbackDraft(episode, guardian)->answers_json, R"({"PSC-17/q1":1})");
  // Read inside a write, as the submission that empties it does.
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(const FeedbackDraft seen,
                                         txn.GetFeedbackDraft(episode, client));
                EXPECT_EQ(seen.risk_since, kT0 + 2);
                return txn.DeleteFeedbackDraft(episode, client);
              }),
              IsOk());
  EXPECT_THAT(store().GetFeedbackDraft(episode, client), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteFeedbackDraft(episode, client); }), IsOk());
  EXPECT_THAT(store().GetFeedbackDraft(episode, guardian), IsOk());
  FeedbackDraft orphan = draft;
  orphan.episode_id = 999;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.PutFeedbackDraft(orphan); }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, EveryRoleRoundTrips) {
  const ClinicId clinic = AddClinic();
  for (Role role :
       {Role::kAdmin, Role::kSupervisor, Role::kTherapist, Role::kClient, Role::kGuardian}) {
    const UserId id = AddUser(clinic, std::string(ToString(role)) + "@x.org", role);
    auto user = store().GetUser(id);
    ASSERT_THAT(user, IsOk());
    EXPECT_EQ(user->role, role);
  }
}

TEST_P(StoreContractTest, MissingUserIsNotFound) {
  EXPECT_THAT(store().GetUser(999), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().FindUserByEmail(1, "nobody@example.org"), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().GetPasswordHash(999), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([](WriteTxn& txn) { return txn.SetPasswordHash(999, "h"); }),
              FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([](WriteTxn& txn) { return txn.SetUserActive(999, false); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, DuplicateEmailInAClinicIsAlreadyExistsAndNamesTheEmail) {
  const ClinicId clinic = AddClinic();
  AddUser(clinic, "ana@example.org");
  const Status again = Do([&](WriteTxn& txn) {
    return DropValue(txn.InsertUser(MakeUser(clinic, "ana@example.org")));
  });
  ASSERT_THAT(again, FailsWith(ErrorCode::kAlreadyExists));
  EXPECT_THAT(again.error().message, ::testing::HasSubstr("email"));
}

TEST_P(StoreContractTest, UserInAMissingClinicIsInvalidArgument) {
  EXPECT_THAT(
      Do([&](WriteTxn& txn) { return DropValue(txn.InsertUser(MakeUser(4242, "a@x.org"))); }),
      FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, PasswordHashIsEmptyUntilSet) {
  const ClinicId clinic = AddClinic();
  const UserId id = AddUser(clinic, "ana@example.org");
  auto none = store().GetPasswordHash(id);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(*none, "");

  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.SetPasswordHash(id, "$argon2id$v=19$x"); }),
              IsOk());
  auto set = store().GetPasswordHash(id);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(*set, "$argon2id$v=19$x");
}

TEST_P(StoreContractTest, PasswordHashGivenAtInsertIsKept) {
  const ClinicId clinic = AddClinic();
  NewUser u = MakeUser(clinic, "ana@example.org");
  u.password_hash = "$argon2id$v=19$y";
  const UserId id = Put([&](WriteTxn& txn) { return txn.InsertUser(u); });
  auto hash = store().GetPasswordHash(id);
  ASSERT_THAT(hash, IsOk());
  EXPECT_EQ(*hash, "$argon2id$v=19$y");
}

TEST_P(StoreContractTest, SetUserActiveTogglesActive) {
  const ClinicId clinic = AddClinic();
  const UserId id = AddUser(clinic, "ana@example.org");
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.SetUserActive(id, false); }), IsOk());
  EXPECT_FALSE(store().GetUser(id)->active);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.SetUserActive(id, true); }), IsOk());
  EXPECT_TRUE(store().GetUser(id)->active);
}

TEST_P(StoreContractTest, ListUsersShowsOneClinicOrderedById) {
  const ClinicId clinic = AddClinic();
  const ClinicId other = AddClinic("Other");
  const UserId a = AddUser(clinic, "zed@x.org");
  AddUser(other, "elsewhere@x.org");
  const UserId b = AddUser(clinic, "abe@x.org");
  auto users = store().ListUsers(clinic);
  ASSERT_THAT(users, IsOk());
  ASSERT_EQ(users->size(), 2U);
  EXPECT_EQ((*users)[0].id, a);
  EXPECT_EQ((*users)[1].id, b);
  auto none = store().ListUsers(9999);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

// --- Profiles ---------------------------------------------------------------------------------

TEST_P(StoreContractTest, TherapistProfileUpsertsAndRoundTrips) {
  const ClinicId clinic = AddClinic();
  const UserId id = AddUser(clinic, "t@x.org", Role::kTherapist);
  EXPECT_THAT(store().GetTherapistProfile(id), FailsWith(ErrorCode::kNotFound));

  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertTherapistProfile(
                    TherapistProfile{id, "Clinical psychologist", "Bio", true});
              }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertTherapistProfile(TherapistProfile{id, "CBT", "New bio", false});
              }),
              IsOk());
  auto profile = store().GetTherapistProfile(id);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->user_id, id);
  EXPECT_EQ(profile->credentials, "CBT");
  EXPECT_EQ(profile->bio, "New bio");
  EXPECT_FALSE(profile->accepting_new_clients);
}

TEST_P(StoreContractTest, ClientProfileUpsertsAndRoundTrips) {
  const ClinicId clinic = AddClinic();
  const UserId id = AddUser(clinic, "c@x.org");
  EXPECT_THAT(store().GetClientProfile(id), FailsWith(ErrorCode::kNotFound));
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertClientProfile(ClientProfile{id, "2012-03-04", "Sam", ""});
              }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertClientProfile(ClientProfile{id, "", "Sammy", ""});
              }),
              IsOk());
  auto profile = store().GetClientProfile(id);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->user_id, id);
  EXPECT_EQ(profile->date_of_birth, "");
  EXPECT_EQ(profile->preferred_name, "Sammy");
}

TEST_P(StoreContractTest, ContactDetailsUpsertAndRoundTripEveryField) {
  const ClinicId clinic = AddClinic();
  const UserId id = AddUser(clinic, "c@x.org");
  const UserId writer = AddUser(clinic, "t@x.org");
  EXPECT_THAT(store().GetContactDetails(id), FailsWith(ErrorCode::kNotFound));
  ContactDetails d;
  d.client_id = id;
  d.phone = "+44 20 7946 0958";
  d.method = ContactMethod::kText;
  d.contact_times = "evenings";
  d.emergency_name = "Ana";
  d.emergency_relationship = "sister";
  d.emergency_phone = "020 7946 0000";
  d.pronouns = "they/them";
  d.language = "Spanish";
  d.updated_at = kT0;
  d.updated_by = writer;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertContactDetails(d); }), IsOk());
  d.phone = "0161 496 0000";
  d.method = ContactMethod::kEmail;
  d.updated_at = kT0 + 1;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertContactDetails(d); }), IsOk());
  auto read = store().GetContactDetails(id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(ContactDetailsToJson(*read), ContactDetailsToJson(d));
  EXPECT_EQ(read->updated_by, writer);
  d.client_id = 404;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertContactDetails(d); }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, ProfileOfAMissingUserIsInvalidArgument) {
  EXPECT_THAT(Do([](WriteTxn& txn) {
                return txn.UpsertTherapistProfile(TherapistProfile{404, "", "", true});
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(
      Do([](WriteTxn& txn) { return txn.UpsertClientProfile(ClientProfile{404, "", "", ""}); }),
      FailsWith(ErrorCode::kInvalidArgument));
}

// --- Supervision and guardian links -----------------------------------------------------------

TEST_P(StoreContractTest, SupervisionLinksAreIdempotentAndListedById) {
  const ClinicId clinic = AddClinic();
  const UserId boss = AddUser(clinic, "boss@x.org", Role::kSupervisor);
  const UserId boss2 = AddUser(clinic, "boss2@x.org", Role::kSupervisor);
  const UserId t1 = AddUser(clinic, "t1@x.org", Role::kTherapist);
  const UserId t2 = AddUser(clinic, "t2@x.org", Role::kTherapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(boss, t2));
                RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(boss, t1));
                RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(boss2, t1));
                return txn.AddSupervision(boss, t1);  // again: no error, no duplicate
              }),
              IsOk());
  EXPECT_THAT(store().ListSupervisees(boss), ::testing::Optional(std::vector<UserId>{t1, t2}));
  EXPECT_THAT(store().ListSupervisors(t1), ::testing::Optional(std::vector<UserId>{boss, boss2}));
  EXPECT_THAT(store().ListSupervisors(t2), ::testing::Optional(std::vector<UserId>{boss}));
  EXPECT_THAT(store().ListSupervisees(t1), ::testing::Optional(std::vector<UserId>{}));
}

TEST_P(StoreContractTest, OnlyAcceptedAndConsentedGuardianLinksGrantAccess) {
  const ClinicId clinic = AddClinic();
  const UserId staff = AddUser(clinic, "staff@x.org", Role::kTherapist);
  const UserId mum = AddUser(clinic, "mum@x.org", Role::kGuardian);
  const UserId dad = AddUser(clinic, "dad@x.org", Role::kGuardian);
  const UserId kid1 = AddUser(clinic, "kid1@x.org");
  const UserId kid2 = AddUser(clinic, "kid2@x.org");
  const auto asked = [&](UserId guardian, UserId child) {
    GuardianLink link;
    link.guardian_id = guardian;
    link.child_id = child;
    link.requested_by = staff;
    link.requested_at = 100;
    link.requested_name = "As given";
    return link;
  };
  GuardianLinkId mum_kid1 = 0;
  GuardianLinkId mum_kid2 = 0;
  GuardianLinkId dad_kid1 = 0;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(mum_kid2, txn.InsertGuardianLink(asked(mum, kid2)));
                RAPPORT_ASSIGN_OR_RETURN(mum_kid1, txn.InsertGuardianLink(asked(mum, kid1)));
                RAPPORT_ASSIGN_OR_RETURN(dad_kid1, txn.InsertGuardianLink(asked(dad, kid1)));
                return Ok();
              }),
              IsOk());
  // The same guardian and child twice is refused.
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertGuardianLink(asked(mum, kid1)));
                return Ok();
              }),
              FailsWith(ErrorCode::kAlreadyExists));
  // Asked for, not yet accepted: listed with every field, granting nothing.
  auto stored = store().GetGuardianLink(mum_kid1);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->guardian_id, mum);
  EXPECT_EQ(stored->child_id, kid1);
  EXPECT_EQ(stored->requested_by, staff);
  EXPECT_EQ(stored->requested_at, 100);
  EXPECT_EQ(stored->requested_name, "As given");
  EXPECT_FALSE(stored->accepted_at.has_value());
  EXPECT_EQ(StateOf(*stored), GuardianLinkState::kAwaitingGuardian);
  EXPECT_THAT(store().ListChildrenOfGuardian(mum), ::testing::Optional(std::vector<UserId>{}));
  EXPECT_THAT(store().ListGuardiansOfChild(kid1), ::testing::Optional(std::vector<UserId>{}));

  // Accepted, then consented: now it grants access.
  GuardianLink link = *stored;
  link.accepted_at = 200;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateGuardianLink(link); }), IsOk());
  EXPECT_THAT(store().ListChildrenOfGuardian(mum), ::testing::Optional(std::vector<UserId>{}));
  link.consent_recorded_at = 300;
  link.consent_recorded_by = staff;
  link.consent_note = "Both parents, in session";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateGuardianLink(link); }), IsOk());
  auto reread = store().GetGuardianLink(mum_kid1);
  ASSERT_THAT(reread, IsOk());
  EXPECT_EQ(reread->accepted_at, std::optional<Timestamp>(200));
  EXPECT_EQ(reread->consent_recorded_at, std::optional<Timestamp>(300));
  EXPECT_EQ(reread->consent_recorded_by, staff);
  EXPECT_EQ(reread->consent_note, "Both parents, in session");
  EXPECT_THAT(store().ListChildrenOfGuardian(mum), ::testing::Optional(std::vector<UserId>{kid1}));
  EXPECT_THAT(store().ListGuardiansOfChild(kid1), ::testing::Optional(std::vector<UserId>{mum}));

  // Every state is listed, by id.
  auto of_kid1 = store().ListGuardianLinksOfChild(kid1);
  ASSERT_THAT(of_kid1, IsOk());
  ASSERT_EQ(of_kid1->size(), 2U);
  EXPECT_EQ((*of_kid1)[0].id, mum_kid1);
  EXPECT_EQ((*of_kid1)[1].id, dad_kid1);
  auto of_mum = store().ListGuardianLinksOfGuardian(mum);
  ASSERT_THAT(of_mum, IsOk());
  ASSERT_EQ(of_mum->size(), 2U);
  EXPECT_EQ((*of_mum)[0].id, mum_kid2);

  // Removed links are gone; removing one twice says so.
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteGuardianLink(mum_kid1); }), IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteGuardianLink(mum_kid1); }),
              FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().GetGuardianLink(mum_kid1), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().ListChildrenOfGuardian(mum), ::testing::Optional(std::vector<UserId>{}));
}

TEST_P(StoreContractTest, LinksToMissingUsersAreInvalidArgument) {
  const ClinicId clinic = AddClinic();
  const UserId real = AddUser(clinic, "real@x.org", Role::kTherapist);
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.AddSupervision(real + 100, real); }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.AddSupervision(real, real + 100); }),
              FailsWith(ErrorCode::kInvalidArgument));
  const auto link = [](UserId guardian, UserId child) {
    GuardianLink l;
    l.guardian_id = guardian;
    l.child_id = child;
    return l;
  };
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertGuardianLink(link(real + 100, real)));
                return Ok();
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertGuardianLink(link(real, real + 100)));
                return Ok();
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

// --- Episodes ---------------------------------------------------------------------------------

TEST_P(StoreContractTest, EpisodeRoundTripsAndChangesStatus) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org");
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  Episode e = MakeEpisode(clinic, client, therapist, kT0 + 1);
  e.id = 999;  // ignored
  const EpisodeId id = Put([&](WriteTxn& txn) { return txn.InsertEpisode(e); });
  ASSERT_GT(id, 0);

  auto stored = store().GetEpisode(id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->id, id);
  EXPECT_EQ(stored->clinic_id, clinic);
  EXPECT_EQ(stored->client_id, client);
  EXPECT_EQ(stored->therapist_id, therapist);
  EXPECT_EQ(stored->status, EpisodeStatus::kIntake);
  EXPECT_EQ(stored->started_at, kT0 + 1);
  EXPECT_EQ(stored->ended_at, std::nullopt);

  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(id, EpisodeStatus::kActive, std::nullopt);
              }),
              IsOk());
  EXPECT_EQ(store().GetEpisode(id)->status, EpisodeStatus::kActive);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(id, EpisodeStatus::kEnded, kT0 + 99);
              }),
              IsOk());
  stored = store().GetEpisode(id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->status, EpisodeStatus::kEnded);
  EXPECT_EQ(stored->ended_at, std::optional<Timestamp>(kT0 + 99));
}

TEST_P(StoreContractTest, MissingEpisodeIsNotFound) {
  EXPECT_THAT(store().GetEpisode(31337), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(
      Do([](WriteTxn& txn) { return txn.UpdateEpisodeStatus(31337, EpisodeStatus::kEnded, kT0); }),
      FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, EpisodeReferringToMissingRecordsIsInvalidArgument) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org");
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const UserId missing = client + therapist + 100;
  for (const Episode& e :
       {MakeEpisode(clinic + 100, client, therapist), MakeEpisode(clinic, missing, therapist),
        MakeEpisode(clinic, client, missing)}) {
    EXPECT_THAT(Do([&](WriteTxn& txn) { return DropValue(txn.InsertEpisode(e)); }),
                FailsWith(ErrorCode::kInvalidArgument));
  }
}

TEST_P(StoreContractTest, EpisodeListsSelectByClientTherapistAndClinicOrderedById) {
  const ClinicId clinic = AddClinic();
  const ClinicId other = AddClinic("Other");
  const UserId c1 = AddUser(clinic, "c1@x.org");
  const UserId c2 = AddUser(clinic, "c2@x.org");
  const UserId c3 = AddUser(other, "c3@x.org");
  const UserId t1 = AddUser(clinic, "t1@x.org", Role::kTherapist);
  const UserId t2 = AddUser(other, "t2@x.org", Role::kTherapist);
  const EpisodeId e1 = AddEpisode(clinic, c1, t1);
  const EpisodeId e2 = AddEpisode(clinic, c2, t1);
  const EpisodeId e3 = AddEpisode(clinic, c1, t1);
  const EpisodeId e4 = AddEpisode(other, c3, t2);

  auto ids = [](const Result<std::vector<Episode>>& episodes) {
    std::vector<EpisodeId> out;
    if (episodes) {
      for (const auto& e : *episodes) out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(ids(store().ListEpisodesOfClient(c1)), (std::vector<EpisodeId>{e1, e3}));
  EXPECT_EQ(ids(store().ListEpisodesOfClient(c2)), (std::vector<EpisodeId>{e2}));
  EXPECT_EQ(ids(store().ListEpisodesOfTherapist(t1)), (std::vector<EpisodeId>{e1, e2, e3}));
  EXPECT_EQ(ids(store().ListEpisodesOfTherapist(t2)), (std::vector<EpisodeId>{e4}));
  EXPECT_EQ(ids(store().ListEpisodesOfClinic(clinic)), (std::vector<EpisodeId>{e1, e2, e3}));
  EXPECT_EQ(ids(store().ListEpisodesOfClinic(other)), (std::vector<EpisodeId>{e4}));
  auto none = store().ListEpisodesOfClient(t1);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

// --- Appointments -----------------------------------------------------------------------------

TEST_P(StoreContractTest, AppointmentRoundTripsAndUpdatesEveryField) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org");
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const EpisodeId episode2 = AddEpisode(clinic, client, therapist);
  Appointment a = MakeAppointment(episode, kT0 + 3600);
  a.id = 555;  // ignored
  a.duration_minutes = 45;
  a.modality = Modality::kInPerson;
  const AppointmentId id = Put([&](WriteTxn& txn) { return txn.InsertAppointment(a); });
  ASSERT_GT(id, 0);

  auto stored = store().GetAppointment(id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->id, id);
  EXPECT_EQ(stored->episode_id, episode);
  EXPECT_EQ(stored->starts_at, kT0 + 3600);
  EXPECT_EQ(stored->duration_minutes, 45);
  EXPECT_EQ(stored->modality, Modality::kInPerson);
  EXPECT_EQ(stored->status, AppointmentStatus::kScheduled);

  Appointment changed{id, episode2, kT0 + 7200, 90, Modality::kPhone, AppointmentStatus::kNoShow};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAppointment(changed); }), IsOk());
  stored = store().GetAppointment(id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->episode_id, episode2);
  EXPECT_EQ(stored->starts_at, kT0 + 7200);
  EXPECT_EQ(stored->duration_minutes, 90);
  EXPECT_EQ(stored->modality, Modality::kPhone);
  EXPECT_EQ(stored->status, AppointmentStatus::kNoShow);
}

TEST_P(StoreContractTest, EveryModalityAndAppointmentStatusRoundTrips) {
  const ClinicId clinic = AddClinic();
  const EpisodeId episode =
      AddEpisode(clinic, AddUser(clinic, "c@x.org"), AddUser(clinic, "t@x.org", Role::kTherapist));
  for (Modality m : {Modality::kInPerson, Modality::kVideo, Modality::kPhone, Modality::kText}) {
    for (AppointmentStatus s : {AppointmentStatus::kScheduled, AppointmentStatus::kCompleted,
                                AppointmentStatus::kCancelled, AppointmentStatus::kNoShow}) {
      Appointment a = MakeAppointment(episode, kT0);
      a.modality = m;
      a.status = s;
      const AppointmentId id = Put([&](WriteTxn& txn) { return txn.InsertAppointment(a); });
      auto stored = store().GetAppointment(id);
      ASSERT_THAT(stored, IsOk());
      EXPECT_EQ(stored->modality, m);
      EXPECT_EQ(stored->status, s);
    }
  }
}

TEST_P(StoreContractTest, MissingAppointmentIsNotFound) {
  EXPECT_THAT(store().GetAppointment(4040), FailsWith(ErrorCode::kNotFound));
  const ClinicId clinic = AddClinic();
  const EpisodeId episode =
      AddEpisode(clinic, AddUser(clinic, "c@x.org"), AddUser(clinic, "t@x.org", Role::kTherapist));
  Appointment a = MakeAppointment(episode, kT0);
  a.id = 4040;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAppointment(a); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, AppointmentOfAMissingEpisodeIsInvalidArgument) {
  EXPECT_THAT(
      Do([](WriteTxn& txn) { return DropValue(txn.InsertAppointment(MakeAppointment(777, kT0))); }),
      FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, AppointmentsOfAnEpisodeAreOrderedByStart) {
  const ClinicId clinic = AddClinic();
  const EpisodeId episode =
      AddEpisode(clinic, AddUser(clinic, "c@x.org"), AddUser(clinic, "t@x.org", Role::kTherapist));
  const AppointmentId late = AddAppointment(episode, kT0 + 3000);
  const AppointmentId early = AddAppointment(episode, kT0 + 1000);
  const AppointmentId middle = AddAppointment(episode, kT0 + 2000);
  auto listed = store().ListAppointmentsOfEpisode(episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 3U);
  EXPECT_EQ((*listed)[0].id, early);
  EXPECT_EQ((*listed)[1].id, middle);
  EXPECT_EQ((*listed)[2].id, late);
  auto none = store().ListAppointmentsOfEpisode(episode + 100);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContractTest, AppointmentsOfAClientSpanEpisodesInAHalfOpenWindow) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org");
  const UserId other_client = AddUser(clinic, "o@x.org");
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId first = AddEpisode(clinic, client, therapist);
  const EpisodeId second = AddEpisode(clinic, client, therapist);
  const EpisodeId others = AddEpisode(clinic, other_client, therapist);

  const AppointmentId before = AddAppointment(first, kT0 - 1);
  const AppointmentId at_from = AddAppointment(second, kT0);
  const AppointmentId inside = AddAppointment(first, kT0 + 500);
  const AppointmentId at_to = AddAppointment(first, kT0 + 1000);
  AddAppointment(others, kT0 + 100);

  auto listed = store().ListAppointmentsOfClient(client, kT0, kT0 + 1000);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].id, at_from);
  EXPECT_EQ((*listed)[1].id, inside);
  (void)before;
  (void)at_to;

  auto all = store().ListAppointmentsOfClient(client, kT0 - 10, kT0 + 10'000);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), 4U);
}

// --- Sessions ---------------------------------------------------------------------------------

TEST_P(StoreContractTest, SessionRoundTripsByTokenHash) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "u@x.org");
  AuthSession s = MakeSession(user, "hash-1");
  s.id = 77;  // ignored
  const SessionId id = Put([&](WriteTxn& txn) { return txn.InsertSession(s); });
  ASSERT_GT(id, 0);
  auto found = store().FindSessionByTokenHash("hash-1");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->user_id, user);
  EXPECT_EQ(found->token_hash, "hash-1");
  EXPECT_EQ(found->csrf_hash, "csrf-hash-1");
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->last_seen_at, kT0);
  EXPECT_EQ(found->source, "192.0.2.7");
  EXPECT_EQ(found->user_agent, "Mozilla/5.0 (test)");
  EXPECT_THAT(store().FindSessionByTokenHash("hash-2"), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, SessionTokenHashIsUnique) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "u@x.org");
  Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(user, "same")); });
  EXPECT_THAT(
      Do([&](WriteTxn& txn) { return DropValue(txn.InsertSession(MakeSession(user, "same"))); }),
      FailsWith(ErrorCode::kAlreadyExists));
}

TEST_P(StoreContractTest, SessionOfAMissingUserIsInvalidArgument) {
  EXPECT_THAT(
      Do([](WriteTxn& txn) { return DropValue(txn.InsertSession(MakeSession(8080, "h"))); }),
      FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, TouchSessionMovesLastSeen) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "u@x.org");
  const SessionId id =
      Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(user, "h")); });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.TouchSession(id, kT0 + 60'000); }), IsOk());
  auto found = store().FindSessionByTokenHash("h");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->last_seen_at, kT0 + 60'000);
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.TouchSession(id + 100, kT0); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, DeleteSessionRemovesItAndIsNotFoundTheSecondTime) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "u@x.org");
  const SessionId id =
      Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(user, "h")); });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteSession(id); }), IsOk());
  EXPECT_THAT(store().FindSessionByTokenHash("h"), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteSession(id); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, SessionsOfAUserAreListedByIdAndDeletedTogether) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "u@x.org");
  const UserId other = AddUser(clinic, "o@x.org");
  const SessionId a = Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(user, "a")); });
  Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(other, "o")); });
  const SessionId b = Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(user, "b")); });

  auto listed = store().ListSessionsOfUser(user);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].id, a);
  EXPECT_EQ((*listed)[1].id, b);

  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteSessionsOfUser(user); }), IsOk());
  auto after = store().ListSessionsOfUser(user);
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(after->empty());
  EXPECT_THAT(store().FindSessionByTokenHash("o"), IsOk());
  // Deleting none is not an error.
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteSessionsOfUser(user); }), IsOk());
}

// --- Login failures ---------------------------------------------------------------------------

TEST_P(StoreContractTest, LoginFailuresAreCountedFromSinceInclusiveByEmailDeviceOrSource) {
  const auto failure = [](std::string email, std::string source, std::string device, Timestamp at) {
    return LoginFailure{std::move(email), std::move(source), std::move(device), at};
  };
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                for (Timestamp at : {kT0 - 1, kT0, kT0 + 10, kT0 + 20}) {
                  RAPPORT_RETURN_IF_ERROR(DropValue(
                      txn.InsertLoginFailure(failure("ana@example.org", "192.0.2.1", "", at))));
                }
                RAPPORT_RETURN_IF_ERROR(DropValue(
                    txn.InsertLoginFailure(failure("bob@example.org", "192.0.2.1", "", kT0 + 5))));
                return DropValue(txn.InsertLoginFailure(
                    failure("ana@example.org", "198.51.100.9", "dev", kT0 + 5)));
              }),
              IsOk());
  const auto count = [&](LoginFailureScope scope, Timestamp since) {
    LoginFailureCount out;
    EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_ASSIGN_OR_RETURN(out, txn.CountLoginFailures(scope, since));
                  return Ok();
                }),
                IsOk());
    return out;
  };
  EXPECT_EQ(count({"ana@example.org", "", ""}, kT0).count, 4);
  EXPECT_EQ(count({"ana@example.org", "", ""}, kT0).last_at, kT0 + 20);
  EXPECT_EQ(count({"ana@example.org", "", ""}, kT0 + 11).count, 1);
  EXPECT_EQ(count({"ana@example.org", "", ""}, kT0 - 1).count, 5);
  EXPECT_EQ(count({"ana@example.org", "dev", ""}, 0).count, 1);
  EXPECT_EQ(count({"ana@example.org", "dev", ""}, 0).last_at, kT0 + 5);
  EXPECT_EQ(count({"carol@example.org", "", ""}, 0).count, 0);
  EXPECT_EQ(count({"carol@example.org", "", ""}, 0).last_at, 0);
  EXPECT_EQ(count({"", "", "192.0.2.1"}, kT0).count, 4);
  EXPECT_EQ(count({"", "", "198.51.100.9"}, kT0).count, 1);
  EXPECT_EQ(count({"", "", "203.0.113.1"}, 0).count, 0);
}

TEST_P(StoreContractTest, LoginFailuresAreForgottenOneByOneOlderOnesOrAllOfAnEmail) {
  std::vector<std::int64_t> ids;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                for (Timestamp at : {kT0 - 2, kT0 - 1, kT0, kT0 + 1}) {
                  RAPPORT_ASSIGN_OR_RETURN(
                      const std::int64_t id,
                      txn.InsertLoginFailure(LoginFailure{"ana@example.org", "192.0.2.1", "", at}));
                  ids.push_back(id);
                }
                return DropValue(
                    txn.InsertLoginFailure(LoginFailure{"bob@example.org", "192.0.2.1", "", kT0}));
              }),
              IsOk());
  const auto count = [&](LoginFailureScope scope) {
    int out = -1;
    EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_ASSIGN_OR_RETURN(const LoginFailureCount c,
                                           txn.CountLoginFailures(scope, 0));
                  out = c.count;
                  return Ok();
                }),
                IsOk());
    return out;
  };
  ASSERT_THAT(Do([](WriteTxn& txn) { return txn.PruneLoginFailures(kT0); }), IsOk());
  EXPECT_EQ(count({"ana@example.org", "", ""}), 2);
  EXPECT_EQ(count({"", "", "192.0.2.1"}), 3);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteLoginFailure(ids[3]); }), IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteLoginFailure(ids[3]); }), IsOk());
  EXPECT_EQ(count({"ana@example.org", "", ""}), 1);
  ASSERT_THAT(Do([](WriteTxn& txn) { return txn.ClearLoginFailuresForEmail("ana@example.org"); }),
              IsOk());
  EXPECT_EQ(count({"ana@example.org", "", ""}), 0);
  EXPECT_EQ(count({"bob@example.org", "", ""}), 1);
}

TEST_P(StoreContractTest, ExpiredSessionsOfAClinicAreDeletedAndOthersKept) {
  const ClinicId clinic = AddClinic();
  const ClinicId other = AddClinic("Other Clinic");
  const UserId ana = AddUser(clinic, "ana@x.org", Role::kTherapist);
  const UserId bob = AddUser(other, "bob@x.org", Role::kTherapist);
  AuthSession idle = MakeSession(ana, "idle");
  idle.last_seen_at = kT0 - 100;
  AuthSession old = MakeSession(ana, "old");
  old.created_at = kT0 - 1000;
  AuthSession fresh = MakeSession(ana, "fresh");
  AuthSession elsewhere = MakeSession(bob, "elsewhere");
  elsewhere.last_seen_at = kT0 - 100;
  for (const AuthSession& s : {idle, old, fresh, elsewhere}) {
    ASSERT_GT(Put([&](WriteTxn& txn) { return txn.InsertSession(s); }), 0);
  }
  int deleted = -1;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(deleted,
                                         txn.DeleteExpiredSessions(clinic, kT0 - 50, kT0 - 500));
                return Ok();
              }),
              IsOk());
  EXPECT_EQ(deleted, 2);
  EXPECT_THAT(store().FindSessionByTokenHash("idle"), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().FindSessionByTokenHash("old"), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().FindSessionByTokenHash("fresh"), IsOk());
  EXPECT_THAT(store().FindSessionByTokenHash("elsewhere"), IsOk());
}

TEST_P(StoreContractTest, OtherSessionsOfAUserEndAndTheKeptOneStays) {
  const ClinicId clinic = AddClinic();
  const UserId ana = AddUser(clinic, "ana@x.org", Role::kTherapist);
  const SessionId keep =
      Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(ana, "a")); });
  Put([&](WriteTxn& txn) { return txn.InsertSession(MakeSession(ana, "b")); });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteOtherSessionsOfUser(ana, keep); }), IsOk());
  EXPECT_THAT(store().FindSessionByTokenHash("a"), IsOk());
  EXPECT_THAT(store().FindSessionByTokenHash("b"), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, AKnownDeviceIsKnownOnlyForItsOwnUser) {
  const ClinicId clinic = AddClinic();
  const UserId ana = AddUser(clinic, "ana@x.org", Role::kTherapist);
  const UserId bob = AddUser(clinic, "bob@x.org", Role::kTherapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertKnownDevice({ana, "dev", kT0, kT0}); }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertKnownDevice({ana, "dev", kT0, kT0 + 9}); }),
              IsOk());
  // Another user presenting the same cookie does not take the device over.
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertKnownDevice({bob, "dev", kT0, kT0}); }),
              IsOk());
  EXPECT_THAT(store().IsKnownDevice(ana, "dev"), ::testing::Optional(true));
  EXPECT_THAT(store().IsKnownDevice(bob, "dev"), ::testing::Optional(false));
  EXPECT_THAT(store().IsKnownDevice(ana, "other"), ::testing::Optional(false));
}

// --- Appointment requests and calendar feeds ----------------------------------------------------

TEST_P(StoreContractTest, AppointmentRequestsRoundTripOnePendingAtATime) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const UserId other = AddUser(clinic, "o@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const AppointmentId appointment = AddAppointment(episode, kT0 + 1000);
  AppointmentRequest r;
  r.clinic_id = clinic;
  r.appointment_id = appointment;
  r.requested_by = client;
  r.kind = ChangeKind::kMove;
  r.note = "afternoons";
  r.short_notice = true;
  r.created_at = kT0;
  const AppointmentRequestId id =
      Put([&](WriteTxn& txn) { return txn.InsertAppointmentRequest(r); });
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertAppointmentRequest(r));
                return Ok();
              }),
              FailsWith(ErrorCode::kAlreadyExists));
  auto read = store().GetAppointmentRequest(id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->kind, ChangeKind::kMove);
  EXPECT_EQ(read->note, "afternoons");
  EXPECT_TRUE(read->short_notice);
  EXPECT_EQ(read->state, RequestState::kPending);
  EXPECT_EQ(store().ListPendingRequestsOfTherapist(therapist)->size(), 1u);
  EXPECT_EQ(store().ListPendingRequestsOfTherapist(other)->size(), 0u);
  r = *read;
  r.state = RequestState::kDeclined;
  r.decided_by = therapist;
  r.decided_at = kT0 + 5;
  r.reply = "not that week";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAppointmentRequest(r); }), IsOk());
  read = store().GetAppointmentRequest(id);
  EXPECT_EQ(read->state, RequestState::kDeclined);
  EXPECT_EQ(read->decided_by, therapist);
  EXPECT_EQ(read->reply, "not that week");
  EXPECT_EQ(store().ListPendingRequestsOfTherapist(therapist)->size(), 0u);
  // Answered, the appointment may be asked about again.
  const AppointmentRequestId again =
      Put([&](WriteTxn& txn) { return txn.InsertAppointmentRequest(r); });
  EXPECT_EQ(store().ListRequestsOfAppointment(appointment)->size(), 2u);
  EXPECT_EQ(store().ListRequestsOfAppointment(appointment)->back().id, again);
}

// --- Telehealth rooms ---------------------------------------------------------------------------

TEST_P(StoreContractTest, ARoomSessionStartsOnceEndsOnceAndReopensKeepingItsStart) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const AppointmentId first = AddAppointment(episode, kT0 + 2000);
  const AppointmentId earlier = AddAppointment(episode, kT0 + 1000);
  ASSERT_THAT(store().GetRoomSession(first), IsOk());
  EXPECT_FALSE(store().GetRoomSession(first)->has_value());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.EndRoomSession(first, kT0); }),
              FailsWith(ErrorCode::kNotFound));

  RoomSession session{first, clinic, episode, Modality::kVideo, kT0 + 2100, std::nullopt};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.StartRoomSession(session); }), IsOk());
  RoomSession later = session;
  later.started_at = kT0 + 2500;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.StartRoomSession(later); }), IsOk());
  auto read = store().GetRoomSession(first);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->started_at, kT0 + 2100) << "the first start is kept";
  EXPECT_EQ((*read)->modality, Modality::kVideo);
  EXPECT_EQ((*read)->episode_id, episode);
  EXPECT_FALSE((*read)->ended_at.has_value());

  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.EndRoomSession(first, kT0 + 5000); }), IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.EndRoomSession(first, kT0 + 9000); }), IsOk());
  read = store().GetRoomSession(first);
  EXPECT_EQ((*read)->ended_at, kT0 + 5000) << "the first end is kept";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.StartRoomSession(later); }), IsOk());
  read = store().GetRoomSession(first);
  EXPECT_EQ((*read)->started_at, kT0 + 2100);
  EXPECT_FALSE((*read)->ended_at.has_value()) << "a return reopens the session";

  RoomSession phone{earlier, clinic, episode, Modality::kPhone, kT0 + 1100, std::nullopt};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.StartRoomSession(phone); }), IsOk());
  auto sessions = store().ListRoomSessionsOfEpisode(episode);
  ASSERT_THAT(sessions, IsOk());
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].appointment_id, earlier);
  EXPECT_EQ((*sessions)[0].modality, Modality::kPhone);
  EXPECT_EQ((*sessions)[1].appointment_id, first);

  RoomSession nowhere = session;
  nowhere.appointment_id = 999;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.StartRoomSession(nowhere); }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, SessionSignalFiguresAreReplacedKeepingTheirOriginAndListedByEpisode) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const AppointmentId later = AddAppointment(episode, kT0 + 2000);
  const AppointmentId earlier = AddAppointment(episode, kT0 + 1000);
  ASSERT_THAT(store().GetSessionSignals(later), IsOk());
  EXPECT_FALSE(store().GetSessionSignals(later)->has_value());

  SessionSignalsRecord record{later,      clinic,     episode,
                              kT0 + 2100, kT0 + 2200, Json{{"talk_share", {{"client", 0.4}}}}};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertSessionSignals(record); }), IsOk());
  SessionSignalsRecord replaced = record;
  replaced.origin = kT0 + 2150;  // the first origin stays
  replaced.updated_at = kT0 + 2900;
  replaced.figures = Json{{"talk_share", {{"client", 0.45}}}};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertSessionSignals(replaced); }), IsOk());
  auto read = store().GetSessionSignals(later);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->origin, kT0 + 2100);
  EXPECT_EQ((*read)->updated_at, kT0 + 2900);
  EXPECT_EQ((*read)->figures, replaced.figures);

  SessionSignalsRecord first{earlier, clinic, episode, kT0 + 1100, kT0 + 1200, Json::object()};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertSessionSignals(first); }), IsOk());
  auto listed = store().ListSessionSignalsOfEpisode(episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].appointment_id, earlier);
  EXPECT_EQ((*listed)[1].appointment_id, later);

  SessionSignalsRecord nowhere = record;
  nowhere.appointment_id = 999;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertSessionSignals(nowhere); }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, SessionReactionsAreKeptInTimeOrderPerAppointment) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const AppointmentId one = AddAppointment(episode, kT0 + 1000);
  const AppointmentId two = AddAppointment(episode, kT0 + 2000);
  std::vector<std::int64_t> ids;
  for (const SessionReaction& reaction :
       {SessionReaction{0, one, clinic, client, Reaction::kNotRight, kT0 + 1300},
        SessionReaction{0, one, clinic, client, Reaction::kHelped, kT0 + 1200}}) {
    ids.push_back(Put([&](WriteTxn& txn) { return txn.InsertSessionReaction(reaction); }));
  }
  EXPECT_NE(ids[0], ids[1]);
  auto reactions = store().ListSessionReactions(one);
  ASSERT_THAT(reactions, IsOk());
  ASSERT_EQ(reactions->size(), 2u);
  EXPECT_EQ((*reactions)[0].kind, Reaction::kHelped);
  EXPECT_EQ((*reactions)[0].at, kT0 + 1200);
  EXPECT_EQ((*reactions)[0].by, client);
  EXPECT_EQ((*reactions)[1].kind, Reaction::kNotRight);
  EXPECT_EQ((*reactions)[1].id, ids[0]);
  EXPECT_TRUE(store().ListSessionReactions(two)->empty());
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertSessionReaction(
                    SessionReaction{0, 999, clinic, client, Reaction::kHelped, kT0}));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, EpisodeMessagesKeepTheirWordsAndOrderAndReadReceipts) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const EpisodeId other = AddEpisode(clinic, client, therapist);
  const std::string words = "Could we move Thursday?\nI'll be away \xE2\x80\x94 sorry!";
  const MessageId first = Put([&](WriteTxn& txn) {
    return txn.InsertEpisodeMessage({0, clinic, episode, client, words, kT0 + 100, std::nullopt});
  });
  const MessageId second = Put([&](WriteTxn& txn) {
    return txn.InsertEpisodeMessage(
        {0, clinic, episode, therapist, "Of course. Friday at 10?", kT0 + 200, kT0 + 999});
  });
  const MessageId third = Put([&](WriteTxn& txn) {
    return txn.InsertEpisodeMessage({0, clinic, episode, client, "Friday works.", kT0 + 300, {}});
  });
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);

  auto listed = store().ListEpisodeMessages(episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, first);
  EXPECT_EQ((*listed)[0].body, words);
  EXPECT_EQ((*listed)[0].sender_id, client);
  EXPECT_EQ((*listed)[0].clinic_id, clinic);
  EXPECT_EQ((*listed)[0].episode_id, episode);
  EXPECT_EQ((*listed)[0].sent_at, kT0 + 100);
  EXPECT_EQ((*listed)[1].body, "Of course. Friday at 10?");
  EXPECT_EQ((*listed)[1].read_at, std::nullopt);  // a new message is unread, whatever was passed
  EXPECT_TRUE(store().ListEpisodeMessages(other)->empty());

  // The therapist reads up to the second message: only the client's first is theirs to mark.
  auto marked = Put([&](WriteTxn& txn) {
    return txn.MarkEpisodeMessagesRead(episode, therapist, second, kT0 + 500);
  });
  EXPECT_EQ(marked, 1);
  listed = store().ListEpisodeMessages(episode);
  EXPECT_EQ((*listed)[0].read_at, kT0 + 500);
  EXPECT_EQ((*listed)[1].read_at, std::nullopt);  // their own message is not read by them
  EXPECT_EQ((*listed)[2].read_at, std::nullopt);  // past up_to
  // Reading again keeps the first receipt.
  marked = Put([&](WriteTxn& txn) {
    return txn.MarkEpisodeMessagesRead(episode, therapist, third, kT0 + 800);
  });
  EXPECT_EQ(marked, 1);
  listed = store().ListEpisodeMessages(episode);
  EXPECT_EQ((*listed)[0].read_at, kT0 + 500);
  EXPECT_EQ((*listed)[2].read_at, kT0 + 800);
  // A receipt is never before the message was sent.
  marked = Put(
      [&](WriteTxn& txn) { return txn.MarkEpisodeMessagesRead(episode, client, third, kT0 + 50); });
  EXPECT_EQ(marked, 1);
  EXPECT_EQ((*store().ListEpisodeMessages(episode))[1].read_at, kT0 + 200);

  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertEpisodeMessage(
                    {0, clinic, 999, client, "nowhere", kT0, std::nullopt}));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, RoomGuestsAreInvitedPerAppointmentOnce) {
  const ClinicId clinic = AddClinic();
  const UserId client = AddUser(clinic, "c@x.org", Role::kClient);
  const UserId therapist = AddUser(clinic, "t@x.org", Role::kTherapist);
  const UserId mum = AddUser(clinic, "m@x.org", Role::kGuardian);
  const UserId dad = AddUser(clinic, "d@x.org", Role::kGuardian);
  const EpisodeId episode = AddEpisode(clinic, client, therapist);
  const AppointmentId one = AddAppointment(episode, kT0 + 1000);
  const AppointmentId two = AddAppointment(episode, kT0 + 2000);
  for (const UserId guardian : {dad, mum, dad}) {
    ASSERT_THAT(Do([&](WriteTxn& txn) {
                  return txn.InsertRoomGuest(RoomGuest{one, guardian, therapist, kT0});
                }),
                IsOk());
  }
  auto guests = store().ListRoomGuests(one);
  ASSERT_THAT(guests, IsOk());
  ASSERT_EQ(guests->size(), 2u);
  EXPECT_EQ((*guests)[0].guardian_id, std::min(mum, dad));
  EXPECT_EQ((*guests)[0].invited_by, therapist);
  EXPECT_TRUE(store().ListRoomGuests(two)->empty());
  EXPECT_THAT(
      Do([&](WriteTxn& txn) { return txn.InsertRoomGuest(RoomGuest{one, 999, therapist, kT0}); }),
      FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreContractTest, ACalendarFeedIsFoundByItsHashUntilReplaced) {
  const ClinicId clinic = AddClinic();
  const UserId user = AddUser(clinic, "c@x.org", Role::kClient);
  const std::string first(64, 'a'), second(64, 'b');
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutCalendarFeed(user, first, kT0); }), IsOk());
  EXPECT_THAT(store().FindCalendarFeed(first), ::testing::Optional(user));
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutCalendarFeed(user, second, kT0 + 1); }),
              IsOk());
  EXPECT_THAT(store().FindCalendarFeed(first), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().FindCalendarFeed(second), ::testing::Optional(user));
}

// --- Invitations ------------------------------------------------------------------------------

TEST_P(StoreContractTest, InvitationRoundTripsByTokenHash) {
  const ClinicId clinic = AddClinic();
  const UserId admin = AddUser(clinic, "admin@x.org", Role::kAdmin);
  const UserId invited = AddUser(clinic, "new@x.org", Role::kTherapist);
  Invitation i = MakeInvitation(clinic, invited, admin, "inv-hash");
  i.id = 31;  // ignored
  const InvitationId id = Put([&](WriteTxn& txn) { return txn.InsertInvitation(i); });
  ASSERT_GT(id, 0);
  auto found = store().FindInvitationByTokenHash("inv-hash");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->clinic_id, clinic);
  EXPECT_EQ(found->user_id, invited);
  EXPECT_EQ(found->created_by, admin);
  EXPECT_EQ(found->token_hash, "inv-hash");
  EXPECT_EQ(found->created_at, i.created_at);
  EXPECT_EQ(found->expires_at, i.expires_at);
  EXPECT_EQ(found->used_at, std::nullopt);
  EXPECT_EQ(found->purpose, "invite");
  EXPECT_EQ(found->delivery, "email");
  EXPECT_THAT(store().FindInvitationByTokenHash("other"), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, TheFirstAcceptedInvitationSaysHowItWasDelivered) {
  const ClinicId clinic = AddClinic();
  const UserId admin = AddUser(clinic, "admin@x.org", Role::kAdmin);
  const UserId invited = AddUser(clinic, "new@x.org", Role::kClient);
  EXPECT_FALSE(store().FindFirstAcceptedInvitation(invited).value().has_value());
  Invitation handed = MakeInvitation(clinic, invited, admin, "handed");
  handed.delivery = "in_person";
  Invitation reset = MakeInvitation(clinic, invited, invited, "reset");
  reset.purpose = "reset";
  const InvitationId first = Put([&](WriteTxn& txn) { return txn.InsertInvitation(handed); });
  const InvitationId second = Put([&](WriteTxn& txn) { return txn.InsertInvitation(reset); });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.MarkInvitationUsed(second, kT0 + 1); }), IsOk());
  EXPECT_FALSE(store().FindFirstAcceptedInvitation(invited).value().has_value());
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.MarkInvitationUsed(first, kT0 + 2); }), IsOk());
  auto found = store().FindFirstAcceptedInvitation(invited);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, first);
  EXPECT_EQ((*found)->delivery, "in_person");
}

TEST_P(StoreContractTest, AUsersInvitationsAreListedNewestFirst) {
  const ClinicId clinic = AddClinic();
  const UserId admin = AddUser(clinic, "admin@x.org", Role::kAdmin);
  const UserId invited = AddUser(clinic, "new@x.org", Role::kTherapist);
  const UserId other = AddUser(clinic, "other@x.org", Role::kTherapist);
  const InvitationId first = Put([&](WriteTxn& txn) {
    return txn.InsertInvitation(MakeInvitation(clinic, invited, admin, "a"));
  });
  Put([&](WriteTxn& txn) {
    return txn.InsertInvitation(MakeInvitation(clinic, other, admin, "b"));
  });
  const InvitationId again = Put([&](WriteTxn& txn) {
    return txn.InsertInvitation(MakeInvitation(clinic, invited, admin, "c"));
  });
  auto list = store().ListInvitationsOfUser(invited);
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, again);
  EXPECT_EQ((*list)[1].id, first);
  EXPECT_THAT(store().ListInvitationsOfUser(admin), ::testing::Optional(::testing::IsEmpty()));
}

TEST_P(StoreContractTest, InvitationIsUsedOnceThenFailedPrecondition) {
  const ClinicId clinic = AddClinic();
  const UserId admin = AddUser(clinic, "admin@x.org", Role::kAdmin);
  const UserId invited = AddUser(clinic, "new@x.org");
  const InvitationId id = Put([&](WriteTxn& txn) {
    return txn.InsertInvitation(MakeInvitation(clinic, invited, admin, "inv"));
  });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.MarkInvitationUsed(id, kT0 + 1); }), IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.MarkInvitationUsed(id, kT0 + 2); }),
              FailsWith(ErrorCode::kFailedPrecondition));
  auto found = store().FindInvitationByTokenHash("inv");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->used_at, std::optional<Timestamp>(kT0 + 1));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.MarkInvitationUsed(id + 100, kT0); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, InvitationTokenHashIsUniqueAndReferencesMustExist) {
  const ClinicId clinic = AddClinic();
  const UserId admin = AddUser(clinic, "admin@x.org", Role::kAdmin);
  const UserId invited = AddUser(clinic, "new@x.org");
  Put([&](WriteTxn& txn) {
    return txn.InsertInvitation(MakeInvitation(clinic, invited, admin, "inv"));
  });
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertInvitation(MakeInvitation(clinic, invited, admin, "inv")));
      }),
      FailsWith(ErrorCode::kAlreadyExists));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(
                    txn.InsertInvitation(MakeInvitation(clinic, invited + 100, admin, "inv2")));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(
                    txn.InsertInvitation(MakeInvitation(clinic + 100, invited, admin, "inv3")));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

// --- Audit ------------------------------------------------------------------------------------

TEST_P(StoreContractTest, AuditChainStartsAtGenesisAndLinksEachEntryToTheLast) {
  AuditEntry given = MakeAudit(1, "read");
  given.seq = 99;             // assigned by the store
  given.prev_hash = "bogus";  // set by the store
  given.hash = "bogus";       // computed by the store
  const AuditEntry first = Put([&](WriteTxn& txn) { return txn.AppendAudit(given); });
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.prev_hash, kAuditGenesisHash);
  // A MAC under the chain's key, not a hash anyone could recompute from the database alone.
  EXPECT_EQ(first.hash, store().AuditSeal(AuditDigestInput(first)));
  EXPECT_NE(first.hash, Blake2b256Hex(AuditDigestInput(first)));
  EXPECT_THAT(store().AuditKeyedFromSeq(), ::testing::Optional(1));
  EXPECT_EQ(first.action, "read");
  EXPECT_EQ(first.source, "192.0.2.7");

  const AuditEntry second = AddAudit(2, "update");
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, store().AuditSeal(AuditDigestInput(second)));
  EXPECT_NE(second.hash, first.hash);
}

TEST_P(StoreContractTest, AuditEntriesAreStoredExactlyAsReturned) {
  AuditEntry e;
  e.at = kT0 + 17;
  e.clinic_id = 0;  // system action
  e.actor_id = 0;
  e.actor_role = "system";
  e.action = "login_failed";
  e.record_type = "session";
  e.record_id = "";
  e.source = "cli";
  e.detail = "created by user 3, delivered email";
  const AuditEntry stored = Put([&](WriteTxn& txn) { return txn.AppendAudit(e); });
  auto listed = store().ListAudit(0, 0, 10);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1U);
  const AuditEntry& read = (*listed)[0];
  EXPECT_EQ(read.seq, stored.seq);
  EXPECT_EQ(read.at, kT0 + 17);
  EXPECT_EQ(read.clinic_id, 0);
  EXPECT_EQ(read.actor_id, 0);
  EXPECT_EQ(read.actor_role, "system");
  EXPECT_EQ(read.action, "login_failed");
  EXPECT_EQ(read.record_type, "session");
  EXPECT_EQ(read.record_id, "");
  EXPECT_EQ(read.source, "cli");
  EXPECT_EQ(read.detail, "created by user 3, delivered email");
  EXPECT_EQ(read.prev_hash, stored.prev_hash);
  EXPECT_EQ(read.hash, stored.hash);
  EXPECT_EQ(read.hash, store().AuditSeal(AuditDigestInput(read)));
}

TEST_P(StoreContractTest, SeveralAuditEntriesInOneWriteChainInOrder) {
  std::vector<AuditEntry> appended;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                for (int i = 0; i < 3; ++i) {
                  RAPPORT_ASSIGN_OR_RETURN(AuditEntry e, txn.AppendAudit(MakeAudit(1, "read")));
                  appended.push_back(std::move(e));
                }
                return Ok();
              }),
              IsOk());
  ASSERT_EQ(appended.size(), 3U);
  EXPECT_EQ(appended[1].prev_hash, appended[0].hash);
  EXPECT_EQ(appended[2].prev_hash, appended[1].hash);
  EXPECT_EQ(appended[2].seq, 3);
}

TEST_P(StoreContractTest, ARolledBackAuditEntryLeavesNoGapInTheChain) {
  const AuditEntry first = AddAudit(1, "read");
  EXPECT_THAT(Do([](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(MakeAudit(1, "update")));
                return Fail(Error::Internal("boom"));
              }),
              FailsWith(ErrorCode::kInternal));
  const AuditEntry second = AddAudit(1, "delete");
  EXPECT_EQ(second.seq, first.seq + 1);
  EXPECT_EQ(second.prev_hash, first.hash);
}

TEST_P(StoreContractTest, ListAuditPagesOldestFirstAndFiltersByClinic) {
  for (int i = 1; i <= 6; ++i) AddAudit(i % 2 == 0 ? 2 : 1, "read", std::to_string(i));

  auto seqs = [](const Result<std::vector<AuditEntry>>& entries) {
    std::vector<std::int64_t> out;
    if (entries) {
      for (const auto& e : *entries) out.push_back(e.seq);
    }
    return out;
  };
  EXPECT_EQ(seqs(store().ListAudit(0, 0, 100)), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(seqs(store().ListAudit(0, 2, 3)), (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(seqs(store().ListAudit(0, 6, 3)), (std::vector<std::int64_t>{}));
  EXPECT_EQ(seqs(store().ListAudit(1, 0, 100)), (std::vector<std::int64_t>{1, 3, 5}));
  EXPECT_EQ(seqs(store().ListAudit(2, 2, 1)), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(seqs(store().ListAudit(3, 0, 100)), (std::vector<std::int64_t>{}));
  EXPECT_EQ(seqs(store().ListAudit(0, 0, 0)), (std::vector<std::int64_t>{}));
}

TEST_P(StoreContractTest, ListAuditNewestFirstPagesBackwards) {
  for (int i = 1; i <= 6; ++i) AddAudit(i % 2 == 0 ? 2 : 1, "read", std::to_string(i));

  auto seqs = [](const Result<std::vector<AuditEntry>>& entries) {
    std::vector<std::int64_t> out;
    if (entries) {
      for (const auto& e : *entries) out.push_back(e.seq);
    }
    return out;
  };
  EXPECT_EQ(seqs(store().ListAuditNewestFirst(0, 0, 4)), (std::vector<std::int64_t>{6, 5, 4, 3}));
  EXPECT_EQ(seqs(store().ListAuditNewestFirst(0, 3, 4)), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(seqs(store().ListAuditNewestFirst(1, 0, 100)), (std::vector<std::int64_t>{5, 3, 1}));
  EXPECT_EQ(seqs(store().ListAuditNewestFirst(2, 6, 1)), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(seqs(store().ListAuditNewestFirst(0, 1, 10)), (std::vector<std::int64_t>{}));
}

TEST_P(StoreContractTest, SearchAuditKeepsOnlyWhatEveryPartOfTheFilterAllows) {
  const auto add = [&](ClinicId clinic, UserId actor, const std::string& action,
                       const std::string& type, const std::string& id, Timestamp at) {
    AuditEntry e = MakeAudit(clinic, action, id);
    e.actor_id = actor;
    e.record_type = type;
    e.at = at;
    return Put([&](WriteTxn& txn) { return txn.AppendAudit(e); }).seq;
  };
  add(1, 3, "read", "client", "7", kT0);                  // 1
  add(1, 4, "read", "client", "7", kT0 + 10);             // 2
  add(1, 3, "update", "client", "7", kT0 + 20);           // 3
  add(1, 3, "read", "episode", "70", kT0 + 30);           // 4
  add(2, 3, "read", "client", "7", kT0 + 40);             // 5: another clinic
  add(1, 3, "plan.read", "plan_version", "9", kT0 + 50);  // 6

  auto seqs = [&](const AuditFilter& f, std::int64_t before = 0, int limit = 100) {
    std::vector<std::int64_t> out;
    auto entries = store().SearchAudit(f, before, limit);
    EXPECT_TRUE(entries.has_value());
    if (entries) {
      for (const auto& e : *entries) out.push_back(e.seq);
    }
    return out;
  };
  using Seqs = std::vector<std::int64_t>;
  AuditFilter f;
  EXPECT_EQ(seqs(f), (Seqs{6, 5, 4, 3, 2, 1}));
  f.clinic_id = 1;
  EXPECT_EQ(seqs(f), (Seqs{6, 4, 3, 2, 1}));
  EXPECT_EQ(seqs(f, 4, 2), (Seqs{3, 2}));
  EXPECT_EQ(seqs(f, 0, 0), (Seqs{}));
  f.from = kT0 + 10;
  f.to = kT0 + 30;
  EXPECT_EQ(seqs(f), (Seqs{3, 2}));
  f.from = f.to = 0;
  f.actions = {"read", "plan.read"};
  EXPECT_EQ(seqs(f), (Seqs{6, 4, 2, 1}));
  f.actor_id = 3;
  EXPECT_EQ(seqs(f), (Seqs{6, 4, 1}));
  f.records = std::vector<std::string>{"client:7", "plan_version:9"};
  EXPECT_EQ(seqs(f), (Seqs{6, 1}));
  f.records = std::vector<std::string>{};
  EXPECT_EQ(seqs(f), (Seqs{}));
}

// --- Formal feedback ----------------------------------------------------------------

class FeedbackContractWorld {
 public:
  ClinicId clinic = 0;
  UserId therapist = 0, client = 0, other_therapist = 0;
  EpisodeId episode = 0;
  AppointmentId appointment = 0;
};

inline FeedbackResponse MakeResponse(EpisodeId episode, UserId respondent_user,
                                     std::optional<AppointmentId> appointment, Timestamp at,
                                     const std::string& instrument = "PHQ-9") {
  FeedbackResponse r;
  r.episode_id = episode;
  r.appointment_id = appointment;
  r.instrument = instrument;
  r.instrument_version = "1.0";
  r.respondent = Respondent::kClient;
  r.respondent_user_id = respondent_user;
  r.submitted_at = at;
  r.session_number = 0;
  r.answers_json = R"({"phq9_1":2,"phq9_9":1})";
  r.total = 12.5;
  r.band = "moderate";
  r.scales_json = R"({"total":12.5})";
  r.risk_json = R"(["phq9_9"])";
  return r;
}

inline FeedbackAlert MakeAlert(ClinicId clinic, EpisodeId episode,
                               std::optional<ResponseId> response, Timestamp at,
                               Severity severity = Severity::kCritical) {
  FeedbackAlert a;
  a.episode_id = episode;
  a.clinic_id = clinic;
  a.response_id = response;
  a.rule_id = "risk-answer";
  a.kind = AlertKind::kRisk;
  a.severity = severity;
  a.title = "Risk answer";
  a.explanation = "Item 9 was answered above zero.";
  a.next_step = "Contact the client today.";
  a.raised_at = at;
  return a;
}

class StoreFeedbackContractTest : public StoreContractTest {
 protected:
  FeedbackContractWorld MakeWorld() {
    FeedbackContractWorld w;
    w.clinic = AddClinic();
    w.therapist = AddUser(w.clinic, "t@example.org", Role::kTherapist);
    w.other_therapist = AddUser(w.clinic, "t2@example.org", Role::kTherapist);
    w.client = AddUser(w.clinic, "c@example.org", Role::kClient);
    w.episode = AddEpisode(w.clinic, w.client, w.therapist);
    w.appointment = AddAppointment(w.episode, kT0);
    return w;
  }
};

TEST_P(StoreFeedbackContractTest, AssignmentsAreIdempotentAndListedInAssignmentOrder) {
  const auto w = MakeWorld();
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "PHQ-9", Respondent::kClient, kT0, std::nullopt}));
                RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "PSC-17", Respondent::kGuardian, kT0 + 1, std::nullopt}));
                return txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "PHQ-9", Respondent::kClient, kT0 + 2, std::nullopt});
              }),
              IsOk());
  auto listed = store().ListAssignments(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].instrument, "PHQ-9");
  EXPECT_EQ((*listed)[0].assigned_at, kT0);
  EXPECT_EQ((*listed)[1].instrument, "PSC-17");
  EXPECT_EQ((*listed)[1].respondent, Respondent::kGuardian);
  EXPECT_THAT(store().ListAssignments(w.episode + 100), IsOk());
  EXPECT_TRUE(store().ListAssignments(w.episode + 100)->empty());
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertAssignment(InstrumentAssignment{
                    w.episode + 100, "PHQ-9", Respondent::kClient, kT0, std::nullopt});
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreFeedbackContractTest, AnAssignmentKeepsItsScheduleOrTheDefault) {
  const auto w = MakeWorld();
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "PHQ-9", Respondent::kClient, kT0, std::nullopt}));
                return txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "RAPPORT-CHECK", Respondent::kClient, kT0 + 1, Schedule{1, 0}});
              }),
              IsOk());
  auto listed = store().ListAssignments(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].schedule, std::nullopt);
  EXPECT_EQ((*listed)[1].schedule, (Schedule{1, 0}));
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.SetAssignmentSchedule(w.episode, "PHQ-9", Respondent::kClient,
                                                 Schedule{0, 4});
              }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.SetAssignmentSchedule(w.episode, "RAPPORT-CHECK", Respondent::kClient,
                                                 std::nullopt);
              }),
              IsOk());
  listed = store().ListAssignments(w.episode);
  EXPECT_EQ((*listed)[0].schedule, (Schedule{0, 4}));
  EXPECT_EQ((*listed)[1].schedule, std::nullopt);
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.SetAssignmentSchedule(w.episode, "GAD-7", Respondent::kClient,
                                                 Schedule{1, 0});
              }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreFeedbackContractTest, ResponsesRoundTripEveryField) {
  const auto w = MakeWorld();
  const FeedbackResponse r = MakeResponse(w.episode, w.client, w.appointment, kT0 + 5);
  const ResponseId id = Put([&](WriteTxn& txn) { return txn.InsertResponse(r); });
  auto got = store().GetResponse(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->episode_id, w.episode);
  EXPECT_EQ(got->appointment_id, w.appointment);
  EXPECT_EQ(got->instrument, "PHQ-9");
  EXPECT_EQ(got->instrument_version, "1.0");
  EXPECT_EQ(got->respondent, Respondent::kClient);
  EXPECT_EQ(got->respondent_user_id, w.client);
  EXPECT_EQ(got->submitted_at, kT0 + 5);
  EXPECT_EQ(got->answers_json, r.answers_json);
  EXPECT_EQ(got->total, 12.5);
  EXPECT_EQ(got->band, "moderate");
  EXPECT_EQ(got->scales_json, r.scales_json);
  EXPECT_EQ(got->risk_json, r.risk_json);
  EXPECT_THAT(store().GetResponse(id + 1), FailsWith(ErrorCode::kNotFound));

  FeedbackResponse unscored = MakeResponse(w.episode, w.client, std::nullopt, kT0 + 6);
  unscored.total.reset();
  const ResponseId id2 = Put([&](WriteTxn& txn) { return txn.InsertResponse(unscored); });
  EXPECT_FALSE(store().GetResponse(id2)->total.has_value());
  EXPECT_FALSE(store().GetResponse(id2)->appointment_id.has_value());
}

TEST_P(StoreFeedbackContractTest, SecondResponseForTheSameAppointmentAndPersonIsRefused) {
  const auto w = MakeWorld();
  Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(w.episode, w.client, w.appointment, kT0));
  });
  const Status again = Do([&](WriteTxn& txn) {
    return DropValue(txn.InsertResponse(MakeResponse(w.episode, w.client, w.appointment, kT0 + 1)));
  });
  ASSERT_THAT(again, FailsWith(ErrorCode::kAlreadyExists));
  ASSERT_FALSE(again.error().fields.empty());
  EXPECT_EQ(again.error().fields[0].field, "appointment_id");
  // Another questionnaire, another person, or no appointment at all are all fine.
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertResponse(
                    MakeResponse(w.episode, w.client, w.appointment, kT0, "GAD-7")));
              }),
              IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(
                    txn.InsertResponse(MakeResponse(w.episode, w.therapist, w.appointment, kT0)));
              }),
              IsOk());
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0)));
      }),
      IsOk());
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0)));
      }),
      IsOk());
  EXPECT_EQ(store().ListResponsesOfEpisode(w.episode)->size(), 5u);
}

TEST_P(StoreFeedbackContractTest, ResponseToAMissingEpisodeIsInvalid) {
  const auto w = MakeWorld();
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(
                    txn.InsertResponse(MakeResponse(w.episode + 50, w.client, std::nullopt, kT0)));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(store().ListResponsesOfEpisode(w.episode)->empty());
}

TEST_P(StoreFeedbackContractTest, ResponsesOfAnEpisodeAreOldestFirstAndVisibleInsideTheWrite) {
  const auto w = MakeWorld();
  Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0 + 20));
  });
  Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0 + 10));
  });
  std::size_t seen_inside = 0;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(DropValue(
                    txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0 + 30))));
                RAPPORT_ASSIGN_OR_RETURN(auto inside, txn.ListResponsesOfEpisode(w.episode));
                seen_inside = inside.size();
                return Ok();
              }),
              IsOk());
  EXPECT_EQ(seen_inside, 3u);
  auto listed = store().ListResponsesOfEpisode(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].submitted_at, kT0 + 10);
  EXPECT_EQ((*listed)[1].submitted_at, kT0 + 20);
  EXPECT_EQ((*listed)[2].submitted_at, kT0 + 30);
}

TEST_P(StoreFeedbackContractTest, ResponsesOfEndedEpisodesOnlyComeFromThatClinicsEndedEpisodes) {
  const auto w = MakeWorld();
  const EpisodeId ended = AddEpisode(w.clinic, w.client, w.therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(ended, EpisodeStatus::kEnded, kT0 + 100);
              }),
              IsOk());
  const ClinicId other_clinic = AddClinic("Elsewhere");
  const UserId other_client = AddUser(other_clinic, "o@example.org");
  const UserId other_therapist = AddUser(other_clinic, "ot@example.org", Role::kTherapist);
  const EpisodeId other_ended = AddEpisode(other_clinic, other_client, other_therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(other_ended, EpisodeStatus::kEnded, kT0 + 100);
              }),
              IsOk());
  for (EpisodeId e : {w.episode, ended, other_ended}) {
    Put([&](WriteTxn& txn) {
      return txn.InsertResponse(MakeResponse(e, w.client, std::nullopt, kT0 + 2));
    });
    Put([&](WriteTxn& txn) {
      return txn.InsertResponse(MakeResponse(e, w.client, std::nullopt, kT0 + 1));
    });
  }
  Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(ended, w.client, std::nullopt, kT0, "GAD-7"));
  });
  auto pooled = store().ListResponsesOfEndedEpisodes(w.clinic, "PHQ-9");
  ASSERT_THAT(pooled, IsOk());
  ASSERT_EQ(pooled->size(), 2u);
  EXPECT_EQ((*pooled)[0].episode_id, ended);
  EXPECT_EQ((*pooled)[0].submitted_at, kT0 + 1);
  EXPECT_EQ((*pooled)[1].submitted_at, kT0 + 2);
}

TEST_P(StoreFeedbackContractTest, AlertsRoundTripAndMoveThroughTheirStates) {
  const auto w = MakeWorld();
  const ResponseId response = Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(w.episode, w.client, std::nullopt, kT0));
  });
  const AlertId id = Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, response, kT0));
  });
  auto got = store().GetAlert(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->episode_id, w.episode);
  EXPECT_EQ(got->clinic_id, w.clinic);
  EXPECT_EQ(got->response_id, response);
  EXPECT_EQ(got->rule_id, "risk-answer");
  EXPECT_EQ(got->kind, AlertKind::kRisk);
  EXPECT_EQ(got->severity, Severity::kCritical);
  EXPECT_EQ(got->title, "Risk answer");
  EXPECT_EQ(got->explanation, "Item 9 was answered above zero.");
  EXPECT_EQ(got->next_step, "Contact the client today.");
  EXPECT_EQ(got->state, AlertState::kOpen);
  EXPECT_FALSE(got->acknowledged_by.has_value());

  FeedbackAlert changed = *got;
  changed.state = AlertState::kAcknowledged;
  changed.acknowledged_by = w.therapist;
  changed.acknowledged_at = kT0 + 7;
  changed.acknowledge_note = "Called; safety plan agreed.";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(changed); }), IsOk());
  changed.state = AlertState::kResolved;
  changed.resolved_by = w.therapist;
  changed.resolved_at = kT0 + 9;
  changed.resolve_note = "Reviewed in session.";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(changed); }), IsOk());
  got = store().GetAlert(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->state, AlertState::kResolved);
  EXPECT_EQ(got->acknowledged_by, w.therapist);
  EXPECT_EQ(got->acknowledged_at, kT0 + 7);
  EXPECT_EQ(got->acknowledge_note, "Called; safety plan agreed.");
  EXPECT_EQ(got->resolved_by, w.therapist);
  EXPECT_EQ(got->resolved_at, kT0 + 9);
  EXPECT_EQ(got->resolve_note, "Reviewed in session.");

  changed.id = id + 100;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(changed); }),
              FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().GetAlert(id + 100), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreFeedbackContractTest, AResponseAndItsAlertCommitTogetherOrNotAtAll) {
  const auto w = MakeWorld();
  const Status failed = Do([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ResponseId r, txn.InsertResponse(MakeResponse(
                                                     w.episode, w.client, w.appointment, kT0)));
    RAPPORT_RETURN_IF_ERROR(DropValue(txn.InsertAlert(MakeAlert(w.clinic, w.episode, r, kT0))));
    return Fail(Error::Unavailable("injected failure after the alert"));
  });
  EXPECT_THAT(failed, FailsWith(ErrorCode::kUnavailable));
  EXPECT_TRUE(store().ListResponsesOfEpisode(w.episode)->empty());
  EXPECT_TRUE(store().ListAlertsOfEpisode(w.episode)->empty());
}

TEST_P(StoreFeedbackContractTest, AlertListsAreNewestFirstAndFilterByTherapistAndState) {
  const auto w = MakeWorld();
  const EpisodeId others = AddEpisode(w.clinic, w.client, w.other_therapist);
  const AlertId a1 = Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, std::nullopt, kT0 + 1));
  });
  const AlertId a2 = Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, std::nullopt, kT0 + 3, Severity::kLow));
  });
  const AlertId a3 = Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, others, std::nullopt, kT0 + 2));
  });
  FeedbackAlert resolved = *store().GetAlert(a1);
  resolved.state = AlertState::kResolved;
  resolved.resolved_by = w.therapist;
  resolved.resolved_at = kT0 + 5;
  resolved.resolve_note = "done";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(resolved); }), IsOk());

  auto ids = [](const Result<std::vector<FeedbackAlert>>& alerts) {
    std::vector<AlertId> out;
    if (alerts) {
      for (const auto& a : *alerts) out.push_back(a.id);
    }
    return out;
  };
  EXPECT_EQ(ids(store().ListAlertsOfEpisode(w.episode)), (std::vector<AlertId>{a2, a1}));
  EXPECT_EQ(ids(store().ListAlertsOfTherapist(w.therapist, std::nullopt)),
            (std::vector<AlertId>{a2, a1}));
  EXPECT_EQ(ids(store().ListAlertsOfTherapist(w.therapist, AlertState::kOpen)),
            (std::vector<AlertId>{a2}));
  EXPECT_EQ(ids(store().ListAlertsOfTherapist(w.therapist, AlertState::kResolved)),
            (std::vector<AlertId>{a1}));
  EXPECT_EQ(ids(store().ListAlertsOfTherapist(w.other_therapist, std::nullopt)),
            (std::vector<AlertId>{a3}));
  EXPECT_EQ(ids(store().ListAlertsOfTherapist(w.client, std::nullopt)), (std::vector<AlertId>{}));
}

TEST_P(StoreFeedbackContractTest, FeedbackLinksAreFoundByTokenHashAndCountTheirUses) {
  const auto w = MakeWorld();
  FeedbackLink link;
  link.appointment_id = w.appointment;
  link.created_by = w.therapist;
  link.token_hash = Blake2b256Hex("token-1");
  link.created_at = kT0;
  link.expires_at = kT0 + 1000;
  const FeedbackLinkId id = Put([&](WriteTxn& txn) { return txn.InsertFeedbackLink(link); });
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.CountFeedbackLinkUse(id); }), IsOk());
  auto got = store().FindFeedbackLinkByTokenHash(Blake2b256Hex("token-1"));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->appointment_id, w.appointment);
  EXPECT_EQ(got->created_by, w.therapist);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->expires_at, kT0 + 1000);
  EXPECT_EQ(got->uses, 1);
  EXPECT_EQ(got->guardian_id, std::nullopt) << "the client's link";
  EXPECT_THAT(store().FindFeedbackLinkByTokenHash(Blake2b256Hex("token-2")),
              FailsWith(ErrorCode::kNotFound));
  // A link for a guardian keeps whom it is for.
  FeedbackLink parents = link;
  parents.token_hash = Blake2b256Hex("token-3");
  parents.guardian_id = w.therapist;  // any user: the store keeps the reference
  Put([&](WriteTxn& txn) { return txn.InsertFeedbackLink(parents); });
  EXPECT_EQ(store().FindFeedbackLinkByTokenHash(Blake2b256Hex("token-3"))->guardian_id,
            w.therapist);
  EXPECT_THAT(Do([&](WriteTxn& txn) { return DropValue(txn.InsertFeedbackLink(link)); }),
              FailsWith(ErrorCode::kAlreadyExists));
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.CountFeedbackLinkUse(id + 9); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreFeedbackContractTest, AlertsAreReadableInsideTheWriteThatInsertedThem) {
  const auto w = MakeWorld();
  AlertId inserted = 0;
  std::size_t listed = 0;
  AlertState state = AlertState::kResolved;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(
                    inserted, txn.InsertAlert(MakeAlert(w.clinic, w.episode, std::nullopt, kT0)));
                RAPPORT_ASSIGN_OR_RETURN(const FeedbackAlert got, txn.GetAlert(inserted));
                state = got.state;
                RAPPORT_ASSIGN_OR_RETURN(const auto all, txn.ListAlertsOfEpisode(w.episode));
                listed = all.size();
                return Ok();
              }),
              IsOk());
  EXPECT_EQ(state, AlertState::kOpen);
  EXPECT_EQ(listed, 1u);
  EXPECT_THAT(Do([&](WriteTxn& txn) { return DropValue(txn.GetAlert(inserted + 1)); }),
              FailsWith(ErrorCode::kNotFound));
}

// --- Treatment plans ----------------------------------------------------------------

class StorePlanContractTest : public StoreContractTest {
 protected:
  struct World {
    ClinicId clinic = 0;
    UserId therapist = 0, client = 0, guardian = 0;
    EpisodeId episode = 0, other_episode = 0;
  };

  World MakeWorld() {
    World w;
    w.clinic = AddClinic();
    w.therapist = AddUser(w.clinic, "t@example.org", Role::kTherapist);
    w.client = AddUser(w.clinic, "c@example.org", Role::kClient);
    w.guardian = AddUser(w.clinic, "g@example.org", Role::kGuardian);
    const UserId other_client = AddUser(w.clinic, "c2@example.org", Role::kClient);
    w.episode = AddEpisode(w.clinic, w.client, w.therapist);
    w.other_episode = AddEpisode(w.clinic, other_client, w.therapist);
    return w;
  }

  static PlanVersion MakeVersion(EpisodeId episode, int number, UserId by,
                                 const std::string& summary = "Feel less low") {
    PlanVersion v;
    v.episode_id = episode;
    v.number = number;
    v.status = PlanVersionStatus::kDraft;
    v.content_json = fmt::format(R"({{"summary":"{}"}})", summary);
    v.created_by = by;
    v.created_at = kT0 + number;
    v.updated_at = kT0 + number;
    return v;
  }

  PlanVersionId AddVersion(const PlanVersion& v) {
    return Put([&](WriteTxn& txn) { return txn.InsertPlanVersion(v); });
  }

  static PlanEvent MakeEvent(EpisodeId episode, PlanEventKind kind, const std::string& subject,
                             UserId actor, Timestamp at, const std::string& payload = "{}") {
    PlanEvent e;
    e.episode_id = episode;
    e.kind = kind;
    e.subject = subject;
    e.payload_json = payload;
    e.actor_id = actor;
    e.at = at;
    return e;
  }

  static std::string Hash(const std::string& text) { return Blake2b256Hex(text); }
};

TEST_P(StorePlanContractTest, VersionsRoundTripEveryFieldAndAreListedByNumber) {
  const World w = MakeWorld();
  PlanVersion second = MakeVersion(w.episode, 2, w.therapist, "Sleep through the night");
  second.status = PlanVersionStatus::kChangesRequested;
  second.content_hash = Hash(second.content_json);
  second.proposed_at = kT0 + 10;
  second.decided_at = kT0 + 20;
  second.client_comment = "Could we start with sleep?";
  // Inserted out of order: the list is by number, not by insertion.
  const PlanVersionId id2 = AddVersion(second);
  const PlanVersionId id1 = AddVersion(MakeVersion(w.episode, 1, w.therapist));
  AddVersion(MakeVersion(w.other_episode, 1, w.therapist));
  EXPECT_NE(id1, id2);

  auto listed = store().ListPlanVersions(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].number, 1);
  EXPECT_EQ((*listed)[0].id, id1);
  EXPECT_EQ((*listed)[0].status, PlanVersionStatus::kDraft);
  EXPECT_EQ((*listed)[0].content_hash, "");
  EXPECT_FALSE((*listed)[0].proposed_at.has_value());
  EXPECT_FALSE((*listed)[0].decided_at.has_value());
  second.id = id2;
  EXPECT_EQ((*listed)[1], second);

  auto got = store().GetPlanVersion(w.episode, 2);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, second);
  EXPECT_THAT(store().GetPlanVersion(w.episode, 3), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().GetPlanVersion(w.episode + 100, 1), FailsWith(ErrorCode::kNotFound));
  auto none = store().ListPlanVersions(w.episode + 100);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST_P(StorePlanContractTest, EveryVersionStatusRoundTrips) {
  const World w = MakeWorld();
  const std::vector<PlanVersionStatus> statuses = {PlanVersionStatus::kDraft,
                                                   PlanVersionStatus::kProposed,
                                                   PlanVersionStatus::kChangesRequested,
                                                   PlanVersionStatus::kDeclined,
                                                   PlanVersionStatus::kWithdrawn,
                                                   PlanVersionStatus::kAgreed,
                                                   PlanVersionStatus::kSuperseded};
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    PlanVersion v = MakeVersion(w.episode, static_cast<int>(i) + 1, w.therapist);
    v.status = statuses[i];
    AddVersion(v);
  }
  auto listed = store().ListPlanVersions(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), statuses.size());
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_EQ((*listed)[i].status, statuses[i]) << ToString(statuses[i]);
  }
}

TEST_P(StorePlanContractTest, AVersionNumberIsTakenOncePerEpisode) {
  const World w = MakeWorld();
  AddVersion(MakeVersion(w.episode, 1, w.therapist, "first"));
  const Status again = Do([&](WriteTxn& txn) {
    return DropValue(txn.InsertPlanVersion(MakeVersion(w.episode, 1, w.therapist, "second")));
  });
  ASSERT_THAT(again, FailsWith(ErrorCode::kAlreadyExists));
  ASSERT_EQ(again.error().fields.size(), 1U);
  EXPECT_EQ(again.error().fields[0].field, "number");
  EXPECT_EQ(store().GetPlanVersion(w.episode, 1)->content_json, R"({"summary":"first"})");
  // Another episode has its own numbers.
  EXPECT_GT(AddVersion(MakeVersion(w.other_episode, 1, w.therapist)), 0);
}

TEST_P(StorePlanContractTest, AVersionOfAMissingEpisodeOrByAMissingUserIsInvalidArgument) {
  const World w = MakeWorld();
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertPlanVersion(MakeVersion(w.episode + 100, 1, w.therapist)));
      }),
      FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertPlanVersion(MakeVersion(w.episode, 1, w.therapist + 100)));
      }),
      FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(store().ListPlanVersions(w.episode)->empty());
}

TEST_P(StorePlanContractTest, ADraftChangesFreelyUntilItsContentIsFrozenByAHash) {
  const World w = MakeWorld();
  PlanVersion v = MakeVersion(w.episode, 1, w.therapist, "draft one");
  v.id = AddVersion(v);

  // A draft: every field but id, episode and number may change.
  v.content_json = R"({"summary":"draft two"})";
  v.updated_at = kT0 + 50;
  v.episode_id = w.other_episode;  // ignored
  v.number = 9;                    // ignored
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  v.episode_id = w.episode;
  v.number = 1;
  EXPECT_EQ(*store().GetPlanVersion(w.episode, 1), v);
  EXPECT_THAT(store().GetPlanVersion(w.episode, 9), FailsWith(ErrorCode::kNotFound));

  // Proposing sets the hash in the same update as the final content.
  v.content_json = R"({"summary":"as proposed"})";
  v.content_hash = Hash(v.content_json);
  v.status = PlanVersionStatus::kProposed;
  v.proposed_at = kT0 + 60;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  EXPECT_EQ(*store().GetPlanVersion(w.episode, 1), v);

  // From now on the content and its hash are refused, alone or together ...
  PlanVersion edited = v;
  edited.content_json = R"({"summary":"changed after proposing"})";
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(edited); }),
              FailsWith(ErrorCode::kFailedPrecondition));
  edited.content_hash = Hash(edited.content_json);
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(edited); }),
              FailsWith(ErrorCode::kFailedPrecondition));
  PlanVersion unhashed = v;
  unhashed.content_hash.clear();
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(unhashed); }),
              FailsWith(ErrorCode::kFailedPrecondition));
  EXPECT_EQ(*store().GetPlanVersion(w.episode, 1), v);

  // ... while its state still moves with the same content.
  v.status = PlanVersionStatus::kAgreed;
  v.decided_at = kT0 + 70;
  v.updated_at = kT0 + 70;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  v.status = PlanVersionStatus::kSuperseded;
  v.client_comment = "kept for the record";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  EXPECT_EQ(*store().GetPlanVersion(w.episode, 1), v);
}

TEST_P(StorePlanContractTest, UpdatingAMissingVersionIsNotFound) {
  const World w = MakeWorld();
  PlanVersion v = MakeVersion(w.episode, 1, w.therapist);
  v.id = AddVersion(v) + 100;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StorePlanContractTest, SignaturesAreKeptOncePerRoleAndListedByVersionThenTime) {
  const World w = MakeWorld();
  PlanVersion v1 = MakeVersion(w.episode, 1, w.therapist, "one");
  v1.content_hash = Hash(v1.content_json);
  v1.status = PlanVersionStatus::kAgreed;
  PlanVersion v2 = MakeVersion(w.episode, 2, w.therapist, "two");
  v2.content_hash = Hash(v2.content_json);
  v2.status = PlanVersionStatus::kProposed;
  // Version 2 first, so insertion order is not the version order.
  const PlanVersionId id2 = AddVersion(v2);
  const PlanVersionId id1 = AddVersion(v1);
  PlanVersion other = MakeVersion(w.other_episode, 1, w.therapist);
  other.content_hash = Hash("other");
  const PlanVersionId other_id = AddVersion(other);

  const PlanSignature t2{id2, SignerRole::kTherapist, w.therapist, kT0 + 30, v2.content_hash};
  // Therapist and client of version 2 in the same millisecond: the therapist's reads first.
  const PlanSignature c2{id2, SignerRole::kClient, w.client, kT0 + 30, v2.content_hash};
  const PlanSignature c1{id1, SignerRole::kClient, w.client, kT0 + 20, v1.content_hash};
  const PlanSignature t1{id1, SignerRole::kTherapist, w.therapist, kT0 + 10, v1.content_hash};
  // The guardian signed in the same millisecond as the client: after the client all the same.
  const PlanSignature g1{id1, SignerRole::kGuardian, w.guardian, kT0 + 20, v1.content_hash};
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(c2));
                RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(t2));
                RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(g1));
                RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(c1));
                RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(
                    PlanSignature{other_id, SignerRole::kTherapist, w.therapist, kT0, "h"}));
                return txn.InsertPlanSignature(t1);
              }),
              IsOk());

  auto listed = store().ListPlanSignatures(w.episode);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(*listed, (std::vector<PlanSignature>{t1, c1, g1, t2, c2}));

  // The same role cannot sign the same version twice, even over another hash.
  PlanSignature again = c1;
  again.signed_at = kT0 + 99;
  again.content_hash = Hash("something else");
  const Status twice = Do([&](WriteTxn& txn) { return txn.InsertPlanSignature(again); });
  ASSERT_THAT(twice, FailsWith(ErrorCode::kAlreadyExists));
  ASSERT_EQ(twice.error().fields.size(), 1U);
  EXPECT_EQ(twice.error().fields[0].field, "role");
  EXPECT_EQ(*store().ListPlanSignatures(w.episode),
            (std::vector<PlanSignature>{t1, c1, g1, t2, c2}));

  // Signatures must refer to a version and a person that exist.
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.InsertPlanSignature(
                    PlanSignature{id1 + id2 + other_id, SignerRole::kClient, w.client, kT0, "h"});
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.InsertPlanSignature(
                    PlanSignature{id2, SignerRole::kGuardian, w.client + 100, kT0, "h"});
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  auto none = store().ListPlanSignatures(w.episode + 100);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST_P(StorePlanContractTest, EventsAreOldestFirstAndFilteredByKind) {
  const World w = MakeWorld();
  const PlanEvent late = MakeEvent(w.episode, PlanEventKind::kRanking, "client", w.client, kT0 + 30,
                                   R"({"order":["p2","p1"]})");
  const PlanEvent early =
      MakeEvent(w.episode, PlanEventKind::kHomework, "h1", w.client, kT0 + 10, R"({"done":true})");
  const PlanEvent tie_a = MakeEvent(w.episode, PlanEventKind::kRanking, "therapist", w.therapist,
                                    kT0 + 20, R"({"order":["p1","p2"]})");
  const PlanEvent tie_b =
      MakeEvent(w.episode, PlanEventKind::kGasLevel, "b2", w.therapist, kT0 + 20, R"({"level":1})");
  const PlanEventId late_id = Put([&](WriteTxn& txn) { return txn.InsertPlanEvent(late); });
  const PlanEventId early_id = Put([&](WriteTxn& txn) { return txn.InsertPlanEvent(early); });
  const PlanEventId a_id = Put([&](WriteTxn& txn) { return txn.InsertPlanEvent(tie_a); });
  const PlanEventId b_id = Put([&](WriteTxn& txn) { return txn.InsertPlanEvent(tie_b); });
  Put([&](WriteTxn& txn) {
    return txn.InsertPlanEvent(
        MakeEvent(w.other_episode, PlanEventKind::kRanking, "client", w.client, kT0));
  });
  ASSERT_LT(a_id, b_id);

  const auto ids = [](const Result<std::vector<PlanEvent>>& events) {
    std::vector<PlanEventId> out;
    if (!events) return out;
    for (const PlanEvent& e : *events) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(store().ListPlanEvents(w.episode, std::nullopt)),
            (std::vector<PlanEventId>{early_id, a_id, b_id, late_id}));
  EXPECT_EQ(ids(store().ListPlanEvents(w.episode, PlanEventKind::kRanking)),
            (std::vector<PlanEventId>{a_id, late_id}));
  EXPECT_EQ(ids(store().ListPlanEvents(w.episode, PlanEventKind::kReview)),
            (std::vector<PlanEventId>{}));
  EXPECT_EQ(ids(store().ListPlanEvents(w.episode + 100, std::nullopt)),
            (std::vector<PlanEventId>{}));

  auto got = store().GetPlanEvent(late_id);
  ASSERT_THAT(got, IsOk());
  PlanEvent expected = late;
  expected.id = late_id;
  EXPECT_EQ(*got, expected);
  EXPECT_THAT(store().GetPlanEvent(late_id + 100), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StorePlanContractTest, EveryEventKindRoundTrips) {
  const World w = MakeWorld();
  const std::vector<PlanEventKind> kinds = {PlanEventKind::kRanking,  PlanEventKind::kSelfRating,
                                            PlanEventKind::kHomework, PlanEventKind::kThoughtRecord,
                                            PlanEventKind::kGasLevel, PlanEventKind::kReview};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Put([&](WriteTxn& txn) {
      return txn.InsertPlanEvent(
          MakeEvent(w.episode, kinds[i], "s", w.client, kT0 + static_cast<Timestamp>(i)));
    });
  }
  for (const PlanEventKind kind : kinds) {
    auto listed = store().ListPlanEvents(w.episode, kind);
    ASSERT_THAT(listed, IsOk());
    ASSERT_EQ(listed->size(), 1U) << ToString(kind);
    EXPECT_EQ((*listed)[0].kind, kind);
  }
}

TEST_P(StorePlanContractTest, AnEventOfAMissingEpisodeOrActorIsInvalidArgument) {
  const World w = MakeWorld();
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertPlanEvent(
                    MakeEvent(w.episode + 100, PlanEventKind::kHomework, "h1", w.client, kT0)));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertPlanEvent(
                    MakeEvent(w.episode, PlanEventKind::kHomework, "h1", w.client + 100, kT0)));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_TRUE(store().ListPlanEvents(w.episode, std::nullopt)->empty());
}

TEST_P(StorePlanContractTest, AWriteSeesItsOwnVersionsAndSignaturesAndRollsThemBackTogether) {
  const World w = MakeWorld();
  std::size_t versions_seen = 0, signatures_seen = 0;
  const Status written = store().Write([&](WriteTxn& txn) -> Status {
    PlanVersion v = MakeVersion(w.episode, 1, w.therapist);
    v.content_hash = Hash(v.content_json);
    v.status = PlanVersionStatus::kProposed;
    RAPPORT_ASSIGN_OR_RETURN(const PlanVersionId id, txn.InsertPlanVersion(v));
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanSignature(
        PlanSignature{id, SignerRole::kTherapist, w.therapist, kT0, v.content_hash}));
    RAPPORT_RETURN_IF_ERROR(
        txn.InsertPlanEvent(MakeEvent(w.episode, PlanEventKind::kReview, "1", w.therapist, kT0)));
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, txn.ListPlanVersions(w.episode));
    RAPPORT_ASSIGN_OR_RETURN(const auto signatures, txn.ListPlanSignatures(w.episode));
    versions_seen = versions.size();
    signatures_seen = signatures.size();
    return Fail(Error::FailedPrecondition("the client withdrew"));
  });
  ASSERT_THAT(written, FailsWith(ErrorCode::kFailedPrecondition));
  EXPECT_EQ(versions_seen, 1U);
  EXPECT_EQ(signatures_seen, 1U);
  EXPECT_TRUE(store().ListPlanVersions(w.episode)->empty());
  EXPECT_TRUE(store().ListPlanSignatures(w.episode)->empty());
  EXPECT_TRUE(store().ListPlanEvents(w.episode, std::nullopt)->empty());
}

}  // namespace rapport
