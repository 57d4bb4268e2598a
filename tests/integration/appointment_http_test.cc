// Appointments from the client's side over HTTP: asking to cancel or move, the therapist's
// answer, and the calendar feed a calendar app fetches without a session. Real server on port 0,
// real SQLite store.

#include "http_fixture.h"

namespace rapport::testing {
namespace {

class AppointmentHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
  }
  std::string Requests() {
    return "/api/v1/appointments/" + std::to_string(world_.a_c1) + "/requests";
  }
};

TEST_F(AppointmentHttpTest, AClientAsksToMoveAndTheTherapistMovesIt) {
  Browser client = SignedIn("c1@a.test");
  Browser therapist = SignedIn("t1@a.test");
  HttpReply asked = client.Post(Requests(), {{"kind", "move"}, {"note", "Tuesday afternoon?"}});
  ASSERT_EQ(asked.status, 201u) << asked.body;
  EXPECT_EQ(asked.json()["state"], "pending");
  EXPECT_EQ(asked.json()["notice_hours"], 24);
  const auto id = asked.json()["id"].get<std::int64_t>();

  HttpReply waiting = therapist.Get("/api/v1/appointment-requests");
  ASSERT_EQ(waiting.status, 200u);
  ASSERT_EQ(waiting.json().size(), 1u);
  EXPECT_EQ(waiting.json()[0]["note"], "Tuesday afternoon?");

  const std::string decision = "/api/v1/appointment-requests/" + std::to_string(id) + "/decision";
  HttpReply missing = therapist.Post(decision, {{"accept", true}});
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.ErrorFields(), (std::vector<std::string>{"starts_at"}));
  HttpReply garbled = therapist.Post(decision, {{"accept", true}, {"starts_at", "soon"}});
  EXPECT_EQ(garbled.ErrorFields(), (std::vector<std::string>{"starts_at"}));
  EXPECT_EQ(world_.store->GetAppointmentRequest(id)->state, RequestState::kPending)
      << "a refused answer changes nothing";
  HttpReply moved =
      therapist.Post(decision, {{"accept", true}, {"starts_at", "2026-06-09T14:00:00Z"}});
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(moved.json()["state"], "accepted");
  EXPECT_EQ(client.Get(Requests()).json()[0]["appointment_starts_at"], "2026-06-09T14:00:00.000Z");
}

TEST_F(AppointmentHttpTest, BadRequestsNameTheirFieldAndStrangersAreNotTold) {
  Browser client = SignedIn("c1@a.test");
  EXPECT_EQ(client.Post(Requests(), {{"kind", "skip"}}).ErrorFields(),
            (std::vector<std::string>{"kind"}));
  EXPECT_EQ(client.Post(Requests(), {{"kind", "move"}}).ErrorFields(),
            (std::vector<std::string>{"note"}));
  EXPECT_EQ(SignedIn("g2@a.test").Post(Requests(), {{"kind", "cancel"}}).status, 404u);
  EXPECT_EQ(SignedIn("t2@a.test").Get(Requests()).status, 404u);
  EXPECT_TRUE(world_.store->ListRequestsOfAppointment(world_.a_c1)->empty());
}

TEST_F(AppointmentHttpTest, TheCalendarFeedNeedsNoSessionButItsSecretAndStopsWhenReset) {
  Browser client = SignedIn("c1@a.test");
  HttpReply link = client.Post("/api/v1/calendar-feed", Json::object());
  ASSERT_EQ(link.status, 201u) << link.body;
  const std::string path = link.json()["path"];
  HttpReply feed = Send(port_, "GET", path, "", {});
  ASSERT_EQ(feed.status, 200u) << feed.body;
  EXPECT_NE(feed.body.find("BEGIN:VCALENDAR"), std::string::npos);
  EXPECT_NE(feed.body.find("appointment-" + std::to_string(world_.a_c1) + "@rapport"),
            std::string::npos);
  ASSERT_EQ(client.Post("/api/v1/calendar-feed", Json::object()).status, 201u);
  EXPECT_EQ(Send(port_, "GET", path, "", {}).status, 404u);
}

}  // namespace
}  // namespace rapport::testing
