// LoadTlsContext: the certificate and key files `rapport serve --tls-cert --tls-key` names are
// read and checked at once, and each problem names the file at fault (the field "certificate"
// or "key") and its path. Certificates made for the test in a temporary folder.

#include <gtest/gtest.h>

#include <string>

#include "http/tls_context.h"
#include "tls_certificate.h"

namespace rapport::testing {
namespace {

class TlsContextTest : public ::testing::Test {
 protected:
  // The one field error of a refused pair, as "field: message".
  static std::string Refusal(const TlsFiles& files) {
    auto loaded = LoadTlsContext(files);
    if (loaded) return "loaded";
    const Error& error = loaded.error();
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    if (error.fields.size() != 1) return "no single field: " + error.message;
    return error.fields[0].field + ": " + error.fields[0].message;
  }

  TlsTestFiles files_;
  TestCertificate server_ = files_.Make("server");
};

TEST_F(TlsContextTest, AMatchingCertificateAndKeyLoad) {
  auto loaded = LoadTlsContext({server_.certificate, server_.key});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_NE(*loaded, nullptr);
}

TEST_F(TlsContextTest, AMissingFileIsNamedWithItsPath) {
  const auto missing = files_.folder() / "missing.pem";
  EXPECT_EQ(Refusal({missing, server_.key}),
            "certificate: cannot read " + missing.string() + ": No such file or directory");
  EXPECT_EQ(Refusal({server_.certificate, missing}),
            "key: cannot read " + missing.string() + ": No such file or directory");
  EXPECT_EQ(Refusal({files_.folder(), server_.key}),
            "certificate: cannot read " + files_.folder().string() + ": it is a folder");
}

TEST_F(TlsContextTest, AFileThatIsNotPemIsNamed) {
  const auto garbage = files_.Write("garbage.pem", "this is not a certificate\n");
  EXPECT_EQ(Refusal({garbage, server_.key}),
            "certificate: " + garbage.string() + " holds no PEM certificate");
  EXPECT_EQ(Refusal({server_.certificate, garbage}),
            "key: " + garbage.string() + " holds no PEM private key");
  // The two files given the wrong way round.
  EXPECT_EQ(Refusal({server_.key, server_.certificate}),
            "certificate: " + server_.key.string() + " holds no PEM certificate");
}

TEST_F(TlsContextTest, AKeyOfAnotherCertificateIsRefusedAsTheKey) {
  const TestCertificate other = files_.Make("other");
  EXPECT_EQ(Refusal({server_.certificate, other.key}),
            "key: " + other.key.string() + " is not the key of the certificate in " +
                server_.certificate.string());
}

TEST_F(TlsContextTest, AKeyUnderAPassphraseIsRefusedRatherThanAskedFor) {
  const auto locked = files_.EncryptedKey(server_, "locked.key");
  const std::string refusal = Refusal({server_.certificate, locked});
  EXPECT_EQ(refusal.rfind("key: " + locked.string() + " is protected by a passphrase", 0), 0u)
      << refusal;
}

}  // namespace
}  // namespace rapport::testing
