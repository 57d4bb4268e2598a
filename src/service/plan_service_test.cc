#include "service/plan_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

constexpr Timestamp kDay = 86'400'000;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

// Two problems, one goal with a PHQ-9 target and a GAS scale, an intervention and homework.
Json Content(bool share_problems = false, bool share_goals = false, bool share_homework = false,
             bool ask_guardian = false) {
  Json content = Json::parse(R"({
    "summary": "Lift mood and sleep better",
    "problems": [
      {"key": "p1", "client_words": "I feel low most days",
       "formulation": "Low mood kept going by withdrawal", "diagnosis": "F32.1",
       "status": "active"},
      {"key": "p2", "client_words": "I can't sleep", "status": "active"}
    ],
    "agreed_order": ["p1", "p2"],
    "goals": [
      {"key": "g1", "problem_key": "p1", "description": "Mood back to mild",
       "due_date": "2026-09-01",
       "benchmarks": [
         {"key": "b1", "kind": "questionnaire", "instrument": "PHQ-9", "comparator": "below",
          "target": 10},
         {"key": "b2", "kind": "gas", "weight": 1,
          "levels": ["stays in bed", "goes out once", "goes out weekly", "twice weekly", "daily"]}
       ],
       "interventions": [{"key": "i1", "description": "Behavioural activation", "approach": "CBT"}],
       "homework": [{"key": "h1", "description": "Plan one pleasant activity",
                     "due_date": "2026-06-08"}]}
    ]
  })");
  content["guardian"] = Json{{"problems", share_problems},
                             {"goals", share_goals},
                             {"homework", share_homework},
                             {"ask_agreement", ask_guardian}};
  return content;
}

struct PlanWorld : World {
  PlanService service{*store, clock, Catalog()};

  // Drafts `content` for `episode` as `therapist` and proposes it; returns the version number.
  int Proposed(EpisodeId episode, UserId therapist, const Json& content) {
    auto draft = service.StartDraft(As(therapist), episode, content);
    EXPECT_TRUE(draft.has_value()) << draft.error().message;
    if (!draft) return 0;
    auto proposed = service.Propose(As(therapist), episode, draft->version.number);
    EXPECT_TRUE(proposed.has_value()) << proposed.error().message;
    return draft->version.number;
  }
  // As Proposed, then accepted by `client`.
  int Agreed(EpisodeId episode, UserId therapist, UserId client, const Json& content) {
    const int number = Proposed(episode, therapist, content);
    auto accepted = service.Accept(As(client), episode, number);
    EXPECT_TRUE(accepted.has_value()) << accepted.error().message;
    return number;
  }

  PlanVersion Stored(EpisodeId episode, int number) const {
    auto v = store->GetPlanVersion(episode, number);
    EXPECT_TRUE(v.has_value());
    return v.value_or(PlanVersion{});
  }
  std::vector<PlanVersion> Versions(EpisodeId episode) const {
    return store->ListPlanVersions(episode).value_or(std::vector<PlanVersion>{});
  }

  void CompletedSession(EpisodeId episode, Timestamp at) {
    const Status written = store->Write([&](WriteTxn& txn) -> Status {
      Appointment a;
      a.episode_id = episode;
      a.starts_at = at;
      a.status = AppointmentStatus::kCompleted;
      RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(a));
      return Ok();
    });
    EXPECT_TRUE(written.has_value());
  }

  void Phq9Total(EpisodeId episode, UserId client, Timestamp at, double total) {
    const Status written = store->Write([&](WriteTxn& txn) -> Status {
      FeedbackResponse r;
      r.episode_id = episode;
      r.instrument = "PHQ-9";
      r.instrument_version = "1";
      r.respondent = Respondent::kClient;
      r.respondent_user_id = client;
      r.submitted_at = at;
      r.answers_json = "{}";
      r.total = total;
      r.scales_json = "{}";
      r.risk_json = "[]";
      RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(r));
      return Ok();
    });
    EXPECT_TRUE(written.has_value()) << written.error().message;
  }

  void ShareWithGuardians(bool share) {
    auto clinic = store->GetClinic(clinic_a);
    ASSERT_TRUE(clinic.has_value());
    ClinicSettings settings = clinic->settings;
    settings.share_with_guardians = share;
    ASSERT_TRUE(
        store->Write([&](WriteTxn& txn) { return txn.UpdateClinicSettings(clinic_a, settings); })
            .has_value());
  }

  bool Audited(std::string_view action, std::string_view record_type) const {
    const auto entries = Audit();
    return std::any_of(entries.begin(), entries.end(), [&](const AuditEntry& e) {
      return e.action == action && e.record_type == record_type;
    });
  }
};

std::vector<std::string> FieldNames(const Error& error) {
  std::vector<std::string> names;
  names.reserve(error.fields.size());
  for (const FieldError& f : error.fields) names.push_back(f.field);
  return names;
}

bool HasField(const Error& error, const std::string& name) {
  const auto names = FieldNames(error);
  return std::find(names.begin(), names.end(), name) != names.end();
}

// --- Versions, signatures, immutability ---------------------------------------------------------

TEST(PlanVersions, AcceptanceSignsTheProposedHashAndAgreesTheVersion) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  const PlanVersion proposed = w.Stored(w.e_c1, n);
  EXPECT_EQ(proposed.status, PlanVersionStatus::kProposed);
  ASSERT_FALSE(proposed.content_hash.empty());
  auto content = ParsePlanContent(Content(), Catalog());
  ASSERT_TRUE(content.has_value());
  EXPECT_EQ(proposed.content_hash, PlanContentHash(*content));

  auto accepted = w.service.Accept(w.As(w.c1), w.e_c1, n);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(accepted->version.status, PlanVersionStatus::kAgreed);
  EXPECT_TRUE(accepted->version.decided_at.has_value());
  ASSERT_EQ(accepted->signatures.size(), 2u);
  for (const SignatureView& s : accepted->signatures) {
    EXPECT_EQ(s.signature.content_hash, proposed.content_hash);
  }
  EXPECT_EQ(accepted->signatures[0].signature.role, SignerRole::kTherapist);
  EXPECT_EQ(accepted->signatures[0].name, "Tara One");
  EXPECT_EQ(accepted->signatures[1].signature.role, SignerRole::kClient);
  EXPECT_EQ(accepted->signatures[1].signature.user_id, w.c1);
  EXPECT_FALSE(accepted->signatures[1].account_link_handed_over_by.has_value());
  EXPECT_EQ(w.Stored(w.e_c1, n).content_hash, proposed.content_hash);
}

