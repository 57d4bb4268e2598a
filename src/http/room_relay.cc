#include "http/room_relay.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/crypto.h"
#include "http/room_socket.h"

namespace rapport {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t IntOf(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string TextOf(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An event of the home rule, which every server reads.
std::string HomesEvent(std::string_view kind, AppointmentId appointment, std::string_view server) {
  return fmt::format(R"({{"rooms":{{"kind":"{}","appointment":{},"server":"{}"}}}})", kind,
                     appointment, server);
}

// An event for server `to`; `tail` adds its fields (",\"seat\":3" ...).
std::string Traffic(std::string_view to, std::string_view from, std::string_view kind,
                    std::string_view tail) {
  return fmt::format(R"({},"from":"{}","kind":"{}"{}}}}})", RoomEventPrefix(to), from, kind, tail);
}

// What the home needs of a person whose socket another server holds: who they are, as that
// server authenticated them, and what RoomService::Enter told it.
Json ActorJson(const Actor& actor) {
  return {{"user", actor.user_id},
          {"clinic", actor.clinic_id},
          {"role", ToString(actor.role)},
          {"session", actor.session_id},
          {"source", actor.source}};
}

std::optional<Actor> ActorFrom(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  const Result<Role> role = ParseRole(TextOf(json, "role"));
  if (!role) return std::nullopt;
  Actor actor;
  actor.user_id = IntOf(json, "user");
  actor.clinic_id = IntOf(json, "clinic");
  actor.role = *role;
  actor.session_id = IntOf(json, "session");
  actor.source = TextOf(json, "source");
  if (actor.user_id == 0) return std::nullopt;
  return actor;
}

Json PassJson(const RoomPass& pass) {
  const Appointment& a = pass.appointment;
  Json session = nullptr;
  if (pass.session) {
    session = {{"started_at", pass.session->started_at},
               {"ended_at", pass.session->ended_at ? Json(*pass.session->ended_at) : Json()}};
  }
  return {{"appointment",
           {{"id", a.id},
            {"modality", ToString(a.modality)},
            {"starts_at", a.starts_at},
            {"duration_minutes", a.duration_minutes}}},
          {"part", ToString(pass.part)},
          {"name", pass.name},
          {"window", {{"opens_at", pass.window.opens_at}, {"closes_at", pass.window.closes_at}}},
          {"session", std::move(session)},
          {"ice", pass.ice}};
}

std::optional<RoomPart> PartFrom(std::string_view text) {
  for (RoomPart part : {RoomPart::kTherapist, RoomPart::kClient, RoomPart::kGuardian}) {
    if (ToString(part) == text) return part;
  }
  return std::nullopt;
}

std::optional<RoomPass> PassFrom(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  const auto appointment = json.find("appointment");
  const auto window = json.find("window");
  if (appointment == json.end() || !appointment->is_object() || window == json.end() ||
      !window->is_object()) {
    return std::nullopt;
  }
  const Result<Modality> modality = ParseModality(TextOf(*appointment, "modality"));
  const std::optional<RoomPart> part = PartFrom(TextOf(json, "part"));
  if (!modality || !part) return std::nullopt;
  RoomPass pass;
  pass.appointment.id = IntOf(*appointment, "id");
  pass.appointment.modality = *modality;
  pass.appointment.starts_at = IntOf(*appointment, "starts_at");
  pass.appointment.duration_minutes = static_cast<int>(IntOf(*appointment, "duration_minutes"));
  pass.part = *part;
  pass.name = TextOf(json, "name");
  pass.window.opens_at = IntOf(*window, "opens_at");
  pass.window.closes_at = IntOf(*window, "closes_at");
  pass.open = true;
  if (const auto session = json.find("session"); session != json.end() && session->is_object()) {
    RoomSession held;
    held.appointment_id = pass.appointment.id;
    held.modality = *modality;
    held.started_at = IntOf(*session, "started_at");
    if (const auto ended = session->find("ended_at");
        ended != session->end() && ended->is_number_integer()) {
      held.ended_at = ended->get<Timestamp>();
    }
    pass.session = held;
  }
  if (const auto ice = json.find("ice"); ice != json.end()) pass.ice = *ice;
  return pass;
}

}  // namespace

RoomRelay::RoomRelay(RoomSockets& sockets, asio::io_context& ioc, ServerEvents& events)
    : sockets_(sockets),
      ioc_(ioc),
      me_(RandomHex(8)),
      prefix_(RoomEventPrefix(me_)),
      sender_(events, me_),
      homes_(me_),
      beat_(ioc) {}

RoomRelay::~RoomRelay() = default;

bool RoomRelay::OnServerEvent(std::string_view message) {
  if (message.starts_with(R"({"room":)")) {
    // Another server's traffic is not even parsed.
    if (message.starts_with(prefix_)) {
      asio::post(ioc_, [this, text = std::string(message)] { OnTraffic(text); });
    }
    return true;
  }
  if (!message.starts_with(R"({"rooms":)")) return false;
  Json event = Json::parse(message, nullptr, false);
  if (event.is_object()) {
    asio::post(ioc_, [this, event = std::move(event)] { OnHomes(event); });
  }
  return true;
}

void RoomRelay::Send(std::string message, std::string to, std::function<void()> failed) {
  sender_.Queue(std::move(message), std::move(to), std::move(failed));
}

void RoomRelay::SendForSeat(const std::string& server, std::string_view kind, std::int64_t number,
                            std::string_view tail) {
  Send(Traffic(server, me_, kind, fmt::format(R"(,"seat":{}{})", number, tail)), server);
}

asio::awaitable<std::optional<std::string>> RoomRelay::HomeOf(AppointmentId appointment) {
  if (stopping_) co_return std::nullopt;
  if (std::optional<std::string> home = homes_.HomeOf(appointment)) {
    KeepBeating();
    co_return home;
  }
  std::shared_ptr<Claim> claim;
  if (const auto it = claims_.find(appointment); it != claims_.end()) {
    claim = it->second;
  } else {
    claim = std::make_shared<Claim>();
    claim->sent = SteadyClock::now();
    claims_.emplace(appointment, claim);
    Send(HomesEvent("claim", appointment, me_));
  }
  // A claim heard or answered wakes the waiters, who look again.
  asio::steady_timer timer(ioc_);
  claim->waiters.push_back(&timer);
  for (;;) {
    const auto now = SteadyClock::now();
    const bool known = homes_.HomeOf(appointment).has_value();
    const bool settled = known && (claim->answered || now >= claim->sent + kRoomClaimWait);
    if (stopping_ || settled || now >= claim->sent + kRoomClaimGiveUp) break;
    timer.expires_at(now < claim->sent + kRoomClaimWait ? claim->sent + kRoomClaimWait
                                                        : claim->sent + kRoomClaimGiveUp);
    beast::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  std::erase(claim->waiters, &timer);
  if (const auto it = claims_.find(appointment); it != claims_.end() && it->second == claim) {
    claims_.erase(it);
  }
  if (stopping_) co_return std::nullopt;
  KeepBeating();
  co_return homes_.HomeOf(appointment);
}

void RoomRelay::WakeClaim(AppointmentId appointment, bool answered) {
  const auto it = claims_.find(appointment);
  if (it == claims_.end()) return;
  if (answered) it->second->answered = true;
  for (asio::steady_timer* waiter : it->second->waiters) waiter->cancel();
}

std::int64_t RoomRelay::Forwarding(std::shared_ptr<LiveSocket> socket, const Actor& actor,
                                   const RoomPass& pass, const std::string& home) {
  const std::int64_t number = ++next_seat_;
  const AppointmentId appointment = pass.appointment.id;
  forwarded_[number] = Forwarded{std::move(socket), appointment, home};
  Send(Traffic(home, me_, "join",
               fmt::format(R"(,"appointment":{},"seat":{},"actor":{},"pass":{})", appointment,
                           number, ActorJson(actor).dump(), PassJson(pass).dump())),
       home, [this, number] {
         // Without its seat the socket would wait for nothing: the page tries again.
         asio::post(ioc_, [this, number] {
           const auto it = forwarded_.find(number);
           if (it == forwarded_.end()) return;
           CloseLive(*it->second.socket);
           forwarded_.erase(it);
         });
       });
  KeepBeating();
  return number;
}

void RoomRelay::Said(std::int64_t number, std::int64_t seq, std::string_view frame) {
  const auto it = forwarded_.find(number);
  if (it == forwarded_.end()) return;
  // The frame was parsed as one JSON object, so it is sent as it came.
  Send(Traffic(it->second.home, me_, "message",
               fmt::format(R"(,"appointment":{},"seat":{},"message":{})", it->second.appointment,
                           number, frame)),
       it->second.home, [this, number, seq] {
         asio::post(ioc_, [this, number, seq] {
           const auto seat = forwarded_.find(number);
           if (seat == forwarded_.end()) return;
           QueueLive(*seat->second.socket,
                     RoomErrorJson(seq, "unavailable", "",
                                   "the message could not reach the room just now; nothing "
                                   "changed, please try again"));
         });
       });
}

void RoomRelay::Left(std::int64_t number) {
  const auto it = forwarded_.find(number);
  if (it == forwarded_.end()) return;
  Send(Traffic(it->second.home, me_, "leave",
               fmt::format(R"(,"appointment":{},"seat":{})", it->second.appointment, number)),
       it->second.home);
  forwarded_.erase(it);
}

void RoomRelay::SendToSeat(const std::string& server, std::int64_t number, std::string_view text) {
  SendForSeat(server, "send", number, fmt::format(R"(,"message":{})", text));
}

void RoomRelay::FinishSeat(const std::string& server, std::int64_t number) {
  SendForSeat(server, "finish", number);
}

void RoomRelay::CloseSeat(const std::string& server, std::int64_t number) {
  SendForSeat(server, "close", number);
}

void RoomRelay::Released(AppointmentId appointment) {
  homes_.Forget(appointment);
  Send(HomesEvent("released", appointment, me_));
}

void RoomRelay::OnHomes(const Json& event) {
  if (stopping_) return;
  const auto body = event.find("rooms");
  if (body == event.end() || !body->is_object()) return;
  const std::string kind = TextOf(*body, "kind");
  const std::string server = TextOf(*body, "server");
  const AppointmentId appointment = IntOf(*body, "appointment");
  if (server.empty()) return;
  const auto now = SteadyClock::now();
  if (kind == "alive") {
    homes_.Alive(server, now);
    return;
  }
  if (appointment == 0) return;
  if (kind == "claim") {
    if (homes_.Claimed(appointment, server, now)) Send(HomesEvent("home", appointment, me_));
    WakeClaim(appointment, false);
  } else if (kind == "home") {
    if (homes_.Answered(appointment, server, now)) sockets_.GiveUp(appointment);
    if (server != me_) WakeClaim(appointment, true);
  } else if (kind == "released") {
    homes_.Released(appointment, server, now);
    if (server != me_) CloseForwarded(server, appointment);
  }
}

void RoomRelay::OnTraffic(const std::string& text) {
  if (stopping_) return;
  const Json event = Json::parse(text, nullptr, false);
  if (!event.is_object()) return;
  const auto room = event.find("room");
  if (room == event.end() || !room->is_object()) return;
  const std::string from = TextOf(*room, "from");
  const std::string kind = TextOf(*room, "kind");
  if (from.empty()) return;
  homes_.Alive(from, SteadyClock::now());
  if (kind == "part") {
    const std::optional<std::string> whole =
        joiner_.Add(from, static_cast<std::uint64_t>(IntOf(*room, "id")),
                    static_cast<int>(IntOf(*room, "index")),
                    static_cast<int>(IntOf(*room, "count")), TextOf(*room, "text"));
    if (whole && whole->starts_with(prefix_)) OnTraffic(*whole);
    return;
  }
  if (kind == "join" || kind == "message" || kind == "leave") {
    OnFromSeat(*room, kind, from);
  } else {
    OnForSeat(*room, kind);
  }
}

void RoomRelay::OnFromSeat(const Json& room, std::string_view kind, const std::string& from) {
  const AppointmentId appointment = IntOf(room, "appointment");
  const std::int64_t number = IntOf(room, "seat");
  if (kind == "join") {
    const std::optional<Actor> actor = ActorFrom(room.value("actor", Json()));
    const std::optional<RoomPass> pass = PassFrom(room.value("pass", Json()));
    if (homes_.HomeOf(appointment) != me_ || !actor || !pass ||
        pass->appointment.id != appointment) {
      SendForSeat(from, "gone", number);
      return;
    }
    sockets_.RemoteJoined(from, number, *actor, *pass);
    KeepBeating();
  } else if (kind == "message") {
    const auto message = room.find("message");
    if (message == room.end()) return;
    // The seat's server checked it; what comes from another server is checked again all the same.
    const Result<RoomMessage> parsed = ParseRoomMessage(message->dump());
    if (!parsed) return;
    if (!sockets_.RemoteSaid(from, number, *parsed)) SendForSeat(from, "gone", number);
  } else {
    sockets_.RemoteLeft(from, number);
  }
}

void RoomRelay::OnForSeat(const Json& room, std::string_view kind) {
  const auto it = forwarded_.find(IntOf(room, "seat"));
  if (it == forwarded_.end()) return;
  LiveSocket& socket = *it->second.socket;
  if (kind == "send") {
    const auto message = room.find("message");
    if (message != room.end()) QueueLive(socket, message->dump());
  } else if (kind == "finish") {
    socket.closing = true;
    socket.wake.cancel();
  } else if (kind == "close") {
    CloseLive(socket);
  } else if (kind == "gone") {
    // What this server knew of the room's home was out of date.
    homes_.Released(it->second.appointment, it->second.home, SteadyClock::now());
    CloseLive(socket);
    forwarded_.erase(it);
  }
}

void RoomRelay::CloseForwarded(const std::string& home, AppointmentId appointment) {
  for (auto it = forwarded_.begin(); it != forwarded_.end();) {
    const Forwarded& seat = it->second;
    if (seat.home == home && (appointment == 0 || seat.appointment == appointment) &&
        !seat.socket->closing) {
      CloseLive(*seat.socket);
      it = forwarded_.erase(it);
    } else {
      ++it;
    }
  }
}

void RoomRelay::KeepBeating() {
  if (beating_ || stopping_) return;
  beating_ = true;
  asio::co_spawn(ioc_, Beat(), asio::detached);
}

asio::awaitable<void> RoomRelay::Beat() {
  const std::string alive = fmt::format(R"({{"rooms":{{"kind":"alive","server":"{}"}}}})", me_);
  while (!stopping_ &&
         (homes_.HomeOfAny() || !forwarded_.empty() || !sockets_.remote_seats_.empty())) {
    Send(alive);
    sockets_.DropOver();
    const std::vector<std::string> silent = homes_.Silent(SteadyClock::now(), kRoomSilence);
    for (const std::string& server : silent) {
      CloseForwarded(server, 0);
      sockets_.ServerSilent(server);
    }
    beat_.expires_after(kRoomAliveEvery);
    beast::error_code ignored;
    co_await beat_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  beating_ = false;
}

void RoomRelay::CloseAll() {
  stopping_ = true;
  beat_.cancel();
  for (auto& [appointment, claim] : claims_) {
    for (asio::steady_timer* waiter : claim->waiters) waiter->cancel();
  }
  // Their read loops end and tell the homes they left.
  for (auto& [number, seat] : forwarded_) CloseLive(*seat.socket);
}

void RoomRelay::CloseSession(SessionId session) {
  for (auto& [number, seat] : forwarded_) {
    if (seat.socket->session == session) CloseLive(*seat.socket);
  }
}

}  // namespace rapport
