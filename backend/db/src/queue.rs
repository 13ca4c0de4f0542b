//! The job queue's table. Writing a job is part of the domain's transaction ([`JobRepo`]);
//! the worker's side — claiming due jobs under a lease, finishing and failing them — is here.
//!
//! A job is due when it is queued and its time has come, or when it is running but its lease
//! has expired (its worker died): nothing claimed is ever lost. On PostgreSQL claims lock rows
//! with `FOR UPDATE SKIP LOCKED`, so several server processes share one queue without taking
//! the same job; on SQLite the write lock serialises claims.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use domain::error::{Error, Result};
use domain::job::{Job, JobStatus, NewJob};
use domain::ports::JobRepo;

use crate::schema::jobs;
use crate::time::{BulkTime, from_db, opt_from_db, to_db};
use crate::{AnyConnection, Database, db_err};

impl JobRepo for AnyConnection {
    fn enqueue(&mut self, id: i64, job: &NewJob, now: DateTime<Utc>) -> Result<bool> {
        let (run_at, created) = (BulkTime::new(job.run_at), BulkTime::new(now));
        let row = job_row(id, job, &run_at, &created)?;
        // A keyed job whose key is taken is not written (also when two write it at once).
        let n = on_backend!(self, |c| {
            diesel::insert_into(jobs::table)
                .values(row)
                .on_conflict(jobs::dedup_key)
                .do_nothing()
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn enqueue_many(&mut self, batch: &[(i64, NewJob)], now: DateTime<Utc>) -> Result<()> {
        // Each distinct time is formatted once (most jobs of a batch run now).
        let mut times: HashMap<DateTime<Utc>, BulkTime> = HashMap::new();
        times.insert(now, BulkTime::new(now));
        for (_, job) in batch {
            times
                .entry(job.run_at)
                .or_insert_with(|| BulkTime::new(job.run_at));
        }
        let created = &times[&now];
        in_batches!(
            batch,
            |row| job_row(row.0, &row.1, &times[&row.1.run_at], created),
            |rows| {
                on_backend!(self, |c| {
                    diesel::insert_into(jobs::table)
                        .values(&rows)
                        .on_conflict(jobs::dedup_key)
                        .do_nothing()
                        .execute(c)
                })
                .map_err(db_err)?
            }
        );
        Ok(())
    }

    fn retry_failed(&mut self, id: i64, now: DateTime<Utc>) -> Result<Option<String>> {
        // One conditional update: two operators retrying at once re-queue it once.
        let n = diesel::update(
            jobs::table
                .find(id)
                .filter(jobs::status.eq(JobStatus::Failed.code())),
        )
        .set((
            jobs::status.eq(JobStatus::Queued.code()),
            jobs::run_at.eq(to_db(now)),
            jobs::attempts.eq(0),
            jobs::finished_at.eq(None::<chrono::NaiveDateTime>),
            jobs::locked_by.eq(None::<String>),
        ))
        .execute(self)
        .map_err(db_err)?;
        if n != 1 {
            return Ok(None);
        }
        jobs::table
            .find(id)
            .select(jobs::kind)
            .first(self)
            .optional()
            .map_err(db_err)
    }
}

#[allow(clippy::type_complexity)]
fn job_row<'t>(
    id: i64,
    job: &NewJob,
    run_at: &'t BulkTime,
    created: &'t BulkTime,
) -> Result<(
    diesel::dsl::Eq<jobs::id, i64>,
    diesel::dsl::Eq<jobs::kind, &'static str>,
    diesel::dsl::Eq<jobs::payload, String>,
    diesel::dsl::Eq<jobs::status, &'static str>,
    diesel::dsl::Eq<jobs::run_at, &'t BulkTime>,
    diesel::dsl::Eq<jobs::attempts, i32>,
    diesel::dsl::Eq<jobs::max_attempts, i32>,
    diesel::dsl::Eq<jobs::created_at, &'t BulkTime>,
    diesel::dsl::Eq<jobs::dedup_key, Option<String>>,
)> {
    let payload = serde_json::to_string(&job.job).map_err(Error::internal)?;
    Ok((
        jobs::id.eq(id),
        jobs::kind.eq(job.job.kind()),
        jobs::payload.eq(payload),
        jobs::status.eq(JobStatus::Queued.code()),
        jobs::run_at.eq(run_at),
        jobs::attempts.eq(0),
        jobs::max_attempts.eq(job.max_attempts),
        jobs::created_at.eq(created),
        jobs::dedup_key.eq(job.dedup_key.clone()),
    ))
}

pub use domain::job::ClaimedJob;

/// A row of the queue, for the operators' view and tests.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs)]
struct JobDbRow {
    id: i64,
    kind: String,
    payload: String,
    status: String,
    run_at: chrono::NaiveDateTime,
    attempts: i32,
    last_error: Option<String>,
    locked_until: Option<chrono::NaiveDateTime>,
}

impl Database {
    /// Claims up to `limit` due jobs for `worker` until `now + lease`.
    pub fn claim_jobs(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        self.write(|c| {
            let n = to_db(now);
            let due = jobs::status
                .eq(JobStatus::Queued.code())
                .and(jobs::run_at.le(n))
                .or(jobs::status
                    .eq(JobStatus::Running.code())
                    .and(jobs::locked_until.lt(n)));
            let ids: Vec<i64> = match c {
                AnyConnection::Postgresql(pg) => jobs::table
                    .filter(due)
                    .order(jobs::run_at.asc())
                    .limit(limit)
                    .select(jobs::id)
                    .for_update()
                    .skip_locked()
                    .load(pg),
                AnyConnection::Sqlite(_) => jobs::table
                    .filter(due)
                    .order(jobs::run_at.asc())
                    .limit(limit)
                    .select(jobs::id)
                    .load(c),
            }
            .map_err(db_err)?;
            if ids.is_empty() {
                return Ok(vec![]);
            }
            diesel::update(jobs::table.filter(jobs::id.eq_any(&ids)))
                .set((
                    jobs::status.eq(JobStatus::Running.code()),
                    jobs::attempts.eq(jobs::attempts + 1),
                    jobs::locked_until.eq(to_db(now + lease)),
                    jobs::locked_by.eq(worker),
                ))
                .execute(c)
                .map_err(db_err)?;
            let rows: Vec<(i64, String, i32, i32)> = jobs::table
                .filter(jobs::id.eq_any(&ids))
                .order(jobs::run_at.asc())
                .select((jobs::id, jobs::payload, jobs::attempts, jobs::max_attempts))
                .load(c)
                .map_err(db_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, payload, attempts, max_attempts) in rows {
                match serde_json::from_str::<Job>(&payload) {
                    Ok(job) => out.push(ClaimedJob {
                        id,
                        job,
                        attempts,
                        max_attempts,
                    }),
                    Err(e) => {
                        // A payload this version cannot read is parked, not retried forever.
                        diesel::update(jobs::table.find(id))
                            .set((
                                jobs::status.eq(JobStatus::Failed.code()),
                                jobs::last_error.eq(format!("unreadable payload: {e}")),
                                jobs::finished_at.eq(n),
                            ))
                            .execute(c)
                            .map_err(db_err)?;
                    }
                }
            }
            Ok(out)
        })
    }

    /// Marks a claimed job done, if this worker still holds it.
    pub fn complete_job(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()> {
        self.write(|c| {
            diesel::update(
                jobs::table
                    .find(id)
                    .filter(jobs::status.eq(JobStatus::Running.code()))
                    .filter(jobs::locked_by.eq(worker)),
            )
            .set((
                jobs::status.eq(JobStatus::Done.code()),
                jobs::finished_at.eq(to_db(now)),
                jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(c)
            .map_err(db_err)?;
            Ok(())
        })
    }

    /// Records a failed attempt: the job is due again at `retry_at`, or parked as failed when
    /// it has used its attempts.
    pub fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let error: String = error.chars().take(2000).collect();
        self.write(|c| {
            let target = jobs::table
                .find(id)
                .filter(jobs::status.eq(JobStatus::Running.code()))
                .filter(jobs::locked_by.eq(worker));
            match retry_at {
                Some(at) => diesel::update(target)
                    .set((
                        jobs::status.eq(JobStatus::Queued.code()),
                        jobs::run_at.eq(to_db(at)),
                        jobs::last_error.eq(&error),
                        jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(c),
                None => diesel::update(target)
                    .set((
                        jobs::status.eq(JobStatus::Failed.code()),
                        jobs::last_error.eq(&error),
                        jobs::finished_at.eq(to_db(now)),
                        jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(c),
            }
            .map_err(db_err)?;
            Ok(())
        })
    }

    /// Every job, newest first (for tests and the operators' view).
    pub fn jobs(&self, limit: i64) -> Result<Vec<JobRow>> {
        self.read(|c| {
            let rows: Vec<JobDbRow> = jobs::table
                .order(jobs::created_at.desc())
                .limit(limit)
                .select(JobDbRow::as_select())
                .load(c)
                .map_err(db_err)?;
            Ok(rows
                .into_iter()
                .map(|r| JobRow {
                    id: r.id,
                    kind: r.kind,
                    payload: r.payload,
                    status: r.status,
                    run_at: from_db(r.run_at),
                    attempts: r.attempts,
                    last_error: r.last_error,
                    locked_until: opt_from_db(r.locked_until),
                })
                .collect())
        })
    }

    /// How many jobs are waiting (queued or running), for readiness and metrics.
    pub fn pending_jobs(&self) -> Result<i64> {
        self.read(|c| {
            jobs::table
                .filter(jobs::status.eq_any([JobStatus::Queued.code(), JobStatus::Running.code()]))
                .count()
                .get_result(c)
                .map_err(db_err)
        })
    }
}

impl domain::ports::JobQueue for Database {
    fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        self.claim_jobs(worker, now, lease, limit)
    }

    fn complete(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()> {
        self.complete_job(id, worker, now)
    }

    fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.fail_job(id, worker, error, retry_at, now)
    }

    fn pending(&self) -> Result<i64> {
        self.pending_jobs()
    }
}
