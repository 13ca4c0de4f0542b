//! The `scenario-market` binary's library: settings, logging, wiring, demo data and the
//! command line. The tests start the application through [`startup`].

pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod seed;
mod seed_contracts;
pub mod startup;
pub mod telemetry;
