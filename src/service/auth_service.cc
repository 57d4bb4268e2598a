#include "service/auth_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "domain/people.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/mail.h"

namespace rapport {

namespace {

constexpr std::string_view kWrongCredentials = "The email or password is incorrect.";
constexpr std::string_view kSignInAgain = "Please sign in.";
constexpr std::size_t kMaxUserAgentBytes = 200;
// Failures older than this are forgotten; far beyond any window so the limits never miss one.
constexpr std::chrono::hours kFailureRetention{24};

std::string TokenHash(std::string_view token) {
  return Blake2b256Hex(token);
}

// The session's CSRF token, derived from its cookie token so that it can be given to the page
// again after a reload while the database holds only hashes of both.
std::string CsrfTokenOf(std::string_view session_token) {
  return Blake2b256Hex(std::string("rapport-csrf;") + std::string(session_token));
}

// How long an attempt must wait after `failures` failures (the latest at `last_at`) when `free`
// of them cost nothing; 0 when it need not wait. One failure past the free ones waits
// first_delay, each further one twice as long as the one before, never more than max_delay.
std::chrono::milliseconds MustWait(const LoginFailureCount& failures, int free,
                                   const AuthOptions& options, Timestamp now) {
  if (failures.count <= free) return std::chrono::milliseconds(0);
  const int doublings = std::min(failures.count - free - 1, 20);
  const std::chrono::milliseconds delay = std::min<std::chrono::milliseconds>(
      options.first_delay * (1LL << doublings), options.max_delay);
  const Timestamp ready = failures.last_at + delay.count();
  return std::chrono::milliseconds(std::max<Timestamp>(0, ready - now));
}

// Cuts to at most `max` bytes without splitting a UTF-8 sequence.
std::string Truncate(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

Error Exhausted(std::string message, std::chrono::milliseconds retry_after) {
  Error error = Error::ResourceExhausted(std::move(message));
  const auto seconds = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(retry_after).count());
  error.fields.push_back(FieldError{std::string(kRetryAfterField), std::to_string(seconds)});
  return error;
}

std::string Minutes(std::chrono::milliseconds d) {
  const auto minutes = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::minutes>(d + std::chrono::seconds(59)).count());
  return fmt::format("{} minute{}", minutes, minutes == 1 ? "" : "s");
}

std::string LinkPath(std::string_view token) {
  return "/invite/" + std::string(token);
}

// The actor a signed-in user becomes.
Actor ActorFor(const User& user, SessionId session, std::string_view source,
               std::string csrf_token) {
  Actor actor;
  actor.user_id = user.id;
  actor.clinic_id = user.clinic_id;
  actor.role = user.role;
  actor.session_id = session;
  actor.source = std::string(source);
  actor.csrf_token = std::move(csrf_token);
  return actor;
}

}  // namespace

std::string_view ToString(InvitationState state) {
  switch (state) {
    case InvitationState::kNone: return "none";
    case InvitationState::kPending: return "pending";
    case InvitationState::kExpired: return "expired";
    case InvitationState::kAccepted: return "accepted";
  }
  return "none";
}

std::string_view ToString(LinkDelivery delivery) {
  switch (delivery) {
    case LinkDelivery::kEmail: return "email";
    case LinkDelivery::kInPerson: return "in_person";
    case LinkDelivery::kCli: return "cli";
  }
  return "email";
}

Result<LinkDelivery> ParseLinkDelivery(std::string_view text) {
  if (text == "email") return LinkDelivery::kEmail;
  if (text == "in_person") return LinkDelivery::kInPerson;
  return Fail(Error::Field("delivery", "must be \"email\" or \"in_person\""));
}

std::optional<int> RetryAfterSeconds(const Error& error) {
  if (error.code != ErrorCode::kResourceExhausted) return std::nullopt;
  for (const FieldError& field : error.fields) {
    if (field.field != kRetryAfterField) continue;
    int seconds = 0;
    const auto* begin = field.message.data();
    const auto* end = begin + field.message.size();
    if (std::from_chars(begin, end, seconds).ec == std::errc{}) return seconds;
  }
  return std::nullopt;
}

