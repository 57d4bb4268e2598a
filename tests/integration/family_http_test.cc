// The adults around a child over HTTP: several guardians of one child (one limited by a court
// order), an adolescent with a confidential goal, and a child under the age of consent. Every
// route a guardian can reach is tried for every one of them, and the confidential goal's words
// must appear in no answer a guardian gets: API, FHIR or CSV.

#include <map>

#include "domain/test_family.h"
#include "http_fixture.h"
#include "route_matrix.h"

namespace rapport::testing {
namespace {

using testing_support::kPrivateGoalWords;

class FamilyHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    // g3: Kit's second parent, whose access a court order limits.
    const Status written = world_.store->Write([&](WriteTxn& txn) -> Status {
      auto hash = HashPassword(kPassword, HashCost::kMinimal);
      RAPPORT_ASSIGN_OR_RETURN(
          g3_, txn.InsertUser(NewUser{world_.clinic_a, "g3@a.test", "Gil Guardian", Role::kGuardian,
                                      *hash, world_.clock.Now(), true}));
      RAPPORT_ASSIGN_OR_RETURN(g3_link_, txn.InsertGuardianLink(EstablishedGuardianLink(
                                             g3_, world_.k1, world_.clock.Now(), "test")));
      return Ok();
    });
    ASSERT_TRUE(written.has_value()) << written.error().message;
    StartServer();
    for (const auto& [role, email] :
         std::map<std::string, std::string>{{"admin", "admin@a.test"},
                                            {"supervisor", "sup@a.test"},
                                            {"t1", "t1@a.test"},
                                            {"t2", "t2@a.test"},
                                            {"c1", "c1@a.test"},
                                            {"k1", "k1@a.test"},
                                            {"k2", "k2@a.test"},
                                            {"g1", "g1@a.test"},
                                            {"g2", "g2@a.test"},
                                            {"g3", "g3@a.test"},
                                            {"tb", "tb@b.test"}}) {
      browsers_.emplace(role, SignedIn(email));
    }
    // The court order: appointment times only.
    HttpReply limited = browsers_.at("t1").Put(
        Link(g3_link_) + "/standing",
        Json{{"relationship", "parent"},
             {"authority", "limited_by_court_order"},
             {"court_order", "Family court order of 3 March 2026: appointment times only."},
             {"contact_channel", "email"},
             {"contact_note", ""},
             {"sections", Json{{"appointments", true}}}});
    ASSERT_EQ(limited.status, 200u) << limited.body;
    // Kai (k2, an adolescent) has an agreed plan with a confidential goal, shared with guardians.
    HttpReply draft = browsers_.at("t2").Post(Plan(world_.e_k2) + "/versions",
                                              Json{{"content", AdolescentPlan()}});
    ASSERT_EQ(draft.status, 201u) << draft.body;
    ASSERT_EQ(
        browsers_.at("t2").Post(Plan(world_.e_k2) + "/versions/1/propose", Json::object()).status,
        200u);
    ASSERT_EQ(
        browsers_.at("k2").Post(Plan(world_.e_k2) + "/versions/1/accept", Json::object()).status,
        200u);
    // Kit (k1, a child) has one too, so that the limited parent has something to be kept from.
    ASSERT_EQ(browsers_.at("t1")
                  .Post(Plan(world_.e_k1) + "/versions", Json{{"content", AdolescentPlan()}})
                  .status,
              201u);
  }

  static Json AdolescentPlan() { return testing_support::PlanWithPrivateGoal(); }

  void Check(const std::vector<Cell>& cells) { CheckCells(browsers_, cells); }

  static std::string Id(std::int64_t id) { return std::to_string(id); }
  static std::string Client(UserId id) { return "/api/v1/clients/" + Id(id); }
  static std::string Episode(EpisodeId id) { return "/api/v1/episodes/" + Id(id); }
  static std::string Plan(EpisodeId id) { return Episode(id) + "/plan"; }
  static std::string Link(GuardianLinkId id) { return "/api/v1/guardian-links/" + Id(id); }

  GuardianLinkId LinkOf(UserId guardian) {
    return world_.store->ListGuardianLinksOfGuardian(guardian)->front().id;
  }

