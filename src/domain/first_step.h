#pragma once
// A calm first step: the short preparation a client may write before a first session (what
// brings them, what they hope for, what worries them about therapy) and choose to share with
// their therapist. Pure.

#include <cstddef>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

// Each answer is at most this many characters: a few paragraphs, not a life story.
inline constexpr std::size_t kMaxFirstStepChars = 2000;

struct FirstStep {
  UserId client_id = 0;
  std::string brings;   // what brings them
  std::string hopes;    // what they hope for
  std::string worries;  // what worries them about therapy
  bool shared = false;  // the therapist sees it only when the client chose to share it
  Timestamp updated_at = 0;
  bool operator==(const FirstStep&) const = default;
};

// Reads {"brings", "hopes", "worries", "shared"} (all optional texts, `shared` a boolean; the
// read-only "client_id" and "updated_at" are ignored so a page can send back what it read). Texts
// are trimmed, line ends made "\n", at most kMaxFirstStepChars characters, without control or
// bidirectional characters. Every problem at once, naming the field.
Result<FirstStep> FirstStepFromJson(const Json& body);
Json FirstStepToJson(const FirstStep& step);

}  // namespace rapport
