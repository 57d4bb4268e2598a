#include "store/sql/sql_sealing.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "core/json.h"
#include "domain/messaging.h"
#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

// Where a pass stands: the column it is in (an index into SealedColumns()), the key of the last
// row it has done there, and, for a pass that seals again, the keys that were retiring when it
// began.
struct Position {
  std::size_t column = 0;
  std::vector<std::int64_t> after;
  std::vector<std::int64_t> keys;
};

std::vector<std::int64_t> Start(const SealedColumn& column) {
  return std::vector<std::int64_t>(column.key.size(), 0);  // every key is a positive id
}

Result<Position> ParsePosition(std::string_view text) {
  Position p;
  if (text.empty()) {
    p.after = Start(SealedColumns().front());
    return p;
  }
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto ints = [](const Json& list, std::vector<std::int64_t>& out) {
    if (!list.is_array()) return false;
    for (const Json& v : list) {
      if (!v.is_number_integer()) return false;
      out.push_back(v.get<std::int64_t>());
    }
    return true;
  };
  if (!json.is_object() || !json.contains("column") || !json["column"].is_number_unsigned() ||
      !json.contains("after") || !ints(json["after"], p.after) ||
      (json.contains("keys") && !ints(json["keys"], p.keys))) {
    return Fail(Error::Internal("a sealing pass's position does not read"));
  }
  p.column = json["column"].get<std::size_t>();
  if (p.column < SealedColumns().size() && p.after.size() != SealedColumns()[p.column].key.size()) {
    return Fail(Error::Internal("a sealing pass's position does not read"));
  }
  return p;
}

std::string FormatPosition(const Position& p) {
  return Json{{"column", p.column}, {"after", p.after}, {"keys", p.keys}}.dump();
}

std::string Quote(std::string_view name) {
  return fmt::format("\"{}\"", name);
}

// The key columns of `column` as SQL, with `prefix` before each ("t." or "").
std::string KeyList(const SealedColumn& column, std::string_view prefix) {
  std::string list;
  for (const std::string_view k : column.key) {
    if (!list.empty()) list += ", ";
    list += fmt::format("{}{}", prefix, Quote(k));
  }
  return list;
}

struct ScannedRow {
  std::vector<std::int64_t> key;
  Owner owner;
  ClinicId clinic = 0;
  std::optional<std::string> value;
};

// The next `limit` rows of `column`'s table after the key `after`, in key order, only those of
// `clinic` when given.
Result<std::vector<ScannedRow>> ScanRows(SqlConnection& c, const SealedColumn& column,
                                         const std::vector<std::int64_t>& after,
                                         std::optional<ClinicId> clinic, int limit) {
  std::string select = "SELECT " + KeyList(column, "t.");
  for (const std::string_view o : column.owner) {
    select += fmt::format(", CAST(t.{} AS TEXT)", Quote(o));
  }
  select += fmt::format(", {}, t.{} FROM {} t WHERE ", column.clinic, Quote(column.column),
                        Quote(column.table));
  if (column.key.size() == 1) {
    select += fmt::format("t.{} > ?", Quote(column.key.front()));
  } else {
    std::string marks;
    for (std::size_t i = 0; i < column.key.size(); ++i) marks += i == 0 ? "?" : ", ?";
    select += fmt::format("({}) > ({})", KeyList(column, "t."), marks);
  }
  if (clinic) select += fmt::format(" AND {} = ?", column.clinic);
  select += fmt::format(" ORDER BY {} LIMIT ?", KeyList(column, "t."));

  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(select));
  for (const std::int64_t k : after) q.Bind(k);
  if (clinic) q.Bind(*clinic);
  q.Bind(limit);
  const int keys = static_cast<int>(column.key.size());
  const int owners = static_cast<int>(column.owner.size());
  return All(q, [&](const SqlQuery& row) -> Result<ScannedRow> {
    ScannedRow r;
    for (int i = 0; i < keys; ++i) r.key.push_back(row.Int(i));
    for (int i = 0; i < owners; ++i) r.owner.push_back(row.Text(keys + i));
    r.clinic = row.Int(keys + owners);
    r.value = row.OptionalText(keys + owners + 1);
    return r;
  });
}

