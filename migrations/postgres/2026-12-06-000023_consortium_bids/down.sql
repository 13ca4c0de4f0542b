DROP INDEX bids_consortium;
ALTER TABLE bids DROP COLUMN consortium_id;
