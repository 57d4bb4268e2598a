#include "service/auth_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "service/clinic_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::kPassword;
using testing::World;

constexpr std::string_view kUa = "Mozilla/5.0 (test)";

// Stored failed sign-ins in `scope`, ever.
int Failures(World& w, LoginFailureScope scope) {
  int n = -1;
  EXPECT_TRUE(w.store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const LoginFailureCount c, txn.CountLoginFailures(scope, 0));
    n = c.count;
    return Ok();
  }));
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
  EXPECT_EQ(w.AuditCount("login"), 1);
}

TEST(Login, AnAddressWithAccountsAtTwoClinicsSignsInToTheOneWhosePasswordItIs) {
  World w;
  // c1's address also has an account at clinic B, with its own password.
  const auto other_hash = HashPassword("another clinic, another password", HashCost::kMinimal);
  ASSERT_TRUE(other_hash.has_value());
  UserId at_b = 0;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(
                        at_b,
                        txn.InsertUser(NewUser{w.clinic_b, "c1@a.test", "Cleo at B", Role::kClient,
                                               *other_hash, w.clock.Now(), true}));
                    return Ok();
                  })
                  .has_value());
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto at_a = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(at_a.has_value()) << at_a.error().message;
  EXPECT_EQ(at_a->user.id, w.c1);
  auto at_b_login =
      auth.Login("c1@a.test", "another clinic, another password", "198.51.100.7", kUa);
  ASSERT_TRUE(at_b_login.has_value()) << at_b_login.error().message;
  EXPECT_EQ(at_b_login->user.id, at_b);
  EXPECT_FALSE(auth.Login("c1@a.test", "neither of them at all", "198.51.100.7", kUa).has_value());

  // A reset sends each account its own link, naming its clinic.
  ASSERT_TRUE(auth.RequestPasswordReset("c1@a.test", "198.51.100.7").has_value());
  int resets = 0;
  for (ClinicId clinic : {w.clinic_a, w.clinic_b}) {
    auto mail = w.store->ListMail(clinic, DeliveryState::kPending, 0, 100);
    ASSERT_TRUE(mail.has_value());
    for (const Notification& n : *mail) {
      if (n.reason == kPasswordResetMail) ++resets;
    }
  }
  EXPECT_EQ(resets, 2);
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
  EXPECT_EQ(w.AuditCount("login_failed"), 2);
  EXPECT_EQ(Failures(w, {"c1@a.test", "", ""}), 1);
  EXPECT_EQ(Failures(w, {"nobody@a.test", "", ""}), 1);
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

TEST(Lockout, PastTheFreeFailuresEachAttemptWaitsTwiceAsLongAsTheLastNotAWall) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "198.51.100.7", kUa).has_value());
  }
  w.clock.Advance(seconds(10));
  // Even the right password waits: 30 s after the sixth failure.
  auto waits = auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa);
  ASSERT_FALSE(waits.has_value());
  EXPECT_EQ(waits.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterSeconds(waits.error()), 20);
  // Other accounts are unaffected.
  EXPECT_TRUE(auth.Login("c2@a.test", kPassword, "198.51.100.7", kUa).has_value());

  w.clock.Advance(seconds(21));
  // The seventh guess is checked, and then the next must wait 60 s.
  ASSERT_EQ(auth.Login("c1@a.test", "wrong password!!", "203.0.113.9", kUa).error().code,
            ErrorCode::kUnauthenticated);
  w.clock.Advance(seconds(59));
  EXPECT_EQ(RetryAfterSeconds(auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa).error()), 1);
  w.clock.Advance(seconds(1));
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "203.0.113.9", kUa).has_value());
}

TEST(Lockout, FortyParallelGuessesAtOneAccountAreCheckedOnlyUpToTheLimit) {
  World w;
  AuthOptions options = testing::FastAuth();
  options.hash_waiting = 64;  // nobody is turned away by the queue: the count alone must hold
  AuthService auth(*w.store, w.clock, options);
  std::atomic<int> checked{0};
  std::atomic<int> waited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto r = auth.Login("c1@a.test", "wrong password!!", "198.51.100." + std::to_string(i), kUa);
      if (!r && r.error().code == ErrorCode::kUnauthenticated) ++checked;
      if (!r && r.error().code == ErrorCode::kResourceExhausted) ++waited;
    });
  }
  for (std::thread& t : threads) t.join();
  // Five free failures and the sixth that starts the wait; never one more.
  EXPECT_EQ(checked.load(), options.max_account_failures + 1);
  EXPECT_EQ(waited.load(), 40 - checked.load());
  EXPECT_EQ(w.AuditCount("login_failed"), checked.load());
}

