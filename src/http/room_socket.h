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
//   clock     {sent, server}                        the answer to a clock message
//   signals   {on, consent: {therapist, client}, paused_by, strip}   to everyone admitted when
//             the rapport signals' state changes, and on admission
//   strip     {sync, lag_seconds, leader, client_share, at}   to the therapist while the live
//             strip is on, when features settle new steps
//   reaction  {kind, at, offset_seconds}            the client's reaction, to the therapist and
//             back to the client
//
// Rapport signals run only while the therapist and the client have both consented in this
// session and neither paused them (SignalsConsent). Their feature frames are folded into a
// SessionSignals in memory; only its figures are kept (RoomService::SaveSignals) every minute of
// signals, when the room empties and when the session ends.
//
// I/O thread only, except CloseSession().

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "analysis/session_signals.h"
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
    Timestamp session_started_at = 0;  // when the session was recorded as under way
    // Rapport signals: the two people's consent, pauses and the live strip; the figures from
    // the moment they first ran; the therapist's actor, under whose name figures are kept.
    SignalsConsent consent;
    std::optional<SessionSignals> signals;
    Timestamp signals_origin = 0;
    std::optional<Actor> therapist;
    std::int64_t saved_steps = 0;  // settled steps when the figures were last kept
    bool saving = false;
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
                               Actor actor, RoomPart part, const RoomMessage& message);
  asio::awaitable<Status> EndSession(std::shared_ptr<Room> room, const Actor& therapist);
  // The rapport-signals messages: consent, pause, strip, features, reaction.
  asio::awaitable<void> HandleSignals(std::shared_ptr<Room> room,
                                      std::shared_ptr<LiveSocket> socket, const Actor& actor,
                                      RoomPart part, const RoomMessage& message);
  static std::string SignalsJson(const Room& room);
  // The figures start from the first moment both have agreed and nobody paused.
  static void StartSignalsOnceAgreed(Room& room, Timestamp now);
  void SendSignals(Room& room);
  // Keeps the figures so far (settling what `settle` says first); a failure is logged and tried
  // again at the next occasion.
  asio::awaitable<void> SaveSignals(std::shared_ptr<Room> room, bool settle);

  asio::io_context& ioc_;
  asio::thread_pool& pool_;
  RoomService& rooms_;
  std::map<AppointmentId, std::shared_ptr<Room>> rooms_by_appointment_;
};

// The appointment id of a room socket's path, "/api/v1/appointments/{id}/room/socket"; 0 when
// `path` is not one.
AppointmentId RoomSocketAppointment(std::string_view path);

}  // namespace rapport
