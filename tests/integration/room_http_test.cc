// A session's room over real sockets: who may open it and when, the waiting room and admission,
// WebRTC signals and chat passed between two admitted people only, a dropped connection coming
// back, the therapist ending the session, and malformed, oversized, out-of-order or binary
// messages refused without changing anything stored. Real server on port 0, real SQLite store.

#include <algorithm>
#include <random>
#include <vector>

#include "http/asio.h"
#include "http_fixture.h"
#include "room_page.h"
#include "test_socket.h"

namespace rapport::testing {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;

class RoomHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    for (AppointmentId id : {world_.a_c1, world_.a_k1}) {
      auto appointment = world_.store->GetAppointment(id);
      ASSERT_TRUE(appointment.has_value());
      appointment->modality = Modality::kVideo;
      ASSERT_TRUE(
          world_.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(*appointment); })
              .has_value());
    }
    // Five minutes before Cleo's appointment.
    world_.clock.Set(world_.store->GetAppointment(world_.a_c1)->starts_at - 5 * kMinute);
    StartServer();
  }

  std::string Upgrade(AppointmentId appointment, const std::string& extra) {
    return SendRaw(
               port_,
               "GET " + RoomPage::RoomPath(appointment) +
                   " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                   "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                   extra + "\r\n")
        .data;
  }

  std::string Status(AppointmentId appointment, const Browser& browser) {
    const std::string reply = Upgrade(appointment, "Cookie: " + browser.cookie() + "\r\n");
    return reply.substr(0, reply.find("\r\n"));
  }

  int AuditCount(std::string_view action, std::string_view type) {
    const auto entries = world_.Audit();
    return static_cast<int>(std::count_if(entries.begin(), entries.end(), [&](const AuditEntry& e) {
      return e.action == action && e.record_type == type;
    }));
  }

  // Therapist and client in Cleo's room, the client admitted; returns after both know it.
  void BothIn(RoomPage& therapist, RoomPage& client) {
    ASSERT_TRUE(therapist.open());
    ASSERT_TRUE(client.open());
    ASSERT_FALSE(therapist.Hello().is_null());
    const Json welcome = client.Hello();
    ASSERT_EQ(welcome["you"]["presence"], "waiting");
    therapist.Say({{"type", "admit"}, {"user", world_.c1}});
    ASSERT_FALSE(client.NextOf("admitted").is_null());
    ASSERT_FALSE(therapist.NextOf("session").is_null());
  }
};

