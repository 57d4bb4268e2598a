#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind signing in (auth
// sessions, the devices a user has signed in from before, failed sign-ins, and invitations). Each
// takes the connection it runs on, so the read pool and the write transaction share one text of
// every query. None of it is sealed: the tokens are stored as hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sql/sql_connection.h"
#include "store/store.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Result<SessionId> InsertSession(SqlConnection& c, const AuthSession& s);
Status TouchSession(SqlConnection& c, SessionId id, Timestamp last_seen_at);
Status DeleteSession(SqlConnection& c, SessionId id);
Status DeleteSessionsOfUser(SqlConnection& c, UserId user_id);
Status DeleteOtherSessionsOfUser(SqlConnection& c, UserId user_id, SessionId keep);
Result<int> DeleteExpiredSessions(SqlConnection& c, ClinicId clinic_id, Timestamp idle_before,
                                  Timestamp created_before);
Status UpsertKnownDevice(SqlConnection& c, const KnownDevice& d);
Result<std::int64_t> InsertLoginFailure(SqlConnection& c, const LoginFailure& f);
Status DeleteLoginFailure(SqlConnection& c, std::int64_t id);
Status ClearLoginFailuresForEmail(SqlConnection& c, const std::string& email);
Status PruneLoginFailures(SqlConnection& c, Timestamp before);
Result<InvitationId> InsertInvitation(SqlConnection& c, const Invitation& i);
// kFailedPrecondition when the invitation has been used already.
Status MarkInvitationUsed(SqlConnection& c, InvitationId id, Timestamp used_at);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<AuthSession> FindSessionByTokenHash(SqlConnection& c, const std::string& token_hash);
Result<std::vector<AuthSession>> ListSessionsOfUser(SqlConnection& c, UserId user_id);
Result<bool> IsKnownDevice(SqlConnection& c, UserId user_id, const std::string& token_hash);
Result<LoginFailureCount> CountLoginFailures(SqlConnection& c, const LoginFailureScope& scope,
                                             Timestamp since);
Result<Invitation> FindInvitationByTokenHash(SqlConnection& c, const std::string& token_hash);
Result<std::optional<Invitation>> FindFirstAcceptedInvitation(SqlConnection& c, UserId user_id);
Result<std::vector<Invitation>> ListInvitationsOfUser(SqlConnection& c, UserId user_id);

}  // namespace rapport::sql