// Replaces the value of `column` in the row `row` by `sealed`, if it still holds what was read.
Status WriteBack(SqlConnection& c, const SealedColumn& column, const ScannedRow& row,
                 const std::string& sealed) {
  std::string sql =
      fmt::format("UPDATE {} SET {} = ? WHERE ", Quote(column.table), Quote(column.column));
  for (const std::string_view k : column.key) sql += fmt::format("{} = ? AND ", Quote(k));
  sql += fmt::format("{} = ?", Quote(column.column));
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(sealed);
  for (const std::int64_t k : row.key) q.Bind(k);
  q.Bind(*row.value);
  RAPPORT_ASSIGN_OR_RETURN(const int changed, q.Run());
  if (changed != 1) {
    return Fail(Error::Internal(
        fmt::format("{} changed while it was being sealed", NameField(column, row.owner))));
  }
  return Ok();
}

std::int64_t AsInt(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The words of a message sealed before 0027, under the message key file.
Result<std::string> OpenOldMessage(const TextSealer& messages, const ScannedRow& row) {
  EpisodeMessage m;
  m.clinic_id = AsInt(row.owner.at(0));
  m.episode_id = AsInt(row.owner.at(1));
  m.sender_id = AsInt(row.owner.at(2));
  m.sent_at = AsInt(row.owner.at(3));
  auto body = messages.Open(*row.value, MessageSealContext(m));
  if (!body) {
    return Fail(Error::Internal(fmt::format(
        "message {} does not open with the message key file; was the database moved without its "
        "key file?",
        row.key.front())));
  }
  return body;
}

// Moves `p` on past `rows`, which a scan of at most `limit` rows returned.
void Advance(Position& p, const std::vector<ScannedRow>& rows, int limit) {
  if (static_cast<int>(rows.size()) < limit) {
    ++p.column;
    if (p.column < SealedColumns().size()) p.after = Start(SealedColumns()[p.column]);
    return;
  }
  p.after = rows.back().key;
}

}  // namespace

Result<bool> ClearTextLeft(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT finished_at FROM clear_text_sweep WHERE id = 1"));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  return !row || !q.OptionalInt(0).has_value();
}

Result<ResealPass> SealClearTextStep(SealedFields& f, const TextSealer& messages,
                                     std::string_view position, int limit) {
  SqlConnection& c = f.connection();
  RAPPORT_ASSIGN_OR_RETURN(Position p, ParsePosition(position));
  ResealPass step;
  if (p.column < SealedColumns().size()) {
    const SealedColumn& column = SealedColumns()[p.column];
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<ScannedRow> rows,
                             ScanRows(c, column, p.after, std::nullopt, limit));
    for (const ScannedRow& row : rows) {
      if (!row.value || row.value->empty() || IsSealedValue(*row.value)) continue;
      std::string plain = *row.value;
      if (column.field == Field::kMessageBody) {
        RAPPORT_ASSIGN_OR_RETURN(plain, OpenOldMessage(messages, row));
      }
      RowClinic clinic(row.clinic);
      RAPPORT_ASSIGN_OR_RETURN(const std::string sealed,
                               f.Seal(clinic, column.field, row.owner, plain));
      RAPPORT_RETURN_IF_ERROR(WriteBack(c, column, row, sealed));
      ++step.resealed;
    }
    Advance(p, rows, limit);
  }
  if (p.column < SealedColumns().size()) {
    step.position = FormatPosition(p);
    return step;
  }
  step.finished = true;
  return step;
}

Status RecordClearTextSealed(SqlConnection& c, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery done,
      c.Prepare("INSERT INTO clear_text_sweep (id, finished_at) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at"));
  done.Bind(now);
  return Done(done.Run());
}

