#pragma once
// ClinicService: the people and care records of a clinic: clients, guardians,
// episodes, appointments, therapists and users.
//
// Guarantees: every call checks access through service/access.h; every read or write of
// clinical data (clients, episodes, appointments, guardian links) appends an audit entry in the
// same Store write as the change (reads append "read" entries before the data is returned);
// invalid input is kInvalidArgument with FieldErrors named after the JSON fields and nothing is
// stored. Records the actor may not see are kNotFound, exactly like missing ones.
//
// Thread-safe (all state is in the Store). Does not own the Store or the Clock.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "store/store.h"

namespace rapport {

class Names;

struct EpisodeView {
  EpisodeId id = 0;
  UserId client_id = 0;
  UserId therapist_id = 0;
  std::string therapist_name;
  EpisodeStatus status = EpisodeStatus::kIntake;
  Timestamp started_at = 0;
  std::optional<Timestamp> ended_at;
};

// One row of a client list.
struct ClientSummary {
  User user;
  ClientProfile profile;
  bool minor = false;
};

// One guardian link as staff, the guardian or the client see it.
struct GuardianLinkView {
  GuardianLinkId id = 0;
  UserId child_id = 0;
  std::string child_name;
  // The guardian's account: only once they have accepted. Before, the link shows only what
  // staff typed, so that asking never tells staff whether or whose account an address has.
  UserId guardian_id = 0;
  std::string display_name;  // the guardian's own once accepted; before, the name staff gave
  std::string email;         // staff only; empty for everyone else
  GuardianLinkState state = GuardianLinkState::kAwaitingGuardian;
  std::string exception_reason;
  std::string requested_by_name;
  Timestamp requested_at = 0;
  std::optional<Timestamp> accepted_at;
  std::string consent_recorded_by_name;
  std::optional<Timestamp> consent_recorded_at;
  std::string consent_note;
};

struct ClientDetail {
  User user;
  ClientProfile profile;
  bool minor = false;
  // False for a guardian when the clinic does not share clinical detail: `episodes` is empty.
  bool clinical = true;
  std::vector<EpisodeView> episodes;  // newest first
  // Staff with clinical access see every link in every state; others see active links only.
  std::vector<GuardianLinkView> guardians;
};

struct NewClientInput {
  std::string display_name;    // "display_name"
  std::string email;           // "email"
  std::string date_of_birth;   // "date_of_birth", optional ("YYYY-MM-DD")
  std::string preferred_name;  // "preferred_name", optional
  // "therapist_id": who opens the intake episode. A therapist may leave it 0 (themself);
  // a supervisor must name a therapist they supervise.
  UserId therapist_id = 0;
};

struct NewGuardianInput {
  std::string display_name;  // "display_name"
  std::string email;         // "email"
  // "delivery": how the invitation reaches a guardian who has no password yet.
  LinkDelivery delivery = LinkDelivery::kEmail;
  // "exception_reason": required when the client is not under the clinic's age of majority
  // (or their date of birth is unknown): why this adult has a guardian (say, a court order).
  std::string exception_reason;
};

struct GuardianAdded {
  GuardianLinkView link;  // awaiting the guardian
  // Only when handed over in person, to a guardian with no password yet. By e-mail the person
  // gets an invitation, or a request to sign in and accept when they have an account, and the
  // answer is the same either way.
  std::optional<InvitationLink> invitation;
};

// Some of a clinic's settings; those left out keep their stored values.
struct ClinicSettingsChange {
  std::optional<bool> share_with_guardians;
  std::optional<bool> allow_link_feedback;
  std::optional<int> plan_review_sessions;
  std::optional<int> plan_review_days;
  std::optional<int> age_of_majority;
  std::optional<int> cancel_notice_hours;
  std::optional<bool> outcome_informed_matching;
  std::optional<bool> clients_may_read_notes;
  std::optional<int> fit_check_after_hours;
  std::optional<int> repair_within_hours;
  std::optional<int> no_contact_after_days;
  std::optional<int> min_outcome_episodes;
  std::optional<int> adolescent_from_age;
  std::optional<int> minor_consent_age;
  std::optional<GuardianPolicy> guardian_policy;
};

struct AppointmentView {
  Appointment appointment;
  UserId client_id = 0;
  std::string client_name;
  UserId therapist_id = 0;
  std::string therapist_name;
};

struct NewAppointmentInput {
  Timestamp starts_at = 0;                  // "starts_at"
  int duration_minutes = 50;                // "duration_minutes"
  Modality modality = Modality::kInPerson;  // "modality"
};

// Only the fields that are set change.
struct AppointmentChange {
  std::optional<AppointmentStatus> status;  // "status", via CheckAppointmentTransition
  std::optional<Timestamp> starts_at;       // "starts_at", only while scheduled
  std::optional<int> duration_minutes;      // "duration_minutes"
  std::optional<Modality> modality;         // "modality"
};

struct TherapistSummary {
  UserId id = 0;
  std::string display_name;
  std::string credentials;
  bool accepting_new_clients = true;
};

struct NewUserInput {
  std::string email;          // "email"
  std::string display_name;   // "display_name"
  Role role = Role::kClient;  // "role"
  std::string password;       // "password", optional: empty means invite
  ClinicId clinic_id = 0;     // only for the system actor; others act in their own clinic
};

struct UserCreated {
  User user;
  std::optional<InvitationLink> invitation;  // when no password was given
};

class ClinicService {
 public:
  ClinicService(Store& store, const Clock& clock, AuthOptions auth_options = {});

