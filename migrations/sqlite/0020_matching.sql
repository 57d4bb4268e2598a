-- 0020: finding the right therapist. A therapist's offer (what they work with, languages,
-- modalities, times, payers, and self-described identity with a show flag per attribute) beside
-- their profile; the licence verification an admin records; a client's needs and wishes; and the
-- preparation a client may write (and choose to share) before a first session. The offer and the
-- preferences are kept as the validated JSON the domain reads and writes (domain/matching.h):
-- they are read whole, never searched field by field. The clinic's settings say whether its own
-- outcomes weigh in matching and from how many ended episodes a therapist's figures count.

CREATE TABLE therapist_offers (
  therapist_id INTEGER PRIMARY KEY REFERENCES users (id),
  offer TEXT NOT NULL CHECK (json_valid(offer)),
  licence_verified_at INTEGER,
  licence_verified_by INTEGER REFERENCES users (id),
  updated_at INTEGER NOT NULL,
  CHECK ((licence_verified_at IS NULL) = (licence_verified_by IS NULL))
) STRICT;

CREATE TABLE client_preferences (
  client_id INTEGER PRIMARY KEY REFERENCES users (id),
  preferences TEXT NOT NULL CHECK (json_valid(preferences)),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE first_steps (
  client_id INTEGER PRIMARY KEY REFERENCES users (id),
  brings TEXT NOT NULL,
  hopes TEXT NOT NULL,
  worries TEXT NOT NULL,
  shared INTEGER NOT NULL CHECK (shared IN (0, 1)),
  updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE clinics ADD COLUMN outcome_informed_matching INTEGER NOT NULL DEFAULT 0
  CHECK (outcome_informed_matching IN (0, 1));
ALTER TABLE clinics ADD COLUMN min_outcome_episodes INTEGER NOT NULL DEFAULT 10
  CHECK (min_outcome_episodes BETWEEN 3 AND 200);
