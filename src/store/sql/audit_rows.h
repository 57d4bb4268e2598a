#pragma once
// Internal to the store's SQL (store/sql/): the audit table's columns as every query of it names
// them, and one row read back as an AuditEntry. Stateless.

#include "core/result.h"
#include "domain/audit.h"
#include "store/sql/sql_connection.h"

#define RAPPORT_AUDIT_COLUMNS                                                                     \
  "seq, at, clinic_id, actor_id, actor_role, action, record_type, record_id, source, prev_hash, " \
  "hash, detail, subjects"

namespace rapport {

// The current row of a query selecting RAPPORT_AUDIT_COLUMNS. kUnavailable when its subjects are
// not a JSON list of texts (the file was damaged or edited by hand).
Result<AuditEntry> ReadAuditRow(const SqlQuery& q);

}  // namespace rapport
