// The collaborative treatment plan over HTTP: the real server on port 0 over a real
// store. The rules are the domain's and PlanService's and tested there; these tests prove the
// routes carry them through: the whole agreement flow between two signed-in people, status codes
// and field names for bad input, nothing stored on refusal, and the JSON shapes of the API.

#include <algorithm>
#include <string>
#include <vector>

#include "http_fixture.h"

namespace rapport::testing {
namespace {

Json GasLevels() {
  return Json::array({"Stays in bed most of the day", "Up but no activity",
                      "One planned activity a day", "Two planned activities a day",
                      "Back to the old routine"});
}

// A first plan: two problems (with keys, so that the goal can name its problem), one goal with a
// PHQ-9 and a GAS benchmark, an intervention and homework (without keys: the server assigns them).
Json FirstContent() {
  return {
      {"summary", "We work on low mood first, then on sleep."},
      {"problems", Json::array({{{"key", "p1"},
                                 {"client_words", "I feel low most days"},
                                 {"formulation", "Low mood kept going by withdrawal from activity"},
                                 {"diagnosis", "F32.1"},
                                 {"status", "active"}},
                                {{"key", "p2"},
                                 {"client_words", "I cannot sleep"},
                                 {"formulation", ""},
                                 {"diagnosis", ""},
                                 {"status", "active"}}})},
      {"agreed_order", Json::array({"p1", "p2"})},
      {"goals",
       Json::array({{{"problem_key", "p1"},
                     {"description", "PHQ-9 total below 10 by September"},
                     {"due_date", "2026-09-01"},
                     {"benchmarks",
                      Json::array({{{"kind", "questionnaire"},
                                    {"instrument", "PHQ-9"},
                                    {"comparator", "below"},
                                    {"target", 10}},
                                   {{"kind", "gas"}, {"weight", 1}, {"levels", GasLevels()}}})},
                     {"interventions", Json::array({{{"description", "Behavioural activation"},
                                                     {"approach", "CBT"}}})},
                     {"homework", Json::array({{{"description", "Activity diary every evening"},
                                                {"due_date", "2026-06-08"}}})}}})},
      {"guardian",
       {{"problems", false}, {"goals", false}, {"homework", false}, {"ask_agreement", false}}}};
}

// The content of a version as returned, with a second goal (for the sleep problem) added.
Json WithSleepGoal(Json content) {
  content["goals"].push_back(
      {{"problem_key", "p2"},
       {"description", "Asleep within 30 minutes on most nights by August"},
       {"due_date", "2026-08-15"},
       {"benchmarks",
        Json::array({{{"kind", "gas"},
                      {"weight", 2},
                      {"levels", Json::array({"Most nights over an hour", "Most nights 45 minutes",
                                              "Most nights 30 minutes", "Most nights 20 minutes",
                                              "Most nights 10 minutes"})}}})},
       {"interventions", Json::array()},
       {"homework", Json::array()}});
  return content;
}

class PlanHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
  }

  std::string Plan(const std::string& rest = "", EpisodeId episode = 0) {
    return "/api/v1/episodes/" + std::to_string(episode != 0 ? episode : world_.e_c1) + "/plan" +
           rest;
  }
  std::string Version(int n, const std::string& rest = "") {
    return Plan("/versions/" + std::to_string(n) + rest);
  }

  std::vector<PlanVersion> Stored(EpisodeId episode = 0) {
    auto list = world_.store->ListPlanVersions(episode != 0 ? episode : world_.e_c1);
    EXPECT_TRUE(list.has_value());
    return list.value_or(std::vector<PlanVersion>{});
  }

  // Version 1 drafted and proposed by the therapist, and accepted by the client.
  void AgreeFirstVersion(Browser& therapist, Browser& client) {
    HttpReply draft = therapist.Post(Plan("/versions"), {{"content", FirstContent()}});
    ASSERT_EQ(draft.status, 201u) << draft.body;
    ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);
    HttpReply accepted = client.Post(Version(1, "/accept"), Json::object());
    ASSERT_EQ(accepted.status, 200u) << accepted.body;
    ASSERT_EQ(accepted.json().value("status", ""), "agreed") << accepted.body;
  }

  // The key of the first benchmark of `kind` in a version's content.
  static std::string BenchmarkKey(const Json& content, const std::string& kind) {
    for (const Json& g : content["goals"]) {
      for (const Json& b : g["benchmarks"]) {
        if (b.value("kind", "") == kind) return b.value("key", "");
      }
    }
    return "";
  }
};

