// http_bench: durable writes per second through the whole server (HTTP parsing, session and
// CSRF check, access check, audit entry, group-committed SQLite write with synchronous=FULL)
// under N concurrent keep-alive connections, reported as a ratio to GET /healthz of the same
// server in the same run. The server runs in this process on loopback; the load comes from N
// client threads, one blocking keep-alive connection each.
//
//   http_bench [--connections 64] [--seconds 5] [--dir /tmp]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "http/server.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/demo.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rapport;

// One keep-alive HTTP/1.1 connection with just enough parsing for this server's answers
// (Content-Length bodies).
class Connection {
 public:
  explicit Connection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `raw` and reads one response; returns its status (0 on a broken connection) and
  // leaves the body in body().
  int Exchange(const std::string& raw) {
    if (fd_ < 0) return 0;
    for (std::size_t sent = 0; sent < raw.size();) {
      const ssize_t n = ::send(fd_, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return 0;
      sent += static_cast<std::size_t>(n);
    }
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return 0;
    }
    const int status = std::atoi(buffer_.c_str() + 9);
    std::size_t length = 0;
    const std::string head = buffer_.substr(0, header_end);
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      if (auto at = head.find(name); at != std::string::npos) {
        length = std::strtoul(head.c_str() + at + std::strlen(name), nullptr, 10);
      }
    }
    while (buffer_.size() < header_end + 4 + length) {
      if (!Fill()) return 0;
    }
    body_ = buffer_.substr(header_end + 4, length);
    head_ = head;
    buffer_.erase(0, header_end + 4 + length);
    return status;
  }
  const std::string& body() const { return body_; }
  const std::string& head() const { return head_; }

 private:
  bool Fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::string body_;
  std::string head_;
};

struct PhaseResult {
  double seconds = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  double per_second() const { return static_cast<double>(ok) / seconds; }
};

// Runs `connections` threads, each sending make_request(thread, i) for `duration`.
template <typename MakeRequest>
PhaseResult RunPhase(std::uint16_t port, int connections, std::chrono::seconds duration,
                     int expected_status, MakeRequest make_request) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      Connection connection(port);
      for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const int status = connection.Exchange(make_request(t, i));
        if (status == expected_status) {
          ok.fetch_add(1, std::memory_order_relaxed);
        } else {
          failed.fetch_add(1, std::memory_order_relaxed);
          if (status == 0) return;
        }
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& thread : threads) thread.join();
  PhaseResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.ok = ok.load();
  result.failed = failed.load();
  return result;
}

int Main(int argc, char** argv) {
  int connections = 64;
  int seconds = 5;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--connections") connections = std::atoi(argv[i + 1]);
    if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
  }
  if (!InitCrypto()) return 1;
  dir /= "rapport-http-bench-" + RandomHex(4);
  std::filesystem::create_directories(dir);

  SqliteStoreOptions store_options;
  store_options.path = (dir / "bench.db").string();
  auto store = SqliteStore::Open(store_options);
  if (!store) {
    std::cerr << "cannot open store: " << store.error().message << "\n";
    return 1;
  }
  const std::string password = "benchmark password";
  const Clock& clock = SystemClock::Instance();
  if (auto seeded = SeedDemo(**store, clock.Now(), password, HashCost::kMinimal); !seeded) {
    std::cerr << "cannot seed: " << seeded.error().message << "\n";
    return 1;
  }
  AuthService auth(**store, clock);
  ClinicService clinic(**store, clock);
  AuditService audit(**store);
  ServerOptions options;
  options.port = 0;
  options.web_root = dir;                      // no web app needed
  options.log_sink = [](std::string_view) {};  // lines are still formatted, just not written
  Server server(options, ApiServices{store->get(), &auth, &clinic, &audit});
  auto port = server.Start();
  if (!port) return 1;

  // Sign in as the demo therapist and pick one of their open episodes.
  Connection setup(*port);
  const std::string login_body =
      fmt::format(R"({{"email":"therapist@demo.rapport","password":"{}"}})", password);
  if (setup.Exchange(fmt::format("POST /api/v1/auth/login HTTP/1.1\r\nHost: b\r\n"
                                 "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                                 login_body.size(), login_body)) != 200) {
    std::cerr << "login failed: " << setup.body() << "\n";
    return 1;
  }
  const std::string cookie_at = "rapport_session=";
  const std::string& head = setup.head();
  const std::size_t c = head.find(cookie_at);
  const std::string cookie = head.substr(c, head.find(';', c) - c);
  const std::string csrf = ParseJson(setup.body())->value("csrf_token", "");
  auto user = (*store)->FindUserByEmail("therapist@demo.rapport");
  auto episodes = (*store)->ListEpisodesOfTherapist(user->id);
  EpisodeId episode = 0;
  for (const Episode& e : *episodes) {
    if (e.status != EpisodeStatus::kEnded) episode = e.id;
  }
  if (episode == 0) return 1;

  const auto duration = std::chrono::seconds(seconds);
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n";
  PhaseResult health = RunPhase(*port, connections, duration, 200,
                                [&](int, int) -> const std::string& { return healthz; });
  const Timestamp base = clock.Now() + 86'400'000;
  PhaseResult writes = RunPhase(*port, connections, duration, 201, [&](int t, int i) {
    const std::string body =
        fmt::format(R"({{"starts_at":"{}","duration_minutes":50,"modality":"video"}})",
                    FormatIso8601(base + (std::int64_t{t} * 100'000 + i) * 60'000));
    return fmt::format(
        "POST /api/v1/episodes/{}/appointments HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n"
        "X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        episode, cookie, csrf, body.size(), body);
  });
  server.Stop();
  std::filesystem::remove_all(dir);

  std::cout << fmt::format("connections: {}, {} s per phase, {} hardware threads\n", connections,
                           seconds, std::thread::hardware_concurrency());
  std::cout << fmt::format("GET /healthz:                {:>10.0f} req/s ({} ok, {} failed)\n",
                           health.per_second(), health.ok, health.failed);
  std::cout << fmt::format("POST appointments (durable): {:>10.0f} req/s ({} ok, {} failed)\n",
                           writes.per_second(), writes.ok, writes.failed);
  std::cout << fmt::format("ratio writes / healthz:      {:>10.4f}\n",
                           writes.per_second() / health.per_second());
  return health.failed == 0 && writes.failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return Main(argc, argv);
}
