//! The domain of scenario-market: typed values, the rules of the product as plain functions,
//! and the ports (traits) the infrastructure implements. Nothing here does I/O of its own, and
//! nothing here runs a use case: the `app` crate combines these rules and ports into the
//! service calls that open transactions, emit events and call the ports.

pub mod account;
pub mod actor;
pub mod audit;
pub mod beijing;
pub mod bid;
pub mod challenge;
pub mod contract;
pub mod credit_code;
pub mod email;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod feeds;
#[cfg(test)]
mod fields_properties;
pub mod ids;
pub mod invitation;
pub mod job;
pub mod locale;
pub mod matching;
pub mod message;
pub mod notification;
pub mod ocds;
#[cfg(test)]
mod parser_properties;
pub mod policy;
pub mod ports;
pub mod recommend;
pub mod reports;
pub mod scenario;
pub mod search;
pub mod sector;
pub mod security;
pub mod status;
pub mod team;
pub mod text;
pub mod workdays;

pub use error::{Error, FieldError, Result};
