-- 0001: clinics, people, episodes of care, appointments, sign-in state and the audit trail.
-- Every table is STRICT; every time is INTEGER milliseconds since the Unix epoch (UTC); every
-- boolean is INTEGER 0/1. Enum columns hold the names domain/people.h prints (ToString).

CREATE TABLE clinics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  share_with_guardians INTEGER NOT NULL DEFAULT 1 CHECK (share_with_guardians IN (0, 1)),
  allow_link_feedback INTEGER NOT NULL DEFAULT 1 CHECK (allow_link_feedback IN (0, 1))
) STRICT;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  email TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'therapist', 'client', 'guardian')),
  -- Empty: no password yet (an invited user who has not accepted).
  password_hash TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_clinic ON users (clinic_id, id);

CREATE TABLE therapist_profiles (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  credentials TEXT NOT NULL DEFAULT '',
  bio TEXT NOT NULL DEFAULT '',
  accepting_new_clients INTEGER NOT NULL DEFAULT 1 CHECK (accepting_new_clients IN (0, 1))
) STRICT;

CREATE TABLE client_profiles (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  date_of_birth TEXT NOT NULL DEFAULT '',  -- 'YYYY-MM-DD' or empty when unknown
  preferred_name TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE supervision_links (
  supervisor_id INTEGER NOT NULL REFERENCES users (id),
  therapist_id INTEGER NOT NULL REFERENCES users (id),
  PRIMARY KEY (supervisor_id, therapist_id),
  CHECK (supervisor_id <> therapist_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX supervision_links_by_therapist ON supervision_links (therapist_id, supervisor_id);

CREATE TABLE guardian_links (
  guardian_id INTEGER NOT NULL REFERENCES users (id),
  child_id INTEGER NOT NULL REFERENCES users (id),
  PRIMARY KEY (guardian_id, child_id),
  CHECK (guardian_id <> child_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX guardian_links_by_child ON guardian_links (child_id, guardian_id);

CREATE TABLE episodes (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  client_id INTEGER NOT NULL REFERENCES users (id),
  therapist_id INTEGER NOT NULL REFERENCES users (id),
  status TEXT NOT NULL CHECK (status IN ('intake', 'active', 'ended')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER
) STRICT;
CREATE INDEX episodes_by_client ON episodes (client_id, id);
CREATE INDEX episodes_by_therapist ON episodes (therapist_id, id);
CREATE INDEX episodes_by_clinic ON episodes (clinic_id, id);

CREATE TABLE appointments (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  starts_at INTEGER NOT NULL,
  duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
  modality TEXT NOT NULL CHECK (modality IN ('in-person', 'video', 'phone', 'text')),
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no-show'))
) STRICT;
CREATE INDEX appointments_by_episode ON appointments (episode_id, starts_at);

-- Signed-in browser sessions; only a hash of the cookie token is stored.
CREATE TABLE auth_sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX auth_sessions_by_user ON auth_sessions (user_id);

-- Failed sign-ins, counted per email and per source address over a recent window. No foreign
-- key: the email typed need not belong to anyone.
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  source TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_email ON login_failures (email, at);
CREATE INDEX login_failures_by_source ON login_failures (source, at);
CREATE INDEX login_failures_by_at ON login_failures (at);

CREATE TABLE invitations (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  created_by INTEGER NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX invitations_by_user ON invitations (user_id);

-- The audit trail: a hash chain (domain/audit.h). No foreign keys on purpose: clinic_id and
-- actor_id are 0 for system actions, and nothing may ever stop an entry from being written.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  clinic_id INTEGER NOT NULL,
  actor_id INTEGER NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  source TEXT NOT NULL,
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE INDEX audit_by_clinic ON audit (clinic_id, seq);

-- Append-only even against a careless query: any UPDATE or DELETE of an entry fails.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
