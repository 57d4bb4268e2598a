#pragma once
// Ruptures in the working relationship and their repair, as a record (docs/course.md): the
// therapist notes a rupture (after a rapport alert, or a moment in a session) and the repair
// conversation, and reads whether the Rapport Checks after it recovered; a supervisor sees the
// ruptures of their supervisees still waiting for a repair note past the clinic's time.
//
// Access: the care team only. Noting and repairing: the episode's therapist or their supervisor.
// Reading an episode's ruptures: the same. The waiting list: a supervisor, of the therapists they
// supervise. Clients, guardians and admins never. Every read is audited.
// Thread-safe (all state is in the Store). Borrows everything it is given.

#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/rupture.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

class Names;

struct RuptureView {
  Rupture rupture;
  Recovery recovery;
  std::string noted_by_name;
  std::string repaired_by_name;  // empty until repaired
};

struct WaitingRupture {
  Rupture rupture;
  std::string client_name;
  std::string therapist_name;
  UserId therapist_id = 0;
  Timestamp waiting_ms = 0;  // since it was noted
};

class RuptureService {
 public:
  RuptureService(Store& store, const Clock& clock, const InstrumentCatalog& catalog);

  // kInvalidArgument naming the field for a bad note, or an alert_id that is not an alert of
  // this episode; kFailedPrecondition when the episode has ended.
  Result<RuptureView> Note(const Actor& actor, EpisodeId episode_id, const RuptureNote& note);
  // Once; kFailedPrecondition (409) when the rupture has its repair note already.
  Result<RuptureView> Repair(const Actor& actor, RuptureId id, const RepairNote& repair);
  // By when they were noted, each with its recovery by the episode's Rapport Checks.
  Result<std::vector<RuptureView>> OfEpisode(const Actor& actor, EpisodeId episode_id);
  // The supervisor's: unrepaired past the clinic's repair_within_hours, oldest first.
  Result<std::vector<WaitingRupture>> Unrepaired(const Actor& actor);

 private:
  Result<std::vector<RapportPoint>> RapportChecks(EpisodeId episode_id, double& cutoff);
  Result<RuptureView> ViewOf(const Rupture& rupture);
  Result<RuptureView> ViewOf(const Rupture& rupture, std::span<const RapportPoint> checks,
                             double cutoff, Names& names);

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
};

}  // namespace rapport
