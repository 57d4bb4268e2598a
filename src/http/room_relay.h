#pragma once
// RoomRelay: the session rooms of app servers that share one database, through server events
// (core/server_events.h). Each room's logic (http/room_socket.h) runs on one server, its home,
// agreed by every server from the same ordered events (http/room_homes.h). A server that holds a
// socket of a room whose home is another one still authenticates the upgrade and the hello as for
// any room (RoomService::Enter, the CSRF token), then forwards what the person says to the home
// and writes to the socket what the home sends to their seat. The store's records of a session
// (its start and end, the figures, the reactions) are therefore written by the home alone, once.
//
// The events, besides the home rule's (every server reads these):
//   {"rooms": {"kind": "claim" | "home" | "released", "appointment", "server"}}
//   {"rooms": {"kind": "alive", "server"}}       every second from a server busy with rooms
// and those for one server (RoomEventPrefix: other servers read no further):
//   {"room": {"to", "from", "kind", ...}}
//     join     {appointment, seat, actor, pass}   a seat arrives        (seat's server to home)
//     message  {appointment, seat, message}       what the person said
//     leave    {appointment, seat}                their socket closed
//     send     {seat, message}                    for the seat's socket (home to seat's server)
//     finish   {seat}                             close once sent ("ended", "replaced")
//     close    {seat}                             close now
//     gone     {seat}                             not the room's home (any more): the page comes
//                                                 back and the room's home is found again
//     part     {id, index, count, text}           a piece of a longer message (event_parts.h)
// A seat is numbered by the server that holds its socket.
//
// A room stays with its home until it is over (its session ended, or nobody in it once its
// window has closed), as it stays in the memory of a server alone, so that who was admitted
// survives both people dropping at once; then its home says it is released. A home that stops
// says its rooms are released, and one that dies falls silent; either way the seats forwarded to
// it close and their pages, which reconnect by themselves, find the room's home again. Likewise
// the home lets go of the seats of a server that fell silent.
//
// I/O thread only, except OnServerEvent().

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/server_events.h"
#include "http/asio.h"
#include "http/event_parts.h"
#include "http/event_sender.h"
#include "http/live_hub.h"
#include "http/room_homes.h"
#include "service/room_service.h"

namespace rapport {

class RoomSockets;

// A claim is answered within this time by a home that already holds the room; without an answer
// the first claim heard decides.
inline constexpr std::chrono::milliseconds kRoomClaimWait{300};
// A claim not even heard back by then (the database is unavailable) gives up: the page retries.
inline constexpr std::chrono::milliseconds kRoomClaimGiveUp{5000};
// A server busy with rooms says it is alive this often, and is taken to have stopped when not
// heard from for kRoomSilence.
inline constexpr std::chrono::milliseconds kRoomAliveEvery{1000};
inline constexpr std::chrono::milliseconds kRoomSilence{5000};

class RoomRelay {
 public:
  RoomRelay(RoomSockets& sockets, asio::io_context& ioc, ServerEvents& events);
  RoomRelay(const RoomRelay&) = delete;
  RoomRelay& operator=(const RoomRelay&) = delete;
  ~RoomRelay();

  const std::string& me() const { return me_; }

  // Any thread: a server event; false when it is none of the rooms'.
  bool OnServerEvent(std::string_view message);

  // The home of the appointment's room: known, or claimed and settled. nullopt when it cannot be
  // settled now (the database is unavailable, or the server stops).
  asio::awaitable<std::optional<std::string>> HomeOf(AppointmentId appointment);
  // A socket here whose room's home is `home`, another server: its seat there is asked for, and
  // the home's messages for it are written to it. Returns the seat's number.
  std::int64_t Forwarding(std::shared_ptr<LiveSocket> socket, const Actor& actor,
                          const RoomPass& pass, const std::string& home);
  // What the person said (checked, numbered `seq`), for the home; an "error" to the socket when
  // it cannot be sent.
  void Said(std::int64_t number, std::int64_t seq, std::string_view frame);
  // The socket closed.
  void Left(std::int64_t number);

  // At the home: to the seat `number` of `server`.
  void SendToSeat(const std::string& server, std::int64_t number, std::string_view text);
  void FinishSeat(const std::string& server, std::int64_t number);
  void CloseSeat(const std::string& server, std::int64_t number);
  // This server's room is over: it is no longer its home.
  void Released(AppointmentId appointment);

  // Server stop: closes the forwarded sockets and stops claiming and beating.
  void CloseAll();
  void CloseSession(SessionId session);

 private:
  // A socket here whose room's home is another server.
  struct Forwarded {
    std::shared_ptr<LiveSocket> socket;
    AppointmentId appointment = 0;
    std::string home;
  };
  struct Claim {
    std::chrono::steady_clock::time_point sent;
    bool answered = false;
    std::vector<asio::steady_timer*> waiters;
  };

  void Send(std::string message, std::string to = {}, std::function<void()> failed = {});
  void SendForSeat(const std::string& server, std::string_view kind, std::int64_t number,
                   std::string_view tail = {});
  // The events, on the I/O thread in the order heard.
  void OnHomes(const Json& event);
  void OnTraffic(const std::string& text);
  void OnForSeat(const Json& room, std::string_view kind);
  void OnFromSeat(const Json& room, std::string_view kind, const std::string& from);
  void WakeClaim(AppointmentId appointment, bool answered);
  // Says, every kRoomAliveEvery while this server is busy with rooms, that it is alive, and lets
  // go of the servers that fell silent.
  void KeepBeating();
  // The seats forwarded to `home` for the appointment (all of them when 0) close; their pages
  // come back and find the room's home again.
  void CloseForwarded(const std::string& home, AppointmentId appointment);
  asio::awaitable<void> Beat();

  RoomSockets& sockets_;
  asio::io_context& ioc_;
  const std::string me_;
  const std::string prefix_;  // RoomEventPrefix(me_)
  EventSender sender_;
  RoomHomes homes_;
  EventJoiner joiner_;
  std::map<AppointmentId, std::shared_ptr<Claim>> claims_;
  std::map<std::int64_t, Forwarded> forwarded_;
  std::int64_t next_seat_ = 0;
  asio::steady_timer beat_;
  bool beating_ = false;
  bool stopping_ = false;
};

}  // namespace rapport
