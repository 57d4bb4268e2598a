#include "domain/family.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/calendar_date.h"
#include "core/text.h"
#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<AgeBand, 4> kAgeBands{{{AgeBand::kChild, "child"},
                                           {AgeBand::kAdolescent, "adolescent"},
                                           {AgeBand::kConsentingMinor, "consenting_minor"},
                                           {AgeBand::kAdult, "adult"}}};

constexpr EnumNames<GuardianSection, 5> kSections{{{GuardianSection::kAppointments, "appointments"},
                                                   {GuardianSection::kPlan, "plan"},
                                                   {GuardianSection::kMeasures, "measures"},
                                                   {GuardianSection::kMessages, "messages"},
                                                   {GuardianSection::kSummaries, "summaries"}}};

constexpr EnumNames<GuardianRelationship, 6> kRelationships{
    {{GuardianRelationship::kParent, "parent"},
     {GuardianRelationship::kStepParent, "step_parent"},
     {GuardianRelationship::kGrandparent, "grandparent"},
     {GuardianRelationship::kFosterCarer, "foster_carer"},
     {GuardianRelationship::kOtherRelative, "other_relative"},
     {GuardianRelationship::kOther, "other"}}};

constexpr EnumNames<LegalAuthority, 4> kAuthorities{
    {{LegalAuthority::kParentalResponsibility, "parental_responsibility"},
     {LegalAuthority::kSharedCustody, "shared_custody"},
     {LegalAuthority::kLimitedByCourtOrder, "limited_by_court_order"},
     {LegalAuthority::kNone, "none"}}};

constexpr EnumNames<ContactChannel, 4> kChannels{{{ContactChannel::kEmail, "email"},
                                                  {ContactChannel::kPhone, "phone"},
                                                  {ContactChannel::kText, "text"},
                                                  {ContactChannel::kPost, "post"}}};

constexpr EnumNames<ConsentKind, 3> kConsentKinds{
    {{ConsentKind::kGuardianConsent, "guardian_consent"},
     {ConsentKind::kAssent, "assent"},
     {ConsentKind::kOwnConsent, "own_consent"}}};

constexpr EnumNames<ConsentState, 3> kConsentStates{{{ConsentState::kCurrent, "current"},
                                                     {ConsentState::kRenewalDue, "renewal_due"},
                                                     {ConsentState::kLapsed, "lapsed"}}};

constexpr Timestamp kDayMs = 24LL * 60 * 60 * 1000;
constexpr std::size_t kMaxCourtOrder = 2000;
constexpr std::size_t kMaxContactNote = 500;
constexpr std::size_t kMaxConsentNote = 2000;
constexpr std::size_t kMinReason = 20;
constexpr std::size_t kMaxReason = 4000;

bool* SectionFlag(GuardianSections& sections, GuardianSection section) {
  switch (section) {
    case GuardianSection::kAppointments: return &sections.appointments;
    case GuardianSection::kPlan: return &sections.plan;
    case GuardianSection::kMeasures: return &sections.measures;
    case GuardianSection::kMessages: return &sections.messages;
    case GuardianSection::kSummaries: return &sections.summaries;
  }
  return nullptr;
}

// The first millisecond of a "YYYY-MM-DD" date (UTC), or nothing when it is not one.
std::optional<Timestamp> DayOf(std::string_view date) {
  const auto parsed = ParseCalendarDate(date);
  if (!parsed) return std::nullopt;
  return StartOfDate(*parsed);
}

Result<std::string> Paragraphs(std::string_view text, std::string_view field, std::size_t max,
                               bool required) {
  return NormalizeParagraphs(text, field, max, required);
}

}  // namespace

std::string_view ToString(AgeBand band) {
  return EnumName(band, kAgeBands);
}

AgeBand AgeBandOf(const ClientProfile& profile, Timestamp now, const ClinicSettings& settings) {
  if (profile.date_of_birth.empty()) return AgeBand::kAdult;
  const int age = AgeInYears(profile.date_of_birth, now);
  if (age < 0 || age >= settings.age_of_majority) return AgeBand::kAdult;
  if (age >= settings.minor_consent_age) return AgeBand::kConsentingMinor;
  if (age >= settings.adolescent_from_age) return AgeBand::kAdolescent;
  return AgeBand::kChild;
}

Status ValidateAgeBands(const ClinicSettings& settings) {
  if (settings.adolescent_from_age < 8 ||
      settings.adolescent_from_age > settings.minor_consent_age) {
    return Fail(Error::Field("adolescent_from_age",
                             "must be a whole number from 8 to the age of consent to care"));
  }
  if (settings.minor_consent_age > settings.age_of_majority) {
    return Fail(Error::Field("minor_consent_age",
                             "must be a whole number from the adolescent age to the age of "
                             "majority"));
  }
  return Ok();
}

std::string_view ToString(GuardianSection section) {
  return EnumName(section, kSections);
}

bool Shares(const GuardianSections& sections, GuardianSection section) {
  GuardianSections copy = sections;
  return *SectionFlag(copy, section);
}

