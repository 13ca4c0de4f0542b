DROP TABLE scenario_version;
DROP INDEX scenarios_created;