AuthService::AuthService(Store& store, const Clock& clock, AuthOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      hash_gate_(options_.hash_slots, options_.hash_waiting) {
  // A hash of a password nobody knows, so an unknown email costs one verification too.
  if (auto hash = HashPassword(RandomToken(24), options_.hash_cost)) dummy_hash_ = *hash;
}

Result<LoginResult> AuthService::StartSession(WriteTxn& txn, const User& user,
                                              std::string_view source, std::string_view user_agent,
                                              Timestamp now, std::string_view device_token) {
  LoginResult result;
  result.user = user;
  result.session_token = RandomToken(32);
  result.csrf_token = CsrfTokenOf(result.session_token);
  result.device_token = device_token.empty() ? RandomToken(32) : std::string(device_token);
  RAPPORT_RETURN_IF_ERROR(
      txn.UpsertKnownDevice(KnownDevice{user.id, TokenHash(result.device_token), now, now}));
  AuthSession session;
  session.user_id = user.id;
  session.token_hash = TokenHash(result.session_token);
  session.csrf_hash = TokenHash(result.csrf_token);
  session.created_at = now;
  session.last_seen_at = now;
  session.source = std::string(source);
  session.user_agent = Truncate(user_agent, kMaxUserAgentBytes);
  RAPPORT_ASSIGN_OR_RETURN(result.session_id, txn.InsertSession(session));
  const Actor actor = ActorFor(user, result.session_id, source, result.csrf_token);
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, actor, now, "login", "session", std::to_string(result.session_id)));
  return result;
}

Result<std::int64_t> AuthService::ReserveAttempt(const std::string& email,
                                                 const std::string& device_hash, bool known_device,
                                                 std::string_view source, Timestamp now) {
  const Timestamp since = now - options_.failure_window.count();
  std::chrono::milliseconds wait{0};
  bool account_waits = false;
  std::int64_t id = 0;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    // Counted and recorded in one write: the writer runs one WriteFn at a time, so parallel
    // attempts each see the ones before them.
    if (known_device) {
      // The account's own browser: only its own failures count, and the address none.
      RAPPORT_ASSIGN_OR_RETURN(const LoginFailureCount mine,
                               txn.CountLoginFailures({email, device_hash, {}}, since));
      wait = MustWait(mine, options_.max_account_failures, options_, now);
      account_waits = true;
    } else {
      RAPPORT_ASSIGN_OR_RETURN(const LoginFailureCount from_source,
                               txn.CountLoginFailures({{}, {}, std::string(source)}, since));
      wait = MustWait(from_source, options_.max_source_failures, options_, now);
      if (wait.count() == 0) {
        RAPPORT_ASSIGN_OR_RETURN(const LoginFailureCount for_account,
                                 txn.CountLoginFailures({email, {}, {}}, since));
        wait = MustWait(for_account, options_.max_account_failures, options_, now);
        account_waits = wait.count() > 0;
      }
    }
    if (wait.count() > 0) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(
        id, txn.InsertLoginFailure(LoginFailure{email, std::string(source), device_hash, now}));
    return Ok();
  });
  if (!written) return Fail(written.error());
  if (wait.count() > 0) {
    return Fail(Exhausted(account_waits
                              ? fmt::format("There have been several failed sign-ins to this "
                                            "account. Please wait {} and try again.",
                                            Minutes(wait))
                              : fmt::format("Too many failed sign-ins from this address. Please "
                                            "wait {} and try again.",
                                            Minutes(wait)),
                          wait));
  }
  return id;
}

std::optional<std::size_t> AuthService::MatchPassword(WorkGate::Ticket& ticket,
                                                      const std::vector<std::string>& hashes,
                                                      std::string_view password) {
  return ticket.Run([&]() -> std::optional<std::size_t> {
    if (hashes.empty()) (void)VerifyPassword(dummy_hash_, password);
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      const bool right = VerifyPassword(hashes[i].empty() ? dummy_hash_ : hashes[i], password);
      if (right && !hashes[i].empty()) return i;
    }
    return std::nullopt;
  });
}