Result<ResealPass> ResealStep(SealedFields& f, ClinicId clinic, std::string_view position,
                              int limit, Timestamp now, std::int64_t grace_ms) {
  SqlConnection& c = f.connection();
  RAPPORT_RETURN_IF_ERROR(f.Refresh());
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DataKeyRow> all, ReadDataKeys(c));
  std::vector<DataKeyRow> rows;
  std::copy_if(all.begin(), all.end(), std::back_inserter(rows),
               [&](const DataKeyRow& row) { return row.clinic_id == clinic; });
  const auto active = std::find_if(rows.begin(), rows.end(),
                                   [](const DataKeyRow& row) { return row.state == "active"; });
  ResealPass step;
  RAPPORT_ASSIGN_OR_RETURN(Position p, ParsePosition(position));
  if (position.empty()) {
    for (const DataKeyRow& row : rows) {
      if (row.state == "retiring") p.keys.push_back(row.id);
    }
    // Nothing to do.
    if (p.keys.empty() || active == rows.end()) {
      step.finished = true;
      return step;
    }
    // Too soon: a server that has not refreshed its keys since the rotation may still write
    // under the retiring key.
    if (now < active->created_at + grace_ms) {
      step.not_before = active->created_at + grace_ms;
      return step;
    }
  }
  if (active == rows.end()) {
    return Fail(Error::FailedPrecondition(
        fmt::format("clinic {} has no active data key to seal its values under", clinic)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto sealing, f.ActiveKey(clinic));
  if (sealing.first != active->id) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "the active data key {} of clinic {} does not unwrap under the master key in {}: restart "
        "with the master key file it was wrapped under",
        active->id, clinic, f.ring().master_path())));
  }
  std::set<std::int64_t> inactive;
  for (const DataKeyRow& row : rows) {
    if (row.state != "active") inactive.insert(row.id);
  }

  if (p.column < SealedColumns().size()) {
    const SealedColumn& column = SealedColumns()[p.column];
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<ScannedRow> scanned,
                             ScanRows(c, column, p.after, clinic, limit));
    for (const ScannedRow& row : scanned) {
      if (!row.value) continue;
      const std::optional<std::int64_t> key = SealedKeyId(*row.value);
      if (!key || !inactive.contains(*key)) continue;
      RAPPORT_ASSIGN_OR_RETURN(const std::string plain,
                               f.Open(column.field, row.owner, *row.value));
      RowClinic owner_clinic(clinic);
      RAPPORT_ASSIGN_OR_RETURN(const std::string sealed,
                               f.Seal(owner_clinic, column.field, row.owner, plain));
      RAPPORT_RETURN_IF_ERROR(WriteBack(c, column, row, sealed));
      ++step.resealed;
    }
    Advance(p, scanned, limit);
  }
  if (p.column < SealedColumns().size()) {
    step.position = FormatPosition(p);
    return step;
  }
  for (const std::int64_t id : p.keys) {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery retire,
                             c.Prepare("UPDATE data_keys SET state = 'retired' WHERE id = ? AND "
                                       "clinic_id = ? AND state = 'retiring'"));
    retire.Bind(id).Bind(clinic);
    RAPPORT_ASSIGN_OR_RETURN(const int changed, retire.Run());
    step.retired += changed;
  }
  step.finished = true;
  return step;
}

Result<std::vector<DataKeyStatus>> CountSealedValues(SqlConnection& c) {
  std::map<std::int64_t, std::int64_t> counts;
  for (const SealedColumn& column : SealedColumns()) {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c.Prepare(fmt::format("SELECT {0} FROM {1} WHERE {0} IS NOT NULL AND {0} <> ''",
                                          Quote(column.column), Quote(column.table))));
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
      if (!row) break;
      if (const auto key = SealedKeyId(q.Text(0))) ++counts[*key];
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DataKeyRow> rows, ReadDataKeys(c));
  std::vector<DataKeyStatus> keys;
  for (const DataKeyRow& row : rows) {
    keys.push_back(DataKeyStatus{row.id, row.clinic_id, row.state, row.created_at,
                                 counts.contains(row.id) ? counts.at(row.id) : 0});
  }
  std::stable_sort(keys.begin(), keys.end(), [](const DataKeyStatus& a, const DataKeyStatus& b) {
    return std::tie(a.clinic_id, a.id) < std::tie(b.clinic_id, b.id);
  });
  return keys;
}

Result<int> RewrapDataKeys(SqlConnection& c, const KeyRing& ring, const TextSealer& new_master) {
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<DataKeyRow> rows, ReadDataKeys(c));
  const std::string fingerprint = new_master.Fingerprint();
  int wrapped = 0;
  for (const DataKeyRow& row : rows) {
    if (row.master_fingerprint != ring.master_fingerprint()) {
      return Fail(Error::FailedPrecondition(fmt::format(
          "data key {} is wrapped under another master key (fingerprint {}) than the one in {}: "
          "nothing was changed",
          row.id, row.master_fingerprint, ring.master_path())));
    }
    RAPPORT_ASSIGN_OR_RETURN(const std::string again,
                             RewrapDataKey(ring.master(), new_master, row));
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c.Prepare("UPDATE data_keys SET wrapped = ?, master_fingerprint = ? "
                                       "WHERE id = ? AND wrapped = ?"));
    q.Bind(again).Bind(fingerprint).Bind(row.id).Bind(row.wrapped);
    RAPPORT_ASSIGN_OR_RETURN(const int changed, q.Run());
    if (changed != 1) return Fail(Error::Internal("a data key changed while it was re-wrapped"));
    ++wrapped;
  }
  return wrapped;
}

}  // namespace rapport::sql
