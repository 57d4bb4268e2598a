// room_bench: many telehealth rooms at once, both people in each streaming rapport-signal
// features at 10 Hz (docs/telehealth.md): the server's CPU, its memory per room, and the time
// from the client's feature frame to the therapist's live strip.
//
// The server is wired in this process as `rapport serve` wires it (src/http/serve.cc: every
// service, RoomService in ApiServices.rooms, the Scheduler and DeliveryWorker on one background
// loop), on loopback, over a SQLite store seeded directly: one clinic, one therapist, one client
// with one episode and N video appointments starting in five minutes (a room is keyed by its
// appointment, so the same two people sit in all N rooms). max_connections is set to fit 2N
// sockets, as `rapport serve` sizes it from the descriptor limit it raises.
//
// The bench side is one thread running one io_context with 2N asynchronous WebSockets (a
// therapist's and a client's per room), each read continuously so that the server's per-socket
// queue (256 messages) never fills. Per room: hello with the CSRF token, the therapist admits the
// client (the session starts), then
//   1. the reference: for --ref-seconds, each second the client writes one chat line and the
//      therapist one half a second later (the server relays each to both: no analysis);
//      measured: the client's line written -> the therapist's socket reads it. The lines are
//      half a second apart so that a room's two relays do not queue behind each other.
//   2. signals: both consent, the therapist turns the strip on, and each second the therapist
//      then the client send one features frame with that second's 10 samples (t in server ms,
//      a multiple of 100; the server's clock is the system clock; smooth random movement, the
//      client's following the therapist's 0.8 s later; alternating talk). The client's frame
//      settles those 10 steps, and the server sends a "strip" to the therapist: measured is the
//      client's frame written (steady clock, as the write starts) -> the therapist's socket
//      reads the strip. The rooms' sends are spread evenly over each second.
// Both phases: latencies of frames written after a 5 s warm-up; CPU over the same window as
// getrusage(RUSAGE_SELF) minus the bench's own client thread and main thread.
//
//   room_bench [--rooms 500] [--seconds 60] [--ref-seconds 30] [--dir /tmp]

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/background_loop.h"
#include "core/crypto.h"
#include "core/doorbell.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "http/server.h"
#include "http_client.h"
#include "latency_stats.h"
#include "notify/delivery.h"
#include "service/appointment_service.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/feedback_service.h"
#include "service/jobs.h"
#include "service/plan_service.h"
#include "service/room_service.h"
#include "service/safety_service.h"
#include "service/scheduler.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rapport;
using rapport::testing::Browser;
using Steady = std::chrono::steady_clock;
using SteadyTime = Steady::time_point;

constexpr const char* kPassword = "room bench password";
constexpr auto kWarmUp = std::chrono::seconds(5);
constexpr auto kDrain = std::chrono::seconds(3);
constexpr int kOpenAtOnce = 32;     // sockets being opened at a time
constexpr int kFollowSteps = 8;     // the client moves 0.8 s after the therapist
constexpr Timestamp kStepMs = 100;  // 10 Hz

using rapport::bench::Ms;
using rapport::bench::Stats;
using rapport::bench::Summarise;

// --- Resources ----------------------------------------------------------------------------------

double RssMb() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// The machine's one-minute load average: how much else wanted the CPUs meanwhile.
double LoadAverage() {
  std::ifstream loadavg("/proc/loadavg");
  double one = 0;
  loadavg >> one;
  return one;
}

double ClockSeconds(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds of each of this process's threads, by thread id (/proc/self/task/*/stat).
std::map<int, double> ThreadCpuSeconds() {
  std::map<int, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream file(entry.path() / "stat");
    std::string text;
    std::getline(file, text);
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos || close + 2 > text.size()) continue;
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f;
    for (std::string field; fields >> field;) f.push_back(field);
    if (f.size() < 13) continue;  // f[0] is field 3 (state); utime and stime are fields 14, 15
    out[std::stoi(entry.path().filename().string())] = (std::stod(f[11]) + std::stod(f[12])) / tick;
  }
  return out;
}

// --- Feature numbers ----------------------------------------------------------------------------

// Movement as each device would measure it (as in tests/integration/room_http_test.cc): smooth,
// in [0, 1]; the client's is the therapist's kFollowSteps steps later.
class Movement {
 public:
  explicit Movement(unsigned seed) : rng_(seed) {
    for (int i = 0; i < kFollowSteps; ++i) Next();
  }
  struct Step {
    double therapist, client;
  };
  Step Next() {
    a_ = 0.85 * a_ + noise_(rng_);
    history_.push_back(std::clamp(0.3 + 0.05 * a_, 0.0, 1.0));
    if (history_.size() > kFollowSteps + 1) history_.pop_front();
    return {history_.back(), history_.front()};
  }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> noise_;
  double a_ = 0;
  std::deque<double> history_;
};

