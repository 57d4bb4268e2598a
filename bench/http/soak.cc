// soak: a clinic's mixed traffic against a running `rapport serve` for a long time (30 minutes by
// default) at a steady rate, to show that memory stays flat and that errors and latency do not
// grow. Unlike http_bench it does not push for throughput: every kind of request runs on its own
// schedule, as a working clinic's would.
//
//   clients submitting Rapport Checks  8 connections, one every 0.5 s each (16 a second)
//   a therapist editing draft plans    4 episodes, one save a second in turn
//   the dashboard and the caseload     one each every 2 s
//   a client reading their plan        one a second
//   sign-in, /me, sign-out             one cycle every 3 s (each sign-in hashes a password)
//
// The database is the caseload `http_bench --keep DIR` seeds (300 clients of 40 sessions with
// agreed plans); bench/http/soak_run.sh seeds it, starts the server and runs this. Every 10 s it
// samples the server's resident memory and open files (from /proc/PID) and the database's size.
// It prints one line a minute and compares the first five minutes with the last five; exit status
// 1 when any request failed.
//
//   soak --port P --pid PID [--db FILE] [--password PW] [--minutes 30]

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_http.h"
#include "core/json.h"

namespace {

using namespace rapport;
using namespace rapport::bench;
using SteadyClock = std::chrono::steady_clock;

enum Kind { kSubmit, kPlanEdit, kDashboard, kCaseload, kPlanRead, kSignIn, kKinds };
constexpr const char* kKindNames[kKinds] = {"submit",   "plan edit", "dashboard",
                                            "caseload", "plan read", "sign-in"};

struct Sample {
  double rss_mb = 0;
  int open_files = 0;
  double db_mb = 0;
};

// What happened in one minute of the run.
struct Minute {
  std::vector<double> latencies_ms[kKinds];
  std::uint64_t failed[kKinds] = {};
  Sample sample;  // the last sample taken in that minute
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size()));
  return values[std::min(rank, values.size() - 1)];
}

class Recorder {
 public:
  Recorder(SteadyClock::time_point start, int minutes)
      : start_(start), minutes_(static_cast<std::size_t>(minutes)) {}

  void Record(Kind kind, double latency_ms, bool ok, const std::string& failure) {
    std::lock_guard lock(mutex_);
    Minute& m = minutes_[MinuteNow()];
    m.latencies_ms[kind].push_back(latency_ms);
    if (!ok) {
      ++m.failed[kind];
      if (++failures_shown_ <= 10) std::cerr << kKindNames[kind] << " failed: " << failure << "\n";
    }
  }
  void RecordSample(const Sample& sample) {
    std::lock_guard lock(mutex_);
    minutes_[MinuteNow()].sample = sample;
  }
  std::vector<Minute> Take() {
    std::lock_guard lock(mutex_);
    return minutes_;
  }

 private:
  std::size_t MinuteNow() const {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::minutes>(SteadyClock::now() - start_);
    return std::min(static_cast<std::size_t>(elapsed.count()), minutes_.size() - 1);
  }

  const SteadyClock::time_point start_;
  std::mutex mutex_;
  std::vector<Minute> minutes_;
  int failures_shown_ = 0;
};

// Resident memory and open files of process `pid`, and the size of the database and its WAL.
Sample TakeSample(int pid, const std::string& db) {
  Sample s;
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) s.rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.open_files;
  }
  if (!db.empty()) {
    for (const std::string& file : {db, db + "-wal"}) {
      const auto size = std::filesystem::file_size(file, ec);
      if (!ec) s.db_mb += static_cast<double>(size) / (1024.0 * 1024.0);
    }
  }
  return s;
}

