#include "domain/severity.h"

#include "domain/enum_names.h"

namespace rapport {

namespace {
constexpr EnumNames<Severity, 5> kSeverities{{
    {Severity::kInfo, "info"},
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};
}  // namespace

std::string_view ToString(Severity severity) {
  return EnumName(severity, kSeverities);
}

Result<Severity> ParseSeverity(std::string_view text) {
  return ParseEnum(text, kSeverities, "severity");
}

}  // namespace rapport
