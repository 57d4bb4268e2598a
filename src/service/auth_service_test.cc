#include "service/auth_service.h"

#include <gtest/gtest.h>

#include <chrono>

#include "service/clinic_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::kPassword;
using testing::World;

constexpr std::string_view kUa = "Mozilla/5.0 (test)";

int CountAudit(const World& w, std::string_view action) {
  int n = 0;
  for (const AuditEntry& e : w.Audit()) n += e.action == action ? 1 : 0;
  return n;
}

TEST(Login, RightPasswordStartsASessionWhoseTokenIsStoredOnlyAsAHash) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("  C1@A.test ", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value()) << login.error().message;
  EXPECT_EQ(login->user.id, w.c1);
  EXPECT_FALSE(login->session_token.empty());
  EXPECT_FALSE(login->csrf_token.empty());

  auto stored = w.store->FindSessionByTokenHash(Blake2b256Hex(login->session_token));
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->token_hash, login->session_token);
  EXPECT_FALSE(w.store->FindSessionByTokenHash(login->session_token).has_value());

  auto actor = auth.Authenticate(login->session_token, "198.51.100.7");
  ASSERT_TRUE(actor.has_value());
  EXPECT_EQ(actor->user_id, w.c1);
  EXPECT_EQ(actor->role, Role::kClient);
  EXPECT_EQ(actor->clinic_id, w.clinic_a);
  EXPECT_EQ(actor->session_id, login->session_id);
  EXPECT_EQ(CountAudit(w, "login"), 1);
}

TEST(Login, WrongPasswordAndUnknownEmailAreTheSameGenericError) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto wrong = auth.Login("c1@a.test", "not the password at all", "198.51.100.7", kUa);
  auto unknown = auth.Login("nobody@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_FALSE(wrong.has_value());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  EXPECT_EQ(CountAudit(w, "login_failed"), 2);
  EXPECT_EQ(*w.store->CountLoginFailuresForEmail("c1@a.test", 0), 1);
  EXPECT_EQ(*w.store->CountLoginFailuresForEmail("nobody@a.test", 0), 1);
}

TEST(Login, MalformedInputIsAFieldError) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto bad_email = auth.Login("not-an-email", kPassword, "198.51.100.7", kUa);
  ASSERT_FALSE(bad_email.has_value());
  EXPECT_EQ(bad_email.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_email.error().fields.at(0).field, "email");
  auto no_password = auth.Login("c1@a.test", "", "198.51.100.7", kUa);
  ASSERT_FALSE(no_password.has_value());
  EXPECT_EQ(no_password.error().fields.at(0).field, "password");
}

TEST(Login, InactiveAccountGetsTheGenericErrorEvenWithTheRightPassword) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(clinic.DeactivateUser(w.As(w.admin), w.c1).has_value());
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_FALSE(login.has_value());
  EXPECT_EQ(login.error().code, ErrorCode::kUnauthenticated);
}

TEST(Lockout, FiveFailuresStillAllowTheRightPassword) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "198.51.100.7", kUa).has_value());
  }
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).has_value());
}

TEST(Lockout, SixthFailureLocksTheAccountEvenAgainstTheRightPasswordForFifteenMinutes) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "198.51.100.7", kUa).has_value());
    w.clock.Advance(seconds(10));
  }
  auto locked = auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa);
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(locked.error().message.find("locked"), std::string::npos);
  ASSERT_TRUE(RetryAfterSeconds(locked.error()).has_value());
  EXPECT_GT(*RetryAfterSeconds(locked.error()), 0);

  // Other accounts are unaffected.
  EXPECT_TRUE(auth.Login("c2@a.test", kPassword, "198.51.100.7", kUa).has_value());

  w.clock.Advance(minutes(14));
  EXPECT_FALSE(auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa).has_value());
  w.clock.Advance(minutes(1));
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa).has_value());
}

TEST(Lockout, SurvivesARestartBecauseFailuresAreStored) {
  World w;
  {
    AuthService auth(*w.store, w.clock, testing::FastAuth());
    for (int i = 0; i < 6; ++i) {
      ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "198.51.100.7", kUa).has_value());
    }
  }
  w.store.reset();
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  AuthService restarted(*w.store, w.clock, testing::FastAuth());
  auto locked = restarted.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
}

TEST(Lockout, UnknownEmailsLockLikeKnownOnesSoLockingRevealsNothing) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(auth.Login("ghost@a.test", "wrong password!!", "198.51.100.7", kUa).has_value());
  }
  auto locked = auth.Login("ghost@a.test", "wrong password!!", "198.51.100.7", kUa);
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
}

