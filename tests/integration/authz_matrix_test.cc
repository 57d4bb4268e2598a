// The authorization matrix over HTTP: every route, every role, allowed and denied. The
// decisions are the service layer's; this proves the routes pass them through unchanged and
// that denials of records reveal nothing. A role that may never do an action gets 403 (that
// says nothing about any record); a role that could, asking about a record that is not theirs,
// gets the same 404 as for a record that does not exist.

#include <map>

#include "domain/notes.h"
#include "domain/test_instruments.h"
#include "http_fixture.h"
#include "route_matrix.h"

namespace rapport::testing {
namespace {

class AuthzMatrixTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
    for (const auto& [role, email] :
         std::map<std::string, std::string>{{"admin", "admin@a.test"},
                                            {"supervisor", "sup@a.test"},
                                            {"t1", "t1@a.test"},
                                            {"t2", "t2@a.test"},
                                            {"c1", "c1@a.test"},
                                            {"g1", "g1@a.test"},
                                            {"g2", "g2@a.test"},
                                            {"tb", "tb@b.test"}}) {
      browsers_.emplace(role, SignedIn(email));
    }
  }

  void Check(const std::vector<Cell>& cells) { CheckCells(browsers_, cells); }

  static std::string Id(std::int64_t id) { return std::to_string(id); }

  std::map<std::string, Browser> browsers_;
};

const std::vector<std::string> kAllRoles = {"admin", "supervisor", "t1", "t2",
                                            "c1",    "g1",         "g2", "tb"};

TEST_F(AuthzMatrixTest, EverySignedInRoleSeesItselfAndTheTherapists) {
  std::vector<Cell> cells;
  for (const std::string& role : kAllRoles) {
    cells.push_back({role, "GET", "/api/v1/me", std::nullopt, 200});
    cells.push_back({role, "GET", "/api/v1/auth/sessions", std::nullopt, 200});
    cells.push_back({role, "GET", "/api/v1/therapists", std::nullopt, 200});
  }
  Check(cells);
}

TEST_F(AuthzMatrixTest, ClientListsAreTheCaseloadAndNothingElse) {
  Check({{"admin", "GET", "/api/v1/clients", std::nullopt, 403}});
  const auto ids_of = [&](const std::string& role) {
    std::set<std::int64_t> ids;
    for (const Json& c : browsers_.at(role).Get("/api/v1/clients").json()) {
      ids.insert(c["id"].get<std::int64_t>());
    }
    return ids;
  };
  EXPECT_EQ(ids_of("t1"), (std::set<std::int64_t>{world_.c1, world_.k1}));
  EXPECT_EQ(ids_of("t2"), (std::set<std::int64_t>{world_.c2, world_.k2}));
  EXPECT_EQ(ids_of("supervisor"), (std::set<std::int64_t>{world_.c1, world_.k1}));
  EXPECT_EQ(ids_of("c1"), (std::set<std::int64_t>{world_.c1}));
  EXPECT_EQ(ids_of("g1"), (std::set<std::int64_t>{world_.k1}));
  EXPECT_EQ(ids_of("tb"), (std::set<std::int64_t>{world_.cb}));
}

TEST_F(AuthzMatrixTest, ClientRecordsAreVisibleOnlyThroughARelationship) {
  const std::string c1 = "/api/v1/clients/" + Id(world_.c1);
  const std::string k1 = "/api/v1/clients/" + Id(world_.k1);
  Check({
      {"t1", "GET", c1, std::nullopt, 200},
      {"supervisor", "GET", c1, std::nullopt, 200},
      {"c1", "GET", c1, std::nullopt, 200},
      {"t2", "GET", c1, std::nullopt, 404},  // another therapist's client
      {"g1", "GET", c1, std::nullopt, 404},
      {"tb", "GET", c1, std::nullopt, 404},  // another clinic
      {"admin", "GET", c1, std::nullopt, 403},
      {"g1", "GET", k1, std::nullopt, 200},
      {"g2", "GET", k1, std::nullopt, 404},  // a child who is not theirs
      {"c1", "GET", k1, std::nullopt, 404},
      {"supervisor", "GET", "/api/v1/clients/" + Id(world_.k2), std::nullopt, 404},
  });
  HttpReply detail = browsers_.at("t1").Get(c1);
  ASSERT_TRUE(detail.json()["episodes"].is_array());
  ASSERT_EQ(detail.json()["episodes"].size(), 1u);
  Json episode = detail.json()["episodes"][0];
  EXPECT_EQ(episode["id"], world_.e_c1);
  EXPECT_EQ(episode["therapist_id"], world_.t1);
  EXPECT_EQ(episode["therapist_name"], "Tara One");
  EXPECT_EQ(episode["status"], "intake");
  EXPECT_TRUE(episode["started_at"].is_string());
  EXPECT_TRUE(episode.contains("ended_at"));
  EXPECT_EQ(browsers_.at("t1").Get(k1).json()["guardians"][0]["guardian_id"], world_.g1);
}

