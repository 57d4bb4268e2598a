#include "notify/delivery.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "core/backoff.h"

namespace rapport {

std::int64_t DeliveryRetryDelayMs(int attempt) {
  return ExponentialBackoffMs(attempt, 5'000, 10 * 60'000);
}

namespace {

// Worth another try: the relay or receiver said "later", or the clinic's settings are wrong in a
// way an administrator can mend (TLS, sign-in) while the retries run.
bool Retryable(const Error& error) {
  return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kFailedPrecondition;
}

}  // namespace

DeliveryWorker::DeliveryWorker(Store& store, const Clock& clock, MailSender* mail,
                               WebhookSender* webhook, LiveChannel* live, DeliveryOptions options)
    : store_(store),
      clock_(clock),
      mail_(mail),
      webhook_(webhook),
      live_(live),
      options_(std::move(options)) {}

Result<int> DeliveryWorker::RunOnce() {
  const Timestamp now = clock_.Now();
  std::vector<Notification> claimed;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(
        claimed, txn.ClaimDueNotifications(now, now + options_.lease.count(), options_.batch));
    return Ok();
  }));
  // The claim puts live pushes first. They are pushed one after another and their outcomes
  // written in one commit: a push costs microseconds, and its audience (the open pages) goes
  // down with the process, so a crash before that commit loses nobody's banner. A mail or
  // webhook call is written as soon as it is accepted, so a crash re-sends at most the one that
  // was in flight.
  std::vector<Notification> pushed;
  const auto record = [&](std::span<const Notification> outcomes) -> Status {
    if (outcomes.empty()) return Ok();
    ++outcome_writes_;
    return store_.Write([&](WriteTxn& txn) -> Status {
      for (const Notification& n : outcomes) {
        RAPPORT_RETURN_IF_ERROR(txn.UpdateNotificationDelivery(n));
      }
      return Ok();
    });
  };
  for (Notification& n : claimed) {
    const Status sent = Deliver(n);
    RecordOutcome(n, sent, clock_.Now());
    if (n.channel == Channel::kLive) {
      pushed.push_back(n);
      continue;
    }
    RAPPORT_RETURN_IF_ERROR(record(pushed));
    pushed.clear();
    RAPPORT_RETURN_IF_ERROR(record(std::span(&n, 1)));
  }
  RAPPORT_RETURN_IF_ERROR(record(pushed));
  return static_cast<int>(claimed.size());
}

void DeliveryWorker::RecordOutcome(Notification& n, const Status& sent, Timestamp done) {
  if (sent) {
    n.last_error.clear();
    if (n.state == DeliveryState::kSending) n.state = DeliveryState::kSent;
    n.delivered_at = done;
  } else if (Retryable(sent.error()) && n.attempts < kMaxDeliveryAttempts) {
    n.state = DeliveryState::kPending;
    n.next_attempt_at = done + DeliveryRetryDelayMs(n.attempts);
    n.last_error = sent.error().message;
  } else {
    n.state = DeliveryState::kFailed;
    n.last_error = sent.error().message;
  }
}

Status DeliveryWorker::Deliver(Notification& n) {
  switch (n.channel) {
    case Channel::kLive: {
      if (live_ == nullptr || !n.recipient_id) {
        return Fail(Error::FailedPrecondition("no live channel"));
      }
      // Nobody has a page open: they see the alert when they next sign in.
      if (live_->Publish(*n.recipient_id, n.payload_json) == 0) n.state = DeliveryState::kSkipped;
      return Ok();
    }
    case Channel::kEmail: {
      if (mail_ == nullptr) {
        n.state = DeliveryState::kHeld;
        return Ok();
      }
      RAPPORT_ASSIGN_OR_RETURN(const ClinicChannels channels,
                               store_.GetClinicChannels(n.clinic_id));
      MailMessage message;
      message.from = channels.mail_from.empty() ? options_.mail_from : channels.mail_from;
      message.to = n.address;
      message.subject = n.subject;
      message.text = n.body;
      message.message_id = fmt::format("<notification-{}.{}@rapport>", n.id, n.created_at);
      return mail_->Send(message);
    }
    case Channel::kWebhook: {
      if (webhook_ == nullptr) return Fail(Error::FailedPrecondition("no webhook sender"));
      RAPPORT_ASSIGN_OR_RETURN(const ClinicChannels channels,
                               store_.GetClinicChannels(n.clinic_id));
      if (channels.webhook_secret.empty()) {
        return Fail(Error::FailedPrecondition("the clinic's webhook has no secret"));
      }
      WebhookCall call;
      call.url = n.address;
      call.secret = channels.webhook_secret;
      call.body = n.payload_json;
      call.delivery_id = fmt::format("notification-{}", n.id);
      call.timestamp_s = clock_.Now() / 1000;
      return webhook_->Post(call);
    }
  }
  return Fail(Error::Internal("unknown channel"));
}

}  // namespace rapport
