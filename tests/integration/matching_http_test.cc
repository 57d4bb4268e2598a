// Finding a therapist over HTTP: offers in the staff's and the client's views (a hidden identity
// attribute and the licence number never reach a client), preferences with bad bodies refused by
// field and nothing stored, matches without any outcome figure for a client, a first appointment
// asked for once, the outcome report as JSON and CSV for the admin only, and therapists as FHIR
// Practitioner and PractitionerRole. Real server on port 0, real SQLite store.

#include <string>
#include <vector>

#include "domain/matching.h"
#include "http_fixture.h"

namespace rapport::testing {
namespace {

Json TaraOffer() {
  TherapistOffer o;
  o.credentials = "Clinical psychologist";
  o.licence_number = "PYL-7731";
  o.jurisdiction = "GB";
  o.approaches = {"cbt"};
  o.focus_areas = {"anxiety"};
  o.languages = {"en", "es"};
  o.modalities = {Modality::kVideo};
  o.availability = {WeeklySlot{1, 17 * 60, 21 * 60}};
  o.payers = {"self-pay"};
  o.fees = "£80 a session";
  o.accepting_new_clients = true;
  o.identity.gender_identity = Described{"woman", true};
  o.identity.faith = Described{"Zoroastrian", false};
  o.about = "Warm and structured.";
  return OfferToJson(o);
}

Json NiaPreferences() {
  ClientPreferences p;
  p.needs.jurisdiction = "GB";
  p.needs.modalities = {Modality::kVideo};
  p.needs.languages = {"es"};
  p.needs.times = {WeeklySlot{1, 18 * 60, 21 * 60}};
  p.wishes.faith = Wish{"Zoroastrian", 2};
  p.wishes.focus_areas = {"anxiety"};
  p.wishes.focus_weight = 2;
  return PreferencesToJson(p);
}

class MatchingHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
    Browser tara = SignedIn("t1@a.test");
    HttpReply saved = tara.Put(Offer(world_.t1), TaraOffer());
    ASSERT_EQ(saved.status, 200u) << saved.body;
    // Nia has an account and no therapist yet.
    const Status written = world_.store->Write([&](WriteTxn& txn) -> Status {
      auto hash = HashPassword(kPassword, HashCost::kMinimal);
      RAPPORT_ASSIGN_OR_RETURN(
          nia_, txn.InsertUser(NewUser{world_.clinic_a, "nia@a.test", "Nia New", Role::kClient,
                                       *hash, world_.clock.Now(), true}));
      return txn.UpsertClientProfile(ClientProfile{nia_, "", "", ""});
    });
    ASSERT_TRUE(written.has_value());
  }

  static std::string Offer(UserId id) {
    return "/api/v1/therapists/" + std::to_string(id) + "/offer";
  }
  std::string Client(const std::string& what) const {
    return "/api/v1/clients/" + std::to_string(nia_) + "/" + what;
  }

  UserId nia_ = 0;
};

TEST_F(MatchingHttpTest, AClientSeesTheOfferWithoutTheLicenceNumberOrWhatTheTherapistKeptPrivate) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply staff = admin.Get(Offer(world_.t1));
  ASSERT_EQ(staff.status, 200u) << staff.body;
  EXPECT_EQ(staff.json()["licence_number"], "PYL-7731");
  EXPECT_NE(staff.body.find("Zoroastrian"), std::string::npos) << "staff see it, marked private";

  Browser nia = SignedIn("nia@a.test");
  HttpReply seen = nia.Get(Offer(world_.t1));
  ASSERT_EQ(seen.status, 200u) << seen.body;
  EXPECT_EQ(seen.body.find("PYL-7731"), std::string::npos);
  EXPECT_EQ(seen.body.find("Zoroastrian"), std::string::npos);
  EXPECT_EQ(seen.json()["identity"]["gender_identity"], "woman");
  EXPECT_EQ(seen.json()["licence_verified"], false);
  // The whole list in one answer, in the same two views.
  HttpReply all = nia.Get("/api/v1/therapists/offers");
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(all.body.find("PYL-7731"), std::string::npos);
  EXPECT_EQ(all.body.find("Zoroastrian"), std::string::npos);
  HttpReply all_staff = admin.Get("/api/v1/therapists/offers");
  ASSERT_EQ(all_staff.status, 200u);
  ASSERT_EQ(all_staff.json()["offers"].size(), 2u);  // Tara, and Theo with nothing written yet
  EXPECT_EQ(all_staff.json()["offers"][0]["licence_number"], "PYL-7731");

  // Even a client who wishes for exactly that faith finds it neither named nor counted.
  ASSERT_EQ(nia.Put(Client("preferences"), NiaPreferences()).status, 200u);
  HttpReply matches = nia.Get(Client("matches"));
  ASSERT_EQ(matches.status, 200u) << matches.body;
  ASSERT_EQ(matches.json()["matches"].size(), 1u);
  EXPECT_EQ(matches.body.find("Zoroastrian"), std::string::npos) << matches.body;
  EXPECT_EQ(matches.body.find("PYL-7731"), std::string::npos);
  const Json match = matches.json()["matches"][0];
  EXPECT_FALSE(match.contains("outcome")) << "no outcome figure ever reaches a client";
  EXPECT_LT(match["fit"].get<double>(), 1.0) << "the private faith did not count";
  bool speaks_spanish = false;
  for (const Json& r : match["reasons"]) speaks_spanish |= r["text"] == "speaks Spanish";
  EXPECT_TRUE(speaks_spanish) << match.dump();
  EXPECT_EQ(match["offer"]["display_name"], "Tara One");
}

