-- The generation of each user's private feed token (calendar of followed scenarios and bids,
-- saved-search Atom feeds). The token is signed over (user, generation); resetting it moves
-- the generation on, so every earlier token stops working.
CREATE TABLE feed_keys (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    generation BIGINT NOT NULL,
    reset_at TIMESTAMP NOT NULL
);
