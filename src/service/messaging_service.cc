#include "service/messaging_service.h"

#include <fmt/format.h>

#include <algorithm>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/tell.h"

namespace rapport {

namespace {

using audit::Id;

constexpr std::string_view kRecord = "episode_messages";

// Messages are the client's and their therapist's; a supervisor reads them as part of the
// record. Never an admin's; a guardian only reads a thread shared with them (Thread).
Status RequireMessagingRole(const Actor& actor) {
  if (actor.role == Role::kGuardian) {
    return Fail(Error::PermissionDenied(
        "Messages are between the client and their therapist; a guardian does not write them."));
  }
  return RequireRole(actor, {Role::kClient, Role::kTherapist, Role::kSupervisor});
}

// The client or the therapist of the episode: the two people a message goes between.
bool IsParty(const Actor& actor, const Episode& episode) {
  return (actor.role == Role::kClient && actor.user_id == episode.client_id) ||
         (actor.role != Role::kClient && actor.user_id == episode.therapist_id);
}

}  // namespace

Result<MessageThread> MessagingService::Load(const Actor& actor, const Episode& episode) {
  MessageThread thread;
  thread.episode = episode;
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(thread.client_name, names.Client(episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(thread.therapist_name, names.User(episode.therapist_id));
  RAPPORT_ASSIGN_OR_RETURN(thread.messages, store_.ListEpisodeMessages(episode.id));
  const bool party = IsParty(actor, episode);
  if (!party) {
    thread.closed_reason = "Only the client and their therapist write messages here.";
  } else if (episode.status == EpisodeStatus::kEnded) {
    thread.closed_reason = "This course of care has ended: its messages can be read, not added to.";
  } else {
    thread.can_write = true;
  }
  if (party) {
    thread.unread = static_cast<int>(
        std::count_if(thread.messages.begin(), thread.messages.end(), [&](const EpisodeMessage& m) {
          return m.sender_id != actor.user_id && !m.read_at.has_value();
        }));
  }
  return thread;
}

Result<MessageThread> MessagingService::Thread(const Actor& actor, EpisodeId episode_id) {
  // A guardian may read (never write in) a child's messages where the care team or the clinic's
  // policy for the child's age shares them; by default only a young child's.
  if (actor.role != Role::kGuardian) {
    RAPPORT_RETURN_IF_ERROR(RequireMessagingRole(actor));
  }
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(store_, actor, episode.client_id,
                                                 GuardianSection::kMessages, kRecord, episode.id));
  RAPPORT_ASSIGN_OR_RETURN(MessageThread thread, Load(actor, episode));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{std::string(kRecord), Id(episode.id)}}));
  return thread;
}

Result<SentMessage> MessagingService::Send(const Actor& actor, EpisodeId episode_id,
                                           std::string_view body) {
  RAPPORT_RETURN_IF_ERROR(RequireMessagingRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  if (!IsParty(actor, episode)) {
    return Fail(Error::PermissionDenied("Only the client and their therapist write messages."));
  }
  RAPPORT_ASSIGN_OR_RETURN(std::string words, NormalizeMessageBody(body));
  const bool from_client = actor.user_id == episode.client_id;
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(std::string sender_name,
                           from_client ? names.Client(actor.user_id) : names.User(actor.user_id));
  EpisodeMessage message{
      0, actor.clinic_id, episode.id, actor.user_id, std::move(words), clock_.Now(), std::nullopt};
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    // Read again inside the write: an episode ended meanwhile takes no more messages.
    RAPPORT_ASSIGN_OR_RETURN(const Episode current, txn.GetEpisode(episode.id));
    if (current.status == EpisodeStatus::kEnded) {
      return Fail(Error::FailedPrecondition(
          "This course of care has ended, so messages can no longer be sent here."));
    }
    RAPPORT_ASSIGN_OR_RETURN(message.id, txn.InsertEpisodeMessage(message));
    RAPPORT_ASSIGN_OR_RETURN(const User recipient,
                             txn.GetUser(from_client ? episode.therapist_id : episode.client_id));
    if (recipient.active) {
      RAPPORT_RETURN_IF_ERROR(
          Tell(txn, recipient,
               Message{"message", fmt::format("message:{}", message.id), "Rapport: a new message",
                       fmt::format("{} sent you a message in Rapport. Sign in to read it; for your "
                                   "privacy, messages are never put in e-mail.",
                                   sender_name),
                       Json{{"type", "message"},
                            {"episode_id", episode.id},
                            {"message_id", message.id},
                            {"from", from_client ? "client" : "therapist"}}},
               message.sent_at));
    }
    return audit::Append(txn, actor, message.sent_at, "create", "episode_message", Id(message.id));
  }));
  return SentMessage{std::move(message), from_client, std::move(sender_name)};
}

Result<int> MessagingService::MarkRead(const Actor& actor, EpisodeId episode_id, MessageId up_to) {
  RAPPORT_RETURN_IF_ERROR(RequireMessagingRole(actor));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<EpisodeMessage> messages,
                           store_.ListEpisodeMessages(episode.id));
  if (std::none_of(messages.begin(), messages.end(),
                   [&](const EpisodeMessage& m) { return m.id == up_to; })) {
    return Fail(Error::Field("up_to", "is not a message of this episode"));
  }
  // A supervisor reading over the therapist's shoulder is not the therapist reading.
  if (!IsParty(actor, episode)) return 0;
  const Timestamp now = clock_.Now();
  int marked = 0;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(marked,
                             txn.MarkEpisodeMessagesRead(episode.id, actor.user_id, up_to, now));
    if (marked == 0) return Ok();
    return audit::Append(txn, actor, now, "update", std::string(kRecord), Id(episode.id));
  }));
  return marked;
}

Result<std::vector<MessageThread>> MessagingService::ExportOwn(const Actor& actor) {
  if (actor.role != Role::kClient) {
    return Fail(Error::PermissionDenied("Only a client exports their own messages."));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      std::vector<Episode> episodes,
      VisibleEpisodesOfClient(store_, actor, actor.user_id, ClientAccess::kClinical));
  std::vector<MessageThread> threads;
  std::vector<audit::Touch> touched;
  for (const Episode& e : episodes) {
    RAPPORT_ASSIGN_OR_RETURN(MessageThread thread, Load(actor, e));
    touched.push_back({std::string(kRecord), Id(e.id)});
    threads.push_back(std::move(thread));
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return threads;
}

}  // namespace rapport
