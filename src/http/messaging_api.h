#pragma once
// The routes of secure messages between sessions: an episode's messages
// (GET /api/v1/episodes/{id}/messages), sending one (POST .../messages), read receipts
// (POST .../messages/read) and the client's export of their own messages
// (GET /api/v1/me/messages/export, a JSON file). Each route calls one MessagingService method
// and translates.

#include <string>

#include "core/json.h"
#include "domain/people.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class MessagingService;
struct EpisodeMessage;
struct MessageThread;

void AddMessagingRoutes(Router& router, AuthService& auth, MessagingService& messaging);

// One message as `reader` sees it ("mine" when they sent it).
Json EpisodeMessageJson(const EpisodeMessage& message, bool from_client,
                        const std::string& sender_name, UserId reader);
Json MessageThreadJson(const MessageThread& thread, UserId reader);

}  // namespace rapport
