-- A stored release now keeps its public event as typed JSON (`after_json`), no longer the
-- audit record's content. The releases of the earlier form are removed here; the server
-- writes them again at its next start, from the audit trail (the backfill runs while none is
-- stored).
DELETE FROM ocds_releases;
