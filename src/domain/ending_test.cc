#include "domain/ending.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/test_instruments.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::ShippedInstrument;

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

TEST(EndReasonTest, EveryReasonHasANameThatReadsBackAndWords) {
  for (const EndReason r : {EndReason::kGoalsMet, EndReason::kMutualAgreement,
                            EndReason::kClientChoseToStop, EndReason::kNoContact,
                            EndReason::kTransferred, EndReason::kReferredOut, EndReason::kOther}) {
    EXPECT_EQ(ParseEndReason(ToString(r)).value(), r);
    EXPECT_NE(Display(r), "unknown");
  }
  auto bad = ParseEndReason("finished");
  ASSERT_FALSE(bad);
  EXPECT_THAT(Fields(bad.error()), ElementsAre("reason"));
}

TEST(EndReasonTest, OnlyStoppingOrLosingContactCountsAsDropoutAndOnlyAgreedEndingsAsCompleted) {
  EXPECT_TRUE(IsDropout(EndReason::kClientChoseToStop));
  EXPECT_TRUE(IsDropout(EndReason::kNoContact));
  EXPECT_FALSE(IsDropout(EndReason::kGoalsMet));
  EXPECT_FALSE(IsDropout(EndReason::kTransferred));
  EXPECT_FALSE(IsDropout(EndReason::kReferredOut));
  EXPECT_TRUE(IsCompleted(EndReason::kGoalsMet));
  EXPECT_TRUE(IsCompleted(EndReason::kMutualAgreement));
  EXPECT_FALSE(IsCompleted(EndReason::kClientChoseToStop));
  EXPECT_FALSE(IsCompleted(EndReason::kTransferred));
}

TEST(EndingWordsTest, ReadsABodyNormalisesItsTextAndWritesItBack) {
  const Json body = {{"reason", "goals-met"},
                     {"ending_note", "  We looked back together.\r\nIt went well.  "},
                     {"what_helped", "Planning the week"},
                     {"referrals", Json::array({{{"name", "Peer group"}, {"contact", "555"}}})}};
  auto words = EndingWordsFromJson(body);
  ASSERT_TRUE(words) << words.error().message;
  EXPECT_EQ(words->reason, EndReason::kGoalsMet);
  EXPECT_EQ(words->ending_note, "We looked back together.\nIt went well.");
  ASSERT_EQ(words->referrals.size(), 1u);
  EXPECT_EQ(words->referrals[0].contact, "555");
  const Json back = EndingWordsToJson(*words);
  EXPECT_EQ(back["reason"], "goals-met");
  EXPECT_EQ(back["reason_words"], "Goals met");
  Json again = back;
  again.erase("reason_words");
  auto reread = EndingWordsFromJson(again);
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(EndingWordsToJson(*reread), back);
}

TEST(EndingWordsTest, NamesEveryBadFieldAtOnce) {
  const Json body = {{"reason", "finished"},
                     {"what_helped", 3},
                     {"colour", "blue"},
                     {"referrals", Json::array({{{"contact", "555"}}})}};
  auto words = EndingWordsFromJson(body);
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, ErrorCode::kInvalidArgument);
  const auto fields = Fields(words.error());
  for (const char* f : {"reason", "what_helped", "colour", "referrals/0/name"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
}

TEST(EndingWordsTest, AnOtherReasonNeedsANoteAndAReferralOutNeedsAPlace) {
  EndingWords other;
  other.reason = EndReason::kOther;
  auto status = ValidateEnding(other);
  ASSERT_FALSE(status);
  EXPECT_THAT(Fields(status.error()), ElementsAre("ending_note"));

  EndingWords out;
  out.reason = EndReason::kReferredOut;
  status = ValidateEnding(out);
  ASSERT_FALSE(status);
  EXPECT_THAT(Fields(status.error()), ElementsAre("referrals"));
  out.referrals.push_back({"Eating disorder service", "", ""});
  EXPECT_TRUE(ValidateEnding(out));

  EndingWords long_text;
  long_text.reason = EndReason::kGoalsMet;
  long_text.relapse_signs = std::string(kMaxEndingText + 1, 'a');
  status = ValidateEnding(long_text);
  ASSERT_FALSE(status);
  EXPECT_THAT(Fields(status.error()), ElementsAre("relapse_signs"));
}

TEST(MeasureSentenceTest, SaysWhetherTheChangeIsReliableInPlainWords) {
  const Instrument phq9 = ShippedInstrument("PHQ-9");
  MeasureSummary m;
  m.title = "Mood (PHQ-9)";
  m.answers = 5;
  m.first = 18;
  m.last = 7;
  m.change = ComputeChange(phq9.TotalScale(), 18, 7).value();
  EXPECT_EQ(MeasureSentence(m),
            "Mood (PHQ-9) went from 18 to 7 over 5 answers: a reliable improvement.");
  m.last = 15;
  m.change = ComputeChange(phq9.TotalScale(), 18, 15).value();
  EXPECT_THAT(MeasureSentence(m), HasSubstr("less than the"));
  m.last = 25;
  m.change = ComputeChange(phq9.TotalScale(), 18, 25).value();
  EXPECT_THAT(MeasureSentence(m), HasSubstr("reliably worse"));
  m.answers = 1;
  EXPECT_THAT(MeasureSentence(m), HasSubstr("answered once"));
}

TEST(DischargeSummaryTest, ADraftHasNoEndingAndAnEndedSummaryCarriesItsWords) {
  DischargeSummary s;
  s.episode_id = 7;
  s.started_at = 1'700'000'000'000;
  MeasureSummary m;
  m.instrument = "PHQ-9";
  m.title = "Mood";
  s.measures.push_back(m);
  Json draft = DischargeSummaryToJson(s);
  EXPECT_TRUE(draft["draft"].get<bool>());
  EXPECT_TRUE(draft["ending"].is_null());
  EXPECT_TRUE(draft["measures"][0]["first"].is_null());

  s.ended_at = 1'700'100'000'000;
  EndingWords words;
  words.reason = EndReason::kGoalsMet;
  s.words = words;
  Json ended = DischargeSummaryToJson(s);
  EXPECT_FALSE(ended["draft"].get<bool>());
  EXPECT_EQ(ended["ending"]["reason"], "goals-met");
}

}  // namespace
}  // namespace rapport
