#include "http/serve.h"

#include <fmt/format.h>

#include <sys/resource.h>
#include <algorithm>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/command_options.h"
#include "config/instrument_files.h"
#include "core/background_loop.h"
#include "core/clock.h"
#include "core/doorbell.h"
#include "core/text.h"
#include "domain/alerts.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "http/asio.h"
#include "http/server.h"
#include "http/tls_context.h"
#include "notify/delivery.h"
#include "notify/mail.h"
#include "notify/webhook.h"
#include "service/appointment_service.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/change_service.h"
#include "service/clinic_service.h"
#include "service/course_service.h"
#include "service/family_service.h"
#include "service/feedback_service.h"
#include "service/jobs.h"
#include "service/matching_service.h"
#include "service/messaging_service.h"
#include "service/notes_service.h"
#include "service/plan_service.h"
#include "service/record_service.h"
#include "service/room_service.h"
#include "service/rupture_service.h"
#include "service/safety_service.h"
#include "service/scheduler.h"
#include "service/support_service.h"

namespace rapport {

std::unique_ptr<CommandLine> ServeCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "serve", "[--db PATH] [options]",
      "Serves the web app and the API until SIGINT or SIGTERM, then stops gracefully.");
  line->Option("--listen", "HOST:PORT",
               "where to listen (default 127.0.0.1:8080; port 0 picks a free one)")
      .Option("--web", "DIR", "the built web app to serve (default web/dist)");
  DeclareInstrumentsDir(*line);
  line->Option("--tls-cert", "FILE",
               "serve HTTPS (and WSS) natively: the certificate, then its chain, in PEM; needs "
               "--tls-key. SIGHUP reads both files again")
      .Option("--tls-key", "FILE", "the certificate's private key in PEM, unencrypted")
      .Flag("--trust-proxy",
            "behind a TLS-terminating reverse proxy: believe its X-Forwarded-Proto and "
            "X-Forwarded-For")
      .Option("--smtp-url", "URL",
              "the mail relay, smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT; without it "
              "mail is held in the admin's outbox. Credentials come from RAPPORT_SMTP_USERNAME "
              "and RAPPORT_SMTP_PASSWORD")
      .Option("--mail-from", "ADDRESS", "the sender of notification mail")
      .Option("--base-url", "URL",
              "how links in mail begin, e.g. https://rapport.clinic.example (default "
              "http://HOST:PORT of --listen, https:// with --tls-cert)");
  DeclareStoreFiles(*line);
  line->Repeatable("--stun", "URL", "a STUN server for the session rooms, stun:HOST:PORT")
      .Repeatable("--turn", "URL",
                  "a TURN relay, turn:HOST:PORT or turns:HOST:443?transport=tcp; needs "
                  "--turn-secret-file")
      .Option("--turn-secret-file", "PATH",
              "the TURN server's shared secret (coturn static-auth-secret); each person gets "
              "credentials of their own valid for an hour")
      .Flag("--relay-only", "browsers use only the TURN relay (strict networks, tests)")
      .Flag("--test-clock", "tests only, loopback only: POST /api/v1/test/clock moves time")
      .Footer(
          "The audit chain's checkpoints are appended to --checkpoints each minute the chain "
          "grew and at shutdown, and written to this log too.");
  return line;
}

