#pragma once
// Native TLS for `rapport serve --tls-cert FILE --tls-key FILE`: the server's certificate, its
// private key and the protocol settings every TLS connection uses (http/tls_stream.h carries the
// connections). The settings: TLS 1.2 at least and TLS 1.3 whenever the client has it; for 1.2
// only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305); no compression, no
// renegotiation, no session tickets (resuming would keep a key for the server's whole run that
// could decrypt recorded sessions; a full handshake costs the server one signature); and ALPN
// "http/1.1", the only protocol the server speaks (a client that offers ALPN without it is
// refused). A free function over files; thread-safe.

#include <filesystem>
#include <memory>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace rapport {

struct TlsFiles {
  // PEM: the server's certificate first, then any intermediate certificates of its chain.
  std::filesystem::path certificate;
  // PEM: the certificate's private key, unencrypted (keep the file readable by the server only).
  std::filesystem::path key;
};

// Reads both files now and checks them: an error's field is the file at fault, "certificate" or
// "key" (unreadable, not PEM, a key protected by a passphrase, a key that is not the
// certificate's), and its message names the file.
Result<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(const TlsFiles& files);

}  // namespace rapport
