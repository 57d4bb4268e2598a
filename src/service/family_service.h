#pragma once
// FamilyService: the adults around a child in therapy, as the care team records them and as the
// young person and each guardian may see them.
//  - Each guardian's standing (relationship, legal authority, contact preferences) and what they
//    see of the record: the care team's choice for them, else the clinic's policy for the child's
//    age band (domain/family.h). Nothing by default under a court order.
//  - Consent by guardians and assent by the child, each dated and renewed by a new record; what is
//    missing for the child's age band.
//  - A young person's confidential plan items, which no guardian sees, and the safety
//    disclosures by which the therapist, for a stated reason, shows one of them to one guardian.
//    The young person is told.
// Who: the child themself sees all of it about themself (so an adolescent knows what their
// guardians can see); the care team (a therapist or supervisor with clinical access) sees and
// records it; a guardian sees only their own standing, what they see and their own consents;
// an admin nothing (kPermissionDenied). Every read and write is audited.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/family.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct GuardianStandingView {
  GuardianLinkId link_id = 0;
  UserId guardian_id = 0;
  std::string guardian_name;
  GuardianStanding standing;       // as recorded, or DefaultStanding
  bool standing_recorded = false;  // false: nothing recorded yet
  GuardianSections sees;           // what they see now
  bool sees_by_policy = true;      // from the clinic's policy (not the care team's choice)
};

struct ConsentView {
  CareConsent consent;
  ConsentState state = ConsentState::kCurrent;
  bool latest = false;        // the record that counts now for its kind (and guardian)
  std::string given_by_name;  // the guardian's, or the child's for assent and own consent
  std::string recorded_by_name;
};

// A problem or goal of the young person's plan that no guardian sees.
struct ConfidentialItem {
  EpisodeId episode_id = 0;
  std::string key;
  std::string kind;   // "problem" or "goal"
  std::string words;  // the client's words for a problem, the goal's description
};

struct DisclosureView {
  SafetyDisclosure disclosure;
  std::string guardian_name;
  std::string item_words;
  std::string disclosed_by_name;
};

struct FamilyView {
  UserId child_id = 0;
  std::string child_name;
  AgeBand band = AgeBand::kAdult;
  int age = -1;                                 // -1 when the date of birth is unknown
  std::vector<GuardianStandingView> guardians;  // active links; a guardian: only their own
  std::vector<ConsentView> consents;            // in the order recorded
  std::vector<ConsentKind> missing;             // empty for a guardian
  std::vector<ConfidentialItem> confidential;   // empty for a guardian
  std::vector<DisclosureView> disclosures;      // empty for a guardian
};

class FamilyService {
 public:
  FamilyService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // The family around client `child_id`, as the actor may see it (above). NotVisible() (audited)
  // for anyone who may not see the client. Audited as a read of the child's family.
  Result<FamilyView> Family(const Actor& actor, UserId child_id);

  // The care team: records guardian link `link_id`'s standing (ValidatedStanding's fields;
  // `sections` none to follow the clinic's policy). The link must be active. Audited.
  Result<GuardianStandingView> SetStanding(const Actor& actor, GuardianLinkId link_id,
                                           GuardianStanding input);

  // The care team: records a consent or assent for client `child_id` (ValidatedConsent's fields;
  // a guardian's consent names an active link of the child). A renewal is a new record.
  // Audited.
  Result<ConsentView> RecordConsent(const Actor& actor, UserId child_id, CareConsent input);

  // The episode's therapist or their supervisor: shows confidential item `item_key` of the
  // episode's plan to the guardian of active link `link_id`, for `reason` (ValidatedDisclosure).
  // Never undone; the young person is told. Audited.
  Result<DisclosureView> DiscloseForSafety(const Actor& actor, EpisodeId episode_id,
                                           GuardianLinkId link_id, const std::string& item_key,
                                           const std::string& reason);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace rapport