namespace {

// Every room holds two WebSockets and every open page one, so a clinic's evening of video
// sessions needs more descriptors than the usual soft limit of 1024. Raises the soft limit as
// far as the hard limit allows (up to 65536) and leaves room for the database, logs and
// outgoing mail and webhook connections.
int ConnectionsAllowed() {
  constexpr rlim_t kWanted = 65536;
  constexpr int kMostConnections = 8192;
  constexpr rlim_t kReserved = 128;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return ServerOptions{}.max_connections;
  if (limit.rlim_cur < kWanted && limit.rlim_cur != RLIM_INFINITY) {
    rlimit raised = limit;
    raised.rlim_cur = std::min<rlim_t>(kWanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return kMostConnections;
  if (limit.rlim_cur <= 2 * kReserved) return ServerOptions{}.max_connections;
  return static_cast<int>(std::min<rlim_t>(kMostConnections, limit.rlim_cur - kReserved));
}

struct ServeFlags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string web = "web/dist";
  bool trust_proxy = false;
  TlsFiles tls;             // both empty: plain HTTP
  std::string smtp_url;     // empty: mail is held for the admin's outbox
  std::string mail_from;    // the default sender of notification mail
  std::string base_url;     // how links in mail begin, e.g. https://rapport.clinic.example
  std::string checkpoints;  // the audit checkpoint file; empty: none
  bool test_clock = false;
  IceConfig ice;
  std::string turn_secret_file;
};

// What `line` read, checked; errors name the option.
Result<ServeFlags> ParseFlags(const CommandLine& line) {
  ServeFlags flags;
  flags.trust_proxy = line.Has("--trust-proxy");
  flags.test_clock = line.Has("--test-clock");
  flags.ice.force_relay = line.Has("--relay-only");
  flags.web = line.Get("--web", flags.web);
  // main() names the checkpoint file beside the database when the command line does not.
  flags.checkpoints = line.Get("--checkpoints", "");
  for (const char* name : {"--tls-cert", "--tls-key"}) {
    if (const std::optional<std::string> value = line.Get(name)) {
      if (value->empty()) return Fail(Error::Field(name, "needs a file"));
      (name == std::string_view("--tls-cert") ? flags.tls.certificate : flags.tls.key) = *value;
    }
  }
  for (const char* name : {"--stun", "--turn"}) {
    const bool stun = name == std::string_view("--stun");
    for (const std::string& value : line.GetAll(name)) {
      if (auto ok = CheckIceUrl(value); !ok) return Fail(Error::Field(name, ok.error().message));
      if (stun && !value.starts_with("stun:")) {
        return Fail(Error::Field(name, "must start with stun:"));
      }
      if (!stun && value.starts_with("stun:")) {
        return Fail(Error::Field(name, "must start with turn: or turns:"));
      }
      (stun ? flags.ice.stun_urls : flags.ice.turn_urls).push_back(value);
    }
  }
  flags.turn_secret_file = line.Get("--turn-secret-file", "");
  flags.smtp_url = line.Get("--smtp-url", "");
  if (const std::optional<std::string> value = line.Get("--mail-from")) {
    if (value->find('@') == std::string::npos ||
        value->find_first_of("\r\n") != std::string::npos) {
      return Fail(Error::Field("--mail-from", "must be an e-mail address"));
    }
    flags.mail_from = *value;
  }
  if (std::optional<std::string> value = line.Get("--base-url")) {
    if (!value->starts_with("https://") && !value->starts_with("http://")) {
      return Fail(Error::Field("--base-url", "must start with https:// or http://"));
    }
    while (value->ends_with("/")) value->pop_back();
    flags.base_url = *value;
  }
  if (const std::optional<std::string> value = line.Get("--listen")) {
    const std::string name = "--listen";
    const std::size_t colon = value->rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail(Error::Field(name, "must be HOST:PORT, for example 127.0.0.1:8080"));
    }
    std::string host = value->substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = -1;
    try {
      std::size_t used = 0;
      port = std::stoi(value->substr(colon + 1), &used);
      if (used != value->size() - colon - 1) port = -1;
    } catch (const std::exception&) {
      port = -1;
    }
    if (port < 0 || port > 65535) return Fail(Error::Field(name, "has an invalid port"));
    flags.host = host;
    flags.port = static_cast<std::uint16_t>(port);
  }
  if (!flags.ice.turn_urls.empty() && flags.turn_secret_file.empty()) {
    return Fail(Error::Field("--turn-secret-file", "is needed with --turn"));
  }
  if (flags.ice.force_relay && flags.ice.turn_urls.empty()) {
    return Fail(Error::Field("--relay-only", "needs a --turn relay"));
  }
  if (flags.tls.certificate.empty() != flags.tls.key.empty()) {
    return flags.tls.key.empty() ? Fail(Error::Field("--tls-key", "is needed with --tls-cert"))
                                 : Fail(Error::Field("--tls-cert", "is needed with --tls-key"));
  }
  return flags;
}

// A TLS file's error under the flag that named the file.
std::string TlsFlagError(const Error& error) {
  if (error.fields.empty()) return error.message;
  const FieldError& file = error.fields.front();
  return fmt::format("{}: {}", file.field == "key" ? "--tls-key" : "--tls-cert", file.message);
}

// SIGHUP: new connections use the certificate and key the files hold now; open ones keep theirs.
// Files that do not check out leave the ones in use.
void ReloadTls(Server& server, const TlsFiles& files, std::ostream& err) {
  auto loaded = LoadTlsContext(files);
  Status replaced = loaded ? server.ReplaceTls(*std::move(loaded)) : Fail(loaded.error());
  if (!replaced) {
    err << "rapport serve: SIGHUP: kept the TLS certificate in use; "
        << TlsFlagError(replaced.error()) << "\n"
        << std::flush;
    return;
  }
  err << "rapport serve: SIGHUP: new connections use the TLS certificate in "
      << files.certificate.string() << "\n"
      << std::flush;
}

// How long the background loop may sleep: until the next job or delivery falls due, at least
// 20 ms (a due item the worker could not claim must not spin it) and at most a second (another
// server may have written, a test clock may have jumped).
std::chrono::milliseconds NextWake(Store& store, Timestamp now) {
  constexpr std::chrono::milliseconds kLeast{20}, kMost{1000};
  std::optional<Timestamp> next;
  if (auto job = store.NextJobDue(); job && *job) next = **job;
  if (auto n = store.NextNotificationDue(); n && *n) next = next ? std::min(*next, **n) : **n;
  if (!next) return kMost;
  return std::clamp(std::chrono::milliseconds(*next - now), kLeast, kMost);
}

// Writes a checkpoint of the audit chain's head to the file and the log when the head moved
// since the last one (or `force`). Thread-compatible: one caller at a time.
class Checkpointer {
 public:
  Checkpointer(Store& store, const Clock& clock, std::string path, std::ostream& log)
      : store_(store), clock_(clock), path_(std::move(path)), log_(log) {}

