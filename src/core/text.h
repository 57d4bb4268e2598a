#pragma once
// Small text helpers every layer shares. Pure and thread-safe.

#include <optional>
#include <string_view>

namespace rapport {

// Spaces and tabs: the blanks within one line (a header value, a CSV cell).
inline constexpr std::string_view kBlanks = " \t";
// Any whitespace, line breaks included (what std::isspace takes in the "C" locale).
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";

// `text` without the characters of `chars` at either end.
constexpr std::string_view Trim(std::string_view text, std::string_view chars = kWhitespace) {
  const std::size_t first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(chars) - first + 1);
}

// The number `text` spells in ASCII digits alone: no sign, no blank, at most nine digits (so
// that it fits an int). nullopt for anything else, the empty text included.
constexpr std::optional<int> DigitsValue(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace rapport
