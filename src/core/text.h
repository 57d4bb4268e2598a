#pragma once
// Small text helpers every layer shares. Pure and thread-safe.

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

}  // namespace rapport
