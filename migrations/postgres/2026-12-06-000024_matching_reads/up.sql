-- What matching reads on every call, made cheap.

-- A counter every change of an organization moves (a trigger, so that no write path can
-- forget it): matching keeps the vendors' analysed profiles while it stands, and reads one
-- row per call instead of a stamp over every vendor.
CREATE TABLE organization_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO organization_version (id, n) VALUES (1, 0);

CREATE FUNCTION organization_version_move() RETURNS trigger AS $$
BEGIN
    UPDATE organization_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER organization_version_move AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON organizations FOR EACH STATEMENT EXECUTE FUNCTION organization_version_move();

-- Matching reads the awards of a scenario's domain on every call: awarded scenarios are few,
-- and this finds them without reading every scenario.
CREATE INDEX scenarios_awarded_by_domain ON scenarios (domain) WHERE awarded_bid_id IS NOT NULL;
