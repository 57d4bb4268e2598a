#pragma once
// Test support for the domain's named values: each value's name reads back as the value, and an
// unknown name is refused naming the request's field.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace rapport::testing_support {

// The fields an error names, in order.
inline std::vector<std::string> FieldNames(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

// Every (value, name) pair is written as its name and read back from it by `parse`; `unknown` is
// refused as invalid, naming only `field`.
template <typename E, typename Parse>
void ExpectNamesReadBack(const std::vector<std::pair<E, std::string>>& names, Parse parse,
                         std::string_view unknown, std::string_view field) {
  for (const auto& [value, name] : names) {
    EXPECT_EQ(ToString(value), name);
    auto parsed = parse(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, value) << name;
  }
  auto bad = parse(unknown);
  ASSERT_FALSE(bad.has_value()) << unknown;
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(FieldNames(bad.error()), ::testing::ElementsAre(std::string(field)));
}

}  // namespace rapport::testing_support
