#include "service/audit_service.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/crypto.h"
#include "service/access.h"

namespace rapport {

Result<AuditPage> AuditService::Browse(const Actor& actor, std::int64_t before_seq, int limit) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  limit = std::clamp(limit, 1, 200);
  // One more than asked tells whether another page exists.
  RAPPORT_ASSIGN_OR_RETURN(auto entries,
                           store_.ListAuditNewestFirst(actor.clinic_id, before_seq, limit + 1));
  AuditPage page;
  if (entries.size() > static_cast<std::size_t>(limit)) {
    entries.resize(static_cast<std::size_t>(limit));
    page.next_before_seq = entries.back().seq;
  }
  page.entries = std::move(entries);
  return page;
}

Result<ChainReport> AuditService::VerifyChain(Store& store) {
  constexpr int kPage = 1000;
  ChainReport report;
  std::int64_t expected_seq = 1;
  std::string prev_hash(kAuditGenesisHash);
  const auto broken = [&](const AuditEntry& e, std::string reason) {
    report.ok = false;
    report.first_broken_seq = e.seq;
    report.reason = std::move(reason);
    return report;
  };
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(auto entries, store.ListAudit(0, expected_seq - 1, kPage));
    for (const AuditEntry& e : entries) {
      if (e.seq != expected_seq) {
        // A missing entry is reported at the first seq that should have been there.
        AuditEntry missing;
        missing.seq = expected_seq;
        return broken(missing, fmt::format("entry {} is missing (the next entry is {})",
                                           expected_seq, e.seq));
      }
      if (e.prev_hash != prev_hash) {
        return broken(e, "its previous-hash does not match the entry before it");
      }
      if (Blake2b256Hex(AuditDigestInput(e)) != e.hash) {
        return broken(e, "its contents do not match its hash");
      }
      prev_hash = e.hash;
      ++expected_seq;
      ++report.entries_checked;
    }
    if (entries.size() < static_cast<std::size_t>(kPage)) break;
  }
  return report;
}

}  // namespace rapport
