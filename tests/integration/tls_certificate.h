#pragma once
// Test support: certificates made at test time with OpenSSL's API, nothing downloaded and no
// program run, in a temporary folder of their own that is removed with the object. Each is a
// self-signed ECDSA P-256 certificate for "localhost" and 127.0.0.1, valid from an hour ago for
// two days, which a test client trusts as its only authority. Header-only; not thread-safe.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>

#include "core/crypto.h"

namespace rapport::testing {

struct TestCertificate {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path key;          // PEM, unencrypted
  std::string certificate_pem;        // what a client that trusts it is given
};

class TlsTestFiles {
 public:
  TlsTestFiles()
      : folder_(std::filesystem::temp_directory_path() / ("rapport-tls-" + RandomHex(6))) {
    std::filesystem::create_directories(folder_);
  }
  ~TlsTestFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }
  TlsTestFiles(const TlsTestFiles&) = delete;
  TlsTestFiles& operator=(const TlsTestFiles&) = delete;

  // A new key and its certificate, written as NAME.crt and NAME.key (replacing any before).
  TestCertificate Make(const std::string& name) {
    TestCertificate out;
    out.certificate = folder_ / (name + ".crt");
    out.key = folder_ / (name + ".key");
    const std::unique_ptr<EVP_PKEY, KeyFree> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    const std::unique_ptr<X509, X509Free> certificate(X509_new());
    const bool made =
        key && certificate && X509_set_version(certificate.get(), 2) == 1 &&
        ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), ++serial_) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) != nullptr &&
        X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 2 * 86400) != nullptr &&
        X509_set_pubkey(certificate.get(), key.get()) == 1 && NameAndAltNames(certificate.get()) &&
        X509_sign(certificate.get(), key.get(), EVP_sha256()) > 0;
    EXPECT_TRUE(made) << "OpenSSL could not make a test certificate";
    if (!made) return out;
    {
      const std::unique_ptr<BIO, BioFree> file(BIO_new_file(out.certificate.c_str(), "w"));
      EXPECT_EQ(PEM_write_bio_X509(file.get(), certificate.get()), 1);
    }
    WriteKey(key.get(), out.key, nullptr);
    out.certificate_pem = Read(out.certificate);
    return out;
  }

  // NAME holding `of`'s key encrypted under a passphrase.
  std::filesystem::path EncryptedKey(const TestCertificate& of, const std::string& name) {
    const std::filesystem::path path = folder_ / name;
    const std::unique_ptr<BIO, BioFree> in(BIO_new_file(of.key.c_str(), "r"));
    const std::unique_ptr<EVP_PKEY, KeyFree> key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
    EXPECT_NE(key, nullptr);
    if (key) WriteKey(key.get(), path, "a passphrase");
    return path;
  }

  // NAME holding `text`.
  std::filesystem::path Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path path = folder_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  static std::string Read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  const std::filesystem::path& folder() const { return folder_; }

 private:
  struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
  };
  struct X509Free {
    void operator()(X509* certificate) const { X509_free(certificate); }
  };
  struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };

  static bool NameAndAltNames(X509* certificate) {
    X509_NAME* name = X509_get_subject_name(certificate);
    const std::string common_name = "localhost";
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(certificate, name) != 1) {
      return false;
    }
    X509V3_CTX context{};
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* names =
        X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    if (names == nullptr) return false;
    const bool added = X509_add_ext(certificate, names, -1) == 1;
    X509_EXTENSION_free(names);
    return added;
  }

  static void WriteKey(EVP_PKEY* key, const std::filesystem::path& path, const char* passphrase) {
    const std::unique_ptr<BIO, BioFree> file(BIO_new_file(path.c_str(), "w"));
    const std::string pass = passphrase == nullptr ? "" : passphrase;
    EXPECT_EQ(PEM_write_bio_PrivateKey(file.get(), key,
                                       passphrase == nullptr ? nullptr : EVP_aes_256_cbc(),
                                       reinterpret_cast<const unsigned char*>(pass.data()),
                                       static_cast<int>(pass.size()), nullptr, nullptr),
              1);
  }

  std::filesystem::path folder_;
  long serial_ = 0;
};

}  // namespace rapport::testing
