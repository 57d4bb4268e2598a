-- 0007: an e-mail address is unique within a clinic, not across all of them. A person may be a
-- client of two practices, and staff of one clinic must not learn from a refused address that
-- it has an account at another. Signing in with an address that has accounts in two clinics
-- finds the one whose password it is.

CREATE TABLE users_new (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  email TEXT NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'therapist', 'client', 'guardian')),
  -- Empty: no password yet (an invited user who has not accepted).
  password_hash TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  UNIQUE (clinic_id, email)
) STRICT;
INSERT INTO users_new (id, clinic_id, email, display_name, role, password_hash, active, created_at)
SELECT id, clinic_id, email, display_name, role, password_hash, active, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_clinic ON users (clinic_id, id);
CREATE INDEX users_by_email ON users (email, id);