std::string Request(const std::string& method, const std::string& path, const Session& who,
                    const std::string& body = "") {
  std::string raw =
      fmt::format("{} {} HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n", method, path, who.cookie);
  if (method != "GET") {
    raw +=
        fmt::format("X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                    who.csrf, body.size());
  }
  return raw + "\r\n" + body;
}

// Runs `step(i)` every `interval` until `stop`, on the schedule start + i * interval (a step that
// overruns its slot is followed at once by the next, so the rate holds on average).
void Every(std::chrono::milliseconds interval, const std::atomic<bool>& stop,
           const std::function<void(int)>& step) {
  const auto start = SteadyClock::now();
  for (int i = 0; !stop.load(); ++i) {
    std::this_thread::sleep_until(start + i * interval);
    if (stop.load()) return;
    step(i);
  }
}

// One timed exchange on `connection`, reconnecting once when the server closed it.
void Timed(Recorder& recorder, Kind kind, std::unique_ptr<Connection>& connection,
           std::uint16_t port, const std::string& request, int expected) {
  const auto sent = SteadyClock::now();
  int status = connection->Exchange(request);
  if (status == 0) {
    connection = std::make_unique<Connection>(port);
    status = connection->Exchange(request);
  }
  const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
  recorder.Record(kind, ms, status == expected,
                  fmt::format("status {}: {}", status, connection->body().substr(0, 200)));
}

struct Window {
  std::uint64_t requests = 0, failed = 0;
  double p50 = 0, p99 = 0;
};

Window Summarise(const std::vector<Minute>& minutes, std::size_t from, std::size_t to, int kind) {
  Window w;
  std::vector<double> all;
  for (std::size_t m = from; m < to && m < minutes.size(); ++m) {
    for (int k = 0; k < kKinds; ++k) {
      if (kind >= 0 && k != kind) continue;
      all.insert(all.end(), minutes[m].latencies_ms[k].begin(), minutes[m].latencies_ms[k].end());
      w.failed += minutes[m].failed[k];
    }
  }
  w.requests = all.size();
  w.p50 = Percentile(all, 50);
  w.p99 = Percentile(all, 99);
  return w;
}

int Main(int argc, char** argv) {
  std::uint16_t port = 0;
  int pid = 0;
  int minutes = 30;
  std::string db;
  std::string password = "benchmark password";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (flag == "--pid") pid = std::atoi(argv[i + 1]);
    if (flag == "--minutes") minutes = std::atoi(argv[i + 1]);
    if (flag == "--db") db = argv[i + 1];
    if (flag == "--password") password = argv[i + 1];
  }
  if (port == 0 || pid <= 0 || minutes < 10) {
    std::cerr << "usage: soak --port P --pid PID [--db FILE] [--password PW] [--minutes N>=10]\n";
    return 2;
  }

  // The caseload's episodes by client number, from the therapist's dashboard ("Client 007").
  const Session therapist = SignIn(port, "caseload@bench.rapport", password);
  if (therapist.cookie.empty()) {
    std::cerr << "the caseload therapist cannot sign in: is this an http_bench --keep database?\n";
    return 1;
  }
  std::map<int, std::int64_t> episode_of;
  {
    Connection c(port);
    if (c.Exchange(Request("GET", "/api/v1/dashboard", therapist)) != 200) {
      std::cerr << "dashboard failed: " << c.body() << "\n";
      return 1;
    }
    const Json dashboard = *ParseJson(c.body());
    for (const Json& row : dashboard.at("clients")) {
      const std::string name = row.value("client_name", "");
      if (name.starts_with("Client ")) {
        episode_of[std::atoi(name.c_str() + 7)] = row.at("episode_id").get<std::int64_t>();
      }
    }
  }
  if (episode_of.size() < 260) {
    std::cerr << "expected the 300-client caseload, found " << episode_of.size() << " clients\n";
    return 1;
  }

  constexpr int kSubmitters = 8;
  std::vector<Session> submitters;
  for (int c = 0; c < kSubmitters; ++c) {
    submitters.push_back(SignIn(port, fmt::format("client{}@bench.rapport", c), password));
  }
  const int reader_number = 200;
  const Session reader =
      SignIn(port, fmt::format("client{}@bench.rapport", reader_number), password);
  // Draft plans the therapist keeps editing: a new version of each of four agreed plans.
  struct Draft {
    std::int64_t episode;
    int number;
    Json content;
  };
  std::vector<Draft> drafts;
  {
    Connection c(port);
    for (int client = 100; client < 104; ++client) {
      const std::int64_t e = episode_of.at(client);
      if (c.Exchange(Request("POST", fmt::format("/api/v1/episodes/{}/plan/versions", e), therapist,
                             "{}")) != 201) {
        std::cerr << "cannot start a draft: " << c.body() << "\n";
        return 1;
      }
      const Json version = *ParseJson(c.body());
      drafts.push_back({e, version.at("number").get<int>(), version.at("content")});
    }
  }
  for (const Session& s : submitters) {
    if (s.cookie.empty() || reader.cookie.empty()) {
      std::cerr << "a client cannot sign in\n";
      return 1;
    }
  }

  const auto start = SteadyClock::now();
  Recorder recorder(start, minutes + 1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&, t] {
      auto connection = std::make_unique<Connection>(port);
      const std::string path = fmt::format("/api/v1/episodes/{}/responses", episode_of.at(t));
      Every(std::chrono::milliseconds(500), stop, [&](int i) {
        Timed(
            recorder, kSubmit, connection, port,
            Request("POST", path, submitters[static_cast<std::size_t>(t)], RapportCheckBody(i + t)),
            201);
      });
    });
  }
  threads.emplace_back([&] {
    auto connection = std::make_unique<Connection>(port);
    Every(std::chrono::milliseconds(1000), stop, [&](int i) {
      Draft& d = drafts[static_cast<std::size_t>(i) % drafts.size()];
      d.content["summary"] = fmt::format(
          "We will rebuild routine and enjoyment step by step (revision {}), work on sleep with a "
          "steady evening routine, and on worry at work with thought records.",
          i);
      Timed(recorder, kPlanEdit, connection, port,
            Request("PUT", fmt::format("/api/v1/episodes/{}/plan/versions/{}", d.episode, d.number),
                    therapist, Json{{"content", d.content}}.dump()),
            200);
    });
  });
  threads.emplace_back([&] {
    auto connection = std::make_unique<Connection>(port);
    const std::string dashboard = Request("GET", "/api/v1/dashboard", therapist);
    const std::string caseload = Request("GET", "/api/v1/caseload", therapist);
    Every(std::chrono::milliseconds(1000), stop, [&](int i) {
      if (i % 2 == 0) {
        Timed(recorder, kDashboard, connection, port, dashboard, 200);
      } else {
        Timed(recorder, kCaseload, connection, port, caseload, 200);
      }
    });
  });
  threads.emplace_back([&] {
    auto connection = std::make_unique<Connection>(port);
    const std::string plan = Request(
        "GET", fmt::format("/api/v1/episodes/{}/plan", episode_of.at(reader_number)), reader);
    Every(std::chrono::milliseconds(1000), stop,
          [&](int) { Timed(recorder, kPlanRead, connection, port, plan, 200); });
  });
  threads.emplace_back([&] {
    Every(std::chrono::milliseconds(3000), stop, [&](int i) {
      // A whole visit: sign in, who am I, sign out; timed as one, failed if any step failed.
      const std::string email = fmt::format("client{}@bench.rapport", 250 + i % 40);
      const auto sent = SteadyClock::now();
      const Session who = SignIn(port, email, password);
      bool ok = !who.cookie.empty();
      std::string failure = "sign-in refused";
      if (ok) {
        Connection c(port);
        ok = c.Exchange(Request("GET", "/api/v1/me", who)) == 200 &&
             c.Exchange(Request("POST", "/api/v1/auth/logout", who, "{}")) == 204;
        failure = c.body().substr(0, 200);
      }
      recorder.Record(kSignIn,
                      std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count(),
                      ok, failure);
    });
  });
  threads.emplace_back([&] {
    Every(std::chrono::milliseconds(10'000), stop,
          [&](int) { recorder.RecordSample(TakeSample(pid, db)); });
  });

  std::this_thread::sleep_until(start + std::chrono::minutes(minutes));
  stop = true;
  for (auto& thread : threads) thread.join();
  std::vector<Minute> result = recorder.Take();
  result.resize(static_cast<std::size_t>(minutes));  // the partial minute after the end is dropped

  std::cout << fmt::format(
      "soak: {} minutes against port {} (server pid {}), {} hardware threads\n", minutes, port, pid,
      std::thread::hardware_concurrency());
  std::cout << "minute  requests  failed  p50 ms  p99 ms  RSS MB  open files  database MB\n";
  for (std::size_t m = 0; m < result.size(); ++m) {
    const Window w = Summarise(result, m, m + 1, -1);
    const Sample& s = result[m].sample;
    std::cout << fmt::format(
        "{:>6}  {:>8}  {:>6}  {:>6.1f}  {:>6.1f}  {:>6.1f}  {:>10}  {:>11.1f}\n", m + 1, w.requests,
        w.failed, w.p50, w.p99, s.rss_mb, s.open_files, s.db_mb);
  }
  const std::size_t n = result.size();
  std::cout << "\nfirst 5 minutes against last 5 minutes:\n";
  std::uint64_t failed_total = 0;
  for (int k = -1; k < kKinds; ++k) {
    const Window first = Summarise(result, 0, 5, k);
    const Window last = Summarise(result, n - 5, n, k);
    const Window all = Summarise(result, 0, n, k);
    if (k == -1) failed_total = all.failed;
    std::cout << fmt::format(
        "{:<10} {:>7} requests, {} failed; p50 {:.1f} -> {:.1f} ms, p99 {:.1f} -> {:.1f} ms\n",
        k < 0 ? "all" : kKindNames[k], all.requests, all.failed, first.p50, last.p50, first.p99,
        last.p99);
  }
  // Memory once warm (minute 5) against the end, and the largest seen after warming up.
  double peak = 0;
  for (std::size_t m = 4; m < n; ++m) peak = std::max(peak, result[m].sample.rss_mb);
  std::cout << fmt::format(
      "server memory: {:.1f} MB at minute 5, {:.1f} MB at the end ({:+.1f}%), peak after minute 5 "
      "{:.1f} MB; open files {} -> {}; database {:.1f} -> {:.1f} MB\n",
      result[4].sample.rss_mb, result[n - 1].sample.rss_mb,
      100.0 * (result[n - 1].sample.rss_mb / result[4].sample.rss_mb - 1.0), peak,
      result[4].sample.open_files, result[n - 1].sample.open_files, result[0].sample.db_mb,
      result[n - 1].sample.db_mb);
  return failed_total == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return Main(argc, argv);
}