namespace {

// Marks `links` that are still unused (except `keep`) as used at `now`: once a person has chosen
// a password, no older invitation or reset link may choose another. A link that another write
// used meanwhile is fine.
Status RetireLinks(WriteTxn& txn, const std::vector<Invitation>& links, InvitationId keep,
                   Timestamp now) {
  for (const Invitation& link : links) {
    if (link.id == keep || link.used_at.has_value()) continue;
    if (Status marked = txn.MarkInvitationUsed(link.id, now);
        !marked && marked.error().code != ErrorCode::kFailedPrecondition) {
      return marked;
    }
  }
  return Ok();
}

Error Busy() {
  return Exhausted("Many people are signing in right now. Please try again in a moment.",
                   std::chrono::seconds(1));
}
}  // namespace

Result<LoginResult> AuthService::Login(std::string_view email_text, std::string_view password,
                                       std::string_view source, std::string_view user_agent,
                                       std::string_view device_token) {
  RAPPORT_ASSIGN_OR_RETURN(const std::string email, NormalizeEmail(email_text));
  if (password.empty()) return Fail(Error::Field("password", "is required"));
  const Timestamp now = clock_.Now();

  // A place in the password-check queue first: under a flood, refusing costs nothing.
  WorkGate::Ticket ticket = hash_gate_.Enter();
  if (!ticket) return Fail(Busy());

  // The accounts that could sign in with this address: one per clinic at most.
  struct Candidate {
    User user;
    std::string hash;
  };
  std::vector<Candidate> candidates;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> accounts, store_.ListUsersWithEmail(email));
  for (const User& account : accounts) {
    RAPPORT_ASSIGN_OR_RETURN(std::string hash, store_.GetPasswordHash(account.id));
    if (account.active && !hash.empty()) candidates.push_back({account, std::move(hash)});
  }
  // The account a failure is recorded against when there is just one to name.
  std::optional<User> user;
  if (!accounts.empty()) user = candidates.empty() ? accounts.front() : candidates.front().user;
  const std::string device_hash = device_token.empty() ? std::string() : TokenHash(device_token);
  bool known_device = false;
  for (const Candidate& c : candidates) {
    if (device_hash.empty() || known_device) break;
    RAPPORT_ASSIGN_OR_RETURN(known_device, store_.IsKnownDevice(c.user.id, device_hash));
  }
  // Recorded as a failure before the check, so that a locked account refuses even the right
  // password and parallel guesses cannot all pass the count; forgotten again on success.
  RAPPORT_ASSIGN_OR_RETURN(const std::int64_t attempt,
                           ReserveAttempt(email, device_hash, known_device, source, now));

  // At least one verification, against a dummy when there is no real hash, so timing does not
  // tell whether the email exists. With accounts at several clinics, the first whose password
  // it is signs in.
  std::vector<std::string> hashes;
  for (const Candidate& c : candidates) hashes.push_back(c.hash);
  const std::optional<std::size_t> matched = MatchPassword(ticket, hashes, password);
  const bool ok = matched.has_value();
  if (ok) user = candidates[*matched].user;

  if (!ok) {
    const Status written = store_.Write([&](WriteTxn& txn) -> Status {
      const std::chrono::milliseconds keep =
          std::max<std::chrono::milliseconds>(kFailureRetention, options_.failure_window);
      RAPPORT_RETURN_IF_ERROR(txn.PruneLoginFailures(now - keep.count()));
      Actor who;
      who.source = std::string(source);
      if (user) {
        who.user_id = user->id;
        who.clinic_id = user->clinic_id;
        who.role = user->role;
      }
      AuditEntry entry = audit::Entry(who, now, "login_failed", "user",
                                      user ? std::to_string(user->id) : std::string());
      if (!user) entry.actor_role = "anonymous";
      RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
      return Ok();
    });
    if (!written) return Fail(written.error());
    return Fail(Error::Unauthenticated(std::string(kWrongCredentials)));
  }

  LoginResult result;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.DeleteLoginFailure(attempt));
    RAPPORT_ASSIGN_OR_RETURN(result, StartSession(txn, *user, source, user_agent, now,
                                                  known_device ? device_token : ""));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return result;
}

