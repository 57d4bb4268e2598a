#pragma once
// AuditService: browsing the audit trail (admins, own clinic) and verifying its hash chain.
// Thread-safe; does not own the Store.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "domain/audit.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct AuditPage {
  std::vector<AuditEntry> entries;   // newest first
  std::int64_t next_before_seq = 0;  // pass as before_seq for the next page; 0 when no more
};

struct ChainReport {
  bool ok = true;
  std::int64_t entries_checked = 0;
  std::int64_t first_broken_seq = 0;  // 0 when ok
  std::string reason;                 // empty when ok
};

class AuditService {
 public:
  explicit AuditService(Store& store) : store_(store) {}

  // Admin only (kPermissionDenied otherwise); entries of the actor's clinic with
  // seq < before_seq (0: from the newest); limit is clamped to 1..200.
  Result<AuditPage> Browse(const Actor& actor, std::int64_t before_seq, int limit);

  // Walks the whole chain from seq 1: every seq follows the previous one, every prev_hash is the
  // previous entry's hash, every hash is BLAKE2b-256 of the entry. Names the first entry that
  // breaks it. Errors only when the store cannot be read.
  static Result<ChainReport> VerifyChain(Store& store);

 private:
  Store& store_;
};

}  // namespace rapport
