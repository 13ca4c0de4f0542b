DROP TABLE scenario_follows;
