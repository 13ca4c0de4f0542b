DROP TABLE bid_attachments;
DROP TABLE bid_versions;
DROP TABLE bids;
