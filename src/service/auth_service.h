#pragma once
// AuthService: sign-in, sessions, CSRF and invitations.
//
// Guarantees: passwords are argon2id hashes; session, CSRF, device and invitation tokens are
// stored only as BLAKE2b hashes; wrong credentials give one generic kUnauthenticated message
// whether or not the email exists (an unknown email still costs one password verification).
//
// Floods: every attempt is counted and recorded in one write BEFORE its password is checked, so
// parallel attempts cannot all slip under a limit; password checks run through a small WorkGate
// (a few at once, a short queue) and anyone beyond it gets kResourceExhausted at once. Past the
// free failures an account (or an address) is slowed, not walled: each further attempt must
// wait twice as long as the last, up to max_delay. A browser the account signed in from before
// (its device cookie) is judged only by its own failures, so a stranger's guesses never lock the
// owner out; an admin can clear the failures. Failed sign-ins are stored through the Store, so
// limits hold across restarts and servers. Every sign-in, failure, sign-out, password change and
// invitation use is audited in the same write as its effect.
//
// Thread-safe (all state is in the Store). Does not own the Store or the Clock, which must
// outlive it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/result.h"
#include "core/work_gate.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct AuthOptions {
  HashCost hash_cost = HashCost::kInteractive;
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(30);
  std::chrono::milliseconds absolute_timeout = std::chrono::hours(12);
  // last_seen_at is written at most this often, to keep reads from turning into writes.
  std::chrono::milliseconds touch_interval = std::chrono::minutes(1);
  // Failures inside `failure_window` that cost nothing. One more, and an account (or an
  // address) must wait first_delay after its latest failure, then twice that after the next, and
  // so on up to max_delay, before an attempt is even checked (the right password included).
  int max_account_failures = 5;
  int max_source_failures = 20;
  std::chrono::milliseconds failure_window = std::chrono::minutes(15);
  std::chrono::milliseconds first_delay = std::chrono::seconds(30);
  std::chrono::milliseconds max_delay = std::chrono::minutes(15);
  // Password checks at once, and how many more may wait for one; beyond, a fast 429.
  int hash_slots = 2;
  int hash_waiting = 8;
  std::chrono::milliseconds invitation_ttl = std::chrono::days(7);
  std::chrono::milliseconds reset_ttl = std::chrono::hours(1);
  // How links in mail begin ("https://rapport.clinic.example"); empty: a relative path.
  std::string link_base_url;
};

struct LoginResult {
  User user;
  std::string session_token;  // raw: goes into the cookie and nowhere else
  std::string csrf_token;     // goes to the browser in the response body
  SessionId session_id = 0;
  std::string device_token;  // raw: the long-lived device cookie (new or the one presented)
};

// One of the caller's own sessions, for "where am I signed in".
struct SessionInfo {
  SessionId id = 0;
  Timestamp created_at = 0;
  Timestamp last_seen_at = 0;
  std::string source;
  std::string user_agent;
  bool current = false;  // the session the request came with
};

// How an invitation link reaches the person.
enum class LinkDelivery {
  kEmail,     // by the notification channel: nobody else sees it
  kInPerson,  // shown once to the staff member who hands it over (recorded as such)
  kCli,       // printed for the operator at the command line
};
std::string_view ToString(LinkDelivery delivery);               // "email", "in_person", "cli"
Result<LinkDelivery> ParseLinkDelivery(std::string_view text);  // field "delivery"; not "cli"

struct InvitationLink {
  std::string token;  // raw; only its hash is stored. Empty when it went by e-mail.
  std::string path;   // "/invite/<token>"; empty when it went by e-mail
  Timestamp expires_at = 0;
  LinkDelivery delivery = LinkDelivery::kEmail;
};

// Where a person's invitation stands, as the staff who invite them see it.
enum class InvitationState { kNone, kPending, kExpired, kAccepted };
std::string_view ToString(InvitationState state);  // "none", "pending", "expired", "accepted"

struct InvitationStatus {
  UserId user_id = 0;
  InvitationState state = InvitationState::kNone;  // of the newest invitation
  Timestamp sent_at = 0;                           // 0 when none
  Timestamp expires_at = 0;
  std::optional<Timestamp> accepted_at;
  std::string delivery;      // "email", "in_person", "cli"; empty when none
  bool can_sign_in = false;  // they have a password (by this invitation or another way)
};

// What an invitation link shows before it is accepted.
struct InvitationInfo {
  UserId user_id = 0;
  std::string email;
  std::string display_name;
  Role role = Role::kClient;
  std::string clinic_name;
  Timestamp expires_at = 0;
  std::string purpose = "invite";  // "invite" | "reset"
};

// For kResourceExhausted errors from Login: how many seconds until a retry can succeed
// (carried as a FieldError named kRetryAfterField so it survives every layer unchanged).
inline constexpr std::string_view kRetryAfterField = "retry_after_seconds";

// The reasons (Notification::reason) of mail that carries a personal sign-in link. Such mail is
// for its person alone: the admin's outbox withholds its body.
inline constexpr std::string_view kInvitationMail = "invitation";
inline constexpr std::string_view kPasswordResetMail = "password_reset";
inline bool CarriesPersonalLink(const Notification& mail) {
  return mail.reason == kInvitationMail || mail.reason == kPasswordResetMail;
}
std::optional<int> RetryAfterSeconds(const Error& error);