TEST(PlanVersions, AProposalIsSentToTheClientOnceWithoutClinicalContent) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  const auto mail = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mail.has_value());
  int to_client = 0;
  for (const Notification& m : *mail) {
    if (m.reason != "plan_proposal") continue;
    ++to_client;
    EXPECT_EQ(m.recipient_id, w.c1);
    EXPECT_EQ(m.body.find("mood"), std::string::npos) << "no clinical content: " << m.body;
  }
  EXPECT_EQ(to_client, 1);
  EXPECT_GT(n, 0);
}

TEST(PlanVersions, ASignatureSaysWhenTheAccountsFirstLinkWasHandedOverByStaff) {
  PlanWorld w;
  // c1's first password came from a link t1 handed over in person (so t1 once held it).
  Invitation handed;
  handed.clinic_id = w.clinic_a;
  handed.user_id = w.c1;
  handed.created_by = w.t1;
  handed.token_hash = "handed-over";
  handed.created_at = w.clock.Now() - 1000;
  handed.expires_at = w.clock.Now() + 1000;
  handed.used_at = w.clock.Now() - 500;
  handed.delivery = "in_person";
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(const InvitationId id, txn.InsertInvitation(handed));
                    (void)id;
                    return Ok();
                  })
                  .has_value());
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  auto accepted = w.service.Accept(w.As(w.c1), w.e_c1, n);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  ASSERT_EQ(accepted->signatures.size(), 2u);
  EXPECT_FALSE(accepted->signatures[0].account_link_handed_over_by.has_value());  // therapist
  EXPECT_EQ(accepted->signatures[1].account_link_handed_over_by, w.t1);
}

TEST(PlanVersions, SavingAProposedVersionFailsAndChangesNothing) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  const PlanVersion before = w.Stored(w.e_c1, n);
  Json changed = Content();
  changed["summary"] = "Something else";
  auto saved = w.service.SaveDraft(w.As(w.t1), w.e_c1, n, changed);
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Stored(w.e_c1, n), before);
}

TEST(PlanVersions, SavingAnAgreedVersionFailsAndChangesNothing) {
  PlanWorld w;
  const int n = w.Agreed(w.e_c1, w.t1, w.c1, Content());
  const PlanVersion before = w.Stored(w.e_c1, n);
  auto saved = w.service.SaveDraft(w.As(w.t1), w.e_c1, n, Content(true));
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().code, ErrorCode::kFailedPrecondition);
  auto proposed_again = w.service.Propose(w.As(w.t1), w.e_c1, n);
  ASSERT_FALSE(proposed_again.has_value());
  EXPECT_EQ(proposed_again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Stored(w.e_c1, n), before);
}

TEST(PlanVersions, AnEndedEpisodesPlanCanBeReadButNoLongerChanged) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  const Status ended = w.store->Write([&](WriteTxn& txn) -> Status {
    return txn.UpdateEpisodeStatus(w.e_c1, EpisodeStatus::kEnded, w.clock.Now());
  });
  ASSERT_TRUE(ended.has_value());
  const auto before = w.Versions(w.e_c1);

  auto accepted = w.service.Accept(w.As(w.c1), w.e_c1, n);
  ASSERT_FALSE(accepted.has_value());
  EXPECT_EQ(accepted.error().code, ErrorCode::kFailedPrecondition);
  auto drafted = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_FALSE(drafted.has_value());
  EXPECT_EQ(drafted.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Versions(w.e_c1), before);

  auto overview = w.service.Overview(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  EXPECT_FALSE(overview->may_accept);
  auto therapist_view = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(therapist_view.has_value());
  EXPECT_FALSE(therapist_view->may_edit);
}

TEST(PlanVersions, TheTherapistCanWithdrawAnUnansweredProposalAndStartAgain) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  auto by_client = w.service.Withdraw(w.As(w.c1), w.e_c1, n);
  ASSERT_FALSE(by_client.has_value());
  EXPECT_EQ(by_client.error().code, ErrorCode::kPermissionDenied);

  auto withdrawn = w.service.Withdraw(w.As(w.t1), w.e_c1, n);
  ASSERT_TRUE(withdrawn.has_value()) << withdrawn.error().message;
  EXPECT_EQ(withdrawn->version.status, PlanVersionStatus::kWithdrawn);
  auto accepted = w.service.Accept(w.As(w.c1), w.e_c1, n);
  ASSERT_FALSE(accepted.has_value());
  EXPECT_EQ(accepted.error().code, ErrorCode::kFailedPrecondition);

  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->version.number, n + 1);
  EXPECT_EQ(draft->content, withdrawn->content);  // the correction starts from what was proposed
}

TEST(PlanVersions, AnAnsweredProposalCannotBeWithdrawn) {
  PlanWorld w;
  const int n = w.Agreed(w.e_c1, w.t1, w.c1, Content());
  const auto before = w.Versions(w.e_c1);
  auto withdrawn = w.service.Withdraw(w.As(w.t1), w.e_c1, n);
  ASSERT_FALSE(withdrawn.has_value());
  EXPECT_EQ(withdrawn.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Versions(w.e_c1), before);
}

TEST(PlanVersions, TheClientSeesADraftsProblemListAndTheRestOnceItIsProposed) {
  PlanWorld w;
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, Content());
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  const int n = draft->version.number;

  auto seen = w.service.GetVersion(w.As(w.c1), w.e_c1, n);
  ASSERT_TRUE(seen.has_value()) << seen.error().message;
  EXPECT_EQ(seen->content.problems.size(), 2u);  // the list they help to write
  EXPECT_TRUE(seen->content.goals.empty());
  EXPECT_TRUE(seen->content.summary.empty());
  EXPECT_EQ(seen->version.content_json.find("Mood back to mild"), std::string::npos);
  auto overview = w.service.Overview(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_TRUE(overview->goals.empty());
  auto therapist_view = w.service.GetVersion(w.As(w.t1), w.e_c1, n);
  ASSERT_TRUE(therapist_view.has_value());
  EXPECT_EQ(therapist_view->content.goals.size(), 1u);

  ASSERT_TRUE(w.service.Propose(w.As(w.t1), w.e_c1, n).has_value());
  auto proposed = w.service.GetVersion(w.As(w.c1), w.e_c1, n);
  ASSERT_TRUE(proposed.has_value());
  EXPECT_EQ(proposed->content.goals.size(), 1u);
  EXPECT_EQ(proposed->content.summary, "Lift mood and sleep better");
}

