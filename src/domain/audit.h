#pragma once
// The audit trail's entry and the exact bytes its hash chain covers. Pure: the MAC itself is
// computed by the store (Store::AuditSeal) over AuditDigestInput().

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "domain/people.h"

namespace rapport {

struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3 ... in append order; assigned by the store
  Timestamp at = 0;
  ClinicId clinic_id = 0;   // 0 for system actions (CLI)
  UserId actor_id = 0;      // 0 for system actions
  std::string actor_role;   // "therapist", ..., "system"
  std::string action;       // "read", "create", "update", "delete", "login", "login_failed", ...
  std::string record_type;  // "client", "episode", "appointment", "user", "session", ...
  std::string record_id;    // the record's id as text; empty when not about one record
  std::string source;       // where from: client IP address, or "cli"
  std::string detail;       // a few words more, e.g. how an accepted invitation was delivered
  // Further records the action disclosed, each "record_type:record_id" (a caseload view names every
  // client it showed): one entry for one request, however many records it touched.
  std::vector<std::string> subjects;
  std::string prev_hash;  // hex BLAKE2b-256 of the previous entry; 64 zeros for the first
  std::string hash;       // hex BLAKE2b-256 of AuditDigestInput(*this)
};

// Which audit entries a search keeps; a part left empty keeps everything.
struct AuditFilter {
  ClinicId clinic_id = 0;            // 0: every clinic
  UserId actor_id = 0;               // 0: anyone
  std::vector<std::string> actions;  // empty: any action
  Timestamp from = 0;                // at >= from; 0: no lower bound
  Timestamp to = 0;                  // at < to; 0: no upper bound
  // Only entries about these records, each "record_type:record_id"; nullopt: about anything. An
  // empty list keeps nothing.
  std::optional<std::vector<std::string>> records;
};

// "record_type:record_id", as AuditFilter::records lists them.
std::string AuditRecordKey(std::string_view record_type, std::string_view record_id);

// A length-prefixed serialisation of every field but `hash`, so that no two different entries
// can produce the same input. `detail` and `subjects` are appended only when not empty, so entries
// written before they existed still verify.
std::string AuditDigestInput(const AuditEntry& entry);

inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Where and why an audit chain does not hold.
struct AuditChainBreak {
  std::int64_t seq = 0;  // the first entry that breaks it (or that is missing)
  std::string reason;
};

// Follows an audit chain entry by entry, oldest first: each entry must be the next (seq), name
// the one before it (prev_hash, the genesis hash for the first) and match its seal: keyed with
// `keyed_seal` from seq `keyed_from` on, a plain BLAKE2b-256 before (entries written before the
// chain had a key). The trail's verification (service/audit_service) and a restore's check of a
// backup (store/sql/backup_support) follow it the same way.
class AuditChainCheck {
 public:
  using KeyedSeal = std::function<std::string(const std::string& digest_input)>;
  AuditChainCheck(std::int64_t keyed_from, KeyedSeal keyed_seal);

  // Nothing while the chain holds up to `entry`; once it breaks, where and why.
  std::optional<AuditChainBreak> Next(const AuditEntry& entry);
  // How many entries held so far; the next must have seq checked() + 1.
  std::int64_t checked() const { return next_seq_ - 1; }

 private:
  std::int64_t keyed_from_;
  KeyedSeal keyed_seal_;
  std::int64_t next_seq_ = 1;
  std::string prev_hash_{kAuditGenesisHash};
};

}  // namespace rapport
