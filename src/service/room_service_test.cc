#include "service/room_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

constexpr std::int64_t kMinute = 60 * 1000;

class RoomServiceTest : public ::testing::Test {
 protected:
  RoomServiceTest() : rooms_(*w_.store, w_.clock, Ice()) {
    SetModality(w_.a_c1, Modality::kVideo);
    SetModality(w_.a_k1, Modality::kVideo);
  }

  static IceConfig Ice() {
    IceConfig ice;
    ice.stun_urls = {"stun:127.0.0.1:3478"};
    ice.turn_urls = {"turn:127.0.0.1:3478?transport=udp"};
    ice.turn_secret = "room-secret";
    ice.turn_ttl_seconds = 600;
    return ice;
  }

  void SetModality(AppointmentId id, Modality modality) {
    auto appointment = w_.store->GetAppointment(id);
    ASSERT_TRUE(appointment.has_value());
    appointment->modality = modality;
    ASSERT_TRUE(w_.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(*appointment); })
                    .has_value());
  }

  // Moves the clock to `offset` from the appointment's start.
  void At(AppointmentId id, std::int64_t offset) {
    const Timestamp start = w_.store->GetAppointment(id)->starts_at;
    w_.clock.Set(start + offset);
  }

  World w_;
  RoomService rooms_;
};

TEST_F(RoomServiceTest, TheClientAndTheTherapistEnterFromTenMinutesBeforeTheStart) {
  At(w_.a_c1, -11 * kMinute);
  auto early = rooms_.Enter(w_.As(w_.c1), w_.a_c1);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  auto look = rooms_.Look(w_.As(w_.c1), w_.a_c1);
  ASSERT_TRUE(look.has_value());
  EXPECT_FALSE(look->open);
  EXPECT_NE(look->closed_reason.find("ten minutes"), std::string::npos);
  EXPECT_EQ(look->window.opens_at, look->appointment.starts_at - 10 * kMinute);

  At(w_.a_c1, -10 * kMinute);
  auto client = rooms_.Enter(w_.As(w_.c1), w_.a_c1);
  ASSERT_TRUE(client.has_value()) << client.error().message;
  EXPECT_EQ(client->part, RoomPart::kClient);
  EXPECT_EQ(client->name, "Cleo Client");
  EXPECT_EQ(client->therapist_name, "Tara One");
  EXPECT_TRUE(client->guests.empty());
  auto therapist = rooms_.Enter(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(therapist.has_value());
  EXPECT_EQ(therapist->part, RoomPart::kTherapist);
  EXPECT_EQ(w_.AuditCount("enter", "room"), 2);
}

TEST_F(RoomServiceTest, NobodyElseEntersAndStrangersAreTreatedAsIfTheRoomDidNotExist) {
  At(w_.a_c1, 0);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.c2), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.t2), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.tb), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.g1), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.c1), 424242).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.Enter(w_.As(w_.supervisor), w_.a_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w_.AuditCount("enter", "room"), 0);
  EXPECT_GE(w_.AuditCount("denied", "episode") + w_.AuditCount("denied", "appointment"), 4);
}

TEST_F(RoomServiceTest, AnInPersonAppointmentHasNoRoom) {
  At(w_.a_c2, 0);
  const auto entered = rooms_.Enter(w_.As(w_.c2), w_.a_c2);
  ASSERT_FALSE(entered.has_value());
  EXPECT_NE(entered.error().message.find("in person"), std::string::npos);
}

