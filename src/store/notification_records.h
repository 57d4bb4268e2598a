#pragma once
// The records of getting an alert to a person (the notification outbox, the scheduler's jobs,
// on-call shifts, each person's channel preferences) and the clinic's safety configuration as
// the Store keeps them. Plain value types, copyable and thread-compatible.
//
// The outbox: whatever must follow a write (a mail, a live banner, a webhook call) is written as
// a Notification in the SAME transaction as that write, and delivered afterwards by the delivery
// worker, so that a crash can neither lose it nor send it twice. A job is something that must
// happen because time passed (an escalation step, a missed-feedback check); it is run and marked
// done in one transaction, so it runs exactly once even with several servers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "domain/people.h"
#include "store/feedback_records.h"

namespace rapport {

using NotificationId = std::int64_t;
using JobId = std::int64_t;
using ShiftId = std::int64_t;

enum class Channel : std::uint8_t { kLive, kEmail, kWebhook };
std::string_view ToString(Channel channel);           // "live", "email", "webhook"
Result<Channel> ParseChannel(std::string_view text);  // field "channel"

// pending -> sending (claimed by a worker, with a lease) -> sent | held | skipped | failed, and
// back to pending for a retry. A claim whose lease ran out (the worker died) is due again.
//  held:    an e-mail with no relay configured, kept for the clinic admin's outbox page;
//  skipped: a live event for a person with no page open (they see it when they next sign in);
//  failed:  gave up after the last retry (last_error says why).
enum class DeliveryState : std::uint8_t { kPending, kSending, kSent, kHeld, kSkipped, kFailed };
std::string_view ToString(DeliveryState state);
Result<DeliveryState> ParseDeliveryState(std::string_view text);

struct Notification {
  NotificationId id = 0;
  ClinicId clinic_id = 0;
  std::optional<AlertId> alert_id;
  std::optional<UserId> recipient_id;  // none for the clinic's webhook
  Channel channel = Channel::kEmail;
  std::string reason;  // "alert" | "escalation" | "feedback_request" | ...
  int step = 0;        // the escalation step that caused it
  // Unique when not empty: a second notification with the same key is not written
  // (InsertNotification answers kAlreadyExists), so a retried job cannot notify twice.
  std::string dedupe_key;
  std::string address;              // e-mail address or webhook URL, fixed when written
  std::string subject, body;        // mail text: never clinical content
  std::string payload_json = "{}";  // live event or webhook body
  Timestamp created_at = 0;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  Timestamp next_attempt_at = 0;  // pending: when due; sending: when the lease ends
  std::optional<Timestamp> delivered_at;
  std::string last_error;
};

// The order in which due notifications are taken: a live push first (it is what puts a banner on
// an open page within a second), then mail and webhook calls about an alert or its escalation,
// then everything else (feedback requests and reminders). Lower goes first.
int DeliveryPriority(const Notification& n);

enum class JobState : std::uint8_t { kPending, kDone, kCancelled };
std::string_view ToString(JobState state);
Result<JobState> ParseJobState(std::string_view text);

struct Job {
  JobId id = 0;
  ClinicId clinic_id = 0;
  std::string kind;  // "escalate" | "missed_feedback" | "feedback_requests"
  // Unique: scheduling the same key twice keeps the first (InsertJob answers the existing id).
  std::string key;
  std::string payload_json = "{}";
  Timestamp due_at = 0;
  JobState state = JobState::kPending;
  int attempts = 0;  // failed runs so far
  std::optional<Timestamp> done_at;
  std::string last_error;
};

// One stretch of on-call cover: [starts_at, ends_at).
struct OnCallShift {
  ShiftId id = 0;
  ClinicId clinic_id = 0;
  UserId user_id = 0;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;
};

// A person's choices. A critical alert reaches its recipients live and by e-mail whatever these
// say: nobody can opt out of being told about a risk answer.
struct NotificationPreferences {
  UserId user_id = 0;
  bool email = true;  // e-mail for alerts of at least email_min_severity
  Severity email_min_severity = Severity::kHigh;
  bool live = true;  // banners on open pages
};

// The clinic's own configuration for reaching people, beside its ClinicSettings. The safety
// settings and crisis sets are JSON whose format domain/ defines (escalation.h, crisis.h); the
// store keeps the text and never interprets it.
struct ClinicChannels {
  ClinicId clinic_id = 0;
  std::string webhook_url;     // empty: no webhook
  std::string webhook_secret;  // HMAC key shared with the clinic's pager or SMS gateway
  std::string mail_from;       // empty: the server's default sender
};

struct ClinicCrisisSet {
  ClinicId clinic_id = 0;
  std::string country;  // ISO 3166-1 alpha-2
  std::string set_json;
  UserId updated_by = 0;
  Timestamp updated_at = 0;
};

}  // namespace rapport
