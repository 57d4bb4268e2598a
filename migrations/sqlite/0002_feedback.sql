-- 0002: formal client feedback (issue 3): the questionnaires each episode uses, the responses,
-- the alerts they raise and password-less feedback links. Enum columns hold the names
-- store/feedback_records.h and domain/alerts.h print (ToString).

CREATE TABLE episode_instruments (
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  instrument TEXT NOT NULL,
  respondent TEXT NOT NULL CHECK (respondent IN ('client', 'guardian', 'therapist')),
  assigned_at INTEGER NOT NULL,
  PRIMARY KEY (episode_id, instrument, respondent)
) STRICT;

CREATE TABLE responses (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  appointment_id INTEGER REFERENCES appointments (id),
  instrument TEXT NOT NULL,
  instrument_version TEXT NOT NULL,
  respondent TEXT NOT NULL CHECK (respondent IN ('client', 'guardian', 'therapist')),
  respondent_user_id INTEGER NOT NULL REFERENCES users (id),
  submitted_at INTEGER NOT NULL,
  session_number INTEGER NOT NULL CHECK (session_number >= 0),
  answers TEXT NOT NULL,
  total REAL,
  band TEXT NOT NULL DEFAULT '',
  scales TEXT NOT NULL DEFAULT '{}',
  risk TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX responses_by_episode ON responses (episode_id, submitted_at, id);
CREATE INDEX responses_by_instrument ON responses (instrument, episode_id);
-- One answer per appointment, questionnaire and person (rows without an appointment are free).
CREATE UNIQUE INDEX responses_once_per_appointment
  ON responses (appointment_id, instrument, respondent_user_id)
  WHERE appointment_id IS NOT NULL;

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  response_id INTEGER REFERENCES responses (id),
  rule_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  title TEXT NOT NULL,
  explanation TEXT NOT NULL,
  next_step TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  acknowledged_by INTEGER REFERENCES users (id),
  acknowledged_at INTEGER,
  acknowledge_note TEXT NOT NULL DEFAULT '',
  resolved_by INTEGER REFERENCES users (id),
  resolved_at INTEGER,
  resolve_note TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX alerts_by_episode ON alerts (episode_id, raised_at, id);
CREATE INDEX alerts_by_clinic_state ON alerts (clinic_id, state);

CREATE TABLE feedback_links (
  id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL REFERENCES appointments (id),
  created_by INTEGER NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0)
) STRICT;
