DROP TABLE consortium_members;
DROP TABLE consortia;
