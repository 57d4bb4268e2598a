#pragma once
// A message for one app server that is longer than one server event (kMaxServerEventBytes) travels
// in parts: a WebRTC offer with many codecs, relayed between a room's two servers, may be longer
// than PostgreSQL's NOTIFY takes, and a room message may be up to kMaxRoomMessageBytes. Each part
// is itself an event for that server:
//   {"room": {"to", "from", "kind": "part", "id", "index", "count", "text"}}
// A server's events reach every server in the order sent, so the parts of one message arrive one
// after the other among its sender's events, though other servers' events may come between them.
// Pure.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/server_events.h"

namespace rapport {

// The start of every event addressed to server `to`: a server reads no further into another's.
std::string RoomEventPrefix(std::string_view to);

// The parts of `message` (addressed to `to`, from `from`), numbered `id` among the sender's long
// messages, each at most `limit` bytes. `message` must be valid UTF-8, as JSON text is; it is cut
// only between characters.
std::vector<std::string> SplitEvent(std::string_view message, std::string_view to,
                                    std::string_view from, std::uint64_t id,
                                    std::size_t limit = kMaxServerEventBytes);

// The most parts a message may have: enough for a room message of kMaxRoomMessageBytes made
// entirely of characters that JSON escapes.
inline constexpr int kMostEventParts = 64;

// Puts the parts heard back together, per sender. Not thread-safe.
class EventJoiner {
 public:
  // One part heard. The whole message once its last part has come; nullopt before, and when a
  // part is missing or out of place (the message is then dropped: a listener that reconnected
  // missed some).
  std::optional<std::string> Add(const std::string& from, std::uint64_t id, int index, int count,
                                 std::string_view text);

 private:
  struct Partial {
    std::uint64_t id = 0;
    int next = 0;
    int count = 0;
    std::string text;
  };
  std::map<std::string, Partial> partial_;  // by sender
};

}  // namespace rapport
