#pragma once
// The Store contract for the reads whose cost must not grow with a client's history: answer
// series, unresolved alerts of one questionnaire, the caseload read model and audit entries that
// name several records. Part of the contract suite (store/store_contract_test.h); include from
// exactly one .cc per test binary, after it, and instantiate StoreCaseloadContractTest there.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store/store_contract_test.h"

namespace rapport {

class StoreCaseloadContractTest : public StoreFeedbackContractTest {
 protected:
  static constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;

  ResponseId Answer(EpisodeId episode, UserId by, Timestamp at, std::optional<double> total,
                    const std::string& instrument = "PHQ-9",
                    Respondent respondent = Respondent::kClient) {
    FeedbackResponse r = MakeResponse(episode, by, std::nullopt, at, instrument);
    r.total = total;
    r.band = total ? fmt::format("band {}", *total) : std::string();
    r.respondent = respondent;
    return Put([&](WriteTxn& txn) { return txn.InsertResponse(r); });
  }

  ResponseSeries Series(EpisodeId episode, const std::string& instrument, Respondent respondent,
                        int recent) {
    std::optional<ResponseSeries> out;
    EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_ASSIGN_OR_RETURN(
                      out, txn.GetResponseSeries(episode, instrument, respondent, recent));
                  return Ok();
                }),
                IsOk());
    return out.value_or(ResponseSeries{});
  }

  static std::vector<double> Totals(const std::vector<ScoredPoint>& points) {
    std::vector<double> out;
    for (const ScoredPoint& p : points) out.push_back(p.total);
    return out;
  }

  std::vector<CaseloadEpisode> Caseload(ClinicId clinic, std::vector<UserId> therapists,
                                        Timestamp now, int recent = 12) {
    CaseloadQuery query;
    query.clinic_id = clinic;
    query.therapist_ids = std::move(therapists);
    query.now = now;
    query.recent = recent;
    auto read = store().ReadCaseload(query);
    EXPECT_THAT(read, IsOk());
    return read ? *read : std::vector<CaseloadEpisode>{};
  }
};

TEST_P(StoreCaseloadContractTest, ASeriesCountsEveryAnswerAndKeepsItsFirstAndLatestTotals) {
  const auto w = MakeWorld();
  // Out of order on purpose: the series follows submission time, not insertion order.
  const ResponseId first = Answer(w.episode, w.client, kT0 + 1, 20);
  for (int i = 2; i <= 10; ++i) Answer(w.episode, w.client, kT0 + 100 - i, 20 - i);
  Answer(w.episode, w.client, kT0 + 200, std::nullopt);  // answered, but no total
  Answer(w.episode, w.client, kT0 + 300, 99, "GAD-7");
  Answer(w.episode, w.therapist, kT0 + 400, 50, "PHQ-9", Respondent::kTherapist);

  const ResponseSeries s = Series(w.episode, "PHQ-9", Respondent::kClient, 3);
  EXPECT_EQ(s.answered, 11);
  EXPECT_EQ(s.first_submitted_at, kT0 + 1);
  EXPECT_EQ(s.last_submitted_at, kT0 + 200);
  EXPECT_EQ(s.first_total, 20);
  EXPECT_EQ(s.first_id, first);
  // Submitted at kT0+96 (total 16), +97 (17), +98 (18): the latest three, oldest first, whatever
  // order they were written in.
  EXPECT_THAT(Totals(s.recent), ::testing::ElementsAre(16, 17, 18));
  EXPECT_EQ(s.recent.back().band, "band 18");

  const ResponseSeries therapist = Series(w.episode, "PHQ-9", Respondent::kTherapist, 3);
  EXPECT_EQ(therapist.answered, 1);
  EXPECT_THAT(Totals(therapist.recent), ::testing::ElementsAre(50));

  const ResponseSeries none = Series(w.episode, "PSC-17", Respondent::kGuardian, 3);
  EXPECT_EQ(none.answered, 0);
  EXPECT_FALSE(none.first_total.has_value());
  EXPECT_TRUE(none.recent.empty());
}