TEST_F(PlanHttpTest, TherapistAndClientAgreeOnARevisedPlanAndBothSeeItsSignaturesAndHistory) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");

  // An episode without a plan has an overview with no versions.
  HttpReply empty = therapist.Get(Plan());
  ASSERT_EQ(empty.status, 200u) << empty.body;
  EXPECT_TRUE(empty.json()["versions"].empty());
  EXPECT_TRUE(empty.json()["current"].is_null());
  EXPECT_TRUE(empty.json().value("may_edit", false));

  // The therapist drafts version 1; the server keys the new items.
  HttpReply draft = therapist.Post(Plan("/versions"), {{"content", FirstContent()}});
  ASSERT_EQ(draft.status, 201u) << draft.body;
  Json v1 = draft.json();
  EXPECT_EQ(v1.value("number", 0), 1);
  EXPECT_EQ(v1.value("status", ""), "draft");
  EXPECT_TRUE(v1["content_hash"].is_null());
  EXPECT_TRUE(v1["signatures"].empty());
  ASSERT_EQ(v1["content"]["goals"].size(), 1u) << draft.body;
  const Json& goal = v1["content"]["goals"][0];
  EXPECT_FALSE(goal.value("key", "").empty());
  EXPECT_FALSE(goal["homework"][0].value("key", "").empty());
  EXPECT_EQ(v1["content"]["problems"][0].value("client_words", ""), "I feel low most days");

  // Proposing signs it as therapist over a hash of the content.
  HttpReply proposed = therapist.Post(Version(1, "/propose"), Json::object());
  ASSERT_EQ(proposed.status, 200u) << proposed.body;
  EXPECT_EQ(proposed.json().value("status", ""), "proposed");
  const std::string hash1 = proposed.json().value("content_hash", "");
  EXPECT_EQ(hash1.size(), 64u) << proposed.body;
  ASSERT_EQ(proposed.json()["signatures"].size(), 1u);
  EXPECT_EQ(proposed.json()["signatures"][0].value("role", ""), "therapist");
  EXPECT_EQ(proposed.json()["signatures"][0].value("content_hash", ""), hash1);
  EXPECT_EQ(proposed.json()["signatures"][0].value("name", ""), "Tara One");

  // The client sees the proposal and asks for a change.
  HttpReply seen = client.Get(Plan());
  ASSERT_EQ(seen.status, 200u) << seen.body;
  EXPECT_TRUE(seen.json().value("may_accept", false)) << seen.body;
  EXPECT_FALSE(seen.json().value("may_edit", true));
  EXPECT_EQ(seen.json()["open_number"], 1);
  HttpReply changes =
      client.Post(Version(1, "/request-changes"), {{"comment", "Please add my sleep."}});
  ASSERT_EQ(changes.status, 200u) << changes.body;
  EXPECT_EQ(changes.json().value("status", ""), "changes_requested");
  EXPECT_EQ(changes.json().value("client_comment", ""), "Please add my sleep.");
  EXPECT_FALSE(changes.json()["decided_at"].is_null());

  // The therapist starts version 2 from version 1, adds a goal, and proposes it.
  HttpReply draft2 = therapist.Post(Plan("/versions"), Json::object());
  ASSERT_EQ(draft2.status, 201u) << draft2.body;
  EXPECT_EQ(draft2.json().value("number", 0), 2);
  EXPECT_EQ(draft2.json()["content"]["goals"].size(), 1u) << "a copy of version 1";
  HttpReply saved =
      therapist.Call("PUT", Version(2), Json{{"content", WithSleepGoal(draft2.json()["content"])}});
  ASSERT_EQ(saved.status, 200u) << saved.body;
  EXPECT_EQ(saved.json()["content"]["goals"].size(), 2u);
  ASSERT_EQ(therapist.Post(Version(2, "/propose"), Json::object()).status, 200u);

  // The client accepts: version 2 is agreed, signed by both over the same hash.
  HttpReply accepted = client.Post(Version(2, "/accept"), Json::object());
  ASSERT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_EQ(accepted.json().value("status", ""), "agreed");

  for (Browser* who : {&therapist, &client}) {
    HttpReply v2 = who->Get(Version(2));
    ASSERT_EQ(v2.status, 200u) << v2.body;
    const Json body = v2.json();
    const std::string hash2 = body.value("content_hash", "");
    EXPECT_EQ(hash2.size(), 64u);
    EXPECT_NE(hash2, hash1);
    ASSERT_EQ(body["signatures"].size(), 2u) << v2.body;
    std::vector<std::string> roles;
    for (const Json& s : body["signatures"]) {
      roles.push_back(s.value("role", ""));
      EXPECT_EQ(s.value("content_hash", ""), hash2);
      EXPECT_FALSE(s.value("signed_at", "").empty());
    }
    std::sort(roles.begin(), roles.end());
    EXPECT_EQ(roles, (std::vector<std::string>{"client", "therapist"}));
    EXPECT_FALSE(body.value("guardian_filtered", true));

    HttpReply overview = who->Get(Plan());
    ASSERT_EQ(overview.status, 200u) << overview.body;
    const Json o = overview.json();
    EXPECT_EQ(o["agreed_number"], 2);
    EXPECT_TRUE(o["open_number"].is_null());
    EXPECT_EQ(o["current"].value("number", 0), 2);
    ASSERT_EQ(o["versions"].size(), 2u);
    EXPECT_EQ(o["versions"][0].value("status", ""), "changes_requested");
    EXPECT_EQ(o["versions"][1].value("status", ""), "agreed");
    EXPECT_FALSE(o["versions"][0].contains("content")) << "summaries only";
    EXPECT_EQ(o["client"].value("name", ""), "Cleo Client");
    EXPECT_EQ(o["therapist"].value("id", 0), world_.t1);
    EXPECT_EQ(o["goals"].size(), 2u);
    EXPECT_TRUE(o["review"].is_object());
    EXPECT_FALSE(o["review"]["due_at"].is_null());

    // The difference between the versions: the added goal, side by side.
    HttpReply diff = who->Get(Plan("/diff?from=1&to=2"));
    ASSERT_EQ(diff.status, 200u) << diff.body;
    EXPECT_EQ(diff.json()["from"], 1);
    EXPECT_EQ(diff.json()["to"], 2);
    bool goal_added = false;
    const Json rows = diff.json()["rows"];
    for (const Json& row : rows) {
      if (row.value("section", "") == "goal" && row.value("change", "") == "added") {
        goal_added = true;
      }
    }
    EXPECT_TRUE(goal_added) << diff.body;
  }
}

