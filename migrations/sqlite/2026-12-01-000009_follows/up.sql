-- Vendors' users who follow a scenario: they hear of its answers and deadline extensions.
CREATE TABLE scenario_follows (
    scenario_id BIGINT NOT NULL REFERENCES scenarios (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scenario_id, user_id)
);
CREATE INDEX scenario_follows_user ON scenario_follows (user_id);
