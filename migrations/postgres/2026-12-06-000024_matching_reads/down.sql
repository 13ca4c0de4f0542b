DROP INDEX scenarios_awarded_by_domain;
DROP TRIGGER organization_version_move ON organizations;
DROP FUNCTION organization_version_move();
DROP TABLE organization_version;