TEST_F(PlanHttpTest, ASignedVersionCannotBeEditedAndItsStoredContentStaysTheSame) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);
  const PlanVersion before = Stored().at(0);
  ASSERT_FALSE(before.content_hash.empty());

  Json changed = FirstContent();
  changed["summary"] = "Something else entirely.";
  HttpReply on_proposed = therapist.Call("PUT", Version(1), Json{{"content", changed}});
  EXPECT_EQ(on_proposed.status, 409u) << on_proposed.body;
  EXPECT_EQ(on_proposed.Header("content-type"), "application/problem+json");

  ASSERT_EQ(client.Post(Version(1, "/accept"), Json::object()).status, 200u);
  HttpReply on_agreed = therapist.Call("PUT", Version(1), Json{{"content", changed}});
  EXPECT_EQ(on_agreed.status, 409u) << on_agreed.body;

  const PlanVersion after = Stored().at(0);
  EXPECT_EQ(after.content_json, before.content_json);
  EXPECT_EQ(after.content_hash, before.content_hash);
  HttpReply read = therapist.Get(Version(1));
  ASSERT_EQ(read.status, 200u);
  EXPECT_EQ(read.json()["content"].value("summary", ""),
            "We work on low mood first, then on sleep.");
  EXPECT_EQ(read.json().value("content_hash", ""), before.content_hash);
  // A version that does not exist, and a number that is no number, name nothing.
  EXPECT_EQ(therapist.Get(Version(9)).status, 404u);
  EXPECT_EQ(therapist.Get(Plan("/versions/first")).status, 404u);
  EXPECT_EQ(therapist.Get(Plan("/versions/0")).status, 404u);
  // A comparison needs two versions that exist.
  HttpReply no_to = therapist.Get(Plan("/diff?from=1"));
  EXPECT_EQ(no_to.status, 400u);
  EXPECT_TRUE(no_to.NamesField("to")) << no_to.body;
  HttpReply bad_from = therapist.Get(Plan("/diff?from=one&to=1"));
  EXPECT_EQ(bad_from.status, 400u);
  EXPECT_TRUE(bad_from.NamesField("from")) << bad_from.body;
  EXPECT_EQ(therapist.Get(Plan("/diff?from=1&to=7")).status, 404u);
  HttpReply same = therapist.Get(Plan("/diff?from=1&to=1"));
  ASSERT_EQ(same.status, 200u) << same.body;
  EXPECT_TRUE(same.json()["rows"].empty());
}

TEST_F(PlanHttpTest, OnlyTheLatestProposalCanBeAccepted) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);
  ASSERT_EQ(client.Post(Version(1, "/request-changes"), {{"comment", "Not yet"}}).status, 200u);
  ASSERT_EQ(therapist.Post(Plan("/versions"), Json::object()).status, 201u);
  ASSERT_EQ(therapist.Post(Version(2, "/propose"), Json::object()).status, 200u);

  HttpReply old = client.Post(Version(1, "/accept"), Json::object());
  EXPECT_EQ(old.status, 409u) << old.body;
  const std::vector<PlanVersion> stored = Stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].status, PlanVersionStatus::kChangesRequested);
  EXPECT_EQ(stored[1].status, PlanVersionStatus::kProposed);
  // Asking for changes needs a comment.
  HttpReply no_comment = client.Post(Version(2, "/request-changes"), Json::object());
  EXPECT_EQ(no_comment.status, 400u);
  EXPECT_TRUE(no_comment.NamesField("comment")) << no_comment.body;
  // The client declines the latest instead, with an optional comment.
  HttpReply declined = client.Post(Version(2, "/decline"), Json::object());
  ASSERT_EQ(declined.status, 200u) << declined.body;
  EXPECT_EQ(declined.json().value("status", ""), "declined");
}

TEST_F(PlanHttpTest, TheTherapistWithdrawsAnUnansweredProposalToCorrectIt) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);

  HttpReply by_client = client.Post(Version(1, "/withdraw"), Json::object());
  EXPECT_EQ(by_client.status, 403u) << by_client.body;
  HttpReply withdrawn = therapist.Post(Version(1, "/withdraw"), Json::object());
  ASSERT_EQ(withdrawn.status, 200u) << withdrawn.body;
  EXPECT_EQ(withdrawn.json().value("status", ""), "withdrawn");
  HttpReply again = therapist.Post(Version(1, "/withdraw"), Json::object());
  EXPECT_EQ(again.status, 409u) << again.body;
  HttpReply accepted = client.Post(Version(1, "/accept"), Json::object());
  EXPECT_EQ(accepted.status, 409u) << accepted.body;

  HttpReply draft = therapist.Post(Plan("/versions"), Json::object());
  ASSERT_EQ(draft.status, 201u) << draft.body;
  EXPECT_EQ(draft.json().value("number", 0), 2);
  const std::vector<PlanVersion> stored = Stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].status, PlanVersionStatus::kWithdrawn);
  EXPECT_EQ(stored[1].status, PlanVersionStatus::kDraft);
}