TEST(PlanVersions, AcceptingAProposalThatIsNotTheLatestFails) {
  PlanWorld w;
  const int first = w.Proposed(w.e_c1, w.t1, Content());
  ASSERT_TRUE(w.service.RequestChanges(w.As(w.c1), w.e_c1, first, "Sleep matters more to me"));
  const int second = w.Proposed(w.e_c1, w.t1, Content(true));
  ASSERT_EQ(second, first + 1);

  auto accepted = w.service.Accept(w.As(w.c1), w.e_c1, first);
  ASSERT_FALSE(accepted.has_value());
  EXPECT_EQ(accepted.error().code, ErrorCode::kFailedPrecondition);
  const PlanVersion old = w.Stored(w.e_c1, first);
  EXPECT_EQ(old.status, PlanVersionStatus::kChangesRequested);
  EXPECT_EQ(old.client_comment, "Sleep matters more to me");
  EXPECT_EQ(w.Stored(w.e_c1, second).status, PlanVersionStatus::kProposed);
  EXPECT_TRUE(w.service.Accept(w.As(w.c1), w.e_c1, second).has_value());
}

TEST(PlanVersions, ANewAgreementSupersedesThePreviousAndTheDiffShowsTheChange) {
  PlanWorld w;
  const int first = w.Agreed(w.e_c1, w.t1, w.c1, Content());
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->version.status, PlanVersionStatus::kDraft);
  EXPECT_TRUE(draft->version.content_hash.empty());
  EXPECT_EQ(draft->content.problems.size(), 2u) << "a new draft starts from the newest version";
  Json changed = PlanContentToJson(draft->content);
  changed["goals"][0]["due_date"] = "2026-10-01";
  const int second = draft->version.number;
  ASSERT_TRUE(w.service.SaveDraft(w.As(w.t1), w.e_c1, second, changed).has_value());
  ASSERT_TRUE(w.service.Propose(w.As(w.t1), w.e_c1, second).has_value());
  EXPECT_EQ(w.Stored(w.e_c1, first).status, PlanVersionStatus::kAgreed)
      << "the agreed version stays in force until the new one is accepted";
  ASSERT_TRUE(w.service.Accept(w.As(w.c1), w.e_c1, second).has_value());
  EXPECT_EQ(w.Stored(w.e_c1, first).status, PlanVersionStatus::kSuperseded);
  EXPECT_EQ(w.Stored(w.e_c1, second).status, PlanVersionStatus::kAgreed);

  auto diff = w.service.Diff(w.As(w.c1), w.e_c1, first, second);
  ASSERT_TRUE(diff.has_value()) << diff.error().message;
  ASSERT_EQ(diff->size(), 1u);
  EXPECT_EQ((*diff)[0].key, "g1");
  EXPECT_EQ((*diff)[0].before, "2026-09-01");
  EXPECT_EQ((*diff)[0].after, "2026-10-01");
  auto missing = w.service.Diff(w.As(w.t1), w.e_c1, first, 9);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(PlanVersions, OnlyOneDraftOrProposalIsOpenAtATime) {
  PlanWorld w;
  ASSERT_TRUE(w.service.StartDraft(w.As(w.t1), w.e_c1, Content()).has_value());
  auto second = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("Version 1"), std::string::npos) << second.error().message;
  ASSERT_TRUE(w.service.Propose(w.As(w.t1), w.e_c1, 1).has_value());
  auto third = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Versions(w.e_c1).size(), 1u);
}

TEST(PlanVersions, ProposingNeedsAProblemAndAGoal) {
  PlanWorld w;
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  auto proposed = w.service.Propose(w.As(w.t1), w.e_c1, draft->version.number);
  ASSERT_FALSE(proposed.has_value());
  EXPECT_EQ(proposed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(proposed.error(), "problems"));
  EXPECT_TRUE(HasField(proposed.error(), "goals"));
  EXPECT_EQ(w.Stored(w.e_c1, draft->version.number).status, PlanVersionStatus::kDraft);
}

TEST(PlanVersions, AskingForChangesNeedsACommentAndDeclineDoesNot) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  auto empty = w.service.RequestChanges(w.As(w.c1), w.e_c1, n, "   ");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(empty.error(), "comment"));
  EXPECT_EQ(w.Stored(w.e_c1, n).status, PlanVersionStatus::kProposed);
  auto declined = w.service.Decline(w.As(w.c1), w.e_c1, n, "");
  ASSERT_TRUE(declined.has_value()) << declined.error().message;
  EXPECT_EQ(declined->version.status, PlanVersionStatus::kDeclined);
  EXPECT_TRUE(declined->version.decided_at.has_value());
}

TEST(PlanVersions, AClientCannotDraftSaveProposeOrReview) {
  PlanWorld w;
  const Actor client = w.As(w.c1);
  auto started = w.service.StartDraft(client, w.e_c1, Content());
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(w.service.StartDraft(w.As(w.t1), w.e_c1, Content()).has_value());
  EXPECT_EQ(w.service.SaveDraft(client, w.e_c1, 1, Content()).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.Propose(client, w.e_c1, 1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.Review(client, w.e_c1, ReviewInput{"notes", "", {}}).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.Stored(w.e_c1, 1).status, PlanVersionStatus::kDraft);
}

TEST(PlanVersions, TheTherapistCannotAcceptForTheClient) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  auto accepted = w.service.Accept(w.As(w.t1), w.e_c1, n);
  ASSERT_FALSE(accepted.has_value());
  EXPECT_EQ(accepted.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.Stored(w.e_c1, n).status, PlanVersionStatus::kProposed);
}

TEST(PlanVersions, TwoDraftsStartedAtOnceLeaveOneAndRefuseTheOther) {
  PlanWorld w;
  std::vector<Result<PlanVersionView>> results(2, Fail(Error::Internal("not run")));
  {
    std::vector<std::thread> threads;
    threads.reserve(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back(
          [&, i] { results[i] = w.service.StartDraft(w.As(w.t1), w.e_c1, Content()); });
    }
    for (std::thread& t : threads) t.join();
  }
  const auto succeeded =
      std::count_if(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
  EXPECT_EQ(succeeded, 1);
  for (const auto& r : results) {
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition) << r.error().message;
    }
  }
  EXPECT_EQ(w.Versions(w.e_c1).size(), 1u);
}

// --- Content validation -------------------------------------------------------------------------

TEST(PlanContentInput, ABenchmarkOnAnUnknownQuestionnaireNamesTheFieldAndStoresNothing) {
  PlanWorld w;
  Json content = Content();
  content["goals"][0]["benchmarks"][0]["instrument"] = "NOPE-7";
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, content);
  ASSERT_FALSE(draft.has_value());
  EXPECT_EQ(draft.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(draft.error(), "goals/0/benchmarks/0/instrument"));
  EXPECT_TRUE(w.Versions(w.e_c1).empty());
}