TEST_F(MatchingHttpTest, BadPreferencesAreProblemsNamingTheFieldAndNothingIsStored) {
  Browser nia = SignedIn("nia@a.test");
  ASSERT_EQ(nia.Put(Client("preferences"), NiaPreferences()).status, 200u);
  const std::string before = nia.Get(Client("preferences")).body;
  Json bad_time = NiaPreferences();
  bad_time["needs"]["times"][0]["start"] = "25:00";
  Json bad_weight = NiaPreferences();
  bad_weight["wishes"]["gender"] = {{"value", "woman"}, {"weight", 3}};
  Json unknown = NiaPreferences();
  unknown["shoe_size"] = 9;
  const std::vector<std::pair<Json, std::string>> bad = {
      {bad_time, "needs/times/0/start"},
      {bad_weight, "wishes/gender/weight"},
      {unknown, "shoe_size"},
  };
  for (const auto& [body, field] : bad) {
    HttpReply reply = nia.Put(Client("preferences"), body);
    EXPECT_EQ(reply.status, 400u) << body.dump();
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
    EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{field})) << reply.body;
  }
  EXPECT_EQ(nia.Get(Client("preferences")).body, before);
  EXPECT_EQ(nia.Get(Client("matches?limit=0")).status, 400u);
}

TEST_F(MatchingHttpTest, AClientAsksForAFirstAppointmentOnce) {
  Browser nia = SignedIn("nia@a.test");
  ASSERT_EQ(nia.Put(Client("preferences"), NiaPreferences()).status, 200u);
  HttpReply asked = nia.Post(Client("first-appointment"),
                             {{"therapist_id", world_.t1}, {"note", "Evenings, please."}});
  ASSERT_EQ(asked.status, 201u) << asked.body;
  EXPECT_EQ(asked.json()["status"], "intake");
  HttpReply again = nia.Post(Client("first-appointment"), {{"therapist_id", world_.t1}});
  EXPECT_EQ(again.status, 409u) << again.body;

  ASSERT_EQ(nia.Put(Client("first-step"), {{"brings", "Worry."}, {"shared", true}}).status, 200u);
  Browser tara = SignedIn("t1@a.test");
  HttpReply step = tara.Get(Client("first-step"));
  ASSERT_EQ(step.status, 200u) << step.body;
  EXPECT_EQ(step.json()["brings"], "Worry.");
  EXPECT_EQ(tara.Get(Client("preferences")).status, 200u);
}

TEST_F(MatchingHttpTest, TheOutcomeReportIsTheAdminsAsJsonAndCsv) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply json = admin.Get("/api/v1/reports/outcomes");
  ASSERT_EQ(json.status, 200u) << json.body;
  EXPECT_EQ(json.json()["min_episodes"], 10);
  HttpReply csv = admin.Get("/api/v1/reports/outcomes?format=csv");
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("domain,therapist_id,therapist,ended,measured,", 0), 0u) << csv.body;
  EXPECT_EQ(admin.Get("/api/v1/reports/outcomes?format=xml").status, 400u);
  EXPECT_EQ(SignedIn("t1@a.test").Get("/api/v1/reports/outcomes").status, 403u);
  EXPECT_EQ(SignedIn("c1@a.test").Get("/api/v1/reports/outcomes?format=csv").status, 403u);
}

TEST_F(MatchingHttpTest, TherapistsAreFhirPractitionersWithTheirRoles) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply practitioner = admin.Get("/fhir/Practitioner/" + std::to_string(world_.t1));
  ASSERT_EQ(practitioner.status, 200u) << practitioner.body;
  EXPECT_EQ(practitioner.Header("content-type"), "application/fhir+json");
  EXPECT_EQ(practitioner.json()["resourceType"], "Practitioner");
  EXPECT_EQ(practitioner.json()["communication"][1]["coding"][0]["code"], "es");
  EXPECT_EQ(practitioner.json()["qualification"][0]["identifier"][0]["value"], "PYL-7731");
  EXPECT_EQ(practitioner.body.find("Zoroastrian"), std::string::npos);

  HttpReply roles =
      admin.Get("/fhir/PractitionerRole?practitioner=Practitioner/" + std::to_string(world_.t1));
  ASSERT_EQ(roles.status, 200u) << roles.body;
  const Json role = roles.json()["entry"][0]["resource"];
  EXPECT_EQ(role["resourceType"], "PractitionerRole");
  EXPECT_EQ(role["practitioner"]["reference"], "Practitioner/" + std::to_string(world_.t1));
  EXPECT_EQ(role["availableTime"][0]["daysOfWeek"][0], "tue");
  EXPECT_EQ(role["availableTime"][0]["availableStartTime"], "17:00:00");
  EXPECT_EQ(role["specialty"][0]["coding"][0]["code"], "anxiety");

  Browser client = SignedIn("c1@a.test");
  HttpReply for_client = client.Get("/fhir/Practitioner/" + std::to_string(world_.t1));
  ASSERT_EQ(for_client.status, 200u);
  EXPECT_EQ(for_client.body.find("PYL-7731"), std::string::npos);
  EXPECT_EQ(SignedIn("tb@b.test").Get("/fhir/Practitioner/" + std::to_string(world_.t1)).status,
            404u);
}

}  // namespace
}  // namespace rapport::testing
