#include "store/sql/key_ring.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include "store/sql/sql_rows.h"

namespace rapport {

namespace {

// What a wrapped data key is bound to: a wrapped key copied to another clinic or id does not
// unwrap.
std::string WrapContext(ClinicId clinic, std::int64_t id) {
  return fmt::format("rapport data key v1\nclinic={}\nid={}\n", clinic, id);
}

}  // namespace

std::string WrapDataKey(const TextSealer& master, ClinicId clinic, std::int64_t id,
                        std::string_view hex_key) {
  return master.Seal(hex_key, WrapContext(clinic, id));
}

Result<TextSealer> UnwrapDataKey(const TextSealer& master, const DataKeyRow& row) {
  auto hex = master.Open(row.wrapped, WrapContext(row.clinic_id, row.id));
  if (!hex) {
    return Fail(Error::Internal(fmt::format(
        "data key {} of clinic {} does not unwrap under this master key", row.id, row.clinic_id)));
  }
  auto key = TextSealer::FromHexKey(*hex);
  if (!key) {
    return Fail(Error::Internal(fmt::format("data key {} is not a key", row.id)));
  }
  return std::move(*key);
}

Result<std::string> RewrapDataKey(const TextSealer& from, const TextSealer& to,
                                  const DataKeyRow& row) {
  auto hex = from.Open(row.wrapped, WrapContext(row.clinic_id, row.id));
  if (!hex) {
    return Fail(Error::Internal(fmt::format(
        "data key {} of clinic {} does not unwrap under this master key", row.id, row.clinic_id)));
  }
  return WrapDataKey(to, row.clinic_id, row.id, *hex);
}

Result<std::vector<DataKeyRow>> ReadDataKeys(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT id, clinic_id, wrapped, master_fingerprint, created_at, state "
                            "FROM data_keys ORDER BY id"));
  return All(q, [](const SqlQuery& row) -> Result<DataKeyRow> {
    return DataKeyRow{row.Int(0), row.Int(1), row.Text(2), row.Text(3), row.Int(4), row.Text(5)};
  });
}

KeyRing::KeyRing(TextSealer master, std::string master_path)
    : master_(std::move(master)),
      master_fingerprint_(master_.Fingerprint()),
      master_path_(std::move(master_path)) {}

std::unique_ptr<KeyRing> KeyRing::WithoutMaster() {
  // A key nobody holds, under no file: its fingerprint matches no row, so nothing unwraps.
  auto ring = std::make_unique<KeyRing>(*TextSealer::FromHexKey(RandomHex(32)), std::string());
  return ring;
}

std::optional<TextSealer> KeyRing::Find(std::int64_t id) const {
  const std::shared_lock lock(mu_);
  const auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int64_t> KeyRing::ActiveOf(ClinicId clinic) const {
  const std::shared_lock lock(mu_);
  const auto it = active_.find(clinic);
  if (it == active_.end()) return std::nullopt;
  return it->second;
}

void KeyRing::Learn(const std::vector<DataKeyRow>& rows, const std::set<std::int64_t>& skip) {
  // Unwrapped outside the lock: readers go on meanwhile.
  std::map<std::int64_t, TextSealer> unwrapped;
  if (!has_master()) return;
  {
    const std::shared_lock lock(mu_);
    for (const DataKeyRow& row : rows) {
      if (skip.contains(row.id) || keys_.contains(row.id)) continue;
      if (row.master_fingerprint != master_fingerprint_) continue;
      auto key = UnwrapDataKey(master_, row);
      if (key) unwrapped.emplace(row.id, std::move(*key));
    }
  }
  const std::unique_lock lock(mu_);
  for (auto& [id, key] : unwrapped) keys_.emplace(id, std::move(key));
  for (const DataKeyRow& row : rows) {
    if (skip.contains(row.id) || row.state != "active" || !keys_.contains(row.id)) continue;
    active_[row.clinic_id] = row.id;
  }
}

Status KeyRing::Reload(SqlConnection& c, const std::set<std::int64_t>& skip) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DataKeyRow> rows, ReadDataKeys(c));
  Learn(rows, skip);
  return Ok();
}

void KeyRing::Add(std::int64_t id, ClinicId clinic, TextSealer key, bool active) {
  const std::unique_lock lock(mu_);
  keys_.insert_or_assign(id, std::move(key));
  if (active) active_[clinic] = id;
}

void PendingKeys::RollBackTo(std::size_t mark) {
  if (mark < keys_.size())
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(mark), keys_.end());
}

