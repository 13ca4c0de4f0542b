-- The releases of the typed form are removed; an earlier version writes its own at start.
DELETE FROM ocds_releases;
