#include "store/sql/sql_matching.h"

#include <algorithm>
#include <tuple>

#include "store/sql/field_cipher.h"
#include "store/sql/kept_totals.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

// Every therapist has an offer: one who wrote nothing has what their profile (if any) says.
#define RAPPORT_OFFER_SELECT                                                        \
  "SELECT u.id, u.display_name, coalesce(p.credentials, ''), coalesce(p.bio, ''), " \
  "coalesce(p.accepting_new_clients, 1), o.offer, o.licence_verified_at, "          \
  "o.licence_verified_by, o.updated_at FROM users u "                               \
  "LEFT JOIN therapist_profiles p ON p.user_id = u.id "                             \
  "LEFT JOIN therapist_offers o ON o.therapist_id = u.id "

Result<TherapistOffer> ReadOffer(const SqlQuery& q) {
  TherapistOffer offer;  // a therapist who never wrote one offers what the profile says
  if (q.OptionalInt(8)) {
    // The stored text is what OfferToJson wrote after validation; failing to read it back means
    // the file was changed by other hands.
    RAPPORT_ASSIGN_OR_RETURN(Json doc, FromColumn(ParseJson(q.Text(5)), "therapist offer"));
    RAPPORT_ASSIGN_OR_RETURN(offer, FromColumn(OfferFromJson(doc), "therapist offer"));
    offer.updated_at = q.Int(8);
  }
  offer.therapist_id = q.Int(0);
  offer.display_name = q.Text(1);
  offer.credentials = q.Text(2);
  offer.about = q.Text(3);
  offer.accepting_new_clients = q.Bool(4);
  offer.licence_verified_at = q.OptionalInt(6);
  offer.licence_verified_by = q.OptionalInt(7).value_or(0);
  return offer;
}

}  // namespace

Status PutTherapistOffer(SqlConnection& c, const TherapistOffer& offer) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO therapist_offers (therapist_id, offer, licence_verified_at, "
                "licence_verified_by, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (therapist_id) DO UPDATE SET offer = excluded.offer, "
                "licence_verified_at = excluded.licence_verified_at, "
                "licence_verified_by = excluded.licence_verified_by, "
                "updated_at = excluded.updated_at"));
  // What has a column of its own (here or in therapist_profiles, or the user's name) is kept
  // only there, so that the two can never disagree.
  Json doc = OfferToJson(offer);
  for (const char* kept : {"therapist_id", "display_name", "credentials", "about",
                           "accepting_new_clients", "licence_verified_at", "updated_at"}) {
    doc.erase(kept);
  }
  const bool verified = offer.licence_verified_at.has_value();
  q.Bind(offer.therapist_id)
      .Bind(doc.dump())
      .Bind(offer.licence_verified_at)
      .Bind(verified ? std::optional<std::int64_t>(offer.licence_verified_by) : std::nullopt)
      .Bind(offer.updated_at);
  return Done(NameMissing(q.Run(), "therapist does not exist"));
}

Status PutLicenceVerification(SqlConnection& c, UserId therapist_id, std::optional<Timestamp> at,
                              UserId by) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE therapist_offers SET licence_verified_at = ?, "
                                     "licence_verified_by = ? WHERE therapist_id = ?"));
  q.Bind(at).Bind(at ? std::optional<std::int64_t>(by) : std::nullopt).Bind(therapist_id);
  return ChangedOne(q.Run(), "this therapist has not written an offer yet");
}

Status PutClientPreferences(SealedFields& f, const ClientPreferences& preferences) {
  RowClinic clinic = f.OfUser(preferences.client_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string sealed,
      NameMissing(f.Seal(clinic, Field::kClientPreferences, OwnerOf(preferences.client_id),
                         PreferencesToJson(preferences).dump()),
                  "client does not exist"));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO client_preferences (client_id, preferences, updated_at) "
                      "VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET "
                      "preferences = excluded.preferences, updated_at = excluded.updated_at"));
  q.Bind(preferences.client_id).Bind(sealed).Bind(preferences.updated_at);
  return Done(NameMissing(q.Run(), "client does not exist"));
}