// The review's reproduction: a therapist typed another family's guardian's address for their
// client, and that guardian could read the child's record at once, while the answer told the
// therapist the guardian's id and e-mail.
TEST_F(AuthzMatrixTest, AGuardianOfAnotherFamilyGetsNothingUntilTheyAcceptAndConsentIsRecorded) {
  const std::string k1 = "/api/v1/clients/" + Id(world_.k1);
  HttpReply asked = browsers_.at("t1").Post(
      k1 + "/guardians", Json{{"display_name", "Some Parent"}, {"email", "g2@a.test"}});
  ASSERT_EQ(asked.status, 201u) << asked.body;
  EXPECT_TRUE(asked.json()["link"]["guardian_id"].is_null()) << asked.body;
  EXPECT_EQ(asked.body.find("Gus"), std::string::npos) << asked.body;
  EXPECT_TRUE(asked.json()["invitation"].is_null()) << asked.body;
  EXPECT_EQ(asked.json()["link"]["status"], "awaiting_guardian");
  const std::string link =
      "/api/v1/guardian-links/" + Id(asked.json()["link"]["id"].get<std::int64_t>());
  const Json note = {{"note", "Kit and both parents, in session"}};
  Check({
      {"g2", "GET", k1, std::nullopt, 404},                   // asked, not linked
      {"g1", "POST", link + "/accept", Json::object(), 404},  // not theirs to accept
      {"t1", "POST", link + "/accept", Json::object(), 403},
      {"g2", "POST", link + "/accept", Json::object(), 200},
      {"g2", "POST", link + "/accept", Json::object(), 409},  // once
      {"g2", "GET", k1, std::nullopt, 404},                   // accepted; consent not yet recorded
      {"t2", "POST", link + "/consent", note, 404},           // not Kit's therapist
      {"g2", "POST", link + "/consent", note, 403},
      {"admin", "POST", link + "/consent", note, 403},
      {"t1", "POST", link + "/consent", Json::object(), 400},  // whose consent, how
      {"t1", "POST", link + "/consent", note, 200},
      {"g2", "GET", k1, std::nullopt, 200},
      {"t2", "DELETE", link, std::nullopt, 404},
      {"g2", "DELETE", link, std::nullopt, 204},  // they can leave
      {"g2", "GET", k1, std::nullopt, 404},
  });
  HttpReply mine = browsers_.at("g2").Get("/api/v1/me/guardian-links");
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(mine.json()["links"].size(), 1u);  // Kai's only
  Check({{"t1", "GET", "/api/v1/me/guardian-links", std::nullopt, 403}});
  // An adult client has a guardian only with a recorded exception.
  HttpReply adult =
      browsers_.at("t1").Post("/api/v1/clients/" + Id(world_.c1) + "/guardians",
                              Json{{"display_name", "Pat Parent"}, {"email", "pat@a.test"}});
  EXPECT_EQ(adult.status, 400u);
  EXPECT_TRUE(adult.NamesField("exception_reason")) << adult.body;
}

TEST_F(AuthzMatrixTest, NotYoursLooksExactlyLikeNotThere) {
  HttpReply not_yours = browsers_.at("t2").Get("/api/v1/clients/" + Id(world_.c1));
  HttpReply not_there = browsers_.at("t2").Get("/api/v1/clients/987654");
  HttpReply not_a_number = browsers_.at("t2").Get("/api/v1/clients/abc");
  EXPECT_EQ(not_yours.status, 404u);
  EXPECT_EQ(not_yours.body, not_there.body);
  EXPECT_EQ(not_a_number.status, 404u);
  EXPECT_EQ(not_yours.body.find("Cleo"), std::string::npos);
  HttpReply guardian_probe = browsers_.at("g2").Get("/api/v1/clients/" + Id(world_.k1));
  EXPECT_EQ(guardian_probe.body, not_there.body);
}

TEST_F(AuthzMatrixTest, OnlyCarersCreateClientsAndGuardians) {
  const auto client = [](const std::string& tag) {
    return Json{{"display_name", "New " + tag}, {"email", tag + "@new.a.test"}};
  };
  Json for_t1 = client("sup");
  for_t1["therapist_id"] = world_.t1;
  Json for_t2 = client("sup2");
  for_t2["therapist_id"] = world_.t2;  // not a supervisee
  Check({
      {"t1", "POST", "/api/v1/clients", client("t1"), 201},
      {"supervisor", "POST", "/api/v1/clients", for_t1, 201},
      {"supervisor", "POST", "/api/v1/clients", for_t2, 400},  // names the field
      {"admin", "POST", "/api/v1/clients", client("admin"), 403},
      {"c1", "POST", "/api/v1/clients", client("c1"), 403},
      {"g1", "POST", "/api/v1/clients", client("g1"), 403},
  });
  const std::string guardians = "/api/v1/clients/" + Id(world_.k1) + "/guardians";
  const auto guardian = [](const std::string& tag) {
    return Json{{"display_name", "Guardian " + tag}, {"email", tag + "@guardian.a.test"}};
  };
  Check({
      {"t1", "POST", guardians, guardian("t1"), 201},
      {"t2", "POST", guardians, guardian("t2"), 404},
      {"g2", "POST", guardians, guardian("g2"), 403},  // the role never may
      {"admin", "POST", guardians, guardian("admin"), 403},
  });
  EXPECT_TRUE(world_.store->ListRecordsWithEmail(world_.clinic_a, "t2@guardian.a.test")->empty());
  EXPECT_TRUE(world_.store->ListRecordsWithEmail(world_.clinic_a, "admin@new.a.test")->empty());
}

TEST_F(AuthzMatrixTest, InvitationsOnlyFromTheTreatingSide) {
  HttpReply created = browsers_.at("t1").Post(
      "/api/v1/clients", {{"display_name", "Iris Invitee"}, {"email", "iris@a.test"}});
  ASSERT_EQ(created.status, 201u);
  const std::string invitations =
      "/api/v1/clients/" + Id(created.json()["id"].get<std::int64_t>()) + "/invitations";
  Check({
      {"t2", "POST", invitations, std::nullopt, 404},
      {"g1", "POST", invitations, std::nullopt, 403},
      {"c1", "POST", invitations, std::nullopt, 403},
      {"t1", "POST", invitations, std::nullopt, 201},
      {"supervisor", "POST", invitations, std::nullopt, 201},
      // c1 already has a password: nothing to invite to.
      {"t1", "POST", "/api/v1/clients/" + Id(world_.c1) + "/invitations", std::nullopt, 409},
  });
}

