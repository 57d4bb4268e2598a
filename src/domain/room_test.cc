#include "domain/room.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/crypto.h"

namespace rapport {
namespace {

constexpr Timestamp kStart = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60 * 1000;

Appointment VideoAppointment() {
  Appointment a;
  a.id = 7;
  a.episode_id = 3;
  a.starts_at = kStart;
  a.duration_minutes = 50;
  a.modality = Modality::kVideo;
  return a;
}

TEST(Room, OpensTenMinutesBeforeTheStartAndClosesAnHourAfterTheEnd) {
  const Appointment a = VideoAppointment();
  EXPECT_FALSE(CheckRoomOpen(a, kStart - 10 * kMinute - 1).has_value());
  EXPECT_TRUE(CheckRoomOpen(a, kStart - 10 * kMinute).has_value());
  EXPECT_TRUE(CheckRoomOpen(a, kStart + 110 * kMinute - 1).has_value());
  const Status closed = CheckRoomOpen(a, kStart + 110 * kMinute);
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Room, InPersonAndCancelledAppointmentsHaveNoRoom) {
  Appointment a = VideoAppointment();
  a.modality = Modality::kInPerson;
  EXPECT_NE(CheckRoomOpen(a, kStart).error().message.find("in person"), std::string::npos);
  a.modality = Modality::kPhone;
  EXPECT_TRUE(CheckRoomOpen(a, kStart).has_value());
  a.modality = Modality::kText;
  EXPECT_TRUE(CheckRoomOpen(a, kStart).has_value());
  a.status = AppointmentStatus::kCancelled;
  EXPECT_FALSE(CheckRoomOpen(a, kStart).has_value());
}

TEST(Room, TheTherapistIsAdmittedOnArrivalAndOthersWait) {
  RoomState room;
  EXPECT_EQ(room.Arrive(2, RoomPart::kClient, "Noor").presence, Presence::kWaiting);
  EXPECT_EQ(room.Arrive(1, RoomPart::kTherapist, "Dr Lee").presence, Presence::kAdmitted);
  EXPECT_FALSE(room.MayExchange(1, 2));
  EXPECT_FALSE(room.SessionUnderWay());
  ASSERT_TRUE(room.Admit(1, 2).has_value());
  EXPECT_TRUE(room.MayExchange(1, 2));
  EXPECT_TRUE(room.MayExchange(2, 1));
  EXPECT_FALSE(room.MayExchange(2, 2));
  EXPECT_TRUE(room.SessionUnderWay());
}

TEST(Room, OnlyThePresentTherapistAdmitsAndOnlySomeoneWaiting) {
  RoomState room;
  room.Arrive(2, RoomPart::kClient, "Noor");
  room.Arrive(3, RoomPart::kGuardian, "Sam");
  EXPECT_EQ(room.Admit(2, 3).error().code, ErrorCode::kPermissionDenied);
  room.Arrive(1, RoomPart::kTherapist, "Dr Lee");
  const Status nobody = room.Admit(1, 99);
  ASSERT_FALSE(nobody.has_value());
  ASSERT_EQ(nobody.error().fields.size(), 1u);
  EXPECT_EQ(nobody.error().fields[0].field, "user");
  ASSERT_TRUE(room.Admit(1, 2).has_value());
  EXPECT_FALSE(room.Admit(1, 2).has_value()) << "already admitted";
  room.Depart(3);
  EXPECT_FALSE(room.Admit(1, 3).has_value()) << "gone from the waiting room";
  room.Depart(1);
  room.Arrive(3, RoomPart::kGuardian, "Sam");
  EXPECT_EQ(room.Admit(1, 3).error().code, ErrorCode::kPermissionDenied)
      << "a therapist who dropped out cannot admit";
}

TEST(Room, AReconnectGoesStraightBackInWithoutWaitingAgain) {
  RoomState room;
  room.Arrive(1, RoomPart::kTherapist, "Dr Lee");
  room.Arrive(2, RoomPart::kClient, "Noor");
  ASSERT_TRUE(room.Admit(1, 2).has_value());
  room.Depart(2);
  EXPECT_FALSE(room.MayExchange(1, 2));
  EXPECT_FALSE(room.SessionUnderWay());
  EXPECT_FALSE(room.Empty());
  EXPECT_EQ(room.Arrive(2, RoomPart::kClient, "Noor").presence, Presence::kAdmitted);
  EXPECT_TRUE(room.MayExchange(1, 2));
  EXPECT_EQ(room.members().size(), 2u);
  room.Depart(1);
  room.Depart(2);
  EXPECT_TRUE(room.Empty());
}

Error ParseError(std::string_view frame) {
  auto parsed = ParseRoomMessage(frame);
  EXPECT_FALSE(parsed.has_value()) << frame;
  return parsed ? Error::Internal("parsed") : parsed.error();
}

std::string FieldOf(std::string_view frame) {
  const Error error = ParseError(frame);
  return error.fields.empty() ? "" : error.fields[0].field;
}

TEST(RoomMessages, ReadEachKindWithItsOwnFields) {
  auto hello = ParseRoomMessage(R"({"type":"hello","seq":0,"csrf":"abc"})");
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->type, RoomMessageType::kHello);
  EXPECT_EQ(hello->csrf, "abc");
  auto admit = ParseRoomMessage(R"({"type":"admit","seq":4,"user":12})");
  ASSERT_TRUE(admit.has_value());
  EXPECT_EQ(admit->user, 12);
  EXPECT_EQ(admit->seq, 4);
  auto offer = ParseRoomMessage(
      R"({"type":"signal","seq":5,"to":2,"signal":{"description":{"type":"offer","sdp":"v=0"}}})");
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->user, 2);
  EXPECT_EQ(offer->signal["description"]["sdp"], "v=0");
  auto candidate = ParseRoomMessage(
      R"({"type":"signal","seq":6,"to":2,"signal":{"candidate":{"candidate":"candidate:1 1 udp 1 10.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}}})");
  ASSERT_TRUE(candidate.has_value());
  EXPECT_TRUE(ParseRoomMessage(R"({"type":"signal","seq":7,"to":2,"signal":{"candidate":null}})")
                  .has_value());
  auto chat = ParseRoomMessage(R"({"type":"chat","seq":8,"text":"Hello there"})");
  ASSERT_TRUE(chat.has_value());
  EXPECT_EQ(chat->text, "Hello there");
  EXPECT_TRUE(ParseRoomMessage(R"({"type":"end","seq":9})").has_value());
}

