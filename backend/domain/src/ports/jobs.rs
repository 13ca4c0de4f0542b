//! The job queue: its writing side inside a service transaction, the worker's side outside.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::job::NewJob;

/// The worker's side of the job queue, outside any service transaction: claims with a lease
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL), completion, failure with a retry time.
pub trait JobQueue: Send + Sync {
    /// Claims up to `limit` due jobs for `worker` until `now + lease`.
    fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<crate::job::ClaimedJob>>;
    /// Marks a claimed job done, if this worker still holds it.
    fn complete(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()>;
    /// Records a failed attempt: due again at `retry_at`, or parked as failed without one.
    fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// How many jobs are waiting (queued or running).
    fn pending(&self) -> Result<i64>;
}

/// The job queue's writing side, inside a service's transaction.
pub trait JobRepo {
    /// Writes a job; one whose key an earlier job has is not written (whether it was).
    fn enqueue(&mut self, id: i64, job: &NewJob, now: DateTime<Utc>) -> Result<bool>;
    /// Writes many jobs (ids and jobs) in few statements, keys honoured as by `enqueue`.
    fn enqueue_many(&mut self, jobs: &[(i64, NewJob)], now: DateTime<Utc>) -> Result<()>;
    /// Puts a parked (failed) job back in the queue, due now with fresh attempts, and hands
    /// back its kind; nothing when the job is not parked (already retried, or never failed).
    fn retry_failed(&mut self, id: i64, now: DateTime<Utc>) -> Result<Option<String>>;
}
