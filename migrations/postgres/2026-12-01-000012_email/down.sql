DROP INDEX notifications_digest;
ALTER TABLE notifications DROP COLUMN digest_pending;
DROP TABLE notification_settings;
DROP TABLE sent_emails;
DROP INDEX jobs_dedup_key;
ALTER TABLE jobs DROP COLUMN dedup_key;