TEST_F(RoomHttpTest, TheClientWaitsUntilAdmittedAndThenTheTwoSignalAndChatOnlyWithEachOther) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  ASSERT_TRUE(therapist.open()) << therapist.status();
  const Json welcome = therapist.Hello();
  ASSERT_FALSE(welcome.is_null());
  EXPECT_EQ(welcome["you"]["part"], "therapist");
  EXPECT_EQ(welcome["you"]["presence"], "admitted");
  EXPECT_EQ(welcome["appointment"]["modality"], "video");
  EXPECT_EQ(welcome["ice"]["ice_servers"][1]["username"].get<std::string>().substr(10),
            ":" + std::to_string(world_.t1));

  RoomPage client(port_, cleo, world_.a_c1);
  const Json waiting = client.Hello();
  EXPECT_EQ(waiting["you"]["part"], "client");
  EXPECT_EQ(waiting["you"]["presence"], "waiting");
  Json seen = therapist.NextOf("room");
  while (!seen.is_null() && seen["members"].size() < 2) seen = therapist.NextOf("room");
  ASSERT_EQ(seen["members"].size(), 2u);
  EXPECT_EQ(seen["members"][1]["name"], "Cleo Client");
  EXPECT_EQ(seen["members"][1]["presence"], "waiting");

  // Waiting, the client can neither signal nor write.
  const Json offer = {
      {"description", {{"type", "offer"}, {"sdp", "v=0\r\no=- 1 2 IN IP4 0.0.0.0"}}}};
  client.Say({{"type", "signal"}, {"to", world_.t1}, {"signal", offer}});
  Json refused = client.NextOf("error");
  EXPECT_EQ(refused["code"], "not_allowed");
  EXPECT_EQ(refused["field"], "to");
  client.Say({{"type", "chat"}, {"text", "hello?"}});
  EXPECT_EQ(client.NextOf("error")["code"], "not_allowed");
  // Nor can the client admit anyone.
  client.Say({{"type", "admit"}, {"user", world_.c1}});
  EXPECT_EQ(client.NextOf("error")["code"], "not_allowed");
  EXPECT_FALSE(world_.store->GetRoomSession(world_.a_c1)->has_value());

  therapist.Say({{"type", "admit"}, {"user", world_.c1}});
  EXPECT_FALSE(client.NextOf("admitted").is_null());
  const Json started = therapist.NextOf("session");
  ASSERT_FALSE(started.is_null());
  const auto session = world_.store->GetRoomSession(world_.a_c1);
  ASSERT_TRUE(session.has_value() && session->has_value());
  EXPECT_EQ((*session)->started_at, world_.clock.Now());
  EXPECT_EQ((*session)->modality, Modality::kVideo);

  client.Say({{"type", "signal"}, {"to", world_.t1}, {"signal", offer}});
  const Json relayed = therapist.NextOf("signal");
  EXPECT_EQ(relayed["from"], world_.c1);
  EXPECT_EQ(relayed["signal"], offer);
  const Json answer = {{"description", {{"type", "answer"}, {"sdp", "v=0"}}}};
  therapist.Say({{"type", "signal"}, {"to", world_.c1}, {"signal", answer}});
  EXPECT_EQ(client.NextOf("signal")["signal"], answer);

  client.Say({{"type", "chat"}, {"text", "Can you hear me?"}});
  const Json chat = therapist.NextOf("chat");
  EXPECT_EQ(chat["text"], "Can you hear me?");
  EXPECT_EQ(chat["name"], "Cleo Client");
  EXPECT_EQ(chat["from"], world_.c1);
  EXPECT_EQ(client.NextOf("chat")["text"], "Can you hear me?") << "the sender sees it too";
}

