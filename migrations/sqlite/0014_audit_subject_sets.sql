-- 0014: the records an audit entry names, indexed once per set instead of once per entry. A
-- therapist's caseload view names the same few hundred clients every time; indexing each name of
-- each view touched a page of the index per client (hundreds of pages written per view, and an
-- index growing by thousands of rows a minute). Now each distinct set of names is indexed once,
-- and an entry adds one row that points at its set. The entry's own `subjects` column, sealed by
-- its hash, stays as it was: this is only the index that finds entries by record.

-- A distinct set of record keys, as its sorted JSON array of unique "type:id" strings.
CREATE TABLE audit_subject_sets (
  id INTEGER PRIMARY KEY,
  members TEXT NOT NULL UNIQUE
) STRICT;

-- Which sets name a record.
CREATE TABLE audit_subject_set_members (
  record_key TEXT NOT NULL,
  set_id INTEGER NOT NULL REFERENCES audit_subject_sets (id),
  PRIMARY KEY (record_key, set_id)
) STRICT, WITHOUT ROWID;

-- Which entries named which set: one row per entry, next to the set's earlier entries.
CREATE TABLE audit_subject_refs (
  set_id INTEGER NOT NULL REFERENCES audit_subject_sets (id),
  seq INTEGER NOT NULL REFERENCES audit (seq),
  PRIMARY KEY (set_id, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO audit_subject_sets (members)
  SELECT DISTINCT (SELECT json_group_array(value) FROM
                     (SELECT DISTINCT value FROM json_each(a.subjects) ORDER BY value))
  FROM audit a WHERE a.subjects <> '[]';

INSERT INTO audit_subject_set_members (record_key, set_id)
  SELECT DISTINCT k.value, s.id FROM audit_subject_sets s, json_each(s.members) k;

INSERT INTO audit_subject_refs (set_id, seq)
  SELECT s.id, a.seq FROM audit a JOIN audit_subject_sets s ON s.members =
    (SELECT json_group_array(value) FROM
       (SELECT DISTINCT value FROM json_each(a.subjects) ORDER BY value))
  WHERE a.subjects <> '[]';

DROP TRIGGER audit_subjects_no_update;
DROP TRIGGER audit_subjects_no_delete;
DROP TABLE audit_subjects;

-- Append-only like the entries they index.
CREATE TRIGGER audit_subject_sets_no_update BEFORE UPDATE ON audit_subject_sets
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subject_sets_no_delete BEFORE DELETE ON audit_subject_sets
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subject_set_members_no_update BEFORE UPDATE ON audit_subject_set_members
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subject_set_members_no_delete BEFORE DELETE ON audit_subject_set_members
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subject_refs_no_update BEFORE UPDATE ON audit_subject_refs
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_subject_refs_no_delete BEFORE DELETE ON audit_subject_refs
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
