//! Black-box stories against the running application. Each story runs on SQLite and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL too.

mod accounts;
mod architecture;
mod audit;
mod backup;
mod bid_pages;
mod bids;
mod browser;
mod catalogue;
mod challenges;
mod compose;
mod contracts;
mod evaluation;
mod faults;
mod feeds;
mod hardening;
mod layout;
mod mailing;
mod matching;
mod matching_quality;
mod matrix;
mod metrics;
mod notifications;
mod ocds;
mod ops;
mod pages;
mod ports;
mod public_cache;
mod queue;
mod relevance;
mod scenario_pages;
mod scenarios;
mod schemathesis;
mod search;
mod search_down;
mod transparency;
