// alert_bench: how fast a risk answer reaches a person, and how fast the outbox delivers mail.
//
// 1. The time from a risk submission's 201 (PHQ-9 item 9 answered 2) to the therapist's live
//    banner: the event read from the therapist's WebSocket (/api/v1/live). The server is wired
//    exactly as `rapport serve` wires it (FeedbackService ringing a Doorbell, one background
//    loop running the Scheduler and the DeliveryWorker, the live hub as the worker's live
//    channel), in this process on loopback. Measured with no other load (the reference) and
//    while 64 other clients submit Rapport Checks as fast as they can, each on its own thread
//    (one connection per request, as the test client does); p50, p99 and max, and the ratio.
// 2. Outbox deliveries per second to a real SMTP server on loopback (tests/support/smtp_sink.py,
//    Debian's python3-aiosmtpd): N e-mail notifications queued in one write, delivered by
//    DeliveryWorker::RunOnce() through the real SMTP sender; the reference is the same N
//    messages sent straight through the same sender with no store and no outbox.
//
//   alert_bench [--risks 60] [--mails 500] [--dir /tmp]   (needs RAPPORT_SOURCE_DIR for part 2)

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
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
#include "notify/mail.h"
#include "notify/smtp_sink.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/feedback_service.h"
#include "service/jobs.h"
#include "service/plan_service.h"
#include "service/safety_service.h"
#include "service/scheduler.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rapport;
using rapport::testing::Browser;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kPassword = "alert bench password";
constexpr int kLoadClients = 64;

using rapport::bench::Ms;
using rapport::bench::Stats;
using rapport::bench::Summarise;

// The therapist's open page: reads events on its own thread and stamps each risk alert.
class Page {
 public:
  Page(std::uint16_t port, const Browser& therapist, EpisodeId episode)
      : ws_(ioc_), episode_(episode) {
    asio::ip::tcp::resolver resolver(ioc_);
    asio::connect(beast::get_lowest_layer(ws_),
                  resolver.resolve("127.0.0.1", std::to_string(port)));
    const std::string cookie = therapist.cookie();
    ws_.set_option(websocket::stream_base::decorator(
        [cookie](websocket::request_type& req) { req.set(bhttp::field::cookie, cookie); }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/api/v1/live");
    ws_.write(asio::buffer(Json{{"type", "hello"}, {"csrf", therapist.csrf()}}.dump()));
    beast::flat_buffer ready;
    ws_.read(ready);
    reader_ = std::thread([this] { Read(); });
  }
  ~Page() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    reader_.join();
  }

  // Waits until `count` risk events have arrived (at most 30 s); their arrival times in order.
  std::vector<SteadyTime> Risks(std::size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return risks_.size() >= count; });
    return risks_;
  }
  void Clear() {
    const std::lock_guard lock(mu_);
    risks_.clear();
  }

 private:
  void Read() {
    for (;;) {
      beast::flat_buffer buffer;
      beast::error_code ec;
      ws_.read(buffer, ec);
      if (ec) return;
      const SteadyTime at = std::chrono::steady_clock::now();
      const Json event = Json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      if (!event.is_object() || event.value("type", "") != "alert") continue;
      if (event.value("episode_id", EpisodeId{0}) != episode_ ||
          event.value("title", "").rfind("Risk answer", 0) != 0) {
        continue;
      }
      const std::lock_guard lock(mu_);
      risks_.push_back(at);
      cv_.notify_all();
    }
  }

  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  EpisodeId episode_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SteadyTime> risks_;
};

Json Phq9Risk() {
  Json answers = Json::object();
  for (int i = 1; i <= 8; ++i) answers[fmt::format("phq9_{}", i)] = 1;
  answers["phq9_9"] = 2;
  return answers;
}

Json RapportCheck(int v) {
  return {{"rc_heard", v},   {"rc_goals", v},   {"rc_approach", v}, {"rc_held_back", 10 - v},
          {"rc_respect", v}, {"rc_overall", v}, {"rc_better", ""}};
}