  void MaybeWrite(bool force) {
    if (path_.empty()) return;
    const Timestamp now = clock_.Now();
    if (!force && now - last_at_ < kEveryMs) return;
    last_at_ = now;
    auto checkpoint = MakeCheckpoint(store_, now);
    if (!checkpoint) {
      log_ << "rapport serve: audit checkpoint: " << checkpoint.error().message << "\n"
           << std::flush;
      return;
    }
    if (checkpoint->seq == last_seq_) return;
    if (auto ok = AppendCheckpoint(path_, *checkpoint); !ok) {
      log_ << "rapport serve: " << ok.error().message << "\n" << std::flush;
      return;
    }
    last_seq_ = checkpoint->seq;
    log_ << "rapport serve: " << checkpoint->Line() << "\n" << std::flush;
  }

 private:
  static constexpr Timestamp kEveryMs = 60'000;
  Store& store_;
  const Clock& clock_;
  std::string path_;
  std::ostream& log_;
  Timestamp last_at_ = 0;
  std::int64_t last_seq_ = -1;
};

}  // namespace

int RunServeCommand(Store& store, ServerEvents* events, std::span<const std::string> args,
                    std::ostream& out, std::ostream& err) {
  const std::unique_ptr<CommandLine> line = ServeCommandLine();
  if (auto stop = line->Read(args, out, err)) return *stop;
  const std::optional<std::string> instruments_dir = ReadInstrumentsDir(*line);
  auto flags = ParseFlags(*line);
  if (!flags) {
    const Error& e = flags.error();
    err << fmt::format("rapport serve: {} {}\n", e.fields.empty() ? "" : e.fields[0].field,
                       e.fields.empty() ? e.message : e.fields[0].message);
    return 2;
  }
  // Both TLS files are read and checked now: a wrong one stops start-up, named by its flag,
  // instead of failing every handshake once the server listens.
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!flags->tls.certificate.empty()) {
    auto loaded = LoadTlsContext(flags->tls);
    if (!loaded) {
      err << "rapport serve: " << TlsFlagError(loaded.error()) << "\n";
      return 1;
    }
    tls = *std::move(loaded);
  }
  const char* const scheme = tls ? "https" : "http";
  // A broken clinic questionnaire stops start-up: running with one silently missing would
  // drop that clinic's feedback.
  auto catalog = LoadInstrumentCatalog(instruments_dir);
  if (!catalog) {
    err << "rapport serve: cannot load questionnaires: " << catalog.error().message << "\n";
    for (const FieldError& f : catalog.error().fields) {
      // The message often already names the one problem; list only what it leaves out.
      if (catalog.error().message.find(f.message) != std::string::npos) continue;
      err << fmt::format("  {}: {}\n", f.field, f.message);
    }
    return 1;
  }
  // A test clock moves only when an end-to-end test says so; it must never face the network.
  if (flags->test_clock && flags->host != "127.0.0.1" && flags->host != "::1" &&
      flags->host != "localhost") {
    err << "rapport serve: --test-clock is only allowed on a loopback address\n";
    return 2;
  }
  std::unique_ptr<MailSender> mail;
  if (!flags->smtp_url.empty()) {
    SmtpOptions smtp;
    smtp.url = flags->smtp_url;
    if (const char* user = std::getenv("RAPPORT_SMTP_USERNAME")) smtp.username = user;
    if (const char* password = std::getenv("RAPPORT_SMTP_PASSWORD")) smtp.password = password;
    auto sender = MakeSmtpSender(smtp);
    if (!sender) {
      err << "rapport serve: --smtp-url: " << sender.error().message << "\n";
      return 2;
    }
    mail = std::move(*sender);
  }
  auto webhook = MakeHttpWebhookSender();
  if (!webhook) {
    err << "rapport serve: " << webhook.error().message << "\n";
    return 1;
  }

  OffsetClock test_clock;
  const Clock& clock =
      flags->test_clock ? static_cast<const Clock&>(test_clock) : SystemClock::Instance();
  Doorbell doorbell;
  // Links in mail need an absolute address: the one given, else the address this server listens
  // on (right for a single machine; a clinic behind a proxy passes --base-url).
  std::string base_url = flags->base_url;
  if (base_url.empty() && flags->port != 0) {
    const std::string host =
        flags->host.find(':') != std::string::npos ? "[" + flags->host + "]" : flags->host;
    base_url = fmt::format("{}://{}:{}", scheme, host, flags->port);
  }
  const NotifierConfig notifier{&ShippedEscalationLadder(), base_url};
  AuthOptions auth_options;
  auth_options.link_base_url = base_url;
  AuthService auth(store, clock, auth_options);
  ClinicService clinic(store, clock, auth_options);
  AuditService audit(store, clock);
  FeedbackService feedback(store, clock, *catalog, ShippedAlertRules(),
                           FeedbackWiring{notifier, &doorbell, &ShippedCrisisDirectory()});
  PlanService plan(store, clock, *catalog);
  SafetyService safety(store, clock, ShippedCrisisDirectory(), mail != nullptr);

  ServerOptions options;
  options.address = flags->host;
  options.port = flags->port;
  options.web_root = flags->web;
  options.tls = tls;
  options.trust_proxy_headers = flags->trust_proxy;
  options.public_base_url = flags->base_url;
  options.events = events;
  options.max_connections = ConnectionsAllowed();
  AppointmentService appointments(store, clock, base_url);
  IceConfig ice = flags->ice;
  if (!flags->turn_secret_file.empty()) {
    std::ifstream file(flags->turn_secret_file);
    std::string secret;
    if (file.is_open()) {
      secret.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
      secret = std::string(Trim(secret));
    }
    if (secret.empty()) {
      err << "rapport serve: --turn-secret-file: cannot read a secret from "
          << flags->turn_secret_file << "\n";
      return 1;
    }
    ice.turn_secret = std::move(secret);
  }
  RoomService rooms(store, clock, std::move(ice));
  MessagingService messaging(store, clock);
  MatchingService matching(store, clock, *catalog);
  CourseService course(store, clock, *catalog, feedback, plan, ShippedCrisisDirectory());
  NotesService notes(store, clock);
  TherapistChangeService changes(store, clock, *catalog, course);
  RuptureService ruptures(store, clock, *catalog);
  RecordService records(store, clock, *catalog, course);
  SupportService support(store, clock, *catalog, base_url);
  FamilyService family(store, clock);
  Server server(options,
                ApiServices{&store,    &auth,      &clinic,
                            &audit,    &feedback,  &*catalog,
                            &plan,     &safety,    flags->test_clock ? &test_clock : nullptr,
                            &doorbell, {},         &appointments,
                            &rooms,    &messaging, &matching,
                            &course,   &notes,     &changes,
                            &ruptures, &records,   &support,
                            &family});

  // Time-caused work and delivery: one background thread, woken by every write that queued a
  // notification, and at least once a second.
  Scheduler scheduler(store, clock);
  RegisterJobs(scheduler, store, feedback, notifier, auth_options);
  if (auto scheduled = SchedulePeriodicJobs(store, clock.Now()); !scheduled) {
    err << "rapport serve: cannot schedule the periodic checks: " << scheduled.error().message
        << "\n";
    return 1;
  }
  DeliveryOptions delivery;
  if (!flags->mail_from.empty()) delivery.mail_from = flags->mail_from;
  DeliveryWorker worker(store, clock, mail.get(), webhook->get(), &server.live(), delivery);
  Checkpointer checkpointer(store, SystemClock::Instance(), flags->checkpoints, err);
  checkpointer.MaybeWrite(/*force=*/true);
  BackgroundLoop background(doorbell, [&]() -> std::chrono::milliseconds {
    checkpointer.MaybeWrite(/*force=*/false);
    if (auto ran = scheduler.RunDue(); !ran) {
      err << "rapport serve: scheduler: " << ran.error().message << "\n" << std::flush;
    }
    for (int round = 0; round < 8; ++round) {
      auto claimed = worker.RunOnce();
      if (!claimed) {
        err << "rapport serve: delivery: " << claimed.error().message << "\n" << std::flush;
        break;
      }
      if (*claimed < delivery.batch) break;
    }
    return NextWake(store, clock.Now());
  });

  // Installed before the server starts, so that a signal during start-up is not met by the
  // default action, which would end the process without a graceful stop.
  asio::io_context signals_context(1);
  asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  // With native TLS, SIGHUP reads the certificate and key again (a renewed certificate).
  if (tls) signals.add(SIGHUP);

  auto port = server.Start();
  if (!port) {
    err << "rapport serve: " << port.error().message << "\n";
    return 1;
  }
  background.Start();
  const std::string shown_host =
      flags->host.find(':') != std::string::npos ? "[" + flags->host + "]" : flags->host;
  if (flags->test_clock) {
    err << "rapport serve: running on a test clock that POST /api/v1/test/clock moves\n";
  }
  out << fmt::format("listening on {}://{}:{}\n", scheme, shown_host, *port) << std::flush;

  int received = 0;
  for (;;) {
    received = 0;
    signals.async_wait([&received](const beast::error_code& ec, int signal) {
      if (!ec) received = signal;
    });
    signals_context.restart();
    signals_context.run();
    if (received != SIGHUP) break;
    ReloadTls(server, flags->tls, err);
  }
  err << fmt::format("rapport serve: signal {} received, shutting down\n", received) << std::flush;
  server.Stop();
  background.Stop();
  checkpointer.MaybeWrite(/*force=*/true);
  return 0;
}

}  // namespace rapport
