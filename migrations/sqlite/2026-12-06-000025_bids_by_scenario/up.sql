-- A scenario's bids by its own index: the active-bid counts of lists and details and a
-- scenario's bids were read through the partial unique index (active bids only), which a
-- statement can use only when its status test is written as that index's literal; with
-- statements whose plans never depend on bound values, they scanned every bid.
CREATE INDEX bids_scenario ON bids (scenario_id, created_at);
