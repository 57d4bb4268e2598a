#pragma once
// Test helper: the shipped instruments by code.

#include <gtest/gtest.h>

#include "domain/instrument.h"
#include "domain/shipped_data.h"

namespace rapport::testing_support {

inline Instrument ShippedInstrument(std::string_view code) {
  for (const auto& def : ShippedInstrumentDefinitions()) {
    auto inst = ParseInstrument(Json::parse(def.json));
    if (inst && inst->code == code) return *inst;
  }
  ADD_FAILURE() << "no shipped instrument " << code;
  return {};
}

}  // namespace rapport::testing_support
