ALTER TABLE organizations DROP COLUMN open_to_teaming;
ALTER TABLE organizations DROP COLUMN offer_kinds;