  // --- Clients (therapist, supervisor, client, guardian; admin: kPermissionDenied) ---------

  // The clients the actor may see, by display name: a therapist's caseload, a supervisor's
  // supervisees' caseloads, a client themself, a guardian's children.
  Result<std::vector<ClientSummary>> ListClients(const Actor& actor);
  // Therapist or supervisor. Creates the client user (no password) and profile, and opens an
  // intake episode with the treating therapist, all in one write; returns the new record.
  Result<ClientDetail> CreateClient(const Actor& actor, const NewClientInput& input);
  Result<ClientDetail> GetClient(const Actor& actor, UserId client_id);
  // The country whose crisis lines the client sees ("GB"; "" for the clinic's own). Therapist or
  // supervisor with clinical access; kInvalidArgument "country" unless two capital letters or
  // empty. Returns the client as now stored.
  Result<ClientDetail> SetClientCountry(const Actor& actor, UserId client_id,
                                        const std::string& country);

  // How to reach the client and whom to call: the client themself, or their therapist or
  // supervisor (clinical access). Empty details (updated_at 0) when nothing is known yet. The
  // reading is audited ("client_contact").
  Result<ContactDetails> GetContact(const Actor& actor, UserId client_id);
  // The same people replace the details (preferred_name goes to the client's profile); audited
  // as an update of "client_contact". Returns what is now stored.
  Result<ContactDetails> UpdateContact(const Actor& actor, UserId client_id,
                                       ContactDetails details);

  // --- Guardians ---------------------------------------------------------------------------
  // A link shares nothing until the guardian accepts it and staff record consent to share.

  // Therapist or supervisor with clinical access to the child, who is under the clinic's age of
  // majority or has an exception recorded with this request. Asks the guardian (creating their
  // account and invitation if new, else e-mailing them to sign in and accept). Asking again for
  // a link still awaiting the guardian sends their invitation again.
  Result<GuardianAdded> AddGuardian(const Actor& actor, UserId child_id,
                                    const NewGuardianInput& input);
  // The guardian: their links in every state, so that they can accept or decline.
  Result<std::vector<GuardianLinkView>> ListOwnGuardianLinks(const Actor& actor);
  // The guardian named in the link. kFailedPrecondition when already accepted.
  Result<GuardianLinkView> AcceptGuardianLink(const Actor& actor, GuardianLinkId id);
  // Therapist or supervisor with clinical access to the child: consent to share with this
  // guardian is recorded, with whose consent and how (`note`, field "note", required).
  Result<GuardianLinkView> RecordGuardianConsent(const Actor& actor, GuardianLinkId id,
                                                 const std::string& note);
  // The guardian (declining or leaving) or staff with clinical access to the child: the link
  // ends and shares nothing from now on.
  Status RemoveGuardianLink(const Actor& actor, GuardianLinkId id);

