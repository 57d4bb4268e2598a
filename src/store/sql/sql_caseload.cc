#include "store/sql/sql_caseload.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "core/json.h"
#include "store/sql/sql_appointments.h"
#include "store/sql/sql_feedback.h"
#include "store/sql/sql_people.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

// The caseload's episodes that have not ended, for the queries below (?1 clinic, ?2 therapists).
#define RAPPORT_CASELOAD_OPEN                                                        \
  "WITH caseload AS (SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id " \
  "IN (SELECT CAST(value AS BIGINT) FROM json_each(?2)) AND status <> 'ended') "

// Rolls a read transaction back when it goes out of scope: one snapshot for several queries.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(SqlConnection& c) : c_(c) {}
  // Inside Store::Read() the connection already holds a snapshot, which is then the one used.
  Status Begin() {
    if (!c_.InAutocommit()) return Ok();
    RAPPORT_RETURN_IF_ERROR(c_.BeginRead());
    open_ = true;
    return Ok();
  }
  ~ReadSnapshot() {
    if (open_) (void)c_.Exec("ROLLBACK");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  SqlConnection& c_;
  bool open_ = false;
};

// The caseload's episodes found by id in `episodes` (ordered by id).
CaseloadEpisode* FindEpisode(std::vector<CaseloadEpisode>& episodes, EpisodeId id) {
  auto it =
      std::lower_bound(episodes.begin(), episodes.end(), id,
                       [](const CaseloadEpisode& e, EpisodeId key) { return e.episode.id < key; });
  return it != episodes.end() && it->episode.id == id ? &*it : nullptr;
}

// Runs one of the caseload's queries (?1 the clinic, ?2 the therapists as a JSON array, and ?3
// now when `with_now`) and hands each row to `row` with the episode its column `episode_column`
// names; rows of other episodes are passed over.
template <typename Row>
Status EachCaseloadRow(SqlConnection& c, std::string_view sql, const CaseloadQuery& query,
                       const std::string& therapists, bool with_now, int episode_column,
                       std::vector<CaseloadEpisode>& episodes, Row row) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(query.clinic_id).Bind(therapists);
  if (with_now) q.Bind(query.now);
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool more, q.Step());
    if (!more) return Ok();
    CaseloadEpisode* e = FindEpisode(episodes, q.Int(episode_column));
    if (e != nullptr) RAPPORT_RETURN_IF_ERROR(row(*e, q));
  }
}

}  // namespace

