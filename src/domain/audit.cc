#include "domain/audit.h"

#include <fmt/format.h>

#include <utility>

#include "core/crypto.h"

namespace rapport {

namespace {
void Put(std::string& out, std::string_view field) {
  out += fmt::format("{}:", field.size());
  out += field;
  out += ';';
}
}  // namespace

std::string AuditRecordKey(std::string_view record_type, std::string_view record_id) {
  std::string key(record_type);
  key += ':';
  key += record_id;
  return key;
}

std::string AuditDigestInput(const AuditEntry& e) {
  std::string out = "rapport-audit-v1;";
  Put(out, std::to_string(e.seq));
  Put(out, std::to_string(e.at));
  Put(out, std::to_string(e.clinic_id));
  Put(out, std::to_string(e.actor_id));
  Put(out, e.actor_role);
  Put(out, e.action);
  Put(out, e.record_type);
  Put(out, e.record_id);
  Put(out, e.source);
  Put(out, e.prev_hash);
  if (!e.detail.empty()) Put(out, e.detail);
  if (!e.subjects.empty()) {
    // Marked and counted, so that no detail can be mistaken for a list of subjects.
    out += "subjects;";
    Put(out, std::to_string(e.subjects.size()));
    for (const std::string& s : e.subjects) Put(out, s);
  }
  return out;
}

AuditChainCheck::AuditChainCheck(std::int64_t keyed_from, KeyedSeal keyed_seal)
    : keyed_from_(keyed_from), keyed_seal_(std::move(keyed_seal)) {}

std::optional<AuditChainBreak> AuditChainCheck::Next(const AuditEntry& entry) {
  if (entry.seq != next_seq_) {
    // A missing entry is reported at the first seq that should have been there.
    return AuditChainBreak{
        next_seq_, fmt::format("entry {} is missing (the next entry is {})", next_seq_, entry.seq)};
  }
  if (entry.prev_hash != prev_hash_) {
    return AuditChainBreak{entry.seq, "its previous-hash does not match the entry before it"};
  }
  const std::string input = AuditDigestInput(entry);
  const std::string expected = entry.seq >= keyed_from_ ? keyed_seal_(input) : Blake2b256Hex(input);
  if (!ConstantTimeEquals(expected, entry.hash)) {
    return AuditChainBreak{entry.seq, "its contents do not match its seal"};
  }
  prev_hash_ = entry.hash;
  ++next_seq_;
  return std::nullopt;
}

}  // namespace rapport