  std::map<std::string, Browser> browsers_;
  UserId g3_ = 0;
  GuardianLinkId g3_link_ = 0;
};

TEST_F(FamilyHttpTest, EachPersonAroundAChildReachesExactlyTheirPartOfTheFamily) {
  const std::string kit = Client(world_.k1) + "/family";
  const std::string kai = Client(world_.k2) + "/family";
  Check({
      {"t1", "GET", kit, std::nullopt, 200},
      {"supervisor", "GET", kit, std::nullopt, 200},
      {"k1", "GET", kit, std::nullopt, 200},
      {"g1", "GET", kit, std::nullopt, 200},
      {"g3", "GET", kit, std::nullopt, 200},
      {"g2", "GET", kit, std::nullopt, 404},
      {"t2", "GET", kit, std::nullopt, 404},
      {"c1", "GET", kit, std::nullopt, 404},
      {"k2", "GET", kit, std::nullopt, 404},
      {"tb", "GET", kit, std::nullopt, 404},
      {"admin", "GET", kit, std::nullopt, 403},
      {"k2", "GET", kai, std::nullopt, 200},
      {"t2", "GET", kai, std::nullopt, 200},
      {"g2", "GET", kai, std::nullopt, 200},
      {"t1", "GET", kai, std::nullopt, 404},
  });
  // A guardian sees their own place only: no other parent, no private item, no consent gaps.
  const Json seen_by_g1 = browsers_.at("g1").Get(kit).json();
  ASSERT_EQ(seen_by_g1["guardians"].size(), 1u);
  EXPECT_EQ(seen_by_g1["guardians"][0]["guardian_id"], world_.g1);
  const Json seen_by_t1 = browsers_.at("t1").Get(kit).json();
  ASSERT_EQ(seen_by_t1["guardians"].size(), 2u);
  EXPECT_EQ(seen_by_t1["age_band"], "child");
  EXPECT_EQ(seen_by_t1["guardians"][1]["authority"], "limited_by_court_order");
  EXPECT_EQ(seen_by_t1["guardians"][1]["sees"]["plan"], false);
  EXPECT_EQ(seen_by_t1["missing_consents"], Json::array({"guardian_consent", "assent"}));
  // The adolescent sees what their guardian sees, and what is kept from them.
  const Json own = browsers_.at("k2").Get(kai).json();
  EXPECT_EQ(own["age_band"], "adolescent");
  ASSERT_EQ(own["confidential"].size(), 1u);
  EXPECT_EQ(own["confidential"][0]["words"], kPrivateGoalWords);
  EXPECT_EQ(own["guardians"][0]["sees"]["plan"], true);
  EXPECT_EQ(own["guardians"][0]["sees"]["messages"], false);
}

TEST_F(FamilyHttpTest, OnlyTheCareTeamRecordsStandingConsentAndDisclosures) {
  const Json standing = {{"relationship", "step_parent"},
                         {"authority", "none"},
                         {"contact_channel", "phone"},
                         {"contact_note", "weekday evenings"},
                         {"sections", nullptr}};
  const std::string g1_standing = Link(LinkOf(world_.g1)) + "/standing";
  const Json consent = {{"kind", "assent"},
                        {"given_on", "2026-05-30"},
                        {"renew_by", "2027-05-30"},
                        {"note", "Kit said yes"}};
  const std::string disclosures = Episode(world_.e_k2) + "/safety-disclosures";
  const Json disclosure = {{"guardian_link_id", LinkOf(world_.g2)},
                           {"item", "g2"},
                           {"reason", "He told me he drove home after drinking last weekend."}};
  Check({
      {"g1", "PUT", g1_standing, standing, 403},
      {"k1", "PUT", g1_standing, standing, 403},
      {"admin", "PUT", g1_standing, standing, 403},
      {"t2", "PUT", g1_standing, standing, 404},
      {"tb", "PUT", g1_standing, standing, 404},
      {"t1", "PUT", g1_standing, standing, 200},
      {"g1", "POST", Client(world_.k1) + "/consents", consent, 403},
      {"k1", "POST", Client(world_.k1) + "/consents", consent, 403},
      {"t2", "POST", Client(world_.k1) + "/consents", consent, 404},
      {"supervisor", "POST", Client(world_.k1) + "/consents", consent, 201},
      {"g2", "POST", disclosures, disclosure, 403},
      {"k2", "POST", disclosures, disclosure, 403},
      {"t1", "POST", disclosures, disclosure, 404},
      {"supervisor", "POST", disclosures, disclosure, 404},  // supervises t1 only
      {"t2", "POST", disclosures, disclosure, 201},
  });
  // A step-parent without authority now follows the clinic's policy for a child.
  const Json family = browsers_.at("t1").Get(Client(world_.k1) + "/family").json();
  EXPECT_EQ(family["guardians"][0]["relationship"], "step_parent");
  EXPECT_TRUE(family["guardians"][0]["sections"].is_null());
  EXPECT_EQ(family["missing_consents"], Json::array({"guardian_consent"}));
}