Status PutFirstStep(SealedFields& f, const FirstStep& step) {
  const std::string missing = "client does not exist";
  RowClinic clinic = f.OfUser(step.client_id);
  const Owner owner = OwnerOf(step.client_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string brings,
      NameMissing(f.Seal(clinic, Field::kFirstStepBrings, owner, step.brings), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string hopes,
      NameMissing(f.Seal(clinic, Field::kFirstStepHopes, owner, step.hopes), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string worries,
      NameMissing(f.Seal(clinic, Field::kFirstStepWorries, owner, step.worries), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO first_steps (client_id, brings, hopes, worries, shared, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET "
          "brings = excluded.brings, hopes = excluded.hopes, worries = excluded.worries, "
          "shared = excluded.shared, updated_at = excluded.updated_at"));
  q.Bind(step.client_id)
      .Bind(brings)
      .Bind(hopes)
      .Bind(worries)
      .Bind(step.shared)
      .Bind(step.updated_at);
  return Done(NameMissing(q.Run(), missing));
}

Result<TherapistOffer> GetTherapistOffer(SqlConnection& c, UserId therapist_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare(RAPPORT_OFFER_SELECT "WHERE u.id = ? AND u.role = 'therapist'"));
  q.Bind(therapist_id);
  return One(q, ReadOffer, "no such therapist");
}

Result<std::vector<TherapistOffer>> ListTherapistOffers(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare(RAPPORT_OFFER_SELECT
                            "WHERE u.clinic_id = ? AND u.role = 'therapist' AND u.active = 1 "
                            "ORDER BY u.id"));
  q.Bind(clinic_id);
  return All(q, ReadOffer);
}

Result<ClientPreferences> GetClientPreferences(SealedFields& f, UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT client_id, preferences, updated_at FROM client_preferences "
                             "WHERE client_id = ?"));
  q.Bind(client_id);
  return One(
      q,
      [&f](const SqlQuery& row) -> Result<ClientPreferences> {
        RAPPORT_ASSIGN_OR_RETURN(const std::string text, f.Open(Field::kClientPreferences,
                                                                OwnerOf(row.Int(0)), row.Text(1)));
        RAPPORT_ASSIGN_OR_RETURN(Json doc, FromColumn(ParseJson(text), "client preferences"));
        RAPPORT_ASSIGN_OR_RETURN(ClientPreferences p,
                                 FromColumn(PreferencesFromJson(doc), "client preferences"));
        p.client_id = row.Int(0);
        p.updated_at = row.Int(2);
        return p;
      },
      "no preferences saved yet");
}

Result<FirstStep> GetFirstStep(SealedFields& f, UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT client_id, brings, hopes, worries, shared, updated_at "
                             "FROM first_steps WHERE client_id = ?"));
  q.Bind(client_id);
  return One(
      q,
      [&f](const SqlQuery& row) -> Result<FirstStep> {
        FirstStep step{row.Int(0), {}, {}, {}, row.Bool(4), row.Int(5)};
        const Owner owner = OwnerOf(step.client_id);
        RAPPORT_ASSIGN_OR_RETURN(step.brings, f.Open(Field::kFirstStepBrings, owner, row.Text(1)));
        RAPPORT_ASSIGN_OR_RETURN(step.hopes, f.Open(Field::kFirstStepHopes, owner, row.Text(2)));
        RAPPORT_ASSIGN_OR_RETURN(step.worries,
                                 f.Open(Field::kFirstStepWorries, owner, row.Text(3)));
        return step;
      },
      "no first step written yet");
}

Result<std::vector<EndedEpisodeMeasure>> ListEndedEpisodeMeasures(SqlConnection& c,
                                                                  ClinicId clinic_id) {
  // One pass over the clinic's ended episodes (the partial index episodes_ended_by_clinic), each
  // client or guardian series with a baseline beside it (the series' key), and the sessions held
  // counted through appointments_by_episode_status: every step an index lookup, so the read
  // grows with the ended episodes and nothing else.
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT e.id, e.therapist_id, "
                "  (SELECT count(*) FROM appointments a "
                "   WHERE a.episode_id = e.id AND a.status = 'completed'), "
                "  s.instrument, s.respondent, s.first_total, s.first_total_id, s.recent, "
                "  x.reason "
                "FROM episodes e LEFT JOIN response_series s ON s.episode_id = e.id "
                "  AND s.respondent IN ('client', 'guardian') AND s.first_total IS NOT NULL "
                "LEFT JOIN episode_endings x ON x.episode_id = e.id "
                "WHERE e.clinic_id = ? AND e.status = 'ended' "
                "ORDER BY e.id, s.instrument, s.respondent"));
  q.Bind(clinic_id);
  return All(q, [](const SqlQuery& row) -> Result<EndedEpisodeMeasure> {
    EndedEpisodeMeasure m;
    m.episode_id = row.Int(0);
    m.therapist_id = row.Int(1);
    m.completed_sessions = static_cast<int>(row.Int(2));
    if (const std::string reason = row.Text(8); !reason.empty()) {
      RAPPORT_ASSIGN_OR_RETURN(m.end_reason, FromColumn(ParseEndReason(reason), "episode ending"));
    }
    if (!row.OptionalDouble(5)) return m;
    m.instrument = row.Text(3);
    RAPPORT_ASSIGN_OR_RETURN(m.respondent,
                             FromColumn(ParseRespondent(row.Text(4)), "answer series"));
    m.first_total = row.OptionalDouble(5);
    const ResponseId first_id = row.OptionalInt(6).value_or(0);
    RAPPORT_ASSIGN_OR_RETURN(std::vector<ScoredPoint> kept, ParseKeptTotals(row.Text(7)));
    const auto latest =
        std::max_element(kept.begin(), kept.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
          return std::tie(a.submitted_at, a.id) < std::tie(b.submitted_at, b.id);
        });
    if (latest != kept.end() && latest->id != first_id) m.latest_total = latest->total;
    return m;
  });
}

}  // namespace rapport::sql
