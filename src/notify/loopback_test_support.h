#pragma once
// Test support (header-only so it stays out of the library): servers on a free 127.0.0.1 port
// for the senders to talk to.
//  - SilentListener accepts connections in the kernel and never answers: a hung server.
//  - LoopbackHttpReceiver answers every HTTP request with one chosen status and records it
//    before answering, so a caller that got the answer can read the request. One connection at
//    a time, on its own thread; Requests() may be called from any thread.
// Both close their port when destroyed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rapport::testing {

// A listening socket on 127.0.0.1 and a free port; -1 on failure.
inline int ListenOnLoopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

class SilentListener {
 public:
  SilentListener() : fd_(ListenOnLoopback(port_)) {}
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  int fd_;
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class LoopbackHttpReceiver {
 public:
  // `extra_headers`: whole header lines, each ending in CRLF ("Location: ...\r\n").
  explicit LoopbackHttpReceiver(int status, std::string extra_headers = {})
      : status_(status), extra_headers_(std::move(extra_headers)), fd_(ListenOnLoopback(port_)) {
    if (fd_ >= 0) thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackHttpReceiver() { Stop(); }
  LoopbackHttpReceiver(const LoopbackHttpReceiver&) = delete;
  LoopbackHttpReceiver& operator=(const LoopbackHttpReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url(const std::string& target = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }
  std::vector<ReceivedRequest> Requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Closes the port; later connections are refused. Safe to call more than once.
  void Stop() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept()
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
    fd_ = -1;
  }

 private:
  void Serve() {
    while (true) {
      const int connection = ::accept(fd_, nullptr, nullptr);
      if (connection < 0) {
        if (errno == EINTR) continue;
        return;
      }
      timeval tv{};
      tv.tv_sec = 10;
      ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Answer(connection);
      ::close(connection);
    }
  }

  void Answer(int connection) {
    std::string data;
    char buffer[4096];
    std::size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      data.append(buffer, static_cast<std::size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    ReceivedRequest request;
    std::size_t line_end = data.find("\r\n");
    const std::string request_line = data.substr(0, line_end);
    const std::size_t space1 = request_line.find(' ');
    const std::size_t space2 = request_line.find(' ', space1 + 1);
    request.method = request_line.substr(0, space1);
    request.target = request_line.substr(space1 + 1, space2 - space1 - 1);
    while (line_end < header_end) {
      const std::size_t next = data.find("\r\n", line_end + 2);
      const std::string line = data.substr(line_end + 2, next - line_end - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        request.headers[name] = value;
      }
      line_end = next;
    }
    const std::size_t length = std::stoul("0" + request.Header("content-length"));
    request.body = data.substr(header_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      request.body.append(buffer, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
    }
    const std::string reply = "HTTP/1.1 " + std::to_string(status_) + " Test\r\n" + extra_headers_ +
                              "Content-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(connection, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  const int status_;
  const std::string extra_headers_;
  std::uint16_t port_ = 0;
  int fd_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
};

}  // namespace rapport::testing