TEST(PlanContentInput, Phq9BelowZeroIsAnImpossibleTarget) {
  PlanWorld w;
  ASSERT_TRUE(w.service.StartDraft(w.As(w.t1), w.e_c1, Content()).has_value());
  const PlanVersion before = w.Stored(w.e_c1, 1);
  Json content = Content();
  content["goals"][0]["benchmarks"][0]["target"] = 0;
  auto saved = w.service.SaveDraft(w.As(w.t1), w.e_c1, 1, content);
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(saved.error(), "goals/0/benchmarks/0/target"));
  EXPECT_EQ(w.Stored(w.e_c1, 1), before);
}

TEST(PlanContentInput, NewItemsGetKeysNeverUsedBefore) {
  PlanWorld w;
  Json content = Content();
  content["problems"].push_back(Json{{"client_words", "Work worries"}});
  content["goals"][0]["homework"].push_back(
      Json{{"description", "Worry time"}, {"due_date", "2026-06-10"}});
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, content);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  ASSERT_EQ(draft->content.problems.size(), 3u);
  EXPECT_EQ(draft->content.problems[2].key, "p3");
  EXPECT_EQ(draft->content.goals[0].homework[1].key, "h2");
}

// --- Problems ------------------------------------------------------------------------------------

TEST(PlanProblems, AClientChangingTheFormulationIsDeniedNamingTheFieldAndNothingChanges) {
  PlanWorld w;
  ASSERT_TRUE(w.service.StartDraft(w.As(w.t1), w.e_c1, Content()).has_value());
  const PlanVersion before = w.Stored(w.e_c1, 1);
  ProblemEdit edit;
  edit.formulation = "It is all my fault";
  auto edited = w.service.EditProblem(w.As(w.c1), w.e_c1, "p1", edit);
  ASSERT_FALSE(edited.has_value());
  EXPECT_EQ(edited.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(HasField(edited.error(), "formulation"));
  EXPECT_EQ(w.Stored(w.e_c1, 1), before);

  ProblemEdit words;
  words.client_words = "I feel flat and tired";
  auto mine = w.service.EditProblem(w.As(w.c1), w.e_c1, "p1", words);
  ASSERT_TRUE(mine.has_value()) << mine.error().message;
  EXPECT_EQ(mine->content.FindProblem("p1")->client_words, "I feel flat and tired");
  EXPECT_EQ(mine->content.FindProblem("p1")->formulation, "Low mood kept going by withdrawal");
}

TEST(PlanProblems, AClientAddingAProblemToAnAgreedPlanStartsADraftWithANewKey) {
  PlanWorld w;
  const int agreed = w.Agreed(w.e_c1, w.t1, w.c1, Content());
  ProblemEdit added;
  added.client_words = "Arguments at home";
  auto draft = w.service.AddProblem(w.As(w.c1), w.e_c1, added);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->version.number, agreed + 1);
  EXPECT_EQ(draft->version.status, PlanVersionStatus::kDraft);
  EXPECT_EQ(draft->version.created_by, w.c1);
  ASSERT_EQ(draft->content.problems.size(), 3u);
  EXPECT_EQ(draft->content.problems[2].key, "p3");
  EXPECT_EQ(draft->content.problems[2].client_words, "Arguments at home");
  EXPECT_EQ(w.Stored(w.e_c1, agreed).status, PlanVersionStatus::kAgreed);

  ProblemEdit another;
  another.client_words = "Money";
  auto same_draft = w.service.AddProblem(w.As(w.t1), w.e_c1, another);
  ASSERT_TRUE(same_draft.has_value()) << same_draft.error().message;
  EXPECT_EQ(same_draft->version.number, agreed + 1);
  EXPECT_EQ(same_draft->content.problems.size(), 4u);

  ProblemEdit empty;
  auto refused = w.service.AddProblem(w.As(w.c1), w.e_c1, empty);
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(HasField(refused.error(), "client_words"));
}

TEST(PlanProblems, AProblemBeyondTheFiftyAPlanHoldsIsRefusedAndTheDraftStaysReadable) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  ProblemEdit added;
  added.client_words = "Another worry";
  int number = 0;
  std::size_t problems = 0;
  while (problems < 50) {
    auto draft = w.service.AddProblem(w.As(w.c1), w.e_c1, added);
    ASSERT_TRUE(draft.has_value()) << "after " << problems << ": " << draft.error().message;
    number = draft->version.number;
    problems = draft->content.problems.size();
  }
  const PlanVersion before = w.Stored(w.e_c1, number);

  auto refused = w.service.AddProblem(w.As(w.c1), w.e_c1, added);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(refused.error(), "problems"));
  EXPECT_EQ(w.Stored(w.e_c1, number), before);
  auto overview = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
}

TEST(PlanProblems, AddingAProblemWhileAProposalAwaitsADecisionFails) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  const PlanVersion before = w.Stored(w.e_c1, n);
  ProblemEdit added;
  added.client_words = "Arguments at home";
  auto refused = w.service.AddProblem(w.As(w.c1), w.e_c1, added);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.Versions(w.e_c1).size(), 1u);
  EXPECT_EQ(w.Stored(w.e_c1, n), before);
}

// --- Progress ------------------------------------------------------------------------------------

TEST(PlanProgress, TheQuestionnaireBenchmarkFillsInFromPhq9Responses) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  const Timestamp now = w.clock.Now();
  w.Phq9Total(w.e_c1, w.c1, now - 14 * kDay, 20);
  w.Phq9Total(w.e_c1, w.c1, now - 7 * kDay, 15);

  auto overview = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  ASSERT_EQ(overview->goals.size(), 1u);
  const GoalView& goal = overview->goals[0];
  EXPECT_EQ(goal.priority, 1);
  ASSERT_EQ(goal.benchmarks.size(), 2u);
  const BenchmarkProgress& phq = goal.benchmarks[0].progress;
  EXPECT_EQ(phq.baseline, 20);
  EXPECT_EQ(phq.latest, 15);
  EXPECT_FALSE(phq.met);
  EXPECT_EQ(phq.achievement, Achievement::kImproving);
  EXPECT_EQ(goal.achievement, Achievement::kImproving);

  w.Phq9Total(w.e_c1, w.c1, now - kDay, 8);
  overview = w.service.Overview(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_TRUE(overview->goals[0].benchmarks[0].progress.met);
  EXPECT_EQ(overview->goals[0].benchmarks[0].progress.achievement, Achievement::kAchieved);
}