// Who speaks in step `step` (absolute, server ms / 100): the therapist 30 of every 50 steps, the
// client 15 of them, in the therapist's silences.
bool Speaks(bool therapist, Timestamp step) {
  const Timestamp phase = step % 50;
  return therapist ? phase < 30 : (phase >= 33 && phase < 48);
}

std::string FeaturesJson(std::int64_t seq, Timestamp t, const std::vector<double>& motion,
                         bool therapist) {
  std::string out = fmt::format(R"({{"type":"features","seq":{},"t":{},"motion":[)", seq, t);
  for (std::size_t i = 0; i < motion.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{:.4f}", motion[i]);
  }
  out += R"(],"voice":[)";
  for (std::size_t i = 0; i < motion.size(); ++i) {
    if (i > 0) out += ',';
    out += Speaks(therapist, t / kStepMs + static_cast<Timestamp>(i)) ? '1' : '0';
  }
  out += "]}";
  return out;
}

std::string ChatJson(std::int64_t seq, int second, bool therapist) {
  return fmt::format(
      R"({{"type":"chat","seq":{},"text":"Line {} from the {}: how has this week been since we last spoke?"}})",
      seq, second, therapist ? "therapist" : "client");
}

// --- The bench's side: 2N WebSockets on one thread ----------------------------------------------

using RoomWs = websocket::stream<beast::tcp_stream>;

struct Room;

struct Peer {
  Room* room = nullptr;
  bool therapist = false;
  std::unique_ptr<RoomWs> ws;
  beast::flat_buffer buffer;
  struct Out {
    std::string text;
    bool timed = false;  // the client's message whose arrival at the therapist is timed
  };
  std::deque<Out> out;
  bool writing = false;
  bool broken = false;
  std::int64_t seq = 1;
};

struct Room {
  Room(asio::io_context& ioc, int i, AppointmentId id)
      : index(i), appointment(id), timer(ioc), movement(static_cast<unsigned>(i) + 1) {}
  int index;
  AppointmentId appointment;
  Peer therapist, client;
  asio::steady_timer timer;
  Movement movement;
  struct Pending {
    SteadyTime written;
    bool counted;
  };
  std::deque<Pending> pending;  // the client's timed messages not yet seen by the therapist
  int second = 0;               // seconds sent so far in this phase
  bool half = false;            // chat: the client's line of this second is out
  SteadyTime next_at;
  // Signals.
  bool on = false;
  bool strip = false;
  bool irregular = false;               // its first frame could not be placed safely: not counted
  Timestamp consent_at = 0;             // system ms just before the first consent was sent
  Timestamp base = 0;                   // frame k >= 1 covers [base + 1000k, base + 1000(k + 1))
  Timestamp next_t = 0;                 // the first step not yet sent
  std::chrono::microseconds within{0};  // where in its 100 ms slot this room sends
};

struct PhaseResult {
  std::vector<double> latencies;
  long expected = 0;  // timed messages written in the measured window
  long received = 0;  // of them, seen by the therapist
  long extra = 0;     // arrivals with nothing pending
  long written = 0;   // messages written in the measured window, both sides
  long errors = 0;
};

enum class Mode { kIdle, kChat, kSignals };

