#pragma once
// The subcommands of `rapport`, each a function of its arguments (without the command word)
// that returns the process exit status. They print results to `out`, errors to `err`, never
// throw, and return non-zero on any error. main() (src/app) chooses and opens the store.
//
// Each command's words are declared once, in its CommandLine, which reads them and writes its
// --help. main() reads a store command's words with the same declaration before it opens the
// store, so that --help and a wrong word are answered without touching the database.

#include <iosfwd>
#include <memory>
#include <span>
#include <string>

#include "core/command_line.h"

namespace rapport {

class Store;
class DataKeyAdmin;

using Args = std::span<const std::string>;

// rapport sync mea|ccf|batch|susy ... : the synchrony engine; needs no store.
int RunSyncCommand(Args args, std::ostream& out, std::ostream& err);

// rapport score INSTRUMENT --answers 2,1,... | --csv FILE [--instruments-dir DIR]: one JSON
// object per respondent per line; exit 1 if any row was bad.
int RunScoreCommand(Args args, std::ostream& out, std::ostream& err);
// rapport instruments list | show CODE | validate FILE [--instruments-dir DIR].
int RunInstrumentsCommand(Args args, std::ostream& out, std::ostream& err);

// The command lines of the commands that run on a store, the database options included.
std::unique_ptr<CommandLine> DemoCommandLine();
std::unique_ptr<CommandLine> UserCommandLine();
std::unique_ptr<CommandLine> AuditCommandLine();
std::unique_ptr<CommandLine> KeysCommandLine();

// rapport demo: seeds the demo clinic into an empty store.
int RunDemoCommand(Store& store, Args args, std::ostream& out, std::ostream& err);
// rapport user add --email E --name N --role R [--clinic ID] (password from RAPPORT_PASSWORD or
// prompted on a terminal).
int RunUserCommand(Store& store, Args args, std::ostream& out, std::ostream& err);
// rapport backup [--db PATH|postgresql://...] --to FILE [--force]: a copy of the database taken
// while the server writes, checked and written whole, without the key files (docs/backup.md).
// rapport restore --from FILE --db PATH|postgresql://... [--force]: puts a backup in place once it
// and its audit chain check out, never over a database a server holds; the target is left as it
// was on any failure. Both choose the engine by --db themselves and never open the store.
int RunBackupCommand(Args args, std::ostream& out, std::ostream& err);
int RunRestoreCommand(Args args, std::ostream& out, std::ostream& err);

// rapport audit verify [--checkpoints PATH]: checks the sealed chain, and against the last
// checkpoint when given; names the first missing or altered entry. rapport audit checkpoint
// --checkpoints PATH: appends the chain's current head, sealed.
int RunAuditCommand(Store& store, Args args, std::ostream& out, std::ostream& err);
// rapport keys status | rotate [--clinic ID] | rotate-master --new-master-key PATH: the data keys
// that seal the database's free text at rest, and the master key that wraps them
// (docs/encryption.md). `keys` is the same store's.
int RunKeysCommand(Store& store, DataKeyAdmin& keys, Args args, std::ostream& out,
                   std::ostream& err);

}  // namespace rapport