TEST(PlanProgress, RankingsOfBothPartiesGiveTheConsensusIndex) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  auto client = w.service.Rank(w.As(w.c1), w.e_c1, {"p2", "p1"});
  ASSERT_TRUE(client.has_value()) << client.error().message;
  EXPECT_FALSE(client->consensus.tau.has_value());
  auto therapist = w.service.Rank(w.As(w.t1), w.e_c1, {"p1", "p2"});
  ASSERT_TRUE(therapist.has_value()) << therapist.error().message;
  ASSERT_TRUE(therapist->consensus.tau.has_value());
  EXPECT_DOUBLE_EQ(therapist->consensus.tau.value_or(0), -1.0);
  EXPECT_EQ(therapist->consensus.compared, 2);
  EXPECT_EQ(therapist->client_ranking, (std::vector<std::string>{"p2", "p1"}));

  auto bad = w.service.Rank(w.As(w.c1), w.e_c1, {"p1"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(bad.error(), "order"));
}

TEST(PlanProgress, TheClientRatesGoalsAndTicksHomework) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  auto rated = w.service.RateGoal(w.As(w.c1), w.e_c1, "g1", 6, "Getting out more");
  ASSERT_TRUE(rated.has_value()) << rated.error().message;
  ASSERT_EQ(rated->goals[0].self_ratings.size(), 1u);
  EXPECT_EQ(rated->goals[0].self_ratings[0].rating, 6);
  EXPECT_EQ(rated->goals[0].self_ratings[0].note, "Getting out more");

  auto out_of_range = w.service.RateGoal(w.As(w.c1), w.e_c1, "g1", 11, "");
  ASSERT_FALSE(out_of_range.has_value());
  EXPECT_TRUE(HasField(out_of_range.error(), "rating"));
  auto unknown = w.service.RateGoal(w.As(w.c1), w.e_c1, "g9", 5, "");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto by_therapist = w.service.RateGoal(w.As(w.t1), w.e_c1, "g1", 5, "");
  ASSERT_FALSE(by_therapist.has_value());
  EXPECT_EQ(by_therapist.error().code, ErrorCode::kPermissionDenied);

  auto ticked = w.service.TickHomework(w.As(w.c1), w.e_c1, "h1", true);
  ASSERT_TRUE(ticked.has_value()) << ticked.error().message;
  ASSERT_EQ(ticked->homework.size(), 1u);
  EXPECT_TRUE(ticked->homework[0].done);
  auto unticked = w.service.TickHomework(w.As(w.t1), w.e_c1, "h1", false);
  ASSERT_TRUE(unticked.has_value());
  EXPECT_FALSE(unticked->homework[0].done);
}

TEST(PlanProgress, ThoughtRecordsAreWrittenByTheClientAndReadByTheTherapist) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  const Json record = Json::parse(R"({
    "goal_key": "g1", "situation": "Friend cancelled", "automatic_thoughts": "Nobody likes me",
    "feelings": [{"feeling": "sad", "intensity": 80}], "evidence_for": "", "evidence_against":
    "She rescheduled", "balanced_thought": "She is busy", "feelings_after": [{"feeling": "sad",
    "intensity": 40}]})");
  auto added = w.service.AddThoughtRecord(w.As(w.c1), w.e_c1, record);
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_EQ(added->author_id, w.c1);
  auto by_therapist = w.service.AddThoughtRecord(w.As(w.t1), w.e_c1, record);
  ASSERT_FALSE(by_therapist.has_value());
  EXPECT_EQ(by_therapist.error().code, ErrorCode::kPermissionDenied);
  Json unknown_goal = record;
  unknown_goal["goal_key"] = "g7";
  auto refused = w.service.AddThoughtRecord(w.As(w.c1), w.e_c1, unknown_goal);
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(HasField(refused.error(), "goal_key"));

  auto read = w.service.ThoughtRecords(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].id, added->id);
  EXPECT_EQ((*read)[0].record, added->record);
  auto overview = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_EQ(overview->thought_records, 1);
}

// --- Reviews -------------------------------------------------------------------------------------

TEST(PlanReview, DueAfterSixCompletedSessionsAndResetByAReview) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  const Timestamp agreed_at = w.clock.Now();
  for (int i = 1; i <= 5; ++i) w.CompletedSession(w.e_c1, agreed_at + 7 * kDay * i);
  w.clock.Advance(std::chrono::milliseconds(36 * kDay));
  auto clinic = w.store->GetClinic(w.clinic_a);
  ASSERT_TRUE(clinic.has_value());
  auto episode = w.store->GetEpisode(w.e_c1);
  ASSERT_TRUE(episode.has_value());
  auto standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
  ASSERT_TRUE(standing.has_value()) << standing.error().message;
  EXPECT_EQ(standing->status, "agreed");
  EXPECT_EQ(standing->review.sessions_since, 5);
  EXPECT_FALSE(standing->review.due);

  w.CompletedSession(w.e_c1, agreed_at + 36 * kDay - 1000);
  standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
  ASSERT_TRUE(standing.has_value());
  EXPECT_TRUE(standing->review.due);
  EXPECT_EQ(standing->review.sessions_since, 6);
  auto overview = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_TRUE(overview->review.due);

  auto reviewed =
      w.service.Review(w.As(w.t1), w.e_c1, ReviewInput{"Going well", "Keep going", {{"b2", 0}}});
  ASSERT_TRUE(reviewed.has_value()) << reviewed.error().message;
  EXPECT_FALSE(reviewed->review.due);
  EXPECT_EQ(reviewed->review.sessions_since, 0);
  EXPECT_EQ(reviewed->last_review_at, w.clock.Now());
  ASSERT_TRUE(reviewed->gas_t_score.has_value());
  EXPECT_DOUBLE_EQ(reviewed->gas_t_score.value_or(0), 50.0);
  EXPECT_EQ(reviewed->goals[0].benchmarks[1].progress.latest, 0);
  standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
  ASSERT_TRUE(standing.has_value());
  EXPECT_FALSE(standing->review.due);
}

TEST(PlanReview, ClinicPolicySetsTheSessionCount) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  auto clinic = w.store->GetClinic(w.clinic_a);
  ASSERT_TRUE(clinic.has_value());
  clinic->settings.plan_review_sessions = 2;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateClinicSettings(w.clinic_a, clinic->settings);
                  })
                  .has_value());
  w.CompletedSession(w.e_c1, w.clock.Now() + kDay);
  w.CompletedSession(w.e_c1, w.clock.Now() + 2 * kDay);
  w.clock.Advance(std::chrono::milliseconds(3 * kDay));
  auto overview = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_TRUE(overview->review.due);
}

TEST(PlanReview, DueNinetyDaysAfterAgreementWithoutSessions) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  w.clock.Advance(std::chrono::milliseconds(89 * kDay));
  auto early = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(early.has_value());
  EXPECT_FALSE(early->review.due);
  w.clock.Advance(std::chrono::milliseconds(kDay));
  auto due = w.service.Overview(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(due.has_value());
  EXPECT_TRUE(due->review.due);
  EXPECT_NE(due->review.reason.find("90 days"), std::string::npos) << due->review.reason;
}