TEST_F(PlanHttpTest, AClientCannotChangeTheTherapistsFormulation) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  const PlanVersion before = Stored().at(0);

  HttpReply refused = client.Patch(Plan("/problems/p1"), {{"formulation", "Nothing wrong"}});
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_TRUE(refused.NamesField("formulation")) << refused.body;
  ASSERT_EQ(Stored().size(), 1u);
  EXPECT_EQ(Stored().at(0).content_json, before.content_json);

  // Their own words they may change.
  HttpReply own = client.Patch(Plan("/problems/p1"), {{"client_words", "I feel flat"}});
  ASSERT_EQ(own.status, 200u) << own.body;
  EXPECT_EQ(own.json()["content"]["problems"][0].value("client_words", ""), "I feel flat");
  EXPECT_EQ(own.json()["content"]["problems"][0].value("formulation", ""),
            "Low mood kept going by withdrawal from activity");
  // The therapist may change the formulation; a bad status is named.
  HttpReply bad_status = therapist.Patch(Plan("/problems/p1"), {{"status", "gone"}});
  EXPECT_EQ(bad_status.status, 400u);
  EXPECT_TRUE(bad_status.NamesField("status")) << bad_status.body;
  EXPECT_EQ(therapist.Patch(Plan("/problems/p9"), {{"client_words", "x"}}).status, 404u);
}

TEST_F(PlanHttpTest, BadContentIsA400NamingTheFieldAndStoresNothing) {
  Browser therapist = SignedIn("t1@a.test");
  Json unknown_instrument = FirstContent();
  unknown_instrument["goals"][0]["benchmarks"][0]["instrument"] = "NOT-A-QUESTIONNAIRE";
  HttpReply r1 = therapist.Post(Plan("/versions"), {{"content", unknown_instrument}});
  EXPECT_EQ(r1.status, 400u) << r1.body;
  EXPECT_TRUE(r1.NamesField("goals/0/benchmarks/0/instrument")) << r1.body;

  Json impossible = FirstContent();
  impossible["goals"][0]["benchmarks"][0]["target"] = 0;  // PHQ-9 below 0
  HttpReply r2 = therapist.Post(Plan("/versions"), {{"content", impossible}});
  EXPECT_EQ(r2.status, 400u) << r2.body;
  EXPECT_TRUE(r2.NamesField("goals/0/benchmarks/0/target")) << r2.body;

  HttpReply r3 =
      therapist.Post(Plan("/versions"), {{"content", FirstContent()}, {"colour", "red"}});
  EXPECT_EQ(r3.status, 400u) << r3.body;
  EXPECT_TRUE(r3.NamesField("colour")) << r3.body;

  HttpReply r4 = therapist.Post(Plan("/versions"), {{"content", "a plan"}});
  EXPECT_EQ(r4.status, 400u) << r4.body;
  EXPECT_TRUE(r4.NamesField("content")) << r4.body;

  HttpReply malformed = Send(port_, "POST", Plan("/versions"), "{\"content\": {",
                             {{"Cookie", therapist.cookie()},
                              {"X-CSRF-Token", therapist.csrf()},
                              {"Content-Type", "application/json"}});
  EXPECT_EQ(malformed.status, 400u) << malformed.body;
  EXPECT_EQ(malformed.Header("content-type"), "application/problem+json");

  EXPECT_TRUE(Stored().empty());

  // The same rules for a draft's content: a refused save leaves the draft as it was.
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  const PlanVersion draft = Stored().at(0);
  HttpReply r5 = therapist.Call("PUT", Version(1), Json{{"content", impossible}});
  EXPECT_EQ(r5.status, 400u) << r5.body;
  EXPECT_TRUE(r5.NamesField("goals/0/benchmarks/0/target")) << r5.body;
  EXPECT_EQ(Stored().at(0).content_json, draft.content_json);
  // A second draft while one is open is a conflict.
  EXPECT_EQ(therapist.Post(Plan("/versions"), Json::object()).status, 409u);
}

TEST_F(PlanHttpTest, OthersGetNothingAndWritesNeedTheCsrfToken) {
  Browser therapist = SignedIn("t1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);

  Browser other = SignedIn("t2@a.test");
  EXPECT_EQ(other.Get(Plan()).status, 404u);
  EXPECT_EQ(other.Get(Version(1)).status, 404u);
  EXPECT_EQ(other.Post(Version(1, "/propose"), Json::object()).status, 404u);
  Browser elsewhere = SignedIn("tb@b.test");
  EXPECT_EQ(elsewhere.Get(Plan()).status, 404u);

  Browser admin = SignedIn("admin@a.test");
  EXPECT_EQ(admin.Get(Plan()).status, 403u);
  EXPECT_EQ(admin.Post(Plan("/versions"), Json::object()).status, 403u);

  HttpReply no_csrf = therapist.Call("POST", Version(1, "/propose"), Json::object(),
                                     /*with_csrf=*/false);
  EXPECT_EQ(no_csrf.status, 403u) << no_csrf.body;
  EXPECT_EQ(Browser(port_).Get(Plan()).status, 401u);

  const std::vector<PlanVersion> stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].status, PlanVersionStatus::kDraft);
  // No such episode at all, and an id that is no id.
  EXPECT_EQ(therapist.Get(Plan("", 999999)).status, 404u);
  EXPECT_EQ(therapist.Get("/api/v1/episodes/abc/plan").status, 404u);
}

