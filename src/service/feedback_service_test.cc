#include "service/feedback_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/test_instruments.h"
#include "service/clinic_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::World;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

// A service world whose episodes have their default questionnaires.
struct FeedbackWorld : World {
  FeedbackService service{*store, clock, Catalog(), ShippedAlertRules()};

  FeedbackWorld() {
    const Status assigned = store->Write([&](WriteTxn& txn) -> Status {
      for (EpisodeId e : {e_c1, e_c2, e_cb}) {
        for (const auto& a : FeedbackService::DefaultAssignments(e, false, clock.Now())) {
          RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
        }
      }
      for (EpisodeId e : {e_k1, e_k2}) {
        for (const auto& a : FeedbackService::DefaultAssignments(e, true, clock.Now())) {
          RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
        }
      }
      return Ok();
    });
    EXPECT_TRUE(assigned.has_value());
  }

  // Everything a submission could leave behind, to show that a refused one left nothing.
  struct Snapshot {
    std::size_t responses = 0, alerts = 0, audit = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Take(EpisodeId episode) const {
    return Snapshot{store->ListResponsesOfEpisode(episode)->size(),
                    store->ListAlertsOfEpisode(episode)->size(), Audit().size()};
  }

  // A completed appointment of `episode`, `days_ago` days back.
  AppointmentId PastSession(EpisodeId episode, int days_ago) {
    AppointmentId id = 0;
    const Status written = store->Write([&](WriteTxn& txn) -> Status {
      Appointment a;
      a.episode_id = episode;
      a.starts_at = clock.Now() - days_ago * 86'400'000LL;
      a.status = AppointmentStatus::kCompleted;
      RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertAppointment(a));
      return Ok();
    });
    EXPECT_TRUE(written.has_value());
    return id;
  }

  // Runs SQL straight on the database file: used to inject failures the service cannot cause.
  void Sql(const std::string& sql) const {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path().c_str(), &raw), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(raw);
  }
};

using testing_support::CarerCheck;
using testing_support::Gad7;
using testing_support::KidsCheck;
using testing_support::Phq9;
using testing_support::Psc17;
using testing_support::RapportCheck;

SubmitRequest Request(std::string instrument, Json answers, std::string respondent = "client",
                      std::optional<AppointmentId> appointment = std::nullopt) {
  return SubmitRequest{std::move(instrument), std::move(respondent), std::move(answers),
                       appointment};
}

std::vector<std::string> FieldNames(const Error& error) {
  std::vector<std::string> names;
  for (const FieldError& f : error.fields) names.push_back(f.field);
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

int CountKind(const std::vector<FeedbackAlert>& alerts, AlertKind kind,
              std::optional<AlertState> state = std::nullopt) {
  return static_cast<int>(std::count_if(alerts.begin(), alerts.end(), [&](const auto& a) {
    return a.kind == kind && (!state || a.state == *state);
  }));
}

// --- The risk path ----------------------------------------------------------------------------

TEST(RiskPath, ClientRiskAnswerStoresACriticalAlertTheTherapistAndSupervisorSee) {
  FeedbackWorld w;
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 2)));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  ASSERT_TRUE(result->crisis.has_value());
  EXPECT_FALSE(result->crisis->lines.empty());
  EXPECT_FALSE(result->crisis->set.emergency_number.empty());
  EXPECT_FALSE(result->crisis->after_risk.body.empty());
  EXPECT_TRUE(result->raised.empty()) << "the client is shown crisis information, not alerts";
  EXPECT_EQ(result->score.total, 10);
  EXPECT_EQ(result->score.risk, std::vector<std::string>{"phq9_9"});

  auto stored = w.store->ListResponsesOfEpisode(w.e_c1);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].respondent_user_id, w.c1);
  auto alerts = w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_EQ(CountKind(*alerts, AlertKind::kRisk), 1);
  const FeedbackAlert& risk = *std::find_if(
      alerts->begin(), alerts->end(), [](const auto& a) { return a.kind == AlertKind::kRisk; });
  EXPECT_EQ(risk.severity, Severity::kCritical);
  EXPECT_EQ(risk.response_id, (*stored)[0].id);

  for (UserId reader : {w.t1, w.supervisor}) {
    auto seen = w.service.ListAlerts(w.As(reader), AlertState::kOpen);
    ASSERT_TRUE(seen.has_value());
    EXPECT_TRUE(std::any_of(seen->begin(), seen->end(), [&](const AlertView& v) {
      return v.alert.id == risk.id && v.client_id == w.c1 && v.client_name == "Cleo Client";
    }));
  }
  auto other = w.service.ListAlerts(w.As(w.t2), std::nullopt);
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(other->empty());
}

TEST(AssignInstrument, RefusesARespondentTheQuestionnaireDoesNotHave) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.AssignInstrument(w.As(w.t1), w.e_c1, "PHQ-9", "client").has_value());
  // A therapist-entered form is only possible for questionnaires a therapist answers.
  auto refused = w.service.AssignInstrument(w.As(w.t1), w.e_c1, "PHQ-9", "therapist");
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(Contains(FieldNames(refused.error()), "respondent"));
}

TEST(RiskPath, AFailureWritingTheAlertLeavesNoResponseBehind) {
  FeedbackWorld w;
  w.Sql(
      "CREATE TRIGGER no_alerts BEFORE INSERT ON alerts BEGIN "
      "SELECT RAISE(ABORT, 'injected'); END;");
  const auto before = w.Take(w.e_c1);
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 3)));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(w.Take(w.e_c1), before);
}

TEST(RiskPath, AFailureAfterTheAlertWasWrittenLeavesNeitherBehind) {
  FeedbackWorld w;
  // The alert's audit entry is written after the alert itself.
  w.Sql(
      "CREATE TRIGGER no_alert_audit BEFORE INSERT ON audit WHEN NEW.record_type = 'alert' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
  const auto before = w.Take(w.e_c1);
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 1)));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(w.Take(w.e_c1), before);
  w.Sql("DROP TRIGGER no_alert_audit;");
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 1))).has_value());
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRisk), 1);
}

TEST(RiskPath, NoRiskAnswerMeansNoCrisisInformationAndNoRiskAlert) {
  FeedbackWorld w;
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 0)));
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->crisis.has_value());
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRisk), 0);
}

// --- Bad input --------------------------------------------------------------------------------

struct BadCase {
  const char* name;
  SubmitRequest request;
  ErrorCode code;
  const char* field;  // empty: no particular field
};

TEST(BadInput, EachRefusedSubmissionNamesItsFieldAndStoresNothing) {
  FeedbackWorld w;
  Json out_of_range = Phq9(1);
  out_of_range["phq9_1"] = 7;
  Json unknown = Phq9(1);
  unknown["phq9_99"] = 1;
  Json missing = RapportCheck(8);  // PHQ-9 items may be left blank; Rapport Check sliders not
  missing.erase("rc_goals");
  const std::vector<BadCase> cases = {
      {"out of range", Request("PHQ-9", out_of_range), ErrorCode::kInvalidArgument,
       "answers/phq9_1"},
      {"unknown item", Request("PHQ-9", unknown), ErrorCode::kInvalidArgument, "answers/phq9_99"},
      {"missing required", Request("RAPPORT-CHECK", missing), ErrorCode::kInvalidArgument,
       "answers/rc_goals"},
      {"not assigned", Request("PSC-17", Psc17(0)), ErrorCode::kInvalidArgument, "instrument"},
      {"unknown questionnaire", Request("OQ-45", Json::object()), ErrorCode::kInvalidArgument,
       "instrument"},
      {"wrong respondent", Request("PHQ-9", Phq9(1), "therapist"), ErrorCode::kInvalidArgument,
       "respondent"},
      {"not a respondent", Request("PHQ-9", Phq9(1), "neighbour"), ErrorCode::kInvalidArgument,
       "respondent"},
      {"other episode's appointment", Request("PHQ-9", Phq9(1), "client", w.a_c2),
       ErrorCode::kInvalidArgument, "appointment_id"},
      {"answers not an object", Request("PHQ-9", Json::array()), ErrorCode::kInvalidArgument,
       "answers"},
  };
  for (const BadCase& c : cases) {
    const auto before = w.Take(w.e_c1);
    auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, c.request);
    ASSERT_FALSE(result.has_value()) << c.name;
    EXPECT_EQ(result.error().code, c.code) << c.name << ": " << result.error().message;
    EXPECT_TRUE(Contains(FieldNames(result.error()), c.field))
        << c.name << ": " << result.error().message;
    EXPECT_EQ(w.Take(w.e_c1), before) << c.name;
  }
}

TEST(BadInput, SecondSubmissionForTheSameAppointmentIsAlreadyExistsAndStoresNothing) {
  FeedbackWorld w;
  const AppointmentId session = w.PastSession(w.e_c1, 1);
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1), "client", session))
          .has_value());
  const auto before = w.Take(w.e_c1);
  auto again =
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1), "client", session));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(Contains(FieldNames(again.error()), "appointment_id"));
  EXPECT_EQ(w.Take(w.e_c1), before);
  // Another questionnaire for the same session is fine.
  EXPECT_TRUE(w.service
                  .SubmitResponse(w.As(w.c1), w.e_c1,
                                  Request("RAPPORT-CHECK", RapportCheck(9), "client", session))
                  .has_value());
}

TEST(BadInput, SubmittingToAnEndedEpisodeIsAFailedPrecondition) {
  FeedbackWorld w;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(w.e_c1, EpisodeStatus::kEnded, w.clock.Now());
                  })
                  .has_value());
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1)));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
}

// --- Access -----------------------------------------------------------------------------------

