#include "http/room_socket.h"

#include <charconv>
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
  const std::string text =
      Json{{"type", "session"}, {"started_at", FormatIso8601(started->started_at)}}.dump();
  for (auto& [user, seat] : room->seats) QueueLive(*seat.socket, text);
}

asio::awaitable<Status> RoomSockets::EndSession(std::shared_ptr<Room> room,
                                                const Actor& therapist) {
  const AppointmentId id = room->appointment_id;
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

asio::awaitable<void> RoomSockets::Handle(std::shared_ptr<Room> room,
                                          std::shared_ptr<LiveSocket> socket, Actor actor,
                                          RoomPart part, RoomMessage message) {
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
             Json{{"type", "signal"}, {"from", me}, {"signal", std::move(message.signal)}}.dump());
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
      break;
    }
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
  const RoomMember& arrived = room->state.Arrive(me, pass.part, pass.name);
  QueueLive(*socket, WelcomeJson(arrived, *room, pass));
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
    co_await Handle(room, socket, actor, pass.part, *std::move(message));
  }
  const auto seat = room->seats.find(me);
  if (seat != room->seats.end() && seat->second.socket == socket) {
    room->seats.erase(seat);
    room->state.Depart(me);
    SendMembers(*room);
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
