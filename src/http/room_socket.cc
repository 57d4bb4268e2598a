#include "http/room_socket.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "core/clock.h"

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
  return Json{{"type", "error"},
              {"seq", seq},
              {"code", code},
              {"field", field.empty() ? Json(nullptr) : Json(field)},
              {"detail", detail}}
      .dump();
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

}  // namespace

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

std::shared_ptr<RoomSockets::Room> RoomSockets::RoomOf(const RoomPass& pass) {
  // Rooms whose window has closed and that nobody holds any more go when the next room is opened.
  const Timestamp now = rooms_.clock().Now();
  std::erase_if(rooms_by_appointment_, [&](const auto& entry) {
    return entry.second->seats.empty() && entry.second->window.closes_at <= now;
  });
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

Json RoomSockets::MembersJson(const Room& room) {
  Json members = Json::array();
  for (const RoomMember& m : room.state.members()) members.push_back(MemberJson(m));
  return members;
}

void RoomSockets::SendMembers(Room& room) {
  const std::string text = Json{{"type", "room"}, {"members", MembersJson(room)}}.dump();
  for (auto& [user, seat] : room.seats) QueueLive(*seat.socket, text);
}

void RoomSockets::SendTo(Room& room, UserId user, const std::string& text) {
  const auto it = room.seats.find(user);
  if (it != room.seats.end()) QueueLive(*it->second.socket, text);
}

asio::awaitable<void> RoomSockets::RecordStartIfUnderWay(std::shared_ptr<Room> room) {
  if (room->session_recorded || room->recording || !room->state.SessionUnderWay()) co_return;
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
  for (auto& [user, seat] : room->seats) QueueLive(*seat.socket, text);
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
    QueueLive(*seat.socket, text);
    // Closed once the writer has sent what is queued: a graceful close would race the writer.
    seat.socket->closing = true;
  }
  // The room is over: nobody's leaving is news to anyone now.
  room->seats.clear();
  const auto it = rooms_by_appointment_.find(id);
  if (it != rooms_by_appointment_.end() && it->second == room) rooms_by_appointment_.erase(it);
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
                                                 std::shared_ptr<LiveSocket> socket,
                                                 const Actor& actor, RoomPart part,
                                                 const RoomMessage& message) {
  const RoomMember* member = room->state.Find(actor.user_id);
  const std::optional<SignalParty> party = PartyOf(part);
  if (member == nullptr || member->presence != Presence::kAdmitted || !party) {
    QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "type",
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
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "paused",
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
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "type",
                                     "the live strip is the therapist's"));
        co_return;
      }
      consent.strip = message.flag;
      SendSignals(*room);
      break;
    case RoomMessageType::kFeatures: {
      if (!consent.on() || !room->signals) {
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "type",
                                     "rapport signals are off: nothing was counted"));
        co_return;
      }
      FeatureBatch batch{message.t, message.motion, message.voice};
      const Result<int> settled = room->signals->Add(*party, batch, now);
      if (!settled) {
        QueueLive(*socket, ErrorJson(message.seq, settled.error()));
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
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "type",
                                     "in-the-moment reactions are the client's"));
        co_return;
      }
      const Result<SessionReaction> kept = co_await asio::co_spawn(
          pool_, ReactOnPool(&rooms_, &actor, room->appointment_id, message.reaction),
          asio::use_awaitable);
      if (!kept) {
        QueueLive(*socket, ErrorJson(message.seq, kept.error()));
        co_return;
      }
      const Timestamp since = room->session_started_at != 0 ? room->session_started_at : kept->at;
      const std::string text =
          Json{{"type", "reaction"},
               {"kind", std::string(ToString(kept->kind))},
               {"at", FormatIso8601(kept->at)},
               {"offset_seconds", std::max<Timestamp>(0, kept->at - since) / 1000}}
              .dump();
      QueueLive(*socket, text);
      if (room->therapist && room->therapist->user_id != actor.user_id) {
        SendTo(*room, room->therapist->user_id, text);
      }
      break;
    }
    default: break;
  }
}

