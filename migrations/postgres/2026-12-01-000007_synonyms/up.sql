-- The search thesaurus as administrators last saved it (a JSON array of groups of terms).
-- Absent until the first save: the thesaurus shipped with the product applies.
CREATE TABLE search_synonyms (
    id INTEGER PRIMARY KEY,
    groups TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);
