DROP TABLE saved_searches;
DROP TABLE interests;
