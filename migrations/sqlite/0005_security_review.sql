-- 0005: what a security review of the running server asked for.

-- The audit chain is sealed with a key kept outside the database (a MAC, not a plain hash), so
-- that whoever can change the database file alone can neither rewrite nor forge an entry.
-- Entries written before this migration keep their plain BLAKE2b hashes; keyed_from_seq says
-- where the keyed part begins, and checkpoints outside the database record it too.
CREATE TABLE audit_chain (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  keyed_from_seq INTEGER NOT NULL
) STRICT;
INSERT INTO audit_chain (id, keyed_from_seq) SELECT 1, coalesce(max(seq), 0) + 1 FROM audit;
-- A few words more about an entry, e.g. how an accepted invitation was delivered.
ALTER TABLE audit ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- CSRF tokens are stored hashed, like session tokens. A session from before cannot be checked
-- against a hash, so every one of them ends: people sign in again once.
DELETE FROM auth_sessions;
ALTER TABLE auth_sessions RENAME COLUMN csrf_token TO csrf_hash;
CREATE INDEX auth_sessions_by_last_seen ON auth_sessions (last_seen_at);

-- Failed sign-ins remember the device they came from (a hash of its cookie), and the browsers
-- an account has signed in from are known, so that failures from elsewhere never slow the
-- account's own device down.
ALTER TABLE login_failures ADD COLUMN device_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_by_device ON login_failures (email, device_hash, at);
CREATE TABLE known_devices (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) STRICT;
CREATE INDEX known_devices_by_user ON known_devices (user_id);

-- An invitation sets a first password ('invite') or replaces a forgotten one ('reset'), and
-- says how its link reached the person. Links from before were handed to staff to pass on.
ALTER TABLE invitations ADD COLUMN purpose TEXT NOT NULL DEFAULT 'invite'
  CHECK (purpose IN ('invite', 'reset'));
ALTER TABLE invitations ADD COLUMN delivery TEXT NOT NULL DEFAULT 'in_person'
  CHECK (delivery IN ('email', 'in_person', 'cli'));
