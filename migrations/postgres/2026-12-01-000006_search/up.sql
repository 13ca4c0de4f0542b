-- Documents whose search index entry must be brought up to date: written in the same
-- transaction as the change, removed by the indexer once the engine took the document.
-- One entry per document; marking it again moves its time.
CREATE TABLE search_outbox (
    kind TEXT NOT NULL,
    doc_id BIGINT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, doc_id)
);
CREATE INDEX search_outbox_marked ON search_outbox (marked_at);
