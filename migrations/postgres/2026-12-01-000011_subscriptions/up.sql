-- What a vendor user wants to hear of: standing interests (one row per user; lists as JSON)
-- and saved searches. A published scenario is matched against all of them in one pass.
CREATE TABLE interests (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    domains TEXT NOT NULL,
    tags TEXT NOT NULL,
    keywords TEXT NOT NULL,
    budget_min_fen BIGINT,
    email TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE saved_searches (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    query_text TEXT NOT NULL,
    domains TEXT NOT NULL,
    tags TEXT NOT NULL,
    budget_min_fen BIGINT,
    budget_max_fen BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id, created_at);
