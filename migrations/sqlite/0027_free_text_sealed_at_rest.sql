-- 0027: free text sealed at rest, field by field. What clients, guardians and therapists write
-- (answers, plans, events, notes, endings, ruptures, changes of therapist, requests, notes on
-- alerts, consents and standings, messages) is kept as "rk1.<data key>.<sealed text>",
-- XChaCha20-Poly1305 under a data key of the record's clinic (store/sql/field_cipher.h). The data
-- keys are kept here only wrapped under a master key that lives in a file outside the database
-- (store/sql/key_ring.h): the database file alone reveals none of the text.
--
-- SQL has no key, so this step seals nothing itself: the store seals every value still in clear
-- at its first start (clear_text_sweep records when that is done). The constraints and triggers
-- below are made to let sealed values in: a JSON column takes a sealed value or JSON, and the
-- triggers that keep signed and append-only records as they are let exactly one change through,
-- a value of a sealed column replaced by a sealed value with every other column unchanged
-- (sealing clear text, or sealing again under a newer key). Reads check what opens: a plan
-- version's content against its content_hash.

-- A clinic's data keys: 32 random bytes each, sealed under the master key with the clinic and the
-- key's id (`wrapped`), beside the fingerprint of that master key. One is active; after a
-- rotation the others are retiring until no value is left under them, then retired. A data key is
-- never deleted: a value sealed under it would be lost.
CREATE TABLE data_keys (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  wrapped TEXT NOT NULL CHECK (length(wrapped) > 0),
  master_fingerprint TEXT NOT NULL CHECK (length(master_fingerprint) = 16),
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'retired'))
) STRICT;
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (clinic_id) WHERE state = 'active';
CREATE INDEX data_keys_by_clinic ON data_keys (clinic_id, id);

CREATE TRIGGER data_keys_are_kept BEFORE DELETE ON data_keys
BEGIN
  SELECT RAISE(ABORT, 'a data key is never deleted: the values sealed under it would be lost');
END;

-- When the store sealed what this database held in clear before this step; NULL: not yet.
CREATE TABLE clear_text_sweep (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  finished_at INTEGER
) STRICT;
INSERT INTO clear_text_sweep (id, finished_at) VALUES (1, NULL);

-- JSON columns that hold sealed values: SQLite changes a CHECK by building the table again.

