// rapport audit verify | checkpoint: checks the audit trail's sealed chain against the last
// checkpoint kept outside the database, or records a new checkpoint.

#include <fmt/format.h>

#include <ostream>

#include "cli/admin_args.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "service/audit_service.h"

namespace rapport {

namespace {
constexpr const char* kAuditUsage =
    "usage: rapport audit verify|checkpoint [--db PATH] [--audit-key PATH] "
    "[--checkpoints PATH]\n";
}  // namespace

int RunAuditCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  auto parsed = cli::ParseArgs(args, {"checkpoints"});
  if (!parsed) {
    cli::PrintError(err, "audit", parsed.error());
    return 2;
  }
  if (parsed->positional.size() != 1 ||
      (parsed->positional[0] != "verify" && parsed->positional[0] != "checkpoint")) {
    err << kAuditUsage;
    return 2;
  }
  const std::optional<std::string> path = parsed->Get("checkpoints");
  if (parsed->positional[0] == "checkpoint") {
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
