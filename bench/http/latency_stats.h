#pragma once
// Latency summaries shared by the server benchmarks: milliseconds of a steady-clock duration, and
// the median, 99th percentile and maximum of a set of samples.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace rapport::bench {

inline double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Stats {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

inline Stats Summarise(std::vector<double> v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  s.p50 = at(0.5);
  s.p99 = at(0.99);
  s.max = v.back();
  return s;
}

}  // namespace rapport::bench
