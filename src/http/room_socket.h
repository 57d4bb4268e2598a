#pragma once
// RoomSockets: the live rooms of video, phone and typed sessions, and the WebSocket each person
// holds to theirs (/api/v1/appointments/{id}/room/socket). The server authenticates the upgrade,
// asks RoomService::Enter whether this person may come in now, accepts, and reads the hello with
// the CSRF token; then Serve() keeps the room: the waiting room and admission (domain/room.h),
// relaying WebRTC offers, answers and ICE candidates between two admitted people, typed chat, and
// ending the session. Media never comes here: the socket takes JSON text only, closes on a binary
// frame, and refuses anything larger than kMaxRoomMessageBytes.
//
// Every message the server sends is a JSON object with a "type":
//   welcome   {you, members, appointment, session, ice}   once, after the hello
//   room      {members: [{id, name, part, presence, connected}]}   whenever someone comes,
//             goes or is admitted
//   admitted  {}                                    to the person just admitted
//   signal    {from, signal}                        a WebRTC description or candidate
//   chat      {from, name, text, at}                to everyone admitted, the sender included
//   session   {started_at}                          the session was recorded as under way
//   ended     {}                                    the therapist ended it; the socket closes
//   replaced  {}                                    the same person joined from elsewhere
//   error     {seq, code, field, detail}            the message `seq` was refused; nothing changed
//
// I/O thread only, except CloseSession().

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/json.h"
#include "domain/room.h"
#include "http/asio.h"
#include "http/live_hub.h"
#include "service/room_service.h"

namespace rapport {

class AuthService;

class RoomSockets {
 public:
  RoomSockets(asio::io_context& ioc, asio::thread_pool& pool, RoomService& rooms)
      : ioc_(ioc), pool_(pool), rooms_(rooms) {}

  // Serves one accepted socket whose hello (with sequence number `hello_seq`) checked out, until
  // it closes. `token` and `remote` are the session's, for the writer's periodic check. The
  // references must stay valid until the returned awaitable completes (the caller awaits it).
  asio::awaitable<void> Serve(std::shared_ptr<LiveSocket> socket, Actor actor, const RoomPass& pass,
                              std::int64_t hello_seq, AuthService* auth, const std::string& token,
                              const std::string& remote);

  // Closes every room's sockets (server stop).
  void CloseAll();
  // Any thread: closes the sockets of one signed-out session.
  void CloseSession(SessionId session);

 private:
  struct Seat {
    std::shared_ptr<LiveSocket> socket;
    Actor actor;
  };
  struct Room {
    AppointmentId appointment_id = 0;
    RoomState state;
    std::map<UserId, Seat> seats;  // the connected people
    RoomWindow window;
    bool session_recorded = false;
    bool recording = false;
  };

  std::shared_ptr<Room> RoomOf(const RoomPass& pass);
  static Json MembersJson(const Room& room);
  static std::string WelcomeJson(const RoomMember& you, const Room& room, const RoomPass& pass);
  void SendMembers(Room& room);
  void SendTo(Room& room, UserId user, const std::string& text);
  // Records the session as under way once the therapist and someone admitted are in together.
  asio::awaitable<void> RecordStartIfUnderWay(std::shared_ptr<Room> room);
  // Acts on one checked message of `actor`, who is `part` in the room.
  asio::awaitable<void> Handle(std::shared_ptr<Room> room, std::shared_ptr<LiveSocket> socket,
                               Actor actor, RoomPart part, RoomMessage message);
  asio::awaitable<Status> EndSession(std::shared_ptr<Room> room, const Actor& therapist);

  asio::io_context& ioc_;
  asio::thread_pool& pool_;
  RoomService& rooms_;
  std::map<AppointmentId, std::shared_ptr<Room>> rooms_by_appointment_;
};

// The appointment id of a room socket's path, "/api/v1/appointments/{id}/room/socket"; 0 when
// `path` is not one.
AppointmentId RoomSocketAppointment(std::string_view path);

}  // namespace rapport