TEST_F(AuthzMatrixTest, EndingAndTheDischargeSummaryFollowTheCareRelationship) {
  const std::string e_c1 = "/api/v1/episodes/" + Id(world_.e_c1);
  const std::string ending = e_c1 + "/ending";
  const std::string summary = e_c1 + "/discharge-summary";
  const Json goals_met = {{"reason", "goals-met"}, {"what_helped", "Walking"}};
  Check({
      {"t1", "GET", summary, std::nullopt, 200},  // a draft while it is open
      {"supervisor", "GET", summary, std::nullopt, 200},
      {"c1", "GET", summary, std::nullopt, 409},  // written when therapy ends
      {"t2", "GET", summary, std::nullopt, 404},
      {"tb", "GET", summary, std::nullopt, 404},
      // A guardian reads a summary only of their own child's ended therapy (docs/family.md).
      {"g1", "GET", summary, std::nullopt, 404},
      {"g1", "GET", "/api/v1/episodes/" + Id(world_.e_k1) + "/discharge-summary", std::nullopt,
       409},
      {"admin", "GET", summary, std::nullopt, 403},
      // An episode is ended through its ending, which says why.
      {"t1", "PATCH", e_c1, Json{{"status", "ended"}}, 400},
      {"c1", "POST", ending, goals_met, 403},
      {"g1", "POST", ending, goals_met, 403},
      {"admin", "POST", ending, goals_met, 403},
      {"t2", "POST", ending, goals_met, 404},
      {"tb", "POST", ending, goals_met, 404},
      {"t1", "POST", ending, goals_met, 201},
      {"supervisor", "POST", ending, goals_met, 409},  // it ends once
      {"c1", "GET", summary, std::nullopt, 200},
      {"t2", "GET", summary, std::nullopt, 404},
      {"g1", "GET", summary, std::nullopt, 404},
  });
}

TEST_F(AuthzMatrixTest, SessionNotesStayWithTheCareTeam) {
  const std::string note = "/api/v1/appointments/" + Id(world_.a_c1) + "/note";
  const std::string notes = "/api/v1/episodes/" + Id(world_.e_c1) + "/notes";
  const Json words = {{"sections", {{"data", "Talked about sleep"}}}};
  const Json addendum = {{"text", "Discussed in supervision"}};
  const Json soap = NoteTemplateToJson(ShippedNoteTemplates()[1]);
  Check({
      {"t1", "GET", note, std::nullopt, 200},
      {"supervisor", "GET", note, std::nullopt, 200},
      {"t2", "GET", note, std::nullopt, 404},
      {"tb", "GET", note, std::nullopt, 404},
      {"c1", "GET", note, std::nullopt, 403},
      {"g1", "GET", note, std::nullopt, 403},
      {"admin", "GET", note, std::nullopt, 403},
      // The treating therapist writes and signs; nobody else.
      {"supervisor", "PUT", note, words, 403},
      {"t2", "PUT", note, words, 404},
      {"c1", "PUT", note, words, 403},
      {"admin", "PUT", note, words, 403},
      {"t1", "PUT", note, words, 200},
      {"t1", "POST", note + "/addenda", addendum, 409},  // not signed yet
      {"supervisor", "POST", note + "/signature", Json::object(), 403},
      {"c1", "POST", note + "/signature", Json::object(), 403},
      {"t1", "POST", note + "/signature", Json::object(), 200},
      {"t1", "POST", note + "/signature", Json::object(), 409},
      {"t1", "PUT", note, words, 409},  // signed: final
      // The care team adds to it.
      {"t2", "POST", note + "/addenda", addendum, 404},
      {"c1", "POST", note + "/addenda", addendum, 403},
      {"g1", "POST", note + "/addenda", addendum, 403},
      {"supervisor", "POST", note + "/addenda", addendum, 201},
      // The episode's notes: the care team; the client only where the clinic opens them.
      {"t1", "GET", notes, std::nullopt, 200},
      {"supervisor", "GET", notes, std::nullopt, 200},
      {"t2", "GET", notes, std::nullopt, 404},
      {"c1", "GET", notes, std::nullopt, 403},
      {"g1", "GET", notes, std::nullopt, 403},
      {"admin", "GET", notes, std::nullopt, 403},
      // The clinic's template: staff read it, the admin changes it.
      {"t1", "GET", "/api/v1/note-templates", std::nullopt, 200},
      {"admin", "GET", "/api/v1/note-templates", std::nullopt, 200},
      {"c1", "GET", "/api/v1/note-templates", std::nullopt, 403},
      {"g1", "GET", "/api/v1/note-templates", std::nullopt, 403},
      {"t1", "PUT", "/api/v1/clinic/note-template", soap, 403},
      {"supervisor", "PUT", "/api/v1/clinic/note-template", soap, 403},
      {"admin", "PUT", "/api/v1/clinic/note-template", soap, 200},
  });
}

TEST_F(AuthzMatrixTest, RupturesAndTheirRepairStayWithTheCareTeam) {
  const std::string ruptures = "/api/v1/episodes/" + Id(world_.e_c1) + "/ruptures";
  const Json note = {{"source", "in-session"}, {"what_happened", "Went quiet"}};
  Check({
      {"t2", "POST", ruptures, note, 404},
      {"tb", "POST", ruptures, note, 404},
      {"c1", "POST", ruptures, note, 403},
      {"g1", "POST", ruptures, note, 403},
      {"admin", "POST", ruptures, note, 403},
      {"t1", "POST", ruptures, note, 201},
      {"supervisor", "POST", ruptures, note, 201},
      {"t1", "GET", ruptures, std::nullopt, 200},
      {"supervisor", "GET", ruptures, std::nullopt, 200},
      {"t2", "GET", ruptures, std::nullopt, 404},
      {"c1", "GET", ruptures, std::nullopt, 403},
      {"g1", "GET", ruptures, std::nullopt, 403},
      {"admin", "GET", ruptures, std::nullopt, 403},
      {"supervisor", "GET", "/api/v1/ruptures/unrepaired", std::nullopt, 200},
      {"t1", "GET", "/api/v1/ruptures/unrepaired", std::nullopt, 403},
      {"admin", "GET", "/api/v1/ruptures/unrepaired", std::nullopt, 403},
      {"c1", "GET", "/api/v1/ruptures/unrepaired", std::nullopt, 403},
  });
  const std::string repair =
      "/api/v1/ruptures/" +
      Id(browsers_.at("t1").Get(ruptures).json()[0]["id"].get<std::int64_t>()) + "/repair";
  const Json words = {{"what_was_said", "We talked it through"}};
  Check({
      {"t2", "POST", repair, words, 404},
      {"tb", "POST", repair, words, 404},
      {"c1", "POST", repair, words, 403},
      {"admin", "POST", repair, words, 403},
      {"t1", "POST", repair, words, 200},
      {"supervisor", "POST", repair, words, 409},  // written once
  });
}