TEST_F(PlanHttpTest, RankingRatingsHomeworkThoughtRecordsAndReviewsEachWorkAndRefuseBadInput) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  AgreeFirstVersion(therapist, client);
  const Json agreed = therapist.Get(Version(1)).json();
  const Json& goal = agreed["content"]["goals"][0];
  const std::string goal_key = goal.value("key", "");
  const std::string homework_key = goal["homework"][0].value("key", "");
  const std::string gas_key = BenchmarkKey(agreed["content"], "gas");
  ASSERT_FALSE(goal_key.empty());
  ASSERT_FALSE(gas_key.empty());

  // Ranking: the client's own order, beside the therapist's.
  HttpReply ranked = client.Call("PUT", Plan("/ranking"), Json{{"order", {"p2", "p1"}}});
  ASSERT_EQ(ranked.status, 200u) << ranked.body;
  EXPECT_EQ(ranked.json()["rankings"]["client"], Json::array({"p2", "p1"}));
  ASSERT_EQ(therapist.Call("PUT", Plan("/ranking"), Json{{"order", {"p1", "p2"}}}).status, 200u);
  const Json consensus = client.Get(Plan()).json()["consensus"];
  EXPECT_EQ(consensus["tau"], -1.0) << consensus.dump();
  EXPECT_EQ(consensus.value("compared", 0), 2);
  EXPECT_FALSE(consensus.value("plain_words", "").empty());
  HttpReply bad_rank = client.Call("PUT", Plan("/ranking"), Json{{"order", "p1"}});
  EXPECT_EQ(bad_rank.status, 400u);
  EXPECT_TRUE(bad_rank.NamesField("order")) << bad_rank.body;
  HttpReply unknown_rank = client.Call("PUT", Plan("/ranking"), Json{{"order", {"p1", "p9"}}});
  EXPECT_EQ(unknown_rank.status, 400u) << unknown_rank.body;

  // A goal self-rating from 0 to 10.
  HttpReply rated =
      client.Post(Plan("/goals/" + goal_key + "/ratings"), {{"rating", 7}, {"note", "Better"}});
  ASSERT_EQ(rated.status, 201u) << rated.body;
  bool found = false;
  const Json rated_goals = rated.json()["goals"];
  for (const Json& g : rated_goals) {
    if (g.value("key", "") != goal_key) continue;
    ASSERT_EQ(g["self_ratings"].size(), 1u);
    EXPECT_EQ(g["self_ratings"][0].value("rating", 0), 7);
    EXPECT_EQ(g["self_ratings"][0].value("note", ""), "Better");
    EXPECT_FALSE(g.value("achievement_display", "").empty());
    found = true;
  }
  EXPECT_TRUE(found) << rated.body;
  HttpReply bad_rating = client.Post(Plan("/goals/" + goal_key + "/ratings"), {{"rating", 11}});
  EXPECT_EQ(bad_rating.status, 400u);
  EXPECT_TRUE(bad_rating.NamesField("rating")) << bad_rating.body;
  EXPECT_EQ(client.Post(Plan("/goals/g99/ratings"), {{"rating", 3}}).status, 404u);

  // Homework ticked off.
  HttpReply ticked = client.Call("PUT", Plan("/homework/" + homework_key), Json{{"done", true}});
  ASSERT_EQ(ticked.status, 200u) << ticked.body;
  ASSERT_EQ(ticked.json()["homework"].size(), 1u);
  EXPECT_TRUE(ticked.json()["homework"][0].value("done", false));
  EXPECT_EQ(ticked.json()["homework"][0].value("goal_key", ""), goal_key);
  HttpReply bad_tick = client.Call("PUT", Plan("/homework/" + homework_key), Json{{"done", "yes"}});
  EXPECT_EQ(bad_tick.status, 400u);
  EXPECT_TRUE(bad_tick.NamesField("done")) << bad_tick.body;

  // A thought record, which the therapist then sees.
  const Json record = {{"goal_key", goal_key},
                       {"situation", "Friend cancelled lunch"},
                       {"automatic_thoughts", "Nobody wants to see me"},
                       {"feelings", Json::array({{{"feeling", "sad"}, {"intensity", 80}}})},
                       {"evidence_for", "She cancelled"},
                       {"evidence_against", "She rebooked for next week"},
                       {"balanced_thought", "She was busy, not avoiding me"},
                       {"feelings_after", Json::array({{{"feeling", "sad"}, {"intensity", 40}}})}};
  HttpReply written = client.Post(Plan("/thought-records"), record);
  ASSERT_EQ(written.status, 201u) << written.body;
  EXPECT_GT(written.json().value("id", 0), 0);
  EXPECT_EQ(written.json().value("author_id", 0), world_.c1);
  EXPECT_EQ(written.json()["record"].value("situation", ""), "Friend cancelled lunch");
  HttpReply list = therapist.Get(Plan("/thought-records"));
  ASSERT_EQ(list.status, 200u) << list.body;
  ASSERT_EQ(list.json().size(), 1u);
  EXPECT_EQ(list.json()[0]["record"]["feelings"][0].value("intensity", 0), 80);
  Json no_situation = record;
  no_situation.erase("situation");
  HttpReply bad_record = client.Post(Plan("/thought-records"), no_situation);
  EXPECT_EQ(bad_record.status, 400u);
  EXPECT_TRUE(bad_record.NamesField("situation")) << bad_record.body;

  // A review with a GAS level resets the review clock and gives a T-score.
  HttpReply reviewed = therapist.Post(
      Plan("/reviews"), {{"notes", "Reviewed together"}, {"gas_levels", {{gas_key, 1}}}});
  ASSERT_EQ(reviewed.status, 201u) << reviewed.body;
  EXPECT_FALSE(reviewed.json()["last_review_at"].is_null());
  EXPECT_TRUE(reviewed.json()["gas_t_score"].is_number()) << reviewed.body;
  EXPECT_EQ(reviewed.json().value("thought_records", 0), 1);
  HttpReply bad_review =
      therapist.Post(Plan("/reviews"), {{"notes", "Again"}, {"gas_levels", {{gas_key, 5}}}});
  EXPECT_EQ(bad_review.status, 400u);
  EXPECT_TRUE(bad_review.NamesField("gas_levels/" + gas_key)) << bad_review.body;
  EXPECT_EQ(client.Post(Plan("/reviews"), {{"notes", "Mine"}}).status, 403u);

  // The client adds a problem in their own words: a new draft from the agreed version.
  HttpReply added = client.Post(Plan("/problems"), {{"client_words", "I worry about work"}});
  ASSERT_EQ(added.status, 201u) << added.body;
  EXPECT_EQ(added.json().value("status", ""), "draft");
  EXPECT_EQ(added.json().value("number", 0), 2);
  EXPECT_EQ(added.json()["content"]["problems"].size(), 3u);
  HttpReply with_formulation =
      client.Post(Plan("/problems"), {{"client_words", "Tired"}, {"formulation", "Fatigue"}});
  EXPECT_EQ(with_formulation.status, 403u);
  EXPECT_TRUE(with_formulation.NamesField("formulation")) << with_formulation.body;
  HttpReply no_words = client.Post(Plan("/problems"), Json::object());
  EXPECT_EQ(no_words.status, 400u);
  EXPECT_TRUE(no_words.NamesField("client_words")) << no_words.body;
  EXPECT_EQ(Stored().size(), 2u);
}

