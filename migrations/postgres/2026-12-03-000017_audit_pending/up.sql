-- Audit records their transactions committed, waiting to be chained. A write appends here
-- without a lock, and after its commit chains what is waiting (its own and any other
-- writer's) in one short transaction that holds the chain's advisory lock: writers no
-- longer queue on the head of the chain through their commits.
CREATE TABLE audit_pending (
    id BIGSERIAL PRIMARY KEY,
    actor_id BIGINT,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at TIMESTAMP NOT NULL
);
