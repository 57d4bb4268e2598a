#include "http/event_parts.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "domain/room.h"

namespace rapport {
namespace {

// What a server does with the parts it hears: reads each as JSON and joins their texts.
std::optional<std::string> Join(EventJoiner& joiner, const std::vector<std::string>& parts) {
  std::optional<std::string> whole;
  for (const std::string& part : parts) {
    const Json event = Json::parse(part);
    const Json& room = event.at("room");
    whole = joiner.Add(room.at("from").get<std::string>(), room.at("id").get<std::uint64_t>(),
                       room.at("index").get<int>(), room.at("count").get<int>(),
                       room.at("text").get<std::string>());
  }
  return whole;
}

// A message as long as a large WebRTC offer, with what JSON escapes and characters of several
// bytes.
std::string LongMessage(std::size_t length) {
  std::string message = R"({"type":"signal","signal":{"sdp":")";
  while (message.size() < length) message += R"(a=rtpmap:96 VP8/90000\r\n \"quoted\" été ✓ )";
  return message + R"("}})";
}

TEST(EventParts, AMessageLongerThanOneEventTravelsInPartsThatEachFitAndJoinToTheWhole) {
  const std::string message = LongMessage(3 * kMaxServerEventBytes);
  const std::vector<std::string> parts = SplitEvent(message, "home", "seat", 1);
  ASSERT_GE(parts.size(), 4u);
  for (const std::string& part : parts) {
    EXPECT_LE(part.size(), kMaxServerEventBytes);
    EXPECT_TRUE(part.starts_with(RoomEventPrefix("home"))) << "addressed like any other";
    EXPECT_FALSE(Json::parse(part, nullptr, false).is_discarded()) << "valid JSON: " << part;
  }
  EventJoiner joiner;
  EXPECT_EQ(Join(joiner, parts), message);
}

TEST(EventParts, TheLongestRoomMessageFitsInTheMostPartsEvenWhenEveryByteIsEscaped) {
  const std::string quotes(kMaxRoomMessageBytes, '"');
  const std::string controls(kMaxRoomMessageBytes, '\x01');
  EXPECT_FALSE(SplitEvent(quotes, "home", "seat", 1).empty());
  const std::vector<std::string> parts = SplitEvent(controls, "home", "seat", 2);
  ASSERT_FALSE(parts.empty());
  EXPECT_LE(parts.size(), static_cast<std::size_t>(kMostEventParts));
  EventJoiner joiner;
  EXPECT_EQ(Join(joiner, parts), controls);
}

TEST(EventParts, PartsOfTwoSendersInterleavedStillJoinPerSender) {
  const std::string first = LongMessage(2 * kMaxServerEventBytes);
  const std::string second = LongMessage(2 * kMaxServerEventBytes) + " ";
  const std::vector<std::string> from_b = SplitEvent(first, "a", "b", 5);
  const std::vector<std::string> from_c = SplitEvent(second, "a", "c", 5);
  ASSERT_EQ(from_b.size(), from_c.size());
  EventJoiner joiner;
  std::vector<std::string> whole;
  for (std::size_t i = 0; i < from_b.size(); ++i) {
    if (auto done = Join(joiner, {from_b[i]})) whole.push_back(*done);
    if (auto done = Join(joiner, {from_c[i]})) whole.push_back(*done);
  }
  EXPECT_EQ(whole, (std::vector<std::string>{first, second}));
}

TEST(EventParts, AMessageWithAPartMissingIsDroppedAndTheNextOneStillJoins) {
  const std::string lost = LongMessage(3 * kMaxServerEventBytes);
  const std::string next = LongMessage(2 * kMaxServerEventBytes);
  std::vector<std::string> parts = SplitEvent(lost, "a", "b", 1);
  parts.erase(parts.begin() + 1);  // a listener that reconnected missed it
  EventJoiner joiner;
  EXPECT_EQ(Join(joiner, parts), std::nullopt);
  EXPECT_EQ(Join(joiner, SplitEvent(next, "a", "b", 2)), next);
}

TEST(EventParts, AShortMessageIsOnePartAndAnEmptyOneNone) {
  EXPECT_EQ(SplitEvent(R"({"type":"chat"})", "a", "b", 1).size(), 1u);
  EXPECT_TRUE(SplitEvent("", "a", "b", 1).empty());
}

}  // namespace
}  // namespace rapport
