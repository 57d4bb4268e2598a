-- 0013: reads whose cost does not grow with a client's history. A summary row per episode,
-- questionnaire and respondent (how many answers, the first total and the latest twelve), kept by
-- a trigger inside the same transaction as the answer, and indexes that let the caseload and a
-- new answer read only the few rows they need. Audit entries can name several records, so that a
-- caseload view is one entry instead of one per client.

CREATE TABLE response_series (
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  instrument TEXT NOT NULL,
  respondent TEXT NOT NULL CHECK (respondent IN ('client', 'guardian', 'therapist')),
  answered INTEGER NOT NULL CHECK (answered >= 1),
  first_submitted_at INTEGER NOT NULL,
  last_submitted_at INTEGER NOT NULL,
  -- The oldest total (the baseline) and the answer that gave it; NULL until an answer has one.
  first_total REAL,
  first_total_at INTEGER,
  first_total_id INTEGER,
  -- The latest twelve totals as a JSON array of [submitted_at, id, total, band], in no order.
  recent TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (episode_id, instrument, respondent)
) STRICT, WITHOUT ROWID;

INSERT INTO response_series (episode_id, instrument, respondent, answered, first_submitted_at,
                             last_submitted_at)
  SELECT episode_id, instrument, respondent, count(*), min(submitted_at), max(submitted_at)
  FROM responses GROUP BY episode_id, instrument, respondent;

UPDATE response_series SET (first_total, first_total_at, first_total_id) = (
  SELECT r.total, r.submitted_at, r.id FROM responses r
  WHERE r.episode_id = response_series.episode_id AND r.instrument = response_series.instrument
    AND r.respondent = response_series.respondent AND r.total IS NOT NULL
  ORDER BY r.submitted_at, r.id LIMIT 1);

UPDATE response_series SET recent = (
  SELECT json_group_array(json_array(submitted_at, id, total, band)) FROM (
    SELECT r.submitted_at, r.id, r.total, r.band FROM responses r
    WHERE r.episode_id = response_series.episode_id AND r.instrument = response_series.instrument
      AND r.respondent = response_series.respondent AND r.total IS NOT NULL
    ORDER BY r.submitted_at DESC, r.id DESC LIMIT 12));

-- Answers are never updated or deleted, so following the inserts keeps the summary exact, in
-- whatever order of time the answers arrive.
CREATE TRIGGER responses_into_series AFTER INSERT ON responses
BEGIN
  INSERT INTO response_series (episode_id, instrument, respondent, answered, first_submitted_at,
                               last_submitted_at)
    VALUES (NEW.episode_id, NEW.instrument, NEW.respondent, 1, NEW.submitted_at, NEW.submitted_at)
    ON CONFLICT (episode_id, instrument, respondent) DO UPDATE SET
      answered = answered + 1,
      first_submitted_at = min(first_submitted_at, excluded.first_submitted_at),
      last_submitted_at = max(last_submitted_at, excluded.last_submitted_at);
  UPDATE response_series SET
      first_total = NEW.total, first_total_at = NEW.submitted_at, first_total_id = NEW.id
    WHERE episode_id = NEW.episode_id AND instrument = NEW.instrument
      AND respondent = NEW.respondent AND NEW.total IS NOT NULL
      AND (first_total_at IS NULL OR NEW.submitted_at < first_total_at
           OR (NEW.submitted_at = first_total_at AND NEW.id < first_total_id));
  UPDATE response_series SET recent = (
      SELECT json_group_array(json(value)) FROM (
        SELECT value FROM json_each(json_insert(recent, '$[#]',
                                                json_array(NEW.submitted_at, NEW.id, NEW.total,
                                                           NEW.band)))
        ORDER BY value ->> 0 DESC, value ->> 1 DESC LIMIT 12))
    WHERE episode_id = NEW.episode_id AND instrument = NEW.instrument
      AND respondent = NEW.respondent AND NEW.total IS NOT NULL;
END;

-- Which of a clinic's episodes have ended, without visiting the others.
CREATE INDEX episodes_ended_by_clinic ON episodes (clinic_id, id) WHERE status = 'ended';

-- The caseload's open alerts without visiting closed ones.
CREATE INDEX alerts_open_by_episode ON alerts (episode_id, severity) WHERE state = 'open';

-- A plan's standing without reading its content.
CREATE INDEX plan_versions_standing
  ON plan_versions (episode_id, number, status, decided_at, updated_at);

-- When a plan was last reviewed without reading its other events.
CREATE INDEX plan_events_by_kind ON plan_events (episode_id, kind, at);

-- The caseload's next appointment and completed sessions without visiting the others.
CREATE INDEX appointments_by_episode_status ON appointments (episode_id, status, starts_at);

-- Records an entry names besides its own (a caseload view names every client it showed), as a
-- JSON array of "record_type:record_id"; covered by the entry's hash when not empty.
ALTER TABLE audit ADD COLUMN subjects TEXT NOT NULL DEFAULT '[]';

CREATE TABLE audit_subjects (
  record_key TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES audit (seq),
  PRIMARY KEY (record_key, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