TEST_F(AuthzMatrixTest, AChangeOfTherapistIsSeenByThoseWhoActOnItAndTheHandoverByTheNewTeam) {
  const std::string changes = "/api/v1/episodes/" + Id(world_.e_c1) + "/therapist-changes";
  const Json referral = {{"reason", "A better fit"}};
  Check({
      {"admin", "POST", changes, referral, 403},
      {"g1", "POST", changes, referral, 403},
      {"t2", "POST", changes, referral, 404},
      {"tb", "POST", changes, referral, 404},
      {"c1", "POST", changes, Json::object(), 201},
      {"c1", "POST", changes, Json::object(), 409},  // one open change at a time
      {"t1", "POST", changes, referral, 409},
  });
  const std::string change =
      "/api/v1/therapist-changes/" +
      Id(browsers_.at("c1").Get("/api/v1/therapist-changes").json()[0]["id"].get<std::int64_t>());
  const Json consent = {{"share", Json::array({"plan", "preferences"})},
                        {"preferences", "Plain words"}};
  Check({
      {"c1", "GET", change, std::nullopt, 200},
      {"admin", "GET", change, std::nullopt, 200},
      // The therapist being left does not see a client's own request, nor does anyone else.
      {"t1", "GET", change, std::nullopt, 404},
      {"supervisor", "GET", change, std::nullopt, 404},
      {"t2", "GET", change, std::nullopt, 404},
      {"g1", "GET", change, std::nullopt, 404},
      {"tb", "GET", change, std::nullopt, 404},
      {"admin", "POST", change + "/assignment", Json{{"therapist_id", world_.t2}}, 409},
      {"t1", "POST", change + "/consent", consent, 403},
      {"admin", "POST", change + "/consent", consent, 403},
      {"c1", "POST", change + "/consent", consent, 200},
      {"t1", "POST", change + "/assignment", Json{{"therapist_id", world_.t2}}, 403},
      {"c1", "POST", change + "/assignment", Json{{"therapist_id", world_.t2}}, 403},
      {"admin", "POST", change + "/assignment", Json{{"therapist_id", world_.t2}}, 200},
      {"c1", "POST", change + "/withdrawal", Json::object(), 409},  // done
  });
  const std::int64_t next =
      browsers_.at("c1").Get(change).json()["new_episode_id"].get<std::int64_t>();
  const std::string handover = "/api/v1/episodes/" + Id(next) + "/handover";
  Check({
      {"t2", "GET", handover, std::nullopt, 200},
      {"c1", "GET", handover, std::nullopt, 200},
      {"t1", "GET", handover, std::nullopt, 404},
      {"supervisor", "GET", handover, std::nullopt, 404},  // supervises t1, not t2
      {"admin", "GET", handover, std::nullopt, 403},
      {"g1", "GET", handover, std::nullopt, 403},
      {"tb", "GET", handover, std::nullopt, 404},
  });
}

TEST_F(AuthzMatrixTest, TheSupportCheckIsSentAndReadByTheCareTeam) {
  const std::string support = "/api/v1/episodes/" + Id(world_.e_c1) + "/support-check";
  Check({
      {"c1", "POST", support, Json::object(), 403},
      {"g1", "POST", support, Json::object(), 403},
      {"admin", "POST", support, Json::object(), 403},
      {"t2", "POST", support, Json::object(), 404},
      {"tb", "POST", support, Json::object(), 404},
      {"t1", "POST", support, Json::object(), 201},
      {"supervisor", "POST", support, Json::object(), 201},
      {"t1", "GET", support, std::nullopt, 200},
      {"supervisor", "GET", support, std::nullopt, 200},
      {"t2", "GET", support, std::nullopt, 404},
      {"c1", "GET", support, std::nullopt, 403},
      {"g1", "GET", support, std::nullopt, 403},
      {"admin", "GET", support, std::nullopt, 403},
  });
}

TEST_F(AuthzMatrixTest, EpisodesFollowTheCareRelationship) {
  const std::string e_c1 = "/api/v1/episodes/" + Id(world_.e_c1);
  const std::string e_c2 = "/api/v1/episodes/" + Id(world_.e_c2);
  const std::string e_k1 = "/api/v1/episodes/" + Id(world_.e_k1);
  Check({
      {"t1", "GET", e_c1, std::nullopt, 200},
      {"supervisor", "GET", e_c1, std::nullopt, 200},
      {"c1", "GET", e_c1, std::nullopt, 200},
      {"t2", "GET", e_c1, std::nullopt, 404},
      {"g1", "GET", e_c1, std::nullopt, 404},
      {"tb", "GET", e_c1, std::nullopt, 404},
      {"admin", "GET", e_c1, std::nullopt, 403},
      {"g1", "GET", e_k1, std::nullopt, 200},
      {"g2", "GET", e_k1, std::nullopt, 404},
      {"t1", "PATCH", e_c2, Json{{"status", "active"}}, 404},
      {"supervisor", "PATCH", e_c2, Json{{"status", "active"}}, 404},
      {"c1", "PATCH", e_c1, Json{{"status", "ended"}}, 403},
      {"admin", "PATCH", e_c1, Json{{"status", "ended"}}, 403},
      {"t2", "PATCH", e_c2, Json{{"status", "active"}}, 200},
      {"supervisor", "PATCH", e_c1, Json{{"status", "active"}}, 200},
      // A forbidden move of the record's state.
      {"t1", "PATCH", e_c1, Json{{"status", "intake"}}, 409},
      {"t2", "POST", "/api/v1/episodes", Json{{"client_id", world_.c1}}, 404},
      {"c1", "POST", "/api/v1/episodes", Json{{"client_id", world_.c1}}, 403},
      {"admin", "POST", "/api/v1/episodes", Json{{"client_id", world_.c1}}, 403},
      {"t1", "POST", "/api/v1/episodes", Json{{"client_id", world_.c1}}, 201},
  });
  HttpReply episode = browsers_.at("t1").Get(e_c1);
  ASSERT_TRUE(episode.json()["appointments"].is_array());
  EXPECT_EQ(episode.json()["appointments"][0]["id"], world_.a_c1);
}

