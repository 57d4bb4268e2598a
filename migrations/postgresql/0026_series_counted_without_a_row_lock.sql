-- 0026: the trigger that counts an answer into its series (response_series) updates the series'
-- row, and inserts it only when there is none, instead of INSERT ... ON CONFLICT DO UPDATE.
--
-- ON CONFLICT DO UPDATE locks the row it found before updating it, and PostgreSQL carries a lock
-- held by a transaction still open over to the row's new version. The store runs each statement
-- of a write in a savepoint of its own (a subtransaction), so once one answer had counted into a
-- series, every later change to that row in the same transaction (the next answer's count, the
-- store's latest totals) made its old version's xmax a MultiXact of that lock and the updater.
-- A lookup never marks such a dead version dead in the index (it does so only for a version
-- whose xmax is a plain transaction id) and looks the MultiXact up each time it meets one, so
-- after a write that counted many answers into one series (4,000 answers to one episode, a
-- caseload seeded in one write) every lookup of the series' row visited hundreds of dead
-- versions until autovacuum came by: some 3 ms a lookup, five lookups an answer. A plain UPDATE
-- takes no lock before it writes: the dead versions carry a plain transaction id, the next
-- lookup marks them dead in the index, and the row is read through one entry again.
--
-- Writers take turns under the write lock (kPgWriteLockKey), so two first answers of one series
-- never race; should they, the insert falls back to the old upsert. Same counts, same baseline.
-- SQLite's trigger is unchanged (its step 0026 changes nothing): SQLite updates a row in place.
CREATE OR REPLACE FUNCTION responses_into_series() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE response_series SET
      answered = answered + 1,
      first_submitted_at = LEAST(first_submitted_at, NEW.submitted_at),
      last_submitted_at = GREATEST(last_submitted_at, NEW.submitted_at)
    WHERE episode_id = NEW.episode_id AND instrument = NEW.instrument
      AND respondent = NEW.respondent;
  IF NOT FOUND THEN
    INSERT INTO response_series (episode_id, instrument, respondent, answered, first_submitted_at,
                                 last_submitted_at)
      VALUES (NEW.episode_id, NEW.instrument, NEW.respondent, 1, NEW.submitted_at,
              NEW.submitted_at)
      ON CONFLICT (episode_id, instrument, respondent) DO UPDATE SET
        answered = response_series.answered + 1,
        first_submitted_at = LEAST(response_series.first_submitted_at,
                                   excluded.first_submitted_at),
        last_submitted_at = GREATEST(response_series.last_submitted_at,
                                     excluded.last_submitted_at);
  END IF;
  UPDATE response_series SET
      first_total = NEW.total, first_total_at = NEW.submitted_at, first_total_id = NEW.id
    WHERE episode_id = NEW.episode_id AND instrument = NEW.instrument
      AND respondent = NEW.respondent AND NEW.total IS NOT NULL
      AND (first_total_at IS NULL OR NEW.submitted_at < first_total_at
           OR (NEW.submitted_at = first_total_at AND NEW.id < first_total_id));
  RETURN NULL;
END
$$;