TEST_P(StoreCaseloadContractTest, ASeriesKeepsOnlyTheLatestTotalsWhenAnOlderAnswerArrivesLast) {
  const auto w = MakeWorld();
  for (int i = 0; i < 15; ++i) Answer(w.episode, w.client, kT0 + 1000 + i, i);
  Answer(w.episode, w.client, kT0 + 5, 99);  // older than every kept one: counted, not kept
  const ResponseSeries s = Series(w.episode, "PHQ-9", Respondent::kClient, kKeptTotals);
  EXPECT_EQ(s.answered, 16);
  EXPECT_EQ(s.first_total, 99);
  EXPECT_THAT(Totals(s.recent), ::testing::ElementsAre(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14));
}

TEST_P(StoreCaseloadContractTest, UnresolvedAlertsOfAQuestionnaireLeaveOutOthersAndResolvedOnes) {
  const auto w = MakeWorld();
  const ResponseId phq = Answer(w.episode, w.client, kT0, 12);
  const ResponseId gad = Answer(w.episode, w.client, kT0 + 1, 12, "GAD-7");
  const AlertId open = Put(
      [&](WriteTxn& txn) { return txn.InsertAlert(MakeAlert(w.clinic, w.episode, phq, kT0 + 2)); });
  const AlertId done = Put(
      [&](WriteTxn& txn) { return txn.InsertAlert(MakeAlert(w.clinic, w.episode, phq, kT0 + 3)); });
  Put([&](WriteTxn& txn) { return txn.InsertAlert(MakeAlert(w.clinic, w.episode, gad, kT0 + 4)); });
  Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, std::nullopt, kT0 + 5));
  });
  FeedbackAlert resolved = *store().GetAlert(done);
  resolved.state = AlertState::kResolved;
  resolved.resolved_by = w.therapist;
  resolved.resolved_at = kT0 + 6;
  resolved.resolve_note = "Talked it through.";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(resolved); }), IsOk());

  std::vector<FeedbackAlert> listed;
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(listed,
                                         txn.ListUnresolvedAlertsOfInstrument(w.episode, "PHQ-9"));
                return Ok();
              }),
              IsOk());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, open);
}