CREATE TABLE client_preferences_new (
  client_id INTEGER PRIMARY KEY REFERENCES users (id),
  preferences TEXT NOT NULL
    CHECK (substr(preferences, 1, 4) = 'rk1.' OR json_valid(preferences)),
  updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO client_preferences_new (client_id, preferences, updated_at)
  SELECT client_id, preferences, updated_at FROM client_preferences;
DROP TABLE client_preferences;
ALTER TABLE client_preferences_new RENAME TO client_preferences;

CREATE TABLE episode_endings_new (
  episode_id INTEGER PRIMARY KEY REFERENCES episodes (id),
  reason TEXT NOT NULL CHECK (reason IN ('goals-met', 'mutual-agreement', 'client-chose-to-stop',
                                         'no-contact', 'transferred', 'referred-out', 'other')),
  ended_by INTEGER NOT NULL REFERENCES users (id),
  ended_at INTEGER NOT NULL,
  words TEXT NOT NULL CHECK (substr(words, 1, 4) = 'rk1.' OR json_valid(words))
) STRICT;
INSERT INTO episode_endings_new (episode_id, reason, ended_by, ended_at, words)
  SELECT episode_id, reason, ended_by, ended_at, words FROM episode_endings;
DROP TABLE episode_endings;
ALTER TABLE episode_endings_new RENAME TO episode_endings;

CREATE TABLE session_notes_new (
  id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  author_id INTEGER NOT NULL REFERENCES users (id),
  template TEXT NOT NULL CHECK (json_valid(template)),
  sections TEXT NOT NULL CHECK (substr(sections, 1, 4) = 'rk1.' OR json_valid(sections)),
  state TEXT NOT NULL CHECK (state IN ('draft', 'signed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  signed_at INTEGER,
  signed_by INTEGER REFERENCES users (id),
  CHECK ((state = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL))
) STRICT;
INSERT INTO session_notes_new (id, appointment_id, episode_id, author_id, template, sections,
                               state, created_at, updated_at, signed_at, signed_by)
  SELECT id, appointment_id, episode_id, author_id, template, sections, state, created_at,
         updated_at, signed_at, signed_by FROM session_notes;
DROP TABLE session_notes;
ALTER TABLE session_notes_new RENAME TO session_notes;
CREATE INDEX session_notes_by_episode ON session_notes (episode_id);

-- A signed note is final; only its sections may be sealed (again).
CREATE TRIGGER session_notes_signed_are_final BEFORE UPDATE ON session_notes
  WHEN OLD.state = 'signed'
   AND NOT (substr(NEW.sections, 1, 4) = 'rk1.' AND NEW.id IS OLD.id
            AND NEW.appointment_id IS OLD.appointment_id AND NEW.episode_id IS OLD.episode_id
            AND NEW.author_id IS OLD.author_id AND NEW.template IS OLD.template
            AND NEW.state IS OLD.state AND NEW.created_at IS OLD.created_at
            AND NEW.updated_at IS OLD.updated_at AND NEW.signed_at IS OLD.signed_at
            AND NEW.signed_by IS OLD.signed_by)
BEGIN
  SELECT RAISE(ABORT, 'a signed session note cannot be changed');
END;

CREATE TRIGGER session_notes_signed_are_kept BEFORE DELETE ON session_notes
  WHEN OLD.state = 'signed'
BEGIN
  SELECT RAISE(ABORT, 'a signed session note cannot be deleted');
END;

CREATE TABLE therapist_changes_new (
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
  packet TEXT CHECK (packet IS NULL OR substr(packet, 1, 4) = 'rk1.' OR json_valid(packet)),
  new_episode_id INTEGER REFERENCES episodes (id),
  decided_by INTEGER REFERENCES users (id),
  decided_at INTEGER,
  CHECK ((status IN ('consented', 'done')) <= (packet IS NOT NULL AND consented_at IS NOT NULL))
) STRICT;
INSERT INTO therapist_changes_new (id, clinic_id, episode_id, client_id, from_therapist_id, kind,
                                   requested_by, requested_at, reason, to_therapist_id,
                                   to_outside, status, consented_at, packet, new_episode_id,
                                   decided_by, decided_at)
  SELECT id, clinic_id, episode_id, client_id, from_therapist_id, kind, requested_by,
         requested_at, reason, to_therapist_id, to_outside, status, consented_at, packet,
         new_episode_id, decided_by, decided_at FROM therapist_changes;
DROP TABLE therapist_changes;
ALTER TABLE therapist_changes_new RENAME TO therapist_changes;
CREATE UNIQUE INDEX therapist_changes_open_per_episode ON therapist_changes (episode_id)
  WHERE status IN ('awaiting-consent', 'consented');
CREATE INDEX therapist_changes_by_clinic ON therapist_changes (clinic_id, status);
CREATE INDEX therapist_changes_by_new_episode ON therapist_changes (new_episode_id);

-- A proposed or signed version's content never changes; it may be sealed (again) under the same
-- content_hash, which every read checks the opened content against.
DROP TRIGGER plan_versions_frozen_content;
CREATE TRIGGER plan_versions_frozen_content BEFORE UPDATE OF content_json, content_hash
ON plan_versions
WHEN OLD.content_hash <> ''
  AND (NEW.content_json IS NOT OLD.content_json OR NEW.content_hash IS NOT OLD.content_hash)
  AND NOT (NEW.content_hash IS OLD.content_hash AND substr(NEW.content_json, 1, 4) = 'rk1.')
BEGIN
  SELECT RAISE(ABORT, 'a proposed or signed plan version''s content cannot change');
END;

DROP TRIGGER plan_events_no_update;
CREATE TRIGGER plan_events_no_update BEFORE UPDATE ON plan_events
WHEN NOT (substr(NEW.payload_json, 1, 4) = 'rk1.' AND NEW.id IS OLD.id
          AND NEW.episode_id IS OLD.episode_id AND NEW.kind IS OLD.kind
          AND NEW.subject IS OLD.subject AND NEW.actor_id IS OLD.actor_id AND NEW.at IS OLD.at)
BEGIN
  SELECT RAISE(ABORT, 'plan events are append-only');
END;

DROP TRIGGER note_addenda_are_final;
CREATE TRIGGER note_addenda_are_final BEFORE UPDATE ON note_addenda
WHEN NOT (substr(NEW.text, 1, 4) = 'rk1.' AND NEW.id IS OLD.id AND NEW.note_id IS OLD.note_id
          AND NEW.author_id IS OLD.author_id AND NEW.created_at IS OLD.created_at)
BEGIN
  SELECT RAISE(ABORT, 'an addendum cannot be changed');
END;

DROP TRIGGER ruptures_repair_is_final;
CREATE TRIGGER ruptures_repair_is_final BEFORE UPDATE ON ruptures
  WHEN OLD.repaired_at IS NOT NULL
   AND NOT (NEW.id IS OLD.id AND NEW.episode_id IS OLD.episode_id
            AND NEW.noted_by IS OLD.noted_by AND NEW.noted_at IS OLD.noted_at
            AND NEW.source IS OLD.source AND NEW.alert_id IS OLD.alert_id
            AND NEW.repaired_by IS OLD.repaired_by AND NEW.repaired_at IS OLD.repaired_at
            AND (NEW.what_happened IS OLD.what_happened
                 OR substr(NEW.what_happened, 1, 4) = 'rk1.')
            AND (NEW.what_was_said IS OLD.what_was_said
                 OR substr(NEW.what_was_said, 1, 4) = 'rk1.')
            AND (NEW.what_changes IS OLD.what_changes
                 OR substr(NEW.what_changes, 1, 4) = 'rk1.'))
BEGIN
  SELECT RAISE(ABORT, 'a repair note cannot be changed');
END;

DROP TRIGGER safety_disclosures_are_kept;
CREATE TRIGGER safety_disclosures_are_kept
BEFORE UPDATE OF episode_id, item_key, reason, disclosed_by, disclosed_at ON safety_disclosures
WHEN NOT (substr(NEW.reason, 1, 4) = 'rk1.' AND NEW.episode_id IS OLD.episode_id
          AND NEW.item_key IS OLD.item_key AND NEW.disclosed_by IS OLD.disclosed_by
          AND NEW.disclosed_at IS OLD.disclosed_at)
BEGIN
  SELECT RAISE(ABORT, 'a safety disclosure is kept as it was made');
END;
