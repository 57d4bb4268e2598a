-- 0008: an address belongs to an account only once its owner accepts the invitation sent to it.
-- Staff who add a client, a guardian or a colleague always get the same answer, whether or not
-- the address already has an account in their clinic; they must not be able to learn from a
-- refusal who else the clinic knows. A record made by staff waits with its address unconfirmed;
-- accepting the invitation confirms it, and is refused (to the owner of the inbox only) when the
-- address is already held by another account of the clinic. Addresses stay unique among
-- confirmed accounts of a clinic; records from before this step are all confirmed.

CREATE TABLE users_new (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  email TEXT NOT NULL,
  -- 1: the address signs in to this account. 0: invited by staff and not yet accepted.
  email_confirmed INTEGER NOT NULL DEFAULT 1 CHECK (email_confirmed IN (0, 1)),
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'therapist', 'client', 'guardian')),
  -- Empty: no password yet (an invited user who has not accepted).
  password_hash TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
INSERT INTO users_new (id, clinic_id, email, email_confirmed, display_name, role, password_hash,
                       active, created_at)
SELECT id, clinic_id, email, 1, display_name, role, password_hash, active, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_clinic ON users (clinic_id, id);
CREATE INDEX users_by_email ON users (email, id);
CREATE UNIQUE INDEX users_confirmed_email ON users (clinic_id, email) WHERE email_confirmed = 1;
