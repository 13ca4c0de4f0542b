DROP TABLE contract_payments;
DROP TABLE contract_amendments;
DROP TABLE contract_files;
DROP TABLE milestone_submissions;
DROP TABLE milestones;
DROP TABLE contracts;
