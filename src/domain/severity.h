#pragma once
// How urgently something asks for a therapist's attention, from least to most urgent. Shared by
// questionnaire definitions (a risk answer's graded severity) and alert rules. Pure value type.

#include <string_view>

#include "core/result.h"

namespace rapport {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };  // ordered

std::string_view ToString(Severity severity);
// kInvalidArgument on field "severity" naming the allowed words.
Result<Severity> ParseSeverity(std::string_view text);

}  // namespace rapport