TEST_F(FamilyHttpTest, BadFamilyInputIsRefusedNamingTheFieldAndChangesNothing) {
  Browser& t1 = browsers_.at("t1");
  const std::string g3_standing = Link(g3_link_) + "/standing";
  HttpReply no_order = t1.Put(g3_standing, Json{{"relationship", "parent"},
                                                {"authority", "limited_by_court_order"},
                                                {"court_order", "  "},
                                                {"contact_channel", "email"},
                                                {"sections", nullptr}});
  EXPECT_EQ(no_order.status, 400u);
  EXPECT_TRUE(no_order.NamesField("court_order")) << no_order.body;
  HttpReply bad_section = t1.Put(g3_standing, Json{{"relationship", "parent"},
                                                   {"authority", "none"},
                                                   {"contact_channel", "email"},
                                                   {"sections", Json{{"diagnosis", true}}}});
  EXPECT_EQ(bad_section.status, 400u);
  EXPECT_TRUE(bad_section.NamesField("sections/diagnosis")) << bad_section.body;
  HttpReply bad_kind = t1.Put(g3_standing, Json{{"relationship", "aunt"},
                                                {"authority", "none"},
                                                {"contact_channel", "email"},
                                                {"sections", nullptr}});
  EXPECT_TRUE(bad_kind.NamesField("relationship")) << bad_kind.body;
  // The court order still stands as it was.
  const Json family = t1.Get(Client(world_.k1) + "/family").json();
  EXPECT_EQ(family["guardians"][1]["authority"], "limited_by_court_order");
  EXPECT_EQ(family["guardians"][1]["sections"]["appointments"], true);

  HttpReply backwards =
      t1.Post(Client(world_.k1) + "/consents",
              Json{{"kind", "assent"}, {"given_on", "2026-05-30"}, {"renew_by", "2026-05-01"}});
  EXPECT_EQ(backwards.status, 400u);
  EXPECT_TRUE(backwards.NamesField("renew_by")) << backwards.body;
  HttpReply unknown = t1.Post(Client(world_.k1) + "/consents", Json{{"kind", "assent"},
                                                                    {"given_on", "2026-05-30"},
                                                                    {"renew_by", "2027-05-01"},
                                                                    {"signature", "x"}});
  EXPECT_TRUE(unknown.NamesField("signature")) << unknown.body;
  EXPECT_TRUE(t1.Get(Client(world_.k1) + "/family").json()["consents"].empty());

  HttpReply shared = browsers_.at("t2").Post(
      Episode(world_.e_k2) + "/safety-disclosures",
      Json{{"guardian_link_id", LinkOf(world_.g2)},
           {"item", "g1"},
           {"reason", "Not private, so there is nothing to disclose here."}});
  EXPECT_EQ(shared.status, 400u);
  EXPECT_TRUE(shared.NamesField("item")) << shared.body;
}

