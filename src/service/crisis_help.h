#pragma once
// Internal to service/: what a person in crisis is shown, and what they are told will happen
// after a risk answer, from the clinic's own settings at this moment. Used by the help page, by
// every submission that carries a risk answer (signed in or by link), and by the demo check.
// The words are exactly what the clinic's settings make true (domain/escalation.h decides them).
// Thread-safe; reads only.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "store/store.h"

namespace rapport {

struct CrisisHelp {
  CrisisSet set;                  // the lines of the person's country (the clinic's own, if it has)
  std::vector<CrisisLine> lines;  // the ones to show this reader, in order
  CrisisWords words;              // title, body, the emergency label
  FollowUpWords after_risk;       // what happens after a risk answer, if one were given now
  std::string clinic_name;
  std::string hours;  // the clinic's hours in words
  bool open_now = false;
};

// For a client (their country, else the clinic's) read by `reader`. A guardian's help uses their
// clinic's country (client_id 0).
Result<CrisisHelp> CrisisHelpFor(Store& store, const CrisisDirectory& shipped, ClinicId clinic_id,
                                 UserId client_id, Reader reader, Timestamp now);

// Who reads the words: children under 13 get the child's version.
Reader ReaderFor(const ClientProfile& profile, Timestamp now);

}  // namespace rapport
