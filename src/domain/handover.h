#pragma once
// Changing therapist: a client's request (no reason needed) or a therapist's referral, and the
// handover packet the client reviews before anyone new sees it. The packet is assembled from the
// record (the plan, the measures) and the client's own words (what helped, what did not, what
// they would like from the next therapist); the client chooses which sections are shared, and
// only those are ever stored in the shared packet. Pure: the service layer reads the record,
// checks access and audits.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/ending.h"
#include "domain/people.h"

namespace rapport {

using TherapistChangeId = std::int64_t;

// Not `ChangeKind`: domain/people.h has that name for an appointment's cancel or move.
enum class TherapistChangeKind {
  kClientRequest,  // "client-request": the client asked, privately, for someone else
  kReferral,       // "referral": the therapist refers, with a reason
};
std::string_view ToString(TherapistChangeKind kind);

enum class ChangeStatus {
  kAwaitingConsent,  // "awaiting-consent": the client has not yet reviewed the packet
  kConsented,        // "consented": reviewed and agreed; waiting for the intake coordinator
  kDone,             // "done": the old episode ended, the new one (if any) started
  kWithdrawn,        // "withdrawn": the client (or the referring therapist) took it back
};
std::string_view ToString(ChangeStatus status);
Result<ChangeStatus> ParseChangeStatus(std::string_view text);  // field "status"
bool IsOpen(ChangeStatus status);                               // awaiting consent or consented

enum class PacketSection {
  kPlan,         // "plan": the problems and goals of the plan in force, and their attainment
  kMeasures,     // "measures": each questionnaire's first and latest scores, with reliable change
  kWhatHelped,   // "what-helped": what helped and what did not
  kPreferences,  // "preferences": what the client would like from their next therapist
};
std::string_view ToString(PacketSection section);
Result<PacketSection> ParsePacketSection(std::string_view text);  // field "share"
inline constexpr PacketSection kAllSections[] = {PacketSection::kPlan, PacketSection::kMeasures,
                                                 PacketSection::kWhatHelped,
                                                 PacketSection::kPreferences};

// The packet: each section is present only where shared. Built as a draft with every section,
// then cut to what the client shares.
struct HandoverPacket {
  std::string client_name;
  std::string from_therapist_name;
  Timestamp started_at = 0;
  int sessions_attended = 0;
  std::set<PacketSection> shared;  // the sections this packet holds
  std::vector<GoalSummary> goals;
  std::optional<double> gas_t_score;
  std::vector<MeasureSummary> measures;
  std::string what_helped;   // the client's words, and the referring therapist's where given
  std::string what_did_not;  // likewise
  std::string preferences;   // the client's words
};

// What the client writes when they review the packet, and which sections they share.
struct PacketConsent {
  std::set<PacketSection> share;  // may be empty: nothing but the client's name goes across
  std::string what_helped;        // 0..4000
  std::string what_did_not;       // 0..4000
  std::string preferences;        // 0..4000
};
Result<PacketConsent> PacketConsentFromJson(const Json& body);  // unknown fields are errors

// The packet with only the shared sections: the rest is emptied, never merely hidden.
HandoverPacket SharedOnly(HandoverPacket packet, const std::set<PacketSection>& share);

// Kept as JSON in the store; the same JSON is what the API returns.
Json HandoverPacketToJson(const HandoverPacket& packet);
Result<HandoverPacket> HandoverPacketFromJson(const Json& json);

// A request to change therapist, or a referral, as kept.
struct TherapistChange {
  TherapistChangeId id = 0;
  ClinicId clinic_id = 0;
  EpisodeId episode_id = 0;  // the episode being left
  UserId client_id = 0;
  UserId from_therapist_id = 0;
  TherapistChangeKind kind = TherapistChangeKind::kClientRequest;
  UserId requested_by = 0;
  Timestamp requested_at = 0;
  std::string reason;                     // a referral's reason (1..2000); empty for a client
  std::optional<UserId> to_therapist_id;  // a referral to someone in the clinic
  std::string to_outside;                 // a referral outside the clinic (0..500)
  ChangeStatus status = ChangeStatus::kAwaitingConsent;
  std::optional<Timestamp> consented_at;
  std::optional<HandoverPacket> packet;  // the shared packet, once consented
  std::optional<EpisodeId> new_episode_id;
  std::optional<UserId> decided_by;  // who assigned the new therapist, or withdrew it
  std::optional<Timestamp> decided_at;
};

// A referral's own words: why, and to whom. Every problem at once, each naming its field.
struct ReferralRequest {
  std::string reason;
  std::optional<UserId> to_therapist_id;
  std::string to_outside;
};
Result<ReferralRequest> ReferralRequestFromJson(const Json& body);

// What the client chose after a low Fit Check (a total below its cutoff, or asking to talk about
// a different fit): talk with the therapist about it, try a few more sessions, or ask for a
// different therapist.
enum class FitChoice { kTalk, kMoreSessions, kChange };
std::string_view ToString(FitChoice choice);              // "talk", "more-sessions", "change"
Result<FitChoice> ParseFitChoice(std::string_view text);  // field "choice"

struct FitFollowup {
  EpisodeId episode_id = 0;
  std::int64_t response_id = 0;  // the Fit Check answer it follows
  FitChoice choice = FitChoice::kTalk;
  UserId chosen_by = 0;
  Timestamp chosen_at = 0;
};

}  // namespace rapport