TEST(FeedbackAccess, OnlyTheClientGuardianAndCareTeamMaySubmit) {
  FeedbackWorld w;
  EXPECT_EQ(w.service.SubmitResponse(w.As(w.admin), w.e_c1, Request("PHQ-9", Phq9(1))).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.SubmitResponse(w.As(w.c2), w.e_c1, Request("PHQ-9", Phq9(1))).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(w.service.SubmitResponse(w.As(w.tb), w.e_c1, Request("PHQ-9", Phq9(1), "therapist"))
                .error()
                .code,
            ErrorCode::kNotFound);
  // A guardian answers the parent-report form for their own child only.
  auto guardian =
      w.service.SubmitResponse(w.As(w.g1), w.e_k1, Request("PSC-17", Psc17(1), "guardian"));
  ASSERT_TRUE(guardian.has_value()) << guardian.error().message;
  EXPECT_EQ(guardian->score.total, 17);
  EXPECT_EQ(w.service.SubmitResponse(w.As(w.g2), w.e_k1, Request("PSC-17", Psc17(1), "guardian"))
                .error()
                .code,
            ErrorCode::kNotFound);
  // The child answers the Kids' Check themself, not the parent form.
  EXPECT_EQ(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("PSC-17", Psc17(1), "client"))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("KIDS-CHECK", KidsCheck(4)))
                  .has_value());
}

TEST(ClientProgress, TheSummaryIsNeverUpbeatWhileARiskAnswerIsBeingFollowedUp) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(3))).has_value());
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("GAD-7", Gad7(3))).has_value());
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("GAD-7", Gad7(0))).has_value());
  auto before = w.service.Progress(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(before.has_value());
  EXPECT_THAT(before->summary, HasSubstr("improved"));

  // A much better PHQ-9 overall, with a risk answer.
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(0, 1))).has_value());
  AlertId risk = 0;
  const auto alerts = w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_TRUE(alerts.has_value());
  for (const auto& a : *alerts) {
    if (a.kind == AlertKind::kRisk) risk = a.id;
  }
  ASSERT_NE(risk, 0);
  for (const auto& acknowledged : {false, true}) {
    if (acknowledged) {
      ASSERT_TRUE(w.service.Acknowledge(w.As(w.t1), risk, "Called").has_value());
    }
    auto during = w.service.Progress(w.As(w.c1), w.e_c1);
    ASSERT_TRUE(during.has_value());
    EXPECT_THAT(during->summary, Not(HasSubstr("improved")));
    EXPECT_THAT(during->summary, Not(HasSubstr("better")));
    EXPECT_THAT(during->summary, HasSubstr("alerted"));
    for (const auto& q : during->questionnaires) {
      EXPECT_THAT(q.plain_words, Not(HasSubstr("improved"))) << q.definition.code;
    }
  }

  ASSERT_TRUE(w.service.Resolve(w.As(w.t1), risk, "Safety plan made together").has_value());
  auto after = w.service.Progress(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(after.has_value());
  EXPECT_THAT(after->summary, HasSubstr("improved"));
  EXPECT_THAT(after->summary, Not(HasSubstr("alerted")));
}

TEST(ClientProgress, QuestionnairesThatMovedAlikeShareOneSentenceNamedInPlainWords) {
  FeedbackWorld w;
  for (int each : {3, 0}) {
    ASSERT_TRUE(
        w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(each))).has_value());
    ASSERT_TRUE(
        w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("GAD-7", Gad7(each))).has_value());
  }
  auto progress = w.service.Progress(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(progress.has_value());
  const std::string& s = progress->summary;
  EXPECT_THAT(s, HasSubstr("Your answers about your mood and worry and nerves have improved"));
  EXPECT_EQ(s.find("improved"), s.rfind("improved")) << s;
  EXPECT_THAT(s, Not(HasSubstr("PHQ"))) << s;
  EXPECT_THAT(s, Not(HasSubstr("GAD"))) << s;
}

TEST(FeedbackAccess, ProgressShowsEachRoleOnlyWhatItMaySee) {
  FeedbackWorld w;
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1))).has_value());
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.g1), w.e_k1, Request("PSC-17", Psc17(1), "guardian"))
                  .has_value());
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("KIDS-CHECK", KidsCheck(2)))
                  .has_value());

  auto therapist = w.service.Progress(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(therapist.has_value());
  EXPECT_FALSE(therapist->alerts.empty());
  auto client = w.service.Progress(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(client.has_value());
  EXPECT_TRUE(client->alerts.empty()) << "clients see their progress, not raw alerts";
  ASSERT_FALSE(client->questionnaires.empty());
  EXPECT_EQ(client->questionnaires[0].definition.code, "PHQ-9");
  EXPECT_EQ(client->questionnaires[0].points.size(), 1u);
  // The answer held a risk answer: the client reads what is being done, not how scores move.
  EXPECT_TRUE(client->questionnaires[0].plain_words.empty());
  EXPECT_NE(client->summary.find("alerted"), std::string::npos) << client->summary;

  auto guardian = w.service.Progress(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(guardian.has_value());
  // The parent's form and their own check about the sessions; the child's own stays private.
  ASSERT_EQ(guardian->questionnaires.size(), 2u);
  EXPECT_EQ(guardian->questionnaires[0].definition.code, "PSC-17");
  EXPECT_EQ(guardian->questionnaires[1].definition.code, "CARER-CHECK");
  EXPECT_TRUE(guardian->alerts.empty());

  EXPECT_EQ(w.service.Progress(w.As(w.admin), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.Progress(w.As(w.t2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Progress(w.As(w.c2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Progress(w.As(w.g2), w.e_k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Progress(w.As(w.tb), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(w.service.Progress(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_EQ(w.service.Progress(w.As(w.supervisor), w.e_c2).error().code, ErrorCode::kNotFound);
}

TEST(FeedbackProgress, AGuardianIsNeitherToldOfTheChildsRiskAnswerNorThatAllIsWell) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.g1), w.e_k1, Request("PSC-17", Psc17(1), "guardian"))
                  .has_value());
  // The child's own answer raised a risk alert that the therapist has not yet followed up.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    FeedbackAlert alert;
                    alert.episode_id = w.e_k1;
                    alert.clinic_id = w.clinic_a;
                    alert.rule_id = "risk-answer";
                    alert.kind = AlertKind::kRisk;
                    alert.severity = Severity::kCritical;
                    alert.title = "Risk answer";
                    alert.explanation = "An answer about self-harm.";
                    alert.next_step = "Contact the client today.";
                    alert.raised_at = w.clock.Now();
                    RAPPORT_RETURN_IF_ERROR(txn.InsertAlert(alert));
                    return Ok();
                  })
                  .has_value());
  auto guardian = w.service.Progress(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(guardian.has_value());
  EXPECT_EQ(guardian->summary,
            "Your child's therapist will talk with you about how things are going.");
  EXPECT_TRUE(guardian->alerts.empty());
  for (const QuestionnaireProgress& q : guardian->questionnaires) {
    if (q.definition.purpose == Purpose::kOutcome) {
      EXPECT_TRUE(q.plain_words.empty());
    }
  }
  // The child reads what is being done for them.
  auto child = w.service.Progress(w.As(w.k1), w.e_k1);
  ASSERT_TRUE(child.has_value());
  EXPECT_NE(child->summary.find("alerted"), std::string::npos) << child->summary;
}

TEST(FeedbackProgress, StaffSeeReliableRecoveryJudgedAcrossPhq9AndGad7Together) {
  FeedbackWorld w;
  const auto submit = [&](const char* code, const Json& answers) {
    ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request(code, answers)).has_value());
  };
  submit("PHQ-9", Phq9(2));  // 16: a case
  submit("GAD-7", Gad7(2));  // 14: a case
  auto one_each = w.service.Progress(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(one_each.has_value());
  EXPECT_FALSE(one_each->recovery.has_value()) << "a single score on each judges nothing";

  submit("PHQ-9", Phq9(1));  // 8: below 10, 8 points better
  submit("GAD-7", Gad7(1));  // 7: below 8, 7 points better
  auto staff = w.service.Progress(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(staff.has_value());
  ASSERT_TRUE(staff->recovery.has_value());
  EXPECT_TRUE(staff->recovery->case_at_start);
  EXPECT_TRUE(staff->recovery->below_caseness_at_end);
  EXPECT_TRUE(staff->recovery->reliably_improved);
  EXPECT_TRUE(staff->recovery->reliable_recovery);

  submit("GAD-7", Gad7(3));  // 21: the latest anxiety score is worse than at the start
  auto worse = w.service.Progress(w.As(w.supervisor), w.e_c1);
  ASSERT_TRUE(worse.has_value() && worse->recovery.has_value());
  EXPECT_TRUE(worse->recovery->reliably_deteriorated);
  EXPECT_FALSE(worse->recovery->reliable_recovery);

  auto client = w.service.Progress(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(client.has_value());
  EXPECT_FALSE(client->recovery.has_value()) << "a research category is for staff";
}

// The review's reproduction: a second episode of Cleo opened for therapist t2. Before access was
// decided per episode, t2 then read t1's episode (progress, answers, CSV), and still did after
// their own episode ended.
TEST(FeedbackAccess, ATherapistOfOneEpisodeNeverReadsAnotherTherapistsEpisodeOfTheSameClient) {
  FeedbackWorld w;
  auto submitted = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1)));
  ASSERT_TRUE(submitted.has_value());
  const EpisodeId theirs = w.OpenEpisode(w.c1, w.t2);
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  const auto t2_reads_t1s_episode = [&](const char* when) {
    const Actor t2 = w.As(w.t2);
    EXPECT_EQ(w.service.Progress(t2, w.e_c1).error().code, ErrorCode::kNotFound) << when;
    EXPECT_EQ(w.service.ExportEpisodeCsv(t2, w.e_c1).error().code, ErrorCode::kNotFound) << when;
    EXPECT_EQ(w.service.GetResponse(t2, submitted->response.id).error().code, ErrorCode::kNotFound)
        << when;
    EXPECT_EQ(clinic.GetEpisode(t2, w.e_c1).error().code, ErrorCode::kNotFound) << when;
    EXPECT_EQ(clinic.ListAppointments(t2, w.e_c1).error().code, ErrorCode::kNotFound) << when;
    // The client is theirs too, but only their own episode is listed.
    auto client = clinic.GetClient(t2, w.c1);
    ASSERT_TRUE(client.has_value()) << when;
    ASSERT_EQ(client->episodes.size(), 1U) << when;
    EXPECT_EQ(client->episodes[0].id, theirs) << when;
    EXPECT_TRUE(w.service.Progress(t2, theirs).has_value()) << "their own episode, " << when;
  };
  t2_reads_t1s_episode("while t2's episode is open");
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(theirs, EpisodeStatus::kEnded, w.clock.Now());
                  })
                  .has_value());
  t2_reads_t1s_episode("after t2's episode ended");
  // t1's supervisor sees t1's episode and not t2's; t1 likewise.
  EXPECT_TRUE(w.service.Progress(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_EQ(w.service.Progress(w.As(w.supervisor), theirs).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Progress(w.As(w.t1), theirs).error().code, ErrorCode::kNotFound);
  // The client sees both of their own.
  EXPECT_TRUE(w.service.Progress(w.As(w.c1), theirs).has_value());
  EXPECT_TRUE(w.service.Progress(w.As(w.c1), w.e_c1).has_value());
}

TEST(FeedbackAccess, GuardianSeesNoProgressWhenTheClinicDoesNotShare) {
  FeedbackWorld w;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateClinicSettings(w.clinic_a, ClinicSettings{false, true});
                  })
                  .has_value());
  // They still answer the parent form they were asked to fill in.
  EXPECT_TRUE(w.service.SubmitResponse(w.As(w.g1), w.e_k1, Request("PSC-17", Psc17(0), "guardian"))
                  .has_value());
  EXPECT_EQ(w.service.Progress(w.As(w.g1), w.e_k1).error().code, ErrorCode::kNotFound);
}