Json GuardianSectionsToJson(const GuardianSections& sections) {
  Json out = Json::object();
  for (const GuardianSection s : kAllGuardianSections)
    out[std::string(ToString(s))] = Shares(sections, s);
  return out;
}

Result<GuardianSections> GuardianSectionsFromJson(const Json& json, std::string_view field) {
  if (!json.is_object()) return Fail(Error::Field(std::string(field), "must be an object"));
  GuardianSections out;
  for (const auto& [key, value] : json.items()) {
    auto section = ParseEnum(key, kSections, fmt::format("{}/{}", field, key));
    if (!section) return Fail(std::move(section).error());
    if (!value.is_boolean()) {
      return Fail(Error::Field(fmt::format("{}/{}", field, key), "must be true or false"));
    }
    *SectionFlag(out, *section) = value.get<bool>();
  }
  return out;
}

Json GuardianPolicyToJson(const GuardianPolicy& policy) {
  return Json{{"child", GuardianSectionsToJson(policy.child)},
              {"adolescent", GuardianSectionsToJson(policy.adolescent)},
              {"consenting_minor", GuardianSectionsToJson(policy.consenting_minor)}};
}

Result<GuardianPolicy> GuardianPolicyFromJson(const Json& json, std::string_view field) {
  if (!json.is_object()) return Fail(Error::Field(std::string(field), "must be an object"));
  GuardianPolicy out;
  for (const auto& [key, value] : json.items()) {
    const std::string path = fmt::format("{}/{}", field, key);
    GuardianSections* band = key == "child"              ? &out.child
                             : key == "adolescent"       ? &out.adolescent
                             : key == "consenting_minor" ? &out.consenting_minor
                                                         : nullptr;
    if (band == nullptr) {
      return Fail(Error::Field(path, "must be one of: child, adolescent, consenting_minor"));
    }
    RAPPORT_ASSIGN_OR_RETURN(*band, GuardianSectionsFromJson(value, path));
  }
  return out;
}

const GuardianSections& PolicyFor(const GuardianPolicy& policy, AgeBand band) {
  switch (band) {
    case AgeBand::kChild: return policy.child;
    case AgeBand::kAdolescent: return policy.adolescent;
    case AgeBand::kConsentingMinor:
    case AgeBand::kAdult: return policy.consenting_minor;
  }
  return policy.consenting_minor;
}

std::string_view ToString(GuardianRelationship relationship) {
  return EnumName(relationship, kRelationships);
}
Result<GuardianRelationship> ParseGuardianRelationship(std::string_view text) {
  return ParseEnum(text, kRelationships, "relationship");
}
std::string_view ToString(LegalAuthority authority) {
  return EnumName(authority, kAuthorities);
}
Result<LegalAuthority> ParseLegalAuthority(std::string_view text) {
  return ParseEnum(text, kAuthorities, "authority");
}
std::string_view ToString(ContactChannel channel) {
  return EnumName(channel, kChannels);
}
Result<ContactChannel> ParseContactChannel(std::string_view text) {
  return ParseEnum(text, kChannels, "contact_channel");
}

GuardianStanding DefaultStanding(GuardianLinkId link_id) {
  GuardianStanding standing;
  standing.link_id = link_id;
  return standing;
}

Result<GuardianStanding> ValidatedStanding(GuardianStanding standing) {
  const bool limited = standing.authority == LegalAuthority::kLimitedByCourtOrder;
  RAPPORT_ASSIGN_OR_RETURN(standing.court_order, Paragraphs(standing.court_order, "court_order",
                                                            kMaxCourtOrder, limited));
  RAPPORT_ASSIGN_OR_RETURN(standing.contact_note, Paragraphs(standing.contact_note, "contact_note",
                                                             kMaxContactNote, false));
  return standing;
}

GuardianSections SectionsFor(const GuardianStanding& standing, AgeBand band,
                             const ClinicSettings& settings) {
  GuardianSections out;
  if (standing.sections) {
    out = *standing.sections;
  } else if (standing.authority != LegalAuthority::kLimitedByCourtOrder) {
    out = PolicyFor(settings.guardian_policy, band);
  }
  if (!settings.share_with_guardians) {
    out.plan = out.measures = out.messages = out.summaries = false;
  }
  return out;
}

bool GuardianMaySee(const PlanContent& /*content*/, const Problem& problem,
                    const std::set<std::string>& disclosed) {
  return !problem.confidential || disclosed.contains(problem.key);
}

bool GuardianMaySee(const PlanContent& content, const Goal& goal,
                    const std::set<std::string>& disclosed) {
  if (disclosed.contains(goal.key)) return true;
  if (goal.confidential) return false;
  const Problem* problem = content.FindProblem(goal.problem_key);
  return problem == nullptr || GuardianMaySee(content, *problem, disclosed);
}

