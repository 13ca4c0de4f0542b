-- What a vendor offers (a JSON list of offer-kind codes, empty until stated) and whether it
-- is open to bidding in a consortium.
ALTER TABLE organizations ADD COLUMN offer_kinds TEXT NOT NULL DEFAULT '[]';
ALTER TABLE organizations ADD COLUMN open_to_teaming BOOLEAN NOT NULL DEFAULT FALSE;
