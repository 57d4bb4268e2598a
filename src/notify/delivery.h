#pragma once
// DeliveryWorker: takes due notifications from the store's outbox and delivers them (live to
// open pages, e-mail over SMTP, signed webhook calls), with retries and back-off.
//
// Guarantees:
//  - A notification is claimed with a lease before it is sent and marked delivered after, each in
//    a durable write: a crash between the two leaves it claimed, and once the lease runs out it
//    is sent again with the same Message-ID / delivery id, so a receiver can drop the repeat.
//    Nothing is lost; a repeat needs a crash in the instant between sending and recording it.
//  - With no mail relay (no MailSender), e-mails are kept as "held" for the clinic admin's outbox
//    page instead of being sent: the demo shows what would have gone out.
//  - A temporary failure (kUnavailable, or kFailedPrecondition: settings an administrator can mend)
//    is retried after 5 s, 10 s, 20 s ... at most 10 min, up to kMaxDeliveryAttempts; a permanent
//    one (a refused address, a malformed call) fails at once. A failed delivery
//    never stops escalation: that depends on acknowledgement, not on delivery.
// RunOnce() from one thread at a time per worker; several workers (servers) may share a store.
// Borrows everything it is given.

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "notify/mail.h"
#include "notify/webhook.h"
#include "store/store.h"

namespace rapport {

inline constexpr int kMaxDeliveryAttempts = 12;

// The live side: pushes an event to every open page of a person. Implemented by the web
// server's live hub. Thread-safe.
class LiveChannel {
 public:
  virtual ~LiveChannel() = default;
  // Queues `event_json` for each open page of `user`; returns how many pages it reached.
  virtual int Publish(UserId user, const std::string& event_json) = 0;
};

struct DeliveryOptions {
  std::string mail_from = "Rapport <no-reply@rapport.invalid>";  // unless the clinic sets its own
  int batch = 32;                                                // notifications claimed per round
  // How long a claim is kept before another worker may retry it: longer than the slowest send
  // (SMTP gives up after 20 s), short enough that a crash delays a mail by half a minute at most.
  std::chrono::milliseconds lease{30'000};
};

class DeliveryWorker {
 public:
  // `mail`, `webhook` and `live` may be null: mail is then held, webhooks and live events fail
  // permanently with a reason (a server always has a live channel; tests may not).
  DeliveryWorker(Store& store, const Clock& clock, MailSender* mail, WebhookSender* webhook,
                 LiveChannel* live, DeliveryOptions options = {});

  // Claims up to a batch of due notifications and delivers them. Returns how many were claimed.
  Result<int> RunOnce();

  // How many commits have recorded delivery outcomes since construction: the live pushes of a
  // round share one, each mail or webhook call has its own.
  int outcome_writes() const { return outcome_writes_; }

 private:
  Status Deliver(Notification& n);
  static void RecordOutcome(Notification& n, const Status& sent, Timestamp done);

  Store& store_;
  const Clock& clock_;
  MailSender* mail_;
  WebhookSender* webhook_;
  LiveChannel* live_;
  DeliveryOptions options_;
  int outcome_writes_ = 0;
};

// The back-off before retry `attempt` (1-based): 5 s, doubling, at most 10 min.
std::int64_t DeliveryRetryDelayMs(int attempt);

}  // namespace rapport