TEST(FeedbackAccess, AlertsDashboardExportAndLinksAreForTheCareTeamOnly) {
  FeedbackWorld w;
  for (UserId who : {w.admin, w.c1, w.g1}) {
    EXPECT_EQ(w.service.ListAlerts(w.As(who), std::nullopt).error().code,
              ErrorCode::kPermissionDenied);
    EXPECT_EQ(w.service.Dashboard(w.As(who)).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(w.service.ExportEpisodeCsv(w.As(who), w.e_c1).error().code,
              ErrorCode::kPermissionDenied);
    EXPECT_EQ(w.service.CreateFeedbackLink(w.As(who), w.a_c1).error().code,
              ErrorCode::kPermissionDenied);
  }
  EXPECT_EQ(w.service.ExportEpisodeCsv(w.As(w.t2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.CreateFeedbackLink(w.As(w.t2), w.a_c1).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(w.service.ExportEpisodeCsv(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_EQ(w.service.AssignedInstruments(w.As(w.admin), w.e_c1).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.AssignedInstruments(w.As(w.c2), w.e_c1).error().code, ErrorCode::kNotFound);
  auto own = w.service.AssignedInstruments(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->size(), 4u);
}

TEST(FeedbackAccess, ReadsAndWritesOfFeedbackAreAudited) {
  FeedbackWorld w;
  auto submitted = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 1)));
  ASSERT_TRUE(submitted.has_value());
  ASSERT_TRUE(w.service.Progress(w.As(w.t1), w.e_c1).has_value());
  const auto audit = w.Audit();
  const auto has = [&](UserId actor, std::string_view action, std::string_view type,
                       const std::string& id) {
    return std::any_of(audit.begin(), audit.end(), [&](const AuditEntry& e) {
      return e.actor_id == actor && e.action == action && e.record_type == type &&
             e.record_id == id;
    });
  };
  EXPECT_TRUE(has(w.c1, "submit", "response", std::to_string(submitted->response.id)));
  EXPECT_TRUE(has(w.t1, "read", "feedback", std::to_string(w.e_c1)));
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_FALSE(alerts.empty());
  EXPECT_TRUE(has(w.c1, "raise", "alert", std::to_string(alerts[0].id)));
}

// --- Alert handling ---------------------------------------------------------------------------

AlertId RaiseRisk(FeedbackWorld& w) {
  auto result = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1, 1)));
  EXPECT_TRUE(result.has_value());
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
  for (const auto& a : alerts) {
    if (a.kind == AlertKind::kRisk) return a.id;
  }
  ADD_FAILURE() << "no risk alert";
  return 0;
}

TEST(AlertStates, AcknowledgingNeedsANoteAndHappensOnce) {
  FeedbackWorld w;
  const AlertId id = RaiseRisk(w);
  auto blank = w.service.Acknowledge(w.As(w.t1), id, "   ");
  ASSERT_FALSE(blank.has_value());
  EXPECT_EQ(blank.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(FieldNames(blank.error()), "note"));
  EXPECT_EQ(w.store->GetAlert(id)->state, AlertState::kOpen);

  auto done = w.service.Acknowledge(w.As(w.t1), id, " Phoned Cleo; safety plan agreed. ");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->alert.state, AlertState::kAcknowledged);
  EXPECT_EQ(done->alert.acknowledge_note, "Phoned Cleo; safety plan agreed.");
  EXPECT_EQ(done->alert.acknowledged_by, w.t1);
  EXPECT_EQ(w.store->GetAlert(id)->state, AlertState::kAcknowledged);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.t1), id, "again").error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.service.ListAlerts(w.As(w.t1), AlertState::kOpen)->size(), 0u);
  EXPECT_EQ(w.service.ListAlerts(w.As(w.t1), AlertState::kAcknowledged)->size(), 1u);
}

TEST(AlertStates, ResolvingAfterAcknowledgingNeedsNoNoteAndIsFinal) {
  FeedbackWorld w;
  const AlertId id = RaiseRisk(w);
  ASSERT_TRUE(
      w.service.Acknowledge(w.As(w.supervisor), id, "Discussed in supervision").has_value());
  auto resolved = w.service.Resolve(w.As(w.t1), id, std::nullopt);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->alert.state, AlertState::kResolved);
  EXPECT_EQ(resolved->alert.acknowledged_by, w.supervisor);
  EXPECT_EQ(resolved->alert.resolved_by, w.t1);
  EXPECT_EQ(w.service.Resolve(w.As(w.t1), id, "again").error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.t1), id, "late").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST(AlertStates, TheRiskAlertShowsHowToReachTheClientAndTheirEmergencyContact) {
  FeedbackWorld w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  ContactDetails contact;
  contact.phone = "+44 20 7946 0958";
  contact.emergency_name = "Ana Client";
  contact.emergency_relationship = "sister";
  contact.emergency_phone = "020 7946 0000";
  ASSERT_TRUE(clinic.UpdateContact(w.As(w.c1), w.c1, contact).has_value());
  const AlertId id = RaiseRisk(w);
  auto detail = w.service.GetAlert(w.As(w.t1), id);
  ASSERT_TRUE(detail.has_value()) << detail.error().message;
  EXPECT_EQ(detail->contact.phone, "+44 20 7946 0958");
  EXPECT_EQ(detail->contact.emergency_name, "Ana Client");
  EXPECT_EQ(detail->contact.emergency_phone, "020 7946 0000");
  const auto trail = w.Audit();
  EXPECT_TRUE(std::any_of(trail.begin(), trail.end(), [&](const AuditEntry& e) {
    const bool named = std::any_of(e.subjects.begin(), e.subjects.end(), [](const std::string& s) {
      return s.starts_with("client_contact:");
    });
    return e.actor_id == w.t1 && (e.record_type == "client_contact" || named);
  }));
}

TEST(AlertStates, ResolvingAnOpenAlertDirectlyNeedsANote) {
  FeedbackWorld w;
  const AlertId id = RaiseRisk(w);
  auto bare = w.service.Resolve(w.As(w.t1), id, std::nullopt);
  ASSERT_FALSE(bare.has_value());
  EXPECT_TRUE(Contains(FieldNames(bare.error()), "note"));
  EXPECT_EQ(w.store->GetAlert(id)->state, AlertState::kOpen);
  auto resolved = w.service.Resolve(w.As(w.t1), id, "Seen the same day; no ongoing risk.");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->alert.state, AlertState::kResolved);
  EXPECT_FALSE(resolved->alert.acknowledged_by.has_value());
}

TEST(AlertStates, OnlyTheCareTeamMayHandleAnAlert) {
  FeedbackWorld w;
  const AlertId id = RaiseRisk(w);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.t2), id, "note").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.tb), id, "note").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.c1), id, "note").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.Resolve(w.As(w.admin), id, "note").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.Acknowledge(w.As(w.t1), id + 1000, "note").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(w.store->GetAlert(id)->state, AlertState::kOpen);
}

// --- Alert rules through the service ----------------------------------------------------------

TEST(AlertRulesInService, ARapportDropBelowTheClientsOwnRatingsRaisesAnAlert) {
  FeedbackWorld w;
  for (int each : {10, 10, 10}) {
    ASSERT_TRUE(
        w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(each)))
            .has_value());
  }
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRapportDrop), 0);
  auto dropped =
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(6)));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->response.session_number, 3);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRapportDrop), 1);
}

TEST(AlertRulesInService, ReliableDeteriorationIsRaisedAgainstTheFirstScore) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1))).has_value());
  auto worse = w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2)));
  ASSERT_TRUE(worse.has_value());
  ASSERT_TRUE(worse->change.has_value());
  EXPECT_TRUE(worse->change->deteriorated);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kReliableDeterioration), 1);
}

