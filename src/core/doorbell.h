#pragma once
// Doorbell: how a writer tells a background worker "there is something for you now" without the
// worker polling fast. Ring() from any thread; Wait() returns when rung (since the last Wait) or
// at the deadline, whichever comes first. A ring before the Wait is not lost. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace rapport {

class Doorbell {
 public:
  void Ring() {
    {
      const std::lock_guard lock(mu_);
      rung_ = true;
    }
    cv_.notify_all();
  }

  // True when rung, false at the timeout. Clears the ring either way.
  bool Wait(std::chrono::milliseconds at_most) {
    std::unique_lock lock(mu_);
    const bool rung = cv_.wait_for(lock, at_most, [this] { return rung_; });
    rung_ = false;
    return rung;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool rung_ = false;
};

}  // namespace rapport