Status AuthService::ChangePassword(const Actor& actor, std::string_view current_password,
                                   std::string_view new_password) {
  if (actor.system || actor.session_id == 0) return Fail(NotVisible());
  std::vector<FieldError> fields;
  if (current_password.empty()) fields.push_back({"current_password", "is required"});
  if (auto valid = ValidateNewPassword(new_password); !valid) {
    for (const FieldError& f : valid.error().fields) fields.push_back({"new_password", f.message});
  }
  if (!fields.empty()) {
    return Fail(
        Error::InvalidArgument("Please correct the highlighted fields.", std::move(fields)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const User user, store_.GetUser(actor.user_id));
  WorkGate::Ticket ticket = hash_gate_.Enter();
  if (!ticket) return Fail(Busy());
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, store_.GetPasswordHash(user.id));
  // A stolen session must not become a way to guess the password: counted like a sign-in.
  RAPPORT_ASSIGN_OR_RETURN(const std::int64_t attempt,
                           ReserveAttempt(user.email, {}, false, actor.source, now));
  const bool current_ok = MatchPassword(ticket, {hash}, current_password).has_value();
  if (!current_ok) {
    RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
      return audit::Append(txn, actor, now, "password_change_failed", "user",
                           std::to_string(user.id));
    }));
    return Fail(Error::Field("current_password", "is not your current password"));
  }
  WorkGate::Ticket second = hash_gate_.Enter();
  if (!second) return Fail(Busy());
  RAPPORT_ASSIGN_OR_RETURN(const std::string new_hash, second.Run([&] {
    return HashPassword(new_password, options_.hash_cost);
  }));
  // A reset link still in someone's inbox must not undo the password just chosen.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Invitation> links,
                           store_.ListInvitationsOfUser(user.id));
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.DeleteLoginFailure(attempt));
    RAPPORT_RETURN_IF_ERROR(RetireLinks(txn, links, 0, now));
    RAPPORT_RETURN_IF_ERROR(txn.SetPasswordHash(user.id, new_hash));
    RAPPORT_RETURN_IF_ERROR(txn.DeleteOtherSessionsOfUser(user.id, actor.session_id));
    return audit::Append(txn, actor, now, "password_change", "user", std::to_string(user.id));
  });
}

Status AuthService::ClearSignInFailures(const Actor& actor, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(const User target, RequireUserAdministered(store_, actor, user_id));
  const Timestamp now = clock_.Now();
  Actor audited = actor;
  if (audited.system) audited.clinic_id = target.clinic_id;
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.ClearLoginFailuresForEmail(target.email));
    return audit::Append(txn, audited, now, "unlock", "user", std::to_string(user_id));
  });
}

Status AuthService::RequestPasswordReset(std::string_view email_text, std::string_view source) {
  RAPPORT_ASSIGN_OR_RETURN(const std::string email, NormalizeEmail(email_text));
  // The address may have an account at more than one clinic: each gets its own link.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> accounts, store_.ListUsersWithEmail(email));
  for (const User& user : accounts) {
    RAPPORT_ASSIGN_OR_RETURN(const std::string hash, store_.GetPasswordHash(user.id));
    // No password yet: the person needs an invitation from their clinic, not a reset.
    if (!user.active || hash.empty()) continue;
    RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(user.clinic_id));
    const Timestamp now = clock_.Now();
    Actor requester;
    requester.user_id = user.id;
    requester.clinic_id = user.clinic_id;
    requester.role = user.role;
    requester.source = std::string(source);
    const Status written = store_.Write([&](WriteTxn& txn) -> Status {
      InvitationLink link;
      link.token = RandomToken(32);
      link.expires_at = now + options_.reset_ttl.count();
      Invitation reset;
      reset.clinic_id = user.clinic_id;
      reset.user_id = user.id;
      reset.created_by = user.id;
      reset.token_hash = TokenHash(link.token);
      reset.created_at = now;
      reset.expires_at = link.expires_at;
      reset.purpose = "reset";
      reset.delivery = "email";
      RAPPORT_ASSIGN_OR_RETURN(const InvitationId id, txn.InsertInvitation(reset));
      // One mail per account per quarter hour, however often the form is sent.
      RAPPORT_RETURN_IF_ERROR(txn.InsertNotification(MailTo(
          user, std::string(kPasswordResetMail),
          fmt::format("password_reset:{}:{}", user.id, now / (15 * 60 * 1000)),
          "Rapport: choose a new password",
          fmt::format("Hello {},\n\nSomeone asked to reset the password of your Rapport account "
                      "at {}. To choose a new one, open this link within the hour:\n\n{}{}\n\n"
                      "If it was not you, you can ignore this message; your password stays as "
                      "it is.\n\nPlease do not reply to this message.\n",
                      user.display_name, clinic.name, options_.link_base_url, LinkPath(link.token)),
          now)));
      return audit::Append(txn, requester, now, "create", "password_reset", std::to_string(id));
    });
    if (!written && written.error().code != ErrorCode::kAlreadyExists) return written;
  }
  return Ok();
}

