-- A consortium's bid: submitted by its lead (the bid's vendor) for every member.
ALTER TABLE bids ADD COLUMN consortium_id BIGINT REFERENCES consortia (id);
CREATE INDEX bids_consortium ON bids (consortium_id);
