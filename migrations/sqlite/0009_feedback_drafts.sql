-- 0009: answers in progress are kept on the server as they are given, so that a refresh, the idle
-- sign-out or a change of device loses none of them. One draft per person and episode, holding
-- every questionnaire's answers keyed "CODE/item". A draft is the author's alone until they send
-- it; only a risk answer in it is acted on unsent (the scheduler alerts the care team when it has
-- stood unsent for a few minutes: risk_since, risk_alerted_at).

CREATE TABLE feedback_drafts (
  episode_id INTEGER NOT NULL REFERENCES episodes (id),
  author_id INTEGER NOT NULL REFERENCES users (id),
  answers_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  risk_since INTEGER,
  risk_alerted_at INTEGER,
  PRIMARY KEY (episode_id, author_id)
) STRICT;
