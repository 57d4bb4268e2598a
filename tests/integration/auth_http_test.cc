// Sign-in, sessions and CSRF over HTTP: the cookie's flags, the problem bodies, lockout,
// idle timeout, and that a write without the right CSRF token stores nothing.

#include "http_fixture.h"

namespace rapport::testing {
namespace {

TEST_F(HttpTest, LoginSetsAStrictHttpOnlyCookieAndReturnsTheCsrfToken) {
  StartServer();
  Browser browser(port_);
  HttpReply reply = browser.Login("t1@a.test", std::string(kPassword));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const std::string cookie = reply.Header("set-cookie");
  EXPECT_EQ(cookie.rfind("rapport_session=", 0), 0u);
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP, no trusted proxy
  Json body = reply.json();
  EXPECT_EQ(body["user"]["id"], world_.t1);
  EXPECT_EQ(body["user"]["role"], "therapist");
  EXPECT_EQ(body["user"]["email"], "t1@a.test");
  EXPECT_EQ(body["user"]["display_name"], "Tara One");
  EXPECT_EQ(body["user"]["clinic_id"], world_.clinic_a);
  EXPECT_FALSE(body["csrf_token"].get<std::string>().empty());
  EXPECT_EQ(reply.Header("cache-control"), "no-store");
}

TEST_F(HttpTest, LoginRemembersTheBrowserInALongLivedDeviceCookieForSignInOnly) {
  StartServer();
  HttpReply reply = Send(port_, "POST", "/api/v1/auth/login",
                         Json{{"email", "t1@a.test"}, {"password", kPassword}}.dump(),
                         {{"Content-Type", "application/json"}});
  ASSERT_EQ(reply.status, 200u);
  EXPECT_NE(reply.Header("set-cookie").find("\nrapport_device="), std::string::npos);
  EXPECT_NE(reply.Header("set-cookie").find("; Path=/api/v1/auth; Max-Age=15552000"),
            std::string::npos);
}

TEST_F(HttpTest, APasswordChangeEndsTheOtherSessionsAndAResetAnswersAlikeForEveryAddress) {
  StartServer();
  Browser phone = SignedIn("c1@a.test");
  Browser laptop = SignedIn("c1@a.test");
  HttpReply common = laptop.Post(
      "/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "password1234"}});
  EXPECT_EQ(common.status, 400u);
  EXPECT_NE(common.body.find("new_password"), std::string::npos) << common.body;
  HttpReply changed =
      laptop.Post("/api/v1/me/password",
                  {{"current_password", kPassword}, {"new_password", "a brand new long one"}});
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(phone.Get("/api/v1/me").status, 401u);
  EXPECT_EQ(laptop.Get("/api/v1/me").status, 200u);

  const auto reset = [&](const std::string& email) {
    return Send(port_, "POST", "/api/v1/auth/password-reset", Json{{"email", email}}.dump(),
                {{"Content-Type", "application/json"}});
  };
  HttpReply known = reset("c2@a.test");
  HttpReply unknown = reset("nobody@a.test");
  EXPECT_EQ(known.status, 202u);
  EXPECT_EQ(unknown.status, 202u);
  EXPECT_EQ(known.body, unknown.body);
}

TEST_F(HttpTest, OnlyAnAdminUnlocksAnAccountThatMustWait) {
  StartServer();
  for (int i = 0; i < 7; ++i) Browser(port_).Login("c1@a.test", "wrong password, sorry");
  EXPECT_EQ(Browser(port_).Login("c1@a.test", std::string(kPassword)).status, 429u);
  Browser therapist = SignedIn("t1@a.test");
  const std::string unlock = "/api/v1/users/" + std::to_string(world_.c1) + "/unlock";
  EXPECT_EQ(therapist.Post(unlock, Json::object()).status, 403u);
  Browser admin = SignedIn("admin@a.test");
  EXPECT_EQ(admin.Post(unlock, Json::object()).status, 204u);
  EXPECT_EQ(Browser(port_).Login("c1@a.test", std::string(kPassword)).status, 200u);
}

TEST_F(HttpTest, MeRecoversTheCsrfTokenAfterAReload) {
  StartServer();
  Browser browser = SignedIn("c1@a.test");
  HttpReply me = browser.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.json()["user"]["id"], world_.c1);
  EXPECT_EQ(me.json()["csrf_token"], browser.csrf());
}

TEST_F(HttpTest, CookieIsSecureBehindATrustedTlsProxyOnly) {
  options_.trust_proxy_headers = true;
  StartServer();
  HttpReply reply = Send(port_, "POST", "/api/v1/auth/login",
                         Json{{"email", "t1@a.test"}, {"password", kPassword}}.dump(),
                         {{"Content-Type", "application/json"}, {"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(reply.status, 200u);
  EXPECT_NE(reply.Header("set-cookie").find("; Secure"), std::string::npos);
}

TEST_F(HttpTest, ForwardedProtoIsIgnoredWithoutTrust) {
  StartServer();
  HttpReply reply = Send(port_, "POST", "/api/v1/auth/login",
                         Json{{"email", "t1@a.test"}, {"password", kPassword}}.dump(),
                         {{"Content-Type", "application/json"}, {"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.Header("set-cookie").find("Secure"), std::string::npos);
}

TEST_F(HttpTest, WrongPasswordIs401ProblemWithoutCookie) {
  StartServer();
  Browser browser(port_);
  HttpReply wrong = browser.Login("t1@a.test", "not the password at all");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.Header("content-type"), "application/problem+json");
  EXPECT_EQ(wrong.json()["status"], 401);
  EXPECT_TRUE(wrong.Header("set-cookie").empty());
  // An unknown email reads exactly the same.
  HttpReply unknown = browser.Login("nobody@a.test", "not the password at all");
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(unknown.json()["detail"], wrong.json()["detail"]);
}

TEST_F(HttpTest, RepeatedFailuresLockTheAccountWith429AndRetryAfter) {
  StartServer();
  Browser browser(port_);
  HttpReply last;
  for (int i = 0; i <= auth_.options().max_account_failures; ++i) {
    last = browser.Login("t2@a.test", "wrong password number " + std::to_string(i));
  }
  // Locked now: even the right password is refused, with a hint when to retry.
  HttpReply locked = browser.Login("t2@a.test", std::string(kPassword));
  EXPECT_EQ(locked.status, 429u) << locked.body;
  EXPECT_EQ(locked.Header("content-type"), "application/problem+json");
  EXPECT_GT(std::stoi(locked.Header("retry-after").empty() ? "0" : locked.Header("retry-after")),
            0);
  // Once the failures age out, the right password works again.
  world_.clock.Advance(auth_.options().failure_window + std::chrono::minutes(1));
  EXPECT_EQ(browser.Login("t2@a.test", std::string(kPassword)).status, 200u);
}

TEST_F(HttpTest, WithoutSessionApiRoutesAre401) {
  StartServer();
  for (const char* target : {"/api/v1/me", "/api/v1/clients", "/api/v1/audit"}) {
    HttpReply reply = Send(port_, "GET", target);
    EXPECT_EQ(reply.status, 401u) << target;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << target;
  }
  HttpReply forged = Send(port_, "GET", "/api/v1/me", "", {{"Cookie", "rapport_session=forged"}});
  EXPECT_EQ(forged.status, 401u);
}

TEST_F(HttpTest, IdleSessionExpires) {
  StartServer();
  Browser browser = SignedIn("t1@a.test");
  world_.clock.Advance(auth_.options().idle_timeout - std::chrono::minutes(1));
  EXPECT_EQ(browser.Get("/api/v1/me").status, 200u);  // activity keeps it alive
  world_.clock.Advance(auth_.options().idle_timeout - std::chrono::minutes(1));
  EXPECT_EQ(browser.Get("/api/v1/me").status, 200u);
  world_.clock.Advance(auth_.options().idle_timeout + std::chrono::minutes(1));
  HttpReply expired = browser.Get("/api/v1/me");
  EXPECT_EQ(expired.status, 401u);
  // The browser is told to forget the dead cookie.
  EXPECT_NE(expired.Header("set-cookie").find("Max-Age=0"), std::string::npos);
}

std::size_t ClientCount(World& world, UserId therapist) {
  auto episodes = world.store->ListEpisodesOfTherapist(therapist);
  return episodes ? episodes->size() : 0;
}

TEST_F(HttpTest, WritesWithoutTheRightCsrfTokenAre403AndStoreNothing) {
  StartServer();
  Browser browser = SignedIn("t1@a.test");
  const std::size_t before = ClientCount(world_, world_.t1);
  const Json body = {{"display_name", "New Person"}, {"email", "new.person@a.test"}};
  HttpReply missing = browser.Call("POST", "/api/v1/clients", body, /*with_csrf=*/false);
  EXPECT_EQ(missing.status, 403u);
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
  HttpReply wrong = browser.Call("POST", "/api/v1/clients", body, /*with_csrf=*/false,
                                 {{"X-CSRF-Token", "not-the-token"}});
  EXPECT_EQ(wrong.status, 403u);
  HttpReply other_method = browser.Call("PATCH", "/api/v1/episodes/" + std::to_string(world_.e_c1),
                                        Json{{"status", "active"}},
                                        /*with_csrf=*/false);
  EXPECT_EQ(other_method.status, 403u);
  HttpReply logout = browser.Call("POST", "/api/v1/auth/logout", std::nullopt, false);
  EXPECT_EQ(logout.status, 403u);
  EXPECT_EQ(ClientCount(world_, world_.t1), before);
  EXPECT_TRUE(world_.store->ListRecordsWithEmail(world_.clinic_a, "new.person@a.test")->empty());
  auto episode = world_.store->GetEpisode(world_.e_c1);
  ASSERT_TRUE(episode.has_value());
  EXPECT_EQ(episode->status, EpisodeStatus::kIntake);
  // With the token the same write goes through.
  EXPECT_EQ(browser.Post("/api/v1/clients", body).status, 201u);
  EXPECT_EQ(world_.store->ListRecordsWithEmail(world_.clinic_a, "new.person@a.test")->size(), 1u);
}

TEST_F(HttpTest, LogoutEndsTheSessionAndClearsTheCookie) {
  StartServer();
  Browser browser = SignedIn("t1@a.test");
  HttpReply logout = browser.Post("/api/v1/auth/logout", Json::object());
  EXPECT_EQ(logout.status, 204u);
  EXPECT_NE(logout.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(browser.Get("/api/v1/me").status, 401u);
}

TEST_F(HttpTest, UserListsAndEndsTheirOwnSessions) {
  StartServer();
  Browser laptop = SignedIn("t1@a.test");
  Browser phone = SignedIn("t1@a.test");
  HttpReply list = laptop.Get("/api/v1/auth/sessions");
  ASSERT_EQ(list.status, 200u);
  ASSERT_EQ(list.json().size(), 2u);
  std::int64_t other = 0;
  for (const Json& s : list.json()) {
    if (!s["current"].get<bool>()) other = s["id"].get<std::int64_t>();
  }
  ASSERT_NE(other, 0);
  EXPECT_EQ(laptop.Delete("/api/v1/auth/sessions/" + std::to_string(other)).status, 204u);
  EXPECT_EQ(phone.Get("/api/v1/me").status, 401u);
  EXPECT_EQ(laptop.Get("/api/v1/me").status, 200u);
  // Someone else's session is not found, however it is named.
  Browser t2 = SignedIn("t2@a.test");
  auto t2_sessions = t2.Get("/api/v1/auth/sessions").json();
  const auto t2_id = t2_sessions[0]["id"].get<std::int64_t>();
  EXPECT_EQ(laptop.Delete("/api/v1/auth/sessions/" + std::to_string(t2_id)).status, 404u);
  EXPECT_EQ(t2.Get("/api/v1/me").status, 200u);
}

TEST_F(HttpTest, InvitationLinkLetsAClientChooseAPasswordAndSignIn) {
  StartServer();
  Browser therapist = SignedIn("t1@a.test");
  HttpReply created = therapist.Post("/api/v1/clients",
                                     {{"display_name", "Ines Invited"}, {"email", "ines@a.test"}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto id = created.json()["id"].get<std::int64_t>();
  // By e-mail (the default) the therapist gets no link at all.
  HttpReply mailed = therapist.Call(
      "POST", "/api/v1/clients/" + std::to_string(id) + "/invitations", std::nullopt);
  ASSERT_EQ(mailed.status, 201u) << mailed.body;
  EXPECT_EQ(mailed.json()["delivery"], "email");
  EXPECT_FALSE(mailed.json().contains("url")) << mailed.body;
  HttpReply invitation = therapist.Post("/api/v1/clients/" + std::to_string(id) + "/invitations",
                                        {{"delivery", "in_person"}});
  ASSERT_EQ(invitation.status, 201u) << invitation.body;
  EXPECT_EQ(invitation.json()["delivery"], "in_person");
  const std::string url = invitation.json()["url"];
  ASSERT_EQ(url.rfind("/invite/", 0), 0u);
  const std::string token = url.substr(8);
  HttpReply peek = Send(port_, "GET", "/api/v1/invitations/" + token);
  ASSERT_EQ(peek.status, 200u);
  EXPECT_EQ(peek.json()["email"], "ines@a.test");
  // Accepting needs no CSRF token (there is no session yet).
  HttpReply accepted = Send(port_, "POST", "/api/v1/invitations/" + token + "/accept",
                            Json{{"password", "a long enough password"}}.dump(),
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_EQ(accepted.json()["user"]["email"], "ines@a.test");
  EXPECT_NE(accepted.Header("set-cookie").find("rapport_session="), std::string::npos);
  Browser ines(port_);
  EXPECT_EQ(ines.Login("ines@a.test", "a long enough password").status, 200u);
  // Single use.
  HttpReply again = Send(port_, "POST", "/api/v1/invitations/" + token + "/accept",
                         Json{{"password", "another long password"}}.dump(),
                         {{"Content-Type", "application/json"}});
  EXPECT_GE(again.status, 400u);
  EXPECT_LT(again.status, 500u);
}

}  // namespace
}  // namespace rapport::testing