TEST(PlanReview, NeedsAnAgreedVersionAndOnlyGasLevelsOfItsScales) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  auto early = w.service.Review(w.As(w.t1), w.e_c1, ReviewInput{"notes", "", {}});
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(w.service.Accept(w.As(w.c1), w.e_c1, n).has_value());

  auto questionnaire = w.service.Review(w.As(w.t1), w.e_c1, ReviewInput{"notes", "", {{"b1", 1}}});
  ASSERT_FALSE(questionnaire.has_value());
  EXPECT_TRUE(HasField(questionnaire.error(), "gas_levels/b1"));
  auto out_of_range = w.service.Review(w.As(w.t1), w.e_c1, ReviewInput{"notes", "", {{"b2", 3}}});
  ASSERT_FALSE(out_of_range.has_value());
  EXPECT_TRUE(HasField(out_of_range.error(), "gas_levels/b2"));
  auto no_notes = w.service.Review(w.As(w.t1), w.e_c1, ReviewInput{"", "", {}});
  ASSERT_FALSE(no_notes.has_value());
  EXPECT_TRUE(HasField(no_notes.error(), "notes"));
  auto events = w.store->ListPlanEvents(w.e_c1, std::nullopt);
  ASSERT_TRUE(events.has_value());
  EXPECT_TRUE(events->empty());
}

// --- Guardians -----------------------------------------------------------------------------------

TEST(PlanGuardian, NothingSharedShowsOnlyTheSummary) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, Content());
  auto overview = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  EXPECT_TRUE(overview->guardian_view);
  EXPECT_FALSE(overview->may_edit);
  ASSERT_TRUE(overview->current.has_value());
  const PlanVersionView current = overview->current.value_or(PlanVersionView{});
  EXPECT_TRUE(current.guardian_filtered);
  EXPECT_EQ(current.content.summary, "Lift mood and sleep better");
  EXPECT_TRUE(current.content.problems.empty());
  EXPECT_TRUE(current.content.goals.empty());
  EXPECT_EQ(current.version.content_json.find("Low mood"), std::string::npos);
  EXPECT_TRUE(overview->goals.empty());
  EXPECT_TRUE(overview->homework.empty());

  auto records = w.service.ThoughtRecords(w.As(w.g1), w.e_k1);
  ASSERT_FALSE(records.has_value());
  EXPECT_EQ(records.error().code, ErrorCode::kPermissionDenied);
}

TEST(PlanGuardian, OnlySharedSectionsAreShownAndNotesAreWithheld) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1,
           Content(/*share_problems=*/true, /*share_goals=*/true, /*share_homework=*/false));
  ASSERT_TRUE(w.service.RateGoal(w.As(w.k1), w.e_k1, "g1", 4, "Hard week at school").has_value());
  auto overview = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  ASSERT_TRUE(overview->current.has_value());
  const PlanContent content = overview->current.value_or(PlanVersionView{}).content;
  EXPECT_EQ(content.problems.size(), 2u);
  ASSERT_EQ(content.goals.size(), 1u);
  EXPECT_TRUE(content.goals[0].homework.empty());
  EXPECT_TRUE(content.goals[0].interventions.empty());
  EXPECT_TRUE(overview->homework.empty());
  ASSERT_EQ(overview->goals[0].self_ratings.size(), 1u);
  EXPECT_EQ(overview->goals[0].self_ratings[0].rating, 4);
  EXPECT_TRUE(overview->goals[0].self_ratings[0].note.empty());
  EXPECT_EQ(overview->thought_records, 0);

  auto version = w.service.GetVersion(w.As(w.g1), w.e_k1, 1);
  ASSERT_TRUE(version.has_value());
  EXPECT_TRUE(version->content.goals[0].homework.empty());
  auto therapist_view = w.service.GetVersion(w.As(w.t1), w.e_k1, 1);
  ASSERT_TRUE(therapist_view.has_value());
  EXPECT_EQ(therapist_view->content.goals[0].homework.size(), 1u);
  EXPECT_FALSE(therapist_view->guardian_filtered);
}

TEST(PlanGuardian, TheGuardianIsReadOnly) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, Content(true, true, true));
  const Actor guardian = w.As(w.g1);
  EXPECT_EQ(w.service.Rank(guardian, w.e_k1, {"p1", "p2"}).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.TickHomework(guardian, w.e_k1, "h1", true).error().code,
            ErrorCode::kPermissionDenied);
  ProblemEdit added;
  added.client_words = "Tantrums";
  EXPECT_EQ(w.service.AddProblem(guardian, w.e_k1, added).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.StartDraft(guardian, w.e_k1, std::nullopt).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.Versions(w.e_k1).size(), 1u);
}

TEST(PlanGuardian, AClinicNotSharingWithGuardiansHidesThePlan) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, Content(true, true, true));
  w.ShareWithGuardians(false);
  auto overview = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_FALSE(overview.has_value());
  EXPECT_EQ(overview.error().code, ErrorCode::kNotFound);
  auto version = w.service.GetVersion(w.As(w.g1), w.e_k1, 1);
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code, ErrorCode::kNotFound);
}

TEST(PlanGuardian, AnotherChildsGuardianSeesNothing) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, Content(true, true, true));
  auto overview = w.service.Overview(w.As(w.g2), w.e_k1);
  ASSERT_FALSE(overview.has_value());
  EXPECT_EQ(overview.error().code, ErrorCode::kNotFound);
}

TEST(PlanGuardian, AskingForTheGuardiansAgreementLetsThemSign) {
  PlanWorld w;
  const int n = w.Proposed(w.e_k1, w.t1, Content(true, true, true, /*ask_guardian=*/true));
  auto before = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->may_accept);
  auto child = w.service.Accept(w.As(w.k1), w.e_k1, n);
  ASSERT_TRUE(child.has_value()) << child.error().message;
  EXPECT_EQ(child->version.status, PlanVersionStatus::kProposed)
      << "the agreement is complete only with the guardian's signature too";
  auto child_again = w.service.Overview(w.As(w.k1), w.e_k1);
  ASSERT_TRUE(child_again.has_value());
  EXPECT_FALSE(child_again->may_accept);

  auto guardian = w.service.Accept(w.As(w.g1), w.e_k1, n);
  ASSERT_TRUE(guardian.has_value()) << guardian.error().message;
  EXPECT_EQ(guardian->version.status, PlanVersionStatus::kAgreed);
  ASSERT_EQ(guardian->signatures.size(), 3u);
  EXPECT_EQ(guardian->signatures[2].signature.role, SignerRole::kGuardian);
  EXPECT_EQ(guardian->signatures[2].signature.user_id, w.g1);
  EXPECT_EQ(guardian->signatures[2].signature.content_hash, guardian->version.content_hash);
}