TEST(HashGate, AFullQueueIsTurnedAwayAtOnceWithoutCheckingOrCountingAnything) {
  World w;
  AuthOptions options = testing::FastAuth();
  options.hash_slots = 1;
  options.hash_waiting = 0;
  AuthService auth(*w.store, w.clock, options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  WorkGate::Ticket busy = auth.hash_gate().Enter();
  ASSERT_TRUE(busy);
  std::thread hashing([&, ticket = std::move(busy)]() mutable {
    ticket.Run([&] {
      started.set_value();
      released.wait();
      return 0;
    });
  });
  started.get_future().wait();
  auto refused = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  release.set_value();
  hashing.join();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterSeconds(refused.error()), 1);
  EXPECT_EQ(Failures(w, {"c1@a.test", "", ""}), 0);
  EXPECT_EQ(auth.hash_gate().rejected(), 1);
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).has_value());
}

TEST(KnownDevice, TheOwnersBrowserStillSignsInWhileAStrangersGuessesMakeOthersWait) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto first = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(first->device_token.empty());
  EXPECT_FALSE(*w.store->IsKnownDevice(w.c1, first->device_token));  // stored hashed
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "203.0.113.66", kUa).has_value());
    w.clock.Advance(seconds(1));
  }
  EXPECT_EQ(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).error().code,
            ErrorCode::kResourceExhausted);
  auto owner = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa, first->device_token);
  ASSERT_TRUE(owner.has_value()) << owner.error().message;
  EXPECT_EQ(owner->device_token, first->device_token);
  // Someone else's device cookie counts for nothing on this account.
  auto other = auth.Login("c2@a.test", kPassword, "198.51.100.8", kUa);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(
      auth.Login("c1@a.test", kPassword, "198.51.100.8", kUa, other->device_token).error().code,
      ErrorCode::kResourceExhausted);
}

TEST(KnownDevice, AFloodFromTheClinicsAddressDoesNotLockOutTheAdminsKnownBrowser) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const std::string office = "192.0.2.10";
  auto before = auth.Login("admin@a.test", kPassword, office, kUa);
  ASSERT_TRUE(before.has_value());
  for (int i = 0; i < 21; ++i) {
    ASSERT_FALSE(
        auth.Login("user" + std::to_string(i) + "@a.test", "wrong password!!", office, kUa));
  }
  EXPECT_EQ(auth.Login("admin@a.test", kPassword, office, kUa).error().code,
            ErrorCode::kResourceExhausted);
  EXPECT_TRUE(auth.Login("admin@a.test", kPassword, office, kUa, before->device_token));
}

TEST(Unlock, AnAdminClearsAnAccountsFailedSignInsAndOthersCannot) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  for (int i = 0; i < 7; ++i) {
    ASSERT_FALSE(auth.Login("c1@a.test", "wrong password!!", "203.0.113.66", kUa).has_value());
  }
  ASSERT_EQ(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).error().code,
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(auth.ClearSignInFailures(w.As(w.t1), w.c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(auth.ClearSignInFailures(w.As(w.admin), w.cb).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(auth.ClearSignInFailures(w.As(w.admin), w.c1).has_value());
  EXPECT_EQ(w.AuditCount("unlock"), 1);
  EXPECT_TRUE(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).has_value());
}

TEST(Passwords, AChangeNeedsTheCurrentPasswordAndEndsEveryOtherSession) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto phone = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  auto laptop = auth.Login("c1@a.test", kPassword, "198.51.100.8", kUa);
  ASSERT_TRUE(phone && laptop);
  auto actor = auth.Authenticate(laptop->session_token, "198.51.100.8");
  ASSERT_TRUE(actor.has_value());
  auto wrong = auth.ChangePassword(*actor, "not my password", "a brand new long password");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().fields.at(0).field, "current_password");
  EXPECT_EQ(Failures(w, {"c1@a.test", "", ""}), 1);  // counted like a sign-in
  auto common = auth.ChangePassword(*actor, kPassword, "password1234");
  ASSERT_FALSE(common.has_value());
  EXPECT_EQ(common.error().fields.at(0).field, "new_password");

  ASSERT_TRUE(auth.ChangePassword(*actor, kPassword, "a brand new long password").has_value());
  EXPECT_TRUE(auth.Authenticate(laptop->session_token, "198.51.100.8").has_value());
  EXPECT_FALSE(auth.Authenticate(phone->session_token, "198.51.100.7").has_value());
  EXPECT_EQ(auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_TRUE(auth.Login("c1@a.test", "a brand new long password", "198.51.100.7", kUa));
  EXPECT_EQ(w.AuditCount("password_change"), 1);
}

