#include "store/sql/sql_family.h"

#include <optional>
#include <string>

#include "core/json.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

Status PutGuardianStanding(SqlConnection& c, const GuardianStanding& s) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO guardian_standings (link_id, relationship, authority, court_order, "
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
      .Bind(s.court_order)
      .Bind(ToString(s.contact_channel))
      .Bind(s.contact_note)
      .Bind(sections)
      .Bind(IdOrNull(s.updated_by))
      .Bind(s.updated_at);
  return Done(NameMissing(q.Run(), "guardian link or user does not exist"));
}

Result<GuardianStanding> GetGuardianStanding(SqlConnection& c, GuardianLinkId link_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT link_id, relationship, authority, court_order, contact_channel, "
                "contact_note, sections, updated_by, updated_at FROM guardian_standings "
                "WHERE link_id = ?"));
  q.Bind(link_id);
  return One(
      q,
      [](const SqlQuery& row) -> Result<GuardianStanding> {
        GuardianStanding s;
        s.link_id = row.Int(0);
        RAPPORT_ASSIGN_OR_RETURN(
            s.relationship, FromColumn(ParseGuardianRelationship(row.Text(1)), "relationship"));
        RAPPORT_ASSIGN_OR_RETURN(s.authority,
                                 FromColumn(ParseLegalAuthority(row.Text(2)), "authority"));
        s.court_order = row.Text(3);
        RAPPORT_ASSIGN_OR_RETURN(s.contact_channel,
                                 FromColumn(ParseContactChannel(row.Text(4)), "contact channel"));
        s.contact_note = row.Text(5);
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

Result<ConsentId> InsertCareConsent(SqlConnection& c, const CareConsent& consent) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO care_consents (child_id, kind, guardian_link_id, given_on, renew_by, "
                "note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(consent.child_id)
      .Bind(ToString(consent.kind))
      .Bind(IdOrNull(consent.guardian_link_id))
      .Bind(consent.given_on)
      .Bind(consent.renew_by)
      .Bind(consent.note)
      .Bind(consent.recorded_by)
      .Bind(consent.recorded_at);
  return NameMissing(q.RunReturningId(), "child, guardian link or user does not exist");
}

Result<std::vector<CareConsent>> ListCareConsentsOfChild(SqlConnection& c, UserId child_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT id, child_id, kind, guardian_link_id, given_on, renew_by, note, "
                "recorded_by, recorded_at FROM care_consents WHERE child_id = ? ORDER BY id"));
  q.Bind(child_id);
  return All(q, [](const SqlQuery& row) -> Result<CareConsent> {
    CareConsent consent;
    consent.id = row.Int(0);
    consent.child_id = row.Int(1);
    RAPPORT_ASSIGN_OR_RETURN(consent.kind, FromColumn(ParseConsentKind(row.Text(2)), "kind"));
    consent.guardian_link_id = row.OptionalInt(3).value_or(0);
    consent.given_on = row.Text(4);
    consent.renew_by = row.Text(5);
    consent.note = row.Text(6);
    consent.recorded_by = row.Int(7);
    consent.recorded_at = row.Int(8);
    return consent;
  });
}

Result<DisclosureId> InsertSafetyDisclosure(SqlConnection& c, const SafetyDisclosure& disclosure) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO safety_disclosures (episode_id, guardian_link_id, item_key, reason, "
                "disclosed_by, disclosed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(disclosure.episode_id)
      .Bind(disclosure.guardian_link_id)
      .Bind(disclosure.item_key)
      .Bind(disclosure.reason)
      .Bind(disclosure.disclosed_by)
      .Bind(disclosure.disclosed_at);
  return NameMissing(q.RunReturningId(), "episode, guardian link or user does not exist");
}

Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(SqlConnection& c,
                                                                     EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT id, episode_id, guardian_link_id, item_key, reason, disclosed_by, "
                "disclosed_at FROM safety_disclosures WHERE episode_id = ? ORDER BY id"));
  q.Bind(episode_id);
  return All(q, [](const SqlQuery& row) -> Result<SafetyDisclosure> {
    SafetyDisclosure d;
    d.id = row.Int(0);
    d.episode_id = row.Int(1);
    d.guardian_link_id = row.OptionalInt(2).value_or(0);
    d.item_key = row.Text(3);
    d.reason = row.Text(4);
    d.disclosed_by = row.Int(5);
    d.disclosed_at = row.Int(6);
    return d;
  });
}

}  // namespace rapport::sql