TEST_F(PlanHttpTest, TheDashboardShowsWhereEachPlanStandsAndWhenAReviewIsDue) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  const auto row_of = [](Browser& who, EpisodeId episode) {
    HttpReply dashboard = who.Get("/api/v1/dashboard");
    EXPECT_EQ(dashboard.status, 200u) << dashboard.body;
    const Json rows = dashboard.json()["clients"];
    for (const Json& row : rows) {
      if (row.value("episode_id", EpisodeId{0}) == episode) return row;
    }
    ADD_FAILURE() << "no dashboard row for episode " << episode << ": " << dashboard.body;
    return Json();
  };
  EXPECT_EQ(row_of(therapist, world_.e_c1).value("plan_status", ""), "none");
  EXPECT_FALSE(row_of(therapist, world_.e_c1).value("plan_review_due", true));

  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  EXPECT_EQ(row_of(therapist, world_.e_c1).value("plan_status", ""), "draft");
  ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);
  EXPECT_EQ(row_of(therapist, world_.e_c1).value("plan_status", ""), "proposed");
  ASSERT_EQ(client.Post(Version(1, "/accept"), Json::object()).status, 200u);
  const Json agreed = row_of(therapist, world_.e_c1);
  EXPECT_EQ(agreed.value("plan_status", ""), "agreed");
  EXPECT_FALSE(agreed.value("plan_review_due", true));
  EXPECT_EQ(row_of(therapist, world_.e_k1).value("plan_status", ""), "none");

  // 91 days on (past the clinic's default of 90), the agreed plan is due for review.
  world_.clock.Advance(std::chrono::hours(24 * 91));
  Browser later = SignedIn("t1@a.test");
  EXPECT_TRUE(row_of(later, world_.e_c1).value("plan_review_due", false));
  const Json review = later.Get(Plan()).json()["review"];
  EXPECT_TRUE(review.value("due", false)) << review.dump();
  EXPECT_FALSE(review.value("reason", "").empty()) << review.dump();
  // A review resets the clock.
  ASSERT_EQ(later.Post(Plan("/reviews"), {{"notes", "Reviewed at three months"}}).status, 201u);
  EXPECT_FALSE(row_of(later, world_.e_c1).value("plan_review_due", true));
}

