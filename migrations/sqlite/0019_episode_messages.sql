-- 0019: secure messages between sessions, kept with the episode. The words are sealed
-- (XChaCha20-Poly1305) under a key kept in a file outside the database (PATH.message-key), bound
-- to the clinic, episode, sender and time they were sent: the database file alone, a copy of it
-- or a backup, does not show what anyone wrote. read_at is the read receipt: when the other
-- person first opened the message.

CREATE TABLE episode_messages (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  sender_id INTEGER NOT NULL REFERENCES users (id),
  sent_at INTEGER NOT NULL,
  sealed TEXT NOT NULL CHECK (length(sealed) > 0),
  read_at INTEGER CHECK (read_at IS NULL OR read_at >= sent_at)
) STRICT;
CREATE INDEX episode_messages_by_episode ON episode_messages (episode_id, id);
