#include "domain/first_step.h"

#include <optional>

namespace rapport {

Result<FirstStep> FirstStepFromJson(const Json& body) {
  JsonObjectReader reader(body);
  // Read back as the page got them; what they hold is the server's to decide.
  reader.Optional("client_id");
  reader.Optional("updated_at");
  FirstStep step;
  std::vector<FieldError> problems;
  const auto text = [&](std::string_view key, std::string& out) {
    // Bytes are bounded generously here; the character limit below is the one people meet.
    const std::optional<std::string> raw = reader.OptionalString(key, kMaxFirstStepChars * 4);
    if (!raw) return;
    auto normalized = NormalizeParagraphs(*raw, key, kMaxFirstStepChars, /*required=*/false);
    if (normalized) {
      out = std::move(*normalized);
    } else {
      for (FieldError& f : normalized.error().fields) problems.push_back(std::move(f));
    }
  };
  text("brings", step.brings);
  text("hopes", step.hopes);
  text("worries", step.worries);
  step.shared = reader.OptionalBool("shared").value_or(false);
  for (const FieldError& f : problems) reader.AddError(f.field, f.message);
  RAPPORT_RETURN_IF_ERROR(reader.Finish());
  return step;
}

Json FirstStepToJson(const FirstStep& step) {
  return Json{{"client_id", step.client_id}, {"brings", step.brings},
              {"hopes", step.hopes},         {"worries", step.worries},
              {"shared", step.shared},       {"updated_at", FormatIso8601(step.updated_at)}};
}

}  // namespace rapport