TEST_F(PlanHttpTest, AGuardianSeesOnlyTheSharedSectionsAndSignsWhenAsked) {
  Browser therapist = SignedIn("t1@a.test");
  Json content = FirstContent();
  content["guardian"] = {
      {"problems", true}, {"goals", false}, {"homework", false}, {"ask_agreement", true}};
  ASSERT_EQ(therapist.Post(Plan("/versions", world_.e_k1), {{"content", content}}).status, 201u);
  ASSERT_EQ(therapist.Post(Plan("/versions/1/propose", world_.e_k1), Json::object()).status, 200u);

  Browser guardian = SignedIn("g1@a.test");
  HttpReply seen = guardian.Get(Plan("", world_.e_k1));
  ASSERT_EQ(seen.status, 200u) << seen.body;
  const Json overview = seen.json();
  EXPECT_TRUE(overview.value("guardian_view", false));
  EXPECT_FALSE(overview.value("may_edit", true));
  EXPECT_TRUE(overview.value("may_accept", false)) << "their agreement is asked for";
  EXPECT_EQ(overview.value("thought_records", -1), 0);
  const Json& current = overview["current"];
  EXPECT_TRUE(current.value("guardian_filtered", false)) << seen.body;
  EXPECT_EQ(current["content"]["problems"].size(), 2u);
  EXPECT_TRUE(current["content"]["goals"].empty()) << "goals are not shared";
  HttpReply records = guardian.Get(Plan("/thought-records", world_.e_k1));
  EXPECT_TRUE(records.status == 403u || records.status == 404u) << records.body;
  EXPECT_EQ(
      guardian.Call("PUT", Plan("/versions/1", world_.e_k1), Json{{"content", content}}).status,
      403u);
  // Another guardian sees nothing of this child.
  EXPECT_EQ(SignedIn("g2@a.test").Get(Plan("", world_.e_k1)).status, 404u);

  // The child accepts; the plan is agreed once the guardian has signed too.
  Browser child = SignedIn("k1@a.test");
  HttpReply by_child = child.Post(Plan("/versions/1/accept", world_.e_k1), Json::object());
  ASSERT_EQ(by_child.status, 200u) << by_child.body;
  EXPECT_EQ(by_child.json().value("status", ""), "proposed");
  HttpReply by_guardian = guardian.Post(Plan("/versions/1/accept", world_.e_k1), Json::object());
  ASSERT_EQ(by_guardian.status, 200u) << by_guardian.body;
  EXPECT_EQ(by_guardian.json().value("status", ""), "agreed");
  std::vector<std::string> roles;
  const Json signatures = therapist.Get(Plan("/versions/1", world_.e_k1)).json()["signatures"];
  for (const Json& sig : signatures) roles.push_back(sig.value("role", ""));
  std::sort(roles.begin(), roles.end());
  EXPECT_EQ(roles, (std::vector<std::string>{"client", "guardian", "therapist"}));

  // In FHIR the guardian's consent is a Provenance whose agent is a RelatedPerson.
  HttpReply provenance =
      therapist.Get("/fhir/Provenance?target=CarePlan/" + std::to_string(world_.e_k1) + "-1");
  ASSERT_EQ(provenance.status, 200u) << provenance.body;
  bool related = false;
  const Json entries = provenance.json()["entry"];
  for (const Json& e : entries) {
    if (e["resource"]["agent"][0]["who"].value("reference", "") ==
        "RelatedPerson/" + std::to_string(world_.g1)) {
      related = true;
      EXPECT_EQ(e["resource"].value("id", ""), std::to_string(world_.e_k1) + "-1-guardian");
    }
  }
  EXPECT_TRUE(related) << provenance.body;
}

TEST_F(PlanHttpTest, ClinicReviewSettingsAreReadAndChangedByTheAdmin) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply read = admin.Get("/api/v1/clinic/settings");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json().value("plan_review_sessions", 0), 6);
  EXPECT_EQ(read.json().value("plan_review_days", 0), 90);

  HttpReply changed = admin.Call("PUT", "/api/v1/clinic/settings",
                                 Json{{"plan_review_sessions", 4}, {"plan_review_days", 60}});
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(changed.json().value("plan_review_sessions", 0), 4);
  EXPECT_EQ(changed.json().value("plan_review_days", 0), 60);
  EXPECT_TRUE(changed.json().value("share_with_guardians", false)) << "left as it was";
  EXPECT_EQ(world_.store->GetClinic(world_.clinic_a)->settings.plan_review_sessions, 4);

  HttpReply bad = admin.Call("PUT", "/api/v1/clinic/settings",
                             Json{{"plan_review_sessions", 0}, {"plan_review_days", 731}});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(bad.NamesField("plan_review_sessions")) << bad.body;
  EXPECT_TRUE(bad.NamesField("plan_review_days")) << bad.body;
  EXPECT_EQ(world_.store->GetClinic(world_.clinic_a)->settings.plan_review_days, 60);

  // The age under which clients may have guardians without a recorded exception.
  EXPECT_EQ(read.json().value("age_of_majority", 0), 18);
  HttpReply majority = admin.Call("PUT", "/api/v1/clinic/settings", Json{{"age_of_majority", 16}});
  ASSERT_EQ(majority.status, 200u) << majority.body;
  EXPECT_EQ(majority.json().value("age_of_majority", 0), 16);
  HttpReply too_high = admin.Call("PUT", "/api/v1/clinic/settings", Json{{"age_of_majority", 30}});
  EXPECT_EQ(too_high.status, 400u);
  EXPECT_TRUE(too_high.NamesField("age_of_majority")) << too_high.body;
  EXPECT_EQ(world_.store->GetClinic(world_.clinic_a)->settings.age_of_majority, 16);

  Browser therapist = SignedIn("t1@a.test");
  EXPECT_EQ(therapist.Call("PUT", "/api/v1/clinic/settings", Json{{"plan_review_days", 30}}).status,
            403u);
  HttpReply clinic = therapist.Get("/api/v1/clinic");
  ASSERT_EQ(clinic.status, 200u);
  EXPECT_EQ(clinic.json().value("name", ""), "Clinic A");
  EXPECT_EQ(clinic.json()["settings"].value("plan_review_days", 0), 60);
}

