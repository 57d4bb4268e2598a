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
// App servers that share one database (ServerEvents::Shared()) share the rooms too: each room's
// logic runs on one server, its home, and a person whose socket another server holds is a seat
// that server forwards to the home (http/room_relay.h). To the room's logic a seat is a RoomSeat,
// here or there. Alone, a server is the home of every room.
//
// I/O thread only, except CloseSession() and OnServerEvent().

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "analysis/session_signals.h"
#include "core/json.h"
#include "domain/room.h"
#include "http/asio.h"
#include "http/live_hub.h"
#include "service/room_service.h"

namespace rapport {

class AuthService;
class RoomRelay;
class ServerEvents;

// Where a room sends one person's messages: their socket on this server, or the server that holds
// it.
class RoomSeat {
 public:
  virtual ~RoomSeat() = default;
  virtual void Send(std::string text) = 0;
  // Closes once what was sent is written ("ended", "replaced").
  virtual void Finish() = 0;
  // Closes at once.
  virtual void Close() = 0;
};

class RoomSockets {
 public:
  // `events`, when shared with other servers, carries the rooms to them; otherwise (or null)
  // this server is every room's home.
  RoomSockets(asio::io_context& ioc, asio::thread_pool& pool, RoomService& rooms,
              ServerEvents* events = nullptr);
  ~RoomSockets();

  // Serves one accepted socket whose hello (with sequence number `hello_seq`) checked out, until
  // it closes. `token` and `remote` are the session's, for the writer's periodic check. The
  // references must stay valid until the returned awaitable completes (the caller awaits it).
  asio::awaitable<void> Serve(std::shared_ptr<LiveSocket> socket, Actor actor, const RoomPass& pass,
                              std::int64_t hello_seq, AuthService* auth, const std::string& token,
                              const std::string& remote);

  // Closes every room's sockets (server stop).
  void CloseAll();
  // Any thread: closes the sockets of one signed-out session that this server holds.
  void CloseSession(SessionId session);
  // Any thread: a server event; false when it is none of the rooms'.
  bool OnServerEvent(std::string_view message);

 private:
  friend class RoomRelay;
  struct Seat {
    std::shared_ptr<RoomSeat> out;
    Actor actor;
  };
  // A seat whose socket another server holds, at its room's home: what that server forwards is
  // handled in order, as a socket's own messages are.
  struct RemoteSeat;
  enum class Inbound { kArrived, kMessage, kLeft };
  using RemoteKey = std::pair<std::string, std::int64_t>;  // the server and its number for it
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

  // Serve() once the room's home is known: here (`home` empty) or the server `home`.
  asio::awaitable<void> Sit(std::shared_ptr<LiveSocket> socket, Actor actor, const RoomPass& pass,
                            std::int64_t hello_seq, AuthService* auth, const std::string& token,
                            const std::string& remote, const std::string& home);
  std::shared_ptr<Room> RoomOf(const RoomPass& pass);
  // Rooms whose window has closed and that nobody holds any more are over.
  void DropOver();
  // The room is over here: forgotten, and its home released.
  void Drop(const std::shared_ptr<Room>& room);
  // Someone takes their seat (a later seat of the same person replaces an earlier one).
  void Join(const std::shared_ptr<Room>& room, const std::shared_ptr<RoomSeat>& out,
            const Actor& actor, const RoomPass& pass);
  // Their seat is gone, unless another replaced it already.
  void Leave(const std::shared_ptr<Room>& room, UserId user, const std::shared_ptr<RoomSeat>& out);
  static Json MembersJson(const Room& room);
  static std::string WelcomeJson(const RoomMember& you, const Room& room, const RoomPass& pass);
  void SendMembers(Room& room);
  void SendTo(Room& room, UserId user, const std::string& text);
  // Records the session as under way once the therapist and someone admitted are in together.
  asio::awaitable<void> RecordStartIfUnderWay(std::shared_ptr<Room> room);
  // Acts on one checked message of `actor`, who is `part` in the room.
  asio::awaitable<void> Handle(std::shared_ptr<Room> room, std::shared_ptr<RoomSeat> seat,
                               Actor actor, RoomPart part, const RoomMessage& message);
  asio::awaitable<Status> EndSession(std::shared_ptr<Room> room, const Actor& therapist);
  // The rapport-signals messages: consent, pause, strip, features, reaction.
  asio::awaitable<void> HandleSignals(std::shared_ptr<Room> room, std::shared_ptr<RoomSeat> seat,
                                      const Actor& actor, RoomPart part,
                                      const RoomMessage& message);
  static std::string SignalsJson(const Room& room);
  // The figures start from the first moment both have agreed and nobody paused.
  static void StartSignalsOnceAgreed(Room& room, Timestamp now);
  void SendSignals(Room& room);
  // Keeps the figures so far (settling what `settle` says first); a failure is logged and tried
  // again at the next occasion.
  asio::awaitable<void> SaveSignals(std::shared_ptr<Room> room, bool settle);

  // The home's side of the seats other servers hold (RoomRelay calls these). RemoteJoined
  // expects this server to be the room's home; RemoteSaid is false for a seat it does not know.
  void RemoteJoined(const std::string& server, std::int64_t number, const Actor& actor,
                    const RoomPass& pass);
  bool RemoteSaid(const std::string& server, std::int64_t number, const RoomMessage& message);
  void RemoteLeft(const std::string& server, std::int64_t number);
  // A server that stopped: its seats are gone.
  void ServerSilent(const std::string& server);
  // Another server holds the room: every seat here closes, and their pages come back to it.
  void GiveUp(AppointmentId appointment);
  // A remote seat's arrival, messages and departure, handled one after the other.
  void Queue(const std::shared_ptr<RemoteSeat>& seat, Inbound kind, RoomMessage message = {});
  asio::awaitable<void> DrainRemote(std::shared_ptr<RemoteSeat> seat);

  asio::io_context& ioc_;
  asio::thread_pool& pool_;
  RoomService& rooms_;
  std::map<AppointmentId, std::shared_ptr<Room>> rooms_by_appointment_;
  std::map<RemoteKey, std::shared_ptr<RemoteSeat>> remote_seats_;
  std::unique_ptr<RoomRelay> relay_;  // with shared events only
};

// The room's "error" message: the message `seq` was refused and nothing changed.
std::string RoomErrorJson(std::int64_t seq, std::string_view code, std::string_view field,
                          std::string_view detail);

// The appointment id of a room socket's path, "/api/v1/appointments/{id}/room/socket"; 0 when
// `path` is not one.
AppointmentId RoomSocketAppointment(std::string_view path);

}  // namespace rapport
