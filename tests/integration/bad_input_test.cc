// Bad input over HTTP: every malformed body gets a 4xx problem with field errors, and nothing
// is stored; hostile-looking text is stored verbatim and comes back as inert JSON text.

#include "http_fixture.h"

namespace rapport::testing {
namespace {

class BadInputTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
    therapist_ = std::make_unique<Browser>(SignedIn("t1@a.test"));
    clients_before_ = CountUsers();
  }

  std::size_t CountUsers() {
    auto users = world_.store->ListUsers(world_.clinic_a);
    return users ? users->size() : 0;
  }

  HttpReply PostRaw(const std::string& target, const std::string& body,
                    const std::string& content_type = "application/json") {
    return Send(port_, "POST", target, body,
                {{"Cookie", therapist_->cookie()},
                 {"X-CSRF-Token", therapist_->csrf()},
                 {"Content-Type", content_type}});
  }

  std::unique_ptr<Browser> therapist_;
  std::size_t clients_before_ = 0;
};

TEST_F(BadInputTest, MalformedJsonIs400Problem) {
  for (const char* body : {"{", "{\"display_name\": }", "not json", "", "[1,2", "\xff\xfe"}) {
    HttpReply reply = PostRaw("/api/v1/clients", body);
    EXPECT_EQ(reply.status, 400u) << body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << body;
  }
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, NonObjectJsonIs400) {
  for (const char* body : {"[]", "42", "\"text\"", "null"}) {
    EXPECT_EQ(PostRaw("/api/v1/clients", body).status, 400u) << body;
  }
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, WrongContentTypeIs415) {
  HttpReply reply =
      PostRaw("/api/v1/clients", R"({"display_name":"Form Post","email":"form@a.test"})",
              "application/x-www-form-urlencoded");
  EXPECT_EQ(reply.status, 415u);
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
  EXPECT_EQ(
      PostRaw("/api/v1/clients", R"({"display_name":"T","email":"t@a.test"})", "text/plain").status,
      415u);
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, WrongTypesMissingAndUnknownFieldsAreNamed) {
  HttpReply wrong_types = PostRaw("/api/v1/clients", R"({"display_name": 12, "email": ["x"]})");
  EXPECT_EQ(wrong_types.status, 400u);
  EXPECT_EQ(wrong_types.ErrorFields(), (std::vector<std::string>{"display_name", "email"}));

  HttpReply missing = PostRaw("/api/v1/clients", R"({"display_name": "No Email"})");
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.ErrorFields(), (std::vector<std::string>{"email"}));

  HttpReply unknown =
      PostRaw("/api/v1/clients", R"({"display_name":"U","email":"u@a.test","is_admin":true})");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.ErrorFields(), (std::vector<std::string>{"is_admin"}));

  HttpReply bad_email = PostRaw("/api/v1/clients", R"({"display_name":"B","email":"nope"})");
  EXPECT_EQ(bad_email.status, 400u);
  EXPECT_EQ(bad_email.ErrorFields(), (std::vector<std::string>{"email"}));
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, AppointmentFieldsAreCheckedBeforeAnythingIsStored) {
  const std::string target = "/api/v1/episodes/" + std::to_string(world_.e_c1) + "/appointments";
  auto before = world_.store->ListAppointmentsOfEpisode(world_.e_c1);
  ASSERT_TRUE(before.has_value());
  HttpReply reply = PostRaw(target, R"({"starts_at":"next tuesday","duration_minutes":"fifty",
                                        "modality":"carrier pigeon"})");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.ErrorFields(),
            (std::vector<std::string>{"starts_at", "duration_minutes", "modality"}));
  HttpReply too_long = PostRaw(target, R"({"starts_at":"2026-06-02T10:00:00Z",
                                           "duration_minutes":5000,"modality":"video"})");
  EXPECT_EQ(too_long.status, 400u);
  EXPECT_EQ(too_long.ErrorFields(), (std::vector<std::string>{"duration_minutes"}));
  auto after = world_.store->ListAppointmentsOfEpisode(world_.e_c1);
  EXPECT_EQ(after->size(), before->size());
}

TEST_F(BadInputTest, OversizeBodyIs413AndStoresNothing) {
  std::string name(2u << 20, 'a');
  HttpReply reply =
      PostRaw("/api/v1/clients", R"({"display_name":")" + name + R"(","email":"big@a.test"})");
  EXPECT_EQ(reply.status, 413u);
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, OverlongFieldIs400) {
  std::string name(5000, 'a');
  HttpReply reply =
      PostRaw("/api/v1/clients", R"({"display_name":")" + name + R"(","email":"long@a.test"})");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{"display_name"}));
  EXPECT_EQ(CountUsers(), clients_before_);
}