Result<Actor> AuthService::Authenticate(std::string_view session_token, std::string_view source) {
  if (session_token.empty()) return Fail(Error::Unauthenticated(std::string(kSignInAgain)));
  auto session = store_.FindSessionByTokenHash(TokenHash(session_token));
  if (!session) {
    if (session.error().code == ErrorCode::kNotFound) {
      return Fail(Error::Unauthenticated(std::string(kSignInAgain)));
    }
    return Fail(session.error());
  }
  const Timestamp now = clock_.Now();
  auto user = store_.GetUser(session->user_id);
  if (!user && user.error().code != ErrorCode::kNotFound) return Fail(user.error());

  const bool too_old = now - session->created_at >= options_.absolute_timeout.count();
  const bool idle = now - session->last_seen_at >= options_.idle_timeout.count();
  if (too_old || idle || !user || !user->active) {
    const Status written = store_.Write([&](WriteTxn& txn) -> Status {
      auto deleted = txn.DeleteSession(session->id);
      // Another request may have ended it first; that is the outcome we want anyway.
      if (!deleted && deleted.error().code != ErrorCode::kNotFound) return deleted;
      if (!user) return Ok();
      const Actor actor = ActorFor(*user, session->id, source, {});
      return audit::Append(txn, actor, now, "session_expired", "session",
                           std::to_string(session->id));
    });
    if (!written) return Fail(written.error());
    return Fail(Error::Unauthenticated(too_old || idle
                                           ? "Your session has expired. Please sign in again."
                                           : std::string(kSignInAgain)));
  }
  if (now - session->last_seen_at >= options_.touch_interval.count()) {
    RAPPORT_RETURN_IF_ERROR(
        store_.Write([&](WriteTxn& txn) -> Status { return txn.TouchSession(session->id, now); }));
  }
  const std::string csrf = CsrfTokenOf(session_token);
  if (!ConstantTimeEquals(TokenHash(csrf), session->csrf_hash)) {
    return Fail(Error::Unauthenticated(std::string(kSignInAgain)));
  }
  return ActorFor(*user, session->id, source, csrf);
}

Status AuthService::CheckCsrf(const Actor& actor, std::string_view header_token) const {
  if (actor.csrf_token.empty() || header_token.empty() ||
      !ConstantTimeEquals(actor.csrf_token, header_token)) {
    return Fail(Error::PermissionDenied(
        "This request is missing its security token. Please reload the page and try again."));
  }
  return Ok();
}

Result<User> AuthService::CurrentUser(const Actor& actor) {
  if (actor.system) return Fail(Error::NotFound("The command line has no user record."));
  return store_.GetUser(actor.user_id);
}

Status AuthService::Logout(const Actor& actor) {
  if (actor.session_id == 0) return Ok();
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteSession(actor.session_id);
    if (!deleted) {
      if (deleted.error().code == ErrorCode::kNotFound) return Ok();
      return deleted;
    }
    return audit::Append(txn, actor, now, "logout", "session", std::to_string(actor.session_id));
  });
}