TEST_F(FamilyHttpTest, AnAdolescentsConfidentialGoalIsInNoAnswerTheirGuardianGets) {
  Browser& g2 = browsers_.at("g2");
  const std::string kai = Id(world_.k2);
  const std::vector<std::string> routes = {
      Plan(world_.e_k2),
      Plan(world_.e_k2) + "/versions/1",
      Client(world_.k2),
      Client(world_.k2) + "/family",
      Episode(world_.e_k2) + "/progress",
      Episode(world_.e_k2) + "/export.csv",
      "/fhir/CarePlan?patient=" + kai,
      "/fhir/CarePlan/" + Id(world_.e_k2) + "-1",
      "/fhir/Goal?patient=" + kai,
      "/fhir/Condition?patient=" + kai,
      "/fhir/Provenance?patient=" + kai,
  };
  int answered = 0;
  for (const std::string& route : routes) {
    HttpReply reply = g2.Get(route);
    if (reply.status == 200) ++answered;
    EXPECT_EQ(reply.body.find(kPrivateGoalWords), std::string::npos) << route;
  }
  EXPECT_GE(answered, 5) << "the guardian does see the plan, only not the private goal";
  // The shared goal is there; the private one, for the young person and their therapist only.
  EXPECT_NE(g2.Get(Plan(world_.e_k2)).body.find("Sit a test without leaving the room"),
            std::string::npos);
  EXPECT_NE(browsers_.at("k2").Get(Plan(world_.e_k2)).body.find(kPrivateGoalWords),
            std::string::npos);
  EXPECT_NE(browsers_.at("t2").Get("/fhir/Goal?patient=" + kai).body.find(kPrivateGoalWords),
            std::string::npos);
  EXPECT_EQ(g2.Get(Episode(world_.e_k2) + "/export.csv").status, 403u);

  // After a safety disclosure to this guardian, that goal is shown to them.
  HttpReply disclosed = browsers_.at("t2").Post(
      Episode(world_.e_k2) + "/safety-disclosures",
      Json{{"guardian_link_id", LinkOf(world_.g2)},
           {"item", "g2"},
           {"reason", "He told me he drove home after drinking last weekend."}});
  ASSERT_EQ(disclosed.status, 201u) << disclosed.body;
  EXPECT_NE(g2.Get(Plan(world_.e_k2)).body.find(kPrivateGoalWords), std::string::npos);
}

TEST_F(FamilyHttpTest, ACourtOrderLeavesOneParentTheAppointmentsAndNothingMore) {
  Browser& g3 = browsers_.at("g3");
  Check({
      {"g3", "GET", Client(world_.k1), std::nullopt, 200},
      {"g3", "GET", Plan(world_.e_k1), std::nullopt, 404},
      {"g3", "GET", Episode(world_.e_k1) + "/messages", std::nullopt, 404},
      {"g3", "GET", Episode(world_.e_k1) + "/progress", std::nullopt, 404},
      {"g3", "GET", Episode(world_.e_k1) + "/appointments", std::nullopt, 200},
      // The other parent: the plan, and a young child's messages.
      {"g1", "GET", Plan(world_.e_k1), std::nullopt, 200},
      {"g1", "GET", Episode(world_.e_k1) + "/messages", std::nullopt, 200},
      {"g1", "POST", Episode(world_.e_k1) + "/messages", Json{{"body", "Hello"}}, 403},
      // An adolescent's messages stay theirs.
      {"g2", "GET", Episode(world_.e_k2) + "/messages", std::nullopt, 404},
  });
  // A search finds nothing of the plan for them.
  EXPECT_EQ(g3.Get("/fhir/CarePlan?patient=" + Id(world_.k1)).json()["total"], 0);
  EXPECT_EQ(browsers_.at("g1").Get("/fhir/CarePlan?patient=" + Id(world_.k1)).json()["total"], 1);
  const Json detail = g3.Get(Client(world_.k1)).json();
  EXPECT_TRUE(detail["episodes"].empty());
  ASSERT_EQ(detail["guardians"].size(), 1u);
  EXPECT_EQ(detail["guardians"][0]["guardian_id"], g3_);
  const Json upcoming = g3.Get("/api/v1/appointments").json();
  ASSERT_EQ(upcoming.size(), 1u);
  EXPECT_EQ(upcoming[0]["id"], world_.a_k1);
}

