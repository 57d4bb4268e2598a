#include "domain/matching.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/text.h"
#include "domain/escalation.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int kMonday = 0, kTuesday = 1, kWednesday = 2, kFriday = 4;

WeeklySlot Slot(int day, std::string_view start, std::string_view end) {
  return {day, ParseClockTime(start, "start").value(), ParseClockTime(end, "end", true).value()};
}

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

template <typename T>
std::vector<std::string> FieldsOf(const Result<T>& result) {
  return result ? std::vector<std::string>{} : Fields(result.error());
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A therapist who meets the hard needs of Client() below and nothing more.
TherapistOffer Offer(UserId id) {
  TherapistOffer offer;
  offer.therapist_id = id;
  offer.display_name = "Therapist " + std::to_string(id);
  offer.jurisdiction = "GB";
  offer.languages = {"en"};
  offer.modalities = {Modality::kVideo};
  offer.availability = {Slot(kTuesday, "17:00", "20:00")};
  offer.payers = {"self-pay"};
  return offer;
}

ClientPreferences Client() {
  ClientPreferences p;
  p.client_id = 7;
  p.needs.jurisdiction = "GB-ENG";
  return p;
}

MatchResult MatchAll(const ClientPreferences& p, const std::vector<TherapistOffer>& offers,
                     MatchOptions options = {}) {
  options.limit = 0;
  auto result = Match(p, offers, options);
  EXPECT_TRUE(result.has_value());
  return result ? *result : MatchResult{};
}

std::vector<UserId> Ids(const MatchResult& result) {
  std::vector<UserId> out;
  for (const auto& m : result.matches) out.push_back(m.therapist_id);
  return out;
}

std::vector<std::string> Texts(const RankedMatch& match) {
  std::vector<std::string> out;
  for (const auto& r : match.reasons) out.push_back(r.text);
  return out;
}

// --- Vocabulary and weekly times --------------------------------------------------------------

TEST(MatchingVocabulary, IdsAreUniqueAndEachHasAPlainName) {
  for (const auto terms : {Approaches(), FocusAreas(), AgeBands()}) {
    std::set<std::string_view> ids;
    for (const Term& t : terms) {
      EXPECT_TRUE(ids.insert(t.id).second) << t.id;
      EXPECT_FALSE(t.name.empty()) << t.id;
    }
  }
  EXPECT_GE(Approaches().size(), 12u);
  EXPECT_GE(FocusAreas().size(), 12u);
  EXPECT_EQ(AgeBands().size(), 5u);
}

TEST(MatchingVocabulary, LanguagesHaveEnglishNamesAndUnknownCodesShowAsThemselves) {
  EXPECT_EQ(LanguageName("es"), "Spanish");
  EXPECT_EQ(LanguageName("en"), "English");
  EXPECT_EQ(LanguageName("ur"), "Urdu");
  EXPECT_EQ(LanguageName("xq"), "xq");
}

TEST(WeeklySlot, DescribedByTheDayAndThePartOfTheDayItMostlyLiesIn) {
  EXPECT_EQ(DescribeSlot(Slot(kTuesday, "17:00", "20:00")), "Tuesday evening");
  EXPECT_EQ(DescribeSlot(Slot(kMonday, "09:00", "12:00")), "Monday morning");
  EXPECT_EQ(DescribeSlot(Slot(kFriday, "11:00", "15:00")), "Friday afternoon");
  EXPECT_EQ(DescribeSlot(Slot(6, "16:00", "24:00")), "Sunday evening");
}

TEST(WeeklySlot, OverlapsOnlyOnTheSameDayForAtLeastTheSessionsLength) {
  const WeeklySlot tuesday = Slot(kTuesday, "17:00", "20:00");
  EXPECT_TRUE(Overlaps(tuesday, Slot(kTuesday, "19:00", "21:00"), 60));
  EXPECT_FALSE(Overlaps(tuesday, Slot(kTuesday, "19:00", "21:00"), 61));
  EXPECT_FALSE(Overlaps(tuesday, Slot(kWednesday, "17:00", "20:00"), 50));
  // Touching is not sharing, even when no length is asked for.
  EXPECT_FALSE(Overlaps(tuesday, Slot(kTuesday, "20:00", "21:00"), 0));
  EXPECT_TRUE(Overlaps(Slot(kTuesday, "18:00", "18:50"), tuesday, 50));
}

// --- Hard needs -------------------------------------------------------------------------------

TEST(FailedNeeds, NoneWhenTheClientAsksOnlyWhereTheyLive) {
  EXPECT_THAT(FailedNeeds(Client(), Offer(1)), IsEmpty());
}

TEST(FailedNeeds, ACountryLicenceCoversItsPartsButAPartCoversOnlyItself) {
  TherapistOffer offer = Offer(1);
  ClientPreferences p = Client();
  const auto covers = [&](std::string therapist, std::string client) {
    offer.jurisdiction = std::move(therapist);
    p.needs.jurisdiction = std::move(client);
    return FailedNeeds(p, offer).empty();
  };
  EXPECT_TRUE(covers("GB", "GB"));
  EXPECT_TRUE(covers("GB", "GB-SCT"));
  EXPECT_TRUE(covers("US-CA", "US-CA"));
  EXPECT_TRUE(covers("US", "US-CA"));
  EXPECT_FALSE(covers("GB-ENG", "GB"));
  EXPECT_FALSE(covers("GB-ENG", "GB-SCT"));
  EXPECT_FALSE(covers("US-CA", "US-NY"));
  EXPECT_FALSE(covers("IE", "GB"));
  EXPECT_FALSE(covers("", "GB"));
  EXPECT_FALSE(covers("G", "GB-ENG"));
}

TEST(FailedNeeds, NamesEachHardNeedTheOfferDoesNotMeet) {
  ClientPreferences p = Client();
  p.needs.payer = "BUPA";
  p.needs.modalities = {Modality::kInPerson, Modality::kPhone};
  p.needs.languages = {"es", "pl"};
  p.needs.times = {Slot(kTuesday, "18:00", "21:00")};
  p.session_minutes = 50;
  TherapistOffer offer = Offer(1);
  offer.accepting_new_clients = false;
  offer.jurisdiction = "IE";
  EXPECT_THAT(FailedNeeds(p, offer),
              ElementsAre(HardNeed::kAccepting, HardNeed::kJurisdiction, HardNeed::kPayer,
                          HardNeed::kModality, HardNeed::kLanguage));
  offer = Offer(1);
  offer.payers = {"self-pay", "Bupa"};
  offer.modalities = {Modality::kPhone};
  offer.languages = {"pl", "en"};
  EXPECT_THAT(FailedNeeds(p, offer), IsEmpty());
  // Forty minutes of Tuesday evening is not a fifty-minute session.
  offer.availability = {Slot(kTuesday, "16:00", "18:40")};
  EXPECT_THAT(FailedNeeds(p, offer), ElementsAre(HardNeed::kTimes));
  offer.availability.clear();
  EXPECT_THAT(FailedNeeds(p, offer), ElementsAre(HardNeed::kTimes));
}

TEST(FailedNeeds, NeverReadsIdentity) {
  ClientPreferences p = Client();
  p.wishes.gender = {"woman", 2};
  p.wishes.faith = {"Muslim", 2};
  p.wishes.lgbtq_affirming = 2;
  TherapistOffer offer = Offer(1);
  offer.identity.gender_identity = {"man", true};
  offer.identity.faith = {"hidden", false};
  offer.identity.lgbtq_affirming = false;
  offer.identity.lgbtq_affirming_shown = true;
  EXPECT_THAT(FailedNeeds(p, offer), IsEmpty());
  EXPECT_THAT(Ids(MatchAll(p, {offer})), ElementsAre(1));
}

// --- Ranking and reasons ----------------------------------------------------------------------

TEST(Match, RefusesToMatchUntilTheClientSaysWhereTheyLive) {
  ClientPreferences p = Client();
  p.needs.jurisdiction = "  ";
  const std::vector<TherapistOffer> offers = {Offer(1)};
  auto result = Match(p, offers, {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(Fields(result.error()), ElementsAre("jurisdiction"));
}

TEST(Match, GivesEachReasonInPlainWordsFromTheSharedFact) {
  ClientPreferences p = Client();
  p.needs.languages = {"es"};
  p.needs.modalities = {Modality::kVideo, Modality::kText};
  p.needs.times = {Slot(kTuesday, "18:00", "21:00"), Slot(kFriday, "09:00", "12:00")};
  p.needs.payer = "bupa";
  p.wishes.focus_areas = {"anxiety", "grief"};
  p.wishes.focus_weight = 2;
  p.wishes.approach = {"cbt", 1};
  p.wishes.gender = {"Woman", 2};
  p.wishes.age_band = {"40s", 1};
  p.wishes.faith = {"muslim", 1};
  p.wishes.lgbtq_affirming = 1;
  p.structure = Structure::kStructured;
  TherapistOffer offer = Offer(3);
  offer.languages = {"en", "es"};
  offer.modalities = {Modality::kInPerson, Modality::kVideo};
  offer.availability = {Slot(kMonday, "09:00", "12:00"), Slot(kTuesday, "17:00", "20:00"),
                        Slot(kFriday, "08:00", "11:00")};
  offer.payers = {"self-pay", "Bupa"};
  offer.focus_areas = {"depression", "anxiety"};
  offer.approaches = {"cbt", "act"};
  offer.identity.gender_identity = {"woman", true};
  offer.identity.age_band = {"40s", true};
  offer.identity.faith = {"Muslim", false};  // not shown: never counts
  offer.identity.lgbtq_affirming = true;
  offer.identity.lgbtq_affirming_shown = true;
  offer.structure = Structure::kStructured;

  const MatchResult result = MatchAll(p, {offer});
  ASSERT_THAT(Ids(result), ElementsAre(3));
  const RankedMatch& m = result.matches[0];
  EXPECT_THAT(
      Texts(m),
      ElementsAre("speaks Spanish", "offers video sessions", "has Tuesday evening times",
                  "has Friday morning times", "takes Bupa", "works with anxiety",
                  "offers cognitive behavioural therapy (CBT)", "describes themself as: woman",
                  "is in their 40s", "is LGBTQ+ affirming", "works in a structured way"));
  EXPECT_EQ(m.reasons[2].kind, MatchReason::Kind::kTimes);
  EXPECT_EQ(m.reasons[2].value, "1:17:00-20:00");
  EXPECT_EQ(m.reasons[4].value, "Bupa");
  EXPECT_THAT(m.unmet, ElementsAre("does not match your wish about faith"));
  // Asked 2 + 1 + 2 + 1 + 1 + 1 = 8; all but faith's 1 met.
  EXPECT_DOUBLE_EQ(m.fit, 7.0 / 8);
  EXPECT_DOUBLE_EQ(m.style, 1);
  EXPECT_DOUBLE_EQ(m.score, 0.8 * 7.0 / 8 + 0.2);
}

TEST(Match, SelfPayReadsAsAnOfferAndOpenNeedsGiveNoReason) {
  ClientPreferences p = Client();
  p.needs.payer = "Self-Pay";
  const MatchResult result = MatchAll(p, {Offer(1)});
  ASSERT_EQ(result.matches.size(), 1u);
  EXPECT_THAT(Texts(result.matches[0]), ElementsAre("offers self-pay sessions"));
  EXPECT_DOUBLE_EQ(result.matches[0].fit, 1);
  EXPECT_THAT(result.matches[0].unmet, IsEmpty());
}

TEST(Match, AWishNotMetIsSaidPlainlyWithoutTheTherapistsOwnWords) {
  ClientPreferences p = Client();
  p.wishes.focus_areas = {"grief", "ocd"};
  p.wishes.focus_weight = 1;
  p.wishes.approach = {"act", 2};
  p.wishes.gender = {"man", 1};
  p.wishes.cultural_background = {"Irish", 1};
  TherapistOffer offer = Offer(1);
  offer.identity.gender_identity = {"non-binary", true};
  offer.identity.cultural_background = {"Irish", false};
  const MatchResult result = MatchAll(p, {offer});
  ASSERT_EQ(result.matches.size(), 1u);
  EXPECT_THAT(result.matches[0].unmet,
              ElementsAre("not listed as working with grief and loss or OCD",
                          "does not offer acceptance and commitment therapy (ACT)",
                          "does not match your wish about gender",
                          "does not match your wish about cultural background"));
  EXPECT_DOUBLE_EQ(result.matches[0].fit, 0);
  for (const auto& text : result.matches[0].unmet) {
    EXPECT_EQ(text.find("non-binary"), std::string::npos);
  }
}

TEST(Match, AHiddenAttributeNeverCountsEvenWhenItWouldMatch) {
  ClientPreferences p = Client();
  p.wishes.gender = {"woman", 2};
  TherapistOffer shown = Offer(1);
  shown.identity.gender_identity = {"Woman ", true};
  TherapistOffer hidden = Offer(2);
  hidden.identity.gender_identity = {"woman", false};
  const MatchResult result = MatchAll(p, {hidden, shown});
  ASSERT_THAT(Ids(result), ElementsAre(1, 2));
  EXPECT_DOUBLE_EQ(result.matches[0].fit, 1);
  EXPECT_DOUBLE_EQ(result.matches[1].fit, 0);
  EXPECT_THAT(result.matches[1].reasons, IsEmpty());
}

TEST(Match, AStyleStatedIsMetFullyByTheSameAndHalfByEither) {
  ClientPreferences p = Client();
  p.structure = Structure::kOpen;
  p.direction = Directiveness::kSelfLed;
  TherapistOffer same = Offer(1);
  same.structure = Structure::kOpen;
  same.direction = Directiveness::kSelfLed;
  TherapistOffer either = Offer(2);
  TherapistOffer other = Offer(3);
  other.structure = Structure::kStructured;
  other.direction = Directiveness::kEither;
  const MatchResult result = MatchAll(p, {other, either, same});
  ASSERT_THAT(Ids(result), ElementsAre(1, 2, 3));
  EXPECT_DOUBLE_EQ(result.matches[0].style, 1);
  EXPECT_THAT(Texts(result.matches[0]), ElementsAre("works in an open way", "follows your lead"));
  EXPECT_DOUBLE_EQ(result.matches[1].style, 0.5);
  EXPECT_THAT(result.matches[1].reasons, IsEmpty());
  EXPECT_DOUBLE_EQ(result.matches[2].style, 0.25);
  // A client open to either way is fully met by anyone.
  EXPECT_DOUBLE_EQ(MatchAll(Client(), {other}).matches[0].style, 1);
}

TEST(Match, TiesGoToTheLowerIdAndTheLimitKeepsTheBest) {
  ClientPreferences p = Client();
  p.wishes.approach = {"emdr", 1};
  std::vector<TherapistOffer> offers = {Offer(5), Offer(4), Offer(3), Offer(2), Offer(1)};
  offers[1].approaches = {"emdr"};
  EXPECT_THAT(Ids(MatchAll(p, offers)), ElementsAre(4, 1, 2, 3, 5));
  auto limited = Match(p, offers, {.limit = 2});
  ASSERT_TRUE(limited.has_value());
  EXPECT_THAT(Ids(*limited), ElementsAre(4, 1));
  EXPECT_EQ(limited->considered, 5);
}

TEST(Match, SaysWhichNeedAloneLeftEveryoneOut) {
  ClientPreferences p = Client();
  p.needs.payer = "Bupa";
  p.needs.languages = {"es"};
  p.needs.times = {Slot(kTuesday, "18:00", "20:00")};
  const auto passing = [](UserId id) {
    TherapistOffer o = Offer(id);
    o.payers = {"Bupa"};
    o.languages = {"es"};
    return o;
  };
  std::vector<TherapistOffer> offers;
  offers.push_back(passing(1));  // times only
  offers.back().availability = {Slot(kWednesday, "17:00", "20:00")};
  offers.push_back(passing(2));  // language and times
  offers.back().languages = {"en"};
  offers.back().availability = {Slot(kWednesday, "17:00", "20:00")};
  offers.push_back(passing(3));  // payer only
  offers.back().payers = {"AXA Health"};
  offers.push_back(passing(4));  // not accepting, and licensed elsewhere
  offers.back().accepting_new_clients = false;
  offers.back().jurisdiction = "US";

  MatchResult result = MatchAll(p, offers);
  EXPECT_THAT(result.matches, IsEmpty());
  EXPECT_EQ(result.considered, 4);
  EXPECT_THAT(result.left_out_by,
              UnorderedElementsAre(Pair(HardNeed::kAccepting, 1), Pair(HardNeed::kJurisdiction, 1),
                                   Pair(HardNeed::kPayer, 1), Pair(HardNeed::kLanguage, 1),
                                   Pair(HardNeed::kTimes, 2)));
  EXPECT_THAT(result.blocking, ElementsAre(HardNeed::kPayer, HardNeed::kTimes));
  const Json json = MatchResultToJson(result);
  EXPECT_EQ(json["left_out_by"]["times"], 2);
  EXPECT_EQ(json["blocking"], Json::array({"payer", "times"}));
  EXPECT_EQ(json["considered"], 4);

  // Once someone passes there is nothing to relax.
  offers.push_back(passing(5));
  result = MatchAll(p, offers);
  EXPECT_THAT(Ids(result), ElementsAre(5));
  EXPECT_EQ(result.left_out_by.at(HardNeed::kTimes), 2);
  EXPECT_THAT(result.blocking, IsEmpty());
}

TEST(Match, ResultJsonCarriesScoresReasonsAndUnmetWishes) {
  ClientPreferences p = Client();
  p.needs.languages = {"en"};
  p.wishes.approach = {"dbt", 1};
  const Json json = MatchResultToJson(MatchAll(p, {Offer(3)}));
  ASSERT_EQ(json["matches"].size(), 1u);
  const Json& m = json["matches"][0];
  EXPECT_EQ(m["therapist_id"], 3);
  EXPECT_EQ(m["fit"], 0.0);
  EXPECT_EQ(m["style"], 1.0);
  EXPECT_EQ(m["outcome"], 0.0);
  EXPECT_DOUBLE_EQ(m["score"].get<double>(), 0.2);
  EXPECT_EQ(m["reasons"],
            Json::parse(R"([{"kind": "language", "value": "en", "text": "speaks English"}])"));
  EXPECT_EQ(m["unmet"], Json::array({"does not offer dialectical behaviour therapy (DBT)"}));
  EXPECT_EQ(json["left_out_by"], Json::object());
  EXPECT_EQ(json["blocking"], Json::array());
}

// --- The outcome term -------------------------------------------------------------------------

OutcomeSignal Signal(double z) {
  return {.estimate = 0.5 + 0.05 * z, .standard_error = 0.05, .clinic_rate = 0.5};
}

TEST(OutcomeTerm, IgnoredUnlessTheClinicTurnsItOn) {
  ClientPreferences p = Client();
  p.wishes.focus_areas = {"anxiety"};
  const OutcomeSignals signals = {{{2, "anxiety"}, Signal(3)}};
  const std::vector<TherapistOffer> offers = {Offer(1), Offer(2)};
  const MatchResult off = MatchAll(p, offers, {.use_outcomes = false, .signals = &signals});
  EXPECT_THAT(Ids(off), ElementsAre(1, 2));
  for (const auto& m : off.matches) EXPECT_EQ(m.outcome, 0);
  const MatchResult on = MatchAll(p, offers, {.use_outcomes = true, .signals = &signals});
  EXPECT_THAT(Ids(on), ElementsAre(2, 1));
  EXPECT_DOUBLE_EQ(on.matches[0].outcome, kMaxOutcomeTerm);
  EXPECT_EQ(on.matches[1].outcome, 0);  // no signal, no lean either way
}

TEST(OutcomeTerm, IsCappedAndScalesWithTheMeanDistanceInStandardErrors) {
  ClientPreferences p = Client();
  p.wishes.focus_areas = {"anxiety", "depression"};
  const std::vector<TherapistOffer> offers = {Offer(1), Offer(2), Offer(3), Offer(4)};
  const OutcomeSignals signals = {
      {{1, "anxiety"}, Signal(9)},       {{1, "depression"}, Signal(7)},
      {{2, "anxiety"}, Signal(-50)},     {{3, "anxiety"}, Signal(1.5)},
      {{3, "depression"}, Signal(0.5)},  {{3, "trauma"}, Signal(-40)},
      {{4, "anxiety"}, {0.9, 0.0, 0.5}},  // no uncertainty to measure by: left out
  };
  const MatchResult result = MatchAll(p, offers, {.use_outcomes = true, .signals = &signals});
  std::map<UserId, double> outcome;
  for (const auto& m : result.matches) {
    outcome[m.therapist_id] = m.outcome;
    EXPECT_LE(std::abs(m.outcome), kMaxOutcomeTerm);
  }
  EXPECT_DOUBLE_EQ(outcome[1], kMaxOutcomeTerm);
  EXPECT_DOUBLE_EQ(outcome[2], -kMaxOutcomeTerm);
  // Mean of 1.5 and 0.5 standard errors; the trauma figure is not one of the client's areas.
  EXPECT_NEAR(outcome[3], 1.0 / 2 * kMaxOutcomeTerm, 1e-12);
  EXPECT_EQ(outcome[4], 0);
}

TEST(OutcomeTerm, OrdersEqualFitsButNeverOverturnsAWishThatMattersALot) {
  ClientPreferences p = Client();
  p.wishes.focus_areas = {"anxiety"};
  p.wishes.focus_weight = 2;
  p.wishes.approach = {"cbt", 2};
  TherapistOffer both = Offer(1);
  both.focus_areas = {"anxiety"};
  both.approaches = {"cbt"};
  TherapistOffer one = Offer(2);
  one.focus_areas = {"anxiety"};
  TherapistOffer also_one = Offer(3);
  also_one.focus_areas = {"anxiety"};
  const OutcomeSignals signals = {
      {{1, "anxiety"}, Signal(-10)}, {{2, "anxiety"}, Signal(0.2)}, {{3, "anxiety"}, Signal(10)}};
  const MatchResult result =
      MatchAll(p, {both, one, also_one}, {.use_outcomes = true, .signals = &signals});
  ASSERT_THAT(Ids(result), ElementsAre(1, 3, 2));
  EXPECT_DOUBLE_EQ(result.matches[0].fit, 1);
  EXPECT_DOUBLE_EQ(result.matches[1].fit, 0.5);
  EXPECT_DOUBLE_EQ(result.matches[2].fit, 0.5);
  EXPECT_DOUBLE_EQ(result.matches[0].score, 0.8 + 0.2 - kMaxOutcomeTerm);
}

// --- Generated clients: every reason is a fact and nothing is lost ----------------------------

class Generator {
 public:
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  T Pick(const std::vector<T>& pool) {
    return pool[static_cast<std::size_t>(Int(0, static_cast<int>(pool.size()) - 1))];
  }
  template <typename T>
  std::vector<T> Some(const std::vector<T>& pool, double p) {
    std::vector<T> out;
    for (const T& item : pool) {
      if (Chance(p)) out.push_back(item);
    }
    std::shuffle(out.begin(), out.end(), rng_);
    return out;
  }
  std::vector<std::string> SomeTerms(std::span<const Term> terms, double p) {
    std::vector<std::string> ids;
    for (const Term& t : terms) ids.emplace_back(t.id);
    return Some(ids, p);
  }
  std::vector<WeeklySlot> Slots(int most) {
    std::vector<WeeklySlot> out(static_cast<std::size_t>(Int(0, most)));
    for (WeeklySlot& s : out) {
      s.day = Int(0, 6);
      s.start_minute = 7 * 60 + 30 * Int(0, 26);
      s.end_minute = std::min(s.start_minute + 30 * Int(1, 8), 24 * 60);
    }
    return out;
  }
  // Any case, as people type names.
  std::string Cased(std::string text) {
    if (Chance(0.3)) return Lower(text);
    if (Chance(0.3)) {
      for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
  }

 private:
  std::mt19937 rng_{20261130};
};

const std::vector<std::string> kJurisdictions = {"GB", "GB-ENG", "GB-SCT", "US", "US-CA", "IE"};
const std::vector<std::string> kLanguages = {"en", "es", "fr", "pl", "ur", "ar"};
const std::vector<std::string> kPayers = {"self-pay", "Bupa", "AXA Health", "Vitality"};
const std::vector<Modality> kAllModalities = {Modality::kInPerson, Modality::kVideo,
                                              Modality::kPhone, Modality::kText};
const std::vector<std::string> kGenders = {"woman", "man", "non-binary"};
const std::vector<std::string> kCultures = {"British Pakistani", "Irish", "Nigerian"};
const std::vector<std::string> kFaiths = {"Muslim", "Christian", "Jewish"};
const std::vector<std::string> kBands = {"20s", "30s", "40s", "50s", "60s-plus"};

// A hidden attribute is either a word a client might wish for (which must then not count) or
// a marker that must never appear in anything the client reads.
Described Describe(Generator& g, const std::vector<std::string>& pool, std::string_view what,
                   UserId id) {
  Described d;
  d.shown = g.Chance(0.6);
  if (g.Chance(0.1)) return d;  // not described
  d.value = (d.shown || g.Chance(0.5)) ? g.Pick(pool) : fmt::format("hidden-{}-{}", what, id);
  return d;
}

TherapistOffer RandomOffer(Generator& g, UserId id) {
  TherapistOffer o;
  o.therapist_id = id;
  o.accepting_new_clients = g.Chance(0.9);
  o.jurisdiction = g.Pick(kJurisdictions);
  o.approaches = g.SomeTerms(Approaches(), 0.25);
  o.focus_areas = g.SomeTerms(FocusAreas(), 0.3);
  o.languages = g.Some(kLanguages, 0.4);
  o.modalities = g.Some(kAllModalities, 0.6);
  o.availability = g.Slots(4);
  for (const auto& payer : g.Some(kPayers, 0.5)) o.payers.push_back(g.Cased(payer));
  o.structure = static_cast<Structure>(g.Int(0, 2));
  o.direction = static_cast<Directiveness>(g.Int(0, 2));
  o.identity.gender_identity = Describe(g, kGenders, "gender", id);
  o.identity.age_band = Describe(g, kBands, "age", id);
  if (!o.identity.age_band.shown && !o.identity.age_band.value.empty()) {
    o.identity.age_band.value = g.Pick(kBands);  // age bands come from the vocabulary only
  }
  o.identity.cultural_background = Describe(g, kCultures, "culture", id);
  o.identity.faith = Describe(g, kFaiths, "faith", id);
  if (g.Chance(0.8)) o.identity.lgbtq_affirming = g.Chance(0.6);
  o.identity.lgbtq_affirming_shown = g.Chance(0.6);
  auto valid = ValidateOffer(o);
  EXPECT_TRUE(valid.has_value()) << (valid ? "" : valid.error().message);
  return valid ? *valid : o;
}

Wish RandomWish(Generator& g, const std::vector<std::string>& pool) {
  if (g.Chance(0.4)) return {};
  return {g.Cased(g.Pick(pool)), g.Int(0, 2)};
}

ClientPreferences RandomClient(Generator& g) {
  ClientPreferences p;
  p.needs.jurisdiction = g.Pick(kJurisdictions);
  if (g.Chance(0.5)) p.needs.payer = g.Cased(g.Pick(kPayers));
  p.needs.modalities = g.Some(kAllModalities, 0.3);
  p.needs.languages = g.Some(kLanguages, 0.2);
  p.needs.times = g.Slots(3);
  p.session_minutes = g.Pick(std::vector<int>{30, 50, 60, 90});
  p.wishes.gender = RandomWish(g, kGenders);
  p.wishes.age_band = RandomWish(g, kBands);
  p.wishes.age_band.value = Lower(p.wishes.age_band.value);
  p.wishes.cultural_background = RandomWish(g, kCultures);
  p.wishes.faith = RandomWish(g, kFaiths);
  p.wishes.lgbtq_affirming = g.Int(0, 2);
  std::vector<std::string> approaches;
  for (const Term& t : Approaches()) approaches.emplace_back(t.id);
  p.wishes.approach = RandomWish(g, approaches);
  p.wishes.approach.value = Lower(p.wishes.approach.value);
  p.wishes.focus_areas = g.SomeTerms(FocusAreas(), 0.15);
  p.wishes.focus_weight = p.wishes.focus_areas.empty() ? 0 : g.Int(0, 2);
  p.structure = static_cast<Structure>(g.Int(0, 2));
  p.direction = static_cast<Directiveness>(g.Int(0, 2));
  auto valid = ValidatePreferences(p);
  EXPECT_TRUE(valid.has_value()) << (valid ? "" : valid.error().message);
  return valid ? *valid : p;
}

bool SameWords(std::string_view a, std::string_view b) {
  return Lower(Trim(a)) == Lower(Trim(b));
}

template <typename T>
bool Has(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// "1:17:00-20:00" -> the slot it names.
std::optional<WeeklySlot> SlotFromValue(std::string_view value) {
  const auto colon = value.find(':');
  const auto dash = value.find('-');
  if (colon != 1 || dash == std::string_view::npos) return std::nullopt;
  auto start = ParseClockTime(value.substr(2, dash - 2), "start");
  auto end = ParseClockTime(value.substr(dash + 1), "end", true);
  if (!start || !end) return std::nullopt;
  return WeeklySlot{value[0] - '0', *start, *end};
}

// Whether `reason` states a fact true of both the client's preferences and the offer.
::testing::AssertionResult IsTrueOfBoth(const MatchReason& reason, const ClientPreferences& p,
                                        const TherapistOffer& o) {
  using Kind = MatchReason::Kind;
  const auto shown_and_same = [&](const Described& d, const Wish& wish) {
    return d.shown && d.value == reason.value && wish.weight > 0 && SameWords(d.value, wish.value);
  };
  bool ok = false;
  switch (reason.kind) {
    case Kind::kLanguage:
      ok = Has(p.needs.languages, reason.value) && Has(o.languages, reason.value) &&
           reason.text == "speaks " + LanguageName(reason.value);
      break;
    case Kind::kModality: {
      auto m = ParseModality(reason.value);
      ok = m && Has(p.needs.modalities, *m) && Has(o.modalities, *m);
      break;
    }
    case Kind::kTimes: {
      const auto slot = SlotFromValue(reason.value);
      ok =
          slot && Has(o.availability, *slot) &&
          std::any_of(p.needs.times.begin(), p.needs.times.end(),
                      [&](const WeeklySlot& c) { return Overlaps(*slot, c, p.session_minutes); }) &&
          reason.text == "has " + DescribeSlot(*slot) + " times";
      break;
    }
    case Kind::kPayer:
      ok = SameWords(reason.value, p.needs.payer) && Has(o.payers, reason.value);
      break;
    case Kind::kFocus:
      ok = p.wishes.focus_weight > 0 && Has(p.wishes.focus_areas, reason.value) &&
           Has(o.focus_areas, reason.value);
      break;
    case Kind::kApproach:
      ok = p.wishes.approach.weight > 0 && p.wishes.approach.value == reason.value &&
           Has(o.approaches, reason.value);
      break;
    case Kind::kGender: ok = shown_and_same(o.identity.gender_identity, p.wishes.gender); break;
    case Kind::kAgeBand: ok = shown_and_same(o.identity.age_band, p.wishes.age_band); break;
    case Kind::kCulture:
      ok = shown_and_same(o.identity.cultural_background, p.wishes.cultural_background);
      break;
    case Kind::kFaith: ok = shown_and_same(o.identity.faith, p.wishes.faith); break;
    case Kind::kAffirming:
      ok = reason.value == "yes" && p.wishes.lgbtq_affirming > 0 &&
           o.identity.lgbtq_affirming_shown && o.identity.lgbtq_affirming == true;
      break;
    case Kind::kStructure:
      ok = p.structure != Structure::kEither && reason.value == ToString(p.structure) &&
           reason.value == ToString(o.structure);
      break;
    case Kind::kDirection:
      ok = p.direction != Directiveness::kEither && reason.value == ToString(p.direction) &&
           reason.value == ToString(o.direction);
      break;
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ToString(reason.kind) << " " << reason.value << " ("
                                       << reason.text << ") for therapist " << o.therapist_id;
}

// The weight each wish the client asked for carries, and whether a reason says it was met:
// the fit must be exactly what the reasons account for.
double FitFromReasons(const ClientPreferences& p, const RankedMatch& m, std::size_t& unmet) {
  using Kind = MatchReason::Kind;
  const auto has = [&](Kind kind) {
    return std::any_of(m.reasons.begin(), m.reasons.end(),
                       [&](const MatchReason& r) { return r.kind == kind; });
  };
  int asked = 0, met = 0;
  unmet = 0;
  const auto count = [&](int weight, bool is_asked, Kind kind) {
    if (weight <= 0 || !is_asked) return;
    asked += weight;
    if (has(kind)) {
      met += weight;
    } else {
      ++unmet;
    }
  };
  const Wishes& w = p.wishes;
  count(w.focus_weight, !w.focus_areas.empty(), Kind::kFocus);
  count(w.approach.weight, !w.approach.value.empty(), Kind::kApproach);
  count(w.gender.weight, !w.gender.value.empty(), Kind::kGender);
  count(w.age_band.weight, !w.age_band.value.empty(), Kind::kAgeBand);
  count(w.cultural_background.weight, !w.cultural_background.value.empty(), Kind::kCulture);
  count(w.faith.weight, !w.faith.value.empty(), Kind::kFaith);
  count(w.lgbtq_affirming, true, Kind::kAffirming);
  return asked == 0 ? 1.0 : static_cast<double>(met) / asked;
}

std::set<UserId> IdSet(const MatchResult& result) {
  const auto ids = Ids(result);
  return {ids.begin(), ids.end()};
}

TEST(MatchProperties, ForThousandsOfGeneratedClientsEveryReasonIsAFactAndNothingIsLost) {
  Generator g;
  std::vector<TherapistOffer> offers;
  for (UserId id = 1; id <= 200; ++id) offers.push_back(RandomOffer(g, id));
  std::map<UserId, const TherapistOffer*> by_id;
  for (const auto& o : offers) by_id[o.therapist_id] = &o;

  // The same therapists with every identity attribute turned about: shown ones hidden, hidden
  // ones shown, affirming reversed.
  std::vector<TherapistOffer> flipped = offers;
  for (auto& o : flipped) {
    for (Described* d : {&o.identity.gender_identity, &o.identity.age_band,
                         &o.identity.cultural_background, &o.identity.faith}) {
      d->shown = !d->shown;
    }
    o.identity.lgbtq_affirming = !o.identity.lgbtq_affirming.value_or(false);
    o.identity.lgbtq_affirming_shown = !o.identity.lgbtq_affirming_shown;
  }

  std::size_t matched_clients = 0, reasons_checked = 0, hidden_equal_to_wish = 0;
  std::map<MatchReason::Kind, int> kinds;
  for (int client = 0; client < 2000; ++client) {
    const ClientPreferences p = RandomClient(g);
    const MatchResult result = MatchAll(p, offers);
    SCOPED_TRACE(PreferencesToJson(p).dump());

    // (1) Exactly the therapists who meet every hard need, each once.
    std::set<UserId> passing;
    std::map<HardNeed, int> left_out_by;
    for (const auto& o : offers) {
      const auto failed = FailedNeeds(p, o);
      if (failed.empty()) passing.insert(o.therapist_id);
      for (const HardNeed need : failed) ++left_out_by[need];
    }
    ASSERT_EQ(result.matches.size(), passing.size());
    ASSERT_EQ(IdSet(result), passing);
    EXPECT_EQ(result.left_out_by, left_out_by);
    EXPECT_EQ(result.considered, 200);
    if (!result.matches.empty()) {
      ++matched_clients;
      EXPECT_THAT(result.blocking, IsEmpty());
    }

    for (std::size_t i = 0; i < result.matches.size(); ++i) {
      const RankedMatch& m = result.matches[i];
      const TherapistOffer& o = *by_id.at(m.therapist_id);
      // (2) Every reason is true of both sides, and the fit is what the reasons account for.
      for (const MatchReason& r : m.reasons) {
        EXPECT_TRUE(IsTrueOfBoth(r, p, o));
        ++reasons_checked;
        ++kinds[r.kind];
      }
      for (const auto& [d, wish] : {std::pair{&o.identity.gender_identity, &p.wishes.gender},
                                    std::pair{&o.identity.faith, &p.wishes.faith}}) {
        if (!d->shown && wish->weight > 0 && SameWords(d->value, wish->value)) {
          ++hidden_equal_to_wish;
        }
      }
      const auto times = std::count_if(m.reasons.begin(), m.reasons.end(), [](const auto& r) {
        return r.kind == MatchReason::Kind::kTimes;
      });
      EXPECT_LE(times, 2);
      EXPECT_EQ(times > 0, !p.needs.times.empty());
      std::size_t unmet = 0;
      EXPECT_DOUBLE_EQ(m.fit, FitFromReasons(p, m, unmet));
      EXPECT_EQ(m.unmet.size(), unmet);
      EXPECT_GE(m.style, 0);
      EXPECT_LE(m.style, 1);
      EXPECT_EQ(m.outcome, 0);
      EXPECT_DOUBLE_EQ(m.score, 0.8 * m.fit + 0.2 * m.style);
      // (3) Nothing a therapist chose not to show reaches the client.
      for (const auto& r : m.reasons) {
        EXPECT_EQ(r.text.find("hidden-"), std::string::npos) << r.text;
        EXPECT_EQ(r.value.find("hidden-"), std::string::npos) << r.value;
      }
      for (const auto& text : m.unmet) EXPECT_EQ(text.find("hidden-"), std::string::npos);
      // (4) Best first, ties by id.
      if (i > 0) {
        const RankedMatch& before = result.matches[i - 1];
        EXPECT_TRUE(before.score > m.score ||
                    (before.score == m.score && before.therapist_id < m.therapist_id));
      }
    }
    EXPECT_EQ(MatchResultToJson(result).dump().find("hidden-"), std::string::npos);

    // (5) Who is offered never depends on identity.
    EXPECT_EQ(IdSet(MatchAll(p, flipped)), passing);
  }
  // The generator must exercise the rules, not only the filter.
  EXPECT_GT(matched_clients, 1000u);
  EXPECT_GT(reasons_checked, 20000u);
  EXPECT_GT(hidden_equal_to_wish, 100u);
  for (int kind = 0; kind <= static_cast<int>(MatchReason::Kind::kDirection); ++kind) {
    EXPECT_GT(kinds[static_cast<MatchReason::Kind>(kind)], 100)
        << ToString(static_cast<MatchReason::Kind>(kind));
  }
}

// --- JSON -------------------------------------------------------------------------------------

TherapistOffer FullOffer() {
  TherapistOffer o;
  o.therapist_id = 3;
  o.display_name = "Dr Sam Rivera";
  o.credentials = "Clinical psychologist";
  o.licence_number = "PYL12345";
  o.jurisdiction = "GB";
  o.licence_verified_at = 1'795'000'000'000;
  o.licence_verified_by = 1;
  o.approaches = {"cbt", "act"};
  o.focus_areas = {"anxiety", "depression"};
  o.languages = {"en", "es"};
  o.modalities = {Modality::kInPerson, Modality::kVideo};
  o.at_a_distance = "On video I check in about how the call feels.\nWe can pause any time.";
  o.availability = {Slot(kTuesday, "17:00", "20:00"), Slot(6, "20:00", "24:00")};
  o.payers = {"self-pay", "Bupa"};
  o.fees = "£90 a session";
  o.accepting_new_clients = false;
  o.structure = Structure::kStructured;
  o.direction = Directiveness::kGuided;
  o.about = "I work with adults.";
  o.identity.age_band = {"40s", true};
  o.identity.gender_identity = {"woman", true};
  o.identity.cultural_background = {"British Pakistani", false};
  o.identity.faith = {"Muslim", false};
  o.identity.lgbtq_affirming = true;
  o.identity.lgbtq_affirming_shown = true;
  o.updated_at = 1'795'100'000'000;
  return o;
}

void ExpectSameEditableFields(const TherapistOffer& a, const TherapistOffer& b) {
  EXPECT_EQ(a.credentials, b.credentials);
  EXPECT_EQ(a.licence_number, b.licence_number);
  EXPECT_EQ(a.jurisdiction, b.jurisdiction);
  EXPECT_EQ(a.approaches, b.approaches);
  EXPECT_EQ(a.focus_areas, b.focus_areas);
  EXPECT_EQ(a.languages, b.languages);
  EXPECT_EQ(a.modalities, b.modalities);
  EXPECT_EQ(a.at_a_distance, b.at_a_distance);
  EXPECT_EQ(a.availability, b.availability);
  EXPECT_EQ(a.payers, b.payers);
  EXPECT_EQ(a.fees, b.fees);
  EXPECT_EQ(a.accepting_new_clients, b.accepting_new_clients);
  EXPECT_EQ(a.structure, b.structure);
  EXPECT_EQ(a.direction, b.direction);
  EXPECT_EQ(a.about, b.about);
  EXPECT_EQ(a.identity, b.identity);
}

TEST(OfferJson, ReadsBackWhatItWroteButNotWhatTheServerSets) {
  const TherapistOffer offer = FullOffer();
  const Json json = OfferToJson(offer);
  EXPECT_EQ(json["licence_verified_at"], FormatIso8601(*offer.licence_verified_at));
  EXPECT_EQ(json["availability"][1],
            Json::parse(R"({"day": 6, "start": "20:00", "end": "24:00"})"));
  EXPECT_EQ(json["identity"]["faith"], Json::parse(R"({"value": "Muslim", "shown": false})"));
  auto back = OfferFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  ExpectSameEditableFields(*back, offer);
  EXPECT_EQ(back->therapist_id, 0);
  EXPECT_EQ(back->display_name, "");
  EXPECT_FALSE(back->licence_verified_at.has_value());
  EXPECT_EQ(back->updated_at, 0);
  // Unsaid affirmation stays unsaid.
  TherapistOffer unsaid = offer;
  unsaid.identity.lgbtq_affirming.reset();
  back = OfferFromJson(OfferToJson(unsaid));
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->identity.lgbtq_affirming.has_value());
}

TEST(OfferJson, AClientSeesNoLicenceNumberAndOnlyShownIdentity) {
  const TherapistOffer offer = FullOffer();
  const Json json = OfferToClientJson(offer);
  EXPECT_FALSE(json.contains("licence_number"));
  EXPECT_FALSE(json.contains("licence_verified_at"));
  EXPECT_EQ(json["licence_verified"], true);
  EXPECT_EQ(
      json["identity"],
      Json::parse(R"({"age_band": "40s", "gender_identity": "woman", "lgbtq_affirming": true})"));
  const std::string text = json.dump();
  for (const char* secret : {"PYL12345", "British Pakistani", "Muslim"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
  TherapistOffer unverified = offer;
  unverified.licence_verified_at.reset();
  unverified.identity.lgbtq_affirming_shown = false;
  const Json other = OfferToClientJson(unverified);
  EXPECT_EQ(other["licence_verified"], false);
  EXPECT_FALSE(other["identity"].contains("lgbtq_affirming"));
}

TEST(OfferJson, NamesEveryProblemByItsPath) {
  Json body = OfferToJson(FullOffer());
  body["approaches"] = Json::array({"cbt", "magic"});
  body["availability"][0]["day"] = 7;
  body["identity"]["faith"]["value"] = "a\x01z";
  body["identity"]["age_band"]["value"] = "teens";
  body["languages"] = Json::array({"en", 5});
  body["structure"] = "rigid";
  body["colour"] = "blue";
  body["identity"]["age_band"]["since"] = 2020;
  auto result = OfferFromJson(body);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(result.error()),
              UnorderedElementsAre("approaches/1", "availability/0/day", "identity/faith/value",
                                   "identity/age_band/value", "languages/1", "structure", "colour",
                                   "identity/age_band/since"));
}

TEST(OfferJson, ATimeThatCannotBeReadIsReportedOnce) {
  Json body = OfferToJson(FullOffer());
  body["availability"][0] = Json::parse(R"({"day": 1, "start": "soon", "end": "18:00"})");
  body["availability"][1]["end"] = "24:30";
  const auto fields = FieldsOf(OfferFromJson(body));
  EXPECT_THAT(fields, UnorderedElementsAre("availability/0/start", "availability/1/end"));
}

TEST(OfferJson, AcceptsTheServersOwnFieldsBackButNothingElseUnknown) {
  Json body = OfferToJson(FullOffer());
  body["therapist_id"] = 99;
  body["licence_verified_at"] = "not even a time";
  auto result = OfferFromJson(body);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->therapist_id, 0);
  body["licence_verified_by"] = 1;
  EXPECT_THAT(FieldsOf(OfferFromJson(body)), ElementsAre("licence_verified_by"));
  EXPECT_THAT(FieldsOf(OfferFromJson(Json::array())), ElementsAre(""));
  // An empty body is an empty offer.
  EXPECT_TRUE(OfferFromJson(Json::object()).has_value());
}

ClientPreferences FullPreferences() {
  ClientPreferences p;
  p.client_id = 7;
  p.needs.jurisdiction = "GB";
  p.needs.payer = "self-pay";
  p.needs.modalities = {Modality::kVideo};
  p.needs.languages = {"es"};
  p.needs.times = {Slot(kTuesday, "17:00", "21:00")};
  p.wishes.gender = {"woman", 2};
  p.wishes.cultural_background = {"Irish", 1};
  p.wishes.faith = {"", 0};
  p.wishes.lgbtq_affirming = 1;
  p.wishes.approach = {"cbt", 1};
  p.wishes.age_band = {"60s-plus", 2};
  p.wishes.focus_areas = {"anxiety", "child-and-family"};
  p.wishes.focus_weight = 2;
  p.identity_note = "It matters to me that\nthey understand faith.";
  p.structure = Structure::kStructured;
  p.direction = Directiveness::kSelfLed;
  p.session_minutes = 60;
  p.updated_at = 1'795'000'000'000;
  return p;
}

TEST(PreferencesJson, ReadsBackWhatItWrote) {
  const ClientPreferences p = FullPreferences();
  const Json json = PreferencesToJson(p);
  EXPECT_EQ(json["needs"]["times"][0],
            Json::parse(R"({"day": 1, "start": "17:00", "end": "21:00"})"));
  EXPECT_EQ(json["wishes"]["gender"], Json::parse(R"({"value": "woman", "weight": 2})"));
  EXPECT_EQ(json["updated_at"], FormatIso8601(p.updated_at));
  auto back = PreferencesFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->needs, p.needs);
  EXPECT_EQ(back->wishes, p.wishes);
  EXPECT_EQ(back->identity_note, p.identity_note);
  EXPECT_EQ(back->structure, p.structure);
  EXPECT_EQ(back->direction, p.direction);
  EXPECT_EQ(back->session_minutes, p.session_minutes);
  EXPECT_EQ(back->client_id, 0);  // the server's to set
  EXPECT_EQ(back->updated_at, 0);
}

TEST(PreferencesJson, NamesEveryProblemByItsPath) {
  Json body = PreferencesToJson(FullPreferences());
  body["needs"]["times"][0]["start"] = "25:00";
  body["wishes"]["gender"]["weight"] = 3;
  body["wishes"]["colour"] = "blue";
  body["wishes"]["focus_areas"] = Json::array({"anxiety", "boredom"});
  body["needs"]["jurisdiction"] = "Britain";
  body["needs"]["modalities"] = Json::array({"carrier pigeon"});
  body["session_minutes"] = "fifty";
  body["direction"] = "sideways";
  auto result = PreferencesFromJson(body);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(Fields(result.error()),
              UnorderedElementsAre("needs/times/0/start", "wishes/gender/weight", "wishes/colour",
                                   "wishes/focus_areas/1", "needs/jurisdiction",
                                   "needs/modalities/0", "session_minutes", "direction"));
}

// --- Validation -------------------------------------------------------------------------------

TEST(ValidateOffer, UpperCasesJurisdictionsAndRefusesOtherShapes) {
  TherapistOffer offer = Offer(1);
  for (const auto& [given, stored] : std::vector<std::pair<std::string, std::string>>{
           {"gb", "GB"}, {" us-ca ", "US-CA"}, {"GB-ENG", "GB-ENG"}, {"", ""}}) {
    offer.jurisdiction = given;
    auto valid = ValidateOffer(offer);
    ASSERT_TRUE(valid.has_value()) << given;
    EXPECT_EQ(valid->jurisdiction, stored);
  }
  for (const char* bad : {"GBR", "G", "GB-", "GB-ABCD", "1B", "GB_ENG", "GB-E N"}) {
    offer.jurisdiction = bad;
    EXPECT_THAT(FieldsOf(ValidateOffer(offer)), ElementsAre("jurisdiction")) << bad;
  }
}

TEST(ValidateOffer, NormalisesListsAndDropsRepeats) {
  TherapistOffer offer = Offer(1);
  offer.languages = {"EN", " es", "en"};
  offer.approaches = {"CBT", "cbt", "act"};
  offer.modalities = {Modality::kVideo, Modality::kVideo, Modality::kText};
  offer.payers = {" Bupa ", "self-pay", "BUPA"};
  offer.availability = {Slot(kMonday, "09:00", "10:00"), Slot(kMonday, "09:00", "10:00")};
  auto valid = ValidateOffer(offer);
  ASSERT_TRUE(valid.has_value()) << valid.error().message;
  EXPECT_THAT(valid->languages, ElementsAre("en", "es"));
  EXPECT_THAT(valid->approaches, ElementsAre("cbt", "act"));
  EXPECT_THAT(valid->modalities, ElementsAre(Modality::kVideo, Modality::kText));
  EXPECT_THAT(valid->payers, ElementsAre("Bupa", "self-pay"));
  EXPECT_EQ(valid->availability.size(), 1u);
}

TEST(ValidateOffer, RefusesBadItemsNamingEach) {
  TherapistOffer offer = Offer(1);
  offer.languages = {"en", "eng"};
  offer.payers = {"Bupa", std::string(81, 'x'), "  "};
  offer.availability = {Slot(kMonday, "09:00", "10:00"), {kMonday, 600, 600}, {-1, 60, 0}};
  offer.about = "Hello\x07";
  offer.fees = std::string(2001, 'f');
  offer.credentials = "Line one\nline two";
  offer.identity.gender_identity = {"woman\xE2\x80\xAE", true};  // U+202E reverses what follows
  EXPECT_THAT(FieldsOf(ValidateOffer(offer)),
              UnorderedElementsAre("languages/1", "payers/1", "payers/2", "availability/1/end",
                                   "availability/2/day", "availability/2/end", "about", "fees",
                                   "credentials", "identity/gender_identity/value"));
}

TEST(ValidateOffer, LongTextsKeepTheirLineBreaksUpToTwoThousandCharacters) {
  TherapistOffer offer = Offer(1);
  offer.about = "  First paragraph.\r\n\r\nSecond.  ";
  offer.fees = std::string(2000, 'f');
  auto valid = ValidateOffer(offer);
  ASSERT_TRUE(valid.has_value()) << valid.error().message;
  EXPECT_EQ(valid->about, "First paragraph.\n\nSecond.");
}

TEST(ValidateOffer, HoldsAtMostFortyTimes) {
  TherapistOffer offer = Offer(1);
  offer.availability.clear();
  for (int i = 0; i < 40; ++i) offer.availability.push_back({i % 7, i * 30, i * 30 + 30});
  EXPECT_TRUE(ValidateOffer(offer).has_value());
  offer.availability.push_back({6, 23 * 60, 24 * 60});
  EXPECT_THAT(FieldsOf(ValidateOffer(offer)), ElementsAre("availability"));
}

TEST(ValidatePreferences, WeightsAreZeroToTwoAndSessionsFifteenToOneHundredEightyMinutes) {
  ClientPreferences p = FullPreferences();
  EXPECT_TRUE(ValidatePreferences(p).has_value());
  p.session_minutes = 15;
  EXPECT_TRUE(ValidatePreferences(p).has_value());
  p.session_minutes = 180;
  EXPECT_TRUE(ValidatePreferences(p).has_value());
  p.session_minutes = 14;
  EXPECT_THAT(FieldsOf(ValidatePreferences(p)), ElementsAre("session_minutes"));
  p.session_minutes = 181;
  p.wishes.faith = {"Sikh", -1};
  p.wishes.lgbtq_affirming = 3;
  p.wishes.focus_weight = 5;
  EXPECT_THAT(FieldsOf(ValidatePreferences(p)),
              UnorderedElementsAre("session_minutes", "wishes/faith/weight",
                                   "wishes/lgbtq_affirming", "wishes/focus_weight"));
}

TEST(ValidatePreferences, AWeightNeedsSomethingToWishFor) {
  ClientPreferences p = FullPreferences();
  p.wishes.gender = {" ", 1};
  p.wishes.approach = {"", 2};
  p.wishes.focus_areas.clear();
  EXPECT_THAT(
      FieldsOf(ValidatePreferences(p)),
      UnorderedElementsAre("wishes/gender/value", "wishes/approach/value", "wishes/focus_areas"));
  p.wishes.gender.weight = 0;
  p.wishes.approach.weight = 0;
  p.wishes.focus_weight = 0;
  EXPECT_TRUE(ValidatePreferences(p).has_value());
}

TEST(ValidatePreferences, NormalisesTheNeedsLikeAnOffer) {
  ClientPreferences p = FullPreferences();
  p.needs.jurisdiction = "gb-sct";
  p.needs.languages = {"ES", "es"};
  p.needs.payer = "  Bupa ";
  p.wishes.age_band.value = "40S";
  p.wishes.approach.value = " CBT";
  auto valid = ValidatePreferences(p);
  ASSERT_TRUE(valid.has_value()) << valid.error().message;
  EXPECT_EQ(valid->needs.jurisdiction, "GB-SCT");
  EXPECT_THAT(valid->needs.languages, ElementsAre("es"));
  EXPECT_EQ(valid->needs.payer, "Bupa");
  EXPECT_EQ(valid->wishes.age_band.value, "40s");
  EXPECT_EQ(valid->wishes.approach.value, "cbt");
  p.needs.times = {Slot(kMonday, "10:00", "09:00")};
  p.wishes.approach.value = "hypnosis";
  EXPECT_THAT(FieldsOf(ValidatePreferences(p)),
              UnorderedElementsAre("needs/times/0/end", "wishes/approach/value"));
}

}  // namespace
}  // namespace rapport
