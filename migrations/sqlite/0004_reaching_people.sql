-- 0004: getting an alert to a person within minutes. The clinic's safety settings, channels,
-- crisis lines and on-call cover; each person's channel preferences; the notification outbox
-- (written in the same transaction as the alert that causes it, delivered afterwards); and the
-- scheduler's jobs (whatever happens because time passed), run and marked done in one
-- transaction so that each runs exactly once.

-- The clinic's own words and numbers for a client in crisis, per country (domain/crisis.h JSON).
-- A country without a row here uses the set shipped with Rapport.
CREATE TABLE clinic_crisis_sets (
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  country TEXT NOT NULL CHECK (length(country) = 2),
  set_json TEXT NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users (id),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (clinic_id, country)
) STRICT, WITHOUT ROWID;

-- Hours, time zone, escalation delays, on-call promise (domain/escalation.h JSON).
CREATE TABLE clinic_safety (
  clinic_id INTEGER PRIMARY KEY REFERENCES clinics (id),
  settings_json TEXT NOT NULL
) STRICT;

CREATE TABLE clinic_channels (
  clinic_id INTEGER PRIMARY KEY REFERENCES clinics (id),
  webhook_url TEXT NOT NULL DEFAULT '',
  webhook_secret TEXT NOT NULL DEFAULT '',
  mail_from TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE on_call_shifts (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX on_call_shifts_by_clinic ON on_call_shifts (clinic_id, starts_at);

CREATE TABLE notification_preferences (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  email INTEGER NOT NULL CHECK (email IN (0, 1)),
  email_min_severity TEXT NOT NULL
    CHECK (email_min_severity IN ('info', 'low', 'medium', 'high', 'critical')),
  live INTEGER NOT NULL CHECK (live IN (0, 1))
) STRICT;

-- The client's country picks their crisis lines; empty: the clinic's country.
ALTER TABLE client_profiles ADD COLUMN country TEXT NOT NULL DEFAULT ''
  CHECK (country = '' OR length(country) = 2);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  alert_id INTEGER REFERENCES alerts (id),
  recipient_id INTEGER REFERENCES users (id),
  channel TEXT NOT NULL CHECK (channel IN ('live', 'email', 'webhook')),
  reason TEXT NOT NULL,
  step INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),
  dedupe_key TEXT,  -- NULL when none; unique otherwise
  address TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  payload_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'sending', 'sent', 'held', 'skipped', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX notifications_by_dedupe_key ON notifications (dedupe_key)
  WHERE dedupe_key IS NOT NULL;
-- Only undelivered rows are in this index: the worker's look-up stays small however long the
-- history grows.
CREATE INDEX notifications_due ON notifications (next_attempt_at, id)
  WHERE state IN ('pending', 'sending');
CREATE INDEX notifications_by_alert ON notifications (alert_id, id);
CREATE INDEX notifications_mail ON notifications (clinic_id, channel, state, id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  payload_json TEXT NOT NULL DEFAULT '{}',
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  done_at INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX jobs_due ON jobs (due_at, id) WHERE state = 'pending';
CREATE INDEX jobs_by_clinic ON jobs (clinic_id, kind, id);
