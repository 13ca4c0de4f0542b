-- An agency invites a vendor to bid on its scenario, once per vendor. Only the two see it.
CREATE TABLE invitations (
    id BIGINT PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    vendor_org_id BIGINT NOT NULL REFERENCES organizations (id),
    invited_by BIGINT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (scenario_id, vendor_org_id)
);
CREATE INDEX invitations_vendor ON invitations (vendor_org_id, created_at);
