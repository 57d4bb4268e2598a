#pragma once
// Ruptures in the working relationship and their repair, as a record: what happened (after a
// rapport alert, or a moment in a session that did not feel right), the repair conversation (what
// was said, what changes), and whether rapport recovered by the Rapport Checks that followed.
// Also the repair strategies shown beside a support check's answers. Pure: the service layer reads
// the record, checks access and audits.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/feedback.h"
#include "domain/people.h"

namespace rapport {

using RuptureId = std::int64_t;

enum class RuptureSource {
  kRapportAlert,  // "rapport-alert": a Rapport Check's alert (alert_id says which)
  kInSession,     // "in-session": a moment in a session, or the client's "that didn't feel right"
  kOther,         // "other"
};
std::string_view ToString(RuptureSource source);
Result<RuptureSource> ParseRuptureSource(std::string_view text);  // field "source"

inline constexpr std::size_t kMaxRuptureText = 4000;

// What the therapist notes about the rupture: required, 1..4000 bytes after trimming.
struct RuptureNote {
  RuptureSource source = RuptureSource::kInSession;
  std::optional<AlertId> alert_id;  // required for "rapport-alert", refused otherwise
  std::string what_happened;
};
Result<RuptureNote> RuptureNoteFromJson(const Json& body);

// The repair conversation: what was said (required) and what changes (optional), each 0..4000.
struct RepairNote {
  std::string what_was_said;
  std::string what_changes;
};
Result<RepairNote> RepairNoteFromJson(const Json& body);

struct Rupture {
  RuptureId id = 0;
  EpisodeId episode_id = 0;
  UserId noted_by = 0;
  Timestamp noted_at = 0;
  RuptureNote note;
  std::optional<UserId> repaired_by;
  std::optional<Timestamp> repaired_at;
  std::optional<RepairNote> repair;  // written once, then kept as it is
};

// One Rapport Check total, in time order; higher is better.
struct RapportPoint {
  Timestamp at = 0;
  double total = 0;
};

// Whether rapport recovered: the level before the rupture (the latest Rapport Check before it was
// noted, or the Check's cutoff where there was none), the lowest point around it, and the first
// Check after the repair at or above the level before. `recovered_at` is unset while no Check
// after the repair has come back to that level.
struct Recovery {
  std::optional<double> before;            // the latest total before the rupture was noted
  double target = 0;                       // the level that counts as recovered
  std::vector<RapportPoint> after_repair;  // the Checks after the repair, oldest first
  std::optional<Timestamp> recovered_at;
};
Recovery RecoveryOf(const Rupture& rupture, std::span<const RapportPoint> checks, double cutoff);

// Whether a rupture has gone without a repair note for longer than `within_ms` at `now`: what a
// supervisor is shown.
bool IsUnrepairedPast(const Rupture& rupture, Timestamp now, Timestamp within_ms);

Json RuptureToJson(const Rupture& rupture, const Recovery& recovery);

}  // namespace rapport
