#include "core/crypto.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace rapport {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().has_value()); }
};

TEST_F(CryptoTest, PasswordHashVerifiesOnlyTheSamePassword) {
  auto hash = HashPassword("correct horse battery", HashCost::kMinimal);
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse battery"));
}

TEST_F(CryptoTest, TokensAreRandomAndUrlSafe) {
  const auto a = RandomToken();
  const auto b = RandomToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

TEST_F(CryptoTest, Blake2bMatchesTheReferenceVector) {
  // BLAKE2b-256 of the empty string (RFC 7693 parameterisation, 32-byte output).
  EXPECT_EQ(Blake2b256Hex(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_F(CryptoTest, HmacSha256MatchesTheRfc4231Vectors) {
  // RFC 4231 test case 1: a 20-byte key of 0x0b.
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(CryptoTest, HmacSha256HashesAKeyLongerThanTheBlockFirst) {
  // RFC 4231 test case 6: 131 bytes of 0xaa, more than SHA-256's 64-byte block.
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_F(CryptoTest, HmacSha1MatchesTheRfc2202VectorsInBase64) {
  // RFC 2202 test cases 1 and 2 (b617318655057264e28bc0b6fb378c8ef146be00 and
  // effcdf6ae5eb2fa2d27416d5f184df9c259a7c79), written as base64 with padding.
  EXPECT_EQ(HmacSha1Base64(std::string(20, '\x0b'), "Hi There"), "thcxhlUFcmTii8C2+zeMjvFGvgA=");
  EXPECT_EQ(HmacSha1Base64("Jefe", "what do ya want for nothing?"), "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

TEST_F(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST_F(CryptoTest, SealedTextOpensOnlyWithItsKeyAndContext) {
  const auto sealer = TextSealer::FromHexKey(RandomHex(32));
  const auto other = TextSealer::FromHexKey(RandomHex(32));
  ASSERT_TRUE(sealer.has_value());
  ASSERT_TRUE(other.has_value());
  const std::string text = "I felt heard today.\nSee you Thursday \xE2\x80\x94 J.";
  const std::string sealed = sealer->Seal(text, "message:1:2");

  EXPECT_EQ(sealed.find("heard"), std::string::npos);
  const auto opened = sealer->Open(sealed, "message:1:2");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, text);
  // Each seal takes a new nonce: the same words never look the same at rest.
  EXPECT_NE(sealer->Seal(text, "message:1:2"), sealed);

  EXPECT_FALSE(sealer->Open(sealed, "message:1:3").has_value());  // moved to another record
  EXPECT_FALSE(other->Open(sealed, "message:1:2").has_value());   // another key file
  std::string altered = sealed;
  altered[40] = altered[40] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sealer->Open(altered, "message:1:2").has_value());
  EXPECT_FALSE(sealer->Open("not base64 at all!", "message:1:2").has_value());
  EXPECT_FALSE(sealer->Open("", "message:1:2").has_value());

  const auto empty = sealer->Open(sealer->Seal("", "c"), "c");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, "");
}

TEST_F(CryptoTest, SealedTextIsXChaCha20Poly1305AsTheIetfDraftsVectorSaysWithItsNonceInFront) {
  // draft-irtf-cfrg-xchacha-03, A.3.1: key, nonce, associated data, plaintext, ciphertext and
  // tag. A sealed text is base64 of the nonce, the ciphertext and the tag, so the vector opens.
  const auto sealer =
      TextSealer::FromHexKey("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  ASSERT_TRUE(sealer.has_value());
  const std::string context("\x50\x51\x52\x53\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7", 12);
  const std::string sealed =
      "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXvW0XnT6D1DuVdleUk8DpOVcqFwAlK/rMvtKQLCE5bLtzHH8bC0qmRAvzqC9O"
      "2n45rmTGcIxUwhbLlrcuEhO0Ui+Mm6QNtdlFsRtpuYLBu54/P6wrw2lIj3ayODVl0//5IflmTJdjfal2iBL2FcaLE7Uu"
      "wIdZJMHHmHlH3q/YeArPSQ==";
  const auto opened = sealer->Open(sealed, context);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened,
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
            "future, sunscreen would be it.");
  EXPECT_FALSE(sealer->Open(sealed, context.substr(1)).has_value());
}

TEST_F(CryptoTest, AKeysFingerprintIsKeyedBlake2bOfAFixedTextAndRevealsNoKey) {
  // Computed independently: hashlib.blake2b(b"rapport key fingerprint v1", key=bytes(range(32)),
  // digest_size=32).hexdigest()[:16].
  std::string counting;
  for (int i = 0; i < 32; ++i) counting += fmt::format("{:02x}", i);
  const auto first = TextSealer::FromHexKey(counting);
  const auto second = TextSealer::FromHexKey(std::string(64, 'a'));
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->Fingerprint(), "2c77ffb95ccb3e0a");
  EXPECT_EQ(second->Fingerprint(), "aa1124942cfec448");
  EXPECT_EQ(TextSealer::FromHexKey(counting)->Fingerprint(), first->Fingerprint());
}

TEST_F(CryptoTest, TextSealerRefusesAKeyThatIsNotThirtyTwoHexBytes) {
  EXPECT_FALSE(TextSealer::FromHexKey("abcd").has_value());
  EXPECT_FALSE(TextSealer::FromHexKey(std::string(64, 'g')).has_value());
  EXPECT_TRUE(TextSealer::FromHexKey(std::string(64, 'a')).has_value());
}

}  // namespace
}  // namespace rapport
