#pragma once
// Appointments from the client's side: asking to cancel or move one (the care team decides,
// within the clinic's notice rule), a calendar feed of one's appointments behind a secret
// address that can be reset, and a reminder the day before. Thread-safe; does not own the Store.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct AppointmentRequestView {
  AppointmentRequest request;
  Appointment appointment;
  UserId client_id = 0;
  std::string client_name;
  UserId therapist_id = 0;
  std::string requested_by_name, decided_by_name;
  int notice_hours = 24;  // the clinic's rule when the request was shown
};

struct CalendarLink {
  std::string path;  // "/api/v1/calendar/<secret>.ics": shown once; only its hash is kept
};

inline constexpr std::size_t kMaxRequestNote = 1000;
// A reminder goes out this long before an appointment.
inline constexpr std::int64_t kReminderAheadMs = 24LL * 60 * 60 * 1000;

class AppointmentService {
 public:
  AppointmentService(Store& store, const Clock& clock, std::string base_url = {})
      : store_(store), clock_(clock), base_url_(std::move(base_url)) {}

  // The client (or a guardian who may see the child) asks to cancel or move a scheduled
  // appointment that has not started. `note` (field "note", up to kMaxRequestNote bytes): why,
  // or which times would suit instead; required to move. Asking inside the clinic's notice
  // period is allowed and marked short_notice. kFailedPrecondition when the appointment is not
  // scheduled or has started; kAlreadyExists when a request is already waiting. The therapist
  // is told (live and e-mail); audited.
  Result<AppointmentRequestView> RequestChange(const Actor& actor, AppointmentId appointment_id,
                                               ChangeKind kind, const std::string& note);
  // The person who asked takes a waiting request back.
  Result<AppointmentRequestView> Withdraw(const Actor& actor, AppointmentRequestId id);
  // The appointment's therapist or their supervisor. Accepting a cancel cancels the
  // appointment; accepting a move needs `new_start` (field "starts_at", in the future) and
  // moves it. `reply` (field "reply") goes to the client, who is told either way. Audited.
  Result<AppointmentRequestView> Decide(const Actor& actor, AppointmentRequestId id, bool accept,
                                        const std::string& reply,
                                        std::optional<Timestamp> new_start);
  // Anyone who may see the appointment's episode: its requests, oldest first.
  Result<std::vector<AppointmentRequestView>> RequestsOfAppointment(const Actor& actor,
                                                                    AppointmentId appointment_id);
  // A therapist's waiting requests, or a supervisor's supervisees'; oldest first.
  Result<std::vector<AppointmentRequestView>> WaitingForCare(const Actor& actor);

  // A new secret address for the actor's calendar feed; any earlier one stops working.
  Result<CalendarLink> ResetCalendarFeed(const Actor& actor);
  // The feed behind `secret`: the owner's appointments from 30 days ago on (a client's own,
  // a therapist's sessions), cancelled ones marked so. kNotFound for an unknown secret or an
  // inactive owner. Audited as the owner reading their calendar.
  Result<std::string> CalendarFeed(std::string_view secret, std::string_view source);

 private:
  Result<AppointmentRequestView> View(const AppointmentRequest& request);

  Store& store_;
  const Clock& clock_;
  std::string base_url_;
};

// Queues one reminder (live and e-mail) to each client with a scheduled appointment starting
// within kReminderAheadMs of `now`; at most once per appointment and channel. For the
// scheduler.
Status QueueAppointmentReminders(WriteTxn& txn, Store& store, ClinicId clinic_id, Timestamp now,
                                 const std::string& base_url);

}  // namespace rapport
