#pragma once
// Secure messages between sessions: what a client and their therapist write to each other on an
// episode, kept with it, and when each was read. Pure. The store keeps a message's words sealed
// (core/crypto.h's TextSealer, under a key file outside the database); everything here is the
// plain text the two people see.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

using MessageId = std::int64_t;

// The longest message, in characters (about a page of typed text): messages between sessions are
// for arranging and checking in, not for the session itself.
inline constexpr std::size_t kMaxMessageChars = 4000;

struct EpisodeMessage {
  MessageId id = 0;
  ClinicId clinic_id = 0;
  EpisodeId episode_id = 0;
  UserId sender_id = 0;
  std::string body;  // plain text, as NormalizeMessageBody left it
  Timestamp sent_at = 0;
  // When the other person first opened it (a read receipt); none while unread.
  std::optional<Timestamp> read_at;
};

// The words of a new message (field "body"): valid UTF-8 without NUL, surrounding white space
// trimmed, line ends made "\n", not empty, at most kMaxMessageChars characters, and without
// characters that change how the text around them is shown (bidirectional controls).
// kInvalidArgument naming "body" otherwise.
Result<std::string> NormalizeMessageBody(std::string_view text);

// What a message's sealed words are bound to, so that sealed words moved to another message do
// not open: the clinic, the episode, the sender and the moment it was sent.
std::string MessageSealContext(const EpisodeMessage& message);

}  // namespace rapport
