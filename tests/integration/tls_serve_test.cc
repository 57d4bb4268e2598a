// `rapport serve --tls-cert --tls-key` as the real binary in a child process: half a pair or a
// bad file stops start-up before the server listens, with an error naming the flag; a good pair
// serves HTTPS, and SIGHUP reads the files again (a renewed certificate), keeping the one in use
// when the new files do not check out.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tls_certificate.h"
#include "tls_client.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport::testing {
namespace {

// `rapport serve --db DB --listen 127.0.0.1:0 --web /nonexistent [extra...]`, its standard
// output and error read through pipes. Killed and reaped when destroyed.
class ServeChild {
 public:
  ServeChild(const std::string& db, const std::vector<std::string>& extra) {
    int out[2];
    int err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      for (const int fd : {out[0], out[1], err[0], err[1]}) close(fd);
      std::vector<std::string> args = {RAPPORT_BINARY, "serve",       "--db",  db,
                                       "--listen",     "127.0.0.1:0", "--web", "/nonexistent"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(RAPPORT_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~ServeChild() {
    if (pid_ > 0 && !reaped_) Signal(SIGKILL);
    if (pid_ > 0 && !reaped_) Wait();
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }
  ServeChild(const ServeChild&) = delete;
  ServeChild& operator=(const ServeChild&) = delete;

  // The next line of standard output ("" once it closed).
  std::string OutLine() { return Line(out_, out_buffer_); }
  // Reads standard error until a line holding `text`; false when it closed first.
  bool ErrUntil(std::string_view text) {
    for (;;) {
      const std::string line = Line(err_, err_buffer_);
      if (line.empty() && closed_err_) return false;
      err_text_ += line + "\n";
      if (line.find(text) != std::string::npos) return true;
    }
  }
  // Everything on standard error until the process closes it (it exits).
  std::string ErrRest() {
    while (!closed_err_) err_text_ += Line(err_, err_buffer_) + "\n";
    return err_text_;
  }

  void Signal(int signal) { kill(pid_, signal); }
  // Its exit status, or -signal when a signal ended it.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  // One line from `fd`. Waits at most a minute for each byte, so that a server that never
  // writes fails the test instead of stalling it.
  std::string Line(int fd, std::string& buffer) {
    bool& closed = fd == out_ ? closed_out_ : closed_err_;
    for (;;) {
      if (const std::size_t end = buffer.find('\n'); end != std::string::npos) {
        std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 1);
        return line;
      }
      if (closed) {
        std::string rest = std::move(buffer);
        buffer.clear();
        return rest;
      }
      pollfd ready{fd, POLLIN, 0};
      char chunk[512];
      const ssize_t n = poll(&ready, 1, 60'000) == 1 ? read(fd, chunk, sizeof chunk) : 0;
      if (n <= 0) {
        closed = true;
        continue;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string out_buffer_;
  std::string err_buffer_;
  std::string err_text_;
  bool closed_out_ = false;
  bool closed_err_ = false;
  bool reaped_ = false;
};

class TlsServeTest : public ::testing::Test {
 protected:
  std::string Db() const { return (files_.folder() / "rapport.db").string(); }

  // Runs `rapport serve` with `extra` to its end; returns its exit status and standard error.
  std::pair<int, std::string> Refused(const std::vector<std::string>& extra) {
    ServeChild child(Db(), extra);
    const std::string out = child.OutLine();  // "" once it exits
    if (out.find("listening") != std::string::npos) {
      ADD_FAILURE() << "it listened: " << out;
      return {-1, ""};  // killed on the way out
    }
    std::string err = child.ErrRest();
    return {child.Wait(), err};
  }

  TlsTestFiles files_;
  TestCertificate server_ = files_.Make("server");
};

TEST_F(TlsServeTest, HalfATlsPairIsRefusedNamingTheMissingFlag) {
  auto [status, err] = Refused({"--tls-cert", server_.certificate.string()});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("rapport serve: --tls-key is needed with --tls-cert"), std::string::npos)
      << err;
  std::tie(status, err) = Refused({"--tls-key", server_.key.string()});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("rapport serve: --tls-cert is needed with --tls-key"), std::string::npos)
      << err;
}

TEST_F(TlsServeTest, BadTlsFilesStopStartUpNamingTheFlag) {
  const auto missing = files_.folder() / "missing.crt";
  auto [status, err] = Refused({"--tls-cert", missing.string(), "--tls-key", server_.key.string()});
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find("rapport serve: --tls-cert: cannot read " + missing.string()),
            std::string::npos)
      << err;

  const auto garbage = files_.Write("garbage.key", "not a key\n");
  std::tie(status, err) =
      Refused({"--tls-cert", server_.certificate.string(), "--tls-key", garbage.string()});
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find("rapport serve: --tls-key: " + garbage.string() + " holds no PEM private key"),
            std::string::npos)
      << err;

  const TestCertificate other = files_.Make("other");
  std::tie(status, err) =
      Refused({"--tls-cert", server_.certificate.string(), "--tls-key", other.key.string()});
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find("rapport serve: --tls-key: " + other.key.string() + " is not the key of"),
            std::string::npos)
      << err;
}

TEST_F(TlsServeTest, ServesHttpsAndReadsARenewedCertificateOnSighup) {
  ServeChild child(Db(),
                   {"--tls-cert", server_.certificate.string(), "--tls-key", server_.key.string()});
  const std::string listening = child.OutLine();
  const std::string prefix = "listening on https://127.0.0.1:";
  ASSERT_EQ(listening.rfind(prefix, 0), 0u) << listening << child.ErrRest();
  const auto port = static_cast<std::uint16_t>(std::stoi(listening.substr(prefix.size())));
  auto trusting_first = TrustingOnly(server_.certificate_pem);
  const HttpReply ready = SendTls(*trusting_first, port, "GET", "/healthz");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(ready.Header("strict-transport-security"), "max-age=63072000; includeSubDomains");

  // The certificate is renewed in place (the same two files), and the server told.
  const TestCertificate renewed = files_.Make("server");
  child.Signal(SIGHUP);
  ASSERT_TRUE(child.ErrUntil("SIGHUP: new connections use the TLS certificate in"));
  auto trusting_renewed = TrustingOnly(renewed.certificate_pem);
  EXPECT_EQ(SendTls(*trusting_renewed, port, "GET", "/healthz").status, 200u);
  TlsConnection old_trust(*trusting_first, port);
  EXPECT_EQ(old_trust.reason(), SSL_R_CERTIFICATE_VERIFY_FAILED) << old_trust.error().message();

  // A broken renewal leaves the certificate in use.
  files_.Write("server.key", "half a key\n");
  child.Signal(SIGHUP);
  ASSERT_TRUE(child.ErrUntil("SIGHUP: kept the TLS certificate in use; --tls-key: "));
  EXPECT_EQ(SendTls(*trusting_renewed, port, "GET", "/healthz").status, 200u);

  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
}

}  // namespace
}  // namespace rapport::testing
