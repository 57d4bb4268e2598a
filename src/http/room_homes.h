#pragma once
// RoomHomes: which app server holds each session room, its "home", as every server sharing one
// database works it out from the same server events heard in the same order
// (core/server_events.h). A room's logic runs on its home alone; the other servers forward their
// people's messages to it (http/room_relay.h). Pure; not thread-safe.
//
// The rule, applied by every server to the events in the one order they all hear:
//   claim(room, S)     S has a first seat in a room whose home it does not know. The first claim
//                      of a room without a home makes S its home.
//   home(room, H)      H holds the room and answers a claim: H is the home, whatever was claimed.
//   released(room, H)  H's room is over: the room has no home (if H was it).
//   silence            a server not heard from for a while has stopped: its rooms have no home.
// Every event also says that its sender is alive; a server busy with rooms says so every second
// ("alive") even when it has nothing else to say.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/people.h"

namespace rapport {

class RoomHomes {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // `me` is this server's id.
  explicit RoomHomes(std::string me) : me_(std::move(me)) {}

  const std::string& me() const { return me_; }
  std::optional<std::string> HomeOf(AppointmentId room) const;
  // Whether this server is the home of any room.
  bool HomeOfAny() const;

  // A claim heard. True when this server is the room's home and must answer home(room, me).
  bool Claimed(AppointmentId room, const std::string& server, Time now);
  // A home's answer heard. True when this server was the room's home until now and must give the
  // room up: two servers took it, and the one that answered holds it.
  bool Answered(AppointmentId room, const std::string& server, Time now);
  void Released(AppointmentId room, const std::string& server, Time now);
  void Alive(const std::string& server, Time now);

  // This server's own room is over: forgotten at once, before its released(room) comes back
  // through the order, so that a new seat in the room claims it again.
  void Forget(AppointmentId room);

  // The other servers last heard before `now - silence`: forgotten, with every room they held.
  std::vector<std::string> Silent(Time now, std::chrono::steady_clock::duration silence);

 private:
  std::string me_;
  std::map<AppointmentId, std::string> homes_;
  std::map<std::string, Time> heard_;  // other servers, when last heard
};

}  // namespace rapport