TEST(Passwords, AResetLinkGoesOnlyByMailAndEndsEverySessionOfTheAccount) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto session = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(session.has_value());
  ASSERT_TRUE(auth.RequestPasswordReset("nobody@a.test", "203.0.113.5").has_value());
  ASSERT_TRUE(auth.RequestPasswordReset("C1@a.test", "203.0.113.5").has_value());
  ASSERT_TRUE(auth.RequestPasswordReset("c1@a.test", "203.0.113.5").has_value());  // no 2nd mail
  auto mails = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mails.has_value());
  std::vector<Notification> resets;
  for (const Notification& n : *mails) {
    if (n.reason == "password_reset") resets.push_back(n);
  }
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0].address, "c1@a.test");
  const std::size_t at = resets[0].body.find("/invite/");
  ASSERT_NE(at, std::string::npos);
  const std::string token = resets[0].body.substr(at + 8, resets[0].body.find('\n', at) - at - 8);

  auto info = auth.PeekInvitation(token);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->purpose, "reset");
  auto reset = auth.AcceptInvitation(token, "a brand new long password", "203.0.113.5", kUa);
  ASSERT_TRUE(reset.has_value()) << reset.error().message;
  EXPECT_FALSE(auth.Authenticate(session->session_token, "x").has_value());
  EXPECT_TRUE(auth.Authenticate(reset->session_token, "x").has_value());
  EXPECT_FALSE(auth.AcceptInvitation(token, "another long password", "x", kUa).has_value());
  w.clock.Advance(std::chrono::hours(2));
  ASSERT_TRUE(auth.RequestPasswordReset("c1@a.test", "203.0.113.5").has_value());
}

TEST(Passwords, AResetLinkStillInTheInboxDiesWhenTheOwnerChangesTheirPassword) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(auth.RequestPasswordReset("c1@a.test", "203.0.113.5").has_value());
  auto mails = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mails.has_value());
  std::string token;
  for (const Notification& n : *mails) {
    const std::size_t at = n.body.find("/invite/");
    if (n.reason == "password_reset" && at != std::string::npos) {
      token = n.body.substr(at + 8, n.body.find('\n', at) - at - 8);
    }
  }
  ASSERT_FALSE(token.empty());
  auto session = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(session.has_value());
  auto actor = auth.Authenticate(session->session_token, "198.51.100.7");
  ASSERT_TRUE(actor.has_value());
  ASSERT_TRUE(auth.ChangePassword(*actor, kPassword, "my newly chosen passphrase").has_value());

  auto late = auth.AcceptInvitation(token, "someone else's passphrase", "203.0.113.9", kUa);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(auth.Login("c1@a.test", "my newly chosen passphrase", "x", kUa).has_value());
}

TEST(Csrf, TheTokenIsStoredOnlyAsAHashAndSurvivesAReload) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto login = auth.Login("c1@a.test", kPassword, "198.51.100.7", kUa);
  ASSERT_TRUE(login.has_value());
  auto stored = w.store->FindSessionByTokenHash(Blake2b256Hex(login->session_token));
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->csrf_hash, login->csrf_token);
  EXPECT_EQ(stored->csrf_hash, Blake2b256Hex(login->csrf_token));
  // A reload asks /session again: the same token comes back from the cookie alone.
  auto actor = auth.Authenticate(login->session_token, "x");
  ASSERT_TRUE(actor.has_value());
  EXPECT_EQ(actor->csrf_token, login->csrf_token);
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
  EXPECT_EQ(Failures(w, {"", "", "198.51.100.7"}), 0);
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
  EXPECT_EQ(w.AuditCount("session_expired"), 1);
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
  EXPECT_EQ(w.AuditCount("logout"), 1);
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
  auto link = auth.CreateInvitation(w.As(w.t1), created->user.id, LinkDelivery::kInPerson);
  EXPECT_TRUE(link.has_value()) << link.error().message;
  return {created->user.id, link.value_or(InvitationLink{})};
}