TEST(PlanGuardian, AGuardianWhoseAgreementIsNotAskedCannotAccept) {
  PlanWorld w;
  const int n = w.Proposed(w.e_k1, w.t1, Content(true, true, true, /*ask_guardian=*/false));
  auto overview = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_FALSE(overview->may_accept);
  auto accepted = w.service.Accept(w.As(w.g1), w.e_k1, n);
  ASSERT_FALSE(accepted.has_value());
  EXPECT_EQ(accepted.error().code, ErrorCode::kPermissionDenied);
  auto signatures = w.store->ListPlanSignatures(w.e_k1);
  ASSERT_TRUE(signatures.has_value());
  EXPECT_EQ(signatures->size(), 1u);
}

// --- Access and audit ----------------------------------------------------------------------------

TEST(PlanAccess, AnAdminIsDenied) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  auto overview = w.service.Overview(w.As(w.admin), w.e_c1);
  ASSERT_FALSE(overview.has_value());
  EXPECT_EQ(overview.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.service.StartDraft(w.As(w.admin), w.e_c1, std::nullopt).error().code,
            ErrorCode::kPermissionDenied);
}

TEST(PlanAccess, AnotherTherapistsClientIsNotVisible) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  for (UserId outsider : {w.t2, w.tb, w.c2}) {
    auto overview = w.service.Overview(w.As(outsider), w.e_c1);
    ASSERT_FALSE(overview.has_value());
    EXPECT_EQ(overview.error().code, ErrorCode::kNotFound) << outsider;
  }
  auto draft = w.service.StartDraft(w.As(w.t2), w.e_c1, std::nullopt);
  ASSERT_FALSE(draft.has_value());
  EXPECT_EQ(draft.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.Versions(w.e_c1).size(), 1u);
}

TEST(PlanAccess, ASupervisorIsPartOfTheCareTeamOfTheirSuperviseesOnly) {
  PlanWorld w;
  auto draft = w.service.StartDraft(w.As(w.supervisor), w.e_c1, Content());
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  auto overview = w.service.Overview(w.As(w.supervisor), w.e_c1);
  ASSERT_TRUE(overview.has_value());
  EXPECT_TRUE(overview->may_edit);
  auto elsewhere = w.service.Overview(w.As(w.supervisor), w.e_c2);
  ASSERT_FALSE(elsewhere.has_value());
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kNotFound);
}

TEST(PlanAccess, AnEpisodeWithoutAPlanHasAnEmptyOverview) {
  PlanWorld w;
  auto overview = w.service.Overview(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  EXPECT_TRUE(overview->versions.empty());
  EXPECT_FALSE(overview->current.has_value());
  EXPECT_EQ(overview->client_name, "Cleo Client");
  EXPECT_EQ(overview->therapist_name, "Tara One");
  auto clinic = w.store->GetClinic(w.clinic_a);
  auto episode = w.store->GetEpisode(w.e_c1);
  ASSERT_TRUE(clinic.has_value() && episode.has_value());
  auto standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
  ASSERT_TRUE(standing.has_value());
  EXPECT_EQ(standing->status, "none");
  EXPECT_FALSE(standing->review.due);
}

TEST(PlanAccess, TheStandingFollowsTheNewestVersionAndNeedsAnAgreedOneForReview) {
  PlanWorld w;
  auto clinic = w.store->GetClinic(w.clinic_a);
  auto episode = w.store->GetEpisode(w.e_c1);
  ASSERT_TRUE(clinic.has_value() && episode.has_value());
  const auto status = [&] {
    auto standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
    EXPECT_TRUE(standing.has_value());
    return standing ? standing->status : std::string("error");
  };
  ASSERT_TRUE(w.service.StartDraft(w.As(w.t1), w.e_c1, Content()).has_value());
  EXPECT_EQ(status(), "draft");
  ASSERT_TRUE(w.service.Propose(w.As(w.t1), w.e_c1, 1).has_value());
  EXPECT_EQ(status(), "proposed");
  ASSERT_TRUE(w.service.RequestChanges(w.As(w.c1), w.e_c1, 1, "Add sleep").has_value());
  EXPECT_EQ(status(), "changes_requested");
  // Long past the day rule, but nothing was ever agreed: no review is due.
  w.clock.Advance(std::chrono::milliseconds(200 * kDay));
  auto standing = PlanStandingOf(*w.store, *clinic, *episode, w.clock.Now());
  ASSERT_TRUE(standing.has_value());
  EXPECT_FALSE(standing->review.due);
}

TEST(PlanAudit, EveryWriteAndReadLeavesAnEntry) {
  PlanWorld w;
  const int n = w.Proposed(w.e_c1, w.t1, Content());
  ASSERT_TRUE(w.service.RequestChanges(w.As(w.c1), w.e_c1, n, "More on sleep").has_value());
  auto draft = w.service.StartDraft(w.As(w.t1), w.e_c1, std::nullopt);
  ASSERT_TRUE(draft.has_value());
  ASSERT_TRUE(w.service.SaveDraft(w.As(w.t1), w.e_c1, draft->version.number, Content()));
  ASSERT_TRUE(w.service.Propose(w.As(w.t1), w.e_c1, draft->version.number));
  ASSERT_TRUE(w.service.Accept(w.As(w.c1), w.e_c1, draft->version.number));
  ASSERT_TRUE(w.service.Overview(w.As(w.c1), w.e_c1));
  ASSERT_TRUE(w.service.RateGoal(w.As(w.c1), w.e_c1, "g1", 5, ""));
  ASSERT_TRUE(w.service.ThoughtRecords(w.As(w.t1), w.e_c1));
  for (const char* action :
       {"plan.draft", "plan.save", "plan.propose", "plan.request_changes", "plan.accept"}) {
    EXPECT_TRUE(w.Audited(action, "plan_version")) << action;
  }
  EXPECT_TRUE(w.Audited("plan.read", "episode"));
  EXPECT_TRUE(w.Audited("plan.rate", "episode"));
  EXPECT_TRUE(w.Audited("plan.thought_records.read", "episode"));

  const auto entries = w.Audit();
  const auto accept = std::find_if(entries.begin(), entries.end(),
                                   [](const AuditEntry& e) { return e.action == "plan.accept"; });
  ASSERT_NE(accept, entries.end());
  EXPECT_EQ(accept->actor_id, w.c1);
  EXPECT_EQ(accept->record_id, std::to_string(w.Stored(w.e_c1, draft->version.number).id));

  // A refused change leaves no entry.
  const std::size_t before = entries.size();
  EXPECT_FALSE(w.service.SaveDraft(w.As(w.t1), w.e_c1, n, Content()).has_value());
  EXPECT_EQ(w.Audit().size(), before);
}

// --- Homework planned with caregivers -----------------------------------------------------------

// Content() shared with guardians, with a second homework Kit's parent supports.
Json ContentWithCaregiverHomework() {
  Json content = Content(true, true, true);
  content["goals"][0]["homework"].push_back(
      Json{{"key", "h2"},
           {"description", "Breathing practice before bed"},
           {"due_date", "2026-07-31"},
           {"caregiver_support", "  Sit with Kit for it after tea  "}});
  return content;
}

const HomeworkView* Find(const PlanOverview& overview, const std::string& key) {
  for (const HomeworkView& h : overview.homework) {
    if (h.homework.key == key) return &h;
  }
  return nullptr;
}

TEST(PlanHomework, AGuardianChecksInOnlyOnHomeworkPlannedWithThem) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, ContentWithCaregiverHomework());
  const auto seen = w.service.Overview(w.As(w.g1), w.e_k1);
  ASSERT_TRUE(seen.has_value()) << seen.error().message;
  ASSERT_NE(Find(*seen, "h2"), nullptr);
  EXPECT_EQ(Find(*seen, "h2")->homework.caregiver_support, "Sit with Kit for it after tea");
  EXPECT_TRUE(Find(*seen, "h2")->may_check_in);
  EXPECT_FALSE(Find(*seen, "h1")->may_check_in);

  const std::size_t before = w.store->ListPlanEvents(w.e_k1, std::nullopt)->size();
  const auto own = w.service.TickHomework(w.As(w.g1), w.e_k1, "h1", true);
  ASSERT_FALSE(own.has_value());
  EXPECT_EQ(own.error().code, ErrorCode::kPermissionDenied) << "h1 is Kit's own";
  const auto long_note =
      w.service.TickHomework(w.As(w.g1), w.e_k1, "h2", true, std::string(501, 'x'));
  ASSERT_FALSE(long_note.has_value());
  EXPECT_TRUE(HasField(long_note.error(), "note"));
  EXPECT_EQ(w.store->ListPlanEvents(w.e_k1, std::nullopt)->size(), before) << "nothing stored";

  const auto parent = w.service.TickHomework(w.As(w.g1), w.e_k1, "h2", true, "Did it together");
  ASSERT_TRUE(parent.has_value()) << parent.error().message;
  EXPECT_EQ(Find(*parent, "h2")->by_caregivers, (HomeworkCompletion{1, 1, 1.0}));
  // Kit says not done, then corrects it the same day: one check-in of Kit's, done.
  ASSERT_TRUE(w.service.TickHomework(w.As(w.k1), w.e_k1, "h2", false).has_value());
  auto kit = w.service.TickHomework(w.As(w.k1), w.e_k1, "h2", true);
  ASSERT_TRUE(kit.has_value());
  EXPECT_EQ(Find(*kit, "h2")->by_client, (HomeworkCompletion{1, 1, 1.0}));
  // The next day Kit did not manage it: the plan's completion rate is 2 of 3.
  w.clock.Advance(std::chrono::days(1));
  kit = w.service.TickHomework(w.As(w.k1), w.e_k1, "h2", false);
  ASSERT_TRUE(kit.has_value());
  EXPECT_EQ(Find(*kit, "h2")->by_client, (HomeworkCompletion{2, 1, 0.5}));
  EXPECT_EQ(kit->homework_completion, (HomeworkCompletion{3, 2, 2.0 / 3}));
  const auto team = w.service.Overview(w.As(w.t1), w.e_k1);
  ASSERT_TRUE(team.has_value());
  EXPECT_EQ(Find(*team, "h2")->by_caregivers, (HomeworkCompletion{1, 1, 1.0}));
}

