#include "demo/demo_family.h"

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "core/calendar_date.h"
#include "domain/family.h"
#include "service/audit_log.h"

namespace rapport {

namespace {

constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;
constexpr Timestamp kWeek = 7 * kDay;

Status Stand(WriteTxn& txn, const Actor& system, GuardianStanding standing) {
  RAPPORT_ASSIGN_OR_RETURN(standing, ValidatedStanding(std::move(standing)));
  RAPPORT_RETURN_IF_ERROR(txn.PutGuardianStanding(standing));
  return audit::Append(txn, system, standing.updated_at, "family.standing", "guardian_link",
                       std::to_string(standing.link_id));
}

Status Consent(WriteTxn& txn, const Actor& system, const DemoFamilyInput& in, UserId child,
               UserId recorded_by, ConsentKind kind, GuardianLinkId link, Timestamp given,
               std::string note) {
  CareConsent consent;
  consent.child_id = child;
  consent.kind = kind;
  consent.guardian_link_id = link;
  consent.given_on = FormatUtcDate(given);
  consent.renew_by = FormatUtcDate(given + 52 * kWeek);
  consent.note = std::move(note);
  consent.recorded_by = recorded_by;
  consent.recorded_at = given + kDay;
  RAPPORT_ASSIGN_OR_RETURN(consent, ValidatedConsent(std::move(consent), in.now));
  RAPPORT_ASSIGN_OR_RETURN(const ConsentId id, txn.InsertCareConsent(consent));
  return audit::Append(txn, system, consent.recorded_at, "family.consent", "care_consent",
                       std::to_string(id));
}

}  // namespace

Status SeedFamilies(WriteTxn& txn, const DemoFamilyInput& in) {
  const Actor system = Actor::System("demo");
  const Timestamp intake = in.now - 12 * kWeek;

  // Leo's father: linked, but a court order allows him only the times of appointments.
  RAPPORT_ASSIGN_OR_RETURN(
      const GuardianLinkId father,
      txn.InsertGuardianLink(EstablishedGuardianLink(
          in.leo_father, in.leo, intake,
          "Demo clinic: the child arrangements order was seen and copied at intake.")));
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, system, intake, "create", "guardian_link", std::to_string(father)));

  GuardianStanding mother = DefaultStanding(in.leo_mother);
  mother.contact_channel = ContactChannel::kEmail;
  mother.contact_note = "Mornings before nine are easiest.";
  mother.updated_by = in.leo_therapist;
  mother.updated_at = intake + kDay;
  RAPPORT_RETURN_IF_ERROR(Stand(txn, system, mother));

  GuardianStanding limited = DefaultStanding(father);
  limited.authority = LegalAuthority::kLimitedByCourtOrder;
  limited.court_order =
      "Child arrangements order, family court, 14 May 2026: Marcus may be told when and where "
      "Leo's appointments are, and nothing else about his care.";
  limited.contact_channel = ContactChannel::kEmail;
  GuardianSections appointments_only;
  appointments_only.appointments = true;
  limited.sections = appointments_only;
  limited.updated_by = in.leo_therapist;
  limited.updated_at = intake + kDay;
  RAPPORT_RETURN_IF_ERROR(Stand(txn, system, limited));

  GuardianStanding kwame = DefaultStanding(in.ama_father);
  kwame.contact_channel = ContactChannel::kPhone;
  kwame.contact_note = "Please call after six; he works days.";
  kwame.updated_by = in.ama_therapist;
  kwame.updated_at = in.now - 14 * kWeek;
  RAPPORT_RETURN_IF_ERROR(Stand(txn, system, kwame));

  RAPPORT_RETURN_IF_ERROR(Consent(txn, system, in, in.leo, in.leo_therapist,
                                  ConsentKind::kGuardianConsent, in.leo_mother, intake,
                                  "Elena signed the consent form at the first appointment."));
  RAPPORT_RETURN_IF_ERROR(Consent(txn, system, in, in.leo, in.leo_therapist, ConsentKind::kAssent,
                                  0, intake,
                                  "Leo drew a thumbs-up on the 'coming to see Sofia' page and "
                                  "said he would give it a go."));
  RAPPORT_RETURN_IF_ERROR(Consent(txn, system, in, in.ama, in.ama_therapist,
                                  ConsentKind::kGuardianConsent, in.ama_father, in.now - 14 * kWeek,
                                  "Kwame consented by phone; the signed form came by post."));
  return Consent(txn, system, in, in.ama, in.ama_therapist, ConsentKind::kAssent, 0,
                 in.now - 14 * kWeek,
                 "Ama agreed in her own words, once she heard what stays between her and her "
                 "therapist.");
}

}  // namespace rapport