// The review's reproduction: Cleo also has an episode with t2. t2 reaches only that one, before
// and after it ends; every route that reads t1's episode answers t2 as if it did not exist.
TEST_F(AuthzMatrixTest, AClientSharedByTwoTherapistsIsSharedEpisodeByEpisode) {
  AssignDefaultQuestionnaires();
  HttpReply answered = browsers_.at("c1").Post(
      "/api/v1/episodes/" + Id(world_.e_c1) + "/responses",
      {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", testing_support::Phq9(1)}});
  ASSERT_EQ(answered.status, 201u) << answered.body;
  const std::string response = Id(answered.json()["response"]["id"].get<std::int64_t>());
  const EpisodeId t2s = world_.OpenEpisode(world_.c1, world_.t2);
  const std::string e1 = "/api/v1/episodes/" + Id(world_.e_c1);
  const std::string patient = "Patient/" + Id(world_.c1);
  const auto t2_is_kept_out = [&]() {
    Check({
        {"t2", "GET", e1, std::nullopt, 404},
        {"t2", "GET", e1 + "/progress", std::nullopt, 404},
        {"t2", "GET", e1 + "/export.csv", std::nullopt, 404},
        {"t2", "GET", e1 + "/responses/" + response, std::nullopt, 404},
        {"t2", "GET", e1 + "/appointments", std::nullopt, 404},
        {"t2", "GET", e1 + "/plan", std::nullopt, 404},
        {"t2", "GET", "/api/v1/episodes/" + Id(t2s) + "/progress", std::nullopt, 200},
        {"t1", "GET", "/api/v1/episodes/" + Id(t2s) + "/progress", std::nullopt, 404},
    });
    // FHIR searches by the client find only what t2 may read: nothing of t1's episode.
    for (const std::string resource : {"QuestionnaireResponse", "Observation"}) {
      HttpReply bundle = browsers_.at("t2").Get("/fhir/" + resource + "?subject=" + patient);
      ASSERT_EQ(bundle.status, 200u) << bundle.body;
      EXPECT_EQ(bundle.json().value("total", -1), 0) << resource << ": " << bundle.body;
    }
    HttpReply client = browsers_.at("t2").Get("/api/v1/clients/" + Id(world_.c1));
    ASSERT_EQ(client.status, 200u);
    const Json episodes = client.json()["episodes"];
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0]["id"], t2s);
  };
  t2_is_kept_out();
  ASSERT_TRUE(world_.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(t2s, EpisodeStatus::kEnded, world_.clock.Now());
                  })
                  .has_value());
  t2_is_kept_out();
  EXPECT_EQ(browsers_.at("t1").Get(e1 + "/export.csv").status, 200u);
}

// A guardian's FHIR searches follow the same access as the app's own pages: the forms they
// reported while the clinic shares clinical detail with guardians; once it stops, their own
// answers still, and no one's scores.
TEST_F(AuthzMatrixTest, AGuardiansFhirSearchesFollowWhatTheClinicSharesWithGuardians) {
  AssignDefaultQuestionnaires();
  const std::string e_k1 = "/api/v1/episodes/" + Id(world_.e_k1);
  HttpReply answered =
      browsers_.at("g1").Post(e_k1 + "/responses", {{"instrument", "PSC-17"},
                                                    {"respondent", "guardian"},
                                                    {"answers", testing_support::Psc17(1)}});
  ASSERT_EQ(answered.status, 201u) << answered.body;
  const std::string patient = "Patient/" + Id(world_.k1);
  const auto search = [&](const std::string& resource) {
    return browsers_.at("g1").Get("/fhir/" + resource + "?subject=" + patient);
  };
  HttpReply shared = search("Observation");
  ASSERT_EQ(shared.status, 200u) << shared.body;
  EXPECT_GT(shared.json().value("total", 0), 0) << shared.body;
  EXPECT_EQ(search("QuestionnaireResponse").json().value("total", 0), 1);

  HttpReply off = browsers_.at("admin").Call("PUT", "/api/v1/clinic/settings",
                                             Json{{"share_with_guardians", false}});
  ASSERT_EQ(off.status, 200u) << off.body;
  // No scores: the search answers as the episode's own progress page does, and says nothing.
  HttpReply progress = browsers_.at("g1").Get(e_k1 + "/progress");
  HttpReply observations = search("Observation");
  EXPECT_NE(observations.status, 200u) << observations.body;
  EXPECT_EQ(observations.status, progress.status) << observations.body;
  EXPECT_EQ(observations.body.find("PSC-17"), std::string::npos) << observations.body;
  // Their own answers stay theirs to read.
  HttpReply own = search("QuestionnaireResponse");
  ASSERT_EQ(own.status, 200u) << own.body;
  EXPECT_EQ(own.json().value("total", 0), 1) << own.body;
}

// Links in FHIR bundles are built from the server's own address, never from the Host header a
// caller sends (which would let anyone plant their own address in a clinic's exported records).
TEST_F(AuthzMatrixTest, FhirLinksUseTheServersAddressNotTheRequestsHostHeader) {
  AssignDefaultQuestionnaires();
  ASSERT_EQ(browsers_.at("c1")
                .Post("/api/v1/episodes/" + Id(world_.e_c1) + "/responses",
                      {{"instrument", "PHQ-9"},
                       {"respondent", "client"},
                       {"answers", testing_support::Phq9(1)}})
                .status,
            201u);
  HttpReply bundle =
      browsers_.at("t1").Call("GET", "/fhir/QuestionnaireResponse?subject=Patient/" + Id(world_.c1),
                              std::nullopt, true, {{"Host", "evil.example"}});
  ASSERT_EQ(bundle.status, 200u) << bundle.body;
  const std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/fhir/";
  const Json parsed = bundle.json();
  ASSERT_EQ(parsed.value("total", 0), 1) << bundle.body;
  EXPECT_TRUE(parsed["entry"][0]["fullUrl"].get<std::string>().starts_with(base))
      << parsed["entry"][0]["fullUrl"];
  EXPECT_TRUE(parsed["link"][0]["url"].get<std::string>().starts_with(base));
  EXPECT_EQ(bundle.body.find("evil.example"), std::string::npos);
}

