#pragma once
// The Support Check: when a client is not on track, their therapist can send a short check of the
// project's own (not yet validated) on the working relationship, readiness and hope, support
// around them and recent life events; the answers come back beside repair strategies from the
// literature, in plain words and cited (domain/support_check.h, docs/course.md).
//
// Access: sending it, the episode's therapist or their supervisor, on an open episode. Reading it,
// the care team; every read is audited. The client answers it through the feedback form, where it
// is due from the request until answered.
// Thread-safe (all state is in the Store). Borrows everything it is given.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/support_check.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::string_view kSupportCheckCode = "SUPPORT-CHECK";

struct SupportCheckView {
  std::optional<Timestamp> requested_at;  // the latest request
  bool waiting = false;                   // requested and not answered since
  std::optional<Timestamp> answered_at;   // the latest answer
  std::vector<SupportFinding> findings;   // of the latest answer
  std::string life_events_comment;        // what the client chose to say, if anything
};

class SupportService {
 public:
  SupportService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                 std::string base_url);

  // kFailedPrecondition when the episode has ended or the clinic's catalog lacks the check.
  Result<SupportCheckView> Request(const Actor& actor, EpisodeId episode_id);
  Result<SupportCheckView> Of(const Actor& actor, EpisodeId episode_id);

 private:
  Result<SupportCheckView> ViewOf(EpisodeId episode_id);

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  std::string base_url_;
};

}  // namespace rapport