Result<std::vector<CaseloadEpisode>> ReadCaseload(SqlConnection& c, const CaseloadQuery& query) {
  std::vector<CaseloadEpisode> out;
  if (query.therapist_ids.empty()) return out;
  const std::string therapists = Json(query.therapist_ids).dump();
  ReadSnapshot snapshot(c);
  RAPPORT_RETURN_IF_ERROR(snapshot.Begin());

  // 1. The episodes with their people's names.
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c.Prepare("SELECT e.id, e.clinic_id, e.client_id, e.therapist_id, e.status, e.started_at, "
                  "e.ended_at, u.display_name, coalesce(p.preferred_name, ''), "
                  "coalesce(p.date_of_birth, ''), t.display_name FROM episodes e "
                  "JOIN users u ON u.id = e.client_id AND u.role = 'client' "
                  "AND u.clinic_id = e.clinic_id "
                  "LEFT JOIN client_profiles p ON p.user_id = e.client_id "
                  "JOIN users t ON t.id = e.therapist_id WHERE e.clinic_id = ?1 "
                  "AND e.therapist_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?2)) ORDER "
                  "BY e.id"));
    q.Bind(query.clinic_id).Bind(therapists);
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
      if (!row) break;
      CaseloadEpisode e;
      RAPPORT_ASSIGN_OR_RETURN(e.episode, ReadEpisode(q));
      e.client_display_name = q.Text(7);
      e.client_preferred_name = q.Text(8);
      e.client_date_of_birth = q.Text(9);
      e.therapist_name = q.Text(10);
      out.push_back(std::move(e));
    }
  }

  // 2. Open alerts, counted by severity.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN
      "SELECT episode_id, severity, count(*) FROM alerts INDEXED BY alerts_open_by_episode "
      "WHERE state = 'open' AND episode_id IN (SELECT id FROM caseload) GROUP BY episode_id, "
      "severity",
      query, therapists, /*with_now=*/false, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(const Severity severity,
                                 FromColumn(ParseSeverity(q.Text(1)), "alert severity"));
        e.open_alerts += static_cast<int>(q.Int(2));
        if (!e.top_severity || severity > *e.top_severity) e.top_severity = severity;
        return Ok();
      }));

  // 3. The next appointment of every episode (SQLite takes the bare columns from the row that
  // holds the minimum; PostgreSQL says so with DISTINCT ON).
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      c.dialect() == SqlDialect::kSqlite
          ? "SELECT a.id, a.episode_id, min(a.starts_at), a.duration_minutes, a.modality, "
            "a.status FROM appointments a INDEXED BY appointments_by_episode_status WHERE "
            "a.episode_id IN (SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id IN "
            "(SELECT value FROM json_each(?2))) AND a.status = 'scheduled' AND a.starts_at >= ?3 "
            "GROUP BY a.episode_id"
          : "SELECT DISTINCT ON (a.episode_id) a.id, a.episode_id, a.starts_at, "
            "a.duration_minutes, a.modality, a.status FROM appointments a WHERE a.episode_id IN "
            "(SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id IN "
            "(SELECT CAST(value AS BIGINT) FROM json_each(?2))) AND a.status = 'scheduled' AND "
            "a.starts_at >= ?3 ORDER BY a.episode_id, a.starts_at, a.id",
      query, therapists, /*with_now=*/true, 1, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(e.next_appointment, ReadAppointment(q));
        return Ok();
      }));

  // 4. The questionnaires assigned, in order.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(c,
                                          RAPPORT_CASELOAD_OPEN
                                          "SELECT episode_id, instrument FROM episode_instruments "
                                          "WHERE episode_id IN (SELECT id FROM caseload) "
                                          "ORDER BY episode_id, assigned_at, rowid",
                                          query, therapists, /*with_now=*/false, 0, out,
                                          [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
                                            std::string code = q.Text(1);
                                            if (std::find(e.assigned.begin(), e.assigned.end(),
                                                          code) == e.assigned.end()) {
                                              e.assigned.push_back(std::move(code));
                                            }
                                            return Ok();
                                          }));

  // 5. The series of answers, a summary row each with its first and latest totals.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN "SELECT " RAPPORT_SERIES_COLUMNS
                            " FROM response_series WHERE episode_id IN (SELECT id FROM caseload) "
                            "ORDER BY episode_id, instrument, respondent",
      query, therapists, /*with_now=*/false, 0, out,
      [&query](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(ResponseSeries s, ReadSeries(q, query.recent));
        e.series.push_back(std::move(s));
        return Ok();
      }));

  // 6. The plan's standing, from its covering index: the newest version's status...
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      c.dialect() == SqlDialect::kSqlite ? RAPPORT_CASELOAD_OPEN
          "SELECT episode_id, status, max(number) FROM plan_versions INDEXED BY "
          "plan_versions_standing WHERE episode_id IN (SELECT id FROM caseload) GROUP BY episode_id"
                                         : RAPPORT_CASELOAD_OPEN
          "SELECT DISTINCT ON (episode_id) episode_id, status, number FROM plan_versions "
          "WHERE episode_id IN (SELECT id FROM caseload) ORDER BY episode_id, number DESC",
      query, therapists, /*with_now=*/false, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(e.plan_status,
                                 FromColumn(ParsePlanVersionStatus(q.Text(1)), "plan status"));
        return Ok();
      }));
  // ... and, for an agreed plan, since when its review counts and the sessions completed since.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN
      ", agreed AS (SELECT v.episode_id, v.number, max(coalesce(v.decided_at, v.updated_at), "
      "coalesce((SELECT max(ev.at) FROM plan_events ev INDEXED BY plan_events_by_kind "
      "WHERE ev.episode_id = v.episode_id AND ev.kind = 'review'), 0)) AS since "
      "FROM plan_versions v INDEXED BY plan_versions_standing "
      "WHERE v.episode_id IN (SELECT id FROM caseload) AND v.status = 'agreed') "
      "SELECT g.episode_id, g.since, (SELECT count(*) FROM appointments a INDEXED BY "
      "appointments_by_episode_status WHERE a.episode_id = g.episode_id AND "
      "a.status = 'completed' AND a.starts_at > g.since AND a.starts_at <= ?3) "
      "FROM agreed g ORDER BY g.episode_id, g.number",
      query, therapists, /*with_now=*/true, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        if (e.plan_review_since) return Ok();  // the first agreed version counts
        e.plan_review_since = q.Int(1);
        e.sessions_since_review = static_cast<int>(q.Int(2));
        return Ok();
      }));
  return out;
}

#undef RAPPORT_CASELOAD_OPEN

Result<std::pair<std::int64_t, std::int64_t>> EndedEpisodesMark(SqlConnection& c,
                                                                ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT ended, changes FROM clinic_ended_episodes WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) return std::pair<std::int64_t, std::int64_t>{0, 0};
  return std::pair<std::int64_t, std::int64_t>{q.Int(0), q.Int(1)};
}

}  // namespace rapport::sql