TEST_F(BadInputTest, SqlAndScriptLikeTextIsStoredVerbatimAndReturnedAsText) {
  const std::string sql = "Robert'); DROP TABLE users;--";
  const std::string script = "<script>alert('x')</script> & \"quotes\"";
  HttpReply created = therapist_->Post(
      "/api/v1/clients",
      {{"display_name", sql}, {"email", "bobby@a.test"}, {"preferred_name", script}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto id = created.json()["id"].get<std::int64_t>();
  HttpReply fetched = therapist_->Get("/api/v1/clients/" + std::to_string(id));
  ASSERT_EQ(fetched.status, 200u);
  EXPECT_EQ(fetched.Header("content-type"), "application/json");
  EXPECT_EQ(fetched.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(fetched.json()["display_name"], sql);
  EXPECT_EQ(fetched.json()["preferred_name"], script);
  // The store still works and holds the text as given.
  auto user = world_.store->GetUser(id);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->display_name, sql);
  EXPECT_EQ(CountUsers(), clients_before_ + 1);
  // As a login email it is merely wrong.
  Browser browser(port_);
  EXPECT_EQ(browser.Login("' OR 1=1 --", "x").status, 400u);
}

TEST_F(BadInputTest, BadQueryParametersAre400) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply reply = admin.Get("/api/v1/audit?limit=ten");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{"limit"}));
  HttpReply from = therapist_->Get("/api/v1/appointments?from=yesterday");
  EXPECT_EQ(from.status, 400u);
  EXPECT_EQ(from.ErrorFields(), (std::vector<std::string>{"from"}));
}

TEST_F(BadInputTest, AnAuditSearchNamesTheFieldItCannotUse) {
  Browser admin = SignedIn("admin@a.test");
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"client=abc", "client"},
           {"client=" + std::to_string(world_.t1), "client"},
           {"person=" + std::to_string(world_.tb), "person"},
           {"from=last%20week", "from"},
           {"from=2026-06-02&to=2026-06-01", "to"}}) {
    HttpReply reply = admin.Get("/api/v1/audit?" + query);
    EXPECT_EQ(reply.status, 400u) << query;
    EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{field})) << query << reply.body;
  }
}

TEST_F(BadInputTest, ContactDetailsThatCannotBeUsedAreRefusedByFieldAndChangeNothing) {
  const std::string contact = "/api/v1/clients/" + std::to_string(world_.c1) + "/contact";
  ASSERT_EQ(therapist_->Call("PUT", contact, Json{{"phone", "020 7946 0958"}}).status, 200u);
  HttpReply reply = therapist_->Call(
      "PUT", contact, Json{{"phone", "ring me"}, {"emergency_contact", {{"name", "Ana"}}}});
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{"phone", "emergency_contact/phone"}));
  EXPECT_EQ(therapist_->Get(contact).json()["phone"], "020 7946 0958");
}

// Input that parses but is not what anyone meant: a time zone no place uses, a date before 1970
// and a name that reverses its own end on screen. Each names its field; nothing is stored.
TEST_F(BadInputTest, PlausibleLookingTimesAndNamesThatAreNotAreRefusedByField) {
  const std::string appointments =
      "/api/v1/episodes/" + std::to_string(world_.e_c1) + "/appointments";
  const auto before = world_.store->ListAppointmentsOfEpisode(world_.e_c1)->size();
  for (const char* when : {"2026-12-10T10:00:00+99:99", "1969-07-20T20:17:00Z"}) {
    HttpReply reply = therapist_->Post(
        appointments, {{"starts_at", when}, {"duration_minutes", 50}, {"modality", "video"}});
    EXPECT_EQ(reply.status, 400u) << when << ": " << reply.body;
    EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{"starts_at"})) << when;
    EXPECT_EQ(reply.body.find("is required"), std::string::npos) << when << ": " << reply.body;
  }
  EXPECT_EQ(world_.store->ListAppointmentsOfEpisode(world_.e_c1)->size(), before);

  HttpReply reversed = therapist_->Post(
      "/api/v1/clients", {{"display_name", "Alex \u202Enagrom"}, {"email", "rlo@a.test"}});
  EXPECT_EQ(reversed.status, 400u) << reversed.body;
  EXPECT_EQ(reversed.ErrorFields(), (std::vector<std::string>{"display_name"}));
  EXPECT_EQ(CountUsers(), clients_before_);
}

}  // namespace
}  // namespace rapport::testing