TEST(Invitations, ByEmailTheAnswerHoldsNoTokenAndTheLinkGoesOnlyToThePerson) {
  World w;
  AuthOptions options = testing::FastAuth();
  options.link_base_url = "https://rapport.clinic.example";
  AuthService auth(*w.store, w.clock, options);
  ClinicService clinic(*w.store, w.clock, options);
  auto created = clinic.CreateClient(w.As(w.t1), {"Nia Newcomer", "nia@a.test", "", "", 0});
  ASSERT_TRUE(created.has_value());
  auto link = auth.CreateInvitation(w.As(w.t1), created->user.id);
  ASSERT_TRUE(link.has_value()) << link.error().message;
  EXPECT_TRUE(link->token.empty());
  EXPECT_TRUE(link->path.empty());
  EXPECT_EQ(link->delivery, LinkDelivery::kEmail);
  auto mail = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mail.has_value());
  ASSERT_EQ(mail->size(), 1u);
  EXPECT_EQ(mail->front().address, "nia@a.test");
  EXPECT_EQ(mail->front().reason, "invitation");
  const std::size_t at = mail->front().body.find("https://rapport.clinic.example/invite/");
  ASSERT_NE(at, std::string::npos) << mail->front().body;
  const std::string token =
      mail->front().body.substr(at + 38, mail->front().body.find('\n', at) - at - 38);
  EXPECT_TRUE(auth.PeekInvitation(token).has_value());
}

TEST(Invitations, AnAdminInvitesStaffButNeverAClientOrGuardian) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  auto therapist =
      clinic.CreateUser(w.As(w.admin), {"new.t@a.test", "Tam New", Role::kTherapist, "", 0});
  ASSERT_TRUE(therapist.has_value()) << therapist.error().message;
  ASSERT_TRUE(therapist->invitation.has_value());
  EXPECT_TRUE(therapist->invitation->token.empty());  // by e-mail, not to the admin
  auto created = clinic.CreateClient(w.As(w.t1), {"Nia Newcomer", "nia@a.test", "", "", 0});
  ASSERT_TRUE(created.has_value());
  for (LinkDelivery how : {LinkDelivery::kEmail, LinkDelivery::kInPerson}) {
    auto refused = auth.CreateInvitation(w.As(w.admin), created->user.id, how);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  }
}

TEST(Invitations, AcceptanceIsAuditedWithWhoCreatedTheLinkAndHowItWasDelivered) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  ASSERT_TRUE(auth.AcceptInvitation(invited.link.token, "a brand new passphrase", "x", kUa));
  const auto entries = w.Audit();
  const auto accepted = std::find_if(entries.begin(), entries.end(),
                                     [](const AuditEntry& e) { return e.action == "accept"; });
  ASSERT_NE(accepted, entries.end());
  EXPECT_EQ(accepted->detail, "created by user " + std::to_string(w.t1) + ", delivered in_person");
  auto first = w.store->FindFirstAcceptedInvitation(invited.user);
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->delivery, "in_person");
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
  EXPECT_EQ(w.AuditCount("accept"), 1);
}

TEST(Invitations, OnceOneLinkIsAcceptedNoOtherLinkOfTheAccountSetsAPassword) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  // A second link, handed over in person too, before either was used.
  auto second = auth.CreateInvitation(w.As(w.t1), invited.user, LinkDelivery::kInPerson);
  ASSERT_TRUE(second.has_value()) << second.error().message;

  auto accepted = auth.AcceptInvitation(invited.link.token, "the owner's own passphrase", "x", kUa);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;

  auto taken = auth.AcceptInvitation(second->token, "someone else's passphrase", "y", kUa);
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(auth.Login("nia@a.test", "the owner's own passphrase", "x", kUa).has_value());
  EXPECT_FALSE(auth.Login("nia@a.test", "someone else's passphrase", "y", kUa).has_value());
  EXPECT_TRUE(auth.Authenticate(accepted->session_token, "x").has_value());
}

