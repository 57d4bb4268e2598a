#include "domain/audit.h"

#include <fmt/format.h>

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

}  // namespace rapport
