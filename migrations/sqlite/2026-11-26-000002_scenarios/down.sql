DROP TABLE answers;
DROP TABLE questions;
DROP TABLE scenario_criteria;
DROP TABLE scenarios;
