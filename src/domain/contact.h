#pragma once
// How to reach a client, and whom to call when they cannot be reached: the record's basics the
// care team needs on a hard day (the risk alert shows them). Pure: parsing, checking, JSON.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

// How the client would like to be contacted.
enum class ContactMethod : std::uint8_t { kAny, kPhone, kText, kEmail };
std::string_view ToString(ContactMethod method);                  // "any", "phone", "text", "email"
Result<ContactMethod> ParseContactMethod(std::string_view text);  // field "contact_method"

struct ContactDetails {
  UserId client_id = 0;
  std::string phone;  // as the client writes it: digits, spaces, + - ( ) .
  ContactMethod method = ContactMethod::kAny;
  std::string contact_times;  // "weekday evenings after 6"
  std::string emergency_name;
  std::string emergency_relationship;  // "sister"
  std::string emergency_phone;
  // The name they like to be called by. Kept with the client's profile (ClientProfile), not with
  // the rest of these, so that everywhere that names the client uses it.
  std::string preferred_name;
  std::string pronouns;      // "she/her"
  std::string language;      // the language they prefer to be spoken to in, in words ("Spanish")
  Timestamp updated_at = 0;  // 0: never written
  UserId updated_by = 0;
};

inline constexpr std::size_t kMaxContactField = 120;

// The editable fields of a PUT body: phone, contact_method, contact_times, emergency_contact
// {name, relationship, phone}, preferred_name, pronouns, language (all optional; absent means
// empty; client_id and updated_at, as GET returns them, are ignored). Every
// problem is reported at once as kInvalidArgument with FieldErrors naming the field
// ("emergency_contact/phone"). A phone number holds 6 to 20 digits and only + - ( ) . and spaces
// besides; an emergency contact with a name needs a phone number, and one with a number a name.
Result<ContactDetails> ParseContactDetails(const Json& body);

// What ParseContactDetails reads, and updated_at (ISO 8601, null when never written).
Json ContactDetailsToJson(const ContactDetails& details);

}  // namespace rapport