class Bench {
 public:
  Bench(std::uint16_t port, const Browser& therapist, const Browser& client, UserId client_id,
        const std::vector<AppointmentId>& appointments)
      : endpoint_(asio::ip::make_address("127.0.0.1"), port),
        host_("127.0.0.1:" + std::to_string(port)),
        therapist_cookie_(therapist.cookie()),
        therapist_csrf_(therapist.csrf()),
        client_cookie_(client.cookie()),
        client_csrf_(client.csrf()),
        client_id_(client_id),
        work_(asio::make_work_guard(ioc_)) {
    for (std::size_t i = 0; i < appointments.size(); ++i) {
      auto room = std::make_unique<Room>(ioc_, static_cast<int>(i), appointments[i]);
      room->therapist.room = room.get();
      room->therapist.therapist = true;
      room->client.room = room.get();
      rooms_.push_back(std::move(room));
    }
    thread_ = std::thread([this] {
      tid_ = static_cast<int>(gettid());
      ioc_.run();
    });
    pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_);
  }
  ~Bench() { Close(); }

  // Runs `f` on the bench's I/O thread and waits for it.
  template <class F>
  void OnIo(F f) {
    std::promise<void> done;
    auto finished = done.get_future();
    asio::post(ioc_, [&] {
      f();
      done.set_value();
    });
    finished.wait();
  }

  void Close() {
    if (!thread_.joinable()) return;
    OnIo([this] {
      stopping_ = true;
      for (auto& room : rooms_) {
        room->timer.cancel();
        for (Peer* peer : {&room->therapist, &room->client}) {
          beast::error_code ignored;
          if (peer->ws) beast::get_lowest_layer(*peer->ws).socket().close(ignored);
        }
      }
    });
    work_.reset();
    thread_.join();
  }

  int tid() const { return tid_.load(); }
  double CpuSeconds() const { return ClockSeconds(cpu_clock_); }

  void OpenAll() {
    asio::post(ioc_, [this] {
      for (int i = 0; i < kOpenAtOnce; ++i) asio::co_spawn(ioc_, OpenSome(), asio::detached);
    });
  }
  void AdmitAll() {
    OnIo([this] {
      for (auto& room : rooms_) {
        Send(room->therapist, fmt::format(R"({{"type":"admit","seq":{},"user":{}}})",
                                          room->therapist.seq++, client_id_));
      }
    });
  }

  // Chat from `start` until `stop`, measured from `start` + the warm-up.
  void StartChat(SteadyTime start, SteadyTime stop) {
    OnIo([this, start, stop] {
      Begin(Mode::kChat, start + kWarmUp, stop);
      const auto rooms = static_cast<std::int64_t>(rooms_.size());
      for (auto& room : rooms_) {
        room->second = 0;
        room->half = false;
        room->next_at = start + std::chrono::microseconds(room->index * 1'000'000LL / rooms);
        Schedule(*room);
      }
    });
  }

  // Both consent in every room; each room streams from the moment its signals are on until
  // Measure() says when to stop.
  void StartSignals() {
    OnIo([this] {
      Begin(Mode::kSignals, SteadyTime::max(), SteadyTime::max());
      const auto per_slot = static_cast<std::int64_t>((rooms_.size() + 9) / 10);
      for (auto& room : rooms_) {
        room->second = 0;
        room->within = std::chrono::microseconds((room->index / 10) * 100'000LL / per_slot);
        room->consent_at = SystemClock::Instance().Now();
        Send(room->therapist,
             fmt::format(R"({{"type":"consent","seq":{},"given":true}})", room->therapist.seq++));
        Send(room->client,
             fmt::format(R"({{"type":"consent","seq":{},"given":true}})", room->client.seq++));
      }
    });
  }

  // Measures what is written from `from` until `stop`, when sending stops.
  void Measure(SteadyTime from, SteadyTime stop) {
    OnIo([this, from, stop] {
      count_from_ = from;
      stop_at_ = stop;
    });
  }

  // Stops sending; after the drain, what the phase measured.
  PhaseResult Finish() {
    OnIo([this] {
      mode_ = Mode::kIdle;
      for (auto& room : rooms_) room->timer.cancel();
    });
    std::this_thread::sleep_for(kDrain);
    PhaseResult out;
    OnIo([&] {
      out = std::move(result_);
      result_ = PhaseResult{};
      for (auto& room : rooms_) room->pending.clear();
    });
    return out;
  }

  int irregular() {
    int n = 0;
    OnIo([&] {
      for (auto& room : rooms_) n += room->irregular ? 1 : 0;
    });
    return n;
  }

  std::atomic<int> opened{0}, broken{0}, welcomed{0}, admitted{0}, sessions{0}, signals_on{0},
      strips_on{0};

 private:
  asio::awaitable<void> OpenSome() {
    while (next_open_ < 2 * rooms_.size()) {
      const std::size_t i = next_open_++;
      Room& room = *rooms_[i / 2];
      co_await Open(i % 2 == 0 ? &room.therapist : &room.client);
    }
  }

  asio::awaitable<void> Open(Peer* peer) {
    peer->ws = std::make_unique<RoomWs>(ioc_);
    beast::error_code ec;
    co_await beast::get_lowest_layer(*peer->ws).async_connect(
        endpoint_, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      // As browsers do.
      beast::get_lowest_layer(*peer->ws).socket().set_option(asio::ip::tcp::no_delay(true), ec);
      const std::string cookie = peer->therapist ? therapist_cookie_ : client_cookie_;
      peer->ws->set_option(websocket::stream_base::decorator(
          [cookie](websocket::request_type& req) { req.set(bhttp::field::cookie, cookie); }));
      peer->ws->read_message_max(1 << 20);
      const std::string path =
          fmt::format("/api/v1/appointments/{}/room/socket", peer->room->appointment);
      co_await peer->ws->async_handshake(host_, path,
                                         asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      if (broken++ < 5) std::cerr << "room_bench: opening a room socket: " << ec.message() << "\n";
      peer->broken = true;
      ++opened;
      co_return;
    }
    peer->ws->text(true);
    Send(*peer, fmt::format(R"({{"type":"hello","seq":{},"csrf":"{}"}})", peer->seq++,
                            peer->therapist ? therapist_csrf_ : client_csrf_));
    asio::co_spawn(ioc_, Read(peer), asio::detached);
    ++opened;
  }

  asio::awaitable<void> Read(Peer* peer) {
    for (;;) {
      beast::error_code ec;
      co_await peer->ws->async_read(peer->buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!stopping_ && !peer->broken) {
          peer->broken = true;
          if (broken++ < 5) {
            std::cerr << "room_bench: a room socket closed: " << ec.message() << "\n";
          }
        }
        co_return;
      }
      const SteadyTime at = Steady::now();
      const auto data = peer->buffer.cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      OnMessage(*peer, at, text);
      peer->buffer.consume(peer->buffer.size());
    }
  }

  void OnMessage(Peer& peer, SteadyTime at, std::string_view text) {
    const Json message = Json::parse(text.begin(), text.end(), nullptr, false);
    if (!message.is_object()) return;
    Room& room = *peer.room;
    const std::string type = message.value("type", "");
    if (type == "strip") {
      if (peer.therapist) Arrived(room, at);
    } else if (type == "chat") {
      if (peer.therapist && message.value("from", UserId{0}) == client_id_) Arrived(room, at);
    } else if (type == "welcome") {
      ++welcomed;
    } else if (type == "admitted") {
      ++admitted;
    } else if (type == "session") {
      ++sessions;
    } else if (type == "signals" && peer.therapist) {
      if (message.value("on", false) && !room.on) {
        room.on = true;
        ++signals_on;
        Send(room.therapist,
             fmt::format(R"({{"type":"strip","seq":{},"on":true}})", room.therapist.seq++));
        StartStreaming(room);
      }
      if (message.value("strip", false) && !room.strip) {
        room.strip = true;
        ++strips_on;
      }
    } else if (type == "error") {
      ++result_.errors;
      if (errors_shown_++ < 5) std::cerr << "room_bench: the server said " << text << "\n";
    }
  }

  void Arrived(Room& room, SteadyTime at) {
    if (room.pending.empty()) {
      ++result_.extra;
      return;
    }
    const Room::Pending sent = room.pending.front();
    room.pending.pop_front();
    if (!sent.counted) return;
    ++result_.received;
    result_.latencies.push_back(Ms(at - sent.written));
  }

  // The room's signals are on (the server set their origin, a multiple of 100 ms, between
  // consent_at and now). Its first frame covers [floor100(consent_at), base + 1000), so that
  // no step from the origin on is missing, and every later one a second. A step settles when
  // both sides sent it and every step before it, or when either side sent one 30 steps later:
  // so the first frame must reach fewer than 30 steps past the origin, and then only the
  // client's frames settle steps, 10 each, and each brings exactly one strip.
  void StartStreaming(Room& room) {
    const Timestamp now = SystemClock::Instance().Now();
    const Timestamp first = room.consent_at - room.consent_at % kStepMs;
    const Timestamp earliest = (now + kStepMs - 1) / kStepMs * kStepMs;
    Timestamp base = earliest;
    while ((base / kStepMs) % 10 != room.index % 10) base += kStepMs;  // its slot in the second
    if (base - first > 1900) base = earliest;
    room.irregular = base - first > 1900;
    room.base = base;
    room.next_t = first;
    room.next_at = SteadyAt(base + 1000) + room.within;
    Schedule(room);
  }

  SteadyTime SteadyAt(Timestamp system_ms) const {
    return steady0_ + std::chrono::milliseconds(system_ms - system0_);
  }

  void Begin(Mode mode, SteadyTime from, SteadyTime stop) {
    mode_ = mode;
    count_from_ = from;
    stop_at_ = stop;
    result_ = PhaseResult{};
  }

  void Schedule(Room& room) {
    room.timer.expires_at(room.next_at);
    room.timer.async_wait([this, r = &room](const beast::error_code& ec) {
      if (ec || stopping_ || mode_ == Mode::kIdle || Steady::now() >= stop_at_) return;
      if (mode_ == Mode::kChat) {
        // The client's line, then the therapist's half a second later.
        if (!r->half) {
          Send(r->client, ChatJson(r->client.seq++, r->second, false), true);
        } else {
          Send(r->therapist, ChatJson(r->therapist.seq++, r->second++, true));
        }
        r->half = !r->half;
        r->next_at += std::chrono::milliseconds(500);
      } else {
        SendSecond(*r);
        ++r->second;
        r->next_at += std::chrono::seconds(1);
      }
      Schedule(*r);
    });
  }

  // The second's features: the therapist's frame, then the client's.
  void SendSecond(Room& room) {
    const Timestamp end = room.base + 1000 * (room.second + 1);
    std::vector<double> therapist, client;
    for (Timestamp t = room.next_t; t < end; t += kStepMs) {
      const Movement::Step step = room.movement.Next();
      therapist.push_back(step.therapist);
      client.push_back(step.client);
    }
    Send(room.therapist, FeaturesJson(room.therapist.seq++, room.next_t, therapist, true));
    Send(room.client, FeaturesJson(room.client.seq++, room.next_t, client, false), true);
    room.next_t = end;
  }

  void Send(Peer& peer, std::string text, bool timed = false) {
    if (peer.broken) return;
    peer.out.push_back(Peer::Out{std::move(text), timed});
    if (!peer.writing) WriteNext(peer);
  }

  void WriteNext(Peer& peer) {
    if (peer.out.empty() || peer.broken) {
      peer.writing = false;
      return;
    }
    peer.writing = true;
    const Peer::Out& next = peer.out.front();
    const SteadyTime now = Steady::now();
    const bool measured = now >= count_from_ && now < stop_at_;
    if (measured) ++result_.written;
    if (next.timed) {
      const bool counted = measured && !peer.room->irregular;
      peer.room->pending.push_back(Room::Pending{now, counted});
      if (counted) ++result_.expected;
    }
    peer.ws->async_write(asio::buffer(next.text),
                         [this, p = &peer](const beast::error_code& ec, std::size_t) {
                           p->out.pop_front();
                           if (ec) {
                             if (!stopping_ && !p->broken && broken++ < 5) {
                               std::cerr << "room_bench: a write failed: " << ec.message() << "\n";
                             }
                             p->broken = true;
                           }
                           WriteNext(*p);
                         });
  }

  asio::io_context ioc_;
  asio::ip::tcp::endpoint endpoint_;
  std::string host_;
  std::string therapist_cookie_, therapist_csrf_, client_cookie_, client_csrf_;
  UserId client_id_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Room>> rooms_;
  std::size_t next_open_ = 0;
  bool stopping_ = false;
  Mode mode_ = Mode::kIdle;
  SteadyTime count_from_ = SteadyTime::max();
  SteadyTime stop_at_ = SteadyTime::max();
  PhaseResult result_;
  int errors_shown_ = 0;
  // The server's clock is the system clock: one reading of both maps server ms to steady time.
  const Timestamp system0_ = SystemClock::Instance().Now();
  const SteadyTime steady0_ = Steady::now();
  std::thread thread_;
  std::atomic<int> tid_{0};
  clockid_t cpu_clock_{};
};

