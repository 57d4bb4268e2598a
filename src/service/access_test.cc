// The authorization matrix: every service operation against every kind of actor, allowed and
// denied. Each case runs in a fresh world so that one case's writes cannot help another.

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/access.h"
#include "service/audit_service.h"
#include "service/clinic_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

enum class Who {
  kAdmin,
  kSupervisor,
  kTherapist,
  kOtherTherapist,
  kClient,
  kGuardian,
  kOtherClinic
};
constexpr Who kEveryone[] = {Who::kAdmin,  Who::kSupervisor, Who::kTherapist,  Who::kOtherTherapist,
                             Who::kClient, Who::kGuardian,   Who::kOtherClinic};

std::string Name(Who who) {
  switch (who) {
    case Who::kAdmin: return "admin";
    case Who::kSupervisor: return "supervisor of t1";
    case Who::kTherapist: return "therapist t1";
    case Who::kOtherTherapist: return "therapist t2";
    case Who::kClient: return "client c1";
    case Who::kGuardian: return "guardian g1 of k1";
    case Who::kOtherClinic: return "therapist of clinic B";
  }
  return "?";
}

UserId IdOf(const World& w, Who who) {
  switch (who) {
    case Who::kAdmin: return w.admin;
    case Who::kSupervisor: return w.supervisor;
    case Who::kTherapist: return w.t1;
    case Who::kOtherTherapist: return w.t2;
    case Who::kClient: return w.c1;
    case Who::kGuardian: return w.g1;
    case Who::kOtherClinic: return w.tb;
  }
  return 0;
}

// What came out: "ok", or the error code's name.
template <typename T>
std::string Outcome(const Result<T>& result) {
  return result ? "ok" : std::string(ToString(result.error().code));
}

struct Case {
  std::string operation;
  std::function<std::string(World&, ClinicService&, const Actor&)> run;
  std::map<Who, std::string> expected;
};

constexpr const char* kOk = "ok";
constexpr const char* kNotFound = "not_found";
constexpr const char* kDenied = "permission_denied";

