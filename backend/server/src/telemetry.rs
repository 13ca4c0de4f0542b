//! Logging: tracing to stderr, human-readable or JSON. Every line of a request carries its
//! request id (the root span of `tracing-actix-web`).

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Installs the global subscriber once; later calls do nothing (tests start many apps).
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let result = match format {
        LogFormat::Pretty => fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_writer(std::io::stderr)
            .try_init(),
        LogFormat::Json => fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .try_init(),
    };
    drop(result);
}