TEST(RateLimit, AddressIsThrottledAfterMoreThanTwentyFailuresAcrossAccounts) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const std::string attacker = "203.0.113.66";
  for (int i = 0; i < 21; ++i) {
    auto r = auth.Login("user" + std::to_string(i) + "@a.test", "wrong password!!", attacker, kUa);
    ASSERT_FALSE(r.has_value());
    ASSERT_EQ(r.error().code, ErrorCode::kUnauthenticated) << i;
  }
  auto throttled = auth.Login("c1@a.test", kPassword, attacker, kUa);
  ASSERT_FALSE(throttled.has_value());
  EXPECT_EQ(throttled.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(RetryAfterSeconds(throttled.error()).has_value());
  // The same account from elsewhere is fine: only the address is throttled.
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).has_value());
  w.clock.Advance(minutes(16));
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, attacker, kUa).has_value());
}

TEST(RateLimit, SuccessfulSignInsAreNeverCountedOrThrottled) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).has_value()) << i;
  }
  EXPECT_EQ(*w.store->CountLoginFailuresFromSource("198.51.100.7", 0), 0);
}

TEST(Sessions, IdleForThirtyMinutesExpiresButActivityKeepsItAlive) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  w.clock.Advance(minutes(29));
  ASSERT_TRUE(auth.Authenticate(login->session_token, "198.51.100.7").has_value());
  w.clock.Advance(minutes(29));
  ASSERT_TRUE(auth.Authenticate(login->session_token, "198.51.100.7").has_value());
  w.clock.Advance(minutes(30));
  auto expired = auth.Authenticate(login->session_token, "198.51.100.7");
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(w.store->FindSessionByTokenHash(Blake2b256Hex(login->session_token)).has_value());
  EXPECT_EQ(CountAudit(w, "session_expired"), 1);
}

TEST(Sessions, ExpireTwelveHoursAfterSignInHoweverActive) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  for (int i = 0; i < 35; ++i) {  // 11 h 40 min of steady use
    w.clock.Advance(minutes(20));
    ASSERT_TRUE(auth.Authenticate(login->session_token, "198.51.100.7").has_value()) << i;
  }
  w.clock.Advance(minutes(20));  // 12 h
  auto expired = auth.Authenticate(login->session_token, "198.51.100.7");
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
}

TEST(Sessions, LastSeenIsWrittenAtMostOncePerMinute) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  const Timestamp signed_in = w.clock.Now();
  const auto last_seen = [&] {
    return w.store->FindSessionByTokenHash(Blake2b256Hex(login->session_token))->last_seen_at;
  };
  w.clock.Advance(seconds(30));
  ASSERT_TRUE(auth.Authenticate(login->session_token, "x").has_value());
  EXPECT_EQ(last_seen(), signed_in);
  w.clock.Advance(seconds(31));
  ASSERT_TRUE(auth.Authenticate(login->session_token, "x").has_value());
  EXPECT_EQ(last_seen(), w.clock.Now());
}

TEST(Sessions, UnknownTokenIsUnauthenticated) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  EXPECT_EQ(auth.Authenticate("made-up", "x").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("", "x").error().code, ErrorCode::kUnauthenticated);
}

TEST(Sessions, DeactivationEndsExistingSessions) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(clinic.DeactivateUser(w.As(w.admin), w.c1).has_value());
  EXPECT_FALSE(auth.Authenticate(login->session_token, "x").has_value());
}

TEST(Csrf, OnlyTheSessionsOwnTokenPasses) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  auto actor = auth.Authenticate(login->session_token, "x");
  ASSERT_TRUE(actor.has_value());
  EXPECT_TRUE(auth.CheckCsrf(*actor, login->csrf_token).has_value());
  EXPECT_EQ(auth.CheckCsrf(*actor, "").error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(auth.CheckCsrf(*actor, login->csrf_token + "x").error().code,
            ErrorCode::kPermissionDenied);
  auto other = auth.Login("c2@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(auth.CheckCsrf(*actor, other->csrf_token).has_value());
}

TEST(Sessions, LogoutEndsTheSessionAndIsAudited) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  auto actor = auth.Authenticate(login->session_token, "x");
  ASSERT_TRUE(actor.has_value());
  ASSERT_TRUE(auth.Logout(*actor).has_value());
  EXPECT_FALSE(auth.Authenticate(login->session_token, "x").has_value());
  EXPECT_EQ(CountAudit(w, "logout"), 1);
  EXPECT_TRUE(auth.Logout(*actor).has_value());  // twice is harmless
}

TEST(Sessions, UsersListAndEndOnlyTheirOwnSessions) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto phone = auth.Login("c1@a.test", kPassword, "198.51.100.7", "phone");
  auto laptop = auth.Login("c1@a.test", kPassword, "198.51.100.8", "laptop");
  auto someone_else = auth.Login("c2@a.test", kPassword, "198.51.100.9", "other");
  ASSERT_TRUE(phone && laptop && someone_else);
  auto me = auth.Authenticate(laptop->session_token, "198.51.100.8");
  ASSERT_TRUE(me.has_value());

  auto sessions = auth.ListSessions(*me);
  ASSERT_TRUE(sessions.has_value());
  ASSERT_EQ(sessions->size(), 2u);
  int current = 0;
  for (const SessionInfo& s : *sessions) {
    if (s.current) {
      ++current;
      EXPECT_EQ(s.id, laptop->session_id);
    }
  }
  EXPECT_EQ(current, 1);

  auto theirs = auth.EndSession(*me, someone_else->session_id);
  ASSERT_FALSE(theirs.has_value());
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(auth.Authenticate(someone_else->session_token, "x").has_value());

  ASSERT_TRUE(auth.EndSession(*me, phone->session_id).has_value());
  EXPECT_FALSE(auth.Authenticate(phone->session_token, "x").has_value());
  EXPECT_TRUE(auth.Authenticate(laptop->session_token, "x").has_value());
}