// `risks` risk submissions 50 ms apart; the latency of each from its 201 to its banner.
std::vector<double> RiskLatencies(Page& page, Browser& client, EpisodeId episode, int risks) {
  page.Clear();
  std::vector<SteadyTime> answered;
  const std::string target = fmt::format("/api/v1/episodes/{}/responses", episode);
  for (int i = 0; i < risks; ++i) {
    auto reply = client.Post(
        target, {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9Risk()}});
    answered.push_back(std::chrono::steady_clock::now());
    if (reply.status != 201) std::cerr << "risk submission: " << reply.status << "\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto arrived = page.Risks(answered.size());
  std::vector<double> out;
  for (std::size_t i = 0; i < std::min(arrived.size(), answered.size()); ++i) {
    out.push_back(Ms(arrived[i] - answered[i]));
  }
  return out;
}

int Main(int argc, char** argv) {
  int risks = 60, mails = 500;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--risks")
      risks = std::stoi(argv[i + 1]);
    else if (flag == "--mails")
      mails = std::stoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
  }
  if (!InitCrypto()) return 1;
  const std::filesystem::path root =
      std::filesystem::path(dir) / ("rapport-alert-bench-" + RandomHex(6));
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

  // One therapist; client 0 gives the risk answers, clients 1..64 the load.
  std::vector<EpisodeId> episodes;
  ClinicId clinic = 0;
  const Status seeded = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.InsertClinic(Clinic{0, "Bench", {}}));
    // Open all day, every day, so the run is the same at any hour.
    SafetySettings safety;
    for (auto& day : safety.hours.days) day = OpenInterval{0, kMinutesPerDay};
    RAPPORT_RETURN_IF_ERROR(txn.PutSafetySettings(clinic, SafetySettingsToJson(safety).dump()));
    RAPPORT_ASSIGN_OR_RETURN(const UserId therapist,
                             txn.InsertUser(NewUser{clinic, "therapist@bench.rapport", "Tess",
                                                    Role::kTherapist, hash, now, true}));
    for (int c = 0; c <= kLoadClients; ++c) {
      RAPPORT_ASSIGN_OR_RETURN(
          const UserId client,
          txn.InsertUser(NewUser{clinic, fmt::format("client{}@bench.rapport", c),
                                 fmt::format("Client {}", c), Role::kClient, hash, now, true}));
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{client, "", "", ""}));
      Episode e{0, clinic, client, therapist, EpisodeStatus::kActive, now, std::nullopt};
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId id, txn.InsertEpisode(e));
      for (const auto& a : FeedbackService::DefaultAssignments(id, false, now)) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      episodes.push_back(id);
    }
    return Ok();
  });
  if (!seeded) {
    std::cerr << seeded.error().message << "\n";
    return 1;
  }

  auto catalog = InstrumentCatalog::Shipped();
  Doorbell doorbell;
  const NotifierConfig notifier{&ShippedEscalationLadder(), "http://127.0.0.1"};
  AuthOptions fast;
  fast.hash_cost = HashCost::kMinimal;
  AuthService auth(store, clock, fast);
  ClinicService clinic_service(store, clock, fast);
  AuditService audit(store);
  FeedbackService feedback(store, clock, *catalog, ShippedAlertRules(),
                           FeedbackWiring{notifier, &doorbell, &ShippedCrisisDirectory()});
  PlanService plan(store, clock, *catalog);
  SafetyService safety(store, clock, ShippedCrisisDirectory());
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.web_root = "/nonexistent";
  options.log_sink = [](std::string_view) {};
  Server server(options, ApiServices{&store, &auth, &clinic_service, &audit, &feedback, &*catalog,
                                     &plan, &safety, nullptr, &doorbell});
  Scheduler scheduler(store, clock);
  RegisterJobs(scheduler, store, feedback, notifier, AuthOptions{});
  DeliveryWorker worker(store, clock, nullptr, nullptr, &server.live());
  BackgroundLoop background(doorbell, [&]() -> std::chrono::milliseconds {
    (void)scheduler.RunDue();
    for (int round = 0; round < 8; ++round) {
      auto claimed = worker.RunOnce();
      if (!claimed || *claimed < DeliveryOptions{}.batch) break;
    }
    return std::chrono::milliseconds(1000);
  });
  const auto port = server.Start();
  if (!port) return 1;
  background.Start();

  Browser therapist(*port);
  if (therapist.Login("therapist@bench.rapport", kPassword).status != 200) return 1;
  Page page(*port, therapist, episodes[0]);
  Browser risky(*port);
  risky.Login("client0@bench.rapport", kPassword);

  const Stats quiet = Summarise(RiskLatencies(page, risky, episodes[0], risks));

  std::atomic<bool> stop{false};
  std::atomic<long> submitted{0};
  std::vector<std::thread> load;
  for (int c = 1; c <= kLoadClients; ++c) {
    load.emplace_back([&, c] {
      Browser client(*port);
      client.Login(fmt::format("client{}@bench.rapport", c), kPassword);
      const std::string target = fmt::format("/api/v1/episodes/{}/responses", episodes[c]);
      for (int i = 0; !stop; ++i) {
        auto reply = client.Post(target, {{"instrument", "RAPPORT-CHECK"},
                                          {"respondent", "client"},
                                          {"answers", RapportCheck(6 + i % 5)}});
        if (reply.status == 201) ++submitted;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto load_start = std::chrono::steady_clock::now();
  const long before = submitted.load();
  const Stats loaded = Summarise(RiskLatencies(page, risky, episodes[0], risks));
  const double load_seconds = Ms(std::chrono::steady_clock::now() - load_start) / 1000.0;
  const long during = submitted.load() - before;
  stop = true;
  for (auto& t : load) t.join();

  std::cout << fmt::format(
      "risk answer 201 -> therapist's banner, no other load: p50 {:.2f} ms, p99 {:.2f} ms, max "
      "{:.2f} ms ({} of {})\n",
      quiet.p50, quiet.p99, quiet.max, quiet.n, risks);
  std::cout << fmt::format(
      "with {} clients submitting Rapport Checks ({:.0f}/s): p50 {:.2f} ms, p99 {:.2f} ms, max "
      "{:.2f} ms ({} of {}); p50 ratio loaded/quiet {:.2f}\n",
      kLoadClients, during / load_seconds, loaded.p50, loaded.p99, loaded.max, loaded.n, risks,
      quiet.p50 > 0 ? loaded.p50 / quiet.p50 : 0.0);
  background.Stop();
  server.Stop();

  // --- Part 2: outbox deliveries to a real SMTP server ------------------------------------------
  auto sink = rapport::testing::SmtpSink::Start();
  if (!sink) {
    std::cerr << "no SMTP sink: " << sink.error().message << "\n";
    return 1;
  }
  SmtpOptions smtp;
  smtp.url = (*sink)->Url();
  auto sender = MakeSmtpSender(smtp);
  if (!sender) return 1;
  MailMessage message{"Rapport <no-reply@bench.rapport>", "therapist@bench.rapport",
                      "Rapport: a client needs your attention", "Please sign in.", ""};
  const auto direct_start = std::chrono::steady_clock::now();
  for (int i = 0; i < mails; ++i) {
    message.message_id = fmt::format("<direct-{}@bench>", i);
    if (!(*sender)->Send(message)) std::cerr << "direct send failed\n";
  }
  const double direct_s = Ms(std::chrono::steady_clock::now() - direct_start) / 1000.0;
  const UserId therapist_id = SoleUserWithEmail(store, "therapist@bench.rapport")->id;
  (void)store.Write([&](WriteTxn& txn) -> Status {
    for (int i = 0; i < mails; ++i) {
      Notification n;
      n.clinic_id = clinic;
      n.recipient_id = therapist_id;
      n.channel = Channel::kEmail;
      n.reason = "bench";
      n.address = "therapist@bench.rapport";
      n.subject = message.subject;
      n.body = message.text;
      n.created_at = clock.Now();
      n.next_attempt_at = clock.Now();
      RAPPORT_RETURN_IF_ERROR(txn.InsertNotification(n));
    }
    return Ok();
  });
  DeliveryWorker mailer(store, clock, sender->get(), nullptr, nullptr);
  const auto outbox_start = std::chrono::steady_clock::now();
  int delivered = 0;
  for (;;) {
    auto claimed = mailer.RunOnce();
    if (!claimed || *claimed == 0) break;
    delivered += *claimed;
  }
  const double outbox_s = Ms(std::chrono::steady_clock::now() - outbox_start) / 1000.0;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::size_t received = (*sink)->Messages().size();
  std::cout << fmt::format(
      "outbox to loopback SMTP: {} mails in {:.2f} s = {:.0f}/s; straight through the sender: "
      "{:.0f}/s; ratio {:.2f}; the server received {} of {}\n",
      delivered, outbox_s, delivered / outbox_s, mails / direct_s,
      (delivered / outbox_s) / (mails / direct_s), received, 2 * mails);
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return Main(argc, argv);
}
