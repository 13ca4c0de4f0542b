-- Contracts after an award (政府采购合同): terms, milestones, submissions and reviews (验收),
-- amendments, payments and files. Dates are ISO text (YYYY-MM-DD), times UTC.
CREATE TABLE contracts (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    award_bid_id BIGINT NOT NULL REFERENCES bids (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    buyer_org_id BIGINT NOT NULL REFERENCES organizations (id),
    value_fen BIGINT NOT NULL CHECK (value_fen > 0),
    signed_on TEXT NOT NULL,
    term_days INTEGER NOT NULL,
    implicit BOOLEAN NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    confirmed_by BIGINT REFERENCES users (id),
    confirmed_at TIMESTAMP,
    voided_at TIMESTAMP,
    void_challenge_id BIGINT REFERENCES challenges (id)
);
-- One contract in force per scenario (a voided one stays on record).
CREATE UNIQUE INDEX contracts_in_force ON contracts (scenario_id) WHERE voided_at IS NULL;
CREATE INDEX contracts_buyer ON contracts (buyer_org_id);
CREATE INDEX contracts_vendor ON contracts (vendor_org_id);

CREATE TABLE milestones (
    id BIGINT PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    share_pct INTEGER NOT NULL CHECK (share_pct BETWEEN 1 AND 100),
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'accepted', 'returned')),
    accepted_at TIMESTAMP,
    voided BOOLEAN NOT NULL,
    UNIQUE (contract_id, position)
);

CREATE TABLE milestone_submissions (
    id BIGINT PRIMARY KEY,
    milestone_id BIGINT NOT NULL REFERENCES milestones (id),
    note TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    review_due TIMESTAMP NOT NULL,
    accepted BOOLEAN,
    review_text TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP
);
CREATE INDEX milestone_submissions_milestone ON milestone_submissions (milestone_id);

-- Files: the signed contract (submission_id 0), a submission's evidence, an acceptance report.
CREATE TABLE contract_files (
    id BIGINT PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    submission_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signed', 'evidence', 'report')),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (contract_id, submission_id, kind, sha256)
);

CREATE TABLE contract_amendments (
    id BIGINT PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    changes TEXT NOT NULL,
    reason TEXT NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES users (id),
    proposed_org_id BIGINT NOT NULL REFERENCES organizations (id),
    proposed_at TIMESTAMP NOT NULL,
    outcome TEXT CHECK (outcome IN ('confirmed', 'declined')),
    answered_by BIGINT REFERENCES users (id),
    answered_at TIMESTAMP
);
-- One open amendment per contract.
CREATE UNIQUE INDEX contract_amendments_open ON contract_amendments (contract_id) WHERE outcome IS NULL;

-- Payments are never edited: a correction is a reversing entry naming the payment it reverses.
CREATE TABLE contract_payments (
    id BIGINT PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    milestone_id BIGINT NOT NULL REFERENCES milestones (id),
    amount_fen BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    corrects BIGINT UNIQUE REFERENCES contract_payments (id),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX contract_payments_contract ON contract_payments (contract_id);
