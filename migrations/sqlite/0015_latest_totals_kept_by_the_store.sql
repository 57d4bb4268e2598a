-- 0015: the store keeps a series' latest twelve totals itself, as it writes the answer (in the
-- same transaction, see SqliteWriteTxn::InsertResponse). Sorting them with SQL's JSON functions
-- inside the trigger cost some 150 microseconds an answer, several times the rest of the write,
-- in the one thread every write of the clinic passes through. The trigger keeps the count and
-- the baseline as before.

DROP TRIGGER responses_into_series;

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
END;