bool WithholdConfidential(PlanContent& content, const std::set<std::string>& disclosed) {
  const PlanContent before = content;
  std::erase_if(content.goals,
                [&](const Goal& g) { return !GuardianMaySee(before, g, disclosed); });
  std::erase_if(content.problems,
                [&](const Problem& p) { return !GuardianMaySee(before, p, disclosed); });
  std::erase_if(content.agreed_order,
                [&](const std::string& key) { return content.FindProblem(key) == nullptr; });
  return content.goals.size() != before.goals.size() ||
         content.problems.size() != before.problems.size();
}

std::string_view ToString(ConsentKind kind) {
  return EnumName(kind, kConsentKinds);
}
Result<ConsentKind> ParseConsentKind(std::string_view text) {
  return ParseEnum(text, kConsentKinds, "kind");
}
std::string_view ToString(ConsentState state) {
  return EnumName(state, kConsentStates);
}

Result<CareConsent> ValidatedConsent(CareConsent consent, Timestamp now) {
  const auto given = DayOf(consent.given_on);
  if (!given) return Fail(Error::Field("given_on", "must be a date such as 2026-09-01"));
  if (*given > now) return Fail(Error::Field("given_on", "cannot be in the future"));
  const auto renew = DayOf(consent.renew_by);
  if (!renew) return Fail(Error::Field("renew_by", "must be a date such as 2027-09-01"));
  if (*renew <= *given) return Fail(Error::Field("renew_by", "must be after the day it was given"));
  if (*renew - *given > 3 * 366 * kDayMs) {
    return Fail(Error::Field("renew_by", "must be at most three years after it was given"));
  }
  const bool guardians = consent.kind == ConsentKind::kGuardianConsent;
  if (guardians && consent.guardian_link_id == 0) {
    return Fail(Error::Field("guardian_link_id", "say which guardian gave their consent"));
  }
  if (!guardians && consent.guardian_link_id != 0) {
    return Fail(Error::Field("guardian_link_id", "is only for a guardian's consent"));
  }
  RAPPORT_ASSIGN_OR_RETURN(consent.note, Paragraphs(consent.note, "note", kMaxConsentNote, false));
  return consent;
}

ConsentState StateOf(const CareConsent& consent, Timestamp now) {
  const auto renew = DayOf(consent.renew_by);
  if (!renew || *renew <= now) return ConsentState::kLapsed;
  if (*renew - now <= 30 * kDayMs) return ConsentState::kRenewalDue;
  return ConsentState::kCurrent;
}

std::vector<ConsentKind> ConsentsNeeded(AgeBand band) {
  switch (band) {
    case AgeBand::kChild:
    case AgeBand::kAdolescent: return {ConsentKind::kGuardianConsent, ConsentKind::kAssent};
    case AgeBand::kConsentingMinor:
    case AgeBand::kAdult: return {ConsentKind::kOwnConsent};
  }
  return {};
}

std::vector<CareConsent> LatestConsents(const std::vector<CareConsent>& all) {
  // The newest record per (kind, guardian) wins; kept in the order of the winners' records.
  std::map<std::pair<ConsentKind, GuardianLinkId>, std::size_t> newest;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto key = std::make_pair(all[i].kind, all[i].guardian_link_id);
    const auto it = newest.find(key);
    if (it == newest.end() || all[it->second].recorded_at <= all[i].recorded_at) newest[key] = i;
  }
  std::vector<std::size_t> picked;
  for (const auto& [key, index] : newest) picked.push_back(index);
  std::sort(picked.begin(), picked.end());
  std::vector<CareConsent> out;
  for (const std::size_t i : picked) out.push_back(all[i]);
  return out;
}

std::vector<ConsentKind> MissingConsents(AgeBand band, const std::vector<CareConsent>& all,
                                         Timestamp now) {
  const std::vector<CareConsent> latest = LatestConsents(all);
  std::vector<ConsentKind> missing;
  for (const ConsentKind kind : ConsentsNeeded(band)) {
    const bool held = std::any_of(latest.begin(), latest.end(), [&](const CareConsent& c) {
      return c.kind == kind && StateOf(c, now) != ConsentState::kLapsed;
    });
    if (!held) missing.push_back(kind);
  }
  return missing;
}

Result<SafetyDisclosure> ValidatedDisclosure(SafetyDisclosure disclosure,
                                             const PlanContent& content) {
  const Problem* problem = content.FindProblem(disclosure.item_key);
  const Goal* goal = content.FindGoal(disclosure.item_key);
  const bool confidential = (problem != nullptr && problem->confidential) ||
                            (goal != nullptr && !GuardianMaySee(content, *goal, {}));
  if (!confidential) {
    return Fail(Error::Field("item", "must be a confidential problem or goal of the plan"));
  }
  RAPPORT_ASSIGN_OR_RETURN(disclosure.reason,
                           Paragraphs(disclosure.reason, "reason", kMaxReason, true));
  if (disclosure.reason.size() < kMinReason) {
    return Fail(Error::Field("reason", "say in a sentence or two why safety requires it"));
  }
  return disclosure;
}

}  // namespace rapport
