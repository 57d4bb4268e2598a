#include "store/sql/sealed_fields.h"

#include <fmt/format.h>

#include <set>
#include <utility>

#include "core/clock.h"
#include "store/sql/sql_rows.h"

namespace rapport {

Result<std::string> SealedFields::Seal(RowClinic& clinic, Field field, const Owner& owner,
                                       std::string_view plain) {
  if (plain.empty()) return std::string();
  RAPPORT_ASSIGN_OR_RETURN(const ClinicId id, clinic.Get());
  RAPPORT_ASSIGN_OR_RETURN(auto key, ActiveKey(id));
  return FormatSealed(key.first, key.second.Seal(plain, FieldContext(Sealed(field), owner)));
}

Result<std::optional<std::string>> SealedFields::SealOptional(
    RowClinic& clinic, Field field, const Owner& owner, const std::optional<std::string>& plain) {
  if (!plain) return std::optional<std::string>();
  RAPPORT_ASSIGN_OR_RETURN(std::string sealed,
                           Seal(clinic, field, owner, std::string_view(*plain)));
  return std::optional<std::string>(std::move(sealed));
}

Result<std::string> SealedFields::Open(Field field, const Owner& owner, std::string_view stored) {
  if (stored.empty()) return std::string();
  const SealedColumn& column = Sealed(field);
  const std::optional<std::int64_t> id = SealedKeyId(stored);
  if (!id) {
    return Fail(Error::Internal(fmt::format("{} is not sealed: it was written around the store",
                                            NameField(column, owner))));
  }
  auto key = Key(*id);
  if (!key) {
    return Fail(Error::Internal(
        fmt::format("{} does not open: {}", NameField(column, owner), key.error().message)));
  }
  auto plain = key->Open(SealedPart(stored), FieldContext(column, owner));
  if (!plain) {
    return Fail(Error::Internal(fmt::format(
        "{} does not open under data key {}: it was altered, or moved from another field or record",
        NameField(column, owner), *id)));
  }
  return plain;
}

Result<std::optional<std::string>> SealedFields::OpenOptional(
    Field field, const Owner& owner, const std::optional<std::string>& stored) {
  if (!stored) return std::optional<std::string>();
  RAPPORT_ASSIGN_OR_RETURN(std::string plain, Open(field, owner, std::string_view(*stored)));
  return std::optional<std::string>(std::move(plain));
}

Status SealedFields::Refresh() {
  return ring_.Reload(c_, pending_ != nullptr ? pending_->Ids() : std::set<std::int64_t>{});
}

Result<TextSealer> SealedFields::Key(std::int64_t id) {
  if (pending_ != nullptr) {
    if (const PendingKeys::Key* made = pending_->Find(id)) return made->sealer;
  }
  if (auto known = ring_.Find(id)) return std::move(*known);
  // Another app server, or the operator's command, may have made it since.
  RAPPORT_RETURN_IF_ERROR(Refresh());
  if (auto known = ring_.Find(id)) return std::move(*known);
  if (!ring_.has_master()) {
    return Fail(Error::Internal(fmt::format(
        "data key {} is not held: this store was opened without its master key file", id)));
  }
  return Fail(Error::Internal(fmt::format(
      "data key {} is not in the database or does not unwrap under the master key in {}", id,
      ring_.master_path())));
}

Result<std::pair<std::int64_t, TextSealer>> SealedFields::ActiveKey(ClinicId clinic) {
  if (pending_ != nullptr) {
    if (const PendingKeys::Key* made = pending_->ActiveOf(clinic)) {
      return std::pair{made->id, made->sealer};
    }
  }
  const auto known = [&]() -> std::optional<std::pair<std::int64_t, TextSealer>> {
    const std::optional<std::int64_t> id = ring_.ActiveOf(clinic);
    if (!id) return std::nullopt;
    std::optional<TextSealer> key = ring_.Find(*id);
    if (!key) return std::nullopt;
    return std::pair{*id, std::move(*key)};
  };
  if (auto key = known()) return std::move(*key);
  RAPPORT_RETURN_IF_ERROR(Refresh());
  if (auto key = known()) return std::move(*key);
  if (pending_ == nullptr) {
    return Fail(Error::Internal("a read connection seals nothing"));
  }
  // The clinic's first data key, made with the write that first needs it.
  RAPPORT_ASSIGN_OR_RETURN(PendingKeys::Key made,
                           MakeDataKey(c_, ring_, clinic, SystemClock::Instance().Now()));
  std::pair<std::int64_t, TextSealer> active{made.id, made.sealer};
  pending_->Add(std::move(made));
  return active;
}

RowClinic SealedFields::ClinicBy(std::string_view sql, std::int64_t id) {
  return RowClinic([this, sql, id]() -> Result<ClinicId> {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare(sql));
    q.Bind(id);
    RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
    if (!row) return Fail(Error::InvalidArgument(std::string(kMissingReferenceMessage)));
    return q.Int(0);
  });
}

RowClinic SealedFields::OfEpisode(EpisodeId id) {
  return ClinicBy("SELECT clinic_id FROM episodes WHERE id = ?", id);
}

RowClinic SealedFields::OfUser(UserId id) {
  return ClinicBy("SELECT clinic_id FROM users WHERE id = ?", id);
}

RowClinic SealedFields::OfGuardianLink(GuardianLinkId id) {
  return ClinicBy(
      "SELECT u.clinic_id FROM guardian_links l JOIN users u ON u.id = l.child_id WHERE l.id = ?",
      id);
}

RowClinic SealedFields::OfNote(std::int64_t note_id) {
  return ClinicBy(
      "SELECT e.clinic_id FROM session_notes n JOIN episodes e ON e.id = n.episode_id "
      "WHERE n.id = ?",
      note_id);
}

}  // namespace rapport