Result<std::vector<SessionInfo>> AuthService::ListSessions(const Actor& actor) {
  if (actor.system) return std::vector<SessionInfo>{};
  RAPPORT_ASSIGN_OR_RETURN(auto sessions, store_.ListSessionsOfUser(actor.user_id));
  const Timestamp now = clock_.Now();
  std::vector<SessionInfo> out;
  for (const AuthSession& s : sessions) {
    // Expired sessions are dead even if nobody has come back to delete them yet.
    if (now - s.created_at >= options_.absolute_timeout.count() ||
        now - s.last_seen_at >= options_.idle_timeout.count()) {
      continue;
    }
    out.push_back(SessionInfo{s.id, s.created_at, s.last_seen_at, s.source, s.user_agent,
                              s.id == actor.session_id});
  }
  std::sort(out.begin(), out.end(), [](const SessionInfo& a, const SessionInfo& b) {
    return a.last_seen_at > b.last_seen_at;
  });
  return out;
}

Status AuthService::EndSession(const Actor& actor, SessionId id) {
  if (actor.system) return Fail(NotVisible());
  RAPPORT_ASSIGN_OR_RETURN(auto sessions, store_.ListSessionsOfUser(actor.user_id));
  const bool own = std::any_of(sessions.begin(), sessions.end(),
                               [&](const AuthSession& s) { return s.id == id; });
  if (!own) return Fail(NotVisible());
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteSession(id);
    if (!deleted) {
      if (deleted.error().code == ErrorCode::kNotFound) return Ok();
      return deleted;
    }
    return audit::Append(txn, actor, now, "logout", "session", std::to_string(id));
  });
}

Result<InvitationLink> AuthService::InsertInvitation(WriteTxn& txn, const Actor& actor,
                                                     const User& user, Timestamp now,
                                                     const AuthOptions& options,
                                                     LinkDelivery delivery) {
  InvitationLink link;
  link.token = RandomToken(32);
  link.path = LinkPath(link.token);
  link.expires_at = now + options.invitation_ttl.count();
  link.delivery = delivery;
  Invitation invitation;
  invitation.clinic_id = user.clinic_id;
  invitation.user_id = user.id;
  // The operator at the command line has no user row; the audit entry records "system", and
  // the invitation names the invited user so that it still refers to a real person.
  invitation.created_by = actor.system ? user.id : actor.user_id;
  invitation.token_hash = TokenHash(link.token);
  invitation.created_at = now;
  invitation.expires_at = link.expires_at;
  invitation.purpose = "invite";
  invitation.delivery = std::string(ToString(delivery));
  RAPPORT_ASSIGN_OR_RETURN(const InvitationId id, txn.InsertInvitation(invitation));
  Actor audited = actor;
  if (audited.system) audited.clinic_id = user.clinic_id;
  AuditEntry entry = audit::Entry(audited, now, "create", "invitation", std::to_string(id));
  entry.detail = fmt::format("for user {}, delivered {}", user.id, ToString(delivery));
  RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
  if (delivery != LinkDelivery::kEmail) return link;

  // By e-mail the link goes to the person and nowhere else: the answer keeps no token.
  RAPPORT_RETURN_IF_ERROR(txn.InsertNotification(MailTo(
      user, std::string(kInvitationMail), fmt::format("invitation:{}", id),
      "Rapport: your invitation",
      fmt::format("Hello {},\n\nYour clinic has invited you to Rapport. To choose your password "
                  "and sign in, open this link within {} days:\n\n{}{}\n\nThe link works once "
                  "and only for you; please do not pass it on.\n\nPlease do not reply to this "
                  "message.\n",
                  user.display_name,
                  std::chrono::duration_cast<std::chrono::days>(options.invitation_ttl).count(),
                  options.link_base_url, link.path),
      now)));
  link.token.clear();
  link.path.clear();
  return link;
}

