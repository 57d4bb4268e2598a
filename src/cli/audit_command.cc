// rapport audit verify | checkpoint: checks the audit trail's sealed chain against the last
// checkpoint kept outside the database, or records a new checkpoint.

#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/print_error.h"
#include "config/command_options.h"
#include "core/clock.h"
#include "service/audit_service.h"

namespace rapport {

std::unique_ptr<CommandLine> AuditCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "audit", "verify|checkpoint [options]",
      "verify: walks the audit trail's sealed chain and compares its head with the last "
      "checkpoint kept outside the database; names the first entry missing or altered. "
      "checkpoint: appends the chain's current head, sealed, to the checkpoint file.");
  line->Words("ACTION", "verify or checkpoint", 1);
  DeclareStoreFiles(*line);
  return line;
}

int RunAuditCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  const std::unique_ptr<CommandLine> line = AuditCommandLine();
  if (auto stop = line->Read(args, out, err)) return *stop;
  const std::vector<std::string>& words = line->words();
  if (words.size() != 1 || (words[0] != "verify" && words[0] != "checkpoint")) {
    err << "rapport audit: say verify or checkpoint\n" << line->Usage();
    return 2;
  }
  // main() names the checkpoint file beside the database when the command line does not.
  const std::optional<std::string> path = line->Get("--checkpoints");
  if (words[0] == "checkpoint") {
    if (!path) {
      err << "rapport audit: checkpoint needs --checkpoints PATH\n";
      return 2;
    }
    auto checkpoint = MakeCheckpoint(store, SystemClock::Instance().Now());
    if (checkpoint) {
      if (auto ok = AppendCheckpoint(*path, *checkpoint); !ok) {
        cli::PrintError(err, "audit", ok.error());
        return 1;
      }
      out << checkpoint->Line() << "\n";
      return 0;
    }
    cli::PrintError(err, "audit", checkpoint.error());
    return 1;
  }

  std::optional<AuditCheckpoint> last;
  if (path) {
    auto read = ReadLastCheckpoint(store, *path);
    if (!read) {
      out << fmt::format("audit checkpoints rejected: {}\n", read.error().message);
      return 1;
    }
    last = *read;
  }
  auto report = AuditService::VerifyChain(store, last);
  if (!report) {
    cli::PrintError(err, "audit", report.error());
    return 1;
  }
  if (!report->ok) {
    out << fmt::format("audit chain broken at entry {}: {}\n", report->first_broken_seq,
                       report->reason);
    return 1;
  }
  out << fmt::format("audit chain OK: {} entries", report->entries_checked);
  if (last) {
    out << fmt::format(", matching the last checkpoint ({} entries at {})", last->seq,
                       FormatIso8601(last->at));
  } else {
    out << ", no checkpoint to compare with";
  }
  out << "\n";
  return 0;
}

}  // namespace rapport
