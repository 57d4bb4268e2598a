#pragma once
// Changing therapist: what follows a low Fit Check, a client's request for someone else, a
// therapist's referral, the handover packet the client reviews and consents to, and the intake
// coordinator's assignment that ends the old episode and starts the new one (docs/course.md).
//
// Access:
//  - Asking for a change, choosing after a low Fit Check, consenting: the client, for their own
//    open episode. No reason is asked of them.
//  - Referring: the episode's therapist or their supervisor, with a reason.
//  - Seeing a change: the client; the clinic's admins (the intake coordinator); the therapist
//    who referred. A client's own request stays hidden from the therapist they are leaving
//    until it is done. Before consent only the client sees the packet's draft; after it, the
//    admins and whoever may read the handover see the shared packet, and nothing else of it.
//  - Assigning: an admin of the clinic, once the client has consented.
//  - Withdrawing: the client, or the therapist who referred, while it is open.
//  - The handover of an episode that started from one: its therapist, their supervisor and the
//    client. Never the old therapist, another therapist, a guardian or an admin.
// Every change and every read of a packet is audited. Thread-safe (all state is in the Store).
// Borrows everything it is given.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/handover.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

class CourseService;
class Names;

struct ChangeView {
  TherapistChange change;
  std::string client_name;
  std::string from_therapist_name;
  std::string to_therapist_name;   // a referral within the clinic
  std::string new_therapist_name;  // once assigned
  std::string requested_by_name;   // the client, or the therapist or supervisor who referred
  // What this reader may see of the packet: the client's draft (every section) while it awaits
  // their consent, the shared packet after it; nullopt for anyone else before consent.
  std::optional<HandoverPacket> packet;
};

// Whether the client is offered the choice after a low Fit Check, and what they chose last.
struct FitFollowupView {
  bool offer = false;  // a low Fit Check answer without a choice yet
  std::optional<FitFollowup> latest;
  std::optional<TherapistChangeId> open_change;  // the episode's open change, if any
};

struct HandoverView {
  TherapistChangeId change_id = 0;
  EpisodeId from_episode_id = 0;
  HandoverPacket packet;  // only the shared sections exist
};

class TherapistChangeService {
 public:
  TherapistChangeService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                         CourseService& course);

  // The client asks for a different therapist. kFailedPrecondition (409) when the episode has
  // ended or has an open change.
  Result<ChangeView> AskForChange(const Actor& actor, EpisodeId episode_id);
  // The therapist (or their supervisor) refers, to a colleague of the clinic or outside it.
  Result<ChangeView> Refer(const Actor& actor, EpisodeId episode_id,
                           const ReferralRequest& referral);

  Result<ChangeView> Get(const Actor& actor, TherapistChangeId id);
  // Admins: the clinic's changes; a therapist or supervisor: the referrals they made; a client:
  // their own. All, or only those in `status`, by id.
  Result<std::vector<ChangeView>> List(const Actor& actor, std::optional<ChangeStatus> status);

  // The client reviews and consents: only the shared sections of the packet, drafted now from
  // the record as the client sees it and with their own words, are kept.
  Result<ChangeView> Consent(const Actor& actor, TherapistChangeId id,
                             const PacketConsent& consent);
  // The intake coordinator assigns the new therapist (`therapist_id`), or, for a referral outside
  // the clinic, completes it (no therapist): the old episode ends as "transferred" (or "referred
  // out") and the new one starts in intake, in one write.
  Result<ChangeView> Assign(const Actor& actor, TherapistChangeId id,
                            std::optional<UserId> therapist_id);
  Result<ChangeView> Withdraw(const Actor& actor, TherapistChangeId id);

  // The packet that started `episode_id`; kNotFound (NotVisible) when it did not start from one.
  Result<HandoverView> Handover(const Actor& actor, EpisodeId episode_id);

  Result<FitFollowupView> FitFollowupOf(const Actor& actor, EpisodeId episode_id);
  // The client's choice after a low Fit Check; kFailedPrecondition when none is on offer. A
  // "change" opens the change request as AskForChange does; "talk" tells the therapist.
  Result<FitFollowupView> ChooseAfterFit(const Actor& actor, EpisodeId episode_id,
                                         FitChoice choice);

 private:
  Result<ChangeView> Named(Names& names, const TherapistChange& change);
  Result<ChangeView> ViewFor(const Actor& actor, TherapistChange change);
  Result<TherapistChange> Visible(const Actor& actor, TherapistChangeId id);
  Result<HandoverPacket> DraftPacket(const Actor& actor, const TherapistChange& change);
  // Opens `change` of `episode`, running `also` (when set) in the same write first.
  Result<ChangeView> Open(const Actor& actor, const Episode& episode, TherapistChange change,
                          const WriteFn& also = {});

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  CourseService& course_;
};

}  // namespace rapport
