-- Notices that domain events left for the notifier: written in the same transaction as the
-- change, removed once their notifications are written.
CREATE TABLE notice_outbox (
    id BIGSERIAL PRIMARY KEY,
    notice TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- In-app notifications, in the recipient's language. `dedup_key` names the notice a
-- notification came from: one per recipient, so a notice delivered twice notifies once.
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, dedup_key)
);
CREATE INDEX notifications_inbox ON notifications (user_id, created_at DESC, id DESC);
