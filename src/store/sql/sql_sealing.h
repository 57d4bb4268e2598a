#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the passes over every sealed column
// (field_cipher.h) that the key scheme needs besides a record's own reads and writes. Each step
// works inside the caller's write transaction on a bounded number of rows, so that a long pass is
// many short writes and the server keeps serving between them.
//
//   - Sealing clear text: a database from before migration 0027 holds its free text in clear
//     (and its messages sealed under the message key file). The first start seals every such
//     value under its clinic's data key, then records that it did (clear_text_sweep).
//   - Sealing again after a rotation: the values of a clinic under its retiring keys are sealed
//     again under its active key; the keys are then retired.
//   - Counting the values under each key, and wrapping every key under a new master key.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/result.h"
#include "store/data_keys.h"
#include "store/sql/key_ring.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Whether clear text may be left from before the sealing (the sweep has not finished).
Result<bool> ClearTextLeft(SqlConnection& c);

// One step of the sweep: seals, under their clinic's active data key, the clear values among the
// next `limit` rows of the current column from `position` ("" for the start); a message sealed
// under the message key file (`messages`) is opened with it first. Returns where to go on from,
// or finished past the last column.
Result<ResealPass> SealClearTextStep(SealedFields& f, const TextSealer& messages,
                                     std::string_view position, int limit);

// Records that the sweep is done, so that later starts skip it.
Status RecordClearTextSealed(SqlConnection& c, Timestamp now);

// One step of a pass that seals again, under the clinic's active key, the clinic's values under
// its other keys, over the next `limit` rows of the current column from `position` ("" starts a
// pass; it is finished at once when the clinic has no retiring key, and waits, unfinished and
// with not_before set, until its active key is `grace_ms` old, so that every server has begun
// writing under it). The step that finishes marks retired the keys that were retiring when the
// pass began.
Result<ResealPass> ResealStep(SealedFields& f, ClinicId clinic, std::string_view position,
                              int limit, Timestamp now, std::int64_t grace_ms);

// How many sealed values each data key holds, by key id.
Result<std::vector<DataKeyStatus>> CountSealedValues(SqlConnection& c);

// Wraps every data key again under `new_master` (in the caller's transaction). kFailedPrecondition
// when a key is not wrapped under the ring's master key.
Result<int> RewrapDataKeys(SqlConnection& c, const KeyRing& ring, const TextSealer& new_master);

}  // namespace rapport::sql
