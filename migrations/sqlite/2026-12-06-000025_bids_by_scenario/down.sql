DROP INDEX bids_scenario;
