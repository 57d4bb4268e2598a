#include "store/sql/audit_rows.h"

#include "core/json.h"

namespace rapport {

Result<AuditEntry> ReadAuditRow(const SqlQuery& q) {
  AuditEntry e;
  e.seq = q.Int(0);
  e.at = q.Int(1);
  e.clinic_id = q.Int(2);
  e.actor_id = q.Int(3);
  e.actor_role = q.Text(4);
  e.action = q.Text(5);
  e.record_type = q.Text(6);
  e.record_id = q.Text(7);
  e.source = q.Text(8);
  e.prev_hash = q.Text(9);
  e.hash = q.Text(10);
  e.detail = q.Text(11);
  const Json subjects = Json::parse(q.Text(12), nullptr, /*allow_exceptions=*/false);
  if (!subjects.is_array()) {
    return Fail(Error::Unavailable("an audit entry's subjects do not read"));
  }
  for (const Json& s : subjects) {
    if (!s.is_string()) return Fail(Error::Unavailable("an audit entry's subjects do not read"));
    e.subjects.push_back(s.get<std::string>());
  }
  return e;
}

}  // namespace rapport