TEST_F(PlanHttpTest, AFhirCarePlanSentBackStaysDraftUntilALaterVersionReplacesIt) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(therapist.Post(Plan("/versions"), {{"content", FirstContent()}}).status, 201u);
  ASSERT_EQ(therapist.Post(Version(1, "/propose"), Json::object()).status, 200u);
  ASSERT_EQ(client.Post(Version(1, "/request-changes"), {{"comment", "Not yet"}}).status, 200u);
  const std::string id1 = std::to_string(world_.e_c1) + "-1";
  HttpReply sent_back = therapist.Get("/fhir/CarePlan/" + id1);
  ASSERT_EQ(sent_back.status, 200u) << sent_back.body;
  EXPECT_EQ(sent_back.json().value("status", ""), "draft");

  ASSERT_EQ(therapist.Post(Plan("/versions"), Json::object()).status, 201u);
  HttpReply replaced = therapist.Get("/fhir/CarePlan/" + id1);
  ASSERT_EQ(replaced.status, 200u) << replaced.body;
  EXPECT_EQ(replaced.json().value("status", ""), "revoked");
  HttpReply revision = therapist.Get("/fhir/CarePlan/" + std::to_string(world_.e_c1) + "-2");
  ASSERT_EQ(revision.status, 200u) << revision.body;
  EXPECT_EQ(revision.json().value("status", ""), "draft");
}

TEST_F(PlanHttpTest, FhirCarePlansLinkTheVersionsAndProvenanceCarriesTheSignatures) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  AgreeFirstVersion(therapist, client);
  ASSERT_EQ(therapist.Post(Plan("/versions"), Json::object()).status, 201u);
  ASSERT_EQ(therapist.Post(Version(2, "/propose"), Json::object()).status, 200u);
  ASSERT_EQ(client.Post(Version(2, "/accept"), Json::object()).status, 200u);

  const std::string patient = "Patient/" + std::to_string(world_.c1);
  HttpReply plans = therapist.Get("/fhir/CarePlan?subject=" + patient);
  ASSERT_EQ(plans.status, 200u) << plans.body;
  EXPECT_EQ(plans.Header("content-type").rfind("application/fhir+json", 0), 0u);
  const Json bundle = plans.json();
  ASSERT_EQ(bundle.value("total", 0), 2) << plans.body;
  const std::string id1 = std::to_string(world_.e_c1) + "-1";
  const std::string id2 = std::to_string(world_.e_c1) + "-2";
  for (const Json& e : bundle["entry"]) {
    const Json& cp = e["resource"];
    if (cp.value("id", "") == id1) {
      EXPECT_EQ(cp.value("status", ""), "revoked");
      EXPECT_FALSE(cp.contains("replaces"));
    } else {
      EXPECT_EQ(cp.value("id", ""), id2);
      EXPECT_EQ(cp.value("status", ""), "active");
      EXPECT_EQ(cp["replaces"][0].value("reference", ""), "CarePlan/" + id1);
    }
    EXPECT_EQ(cp.value("intent", ""), "plan");
    EXPECT_EQ(cp["subject"].value("reference", ""), patient);
    EXPECT_EQ(cp["addresses"].size(), 2u);
  }
  HttpReply one = client.Get("/fhir/CarePlan/" + id2);
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.json().value("status", ""), "active");
  EXPECT_EQ(therapist.Get("/fhir/CarePlan/" + std::to_string(world_.e_c1) + "-9").status, 404u);

  HttpReply goals = therapist.Get("/fhir/Goal?subject=" + patient);
  ASSERT_EQ(goals.status, 200u) << goals.body;
  ASSERT_EQ(goals.json().value("total", 0), 1);
  const Json goal = goals.json()["entry"][0]["resource"];
  EXPECT_EQ(goal.value("lifecycleStatus", ""), "active");
  EXPECT_EQ(goal["priority"]["coding"][0].value("code", ""), "high-priority");
  EXPECT_EQ(goal["target"][0]["measure"]["coding"][0].value("code", ""), "44261-6");
  EXPECT_EQ(goal["target"][0]["detailQuantity"].value("comparator", ""), "<");

  HttpReply conditions = therapist.Get("/fhir/Condition?subject=" + patient);
  ASSERT_EQ(conditions.status, 200u) << conditions.body;
  EXPECT_EQ(conditions.json().value("total", 0), 2);

  HttpReply provenance = therapist.Get("/fhir/Provenance?target=CarePlan/" + id2);
  ASSERT_EQ(provenance.status, 200u) << provenance.body;
  ASSERT_EQ(provenance.json().value("total", 0), 2) << provenance.body;
  const Json signatures = provenance.json()["entry"];
  for (const Json& e : signatures) {
    const Json& p = e["resource"];
    EXPECT_EQ(p["target"][0].value("reference", ""), "CarePlan/" + id2);
    const std::string code = p["signature"][0]["type"][0].value("code", "");
    EXPECT_TRUE(code == "1.2.840.10065.1.12.1.1" || code == "1.2.840.10065.1.12.1.7") << code;
    EXPECT_EQ(p["signature"][0].value("data", "").size(), 44u) << "32 bytes in base64";
  }
  HttpReply by_patient = therapist.Get("/fhir/Provenance?patient=" + patient);
  ASSERT_EQ(by_patient.status, 200u);
  EXPECT_EQ(by_patient.json().value("total", 0), 4);

  Browser other = SignedIn("t2@a.test");
  HttpReply hidden = other.Get("/fhir/CarePlan/" + id2);
  EXPECT_EQ(hidden.status, 404u);
  EXPECT_EQ(hidden.json().value("resourceType", ""), "OperationOutcome");
}

}  // namespace
}  // namespace rapport::testing