TEST_F(RoomHttpTest, OnlyTheClientTheTherapistAndAnInvitedGuardianOpenARoomAndOnlyWhenItIsOpen) {
  EXPECT_TRUE(Upgrade(world_.a_c1, "").starts_with("HTTP/1.1 401 "));
  Browser tara = SignedIn("t1@a.test");
  EXPECT_TRUE(
      Upgrade(world_.a_c1, "Cookie: " + tara.cookie() + "\r\nOrigin: https://evil.example\r\n")
          .starts_with("HTTP/1.1 403 "));
  EXPECT_EQ(Status(world_.a_c1, SignedIn("c2@a.test")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Status(world_.a_c1, SignedIn("t2@a.test")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Status(world_.a_c1, SignedIn("tb@b.test")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Status(world_.a_c1, SignedIn("sup@a.test")), "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(Status(world_.a_c2, SignedIn("c2@a.test")), "HTTP/1.1 409 Conflict")
      << "an in-person appointment has no room";

  // Kit's room (a child): the guardian only once invited, and only for that appointment.
  world_.clock.Set(world_.store->GetAppointment(world_.a_k1)->starts_at - 2 * kMinute);
  Browser gina = SignedIn("g1@a.test");
  EXPECT_EQ(Status(world_.a_k1, gina), "HTTP/1.1 409 Conflict");
  HttpReply wrong =
      tara.Post("/api/v1/appointments/" + std::to_string(world_.a_k1) + "/room/guests",
                {{"guardian_id", world_.g2}});
  EXPECT_EQ(wrong.status, 400u) << wrong.body;
  EXPECT_TRUE(wrong.NamesField("guardian_id")) << wrong.body;
  HttpReply invited =
      tara.Post("/api/v1/appointments/" + std::to_string(world_.a_k1) + "/room/guests",
                {{"guardian_id", world_.g1}});
  ASSERT_EQ(invited.status, 201u) << invited.body;
  EXPECT_EQ(invited.json()["guests"][0]["name"], "Gina Guardian");
  RoomPage guardian(port_, gina, world_.a_k1);
  ASSERT_TRUE(guardian.open()) << guardian.status();
  EXPECT_EQ(guardian.Hello()["you"]["part"], "guardian");

  // Too early: the page learns when the room opens instead.
  world_.clock.Set(world_.store->GetAppointment(world_.a_c1)->starts_at - 11 * kMinute);
  Browser cleo = SignedIn("c1@a.test");
  EXPECT_EQ(Status(world_.a_c1, cleo), "HTTP/1.1 409 Conflict");
  HttpReply look = cleo.Get("/api/v1/appointments/" + std::to_string(world_.a_c1) + "/room");
  ASSERT_EQ(look.status, 200u) << look.body;
  EXPECT_FALSE(look.json()["open"].get<bool>());
  EXPECT_EQ(look.json()["opens_at"],
            FormatIso8601(world_.store->GetAppointment(world_.a_c1)->starts_at - 10 * kMinute));
  EXPECT_EQ(look.json()["part"], "client");
  EXPECT_EQ(look.json()["ice"]["ice_servers"][1]["credential"].get<std::string>().size(), 28u);
  EXPECT_EQ(AuditCount("enter", "room"), 1) << "only the guardian came in";
}

TEST_F(RoomHttpTest, ADroppedConnectionComesBackAdmittedAndTheSessionGoesOn) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  const Timestamp started = world_.clock.Now();
  {
    RoomPage client(port_, cleo, world_.a_c1);
    BothIn(therapist, client);
    client.Drop();
  }
  Json gone;
  for (int i = 0; i < 5 && gone.is_null(); ++i) {
    const Json room = therapist.NextOf("room");
    ASSERT_FALSE(room.is_null());
    if (!room["members"][1]["connected"].get<bool>()) gone = room;
  }
  EXPECT_EQ(gone["members"][1]["presence"], "admitted");

  world_.clock.Advance(std::chrono::minutes(1));
  RoomPage back(port_, cleo, world_.a_c1);
  const Json welcome = back.Hello();
  EXPECT_EQ(welcome["you"]["presence"], "admitted") << "no second wait";
  back.Say({{"type", "chat"}, {"text", "Sorry, my wifi dropped."}});
  EXPECT_EQ(therapist.NextOf("chat")["text"], "Sorry, my wifi dropped.");
  EXPECT_EQ((*world_.store->GetRoomSession(world_.a_c1))->started_at, started);
  EXPECT_EQ(AuditCount("start", "room_session"), 1);
}

TEST_F(RoomHttpTest, TheTherapistEndsTheSessionAndTheEpisodeShowsItsStartEndAndModality) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  RoomPage client(port_, cleo, world_.a_c1);
  BothIn(therapist, client);
  client.Say({{"type", "end"}});
  EXPECT_EQ(client.NextOf("error")["code"], "not_allowed");

  world_.clock.Advance(std::chrono::minutes(50));
  therapist.Say({{"type", "end"}});
  EXPECT_FALSE(client.NextOf("ended").is_null());
  EXPECT_FALSE(therapist.NextOf("ended").is_null());
  EXPECT_EQ(client.Next(), "");
  EXPECT_TRUE(client.ended_by_server());

  // Fifty minutes idle ended the browser's sign-in; the therapist signs in again.
  HttpReply sessions =
      SignedIn("t1@a.test")
          .Get("/api/v1/episodes/" + std::to_string(world_.e_c1) + "/room-sessions");
  ASSERT_EQ(sessions.status, 200u) << sessions.body;
  const Json list = sessions.json();
  ASSERT_EQ(list["sessions"].size(), 1u);
  const Json& held = list["sessions"][0];
  EXPECT_EQ(held["modality"], "video");
  EXPECT_EQ(held["ended_at"], FormatIso8601(world_.clock.Now()));
  EXPECT_EQ(held["started_at"], FormatIso8601(world_.clock.Now() - 50 * kMinute));
  EXPECT_EQ(SignedIn("c2@a.test")
                .Get("/api/v1/episodes/" + std::to_string(world_.e_c1) + "/room-sessions")
                .status,
            404u);
}

TEST_F(RoomHttpTest, MalformedOversizedOutOfOrderAndBinaryMessagesAreRefusedAndChangeNothing) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  RoomPage client(port_, cleo, world_.a_c1);
  BothIn(therapist, client);
  const auto before_audit = world_.Audit().size();
  const auto before_session = world_.store->GetRoomSession(world_.a_c1);

  client.Send("not json");
  EXPECT_EQ(client.NextOf("error")["code"], "invalid");
  client.Send(R"({"type":"signal","seq":100,"to":1,"signal":{"media":"frame"}})");
  Json bad = client.NextOf("error");
  EXPECT_EQ(bad["code"], "invalid");
  EXPECT_EQ(bad["field"], "signal");
  client.Send(R"({"type":"chat","seq":101,"text":"first"})");
  EXPECT_EQ(therapist.NextOf("chat")["text"], "first");
  client.Send(R"({"type":"chat","seq":101,"text":"replayed"})");
  Json replay = client.NextOf("error");
  EXPECT_EQ(replay["code"], "out_of_order");
  EXPECT_EQ(replay["seq"], 101);
  client.Send(R"({"type":"chat","seq":50,"text":"late"})");
  EXPECT_EQ(client.NextOf("error")["code"], "out_of_order");
  client.Send(R"({"type":"hello","seq":102,"csrf":"again"})");
  EXPECT_EQ(client.NextOf("error")["field"], "type");
  // The therapist saw none of the refused messages: the next thing they get is this.
  client.Send(R"({"type":"chat","seq":103,"text":"second"})");
  EXPECT_EQ(therapist.NextOf("chat")["text"], "second");

  // Media has no way in: a binary frame closes the socket (1003), and so does a frame over
  // the limit (1009).
  client.SendBinary(std::string(1000, '\x01'));
  EXPECT_EQ(client.NextOf("anything"), nullptr);
  EXPECT_TRUE(client.ended_by_server());
  EXPECT_EQ(client.close_code(), 1003);
  RoomPage again(port_, cleo, world_.a_c1);
  ASSERT_FALSE(again.Hello().is_null());
  again.Send(R"({"type":"chat","seq":5,"text":")" + std::string(kMaxRoomMessageBytes, 'a') +
             R"("})");
  EXPECT_EQ(again.NextOf("anything"), nullptr);
  EXPECT_TRUE(again.ended_by_server());
  EXPECT_EQ(again.close_code(), 1009);

  // Nothing stored changed but the second entry into the room.
  const auto after = world_.Audit();
  ASSERT_EQ(after.size(), before_audit + 1);
  EXPECT_EQ(after.back().action, "enter");
  const auto after_session = world_.store->GetRoomSession(world_.a_c1);
  EXPECT_EQ((*after_session)->started_at, (*before_session)->started_at);
  EXPECT_FALSE((*after_session)->ended_at.has_value());
}

