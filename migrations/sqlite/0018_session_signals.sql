-- 0018: what a room keeps of a session's rapport signals. The numbers each browser computed on
-- its own device (movement energy, voice activity) are folded into figures in the server's
-- memory and never stored one by one; only the session's figures (synchrony, talk share, turns,
-- typed style matching) are kept, as JSON, replaced as the session goes on. The client's
-- in-the-moment reactions are kept one by one on the session's timeline.

CREATE TABLE session_signals (
  appointment_id INTEGER PRIMARY KEY REFERENCES appointments (id),
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  origin INTEGER NOT NULL,
  updated_at INTEGER NOT NULL CHECK (updated_at >= origin),
  figures TEXT NOT NULL CHECK (json_valid(figures) AND json_type(figures) = 'object')
) STRICT;
CREATE INDEX session_signals_by_episode ON session_signals (episode_id, origin);

CREATE TABLE session_reactions (
  id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL REFERENCES appointments (id),
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  by_user INTEGER NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (kind IN ('helped', 'not_right')),
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX session_reactions_by_appointment ON session_reactions (appointment_id, at);
