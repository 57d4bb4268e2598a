#include "domain/messaging.h"

#include <gtest/gtest.h>

#include <string>

namespace rapport {
namespace {

std::string FieldOf(const Result<std::string>& r) {
  return r ? std::string() : (r.error().fields.empty() ? "?" : r.error().fields.front().field);
}

TEST(MessageBodyTest, KeepsTheWordsTrimmedWithUnixLineEnds) {
  const auto body =
      NormalizeMessageBody("  Hi Sam,\r\nthe new time works.\rThanks \xE2\x80\x94 J\n\n");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "Hi Sam,\nthe new time works.\nThanks \xE2\x80\x94 J");
}

TEST(MessageBodyTest, RefusesAnEmptyOrBlankMessageNamingTheBody) {
  EXPECT_EQ(FieldOf(NormalizeMessageBody("")), "body");
  EXPECT_EQ(FieldOf(NormalizeMessageBody(" \n\t\r\n ")), "body");
}

TEST(MessageBodyTest, CountsCharactersNotBytesAgainstTheLimit) {
  // 4000 two-byte characters fit; one more does not.
  std::string long_text;
  for (std::size_t i = 0; i < kMaxMessageChars; ++i) long_text += "\xC3\xA9";
  EXPECT_TRUE(NormalizeMessageBody(long_text).has_value());
  EXPECT_EQ(FieldOf(NormalizeMessageBody(long_text + "e")), "body");
}

TEST(MessageBodyTest, RefusesBrokenTextAndCharactersThatHideOrReverseIt) {
  EXPECT_EQ(FieldOf(NormalizeMessageBody("caf\xC3")), "body");
  EXPECT_EQ(FieldOf(NormalizeMessageBody(std::string("a\0b", 3))), "body");
  EXPECT_EQ(FieldOf(NormalizeMessageBody("pay \xE2\x80\xAE"
                                         "00.01")),
            "body");  // U+202E
  EXPECT_EQ(FieldOf(NormalizeMessageBody("ring\x07")), "body");
  EXPECT_TRUE(NormalizeMessageBody("a\ttab").has_value());
}

TEST(MessageSealContextTest, DiffersWhenAnyFieldTheWordsBelongToDiffers) {
  const EpisodeMessage m{0, 1, 2, 3, "", 4, std::nullopt};
  const std::string base = MessageSealContext(m);
  EpisodeMessage other = m;
  other.episode_id = 9;
  EXPECT_NE(MessageSealContext(other), base);
  other = m;
  other.sender_id = 9;
  EXPECT_NE(MessageSealContext(other), base);
  other = m;
  other.sent_at = 9;
  EXPECT_NE(MessageSealContext(other), base);
  other = m;
  other.body = "ignored";
  other.read_at = 5;
  EXPECT_EQ(MessageSealContext(other), base);  // the id and read receipt are not sealed in
}

}  // namespace
}  // namespace rapport
