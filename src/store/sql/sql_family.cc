#include "store/sql/sql_family.h"

#include <optional>
#include <string>

#include "core/json.h"
#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

Status PutGuardianStanding(SealedFields& f, const GuardianStanding& s) {
  const std::string missing = "guardian link or user does not exist";
  RowClinic clinic = f.OfGuardianLink(s.link_id);
  const Owner owner = OwnerOf(s.link_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string court_order,
      NameMissing(f.Seal(clinic, Field::kStandingCourtOrder, owner, s.court_order), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string contact_note,
      NameMissing(f.Seal(clinic, Field::kStandingContactNote, owner, s.contact_note), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO guardian_standings (link_id, relationship, authority, court_order, "
          "contact_channel, contact_note, sections, updated_by, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (link_id) DO UPDATE SET "
          "relationship = excluded.relationship, authority = excluded.authority, "
          "court_order = excluded.court_order, contact_channel = excluded.contact_channel, "
          "contact_note = excluded.contact_note, sections = excluded.sections, "
          "updated_by = excluded.updated_by, updated_at = excluded.updated_at"));
  std::optional<std::string> sections;
  if (s.sections) sections = GuardianSectionsToJson(*s.sections).dump();
  q.Bind(s.link_id)
      .Bind(ToString(s.relationship))
      .Bind(ToString(s.authority))
      .Bind(court_order)
      .Bind(ToString(s.contact_channel))
      .Bind(contact_note)
      .Bind(sections)
      .Bind(IdOrNull(s.updated_by))
      .Bind(s.updated_at);
  return Done(NameMissing(q.Run(), missing));
}

Result<GuardianStanding> GetGuardianStanding(SealedFields& f, GuardianLinkId link_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT link_id, relationship, authority, court_order, contact_channel, "
                      "contact_note, sections, updated_by, updated_at FROM guardian_standings "
                      "WHERE link_id = ?"));
  q.Bind(link_id);
  return One(
      q,
      [&f](const SqlQuery& row) -> Result<GuardianStanding> {
        GuardianStanding s;
        s.link_id = row.Int(0);
        const Owner owner = OwnerOf(s.link_id);
        RAPPORT_ASSIGN_OR_RETURN(
            s.relationship, FromColumn(ParseGuardianRelationship(row.Text(1)), "relationship"));
        RAPPORT_ASSIGN_OR_RETURN(s.authority,
                                 FromColumn(ParseLegalAuthority(row.Text(2)), "authority"));
        RAPPORT_ASSIGN_OR_RETURN(s.court_order,
                                 f.Open(Field::kStandingCourtOrder, owner, row.Text(3)));
        RAPPORT_ASSIGN_OR_RETURN(s.contact_channel,
                                 FromColumn(ParseContactChannel(row.Text(4)), "contact channel"));
        RAPPORT_ASSIGN_OR_RETURN(s.contact_note,
                                 f.Open(Field::kStandingContactNote, owner, row.Text(5)));
        if (const std::string sections = row.Text(6); !sections.empty()) {
          RAPPORT_ASSIGN_OR_RETURN(const Json json,
                                   FromColumn(ParseJson(sections), "guardian sections"));
          RAPPORT_ASSIGN_OR_RETURN(
              s.sections, FromColumn(GuardianSectionsFromJson(json, "sections"), "sections"));
        }
        s.updated_by = row.OptionalInt(7).value_or(0);
        s.updated_at = row.Int(8);
        return s;
      },
      "no standing is recorded for this guardian link");
}

Result<ConsentId> InsertCareConsent(SealedFields& f, const CareConsent& consent) {
  const std::string missing = "child, guardian link or user does not exist";
  RowClinic clinic = f.OfUser(consent.child_id);
  RAPPORT_ASSIGN_OR_RETURN(const std::string note,
                           NameMissing(f.Seal(clinic, Field::kConsentNote,
                                              OwnerOf(consent.child_id, ToString(consent.kind),
                                                      consent.recorded_by, consent.recorded_at),
                                              consent.note),
                                       missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO care_consents (child_id, kind, guardian_link_id, given_on, renew_by, "
          "note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(consent.child_id)
      .Bind(ToString(consent.kind))
      .Bind(IdOrNull(consent.guardian_link_id))
      .Bind(consent.given_on)
      .Bind(consent.renew_by)
      .Bind(note)
      .Bind(consent.recorded_by)
      .Bind(consent.recorded_at);
  return NameMissing(q.RunReturningId(), missing);
}

Result<std::vector<CareConsent>> ListCareConsentsOfChild(SealedFields& f, UserId child_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "SELECT id, child_id, kind, guardian_link_id, given_on, renew_by, note, "
          "recorded_by, recorded_at FROM care_consents WHERE child_id = ? ORDER BY id"));
  q.Bind(child_id);
  return All(q, [&f](const SqlQuery& row) -> Result<CareConsent> {
    CareConsent consent;
    consent.id = row.Int(0);
    consent.child_id = row.Int(1);
    RAPPORT_ASSIGN_OR_RETURN(consent.kind, FromColumn(ParseConsentKind(row.Text(2)), "kind"));
    consent.guardian_link_id = row.OptionalInt(3).value_or(0);
    consent.given_on = row.Text(4);
    consent.renew_by = row.Text(5);
    consent.recorded_by = row.Int(7);
    consent.recorded_at = row.Int(8);
    RAPPORT_ASSIGN_OR_RETURN(consent.note, f.Open(Field::kConsentNote,
                                                  OwnerOf(consent.child_id, row.Text(2),
                                                          consent.recorded_by, consent.recorded_at),
                                                  row.Text(6)));
    return consent;
  });
}

Result<DisclosureId> InsertSafetyDisclosure(SealedFields& f, const SafetyDisclosure& disclosure) {
  const std::string missing = "episode, guardian link or user does not exist";
  RowClinic clinic = f.OfEpisode(disclosure.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string reason,
      NameMissing(f.Seal(clinic, Field::kDisclosureReason,
                         OwnerOf(disclosure.episode_id, disclosure.item_key,
                                 disclosure.disclosed_by, disclosure.disclosed_at),
                         disclosure.reason),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO safety_disclosures (episode_id, guardian_link_id, item_key, reason, "
          "disclosed_by, disclosed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(disclosure.episode_id)
      .Bind(disclosure.guardian_link_id)
      .Bind(disclosure.item_key)
      .Bind(reason)
      .Bind(disclosure.disclosed_by)
      .Bind(disclosure.disclosed_at);
  return NameMissing(q.RunReturningId(), missing);
}

Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(SealedFields& f,
                                                                     EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT id, episode_id, guardian_link_id, item_key, reason, disclosed_by, "
                      "disclosed_at FROM safety_disclosures WHERE episode_id = ? ORDER BY id"));
  q.Bind(episode_id);
  return All(q, [&f](const SqlQuery& row) -> Result<SafetyDisclosure> {
    SafetyDisclosure d;
    d.id = row.Int(0);
    d.episode_id = row.Int(1);
    d.guardian_link_id = row.OptionalInt(2).value_or(0);
    d.item_key = row.Text(3);
    d.disclosed_by = row.Int(5);
    d.disclosed_at = row.Int(6);
    RAPPORT_ASSIGN_OR_RETURN(
        d.reason,
        f.Open(Field::kDisclosureReason,
               OwnerOf(d.episode_id, d.item_key, d.disclosed_by, d.disclosed_at), row.Text(4)));
    return d;
  });
}

}  // namespace rapport::sql
