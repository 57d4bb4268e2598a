-- 0006: a guardian is linked to a client only with standing. Staff ask; the guardian accepts;
-- staff record consent to share; only then does the link share anything. A client not under
-- the clinic's age of majority has a guardian only with a recorded exception.

CREATE TABLE guardian_links_new (
  id INTEGER PRIMARY KEY,
  guardian_id INTEGER NOT NULL REFERENCES users (id),
  child_id INTEGER NOT NULL REFERENCES users (id),
  requested_by INTEGER REFERENCES users (id),  -- NULL: the system
  requested_at INTEGER NOT NULL,
  requested_name TEXT NOT NULL DEFAULT '',
  exception_reason TEXT NOT NULL DEFAULT '',
  accepted_at INTEGER,
  consent_recorded_by INTEGER REFERENCES users (id),  -- NULL: the system
  consent_recorded_at INTEGER,
  consent_note TEXT NOT NULL DEFAULT '',
  UNIQUE (guardian_id, child_id),
  CHECK (guardian_id <> child_id)
) STRICT;

-- Links made before this step were shared from the moment staff made them. They keep working,
-- and say so, so that no family loses access on upgrade; staff can remove any of them.
INSERT INTO guardian_links_new (guardian_id, child_id, requested_at, accepted_at,
                                consent_recorded_at, consent_note)
SELECT guardian_id, child_id, now_ms, now_ms, now_ms,
       'Linked before Rapport asked guardians to accept and staff to record consent.'
FROM guardian_links, (SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS now_ms);

DROP TABLE guardian_links;
ALTER TABLE guardian_links_new RENAME TO guardian_links;
CREATE INDEX guardian_links_by_child ON guardian_links (child_id, guardian_id);

ALTER TABLE clinics ADD COLUMN age_of_majority INTEGER NOT NULL DEFAULT 18
  CHECK (age_of_majority BETWEEN 14 AND 21);
