#pragma once
// Encryption at rest as the operator manages it (`rapport keys`): the data keys that seal a
// database's free text, per clinic, and the master key that wraps them (store/sql/key_ring.h has
// the scheme, docs/encryption.md the operator's guide). Implemented by the SqlStore; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/audit.h"
#include "domain/people.h"

namespace rapport {

struct DataKeyStatus {
  std::int64_t id = 0;
  ClinicId clinic_id = 0;
  std::string state;  // "active" (seals what is written), "retiring" or "retired"
  Timestamp created_at = 0;
  std::int64_t values = 0;  // the sealed values under it now
};

// The scheduler's job that seals a clinic's values under its retiring keys again under its active
// key (service/jobs.h runs it); a rotation schedules it, with its new key, in the same write.
inline constexpr std::string_view kResealDataKeysJob = "reseal_data_keys";

// Where a pass that seals a clinic's values again under its active key has got to.
struct ResealPass {
  std::string position;  // where the next step goes on from ("": from the start)
  int resealed = 0;      // values this step sealed again
  bool finished = false;
  int retired = 0;  // keys this step marked retired (only the step that finishes a pass)
  // A pass that has not begun because the clinic's active key is too new (every server must have
  // begun writing under it first): the time from which it may.
  Timestamp not_before = 0;
};

class DataKeyAdmin {
 public:
  virtual ~DataKeyAdmin() = default;

  // Makes a new active data key for the clinic, written at `now`; its former active key becomes
  // retiring, and the scheduler's re-seal job (kResealDataKeysJob, scheduled in the same write)
  // seals its values again. Servers running meanwhile keep reading both and write under the new
  // key from their next refresh. `audit` is appended in the same write (service/key_service.h
  // says what it holds). Returns the new key's id. kNotFound when the clinic does not exist.
  virtual Result<std::int64_t> RotateDataKey(ClinicId clinic_id, Timestamp now,
                                             const AuditEntry& audit) = 0;

  // Wraps every data key again under the master key in the file `new_master_path` (made when it
  // does not exist), in one transaction; no sealed value changes. Servers running with the old
  // master key file keep serving from the keys they hold until restarted with the new one.
  // Returns how many keys were wrapped again; `audit` is appended in the same write.
  // kInvalidArgument when the file holds the master key in use already.
  virtual Result<int> RotateMasterKey(const std::string& new_master_path,
                                      const std::vector<AuditEntry>& audit) = 0;

  // Every data key, by clinic then id, with how many values it seals now (a scan of every sealed
  // column).
  virtual Result<std::vector<DataKeyStatus>> ListDataKeys() = 0;
};

}  // namespace rapport
