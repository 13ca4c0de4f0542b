-- Challenges (质疑) to an award: one per bidder and award, answered once by the owner.
CREATE TABLE challenges (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    filed_by BIGINT NOT NULL REFERENCES users (id),
    award_bid_id BIGINT NOT NULL REFERENCES bids (id),
    awarded_at TIMESTAMP NOT NULL,
    reasons TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    answer_due TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('upheld', 'rejected')),
    answer TEXT,
    answered_by BIGINT REFERENCES users (id),
    answered_at TIMESTAMP
);
-- A bidder raises its challenge to one award at once (一次性提出).
CREATE UNIQUE INDEX challenges_once ON challenges (scenario_id, vendor_org_id, awarded_at);

-- The PDFs of a challenge, stored by SHA-256 beside the bids' files.
CREATE TABLE challenge_attachments (
    id BIGINT PRIMARY KEY,
    challenge_id BIGINT NOT NULL REFERENCES challenges (id),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (challenge_id, sha256)
);
