#include "domain/messaging.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace rapport {

Result<std::string> NormalizeMessageBody(std::string_view text) {
  if (!IsCleanUtf8(text)) return Fail(Error::Field("body", "must be text"));
  std::string lines;
  lines.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      lines += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      lines += text[i];
    }
  }
  std::string body(Trim(lines));
  if (body.empty()) return Fail(Error::Field("body", "write a message first"));
  std::size_t characters = 0;
  for (const char c : body) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (characters > kMaxMessageChars) {
    return Fail(Error::Field(
        "body", fmt::format("is too long (at most {} characters); send it in parts, or keep it "
                            "for your next session",
                            kMaxMessageChars)));
  }
  if (HasInvisibleControls(body)) {
    return Fail(Error::Field("body", "holds a character that hides or reverses text"));
  }
  for (const char c : body) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t') {
      return Fail(Error::Field("body", "holds a control character"));
    }
  }
  return body;
}

std::string MessageSealContext(const EpisodeMessage& message) {
  return fmt::format("rapport/episode_message/v1:{}:{}:{}:{}", message.clinic_id,
                     message.episode_id, message.sender_id, message.sent_at);
}

}  // namespace rapport