// --- Measuring ----------------------------------------------------------------------------------

struct CpuSample {
  SteadyTime at;
  double process = 0, bench = 0, main = 0;
  std::map<int, double> threads;
};

CpuSample SampleCpu(const Bench& bench) {
  CpuSample s;
  s.at = Steady::now();
  s.process = ProcessCpuSeconds();
  s.bench = bench.CpuSeconds();
  s.main = ClockSeconds(CLOCK_THREAD_CPUTIME_ID);
  s.threads = ThreadCpuSeconds();
  return s;
}

struct ServerCpu {
  double cores = 0;          // the server's CPU seconds per wall second
  double bench_cores = 0;    // the bench's client thread's
  double busiest_cores = 0;  // the busiest server thread's
};

ServerCpu CpuBetween(const CpuSample& a, const CpuSample& b, const Bench& bench, int main_tid) {
  const double wall = Ms(b.at - a.at) / 1000.0;
  ServerCpu out;
  out.cores = ((b.process - a.process) - (b.bench - a.bench) - (b.main - a.main)) / wall;
  out.bench_cores = (b.bench - a.bench) / wall;
  for (const auto& [tid, seconds] : b.threads) {
    if (tid == bench.tid() || tid == main_tid) continue;
    const auto before = a.threads.find(tid);
    const double used = seconds - (before == a.threads.end() ? 0.0 : before->second);
    out.busiest_cores = std::max(out.busiest_cores, used / wall);
  }
  return out;
}

