-- Sealed bids, every submitted version of each (with its receipt hash), and attachments.

CREATE TABLE bids (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'withdrawn')),
    version INTEGER NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    delivery_days INTEGER NOT NULL CHECK (delivery_days > 0),
    technical_proposal TEXT NOT NULL,
    team TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One active bid per vendor and scenario; a withdrawn one makes room for another.
CREATE UNIQUE INDEX bids_one_active ON bids (scenario_id, vendor_org_id) WHERE status <> 'withdrawn';
CREATE INDEX bids_vendor ON bids (vendor_org_id, created_at);

CREATE TABLE bid_versions (
    id BIGINT PRIMARY KEY,
    bid_id BIGINT NOT NULL REFERENCES bids (id),
    version INTEGER NOT NULL,
    price_fen BIGINT NOT NULL,
    delivery_days INTEGER NOT NULL,
    technical_proposal TEXT NOT NULL,
    team TEXT NOT NULL,
    attachment_hashes TEXT NOT NULL DEFAULT '[]',
    content_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (bid_id, version)
);

CREATE TABLE bid_attachments (
    id BIGINT PRIMARY KEY,
    bid_id BIGINT NOT NULL REFERENCES bids (id),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (bid_id, sha256)
);
