#include "http/serve.h"

#include <fmt/format.h>

#include <csignal>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/instrument_files.h"
#include "core/clock.h"
#include "domain/alerts.h"
#include "http/asio.h"
#include "http/server.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/feedback_service.h"
#include "service/plan_service.h"

namespace rapport {

namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string web = "web/dist";
  bool trust_proxy = false;
};

Result<ServeFlags> ParseFlags(std::span<const std::string> args) {
  ServeFlags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool has_value = false;
    if (const std::size_t eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "--trust-proxy") {
      flags.trust_proxy = true;
      continue;
    }
    if (name != "--listen" && name != "--web") {
      return Fail(Error::Field(name, "unknown option"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Fail(Error::Field(name, "needs a value"));
      value = args[++i];
    }
    if (name == "--web") {
      flags.web = value;
      continue;
    }
    const std::size_t colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail(Error::Field(name, "must be HOST:PORT, for example 127.0.0.1:8080"));
    }
    std::string host = value.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = -1;
    try {
      std::size_t used = 0;
      port = std::stoi(value.substr(colon + 1), &used);
      if (used != value.size() - colon - 1) port = -1;
    } catch (const std::exception&) {
      port = -1;
    }
    if (port < 0 || port > 65535) return Fail(Error::Field(name, "has an invalid port"));
    flags.host = host;
    flags.port = static_cast<std::uint16_t>(port);
  }
  return flags;
}

}  // namespace

int RunServeCommand(Store& store, std::span<const std::string> args, std::ostream& out,
                    std::ostream& err) {
  std::vector<std::string> rest(args.begin(), args.end());
  const std::optional<std::string> instruments_dir = TakeInstrumentsDir(rest);
  auto flags = ParseFlags(rest);
  if (!flags) {
    const Error& e = flags.error();
    err << fmt::format("rapport serve: {} {}\n", e.fields.empty() ? "" : e.fields[0].field,
                       e.fields.empty() ? e.message : e.fields[0].message);
    return 2;
  }
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
  const Clock& clock = SystemClock::Instance();
  AuthService auth(store, clock);
  ClinicService clinic(store, clock);
  AuditService audit(store);
  FeedbackService feedback(store, clock, *catalog, ShippedAlertRules());
  PlanService plan(store, clock, *catalog);

  ServerOptions options;
  options.address = flags->host;
  options.port = flags->port;
  options.web_root = flags->web;
  options.trust_proxy_headers = flags->trust_proxy;
  Server server(options, ApiServices{&store, &auth, &clinic, &audit, &feedback, &*catalog, &plan});

  // Installed before the server starts, so that a signal during start-up is not met by the
  // default action, which would end the process without a graceful stop.
  asio::io_context signals_context(1);
  asio::signal_set signals(signals_context, SIGINT, SIGTERM);

  auto port = server.Start();
  if (!port) {
    err << "rapport serve: " << port.error().message << "\n";
    return 1;
  }
  const std::string shown_host =
      flags->host.find(':') != std::string::npos ? "[" + flags->host + "]" : flags->host;
  out << fmt::format("listening on http://{}:{}\n", shown_host, *port) << std::flush;

  int received = 0;
  signals.async_wait([&received](const beast::error_code& ec, int signal) {
    if (!ec) received = signal;
  });
  signals_context.run();
  err << fmt::format("rapport serve: signal {} received, shutting down\n", received) << std::flush;
  server.Stop();
  return 0;
}

}  // namespace rapport
