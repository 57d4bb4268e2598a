#pragma once
// Scheduler: everything that happens because time passed (escalation steps, the missed-feedback
// check, feedback requests and reminders) is a Job in the store, and runs here: each job in its
// own write, together with marking it done, so that it runs exactly once even when several
// servers share one database or a server dies halfway (the write then never happened and the job
// is still pending). Jobs whose time passed while no server ran are run when one starts again.
//
// A handler returns an error to be retried later (with back-off, never given up: an escalation
// must not be dropped); it must do all its work through the transaction it is given.
// Register handlers before the first RunDue(); RunDue() is then safe from any one thread at a
// time (the server calls it from its one background thread). Borrows the Store and Clock.

#include <functional>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "store/store.h"

namespace rapport {

class Scheduler {
 public:
  // Does the job's work inside `txn`; `payload` is the job's payload_json parsed.
  using Handler =
      std::function<Status(WriteTxn& txn, const Job& job, const Json& payload, Timestamp now)>;

  Scheduler(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  void Handle(const std::string& kind, Handler handler) { handlers_[kind] = std::move(handler); }

  // Runs every job due now (at most `limit`), oldest due first. Returns how many ran to
  // completion; a job whose handler failed is rescheduled (due in 5 s, doubling, at most 5 min)
  // with its error kept in last_error. kUnavailable only when the store cannot be read.
  Result<int> RunDue(int limit = 100);

 private:
  Store& store_;
  const Clock& clock_;
  std::map<std::string, Handler> handlers_;
};

// The back-off before retry `attempt` (1-based) of a failed job: 5 s, 10 s, 20 s, ... 5 min.
std::int64_t JobRetryDelayMs(int attempt);

}  // namespace rapport
