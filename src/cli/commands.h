#pragma once
// The subcommands of `rapport`, each a function of its arguments (without the command word)
// that returns the process exit status. They print results to `out`, errors to `err`, never
// throw, and return non-zero on any error. main() (src/app) chooses and opens the store.

#include <iosfwd>
#include <span>
#include <string>

namespace rapport {

class Store;

using Args = std::span<const std::string>;

// rapport sync mea|ccf|batch|susy ... : the synchrony engine; needs no store.
int RunSyncCommand(Args args, std::ostream& out, std::ostream& err);

// rapport score INSTRUMENT --answers 2,1,... | --csv FILE [--instruments-dir DIR]: one JSON
// object per respondent per line; exit 1 if any row was bad.
int RunScoreCommand(Args args, std::ostream& out, std::ostream& err);
// rapport instruments list | show CODE | validate FILE [--instruments-dir DIR].
int RunInstrumentsCommand(Args args, std::ostream& out, std::ostream& err);

// rapport demo: seeds the demo clinic into an empty store.
int RunDemoCommand(Store& store, Args args, std::ostream& out, std::ostream& err);
// rapport user add --email E --name N --role R [--clinic ID] (password from RAPPORT_PASSWORD or
// prompted on a terminal).
int RunUserCommand(Store& store, Args args, std::ostream& out, std::ostream& err);
// rapport audit verify [--checkpoints PATH]: checks the sealed chain, and against the last
// checkpoint when given; names the first missing or altered entry. rapport audit checkpoint
// --checkpoints PATH: appends the chain's current head, sealed.
int RunAuditCommand(Store& store, Args args, std::ostream& out, std::ostream& err);

}  // namespace rapport
