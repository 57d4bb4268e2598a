#pragma once
// Enum <-> text tables for the domain's value types: one way to name an enum in JSON and SQL,
// and one error for text that names no value. Header-only; pure.

#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/result.h"

namespace rapport {

template <typename Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, std::string_view>, N>;

// The value named `text`, or kInvalidArgument on field `what` listing the allowed names.
template <typename Enum, std::size_t N>
Result<Enum> ParseEnum(std::string_view text, const EnumNames<Enum, N>& names,
                       std::string_view what) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  std::string allowed;
  for (const auto& [value, name] : names) {
    if (!allowed.empty()) allowed += ", ";
    allowed += name;
  }
  return Fail(Error::Field(std::string(what), fmt::format("must be one of: {}", allowed)));
}

template <typename Enum, std::size_t N>
std::string_view EnumName(Enum value, const EnumNames<Enum, N>& names) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

}  // namespace rapport