TEST(AlertRulesInService, AnUnresolvedAlertIsNotRaisedAgainButRiskAlwaysIs) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1))).has_value());
  for (int i = 0; i < 2; ++i) {  // 8 -> 17 twice, with a risk answer each time
    ASSERT_TRUE(
        w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1))).has_value());
  }
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
  EXPECT_EQ(CountKind(alerts, AlertKind::kReliableDeterioration), 1);
  // Every risk answer is its own alert, open ones notwithstanding.
  EXPECT_EQ(CountKind(alerts, AlertKind::kRisk), 2);
}

// The scheduler's hourly check, as its job runs it: inside one write.
int CheckMissed(FeedbackWorld& w, ClinicId clinic) {
  int raised = 0;
  const Status written = w.store->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(raised, w.service.RaiseMissedFeedback(txn, clinic, w.clock.Now()));
    return Ok();
  });
  EXPECT_TRUE(written.has_value()) << written.error().message;
  return raised;
}

TEST(MissedFeedback, TwoSilentSessionsRaiseExactlyOneAlertHoweverOftenItIsChecked) {
  FeedbackWorld w;
  w.PastSession(w.e_c1, 14);
  EXPECT_EQ(CheckMissed(w, w.clinic_a), 0);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kMissedFeedback), 0)
      << "one silent session is not yet a pattern";
  w.PastSession(w.e_c1, 7);
  for (int i = 0; i < 3; ++i) CheckMissed(w, w.clinic_a);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kMissedFeedback), 1);
}

TEST(MissedFeedback, ReadingProgressOrTheCaseloadWritesOnlyTheirAuditEntries) {
  FeedbackWorld w;
  w.PastSession(w.e_c1, 14);
  w.PastSession(w.e_c1, 7);
  const std::size_t audit_before = w.Audit().size();
  ASSERT_TRUE(w.service.Progress(w.As(w.t1), w.e_c1).has_value());
  ASSERT_TRUE(w.service.Dashboard(w.As(w.t1)).has_value());
  EXPECT_TRUE(w.store->ListAlertsOfEpisode(w.e_c1)->empty())
      << "a read raised an alert: that is the scheduler's work";
  const auto audit = w.Audit();
  ASSERT_GT(audit.size(), audit_before);
  for (std::size_t i = audit_before; i < audit.size(); ++i) EXPECT_EQ(audit[i].action, "read");
}

TEST(AlertRulesInService, AFirstRapportRatingBelowTheTopIsWorthExploringNotAFailure) {
  FeedbackWorld w;
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(9)))
          .has_value());
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kRapportWorthExploring);
  EXPECT_EQ(alerts[0].severity, Severity::kInfo);
  // A top rating the first time raises nothing (here a child's, on the Kids' Check's faces).
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("KIDS-CHECK", KidsCheck(4)))
                  .has_value());
  EXPECT_TRUE(w.store->ListAlertsOfEpisode(w.e_k1)->empty());
}

TEST(AlertRulesInService, AFitCheckAskingToTalkAboutFitRaisesAFitConcern) {
  FeedbackWorld w;
  const Json happy = {{"fit_continue", 9}, {"fit_talk", 0}};
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c2), w.e_c2, Request("FIT-CHECK", happy)).has_value());
  EXPECT_TRUE(w.store->ListAlertsOfEpisode(w.e_c2)->empty());
  const Json talk = {{"fit_continue", 9}, {"fit_talk", 1}};
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("FIT-CHECK", talk)).has_value());
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kFitConcern), 1);
}

TEST(MissedFeedback, TheCheckCoversEveryActiveEpisodeOfTheClinic) {
  FeedbackWorld w;
  w.PastSession(w.e_c2, 14);
  w.PastSession(w.e_c2, 7);
  EXPECT_EQ(CheckMissed(w, w.clinic_a), 1);
  EXPECT_EQ(CheckMissed(w, w.clinic_b), 0);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c2), AlertKind::kMissedFeedback), 1);
  auto rows = w.service.Dashboard(w.As(w.t2));
  ASSERT_TRUE(rows.has_value());
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ((*rows)[0].client_id, w.c2);
  EXPECT_EQ((*rows)[0].open_alerts, 1);
}

TEST(MissedFeedback, FeedbackAfterTheLastSessionRaisesNothing) {
  FeedbackWorld w;
  w.PastSession(w.e_c1, 14);
  const AppointmentId last = w.PastSession(w.e_c1, 7);
  ASSERT_TRUE(w.service
                  .SubmitResponse(w.As(w.c1), w.e_c1,
                                  Request("RAPPORT-CHECK", RapportCheck(10), "client", last))
                  .has_value());
  EXPECT_EQ(CheckMissed(w, w.clinic_a), 0);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kMissedFeedback), 0);
}

TEST(MissedFeedback, AResolvedAlertIsNotRaisedAgainForTheSameSessions) {
  FeedbackWorld w;
  w.PastSession(w.e_c1, 14);
  w.PastSession(w.e_c1, 7);
  CheckMissed(w, w.clinic_a);
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_TRUE(w.service.Resolve(w.As(w.t1), alerts[0].id, "Asked in session").has_value());
  CheckMissed(w, w.clinic_a);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kMissedFeedback), 1);
  // A further silent session after the resolution is a new pattern.
  w.clock.Advance(std::chrono::days(8));
  w.PastSession(w.e_c1, 1);
  CheckMissed(w, w.clinic_a);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kMissedFeedback,
                      AlertState::kOpen),
            1);
}

// --- Dashboard --------------------------------------------------------------------------------

TEST(Dashboard, ShowsTheNextScheduledAppointment) {
  FeedbackWorld w;
  const auto next_of_c1 = [&]() -> std::optional<Timestamp> {
    auto rows = w.service.Dashboard(w.As(w.t1));
    EXPECT_TRUE(rows.has_value());
    for (const DashboardRow& row : *rows) {
      if (row.client_id == w.c1) return row.next_appointment_at;
    }
    ADD_FAILURE() << "no dashboard row for the client";
    return std::nullopt;
  };
  const Timestamp now = w.clock.Now();
  // Earlier than anything the world already has: a cancelled one first, then a scheduled one.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    Appointment cancelled;
                    cancelled.episode_id = w.e_c1;
                    cancelled.starts_at = now + 60'000;
                    cancelled.status = AppointmentStatus::kCancelled;
                    RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(cancelled));
                    Appointment past;
                    past.episode_id = w.e_c1;
                    past.starts_at = now - 60'000;
                    RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(past));
                    Appointment next;
                    next.episode_id = w.e_c1;
                    next.starts_at = now + 120'000;
                    RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(next));
                    return Ok();
                  })
                  .has_value());
  EXPECT_EQ(next_of_c1(), now + 120'000);
}

TEST(Dashboard, OpenAlertsBySeverityComeFirstThenNames) {
  FeedbackWorld w;
  // Kit (a child of t1) gets a low-severity missed-feedback alert; Cleo a high risk alert.
  w.PastSession(w.e_k1, 14);
  w.PastSession(w.e_k1, 7);
  CheckMissed(w, w.clinic_a);
  RaiseRisk(w);
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(9)))
          .has_value());
  auto rows = w.service.Dashboard(w.As(w.t1));
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].client_id, w.c1);
  EXPECT_EQ((*rows)[0].top_severity, Severity::kHigh);  // item 9 answered "Several days"
  EXPECT_EQ((*rows)[0].outcome_instrument, "PHQ-9");
  EXPECT_EQ((*rows)[0].last_outcome_total, 9);
  EXPECT_EQ((*rows)[0].last_outcome_band, "mild");
  EXPECT_EQ((*rows)[0].last_rapport_total, 54);  // six sliders at 9
  EXPECT_EQ((*rows)[0].outcome_trend, std::vector<double>{9});
  EXPECT_EQ((*rows)[1].client_id, w.k1);
  EXPECT_EQ((*rows)[1].client_name, "Kit");
  EXPECT_EQ((*rows)[1].top_severity, Severity::kLow);

  // Once handled, Cleo's alert no longer puts her first.
  const auto handled = *w.store->ListAlertsOfEpisode(w.e_c1);
  for (const auto& a : handled) {
    if (a.state == AlertState::kOpen) {
      ASSERT_TRUE(w.service.Resolve(w.As(w.t1), a.id, "Handled in session").has_value());
    }
  }
  rows = w.service.Dashboard(w.As(w.t1));
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ((*rows)[0].client_id, w.k1);
  EXPECT_EQ((*rows)[1].open_alerts, 0);

  auto supervisor = w.service.Dashboard(w.As(w.supervisor));
  ASSERT_TRUE(supervisor.has_value());
  EXPECT_EQ(supervisor->size(), 2u) << "only the caseload of the therapist they supervise";
}

TEST(Caseload, EachClientIsOneLineWithTheirEpisodeNextSessionAndOpenFeedback) {
  FeedbackWorld w;
  RaiseRisk(w);
  // Kit's episode ends: Kit stays on the caseload, without feedback, after the open ones.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(w.e_k1, EpisodeStatus::kEnded, w.clock.Now());
                  })
                  .has_value());
  auto lines = w.service.Caseload(w.As(w.t1));
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(lines->size(), 2u);
  const CaseloadClient& cleo = (*lines)[0];
  EXPECT_EQ(cleo.client_id, w.c1);
  EXPECT_FALSE(cleo.is_minor);
  EXPECT_EQ(cleo.episode.id, w.e_c1);
  ASSERT_TRUE(cleo.feedback.has_value());
  EXPECT_EQ(cleo.feedback->top_severity, Severity::kHigh);
  EXPECT_EQ(cleo.feedback->outcome_instrument, "PHQ-9");
  const CaseloadClient& kit = (*lines)[1];
  EXPECT_EQ(kit.client_id, w.k1);
  EXPECT_TRUE(kit.is_minor);
  EXPECT_EQ(kit.episode.status, EpisodeStatus::kEnded);
  EXPECT_FALSE(kit.feedback.has_value());

  // The dashboard shows the open episodes only.
  auto rows = w.service.Dashboard(w.As(w.t1));
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].client_id, w.c1);

  EXPECT_EQ(w.service.Caseload(w.As(w.c1)).error().code, ErrorCode::kPermissionDenied);
  auto supervisor = w.service.Caseload(w.As(w.supervisor));
  ASSERT_TRUE(supervisor.has_value());
  EXPECT_EQ(supervisor->size(), 2u);
}