TEST_P(StoreCaseloadContractTest,
       TheCaseloadShowsEachEpisodeWithItsAlertsNextSessionSeriesAndPlan) {
  const auto w = MakeWorld();  // w.episode: w.client with w.therapist, one appointment at kT0
  const Timestamp now = kT0 + 30 * kDay;
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertClientProfile(ClientProfile{w.client, "2014-05-01", "Sunny", ""});
              }),
              IsOk());
  // Another client of the same therapist whose episode has ended, and one of another therapist.
  const UserId former = AddUser(w.clinic, "former@example.org");
  const EpisodeId ended = AddEpisode(w.clinic, former, w.therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(ended, EpisodeStatus::kEnded, kT0 + kDay);
              }),
              IsOk());
  const UserId elsewhere = AddUser(w.clinic, "elsewhere@example.org");
  AddEpisode(w.clinic, elsewhere, w.other_therapist);

  // Alerts: two open (medium and critical), one resolved.
  const ResponseId r = Answer(w.episode, w.client, kT0 + 1, 10);
  Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, r, kT0 + 2, Severity::kMedium));
  });
  Put([&](WriteTxn& txn) { return txn.InsertAlert(MakeAlert(w.clinic, w.episode, r, kT0 + 3)); });
  const AlertId closed = Put([&](WriteTxn& txn) {
    return txn.InsertAlert(MakeAlert(w.clinic, w.episode, r, kT0 + 4, Severity::kCritical));
  });
  FeedbackAlert resolved = *store().GetAlert(closed);
  resolved.state = AlertState::kResolved;
  resolved.resolved_by = w.therapist;
  resolved.resolved_at = kT0 + 5;
  resolved.resolve_note = "Safe.";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateAlertState(resolved); }), IsOk());

  // Appointments: the earliest one from now on that is still scheduled is next.
  Appointment cancelled = MakeAppointment(w.episode, now + kDay);
  cancelled.status = AppointmentStatus::kCancelled;
  Put([&](WriteTxn& txn) { return txn.InsertAppointment(cancelled); });
  const AppointmentId next = AddAppointment(w.episode, now + 2 * kDay);
  AddAppointment(w.episode, now + 9 * kDay);
  // Completed sessions: one before the plan was agreed, two after, one after `now`.
  for (const Timestamp at : {kT0 + 2 * kDay, kT0 + 6 * kDay, kT0 + 8 * kDay, now + kDay / 2}) {
    Appointment held = MakeAppointment(w.episode, at);
    held.status = AppointmentStatus::kCompleted;
    Put([&](WriteTxn& txn) { return txn.InsertAppointment(held); });
  }

  // Answers: more Rapport Checks than the caseload keeps, and a guardian's PSC-17.
  for (int i = 0; i < 15; ++i) Answer(w.episode, w.client, kT0 + 10 + i, i, "RAPPORT-CHECK");
  Answer(w.episode, w.client, kT0 + 50, 7, "PSC-17", Respondent::kGuardian);
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "RAPPORT-CHECK", Respondent::kClient, kT0, std::nullopt}));
                return txn.UpsertAssignment(InstrumentAssignment{
                    w.episode, "PHQ-9", Respondent::kClient, kT0 + 1, std::nullopt});
              }),
              IsOk());

  // The plan: version 1 agreed on day 5, reviewed on day 7; version 2 a draft.
  PlanVersion agreed;
  agreed.episode_id = w.episode;
  agreed.number = 1;
  agreed.status = PlanVersionStatus::kAgreed;
  agreed.content_json = R"({"summary":"Sleep better"})";
  agreed.content_hash = Blake2b256Hex(agreed.content_json);
  agreed.created_by = w.therapist;
  agreed.created_at = kT0;
  agreed.updated_at = kT0 + 5 * kDay;
  agreed.decided_at = kT0 + 5 * kDay;
  Put([&](WriteTxn& txn) { return txn.InsertPlanVersion(agreed); });
  PlanVersion draft = agreed;
  draft.number = 2;
  draft.status = PlanVersionStatus::kDraft;
  draft.content_hash.clear();
  draft.decided_at.reset();
  Put([&](WriteTxn& txn) { return txn.InsertPlanVersion(draft); });
  PlanEvent review;
  review.episode_id = w.episode;
  review.kind = PlanEventKind::kReview;
  review.payload_json = "{}";
  review.actor_id = w.therapist;
  review.at = kT0 + 7 * kDay;
  Put([&](WriteTxn& txn) { return txn.InsertPlanEvent(review); });

  const std::vector<CaseloadEpisode> caseload =
      Caseload(w.clinic, {w.therapist}, now, /*recent=*/12);
  ASSERT_EQ(caseload.size(), 2u);  // by episode id; the other therapist's client is not there
  const CaseloadEpisode& e = caseload[0];
  EXPECT_EQ(e.episode.id, w.episode);
  EXPECT_EQ(e.client_display_name, "Name of c@example.org");
  EXPECT_EQ(e.client_preferred_name, "Sunny");
  EXPECT_EQ(e.client_date_of_birth, "2014-05-01");
  EXPECT_EQ(e.therapist_name, "Name of t@example.org");
  EXPECT_EQ(e.open_alerts, 2);
  EXPECT_EQ(e.top_severity, Severity::kCritical);
  ASSERT_TRUE(e.next_appointment.has_value());
  EXPECT_EQ(e.next_appointment->id, next);
  EXPECT_EQ(e.next_appointment->modality, Modality::kVideo);
  EXPECT_THAT(e.assigned, ::testing::ElementsAre("RAPPORT-CHECK", "PHQ-9"));
  ASSERT_EQ(e.series.size(), 3u);  // PHQ-9, PSC-17, RAPPORT-CHECK
  EXPECT_EQ(e.series[0].instrument, "PHQ-9");
  EXPECT_EQ(e.series[1].instrument, "PSC-17");
  EXPECT_EQ(e.series[1].respondent, Respondent::kGuardian);
  const ResponseSeries& rc = e.series[2];
  EXPECT_EQ(rc.answered, 15);
  EXPECT_EQ(rc.first_total, 0);
  EXPECT_THAT(Totals(rc.recent),
              ::testing::ElementsAre(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14));  // the last 12
  EXPECT_EQ(rc.last_submitted_at, kT0 + 24);
  EXPECT_EQ(e.plan_status, PlanVersionStatus::kDraft);
  EXPECT_EQ(e.plan_review_since, kT0 + 7 * kDay);  // the review, later than the agreement
  EXPECT_EQ(e.sessions_since_review, 1);           // day 8; not day 6, not after now

  const CaseloadEpisode& gone = caseload[1];
  EXPECT_EQ(gone.episode.id, ended);
  EXPECT_EQ(gone.episode.status, EpisodeStatus::kEnded);
  EXPECT_EQ(gone.open_alerts, 0);
  EXPECT_TRUE(gone.series.empty());
  EXPECT_FALSE(gone.plan_status.has_value());

  // A supervisor's view of both therapists has all three; no therapists, nothing.
  EXPECT_EQ(Caseload(w.clinic, {w.therapist, w.other_therapist}, now).size(), 3u);
  EXPECT_TRUE(Caseload(w.clinic, {}, now).empty());
  EXPECT_TRUE(Caseload(w.clinic + 100, {w.therapist}, now).empty());
}

