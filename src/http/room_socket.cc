#include "http/room_socket.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "core/clock.h"
#include "http/room_relay.h"

namespace rapport {

namespace {

// The session's start or end, recorded on the pool (the store blocks). `actor` is the caller's
// and outlives the call, which the caller awaits.
asio::awaitable<Result<RoomSession>> RecordOnPool(RoomService* rooms, const Actor* actor,
                                                  AppointmentId id, bool start) {
  co_return start ? rooms->SessionStarted(*actor, id) : rooms->SessionEnded(*actor, id);
}

std::string ErrorJson(std::int64_t seq, std::string_view code, std::string_view field,
                      std::string_view detail) {
  return RoomErrorJson(seq, code, field, detail);
}

std::string ErrorJson(std::int64_t seq, const Error& error) {
  std::string_view code = "failed";
  if (error.code == ErrorCode::kInvalidArgument) code = "invalid";
  if (error.code == ErrorCode::kPermissionDenied) code = "not_allowed";
  if (error.code == ErrorCode::kUnavailable) code = "unavailable";
  const std::string field = error.fields.empty() ? "" : error.fields.front().field;
  const std::string detail = error.fields.empty()
                                 ? error.message
                                 : error.fields.front().field + " " + error.fields.front().message;
  return ErrorJson(seq, code, field, detail);
}

// The figures kept on the pool; the caller awaits, so the pointers outlive the call.
asio::awaitable<Status> SaveOnPool(RoomService* rooms, const Actor* actor, AppointmentId id,
                                   Timestamp origin, const SignalSummary* summary) {
  co_return rooms->SaveSignals(*actor, id, origin, *summary);
}

asio::awaitable<Result<SessionReaction>> ReactOnPool(RoomService* rooms, const Actor* actor,
                                                     AppointmentId id, Reaction kind) {
  co_return rooms->RecordReaction(*actor, id, kind);
}

Json Measured(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

std::string StripJson(const LiveReading& live, Timestamp now) {
  return Json{{"type", "strip"},
              {"sync", Measured(live.recent_sync)},
              {"lag_seconds", Measured(live.recent_lag_seconds)},
              {"leader", std::string(ToString(live.recent_leader))},
              {"client_share", Measured(live.client_share)},
              {"at", FormatIso8601(now)}}
      .dump();
}

// Only the therapist's and the client's devices send signals, and only they consent and pause.
std::optional<SignalParty> PartyOf(RoomPart part) {
  if (part == RoomPart::kTherapist) return SignalParty::kTherapist;
  if (part == RoomPart::kClient) return SignalParty::kClient;
  return std::nullopt;
}

// Figures are kept after each further minute of settled signals.
constexpr std::int64_t kSaveEverySteps = 60 * 1000 / kSignalStepMs;

Json MemberJson(const RoomMember& m) {
  return {{"id", m.user_id},
          {"name", m.name},
          {"part", ToString(m.part)},
          {"presence", ToString(m.presence)},
          {"connected", m.connected}};
}

Json SessionJson(const std::optional<RoomSession>& session) {
  if (!session) return nullptr;
  return {{"started_at", FormatIso8601(session->started_at)},
          {"ended_at", session->ended_at ? Json(FormatIso8601(*session->ended_at)) : Json()}};
}

// A person's socket on this server.
class LocalSeat final : public RoomSeat {
 public:
  explicit LocalSeat(std::shared_ptr<LiveSocket> socket) : socket_(std::move(socket)) {}
  void Send(std::string text) override { QueueLive(*socket_, std::move(text)); }
  void Finish() override {
    socket_->closing = true;
    socket_->wake.cancel();
  }
  void Close() override { CloseLive(*socket_); }
  LiveSocket& socket() const { return *socket_; }

 private:
  std::shared_ptr<LiveSocket> socket_;
};

}  // namespace

// A person whose socket another server holds: what the room sends them goes to that server.
struct RoomSockets::RemoteSeat final : RoomSeat {
  RemoteSeat(RoomRelay& through, std::string at, std::int64_t numbered)
      : relay(through), server(std::move(at)), number(numbered) {}
  void Send(std::string text) override {
    if (!closed) relay.SendToSeat(server, number, text);
  }
  void Finish() override {
    if (!closed) relay.FinishSeat(server, number);
    closed = true;
  }
  void Close() override {
    if (!closed) relay.CloseSeat(server, number);
    closed = true;
  }