TEST(Caseload, AViewIsOneAuditEntryNamingEveryClientShown) {
  FeedbackWorld w;
  const std::size_t before = w.Audit().size();
  ASSERT_TRUE(w.service.Caseload(w.As(w.t1)).has_value());
  const auto audit = w.Audit();
  ASSERT_EQ(audit.size(), before + 1) << "one entry for the whole caseload, not one per client";
  const AuditEntry& entry = audit.back();
  EXPECT_EQ(entry.action, "read");
  EXPECT_EQ(entry.actor_id, w.t1);
  std::vector<std::string> named = entry.subjects;
  named.push_back(AuditRecordKey(entry.record_type, entry.record_id));
  for (UserId client : {w.c1, w.k1}) {
    EXPECT_THAT(named, ::testing::Contains(AuditRecordKey("client", std::to_string(client))));
  }
}

TEST(Submission, TheRapportDropComparesWithTheLatestRatingsHoweverLongTheHistory) {
  FeedbackWorld w;
  // Twenty good sessions at 54, then one at 30: a drop from the latest three.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(9)))
            .has_value());
  }
  const auto before = CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRapportDrop);
  auto dropped =
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(5)));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->response.session_number, 20);
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_c1), AlertKind::kRapportDrop), before + 1);
}

// A stored plan version's id dropped, for a Status-returning write.
Status Stored(const Result<PlanVersionId>& id) {
  if (!id) return Fail(id.error());
  return Ok();
}

TEST(Dashboard, AnAgreedPlanWithSixSessionsSinceAgreementIsDueForReview) {
  FeedbackWorld w;
  const Timestamp now = w.clock.Now();
  constexpr Timestamp kDay = 86'400'000;
  // Cleo's plan was agreed 60 days ago (under the 90-day rule); Kit's plan is only a draft.
  const Status written = w.store->Write([&](WriteTxn& txn) -> Status {
    PlanVersion agreed;
    agreed.episode_id = w.e_c1;
    agreed.number = 1;
    agreed.status = PlanVersionStatus::kAgreed;
    agreed.content_json = R"({"summary":"Feel less low"})";
    agreed.content_hash = Blake2b256Hex(agreed.content_json);
    agreed.created_by = w.t1;
    agreed.created_at = now - 62 * kDay;
    agreed.updated_at = now - 60 * kDay;
    agreed.proposed_at = now - 61 * kDay;
    agreed.decided_at = now - 60 * kDay;
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanVersion(agreed));
    PlanVersion draft;
    draft.episode_id = w.e_k1;
    draft.number = 1;
    draft.content_json = "{}";
    draft.created_by = w.t1;
    draft.created_at = now - kDay;
    draft.updated_at = now - kDay;
    return Stored(txn.InsertPlanVersion(draft));
  });
  ASSERT_TRUE(written.has_value()) << written.error().message;
  // A session before the agreement does not count.
  w.PastSession(w.e_c1, 61);

  const auto row_of = [&](UserId client) {
    auto rows = w.service.Dashboard(w.As(w.t1));
    EXPECT_TRUE(rows.has_value());
    for (const DashboardRow& row : rows.value_or(std::vector<DashboardRow>{})) {
      if (row.client_id == client) return row;
    }
    ADD_FAILURE() << "no dashboard row for client " << client;
    return DashboardRow{};
  };
  for (int days_ago = 50; days_ago > 0; days_ago -= 10) w.PastSession(w.e_c1, days_ago);
  DashboardRow cleo = row_of(w.c1);
  EXPECT_EQ(cleo.plan_status, "agreed");
  EXPECT_FALSE(cleo.plan_review_due) << "five sessions since agreement";

  w.PastSession(w.e_c1, 3);
  cleo = row_of(w.c1);
  EXPECT_EQ(cleo.plan_status, "agreed");
  EXPECT_TRUE(cleo.plan_review_due) << "six sessions since agreement";
  const DashboardRow kit = row_of(w.k1);
  EXPECT_EQ(kit.plan_status, "draft");
  EXPECT_FALSE(kit.plan_review_due);

  auto theirs = w.service.Dashboard(w.As(w.t2));
  ASSERT_TRUE(theirs.has_value());
  for (const DashboardRow& row : *theirs) {
    EXPECT_EQ(row.plan_status, "none") << row.client_name;
    EXPECT_FALSE(row.plan_review_due);
  }
}

TEST(Dashboard, ThePlanReviewFollowsTheClinicsSessionSetting) {
  FeedbackWorld w;
  const Timestamp now = w.clock.Now();
  ClinicSettings settings = w.store->GetClinic(w.clinic_a)->settings;
  settings.plan_review_sessions = 2;
  ASSERT_TRUE(
      w.store->Write([&](WriteTxn& txn) { return txn.UpdateClinicSettings(w.clinic_a, settings); })
          .has_value());
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    PlanVersion agreed;
                    agreed.episode_id = w.e_c1;
                    agreed.number = 1;
                    agreed.status = PlanVersionStatus::kAgreed;
                    agreed.content_json = "{}";
                    agreed.content_hash = Blake2b256Hex(agreed.content_json);
                    agreed.created_by = w.t1;
                    agreed.created_at = now - 20 * 86'400'000LL;
                    agreed.updated_at = agreed.created_at;
                    agreed.decided_at = agreed.created_at;
                    return Stored(txn.InsertPlanVersion(agreed));
                  })
                  .has_value());
  w.PastSession(w.e_c1, 10);
  w.PastSession(w.e_c1, 5);
  auto rows = w.service.Dashboard(w.As(w.t1));
  ASSERT_TRUE(rows.has_value());
  const auto cleo = std::find_if(rows->begin(), rows->end(),
                                 [&](const DashboardRow& r) { return r.client_id == w.c1; });
  ASSERT_NE(cleo, rows->end());
  EXPECT_TRUE(cleo->plan_review_due);
}

// --- Export -----------------------------------------------------------------------------------

TEST(Export, CsvHasOneRowPerResponseWithScoresAndAnswers) {
  FeedbackWorld w;
  const AppointmentId session = w.PastSession(w.e_c1, 1);
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2, 1), "client", session))
          .has_value());
  Json with_comma = RapportCheck(8);
  with_comma["rc_better"] = "More time, please";
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", with_comma))
                  .has_value());
  auto csv = w.service.ExportEpisodeCsv(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(csv.has_value());
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < csv->size();) {
    const auto end = csv->find("\r\n", at);
    lines.push_back(csv->substr(at, end - at));
    at = end + 2;
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "response_id,submitted_at,session_number,instrument,version,respondent,appointment_id,"
            "total,band,risk,scales,answers");
  EXPECT_NE(lines[1].find(",PHQ-9,"), std::string::npos);
  EXPECT_NE(lines[1].find(",client," + std::to_string(session) + ",17,moderately severe,phq9_9,"),
            std::string::npos)
      << lines[1];
  EXPECT_NE(lines[1].find("phq9_1=2;"), std::string::npos);
  EXPECT_NE(lines[1].find("2026-06-01T09:00:00.000Z"), std::string::npos);
  EXPECT_NE(lines[2].find("\"rc_approach=8;rc_better=More time, please;"), std::string::npos)
      << lines[2];
  const auto audit = w.Audit();
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [&](const AuditEntry& e) {
    return e.action == "export" && e.record_id == std::to_string(w.e_c1);
  }));
}

// --- Feedback links ---------------------------------------------------------------------------

TEST(FeedbackLinks, TheLinkIsSentToTheClientNotOnlyShownToTheTherapist) {
  FeedbackWorld w;
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value()) << link.error().message;
  const auto mail = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mail.has_value());
  int sent = 0;
  for (const Notification& m : *mail) {
    if (m.reason != "feedback_link") continue;
    ++sent;
    EXPECT_EQ(m.recipient_id, w.c1);
    EXPECT_NE(m.body.find(link->path), std::string::npos) << m.body;
  }
  EXPECT_EQ(sent, 1);
}