TEST_F(AuthzMatrixTest, AppointmentsFollowTheCareRelationship) {
  const std::string list = "/api/v1/episodes/" + Id(world_.e_c1) + "/appointments";
  const Json booking = {
      {"starts_at", "2026-06-03T10:00:00Z"}, {"duration_minutes", 50}, {"modality", "video"}};
  Check({
      {"t1", "GET", list, std::nullopt, 200},
      {"c1", "GET", list, std::nullopt, 200},
      {"supervisor", "GET", list, std::nullopt, 200},
      {"t2", "GET", list, std::nullopt, 404},
      {"g1", "GET", list, std::nullopt, 404},
      {"admin", "GET", list, std::nullopt, 403},
      {"t2", "POST", list, booking, 404},
      {"g1", "POST", list, booking, 403},
      {"c1", "POST", list, booking, 403},
      {"admin", "POST", list, booking, 403},
      {"t1", "POST", list, booking, 201},
      {"supervisor", "POST", list, booking, 201},
  });
  const std::string a_c2 = "/api/v1/appointments/" + Id(world_.a_c2);
  Check({
      {"t1", "PATCH", a_c2, Json{{"status", "completed"}}, 404},
      {"c1", "PATCH", a_c2, Json{{"status", "completed"}}, 403},
      {"admin", "PATCH", a_c2, Json{{"status", "completed"}}, 403},
      {"t2", "PATCH", a_c2, Json{{"status", "completed"}}, 200},
      {"t2", "PATCH", a_c2, Json{{"status", "cancelled"}}, 409},  // outcomes are final
  });
  for (const std::string role : {"t1", "t2", "supervisor", "c1", "g1", "g2", "tb"}) {
    Check({{role, "GET", "/api/v1/appointments", std::nullopt, 200}});
  }
  Check({{"admin", "GET", "/api/v1/appointments", std::nullopt, 403}});
  // A client's own view holds their appointments and nobody else's.
  for (const Json& a : browsers_.at("c1").Get("/api/v1/appointments").json()) {
    EXPECT_EQ(a["client_id"], world_.c1);
  }
}

TEST_F(AuthzMatrixTest, SessionRoomsAndTheSessionsHeldFollowTheCareRelationship) {
  const std::string room = "/api/v1/appointments/" + Id(world_.a_c1) + "/room";
  const std::string held = "/api/v1/episodes/" + Id(world_.e_c1) + "/room-sessions";
  const std::string encounters = "/fhir/Encounter?subject=Patient/" + Id(world_.c1);
  const std::string summary = "/api/v1/appointments/" + Id(world_.a_c1) + "/session-summary";
  Check({
      {"t1", "GET", room, std::nullopt, 200},
      {"c1", "GET", room, std::nullopt, 200},
      {"supervisor", "GET", room, std::nullopt, 403},
      {"t2", "GET", room, std::nullopt, 404},
      {"g1", "GET", room, std::nullopt, 404},
      {"tb", "GET", room, std::nullopt, 404},
      {"admin", "GET", room, std::nullopt, 403},
  });
  for (const std::string& target : {held, encounters, summary}) {
    Check({
        {"t1", "GET", target, std::nullopt, 200},
        {"c1", "GET", target, std::nullopt, 200},
        {"supervisor", "GET", target, std::nullopt, 200},
        {"t2", "GET", target, std::nullopt, 404},
        {"g1", "GET", target, std::nullopt, 404},
        {"tb", "GET", target, std::nullopt, 404},
        {"admin", "GET", target, std::nullopt, 403},
    });
  }
  // Only the child's therapist invites one of the child's guardians into the room of a video
  // appointment.
  auto video = world_.store->GetAppointment(world_.a_k1);
  ASSERT_TRUE(video.has_value());
  video->modality = Modality::kVideo;
  ASSERT_TRUE(world_.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(*video); })
                  .has_value());
  const std::string guests = "/api/v1/appointments/" + Id(world_.a_k1) + "/room/guests";
  const Json gina = {{"guardian_id", world_.g1}};
  Check({
      {"admin", "POST", guests, gina, 403},
      {"supervisor", "POST", guests, gina, 403},
      {"t2", "POST", guests, gina, 404},
      {"c1", "POST", guests, gina, 404},
      {"g2", "POST", guests, gina, 404},
      {"g1", "POST", guests, gina, 409},
      {"t1", "POST", guests, gina, 201},
  });
}

TEST_F(AuthzMatrixTest, ADeactivatedUserIsRefusedEverywhereAtOnceAndOnlyAnAdminDeactivates) {
  const std::string deactivate = "/api/v1/users/" + Id(world_.t1) + "/deactivate";
  Check({{"t2", "POST", deactivate, Json::object(), 403},
         {"supervisor", "POST", deactivate, Json::object(), 403},
         {"tb", "POST", deactivate, Json::object(), 403}});
  ASSERT_EQ(browsers_.at("admin").Post(deactivate, Json::object()).status, 204u);
  // The open session ends with the account: every route answers 401 at once.
  const std::string e_c1 = "/api/v1/episodes/" + Id(world_.e_c1);
  Check({
      {"t1", "GET", "/api/v1/me", std::nullopt, 401},
      {"t1", "GET", "/api/v1/clients", std::nullopt, 401},
      {"t1", "GET", "/api/v1/clients/" + Id(world_.c1), std::nullopt, 401},
      {"t1", "GET", e_c1, std::nullopt, 401},
      {"t1", "GET", e_c1 + "/export.csv", std::nullopt, 401},
      {"t1", "GET", "/api/v1/appointments", std::nullopt, 401},
  });
  EXPECT_EQ(Browser(port_).Login("t1@a.test", std::string(kPassword)).status, 401u);
}

