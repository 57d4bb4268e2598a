#pragma once
// AuthService: sign-in, sessions, CSRF and invitations (issue 2, item 5).
//
// Guarantees: passwords are argon2id hashes; session and invitation tokens are stored only as
// BLAKE2b hashes; wrong credentials give one generic kUnauthenticated message whether or not the
// email exists (an unknown email still costs one password verification); failed sign-ins are
// stored through the Store, so limits hold across restarts and servers; successful sign-ins are
// never counted or throttled. Every sign-in, failure, sign-out and invitation use is audited in
// the same write as its effect.
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
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct AuthOptions {
  HashCost hash_cost = HashCost::kInteractive;
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(30);
  std::chrono::milliseconds absolute_timeout = std::chrono::hours(12);
  // last_seen_at is written at most this often, to keep reads from turning into writes.
  std::chrono::milliseconds touch_interval = std::chrono::minutes(1);
  // An account with more than this many failures inside `failure_window` is locked: every
  // sign-in to it is refused, even with the right password, until the failures age out.
  int max_account_failures = 5;
  // An address with more than this many failures inside `failure_window` is throttled.
  int max_source_failures = 20;
  std::chrono::milliseconds failure_window = std::chrono::minutes(15);
  std::chrono::milliseconds invitation_ttl = std::chrono::days(7);
};

struct LoginResult {
  User user;
  std::string session_token;  // raw: goes into the cookie and nowhere else
  std::string csrf_token;     // goes to the browser in the response body
  SessionId session_id = 0;
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

struct InvitationLink {
  std::string token;  // raw; only its hash is stored
  std::string path;   // "/invite/<token>"
  Timestamp expires_at = 0;
};

// What an invitation link shows before it is accepted.
struct InvitationInfo {
  UserId user_id = 0;
  std::string email;
  std::string display_name;
  Role role = Role::kClient;
  std::string clinic_name;
  Timestamp expires_at = 0;
};

// For kResourceExhausted errors from Login: how many seconds until a retry can succeed
// (carried as a FieldError named kRetryAfterField so it survives every layer unchanged).
inline constexpr std::string_view kRetryAfterField = "retry_after_seconds";
std::optional<int> RetryAfterSeconds(const Error& error);

class AuthService {
 public:
  AuthService(Store& store, const Clock& clock, AuthOptions options = {});

  // Errors: kInvalidArgument (field "email"/"password") for malformed input;
  // kUnauthenticated with one generic message for a wrong email or password or an inactive
  // account; kResourceExhausted (with RetryAfterSeconds) while the account is locked or the
  // address throttled.
  Result<LoginResult> Login(std::string_view email, std::string_view password,
                            std::string_view source, std::string_view user_agent);

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

  // An invitation for a password-less user the actor may manage: an admin for any user of the
  // clinic, a therapist or supervisor for a client they can see clinically or a guardian of
  // such a client. Single use, expires after invitation_ttl. kFailedPrecondition if the user
  // already has a password or is inactive.
  Result<InvitationLink> CreateInvitation(const Actor& actor, UserId user_id);

  // Who an invitation is for. kNotFound for an unknown token; kFailedPrecondition when it has
  // been used or has expired.
  Result<InvitationInfo> PeekInvitation(std::string_view token);

  // Sets the invited user's password (field "password" on a weak one), uses up the invitation
  // and signs the user in.
  Result<LoginResult> AcceptInvitation(std::string_view token, std::string_view password,
                                       std::string_view source, std::string_view user_agent);

  // Creates an invitation inside an existing write (used by ClinicService and the CLI when
  // they create a password-less user). No access check: the caller has done it.
  static Result<InvitationLink> InsertInvitation(WriteTxn& txn, const Actor& actor,
                                                 const User& user, Timestamp now,
                                                 std::chrono::milliseconds ttl);

  const AuthOptions& options() const { return options_; }

 private:
  Result<LoginResult> StartSession(WriteTxn& txn, const User& user, std::string_view source,
                                   std::string_view user_agent, Timestamp now);

  Store& store_;
  const Clock& clock_;
  AuthOptions options_;
  std::string dummy_hash_;  // verified for unknown emails so they take as long as known ones
};

}  // namespace rapport
