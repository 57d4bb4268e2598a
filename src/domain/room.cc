#include "domain/room.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/crypto.h"

namespace rapport {

namespace {

constexpr std::size_t kMaxSdpBytes = 60 * 1024;
constexpr std::size_t kMaxCandidateBytes = 1024;
constexpr std::size_t kMaxCsrfBytes = 200;

Error Bad(std::string field, std::string message) {
  return Error::Field(std::move(field), std::move(message));
}

// A session description: {"type": "offer"|"answer"|"pranswer"|"rollback", "sdp": "..."}.
Status CheckDescription(const Json& description) {
  if (!description.is_object()) return Fail(Bad("signal", "description must be an object"));
  for (const auto& [key, value] : description.items()) {
    if (key != "type" && key != "sdp") return Fail(Bad("signal", "unknown field " + key));
  }
  const auto type = description.find("type");
  if (type == description.end() || !type->is_string()) {
    return Fail(Bad("signal", "description needs a type"));
  }
  const std::string& kind = type->get_ref<const std::string&>();
  if (kind != "offer" && kind != "answer" && kind != "pranswer" && kind != "rollback") {
    return Fail(Bad("signal", "description type must be offer, answer, pranswer or rollback"));
  }
  const auto sdp = description.find("sdp");
  if (kind != "rollback" && (sdp == description.end() || !sdp->is_string())) {
    return Fail(Bad("signal", "description needs an sdp"));
  }
  if (sdp != description.end() &&
      (!sdp->is_string() || sdp->get_ref<const std::string&>().size() > kMaxSdpBytes)) {
    return Fail(Bad("signal", "sdp must be text of at most 60 KB"));
  }
  return Ok();
}

// An ICE candidate as RTCIceCandidate.toJSON() gives it.
Status CheckCandidate(const Json& candidate) {
  if (!candidate.is_object()) return Fail(Bad("signal", "candidate must be an object"));
  for (const auto& [key, value] : candidate.items()) {
    if (key == "candidate" || key == "usernameFragment" || key == "sdpMid") {
      if (!value.is_string() && !value.is_null()) {
        return Fail(Bad("signal", key + " must be text"));
      }
      if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxCandidateBytes) {
        return Fail(Bad("signal", key + " is too long"));
      }
    } else if (key == "sdpMLineIndex") {
      if (!value.is_null() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
                                value.get<std::int64_t>() < 1024)) {
        return Fail(Bad("signal", "sdpMLineIndex must be a small whole number"));
      }
    } else {
      return Fail(Bad("signal", "unknown field " + key));
    }
  }
  return Ok();
}

Status CheckSignal(const Json& signal) {
  if (!signal.is_object() || signal.size() != 1) {
    return Fail(Bad("signal", "must hold one description or one candidate"));
  }
  if (signal.contains("description")) return CheckDescription(signal["description"]);
  if (signal.contains("candidate")) {
    // null: the end of candidates.
    return signal["candidate"].is_null() ? Ok() : CheckCandidate(signal["candidate"]);
  }
  return Fail(Bad("signal", "must hold one description or one candidate"));
}

Result<UserId> PersonField(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return Fail(Bad(key, "must be a person's id"));
  }
  return it->get<UserId>();
}

}  // namespace

std::string_view ToString(RoomPart part) {
  switch (part) {
    case RoomPart::kTherapist: return "therapist";
    case RoomPart::kClient: return "client";
    case RoomPart::kGuardian: return "guardian";
  }
  return "client";
}

std::string_view ToString(Presence presence) {
  return presence == Presence::kAdmitted ? "admitted" : "waiting";
}

RoomWindow RoomWindowOf(const Appointment& appointment) {
  const Timestamp ends =
      appointment.starts_at + static_cast<std::int64_t>(appointment.duration_minutes) * 60 * 1000;
  return {appointment.starts_at - kRoomOpensBeforeMs, ends + kRoomClosesAfterEndMs};
}

