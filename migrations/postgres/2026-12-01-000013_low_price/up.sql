-- The owner's record that the vendor of an abnormally low bid was asked to explain its price
-- (and what it said), needed before that bid can be awarded. One per bid.
CREATE TABLE low_price_checks (
    bid_id BIGINT PRIMARY KEY REFERENCES bids (id),
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX low_price_checks_scenario ON low_price_checks (scenario_id);
