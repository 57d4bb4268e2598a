-- 0012: a client asks to cancel or move an appointment, within the clinic's notice rule, and
-- subscribes to their appointments in their own calendar.

ALTER TABLE clinics ADD COLUMN cancel_notice_hours INTEGER NOT NULL DEFAULT 24
  CHECK (cancel_notice_hours BETWEEN 0 AND 168);

CREATE TABLE appointment_requests (
  id INTEGER PRIMARY KEY,
  clinic_id INTEGER NOT NULL REFERENCES clinics (id),
  appointment_id INTEGER NOT NULL REFERENCES appointments (id),
  requested_by INTEGER NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (kind IN ('cancel', 'move')),
  note TEXT NOT NULL DEFAULT '',
  short_notice INTEGER NOT NULL CHECK (short_notice IN (0, 1)),
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'accepted', 'declined', 'withdrawn')),
  decided_by INTEGER REFERENCES users (id),
  decided_at INTEGER,
  reply TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX appointment_requests_by_appointment ON appointment_requests (appointment_id, id);
-- At most one request waiting per appointment.
CREATE UNIQUE INDEX appointment_requests_one_pending ON appointment_requests (appointment_id)
  WHERE state = 'pending';

-- A person's calendar feed: the secret in its address is stored only as a hash; resetting it
-- replaces the row, and the old address stops working at once.
CREATE TABLE calendar_feeds (
  user_id INTEGER PRIMARY KEY REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  created_at INTEGER NOT NULL
) STRICT;
