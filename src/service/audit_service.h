#pragma once
// AuditService: browsing the audit trail (admins, own clinic) and verifying its hash chain.
// Thread-safe; does not own the Store.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/audit.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

// What an admin looks for in the trail; a part left empty matches everything.
struct AuditSearch {
  UserId client_id = 0;  // entries about any record of this client (their account, episodes,
                         // appointments, answers, alerts, plans, guardian links)
  UserId person_id = 0;  // entries by this person
  std::string action;    // "read" (any reading, plans included), "create", "update", "login", ...
  Timestamp from = 0;    // at >= from; 0: no lower bound
  Timestamp to = 0;      // at < to; 0: no upper bound
};

// One entry, with the people and the record named in words.
struct AuditRow : AuditEntry {
  std::string actor_name;    // "System" for actions from the command line
  std::string record_words;  // "Jordan Reyes's record", "an alert about Jordan Reyes", ...
  UserId client_id = 0;      // the client the record belongs to; 0 when none
  std::string client_name;   // their full display name: the log names people unambiguously
};

// Someone who has read a client's record, and when.
struct RecordReader {
  UserId user_id = 0;
  std::string name;
  std::string role;
  int reads = 0;
  Timestamp first_at = 0;
  Timestamp last_at = 0;
};

struct AuditPage {
  std::vector<AuditRow> entries;     // newest first
  std::int64_t next_before_seq = 0;  // pass as before_seq for the next page; 0 when no more
};

struct ChainReport {
  bool ok = true;
  std::int64_t entries_checked = 0;
  std::int64_t first_broken_seq = 0;  // 0 when ok
  std::string reason;                 // empty when ok
  std::int64_t checkpoint_seq = 0;    // the checkpoint compared against; 0 when there was none
};

// The head of the chain at one moment (count and hash), sealed with the chain's key and kept
// outside the database (a file, and the server's log), so that cutting entries off the end or
// rewriting the chain is found even by whoever could change the whole database.
struct AuditCheckpoint {
  std::int64_t seq = 0;  // entries 1..seq existed
  std::string hash;      // entry seq's hash
  std::int64_t keyed_from_seq = 1;
  Timestamp at = 0;
  std::string mac;  // Store::AuditSeal over the fields above

  // One line: "rapport-audit-checkpoint seq=.. hash=.. keyed_from=.. at=.. mac=..".
  std::string Line() const;
};

// The store's current head, sealed. seq 0 (and the genesis hash) for an empty chain.
Result<AuditCheckpoint> MakeCheckpoint(Store& store, Timestamp now);
// Appends the checkpoint's line to `path` (created readable by its owner only) and syncs it.
Status AppendCheckpoint(const std::string& path, const AuditCheckpoint& checkpoint);
// The last line of `path` that the store's key has sealed; nullopt when the file does not exist
// or is empty. kFailedPrecondition when a line is not sealed by this key (forged or from another
// key).
Result<std::optional<AuditCheckpoint>> ReadLastCheckpoint(const Store& store,
                                                          const std::string& path);

class AuditService {
 public:
  explicit AuditService(Store& store, const Clock& clock = SystemClock::Instance())
      : store_(store), clock_(clock) {}

  // Admin only (kPermissionDenied otherwise); entries of the actor's clinic that `search` keeps,
  // with seq < before_seq (0: from the newest); limit is clamped to 1..200. kInvalidArgument
  // naming "client", "person" or "to" when the client or person is not of the clinic, or the
  // range is empty. The reading is audited.
  Result<AuditPage> Browse(const Actor& actor, std::int64_t before_seq, int limit,
                           const AuditSearch& search = {});

  // Every entry `search` keeps, newest first, as CSV with a header row (seq, at, person, role,
  // action, record, client, source, detail); at most kMaxExportRows rows. Admin only; audited as
  // an export of the audit log.
  static constexpr int kMaxExportRows = 100000;
  Result<std::string> ExportCsv(const Actor& actor, const AuditSearch& search);

  // Who has read client `client_id`'s record (any of the records AuditSearch::client_id covers),
  // most recent reader first. For the clinic's admin and for a supervisor who oversees the
  // client's care; NotVisible() for anyone else. Audited as a read of the audit log.
  Result<std::vector<RecordReader>> ReadersOfClient(const Actor& actor, UserId client_id);

  // Walks the whole chain from seq 1: every seq follows the previous one, every prev_hash is the
  // previous entry's hash, every hash is the store's MAC of the entry (a plain BLAKE2b-256 before
  // the chain had a key). With a checkpoint, the chain must still reach its seq with its hash.
  // Names the first entry that is missing or altered. Errors only when the store cannot be read.
  static Result<ChainReport> VerifyChain(Store& store,
                                         const std::optional<AuditCheckpoint>& checkpoint = {});

 private:
  Result<AuditFilter> FilterFor(const Actor& actor, const AuditSearch& search);
  // Pages through every entry `filter` keeps, newest first, handing each to `f`; stops after
  // `max` entries.
  Status Each(const AuditFilter& filter, int max, const std::function<Status(AuditRow&)>& f);

  Store& store_;
  const Clock& clock_;
};

}  // namespace rapport
