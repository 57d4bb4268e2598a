// sync_bench: times the synchrony engine on one session, for bench/sync/run.sh.
//   sync_bench generate OUT_FILE MINUTES SEED     write a synthetic 25 fps MEA session
//   sync_bench time FILE [RUNS] [SURROGATES] [THREADS]
//   sync_bench task FILE OUT_FILE [RUNS]
// `time` reports the median wall time of RUNS cross-correlations (60 s window, 30 s increment,
// +-5 s lag, Fisher z, absolute) on one thread and on THREADS threads, and the wall time of
// SURROGATES segment-shuffled surrogates (30 s segments) on THREADS threads.
// `task` times the whole of `rapport sync ccf FILE --fisher-z --abs --threads 1 --out OUT_FILE`
// once its arguments are read, with the same functions: read the file, parse it, preprocess,
// compute the matrix and its summaries on one thread, write it as CSV. It reports the median
// wall and CPU times of RUNS and the median of each part, and leaves OUT_FILE as the last run
// wrote it.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/sync_ccf.h"
#include "analysis/sync_preprocess.h"
#include "analysis/sync_series.h"
#include "analysis/sync_surrogate.h"
#include "core/file.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int Generate(const std::string& path, double minutes, std::uint64_t seed) {
  rapport::SplitMix64 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng.Next() >> 11) + 0.5) / 9007199254740992.0; };
  auto normal = [&] {
    return std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  };
  const auto n = static_cast<std::size_t>(minutes * 60 * 25);
  std::vector<double> a(n);
  double state = 0;
  for (double& v : a) v = state = 0.95 * state + normal();
  std::ofstream out(path);
  double other = 0;
  for (std::size_t i = 0; i < n; ++i) {
    other = 0.9 * other + normal();
    const double b = 0.6 * (i >= 10 ? a[i - 10] : 0) + 0.8 * other;
    out << std::max(0.0, std::round(400 * a[i] + 200)) << ' '
        << std::max(0.0, std::round(300 * b + 100)) << '\n';
  }
  return out ? 0 : 1;
}