std::map<Who, std::string> Expect(const char* admin, const char* supervisor, const char* t1,
                                  const char* t2, const char* client, const char* guardian,
                                  const char* other_clinic) {
  return {{Who::kAdmin, admin},
          {Who::kSupervisor, supervisor},
          {Who::kTherapist, t1},
          {Who::kOtherTherapist, t2},
          {Who::kClient, client},
          {Who::kGuardian, guardian},
          {Who::kOtherClinic, other_clinic}};
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back(
      {"list clients",
       [](World&, ClinicService& s, const Actor& a) { return Outcome(s.ListClients(a)); },
       Expect(kDenied, kOk, kOk, kOk, kOk, kOk, kOk)});
  cases.push_back(
      {"get client c1 (t1's)",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, w.c1)); },
       Expect(kDenied, kOk, kOk, kNotFound, kOk, kNotFound, kNotFound)});
  cases.push_back(
      {"get child k1 (t1's, guardian g1)",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, w.k1)); },
       Expect(kDenied, kOk, kOk, kNotFound, kNotFound, kOk, kNotFound)});
  cases.push_back(
      {"get child k2 (t2's, guardian g2)",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, w.k2)); },
       Expect(kDenied, kNotFound, kNotFound, kOk, kNotFound, kNotFound, kNotFound)});
  cases.push_back(
      {"get client of clinic B",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, w.cb)); },
       Expect(kDenied, kNotFound, kNotFound, kNotFound, kNotFound, kNotFound, kOk)});
  cases.push_back(
      {"get a client id that does not exist",
       [](World&, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, 987654)); },
       Expect(kDenied, kNotFound, kNotFound, kNotFound, kNotFound, kNotFound, kNotFound)});
  cases.push_back(
      {"get a therapist's id as if a client",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetClient(a, w.t1)); },
       Expect(kDenied, kNotFound, kNotFound, kNotFound, kNotFound, kNotFound, kNotFound)});
  cases.push_back({"create client",
                   [](World& w, ClinicService& s, const Actor& a) {
                     NewClientInput in{"New Person", "new.person@a.test", "", "",
                                       a.role == Role::kSupervisor ? w.t1 : 0};
                     return Outcome(s.CreateClient(a, in));
                   },
                   Expect(kDenied, kOk, kOk, kOk, kDenied, kDenied, kOk)});
  cases.push_back({"open episode for c1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     return Outcome(
                         s.CreateEpisode(a, w.c1, a.role == Role::kSupervisor ? w.t1 : 0));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  cases.push_back(
      {"get episode of c1",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetEpisode(a, w.e_c1)); },
       Expect(kDenied, kOk, kOk, kNotFound, kOk, kNotFound, kNotFound)});
  cases.push_back(
      {"get episode of k1 (guardian sees it: clinic shares detail)",
       [](World& w, ClinicService& s, const Actor& a) { return Outcome(s.GetEpisode(a, w.e_k1)); },
       Expect(kDenied, kOk, kOk, kNotFound, kNotFound, kOk, kNotFound)});
  cases.push_back({"activate episode of c1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     return Outcome(s.SetEpisodeStatus(a, w.e_c1, EpisodeStatus::kActive));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  cases.push_back({"book appointment for c1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     NewAppointmentInput in{w.clock.Now() + 3'600'000, 50, Modality::kVideo};
                     return Outcome(s.CreateAppointment(a, w.e_c1, in));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  cases.push_back({"list appointments of k1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     return Outcome(s.ListAppointments(a, w.e_k1));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kNotFound, kOk, kNotFound)});
  cases.push_back({"cancel appointment of c1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     AppointmentChange change;
                     change.status = AppointmentStatus::kCancelled;
                     return Outcome(s.UpdateAppointment(a, w.a_c1, change));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  cases.push_back({"list upcoming appointments",
                   [](World&, ClinicService& s, const Actor& a) {
                     return Outcome(s.ListUpcomingAppointments(a));
                   },
                   Expect(kDenied, kOk, kOk, kOk, kOk, kOk, kOk)});
  cases.push_back({"add guardian to k1",
                   [](World& w, ClinicService& s, const Actor& a) {
                     return Outcome(s.AddGuardian(
                         a, w.k1, {"Second Parent", "parent2@a.test", LinkDelivery::kEmail, ""}));
                   },
                   Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  cases.push_back(
      {"list therapists",
       [](World&, ClinicService& s, const Actor& a) { return Outcome(s.ListTherapists(a)); },
       Expect(kOk, kOk, kOk, kOk, kOk, kOk, kOk)});
  cases.push_back({"list users",
                   [](World&, ClinicService& s, const Actor& a) { return Outcome(s.ListUsers(a)); },
                   Expect(kOk, kDenied, kDenied, kDenied, kDenied, kDenied, kDenied)});
  cases.push_back({"create user",
                   [](World&, ClinicService& s, const Actor& a) {
                     NewUserInput in;
                     in.email = "new.staff@a.test";
                     in.display_name = "New Staff";
                     in.role = Role::kTherapist;
                     return Outcome(s.CreateUser(a, in));
                   },
                   Expect(kOk, kDenied, kDenied, kDenied, kDenied, kDenied, kDenied)});
  cases.push_back({"deactivate c2",
                   [](World& w, ClinicService& s, const Actor& a) {
                     return Outcome(s.DeactivateUser(a, w.c2));
                   },
                   Expect(kOk, kDenied, kDenied, kDenied, kDenied, kDenied, kDenied)});
  cases.push_back({"read own clinic",
                   [](World&, ClinicService& s, const Actor& a) { return Outcome(s.GetClinic(a)); },
                   Expect(kOk, kOk, kOk, kOk, kOk, kOk, kOk)});
  cases.push_back({"change clinic settings",
                   [](World&, ClinicService& s, const Actor& a) {
                     ClinicSettings settings;
                     settings.share_with_guardians = false;
                     return Outcome(s.UpdateClinicSettings(a, settings));
                   },
                   Expect(kOk, kDenied, kDenied, kDenied, kDenied, kDenied, kDenied)});
  cases.push_back({"browse audit",
                   [](World& w, ClinicService&, const Actor& a) {
                     AuditService audit(*w.store);
                     return Outcome(audit.Browse(a, 0, 50));
                   },
                   Expect(kOk, kDenied, kDenied, kDenied, kDenied, kDenied, kDenied)});
  cases.push_back(
      {"invite c1",
       [](World& w, ClinicService&, const Actor& a) {
         // c1 must be password-less to be invited.
         EXPECT_TRUE(w.store->Write([&](WriteTxn& txn) { return txn.SetPasswordHash(w.c1, ""); })
                         .has_value());
         AuthService auth(*w.store, w.clock, testing::FastAuth());
         return Outcome(auth.CreateInvitation(a, w.c1, LinkDelivery::kInPerson));
       },
       // An admin invites staff only: a client's link could make them that client.
       Expect(kDenied, kOk, kOk, kNotFound, kDenied, kDenied, kNotFound)});
  return cases;
}

// One test per operation (so a failure names it), each trying every kind of actor.
class AuthorizationMatrix : public ::testing::TestWithParam<std::size_t> {};

TEST_P(AuthorizationMatrix, AllowsAndDeniesEveryRoleAsTheRulesSay) {
  const Case c = Cases().at(GetParam());
  for (Who who : kEveryone) {
    World world;
    ASSERT_NE(world.store, nullptr);
    ClinicService service(*world.store, world.clock, testing::FastAuth());
    const std::string outcome = c.run(world, service, world.As(IdOf(world, who)));
    EXPECT_EQ(outcome, c.expected.at(who)) << c.operation << " as " << Name(who);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOperation, AuthorizationMatrix,
                         ::testing::Range<std::size_t>(0, Cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           const std::string operation = Cases().at(param.param).operation;
                           std::string name;
                           for (char ch : operation) {
                             if (std::isalnum(static_cast<unsigned char>(ch)))
                               name += ch;
                             else if (!name.empty() && name.back() != '_')
                               name += '_';
                           }
                           while (!name.empty() && name.back() == '_') name.pop_back();
                           return name;
                         });

TEST(NotFoundDenials, DenialOfAnotherTherapistsClientLooksExactlyLikeAMissingRecord) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto theirs = service.GetClient(w.As(w.t2), w.c1);
  auto missing = service.GetClient(w.As(w.t2), 987654);
  ASSERT_FALSE(theirs.has_value());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(theirs.error().message, missing.error().message);
  EXPECT_TRUE(theirs.error().fields.empty());
}

TEST(NotFoundDenials, EveryRefusedReachForAnotherTherapistsRecordIsAudited) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ASSERT_FALSE(service.GetClient(w.As(w.t2), w.c1).has_value());
  ASSERT_FALSE(service.GetEpisode(w.As(w.t2), w.e_c1).has_value());
  ASSERT_FALSE(service.GetEpisode(w.As(w.t2), 987654).has_value());
  std::vector<std::string> denied;
  for (const AuditEntry& e : w.Audit()) {
    if (e.action != "denied") continue;
    EXPECT_EQ(e.actor_id, w.t2);
    denied.push_back(e.record_type + " " + e.record_id);
  }
  EXPECT_EQ(denied,
            (std::vector<std::string>{"client " + std::to_string(w.c1),
                                      "episode " + std::to_string(w.e_c1), "episode 987654"}));
}

TEST(NotFoundDenials, GuardianAskingForAChildNotTheirsGetsNotFound) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto other_child = service.GetClient(w.As(w.g1), w.k2);
  ASSERT_FALSE(other_child.has_value());
  EXPECT_EQ(other_child.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other_child.error().message, NotVisible().message);
}

TEST(AccessRules, EachRoleListsExactlyTheClientsItMaySee) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  const auto ids = [&](UserId who) {
    std::set<UserId> out;
    auto list = service.ListClients(w.As(who));
    EXPECT_TRUE(list.has_value());
    for (const auto& c : list.value_or(std::vector<ClientSummary>{})) out.insert(c.user.id);
    return out;
  };
  EXPECT_EQ(ids(w.t1), (std::set<UserId>{w.c1, w.k1}));
  EXPECT_EQ(ids(w.t2), (std::set<UserId>{w.c2, w.k2}));
  EXPECT_EQ(ids(w.supervisor), (std::set<UserId>{w.c1, w.k1}));
  EXPECT_EQ(ids(w.c1), (std::set<UserId>{w.c1}));
  EXPECT_EQ(ids(w.g1), (std::set<UserId>{w.k1}));
  EXPECT_EQ(ids(w.tb), (std::set<UserId>{w.cb}));
}

TEST(AccessRules, GuardianSeesIdentityAndAppointmentsButNoEpisodesWhenTheClinicDoesNotShare) {
  World w;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    ClinicSettings settings;
                    settings.share_with_guardians = false;
                    return txn.UpdateClinicSettings(w.clinic_a, settings);
                  })
                  .has_value());
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  const Actor guardian = w.As(w.g1);

  auto child = service.GetClient(guardian, w.k1);
  ASSERT_TRUE(child.has_value()) << child.error().message;
  EXPECT_EQ(child->user.display_name, "Kit Child");
  EXPECT_FALSE(child->clinical);
  EXPECT_TRUE(child->episodes.empty());

  auto episode = service.GetEpisode(guardian, w.e_k1);
  ASSERT_FALSE(episode.has_value());
  EXPECT_EQ(episode.error().code, ErrorCode::kNotFound);

  auto appointments = service.ListAppointments(guardian, w.e_k1);
  ASSERT_TRUE(appointments.has_value());
  EXPECT_EQ(appointments->size(), 1u);
  auto upcoming = service.ListUpcomingAppointments(guardian);
  ASSERT_TRUE(upcoming.has_value());
  ASSERT_EQ(upcoming->size(), 1u);
  EXPECT_EQ(upcoming->front().client_id, w.k1);

  // The treating therapist still sees everything.
  auto as_therapist = service.GetClient(w.As(w.t1), w.k1);
  ASSERT_TRUE(as_therapist.has_value());
  EXPECT_TRUE(as_therapist->clinical);
  EXPECT_EQ(as_therapist->episodes.size(), 1u);
}

TEST(AccessRules, SupervisorCannotChangeAnEpisodeOfATherapistTheyDoNotSupervise) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  // c2 also sees t1 now, so the supervisor may see c2; e_c2 stays with t2, whom they do not
  // supervise.
  ASSERT_NE(w.OpenEpisode(w.c2, w.t1), 0);
  ASSERT_TRUE(service.GetClient(w.As(w.supervisor), w.c2).has_value());
  // Access is per episode: t2's episode of a client the supervisor may see is not theirs to see.
  auto change = service.SetEpisodeStatus(w.As(w.supervisor), w.e_c2, EpisodeStatus::kActive);
  ASSERT_FALSE(change.has_value());
  EXPECT_EQ(change.error().code, ErrorCode::kNotFound);
  auto episode = w.store->GetEpisode(w.e_c2);
  ASSERT_TRUE(episode.has_value());
  EXPECT_EQ(episode->status, EpisodeStatus::kIntake);
}

TEST(AccessRules, AdminCannotDeactivateAUserOfAnotherClinic) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto result = service.DeactivateUser(w.As(w.admin), w.cb);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  auto cb = w.store->GetUser(w.cb);
  ASSERT_TRUE(cb.has_value());
  EXPECT_TRUE(cb->active);
}

TEST(AccessRules, AdminOnlyBrowsesTheAuditTrailOfTheirOwnClinic) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(service.GetClient(w.As(w.tb), w.cb).has_value());  // a clinic B entry
  ASSERT_TRUE(service.GetClient(w.As(w.t1), w.c1).has_value());  // a clinic A entry
  AuditService audit(*w.store);
  auto page = audit.Browse(w.As(w.admin), 0, 100);
  ASSERT_TRUE(page.has_value());
  ASSERT_FALSE(page->entries.empty());
  for (const AuditEntry& e : page->entries) EXPECT_EQ(e.clinic_id, w.clinic_a);
}

}  // namespace
}  // namespace rapport