Status CheckRoomOpen(const Appointment& appointment, Timestamp now) {
  if (appointment.modality == Modality::kInPerson) {
    return Fail(Error::FailedPrecondition("This appointment is in person, so it has no room."));
  }
  if (appointment.status == AppointmentStatus::kCancelled) {
    return Fail(Error::FailedPrecondition("This appointment was cancelled."));
  }
  const RoomWindow window = RoomWindowOf(appointment);
  if (now < window.opens_at) {
    return Fail(Error::FailedPrecondition(
        "The room opens ten minutes before the appointment starts. Please come back then."));
  }
  if (now >= window.closes_at) {
    return Fail(Error::FailedPrecondition("This appointment's room has closed."));
  }
  return Ok();
}

// --- RoomState ----------------------------------------------------------------------------------

namespace {

// The member with `user_id` in `members` (const or not), or nullptr.
template <typename Members>
auto FindMember(Members& members, UserId user_id) -> decltype(&*members.begin()) {
  const auto it = std::find_if(members.begin(), members.end(),
                               [&](const RoomMember& m) { return m.user_id == user_id; });
  return it == members.end() ? nullptr : &*it;
}

}  // namespace

RoomMember* RoomState::FindMutable(UserId user_id) {
  return FindMember(members_, user_id);
}

const RoomMember* RoomState::Find(UserId user_id) const {
  return FindMember(members_, user_id);
}

const RoomMember& RoomState::Arrive(UserId user_id, RoomPart part, std::string name) {
  RoomMember* member = FindMutable(user_id);
  if (member == nullptr) {
    members_.push_back(RoomMember{user_id, part, std::move(name), Presence::kWaiting, false});
    member = &members_.back();
  }
  member->connected = true;
  if (part == RoomPart::kTherapist) member->presence = Presence::kAdmitted;
  return *member;
}

void RoomState::Depart(UserId user_id) {
  if (RoomMember* member = FindMutable(user_id)) member->connected = false;
}

Status RoomState::Admit(UserId by, UserId user_id) {
  const RoomMember* admitter = Find(by);
  if (admitter == nullptr || admitter->part != RoomPart::kTherapist || !admitter->connected) {
    return Fail(Error::PermissionDenied("Only the therapist admits people to the room."));
  }
  RoomMember* member = FindMutable(user_id);
  if (member == nullptr || !member->connected || member->presence != Presence::kWaiting) {
    return Fail(Bad("user", "is not in the waiting room"));
  }
  member->presence = Presence::kAdmitted;
  return Ok();
}

bool RoomState::MayExchange(UserId from, UserId to) const {
  const RoomMember* a = Find(from);
  const RoomMember* b = Find(to);
  return from != to && a != nullptr && b != nullptr && a->connected && b->connected &&
         a->presence == Presence::kAdmitted && b->presence == Presence::kAdmitted;
}

bool RoomState::SessionUnderWay() const {
  bool therapist = false, other = false;
  for (const RoomMember& m : members_) {
    if (!m.connected || m.presence != Presence::kAdmitted) continue;
    (m.part == RoomPart::kTherapist ? therapist : other) = true;
  }
  return therapist && other;
}

bool RoomState::Empty() const {
  return std::none_of(members_.begin(), members_.end(),
                      [](const RoomMember& m) { return m.connected; });
}

// --- Messages -----------------------------------------------------------------------------------

std::string_view ToString(Reaction reaction) {
  return reaction == Reaction::kHelped ? "helped" : "not_right";
}

std::optional<Reaction> ParseReaction(std::string_view text) {
  if (text == "helped") return Reaction::kHelped;
  if (text == "not_right") return Reaction::kNotRight;
  return std::nullopt;
}

