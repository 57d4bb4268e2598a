#pragma once
// The keys that seal free text at rest, as the operator manages them from the command line
// (`rapport keys`, docs/encryption.md): each clinic's data keys and the master key that wraps
// them. Only the system actor may rotate them, and every rotation is on the audit trail of the
// clinics it touches, written in the same transaction as the rotation itself. Thread-compatible.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "service/actor.h"
#include "store/data_keys.h"
#include "store/store.h"

namespace rapport {

class KeyService {
 public:
  // `keys` is `store`'s own key administration (the SqlStore is both).
  KeyService(Store& store, DataKeyAdmin& keys, const Clock& clock)
      : store_(store), keys_(keys), clock_(clock) {}

  // Every data key, by clinic then id, with how many values it seals now.
  Result<std::vector<DataKeyStatus>> ListDataKeys(const Actor& actor);
  // A new active data key for the clinic (its values are sealed again by the scheduler);
  // audited as "rotate_data_key" of the clinic, naming the new key. Returns the new key's id.
  // kPermissionDenied for anyone but the system actor; kNotFound for an unknown clinic.
  Result<std::int64_t> RotateDataKey(const Actor& actor, ClinicId clinic_id);
  // Every data key wrapped again under the master key in the file `new_master_path`; audited as
  // "rotate_master_key" in every clinic. Returns how many keys were wrapped again.
  Result<int> RotateMasterKey(const Actor& actor, const std::string& new_master_path);

 private:
  Store& store_;
  DataKeyAdmin& keys_;
  const Clock& clock_;
};

}  // namespace rapport
