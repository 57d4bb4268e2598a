#pragma once
// The client's own record (docs/course.md): everything the clinic keeps about a client's therapy
// that the client has been shown, gathered for them to download at any time: every episode of
// care (ended ones included) with its therapist and how it ended, every version of the treatment
// plan they were shown, every answer they (or their guardian) gave with its scores, the secure
// messages, the discharge summary of an ended episode and the handover packet they shared for a
// change of therapist.
//
// Access: the client themself only. Every other role is kPermissionDenied; another client's id is
// NotVisible() (404), audited as denied.
// Audit: one "read" entry of record type "client_record" for the export; the discharge summaries
// are read through CourseService, whose feedback and plan reads audit themselves as they always
// do.
// Thread-safe (all state is in the Store). Borrows everything it is given.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/ending.h"
#include "domain/handover.h"
#include "domain/messaging.h"
#include "domain/plan.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

class CourseService;
class Names;

// Who agreed to a plan version, and when.
struct RecordSignature {
  SignerRole role = SignerRole::kTherapist;
  UserId user_id = 0;
  std::string name;
  Timestamp signed_at = 0;
};

// A version of the plan the client was shown (proposed to them, or decided since): never a draft,
// which is the therapist's working copy until proposed.
struct RecordPlanVersion {
  PlanVersion version;  // as stored: content_json is the whole content
  PlanContent content;  // parsed
  std::vector<RecordSignature> signatures;
};

// One answer to a questionnaire, by the client or their guardian.
struct RecordAnswer {
  FeedbackResponse response;  // as stored: the answers, total, band and scales
  std::string title;          // the questionnaire's plain title ("Your mood"), else its code
  std::string answered_by;    // the name of whoever answered
};

struct RecordMessage {
  EpisodeMessage message;
  std::string sender_name;
  bool from_client = false;
};

// The packet the client shared when they changed therapist (consented to, or done).
struct RecordHandover {
  TherapistChangeId change_id = 0;
  ChangeStatus status = ChangeStatus::kConsented;
  Timestamp consented_at = 0;
  // Who it went to: the new therapist's name, or the place outside the clinic; empty until the
  // clinic has assigned someone.
  std::string shared_with;
  HandoverPacket packet;  // the shared sections only
};

struct RecordEpisode {
  Episode episode;
  std::string therapist_name;
  std::optional<EpisodeEnding> ending;           // how it ended, when that was recorded
  std::vector<RecordPlanVersion> plan_versions;  // oldest first
  int newest_plan_number = 0;  // of all the episode's versions, drafts included (0: none)
  std::map<std::string, bool> homework_done;  // homework key -> latest tick
  std::vector<RecordAnswer> answers;          // oldest first
  std::vector<RecordMessage> messages;        // in the order they were sent
  std::optional<DischargeSummary> summary;    // ended episodes only
  std::vector<RecordHandover> handovers;
};

struct ClientRecord {
  User client;
  ClientProfile profile;
  std::string client_name;  // as the clinic calls them (the preferred name when set)
  std::string clinic_name;
  std::string time_zone;  // the clinic's (IANA), for showing dates
  Timestamp made_at = 0;
  std::vector<RecordEpisode> episodes;  // in the order they started
};

class RecordService {
 public:
  RecordService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                CourseService& course);

  // The whole record of client `client_id`, for that client. kPermissionDenied for any other
  // role; NotVisible() for another client's id.
  Result<ClientRecord> RecordOf(const Actor& actor, UserId client_id);

  const InstrumentCatalog& catalog() const { return catalog_; }

 private:
  Result<RecordEpisode> EpisodeRecord(const Actor& actor, const Episode& episode, Names& names);

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  CourseService& course_;
};

}  // namespace rapport