TEST_P(StoreCaseloadContractTest, TheEndedEpisodesMarkChangesWhenOneEndsOrReopens) {
  const auto w = MakeWorld();
  auto before = store().EndedEpisodesMark(w.clinic);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->first, 0);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(w.episode, EpisodeStatus::kEnded, kT0);
              }),
              IsOk());
  auto after = store().EndedEpisodesMark(w.clinic);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->first, 1);
  EXPECT_NE(*after, *before);
  EXPECT_EQ(store().EndedEpisodesMark(w.clinic + 100)->first, 0);

  // Reopened, the count is back where it was, and the mark still differs from both: the set of
  // ended episodes is not the one trajectories were computed from after the episode ended.
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(w.episode, EpisodeStatus::kActive, kT0);
              }),
              IsOk());
  auto reopened = store().EndedEpisodesMark(w.clinic);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->first, 0);
  EXPECT_NE(*reopened, *before);
  EXPECT_NE(*reopened, *after);
  // Other changes to the episode leave the mark alone.
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(w.episode, EpisodeStatus::kActive, kT0 + 1);
              }),
              IsOk());
  EXPECT_EQ(*store().EndedEpisodesMark(w.clinic), *reopened);
}

TEST_P(StoreCaseloadContractTest, AnAuditEntryNamingSeveralRecordsIsFoundByEachAndVerifies) {
  const auto w = MakeWorld();
  AuditEntry e;
  e.at = kT0;
  e.clinic_id = w.clinic;
  e.actor_id = w.therapist;
  e.actor_role = "therapist";
  e.action = "read";
  e.record_type = "client";
  e.record_id = "1";
  e.subjects = {"client:2", "feedback:9"};
  Put([&](WriteTxn& txn) { return txn.AppendAudit(e); });
  AuditEntry plain = e;
  plain.record_id = "5";
  plain.subjects.clear();
  Put([&](WriteTxn& txn) { return txn.AppendAudit(plain); });

  auto listed = store().ListAudit(w.clinic, 0, 10);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_THAT((*listed)[0].subjects, ::testing::ElementsAre("client:2", "feedback:9"));
  EXPECT_TRUE((*listed)[1].subjects.empty());
  for (const AuditEntry& entry : *listed) {
    EXPECT_EQ(entry.hash, store().AuditSeal(AuditDigestInput(entry)));
  }
  // The subjects are sealed: the same entry without them does not verify.
  AuditEntry stripped = (*listed)[0];
  stripped.subjects.clear();
  EXPECT_NE(stripped.hash, store().AuditSeal(AuditDigestInput(stripped)));

  const auto search = [&](std::vector<std::string> records) {
    AuditFilter filter;
    filter.clinic_id = w.clinic;
    filter.records = std::move(records);
    auto found = store().SearchAudit(filter, 0, 10);
    EXPECT_THAT(found, IsOk());
    std::vector<std::string> ids;
    for (const AuditEntry& entry : found.value_or(std::vector<AuditEntry>{})) {
      ids.push_back(entry.record_id);
    }
    return ids;
  };
  EXPECT_THAT(search({"client:1"}), ::testing::ElementsAre("1"));
  EXPECT_THAT(search({"feedback:9"}), ::testing::ElementsAre("1"));
  EXPECT_THAT(search({"client:2", "client:5"}), ::testing::ElementsAre("5", "1"));
  EXPECT_TRUE(search({"client:3"}).empty());
}

}  // namespace rapport