TEST_F(AuthzMatrixTest, UsersAndAuditAreForAdminsOnly) {
  const Json user = {
      {"email", "new.staff@a.test"}, {"display_name", "New Staff"}, {"role", "therapist"}};
  std::vector<Cell> cells;
  for (const std::string& role : kAllRoles) {
    if (role == "admin") continue;
    cells.push_back({role, "GET", "/api/v1/users", std::nullopt, 403});
    cells.push_back({role, "POST", "/api/v1/users", user, 403});
    cells.push_back({role, "GET", "/api/v1/audit", std::nullopt, 403});
  }
  cells.push_back({"admin", "GET", "/api/v1/users", std::nullopt, 200});
  cells.push_back({"admin", "GET", "/api/v1/audit?limit=5", std::nullopt, 200});
  cells.push_back({"admin", "POST", "/api/v1/users", user, 201});
  // The same answer whether or not the address is taken: staff learn nothing from it.
  cells.push_back({"admin", "POST", "/api/v1/users", user, 201});
  Check(cells);
  HttpReply audit = browsers_.at("admin").Get("/api/v1/audit?limit=5");
  ASSERT_EQ(audit.json()["entries"].size(), 5u);
  const auto first_seq = audit.json()["entries"][0]["seq"].get<std::int64_t>();
  ASSERT_FALSE(audit.json()["next_before"].is_null());
  HttpReply older =
      browsers_.at("admin").Get("/api/v1/audit?limit=5&before=" +
                                std::to_string(audit.json()["next_before"].get<std::int64_t>()));
  ASSERT_EQ(older.status, 200u);
  EXPECT_LT(older.json()["entries"][0]["seq"].get<std::int64_t>(), first_seq);
  // The admin of another clinic sees none of clinic A's users.
  Browser admin_b = SignedIn("admin@b.test");
  for (const Json& u : admin_b.Get("/api/v1/users").json()) {
    EXPECT_EQ(u["clinic_id"], world_.clinic_b);
  }
}

TEST_F(AuthzMatrixTest, ContactDetailsAreForTheClientAndTheirCareTeamOnly) {
  const std::string contact = "/api/v1/clients/" + Id(world_.c1) + "/contact";
  const Json body = {{"phone", "+44 20 7946 0958"},
                     {"emergency_contact", {{"name", "Ana"}, {"phone", "020 7946 0000"}}}};
  Check({
      {"c1", "PUT", contact, body, 200},
      {"c1", "GET", contact, std::nullopt, 200},
      {"t1", "GET", contact, std::nullopt, 200},
      {"t1", "PUT", contact, body, 200},
      {"supervisor", "GET", contact, std::nullopt, 200},
      {"t2", "GET", contact, std::nullopt, 404},
      {"t2", "PUT", contact, body, 404},
      {"tb", "GET", contact, std::nullopt, 404},
      {"g1", "GET", contact, std::nullopt, 403},
      {"admin", "GET", contact, std::nullopt, 403},
  });
  HttpReply read = browsers_.at("t1").Get(contact);
  EXPECT_EQ(read.json()["emergency_contact"]["name"], "Ana");
}

TEST_F(AuthzMatrixTest, WhoReadAClientsRecordIsForTheAdminAndTheSupervisorOnly) {
  const std::string readers = "/api/v1/clients/" + Id(world_.c1) + "/readers";
  ASSERT_EQ(browsers_.at("t1").Get("/api/v1/clients/" + Id(world_.c1)).status, 200u);
  Check({
      {"admin", "GET", readers, std::nullopt, 200},
      {"supervisor", "GET", readers, std::nullopt, 200},
      {"t1", "GET", readers, std::nullopt, 403},
      {"c1", "GET", readers, std::nullopt, 403},
      {"g1", "GET", readers, std::nullopt, 403},
      {"tb", "GET", readers, std::nullopt, 403},
  });
  HttpReply list = browsers_.at("admin").Get(readers);
  bool t1_seen = false;
  const Json read = list.json();
  for (const Json& r : read["readers"]) {
    if (r["user_id"] == world_.t1) t1_seen = r["reads"].get<int>() >= 1;
  }
  EXPECT_TRUE(t1_seen) << list.body;
  // The search by client and person, and its CSV.
  const std::string query =
      "?client=" + Id(world_.c1) + "&person=" + Id(world_.t1) + "&action=read";
  HttpReply found = browsers_.at("admin").Get("/api/v1/audit" + query);
  ASSERT_EQ(found.status, 200u) << found.body;
  const Json entries = found.json();
  ASSERT_FALSE(entries["entries"].empty());
  for (const Json& e : entries["entries"]) {
    EXPECT_EQ(e["actor_id"], world_.t1);
    EXPECT_EQ(e["client_id"], world_.c1);
    EXPECT_FALSE(e["record_words"].get<std::string>().empty());
  }
  HttpReply csv = browsers_.at("admin").Get("/api/v1/audit/export" + query);
  ASSERT_EQ(csv.status, 200u);
  EXPECT_EQ(csv.body.rfind("seq,at,person,role,action,record,client,source,detail", 0), 0u);
  EXPECT_EQ(browsers_.at("t1").Get("/api/v1/audit/export").status, 403u);
}

