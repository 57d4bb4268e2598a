#pragma once
// Thin, exception-free wrappers over libsodium. All functions are thread-safe once
// InitCrypto() has returned Ok (call it once at start-up; calling it again is harmless).

#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport {

Status InitCrypto();

// argon2id in libsodium's self-describing string format ("$argon2id$v=19$m=...").
// `cost` kInteractive for sign-in passwords; kMinimal only for tests and demo seeding speed.
enum class HashCost { kInteractive, kMinimal };
Result<std::string> HashPassword(std::string_view password, HashCost cost = HashCost::kInteractive);
// True when `password` matches `hash`; false for a wrong password or a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

// `bytes` random bytes as lower-case hex (so 32 bytes give 64 characters).
std::string RandomHex(std::size_t bytes);
// `bytes` random bytes as URL-safe base64 without padding: for tokens in links and cookies.
std::string RandomToken(std::size_t bytes = 32);

// BLAKE2b with a 32-byte digest, lower-case hex.
std::string Blake2b256Hex(std::string_view data);

// HMAC-SHA-256 (RFC 2104) of `data` under `key` of any length, lower-case hex (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// HMAC-SHA-1 (RFC 2104) of `data` under `key`, standard base64 with padding (28 characters): the
// password form of TURN's shared-secret credentials (coturn's `use-auth-secret`). SHA-1 only
// because that scheme fixes it; use HmacSha256Hex for anything of Rapport's own.
std::string HmacSha1Base64(std::string_view key, std::string_view data);

// The secret key in the file at `path` (64 hex characters, 32 bytes), creating the file with a
// new random key, readable by its owner only, when it does not exist. kUnavailable when the file
// cannot be read or created; kInvalidArgument when it holds anything but a key.
Result<std::string> LoadOrCreateKeyFile(const std::string& path);

// Authenticated encryption of short texts kept at rest (XChaCha20-Poly1305, libsodium's
// crypto_aead_xchacha20poly1305_ietf) under a key from a key file (LoadOrCreateKeyFile). Each
// text is sealed with a new random nonce and bound to a `context` (what the text is and whose):
// a sealed text moved to another record, altered, or opened under another key does not open.
class TextSealer {
 public:
  // The key as LoadOrCreateKeyFile returns it (64 hex characters); kInvalidArgument otherwise.
  static Result<TextSealer> FromHexKey(std::string_view hex);

  // The nonce, the ciphertext and its tag, as standard base64 with padding.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // The plaintext of `sealed`; kInternal (naming no content) when it does not open: not base64,
  // too short, altered, sealed under another key or for another context.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // What names the key without revealing it: the first 16 hexadecimal characters of BLAKE2b-256
  // keyed with it over the fixed text "rapport key fingerprint v1". Two key files hold the same
  // key exactly when their fingerprints agree (short of a 64-bit collision).
  std::string Fingerprint() const;

 private:
  TextSealer() = default;
  std::string key_;  // 32 raw bytes
};

// Compares in time independent of where the first difference is.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace rapport