TEST_F(FamilyHttpTest, AGuardianAskedToAgreeCanAskForChangesWithAComment) {
  Json content = AdolescentPlan();
  content["guardian"]["ask_agreement"] = true;
  Browser& t2 = browsers_.at("t2");
  ASSERT_EQ(t2.Post(Plan(world_.e_k2) + "/versions", Json{{"content", content}}).status, 201u);
  ASSERT_EQ(t2.Post(Plan(world_.e_k2) + "/versions/2/propose", Json::object()).status, 200u);
  Browser& g2 = browsers_.at("g2");
  EXPECT_TRUE(g2.Get(Plan(world_.e_k2)).json()["may_accept"].get<bool>());
  HttpReply asked = g2.Post(Plan(world_.e_k2) + "/versions/2/request-changes",
                            Json{{"comment", "Could we add something about sleep?"}});
  ASSERT_EQ(asked.status, 200u) << asked.body;
  const Json overview = t2.Get(Plan(world_.e_k2)).json();
  const Json& v2 = overview["versions"][1];
  EXPECT_EQ(v2["status"], "changes_requested");
  EXPECT_EQ(v2["client_comment"], "Could we add something about sleep?");
  EXPECT_EQ(v2["decided_by"], world_.g2);
}

// Kai's plan again, with homework on the shared goal: one of Kai's own, one planned with his
// parent, and one on the goal he keeps private.
TEST_F(FamilyHttpTest, AParentChecksInOnHomeworkPlannedWithThemAndNowhereElse) {
  Json content = AdolescentPlan();
  content["goals"][0]["homework"] =
      Json::array({Json{{"key", "h1"},
                        {"description", "Breathe slowly before each test"},
                        {"due_date", "2026-08-01"}},
                   Json{{"key", "h2"},
                        {"description", "Pack the school bag the night before"},
                        {"due_date", "2026-08-01"},
                        {"caregiver_support", "Check the bag with Kai after dinner, calmly"}}});
  content["goals"][1]["homework"] =
      Json::array({Json{{"key", "h3"},
                        {"description", "Write down one evening a week how it went"},
                        {"due_date", "2026-08-01"},
                        {"caregiver_support", "Ask Kai how the week went"}}});
  Browser& t2 = browsers_.at("t2");
  ASSERT_EQ(t2.Post(Plan(world_.e_k2) + "/versions", Json{{"content", content}}).status, 201u);
  ASSERT_EQ(t2.Post(Plan(world_.e_k2) + "/versions/2/propose", Json::object()).status, 200u);
  ASSERT_EQ(
      browsers_.at("k2").Post(Plan(world_.e_k2) + "/versions/2/accept", Json::object()).status,
      200u);
  const std::string h = Plan(world_.e_k2) + "/homework/";
  const Json done{{"done", true}};
  const std::size_t events = world_.store->ListPlanEvents(world_.e_k2, std::nullopt)->size();
  Check({
      {"g2", "PUT", h + "h1", done, 403},  // Kai's own
      {"g2", "PUT", h + "h3", done, 404},  // on the goal Kai keeps private: not there for Gus
      {"g1", "PUT", h + "h2", done, 404},
      {"t1", "PUT", h + "h2", done, 404},
      {"admin", "PUT", h + "h2", done, 403},
  });
  HttpReply too_long =
      browsers_.at("g2").Put(h + "h2", Json{{"done", true}, {"note", std::string(501, 'x')}});
  EXPECT_EQ(too_long.status, 400u);
  EXPECT_NE(too_long.body.find("\"note\""), std::string::npos) << too_long.body;
  EXPECT_EQ(world_.store->ListPlanEvents(world_.e_k2, std::nullopt)->size(), events)
      << "nothing stored";
  Check({
      {"g2", "PUT", h + "h2", Json{{"done", true}, {"note", "Bag packed by 8"}}, 200},
      {"k2", "PUT", h + "h2", Json{{"done", false}}, 200},
      {"t2", "PUT", h + "h1", done, 200},
  });
  const Json overview = t2.Get(Plan(world_.e_k2)).json();
  for (const Json& item : overview["homework"]) {
    if (item["key"] != "h2") continue;
    EXPECT_EQ(item["caregiver_support"], "Check the bag with Kai after dinner, calmly");
    EXPECT_EQ(item["by_caregivers"], (Json{{"check_ins", 1}, {"done", 1}, {"rate", 1.0}}));
    EXPECT_EQ(item["by_client"], (Json{{"check_ins", 1}, {"done", 0}, {"rate", 0.0}}));
  }
  EXPECT_EQ(overview["homework_completion"]["check_ins"], 3);
  EXPECT_EQ(overview["homework_completion"]["done"], 2);
  // Gus reads the homework planned with him, and none on the private goal.
  const std::string seen = browsers_.at("g2").Get(Plan(world_.e_k2)).body;
  EXPECT_EQ(seen.find("Ask Kai how the week went"), std::string::npos);
  EXPECT_NE(seen.find("Check the bag with Kai"), std::string::npos);
}

