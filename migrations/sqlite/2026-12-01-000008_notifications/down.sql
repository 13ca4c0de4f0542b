DROP TABLE notifications;
DROP TABLE notice_outbox;
