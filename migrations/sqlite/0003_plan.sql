-- 0003: the collaborative treatment plan (issue 4): the versions of each episode's plan, the
-- signatures of agreement over a version's exact content, and what is recorded between versions
-- (rankings, self-ratings, homework ticks, thought records, GAS levels, reviews). Enum columns hold
-- the names domain/plan.h prints (ToString). Also the clinic's plan review interval.

CREATE TABLE plan_versions (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  number INTEGER NOT NULL CHECK (number >= 1),
  status TEXT NOT NULL CHECK (status IN ('draft', 'proposed', 'changes_requested', 'declined',
                                         'withdrawn', 'agreed', 'superseded')),
  content_json TEXT NOT NULL,
  -- Empty while a draft; set when proposed and never changed after (see the triggers below).
  content_hash TEXT NOT NULL DEFAULT '',
  created_by INTEGER NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  proposed_at INTEGER,
  decided_at INTEGER,
  client_comment TEXT NOT NULL DEFAULT '',
  UNIQUE (episode_id, number)
) STRICT;

-- A proposed or signed version's content never changes, even through a careless query: the
-- store checks this too, the trigger is the last line.
CREATE TRIGGER plan_versions_frozen_content BEFORE UPDATE OF content_json, content_hash
ON plan_versions
WHEN OLD.content_hash <> ''
  AND (NEW.content_json IS NOT OLD.content_json OR NEW.content_hash IS NOT OLD.content_hash)
BEGIN
  SELECT RAISE(ABORT, 'a proposed or signed plan version''s content cannot change');
END;
CREATE TRIGGER plan_versions_no_delete_frozen BEFORE DELETE ON plan_versions
WHEN OLD.content_hash <> ''
BEGIN
  SELECT RAISE(ABORT, 'a proposed or signed plan version cannot be deleted');
END;

-- Who agreed to exactly which content: append-only.
CREATE TABLE plan_signatures (
  version_id INTEGER NOT NULL REFERENCES plan_versions (id),
  role TEXT NOT NULL CHECK (role IN ('therapist', 'client', 'guardian')),
  user_id INTEGER NOT NULL REFERENCES users (id),
  signed_at INTEGER NOT NULL,
  content_hash TEXT NOT NULL CHECK (content_hash <> ''),
  PRIMARY KEY (version_id, role)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER plan_signatures_no_update BEFORE UPDATE ON plan_signatures
BEGIN
  SELECT RAISE(ABORT, 'plan signatures are append-only');
END;
CREATE TRIGGER plan_signatures_no_delete BEFORE DELETE ON plan_signatures
BEGIN
  SELECT RAISE(ABORT, 'plan signatures are append-only');
END;

-- What happens between versions; a later event supersedes an earlier one, none is ever changed.
CREATE TABLE plan_events (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  kind TEXT NOT NULL CHECK (kind IN ('ranking', 'self_rating', 'homework', 'thought_record',
                                     'gas_level', 'review')),
  subject TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  actor_id INTEGER NOT NULL REFERENCES users (id),
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX plan_events_by_episode ON plan_events (episode_id, at, id);

CREATE TRIGGER plan_events_no_update BEFORE UPDATE ON plan_events
BEGIN
  SELECT RAISE(ABORT, 'plan events are append-only');
END;
CREATE TRIGGER plan_events_no_delete BEFORE DELETE ON plan_events
BEGIN
  SELECT RAISE(ABORT, 'plan events are append-only');
END;

-- When a plan falls due for review: after this many completed sessions or days since it was
-- agreed or last reviewed, whichever comes first.
ALTER TABLE clinics ADD COLUMN plan_review_sessions INTEGER NOT NULL DEFAULT 6
  CHECK (plan_review_sessions BETWEEN 1 AND 52);
ALTER TABLE clinics ADD COLUMN plan_review_days INTEGER NOT NULL DEFAULT 90
  CHECK (plan_review_days BETWEEN 1 AND 730);
