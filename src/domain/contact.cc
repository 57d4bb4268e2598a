#include "domain/contact.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/text.h"

namespace rapport {

namespace {

constexpr std::array<std::pair<ContactMethod, std::string_view>, 4> kMethods{{
    {ContactMethod::kAny, "any"},
    {ContactMethod::kPhone, "phone"},
    {ContactMethod::kText, "text"},
    {ContactMethod::kEmail, "email"},
}};

// Empty when `phone` is a plausible number, else what is wrong with it.
std::string PhoneProblem(std::string_view phone) {
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '+' && c != '-' && c != '(' && c != ')' && c != '.' && c != ' ') {
      return "may hold only digits, spaces and + - ( ) .";
    }
  }
  if (digits < 6 || digits > 20) return "must have between 6 and 20 digits";
  return {};
}

}  // namespace

std::string_view ToString(ContactMethod method) {
  for (const auto& [m, name] : kMethods) {
    if (m == method) return name;
  }
  return "any";
}

Result<ContactMethod> ParseContactMethod(std::string_view text) {
  for (const auto& [m, name] : kMethods) {
    if (name == text) return m;
  }
  return Fail(Error::Field("contact_method", "must be one of: any, phone, text, email"));
}

Result<ContactDetails> ParseContactDetails(const Json& body) {
  if (!body.is_object()) return Fail(Error::Field("body", "must be a JSON object"));
  JsonObjectReader r(body);
  ContactDetails d;
  const auto text = [&](JsonObjectReader& reader, std::string_view key) {
    return std::string(Trim(reader.OptionalString(key, kMaxContactField).value_or(""), kBlanks));
  };
  d.phone = text(r, "phone");
  if (!d.phone.empty()) {
    if (std::string problem = PhoneProblem(d.phone); !problem.empty()) r.AddError("phone", problem);
  }
  if (const auto method = r.OptionalString("contact_method", 16)) {
    auto parsed = ParseContactMethod(*method);
    if (parsed) {
      d.method = *parsed;
    } else {
      r.AddError("contact_method", parsed.error().fields.front().message);
    }
  }
  d.contact_times = text(r, "contact_times");
  d.preferred_name = text(r, "preferred_name");
  d.pronouns = text(r, "pronouns");
  r.Optional("client_id");  // read back from a GET: not the body's to change
  r.Optional("updated_at");
  d.language = text(r, "language");
  if (d.method == ContactMethod::kPhone || d.method == ContactMethod::kText) {
    if (d.phone.empty()) r.AddError("phone", "is needed to be reached by phone or text");
  }
  std::vector<FieldError> nested;
  if (const Json* emergency = r.Optional("emergency_contact"); emergency && !emergency->is_null()) {
    if (!emergency->is_object()) {
      r.AddError("emergency_contact", "must be an object with name, relationship and phone");
    } else {
      JsonObjectReader e(*emergency, "emergency_contact/");
      d.emergency_name = text(e, "name");
      d.emergency_relationship = text(e, "relationship");
      d.emergency_phone = text(e, "phone");
      if (!d.emergency_phone.empty()) {
        if (std::string problem = PhoneProblem(d.emergency_phone); !problem.empty()) {
          e.AddError("phone", problem);
        }
      }
      if (!d.emergency_name.empty() && d.emergency_phone.empty()) {
        e.AddError("phone", "is needed to reach the emergency contact");
      }
      if (d.emergency_name.empty() &&
          (!d.emergency_phone.empty() || !d.emergency_relationship.empty())) {
        e.AddError("name", "says whom to call");
      }
      if (auto finished = e.Finish(); !finished) nested = std::move(finished.error().fields);
    }
  }
  auto finished = r.Finish();
  std::vector<FieldError> fields;
  if (!finished) fields = std::move(finished.error().fields);
  fields.insert(fields.end(), nested.begin(), nested.end());
  if (!fields.empty()) {
    return Fail(Error::InvalidArgument("the contact details are not valid", std::move(fields)));
  }
  return d;
}

Json ContactDetailsToJson(const ContactDetails& d) {
  return {{"client_id", d.client_id},
          {"phone", d.phone},
          {"contact_method", std::string(ToString(d.method))},
          {"contact_times", d.contact_times},
          {"emergency_contact",
           {{"name", d.emergency_name},
            {"relationship", d.emergency_relationship},
            {"phone", d.emergency_phone}}},
          {"preferred_name", d.preferred_name},
          {"pronouns", d.pronouns},
          {"language", d.language},
          {"updated_at", d.updated_at == 0 ? Json(nullptr) : Json(FormatIso8601(d.updated_at))}};
}

}  // namespace rapport