class AuthService {
 public:
  AuthService(Store& store, const Clock& clock, AuthOptions options = {});

  // Errors: kInvalidArgument (field "email"/"password") for malformed input;
  // kUnauthenticated with one generic message for a wrong email or password or an inactive
  // account; kResourceExhausted (with RetryAfterSeconds) while the account or the address must
  // wait, or when too many password checks are already queued. `device_token` is the device
  // cookie the browser sent (may be empty).
  Result<LoginResult> Login(std::string_view email, std::string_view password,
                            std::string_view source, std::string_view user_agent,
                            std::string_view device_token = {});

  // Changes the actor's own password after checking the current one (counted like a sign-in),
  // and ends every other session of the account. Fields "current_password", "new_password".
  Status ChangePassword(const Actor& actor, std::string_view current_password,
                        std::string_view new_password);

  // Mails a one-hour password-reset link to the account with this email, if there is an active
  // one that has a password; answers Ok either way so nobody learns which addresses have
  // accounts. At most one mail per account per quarter hour.
  Status RequestPasswordReset(std::string_view email, std::string_view source);

  // Admin only: forgets the failed sign-ins of a user of the clinic, so they can sign in at once.
  Status ClearSignInFailures(const Actor& actor, UserId user_id);

  // The gate password checks go through (for tests and metrics).
  WorkGate& hash_gate() { return hash_gate_; }

  // The actor behind a session token. kUnauthenticated when the token is unknown, the session
  // has been idle longer than idle_timeout or is older than absolute_timeout (the session is
  // then deleted), or the user is no longer active.
  Result<Actor> Authenticate(std::string_view session_token, std::string_view source);

  // kPermissionDenied unless `header_token` equals the actor's session CSRF token.
  Status CheckCsrf(const Actor& actor, std::string_view header_token) const;

  // The signed-in user's own record (for /me).
  Result<User> CurrentUser(const Actor& actor);

  // Ends the actor's current session.
  Status Logout(const Actor& actor);
  Result<std::vector<SessionInfo>> ListSessions(const Actor& actor);
  // Ends one of the actor's own sessions; kNotFound for anyone else's.
  Status EndSession(const Actor& actor, SessionId id);

  // An invitation for a password-less user the actor may manage: an admin for staff of the
  // clinic (never a client or guardian: an admin sees no clinical content and must not be able
  // to become someone who does), a therapist or supervisor for a client they can see clinically
  // or a guardian of such a client. By e-mail the link goes to the person and the answer holds
  // no token; in person it is shown once and recorded as handed over. Single use, expires after
  // invitation_ttl. kFailedPrecondition if the user already has a password or is inactive.
  Result<InvitationLink> CreateInvitation(const Actor& actor, UserId user_id,
                                          LinkDelivery delivery = LinkDelivery::kEmail);

  // Whether the person's newest invitation is waiting, has expired or was accepted, with when it
  // was sent and when it expires; for the staff who may invite them (as CreateInvitation).
  // Audited as a read of the "user".
  Result<InvitationStatus> GetInvitationStatus(const Actor& actor, UserId user_id);

  // Who an invitation is for. kNotFound for an unknown token; kFailedPrecondition when it has
  // been used or has expired.
  Result<InvitationInfo> PeekInvitation(std::string_view token);

  // Sets the invited user's password (field "password" on a weak one), uses up the invitation
  // and signs the user in. A reset link also ends every other session of the account and clears
  // its failed sign-ins. The audit entry names who created the link and how it was delivered.
  Result<LoginResult> AcceptInvitation(std::string_view token, std::string_view password,
                                       std::string_view source, std::string_view user_agent);

  // Creates an invitation inside an existing write (used by ClinicService and the CLI when
  // they create a password-less user). No access check: the caller has done it.
  // By e-mail it also queues the mail (link_base_url from the options) in the same write.
  static Result<InvitationLink> InsertInvitation(WriteTxn& txn, const Actor& actor,
                                                 const User& user, Timestamp now,
                                                 const AuthOptions& options, LinkDelivery delivery);

  const AuthOptions& options() const { return options_; }

 private:
  // The user the actor may invite (or see the invitation of), as CreateInvitation describes.
  Result<User> InvitableUser(const Actor& actor, UserId user_id);
  Result<LoginResult> StartSession(WriteTxn& txn, const User& user, std::string_view source,
                                   std::string_view user_agent, Timestamp now,
                                   std::string_view device_token);
  // Counts and records one attempt before its password is checked (see the class comment);
  // answers the recorded failure's id, or kResourceExhausted while it must wait.
  Result<std::int64_t> ReserveAttempt(const std::string& email, const std::string& device_hash,
                                      bool known_device, std::string_view source, Timestamp now);
  // In the ticket's one slot of the password gate: the index of the first hash `password`
  // matches (an empty hash never does); at least one verification however many there are.
  std::optional<std::size_t> MatchPassword(WorkGate::Ticket& ticket,
                                           const std::vector<std::string>& hashes,
                                           std::string_view password);

  Store& store_;
  const Clock& clock_;
  AuthOptions options_;
  WorkGate hash_gate_;
  std::string dummy_hash_;  // verified for unknown emails so they take as long as known ones
};

}  // namespace rapport