TEST(RoomMessages, RefuseMalformedOnesNamingTheField) {
  EXPECT_EQ(FieldOf("not json"), "type");
  EXPECT_EQ(FieldOf("[1,2]"), "type");
  EXPECT_EQ(FieldOf(R"({"type":"hello","csrf":"a"})"), "seq");
  EXPECT_EQ(FieldOf(R"({"type":"hello","seq":-1,"csrf":"a"})"), "seq");
  EXPECT_EQ(FieldOf(R"({"type":"hello","seq":"1","csrf":"a"})"), "seq");
  EXPECT_EQ(FieldOf(R"({"type":"video","seq":1})"), "type");
  EXPECT_EQ(FieldOf(R"({"type":"hello","seq":1})"), "csrf");
  EXPECT_EQ(FieldOf(R"({"type":"admit","seq":1,"user":"2"})"), "user");
  EXPECT_EQ(FieldOf(R"({"type":"admit","seq":1,"user":0})"), "user");
  EXPECT_EQ(FieldOf(R"({"type":"end","seq":1,"extra":true})"), "extra");
  EXPECT_EQ(FieldOf(R"({"type":"chat","seq":1,"text":"  \n"})"), "text");
  EXPECT_EQ(
      FieldOf(R"({"type":"chat","seq":1,"text":")" + std::string(kMaxChatBytes + 1, 'a') + R"("})"),
      "text");
  EXPECT_EQ(FieldOf(R"({"type":"signal","seq":1,"signal":{"candidate":null}})"), "to");
  EXPECT_EQ(FieldOf(R"({"type":"signal","seq":1,"to":2})"), "signal");
  EXPECT_EQ(FieldOf(R"({"type":"signal","seq":1,"to":2,"signal":{}})"), "signal");
  EXPECT_EQ(
      FieldOf(R"({"type":"signal","seq":1,"to":2,"signal":{"description":{"type":"offer"}}})"),
      "signal");
  EXPECT_EQ(
      FieldOf(R"({"type":"signal","seq":1,"to":2,"signal":{"description":{"type":"x","sdp":""}}})"),
      "signal");
  EXPECT_EQ(
      FieldOf(R"({"type":"signal","seq":1,"to":2,"signal":{"candidate":{"media":"frames"}}})"),
      "signal");
  EXPECT_EQ(
      FieldOf(R"({"type":"signal","seq":1,"to":2,"signal":{"candidate":null,"description":null}})"),
      "signal");
}