TEST_F(AuthzMatrixTest, AStaffInvitationShowsItIsWaitingAndIsSentAgainOnlyByTheAdmin) {
  HttpReply created = browsers_.at("admin").Post(
      "/api/v1/users",
      {{"email", "waiting.staff@a.test"}, {"display_name", "Wren Waiting"}, {"role", "therapist"}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id = Id(created.json()["id"].get<std::int64_t>());
  HttpReply status = browsers_.at("admin").Get("/api/v1/users/" + id + "/invitation");
  ASSERT_EQ(status.status, 200u) << status.body;
  EXPECT_EQ(status.json()["state"], "pending");
  EXPECT_EQ(status.json()["delivery"], "email");
  EXPECT_FALSE(status.json()["expires_at"].is_null());
  Check({
      {"admin", "POST", "/api/v1/users/" + id + "/invitations", Json::object(), 201},
      {"t1", "GET", "/api/v1/users/" + id + "/invitation", std::nullopt, 404},
      {"t1", "POST", "/api/v1/users/" + id + "/invitations", Json::object(), 404},
      {"c1", "GET", "/api/v1/users/" + id + "/invitation", std::nullopt, 403},
      {"tb", "GET", "/api/v1/users/" + id + "/invitation", std::nullopt, 404},
  });
}

TEST_F(AuthzMatrixTest, MessagesAreTheClientsAndTheirTherapistsTheSupervisorOnlyReads) {
  const std::string messages = "/api/v1/episodes/" + Id(world_.e_c1) + "/messages";
  const Json hello = {{"body", "hello"}};
  Check({
      {"c1", "POST", messages, hello, 201},
      {"t1", "POST", messages, hello, 201},
      {"supervisor", "POST", messages, hello, 403},
      {"t2", "POST", messages, hello, 404},
      {"tb", "POST", messages, hello, 404},
      {"g1", "POST", messages, hello, 403},
      {"admin", "POST", messages, hello, 403},
  });
  for (const auto& [role, status] :
       std::vector<std::pair<std::string, unsigned>>{{"c1", 200},
                                                     {"t1", 200},
                                                     {"supervisor", 200},
                                                     {"t2", 404},
                                                     {"tb", 404},
                                                     {"g1", 404},
                                                     {"g2", 404},
                                                     {"admin", 403}}) {
    Check({{role, "GET", messages, std::nullopt, status}});
  }
  // A guardian reads a young child's messages (the clinic's policy for a child), never an
  // adolescent's by default (docs/family.md), and writes in neither.
  Check({{"g1", "GET", "/api/v1/episodes/" + Id(world_.e_k1) + "/messages", std::nullopt, 200},
         {"g1", "POST", "/api/v1/episodes/" + Id(world_.e_k1) + "/messages", hello, 403},
         {"g2", "GET", "/api/v1/episodes/" + Id(world_.e_k2) + "/messages", std::nullopt, 404}});
  const std::int64_t first = browsers_.at("c1").Get(messages).json()["messages"][0]["id"];
  const Json seen = {{"up_to", first}};
  Check({
      {"t1", "POST", messages + "/read", seen, 200},
      {"supervisor", "POST", messages + "/read", seen, 200},
      {"t2", "POST", messages + "/read", seen, 404},
      {"admin", "POST", messages + "/read", seen, 403},
  });
  Check({{"c1", "GET", "/api/v1/me/messages/export", std::nullopt, 200}});
  for (const std::string role : {"t1", "supervisor", "g1", "admin", "tb"}) {
    Check({{role, "GET", "/api/v1/me/messages/export", std::nullopt, 403}});
  }
  EXPECT_EQ(world_.store->ListEpisodeMessages(world_.e_c1)->size(), 2u);
}

TEST_F(AuthzMatrixTest, FindingATherapistIsTheClientsAndTheAdminsTheCareTeamReadsWhatWasAsked) {
  const std::string offer = "/api/v1/therapists/" + Id(world_.t1) + "/offer";
  Check({{"t1", "GET", offer, std::nullopt, 200}});
  const Json body = browsers_.at("t1").Get(offer).json();
  for (const auto& [role, status] :
       std::vector<std::pair<std::string, unsigned>>{{"t1", 200},
                                                     {"admin", 200},
                                                     {"t2", 403},
                                                     {"supervisor", 403},
                                                     {"c1", 403},
                                                     {"g1", 403},
                                                     {"tb", 403}}) {
    Check({{role, "PUT", offer, body, status}});
  }
  for (const std::string& role : kAllRoles) {
    Check({{role, "GET", offer, std::nullopt, role == "tb" ? 404u : 200u}});
  }
  const Json verify = {{"verified", false}};
  Check({{"admin", "POST", offer + "/verification", verify, 200},
         {"t1", "POST", offer + "/verification", verify, 403},
         {"supervisor", "POST", offer + "/verification", verify, 403}});

  const std::string preferences = "/api/v1/clients/" + Id(world_.c1) + "/preferences";
  const Json wanted = {{"needs", {{"jurisdiction", "GB"}}}};
  Check({{"c1", "PUT", preferences, wanted, 200},
         {"admin", "PUT", preferences, wanted, 200},
         {"t1", "PUT", preferences, wanted, 403},
         {"g1", "PUT", preferences, wanted, 403},
         {"tb", "PUT", preferences, wanted, 403}});
  for (const auto& [role, status] :
       std::vector<std::pair<std::string, unsigned>>{{"c1", 200},
                                                     {"admin", 200},
                                                     {"t1", 200},
                                                     {"supervisor", 200},
                                                     {"t2", 404},
                                                     {"g1", 403},
                                                     {"tb", 404}}) {
    Check({{role, "GET", preferences, std::nullopt, status}});
  }
  const std::string matches = "/api/v1/clients/" + Id(world_.c1) + "/matches";
  for (const auto& [role, status] :
       std::vector<std::pair<std::string, unsigned>>{{"c1", 200},
                                                     {"admin", 200},
                                                     {"t1", 403},
                                                     {"supervisor", 403},
                                                     {"g1", 403},
                                                     {"tb", 403}}) {
    Check({{role, "GET", matches, std::nullopt, status}});
  }
  const std::string step = "/api/v1/clients/" + Id(world_.c1) + "/first-step";
  const Json shared = {{"brings", "Worry"}, {"shared", true}};
  Check({{"c1", "PUT", step, shared, 200},
         {"t1", "PUT", step, shared, 403},
         {"admin", "PUT", step, shared, 403}});
  for (const auto& [role, status] :
       std::vector<std::pair<std::string, unsigned>>{{"c1", 200},
                                                     {"t1", 200},
                                                     {"supervisor", 200},
                                                     {"t2", 404},
                                                     {"admin", 403},
                                                     {"g1", 403},
                                                     {"tb", 404}}) {
    Check({{role, "GET", step, std::nullopt, status}});
  }
  for (const std::string& role : kAllRoles) {
    const bool may = role == "admin" || role == "supervisor";
    Check({{role, "GET", "/api/v1/reports/outcomes", std::nullopt, may ? 200u : 403u}});
  }
}

}  // namespace
}  // namespace rapport::testing
