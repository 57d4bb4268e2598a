#pragma once
// BackgroundLoop: one thread that runs a round of work, then sleeps until the round asks to run
// again, the doorbell rings (new work was written) or the loop stops. The server runs its
// scheduler and delivery worker in one such loop. Start() and Stop() from one controlling thread;
// Stop() lets the round in progress finish, then joins. Borrows the doorbell.

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "core/doorbell.h"

namespace rapport {

class BackgroundLoop {
 public:
  // Does one round of work and says how long it may sleep before the next (it is woken early
  // by the doorbell).
  using Round = std::function<std::chrono::milliseconds()>;

  BackgroundLoop(Doorbell& doorbell, Round round) : doorbell_(doorbell), round_(std::move(round)) {}
  ~BackgroundLoop() { Stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void Start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
      while (!stopping_) {
        const std::chrono::milliseconds sleep = round_();
        if (stopping_) break;
        doorbell_.Wait(sleep);
      }
    });
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    doorbell_.Ring();
    thread_.join();
  }

 private:
  Doorbell& doorbell_;
  Round round_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace rapport
