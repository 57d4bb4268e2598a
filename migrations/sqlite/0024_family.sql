-- 0024: the adults around a child in therapy. The clinic's jurisdiction (the age a child becomes
-- an adolescent, the age a young person consents to their own care, and what guardians see by
-- default at each age band); each guardian's standing (relationship, legal authority, contact
-- preferences and the sections the care team chose for them); consent by guardians and assent by
-- the child, dated and renewed; safety disclosures of a young person's confidential items, which
-- are never changed; and who requested changes to or declined a plan proposal.

ALTER TABLE clinics ADD COLUMN adolescent_from_age INTEGER NOT NULL DEFAULT 12
  CHECK (adolescent_from_age BETWEEN 8 AND 21);
ALTER TABLE clinics ADD COLUMN minor_consent_age INTEGER NOT NULL DEFAULT 16
  CHECK (minor_consent_age BETWEEN 8 AND 21);
-- NULL: the shipped default policy (domain/people.h GuardianPolicy).
ALTER TABLE clinics ADD COLUMN guardian_policy TEXT
  CHECK (guardian_policy IS NULL OR json_valid(guardian_policy));

CREATE TABLE guardian_standings (
  link_id INTEGER PRIMARY KEY REFERENCES guardian_links (id) ON DELETE CASCADE,
  relationship TEXT NOT NULL CHECK (relationship IN ('parent', 'step_parent', 'grandparent',
                                                     'foster_carer', 'other_relative', 'other')),
  authority TEXT NOT NULL CHECK (authority IN ('parental_responsibility', 'shared_custody',
                                               'limited_by_court_order', 'none')),
  court_order TEXT NOT NULL,
  contact_channel TEXT NOT NULL CHECK (contact_channel IN ('email', 'phone', 'text', 'post')),
  contact_note TEXT NOT NULL,
  -- NULL: the clinic's policy for the child's age band.
  sections TEXT CHECK (sections IS NULL OR json_valid(sections)),
  updated_by INTEGER REFERENCES users (id),
  updated_at INTEGER NOT NULL,
  CHECK (authority <> 'limited_by_court_order' OR court_order <> '')
) STRICT;

CREATE TABLE care_consents (
  id INTEGER PRIMARY KEY,
  child_id INTEGER NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (kind IN ('guardian_consent', 'assent', 'own_consent')),
  -- Kept when the link is removed: the consent was given all the same.
  guardian_link_id INTEGER REFERENCES guardian_links (id) ON DELETE SET NULL,
  given_on TEXT NOT NULL,
  renew_by TEXT NOT NULL,
  note TEXT NOT NULL,
  recorded_by INTEGER NOT NULL REFERENCES users (id),
  recorded_at INTEGER NOT NULL,
  CHECK (renew_by > given_on)
) STRICT;
CREATE INDEX care_consents_by_child ON care_consents (child_id, id);

CREATE TABLE safety_disclosures (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  guardian_link_id INTEGER REFERENCES guardian_links (id) ON DELETE SET NULL,
  item_key TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason <> ''),
  disclosed_by INTEGER NOT NULL REFERENCES users (id),
  disclosed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX safety_disclosures_by_episode ON safety_disclosures (episode_id, id);
CREATE TRIGGER safety_disclosures_are_kept
BEFORE UPDATE OF episode_id, item_key, reason, disclosed_by, disclosed_at ON safety_disclosures
BEGIN
  SELECT RAISE(ABORT, 'a safety disclosure is kept as it was made');
END;

ALTER TABLE plan_versions ADD COLUMN decided_by INTEGER REFERENCES users (id);
