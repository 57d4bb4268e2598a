#pragma once
// The people of a clinic and the episodes of care that relate them: plain value types and the
// pure rules on them (no I/O). Every other layer speaks in these types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace rapport {

using ClinicId = std::int64_t;
using UserId = std::int64_t;
using EpisodeId = std::int64_t;
using AppointmentId = std::int64_t;
using GuardianLinkId = std::int64_t;

enum class Role { kAdmin, kSupervisor, kTherapist, kClient, kGuardian };
std::string_view ToString(Role role);
Result<Role> ParseRole(std::string_view text);

// What of a child's record one guardian sees. Identity (the child's name) is always shown to an
// active guardian; everything else only where shared.
struct GuardianSections {
  bool appointments = false;  // when and how sessions are; a room they are invited to
  bool plan = false;          // the plan, as far as the plan itself shares it with guardians
  bool measures = false;      // how the questionnaires a guardian fills in are going
  bool messages = false;      // reading the child's messages with their therapist
  bool summaries = false;     // the summary written when therapy ends

  friend bool operator==(const GuardianSections&, const GuardianSections&) = default;
};

// What guardians see by default at each of the child's age bands (see domain/family.h), until
// the care team chooses otherwise for one guardian.
struct GuardianPolicy {
  GuardianSections child{true, true, true, true, true};
  GuardianSections adolescent{true, true, true, false, true};
  GuardianSections consenting_minor{true, false, false, false, false};

  friend bool operator==(const GuardianPolicy&, const GuardianPolicy&) = default;
};

struct ClinicSettings {
  // Whether guardians of a child client may see the child's clinical record (plan, measures,
  // messages, summaries) at all. Off: every guardian sees identity and appointments only.
  bool share_with_guardians = true;
  // Whether a client may answer feedback forms from an invitation link without signing in.
  bool allow_link_feedback = true;
  // When a treatment plan falls due for review: after this many completed sessions or this many
  // days since it was agreed or last reviewed, whichever comes first.
  int plan_review_sessions = 6;  // 1..52
  int plan_review_days = 90;     // 1..730
  // A client under this age may have guardians linked without a recorded exception.
  int age_of_majority = 18;  // 14..21
  // How long before an appointment a client should ask to cancel or move it; asking later is
  // still possible and is marked as short notice for the clinic to decide about.
  int cancel_notice_hours = 24;  // 0..168
  // Whether matching leans towards therapists whose own clients have done well with problems
  // like the client's (docs/matching.md); off until the clinic chooses it.
  bool outcome_informed_matching = false;
  // From how many ended episodes in a problem domain a therapist's outcome figures are shown and
  // count in matching.
  int min_outcome_episodes = 10;  // 3..200
  // Whether a client may read their own signed session notes, where the clinic's law gives them
  // that right; off until the clinic chooses it. Every read is audited either way.
  bool clients_may_read_notes = false;
  // How many hours after the client's first session ends the Fit Check is sent.
  int fit_check_after_hours = 24;  // 1..336
  // How long a rupture may wait for its repair note before the therapist's supervisor sees it.
  int repair_within_hours = 72;  // 24..720
  // After how many days without a session, a message or an answer an open episode is flagged to
  // its therapist for a kind follow-up.
  int no_contact_after_days = 45;  // 14..365
  // The clinic's jurisdiction (after the fields above, which tests set by position): from
  // this age a child is an adolescent, and from `minor_consent_age` a young person consents to
  // their own care. What guardians see at each band follows `guardian_policy`.
  int adolescent_from_age = 12;  // 8..minor_consent_age
  int minor_consent_age = 16;    // adolescent_from_age..age_of_majority
  GuardianPolicy guardian_policy{};
};

struct Clinic {
  ClinicId id = 0;
  std::string name;
  ClinicSettings settings;
};

struct User {
  UserId id = 0;
  ClinicId clinic_id = 0;
  std::string email;  // normalised: trimmed, lower case; unique among confirmed in the clinic
  bool email_confirmed = true;  // false: staff-made record whose invitation is not yet accepted
  std::string display_name;     // what the UI shows
  Role role = Role::kClient;
  bool active = true;  // false: cannot sign in; keeps history
  Timestamp created_at = 0;
};

struct TherapistProfile {
  UserId user_id = 0;
  std::string credentials;  // "Clinical psychologist, CBT"
  std::string bio;
  bool accepting_new_clients = true;
};

struct ClientProfile {
  UserId user_id = 0;
  std::string date_of_birth;  // "YYYY-MM-DD"; empty when unknown
  std::string preferred_name;
  std::string country;  // ISO 3166-1 alpha-2 ("GB"); picks the crisis lines; empty: the clinic's
};

// A guardian linked to a client. Staff ask for the link; it shares nothing until the guardian
// has accepted it and staff have recorded consent to share. A client not under the clinic's
// age of majority has a guardian only with a recorded exception (say, a court order).
struct GuardianLink {
  GuardianLinkId id = 0;
  UserId guardian_id = 0;
  UserId child_id = 0;
  UserId requested_by = 0;  // 0: the system (e.g. the demo clinic)
  Timestamp requested_at = 0;
  std::string requested_name;    // the guardian's name as staff gave it
  std::string exception_reason;  // why a client not under the age of majority has a guardian
  std::optional<Timestamp> accepted_at;
  UserId consent_recorded_by = 0;  // 0: the system
  std::optional<Timestamp> consent_recorded_at;
  std::string consent_note;  // whose consent, given how and when
};

