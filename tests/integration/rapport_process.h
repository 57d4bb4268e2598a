#pragma once
// Test support: the real `rapport` binary as a child process. RunRapport runs a subcommand to
// completion, RunRapportCapturing too and keeps what it printed; ServeProcess runs `rapport serve`
// on a free loopback port (read from its "listening on" line) with any extra options, and kills and
// reaps it when destroyed. Header-only; not thread-safe: one owner each.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
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

// What a program printed, each stream on its own, and how it exited (-1: it did not exit).
struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

// 'text' for the shell, whatever it holds (a URI's ? and &).
inline std::string ShellQuoted(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `program args...` to completion (with RAPPORT_DEMO_PASSWORD set to `demo_password` when
// it is not empty) and keeps both streams; the program is the rapport binary unless named.
inline Outcome RunRapportCapturing(const std::vector<std::string>& args,
                                   const std::string& demo_password = {},
                                   const std::string& program = RAPPORT_BINARY) {
  Outcome run;
  std::string err_file = "/tmp/rapport-stderr-XXXXXX";
  const int fd = mkstemp(err_file.data());
  if (fd < 0) return run;
  close(fd);
  std::string command;
  if (!demo_password.empty()) command = "RAPPORT_DEMO_PASSWORD=" + ShellQuoted(demo_password) + " ";
  command += ShellQuoted(program);
  for (const std::string& arg : args) command += " " + ShellQuoted(arg);
  command += " 2>" + ShellQuoted(err_file);
  if (FILE* pipe = ::popen(command.c_str(), "r"); pipe != nullptr) {
    std::array<char, 512> chunk{};
    while (const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) {
      run.out.append(chunk.data(), n);
    }
    const int raw = ::pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }
  std::ifstream err(err_file);
  run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::remove(err_file.c_str());
  return run;
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
