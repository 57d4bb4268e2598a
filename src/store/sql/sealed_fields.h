#pragma once
// Internal to the store's SQL (store/sql/), for both engines: seals the free text one connection
// writes and opens what it reads (field_cipher.h says which columns and how, key_ring.h whose
// keys). The store's queries take one beside their connection. Used by one thread at a time, as
// its connection is.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/result.h"
#include "domain/people.h"
#include "store/sql/field_cipher.h"
#include "store/sql/key_ring.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// The clinic whose data key seals a row's values, found when first needed: a row whose values are
// all empty needs none.
class RowClinic {
 public:
  explicit RowClinic(ClinicId known) : clinic_(known) {}
  explicit RowClinic(std::function<Result<ClinicId>()> find) : find_(std::move(find)) {}

  Result<ClinicId> Get() {
    if (!clinic_) {
      RAPPORT_ASSIGN_OR_RETURN(const ClinicId found, find_());
      clinic_ = found;
    }
    return *clinic_;
  }

 private:
  std::optional<ClinicId> clinic_;
  std::function<Result<ClinicId>()> find_;
};

class SealedFields {
 public:
  // A read connection's: it opens, and seals nothing.
  SealedFields(KeyRing& ring, SqlConnection& c) : ring_(ring), c_(c) {}
  // The writer's, inside a write transaction: it makes a clinic's first data key when it needs one,
  // kept in `pending` until the transaction commits.
  SealedFields(KeyRing& ring, SqlConnection& c, PendingKeys& pending)
      : ring_(ring), c_(c), pending_(&pending) {}

  SqlConnection& connection() { return c_; }

  // `plain` sealed under the active data key of `clinic`, for `field` of the row whose owner
  // columns hold `owner`; "" stays "" and nullopt (NULL) stays nullopt. Writer only.
  Result<std::string> Seal(RowClinic& clinic, Field field, const Owner& owner,
                           std::string_view plain);
  Result<std::optional<std::string>> SealOptional(RowClinic& clinic, Field field,
                                                  const Owner& owner,
                                                  const std::optional<std::string>& plain);

  // The text of the stored value of `field` in the row whose owner columns hold `owner`; "" stays
  // "". kInternal naming the table, the column and the owner (never the text) when it does not
  // open: not sealed, under a data key the ring cannot have, altered, or moved from elsewhere.
  Result<std::string> Open(Field field, const Owner& owner, std::string_view stored);
  Result<std::optional<std::string>> OpenOptional(Field field, const Owner& owner,
                                                  const std::optional<std::string>& stored);

  // Reads the table of data keys again (another server or the operator may have rotated one).
  Status Refresh();
  const KeyRing& ring() const { return ring_; }

  // Data key `id`: from the transaction's own keys, the ring, or the table read again.
  Result<TextSealer> Key(std::int64_t id);
  // The active data key of `clinic` (made on the writer when the clinic has none yet).
  Result<std::pair<std::int64_t, TextSealer>> ActiveKey(ClinicId clinic);

  // The clinic of the record a sealed row belongs to, looked up when first needed. A record that
  // does not exist fails as a foreign key does (kInvalidArgument, kMissingReferenceMessage), so
  // that the caller's NameMissing names it.
  RowClinic OfEpisode(EpisodeId id);
  RowClinic OfUser(UserId id);
  RowClinic OfGuardianLink(GuardianLinkId id);
  RowClinic OfNote(std::int64_t note_id);

 private:
  RowClinic ClinicBy(std::string_view sql, std::int64_t id);

  KeyRing& ring_;
  SqlConnection& c_;
  PendingKeys* pending_ = nullptr;
};

}  // namespace rapport
