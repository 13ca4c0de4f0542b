-- The same table as the PostgreSQL migration of this name. SQLite serialises its writers, so
-- each write chains its records in its own transaction and this table stays empty; it is
-- here so that both schemas hold the same tables.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY,
    actor_id BIGINT,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at TIMESTAMP NOT NULL
);
