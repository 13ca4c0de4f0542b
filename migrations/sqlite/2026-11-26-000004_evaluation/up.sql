-- Evaluation: the panel with its conflict declarations, score sheets, dissents, the award
-- (on the scenario) and the rating after delivery.

ALTER TABLE scenarios ADD COLUMN awarded_bid_id BIGINT;
ALTER TABLE scenarios ADD COLUMN awarded_at TIMESTAMP;
ALTER TABLE scenarios ADD COLUMN award_justification TEXT;

CREATE TABLE panel_members (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    declared_at TIMESTAMP,
    has_conflict BOOLEAN,
    declaration_note TEXT NOT NULL DEFAULT '',
    removed_at TIMESTAMP,
    UNIQUE (scenario_id, evaluator_id)
);

CREATE TABLE scores (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    bid_id BIGINT NOT NULL REFERENCES bids (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    criterion_id BIGINT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    comment TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (bid_id, evaluator_id, criterion_id)
);
CREATE INDEX scores_scenario ON scores (scenario_id);

CREATE TABLE dissents (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    evaluator_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE ratings (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL UNIQUE REFERENCES scenarios (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    rated_by BIGINT NOT NULL REFERENCES users (id),
    quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
    timeliness INTEGER NOT NULL CHECK (timeliness BETWEEN 1 AND 5),
    communication INTEGER NOT NULL CHECK (communication BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    reply TEXT,
    replied_at TIMESTAMP
);
CREATE INDEX ratings_vendor ON ratings (vendor_org_id, created_at);
