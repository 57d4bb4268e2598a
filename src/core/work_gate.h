#pragma once
// WorkGate: bounds an expensive kind of work (password hashing) to a few threads at once with a
// small waiting room, and turns everyone beyond that away at once instead of letting them pile
// up. A flood then costs the server `slots` units of the work plus a fast refusal per extra
// caller, not one unit per caller. Thread-safe.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace rapport {

class WorkGate {
 public:
  // At most `slots` (>= 1) run at once; at most `waiting` (>= 0) more wait for a slot.
  WorkGate(int slots, int waiting)
      : slots_(slots < 1 ? 1 : slots), waiting_(waiting < 0 ? 0 : waiting) {}
  WorkGate(const WorkGate&) = delete;
  WorkGate& operator=(const WorkGate&) = delete;

  // A place taken in the gate: a running slot or a seat in the waiting room. Run() waits for a
  // slot, runs fn and gives the place back. Move-only; a place never run is given back when the
  // ticket goes away.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (gate_ != nullptr) gate_->Leave(/*ran=*/false);
    }
    explicit operator bool() const { return gate_ != nullptr; }

    template <typename Fn>
    auto Run(Fn&& fn) {
      WorkGate* gate = std::exchange(gate_, nullptr);
      gate->WaitForSlot();
      struct Release {
        WorkGate* gate;
        ~Release() { gate->Leave(/*ran=*/true); }
      } release{gate};
      return std::forward<Fn>(fn)();
    }

   private:
    friend class WorkGate;
    explicit Ticket(WorkGate* gate) : gate_(gate) {}
    WorkGate* gate_;
  };

  // A ticket, or an empty one (false) at once when every slot and seat is taken.
  Ticket Enter() {
    const std::lock_guard lock(mu_);
    if (inside_ >= slots_ + waiting_) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return Ticket(nullptr);
    }
    ++inside_;
    return Ticket(this);
  }

  // For tests and metrics: the most ever running at once, and how many were turned away.
  int peak_running() const {
    const std::lock_guard lock(mu_);
    return peak_running_;
  }
  int rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  void WaitForSlot() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return running_ < slots_; });
    ++running_;
    if (running_ > peak_running_) peak_running_ = running_;
  }

  void Leave(bool ran) {
    {
      const std::lock_guard lock(mu_);
      --inside_;
      if (ran) --running_;
    }
    cv_.notify_one();
  }

  const int slots_;
  const int waiting_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int inside_ = 0;   // running plus waiting; guarded by mu_
  int running_ = 0;  // guarded by mu_
  int peak_running_ = 0;
  std::atomic<int> rejected_{0};
};

}  // namespace rapport