const PendingKeys::Key* PendingKeys::Find(std::int64_t id) const {
  for (const Key& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

const PendingKeys::Key* PendingKeys::ActiveOf(ClinicId clinic) const {
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    if (it->clinic == clinic) return &*it;
  }
  return nullptr;
}

std::set<std::int64_t> PendingKeys::Ids() const {
  std::set<std::int64_t> ids;
  for (const Key& key : keys_) ids.insert(key.id);
  return ids;
}

void PendingKeys::CommitTo(KeyRing& ring) {
  for (Key& key : keys_) ring.Add(key.id, key.clinic, std::move(key.sealer), /*active=*/true);
  keys_.clear();
}

Result<std::unique_ptr<KeyRing>> OpenKeyRing(SqlConnection& writer,
                                             const std::string& master_path) {
  if (master_path.empty()) {
    return Fail(Error::InvalidArgument("the database needs the path of its master key file"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DataKeyRow> rows, ReadDataKeys(writer));
  std::error_code ignored;
  if (!rows.empty() && !std::filesystem::exists(master_path, ignored)) {
    return Fail(Error::Unavailable(fmt::format(
        "the master key file {} does not exist, and this database's free text is sealed under "
        "the key it held: give the database its own master key file (--master-key); a new one "
        "would open nothing",
        master_path)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string hex, LoadOrCreateKeyFile(master_path));
  RAPPORT_ASSIGN_OR_RETURN(TextSealer master, TextSealer::FromHexKey(hex));
  auto ring = std::make_unique<KeyRing>(std::move(master), master_path);
  for (const DataKeyRow& row : rows) {
    if (row.master_fingerprint != ring->master_fingerprint()) {
      return Fail(Error::InvalidArgument(fmt::format(
          "the master key file {} holds another key (fingerprint {}) than the one that wraps this "
          "database's data keys (fingerprint {}): give the database its own master key file "
          "(--master-key)",
          master_path, ring->master_fingerprint(), row.master_fingerprint)));
    }
  }
  ring->Learn(rows);
  for (const DataKeyRow& row : rows) {
    if (!ring->Find(row.id)) {
      return Fail(Error::Internal(
          fmt::format("data key {} of clinic {} does not unwrap under the master key in {}, whose "
                      "fingerprint it carries: the table data_keys was altered",
                      row.id, row.clinic_id, master_path)));
    }
  }
  return ring;
}

Result<PendingKeys::Key> MakeDataKey(SqlConnection& c, const KeyRing& ring, ClinicId clinic,
                                     Timestamp now) {
  if (!ring.has_master()) {
    return Fail(Error::FailedPrecondition(
        "this store was opened without its master key file, so it makes no data key"));
  }
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery other, c.Prepare("SELECT count(*) FROM data_keys WHERE master_fingerprint <> ?"));
    other.Bind(ring.master_fingerprint());
    RAPPORT_ASSIGN_OR_RETURN(const bool row, other.Step());
    if (row && other.Int(0) > 0) {
      return Fail(Error::FailedPrecondition(fmt::format(
          "the data keys were re-wrapped under another master key than the one in {}: restart "
          "with the new master key file before making data keys",
          ring.master_path())));
    }
  }
  std::int64_t id = 0;
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery next,
                             c.Prepare("SELECT coalesce(max(id), 0) + 1 FROM data_keys"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, next.Step());
    if (!row) return Fail(Error::Internal("data_keys cannot be counted"));
    id = next.Int(0);
  }
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery retire,
        c.Prepare("UPDATE data_keys SET state = 'retiring' WHERE clinic_id = ? AND "
                  "state = 'active'"));
    retire.Bind(clinic);
    RAPPORT_RETURN_IF_ERROR(retire.Run());
  }
  const std::string hex = RandomHex(32);
  RAPPORT_ASSIGN_OR_RETURN(TextSealer key, TextSealer::FromHexKey(hex));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery insert,
      c.Prepare("INSERT INTO data_keys (id, clinic_id, wrapped, master_fingerprint, created_at, "
                "state) VALUES (?, ?, ?, ?, ?, 'active')"));
  insert.Bind(id)
      .Bind(clinic)
      .Bind(WrapDataKey(ring.master(), clinic, id, hex))
      .Bind(ring.master_fingerprint())
      .Bind(now);
  RAPPORT_RETURN_IF_ERROR(NameMissing(insert.Run(), "clinic does not exist"));
  return PendingKeys::Key{id, clinic, std::move(key)};
}

}  // namespace rapport
