#pragma once
// The wait before retry `attempt` (1-based) of something that failed: `first_ms`, doubling with
// each attempt, never more than `most_ms`. Shared by the scheduler's jobs and the delivery
// worker so that "try again later" means the same everywhere. Pure; thread-safe.

#include <algorithm>
#include <cstdint>

namespace rapport {

inline std::int64_t ExponentialBackoffMs(int attempt, std::int64_t first_ms, std::int64_t most_ms) {
  std::int64_t delay = first_ms;
  for (int i = 1; i < attempt && delay < most_ms; ++i) delay *= 2;
  return std::min(delay, most_ms);
}

}  // namespace rapport
