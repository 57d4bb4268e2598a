-- 0011: how to reach a client and whom to call when they cannot be reached (domain/contact.h).
-- One row per client once anyone has written it; no row: nothing known yet.

CREATE TABLE client_contacts (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  phone TEXT NOT NULL DEFAULT '',
  contact_method TEXT NOT NULL DEFAULT 'any'
    CHECK (contact_method IN ('any', 'phone', 'text', 'email')),
  contact_times TEXT NOT NULL DEFAULT '',
  emergency_name TEXT NOT NULL DEFAULT '',
  emergency_relationship TEXT NOT NULL DEFAULT '',
  emergency_phone TEXT NOT NULL DEFAULT '',
  pronouns TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users (id)
) STRICT;
