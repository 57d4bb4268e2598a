#pragma once
// Internal to service/: turning an alert into the notifications that get it to a person, inside
// the very write that stores the alert (the outbox), and walking the escalation ladder when
// nobody acknowledges it (run by the scheduler). What is written here is delivered later by the
// delivery worker; nothing here sends anything.
//
// Guarantees:
//  - Every alert reaches the treating therapist: live on their open pages, and by e-mail when
//    their preferences ask for it. An urgent alert (any risk answer, whatever its grade, and
//    anything at or above the ladder's severity) always comes by e-mail and live, whatever the
//    preferences, goes through the clinic's webhook when it has one, and escalates: the client
//    is told it will, so it must.
//  - An urgent alert schedules its next step; a step runs only while
//    the alert is still open (not acknowledged), and notifies each person of a step once
//    (dedupe keys), however often a job is retried.
//  - Mail and webhook bodies carry no clinical content: a name of staff, a link, a severity.
// Pure functions of their arguments and the transaction; thread-safe.

#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "domain/escalation.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::string_view kEscalateJob = "escalate";

struct NotifierConfig {
  const EscalationLadder* ladder = nullptr;  // borrowed; ShippedEscalationLadder() by default
  std::string base_url;  // "https://rapport.clinic.example": links in mails; empty: relative
};

// Whether `alert` is urgent: a risk answer of any grade, or severe enough for the ladder.
bool IsUrgent(const EscalationLadder& ladder, const FeedbackAlert& alert);

// The clinic's safety settings as stored, or the defaults when it never saved any.
Result<SafetySettings> LoadSafetySettings(WriteTxn& txn, ClinicId clinic_id);
Result<SafetySettings> LoadSafetySettings(Store& store, ClinicId clinic_id);

// Whether the clinic is open at `now` by its own hours in its own time zone.
Result<bool> ClinicOpenAt(const SafetySettings& settings, Timestamp now);
// When it next opens, in words ("on Monday at 9:00"); empty when it never does.
Result<std::string> NextOpeningInWords(const SafetySettings& settings, Timestamp now);

// Inside the write that stored `alert` (with its id): step 0 of the ladder, and the job for
// step 1 when the alert escalates.
Status NotifyAlertRaised(WriteTxn& txn, const NotifierConfig& config, const FeedbackAlert& alert,
                         const Episode& episode, const std::string& client_name, Timestamp now);

// The escalation job's work: step `step` for alert `alert_id`, when it is still open, and the job
// for the step after it. An acknowledged or resolved alert ends the ladder quietly.
Status EscalateAlert(WriteTxn& txn, const NotifierConfig& config, AlertId alert_id, int step,
                     Timestamp now);

}  // namespace rapport