// A password-less client created by t1, and an invitation for them.
struct Invited {
  UserId user = 0;
  InvitationLink link;
};

Invited InviteNewClient(World& w, AuthService& auth) {
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  auto created = clinic.CreateClient(w.As(w.t1), {"Nia Newcomer", "nia@a.test", "", "", 0});
  EXPECT_TRUE(created.has_value());
  auto link = auth.CreateInvitation(w.As(w.t1), created->user.id);
  EXPECT_TRUE(link.has_value()) << link.error().message;
  return {created->user.id, link.value_or(InvitationLink{})};
}

TEST(Invitations, LinkShowsWhoItIsForAndStoresOnlyAHash) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  EXPECT_EQ(invited.link.path, "/invite/" + invited.link.token);
  EXPECT_EQ(invited.link.expires_at, w.clock.Now() + 7LL * 24 * 3600 * 1000);
  EXPECT_FALSE(w.store->FindInvitationByTokenHash(invited.link.token).has_value());
  EXPECT_TRUE(w.store->FindInvitationByTokenHash(Blake2b256Hex(invited.link.token)).has_value());

  auto info = auth.PeekInvitation(invited.link.token);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->email, "nia@a.test");
  EXPECT_EQ(info->role, Role::kClient);
  EXPECT_EQ(info->clinic_name, "Clinic A");
  EXPECT_EQ(auth.PeekInvitation("nonsense").error().code, ErrorCode::kNotFound);
}

TEST(Invitations, AcceptingSetsThePasswordSignsInAndWorksOnlyOnce) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);

  auto weak = auth.AcceptInvitation(invited.link.token, "short", "198.51.100.7", kUa);
  ASSERT_FALSE(weak.has_value());
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(weak.error().fields.at(0).field, "password");
  EXPECT_TRUE(w.store->GetPasswordHash(invited.user)->empty());

  auto accepted =
      auth.AcceptInvitation(invited.link.token, "a brand new passphrase", "198.51.100.7", kUa);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(accepted->user.id, invited.user);
  EXPECT_TRUE(auth.Authenticate(accepted->session_token, "x").has_value());

  auto again = auth.AcceptInvitation(invited.link.token, "another passphrase!", "x", kUa);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(auth.PeekInvitation(invited.link.token).error().code, ErrorCode::kFailedPrecondition);

  EXPECT_TRUE(auth.Login("nia@a.test", "a brand new passphrase", "x", kUa).has_value());
  EXPECT_FALSE(auth.Login("nia@a.test", "another passphrase!", "x", kUa).has_value());
  EXPECT_EQ(CountAudit(w, "accept"), 1);
}

TEST(Invitations, ExpireAfterSevenDays) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  w.clock.Advance(std::chrono::days(7) - minutes(1));
  EXPECT_TRUE(auth.PeekInvitation(invited.link.token).has_value());
  w.clock.Advance(minutes(1));
  auto late = auth.AcceptInvitation(invited.link.token, "a brand new passphrase", "x", kUa);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
}

TEST(Invitations, AreRefusedForSomeoneWhoAlreadyHasAPassword) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto result = auth.CreateInvitation(w.As(w.t1), w.c1);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Invitations, TherapistMayInviteTheGuardianOfTheirChildClient) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  auto added = clinic.AddGuardian(w.As(w.t1), w.k1, {"Pat Parent", "pat@a.test"});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  ASSERT_TRUE(added->invitation.has_value());
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto info = auth.PeekInvitation(added->invitation->token);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->role, Role::kGuardian);
  // A fresh link for the same guardian from the same therapist is fine; t2 may not.
  EXPECT_TRUE(auth.CreateInvitation(w.As(w.t1), added->guardian.id).has_value());
  EXPECT_EQ(auth.CreateInvitation(w.As(w.t2), added->guardian.id).error().code,
            ErrorCode::kNotFound);
}

TEST(RetryAfter, IsReadOnlyFromResourceExhaustedErrors) {
  Error error = Error::ResourceExhausted("slow down");
  error.fields.push_back({std::string(kRetryAfterField), "42"});
  EXPECT_EQ(RetryAfterSeconds(error), 42);
  EXPECT_EQ(RetryAfterSeconds(Error::Unauthenticated("no")), std::nullopt);
}

}  // namespace
}  // namespace rapport
