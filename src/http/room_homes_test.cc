#include "http/room_homes.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

using std::chrono::seconds;

constexpr AppointmentId kRoom = 7;

// Three servers hear the same events in the same order.
struct ThreeServers {
  RoomHomes a{"a"};
  RoomHomes b{"b"};
  RoomHomes c{"c"};
  RoomHomes::Time now{};

  // Each server's answer to a claim, in the order a, b, c.
  std::vector<bool> Claimed(AppointmentId room, const std::string& server) {
    return {a.Claimed(room, server, now), b.Claimed(room, server, now),
            c.Claimed(room, server, now)};
  }
  std::vector<bool> Answered(AppointmentId room, const std::string& server) {
    return {a.Answered(room, server, now), b.Answered(room, server, now),
            c.Answered(room, server, now)};
  }
  void Released(AppointmentId room, const std::string& server) {
    a.Released(room, server, now);
    b.Released(room, server, now);
    c.Released(room, server, now);
  }
};

TEST(RoomHomes, TheFirstClaimHeardMakesItsSenderTheHomeOnEveryServer) {
  ThreeServers servers;
  EXPECT_EQ(servers.Claimed(kRoom, "b"), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(servers.Claimed(kRoom, "c"), (std::vector<bool>{false, true, false}))
      << "the home answers the later claim";
  EXPECT_EQ(servers.a.HomeOf(kRoom), "b");
  EXPECT_EQ(servers.b.HomeOf(kRoom), "b");
  EXPECT_EQ(servers.c.HomeOf(kRoom), "b");
  EXPECT_TRUE(servers.b.HomeOfAny());
  EXPECT_FALSE(servers.a.HomeOfAny());
  EXPECT_FALSE(servers.a.HomeOf(kRoom + 1).has_value()) << "another room has no home yet";
}

TEST(RoomHomes, AHomesAnswerOutweighsAClaimHeardByServersThatDidNotKnowIt) {
  RoomHomes a("a");  // holds the room
  RoomHomes b("b");  // started after the room was claimed: knows nothing of it
  const RoomHomes::Time now{};
  EXPECT_FALSE(a.Claimed(kRoom, "a", now));
  EXPECT_TRUE(a.Claimed(kRoom, "b", now)) << "a answers";
  EXPECT_FALSE(b.Claimed(kRoom, "b", now));
  EXPECT_EQ(b.HomeOf(kRoom), "b") << "b's own claim came first, as far as b heard";
  EXPECT_FALSE(a.Answered(kRoom, "a", now));
  EXPECT_TRUE(b.Answered(kRoom, "a", now))
      << "b gives up what it thought was its own (still waiting on its claim, it holds nothing)";
  EXPECT_EQ(b.HomeOf(kRoom), "a");
  EXPECT_EQ(a.HomeOf(kRoom), "a");
}

TEST(RoomHomes, AServerThatTookARoomAnotherHoldsGivesItUpOnHearingTheAnswer) {
  ThreeServers servers;
  servers.Claimed(kRoom, "b");
  EXPECT_EQ(servers.Answered(kRoom, "c"), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(servers.a.HomeOf(kRoom), "c");
  EXPECT_EQ(servers.b.HomeOf(kRoom), "c");
  EXPECT_FALSE(servers.b.HomeOfAny());
}

TEST(RoomHomes, AReleasedRoomHasNoHomeAndTheNextClaimTakesIt) {
  ThreeServers servers;
  servers.Claimed(kRoom, "a");
  servers.a.Forget(kRoom);
  EXPECT_FALSE(servers.a.HomeOf(kRoom).has_value()) << "the home forgets at once";
  EXPECT_EQ(servers.b.HomeOf(kRoom), "a") << "the others once they hear it";
  servers.Released(kRoom, "a");
  EXPECT_FALSE(servers.b.HomeOf(kRoom).has_value());
  servers.Claimed(kRoom, "c");
  EXPECT_EQ(servers.a.HomeOf(kRoom), "c");
  EXPECT_EQ(servers.b.HomeOf(kRoom), "c");
}

TEST(RoomHomes, AReleaseFromAServerThatIsNotTheHomeChangesNothing) {
  ThreeServers servers;
  servers.Claimed(kRoom, "a");
  servers.Released(kRoom, "b");
  EXPECT_EQ(servers.c.HomeOf(kRoom), "a");
  servers.b.Forget(kRoom);
  EXPECT_EQ(servers.b.HomeOf(kRoom), "a") << "b forgets only its own rooms";
}

TEST(RoomHomes, AServerSilentForTooLongLosesItsRoomsAndOneHeardFromKeepsThem) {
  RoomHomes a("a");
  const RoomHomes::Time start{};
  a.Claimed(1, "b", start);
  a.Claimed(2, "c", start);
  a.Claimed(3, "a", start);
  a.Alive("c", start + seconds(4));
  EXPECT_TRUE(a.Silent(start + seconds(5), seconds(5)).empty()) << "not yet";
  EXPECT_EQ(a.Silent(start + seconds(6), seconds(5)), std::vector<std::string>{"b"});
  EXPECT_FALSE(a.HomeOf(1).has_value());
  EXPECT_EQ(a.HomeOf(2), "c");
  EXPECT_EQ(a.HomeOf(3), "a") << "a server is never silent to itself";
  EXPECT_TRUE(a.Silent(start + seconds(7), seconds(5)).empty()) << "b is told of once";
  a.Alive("b", start + seconds(8));
  EXPECT_EQ(a.Silent(start + seconds(20), seconds(5)), (std::vector<std::string>{"b", "c"}));
  EXPECT_FALSE(a.HomeOf(2).has_value());
}

}  // namespace
}  // namespace rapport