namespace {

// A feature frame: t, a whole number of milliseconds on a 100 ms step, and two arrays of the same
// length, 1 to kMaxFeatureSamples long: motion values in [0, 1] or null, voice flags 0 or 1.
Status ReadFeatures(const Json& json, RoomMessage& message) {
  const auto t = json.find("t");
  if (t == json.end() || !t->is_number_integer() || t->get<std::int64_t>() < 0 ||
      t->get<std::int64_t>() % 100 != 0) {
    return Fail(Bad("t", "must be the server time in milliseconds of the first 100 ms step"));
  }
  message.t = t->get<std::int64_t>();
  const auto motion = json.find("motion");
  if (motion == json.end() || !motion->is_array() || motion->empty() ||
      motion->size() > kMaxFeatureSamples) {
    return Fail(Bad("motion", fmt::format("must be a list of 1 to {} values", kMaxFeatureSamples)));
  }
  const auto voice = json.find("voice");
  if (voice == json.end() || !voice->is_array() || voice->size() != motion->size()) {
    return Fail(Bad("voice", "must be a list as long as motion"));
  }
  message.motion.reserve(motion->size());
  for (const Json& value : *motion) {
    if (value.is_null()) {
      message.motion.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const double m = value.is_number() ? value.get<double>() : -1;
    if (!(m >= 0 && m <= 1)) return Fail(Bad("motion", "values must be between 0 and 1, or null"));
    message.motion.push_back(m);
  }
  message.voice.reserve(voice->size());
  for (const Json& value : *voice) {
    if (!value.is_number_integer() || (value.get<int>() != 0 && value.get<int>() != 1)) {
      return Fail(Bad("voice", "values must be 0 or 1"));
    }
    message.voice.push_back(value.get<int>() == 1);
  }
  return Ok();
}

}  // namespace

Result<RoomMessage> ParseRoomMessage(std::string_view frame) {
  if (frame.size() > kMaxRoomMessageBytes) {
    return Fail(Bad("type", "the message is larger than 64 KB"));
  }
  // The JSON parser takes a NUL byte for the end of the text, so "{...}\0anything" would read as
  // the object alone; the relay passes a frame on as it came (http/room_relay.cc), where the
  // bytes after the object would spoil the event it travels in.
  const Json json = frame.find('\0') == std::string_view::npos ? Json::parse(frame, nullptr, false)
                                                               : Json(Json::value_t::discarded);
  if (json.is_discarded() || !json.is_object()) {
    return Fail(Bad("type", "a message must be one JSON object"));
  }
  RoomMessage message;
  const auto seq = json.find("seq");
  if (seq == json.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 0) {
    return Fail(Bad("seq", "must be a whole number, larger than the last message's"));
  }
  message.seq = seq->get<std::int64_t>();
  const auto type = json.find("type");
  if (type == json.end() || !type->is_string()) return Fail(Bad("type", "is required"));
  const std::string& kind = type->get_ref<const std::string&>();

  // Each type takes exactly its own fields.
  auto only = [&](std::initializer_list<std::string_view> allowed) -> Status {
    for (const auto& [key, value] : json.items()) {
      if (key == "type" || key == "seq") continue;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Fail(Bad(key, "is not a field of a " + kind + " message"));
      }
    }
    return Ok();
  };

