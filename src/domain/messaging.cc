#include "domain/messaging.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace rapport {

Result<std::string> NormalizeMessageBody(std::string_view text) {
  auto body = NormalizeParagraphs(text, "body", kMaxMessageChars, /*required=*/false);
  if (!body) {
    const std::string& problem = body.error().fields.front().message;
    if (problem.starts_with("is too long")) {
      return Fail(Error::Field(
          "body", fmt::format("is too long (at most {} characters); send it in parts, or keep it "
                              "for your next session",
                              kMaxMessageChars)));
    }
    return body;
  }
  if (body->empty()) return Fail(Error::Field("body", "write a message first"));
  return body;
}

std::string MessageSealContext(const EpisodeMessage& message) {
  return fmt::format("rapport/episode_message/v1:{}:{}:{}:{}", message.clinic_id,
                     message.episode_id, message.sender_id, message.sent_at);
}

}  // namespace rapport
