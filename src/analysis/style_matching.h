#pragma once
// Linguistic style matching (Ireland & Pennebaker 2010): how alike two people's use of function
// words is. The nine categories are theirs; the word lists are the project's own (English), in
// style_matching.cc. Pure.
//
// For each category c, with p1 and p2 the percentage of each person's words in c:
//   LSM_c = 1 - |p1 - p2| / (p1 + p2 + 0.0001)
// and LSM is the mean of the nine, between 0 and 1 (1: the same style).

#include <array>
#include <cstdint>
#include <string_view>

namespace rapport {

enum class FunctionWordCategory {
  kPersonalPronoun,
  kImpersonalPronoun,
  kArticle,
  kPreposition,
  kAuxiliaryVerb,
  kAdverb,  // high-frequency adverbs
  kConjunction,
  kNegation,
  kQuantifier,
};
inline constexpr int kFunctionWordCategories = 9;
std::string_view ToString(FunctionWordCategory category);  // "personal_pronoun", ...

// Below this many words on either side LSM is not computed (too little text to say anything).
inline constexpr std::int64_t kMinStyleWords = 50;

struct StyleCounts {
  std::int64_t words = 0;
  std::array<std::int64_t, kFunctionWordCategories> category{};

  StyleCounts& operator+=(const StyleCounts& other);
};

// Counts words (runs of letters and apostrophes, case-folded for ASCII; "don't" is one word and
// a negation) and the function words among them. U+2019 counts as an apostrophe; apostrophes at
// a word's ends are quotes and dropped; every other byte >= 0x80 is a letter except in U+00A0 and
// the General Punctuation block (dashes, curly double quotes, ellipsis), which separate words.
StyleCounts CountFunctionWords(std::string_view text);

// LSM of two people's counts; NaN when either has fewer than kMinStyleWords words.
double StyleMatching(const StyleCounts& a, const StyleCounts& b);

}  // namespace rapport
