-- 0025: a feedback link may be for one of the child's guardians rather than for the client: the
-- parent answers their own questionnaires from it, without signing in. NULL: the client's link.

ALTER TABLE feedback_links ADD COLUMN guardian_id INTEGER REFERENCES users (id);
