#pragma once
// Test support (header-only so it stays out of the library): tests/support/smtp_sink.py as a
// child process on a free loopback port, with its own temporary directory, and the messages it
// received read back. Stopped (SIGTERM, then SIGKILL if it lingers), reaped and its directory
// removed when the SmtpSink is destroyed; the script also exits by itself after its timeout, so
// a crashed test leaves nothing running for long. Not thread-safe: one owner.
//
// The script's path comes from RAPPORT_SOURCE_DIR, which ctest sets for every test (set it
// yourself when running a test binary by hand).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "core/json.h"
#include "core/result.h"

namespace rapport::testing {

struct SmtpSinkOptions {
  std::string auth;                   // "user:password": AUTH PLAIN/LOGIN required before MAIL
  std::vector<std::string> rcpt_4xx;  // recipients answered 450 (try again later)
  std::vector<std::string> rcpt_5xx;  // recipients answered 550 (no such mailbox)
  long max_size = 0;                  // refuse larger messages with 552; 0: aiosmtpd's 32 MiB
  bool starttls = false;              // offer STARTTLS; trust CertFile() to verify it
  bool smtps = false;                 // implicit TLS from the first byte
  int timeout_s = 120;                // the script exits by itself after this long
};

struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  bool tls = false;
  std::string auth_login;  // empty when the client did not sign in
  std::string data;        // the message as received, CRLF line ends
};

class SmtpSink {
 public:
  static Result<std::unique_ptr<SmtpSink>> Start(const SmtpSinkOptions& options = {}) {
    RAPPORT_RETURN_IF_ERROR(InitCrypto());
    const char* source = std::getenv("RAPPORT_SOURCE_DIR");
    if (source == nullptr) {
      return Fail(Error::FailedPrecondition("RAPPORT_SOURCE_DIR is not set (ctest sets it)"));
    }
    std::unique_ptr<SmtpSink> sink(new SmtpSink());
    sink->smtps_ = options.smtps;
    sink->dir_ = std::filesystem::temp_directory_path() / ("rapport-smtp-sink-" + RandomHex(8));
    std::filesystem::create_directories(sink->dir_);

    std::vector<std::string> args = {"python3", std::string(source) + "/tests/support/smtp_sink.py",
                                     "--timeout", std::to_string(options.timeout_s)};
    if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
    for (const auto& a : options.rcpt_4xx) args.insert(args.end(), {"--rcpt-4xx", a});
    for (const auto& a : options.rcpt_5xx) args.insert(args.end(), {"--rcpt-5xx", a});
    if (options.max_size > 0)
      args.insert(args.end(), {"--max-size", std::to_string(options.max_size)});
    if (options.starttls) args.push_back("--starttls");
    if (options.smtps) args.push_back("--smtps");
    args.push_back(sink->dir_.string());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (::pipe(out) != 0) return Fail(Error::Internal("pipe failed"));
    sink->pid_ = ::fork();
    if (sink->pid_ < 0) return Fail(Error::Internal("fork failed"));
    if (sink->pid_ == 0) {
      // Only async-signal-safe calls between fork and exec: the test may have threads.
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    const std::string line = ReadLine(out[0], std::chrono::seconds(60));
    ::close(out[0]);
    if (!line.starts_with("port ")) {
      return Fail(Error::Unavailable("the SMTP sink did not start (it said: \"" + line + "\")"));
    }
    sink->port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
    return sink;
  }

  ~SmtpSink() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url() const {
    return (smtps_ ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") + std::to_string(port_);
  }
  // The self-signed certificate of a --starttls or --smtps sink, for SmtpOptions::ca_file.
  std::string CertFile() const { return (dir_ / "sink-cert.pem").string(); }

  // Every message accepted so far, in the order received.
  std::vector<ReceivedMail> Messages() const {
    std::vector<ReceivedMail> out;
    for (int n = 1;; ++n) {
      char stem[32];
      std::snprintf(stem, sizeof stem, "message-%04d", n);
      const auto json_text = ReadFile(dir_ / (std::string(stem) + ".json"));
      if (json_text.empty()) break;
      auto record = ParseJson(json_text);
      if (!record) break;
      ReceivedMail mail;
      mail.mail_from = record->value("mail_from", "");
      for (const Json& r : (*record)["rcpt_tos"]) mail.rcpt_tos.push_back(r.get<std::string>());
      mail.tls = record->value("tls", false);
      if ((*record)["auth_login"].is_string()) mail.auth_login = (*record)["auth_login"];
      mail.data = ReadFile(dir_ / record->value("data_file", ""));
      out.push_back(std::move(mail));
    }
    return out;
  }

  // Every AUTH attempt so far: {"mechanism", "login", "tls", "success"}.
  std::vector<Json> AuthAttempts() const {
    std::vector<Json> out;
    std::istringstream lines(ReadFile(dir_ / "auth-attempts.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      if (auto parsed = ParseJson(line)) out.push_back(*parsed);
    }
    return out;
  }

  // Stops the server now (its port is then closed); safe to call more than once.
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  SmtpSink() = default;

  // The first line `fd` carries, or what came before EOF or the deadline.
  static std::string ReadLine(int fd, std::chrono::seconds limit) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(fd, &c, 1) != 1 || c == '\n') break;
      line.push_back(c);
    }
    return line;
  }

  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool smtps_ = false;
  std::filesystem::path dir_;
};

}  // namespace rapport::testing