TEST(PlanHomework, AGuardianWhosePlanViewHasNoHomeworkCannotCheckIn) {
  PlanWorld w;
  Json content = ContentWithCaregiverHomework();
  content["guardian"]["homework"] = false;
  w.Agreed(w.e_k1, w.t1, w.k1, content);
  const auto refused = w.service.TickHomework(w.As(w.g1), w.e_k1, "h2", true);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
}

TEST(PlanHomework, CaregiverSupportIsWrittenIntoTheContentOnlyWhenSet) {
  PlanWorld w;
  w.Agreed(w.e_c1, w.t1, w.c1, Content());
  w.Agreed(w.e_k1, w.t1, w.k1, ContentWithCaregiverHomework());
  EXPECT_EQ(w.Stored(w.e_c1, 1).content_json.find("caregiver_support"), std::string::npos)
      << "a plan without it keeps its content, and the hash signed over it";
  EXPECT_NE(w.Stored(w.e_k1, 1).content_json.find("\"caregiver_support\":\"Sit with Kit"),
            std::string::npos);
}

// Runs the reminder sweep of clinic A as its job does; returns how many were queued.
int Reminders(PlanWorld& w) {
  int queued = -1;
  EXPECT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(
                        queued, QueueHomeworkReminders(txn, *w.store, w.clinic_a, w.clock.Now(),
                                                       "https://rapport.example"));
                    return Ok();
                  })
                  .has_value());
  return queued;
}

std::set<UserId> Reminded(PlanWorld& w) {
  std::set<UserId> out;
  const auto mail = *w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  for (const Notification& n : mail) {
    if (n.reason != "homework_reminder") continue;
    if (n.recipient_id) out.insert(*n.recipient_id);
    EXPECT_EQ(n.body.find("Breathing"), std::string::npos) << "no clinical words";
  }
  return out;
}

TEST(PlanHomework, ChildAndGuardianAreRemindedAWeekAfterTheLastCheckInOnly) {
  PlanWorld w;
  w.Agreed(w.e_k1, w.t1, w.k1, ContentWithCaregiverHomework());
  EXPECT_EQ(Reminders(w), 0) << "just agreed";
  w.clock.Advance(std::chrono::days(7));
  EXPECT_GT(Reminders(w), 0);
  EXPECT_EQ(Reminded(w), (std::set<UserId>{w.k1, w.g1})) << "only h2 is planned with Gina";
  EXPECT_EQ(Reminders(w), 0) << "once a week";
  ASSERT_TRUE(w.service.TickHomework(w.As(w.g1), w.e_k1, "h2", true).has_value());
  w.clock.Advance(std::chrono::days(6));
  EXPECT_EQ(Reminders(w), 0) << "a check-in in the last week";
  w.clock.Advance(std::chrono::days(1));
  EXPECT_GT(Reminders(w), 0);
  // Past its due date, nobody is reminded of it.
  w.clock.Advance(std::chrono::days(60));
  EXPECT_EQ(Reminders(w), 0);
}

}  // namespace
}  // namespace rapport
