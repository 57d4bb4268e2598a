#include "core/field_problems.h"

#include <utility>

namespace rapport {

Error InvalidFields(std::string_view lead, std::vector<FieldError> fields) {
  std::string summary(lead);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) summary += "; ";
    if (!fields[i].field.empty()) {
      summary += fields[i].field;
      summary += ' ';
    }
    summary += fields[i].message;
  }
  return Error::InvalidArgument(std::move(summary), std::move(fields));
}

Error FieldProblems::ToError(std::string_view lead) {
  return InvalidFields(lead, std::exchange(fields_, {}));
}

Status FieldProblems::Verdict(std::string_view lead) {
  if (fields_.empty()) return Ok();
  return Fail(ToError(lead));
}

}  // namespace rapport
