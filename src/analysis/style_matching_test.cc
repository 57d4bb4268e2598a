#include "analysis/style_matching.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace rapport {
namespace {

using C = FunctionWordCategory;

std::int64_t Count(const StyleCounts& counts, C category) {
  return counts.category[static_cast<std::size_t>(category)];
}

TEST(StyleMatching, CountsEachCategoryOfAKnownSentence) {
  const StyleCounts s =
      CountFunctionWords("We can't go without some of the others, but it is really not enough.");
  EXPECT_EQ(s.words, 14);
  EXPECT_EQ(Count(s, C::kPersonalPronoun), 1);    // we
  EXPECT_EQ(Count(s, C::kImpersonalPronoun), 2);  // others, it
  EXPECT_EQ(Count(s, C::kArticle), 1);            // the
  EXPECT_EQ(Count(s, C::kPreposition), 2);        // without, of
  EXPECT_EQ(Count(s, C::kAuxiliaryVerb), 2);      // can't, is
  EXPECT_EQ(Count(s, C::kAdverb), 1);             // really
  EXPECT_EQ(Count(s, C::kConjunction), 1);        // but
  EXPECT_EQ(Count(s, C::kNegation), 3);           // can't, without, not
  EXPECT_EQ(Count(s, C::kQuantifier), 2);         // some, enough
}

TEST(StyleMatching, AContractionIsOneWordCountedAsEachWordItJoins) {
  const StyleCounts s = CountFunctionWords("I'm sure it's fine, they'll say we don't know.");
  EXPECT_EQ(s.words, 9);
  EXPECT_EQ(Count(s, C::kPersonalPronoun), 3);    // i'm, they'll, we
  EXPECT_EQ(Count(s, C::kImpersonalPronoun), 1);  // it's
  EXPECT_EQ(Count(s, C::kAuxiliaryVerb), 4);      // i'm, it's, they'll, don't
  EXPECT_EQ(Count(s, C::kNegation), 1);           // don't
}

TEST(StyleMatching, TheTypographicApostropheJoinsAWordLikeTheAsciiOne) {
  const StyleCounts curly = CountFunctionWords("I don\xE2\x80\x99t know");
  const StyleCounts ascii = CountFunctionWords("I don't know");
  EXPECT_EQ(curly.words, 3);
  EXPECT_EQ(curly.words, ascii.words);
  EXPECT_EQ(curly.category, ascii.category);
  EXPECT_EQ(Count(curly, C::kNegation), 1);
}

TEST(StyleMatching, QuotesAroundAWordAreNotPartOfIt) {
  // 'so' in straight quotes and in curly ones, and a leading elision.
  const StyleCounts s = CountFunctionWords("'so' \xE2\x80\x98so\xE2\x80\x99 'cause");
  EXPECT_EQ(s.words, 3);
  EXPECT_EQ(Count(s, C::kAdverb), 2);       // so, so
  EXPECT_EQ(Count(s, C::kConjunction), 3);  // so, so, cause
  EXPECT_EQ(CountFunctionWords("'' \xE2\x80\x99").words, 0);
}

TEST(StyleMatching, FoldsAsciiCase) {
  const StyleCounts s = CountFunctionWords("THE The tHe the DON'T");
  EXPECT_EQ(s.words, 5);
  EXPECT_EQ(Count(s, C::kArticle), 4);
  EXPECT_EQ(Count(s, C::kNegation), 1);
}

TEST(StyleMatching, NonAsciiLettersMakeWordsAndUnicodePunctuationSeparates) {
  // "café" and "naïve" are one word each; the em dash, the ellipsis, curly double quotes and a
  // no-break space separate words as ASCII punctuation does.
  const StyleCounts s = CountFunctionWords(
      "caf\xC3\xA9 and na\xC3\xAFve\xE2\x80\x94"
      "but \xE2\x80\x9Cthe\xE2\x80\x9D"
      "a\xE2\x80\xA6or\xC2\xA0if");
  EXPECT_EQ(s.words, 8);  // café and naïve but the a or if
  EXPECT_EQ(Count(s, C::kConjunction), 4);
  EXPECT_EQ(Count(s, C::kArticle), 2);
}

TEST(StyleMatching, DigitsAndPunctuationSeparateAndAreNotWords) {
  const StyleCounts s = CountFunctionWords("room 101, floor-2... ok?!");
  EXPECT_EQ(s.words, 3);  // room, floor, ok
  EXPECT_EQ(CountFunctionWords("").words, 0);
  EXPECT_EQ(CountFunctionWords(" 42 -- !").words, 0);
}

TEST(StyleMatching, AWordCanCountInSeveralCategories) {
  const StyleCounts s = CountFunctionWords("so never nothing without");
  EXPECT_EQ(Count(s, C::kAdverb), 2);             // so, never
  EXPECT_EQ(Count(s, C::kConjunction), 1);        // so
  EXPECT_EQ(Count(s, C::kNegation), 3);           // never, nothing, without
  EXPECT_EQ(Count(s, C::kImpersonalPronoun), 1);  // nothing
  EXPECT_EQ(Count(s, C::kPreposition), 1);        // without
}

TEST(StyleMatching, AppliesTheFormulaToHandComputedCounts) {
  StyleCounts a;
  a.words = 100;
  a.category = {10, 5, 6, 12, 10, 4, 6, 2, 3};
  StyleCounts b;
  b.words = 200;
  b.category = {10, 10, 12, 24, 30, 8, 12, 2, 0};
  // Percentages a: 10 5 6 12 10 4 6 2 3; b: 5 5 6 12 15 4 6 1 0.
  const double expected =
      (1 - 5 / 15.0001 + 1 + 1 + 1 + 1 - 5 / 25.0001 + 1 + 1 + 1 - 1 / 3.0001 + 1 - 3 / 3.0001) / 9;
  EXPECT_NEAR(StyleMatching(a, b), expected, 1e-15);
  EXPECT_NEAR(StyleMatching(b, a), expected, 1e-15);
  EXPECT_DOUBLE_EQ(StyleMatching(a, a), 1.0);
}

TEST(StyleMatching, NeedsFiftyWordsOnEachSide) {
  StyleCounts enough;
  enough.words = kMinStyleWords;
  StyleCounts too_few;
  too_few.words = kMinStyleWords - 1;
  EXPECT_TRUE(std::isnan(StyleMatching(enough, too_few)));
  EXPECT_TRUE(std::isnan(StyleMatching(too_few, enough)));
  EXPECT_DOUBLE_EQ(StyleMatching(enough, enough), 1.0);  // no function words on either side
}

TEST(StyleMatching, CountsAddUp) {
  StyleCounts total = CountFunctionWords("the dog");
  total += CountFunctionWords("and the cat");
  EXPECT_EQ(total.words, 5);
  EXPECT_EQ(Count(total, C::kArticle), 2);
  EXPECT_EQ(Count(total, C::kConjunction), 1);
}

TEST(StyleMatching, NamesEveryCategory) {
  EXPECT_EQ(ToString(C::kPersonalPronoun), "personal_pronoun");
  EXPECT_EQ(ToString(C::kImpersonalPronoun), "impersonal_pronoun");
  EXPECT_EQ(ToString(C::kArticle), "article");
  EXPECT_EQ(ToString(C::kPreposition), "preposition");
  EXPECT_EQ(ToString(C::kAuxiliaryVerb), "auxiliary_verb");
  EXPECT_EQ(ToString(C::kAdverb), "adverb");
  EXPECT_EQ(ToString(C::kConjunction), "conjunction");
  EXPECT_EQ(ToString(C::kNegation), "negation");
  EXPECT_EQ(ToString(C::kQuantifier), "quantifier");
}

}  // namespace
}  // namespace rapport