TEST_F(FamilyHttpTest, AParentWhoTookPartInASessionInPersonSaysHowItFeltToThem) {
  AssignDefaultQuestionnaires();
  AppointmentId session = 0;
  ASSERT_TRUE(world_.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    Appointment a;
                    a.episode_id = world_.e_k1;
                    a.starts_at = world_.clock.Now() - 2 * 86'400'000LL;
                    a.modality = Modality::kInPerson;
                    a.status = AppointmentStatus::kCompleted;
                    RAPPORT_ASSIGN_OR_RETURN(session, txn.InsertAppointment(a));
                    return Ok();
                  })
                  .has_value());
  const std::string guests = "/api/v1/appointments/" + Id(session) + "/room/guests";
  Check({
      {"g1", "POST", guests, Json{{"guardian_id", world_.g1}}, 409},
      {"t2", "POST", guests, Json{{"guardian_id", world_.g1}}, 404},
      {"t1", "POST", guests, Json{{"guardian_id", world_.g2}}, 400},
      {"t1", "POST", guests, Json{{"guardian_id", world_.g1}}, 201},
  });
  const auto carer_check = [&](const std::string& who) {
    for (const Json& a : browsers_.at(who).Get(Episode(world_.e_k1) + "/instruments").json()) {
      if (a["code"] == "CARER-CHECK") return a;
    }
    return Json();
  };
  EXPECT_EQ(carer_check("g1")["due"], true);
  EXPECT_EQ(carer_check("g1")["session_id"], session);
  EXPECT_EQ(carer_check("g3")["due"], false) << "Gil did not take part";
  Json answers{{"cc_heard", 9},    {"cc_goals", 8},   {"cc_my_part", 9}, {"cc_held_back", 1},
               {"cc_respect", 10}, {"cc_overall", 9}, {"cc_better", ""}};
  HttpReply refused = browsers_.at("g3").Post(Episode(world_.e_k1) + "/responses",
                                              Json{{"instrument", "CARER-CHECK"},
                                                   {"respondent", "guardian"},
                                                   {"answers", answers},
                                                   {"appointment_id", session}});
  EXPECT_EQ(refused.status, 400u);
  EXPECT_NE(refused.body.find("appointment_id"), std::string::npos) << refused.body;
  HttpReply sent = browsers_.at("g1").Post(Episode(world_.e_k1) + "/responses",
                                           Json{{"instrument", "CARER-CHECK"},
                                                {"respondent", "guardian"},
                                                {"answers", answers},
                                                {"appointment_id", session}});
  ASSERT_EQ(sent.status, 201u) << sent.body;
  const Json progress = browsers_.at("t1").Get(Episode(world_.e_k1) + "/progress").json();
  bool found = false;
  for (const Json& q : progress["instruments"]) {
    if (q["code"] != "CARER-CHECK") continue;
    ASSERT_EQ(q["points"].size(), 1u);
    EXPECT_EQ(q["points"][0]["guardian"]["id"], world_.g1);
    EXPECT_EQ(q["points"][0]["guardian"]["name"], "Gina Guardian (Kit's parent or carer)");
    EXPECT_EQ(q["points"][0]["total"], 54);
    found = true;
  }
  EXPECT_TRUE(found) << progress.dump();
  // Nobody but Gina reads it: not Kit, not Gil.
  for (const std::string who : {"k1", "g3"}) {
    EXPECT_EQ(browsers_.at(who).Get(Episode(world_.e_k1) + "/progress").body.find("CARER-CHECK"),
              std::string::npos)
        << who;
  }
}

}  // namespace
}  // namespace rapport::testing