  if (kind == "hello") {
    message.type = RoomMessageType::kHello;
    RAPPORT_RETURN_IF_ERROR(only({"csrf"}));
    const auto csrf = json.find("csrf");
    if (csrf == json.end() || !csrf->is_string() ||
        csrf->get_ref<const std::string&>().size() > kMaxCsrfBytes) {
      return Fail(Bad("csrf", "is required"));
    }
    message.csrf = csrf->get<std::string>();
  } else if (kind == "admit") {
    message.type = RoomMessageType::kAdmit;
    RAPPORT_RETURN_IF_ERROR(only({"user"}));
    RAPPORT_ASSIGN_OR_RETURN(message.user, PersonField(json, "user"));
  } else if (kind == "signal") {
    message.type = RoomMessageType::kSignal;
    RAPPORT_RETURN_IF_ERROR(only({"to", "signal"}));
    RAPPORT_ASSIGN_OR_RETURN(message.user, PersonField(json, "to"));
    const auto signal = json.find("signal");
    if (signal == json.end()) return Fail(Bad("signal", "is required"));
    RAPPORT_RETURN_IF_ERROR(CheckSignal(*signal));
    message.signal = *signal;
  } else if (kind == "chat") {
    message.type = RoomMessageType::kChat;
    RAPPORT_RETURN_IF_ERROR(only({"text"}));
    const auto text = json.find("text");
    if (text == json.end() || !text->is_string()) return Fail(Bad("text", "is required"));
    message.text = text->get<std::string>();
    const auto first = message.text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return Fail(Bad("text", "is empty"));
    if (message.text.size() > kMaxChatBytes) {
      return Fail(Bad("text", fmt::format("is longer than {} bytes", kMaxChatBytes)));
    }
  } else if (kind == "end") {
    message.type = RoomMessageType::kEnd;
    RAPPORT_RETURN_IF_ERROR(only({}));
  } else if (kind == "clock") {
    message.type = RoomMessageType::kClock;
    RAPPORT_RETURN_IF_ERROR(only({"sent"}));
    const auto sent = json.find("sent");
    if (sent == json.end() || !sent->is_number()) return Fail(Bad("sent", "is required"));
    const double value = sent->get<double>();
    if (!std::isfinite(value) || value < 0 || value > 1e15) {
      return Fail(Bad("sent", "must be the browser's time in milliseconds"));
    }
    message.sent = static_cast<std::int64_t>(value);
  } else if (kind == "consent" || kind == "pause" || kind == "strip") {
    const std::string_view field = kind == "consent" ? "given" : kind == "pause" ? "paused" : "on";
    message.type = kind == "consent" ? RoomMessageType::kConsent
                   : kind == "pause" ? RoomMessageType::kPause
                                     : RoomMessageType::kStrip;
    RAPPORT_RETURN_IF_ERROR(only({field}));
    const auto value = json.find(field);
    if (value == json.end() || !value->is_boolean()) {
      return Fail(Bad(std::string(field), "must be true or false"));
    }
    message.flag = value->get<bool>();
  } else if (kind == "features") {
    message.type = RoomMessageType::kFeatures;
    RAPPORT_RETURN_IF_ERROR(only({"t", "motion", "voice"}));
    RAPPORT_RETURN_IF_ERROR(ReadFeatures(json, message));
  } else if (kind == "reaction") {
    message.type = RoomMessageType::kReaction;
    RAPPORT_RETURN_IF_ERROR(only({"kind"}));
    const auto reaction = json.find("kind");
    const std::optional<Reaction> parsed =
        reaction != json.end() && reaction->is_string()
            ? ParseReaction(reaction->get_ref<const std::string&>())
            : std::nullopt;
    if (!parsed) return Fail(Bad("kind", "must be helped or not_right"));
    message.reaction = *parsed;
  } else {
    return Fail(Bad("type",
                    "must be hello, admit, signal, chat, end, clock, consent, pause, features, "
                    "reaction or strip"));
  }
  return message;
}

// --- STUN and TURN ------------------------------------------------------------------------------

TurnCredential MakeTurnCredential(std::string_view secret, std::string_view label, Timestamp now,
                                  std::int64_t ttl_seconds) {
  TurnCredential out;
  const std::int64_t expiry_seconds = now / 1000 + ttl_seconds;
  out.expires_at = expiry_seconds * 1000;
  out.username = fmt::format("{}:{}", expiry_seconds, label);
  out.credential = HmacSha1Base64(secret, out.username);
  return out;
}

Json IceServersJson(const IceConfig& config, std::string_view label, Timestamp now) {
  Json servers = Json::array();
  if (!config.stun_urls.empty()) servers.push_back({{"urls", config.stun_urls}});
  Json out = Json::object();
  if (!config.turn_urls.empty() && !config.turn_secret.empty()) {
    const TurnCredential turn =
        MakeTurnCredential(config.turn_secret, label, now, config.turn_ttl_seconds);
    servers.push_back(
        {{"urls", config.turn_urls}, {"username", turn.username}, {"credential", turn.credential}});
    out["expires_at"] = turn.expires_at;
  }
  out["ice_servers"] = std::move(servers);
  out["ice_transport_policy"] = config.force_relay ? "relay" : "all";
  return out;
}

Status CheckIceUrl(std::string_view url) {
  for (std::string_view scheme : {"stun:", "turn:", "turns:"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size() &&
        url.find_first_of(" \t\r\n\"") == std::string_view::npos) {
      return Ok();
    }
  }
  return Fail(Error::InvalidArgument(
      fmt::format("'{}' is not a STUN or TURN address (stun:, turn: or turns:)", url)));
}

}  // namespace rapport