bool WaitFor(const char* what, const std::function<bool()>& done, std::chrono::seconds timeout) {
  const SteadyTime until = Steady::now() + timeout;
  while (!done()) {
    if (Steady::now() > until) {
      std::cerr << "room_bench: timed out waiting for " << what << "\n";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// As serve.cc: until the next job or delivery falls due, between 20 ms and a second.
std::chrono::milliseconds NextWake(Store& store, Timestamp now) {
  constexpr std::chrono::milliseconds kLeast{20}, kMost{1000};
  std::optional<Timestamp> next;
  if (auto job = store.NextJobDue(); job && *job) next = **job;
  if (auto n = store.NextNotificationDue(); n && *n) next = next ? std::min(*next, **n) : **n;
  if (!next) return kMost;
  return std::clamp(std::chrono::milliseconds(*next - now), kLeast, kMost);
}

int Main(int argc, char** argv) {
  int rooms = 500, seconds = 60, ref_seconds = 30;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rooms")
      rooms = std::stoi(argv[i + 1]);
    else if (flag == "--seconds")
      seconds = std::stoi(argv[i + 1]);
    else if (flag == "--ref-seconds")
      ref_seconds = std::stoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
  }
  if (rooms < 1 || seconds <= 6 || ref_seconds <= 6) {
    std::cerr << "usage: room_bench [--rooms 500] [--seconds 60] [--ref-seconds 30] [--dir /tmp]"
                 " (seconds above 6: the first 5 are a warm-up)\n";
    return 2;
  }
  if (!InitCrypto()) return 1;
  const int main_tid = static_cast<int>(gettid());
  // Two sockets per room on each side, the store and the server's own.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  const auto needed = static_cast<rlim_t>(4 * rooms + 256);
  if (files.rlim_cur < needed) {
    files.rlim_cur = std::min(needed, files.rlim_max);
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < needed) {
      std::cerr << "room_bench: needs " << needed << " open files; the limit is " << files.rlim_cur
                << "\n";
      return 1;
    }
  }

  const std::filesystem::path root =
      std::filesystem::path(dir) / ("rapport-room-bench-" + RandomHex(6));
  SqliteStoreOptions store_options;
  store_options.path = (root / "rapport.db").string();
  auto opened = SqliteStore::Open(store_options);
  if (!opened) {
    std::cerr << opened.error().message << "\n";
    return 1;
  }
  Store& store = **opened;
  const Clock& clock = SystemClock::Instance();
  const Timestamp now = clock.Now();
  const std::string hash = *HashPassword(kPassword, HashCost::kMinimal);

  // One therapist and one client with one episode; N video appointments in five minutes.
  UserId client_id = 0;
  std::vector<AppointmentId> appointments;
  const Status seeded = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const ClinicId clinic, txn.InsertClinic(Clinic{0, "Bench", {}}));
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist,
                             txn.InsertUser(NewUser{clinic, "therapist@bench.rapport", "Tess",
                                                    Role::kTherapist, hash, now, true}));
    RAPPORT_ASSIGN_OR_RETURN(
        client_id, txn.InsertUser(NewUser{clinic, "client@bench.rapport", "Cai", Role::kClient,
                                          hash, now, true}));
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{client_id, "", "", ""}));
    Episode e{0, clinic, client_id, therapist, EpisodeStatus::kActive, now, std::nullopt};
    RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
    for (int i = 0; i < rooms; ++i) {
      RAPPORT_ASSIGN_OR_RETURN(
          const AppointmentId id,
          txn.InsertAppointment(Appointment{0, episode, now + 5 * 60 * 1000, 50, Modality::kVideo,
                                            AppointmentStatus::kScheduled}));
      appointments.push_back(id);
    }
    return Ok();
  });
  if (!seeded) {
    std::cerr << seeded.error().message << "\n";
    return 1;
  }

  // As RunServeCommand wires the server (src/http/serve.cc).
  auto catalog = InstrumentCatalog::Shipped();
  Doorbell doorbell;
  const std::string base_url = "http://127.0.0.1";
  const NotifierConfig notifier{&ShippedEscalationLadder(), base_url};
  AuthOptions auth_options;
  auth_options.link_base_url = base_url;
  auth_options.hash_cost = HashCost::kMinimal;  // only the two sign-ins
  AuthService auth(store, clock, auth_options);
  ClinicService clinic_service(store, clock, auth_options);
  AuditService audit(store, clock);
  FeedbackService feedback(store, clock, *catalog, ShippedAlertRules(),
                           FeedbackWiring{notifier, &doorbell, &ShippedCrisisDirectory()});
  PlanService plan(store, clock, *catalog);
  SafetyService safety(store, clock, ShippedCrisisDirectory(), false);
  AppointmentService appointment_service(store, clock, base_url);
  IceConfig ice;
  ice.stun_urls = {"stun:stun.bench.rapport:3478"};
  ice.turn_urls = {"turns:turn.bench.rapport:443?transport=tcp"};
  ice.turn_secret = "room bench turn secret";
  RoomService room_service(store, clock, std::move(ice));
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.web_root = "/nonexistent";
  options.log_sink = [](std::string_view) {};
  const int default_max_connections = options.max_connections;
  options.max_connections = std::max(options.max_connections, 2 * rooms + 64);
  Server server(options, ApiServices{&store,
                                     &auth,
                                     &clinic_service,
                                     &audit,
                                     &feedback,
                                     &*catalog,
                                     &plan,
                                     &safety,
                                     nullptr,
                                     &doorbell,
                                     {},
                                     &appointment_service,
                                     &room_service});
  Scheduler scheduler(store, clock);
  RegisterJobs(scheduler, store, feedback, notifier, auth_options);
  if (!SchedulePeriodicJobs(store, clock.Now())) return 1;
  DeliveryWorker worker(store, clock, nullptr, nullptr, &server.live());
  BackgroundLoop background(doorbell, [&]() -> std::chrono::milliseconds {
    (void)scheduler.RunDue();
    for (int round = 0; round < 8; ++round) {
      auto claimed = worker.RunOnce();
      if (!claimed || *claimed < DeliveryOptions{}.batch) break;
    }
    return NextWake(store, clock.Now());
  });
  const auto port = server.Start();
  if (!port) return 1;
  background.Start();

  Browser therapist(*port);
  Browser client(*port);
  if (therapist.Login("therapist@bench.rapport", kPassword).status != 200 ||
      client.Login("client@bench.rapport", kPassword).status != 200) {
    std::cerr << "room_bench: cannot sign in\n";
    return 1;
  }

  int status = 1;
  {
    Bench bench(*port, therapist, client, client_id, appointments);
    const auto all = [&](const std::atomic<int>& n, int want) {
      return [&n, want] { return n.load() >= want; };
    };
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double rss_before = RssMb();

    // Every room: both people in, the client admitted, the session under way.
    const SteadyTime open_start = Steady::now();
    bench.OpenAll();
    if (!WaitFor("the sockets to open", all(bench.opened, 2 * rooms), std::chrono::seconds(180)) ||
        bench.broken.load() > 0 ||
        !WaitFor("the welcomes", all(bench.welcomed, 2 * rooms), std::chrono::seconds(60))) {
      return 1;
    }
    bench.AdmitAll();
    if (!WaitFor("the admissions", all(bench.admitted, rooms), std::chrono::seconds(60)) ||
        !WaitFor("the sessions", all(bench.sessions, rooms), std::chrono::seconds(60))) {
      return 1;
    }
    const double open_seconds = Ms(Steady::now() - open_start) / 1000.0;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss_greeted = RssMb();

    // 1. The reference: chat at the same message rate.
    const SteadyTime chat_start = Steady::now() + std::chrono::milliseconds(200);
    const SteadyTime chat_stop = chat_start + std::chrono::seconds(ref_seconds);
    bench.StartChat(chat_start, chat_stop);
    std::this_thread::sleep_until(chat_start + kWarmUp);
    const CpuSample chat_a = SampleCpu(bench);
    std::this_thread::sleep_until(chat_stop);
    const CpuSample chat_b = SampleCpu(bench);
    const double chat_load = LoadAverage();
    const PhaseResult chat = bench.Finish();
    const double rss_chatted = RssMb();

    // 2. Signals in every room, the strip on.
    bench.StartSignals();
    if (!WaitFor("the signals to come on", all(bench.signals_on, rooms),
                 std::chrono::seconds(60)) ||
        !WaitFor("the strips to come on", all(bench.strips_on, rooms), std::chrono::seconds(60))) {
      return 1;
    }
    // Every room streams by now or within the second (its first frame is due then).
    const SteadyTime start = Steady::now() + std::chrono::seconds(2);
    const SteadyTime stop = start + std::chrono::seconds(seconds);
    bench.Measure(start + kWarmUp, stop);
    std::this_thread::sleep_until(start + kWarmUp);
    const CpuSample signals_a = SampleCpu(bench);
    std::this_thread::sleep_until(stop);
    const CpuSample signals_b = SampleCpu(bench);
    const double rss_streamed = RssMb();
    const double signals_load = LoadAverage();
    const PhaseResult signals = bench.Finish();
    const int irregular = bench.irregular();

    const ServerCpu chat_cpu = CpuBetween(chat_a, chat_b, bench, main_tid);
    const ServerCpu signals_cpu = CpuBetween(signals_a, signals_b, bench, main_tid);
    const Stats chat_ms = Summarise(chat.latencies);
    const Stats strip_ms = Summarise(signals.latencies);
    const double measured_s = static_cast<double>(seconds) - 5.0;
    const double ref_measured_s = static_cast<double>(ref_seconds) - 5.0;
    const double per_room_kb = 1024.0 / rooms;

    std::cout << fmt::format(
        "room_bench: {} rooms = {} room sockets (one therapist, one client, {} video "
        "appointments), server in-process as `rapport serve` wires it, {} CPUs; opened, greeted "
        "and admitted in {:.1f} s\n",
        rooms, 2 * rooms, rooms, std::thread::hardware_concurrency(), open_seconds);
    if (2 * rooms + 1 > default_max_connections) {
      std::cout << fmt::format(
          "NOTE: max_connections raised from ServerOptions' default {} to {}, as `rapport serve` "
          "raises it from the descriptor limit (the default would refuse rooms past {})\n",
          default_max_connections, options.max_connections, default_max_connections / 2);
    }
    std::cout << fmt::format(
        "signals, 2 feature frames/s per room (10 samples each; {:.0f} frames/s written) for "
        "{:.0f} s after a 5 s warm-up: client frame -> therapist's strip p50 {:.2f} ms, p99 "
        "{:.2f} ms, max {:.2f} ms (goal p99 <= 100 ms); strips {} of {} expected, {} "
        "unexpected, {} errors, {} rooms not counted; machine load average {:.1f}\n",
        static_cast<double>(signals.written) / measured_s, measured_s, strip_ms.p50, strip_ms.p99,
        strip_ms.max, signals.received, signals.expected, signals.extra, signals.errors, irregular,
        signals_load);
    std::cout << fmt::format(
        "server CPU while streaming: {:.2f} of one core (goal <= 1.00; the process minus the "
        "bench's client thread at {:.2f} core; busiest server thread {:.2f} core)\n",
        signals_cpu.cores, signals_cpu.bench_cores, signals_cpu.busiest_cores);
    std::cout << fmt::format(
        "memory: RSS {:.1f} MB before the rooms, {:.1f} MB with them greeted and admitted, "
        "{:.1f} MB after chat, {:.1f} MB after streaming: {:.0f} KB per open streaming room "
        "(goal <= 1024 KB), of which {:.0f} KB per greeted room without signals and {:.0f} KB "
        "added by signals; upper bounds: RSS includes the bench's own 2 client sockets per "
        "room and their buffers, and whatever the server's pool and SQLite cached meanwhile\n",
        rss_before, rss_greeted, rss_chatted, rss_streamed,
        (rss_streamed - rss_before) * per_room_kb, (rss_greeted - rss_before) * per_room_kb,
        (rss_streamed - rss_chatted) * per_room_kb);
    std::cout << fmt::format(
        "reference, the same rooms chatting at the same rate (per room and second one line from "
        "the client and one from the therapist half a second later; the server relays each to "
        "both, with no analysis; {:.0f} lines/s written) for {:.0f} s after the warm-up: client "
        "line -> "
        "therapist p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms ({} of {}, {} errors); server "
        "CPU {:.2f} core (bench client thread {:.2f}, busiest server thread {:.2f}); machine "
        "load average {:.1f}\n",
        static_cast<double>(chat.written) / ref_measured_s, ref_measured_s, chat_ms.p50,
        chat_ms.p99, chat_ms.max, chat.received, chat.expected, chat.errors, chat_cpu.cores,
        chat_cpu.bench_cores, chat_cpu.busiest_cores, chat_load);
    const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    std::cout << fmt::format(
        "ratios signals/chat (the cost of folding features and sending strips over relaying the "
        "same number of messages): server CPU {:.2f}, p50 latency {:.2f}, p99 latency {:.2f}\n",
        ratio(signals_cpu.cores, chat_cpu.cores), ratio(strip_ms.p50, chat_ms.p50),
        ratio(strip_ms.p99, chat_ms.p99));
    status = signals.received > 0 && chat.received > 0 ? 0 : 1;
    bench.Close();
  }
  background.Stop();
  server.Stop();
  std::filesystem::remove_all(root);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return Main(argc, argv);
}
