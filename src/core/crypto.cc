#include "core/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace rapport {

Status InitCrypto() {
  if (sodium_init() < 0) return Fail(Error::Internal("libsodium could not be initialised"));
  return Ok();
}

Result<std::string> HashPassword(std::string_view password, HashCost cost) {
  const auto ops = cost == HashCost::kInteractive ? crypto_pwhash_OPSLIMIT_INTERACTIVE
                                                  : crypto_pwhash_OPSLIMIT_MIN;
  const auto mem = cost == HashCost::kInteractive ? crypto_pwhash_MEMLIMIT_INTERACTIVE
                                                  : crypto_pwhash_MEMLIMIT_MIN;
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(Error::Internal("password hashing ran out of memory"));
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

namespace {
std::string ToHex(const unsigned char* data, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, n);
  hex.pop_back();
  return hex;
}
}  // namespace

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string RandomToken(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  const std::size_t len =
      sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(len - 1);
  return out;
}

std::string Blake2b256Hex(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return ToHex(digest.data(), digest.size());
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  // The streaming form, because crypto_auth_hmacsha256() takes a key of exactly 32 bytes and a
  // clinic's shared secret has whatever length the receiving system chose.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return ToHex(mac.data(), mac.size());
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  std::string text(sodium_base64_encoded_len(length, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), mac.data(), length, sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::strlen(text.c_str()));
  return text;
}

Result<std::string> LoadOrCreateKeyFile(const std::string& path) {
  if (const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600); fd >= 0) {
    const std::string line = RandomHex(32) + "\n";
    const bool written =
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      return Fail(Error::Unavailable(fmt::format("cannot write the key file {}", path)));
    }
  } else if (errno != EEXIST) {
    return Fail(Error::Unavailable(
        fmt::format("cannot create the key file {}: {}", path, std::strerror(errno))));
  }
  std::ifstream in(path);
  std::string hex;
  if (!in || !std::getline(in, hex)) {
    return Fail(Error::Unavailable(fmt::format("cannot read the key file {}", path)));
  }
  const bool is_key = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
  if (!is_key) {
    return Fail(Error::InvalidArgument(
        fmt::format("the key file {} does not hold a key (64 hexadecimal characters)", path)));
  }
  return hex;
}

Result<TextSealer> TextSealer::FromHexKey(std::string_view hex) {
  std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  std::size_t length = 0;
  if (hex.size() != 2 * key.size() ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length != key.size()) {
    return Fail(Error::InvalidArgument("a text key is 64 hexadecimal characters"));
  }
  TextSealer sealer;
  sealer.key_ = std::move(key);
  return sealer;
}

std::string TextSealer::Seal(std::string_view plaintext, std::string_view context) const {
  constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string raw(kNonce + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(out, kNonce);
  unsigned long long sealed_length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonce, &sealed_length, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(context.data()), context.size(),
      nullptr, out, reinterpret_cast<const unsigned char*>(key_.data()));
  raw.resize(kNonce + sealed_length);
  std::string text(sodium_base64_encoded_len(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), out, raw.size(), sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::strlen(text.c_str()));
  return text;
}

Result<std::string> TextSealer::Open(std::string_view sealed, std::string_view context) const {
  constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  std::string raw(sealed.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), sealed.data(),
                        sealed.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length < kNonce + kTag) {
    return Fail(Error::Internal("a sealed text is malformed"));
  }
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::string plaintext(length - kNonce - kTag, '\0');
  unsigned long long plain_length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &plain_length, nullptr, in + kNonce,
          length - kNonce, reinterpret_cast<const unsigned char*>(context.data()), context.size(),
          in, reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return Fail(Error::Internal(
        "a sealed text does not open with this key (altered, moved, or another key file)"));
  }
  plaintext.resize(plain_length);
  return plaintext;
}

std::string TextSealer::Fingerprint() const {
  constexpr std::string_view kContext = "rapport key fingerprint v1";
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size(),
                     reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
  return ToHex(digest.data(), 8);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace rapport
