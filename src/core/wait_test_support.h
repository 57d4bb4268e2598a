#pragma once
// For tests: waiting for a condition another thread brings about, without using time as proof.

#include <chrono>
#include <thread>

namespace rapport::testing {

// Polls `done` until it holds; false if it still does not after a generous bound, which is there
// only so that a broken component fails the test instead of hanging it.
template <typename Condition>
bool WaitUntil(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace rapport::testing
