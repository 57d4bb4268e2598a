#include "service/auth_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "domain/people.h"
#include "service/access.h"
#include "service/audit_log.h"

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
    : store_(store), clock_(clock), options_(options) {
  // A hash of a password nobody knows, so an unknown email costs one verification too.
  if (auto hash = HashPassword(RandomToken(24), options_.hash_cost)) dummy_hash_ = *hash;
}

Result<LoginResult> AuthService::StartSession(WriteTxn& txn, const User& user,
                                              std::string_view source, std::string_view user_agent,
                                              Timestamp now) {
  LoginResult result;
  result.user = user;
  result.session_token = RandomToken(32);
  result.csrf_token = RandomToken(32);
  AuthSession session;
  session.user_id = user.id;
  session.token_hash = TokenHash(result.session_token);
  session.csrf_token = result.csrf_token;
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

Result<LoginResult> AuthService::Login(std::string_view email_text, std::string_view password,
                                       std::string_view source, std::string_view user_agent) {
  RAPPORT_ASSIGN_OR_RETURN(const std::string email, NormalizeEmail(email_text));
  if (password.empty()) return Fail(Error::Field("password", "is required"));
  const Timestamp now = clock_.Now();
  const Timestamp since = now - options_.failure_window.count();

  // Limits come first so that a locked account refuses even the right password, and so that a
  // throttled address gets no more guesses.
  RAPPORT_ASSIGN_OR_RETURN(const int from_source,
                           store_.CountLoginFailuresFromSource(std::string(source), since));
  if (from_source > options_.max_source_failures) {
    return Fail(Exhausted(fmt::format("Too many failed sign-ins from this address. Please try "
                                      "again in {}.",
                                      Minutes(options_.failure_window)),
                          options_.failure_window));
  }
  RAPPORT_ASSIGN_OR_RETURN(const int for_account, store_.CountLoginFailuresForEmail(email, since));
  if (for_account > options_.max_account_failures) {
    return Fail(Exhausted(fmt::format("This account is locked for a while after repeated failed "
                                      "sign-ins. Please try again in {}.",
                                      Minutes(options_.failure_window)),
                          options_.failure_window));
  }

  std::optional<User> user;
  std::string hash;
  if (auto found = store_.FindUserByEmail(email)) {
    user = *found;
    RAPPORT_ASSIGN_OR_RETURN(hash, store_.GetPasswordHash(found->id));
  } else if (found.error().code != ErrorCode::kNotFound) {
    return Fail(found.error());
  }
  // Always one verification, against a dummy when there is no real hash, so timing does not
  // tell whether the email exists.
  const bool password_ok = VerifyPassword(hash.empty() ? dummy_hash_ : hash, password);
  const bool ok = password_ok && user.has_value() && !hash.empty() && user->active;

  if (!ok) {
    const Status written = store_.Write([&](WriteTxn& txn) -> Status {
      const std::chrono::milliseconds keep =
          std::max<std::chrono::milliseconds>(kFailureRetention, options_.failure_window);
      RAPPORT_RETURN_IF_ERROR(txn.PruneLoginFailures(now - keep.count()));
      RAPPORT_RETURN_IF_ERROR(
          txn.InsertLoginFailure(LoginFailure{email, std::string(source), now}));
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
    RAPPORT_ASSIGN_OR_RETURN(result, StartSession(txn, *user, source, user_agent, now));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return result;
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
  return ActorFor(*user, session->id, source, session->csrf_token);
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
                                                     std::chrono::milliseconds ttl) {
  InvitationLink link;
  link.token = RandomToken(32);
  link.path = "/invite/" + link.token;
  link.expires_at = now + ttl.count();
  Invitation invitation;
  invitation.clinic_id = user.clinic_id;
  invitation.user_id = user.id;
  // The operator at the command line has no user row; the audit entry records "system", and
  // the invitation names the invited user so that it still refers to a real person.
  invitation.created_by = actor.system ? user.id : actor.user_id;
  invitation.token_hash = TokenHash(link.token);
  invitation.created_at = now;
  invitation.expires_at = link.expires_at;
  RAPPORT_ASSIGN_OR_RETURN(const InvitationId id, txn.InsertInvitation(invitation));
  Actor audited = actor;
  if (audited.system) audited.clinic_id = user.clinic_id;
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, audited, now, "create", "invitation", std::to_string(id)));
  return link;
}

Result<InvitationLink> AuthService::CreateInvitation(const Actor& actor, UserId user_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist},
                                      /*allow_system=*/true));
  auto target = store_.GetUser(user_id);
  if (!target) {
    if (target.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(target.error());
  }
  if (!actor.system && target->clinic_id != actor.clinic_id) return Fail(NotVisible());

  if (!actor.system && actor.role != Role::kAdmin) {
    // Care staff bring in their own clients and those clients' guardians.
    bool allowed = false;
    if (target->role == Role::kClient) {
      RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access, AccessToClient(store_, actor, user_id));
      allowed = access == ClientAccess::kClinical;
    } else if (target->role == Role::kGuardian) {
      RAPPORT_ASSIGN_OR_RETURN(auto children, store_.ListChildrenOfGuardian(user_id));
      for (UserId child : children) {
        RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access, AccessToClient(store_, actor, child));
        if (access == ClientAccess::kClinical) allowed = true;
      }
    }
    if (!allowed) return Fail(NotVisible());
  }
  if (!target->active) {
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
    RAPPORT_ASSIGN_OR_RETURN(link,
                             InsertInvitation(txn, actor, *target, now, options_.invitation_ttl));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return link;
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
  return InvitationInfo{user.id,   user.email,  user.display_name,
                        user.role, clinic.name, invitation->expires_at};
}

Result<LoginResult> AuthService::AcceptInvitation(std::string_view token, std::string_view password,
                                                  std::string_view source,
                                                  std::string_view user_agent) {
  // Cheap checks before the deliberately slow hash.
  RAPPORT_RETURN_IF_ERROR(PeekInvitation(token));
  RAPPORT_RETURN_IF_ERROR(ValidateNewPassword(password));
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, HashPassword(password, options_.hash_cost));
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
    RAPPORT_RETURN_IF_ERROR(txn.MarkInvitationUsed(invitation->id, now));
    RAPPORT_RETURN_IF_ERROR(txn.SetPasswordHash(user.id, hash));
    const Actor actor = ActorFor(user, 0, source, {});
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, actor, now, "accept", "invitation", std::to_string(invitation->id)));
    RAPPORT_ASSIGN_OR_RETURN(result, StartSession(txn, user, source, user_agent, now));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return result;
}

}  // namespace rapport
