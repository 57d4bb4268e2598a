#include "service/crisis_help.h"

#include "core/json.h"
#include "service/alert_notifier.h"

namespace rapport {

namespace {

constexpr int kChildWordsBelowAge = 13;

// The clinic's own set for `country`, else the shipped one, else the clinic country's shipped
// one; an unknown country never leaves a person without an emergency number.
Result<CrisisSet> SetFor(Store& store, const CrisisDirectory& shipped, ClinicId clinic_id,
                         const std::string& country, const std::string& clinic_country) {
  RAPPORT_ASSIGN_OR_RETURN(const auto own, store.ListClinicCrisisSets(clinic_id));
  for (const std::string& wanted : {country, clinic_country}) {
    if (wanted.empty()) continue;
    for (const ClinicCrisisSet& s : own) {
      if (s.country != wanted) continue;
      const Json json = Json::parse(s.set_json, nullptr, false);
      auto parsed = ParseCrisisSet(json);
      if (parsed) return *parsed;
    }
    if (const CrisisSet* set = shipped.Find(wanted)) return *set;
  }
  if (const CrisisSet* set = shipped.Find("US")) return *set;
  return Fail(Error::Internal("no crisis lines are known for this clinic"));
}

}  // namespace

Reader ReaderFor(const ClientProfile& profile, Timestamp now) {
  if (profile.date_of_birth.empty()) return Reader::kAdult;
  const int age = AgeInYears(profile.date_of_birth, now);
  return age >= 0 && age < kChildWordsBelowAge ? Reader::kChild : Reader::kAdult;
}

Result<CrisisHelp> CrisisHelpFor(Store& store, const CrisisDirectory& shipped, ClinicId clinic_id,
                                 UserId client_id, Reader reader, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store.GetClinic(clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const SafetySettings settings, LoadSafetySettings(store, clinic_id));
  std::string country;
  if (client_id != 0) {
    auto profile = store.GetClientProfile(client_id);
    if (profile)
      country = profile->country;
    else if (profile.error().code != ErrorCode::kNotFound)
      return Fail(profile.error());
  }
  CrisisHelp help;
  RAPPORT_ASSIGN_OR_RETURN(help.set, SetFor(store, shipped, clinic_id, country, settings.country));
  help.lines = LinesFor(help.set, reader);
  help.words = shipped.WordsFor(reader);
  help.clinic_name = clinic.name;
  help.hours = DescribeHours(settings.hours);
  RAPPORT_ASSIGN_OR_RETURN(help.open_now, ClinicOpenAt(settings, now));
  RAPPORT_ASSIGN_OR_RETURN(const auto on_call, store.ListOnCallShifts(clinic_id, now, now + 1));
  RAPPORT_ASSIGN_OR_RETURN(const std::string opens, NextOpeningInWords(settings, now));
  help.after_risk = DescribeFollowUp(settings, help.open_now, !on_call.empty(), opens, reader);
  return help;
}

}  // namespace rapport
