#pragma once
// The client side of the HTTP benchmarks: a blocking keep-alive connection to a Rapport server on
// loopback, signing in, and the requests that submit a questionnaire answer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/json.h"
#include "domain/people.h"

namespace rapport::bench {

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

struct Session {
  std::string cookie, csrf;
};

// Signs in on a connection of its own; empty cookie on failure.
Session SignIn(std::uint16_t port, const std::string& email, const std::string& password) {
  Connection connection(port);
  const std::string body = fmt::format(R"({{"email":"{}","password":"{}"}})", email, password);
  if (connection.Exchange(fmt::format("POST /api/v1/auth/login HTTP/1.1\r\nHost: b\r\n"
                                      "Content-Type: application/json\r\nContent-Length: "
                                      "{}\r\n\r\n{}",
                                      body.size(), body)) != 200) {
    return {};
  }
  const std::string& head = connection.head();
  const std::size_t c = head.find("rapport_session=");
  if (c == std::string::npos) return {};
  return {head.substr(c, head.find(';', c) - c),
          ParseJson(connection.body())->value("csrf_token", "")};
}

// A request posting `body` to the episode's responses as the signed-in `who`.
std::string PostAnswer(EpisodeId episode, const Session& who, const std::string& body) {
  return fmt::format(
      "POST /api/v1/episodes/{}/responses HTTP/1.1\r\nHost: b\r\nCookie: {}\r\n"
      "X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      episode, who.cookie, who.csrf, body.size(), body);
}

std::string RapportCheckBody(int i) {
  const int v = 6 + (i % 5);
  return fmt::format(
      R"({{"instrument":"RAPPORT-CHECK","respondent":"client","answers":{{"rc_heard":{0},)"
      R"("rc_goals":{0},"rc_approach":{0},"rc_held_back":{1},"rc_respect":{0},"rc_overall":{0},)"
      R"("rc_better":"more time on the plan"}}}})",
      v, 10 - v);
}

}  // namespace rapport::bench
