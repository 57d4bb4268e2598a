#include "service/audit_log.h"

namespace rapport::audit {

AuditEntry Entry(const Actor& actor, Timestamp at, std::string action, std::string record_type,
                 std::string record_id) {
  AuditEntry entry;
  entry.at = at;
  entry.clinic_id = actor.clinic_id;
  entry.actor_id = actor.user_id;
  entry.actor_role = actor.AuditRole();
  entry.action = std::move(action);
  entry.record_type = std::move(record_type);
  entry.record_id = std::move(record_id);
  entry.source = actor.source;
  return entry;
}

Status Append(WriteTxn& txn, const Actor& actor, Timestamp at, std::string action,
              std::string record_type, std::string record_id) {
  RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(
      Entry(actor, at, std::move(action), std::move(record_type), std::move(record_id))));
  return Ok();
}

Status Reads(Store& store, const Actor& actor, Timestamp at, std::vector<Touch> touched) {
  if (touched.empty()) return Ok();
  // One entry for the whole answer: the first record as its own, the rest named as subjects.
  AuditEntry entry = Entry(actor, at, "read", std::move(touched.front().record_type),
                           std::move(touched.front().record_id));
  entry.subjects.reserve(touched.size() - 1);
  for (std::size_t i = 1; i < touched.size(); ++i) {
    entry.subjects.push_back(AuditRecordKey(touched[i].record_type, touched[i].record_id));
  }
  return store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
    return Ok();
  });
}

}  // namespace rapport::audit
