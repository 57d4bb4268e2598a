-- 0022: session notes. One progress note per appointment, in the sections of the template the
-- clinic had when the note was started (kept with the note, so a later change of template never
-- reshapes an old note). A note is a draft until its author signs it; from then on the database
-- itself refuses to change or delete it, and what is added later goes into addenda, which are
-- never changed either. The clinic's own template, when it has written one, and whether clients
-- may ask to read their signed notes, are the clinic's settings.

ALTER TABLE clinics ADD COLUMN clients_may_read_notes INTEGER NOT NULL DEFAULT 0
  CHECK (clients_may_read_notes IN (0, 1));

CREATE TABLE clinic_note_templates (
  clinic_id INTEGER PRIMARY KEY REFERENCES clinics (id),
  template TEXT NOT NULL CHECK (json_valid(template)),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE session_notes (
  id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  author_id INTEGER NOT NULL REFERENCES users (id),
  template TEXT NOT NULL CHECK (json_valid(template)),
  sections TEXT NOT NULL CHECK (json_valid(sections)),
  state TEXT NOT NULL CHECK (state IN ('draft', 'signed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  signed_at INTEGER,
  signed_by INTEGER REFERENCES users (id),
  CHECK ((state = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL))
) STRICT;
CREATE INDEX session_notes_by_episode ON session_notes (episode_id);

CREATE TRIGGER session_notes_signed_are_final BEFORE UPDATE ON session_notes
  WHEN OLD.state = 'signed'
BEGIN
  SELECT RAISE(ABORT, 'a signed session note cannot be changed');
END;

CREATE TRIGGER session_notes_signed_are_kept BEFORE DELETE ON session_notes
  WHEN OLD.state = 'signed'
BEGIN
  SELECT RAISE(ABORT, 'a signed session note cannot be deleted');
END;

CREATE TABLE note_addenda (
  id INTEGER PRIMARY KEY,
  note_id INTEGER NOT NULL REFERENCES session_notes (id),
  author_id INTEGER NOT NULL REFERENCES users (id),
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX note_addenda_by_note ON note_addenda (note_id, id);

CREATE TRIGGER note_addenda_are_final BEFORE UPDATE ON note_addenda
BEGIN
  SELECT RAISE(ABORT, 'an addendum cannot be changed');
END;

CREATE TRIGGER note_addenda_are_kept BEFORE DELETE ON note_addenda
BEGIN
  SELECT RAISE(ABORT, 'an addendum cannot be deleted');
END;
