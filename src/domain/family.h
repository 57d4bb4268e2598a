#pragma once
// The adults around a child in therapy: each guardian's relationship, legal authority and how they
// like to be contacted; what each one sees of the child's record, by the child's age band and the
// clinic's jurisdiction; consent by guardians and assent by the child, recorded separately, dated
// and renewed; and the safety disclosures by which a therapist, for a stated reason, shows one
// guardian an item a young person had kept confidential. Pure: the service layer reads the
// record, checks access and audits.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"
#include "domain/plan.h"

namespace rapport {

// --- Age bands -----------------------------------------------------------------------------

enum class AgeBand {
  kChild,            // "child": under the clinic's adolescent_from_age
  kAdolescent,       // "adolescent": from then until minor_consent_age
  kConsentingMinor,  // "consenting_minor": consents to their own care, under the age of majority
  kAdult,            // "adult": of age, or of unknown age
};
std::string_view ToString(AgeBand band);

// The band of a client at `now`. Unknown date of birth: kAdult (as IsMinor, a guardian then
// needs a recorded exception).
AgeBand AgeBandOf(const ClientProfile& profile, Timestamp now, const ClinicSettings& settings);

// adolescent_from_age 8..minor_consent_age; minor_consent_age adolescent_from_age..age_of_majority.
// Errors name the field.
Status ValidateAgeBands(const ClinicSettings& settings);

// --- What a guardian sees ----------------------------------------------------------------

enum class GuardianSection { kAppointments, kPlan, kMeasures, kMessages, kSummaries };
// "appointments", "plan", "measures", "messages", "summaries".
std::string_view ToString(GuardianSection section);
inline constexpr GuardianSection kAllGuardianSections[] = {
    GuardianSection::kAppointments, GuardianSection::kPlan, GuardianSection::kMeasures,
    GuardianSection::kMessages, GuardianSection::kSummaries};
bool Shares(const GuardianSections& sections, GuardianSection section);

// {"appointments": true, ...}: every section named, as a boolean.
Json GuardianSectionsToJson(const GuardianSections& sections);
// An object of booleans named by the sections; a missing one is false; any other key, or a value
// that is not a boolean, is kInvalidArgument on "<field>/<key>".
Result<GuardianSections> GuardianSectionsFromJson(const Json& json, std::string_view field);
Json GuardianPolicyToJson(const GuardianPolicy& policy);  // {"child": {...}, "adolescent": ...}
Result<GuardianPolicy> GuardianPolicyFromJson(const Json& json, std::string_view field);

// The clinic's default for a band; an adult with a guardian by exception gets the consenting
// minor's.
const GuardianSections& PolicyFor(const GuardianPolicy& policy, AgeBand band);

enum class GuardianRelationship {
  kParent,         // "parent"
  kStepParent,     // "step_parent"
  kGrandparent,    // "grandparent"
  kFosterCarer,    // "foster_carer"
  kOtherRelative,  // "other_relative"
  kOther,          // "other": a social worker, a legal guardian who is not family
};
std::string_view ToString(GuardianRelationship relationship);
Result<GuardianRelationship> ParseGuardianRelationship(std::string_view text);  // "relationship"

enum class LegalAuthority {
  kParentalResponsibility,  // "parental_responsibility"
  kSharedCustody,           // "shared_custody": shares custody with another guardian
  kLimitedByCourtOrder,     // "limited_by_court_order": a court order limits what they may know
  kNone,                    // "none": involved in care without legal authority (a step-parent)
};
std::string_view ToString(LegalAuthority authority);
Result<LegalAuthority> ParseLegalAuthority(std::string_view text);  // field "authority"

enum class ContactChannel { kEmail, kPhone, kText, kPost };  // "email", "phone", "text", "post"
std::string_view ToString(ContactChannel channel);
Result<ContactChannel> ParseContactChannel(std::string_view text);  // field "contact_channel"

// One guardian's standing towards the child, as the care team recorded it. A link with none
// recorded stands as DefaultStanding.
struct GuardianStanding {
  GuardianLinkId link_id = 0;
  GuardianRelationship relationship = GuardianRelationship::kParent;
  LegalAuthority authority = LegalAuthority::kParentalResponsibility;
  // What the order says and its date: required (1..2000) when limited by a court order.
  std::string court_order;
  ContactChannel contact_channel = ContactChannel::kEmail;
  std::string contact_note;  // "weekday evenings"; 0..500
  // The care team's choice for this guardian; none: the clinic's policy for the child's age band
  // (nothing at all when limited by a court order).
  std::optional<GuardianSections> sections;
  UserId updated_by = 0;  // 0: the system
  Timestamp updated_at = 0;

