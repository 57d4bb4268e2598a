#pragma once
// The one place access to clinical records is decided. Functions of the actor
// and facts read through the Store. They write only one thing: a "denied" audit entry when a
// Require* function refuses a signed-in person a record (someone reaching for records that are
// not theirs is what the trail is for).
//
// Rules:
//  - a therapist sees the clients of their own episodes, and of those clients only their own
//    episodes (ended ones included): another therapist's episode of the same client stays
//    closed to them;
//  - a supervisor sees the clients of the therapists they supervise, and of those clients only
//    the episodes of their supervisees;
//  - a client sees only themself;
//  - a guardian sees a linked child's identity, and of the record only the sections shared with
//    them (domain/family.h SectionsFor: the care team's choice for them, else the clinic's
//    policy for the child's age band; nothing by default under a court order, and only
//    appointments when the clinic's `share_with_guardians` is off). Episodes are visible to them
//    when any clinical section is shared; each service then asks for its own section
//    (RequireGuardianSection), and a young person's confidential plan items never reach them;
//  - an admin manages users and settings and sees the audit log, but no clinical content; as the
//    clinic's intake coordinator they see what a client asked for in a therapist and match them;
//  - nobody sees anything of another clinic.
// Denials of a record the role could in principle see are kNotFound with kNotVisibleMessage, so
// that "not yours" and "does not exist" look the same; a role that can never do an action gets
// kPermissionDenied.

#include <initializer_list>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "domain/family.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

// How much of one client's record an actor may see.
enum class ClientAccess {
  kNone,      // nothing; the client does not exist as far as the actor knows
  kBasic,     // identity (and appointments where shared): a guardian sharing no clinical section
  kClinical,  // everything: episodes, appointments, and the clinical record
};

inline constexpr std::string_view kNotVisibleMessage = "no such record";

// The not-found error every denial of a specific record uses.
Error NotVisible();
// NotVisible(), after a "denied" audit entry for the record: someone reaching for records that
// are not theirs is what an audit exists to show. Best effort: the denial stands even when the
// entry cannot be written (inside another write, a full disk). Nothing is written for the system
// actor.
Error DeniedAndAudited(Store& store, const Actor& actor, std::string_view record_type,
                       std::int64_t id);

// The actor's access to client `client_id` (kNone also when it is not a client or not in the
// actor's clinic). Errors only when the store fails.
Result<ClientAccess> AccessToClient(Store& store, const Actor& actor, UserId client_id);

// What guardian `guardian_id` sees of child `child_id` at `now` (SectionsFor); nothing when they
// are not an active guardian of the child. Errors only when the store fails.
Result<GuardianSections> GuardianSectionsOf(Store& store, UserId guardian_id, UserId child_id,
                                            Timestamp now);

// Passes every actor but a guardian. A guardian passes only when `section` of child `child_id`'s
// record is shared with them now; otherwise NotVisible(), audited as a denial of `record_type`
// `id` (the section is as closed to them as a record they have no link to).
Status RequireGuardianSection(Store& store, const Actor& actor, UserId child_id,
                              GuardianSection section, std::string_view record_type,
                              std::int64_t id);

// Loads client `client_id` when the actor has at least `needed` access; NotVisible() otherwise.
Result<User> RequireClient(Store& store, const Actor& actor, UserId client_id, ClientAccess needed);

// Loads episode `id` when the actor has at least `needed` access to its client and, for staff,
// when the episode is theirs or a supervisee's (MayManageCareOf). Every read and write of an
// episode's record goes through here.
Result<Episode> RequireEpisode(Store& store, const Actor& actor, EpisodeId id, ClientAccess needed);

// The client's episodes the actor may see with `needed` access, in creation order; an episode
// the actor does not treat (a former therapist's) is left out. NotVisible() when the actor may
// not see the client at all.
Result<std::vector<Episode>> VisibleEpisodesOfClient(Store& store, const Actor& actor,
                                                     UserId client_id, ClientAccess needed);

// An appointment with its episode.
struct AppointmentOfEpisode {
  Appointment appointment;
  Episode episode;
};

// Loads appointment `id` and its episode when the actor has at least `needed` access to the
// episode (RequireEpisode), and for a guardian when appointments are shared with them. A missing
// appointment is refused, and audited as denied, exactly as one the actor may not see.
Result<AppointmentOfEpisode> RequireAppointment(Store& store, const Actor& actor, AppointmentId id,
                                                ClientAccess needed);

// Whether staff may see this one episode of a client they can see; true for the client and a
// linked guardian. For filtering lists of a client's episodes.
Result<bool> MaySeeEpisode(Store& store, const Actor& actor, const Episode& episode);

// True when the actor may change episodes and appointments of episodes led by `therapist_id`:
// that therapist themself, or a supervisor of theirs.
Result<bool> MayManageCareOf(Store& store, const Actor& actor, UserId therapist_id);

// Loads episode `id` for a change to its care (its status, appointments, ending): the actor must
// be a therapist or supervisor (kPermissionDenied otherwise), see it (RequireEpisode) and manage
// the care of its therapist (MayManageCareOf), else kPermissionDenied with `denied`.
Result<Episode> RequireEpisodeManager(Store& store, const Actor& actor, EpisodeId id,
                                      std::string_view denied);

// Loads the episode of `alert` when the actor may act on it: its therapist or a supervisor of
// theirs (with clinical access to the client), or a clinician the escalation ladder told about
// this very alert (the on-call clinician who must be able to open what they were woken for).
// NotVisible() otherwise.
Result<Episode> RequireAlertCare(Store& store, const Actor& actor, const FeedbackAlert& alert);

// For an admin (or the command line): user `user_id` of the admin's clinic (any clinic for the
// command line). kPermissionDenied for other roles; NotVisible() for anyone else's user.
Result<User> RequireUserAdministered(Store& store, const Actor& actor, UserId user_id);

// Intake: client `client_id` when the actor is that client, or an admin of the client's clinic
// acting as its intake coordinator (finding a therapist for someone is not clinical content).
// kPermissionDenied for other roles; NotVisible() (audited) for anyone else's client.
Result<User> RequireClientIntake(Store& store, const Actor& actor, UserId client_id);

// kPermissionDenied unless the actor's role is one of `roles` (the system actor passes when
// `allow_system`).
Status RequireRole(const Actor& actor, std::initializer_list<Role> roles,
                   bool allow_system = false);

}  // namespace rapport
