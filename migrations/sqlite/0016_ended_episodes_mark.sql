-- 0016: how many of a clinic's episodes have ended, and how often that set has changed, kept in
-- one row by the writes that change it. An outcome answer checks this mark to know whether the
-- clinic's expected trajectories still hold; counting the ended episodes on every answer cost a
-- scan that grew with the clinic's history.

CREATE TABLE clinic_ended_episodes (
  clinic_id INTEGER PRIMARY KEY REFERENCES clinics (id),
  ended INTEGER NOT NULL CHECK (ended >= 0),
  changes INTEGER NOT NULL CHECK (changes >= 0)
) STRICT;

INSERT INTO clinic_ended_episodes (clinic_id, ended, changes)
  SELECT clinic_id, count(*), count(*) FROM episodes WHERE status = 'ended' GROUP BY clinic_id;

CREATE TRIGGER episodes_ended_on_insert AFTER INSERT ON episodes WHEN NEW.status = 'ended'
BEGIN
  INSERT INTO clinic_ended_episodes (clinic_id, ended, changes) VALUES (NEW.clinic_id, 1, 1)
    ON CONFLICT (clinic_id) DO UPDATE SET ended = ended + 1, changes = changes + 1;
END;

CREATE TRIGGER episodes_ended_on_update AFTER UPDATE OF status, clinic_id ON episodes
  WHEN (OLD.status = 'ended' OR NEW.status = 'ended')
   AND (OLD.status IS NOT NEW.status OR OLD.clinic_id IS NOT NEW.clinic_id)
BEGIN
  UPDATE clinic_ended_episodes SET ended = ended - 1, changes = changes + 1
    WHERE clinic_id = OLD.clinic_id AND OLD.status = 'ended';
  INSERT INTO clinic_ended_episodes (clinic_id, ended, changes)
    SELECT NEW.clinic_id, 1, 1 WHERE NEW.status = 'ended'
    ON CONFLICT (clinic_id) DO UPDATE SET ended = ended + 1, changes = changes + 1;
END;

CREATE TRIGGER episodes_ended_on_delete AFTER DELETE ON episodes WHEN OLD.status = 'ended'
BEGIN
  UPDATE clinic_ended_episodes SET ended = ended - 1, changes = changes + 1
    WHERE clinic_id = OLD.clinic_id;
END;
