#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the data keys that seal free text at
// rest (field_cipher.h), and the master key that wraps them.
//
// Each clinic has data keys (the table data_keys): 32 random bytes each, kept in the database
// only wrapped (sealed under the master key, bound to the clinic and the key's id), beside the
// fingerprint of the master key that wrapped them. The master key lives in a file outside the
// database (LoadOrCreateKeyFile), so the database file alone opens nothing. One key of a clinic is
// "active" and seals what is written; after a rotation the others are "retiring" until every value
// under them is sealed again, then "retired". No key is ever deleted.
//
// The KeyRing holds the master key and the data keys unwrapped so far, for every connection of a
// store (thread-safe). A key the ring has not met is looked for again in the table, since another
// app server or the operator's command may have made it. A data key made inside a write
// transaction is kept apart (PendingKeys) until that transaction commits, so that the ring never
// holds a key the database does not.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/result.h"
#include "domain/people.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// Every app server reads the data keys again at least this often when it writes, so that it
// seals under a clinic's new key soon after a rotation. A pass that seals a clinic's values again
// begins only once the new key is this old.
inline constexpr std::int64_t kDataKeyRefreshMs = 60'000;

// One row of data_keys.
struct DataKeyRow {
  std::int64_t id = 0;
  ClinicId clinic_id = 0;
  std::string wrapped;             // TextSealer::Seal of the key's hex under the master key
  std::string master_fingerprint;  // TextSealer::Fingerprint of the master key that wrapped it
  Timestamp created_at = 0;
  std::string state;  // "active", "retiring" or "retired"
};

// The wrapped form of data key `hex_key` (64 hex characters) of `clinic`, numbered `id`.
std::string WrapDataKey(const TextSealer& master, ClinicId clinic, std::int64_t id,
                        std::string_view hex_key);
// The data key of `row`; kInternal when it does not unwrap under `master`.
Result<TextSealer> UnwrapDataKey(const TextSealer& master, const DataKeyRow& row);

// The wrapped form under `to` of the data key of `row`, wrapped under `from`; kInternal when it
// does not unwrap under `from`.
Result<std::string> RewrapDataKey(const TextSealer& from, const TextSealer& to,
                                  const DataKeyRow& row);

// Every row of data_keys, by id.
Result<std::vector<DataKeyRow>> ReadDataKeys(SqlConnection& c);

class KeyRing {
 public:
  KeyRing(TextSealer master, std::string master_path);
  // A ring without a master key (a store made from connections alone, to read what needs no key):
  // it unwraps no data key and makes none, so every sealed field fails to open, clearly.
  static std::unique_ptr<KeyRing> WithoutMaster();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  bool has_master() const { return !master_path_.empty(); }
  const TextSealer& master() const { return master_; }
  const std::string& master_fingerprint() const { return master_fingerprint_; }
  const std::string& master_path() const { return master_path_; }

  // Data key `id`, when the ring holds it.
  std::optional<TextSealer> Find(std::int64_t id) const;
  // The clinic's active key, when the ring knows it.
  std::optional<std::int64_t> ActiveOf(ClinicId clinic) const;

  // Learns the table's rows: unwraps each key it does not hold yet, when wrapped under this
  // master key (a key the ring holds stays, even if re-wrapped since under another master key),
  // and takes each clinic's active key from them when it holds that key. Rows whose id is in
  // `skip` (keys a write transaction made and has not committed) are left to that transaction.
  void Learn(const std::vector<DataKeyRow>& rows, const std::set<std::int64_t>& skip = {});
  // Reads the table on `c` and learns it.
  Status Reload(SqlConnection& c, const std::set<std::int64_t>& skip = {});
  // A key made by a write that committed.
  void Add(std::int64_t id, ClinicId clinic, TextSealer key, bool active);

 private:
  const TextSealer master_;
  const std::string master_fingerprint_;
  const std::string master_path_;

  mutable std::shared_mutex mu_;
  std::map<std::int64_t, TextSealer> keys_;  // guarded by mu_
  std::map<ClinicId, std::int64_t> active_;  // guarded by mu_
};

// The data keys one write transaction has made, until it commits (then they go to the ring) or
// rolls back (then they are forgotten with it). Used by the writer thread only.
class PendingKeys {
 public:
  struct Key {
    std::int64_t id = 0;
    ClinicId clinic = 0;
    TextSealer sealer;
  };

  // Where the keys stand before a WriteFn, to forget those it made should it fail.
  std::size_t Mark() const { return keys_.size(); }
  void RollBackTo(std::size_t mark);
  void Add(Key key) { keys_.push_back(std::move(key)); }
  const Key* Find(std::int64_t id) const;
  // The newest key made for the clinic: it is the clinic's active one.
  const Key* ActiveOf(ClinicId clinic) const;
  std::set<std::int64_t> Ids() const;
  // Hands every key to `ring` as active (each was made active) and forgets them.
  void CommitTo(KeyRing& ring);
  void Clear() { keys_.clear(); }

 private:
  std::vector<Key> keys_;
};

// Opens the key ring of the database on `writer` (its schema up to date) with the master key in
// the file `master_path`. A database that holds no data key yet takes the key in the file, made
// anew when the file does not exist. A database that holds data keys needs the very key that
// wrapped them: kUnavailable, naming the file, when it is missing, and kInvalidArgument when it
// holds another key; a new master key is never made over sealed data.
Result<std::unique_ptr<KeyRing>> OpenKeyRing(SqlConnection& writer, const std::string& master_path);

// Makes a new active data key for `clinic` on the writer connection `c`, inside its transaction,
// and returns it (to be kept in `pending` by the caller). The clinic's former active key, if
// any, becomes retiring. kFailedPrecondition when the table's keys were wrapped under another
// master key than the ring's (the master key was rotated: this server must be restarted with the
// new file first).
Result<PendingKeys::Key> MakeDataKey(SqlConnection& c, const KeyRing& ring, ClinicId clinic,
                                     Timestamp now);

}  // namespace rapport
