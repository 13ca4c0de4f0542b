DROP TABLE award_notices;
DROP TABLE panel_draws;
ALTER TABLE bid_versions DROP COLUMN salt;
DROP TABLE sessions;
