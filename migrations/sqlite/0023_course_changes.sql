-- 0023: the rest of the course of therapy. When the Fit Check is sent and what the client chose
-- after a low fit; requests to change therapist and referrals, with the handover packet the client
-- consented to (only the sections they chose to share are ever stored); ruptures in the working
-- relationship and their repair; and the clinic's times for the Fit Check, for a repair note and
-- for flagging an episode without contact.

ALTER TABLE clinics ADD COLUMN fit_check_after_hours INTEGER NOT NULL DEFAULT 24
  CHECK (fit_check_after_hours BETWEEN 1 AND 336);
ALTER TABLE clinics ADD COLUMN repair_within_hours INTEGER NOT NULL DEFAULT 72
  CHECK (repair_within_hours BETWEEN 24 AND 720);
ALTER TABLE clinics ADD COLUMN no_contact_after_days INTEGER NOT NULL DEFAULT 45
  CHECK (no_contact_after_days BETWEEN 14 AND 365);

CREATE TABLE fit_followups (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  response_id INTEGER NOT NULL REFERENCES responses (id),
  choice TEXT NOT NULL CHECK (choice IN ('talk', 'more-sessions', 'change')),
  chosen_by INTEGER NOT NULL REFERENCES users (id),
  chosen_at INTEGER NOT NULL,
  UNIQUE (response_id)
) STRICT;
CREATE INDEX fit_followups_by_episode ON fit_followups (episode_id);

CREATE TABLE therapist_changes (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  client_id INTEGER NOT NULL REFERENCES users (id),
  from_therapist_id INTEGER NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (kind IN ('client-request', 'referral')),
  requested_by INTEGER NOT NULL REFERENCES users (id),
  requested_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  to_therapist_id INTEGER REFERENCES users (id),
  to_outside TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('awaiting-consent', 'consented', 'done', 'withdrawn')),
  consented_at INTEGER,
  packet TEXT CHECK (packet IS NULL OR json_valid(packet)),
  new_episode_id INTEGER REFERENCES episodes (id),
  decided_by INTEGER REFERENCES users (id),
  decided_at INTEGER,
  CHECK ((status IN ('consented', 'done')) <= (packet IS NOT NULL AND consented_at IS NOT NULL))
) STRICT;
-- At most one open change per episode.
CREATE UNIQUE INDEX therapist_changes_open_per_episode ON therapist_changes (episode_id)
  WHERE status IN ('awaiting-consent', 'consented');
CREATE INDEX therapist_changes_by_clinic ON therapist_changes (clinic_id, status);
CREATE INDEX therapist_changes_by_new_episode ON therapist_changes (new_episode_id);

-- A therapist's requests that the client answer the Support Check; it is due from the latest one
-- until the client answers.
CREATE TABLE support_check_requests (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  requested_by INTEGER NOT NULL REFERENCES users (id),
  requested_at INTEGER NOT NULL
) STRICT;
CREATE INDEX support_check_requests_by_episode ON support_check_requests (episode_id);

CREATE TABLE ruptures (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  noted_by INTEGER NOT NULL REFERENCES users (id),
  noted_at INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('rapport-alert', 'in-session', 'other')),
  alert_id INTEGER REFERENCES alerts (id),
  what_happened TEXT NOT NULL,
  repaired_by INTEGER REFERENCES users (id),
  repaired_at INTEGER,
  what_was_said TEXT,
  what_changes TEXT,
  CHECK ((repaired_at IS NULL) = (repaired_by IS NULL)),
  CHECK ((repaired_at IS NULL) = (what_was_said IS NULL))
) STRICT;
CREATE INDEX ruptures_by_episode ON ruptures (episode_id);

-- A repair, once written, is kept as written; a rupture is never deleted.
CREATE TRIGGER ruptures_repair_is_final BEFORE UPDATE ON ruptures
  WHEN OLD.repaired_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'a repair note cannot be changed');
END;

CREATE TRIGGER ruptures_are_kept BEFORE DELETE ON ruptures
BEGIN
  SELECT RAISE(ABORT, 'a rupture cannot be deleted');
END;