TEST(RoomMessages, ReadTheSignalsMessagesWithTheirValues) {
  const auto clock = ParseRoomMessage(R"({"type":"clock","seq":4,"sent":1700000000123})");
  ASSERT_TRUE(clock.has_value());
  EXPECT_EQ(clock->type, RoomMessageType::kClock);
  EXPECT_EQ(clock->sent, 1700000000123);

  const auto consent = ParseRoomMessage(R"({"type":"consent","seq":5,"given":true})");
  ASSERT_TRUE(consent.has_value());
  EXPECT_EQ(consent->type, RoomMessageType::kConsent);
  EXPECT_TRUE(consent->flag);
  const auto pause = ParseRoomMessage(R"({"type":"pause","seq":6,"paused":false})");
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->type, RoomMessageType::kPause);
  EXPECT_FALSE(pause->flag);
  const auto strip = ParseRoomMessage(R"({"type":"strip","seq":7,"on":true})");
  ASSERT_TRUE(strip.has_value());
  EXPECT_EQ(strip->type, RoomMessageType::kStrip);
  EXPECT_TRUE(strip->flag);

  const auto features = ParseRoomMessage(
      R"({"type":"features","seq":8,"t":1700000000100,"motion":[0.25,null,0],"voice":[1,0,1]})");
  ASSERT_TRUE(features.has_value());
  EXPECT_EQ(features->type, RoomMessageType::kFeatures);
  EXPECT_EQ(features->t, 1700000000100);
  ASSERT_EQ(features->motion.size(), 3u);
  EXPECT_EQ(features->motion[0], 0.25);
  EXPECT_TRUE(std::isnan(features->motion[1]));
  EXPECT_EQ(features->voice, (std::vector<bool>{true, false, true}));

  const auto reaction = ParseRoomMessage(R"({"type":"reaction","seq":9,"kind":"not_right"})");
  ASSERT_TRUE(reaction.has_value());
  EXPECT_EQ(reaction->reaction, Reaction::kNotRight);
}

TEST(RoomMessages, RefuseMalformedSignalsMessagesNamingTheField) {
  EXPECT_EQ(FieldOf(R"({"type":"clock","seq":1})"), "sent");
  EXPECT_EQ(FieldOf(R"({"type":"clock","seq":1,"sent":-5})"), "sent");
  EXPECT_EQ(FieldOf(R"({"type":"consent","seq":1,"given":"yes"})"), "given");
  EXPECT_EQ(FieldOf(R"({"type":"pause","seq":1})"), "paused");
  EXPECT_EQ(FieldOf(R"({"type":"strip","seq":1,"on":1})"), "on");
  EXPECT_EQ(FieldOf(R"({"type":"reaction","seq":1,"kind":"loved"})"), "kind");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":150,"motion":[0],"voice":[0]})"), "t");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":-100,"motion":[0],"voice":[0]})"), "t");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":[],"voice":[]})"), "motion");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":[1.5],"voice":[0]})"), "motion");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":["a"],"voice":[0]})"), "motion");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":[0,0],"voice":[0]})"), "voice");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":[0],"voice":[2]})"), "voice");
  EXPECT_EQ(FieldOf(R"({"type":"features","seq":1,"t":100,"motion":[0],"voice":[0],"video":1})"),
            "video");
  std::string many = R"({"type":"features","seq":1,"t":100,"motion":[0)";
  std::string voices = "[0";
  for (std::size_t i = 1; i <= kMaxFeatureSamples; ++i) {
    many += ",0";
    voices += ",0";
  }
  EXPECT_EQ(FieldOf(many + "],\"voice\":" + voices + "]}"), "motion");
}