TEST(FeedbackLinks, AClientAnswersOncePerQuestionnaireWithoutSigningIn) {
  FeedbackWorld w;
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value()) << link.error().message;
  EXPECT_EQ(link->path, "/feedback/" + link->token);
  EXPECT_EQ(link->expires_at, w.clock.Now() + kFeedbackLinkLifetimeMs);

  auto info = w.service.PeekFeedbackLink(link->token);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->client_name, "Cleo Client");
  EXPECT_EQ(info->therapist_name, "Tara One");
  // The Rapport Check, PHQ-9 and GAD-7; the Fit Check waits until the client has met their
  // therapist.
  EXPECT_EQ(info->pending.size(), 3u);

  auto submitted = w.service.SubmitViaLink(link->token, Request("RAPPORT-CHECK", RapportCheck(9)),
                                           "198.51.100.4");
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  EXPECT_EQ(submitted->response.appointment_id, w.a_c1);
  const auto stored = *w.store->ListResponsesOfEpisode(w.e_c1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].respondent_user_id, w.c1);
  EXPECT_EQ(w.service.PeekFeedbackLink(link->token)->pending.size(), 2u);

  const auto before = w.Take(w.e_c1);
  auto again = w.service.SubmitViaLink(link->token, Request("RAPPORT-CHECK", RapportCheck(5)));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(w.Take(w.e_c1), before);
  EXPECT_TRUE(w.service.SubmitViaLink(link->token, Request("PHQ-9", Phq9(0))).has_value());
  EXPECT_EQ(w.store->FindFeedbackLinkByTokenHash(Blake2b256Hex(link->token))->uses, 2);
  // A link answers as the client, whoever the request says is answering.
  ASSERT_TRUE(
      w.service.SubmitViaLink(link->token, Request("GAD-7", Gad7(0), "therapist")).has_value());
  const auto responses = *w.store->ListResponsesOfEpisode(w.e_c1);
  for (const FeedbackResponse& r : responses) {
    EXPECT_EQ(r.respondent, Respondent::kClient);
    EXPECT_EQ(r.respondent_user_id, w.c1);
  }
}

TEST(FeedbackLinks, AParentsLinkAsksTheirOwnQuestionsAndAnswersAsThem) {
  FeedbackWorld w;
  const auto wrong = w.service.CreateFeedbackLink(w.As(w.t1), w.a_k1, w.g2);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_TRUE(Contains(FieldNames(wrong.error()), "guardian_id")) << "Gus is Kai's, not Kit's";
  EXPECT_FALSE(w.service.CreateFeedbackLink(w.As(w.g1), w.a_k1, w.g1).has_value())
      << "the care team sends links";

  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_k1, w.g1);
  ASSERT_TRUE(link.has_value()) << link.error().message;
  int sent = 0;
  const auto mail = *w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  for (const Notification& m : mail) {
    if (m.reason != "feedback_link") continue;
    ++sent;
    EXPECT_EQ(m.recipient_id, w.g1) << "the link goes to the parent it is for";
    EXPECT_NE(m.body.find(link->path), std::string::npos);
  }
  EXPECT_EQ(sent, 1);
  auto info = w.service.PeekFeedbackLink(link->token);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->respondent, Respondent::kGuardian);
  EXPECT_EQ(info->guardian_name, "Gina Guardian");
  ASSERT_EQ(info->pending.size(), 1u) << "the parent-report form; not Kit's own";
  EXPECT_EQ(info->pending[0].code, "PSC-17");

  ASSERT_TRUE(w.service.SubmitViaLink(link->token, Request("PSC-17", Psc17(1))).has_value());
  const auto stored = *w.store->ListResponsesOfEpisode(w.e_k1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].respondent, Respondent::kGuardian);
  EXPECT_EQ(stored[0].respondent_user_id, w.g1);
  EXPECT_EQ(stored[0].appointment_id, w.a_k1);
  EXPECT_TRUE(w.service.PeekFeedbackLink(link->token)->pending.empty());
  EXPECT_FALSE(
      w.service.SubmitViaLink(link->token, Request("KIDS-CHECK", KidsCheck(4))).has_value())
      << "a parent's link does not answer for the child";

  // After a session she took part in, her link for it asks how it felt to her.
  const AppointmentId session = w.PastSession(w.e_k1, 1);
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.InsertRoomGuest(RoomGuest{session, w.g1, w.t1, w.clock.Now()});
                  })
                  .has_value());
  auto after = w.service.CreateFeedbackLink(w.As(w.t1), session, w.g1);
  ASSERT_TRUE(after.has_value());
  info = w.service.PeekFeedbackLink(after->token);
  ASSERT_TRUE(info.has_value());
  std::vector<std::string> codes;
  for (const AssignedInstrument& a : info->pending) codes.push_back(a.code);
  EXPECT_TRUE(Contains(codes, "CARER-CHECK"));
  ASSERT_TRUE(
      w.service.SubmitViaLink(after->token, Request("CARER-CHECK", CarerCheck(9))).has_value());
  // Through the link, the draft is the parent's own.
  EXPECT_TRUE(w.service.GetDraftViaLink(after->token).has_value());
}

TEST(FeedbackLinks, ExpireAfterSevenDays) {
  FeedbackWorld w;
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value());
  w.clock.Advance(std::chrono::days(7) - std::chrono::milliseconds(1));
  EXPECT_TRUE(w.service.PeekFeedbackLink(link->token).has_value());
  w.clock.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(w.service.PeekFeedbackLink(link->token).error().code, ErrorCode::kNotFound);
  const auto before = w.Take(w.e_c1);
  EXPECT_EQ(
      w.service.SubmitViaLink(link->token, Request("RAPPORT-CHECK", RapportCheck(9))).error().code,
      ErrorCode::kNotFound);
  EXPECT_EQ(w.Take(w.e_c1), before);
  EXPECT_EQ(w.service.PeekFeedbackLink("not-a-token").error().code, ErrorCode::kNotFound);
}

TEST(FeedbackLinks, FollowTheClinicSetting) {
  FeedbackWorld w;
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value());
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateClinicSettings(w.clinic_a, ClinicSettings{true, false});
                  })
                  .has_value());
  EXPECT_EQ(w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.service.PeekFeedbackLink(link->token).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      w.service.SubmitViaLink(link->token, Request("RAPPORT-CHECK", RapportCheck(9))).error().code,
      ErrorCode::kNotFound);
  EXPECT_TRUE(w.store->ListResponsesOfEpisode(w.e_c1)->empty());
}

// --- Default questionnaires -------------------------------------------------------------------

TEST(DefaultQuestionnaires, NewAdultAndChildEpisodesGetTheirRoutineForms) {
  FeedbackWorld w;
  ClinicService clinic(*w.store, w.clock, testing::FastAuth());
  auto adult = clinic.CreateClient(w.As(w.t1), {"Ana Adult", "ana@a.test", "1990-01-01", "", 0});
  ASSERT_TRUE(adult.has_value());
  auto child = clinic.CreateClient(w.As(w.t1), {"Cy Child", "cy@a.test", "2018-01-01", "", 0});
  ASSERT_TRUE(child.has_value());
  const auto codes = [&](EpisodeId e) {
    std::vector<std::string> out;
    const auto assignments = *w.store->ListAssignments(e);
    for (const auto& a : assignments) {
      out.push_back(a.instrument + "/" + std::string(ToString(a.respondent)));
    }
    return out;
  };
  EXPECT_EQ(codes(adult->episodes[0].id),
            (std::vector<std::string>{"PHQ-9/client", "GAD-7/client", "RAPPORT-CHECK/client",
                                      "FIT-CHECK/client"}));
  // A young child rates their sessions on the Kids' Check's faces.
  EXPECT_EQ(
      codes(child->episodes[0].id),
      (std::vector<std::string>{"PSC-17/guardian", "CARER-CHECK/guardian", "KIDS-CHECK/client"}));
  auto second = clinic.CreateEpisode(w.As(w.t1), adult->user.id, 0);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(codes(second->id).size(), 4u);
}

// --- Expected trajectory ----------------------------------------------------------------------

TEST(Trajectory, ComesFromTheNormUntilTheClinicHasTwentySimilarEndedEpisodes) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2))).has_value());
  auto progress = w.service.Progress(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(progress.has_value());
  ASSERT_FALSE(progress->questionnaires.empty());
  EXPECT_EQ(progress->questionnaires[0].expected_source, TrajectorySource::kNorm);
  EXPECT_FALSE(progress->questionnaires[0].expected.empty());

  // Twenty ended episodes of the clinic that started near 16 and reached 8.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    for (int i = 0; i < 20; ++i) {
                      Episode e;
                      e.clinic_id = w.clinic_a;
                      e.client_id = w.c2;
                      e.therapist_id = w.t2;
                      e.status = EpisodeStatus::kEnded;
                      e.started_at = w.clock.Now() - 90 * 86'400'000LL;
                      e.ended_at = w.clock.Now() - 86'400'000LL;
                      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId id, txn.InsertEpisode(e));
                      for (int s = 0; s <= 8; ++s) {
                        FeedbackResponse r;
                        r.episode_id = id;
                        r.instrument = "PHQ-9";
                        r.instrument_version = "1";
                        r.respondent_user_id = w.c2;
                        r.submitted_at = e.started_at + s * 7 * 86'400'000LL;
                        r.session_number = s;
                        r.answers_json = "{}";
                        r.total = 16.0 - s + (i % 3);
                        RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(r));
                      }
                    }
                    return Ok();
                  })
                  .has_value());
  progress = w.service.Progress(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->questionnaires[0].expected_source, TrajectorySource::kClinic);
  ASSERT_GT(progress->questionnaires[0].expected.size(), 1u);
  EXPECT_DOUBLE_EQ(progress->questionnaires[0].expected[1].expected, 16.0);
}

TEST(Trajectory, IsComputedOnceForManyConcurrentReadersAndAgainWhenAnEpisodeEnds) {
  FeedbackWorld w;
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(2))).has_value());
  EXPECT_EQ(w.service.TrajectoryPoolsBuilt(), 1);
  // Eight views of the episode's progress at once, each needing the trajectories.
  const auto read_concurrently = [&] {
    std::atomic<int> failed{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 8; ++i) {
      readers.emplace_back([&] {
        if (!w.service.Progress(w.As(w.t1), w.e_c1).has_value()) ++failed;
      });
    }
    for (std::thread& t : readers) t.join();
    return failed.load();
  };
  EXPECT_EQ(read_concurrently(), 0);
  EXPECT_EQ(w.service.TrajectoryPoolsBuilt(), 1);

  // An episode ends: the clinic's experience has grown, so it is read again, once.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(w.e_c1, EpisodeStatus::kEnded, w.clock.Now());
                  })
                  .has_value());
  EXPECT_EQ(read_concurrently(), 0);
  EXPECT_EQ(w.service.TrajectoryPoolsBuilt(), 2);
}

