#pragma once
// Test support: the real `rapport` binary as a child process. RunRapport runs a subcommand to
// completion; ServeProcess runs `rapport serve` on a free loopback port (read from its
// "listening on" line) with any extra options, and kills and reaps it when destroyed.
// Header-only; not thread-safe: one owner each.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport::testing {

// Runs `rapport args...` with RAPPORT_DEMO_PASSWORD set to `demo_password`; returns its exit
// status (-1 if it did not exit).
inline int RunRapport(const std::vector<std::string>& args, const std::string& demo_password) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = RAPPORT_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    setenv("RAPPORT_DEMO_PASSWORD", demo_password.c_str(), 1);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `rapport serve --db DB --listen 127.0.0.1:0 --web /nonexistent [extra...]` in the background.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& db, const std::vector<std::string>& extra = {}) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDERR_FILENO);  // one log line per request: not needed here
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
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    const std::string prefix = "listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) == 0)
      port_ = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
  }
  ~ServeProcess() {
    if (pid_ > 0 && !reaped_) Kill(SIGKILL);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Sends `signal` and waits; returns the exit status, or -signal when killed by it.
  int Kill(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool reaped_ = false;
};

}  // namespace rapport::testing