enum class GuardianLinkState { kAwaitingGuardian, kAwaitingConsent, kActive };
// "awaiting_guardian", "awaiting_consent", "active".
std::string_view ToString(GuardianLinkState state);
// Awaiting the guardian until they accept, then awaiting consent until it is recorded.
GuardianLinkState StateOf(const GuardianLink& link);
// A link the system records as accepted and consented at `at` (the demo clinic, imports), with
// `note` saying on what grounds.
GuardianLink EstablishedGuardianLink(UserId guardian_id, UserId child_id, Timestamp at,
                                     std::string note);

enum class EpisodeStatus { kIntake, kActive, kEnded };
std::string_view ToString(EpisodeStatus status);
Result<EpisodeStatus> ParseEpisodeStatus(std::string_view text);

// One client's course of care with one therapist.
struct Episode {
  EpisodeId id = 0;
  ClinicId clinic_id = 0;
  UserId client_id = 0;
  UserId therapist_id = 0;
  EpisodeStatus status = EpisodeStatus::kIntake;
  Timestamp started_at = 0;
  std::optional<Timestamp> ended_at;
};

enum class Modality { kInPerson, kVideo, kPhone, kText };
std::string_view ToString(Modality modality);
Result<Modality> ParseModality(std::string_view text);  // "in-person", "video", "phone", "text"

enum class AppointmentStatus { kScheduled, kCompleted, kCancelled, kNoShow };
std::string_view ToString(AppointmentStatus status);
Result<AppointmentStatus> ParseAppointmentStatus(std::string_view text);

struct Appointment {
  AppointmentId id = 0;
  EpisodeId episode_id = 0;
  Timestamp starts_at = 0;
  int duration_minutes = 50;
  Modality modality = Modality::kInPerson;
  AppointmentStatus status = AppointmentStatus::kScheduled;
};

using AppointmentRequestId = std::int64_t;

// A client asking to cancel or move an appointment; their therapist (or supervisor) decides.
enum class ChangeKind { kCancel, kMove };
std::string_view ToString(ChangeKind kind);                 // "cancel", "move"
Result<ChangeKind> ParseChangeKind(std::string_view text);  // field "kind"
enum class RequestState { kPending, kAccepted, kDeclined, kWithdrawn };
std::string_view ToString(RequestState state);  // "pending", "accepted", "declined", "withdrawn"

struct AppointmentRequest {
  AppointmentRequestId id = 0;
  ClinicId clinic_id = 0;
  AppointmentId appointment_id = 0;
  UserId requested_by = 0;
  ChangeKind kind = ChangeKind::kCancel;
  std::string note;           // the client's words: why, or which times would suit them instead
  bool short_notice = false;  // asked inside the clinic's notice period
  Timestamp created_at = 0;
  RequestState state = RequestState::kPending;
  std::optional<UserId> decided_by;
  std::optional<Timestamp> decided_at;
  std::string reply;  // what the care team answered
};

// --- Pure rules -------------------------------------------------------------------------------

// Whether asking at `now` about an appointment starting at `starts_at` is inside the clinic's
// notice period of `notice_hours`.
bool IsShortNotice(Timestamp starts_at, Timestamp now, int notice_hours);

// Trims and lower-cases; kInvalidArgument (field "email") unless it looks like local@domain.tld.
Result<std::string> NormalizeEmail(std::string_view email);

// A password is 12 to 256 bytes; field "password" on failure.
Status ValidateNewPassword(std::string_view password);
// True when the password, ignoring case, is on the shipped list of the most common passwords
// (rules/common-passwords.txt) or is one character repeated.
bool IsCommonPassword(std::string_view password);

// One line of clean text, 1 to `max_bytes` after trimming: no control characters and no
// invisible characters that change how text is shown. Errors name `field`.
Result<std::string> ValidateLineOfText(std::string_view text, std::string_view field,
                                       std::size_t max_bytes);

// Free text of one or more paragraphs, as people type it: valid UTF-8, line ends made "\n",
// surrounding white space trimmed, at most `max_chars` characters, and no control characters
// (but newline and tab) or characters that change how the text around them is shown. Empty text
// is kInvalidArgument only when `required`. Errors name `field`.
Result<std::string> NormalizeParagraphs(std::string_view text, std::string_view field,
                                        std::size_t max_chars, bool required);

// Display names: 1 to 200 bytes of clean text after trimming; field "display_name".
Result<std::string> ValidateDisplayName(std::string_view name);

// Valid "YYYY-MM-DD" in the past; field "date_of_birth".
Status ValidateDateOfBirth(std::string_view date, Timestamp now);

// Age in whole years at `now`, from a valid date of birth.
int AgeInYears(std::string_view date_of_birth, Timestamp now);

// A client under `age_of_majority` at `now`; false when the date of birth is unknown.
bool IsMinor(const ClientProfile& profile, Timestamp now, int age_of_majority);

// The clinic's age of majority: 14 to 21; field "age_of_majority".
Status ValidateAgeOfMajority(int age);

// Allowed moves: intake -> active, intake -> ended, active -> ended. Ended is final.
Status CheckEpisodeTransition(EpisodeStatus from, EpisodeStatus to);

// Appointments last 5 to 480 minutes; field "duration_minutes".
Status ValidateAppointmentDuration(int minutes);

// Scheduled -> completed / cancelled / no-show; the three outcomes are final.
Status CheckAppointmentTransition(AppointmentStatus from, AppointmentStatus to);

}  // namespace rapport
