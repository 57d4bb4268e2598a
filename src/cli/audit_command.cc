// rapport audit verify: walks the audit trail's hash chain.

#include <fmt/format.h>

#include <ostream>

#include "cli/admin_args.h"
#include "cli/commands.h"
#include "service/audit_service.h"

namespace rapport {

int RunAuditCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  auto parsed = cli::ParseArgs(args, {});
  if (!parsed) {
    cli::PrintError(err, "audit", parsed.error());
    return 2;
  }
  if (parsed->positional.size() != 1 || parsed->positional[0] != "verify") {
    err << "usage: rapport audit verify [--db PATH]\n";
    return 2;
  }
  auto report = AuditService::VerifyChain(store);
  if (!report) {
    cli::PrintError(err, "audit", report.error());
    return 1;
  }
  if (!report->ok) {
    out << fmt::format("audit chain broken at entry {}: {}\n", report->first_broken_seq,
                       report->reason);
    return 1;
  }
  out << fmt::format("audit chain OK: {} entries\n", report->entries_checked);
  return 0;
}

}  // namespace rapport