  friend bool operator==(const GuardianStanding&, const GuardianStanding&) = default;
};

GuardianStanding DefaultStanding(GuardianLinkId link_id);

// Trims the notes and checks them (fields "court_order", "contact_note").
Result<GuardianStanding> ValidatedStanding(GuardianStanding standing);

// What the guardian sees now: the care team's choice, else the clinic's policy for the band
// (nothing when a court order limits them and the team has not chosen). When the clinic does not
// share clinical detail with guardians, only appointments at most.
GuardianSections SectionsFor(const GuardianStanding& standing, AgeBand band,
                             const ClinicSettings& settings);

// --- Confidential items ----------------------------------------------------------------

// Whether a guardian may see this problem or goal: not when confidential (a goal also not when
// its problem is), unless its key is in `disclosed`.
bool GuardianMaySee(const PlanContent& content, const Problem& problem,
                    const std::set<std::string>& disclosed);
bool GuardianMaySee(const PlanContent& content, const Goal& goal,
                    const std::set<std::string>& disclosed);
// Removes from `content` every problem and goal a guardian may not see (and their keys from the
// agreed order). True when anything was removed.
bool WithholdConfidential(PlanContent& content, const std::set<std::string>& disclosed);

// --- Consent and assent ----------------------------------------------------------------

using ConsentId = std::int64_t;

enum class ConsentKind {
  kGuardianConsent,  // "guardian_consent": a guardian with authority consents to the child's care
  kAssent,           // "assent": the child agrees, in their own words, to taking part
  kOwnConsent,       // "own_consent": a young person old enough consents for themself
};
std::string_view ToString(ConsentKind kind);
Result<ConsentKind> ParseConsentKind(std::string_view text);  // field "kind"

struct CareConsent {
  ConsentId id = 0;
  UserId child_id = 0;
  ConsentKind kind = ConsentKind::kGuardianConsent;
  GuardianLinkId guardian_link_id = 0;  // whose consent; only for kGuardianConsent
  std::string given_on;                 // "YYYY-MM-DD"
  std::string renew_by;                 // "YYYY-MM-DD", after given_on
  std::string note;                     // how it was given; 0..2000
  UserId recorded_by = 0;
  Timestamp recorded_at = 0;
};

// Checks dates and note (fields "given_on" — a valid date, not after `now` — "renew_by" —
// after given_on and at most three years on — "note", "guardian_link_id" — given exactly for a
// guardian's consent). Trims the note.
Result<CareConsent> ValidatedConsent(CareConsent consent, Timestamp now);

enum class ConsentState {
  kCurrent,     // "current"
  kRenewalDue,  // "renewal_due": renew_by within the next 30 days
  kLapsed,      // "lapsed": renew_by has passed
};
std::string_view ToString(ConsentState state);
ConsentState StateOf(const CareConsent& consent, Timestamp now);

// What a child of the band needs recorded: a guardian's consent and the child's assent for a
// child or adolescent; their own consent from the age of consent on.
std::vector<ConsentKind> ConsentsNeeded(AgeBand band);
// The records that count now: the newest of each kind, and of guardians' consents the newest per
// guardian, in the order given (recorded order).
std::vector<CareConsent> LatestConsents(const std::vector<CareConsent>& all);
// The kinds of ConsentsNeeded with no latest record that has not lapsed.
std::vector<ConsentKind> MissingConsents(AgeBand band, const std::vector<CareConsent>& all,
                                         Timestamp now);

// --- Safety disclosures --------------------------------------------------------------------

using DisclosureId = std::int64_t;

// The law's exception to a young person's confidence: the therapist shows one guardian one
// confidential item, for a stated reason. Never automatic; each is audited.
struct SafetyDisclosure {
  DisclosureId id = 0;
  EpisodeId episode_id = 0;
  GuardianLinkId guardian_link_id = 0;
  std::string item_key;  // a problem or goal key of the episode's plan
  std::string reason;    // why safety requires it (20..4000 characters)
  UserId disclosed_by = 0;
  Timestamp disclosed_at = 0;
};

// Trims and checks the reason (field "reason"); the item must be a confidential problem or goal
// of `content` (field "item").
Result<SafetyDisclosure> ValidatedDisclosure(SafetyDisclosure disclosure,
                                             const PlanContent& content);

}  // namespace rapport