Result<User> AuthService::InvitableUser(const Actor& actor, UserId user_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist},
                                      /*allow_system=*/true));
  auto target = store_.GetUser(user_id);
  if (!target) {
    if (target.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(target.error());
  }
  if (!actor.system && target->clinic_id != actor.clinic_id) return Fail(NotVisible());

  if (!actor.system && actor.role == Role::kAdmin) {
    // An admin sees no clinical content, and must not be able to become someone who does.
    if (target->role == Role::kClient || target->role == Role::kGuardian) {
      return Fail(Error::PermissionDenied(
          "An admin invites staff only; a client's or guardian's invitation comes from their "
          "therapist."));
    }
  }
  if (!actor.system && actor.role != Role::kAdmin) {
    // Care staff bring in their own clients and those clients' guardians.
    bool allowed = false;
    if (target->role == Role::kClient) {
      RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access, AccessToClient(store_, actor, user_id));
      allowed = access == ClientAccess::kClinical;
    } else if (target->role == Role::kGuardian) {
      // Any link, accepted or not: a guardian asked for is invited before they can accept.
      RAPPORT_ASSIGN_OR_RETURN(auto links, store_.ListGuardianLinksOfGuardian(user_id));
      for (const GuardianLink& link : links) {
        RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access,
                                 AccessToClient(store_, actor, link.child_id));
        if (access == ClientAccess::kClinical) allowed = true;
      }
    }
    if (!allowed) return Fail(NotVisible());
  }
  return std::move(*target);
}

Result<InvitationLink> AuthService::CreateInvitation(const Actor& actor, UserId user_id,
                                                     LinkDelivery delivery) {
  RAPPORT_ASSIGN_OR_RETURN(const User invited, InvitableUser(actor, user_id));
  if (!invited.active) {
    return Fail(Error::FailedPrecondition("This account has been deactivated."));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, store_.GetPasswordHash(user_id));
  if (!hash.empty()) {
    return Fail(
        Error::FailedPrecondition("This person has already set a password and can sign in."));
  }
  const Timestamp now = clock_.Now();
  InvitationLink link;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(link, InsertInvitation(txn, actor, invited, now, options_,
                                                    actor.system ? LinkDelivery::kCli : delivery));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return link;
}

Result<InvitationStatus> AuthService::GetInvitationStatus(const Actor& actor, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(const User invited, InvitableUser(actor, user_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto invitations, store_.ListInvitationsOfUser(user_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, store_.GetPasswordHash(user_id));
  InvitationStatus status;
  status.user_id = user_id;
  status.can_sign_in = !hash.empty();
  const Timestamp now = clock_.Now();
  for (const Invitation& i : invitations) {
    if (i.purpose != "invite") continue;
    status.sent_at = i.created_at;
    status.expires_at = i.expires_at;
    status.delivery = i.delivery;
    status.accepted_at = i.used_at;
    status.state = i.used_at             ? InvitationState::kAccepted
                   : now >= i.expires_at ? InvitationState::kExpired
                                         : InvitationState::kPending;
    break;  // the newest
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, {{"user", std::to_string(invited.id)}}));
  return status;
}

namespace {

// The usable invitation behind `invitation`, or why it is not usable.
Status CheckUsable(const Invitation& invitation, Timestamp now) {
  if (invitation.used_at.has_value()) {
    return Fail(Error::FailedPrecondition(
        "This invitation has already been used. Sign in, or ask for a new invitation."));
  }
  if (now >= invitation.expires_at) {
    return Fail(
        Error::FailedPrecondition("This invitation has expired. Please ask for a new one."));
  }
  return Ok();
}

Error UnknownInvitation() {
  return Error::NotFound("This invitation link is not valid.");
}

Error AlreadyHasPassword() {
  return Error::FailedPrecondition(
      "This account already has a password. Please sign in, or use \"Forgot password\".");
}

// Said only to whoever holds the invitation, that is, the owner of the inbox it was sent to.
Error AddressHeldElsewhere(std::string_view clinic_name) {
  return Error::AlreadyExists(fmt::format(
      "This e-mail address already has an account at {}. Please sign in with that account (or "
      "use \"Forgot password\"). If this invitation is for someone else, ask the clinic to send "
      "it to their own address.",
      clinic_name));
}

}  // namespace

Result<InvitationInfo> AuthService::PeekInvitation(std::string_view token) {
  if (token.empty()) return Fail(UnknownInvitation());
  auto invitation = store_.FindInvitationByTokenHash(TokenHash(token));
  if (!invitation) {
    if (invitation.error().code == ErrorCode::kNotFound) return Fail(UnknownInvitation());
    return Fail(invitation.error());
  }
  RAPPORT_RETURN_IF_ERROR(CheckUsable(*invitation, clock_.Now()));
  RAPPORT_ASSIGN_OR_RETURN(const User user, store_.GetUser(invitation->user_id));
  if (!user.active) return Fail(UnknownInvitation());
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(user.clinic_id));
  return InvitationInfo{user.id,
                        user.email,
                        user.display_name,
                        user.role,
                        clinic.name,
                        invitation->expires_at,
                        invitation->purpose};
}

