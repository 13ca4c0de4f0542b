//! The one way handlers run blocking work (a service call, a file write, a spreadsheet) off the
//! async workers. A failure of the thread pool itself becomes an internal error, so callers see
//! one `domain::Result`.

use actix_web::web;
use app::Services;

use crate::AppState;

/// Runs `f` on the blocking thread pool.
pub async fn run<T: Send + 'static>(
    f: impl FnOnce() -> domain::Result<T> + Send + 'static,
) -> domain::Result<T> {
    web::block(f)
        .await
        .unwrap_or_else(|e| Err(domain::Error::internal(e)))
}

impl AppState {
    /// Runs a service call on the blocking thread pool.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Services) -> domain::Result<T> + Send + 'static,
    ) -> domain::Result<T> {
        let services = self.services.clone();
        run(move || f(&services)).await
    }
}
