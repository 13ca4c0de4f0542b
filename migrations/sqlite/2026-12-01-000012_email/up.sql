-- E-mail of notifications. A job may carry a key: a second job with the same key is not
-- written, so a notice delivered twice e-mails once. A sent e-mail's key is remembered, so a
-- send job that runs again (after a crash between sending and completing) does not send twice.
ALTER TABLE jobs ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX jobs_dedup_key ON jobs (dedup_key);

CREATE TABLE sent_emails (
    dedup_key TEXT PRIMARY KEY,
    sent_at TIMESTAMP NOT NULL
);

-- How each user wants e-mail of each kind: `prefs` is a JSON map kind → immediate | daily |
-- off (a kind not named is immediate); the daily digest goes out at `digest_hour`, Beijing time.
CREATE TABLE notification_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    prefs TEXT NOT NULL,
    digest_hour INTEGER NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at TIMESTAMP NOT NULL
);

-- A notification waiting for its recipient's daily digest.
ALTER TABLE notifications ADD COLUMN digest_pending BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX notifications_digest ON notifications (user_id) WHERE digest_pending;