TEST(Invitations, AnInvitationNeverReplacesAPasswordTheOwnerChose) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  // The password is set some other way meanwhile (here straight in the store, as a reset that
  // ran between the link being read and used would).
  const std::string owners = *HashPassword("the owner's own passphrase", HashCost::kMinimal);
  ASSERT_TRUE(
      w.store->Write([&](WriteTxn& txn) { return txn.SetPasswordHash(invited.user, owners); })
          .has_value());

  auto taken = auth.AcceptInvitation(invited.link.token, "someone else's passphrase", "y", kUa);
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(taken.error().message.find("already has a password"), std::string::npos);
  EXPECT_EQ(*w.store->GetPasswordHash(invited.user), owners);
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

TEST(Invitations, TheStatusSaysPendingWithItsExpiryThenExpiredThenAcceptedAfterResending) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  const Invited invited = InviteNewClient(w, auth);
  auto pending = auth.GetInvitationStatus(w.As(w.t1), invited.user);
  ASSERT_TRUE(pending.has_value()) << pending.error().message;
  EXPECT_EQ(pending->state, InvitationState::kPending);
  EXPECT_EQ(pending->sent_at, w.clock.Now());
  EXPECT_EQ(pending->expires_at, invited.link.expires_at);
  EXPECT_EQ(pending->delivery, "in_person");
  EXPECT_FALSE(pending->can_sign_in);

  w.clock.Advance(std::chrono::days(8));
  EXPECT_EQ(auth.GetInvitationStatus(w.As(w.t1), invited.user)->state, InvitationState::kExpired);

  // Sent again by e-mail: the newest invitation is the one that counts.
  ASSERT_TRUE(auth.CreateInvitation(w.As(w.t1), invited.user, LinkDelivery::kEmail).has_value());
  auto resent = auth.GetInvitationStatus(w.As(w.t1), invited.user);
  EXPECT_EQ(resent->state, InvitationState::kPending);
  EXPECT_EQ(resent->delivery, "email");
  EXPECT_EQ(resent->sent_at, w.clock.Now());

  // Strangers learn nothing; an admin does not see a client's invitation.
  EXPECT_EQ(auth.GetInvitationStatus(w.As(w.t2), invited.user).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(auth.GetInvitationStatus(w.As(w.admin), invited.user).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(auth.GetInvitationStatus(w.As(w.c1), invited.user).error().code,
            ErrorCode::kPermissionDenied);
}

TEST(Invitations, AreRefusedForSomeoneWhoAlreadyHasAPassword) {
  World w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto result = auth.CreateInvitation(w.As(w.t1), w.c1, LinkDelivery::kInPerson);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Invitations, TherapistMayInviteTheGuardianOfTheirChildClient) {
  World w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  auto added = clinic.AddGuardian(w.As(w.t1), w.k1,
                                  {"Pat Parent", "pat@a.test", LinkDelivery::kInPerson, ""});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  ASSERT_TRUE(added->invitation.has_value());
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto info = auth.PeekInvitation(added->invitation->token);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->role, Role::kGuardian);
  // A fresh link for the same guardian (not yet accepted) from the same therapist is fine; t2
  // may not.
  const UserId guardian = w.store->ListRecordsWithEmail(w.clinic_a, "pat@a.test")->at(0).id;
  EXPECT_TRUE(auth.CreateInvitation(w.As(w.t1), guardian).has_value());
  EXPECT_EQ(auth.CreateInvitation(w.As(w.t2), guardian).error().code, ErrorCode::kNotFound);
}

TEST(RetryAfter, IsReadOnlyFromResourceExhaustedErrors) {
  Error error = Error::ResourceExhausted("slow down");
  error.fields.push_back({std::string(kRetryAfterField), "42"});
  EXPECT_EQ(RetryAfterSeconds(error), 42);
  EXPECT_EQ(RetryAfterSeconds(Error::Unauthenticated("no")), std::nullopt);
}

}  // namespace
}  // namespace rapport
