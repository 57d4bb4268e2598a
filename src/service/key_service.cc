#include "service/key_service.h"

#include <fmt/format.h>

#include "service/audit_log.h"

namespace rapport {

namespace {

Status RequireSystem(const Actor& actor) {
  if (actor.system) return Ok();
  return Fail(Error::PermissionDenied("only the operator, at the command line, manages the keys"));
}

}  // namespace

Result<std::vector<DataKeyStatus>> KeyService::ListDataKeys(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireSystem(actor));
  return keys_.ListDataKeys();
}

Result<std::int64_t> KeyService::RotateDataKey(const Actor& actor, ClinicId clinic_id) {
  RAPPORT_RETURN_IF_ERROR(RequireSystem(actor));
  const Timestamp now = clock_.Now();
  Actor audited = actor;
  audited.clinic_id = clinic_id;
  AuditEntry entry =
      audit::Entry(audited, now, "rotate_data_key", "clinic", std::to_string(clinic_id));
  entry.detail = "a new data key; the values under the old one are sealed again by the scheduler";
  return keys_.RotateDataKey(clinic_id, now, entry);
}

Result<int> KeyService::RotateMasterKey(const Actor& actor, const std::string& new_master_path) {
  RAPPORT_RETURN_IF_ERROR(RequireSystem(actor));
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Clinic> clinics, store_.ListClinics());
  std::vector<AuditEntry> entries;
  for (const Clinic& clinic : clinics) {
    Actor audited = actor;
    audited.clinic_id = clinic.id;
    AuditEntry entry =
        audit::Entry(audited, now, "rotate_master_key", "clinic", std::to_string(clinic.id));
    entry.detail = "the data keys wrapped again under a new master key";
    entries.push_back(std::move(entry));
  }
  return keys_.RotateMasterKey(new_master_path, entries);
}

}  // namespace rapport
