DROP TABLE challenge_attachments;
DROP TABLE challenges;
