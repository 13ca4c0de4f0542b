-- Sessions: every authenticated request checks its session here (one primary-key lookup).
CREATE TABLE sessions (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);
INSERT INTO sessions (id, user_id, created_at, revoked_at)
SELECT session_id, MIN(user_id), MIN(created_at),
       CASE WHEN COUNT(*) = COUNT(revoked_at) THEN MAX(revoked_at) END
FROM refresh_tokens GROUP BY session_id;

-- Receipts cover a random per-version salt that only the bidder is shown.
ALTER TABLE bid_versions ADD COLUMN salt TEXT NOT NULL DEFAULT '';

-- Every panel draw: the server's seed, the pool, the result and the reason for a redraw.
CREATE TABLE panel_draws (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    drawn_by BIGINT NOT NULL REFERENCES users (id),
    seed TEXT NOT NULL,
    pool TEXT NOT NULL,
    drawn TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX panel_draws_scenario ON panel_draws (scenario_id, at);

-- The award notice as computed at award time (JSON), listed newest first.
CREATE TABLE award_notices (
    scenario_id BIGINT PRIMARY KEY REFERENCES scenarios (id),
    awarded_at TIMESTAMP NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX award_notices_at ON award_notices (awarded_at);
