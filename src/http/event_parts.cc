#include "http/event_parts.h"

#include <fmt/format.h>

#include <limits>

#include "core/json.h"

namespace rapport {

namespace {

// The bytes JSON takes to write byte `c` inside a string (nlohmann's escapes; UTF-8 as is).
std::size_t EscapedSize(unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
    case '\b':
    case '\t':
    case '\n':
    case '\f':
    case '\r': return 2;
    default: return c < 0x20 ? 6 : 1;
  }
}

bool ContinuationByte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

std::string PartHead(std::string_view to, std::string_view from, std::uint64_t id, int index,
                     int count) {
  return fmt::format(R"({},"from":"{}","kind":"part","id":{},"index":{},"count":{},"text":)",
                     RoomEventPrefix(to), from, id, index, count);
}

}  // namespace

std::string RoomEventPrefix(std::string_view to) {
  return fmt::format(R"({{"room":{{"to":"{}")", to);
}

std::vector<std::string> SplitEvent(std::string_view message, std::string_view to,
                                    std::string_view from, std::uint64_t id, std::size_t limit) {
  // The head with the widest numbers it can hold, the text's quotes and the closing braces.
  const std::size_t overhead = PartHead(to, from, std::numeric_limits<std::uint64_t>::max(),
                                        kMostEventParts, kMostEventParts)
                                   .size() +
                               4;
  if (limit <= overhead + 6) return {};
  const std::size_t budget = limit - overhead;
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = start;
    std::size_t cost = 0;
    while (end < message.size()) {
      const std::size_t next = EscapedSize(static_cast<unsigned char>(message[end]));
      if (cost + next > budget) break;
      cost += next;
      ++end;
    }
    // Never between the bytes of one character.
    while (end < message.size() && end > start &&
           ContinuationByte(static_cast<unsigned char>(message[end]))) {
      --end;
    }
    if (end == start) return {};
    pieces.push_back(message.substr(start, end - start));
    start = end;
  }
  if (pieces.size() > static_cast<std::size_t>(kMostEventParts)) return {};
  std::vector<std::string> parts;
  const int count = static_cast<int>(pieces.size());
  for (int i = 0; i < count; ++i) {
    const Json text = std::string(pieces[static_cast<std::size_t>(i)]);
    parts.push_back(PartHead(to, from, id, i, count) +
                    text.dump(-1, ' ', false, Json::error_handler_t::replace) + "}}");
  }
  return parts;
}

std::optional<std::string> EventJoiner::Add(const std::string& from, std::uint64_t id, int index,
                                            int count, std::string_view text) {
  if (count < 1 || count > kMostEventParts || index < 0 || index >= count) {
    partial_.erase(from);
    return std::nullopt;
  }
  if (index == 0) partial_[from] = Partial{.id = id, .next = 0, .count = count, .text = {}};
  const auto it = partial_.find(from);
  if (it == partial_.end() || it->second.id != id || it->second.next != index ||
      it->second.count != count) {
    if (it != partial_.end()) partial_.erase(it);
    return std::nullopt;
  }
  it->second.text += text;
  if (++it->second.next < count) return std::nullopt;
  std::string whole = std::move(it->second.text);
  partial_.erase(it);
  return whole;
}

}  // namespace rapport
