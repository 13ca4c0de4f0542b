DROP TABLE ratings;
DROP TABLE dissents;
DROP TABLE scores;
DROP TABLE panel_members;
ALTER TABLE scenarios DROP COLUMN award_justification;
ALTER TABLE scenarios DROP COLUMN awarded_at;
ALTER TABLE scenarios DROP COLUMN awarded_bid_id;