int Time(const std::string& path, int runs, int surrogates, int threads) {
  auto text = rapport::ReadWholeFile(path);
  if (!text) return std::cerr << text.error().message << "\n", 1;
  const std::vector<int> p1 = {1}, p2 = {2};
  auto series = rapport::ParseMeaText(*text, p1, p2);
  if (!series) {
    std::cerr << series.error().message << "\n";
    return 1;
  }
  rapport::CcfOptions options;
  options.fisher_z = true;
  options.absolute = true;
  // Median wall time and median process CPU time (all threads) of `runs` matrices.
  auto median_ms = [&](int t, double* cpu_ms) {
    options.threads = t;
    std::vector<double> times, cpu;
    for (int i = 0; i < runs; ++i) {
      const auto start = Clock::now();
      const std::clock_t cpu_start = std::clock();
      auto m = rapport::ComputeCcf(series->s1, series->s2, options);
      cpu.push_back(1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
      times.push_back(1000 * Seconds(start, Clock::now()));
      if (!m) std::abort();
    }
    std::sort(times.begin(), times.end());
    std::sort(cpu.begin(), cpu.end());
    *cpu_ms = cpu[cpu.size() / 2];
    return times[times.size() / 2];
  };
  double one_cpu = 0, many_cpu = 0;
  const double one = median_ms(1, &one_cpu);
  const double many = median_ms(threads, &many_cpu);
  rapport::SurrogateOptions so;
  so.count = surrogates;
  so.seed = 1;
  so.segment_seconds = 30;
  so.threads = threads;
  options.threads = 1;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  auto result = rapport::RunSegmentSurrogates(*series, options, so);
  const double surrogate_s = Seconds(start, Clock::now());
  // CPU time of all threads: on a shared machine, CPU / threads is what an idle one would take.
  const double surrogate_cpu_s =
      static_cast<double>(std::clock() - cpu_start) / static_cast<double>(CLOCKS_PER_SEC);
  if (!result) {
    std::cerr << result.error().message << "\n";
    return 1;
  }
  std::cout << fmt::format(
      "samples {}\nccf_ms_1_thread {:.3f} cpu_ms {:.3f}\nccf_ms_{}_threads {:.3f} cpu_ms {:.3f}\n"
      "surrogates {} threads {} seconds {:.3f} cpu_seconds {:.3f}\n",
      series->size(), one, one_cpu, threads, many, many_cpu, surrogates, threads, surrogate_s,
      surrogate_cpu_s);
  return 0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double CpuMs(std::clock_t since) {
  return 1000.0 * static_cast<double>(std::clock() - since) / CLOCKS_PER_SEC;
}

int Task(const std::string& path, const std::string& out_path, int runs) {
  rapport::CcfOptions options;
  options.fisher_z = true;
  options.absolute = true;
  options.threads = 1;
  const std::vector<int> p1 = {1}, p2 = {2};
  std::vector<double> wall, cpu, read_ms, ccf_ms, write_ms;
  double grand_average = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    const std::clock_t cpu_start = std::clock();
    auto text = rapport::ReadWholeFile(path);
    if (!text) return std::cerr << text.error().message << "\n", 1;
    auto parsed = rapport::ParseMeaText(*text, p1, p2);
    if (!parsed) return std::cerr << parsed.error().message << "\n", 1;
    auto series = rapport::Preprocess(*parsed, rapport::PreprocessOptions{});
    if (!series) return std::cerr << series.error().message << "\n", 1;
    const auto read_end = Clock::now();
    auto matrix = rapport::ComputeCcf(series->s1, series->s2, options);
    if (!matrix) return std::cerr << matrix.error().message << "\n", 1;
    const rapport::SessionSynchrony session =
        rapport::SummarizeSession(rapport::Summarize(*matrix));
    const auto ccf_end = Clock::now();
    const auto written = rapport::WriteWholeFile(out_path, rapport::CcfMatrixCsv(*matrix));
    if (!written) return std::cerr << written.error().message << "\n", 1;
    const auto end = Clock::now();
    cpu.push_back(CpuMs(cpu_start));
    wall.push_back(1000 * Seconds(start, end));
    read_ms.push_back(1000 * Seconds(start, read_end));
    ccf_ms.push_back(1000 * Seconds(read_end, ccf_end));
    write_ms.push_back(1000 * Seconds(ccf_end, end));
    grand_average = session.grand_average;
  }
  std::cout << fmt::format(
      "task_ms {:.3f} cpu_ms {:.3f}\nread_parse_ms {:.3f}\nccf_summaries_ms {:.3f}\n"
      "csv_write_ms {:.3f}\ngrand_average {}\n",
      Median(wall), Median(cpu), Median(read_ms), Median(ccf_ms), Median(write_ms), grand_average);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "generate") {
    return Generate(args[1], std::atof(args[2].c_str()),
                    std::strtoull(args[3].c_str(), nullptr, 10));
  }
  if (args.size() >= 2 && args[0] == "time") {
    const int runs = args.size() > 2 ? std::atoi(args[2].c_str()) : 15;
    const int surrogates = args.size() > 3 ? std::atoi(args[3].c_str()) : 1000;
    const int threads = args.size() > 4 ? std::atoi(args[4].c_str()) : 2;
    return Time(args[1], std::max(1, runs), std::max(1, surrogates), std::max(1, threads));
  }
  if (args.size() >= 3 && args[0] == "task") {
    const int runs = args.size() > 3 ? std::atoi(args[3].c_str()) : 15;
    return Task(args[1], args[2], std::max(1, runs));
  }
  std::cerr << "usage: sync_bench generate OUT MINUTES SEED | sync_bench time FILE [RUNS] "
               "[SURROGATES] [THREADS] | sync_bench task FILE OUT_FILE [RUNS]\n";
  return 2;
}