TEST(SignalsConsent, RunOnlyWhenTherapistAndClientAgreedAndNobodyPaused) {
  SignalsConsent consent;
  EXPECT_FALSE(consent.on());
  consent.therapist = true;
  EXPECT_FALSE(consent.on());
  consent.client = true;
  EXPECT_TRUE(consent.on());
  consent.paused_by = RoomPart::kClient;
  EXPECT_FALSE(consent.on());
}

TEST(RoomMessages, RefuseAFrameWithBytesAfterItsObjectBehindANul) {
  const std::string frame = std::string(R"({"type":"chat","seq":1,"text":"hi"})") + '\0' + "}\xd0";
  EXPECT_EQ(FieldOf(frame), "type");
  EXPECT_EQ(FieldOf(std::string(R"({"type":"end","seq":1})") + '\0'), "type");
}

TEST(RoomMessages, RefuseAFrameLargerThanTheLimitBeforeParsingIt) {
  const std::string big =
      R"({"type":"chat","seq":1,"text":")" + std::string(kMaxRoomMessageBytes, 'a') + R"("})";
  EXPECT_EQ(ParseError(big).code, ErrorCode::kInvalidArgument);
}

TEST(Turn, CredentialsFollowTheSharedSecretScheme) {
  // 2026-01-01T00:00:00Z plus a day; label "42".
  const TurnCredential turn = MakeTurnCredential("north-secret", "42", 1'767'139'200'000, 86'400);
  EXPECT_EQ(turn.username, "1767225600:42");
  EXPECT_EQ(turn.expires_at, 1'767'225'600'000);
  // base64(HMAC-SHA-1("north-secret", "1767225600:42")), as coturn computes it.
  EXPECT_EQ(turn.credential, "T9rLwpmxP7c8V/PZMomzpDQCn4U=");
}

TEST(Turn, IceServersCarryStunAndShortLivedTurnAndThePolicy) {
  IceConfig config;
  config.stun_urls = {"stun:stun.example.org:3478"};
  Json plain = IceServersJson(config, "5", kStart);
  ASSERT_EQ(plain["ice_servers"].size(), 1u);
  EXPECT_EQ(plain["ice_servers"][0]["urls"][0], "stun:stun.example.org:3478");
  EXPECT_EQ(plain["ice_transport_policy"], "all");
  EXPECT_FALSE(plain.contains("expires_at"));

  config.turn_urls = {"turns:turn.example.org:443?transport=tcp"};
  config.turn_secret = "s3cret";
  config.turn_ttl_seconds = 600;
  config.force_relay = true;
  Json relayed = IceServersJson(config, "5", kStart);
  ASSERT_EQ(relayed["ice_servers"].size(), 2u);
  const Json& turn = relayed["ice_servers"][1];
  EXPECT_EQ(turn["username"], "1800000600:5");
  EXPECT_EQ(turn["credential"], HmacSha1Base64("s3cret", "1800000600:5"));
  EXPECT_EQ(relayed["expires_at"], 1'800'000'600'000);
  EXPECT_EQ(relayed["ice_transport_policy"], "relay");
}

TEST(Turn, OnlyStunAndTurnAddressesAreAccepted) {
  EXPECT_TRUE(CheckIceUrl("stun:stun.example.org:3478").has_value());
  EXPECT_TRUE(CheckIceUrl("turn:127.0.0.1:3478?transport=udp").has_value());
  EXPECT_TRUE(CheckIceUrl("turns:turn.example.org:443?transport=tcp").has_value());
  EXPECT_FALSE(CheckIceUrl("https://turn.example.org").has_value());
  EXPECT_FALSE(CheckIceUrl("stun:").has_value());
  EXPECT_FALSE(CheckIceUrl("turn:a b").has_value());
}

}  // namespace
}  // namespace rapport
