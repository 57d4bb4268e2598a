#pragma once
// The room of a video, phone or typed appointment: who may be in it, when it is open, the waiting
// room the therapist admits from, the messages a browser may send over the room's socket, and the
// short-lived TURN credentials its browsers use. Pure: the server keeps one RoomState per open
// room and asks these rules what follows from each event.
//
// Media never passes through the server. Browsers exchange WebRTC offers, answers and ICE
// candidates through it ("signal" messages), typed chat, and, later, feature numbers; the room
// socket refuses binary frames and anything larger than kMaxRoomMessageBytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

// Who someone is in a room.
enum class RoomPart { kTherapist, kClient, kGuardian };
std::string_view ToString(RoomPart part);  // "therapist", "client", "guardian"

// A room opens this long before its appointment starts and closes this long after it was due to
// end (sessions run over; a dropped line must be able to come back).
inline constexpr std::int64_t kRoomOpensBeforeMs = 10LL * 60 * 1000;
inline constexpr std::int64_t kRoomClosesAfterEndMs = 60LL * 60 * 1000;

struct RoomWindow {
  Timestamp opens_at = 0;
  Timestamp closes_at = 0;
};
RoomWindow RoomWindowOf(const Appointment& appointment);

// Ok when `appointment` has a room that is open at `now`; kFailedPrecondition saying why not (in
// person, cancelled, not open yet, closed) in words a client can read.
Status CheckRoomOpen(const Appointment& appointment, Timestamp now);

// A session held in a room: recorded when the therapist and someone they admitted are first in
// the room together, ended when the therapist ends it (a later return reopens it).
struct RoomSession {
  AppointmentId appointment_id = 0;
  ClinicId clinic_id = 0;
  EpisodeId episode_id = 0;
  Modality modality = Modality::kVideo;
  Timestamp started_at = 0;
  std::optional<Timestamp> ended_at;
};

// What is kept of a session's rapport signals: the figures (synchrony, talk, turns, typed style
// matching) folded from the feature numbers the two browsers sent, as a JSON object, replaced as
// the session goes on. The numbers themselves are never kept.
struct SessionSignalsRecord {
  AppointmentId appointment_id = 0;
  ClinicId clinic_id = 0;
  EpisodeId episode_id = 0;
  Timestamp origin = 0;  // when the signals first ran in this session
  Timestamp updated_at = 0;
  Json figures = Json::object();
};

// The client's "that helped" or "that didn't feel right", on the session's timeline.
enum class Reaction { kHelped, kNotRight };
std::string_view ToString(Reaction reaction);  // "helped", "not_right"
std::optional<Reaction> ParseReaction(std::string_view text);

struct SessionReaction {
  std::int64_t id = 0;
  AppointmentId appointment_id = 0;
  ClinicId clinic_id = 0;
  UserId by = 0;
  Reaction kind = Reaction::kHelped;
  Timestamp at = 0;
};

// A guardian the therapist invited into one appointment's room.
struct RoomGuest {
  AppointmentId appointment_id = 0;
  UserId guardian_id = 0;
  UserId invited_by = 0;
  Timestamp invited_at = 0;
};

// One person in a room. A therapist is admitted on arrival; everyone else waits until the
// therapist admits them. Admission survives a dropped connection, so a reconnect goes straight
// back in.
enum class Presence { kWaiting, kAdmitted };
std::string_view ToString(Presence presence);  // "waiting", "admitted"

struct RoomMember {
  UserId user_id = 0;
  RoomPart part = RoomPart::kClient;
  std::string name;
  Presence presence = Presence::kWaiting;
  bool connected = false;
};

// The live state of one room. Not thread-safe: the server touches it from one thread.
class RoomState {
 public:
  // Someone arrives or comes back. Returns their member record after the arrival.
  const RoomMember& Arrive(UserId user_id, RoomPart part, std::string name);
  // Their connection closed; their admission is kept for a reconnect.
  void Depart(UserId user_id);
  // The therapist, connected, admits a waiting person who is connected. kPermissionDenied for
  // anyone but the therapist; kFailedPrecondition (field "user") when `user_id` is not waiting
  // in the room.
  Status Admit(UserId by, UserId user_id);
  // True when `from` and `to` are both admitted and connected: only then may they signal or chat.
  bool MayExchange(UserId from, UserId to) const;
  // True when the therapist and at least one other person are admitted and connected: the
  // session is under way.
  bool SessionUnderWay() const;
  // True when nobody is connected.
  bool Empty() const;

