// The text frames a browser sends through a session room's WebSocket (http/room_socket.cc reads
// each with ParseRoomMessage, domain/room.h), one conversation per input, and what the room does
// with each message it accepts, through the same pure parts the room socket uses: the waiting
// room (RoomState: arrive, admit, who may exchange), the consent to rapport signals, and the
// session's signals (SessionSignals: feature batches, typed chat, settling, the live strip and the
// summary). Each frame the room accepts also crosses between app servers as the room relay sends
// it: cut into server events by SplitEvent and joined again by EventJoiner (http/event_parts.h),
// every other one with a small part limit so that short frames travel in several parts.
//
// An input is one frame per line; a line may start with "t ", "c " or "g " for who sends it (the
// therapist, the client, a guardian; the therapist otherwise):
//   c {"type":"hello","seq":1,"csrf":"x"}
//   t {"type":"admit","seq":2,"user":2}
//   c {"type":"features","seq":3,"t":1000000,"motion":[0.1,0.2],"voice":[true,false]}
// A line "bye" closes the sender's connection (they keep their admission). The room's clock
// starts at 1000000 ms and moves on 100 ms a line.
// Oracles, besides the sanitizers: someone admitted is in the room, admitted; no part is longer
// than the limit, and the parts of a frame join to the frame.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/session_signals.h"
#include "core/json.h"
#include "domain/room.h"
#include "http/event_parts.h"

namespace {

using rapport::Json;
using rapport::RoomMessageType;
using rapport::RoomPart;

constexpr rapport::UserId kTherapist = 1, kClient = 2, kGuardian = 3;
constexpr std::int64_t kStart = 1'000'000;

struct Sender {
  rapport::UserId user;
  RoomPart part;
};

[[noreturn]] void Broken(const char* what, std::string_view frame) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(frame.size()), frame.data());
  __builtin_trap();
}

// As the relay sends a frame to the room's home server and the home joins it.
void Relay(std::string_view frame, std::uint64_t id, std::size_t limit,
           rapport::EventJoiner& joiner) {
  const std::vector<std::string> parts = rapport::SplitEvent(frame, "home", "seat", id, limit);
  std::optional<std::string> whole;
  for (const std::string& part : parts) {
    if (part.size() > limit) Broken("a part longer than its limit", frame);
    const Json event = Json::parse(part, nullptr, false);
    if (!event.is_object() || !event.contains("room")) Broken("a part that is not an event", part);
    const Json& room = event["room"];
    whole = joiner.Add(room.value("from", ""), room.value("id", std::uint64_t{0}),
                       room.value("index", 0), room.value("count", 0), room.value("text", ""));
  }
  // No parts: too long to send; the relay refuses it as the socket's size limit would.
  if (!parts.empty() && (!whole || *whole != frame)) Broken("the parts do not join to", frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  rapport::RoomState room;
  rapport::SignalsConsent consent;
  std::optional<rapport::SessionSignals> signals;
  rapport::EventJoiner joiner;
  std::int64_t now = kStart;
  std::uint64_t relayed = 0;

  while (!input.empty()) {
    const std::size_t newline = input.find('\n');
    std::string_view frame = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    now += 100;

    Sender sender{kTherapist, RoomPart::kTherapist};
    if (frame.size() >= 2 && frame[1] == ' ') {
      if (frame[0] == 'c') sender = {kClient, RoomPart::kClient};
      if (frame[0] == 'g') sender = {kGuardian, RoomPart::kGuardian};
      if (frame[0] == 't' || frame[0] == 'c' || frame[0] == 'g') frame.remove_prefix(2);
    }
    if (frame.size() > rapport::kMaxRoomMessageBytes) continue;  // the socket's read limit
    if (frame == "bye") {                                        // the sender's connection closes
      room.Depart(sender.user);
      continue;
    }
    if (room.Find(sender.user) == nullptr || !room.Find(sender.user)->connected) {
      room.Arrive(sender.user, sender.part, "Someone");
    }

    const auto message = rapport::ParseRoomMessage(frame);
    if (!message) continue;
    // A seat on another server than the room's home sends what it read on, as it came.
    ++relayed;
    Relay(frame, relayed, relayed % 2 == 0 ? rapport::kMaxServerEventBytes : 260, joiner);
    const bool signal_party = sender.part != RoomPart::kGuardian;
    const rapport::SignalParty party = sender.part == RoomPart::kTherapist
                                           ? rapport::SignalParty::kTherapist
                                           : rapport::SignalParty::kClient;
    switch (message->type) {
      case RoomMessageType::kHello:
      case RoomMessageType::kClock: break;
      case RoomMessageType::kAdmit:
        if (room.Admit(sender.user, message->user)) {
          const rapport::RoomMember* admitted = room.Find(message->user);
          if (admitted == nullptr || admitted->presence != rapport::Presence::kAdmitted) {
            Broken("admitted, and not in the room", frame);
          }
        }
        break;
      case RoomMessageType::kSignal:
        if (room.MayExchange(sender.user, message->user)) (void)message->signal.dump();
        break;
      case RoomMessageType::kChat:
        if (signals && signal_party) signals->AddMessage(party, message->text, now);
        break;
      case RoomMessageType::kEnd: (void)room.SessionUnderWay(); break;
      case RoomMessageType::kConsent:
        if (!signal_party) break;
        (sender.part == RoomPart::kTherapist ? consent.therapist : consent.client) = message->flag;
        break;
      case RoomMessageType::kPause:
        if (!signal_party) break;
        if (message->flag) {
          if (!consent.paused_by) consent.paused_by = sender.part;
        } else if (!consent.paused_by || *consent.paused_by == sender.part) {
          consent.paused_by.reset();
        }
        break;
      case RoomMessageType::kStrip: consent.strip = message->flag; break;
      case RoomMessageType::kFeatures:
        if (!consent.on() || !signal_party) break;
        if (!signals) signals.emplace(now - now % rapport::kSignalStepMs);
        if (auto settled = signals->Add(party, {message->t, message->motion, message->voice}, now);
            settled && *settled > 0) {
          (void)signals->Live();
        }
        break;
      case RoomMessageType::kReaction: (void)rapport::ToString(message->reaction); break;
    }
  }
  if (signals) {
    signals->SettleUntil(now + 60'000);
    (void)signals->Summary();
    (void)signals->Live();
  }
  (void)room.Empty();
  return 0;
}
