-- The scenario list is ordered newest first: an index walks it in order and stops at the page.
CREATE INDEX scenarios_created ON scenarios (created_at, id);

-- A counter every scenario write moves (in the writing transaction): the list's totals are
-- kept per value of it, so they are counted again only after a change (bids do not move it).
CREATE TABLE scenario_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO scenario_version (id, n) VALUES (1, 0);
