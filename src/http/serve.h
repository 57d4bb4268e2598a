#pragma once
// `rapport serve`: the HTTP/WebSocket server over a Store. Returns the exit status after a
// graceful shutdown (SIGINT/SIGTERM) or a start-up error.

#include <iosfwd>
#include <memory>
#include <span>
#include <string>

#include "core/command_line.h"

namespace rapport {

class Store;
class ServerEvents;

// Options: --listen HOST:PORT (default 127.0.0.1:8080), --web DIR (default ./web/dist),
// --instruments-dir DIR (a clinic's own questionnaire files; default RAPPORT_INSTRUMENTS_DIR;
// a broken file there fails start-up with its name and the place of the problem),
// --tls-cert FILE and --tls-key FILE (both or neither: native HTTPS and WSS with that PEM
// certificate chain and key, checked before the server listens, and read again on SIGHUP),
// --trust-proxy (behind a TLS-terminating reverse proxy: believe its X-Forwarded-Proto, which
// marks the session cookie Secure, and X-Forwarded-For, the audited source address).
// Prints "listening on http://HOST:PORT" (https:// with TLS) to `out` once accepting (port 0
// picks a free port and the line shows the real one).
// `events` (may be null) are the messages shared with the other app servers of the database
// (SqlStore::events()), through which live events reach pages held by any of them.
int RunServeCommand(Store& store, ServerEvents* events, std::span<const std::string> args,
                    std::ostream& out, std::ostream& err);

// Every option of `rapport serve`, the database's included: it reads the words and writes
// `rapport serve --help`. main() reads them with it before it opens or creates any database.
std::unique_ptr<CommandLine> ServeCommandLine();

}  // namespace rapport