// --- Drafts: answers in progress ----------------------------------------------------------------

TEST(FeedbackDrafts, AnswersInProgressComeBackToTheirAuthorAndToNobodyElse) {
  FeedbackWorld w;
  EXPECT_TRUE(w.service.GetDraft(w.As(w.c1), w.e_c1)->answers.empty());
  const Json answers = {{"RAPPORT-CHECK/rc_heard", 8}, {"PHQ-9/phq9_1", 2}};
  auto saved = w.service.SaveDraft(w.As(w.c1), w.e_c1, answers);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_EQ(saved->updated_at, w.clock.Now());
  EXPECT_FALSE(saved->crisis.has_value());
  // Another device, another sign-in: the same answers.
  auto again = w.service.GetDraft(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->answers, answers);
  // Unsent answers are the client's own: not the therapist's, not another client's.
  EXPECT_TRUE(w.service.GetDraft(w.As(w.t1), w.e_c1)->answers.empty());
  EXPECT_EQ(w.service.GetDraft(w.As(w.c2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.service.SaveDraft(w.As(w.c2), w.e_c1, answers).error().code, ErrorCode::kNotFound);
  const auto audit = w.Audit();
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [&](const AuditEntry& e) {
    return e.actor_id == w.c1 && e.action == "save" && e.record_type == "feedback_draft";
  }));
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [&](const AuditEntry& e) {
    return e.actor_id == w.c1 && e.action == "read" && e.record_type == "feedback_draft";
  }));

  // Sending one questionnaire takes only its answers out of the draft.
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("RAPPORT-CHECK", RapportCheck(8)))
          .has_value());
  EXPECT_EQ(w.service.GetDraft(w.As(w.c1), w.e_c1)->answers, (Json{{"PHQ-9/phq9_1", 2}}));
  // No answers: no draft.
  ASSERT_TRUE(w.service.SaveDraft(w.As(w.c1), w.e_c1, Json{{"PHQ-9/phq9_1", nullptr}}).has_value());
  EXPECT_EQ(w.store->GetFeedbackDraft(w.e_c1, w.c1).error().code, ErrorCode::kNotFound);
}

TEST(FeedbackDrafts, AnAnswerNoQuestionnaireAcceptsIsRefusedByNameAndChangesNothing) {
  FeedbackWorld w;
  const Json kept = {{"PHQ-9/phq9_1", 2}};
  ASSERT_TRUE(w.service.SaveDraft(w.As(w.c1), w.e_c1, kept).has_value());
  struct Case {
    const char* name;
    Json answers;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"out of range", {{"PHQ-9/phq9_1", 7}}, "answers/PHQ-9/phq9_1"},
      {"unknown item", {{"PHQ-9/phq9_99", 1}}, "answers/PHQ-9/phq9_99"},
      {"not this person's questionnaire", {{"PSC-17/psc17_1", 1}}, "answers/PSC-17/psc17_1"},
      {"no questionnaire named", {{"phq9_1", 1}}, "answers/phq9_1"},
      {"text for a number", {{"GAD-7/gad7_1", "often"}}, "answers/GAD-7/gad7_1"},
      {"not an object", Json::array({1, 2}), "answers"},
  };
  const auto before = w.Audit().size();
  for (const Case& c : cases) {
    auto refused = w.service.SaveDraft(w.As(w.c1), w.e_c1, c.answers);
    ASSERT_FALSE(refused.has_value()) << c.name;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << c.name;
    ASSERT_FALSE(refused.error().fields.empty()) << c.name;
    EXPECT_EQ(refused.error().fields[0].field, c.field) << c.name;
  }
  EXPECT_EQ(w.Audit().size(), before);
  EXPECT_EQ(w.service.GetDraft(w.As(w.c1), w.e_c1)->answers, kept);
}

TEST(FeedbackDrafts, AFeedbackLinkKeepsItsClientsDraftToo) {
  FeedbackWorld w;
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value());
  ASSERT_TRUE(w.service.SaveDraftViaLink(link->token, Json{{"GAD-7/gad7_1", 1}}).has_value());
  // The same draft as the client's own sign-in sees.
  EXPECT_EQ(w.service.GetDraft(w.As(w.c1), w.e_c1)->answers, (Json{{"GAD-7/gad7_1", 1}}));
  EXPECT_EQ(w.service.GetDraftViaLink(link->token)->answers, (Json{{"GAD-7/gad7_1", 1}}));
  EXPECT_EQ(w.service.GetDraftViaLink("not-a-token").error().code, ErrorCode::kNotFound);
}

// --- Schedules: most check-ins are short --------------------------------------------------------

// Whether `code` is due for the client of episode e_c1 at `appointment`.
bool DueFor(FeedbackService& service, const Actor& actor, EpisodeId episode,
            const std::string& code, std::optional<AppointmentId> appointment) {
  auto listed = service.AssignedInstruments(actor, episode, appointment);
  EXPECT_TRUE(listed.has_value()) << listed.error().message;
  for (const AssignedInstrument& a : *listed) {
    if (a.code == code && a.respondent == Respondent::kClient) return a.due;
  }
  ADD_FAILURE() << code << " is not assigned";
  return false;
}

TEST(Schedules, AFortnightlyQuestionnaireSkipsTheWeeklySessionInBetween) {
  FeedbackWorld w;
  // PHQ-9 and GAD-7 ask about the last two weeks: that is their default.
  auto listed = w.service.AssignedInstruments(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(listed.has_value());
  for (const AssignedInstrument& a : *listed) {
    Schedule expected{1, 0};
    if (a.code == "PHQ-9" || a.code == "GAD-7") expected = Schedule{0, 2};
    if (a.code == "FIT-CHECK") expected = Schedule{0, 0};
    EXPECT_EQ(a.schedule, expected) << a.code;
    EXPECT_FALSE(a.chosen_schedule);
  }
  const AppointmentId today = w.PastSession(w.e_c1, 0);
  const AppointmentId next_week = w.PastSession(w.e_c1, -7);
  const AppointmentId in_two_weeks = w.PastSession(w.e_c1, -14);
  EXPECT_TRUE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", today)) << "never answered";
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1), "client", today))
          .has_value());
  ASSERT_TRUE(w.service
                  .SubmitResponse(w.As(w.c1), w.e_c1,
                                  Request("RAPPORT-CHECK", RapportCheck(8), "client", today))
                  .has_value());
  EXPECT_FALSE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", today));
  EXPECT_FALSE(DueFor(w.service, w.As(w.c1), w.e_c1, "RAPPORT-CHECK", today));
  // Next week: the Rapport Check only.
  EXPECT_FALSE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", next_week));
  EXPECT_TRUE(DueFor(w.service, w.As(w.c1), w.e_c1, "RAPPORT-CHECK", next_week));
  // Two weeks on: both.
  EXPECT_TRUE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", in_two_weeks));
  EXPECT_TRUE(DueFor(w.service, w.As(w.c1), w.e_c1, "RAPPORT-CHECK", in_two_weeks));
}

TEST(Schedules, TheTherapistChoosesHowOftenAndBackToTheDefault) {
  FeedbackWorld w;
  const AppointmentId today = w.PastSession(w.e_c1, 0);
  const AppointmentId next_week = w.PastSession(w.e_c1, -7);
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1), "client", today))
          .has_value());
  auto every_session = w.service.AssignInstrument(w.As(w.t1), w.e_c1, "PHQ-9", "client",
                                                  std::optional<Schedule>(Schedule{1, 0}));
  ASSERT_TRUE(every_session.has_value()) << every_session.error().message;
  EXPECT_TRUE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", next_week));
  auto back =
      w.service.AssignInstrument(w.As(w.t1), w.e_c1, "PHQ-9", "client", std::optional<Schedule>());
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(DueFor(w.service, w.As(w.c1), w.e_c1, "PHQ-9", next_week));
  const auto audit = w.Audit();
  EXPECT_GE(std::count_if(audit.begin(), audit.end(),
                          [&](const AuditEntry& e) {
                            return e.actor_id == w.t1 && e.action == "assign_instrument";
                          }),
            2);
  // Only the care team, and only a schedule that makes sense.
  EXPECT_EQ(w.service
                .AssignInstrument(w.As(w.c1), w.e_c1, "PHQ-9", "client",
                                  std::optional<Schedule>(Schedule{1, 0}))
                .error()
                .code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service
                .AssignInstrument(w.As(w.t2), w.e_c1, "PHQ-9", "client",
                                  std::optional<Schedule>(Schedule{1, 0}))
                .error()
                .code,
            ErrorCode::kNotFound);
  auto both = w.service.AssignInstrument(w.As(w.t1), w.e_c1, "PHQ-9", "client",
                                         std::optional<Schedule>(Schedule{1, 2}));
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(FieldNames(both.error()), std::vector<std::string>{"every_weeks"});
  EXPECT_EQ(w.service.AssignedInstruments(w.As(w.c1), w.e_c1, w.a_c2).error().fields.at(0).field,
            "appointment");
}

TEST(Schedules, AFeedbackLinkAsksOnlyWhatIsDueForItsSession) {
  FeedbackWorld w;
  const AppointmentId last_week = w.PastSession(w.e_c1, 7);
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("PHQ-9", Phq9(1), "client", last_week))
          .has_value());
  ASSERT_TRUE(
      w.service.SubmitResponse(w.As(w.c1), w.e_c1, Request("GAD-7", Gad7(1), "client", last_week))
          .has_value());
  auto link = w.service.CreateFeedbackLink(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(link.has_value());
  auto info = w.service.PeekFeedbackLink(link->token);
  ASSERT_TRUE(info.has_value());
  std::vector<std::string> codes;
  for (const AssignedInstrument& a : info->pending) codes.push_back(a.code);
  // PHQ-9 and GAD-7 were answered a week ago; the Rapport Check and the Fit Check remain.
  EXPECT_EQ(codes, (std::vector<std::string>{"RAPPORT-CHECK", "FIT-CHECK"}));
}

