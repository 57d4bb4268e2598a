#pragma once
// Test support: a page in a session room (/api/v1/appointments/{id}/room/socket), as the web
// app's room page holds one. Not thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "domain/people.h"
#include "http_client.h"
#include "test_socket.h"

namespace rapport::testing {

// A page in a room: the socket, the hello with the CSRF token, and numbered messages.
class RoomPage : public TestSocket {
 public:
  RoomPage(std::uint16_t port, const Browser& browser, AppointmentId appointment)
      : TestSocket(port, browser, RoomPath(appointment)), csrf_(browser.csrf()) {}

  static std::string RoomPath(AppointmentId appointment) {
    return "/api/v1/appointments/" + std::to_string(appointment) + "/room/socket";
  }

  // Says hello and returns the welcome.
  Json Hello() {
    Send(Json{{"type", "hello"}, {"seq", seq_++}, {"csrf", csrf_}}.dump());
    return NextOf("welcome");
  }
  // Sends `message` with the next sequence number; returns that number.
  std::int64_t Say(Json message) {
    message["seq"] = seq_;
    Send(message.dump());
    return seq_++;
  }
  // The next message of `type`, skipping others ("room" updates, mostly); null when none came.
  Json NextOf(std::string_view type) {
    for (int i = 0; i < 20; ++i) {
      const std::string text = Next();
      if (text.empty()) return nullptr;
      Json message = Json::parse(text, nullptr, false);
      if (message.value("type", "") == type) return message;
    }
    return nullptr;
  }
  // The room's members once `done` holds for them; null when no such "room" message came.
  template <typename Condition>
  Json MembersOnce(Condition done) {
    for (Json room = NextOf("room"); !room.is_null(); room = NextOf("room")) {
      if (done(room["members"])) return room["members"];
    }
    return nullptr;
  }

 private:
  std::string csrf_;
  std::int64_t seq_ = 1;
};

}  // namespace rapport::testing