  // --- Episodes ----------------------------------------------------------------------------

  // Therapist (for themself; therapist_id 0 means themself) or supervisor (for a supervisee),
  // for a client they can see clinically.
  Result<EpisodeView> CreateEpisode(const Actor& actor, UserId client_id, UserId therapist_id);
  Result<EpisodeView> GetEpisode(const Actor& actor, EpisodeId id);
  // The episode's therapist or their supervisor; kFailedPrecondition on a forbidden move.
  Result<EpisodeView> SetEpisodeStatus(const Actor& actor, EpisodeId id, EpisodeStatus status);

  // --- Appointments ------------------------------------------------------------------------

  // The episode's therapist or their supervisor; kFailedPrecondition when the episode ended.
  Result<AppointmentView> CreateAppointment(const Actor& actor, EpisodeId episode_id,
                                            const NewAppointmentInput& input);
  // Anyone who may see the episode's client at least at kBasic; ordered by time.
  Result<std::vector<AppointmentView>> ListAppointments(const Actor& actor, EpisodeId episode_id);
  Result<AppointmentView> UpdateAppointment(const Actor& actor, AppointmentId id,
                                            const AppointmentChange& change);
  // Scheduled appointments from now on, soonest first, at most `limit`: a client's own, a
  // guardian's children's, a therapist's caseload's, a supervisor's supervisees'.
  Result<std::vector<AppointmentView>> ListUpcomingAppointments(const Actor& actor, int limit = 50);

  // --- Therapists and users ----------------------------------------------------------------

  // Active therapists of the actor's clinic (any signed-in role).
  Result<std::vector<TherapistSummary>> ListTherapists(const Actor& actor);
  // Admin (or system): all users of the clinic.
  Result<std::vector<User>> ListUsers(const Actor& actor);
  // Admin (or system). A therapist gets a therapist profile, a client a client profile.
  // kAlreadyExists (field "email") when the email is taken.
  Result<UserCreated> CreateUser(const Actor& actor, const NewUserInput& input);
  // Admin (or system): the user can no longer sign in; their sessions end. Not oneself.
  Status DeactivateUser(const Actor& actor, UserId user_id);
  // Admin (or system): `supervisor_id` supervises `therapist_id` (both of the clinic).
  Status AddSupervision(const Actor& actor, UserId supervisor_id, UserId therapist_id);
  // The actor's own clinic (any signed-in role: the UI shows its name).
  Result<Clinic> GetClinic(const Actor& actor);
  // Admin only: what the clinic shares (e.g. clinical detail with guardians). Audited.
  Result<Clinic> UpdateClinicSettings(const Actor& actor, const ClinicSettings& settings);
  // Admin only: the settings given, applied to those stored inside the same write, so that two
  // admins changing different settings at once both keep their change. Audited.
  Result<Clinic> ChangeClinicSettings(const Actor& actor, const ClinicSettingsChange& change);
  // System only: a new clinic (for `rapport user add` on an empty database).
  Result<ClinicId> CreateClinic(const Actor& actor, const std::string& name);

 private:
  // What `link` shows; the guardian's address only `for_staff`.
  Result<GuardianLinkView> LinkView(Names& names, const GuardianLink& link, bool for_staff);
  // The link when the actor is its guardian or staff with clinical access to its child.
  Result<GuardianLink> RequireGuardianLink(const Actor& actor, GuardianLinkId id);

  Store& store_;
  const Clock& clock_;
  AuthOptions auth_options_;
};

}  // namespace rapport
