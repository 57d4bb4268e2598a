-- 0017: the rooms of video, phone and typed appointments. A session is recorded on its
-- appointment (and so on the episode) when the therapist and the client are first in the room
-- together, and ended when the therapist ends it; media never reaches the server, so nothing of
-- what was seen or said is kept here. A guardian joins a child's room only when invited to that
-- appointment.

CREATE TABLE room_sessions (
  appointment_id INTEGER PRIMARY KEY REFERENCES appointments (id),
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  modality TEXT NOT NULL CHECK (modality IN ('video', 'phone', 'text')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= started_at)
) STRICT;
CREATE INDEX room_sessions_by_episode ON room_sessions (episode_id, started_at);

CREATE TABLE room_guests (
  appointment_id INTEGER NOT NULL REFERENCES appointments (id),
  guardian_id INTEGER NOT NULL REFERENCES users (id),
  invited_by INTEGER NOT NULL REFERENCES users (id),
  invited_at INTEGER NOT NULL,
  PRIMARY KEY (appointment_id, guardian_id)
) STRICT;
