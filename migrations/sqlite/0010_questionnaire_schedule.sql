-- 0010: how often an episode asks each questionnaire, chosen by its therapist. NULL: the
-- questionnaire's own default (its definition's "schedule", else every session, and the Fit Check
-- once), so that existing episodes and a clinic's own definitions keep their defaults.

ALTER TABLE episode_instruments ADD COLUMN every_sessions INTEGER
  CHECK (every_sessions IS NULL OR every_sessions BETWEEN 0 AND 52);
ALTER TABLE episode_instruments ADD COLUMN every_weeks INTEGER
  CHECK (every_weeks IS NULL OR every_weeks BETWEEN 0 AND 52);
