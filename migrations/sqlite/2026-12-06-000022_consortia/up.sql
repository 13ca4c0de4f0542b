-- Consortia (联合体): vendors bidding as one, sealed with the scenario's bids.
CREATE TABLE consortia (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    lead_org_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('forming', 'agreed', 'bid', 'dissolved')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX consortia_scenario ON consortia (scenario_id);

CREATE TABLE consortium_members (
    consortium_id BIGINT NOT NULL REFERENCES consortia (id),
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
    share_pct INTEGER CHECK (share_pct BETWEEN 1 AND 99),
    confirmed BOOLEAN NOT NULL,
    message TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    PRIMARY KEY (consortium_id, vendor_org_id)
);
-- A vendor takes part in at most one consortium of a scenario.
CREATE UNIQUE INDEX consortium_members_once ON consortium_members (scenario_id, vendor_org_id)
    WHERE status = 'accepted';
CREATE INDEX consortium_members_vendor ON consortium_members (vendor_org_id);
