-- 0021: how each episode ended. The reason comes from a fixed list so that the clinic's dropout
-- figures and its expected trajectories can tell an agreed ending from a client who stopped
-- coming; the therapist's words (the ending conversation, what helped, relapse signs, referrals)
-- are kept as written, in JSON, beside it. Episodes that ended before this have no row.

CREATE TABLE episode_endings (
  episode_id INTEGER PRIMARY KEY REFERENCES episodes (id),
  reason TEXT NOT NULL CHECK (reason IN ('goals-met', 'mutual-agreement', 'client-chose-to-stop',
                                         'no-contact', 'transferred', 'referred-out', 'other')),
  ended_by INTEGER NOT NULL REFERENCES users (id),
  ended_at INTEGER NOT NULL,
  words TEXT NOT NULL CHECK (json_valid(words))
) STRICT;