// Movement as each device would measure it: smooth, in [0, 1], the client's the therapist's
// `delay` steps later.
std::vector<double> Movement(int steps, int delay, bool follower) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise;
  std::vector<double> leader(static_cast<std::size_t>(steps + delay));
  double a = 0;
  for (double& m : leader) {
    a = 0.85 * a + noise(rng);
    m = std::clamp(0.3 + 0.05 * a, 0.0, 1.0);
  }
  std::vector<double> out(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    out[static_cast<std::size_t>(i)] = leader[static_cast<std::size_t>(follower ? i : i + delay)];
  }
  return out;
}

TEST_F(RoomHttpTest, ConsentedSignalsGiveTheTherapistALiveStripAndTheSessionASummary) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  RoomPage client(port_, cleo, world_.a_c1);
  BothIn(therapist, client);

  // Nothing counts before both agree.
  const Json early = {{"type", "features"}, {"t", 0}, {"motion", {0.1}}, {"voice", {1}}};
  client.Say(early);
  EXPECT_EQ(client.NextOf("error")["code"], "not_allowed");
  client.Say({{"type", "clock"}, {"sent", 1234}});
  const Json clock = client.NextOf("clock");
  EXPECT_EQ(clock["sent"], 1234);
  EXPECT_EQ(clock["server"], world_.clock.Now());

  therapist.Say({{"type", "consent"}, {"given", true}});
  EXPECT_EQ(client.NextOf("signals")["consent"]["therapist"], true);
  client.Say({{"type", "consent"}, {"given", true}});
  Json on = therapist.NextOf("signals");
  while (!on.is_null() && !on["on"].get<bool>()) on = therapist.NextOf("signals");
  ASSERT_FALSE(on.is_null());
  EXPECT_EQ(on["strip"], false) << "the strip is off until the therapist turns it on";
  therapist.Say({{"type", "strip"}, {"on", true}});
  Json strip_on = client.NextOf("signals");
  while (!strip_on.is_null() && !strip_on["strip"].get<bool>()) {
    strip_on = client.NextOf("signals");
  }
  EXPECT_FALSE(strip_on.is_null()) << "the client is told the therapist sees a live strip";

  // 40 seconds of features, a second at a time: the client moves 0.8 s after the therapist; the
  // therapist speaks 30 of every 50 steps, the client 15 (in the therapist's silences).
  const Timestamp origin = world_.clock.Now() - world_.clock.Now() % 100;
  constexpr int kSteps = 400;
  const std::vector<double> moves_t = Movement(kSteps, 8, false);
  const std::vector<double> moves_c = Movement(kSteps, 8, true);
  // The two sockets are read independently, so each second waits for the strip its two frames
  // settle: a side more than three seconds ahead of the other would count the other as missing.
  Json strip;
  for (int second = 0; second < kSteps / 10; ++second) {
    world_.clock.Set(origin + (second + 1) * 1000);
    for (const bool is_therapist : {true, false}) {
      Json motion = Json::array();
      Json voice = Json::array();
      for (int i = second * 10; i < second * 10 + 10; ++i) {
        motion.push_back((is_therapist ? moves_t : moves_c)[static_cast<std::size_t>(i)]);
        const int phase = i % 50;
        voice.push_back(is_therapist ? (phase < 30 ? 1 : 0) : (phase >= 33 && phase < 48 ? 1 : 0));
      }
      (is_therapist ? therapist : client)
          .Say({{"type", "features"},
                {"t", origin + second * 1000},
                {"motion", std::move(motion)},
                {"voice", std::move(voice)}});
    }
    strip = therapist.NextOf("strip");
    ASSERT_FALSE(strip.is_null()) << "no live strip after second " << second;
  }
  client.Say({{"type", "reaction"}, {"kind", "helped"}});
  EXPECT_EQ(client.NextOf("reaction")["kind"], "helped");
  // The client's messages are handled in order: once its chat is through, so is its reaction.
  client.Say({{"type", "chat"}, {"text", "that was useful"}});
  Json reaction;
  for (int i = 0; i < 20; ++i) {
    const std::string text = therapist.Next();
    ASSERT_FALSE(text.empty()) << "the chat never reached the therapist";
    const Json message = Json::parse(text);
    if (message["type"] == "reaction") reaction = message;
    if (message["type"] == "chat") break;
  }
  ASSERT_FALSE(strip.is_null()) << "no live strip reading reached the therapist";
  EXPECT_NEAR(strip["lag_seconds"].get<double>(), 0.8, 1e-9);
  EXPECT_EQ(strip["leader"], "therapist");
  EXPECT_GT(strip["sync"].get<double>(), 0.9);
  EXPECT_NEAR(strip["client_share"].get<double>(), 1.0 / 3.0, 0.02);
  ASSERT_FALSE(reaction.is_null()) << "the therapist sees the client's reaction at once";
  EXPECT_EQ(reaction["kind"], "helped");

  // A frame from further ahead than five seconds is refused whole and counts nothing.
  client.Say(
      {{"type", "features"}, {"t", world_.clock.Now() + 10000}, {"motion", {0.5}}, {"voice", {1}}});
  EXPECT_EQ(client.NextOf("error")["field"], "t");

  world_.clock.Advance(std::chrono::seconds(5));
  therapist.Say({{"type", "end"}});
  ASSERT_FALSE(therapist.NextOf("ended").is_null());

  HttpReply reply =
      SignedIn("t1@a.test")
          .Get("/api/v1/appointments/" + std::to_string(world_.a_c1) + "/session-summary");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const Json summary = reply.json();
  EXPECT_EQ(summary["modality"], "video");
  EXPECT_EQ(summary["signals"]["consented"], true);
  EXPECT_EQ(summary["signals"]["both_seconds"], 40.0) << "steps from both devices";
  const Json& movement = summary["movement_synchrony"];
  ASSERT_TRUE(movement.is_object()) << summary.dump();
  EXPECT_NEAR(movement["peak_lag_seconds"].get<double>(), 0.8, 1e-9);
  EXPECT_EQ(movement["leader"], "therapist");
  EXPECT_GT(movement["strength"].get<double>(), 0.9);
  EXPECT_EQ(movement["earlier_sessions"], 0);
  EXPECT_NEAR(summary["talk_share"]["client"].get<double>(), 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(summary["talk_share"]["therapist"].get<double>(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(summary["turns"]["client"], 8);
  EXPECT_EQ(summary["turns"]["therapist"], 8);
  EXPECT_NEAR(summary["turns"]["median_latency_seconds"]["client"].get<double>(), 0.3, 1e-9);
  EXPECT_NEAR(summary["turns"]["median_latency_seconds"]["therapist"].get<double>(), 0.2, 1e-9);
  EXPECT_EQ(summary["typed"]["messages"]["client"], 1);
  ASSERT_EQ(summary["reactions"].size(), 1u);
  EXPECT_EQ(summary["reactions"][0]["kind"], "helped");
  EXPECT_EQ(AuditCount("create", "session_reaction"), 1);

  // The figures as FHIR Observations of the session's Encounter.
  HttpReply fhir = SignedIn("t1@a.test")
                       .Get("/fhir/Observation?subject=Patient/" + std::to_string(world_.c1) +
                            "&code=movement-synchrony");
  ASSERT_EQ(fhir.status, 200u) << fhir.body;
  const Json bundle = fhir.json();
  ASSERT_EQ(bundle["total"], 1) << bundle.dump();
  const Json& observation = bundle["entry"][0]["resource"];
  EXPECT_EQ(observation["encounter"]["reference"], "Encounter/" + std::to_string(world_.a_c1));
  EXPECT_EQ(observation["status"], "final");
  EXPECT_GT(observation["valueQuantity"]["value"].get<double>(), 0.9);
  EXPECT_NEAR(observation["component"][0]["valueQuantity"]["value"].get<double>(), 0.8, 1e-9);

  EXPECT_EQ(SignedIn("c2@a.test")
                .Get("/api/v1/appointments/" + std::to_string(world_.a_c1) + "/session-summary")
                .status,
            404u);
}

TEST_F(RoomHttpTest, EitherPersonPausesTheSignalsAndOnlyTheyResumeThem) {
  Browser tara = SignedIn("t1@a.test");
  Browser cleo = SignedIn("c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  RoomPage client(port_, cleo, world_.a_c1);
  BothIn(therapist, client);
  therapist.Say({{"type", "consent"}, {"given", true}});
  client.Say({{"type", "consent"}, {"given", true}});
  client.Say({{"type", "pause"}, {"paused", true}});
  Json paused = therapist.NextOf("signals");
  while (!paused.is_null() && paused["paused_by"].is_null()) paused = therapist.NextOf("signals");
  ASSERT_FALSE(paused.is_null());
  EXPECT_EQ(paused["paused_by"], "client");
  EXPECT_EQ(paused["on"], false);

  const Timestamp t = world_.clock.Now() - world_.clock.Now() % 100;
  therapist.Say({{"type", "features"}, {"t", t}, {"motion", {0.2}}, {"voice", {1}}});
  EXPECT_EQ(therapist.NextOf("error")["code"], "not_allowed") << "nothing counts while paused";
  therapist.Say({{"type", "pause"}, {"paused", false}});
  Json refused = therapist.NextOf("error");
  EXPECT_EQ(refused["field"], "paused");
  client.Say({{"type", "pause"}, {"paused", false}});
  Json resumed = therapist.NextOf("signals");
  while (!resumed.is_null() && !resumed["on"].get<bool>()) resumed = therapist.NextOf("signals");
  EXPECT_FALSE(resumed.is_null());
  // The therapist cannot react for the client, and a guardian's or stranger's word is not asked.
  therapist.Say({{"type", "reaction"}, {"kind", "helped"}});
  EXPECT_EQ(therapist.NextOf("error")["code"], "not_allowed");
  EXPECT_TRUE(world_.store->ListSessionReactions(world_.a_c1)->empty());
}

}  // namespace
}  // namespace rapport::testing
