-- The open-contracting releases, stored as their public events happen (in the event's own
-- transaction) and read a page at a time: release `n` (from 1) of a scenario, its date, the
-- audit action and content it stands for (the process's history, for the next release), and
-- its JSON with the publisher's prefix and address left as markers that reading fills in.
CREATE TABLE ocds_releases (
    scenario_id BIGINT NOT NULL,
    n INTEGER NOT NULL,
    released_at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    after_json TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (scenario_id, n)
);
CREATE INDEX ocds_releases_in_order ON ocds_releases (released_at, scenario_id, n);