  const RoomMember* Find(UserId user_id) const;
  // In arrival order.
  const std::vector<RoomMember>& members() const { return members_; }

 private:
  RoomMember* FindMutable(UserId user_id);
  std::vector<RoomMember> members_;
};

// --- Messages from a browser --------------------------------------------------------------------

// The room socket takes text frames of at most this many bytes (an SDP offer with many codecs
// is under 20 KB).
inline constexpr std::size_t kMaxRoomMessageBytes = 64 * 1024;
inline constexpr std::size_t kMaxChatBytes = 4000;

enum class RoomMessageType {
  kHello,
  kAdmit,
  kSignal,
  kChat,
  kEnd,
  kClock,     // the browser asks for the server's time, to stamp its feature samples
  kConsent,   // this person agrees (or no longer agrees) to rapport signals for this session
  kPause,     // this person pauses or resumes the signals
  kFeatures,  // feature numbers computed on this person's device
  kReaction,  // the client's in-the-moment "that helped" / "that didn't feel right"
  kStrip,     // the therapist turns the live strip on or off
};

// A feature frame carries at most this many 100 ms steps (5 s).
inline constexpr std::size_t kMaxFeatureSamples = 50;

struct RoomMessage {
  RoomMessageType type = RoomMessageType::kHello;
  // Each message a socket sends carries a number larger than the one before (the first may be any
  // non-negative number), so a replayed or reordered message is refused.
  std::int64_t seq = 0;
  std::string csrf;       // hello
  UserId user = 0;        // admit: who; signal: to whom
  Json signal;            // signal: {"description": {type, sdp}} or {"candidate": {...}}
  std::string text;       // chat
  std::int64_t sent = 0;  // clock: the browser's own time, echoed back
  bool flag = false;      // consent: given; pause: paused; strip: on
  // features: the server time (ms) of the first step and one motion value (in [0, 1]; NaN for
  // no camera frame) and one voice flag per 100 ms step.
  std::int64_t t = 0;
  std::vector<double> motion;
  std::vector<bool> voice;
  Reaction reaction = Reaction::kHelped;  // reaction
};

// The rapport signals of a room: they run only while the therapist and the client have both
// consented in this session and neither has paused them. A guardian's word does not switch them.
struct SignalsConsent {
  bool therapist = false;
  bool client = false;
  std::optional<RoomPart> paused_by;
  bool strip = false;  // the therapist's live strip, off until the therapist turns it on

  bool on() const { return therapist && client && !paused_by; }
};

// Parses and checks one text frame. kInvalidArgument naming the offending field ("type", "seq",
// "csrf", "user", "to", "signal", "text", "sent", "given", "paused", "t", "motion", "voice",
// "kind", "on") for anything malformed, with nothing else done.
Result<RoomMessage> ParseRoomMessage(std::string_view frame);

// --- STUN and TURN ------------------------------------------------------------------------------

// Where browsers find a path to each other. TURN credentials follow the scheme coturn's
// `use-auth-secret` expects: the username is "<expiry unix seconds>:<label>", the password the
// base64 HMAC-SHA-1 of the username under the shared secret.
struct IceConfig {
  std::vector<std::string> stun_urls;  // "stun:stun.example.org:3478"
  std::vector<std::string> turn_urls;  // "turns:turn.example.org:443?transport=tcp"
  std::string turn_secret;             // coturn's static-auth-secret; empty: no TURN
  std::int64_t turn_ttl_seconds = 3600;
  bool force_relay = false;  // browsers use only TURN relays (iceTransportPolicy "relay")
};

struct TurnCredential {
  std::string username;
  std::string credential;
  Timestamp expires_at = 0;
};
TurnCredential MakeTurnCredential(std::string_view secret, std::string_view label, Timestamp now,
                                  std::int64_t ttl_seconds);

// {"ice_servers": [RTCIceServer...], "ice_transport_policy": "all"|"relay"} for `label` (the
// user's id) at `now`: what a browser hands to RTCPeerConnection.
Json IceServersJson(const IceConfig& config, std::string_view label, Timestamp now);

// Checks a STUN or TURN address given at start-up ("stun:", "turn:" or "turns:").
Status CheckIceUrl(std::string_view url);

}  // namespace rapport