Result<LoginResult> AuthService::AcceptInvitation(std::string_view token, std::string_view password,
                                                  std::string_view source,
                                                  std::string_view user_agent) {
  // Cheap checks before the deliberately slow hash.
  RAPPORT_ASSIGN_OR_RETURN(const InvitationInfo info, PeekInvitation(token));
  RAPPORT_RETURN_IF_ERROR(ValidateNewPassword(password));
  // An invitation starts an account; it never replaces a password the owner chose. (A link
  // handed over in person must not stay a way into the account once its owner signed in.)
  if (info.purpose != "reset") {
    RAPPORT_ASSIGN_OR_RETURN(const std::string existing, store_.GetPasswordHash(info.user_id));
    if (!existing.empty()) return Fail(AlreadyHasPassword());
  }
  // Every other unused link of the account ends with this one.
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<Invitation> links,
                           store_.ListInvitationsOfUser(info.user_id));
  WorkGate::Ticket ticket = hash_gate_.Enter();
  if (!ticket) return Fail(Busy());
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash,
                           ticket.Run([&] { return HashPassword(password, options_.hash_cost); }));
  const std::string token_hash = TokenHash(token);
  const Timestamp now = clock_.Now();
  LoginResult result;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    // Checked again inside the write: two tabs accepting at once must not both succeed.
    auto invitation = txn.FindInvitationByTokenHash(token_hash);
    if (!invitation) {
      if (invitation.error().code == ErrorCode::kNotFound) return Fail(UnknownInvitation());
      return Fail(invitation.error());
    }
    RAPPORT_RETURN_IF_ERROR(CheckUsable(*invitation, now));
    RAPPORT_ASSIGN_OR_RETURN(const User user, txn.GetUser(invitation->user_id));
    if (!user.active) return Fail(UnknownInvitation());
    if (!user.email_confirmed) {
      // The address becomes this account's only if no other account of the clinic holds it. The
      // person at the inbox is told; the staff who made the record were not.
      if (Status confirmed = txn.ConfirmEmail(user.id); !confirmed) {
        if (confirmed.error().code != ErrorCode::kAlreadyExists) return confirmed;
        RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, txn.GetClinic(user.clinic_id));
        return Fail(AddressHeldElsewhere(clinic.name));
      }
    }
    if (user.id != info.user_id) return Fail(UnknownInvitation());
    RAPPORT_RETURN_IF_ERROR(txn.MarkInvitationUsed(invitation->id, now));
    RAPPORT_RETURN_IF_ERROR(RetireLinks(txn, links, invitation->id, now));
    RAPPORT_RETURN_IF_ERROR(txn.SetPasswordHash(user.id, hash));
    // Whoever held the account before this link is signed out everywhere.
    RAPPORT_RETURN_IF_ERROR(txn.DeleteSessionsOfUser(user.id));
    const bool reset = invitation->purpose == "reset";
    if (reset) {
      // The owner is not locked out by guesses made at the old password.
      RAPPORT_RETURN_IF_ERROR(txn.ClearLoginFailuresForEmail(user.email));
    }
    const Actor actor = ActorFor(user, 0, source, {});
    AuditEntry entry = audit::Entry(actor, now, "accept", reset ? "password_reset" : "invitation",
                                    std::to_string(invitation->id));
    entry.detail = fmt::format("created by user {}, delivered {}", invitation->created_by,
                               invitation->delivery);
    RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
    RAPPORT_ASSIGN_OR_RETURN(result, StartSession(txn, user, source, user_agent, now, ""));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return result;
}

}  // namespace rapport
