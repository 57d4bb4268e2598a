#pragma once
// Secure messages between sessions, on an episode: what a client and their therapist write to
// each other between appointments (to arrange, to check in), kept with the episode, with read
// receipts and the client's export of their own messages. The store seals the words at rest; no
// message is ever put in an e-mail, which says only that there is one. Messages are read when
// people open them, not watched around the clock: pages that offer them show crisis lines.
//
// Who: the episode's client and its therapist write and read; the therapist's supervisor reads
// (audited) but does not write. A guardian does not read a client's messages, even of a child:
// they are the client's own channel to their therapist. Thread-safe; does not own the Store.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/messaging.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

// One episode's messages as one person sees them.
struct MessageThread {
  Episode episode;
  std::string client_name, therapist_name;
  std::vector<EpisodeMessage> messages;  // in the order they were sent
  bool can_write = false;                // the actor may send one now
  std::string closed_reason;             // why not, in plain words, when they may not
  int unread = 0;                        // messages to the actor they have not opened yet
};

// A message just sent, with how the thread names its sender.
struct SentMessage {
  EpisodeMessage message;
  bool from_client = false;
  std::string sender_name;
};

class MessagingService {
 public:
  MessagingService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // The episode's messages. NotVisible() (audited) for anyone who may not see the episode, and
  // for a guardian with whom the child's messages are not shared (docs/family.md; a guardian
  // only reads); kPermissionDenied for an admin. Audited as a read of the episode's messages.
  Result<MessageThread> Thread(const Actor& actor, EpisodeId episode_id);

  // The client or the therapist sends `body` (field "body", domain/messaging.h's rules) to the
  // other; they are told live and by an e-mail without the words. kPermissionDenied for anyone
  // else who sees the episode; kFailedPrecondition once the episode has ended. Audited.
  Result<SentMessage> Send(const Actor& actor, EpisodeId episode_id, std::string_view body);

  // Read receipts: the client or the therapist has opened the messages up to `up_to` (field
  // "up_to", a message of this episode); the other's unread ones among them are marked read now.
  // Returns how many were. A supervisor's reading marks nothing. Audited when any were marked.
  Result<int> MarkRead(const Actor& actor, EpisodeId episode_id, MessageId up_to);

  // A client's own messages, every episode of theirs, for them to keep (their right to a copy
  // of their data). kPermissionDenied for anyone but a client. Audited as a read of each.
  Result<std::vector<MessageThread>> ExportOwn(const Actor& actor);

  const Clock& clock() const { return clock_; }

 private:
  // The thread of an episode the actor may see, without its audit entry.
  Result<MessageThread> Load(const Actor& actor, const Episode& episode);

  Store& store_;
  const Clock& clock_;
};

}  // namespace rapport
