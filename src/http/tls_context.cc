#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

#include "http/tls_stream.h"

namespace rapport {

namespace {

namespace fs = std::filesystem;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// TLS 1.2's suites: ECDHE key exchange (forward secrecy) and AEAD ciphers only. TLS 1.3's are all
// AEAD with ephemeral key exchange, and OpenSSL's defaults for it stay.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";

Result<std::string> ReadFile(const fs::path& path, const char* field) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Fail(Error::Field(field, "cannot read " + path.string() + ": it is a folder"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return Fail(Error::Field(
        field, "cannot read " + path.string() + ": " + std::generic_category().message(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(Error::Field(field, "cannot read " + path.string()));
  return text;
}

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// A passphrase-protected key is refused rather than asked for: the server starts unattended.
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*data*/) {
  return 0;
}

// ALPN: "http/1.1" when the client offers it; otherwise the handshake fails (RFC 7301 §3.2).
int SelectHttp11(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
                 const unsigned char* offered, unsigned int offered_length, void* /*arg*/) {
  constexpr std::string_view kHttp11 = "http/1.1";
  unsigned int at = 0;
  while (at < offered_length) {
    const unsigned int length = offered[at];
    if (at + 1 + length > offered_length) break;
    const std::string_view name(reinterpret_cast<const char*>(offered + at + 1), length);
    if (name == kHttp11) {
      *out = offered + at + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    at += 1 + length;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> LoadTlsContext(const TlsFiles& files) {
  RAPPORT_ASSIGN_OR_RETURN(const std::string certificate_pem,
                           ReadFile(files.certificate, "certificate"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string key_pem, ReadFile(files.key, "key"));

  ERR_clear_error();
  auto certificate_bio = MemoryBio(certificate_pem);
  const std::unique_ptr<X509, X509Free> certificate(
      PEM_read_bio_X509(certificate_bio.get(), nullptr, NoPassphrase, nullptr));
  if (!certificate) {
    return Fail(
        Error::Field("certificate", files.certificate.string() + " holds no PEM certificate"));
  }
  auto key_bio = MemoryBio(key_pem);
  const std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    if (key_pem.find("ENCRYPTED") != std::string::npos) {
      return Fail(Error::Field("key", files.key.string() +
                                          " is protected by a passphrase; the server needs the "
                                          "key unencrypted, in a file only it can read"));
    }
    return Fail(Error::Field("key", files.key.string() + " holds no PEM private key"));
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return Fail(Error::Field("key", files.key.string() + " is not the key of the certificate in " +
                                        files.certificate.string()));
  }

  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  beast::error_code ec;
  // The whole chain: the certificate, then the intermediates after it in the same file.
  if (context->use_certificate_chain(asio::buffer(certificate_pem), ec)) {
    ERR_clear_error();
    return Fail(Error::Field(
        "certificate", files.certificate.string() +
                           " holds a certificate chain that cannot be used: " + ec.message()));
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return Fail(Error::Field("key", files.key.string() + " is not the key of the certificate in " +
                                        files.certificate.string()));
  }

  const bool configured = SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) == 1 &&
                          SSL_CTX_set_cipher_list(native, kTls12Ciphers) == 1 &&
                          SSL_CTX_set1_groups_list(native, kGroups) == 1 &&
                          SSL_CTX_set_num_tickets(native, 0) == 1;
  if (!configured) {
    ERR_clear_error();
    return Fail(Error::Internal("the TLS library refused the server's TLS settings"));
  }
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // Idle WebSockets (open pages, rooms) hold no read and write buffers between messages.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(native, SelectHttp11, nullptr);
  return context;
}

}  // namespace rapport
