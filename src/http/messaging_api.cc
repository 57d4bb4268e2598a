#include "http/messaging_api.h"

#include "http/route_support.h"
#include "service/messaging_service.h"

namespace rapport {

namespace {

// The body of a new message is checked for its length in characters by the service; this bound
// only stops a body far past it (every character four bytes) before it is read.
constexpr std::size_t kMaxBodyBytes = 4 * kMaxMessageChars + 64;

}  // namespace

Json EpisodeMessageJson(const EpisodeMessage& message, bool from_client,
                        const std::string& sender_name, UserId reader) {
  return {{"id", message.id},
          {"episode_id", message.episode_id},
          {"from", from_client ? "client" : "therapist"},
          {"sender", {{"id", message.sender_id}, {"name", sender_name}}},
          {"mine", message.sender_id == reader},
          {"body", message.body},
          {"sent_at", FormatIso8601(message.sent_at)},
          {"read_at", OptionalTime(message.read_at)}};
}

Json MessageThreadJson(const MessageThread& thread, UserId reader) {
  Json messages = Json::array();
  for (const EpisodeMessage& m : thread.messages) {
    const bool from_client = m.sender_id == thread.episode.client_id;
    messages.push_back(EpisodeMessageJson(
        m, from_client, from_client ? thread.client_name : thread.therapist_name, reader));
  }
  return {{"episode_id", thread.episode.id},
          {"episode_status", std::string(ToString(thread.episode.status))},
          {"client", {{"id", thread.episode.client_id}, {"name", thread.client_name}}},
          {"therapist", {{"id", thread.episode.therapist_id}, {"name", thread.therapist_name}}},
          {"can_write", thread.can_write},
          {"closed_reason", OptionalText(thread.closed_reason)},
          {"unread", thread.unread},
          {"messages", std::move(messages)}};
}

namespace {

// The handlers of AddMessagingRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct MessagingHandlers {
  MessagingService& messaging;

  Reply GetThread(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, messaging.Thread(actor, id),
                   [&](const MessageThread& t) { return MessageThreadJson(t, actor.user_id); });
  }

  Reply Send(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto words = reader.RequiredString("body", kMaxBodyBytes);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, messaging.Send(actor, id, *words), [&](const SentMessage& s) {
      return EpisodeMessageJson(s.message, s.from_client, s.sender_name, actor.user_id);
    });
  }

  Reply MarkRead(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto up_to = reader.RequiredInt("up_to");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, messaging.MarkRead(actor, id, *up_to),
                   [](int marked) { return Json{{"marked", marked}}; });
  }

  Reply ExportOwn(const HttpRequest&, const Actor& actor) const {
    auto threads = messaging.ExportOwn(actor);
    if (!threads) return ErrorReply(threads.error());
    Json episodes = Json::array();
    for (const MessageThread& t : *threads) {
      Json thread = MessageThreadJson(t, actor.user_id);
      thread["started_at"] = FormatIso8601(t.episode.started_at);
      thread.erase("can_write");
      thread.erase("closed_reason");
      thread.erase("unread");
      episodes.push_back(std::move(thread));
    }
    HttpResponse response = HttpResponse::JsonBody(
        200, {{"exported_at", FormatIso8601(messaging.clock().Now())},
              {"about",
               "Your secure messages in Rapport, with each episode of care, as kept "
               "by your clinic."},
              {"episodes", std::move(episodes)}});
    return AsDownload(std::move(response), "rapport-messages.json");
  }
};

}  // namespace

void AddMessagingRoutes(Router& router, AuthService& auth, MessagingService& messaging) {
  using H = MessagingHandlers;
  const H h{messaging};
  router.Add("GET", "/api/v1/episodes/{id}/messages", IdRoute(auth, Bind(h, &H::GetThread)));
  router.Add("POST", "/api/v1/episodes/{id}/messages", IdRoute(auth, Bind(h, &H::Send)));
  router.Add("POST", "/api/v1/episodes/{id}/messages/read", IdRoute(auth, Bind(h, &H::MarkRead)));
  router.Add("GET", "/api/v1/me/messages/export", Authed(auth, Bind(h, &H::ExportOwn)));
}

}  // namespace rapport