TEST_F(RoomServiceTest, AGuardianEntersAChildsRoomOnlyWhenTheTherapistInvitedThem) {
  At(w_.a_k1, -5 * kMinute);
  const auto uninvited = rooms_.Enter(w_.As(w_.g1), w_.a_k1);
  ASSERT_FALSE(uninvited.has_value());
  EXPECT_EQ(uninvited.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(rooms_.InviteGuardian(w_.As(w_.k1), w_.a_k1, w_.g1).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(rooms_.InviteGuardian(w_.As(w_.g1), w_.a_k1, w_.g1).error().code,
            ErrorCode::kFailedPrecondition)
      << "an uninvited guardian cannot invite themself";
  const auto wrong = rooms_.InviteGuardian(w_.As(w_.t1), w_.a_k1, w_.g2);
  ASSERT_FALSE(wrong.has_value());
  ASSERT_EQ(wrong.error().fields.size(), 1u);
  EXPECT_EQ(wrong.error().fields[0].field, "guardian_id");
  EXPECT_TRUE(w_.store->ListRoomGuests(w_.a_k1)->empty());

  const auto invited = rooms_.InviteGuardian(w_.As(w_.t1), w_.a_k1, w_.g1);
  ASSERT_TRUE(invited.has_value()) << invited.error().message;
  ASSERT_EQ(invited->guests.size(), 1u);
  EXPECT_EQ(invited->guests[0].name, "Gina Guardian");
  const auto guardian = rooms_.Enter(w_.As(w_.g1), w_.a_k1);
  ASSERT_TRUE(guardian.has_value()) << guardian.error().message;
  EXPECT_EQ(guardian->part, RoomPart::kGuardian);
  EXPECT_TRUE(guardian->guests.empty()) << "only the therapist sees the guest list";
  EXPECT_EQ(rooms_.Enter(w_.As(w_.g2), w_.a_k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w_.AuditCount("invite", "room"), 1);
}

TEST_F(RoomServiceTest, TheTherapistRecordsTheSessionsStartAndEndOnTheEpisode) {
  At(w_.a_c1, 2 * kMinute);
  EXPECT_EQ(rooms_.SessionStarted(w_.As(w_.c1), w_.a_c1).error().code,
            ErrorCode::kPermissionDenied);
  const auto started = rooms_.SessionStarted(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(started.has_value()) << started.error().message;
  EXPECT_EQ(started->started_at, w_.clock.Now());
  EXPECT_EQ(started->modality, Modality::kVideo);
  EXPECT_EQ(started->episode_id, w_.e_c1);
  w_.clock.Advance(std::chrono::minutes(48));
  const auto ended = rooms_.SessionEnded(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->ended_at, w_.clock.Now());

  const auto sessions = rooms_.SessionsOfEpisode(w_.As(w_.t1), w_.e_c1);
  ASSERT_TRUE(sessions.has_value());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].appointment_id, w_.a_c1);
  EXPECT_EQ(rooms_.SessionsOfEpisode(w_.As(w_.t2), w_.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w_.AuditCount("start", "room_session"), 1);
  EXPECT_EQ(w_.AuditCount("end", "room_session"), 1);
  const auto look = rooms_.Look(w_.As(w_.c1), w_.a_c1);
  ASSERT_TRUE(look.has_value());
  ASSERT_TRUE(look->session.has_value());
  EXPECT_TRUE(look->session->ended_at.has_value());
}

TEST_F(RoomServiceTest, EachPersonGetsTheirOwnShortLivedTurnCredential) {
  At(w_.a_c1, 0);
  const auto client = rooms_.Enter(w_.As(w_.c1), w_.a_c1);
  const auto therapist = rooms_.Enter(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(client.has_value());
  ASSERT_TRUE(therapist.has_value());
  const Json& turn = client->ice["ice_servers"][1];
  const std::string expiry = std::to_string(w_.clock.Now() / 1000 + 600);
  EXPECT_EQ(turn["username"], expiry + ":" + std::to_string(w_.c1));
  EXPECT_EQ(turn["credential"], HmacSha1Base64("room-secret", turn["username"].get<std::string>()));
  EXPECT_NE(therapist->ice["ice_servers"][1]["username"], turn["username"]);
}

TEST_F(RoomServiceTest, AClientsHeldSessionsAreSeenByThoseWithClinicalAccessOnly) {
  At(w_.a_c1, 1 * kMinute);
  ASSERT_TRUE(rooms_.SessionStarted(w_.As(w_.t1), w_.a_c1).has_value());
  const auto mine = rooms_.SessionsOfClient(w_.As(w_.t1), w_.c1);
  ASSERT_TRUE(mine.has_value()) << mine.error().message;
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].client_id, w_.c1);
  EXPECT_EQ((*mine)[0].therapist_id, w_.t1);
  EXPECT_FALSE((*mine)[0].session.ended_at.has_value());
  EXPECT_EQ(rooms_.SessionsOfClient(w_.As(w_.c1), w_.c1)->size(), 1u);
  EXPECT_EQ(rooms_.SessionsOfClient(w_.As(w_.supervisor), w_.c1)->size(), 1u);
  EXPECT_EQ(rooms_.SessionsOfClient(w_.As(w_.t2), w_.c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.SessionsOfClient(w_.As(w_.tb), w_.c1).error().code, ErrorCode::kNotFound);

  const auto one = rooms_.HeldSessionOf(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->session.appointment_id, w_.a_c1);
  EXPECT_EQ(rooms_.HeldSessionOf(w_.As(w_.c2), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.HeldSessionOf(w_.As(w_.t1), w_.a_k1).error().code, ErrorCode::kNotFound)
      << "no session was held there";
}

SignalSummary Figures(double strength, double lag_seconds) {
  SignalSummary summary;
  summary.settled_steps = 6000;
  summary.both_steps = 5900;
  summary.movement.windows = 117;
  summary.movement.strength = strength;
  summary.movement.peak_lag_seconds = lag_seconds;
  summary.movement.leader = lag_seconds > 0 ? SyncLeader::kTherapist : SyncLeader::kClient;
  summary.talk.talk_ms = {180000, 120000};
  summary.talk.client_share = 0.4;
  summary.talk.turns = {40, 39};
  summary.talk.mean_turn_ms = {4500, 3100};
  summary.talk.median_latency_ms = {600, std::numeric_limits<double>::quiet_NaN()};
  summary.typed.style_matching = std::numeric_limits<double>::quiet_NaN();
  return summary;
}

TEST_F(RoomServiceTest, TheSummaryHoldsTheKeptFiguresTheReactionsAndTheClientsEarlierSessions) {
  // An earlier session of the same episode, with its own figures.
  Appointment before = *w_.store->GetAppointment(w_.a_c1);
  before.id = 0;
  before.starts_at -= 7 * 24 * 60 * kMinute;
  AppointmentId earlier = 0;
  ASSERT_TRUE(w_.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(earlier, txn.InsertAppointment(before));
                    return Ok();
                  })
                  .has_value());
  w_.clock.Set(before.starts_at + kMinute);
  ASSERT_TRUE(
      rooms_.SaveSignals(w_.As(w_.t1), earlier, w_.clock.Now(), Figures(0.3, -0.4)).has_value());

  At(w_.a_c1, 2 * kMinute);
  const Timestamp origin = w_.clock.Now();
  EXPECT_EQ(rooms_.SaveSignals(w_.As(w_.c1), w_.a_c1, origin, Figures(0.5, 0.8)).error().code,
            ErrorCode::kPermissionDenied);
  w_.clock.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(rooms_.SaveSignals(w_.As(w_.t1), w_.a_c1, origin, Figures(0.5, 0.8)).has_value());
  EXPECT_EQ(rooms_.RecordReaction(w_.As(w_.t1), w_.a_c1, Reaction::kHelped).error().code,
            ErrorCode::kPermissionDenied);
  const auto reaction = rooms_.RecordReaction(w_.As(w_.c1), w_.a_c1, Reaction::kNotRight);
  ASSERT_TRUE(reaction.has_value());
  EXPECT_EQ(reaction->at, w_.clock.Now());

  const auto summary = rooms_.SummaryOf(w_.As(w_.t1), w_.a_c1);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  ASSERT_TRUE(summary->signals.has_value());
  EXPECT_EQ(summary->signals->origin, origin);
  const Json& figures = summary->signals->figures;
  EXPECT_EQ(figures["movement_synchrony"]["strength"], 0.5);
  EXPECT_EQ(figures["movement_synchrony"]["peak_lag_seconds"], 0.8);
  EXPECT_EQ(figures["movement_synchrony"]["leader"], "therapist");
  EXPECT_EQ(figures["talk_share"]["client"], 0.4);
  EXPECT_EQ(figures["turns"]["median_latency_seconds"]["therapist"], 0.6);
  EXPECT_TRUE(figures["turns"]["median_latency_seconds"]["client"].is_null());
  EXPECT_TRUE(figures["typed"].is_null()) << "nothing was typed";
  EXPECT_EQ(figures["settled_seconds"], 600.0);
  ASSERT_EQ(summary->reactions.size(), 1u);
  EXPECT_EQ(summary->reactions[0].kind, Reaction::kNotRight);
  EXPECT_EQ(summary->earlier_strengths, std::vector<double>{0.3});

  EXPECT_TRUE(rooms_.SummaryOf(w_.As(w_.c1), w_.a_c1).has_value()) << "the client's own";
  EXPECT_EQ(rooms_.SummaryOf(w_.As(w_.c2), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rooms_.SummaryOf(w_.As(w_.t2), w_.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w_.AuditCount("record", "session_signals"), 2);
  EXPECT_EQ(w_.AuditCount("create", "session_reaction"), 1);
}

}  // namespace
}  // namespace rapport