asio::awaitable<void> RoomSockets::Handle(std::shared_ptr<Room> room,
                                          std::shared_ptr<LiveSocket> socket, Actor actor,
                                          RoomPart part, const RoomMessage& message) {
  const UserId me = actor.user_id;
  switch (message.type) {
    case RoomMessageType::kHello:
      QueueLive(*socket, ErrorJson(message.seq, "invalid", "type", "already greeted"));
      break;
    case RoomMessageType::kAdmit: {
      if (Status admitted = room->state.Admit(me, message.user); !admitted) {
        QueueLive(*socket, ErrorJson(message.seq, admitted.error()));
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
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "to",
                                     "that person is not in the room with you"));
        break;
      }
      SendTo(*room, message.user,
             Json{{"type", "signal"}, {"from", me}, {"signal", message.signal}}.dump());
      break;
    case RoomMessageType::kChat: {
      const RoomMember* member = room->state.Find(me);
      if (member == nullptr || member->presence != Presence::kAdmitted) {
        QueueLive(*socket, ErrorJson(message.seq, "not_allowed", "type",
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
      QueueLive(
          *socket,
          Json{{"type", "clock"}, {"sent", message.sent}, {"server", rooms_.clock().Now()}}.dump());
      break;
    case RoomMessageType::kConsent:
    case RoomMessageType::kPause:
    case RoomMessageType::kStrip:
    case RoomMessageType::kFeatures:
    case RoomMessageType::kReaction:
      co_await HandleSignals(room, socket, actor, part, message);
      break;
    case RoomMessageType::kEnd: {
      if (part != RoomPart::kTherapist) {
        QueueLive(*socket,
                  ErrorJson(message.seq, "not_allowed", "type", "only the therapist ends"));
        break;
      }
      if (Status ended = co_await EndSession(room, actor); !ended) {
        QueueLive(*socket, ErrorJson(message.seq, ended.error()));
      }
      break;
    }
  }
}

asio::awaitable<void> RoomSockets::Serve(std::shared_ptr<LiveSocket> socket, Actor actor,
                                         const RoomPass& pass, std::int64_t hello_seq,
                                         AuthService* auth, const std::string& token,
                                         const std::string& remote) {
  std::shared_ptr<Room> room = RoomOf(pass);
  const UserId me = actor.user_id;
  if (auto old = room->seats.find(me); old != room->seats.end()) {
    QueueLive(*old->second.socket, R"({"type":"replaced"})");
    old->second.socket->closing = true;
    room->seats.erase(old);
  }
  room->seats[me] = Seat{socket, actor};
  if (pass.part == RoomPart::kTherapist) room->therapist = actor;
  const RoomMember& arrived = room->state.Arrive(me, pass.part, pass.name);
  QueueLive(*socket, WelcomeJson(arrived, *room, pass));
  if (arrived.presence == Presence::kAdmitted) QueueLive(*socket, SignalsJson(*room));
  SendMembers(*room);
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
    co_await Handle(room, socket, actor, pass.part, *message);
  }
  const auto seat = room->seats.find(me);
  if (seat != room->seats.end() && seat->second.socket == socket) {
    room->seats.erase(seat);
    room->state.Depart(me);
    SendMembers(*room);
    // The last to leave: keep the figures so far (the room may not be opened again).
    if (room->seats.empty()) asio::co_spawn(ioc_, SaveSignals(room, true), asio::detached);
  }
  if (socket->closing && !socket->closed) {
    // Let the writer send what is queued ("ended", "replaced"), then close.
    socket->wake.cancel();
  } else {
    CloseLive(*socket);
  }
}

void RoomSockets::CloseAll() {
  for (auto& [id, room] : rooms_by_appointment_) {
    for (auto& [user, seat] : room->seats) CloseLive(*seat.socket);
  }
  rooms_by_appointment_.clear();
}

void RoomSockets::CloseSession(SessionId session) {
  asio::post(ioc_, [this, session] {
    for (auto& [id, room] : rooms_by_appointment_) {
      for (auto& [user, seat] : room->seats) {
        if (seat.socket->session == session) CloseLive(*seat.socket);
      }
    }
  });
}

}  // namespace rapport
