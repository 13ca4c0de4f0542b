//! Figures computed from public data once per change, for every reader (signed in or not):
//! a value kept for the public version it was computed at (see [`crate::public_cache`]),
//! until the next bid deadline (opened bids count from then) and at most [`HOLD`] (figures of
//! "this year" move with the clock). The OPC community's figures are one.

use std::sync::{Arc, Mutex};

use app::Services;
use chrono::{DateTime, Duration, Utc};

use crate::AppState;

/// The longest a computed value is kept.
const HOLD: Duration = Duration::seconds(60);

struct Kept<T> {
    version: i64,
    until: DateTime<Utc>,
    value: Arc<T>,
}

/// One kept value.
pub struct VersionMemo<T> {
    slot: Mutex<Option<Kept<T>>>,
}

impl<T> Default for VersionMemo<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }
}

impl<T> std::fmt::Debug for VersionMemo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VersionMemo")
    }
}

impl<T: Send + Sync + 'static> VersionMemo<T> {
    /// The kept value while the public version and the time allow, or `compute`'s (kept).
    /// When the version cannot be read, the value is computed and not kept.
    pub async fn get(
        &self,
        state: &AppState,
        compute: impl FnOnce(&Services) -> domain::Result<T> + Send + 'static,
    ) -> domain::Result<Arc<T>> {
        let now = state.services.now();
        let current = state.public_cache.version_now(state).await;
        if let Some((version, _)) = current {
            let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(k) = slot
                .as_ref()
                .filter(|k| k.version == version && now < k.until)
            {
                return Ok(k.value.clone());
            }
        }
        let value = Arc::new(state.call(compute).await?);
        if let Some((version, next_deadline)) = current {
            let until = next_deadline.map_or(now + HOLD, |d| d.min(now + HOLD));
            *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Kept {
                version,
                until,
                value: value.clone(),
            });
        }
        Ok(value)
    }
}