// --- A caregiver's own Rapport Check ------------------------------------------------------------

// Kit (k1) with a second guardian: Gus (g2) is linked to Kit as well as to Kai.
struct CaregiverWorld : FeedbackWorld {
  CaregiverWorld() {
    EXPECT_TRUE(store
                    ->Write([&](WriteTxn& txn) -> Status {
                      RAPPORT_RETURN_IF_ERROR(txn.InsertGuardianLink(
                          EstablishedGuardianLink(g2, k1, clock.Now(), "second guardian")));
                      return Ok();
                    })
                    .has_value());
  }
  // The therapist records `guardian` as taking part in `appointment`.
  void TookPart(AppointmentId appointment, UserId guardian) {
    EXPECT_TRUE(store
                    ->Write([&](WriteTxn& txn) {
                      return txn.InsertRoomGuest(RoomGuest{appointment, guardian, t1, clock.Now()});
                    })
                    .has_value());
  }
  std::optional<AssignedInstrument> CarerCheckFor(UserId guardian) {
    auto assigned = service.AssignedInstruments(As(guardian), e_k1);
    EXPECT_TRUE(assigned.has_value());
    for (const AssignedInstrument& a : assigned.value_or(std::vector<AssignedInstrument>{})) {
      if (a.code == "CARER-CHECK") return a;
    }
    return std::nullopt;
  }
};

TEST(CaregiverCheck, IsDueOnlyForAWeekAfterASessionTheGuardianTookPartIn) {
  CaregiverWorld w;
  const AppointmentId session = w.PastSession(w.e_k1, 1);
  ASSERT_TRUE(w.CarerCheckFor(w.g1).has_value()) << "a child's episode asks it of guardians";
  EXPECT_FALSE(w.CarerCheckFor(w.g1)->due) << "Gina did not take part";
  w.TookPart(session, w.g1);
  const auto due = w.CarerCheckFor(w.g1);
  EXPECT_TRUE(due->due);
  EXPECT_EQ(due->session_id, session);
  EXPECT_FALSE(w.CarerCheckFor(w.g2)->due) << "only the guardian who took part is asked";
  w.clock.Advance(std::chrono::days(7));
  EXPECT_FALSE(w.CarerCheckFor(w.g1)->due) << "a week on, the session is too far back to ask";
}

TEST(CaregiverCheck, IsAnsweredOnceForASessionTheGuardianTookPartIn) {
  CaregiverWorld w;
  const AppointmentId theirs = w.PastSession(w.e_k1, 2);
  const AppointmentId other = w.PastSession(w.e_k1, 1);
  const auto before = w.Take(w.e_k1);
  const auto none = w.service.SubmitResponse(w.As(w.g1), w.e_k1,
                                             Request("CARER-CHECK", CarerCheck(9), "guardian"));
  ASSERT_FALSE(none.has_value());
  EXPECT_TRUE(Contains(FieldNames(none.error()), "appointment_id"));
  EXPECT_EQ(w.Take(w.e_k1), before) << "nothing stored";
  w.TookPart(theirs, w.g1);
  const auto not_theirs = w.service.SubmitResponse(
      w.As(w.g1), w.e_k1, Request("CARER-CHECK", CarerCheck(9), "guardian", other));
  ASSERT_FALSE(not_theirs.has_value());
  EXPECT_TRUE(Contains(FieldNames(not_theirs.error()), "appointment_id"));
  // Without a session named, it is about the latest they took part in.
  const auto sent = w.service.SubmitResponse(w.As(w.g1), w.e_k1,
                                             Request("CARER-CHECK", CarerCheck(9), "guardian"));
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_EQ(w.store->GetResponse(sent->response.id)->appointment_id, theirs);
  EXPECT_FALSE(w.CarerCheckFor(w.g1)->due);
  const auto again = w.service.SubmitResponse(
      w.As(w.g1), w.e_k1, Request("CARER-CHECK", CarerCheck(9), "guardian", theirs));
  ASSERT_FALSE(again.has_value());
  EXPECT_TRUE(Contains(FieldNames(again.error()), "appointment_id"));
  // The child does not answer the caregiver's questions.
  EXPECT_FALSE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("CARER-CHECK", CarerCheck(9)))
                   .has_value());
}

TEST(CaregiverCheck, EachGuardiansRatingsAreTheirOwnSeriesAndADropNamesThem) {
  CaregiverWorld w;
  // Gina rates three sessions highly, Gus one low: no drop for anyone.
  for (int days : {9, 6, 3}) {
    const AppointmentId session = w.PastSession(w.e_k1, days);
    w.TookPart(session, w.g1);
    w.TookPart(session, w.g2);
    ASSERT_TRUE(w.service
                    .SubmitResponse(w.As(w.g1), w.e_k1,
                                    Request("CARER-CHECK", CarerCheck(9), "guardian", session))
                    .has_value());
  }
  const AppointmentId last = w.PastSession(w.e_k1, 1);
  w.TookPart(last, w.g1);
  w.TookPart(last, w.g2);
  ASSERT_TRUE(w.service
                  .SubmitResponse(w.As(w.g2), w.e_k1,
                                  Request("CARER-CHECK", CarerCheck(8), "guardian", last))
                  .has_value());
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_k1), AlertKind::kRapportDrop), 0)
      << "Gus's first rating is not compared with Gina's";
  // Gina's own rating falls: the drop is hers, and the alert says whose.
  auto dropped = w.service.SubmitResponse(w.As(w.g1), w.e_k1,
                                          Request("CARER-CHECK", CarerCheck(5), "guardian", last));
  ASSERT_TRUE(dropped.has_value()) << dropped.error().message;
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_k1);
  ASSERT_EQ(CountKind(alerts, AlertKind::kRapportDrop), 1);
  for (const FeedbackAlert& a : alerts) {
    if (a.kind != AlertKind::kRapportDrop) continue;
    EXPECT_THAT(a.explanation, HasSubstr("Gina Guardian (Kit's parent or carer)"));
    EXPECT_THAT(a.explanation, HasSubstr("30 of 60"));
  }
  // The child's own rapport is tracked apart: a Kids' Check raises nothing about the parents.
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("KIDS-CHECK", KidsCheck(4)))
                  .has_value());
  EXPECT_EQ(CountKind(*w.store->ListAlertsOfEpisode(w.e_k1), AlertKind::kRapportDrop), 1);
}

TEST(CaregiverCheck, AGuardianSeesOnlyTheirOwnAnswersAndTheCareTeamSeesWhoseEachIs) {
  CaregiverWorld w;
  const AppointmentId session = w.PastSession(w.e_k1, 1);
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.g1), w.e_k1, Request("PSC-17", Psc17(1), "guardian"))
                  .has_value());
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.g2), w.e_k1, Request("PSC-17", Psc17(0), "guardian"))
                  .has_value());
  w.TookPart(session, w.g2);
  ASSERT_TRUE(w.service
                  .SubmitResponse(w.As(w.g2), w.e_k1,
                                  Request("CARER-CHECK", CarerCheck(6), "guardian", session))
                  .has_value());
  const auto gina = w.service.Progress(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(gina.has_value()) << gina.error().message;
  for (const QuestionnaireProgress& q : gina->questionnaires) {
    if (q.definition.code == "CARER-CHECK") {
      EXPECT_TRUE(q.points.empty()) << "Gus's own check is not Gina's to read";
    }
    for (const ProgressPoint& p : q.points) EXPECT_EQ(p.guardian_id, w.g1);
  }
  const auto team = w.service.Progress(w.As(w.t1), w.e_k1);
  ASSERT_TRUE(team.has_value());
  std::set<std::string> names;
  for (const QuestionnaireProgress& q : team->questionnaires) {
    for (const ProgressPoint& p : q.points)
      names.insert(q.definition.code + ": " + p.guardian_name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"PSC-17: Gina Guardian (Kit's parent or carer)",
                                          "PSC-17: Gus Guardian (Kit's parent or carer)",
                                          "CARER-CHECK: Gus Guardian (Kit's parent or carer)"}));
  const auto kit = w.service.Progress(w.As(w.k1), w.e_k1);
  ASSERT_TRUE(kit.has_value());
  for (const QuestionnaireProgress& q : kit->questionnaires) {
    EXPECT_TRUE(q.points.empty() || q.points[0].respondent == Respondent::kClient)
        << "the child does not read a parent's answers";
  }
}

TEST(CaregiverCheck, TheCaseloadsRapportLineIsTheChildsOwn) {
  CaregiverWorld w;
  const AppointmentId session = w.PastSession(w.e_k1, 1);
  w.TookPart(session, w.g1);
  ASSERT_TRUE(w.service.SubmitResponse(w.As(w.k1), w.e_k1, Request("KIDS-CHECK", KidsCheck(4)))
                  .has_value());
  ASSERT_TRUE(w.service
                  .SubmitResponse(w.As(w.g1), w.e_k1,
                                  Request("CARER-CHECK", CarerCheck(5), "guardian", session))
                  .has_value());
  const auto rows = w.service.Dashboard(w.As(w.t1));
  ASSERT_TRUE(rows.has_value());
  bool found = false;
  for (const DashboardRow& row : *rows) {
    if (row.client_id != w.k1) continue;
    EXPECT_EQ(row.rapport_trend, std::vector<double>{16});
    EXPECT_EQ(row.last_rapport_total, 16);
    found = true;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace rapport
