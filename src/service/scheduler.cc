#include "service/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/backoff.h"

namespace rapport {

std::int64_t JobRetryDelayMs(int attempt) {
  return ExponentialBackoffMs(attempt, 5'000, 5 * 60'000);
}

Result<int> Scheduler::RunDue(int limit) {
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const auto due, store_.ListDueJobs(now, limit));
  int ran = 0;
  for (const Job& listed : due) {
    std::string failure;
    const Status written = store_.Write([&](WriteTxn& txn) -> Status {
      // Read again inside the write: another server may have run it since it was listed.
      RAPPORT_ASSIGN_OR_RETURN(Job job, txn.GetJob(listed.id));
      if (job.state != JobState::kPending || job.due_at > now) return Ok();
      const auto handler = handlers_.find(job.kind);
      if (handler == handlers_.end()) {
        return Fail(Error::Internal(fmt::format("no handler for jobs of kind '{}'", job.kind)));
      }
      const Json payload = Json::parse(job.payload_json, nullptr, false);
      if (payload.is_discarded()) return Fail(Error::Internal("corrupt job payload"));
      RAPPORT_RETURN_IF_ERROR(handler->second(txn, job, payload, now));
      job.state = JobState::kDone;
      job.done_at = now;
      job.last_error.clear();
      RAPPORT_RETURN_IF_ERROR(txn.UpdateJob(job));
      ++ran;
      return Ok();
    });
    if (written) continue;
    failure = written.error().message;
    // The work was rolled back; keep the job, later, with the reason.
    const Status rescheduled = store_.Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(Job job, txn.GetJob(listed.id));
      if (job.state != JobState::kPending) return Ok();
      job.attempts += 1;
      job.due_at = now + JobRetryDelayMs(job.attempts);
      job.last_error = failure;
      return txn.UpdateJob(job);
    });
    if (!rescheduled) return Fail(rescheduled.error());
  }
  return ran;
}

}  // namespace rapport
