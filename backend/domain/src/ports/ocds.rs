//! The stored open-contracting releases: written with their public events, read a page at a
//! time.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::scenario::ScenarioId;

/// One stored release of a process.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRelease {
    pub scenario: ScenarioId,
    /// Its place among the process's releases, from 1.
    pub n: i32,
    pub at: DateTime<Utc>,
    /// The action of the event it stands for, and the event (the process's history, for the
    /// next release).
    pub action: crate::audit::AuditAction,
    pub event: crate::ocds::Event,
    /// The release JSON, with the publisher's markers (`crate::ocds::fill_publisher`).
    pub body: String,
}

/// A page of release texts, each with its date, and how many there are in all.
pub type ReleasePage = (Vec<(DateTime<Utc>, String)>, i64);

pub trait OcdsReads {
    /// The releases of one process, oldest first.
    fn ocds_releases_of(&mut self, scenario: ScenarioId) -> Result<Vec<StoredRelease>>;
    /// A page of every release dated at or after `since`, oldest first (by date, then
    /// process and place), each with its date, and how many there are.
    fn ocds_release_page(
        &mut self,
        since: Option<DateTime<Utc>>,
        offset: i64,
        limit: i64,
    ) -> Result<ReleasePage>;
    /// Whether any release is stored.
    fn ocds_any_release(&mut self) -> Result<bool>;
}

pub trait OcdsRepo: OcdsReads {
    fn insert_ocds_release(&mut self, r: &StoredRelease) -> Result<()>;
}