  struct Item {
    Inbound kind = Inbound::kMessage;
    RoomMessage message;
  };
  RoomRelay& relay;
  const std::string server;
  const std::int64_t number;
  std::shared_ptr<Room> room;
  Actor actor;
  RoomPart part = RoomPart::kClient;
  std::deque<Item> inbox;
  bool draining = false;
  bool closed = false;  // finished or closed: what it still says is not heard
};

std::string RoomErrorJson(std::int64_t seq, std::string_view code, std::string_view field,
                          std::string_view detail) {
  return Json{{"type", "error"},
              {"seq", seq},
              {"code", code},
              {"field", field.empty() ? Json(nullptr) : Json(field)},
              {"detail", detail}}
      .dump();
}

RoomSockets::RoomSockets(asio::io_context& ioc, asio::thread_pool& pool, RoomService& rooms,
                         ServerEvents* events)
    : ioc_(ioc), pool_(pool), rooms_(rooms) {
  if (events != nullptr && events->Shared()) {
    relay_ = std::make_unique<RoomRelay>(*this, ioc, *events);
  }
}

RoomSockets::~RoomSockets() = default;

AppointmentId RoomSocketAppointment(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/v1/appointments/";
  constexpr std::string_view kSuffix = "/room/socket";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return 0;
  const std::string_view digits =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 18 || digits.front() == '0') return 0;
  AppointmentId id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  return ec == std::errc() && end == digits.data() + digits.size() ? id : 0;
}

void RoomSockets::DropOver() {
  const Timestamp now = rooms_.clock().Now();
  std::vector<AppointmentId> over;
  std::erase_if(rooms_by_appointment_, [&](const auto& entry) {
    const bool done = entry.second->seats.empty() && entry.second->window.closes_at <= now;
    if (done) over.push_back(entry.first);
    return done;
  });
  if (relay_) {
    for (const AppointmentId id : over) relay_->Released(id);
  }
}

std::shared_ptr<RoomSockets::Room> RoomSockets::RoomOf(const RoomPass& pass) {
  // Rooms whose window has closed and that nobody holds any more go when the next room is opened
  // (and, with other servers, every second: the room's home is then released).
  DropOver();
  auto& room = rooms_by_appointment_[pass.appointment.id];
  if (!room) {
    room = std::make_shared<Room>();
    room->appointment_id = pass.appointment.id;
    room->window = pass.window;
    room->session_recorded = pass.session && !pass.session->ended_at;
    if (pass.session) room->session_started_at = pass.session->started_at;
  }
  return room;
}

void RoomSockets::Drop(const std::shared_ptr<Room>& room) {
  const auto it = rooms_by_appointment_.find(room->appointment_id);
  if (it == rooms_by_appointment_.end() || it->second != room) return;
  rooms_by_appointment_.erase(it);
  if (relay_) relay_->Released(room->appointment_id);
}

void RoomSockets::Join(const std::shared_ptr<Room>& room, const std::shared_ptr<RoomSeat>& out,
                       const Actor& actor, const RoomPass& pass) {
  const UserId me = actor.user_id;
  if (auto old = room->seats.find(me); old != room->seats.end()) {
    old->second.out->Send(R"({"type":"replaced"})");
    old->second.out->Finish();
    room->seats.erase(old);
  }
  room->seats[me] = Seat{out, actor};
  if (pass.part == RoomPart::kTherapist) room->therapist = actor;
  const RoomMember& arrived = room->state.Arrive(me, pass.part, pass.name);
  out->Send(WelcomeJson(arrived, *room, pass));
  if (arrived.presence == Presence::kAdmitted) out->Send(SignalsJson(*room));
  SendMembers(*room);
}

void RoomSockets::Leave(const std::shared_ptr<Room>& room, UserId user,
                        const std::shared_ptr<RoomSeat>& out) {
  const auto seat = room->seats.find(user);
  if (seat == room->seats.end() || seat->second.out != out) return;
  room->seats.erase(seat);
  room->state.Depart(user);
  SendMembers(*room);
  // The last to leave: keep the figures so far (the room may not be opened again).
  if (room->seats.empty()) asio::co_spawn(ioc_, SaveSignals(room, true), asio::detached);
}

Json RoomSockets::MembersJson(const Room& room) {
  Json members = Json::array();
  for (const RoomMember& m : room.state.members()) members.push_back(MemberJson(m));
  return members;
}

void RoomSockets::SendMembers(Room& room) {
  const std::string text = Json{{"type", "room"}, {"members", MembersJson(room)}}.dump();
  for (auto& [user, seat] : room.seats) seat.out->Send(text);
}

void RoomSockets::SendTo(Room& room, UserId user, const std::string& text) {
  const auto it = room.seats.find(user);
  if (it != room.seats.end()) it->second.out->Send(text);
}

asio::awaitable<void> RoomSockets::RecordStartIfUnderWay(std::shared_ptr<Room> room) {
  if (!room || room->session_recorded || room->recording || !room->state.SessionUnderWay())
    co_return;
  std::optional<Actor> therapist;
  for (const auto& [user, seat] : room->seats) {
    if (room->state.Find(user)->part == RoomPart::kTherapist) therapist = seat.actor;
  }
  if (!therapist) co_return;
  room->recording = true;
  const Actor actor = *therapist;
  Result<RoomSession> started = co_await asio::co_spawn(
      pool_, RecordOnPool(&rooms_, &actor, room->appointment_id, true), asio::use_awaitable);
  room->recording = false;
  if (!started) co_return;  // tried again at the next admission or return
  room->session_recorded = true;
  room->session_started_at = started->started_at;
  const std::string text =
      Json{{"type", "session"}, {"started_at", FormatIso8601(started->started_at)}}.dump();
  for (auto& [user, seat] : room->seats) seat.out->Send(text);
}

asio::awaitable<Status> RoomSockets::EndSession(std::shared_ptr<Room> room,
                                                const Actor& therapist) {
  const AppointmentId id = room->appointment_id;
  co_await SaveSignals(room, true);
  if (room->session_recorded) {
    Result<RoomSession> ended = co_await asio::co_spawn(
        pool_, RecordOnPool(&rooms_, &therapist, id, false), asio::use_awaitable);
    if (!ended) co_return Fail(ended.error());
  }
  const std::string text = Json{{"type", "ended"}}.dump();
  for (auto& [user, seat] : room->seats) {
    seat.out->Send(text);
    // Closed once the writer has sent what is queued: a graceful close would race the writer.
    seat.out->Finish();
  }
  // The room is over: nobody's leaving is news to anyone now.
  room->seats.clear();
  Drop(room);
  co_return Ok();
}

std::string RoomSockets::WelcomeJson(const RoomMember& you, const Room& room,
                                     const RoomPass& pass) {
  const Appointment& a = pass.appointment;
  return Json{{"type", "welcome"},
              {"you", MemberJson(you)},
              {"members", MembersJson(room)},
              {"appointment",
               {{"id", a.id},
                {"modality", ToString(a.modality)},
                {"starts_at", FormatIso8601(a.starts_at)},
                {"duration_minutes", a.duration_minutes}}},
              {"session", SessionJson(pass.session)},
              {"ice", pass.ice}}
      .dump();
}

std::string RoomSockets::SignalsJson(const Room& room) {
  const SignalsConsent& c = room.consent;
  return Json{{"type", "signals"},
              {"on", c.on()},
              {"consent", {{"therapist", c.therapist}, {"client", c.client}}},
              {"paused_by", c.paused_by ? Json(std::string(ToString(*c.paused_by))) : Json()},
              {"strip", c.strip}}
      .dump();
}

void RoomSockets::SendSignals(Room& room) {
  const std::string text = SignalsJson(room);
  for (const RoomMember& m : room.state.members()) {
    if (m.presence == Presence::kAdmitted) SendTo(room, m.user_id, text);
  }
}

void RoomSockets::StartSignalsOnceAgreed(Room& room, Timestamp now) {
  if (!room.consent.on() || room.signals) return;
  room.signals_origin = now - now % kSignalStepMs;
  room.signals.emplace(room.signals_origin);
}

asio::awaitable<void> RoomSockets::SaveSignals(std::shared_ptr<Room> room, bool settle) {
  if (!room->signals || !room->therapist || room->saving) co_return;
  const Timestamp now = rooms_.clock().Now();
  if (settle) room->signals->SettleUntil(now);
  const SignalSummary summary = room->signals->Summary();
  room->saving = true;
  const Actor therapist = *room->therapist;
  const Status saved = co_await asio::co_spawn(
      pool_, SaveOnPool(&rooms_, &therapist, room->appointment_id, room->signals_origin, &summary),
      asio::use_awaitable);
  room->saving = false;
  if (saved) {
    room->saved_steps = summary.settled_steps;
  } else {
    SendTo(*room, therapist.user_id,
           ErrorJson(-1, "unavailable", "",
                     "the session's figures could not be kept just now; trying again"));
  }
}

asio::awaitable<void> RoomSockets::HandleSignals(std::shared_ptr<Room> room,
                                                 std::shared_ptr<RoomSeat> seat, const Actor& actor,
                                                 RoomPart part, const RoomMessage& message) {
  const RoomMember* member = room->state.Find(actor.user_id);
  const std::optional<SignalParty> party = PartyOf(part);
  if (member == nullptr || member->presence != Presence::kAdmitted || !party) {
    seat->Send(ErrorJson(message.seq, "not_allowed", "type",
                         "rapport signals are the therapist's and the client's, once in"));
    co_return;
  }
  const Timestamp now = rooms_.clock().Now();
  SignalsConsent& consent = room->consent;
  switch (message.type) {
    case RoomMessageType::kConsent:
      (part == RoomPart::kTherapist ? consent.therapist : consent.client) = message.flag;
      StartSignalsOnceAgreed(*room, now);
      SendSignals(*room);
      break;
    case RoomMessageType::kPause:
      if (message.flag) {
        if (!consent.paused_by) consent.paused_by = part;
      } else if (consent.paused_by && *consent.paused_by != part) {
        seat->Send(ErrorJson(message.seq, "not_allowed", "paused",
                             "only the person who paused the signals resumes them"));
        co_return;
      } else {
        consent.paused_by.reset();
      }
      StartSignalsOnceAgreed(*room, now);
      SendSignals(*room);
      break;
    case RoomMessageType::kStrip:
      if (part != RoomPart::kTherapist) {
        seat->Send(
            ErrorJson(message.seq, "not_allowed", "type", "the live strip is the therapist's"));
        co_return;
      }
      consent.strip = message.flag;
      SendSignals(*room);
      break;
    case RoomMessageType::kFeatures: {
      if (!consent.on() || !room->signals) {
        seat->Send(ErrorJson(message.seq, "not_allowed", "type",
                             "rapport signals are off: nothing was counted"));
        co_return;
      }
      FeatureBatch batch{message.t, message.motion, message.voice};
      const Result<int> settled = room->signals->Add(*party, batch, now);
      if (!settled) {
        seat->Send(ErrorJson(message.seq, settled.error()));
        co_return;
      }
      if (*settled == 0) co_return;
      if (consent.strip && room->therapist) {
        SendTo(*room, room->therapist->user_id, StripJson(room->signals->Live(), now));
      }
      if (room->signals->Live().settled_steps - room->saved_steps >= kSaveEverySteps) {
        co_await SaveSignals(room, false);
      }
      break;
    }
    case RoomMessageType::kReaction: {
      if (part != RoomPart::kClient) {
        seat->Send(ErrorJson(message.seq, "not_allowed", "type",
                             "in-the-moment reactions are the client's"));
        co_return;
      }
      const Result<SessionReaction> kept = co_await asio::co_spawn(
          pool_, ReactOnPool(&rooms_, &actor, room->appointment_id, message.reaction),
          asio::use_awaitable);
      if (!kept) {
        seat->Send(ErrorJson(message.seq, kept.error()));
        co_return;
      }
      const Timestamp since = room->session_started_at != 0 ? room->session_started_at : kept->at;
      const std::string text =
          Json{{"type", "reaction"},
               {"kind", std::string(ToString(kept->kind))},
               {"at", FormatIso8601(kept->at)},
               {"offset_seconds", std::max<Timestamp>(0, kept->at - since) / 1000}}
              .dump();
      seat->Send(text);
      if (room->therapist && room->therapist->user_id != actor.user_id) {
        SendTo(*room, room->therapist->user_id, text);
      }
      break;
    }
    default: break;
  }
}

asio::awaitable<void> RoomSockets::Handle(std::shared_ptr<Room> room,
                                          std::shared_ptr<RoomSeat> seat, Actor actor,
                                          RoomPart part, const RoomMessage& message) {
  const UserId me = actor.user_id;
  switch (message.type) {
    case RoomMessageType::kHello:
      seat->Send(ErrorJson(message.seq, "invalid", "type", "already greeted"));
      break;
    case RoomMessageType::kAdmit: {
      if (Status admitted = room->state.Admit(me, message.user); !admitted) {
        seat->Send(ErrorJson(message.seq, admitted.error()));
        break;
      }
      SendTo(*room, message.user, Json{{"type", "admitted"}}.dump());
      SendTo(*room, message.user, SignalsJson(*room));
      SendMembers(*room);
      co_await RecordStartIfUnderWay(room);
      break;
    }
    case RoomMessageType::kSignal:
      if (!room->state.MayExchange(me, message.user)) {
        seat->Send(
            ErrorJson(message.seq, "not_allowed", "to", "that person is not in the room with you"));
        break;
      }
      SendTo(*room, message.user,
             Json{{"type", "signal"}, {"from", me}, {"signal", message.signal}}.dump());
      break;
    case RoomMessageType::kChat: {
      const RoomMember* member = room->state.Find(me);
      if (member == nullptr || member->presence != Presence::kAdmitted) {
        seat->Send(ErrorJson(message.seq, "not_allowed", "type",
                             "you can write once the therapist lets you in"));
        break;
      }
      const std::string text = Json{{"type", "chat"},
                                    {"from", me},
                                    {"name", member->name},
                                    {"text", message.text},
                                    {"at", FormatIso8601(rooms_.clock().Now())}}
                                   .dump();
      for (const RoomMember& m : room->state.members()) {
        if (m.presence == Presence::kAdmitted) SendTo(*room, m.user_id, text);
      }
      if (const std::optional<SignalParty> party = PartyOf(part);
          party && room->signals && room->consent.on()) {
        room->signals->AddMessage(*party, message.text, rooms_.clock().Now());
      }
      break;
    }
    case RoomMessageType::kClock:
      seat->Send(
          Json{{"type", "clock"}, {"sent", message.sent}, {"server", rooms_.clock().Now()}}.dump());
      break;
    case RoomMessageType::kConsent:
    case RoomMessageType::kPause:
    case RoomMessageType::kStrip:
    case RoomMessageType::kFeatures:
    case RoomMessageType::kReaction:
      co_await HandleSignals(room, seat, actor, part, message);
      break;
    case RoomMessageType::kEnd: {
      if (part != RoomPart::kTherapist) {
        seat->Send(ErrorJson(message.seq, "not_allowed", "type", "only the therapist ends"));
        break;
      }
      if (Status ended = co_await EndSession(room, actor); !ended) {
        seat->Send(ErrorJson(message.seq, ended.error()));
      }
      break;
    }
  }
}

asio::awaitable<void> RoomSockets::Serve(std::shared_ptr<LiveSocket> socket, Actor actor,
                                         const RoomPass& pass, std::int64_t hello_seq,
                                         AuthService* auth, const std::string& token,
                                         const std::string& remote) {
  // Alone, this server is every room's home; with others, the room's home is found first.
  bool seated = true;
  std::string elsewhere;  // the room's home, when that is another server
  if (relay_) {
    // Named, not a temporary of the awaiting expression: g++ 12 destroys those twice.
    const std::optional<std::string> home = co_await relay_->HomeOf(pass.appointment.id);
    seated = home.has_value() && !socket->closed;
    if (seated && *home != relay_->me()) elsewhere = *home;
  }
  if (seated) {
    co_await Sit(socket, actor, pass, hello_seq, auth, token, remote, elsewhere);
  } else {
    // No home just now (the database is unavailable): the page tries again.
    CloseLive(*socket);
  }
}

// g++ 12 takes the frames of the coroutines awaited here, allocated by Asio's recycling allocator
// and freed by its matching operator delete, for a mismatched pair once it inlines both.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> RoomSockets::Sit(std::shared_ptr<LiveSocket> socket, Actor actor,
                                       const RoomPass& pass, std::int64_t hello_seq,
                                       AuthService* auth, const std::string& token,
                                       const std::string& remote, const std::string& home) {
  const UserId me = actor.user_id;
  std::shared_ptr<Room> room;
  std::shared_ptr<RoomSeat> seat;
  std::int64_t forwarded = 0;  // the seat's number at the home, when that is another server
  if (!home.empty()) {
    forwarded = relay_->Forwarding(socket, actor, pass, home);
  } else {
    room = RoomOf(pass);
    seat = std::make_shared<LocalSeat>(socket);
    Join(room, seat, actor, pass);
  }
  asio::co_spawn(ioc_, RunLiveWriter(socket, auth, token, remote, &pool_), asio::detached);
  co_await RecordStartIfUnderWay(room);

  std::int64_t last_seq = hello_seq;
  beast::flat_buffer buffer;
  while (!socket->closed && !socket->closing) {
    beast::error_code ec;
    co_await socket->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || socket->closing) break;
    if (!socket->ws.got_text()) {
      // Binary frames would be media or files: this server carries neither.
      co_await socket->ws.async_close(
          websocket::close_reason(websocket::close_code::unknown_data,
                                  "text messages only: media never passes through the server"),
          asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    const std::string frame = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    Result<RoomMessage> message = ParseRoomMessage(frame);
    if (!message) {
      QueueLive(*socket, ErrorJson(-1, message.error()));
      continue;
    }
    if (message->seq <= last_seq) {
      QueueLive(*socket, ErrorJson(message->seq, "out_of_order", "seq",
                                   "seq must be larger than the last message's; ignored"));
      continue;
    }
    last_seq = message->seq;
    if (!room) {
      relay_->Said(forwarded, message->seq, frame);
      continue;
    }
    co_await Handle(room, seat, actor, pass.part, *message);
  }
  if (room) {
    Leave(room, me, seat);
  } else {
    relay_->Left(forwarded);
  }
  if (socket->closing && !socket->closed) {
    // Let the writer send what is queued ("ended", "replaced"), then close.
    socket->wake.cancel();
  } else {
    CloseLive(*socket);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void RoomSockets::CloseAll() {
  for (auto& [id, room] : rooms_by_appointment_) {
    for (auto& [user, seat] : room->seats) seat.out->Close();
    // A remote seat and its room hold each other, and no leave will come now to part them: the
    // room lets go of its remote seats. A local seat leaves when its socket's Serve() ends.
    std::erase_if(room->seats, [](const auto& entry) {
      return dynamic_cast<const RemoteSeat*>(entry.second.out.get()) != nullptr;
    });
    if (relay_) relay_->Released(id);
  }
  rooms_by_appointment_.clear();
  remote_seats_.clear();
  if (relay_) relay_->CloseAll();
}

void RoomSockets::CloseSession(SessionId session) {
  asio::post(ioc_, [this, session] {
    // Only the sockets this server holds: every server hears of a sign-out and closes its own.
    for (auto& [id, room] : rooms_by_appointment_) {
      for (auto& [user, seat] : room->seats) {
        const auto* local = dynamic_cast<const LocalSeat*>(seat.out.get());
        if (local != nullptr && local->socket().session == session) CloseLive(local->socket());
      }
    }
    if (relay_) relay_->CloseSession(session);
  });
}

bool RoomSockets::OnServerEvent(std::string_view message) {
  return relay_ && relay_->OnServerEvent(message);
}

void RoomSockets::RemoteJoined(const std::string& server, std::int64_t number, const Actor& actor,
                               const RoomPass& pass) {
  auto seat = std::make_shared<RemoteSeat>(*relay_, server, number);
  seat->room = RoomOf(pass);
  seat->actor = actor;
  seat->part = pass.part;
  remote_seats_[RemoteKey{server, number}] = seat;
  Join(seat->room, seat, actor, pass);
  Queue(seat, Inbound::kArrived);
}

bool RoomSockets::RemoteSaid(const std::string& server, std::int64_t number,
                             const RoomMessage& message) {
  const auto it = remote_seats_.find(RemoteKey{server, number});
  if (it == remote_seats_.end()) return false;
  Queue(it->second, Inbound::kMessage, message);
  return true;
}

void RoomSockets::RemoteLeft(const std::string& server, std::int64_t number) {
  const auto it = remote_seats_.find(RemoteKey{server, number});
  if (it == remote_seats_.end()) return;
  Queue(it->second, Inbound::kLeft);
  remote_seats_.erase(it);
}

void RoomSockets::ServerSilent(const std::string& server) {
  for (auto it = remote_seats_.begin(); it != remote_seats_.end();) {
    if (it->first.first == server) {
      it->second->closed = true;  // nobody there to hear
      Queue(it->second, Inbound::kLeft);
      it = remote_seats_.erase(it);
    } else {
      ++it;
    }
  }
}

void RoomSockets::GiveUp(AppointmentId appointment) {
  const auto it = rooms_by_appointment_.find(appointment);
  if (it == rooms_by_appointment_.end()) return;
  std::shared_ptr<Room> room = it->second;
  for (auto& [user, seat] : room->seats) seat.out->Close();
  room->seats.clear();
  rooms_by_appointment_.erase(it);
}

void RoomSockets::Queue(const std::shared_ptr<RemoteSeat>& seat, Inbound kind,
                        RoomMessage message) {
  seat->inbox.push_back(RemoteSeat::Item{kind, std::move(message)});
  if (seat->draining) return;
  seat->draining = true;
  asio::co_spawn(ioc_, DrainRemote(seat), asio::detached);
}

asio::awaitable<void> RoomSockets::DrainRemote(std::shared_ptr<RemoteSeat> seat) {
  // Handle() takes the seat as a RoomSeat: converted here, not in the awaiting expression.
  const std::shared_ptr<RoomSeat> out = seat;
  while (!seat->inbox.empty()) {
    RemoteSeat::Item item = std::move(seat->inbox.front());
    seat->inbox.pop_front();
    if (item.kind == Inbound::kArrived) {
      co_await RecordStartIfUnderWay(seat->room);
    } else if (item.kind == Inbound::kMessage) {
      if (!seat->closed) co_await Handle(seat->room, out, seat->actor, seat->part, item.message);
    } else {
      Leave(seat->room, seat->actor.user_id, seat);
    }
  }
  seat->draining = false;
}

}  // namespace rapport
