#include "analysis/style_matching.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <unordered_map>

namespace rapport {
namespace {

using Mask = unsigned;

constexpr Mask Bit(FunctionWordCategory category) {
  return 1u << static_cast<unsigned>(category);
}

// The project's own English lists, lower case. A word may sit in several categories and then
// counts in each ("so" is an adverb and a conjunction, "never" an adverb and a negation,
// "without" a preposition and a negation, "nothing" an impersonal pronoun and a negation), as
// LIWC counts it. Contractions count as every word they contract: "i'm" is a personal pronoun
// and an auxiliary verb, "it's" an impersonal pronoun and an auxiliary verb, and every n't form
// ("don't", "can't", "won't", "isn't") an auxiliary verb and a negation. Chat drops apostrophes,
// so the common n't forms and "im"/"ive"/"youre"/"theyre"/"thats" count without one too; forms
// that would collide with other words ("wont", "ill", "well", "were", "id", "hell") do not.
constexpr std::string_view kPersonalPronouns[] = {
    "i",          "me",       "my",    "mine",  "myself",   "we",         "us",   "our",   "ours",
    "ourselves",  "you",      "your",  "yours", "yourself", "yourselves", "he",   "him",   "his",
    "himself",    "she",      "her",   "hers",  "herself",  "they",       "them", "their", "theirs",
    "themselves", "themself", "y'all", "ya",    "em",       "thee",       "thou", "thy",   "let's"};
constexpr std::string_view kImpersonalPronouns[] = {
    "it",       "its",        "itself",    "this",     "that",      "these",
    "those",    "anything",   "anybody",   "anyone",   "something", "somebody",
    "someone",  "everything", "everybody", "everyone", "nothing",   "nobody",
    "whatever", "whoever",    "whichever", "which",    "what",      "who",
    "whom",     "whose",      "another",   "other",    "others"};
constexpr std::string_view kArticles[] = {"a", "an", "the"};
constexpr std::string_view kPrepositions[] = {
    "about",   "above",      "across", "after",     "against",   "along",   "among",   "amongst",
    "around",  "as",         "at",     "before",    "behind",    "below",   "beneath", "beside",
    "besides", "between",    "beyond", "by",        "despite",   "down",    "during",  "except",
    "for",     "from",       "in",     "inside",    "into",      "like",    "near",    "of",
    "off",     "on",         "onto",   "out",       "outside",   "over",    "past",    "since",
    "through", "throughout", "till",   "to",        "toward",    "towards", "under",   "underneath",
    "until",   "unto",       "up",     "upon",      "via",       "with",    "within",  "without",
    "versus",  "per",        "amid",   "regarding", "concerning"};
constexpr std::string_view kAuxiliaryVerbs[] = {
    "am",    "is",     "are",    "was",   "were", "be",    "been",  "being", "have",
    "has",   "had",    "having", "do",    "does", "did",   "doing", "will",  "would",
    "shall", "should", "can",    "could", "may",  "might", "must",  "ought", "cannot"};
// Contractions of a pronoun (or here/there) with an auxiliary verb: counted in both.
constexpr std::string_view kPersonalAuxiliary[] = {
    "i'm",    "i've",  "i'll",  "i'd",   "you're",  "you've",  "you'll",
    "you'd",  "he's",  "he'll", "he'd",  "she's",   "she'll",  "she'd",
    "we're",  "we've", "we'll", "we'd",  "they're", "they've", "they'll",
    "they'd", "im",    "ive",   "youre", "youve",   "theyre",  "theyve"};
constexpr std::string_view kImpersonalAuxiliary[] = {
    "it's",   "it'll",     "it'd",       "that's",     "that'll",      "that'd",    "this'll",
    "what's", "who's",     "who'd",      "who'll",     "what'd",       "what'll",   "thats",
    "whats",  "someone's", "somebody's", "everyone's", "everything's", "nothing's", "nobody's"};
constexpr std::string_view kAdverbAuxiliary[] = {"there's",  "here's", "there'd",
                                                 "there'll", "theres", "heres"};
// n't forms: an auxiliary verb and a negation.
constexpr std::string_view kNegatedAuxiliary[] = {
    "don't",   "doesn't",  "didn't",  "isn't",    "aren't", "wasn't",   "weren't",   "haven't",
    "hasn't",  "hadn't",   "won't",   "wouldn't", "can't",  "couldn't", "shouldn't", "shan't",
    "mustn't", "mightn't", "needn't", "ain't",    "mayn't", "oughtn't", "cannot",    "dont",
    "doesnt",  "didnt",    "isnt",    "arent",    "wasnt",  "werent",   "havent",    "hasnt",
    "hadnt",   "wouldnt",  "couldnt", "shouldnt", "cant",   "aint",     "mustnt"};
constexpr std::string_view kAdverbs[] = {
    "very",     "really",     "just",       "so",        "too",       "also",       "now",
    "then",     "here",       "there",      "always",    "never",     "still",      "even",
    "quite",    "rather",     "almost",     "often",     "sometimes", "again",      "ever",
    "only",     "already",    "soon",       "yet",       "maybe",     "perhaps",    "actually",
    "probably", "usually",    "anyway",     "else",      "somehow",   "sometime",   "once",
    "later",    "away",       "back",       "how",       "when",      "where",      "why",
    "totally",  "completely", "absolutely", "basically", "literally", "definitely", "especially",
    "mostly",   "nearly",     "hardly",     "barely",    "instead",   "together"};
constexpr std::string_view kConjunctions[] = {
    "and",    "but",     "or",     "so",  "because", "if",    "although", "though", "while",
    "whilst", "whereas", "unless", "nor", "yet",     "since", "as",       "than",   "whether",
    "either", "neither", "once",   "cos", "cause",   "till",  "until"};
constexpr std::string_view kNegations[] = {"no",      "not",     "never", "none",     "nobody",
                                           "nothing", "neither", "nor",   "without",  "nope",
                                           "nah",     "nowhere", "noone", "nobody's", "nothing's"};
constexpr std::string_view kQuantifiers[] = {
    "all",     "some",  "many",   "much",   "more",   "most",    "few",    "fewer",
    "several", "any",   "each",   "every",  "both",   "enough",  "lot",    "lots",
    "less",    "least", "plenty", "half",   "whole",  "bunch",   "couple", "numerous",
    "various", "loads", "tons",   "little", "either", "neither", "none",   "another"};

using Table = std::unordered_map<std::string_view, Mask>;

template <std::size_t N>
void AddWords(Table& table, const std::string_view (&words)[N], Mask mask) {
  for (std::string_view word : words) table[word] |= mask;
}

const Table& Words() {
  static const Table table = [] {
    using C = FunctionWordCategory;
    Table t;
    AddWords(t, kPersonalPronouns, Bit(C::kPersonalPronoun));
    AddWords(t, kImpersonalPronouns, Bit(C::kImpersonalPronoun));
    AddWords(t, kArticles, Bit(C::kArticle));
    AddWords(t, kPrepositions, Bit(C::kPreposition));
    AddWords(t, kAuxiliaryVerbs, Bit(C::kAuxiliaryVerb));
    AddWords(t, kPersonalAuxiliary, Bit(C::kPersonalPronoun) | Bit(C::kAuxiliaryVerb));
    AddWords(t, kImpersonalAuxiliary, Bit(C::kImpersonalPronoun) | Bit(C::kAuxiliaryVerb));
    AddWords(t, kAdverbAuxiliary, Bit(C::kAdverb) | Bit(C::kAuxiliaryVerb));
    AddWords(t, kNegatedAuxiliary, Bit(C::kAuxiliaryVerb) | Bit(C::kNegation));
    AddWords(t, kAdverbs, Bit(C::kAdverb));
    AddWords(t, kConjunctions, Bit(C::kConjunction));
    AddWords(t, kNegations, Bit(C::kNegation));
    AddWords(t, kQuantifiers, Bit(C::kQuantifier));
    return t;
  }();
  return table;
}

bool IsAsciiLetter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// What the bytes at `text[i]` are, and how many bytes they take.
enum class Kind { kLetter, kApostrophe, kSeparator };
struct Unit {
  Kind kind;
  std::size_t length;
};

// Tokenizing rule: ASCII letters and the apostrophe (', or U+2019 RIGHT SINGLE QUOTATION MARK,
// which phones put in "don’t", or U+2018) make up words, as does every byte >= 0x80 (so "café"
// and "naïve" are words, whatever the script, without a Unicode table) except two kinds of
// non-ASCII separators chat text is full of: U+00A0 NO-BREAK SPACE and the General Punctuation
// block U+2000..U+206F (spaces, dashes, curly double quotes, the ellipsis). Everything else
// (ASCII digits, punctuation, spaces, control bytes) separates words.
Unit Classify(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c == '\'') return {Kind::kApostrophe, 1};
  if (c < 0x80) return {IsAsciiLetter(c) ? Kind::kLetter : Kind::kSeparator, 1};
  const auto at = [&](std::size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  if (c == 0xC2 && at(1) == 0xA0) return {Kind::kSeparator, 2};
  if (c == 0xE2 && (at(1) == 0x80 || at(1) == 0x81) && at(2) >= 0x80 && at(2) <= 0xBF) {
    const bool quote = at(1) == 0x80 && (at(2) == 0x98 || at(2) == 0x99);
    return {quote ? Kind::kApostrophe : Kind::kSeparator, 3};
  }
  return {Kind::kLetter, 1};
}

}  // namespace

std::string_view ToString(FunctionWordCategory category) {
  switch (category) {
    case FunctionWordCategory::kPersonalPronoun: return "personal_pronoun";
    case FunctionWordCategory::kImpersonalPronoun: return "impersonal_pronoun";
    case FunctionWordCategory::kArticle: return "article";
    case FunctionWordCategory::kPreposition: return "preposition";
    case FunctionWordCategory::kAuxiliaryVerb: return "auxiliary_verb";
    case FunctionWordCategory::kAdverb: return "adverb";
    case FunctionWordCategory::kConjunction: return "conjunction";
    case FunctionWordCategory::kNegation: return "negation";
    case FunctionWordCategory::kQuantifier: return "quantifier";
  }
  return "unknown";
}

StyleCounts& StyleCounts::operator+=(const StyleCounts& other) {
  words += other.words;
  for (std::size_t c = 0; c < category.size(); ++c) category[c] += other.category[c];
  return *this;
}

StyleCounts CountFunctionWords(std::string_view text) {
  const Table& table = Words();
  StyleCounts counts;
  std::string word;  // the current word, ASCII lower-cased, apostrophes as '
  auto finish = [&] {
    // Apostrophes at either end are quotation marks ('so' and ‘so’) or elisions ('cause,
    // goin'), not part of the word that the lists know.
    std::string_view w = word;
    while (!w.empty() && w.front() == '\'') w.remove_prefix(1);
    while (!w.empty() && w.back() == '\'') w.remove_suffix(1);
    if (!w.empty()) {
      ++counts.words;
      if (auto it = table.find(w); it != table.end()) {
        for (int c = 0; c < kFunctionWordCategories; ++c) {
          if (it->second & (1u << static_cast<unsigned>(c))) {
            ++counts.category[static_cast<std::size_t>(c)];
          }
        }
      }
    }
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const Unit unit = Classify(text, i);
    switch (unit.kind) {
      case Kind::kSeparator: finish(); break;
      case Kind::kApostrophe: word.push_back('\''); break;
      case Kind::kLetter: {
        const auto c = static_cast<unsigned char>(text[i]);
        word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : text[i]);
        break;
      }
    }
    i += unit.length;
  }
  finish();
  return counts;
}

double StyleMatching(const StyleCounts& a, const StyleCounts& b) {
  if (a.words < kMinStyleWords || b.words < kMinStyleWords) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double sum = 0;
  for (std::size_t c = 0; c < static_cast<std::size_t>(kFunctionWordCategories); ++c) {
    const double p1 = 100.0 * static_cast<double>(a.category[c]) / static_cast<double>(a.words);
    const double p2 = 100.0 * static_cast<double>(b.category[c]) / static_cast<double>(b.words);
    sum += 1.0 - std::abs(p1 - p2) / (p1 + p2 + 0.0001);
  }
  return sum / kFunctionWordCategories;
}

}  // namespace rapport
